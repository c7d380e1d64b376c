/* End-to-end tests: the real framer program, run as a user runs it, on the
 * example batch and on bad input. Outputs are read back with jansson. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "test_util.h"

#ifndef FR_FRAMER
#error "FR_FRAMER (path of the framer program) must be defined"
#endif
#ifndef FR_SOURCE_DIR
#error "FR_SOURCE_DIR must be defined"
#endif

static char tmp[256];
static char model[512];

/* Runs a shell command; returns its exit status, stderr kept in tmp/err. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = test_vrun(tmp, fmt, ap);
	va_end(ap);
	return rc;
}

static char *stderr_text(void)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/err", tmp);
	return test_read_file(path, NULL);
}

static void write_file(const char *name, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	assert_int_equal(test_write_text(path, content), 0);
}

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp), "/tmp/fr_e2e_") != 0)
		return -1;
	snprintf(model, sizeof(model), "%s/models/m", tmp);
	return run("%s train --data %s/data/labeled/train.csv --model %s --quiet",
	           FR_FRAMER, FR_SOURCE_DIR, model) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

static const char *const boilerplate[] = {
	"Fight Censorship, Share This Post!", "LATEST VIDEO", "Leave a Comment", "Share post:",
	"By John Friend", "Drowning in Debt ad", "Reporting from Zero Hedge.", NULL
};

static void check_task(json_t *task, size_t *n_labels_out)
{
	assert_true(json_is_object(task));
	const char *label = json_string_value(json_object_get(task, "label"));
	json_t *conf = json_object_get(task, "confidence");
	json_t *scores = json_object_get(task, "scores");
	json_t *evidence = json_object_get(task, "evidence");
	assert_non_null(label);
	assert_true(json_is_number(conf));
	double c = json_number_value(conf);
	assert_true(c >= 0.0 && c <= 1.0);
	assert_true(json_is_object(scores));
	json_t *mine = json_object_get(scores, label);
	assert_non_null(mine);
	assert_true(fabs(json_number_value(mine) - c) < 1e-9);
	double sum = 0;
	const char *key;
	json_t *v;
	json_object_foreach(scores, key, v) {
		assert_true(json_number_value(v) <= c + 1e-9); /* the label is the top score */
		sum += json_number_value(v);
	}
	assert_true(fabs(sum - 1.0) < 0.01);
	assert_true(json_is_array(evidence));
	assert_true(json_array_size(evidence) <= 5);
	for (size_t i = 0; i < json_array_size(evidence); i++)
		assert_true(json_is_string(json_array_get(evidence, i)));
	*n_labels_out = json_object_size(scores);
}

static void test_e2e__classify_example_batch(void **state)
{
	(void)state;
	assert_int_equal(run("%s classify --model %s --out %s/out %s/data/batches/example --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/out/labels.jsonl", tmp);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char *line = NULL;
	size_t cap = 0, n = 0;
	while (getline(&line, &cap, fp) > 0) {
		json_error_t jerr;
		json_t *rec = json_loads(line, 0, &jerr);
		assert_non_null(rec);
		const char *id = json_string_value(json_object_get(rec, "id"));
		const char *doc = json_string_value(json_object_get(rec, "doc"));
		const char *text = json_string_value(json_object_get(rec, "text"));
		assert_non_null(id);
		assert_non_null(doc);
		assert_non_null(text);
		assert_true(json_is_integer(json_object_get(rec, "para")));
		assert_true(strncmp(id, doc, strlen(doc)) == 0);
		for (size_t b = 0; boilerplate[b]; b++)
			assert_string_not_equal(text, boilerplate[b]);
		assert_null(strstr(text, "(Reuters)"));
		size_t k = 0;
		check_task(json_object_get(rec, "stance"), &k);
		assert_int_equal(k, 3);
		check_task(json_object_get(rec, "frame"), &k);
		assert_true(k >= 8);
		json_decref(rec);
		n++;
	}
	free(line);
	fclose(fp);
	assert_true(n >= 60 && n <= 75);

	snprintf(path, sizeof(path), "%s/out/summary.json", tmp);
	json_t *summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);
	assert_int_equal(json_integer_value(json_object_get(summary, "paragraphs")), (json_int_t)n);
	json_t *skipped = json_object_get(summary, "skipped");
	assert_true(json_integer_value(json_object_get(skipped, "boilerplate")) >= 15);
	json_decref(summary);
	snprintf(path, sizeof(path), "%s/out/labels.csv", tmp);
	assert_int_equal(access(path, R_OK), 0);
}

static void test_e2e__outputs_are_deterministic(void **state)
{
	(void)state;
	assert_int_equal(run("%s classify --model %s --out %s/a %s/data/batches/example --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	assert_int_equal(run("%s classify --model %s --out %s/b %s/data/batches/example --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	assert_int_equal(run("cmp -s %s/a/labels.jsonl %s/b/labels.jsonl", tmp, tmp), 0);
	assert_int_equal(run("cmp -s %s/a/labels.csv %s/b/labels.csv", tmp, tmp), 0);
	assert_int_equal(run("cmp -s %s/a/summary.json %s/b/summary.json", tmp, tmp), 0);
	/* Training twice on the same data gives the same bundle, byte for byte. */
	assert_int_equal(run("%s train --data %s/data/labeled/train.csv --model %s/m2 --quiet",
	                     FR_FRAMER, FR_SOURCE_DIR, tmp), 0);
	assert_int_equal(run("diff -r %s %s/m2 >/dev/null", model, tmp), 0);
}

/* Trains into an existing bundle with bad data: exit 2, one line naming the
 * file and line, and the bundle left byte-identical. */
static void expect_train_refused(const char *csv_name, const char *csv, const char *needle)
{
	write_file(csv_name, csv);
	assert_int_equal(run("cp -a %s %s/before", model, tmp), 0);
	assert_int_equal(run("%s train --data %s/%s --model %s", FR_FRAMER, tmp, csv_name, model), 2);
	char *err = stderr_text();
	assert_non_null(err);
	char where[512];
	snprintf(where, sizeof(where), "framer: %s/%s:", tmp, csv_name);
	assert_non_null(strstr(err, where));
	assert_non_null(strstr(err, needle));
	assert_int_equal(strchr(err, '\n') - err, (long)strlen(err) - 1); /* one line */
	free(err);
	assert_int_equal(run("diff -r %s %s/before >/dev/null", model, tmp), 0);
	assert_int_equal(run("rm -rf %s/before", tmp), 0);
}

static void test_e2e__train_refuses_single_label(void **state)
{
	(void)state;
	expect_train_refused("one.csv", "id,text,stance\na,Peace talks now,neutral\nb,More talks,neutral\n",
	                     ":1: task 'stance' has only one label");
}

static void test_e2e__train_refuses_missing_text_column(void **state)
{
	(void)state;
	expect_train_refused("notext.csv", "id,body,stance\na,Peace talks now,neutral\n",
	                     ":1: no 'text' column");
}

static void test_e2e__train_refuses_broken_quoting(void **state)
{
	(void)state;
	expect_train_refused("quote.csv", "id,text,stance\na,\"Peace talks,neutral\nb,x,pro_russia\n",
	                     ":2: unterminated quoted field");
}

static void test_e2e__bad_records_are_skipped(void **state)
{
	(void)state;
	write_file("batch.jsonl",
	           "{\"id\":\"r1\",\"text\":\"China calls for a ceasefire and peace talks.\"}\n"
	           "not json at all\n"
	           "{\"id\":\"r3\",\"text\":42}\n"
	           "{\"id\":\"r4\",\"text\":\"NATO expansion provoked the crisis.\"}\n");
	assert_int_equal(run("%s classify --model %s --out %s/bad %s/batch.jsonl", FR_FRAMER, model, tmp, tmp), 0);
	char *err = stderr_text();
	char where[512];
	snprintf(where, sizeof(where), "%s/batch.jsonl:2:", tmp);
	assert_non_null(strstr(err, where));
	snprintf(where, sizeof(where), "%s/batch.jsonl:3:", tmp);
	assert_non_null(strstr(err, where));
	free(err);
	char path[512];
	snprintf(path, sizeof(path), "%s/bad/summary.json", tmp);
	json_t *summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);
	assert_int_equal(json_integer_value(json_object_get(summary, "paragraphs")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary, "skipped"), "bad_records")), 2);
	/* Every id of a small batch is checked for repeats. */
	assert_true(json_is_integer(json_object_get(summary, "ids_unchecked")));
	assert_int_equal(json_integer_value(json_object_get(summary, "ids_unchecked")), 0);
	json_decref(summary);
}

/* Regression (user walk-through: records of only spaces or dots, labeled
 * from nothing, headed review.csv): a paragraph with no word but stop
 * words is labeled but kept out of the review queue; one of spaces or
 * punctuation alone is an empty record, as such a .txt block is. */
static void test_e2e__wordless_paragraphs_are_not_reviewed(void **state)
{
	(void)state;
	write_file("wordless.jsonl",
	           "{\"id\":\"w1\",\"text\":\"   \"}\n"
	           "{\"id\":\"w2\",\"text\":\"...\"}\n"
	           "{\"id\":\"w3\",\"text\":\"Russian troops shelled Kharkiv again.\"}\n"
	           "{\"id\":\"w4\",\"text\":\"It is what it is.\"}\n");
	assert_int_equal(run("%s classify --model %s --out %s/wordless --quiet %s/wordless.jsonl", FR_FRAMER, model,
	                     tmp, tmp), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/wordless/summary.json", tmp);
	json_t *summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);
	assert_int_equal(json_integer_value(json_object_get(summary, "paragraphs")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary, "skipped"), "empty")), 2);
	json_decref(summary);
	snprintf(path, sizeof(path), "%s/wordless/labels.jsonl", tmp);
	char *labels = test_read_file(path, NULL);
	assert_non_null(labels);
	assert_null(strstr(labels, "\"id\":\"w2\""));
	assert_non_null(strstr(labels, "\"id\":\"w4\""));
	free(labels);
	snprintf(path, sizeof(path), "%s/wordless/review.csv", tmp);
	char *review = test_read_file(path, NULL);
	assert_non_null(review);
	assert_non_null(strstr(review, "\nw3,"));
	assert_null(strstr(review, "\nw1,"));
	assert_null(strstr(review, "\nw2,"));
	assert_null(strstr(review, "\nw4,"));
	free(review);
}

static void test_e2e__stdin_to_stdout(void **state)
{
	(void)state;
	write_file("in.jsonl", "{\"id\":\"x1\",\"text\":\"Sham referenda and mobilization are signs of weakness.\"}\n"
	                       "{\"text\":\"China and Russia deepen their partnership.\"}\n");
	assert_int_equal(run("%s classify --model %s - < %s/in.jsonl > %s/stdout.jsonl",
	                     FR_FRAMER, model, tmp, tmp), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/stdout.jsonl", tmp);
	char *out = test_read_file(path, NULL);
	assert_non_null(out);
	assert_non_null(strstr(out, "{\"id\":\"x1\""));
	assert_non_null(strstr(out, "{\"id\":\"<stdin>#2\""));
	free(out);

	/* --format csv: labels.csv's layout, header first (it was JSON Lines). */
	assert_int_equal(run("%s classify --model %s --format csv - < %s/in.jsonl > %s/stdout.csv",
	                     FR_FRAMER, model, tmp, tmp), 0);
	snprintf(path, sizeof(path), "%s/stdout.csv", tmp);
	out = test_read_file(path, NULL);
	assert_non_null(out);
	assert_true(strncmp(out, "id,doc,para,text,stance,stance_confidence,", 42) == 0);
	assert_non_null(strstr(out, "\nx1,<stdin>,1,Sham referenda and mobilization are signs of weakness.,"));
	assert_non_null(strstr(out, "\n<stdin>#2,<stdin>,2,China and Russia deepen their partnership.,"));
	free(out);
}

static void test_e2e__exit_codes(void **state)
{
	(void)state;
	assert_int_equal(run("%s --version >/dev/null", FR_FRAMER), 0);
	assert_int_equal(run("%s train --help >/dev/null", FR_FRAMER), 0);
	assert_int_equal(run("%s classify --help >/dev/null", FR_FRAMER), 0);
	assert_int_equal(run("%s evaluate --help >/dev/null", FR_FRAMER), 0);
	assert_int_equal(run("%s", FR_FRAMER), 1);
	assert_int_equal(run("%s frobnicate", FR_FRAMER), 1);
	assert_int_equal(run("%s train --data x.csv", FR_FRAMER), 1);
	/* Files named by options that do not exist are I/O failures. */
	assert_int_equal(run("%s evaluate --model %s --data %s/data/labeled/test.csv --cv 3 --train %s/none.csv",
	                     FR_FRAMER, model, FR_SOURCE_DIR, tmp), 4);
	assert_int_equal(run("%s classify --model %s --rules %s/none.rules --out %s/o6 %s/data/batches/example",
	                     FR_FRAMER, model, tmp, tmp, FR_SOURCE_DIR), 4);
	assert_int_equal(run("%s classify --model %s --bogus x", FR_FRAMER, model), 1);
	/* Values out of range are usage errors too. */
	assert_int_equal(run("%s classify --model %s --threads 0 x.txt", FR_FRAMER, model), 1);
	assert_int_equal(run("%s classify --model %s --threads many x.txt", FR_FRAMER, model), 1);
	assert_int_equal(run("%s classify --model %s --format xml x.txt", FR_FRAMER, model), 1);
	assert_int_equal(run("%s evaluate --model %s --data x.csv --cv 1", FR_FRAMER, model), 1);
	assert_int_equal(run("%s evaluate --model %s --data x.csv --cv -3", FR_FRAMER, model), 1);
	assert_int_equal(run("%s train --data x.csv", FR_FRAMER), 1);
	/* A missing or corrupt model is exit 3. */
	assert_int_equal(run("%s classify --model %s/nope %s/data/batches/example", FR_FRAMER, tmp, FR_SOURCE_DIR), 3);
	assert_int_equal(run("cp -a %s %s/broken && echo '{' > %s/broken/model.json", model, tmp, tmp), 0);
	assert_int_equal(run("%s classify --model %s/broken --out %s/o3 %s/data/batches/example",
	                     FR_FRAMER, tmp, tmp, FR_SOURCE_DIR), 3);
	char *err = stderr_text();
	assert_non_null(strstr(err, "broken/model.json"));
	free(err);
	/* A bundle from before such names were refused, with a task named
	 * like a column framer writes: its labels.jsonl would repeat a key. */
	assert_int_equal(run("cp -a %s %s/para && sed -i 's/\"name\": \"frame\"/\"name\": \"para\"/' "
	                     "%s/para/model.json", model, tmp, tmp), 0);
	assert_int_equal(run("%s classify --model %s/para --out %s/o7 %s/data/batches/example",
	                     FR_FRAMER, tmp, tmp, FR_SOURCE_DIR), 3);
	err = stderr_text();
	assert_non_null(strstr(err, "para/model.json: 'para' is a column framer writes"));
	free(err);
	/* A missing input is an I/O failure (4); a folder with no inputs is bad data (2). */
	assert_int_equal(run("%s classify --model %s --out %s/o4 %s/missing.txt", FR_FRAMER, model, tmp, tmp), 4);
	assert_int_equal(run("mkdir -p %s/emptydir", tmp), 0);
	assert_int_equal(run("%s classify --model %s --out %s/o5 %s/emptydir", FR_FRAMER, model, tmp, tmp), 2);
}

static void test_e2e__evaluate_prints_accuracy(void **state)
{
	(void)state;
	assert_int_equal(run("%s evaluate --model %s --data %s/data/labeled/test.csv > %s/eval.txt",
	                     FR_FRAMER, model, FR_SOURCE_DIR, tmp), 0);
	char path[512];
	snprintf(path, sizeof(path), "%s/eval.txt", tmp);
	char *out = test_read_file(path, NULL);
	assert_non_null(out);
	assert_non_null(strstr(out, "stance"));
	assert_non_null(strstr(out, "accuracy"));
	free(out);

	/* A task with no labeled test row is said to be not scored, not 0.000. */
	snprintf(path, sizeof(path), "%s/stance_only.csv", tmp);
	assert_int_equal(test_write_text(path, "id,text,stance,frame\n1,Putin invaded Ukraine,pro_ukraine,\n"
	                                       "2,China calls for talks,neutral,\n"), 0);
	assert_int_equal(run("%s evaluate --model %s --data %s > %s/eval2.txt", FR_FRAMER, model, path, tmp), 0);
	snprintf(path, sizeof(path), "%s/eval2.txt", tmp);
	out = test_read_file(path, NULL);
	assert_non_null(out);
	assert_non_null(strstr(out, "frame      not scored: no test row has a label for it"));
	assert_non_null(strstr(out, "stance     accuracy"));
	free(out);

	/* Test rows trained on are counted; a training row with no label was
	 * left out of training and is not. */
	char train[512], test[512];
	snprintf(train, sizeof(train), "%s/tiny_train.csv", tmp);
	snprintf(test, sizeof(test), "%s/tiny_test.csv", tmp);
	assert_int_equal(test_write_text(train, "id,text,stance\n1,Russian troops shelled Ukraine again,pro_ukraine\n"
	                                        "2,NATO troops provoked Russia again,pro_russia\n"
	                                        "3,Talks between Russia and Ukraine may resume,\n"
	                                        "4,Ukraine asked for more troops,pro_ukraine\n"
	                                        "5,NATO provoked the war in Ukraine,pro_russia\n"), 0);
	assert_int_equal(test_write_text(test, "id,text,stance\n7,Talks between Russia and Ukraine may resume,pro_ukraine\n"
	                                       "8,Ukraine asked for more troops,pro_ukraine\n"
	                                       "9,Grain ships left Odesa,pro_ukraine\n"), 0);
	assert_int_equal(run("%s train --data %s --model %s/tiny --quiet && "
	                     "%s evaluate --model %s/tiny --data %s --report %s/tiny_report --quiet",
	                     FR_FRAMER, train, tmp, FR_FRAMER, tmp, test, tmp), 0);
	snprintf(path, sizeof(path), "%s/err", tmp);
	out = test_read_file(path, NULL);
	assert_non_null(strstr(out, "tiny_test.csv:3: 1 of the 3 test rows (this one first) have a text"));
	free(out);
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/tiny_report/report.json", tmp);
	json_t *report = json_load_file(path, 0, &jerr);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(report, "data"), "rows_in_training")), 1);
	json_decref(report);
}

/* The stance task's notes on label in onedoc_report/report.json, as JSON
 * text ("null" without any): 0, or -1 when the report cannot be read. */
static int onedoc_notes(char *buf, size_t size, const char *label)
{
	char path[512];
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/onedoc_report/report.json", tmp);
	json_t *r = json_load_file(path, 0, &jerr);
	if (r == NULL)
		return -1;
	json_t *notes = json_object_get(json_object_get(json_object_get(json_object_get(r, "tasks"), "stance"),
	                                                "label_notes"), label);
	char *text = json_dumps(notes, JSON_ENCODE_ANY);
	snprintf(buf, size, "%s", text ? text : "null");
	free(text);
	json_decref(r);
	return 0;
}

/* A label whose rows are all in one document is named at training time
 * (grouped cross-validation can never test it); once a row of a second
 * document has it, the warning goes. */
static void test_e2e__label_in_one_document_warned(void **state)
{
	(void)state;
	char train[512];
	const char *rows = "id,document,text,stance\n"
	                   "1,a,Russian troops shelled Kyiv again and Ukraine will defend itself,pro_ukraine\n"
	                   "2,a,Ukraine asked for more air defence to defend Kyiv,pro_ukraine\n"
	                   "3,b,Ukraine will defend Kyiv against Russian troops,pro_ukraine\n"
	                   "4,b,More air defence for Ukraine to defend its cities,pro_ukraine\n"
	                   "5,c,Talks between Russia and Ukraine may resume this week,neutral\n"
	                   "6,c,The envoys met for talks this week,neutral\n"
	                   "7,d,Russia and Ukraine may hold talks this week,neutral\n"
	                   "8,d,The envoys said talks may resume,neutral\n"
	                   "9,e,NATO provoked the special military operation,pro_russia\n"
	                   "10,e,The West and NATO ignored Russia's security concerns,pro_russia\n"
	                   "11,e,NATO expansion provoked the special military operation,pro_russia\n";
	snprintf(train, sizeof(train), "%s/onedoc_train.csv", tmp);
	assert_int_equal(test_write_text(train, rows), 0);
	assert_int_equal(run("%s train --data %s --model %s/onedoc --quiet", FR_FRAMER, train, tmp), 0);
	char *err = stderr_text();
	assert_non_null(strstr(err, "framer: warning: "));
	assert_non_null(strstr(err, "onedoc_train.csv:10: task 'stance': label 'pro_russia': its 3 training rows "
	                            "are all in one document"));
	assert_non_null(strstr(err, "(this one: 'e')"));
	assert_null(strstr(err, "'neutral'"));
	free(err);
	/* The report's notes say it beside the label's cross-validated figures. */
	assert_int_equal(run("%s evaluate --model %s/onedoc --data %s --cv 2 --report %s/onedoc_report --quiet",
	                     FR_FRAMER, tmp, train, tmp), 0);
	char note[2048];
	assert_int_equal(onedoc_notes(note, sizeof(note), "pro_russia"), 0);
	assert_non_null(strstr(note, "All its training rows are in one document ('e')"));
	assert_int_equal(onedoc_notes(note, sizeof(note), "neutral"), 0);
	assert_null(strstr(note, "one document"));

	char more[1024];
	snprintf(more, sizeof(more), "%s12,f,NATO provoked this war,pro_russia\n", rows);
	assert_int_equal(test_write_text(train, more), 0);
	assert_int_equal(run("%s train --data %s --model %s/onedoc --quiet", FR_FRAMER, train, tmp), 0);
	err = stderr_text();
	assert_null(strstr(err, "in one document"));
	free(err);
	assert_int_equal(run("%s evaluate --model %s/onedoc --data %s --cv 2 --report %s/onedoc_report --quiet",
	                     FR_FRAMER, tmp, train, tmp), 0);
	assert_int_equal(onedoc_notes(note, sizeof(note), "pro_russia"), 0);
	assert_null(strstr(note, "one document"));
}

/* A label is a label whatever blanks surround it, in training and in
 * evaluation alike; labels equal but for case stay two, with a warning
 * that names both and where each is written. */
static void test_e2e__labels_trimmed_and_case_warned(void **state)
{
	(void)state;
	char train[512], test[512], path[512];
	snprintf(train, sizeof(train), "%s/case_train.csv", tmp);
	snprintf(test, sizeof(test), "%s/case_test.csv", tmp);
	assert_int_equal(test_write_text(train, "id,text,stance\n1,Russian troops shelled Ukraine again,pro_ukraine\n"
	                                        "2,NATO troops provoked Russia again, pro_russia \n"
	                                        "3,Talks between Russia and Ukraine may resume,Pro_Russia\n"
	                                        "4,Ukraine asked for more troops,pro_ukraine\n"
	                                        "5,NATO provoked the war in Ukraine,pro_russia\n"
	                                        "6,Grain ships left Odesa,   \n"), 0);
	assert_int_equal(test_write_text(test, "id,text,stance\n7,Ukraine asked for troops, pro_ukraine\n"
	                                       "8,NATO provoked Russia,\"pro_russia\t\"\n"), 0);
	assert_int_equal(run("%s train --data %s --model %s/case --quiet", FR_FRAMER, train, tmp), 0);
	char *err = stderr_text();
	assert_non_null(strstr(err, "framer: warning: "));
	assert_non_null(strstr(err, "case_train.csv:3: task 'stance': labels 'pro_russia' (here) and "
	                            "'Pro_Russia' ("));
	assert_non_null(strstr(err, "case_train.csv:4) differ only in case"));
	free(err);
	snprintf(path, sizeof(path), "%s/case/model.json", tmp);
	json_error_t jerr;
	json_t *m = json_load_file(path, 0, &jerr);
	assert_non_null(m);
	json_t *labels = json_object_get(json_array_get(json_object_get(m, "tasks"), 0), "labels");
	assert_int_equal(json_array_size(labels), 3);
	assert_string_equal(json_string_value(json_array_get(labels, 0)), "Pro_Russia");
	assert_string_equal(json_string_value(json_array_get(labels, 1)), "pro_russia");
	assert_string_equal(json_string_value(json_array_get(labels, 2)), "pro_ukraine");
	json_decref(m);
	/* The test file's spaced labels are the model's own, not unknown ones. */
	assert_int_equal(run("%s evaluate --model %s/case --data %s", FR_FRAMER, tmp, test), 0);
	err = stderr_text();
	assert_null(strstr(err, "not one the model knows"));
	free(err);
}

/* model.json records paths as train was given them, relative to the folder
 * it ran in. Cross-validation from another folder uses the stop words the
 * model holds, not the file it names, and scores the same; without
 * --train it says which path it could not read and to give one. */
static void test_e2e__cv_from_another_folder(void **state)
{
	(void)state;
	assert_int_equal(run("cd %s && %s train --data data/labeled/train.csv --model %s/models/rel --quiet",
	                     FR_SOURCE_DIR, FR_FRAMER, tmp), 0);
	assert_int_equal(run("cd %s && %s evaluate --model %s/models/rel --data data/labeled/test.csv --cv 3 "
	                     "--report %s/rel-here --quiet",
	                     FR_SOURCE_DIR, FR_FRAMER, tmp, tmp), 0);
	assert_int_equal(run("cd %s && %s evaluate --model models/rel --data %s/data/labeled/test.csv --cv 3 "
	                     "--train %s/data/labeled/train.csv --report rel-there --quiet",
	                     tmp, FR_FRAMER, FR_SOURCE_DIR, FR_SOURCE_DIR), 0);
	char here[512], there[512];
	snprintf(here, sizeof(here), "%s/rel-here/report.json", tmp);
	snprintf(there, sizeof(there), "%s/rel-there/report.json", tmp);
	json_t *a = json_load_file(here, 0, NULL), *b = json_load_file(there, 0, NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(json_object_get(json_object_get(a, "cv"), "k"));
	assert_true(json_equal(json_object_get(a, "tasks"), json_object_get(b, "tasks")));
	json_decref(a);
	json_decref(b);

	assert_int_equal(run("cd %s && %s evaluate --model models/rel --data %s/data/labeled/test.csv --cv 3 --quiet",
	                     tmp, FR_FRAMER, FR_SOURCE_DIR), 4);
	char *err = stderr_text();
	assert_non_null(err);
	assert_non_null(strstr(err, "data/labeled/train.csv"));
	assert_non_null(strstr(err, "give --train"));
	free(err);
}

/* report.json of the report in tmp/dir (the caller frees it). */
static json_t *load_report(const char *dir)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/report.json", tmp, dir);
	json_t *report = json_load_file(path, 0, NULL);
	assert_non_null(report);
	return report;
}

/* Regression (a row of "***", "1.", stop words or a word too rare for
 * min_df was trained as an empty vector, a lean toward its label): train
 * leaves such rows out with one warning and counts them in its summary.
 * Test rows are all scored, held out and in cross-validation, as classify
 * labels such a paragraph; one whose text a left-out row has is held-out. */
static void test_e2e__rows_without_words_left_out_of_training(void **state)
{
	(void)state;
	char train[512], want[600];
	write_file("no_word_train.csv", "id,document,text,stance\n1,a,Russian troops shelled Ukraine again,pro_ukraine\n"
	           "2,b,NATO troops provoked Russia again,pro_russia\n3,c,Ukraine asked for more troops,pro_ukraine\n"
	           "4,d,NATO provoked the war in Ukraine,pro_russia\n5,e,***,pro_russia\n6,f,the of and it,pro_ukraine\n"
	           "7,g,1.,pro_ukraine\n8,h,Zelenskyy,pro_russia\n9,i,Russian troops shelled Ukraine,pro_ukraine\n"
	           "10,j,NATO provoked Russia,pro_russia\n11,k,Ukraine asked for troops,pro_ukraine\n"
	           "12,l,NATO troops provoked the war,pro_russia\n");
	write_file("no_word_test.csv", "id,text,stance\nt1,NATO troops provoked Russia,pro_russia\nt2,***,pro_russia\n"
	           "t3,the of and,pro_ukraine\n");
	snprintf(train, sizeof(train), "%s/no_word_train.csv", tmp);
	assert_int_equal(run("%s train --data %s --model %s/no_word_model", FR_FRAMER, train, tmp), 0);
	char *err = stderr_text();
	snprintf(want, sizeof(want), "framer: warning: %s:6: 4 rows (this one first) have no word in the vocabulary", train);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "framer: %s: 8 rows (0 with empty text and 4 with no known word left out), ", train);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "stance   pro_russia 4 pro_ukraine 4\n"));
	free(err);

	assert_int_equal(run("%s evaluate --model %s/no_word_model --data %s/no_word_test.csv --cv 2 "
	                     "--report %s/no_word_report --quiet", FR_FRAMER, tmp, tmp, tmp), 0);
	err = stderr_text();
	assert_null(strstr(err, "have a text the model was trained on"));
	free(err);
	json_t *report = load_report("no_word_report");
	json_t *stance = json_object_get(json_object_get(report, "tasks"), "stance");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(stance, "test"), "n")), 3);
	json_t *folds = json_object_get(json_object_get(stance, "cv"), "folds");
	json_int_t held_out = 0;
	for (size_t f = 0; f < json_array_size(folds); f++)
		held_out += json_integer_value(json_object_get(json_array_get(folds, f), "n"));
	assert_int_equal(held_out, 12);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(report, "data"), "rows_in_training")), 0);
	json_decref(report);
}

static const char tiny_labeled[] =
	"id,text,stance\n"
	"1,Russian troops shelled Kharkiv again overnight,pro_ukraine\n"
	"2,NATO expansion provoked the conflict say officials in Moscow,pro_russia\n"
	"3,Ukraine defends its cities against Russian missiles,pro_ukraine\n"
	"4,The West provoked Russia with weapons for Kyiv,pro_russia\n"
	"5,Ukrainian soldiers held the line near Bakhmut,pro_ukraine\n"
	"6,Moscow says NATO provoked the war,pro_russia\n"
	"7,Russian missiles hit a Ukrainian power plant,pro_ukraine\n"
	"8,Western sanctions provoked Russia say officials,pro_russia\n"
	"9,Kyiv asks allies for more air defence against Russian drones,pro_ukraine\n"
	"10,Officials in Moscow blame NATO for the war,pro_russia\n"
	"11,Ukraine repelled another Russian attack,pro_ukraine\n"
	"12,NATO weapons provoked Moscow again,pro_russia\n";

/* Regression (walk-through): a model evaluated from another folder on a
 * copy of its own training file scored 1.000 "on held-out test paragraphs",
 * with rows_in_training null and no warning; and --cv on a training file
 * cut since training said nothing. The test file's sha256 against the
 * training files' tells the first (a warning, data.training_file); a test
 * file it cannot check is not called held-out, and the report says why;
 * a changed training file under --cv is a warning and a Provenance note. */
static void test_e2e__evaluate_checks_the_training_files(void **state)
{
	(void)state;
	assert_int_equal(run("mkdir -p %s/own", tmp), 0);
	write_file("own/t.csv", tiny_labeled);
	write_file("other.csv", "id,text,stance\n1,Grain ships left Odesa,pro_ukraine\n"
	                        "2,Moscow hosted talks,pro_russia\n");
	assert_int_equal(run("cd %s/own && %s train --data t.csv --model ../own_m --quiet", tmp, FR_FRAMER), 0);

	/* Its own training file, copied elsewhere: t.csv is not readable from tmp. */
	assert_int_equal(run("cd %s && cp own/t.csv copy.csv && %s evaluate --model own_m --data copy.csv "
	                     "--report self --quiet", tmp, FR_FRAMER), 0);
	char *err = stderr_text();
	assert_non_null(strstr(err, "framer: warning: copy.csv: the test file is the model's training file "
	                            "'t.csv' (the sha256 model.json records): its scores are not held-out\n"));
	free(err);
	json_t *report = load_report("self");
	json_t *data = json_object_get(report, "data");
	assert_string_equal(json_string_value(json_object_get(data, "training_file")), "t.csv");
	assert_int_equal(json_integer_value(json_object_get(data, "rows_in_training")), 12);
	json_decref(report);
	char path[512];
	snprintf(path, sizeof(path), "%s/self/report.md", tmp);
	char *md = test_read_file(path, NULL);
	assert_non_null(strstr(md, "**Warning:** the test file is the model's training file `t.csv`"));
	assert_null(strstr(md, "held-out test paragraphs"));
	free(md);

	/* Another file, from where the training file cannot be read: unknown. */
	assert_int_equal(run("cd %s && %s evaluate --model own_m --data other.csv --report other --quiet",
	                     tmp, FR_FRAMER), 0);
	report = load_report("other");
	data = json_object_get(report, "data");
	assert_true(json_is_null(json_object_get(data, "rows_in_training")));
	assert_null(json_object_get(data, "training_file"));
	assert_non_null(strstr(json_string_value(json_object_get(data, "rows_in_training_unknown")),
	                       "model.json's training file 't.csv' cannot be read from here"));
	json_decref(report);
	snprintf(path, sizeof(path), "%s/other/report.md", tmp);
	md = test_read_file(path, NULL);
	assert_non_null(strstr(md, "Whether the model was trained on any of them could not be checked (model.json"));
	assert_null(strstr(md, "held-out test paragraphs"));
	free(md);

	/* --cv on the training file as it was: no warning, the same data. */
	assert_int_equal(run("cd %s/own && %s evaluate --model ../own_m --data ../other.csv --cv 2 --report ../cv1 "
	                     "--quiet", tmp, FR_FRAMER), 0);
	err = stderr_text();
	assert_null(strstr(err, "changed since"));
	free(err);
	report = load_report("cv1");
	assert_true(json_is_true(json_object_get(json_object_get(report, "cv"), "same_as_training")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(report, "data"), "rows_in_training")), 0);
	json_decref(report);

	/* ... and cut since: a warning naming it, and the report says so. */
	assert_int_equal(run("cd %s/own && head -n 11 t.csv > t.tmp && mv t.tmp t.csv && %s evaluate --model "
	                     "../own_m --data ../other.csv --cv 2 --report ../cv2 --quiet", tmp, FR_FRAMER), 0);
	err = stderr_text();
	assert_non_null(strstr(err, "framer: warning: t.csv: changed since the model was trained (its sha256 is "
	                            "not the one model.json records): the cross-validation is not on the data "
	                            "the model was trained on\n"));
	free(err);
	report = load_report("cv2");
	assert_true(json_is_false(json_object_get(json_object_get(report, "cv"), "same_as_training")));
	assert_true(json_is_null(json_object_get(json_object_get(report, "data"), "rows_in_training")));
	json_decref(report);
	snprintf(path, sizeof(path), "%s/cv2/report.md", tmp);
	md = test_read_file(path, NULL);
	assert_non_null(strstr(md, "**Not the data the model was trained on:** `t.csv` has changed since training"));
	assert_non_null(strstr(md, "has changed since the model was trained: its sha256 is not the one model.json "
	                           "records), so their scores may not be held-out."));
	free(md);
}

/* The report's test figures are those of the labels classify writes for the
 * same file: an analyst can recompute them from labels.jsonl. */
static void test_e2e__report_agrees_with_classify(void **state)
{
	(void)state;
	assert_int_equal(run("%s evaluate --model %s --data %s/data/labeled/test.csv --cv 3 --report %s/rep --quiet",
	                     FR_FRAMER, model, FR_SOURCE_DIR, tmp), 0);
	assert_int_equal(run("%s classify --model %s --out %s/tl %s/data/labeled/test.csv --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	char path[512];
	const char *names[] = { "report.md", "report.html", "report.json" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/rep/%s", tmp, names[i]);
		assert_int_equal(access(path, R_OK), 0);
	}
	snprintf(path, sizeof(path), "%s/rep/report.json", tmp);
	json_t *report = json_load_file(path, 0, NULL);
	assert_non_null(report);
	/* Truth by id from the test CSV's labels, as framer's own reader sees them. */
	snprintf(path, sizeof(path), "%s/tl/labels.jsonl", tmp);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char truth_path[512];
	snprintf(truth_path, sizeof(truth_path), "%s/data/labeled/test.csv", FR_SOURCE_DIR);
	char *csv = test_read_file(truth_path, NULL);
	assert_non_null(csv);
	size_t n = 0, right = 0;
	double conf_sum = 0.0, *confs = NULL;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) > 0) {
		json_t *rec = json_loads(line, 0, NULL);
		assert_non_null(rec);
		const char *id = json_string_value(json_object_get(rec, "id"));
		const char *label = json_string_value(json_object_get(json_object_get(rec, "stance"), "label"));
		/* Rows look like: id,document,source,date,"text",stance,frame */
		char key[600];
		snprintf(key, sizeof(key), "\n%s,", id);
		char *at = strstr(csv, key);
		assert_non_null(at);
		char *eol = strchr(at + 1, '\n');
		assert_non_null(eol);
		/* The stance is the second-to-last field of the row. */
		char *last_comma = eol;
		while (*--last_comma != ',')
			;
		char *prev_comma = last_comma;
		while (*--prev_comma != ',')
			;
		right += (size_t)(last_comma - prev_comma - 1) == strlen(label) &&
		         strncmp(prev_comma + 1, label, strlen(label)) == 0;
		conf_sum += json_number_value(json_object_get(json_object_get(rec, "stance"), "confidence"));
		double *grown = realloc(confs, (n + 1) * sizeof(*confs));
		assert_non_null(grown);
		confs = grown;
		confs[n] = json_number_value(json_object_get(json_object_get(rec, "stance"), "confidence"));
		n++;
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	free(csv);
	json_t *test = json_object_get(json_object_get(json_object_get(report, "tasks"), "stance"), "test");
	assert_int_equal(json_integer_value(json_object_get(test, "n")), (json_int_t)n);
	assert_true(fabs(json_number_value(json_object_get(test, "accuracy")) - (double)right / (double)n) < 1e-9);
	/* Regression (the report said "review below 0.979" for 151 paragraphs,
	 * and labels.jsonl had 150 under 0.979: the 151st printed as 0.9790):
	 * the review cut applied to labels.jsonl's confidences picks the
	 * paragraphs the table counts. */
	json_t *th = json_object_get(json_object_get(json_object_get(report, "tasks"), "stance"), "thresholds");
	assert_true(json_array_size(th) >= 5);
	for (size_t i = 0; i < json_array_size(th); i++) {
		double cut = json_number_value(json_object_get(json_array_get(th, i), "review_below"));
		json_int_t under = 0;
		for (size_t j = 0; j < n; j++)
			under += confs[j] < cut;
		if (under != json_integer_value(json_object_get(json_array_get(th, i), "review")))
			fail_msg("review below %.4f: %lld in labels.jsonl, %lld in the report", cut, (long long)under,
			         (long long)json_integer_value(json_object_get(json_array_get(th, i), "review")));
	}
	free(confs);
	/* The reliability table: over the same confidences labels.jsonl holds
	 * (4 decimals there), on test and pooled over the cross-validation folds. */
	json_t *rel = json_object_get(json_object_get(json_object_get(report, "tasks"), "stance"), "reliability");
	json_t *rel_test = json_object_get(rel, "test");
	assert_int_equal(json_integer_value(json_object_get(rel_test, "n")), (json_int_t)n);
	assert_int_equal(json_array_size(json_object_get(rel_test, "bins")), 10);
	assert_true(fabs(json_number_value(json_object_get(rel_test, "confidence")) - conf_sum / (double)n) < 1e-4);
	assert_true(json_is_number(json_object_get(rel_test, "ece")));
	assert_non_null(json_object_get(rel, "cv"));
	static const struct { const char *file, *shows; } shown[] = {
		{ "report.md", "\n### Calibration\n" },
		{ "report.md", "\n| confidence | test paragraphs | mean confidence |" },
		{ "report.md", "expected calibration error" },
		{ "report.html", "<table class=\"reliability\">" },
		{ "report.html", "<svg class=\"reliability\"" },
	};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		snprintf(path, sizeof(path), "%s/rep/%s", tmp, shown[i].file);
		char *text = test_read_file(path, NULL);
		assert_non_null(text);
		assert_non_null(strstr(text, shown[i].shows));
		free(text);
	}
	json_decref(report);
}

/* Reads labels.jsonl-style output into id -> the task objects, as text. */
static json_t *labels_by_id(const char *path)
{
	json_t *map = json_object();
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) > 0) {
		json_t *rec = json_loads(line, 0, NULL);
		assert_non_null(rec);
		json_t *tasks = json_pack("{s:O, s:O}", "stance", json_object_get(rec, "stance"),
		                          "frame", json_object_get(rec, "frame"));
		char *text = json_dumps(tasks, JSON_SORT_KEYS | JSON_COMPACT);
		const char *id = json_string_value(json_object_get(rec, "id"));
		assert_null(json_object_get(map, id)); /* each id once */
		json_object_set_new(map, id, json_string(text));
		free(text);
		json_decref(tasks);
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	return map;
}

/* Sharding a corpus with GNU parallel gives, record for record, the labels
 * of one process (README: "Beyond one machine"). */
static void test_e2e__parallel_shards_equal_single_run(void **state)
{
	(void)state;
	char in[512], single[512], sharded[512];
	snprintf(in, sizeof(in), "%s/records.jsonl", tmp);
	snprintf(single, sizeof(single), "%s/single.jsonl", tmp);
	snprintf(sharded, sizeof(sharded), "%s/sharded.jsonl", tmp);
	/* 20,000 records: the training texts over and over, each with its own id. */
	char train_path[512];
	snprintf(train_path, sizeof(train_path), "%s/data/labeled/train.csv", FR_SOURCE_DIR);
	json_t *texts = json_array();
	assert_int_equal(run("%s classify --model %s --out %s/tr --format jsonl --quiet %s",
	                     FR_FRAMER, model, tmp, train_path), 0);
	char tr[512];
	snprintf(tr, sizeof(tr), "%s/tr/labels.jsonl", tmp);
	FILE *fp = fopen(tr, "rb");
	assert_non_null(fp);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, fp) > 0) {
		json_t *rec = json_loads(line, 0, NULL);
		json_array_append(texts, json_object_get(rec, "text"));
		json_decref(rec);
	}
	free(line);
	fclose(fp);
	assert_true(json_array_size(texts) > 100);
	FILE *out = fopen(in, "wb");
	assert_non_null(out);
	for (size_t i = 0; i < 20000; i++) {
		char idbuf[32];
		snprintf(idbuf, sizeof(idbuf), "r%05zu", i);
		json_t *rec = json_pack("{s:s, s:O}", "id", idbuf, "text", json_array_get(texts, i % json_array_size(texts)));
		json_dumpf(rec, out, JSON_COMPACT);
		fputc('\n', out);
		json_decref(rec);
	}
	fclose(out);
	json_decref(texts);
	assert_int_equal(run("%s classify --model %s --quiet - < %s > %s", FR_FRAMER, model, in, single), 0);
	assert_int_equal(run("parallel -k --will-cite --pipe -N 1000 %s classify --model %s --threads 1 --quiet - < %s > %s",
	                     FR_FRAMER, model, in, sharded), 0);
	json_t *a = labels_by_id(single), *b = labels_by_id(sharded);
	assert_int_equal(json_object_size(a), 20000);
	assert_int_equal(json_object_size(b), 20000);
	const char *id;
	json_t *v;
	json_object_foreach(a, id, v) {
		json_t *w = json_object_get(b, id);
		assert_non_null(w);
		assert_string_equal(json_string_value(v), json_string_value(w));
	}
	json_decref(a);
	json_decref(b);
}

/* The output does not depend on the number of threads. */
static void test_e2e__threads_do_not_change_output(void **state)
{
	(void)state;
	char train_path[512];
	snprintf(train_path, sizeof(train_path), "%s/data/labeled/train.csv", FR_SOURCE_DIR);
	assert_int_equal(run("%s classify --model %s --out %s/th1 --threads 1 --quiet %s %s/data/batches/example",
	                     FR_FRAMER, model, tmp, train_path, FR_SOURCE_DIR), 0);
	assert_int_equal(run("%s classify --model %s --out %s/th2 --threads 2 --quiet %s %s/data/batches/example",
	                     FR_FRAMER, model, tmp, train_path, FR_SOURCE_DIR), 0);
	assert_int_equal(run("%s classify --model %s --out %s/th7 --threads 7 --quiet %s %s/data/batches/example",
	                     FR_FRAMER, model, tmp, train_path, FR_SOURCE_DIR), 0);
	assert_int_equal(run("cmp -s %s/th1/labels.jsonl %s/th2/labels.jsonl", tmp, tmp), 0);
	assert_int_equal(run("cmp -s %s/th1/labels.jsonl %s/th7/labels.jsonl", tmp, tmp), 0);
	assert_int_equal(run("cmp -s %s/th1/labels.csv %s/th2/labels.csv", tmp, tmp), 0);
	assert_int_equal(run("cmp -s %s/th1/summary.json %s/th2/summary.json", tmp, tmp), 0);
}

/* Problems are reported in input order whatever the thread count: bad lines
 * spread over several batches give the same stderr and summary.json. */
static void test_e2e__problems_in_input_order(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/mixed.jsonl", tmp);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	for (int i = 1; i <= 900; i++) {
		if (i % 97 == 0)
			fprintf(fp, "not json, line %d\n", i);
		else if (i % 131 == 0)
			fprintf(fp, "{\"id\":\"x%d\",\"text\":%d}\n", i, i);
		else
			fprintf(fp, "{\"id\":\"x%d\",\"text\":\"Peace talks and sanctions, item %d\"}\n", i, i);
	}
	fclose(fp);
	for (int th = 1; th <= 2; th++) {
		/* Braces, so this redirect is not overridden by run()'s own. */
		assert_int_equal(run("{ %s classify --model %s --out %s/mx%d --threads %d --quiet %s 2>%s/mx%d.err; }",
		                     FR_FRAMER, model, tmp, th, th, path, tmp, th), 0);
	}
	assert_int_equal(run("cmp -s %s/mx1.err %s/mx2.err", tmp, tmp), 0);
	assert_int_equal(run("cmp -s %s/mx1/summary.json %s/mx2/summary.json", tmp, tmp), 0);
	assert_int_equal(run("cmp -s %s/mx1/labels.jsonl %s/mx2/labels.jsonl", tmp, tmp), 0);
	assert_int_equal(run("test $(grep -c skipped %s/mx1.err) -eq 15", tmp), 0); /* 9 + 6 bad lines */
}

/* An input that cannot be read ends the run with a report; it never spins.
 * As it was the only input, nothing is labeled: exit 2. */
static void test_e2e__unreadable_stdin_ends(void **state)
{
	(void)state;
	assert_int_equal(run("timeout 20 %s classify --model %s - < / > %s/dir.out", FR_FRAMER, model, tmp), 2);
	char *err = stderr_text();
	/* What went wrong is said, not only that something did. */
	assert_non_null(strstr(err, "framer: <stdin>: read failed: Is a directory (skipped)"));
	assert_non_null(strstr(err, "nothing labeled"));
	free(err);
}

/* A standard stream closed by the caller (2>&-) must not become an output:
 * its number went to the first temporary opened, and the progress lines
 * were written into labels.jsonl (labels.csv with stdout closed too), exit
 * 0. Standard output closed is still a failure for what is printed there. */
static void test_e2e__closed_std_streams_stay_out_of_outputs(void **state)
{
	(void)state;
	static const char *const closes[] = { "2>&-", ">&- 2>&-", "<&- >&- 2>&-" };
	assert_int_equal(run("%s classify --model %s --out %s/open %s/data/batches/example",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	for (size_t i = 0; i < sizeof(closes) / sizeof(closes[0]); i++) {
		assert_int_equal(run("rm -rf %s/closed && { %s classify --model %s --out %s/closed "
		                     "%s/data/batches/example %s; }", tmp, FR_FRAMER, model, tmp,
		                     FR_SOURCE_DIR, closes[i]), 0);
		assert_int_equal(run("cmp %s/closed/labels.jsonl %s/open/labels.jsonl && "
		                     "cmp %s/closed/labels.csv %s/open/labels.csv && "
		                     "! grep -l framer: %s/closed/*", tmp, tmp, tmp, tmp, tmp), 0);
	}
	assert_int_equal(run("{ %s --version >&-; }", FR_FRAMER), 4);
	char *err = stderr_text();
	assert_non_null(strstr(err, "framer: <stdout>: write failed: Bad file descriptor"));
	free(err);
}

/* A reader of standard error that has gone (2>&1 | head, a pager quit) no
 * longer ends a run: SIGPIPE killed it mid-write and left its outputs'
 * hidden temporaries behind. Standard output's reader gone still ends
 * framer quietly, as it ends a filter. The pipes here have no reader from
 * the start, so nothing depends on timing: a FIFO opened both ways, then
 * its reading end closed. */
static void test_e2e__pipe_without_a_reader(void **state)
{
	(void)state;
	assert_int_equal(run("mkfifo %s/gone", tmp), 0);
	assert_int_equal(run("{ exec 4<>%s/gone 5>%s/gone 4<&-; %s classify --model %s --out %s/piped "
	                     "%s/data/batches/example 2>&5; }", tmp, tmp, FR_FRAMER, model, tmp,
	                     FR_SOURCE_DIR), 0);
	assert_int_equal(run("test \"$(ls -A %s/piped | tr '\\n' ' ')\" = "
	                     "'labels.csv labels.jsonl review.csv summary.json '", tmp), 0);
	write_file("one.jsonl", "{\"id\":\"p1\",\"text\":\"Peace talks resume in Istanbul.\"}\n");
	assert_int_equal(run("{ exec 4<>%s/gone 5>%s/gone 4<&-; %s classify --model %s --quiet - < %s/one.jsonl >&5; }",
	                     tmp, tmp, FR_FRAMER, model, tmp), 128 + 13 /* SIGPIPE */);
	char *err = stderr_text();
	assert_string_equal(err, "");
	free(err);
}

/* tmp/name/aaa.../bbb.../...: parts folders of len letters each, into
 * out (1024 bytes). */
static void deep_folder(char out[1024], const char *name, int parts, size_t len)
{
	size_t n = (size_t)snprintf(out, 1024, "%s/%s", tmp, name);
	assert_true(n + (size_t)parts * (len + 1) < 1024);
	for (int part = 0; part < parts; part++) {
		out[n++] = '/';
		for (size_t i = 0; i < len; i++)
			out[n++] = (char)('a' + part);
	}
	out[n] = '\0';
}

/* A path is never cut short. An --out of 605 bytes is written where it says
 * (it was cut to 511 bytes, exit 0); one too long for the output files'
 * temporary names is a usage error that creates nothing; and two inputs
 * whose paths share their first 255 bytes get a default folder each (both
 * went to one, named after a piece of the shared part). */
static void test_e2e__long_paths_are_never_cut(void **state)
{
	(void)state;
	char path[8192], out[8192];
	size_t n = (size_t)snprintf(out, sizeof(out), "%s/long", tmp);
	while (n < 605) {
		out[n++] = '/';
		for (size_t i = 0; i < 100; i++)
			out[n++] = (char)('a' + i % 26);
		out[n] = '\0';
	}
	assert_true(strlen(out) > 605);
	write_file("one.jsonl", "{\"id\":\"a\",\"text\":\"Peace talks and a ceasefire now.\"}\n");
	assert_int_equal(setenv("FR_TEST_OUT", out, 1), 0);
	assert_int_equal(run("%s classify --model %s --out \"$FR_TEST_OUT\" --quiet %s/one.jsonl",
	                     FR_FRAMER, model, tmp), 0);
	assert_int_equal(test_path(path, sizeof(path), out, "labels.jsonl"), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(test_path(path, sizeof(path), out, "summary.json"), 0);
	assert_int_equal(access(path, F_OK), 0);

	/* The longest --out taken is PATH_MAX - 32 bytes; one more is refused. */
	n = (size_t)snprintf(out, sizeof(out), "%s/toolong/", tmp);
	while (n < PATH_MAX - 31) {
		out[n] = n % 101 == 100 ? '/' : 'x';
		n++;
	}
	out[n] = '\0';
	assert_int_equal(setenv("FR_TEST_OUT", out, 1), 0);
	assert_int_equal(run("%s classify --model %s --out \"$FR_TEST_OUT\" --quiet %s/one.jsonl",
	                     FR_FRAMER, model, tmp), 1);
	unsetenv("FR_TEST_OUT");
	char *err = stderr_text();
	assert_true(strncmp(err, "framer: ", 8) == 0);
	assert_non_null(strstr(err, ": --out folder name too long ("));
	assert_non_null(strstr(err, out));
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1); /* one line */
	free(err);
	assert_int_equal(test_path(path, sizeof(path), tmp, "toolong"), 0);
	assert_int_equal(access(path, F_OK), -1);

	/* Without --out: out/<name of the input>, from the whole path. */
	char dir[1024];
	deep_folder(dir, "in", 3, 100);
	assert_int_equal(run("mkdir -p %s %s/cwd && cp %s/one.jsonl %s/first.jsonl && cp %s/one.jsonl %s/second.jsonl",
	                     dir, tmp, tmp, dir, tmp, dir), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(run("cd %s/cwd && %s classify --model %s --quiet %s/%s.jsonl", tmp, FR_FRAMER, model,
		                     dir, i ? "second" : "first"), 0);
	assert_int_equal(run("test -f %s/cwd/out/first/labels.jsonl && test -f %s/cwd/out/second/labels.jsonl",
	                     tmp, tmp), 0);
	assert_int_equal(run("test $(ls %s/cwd/out | wc -l) -eq 2", tmp), 0);

	/* Regression: an input path over the error's 511 bytes lost its end,
	 * the file's name, from the message ("framer: /tmp/.../xxxx:2: ..."),
	 * and a folder of such a path with no inputs was exit 4, not 2. The
	 * message keeps the end after "...". */
	char deep[1024];
	deep_folder(deep, "deep", 6, 95);
	assert_int_equal(run("mkdir -p %s/empty && printf '{\"id\":\"g\",\"text\":\"Peace talks now.\"}\\n"
	                     "{\"id\":\"b\",\"text\":\"bad \\377 byte\"}\\n' > %s/week-47.jsonl", deep, deep), 0);
	assert_int_equal(run("%s classify --model %s --out %s/deep-out --quiet %s/week-47.jsonl", FR_FRAMER, model, tmp,
	                     deep), 0);
	err = stderr_text();
	assert_true(strncmp(err, "framer: ...", 11) == 0);
	assert_non_null(strstr(err, "/week-47.jsonl:2: invalid UTF-8"));
	free(err);
	assert_int_equal(run("%s classify --model %s --out %s/deep-out2 --quiet %s/empty", FR_FRAMER, model, tmp, deep), 2);
	err = stderr_text();
	assert_non_null(strstr(err, "/empty"));
	free(err);
}

/* Whether every line of text starts with "framer: " and holds no control
 * character and no byte that is not UTF-8 (no 0xFF, the one used here). */
static int one_clean_line_each(const char *text)
{
	for (const char *line = text; *line; ) {
		if (strncmp(line, "framer: ", 8) != 0)
			return 0;
		const char *end = strchr(line, '\n');
		if (end == NULL)
			return 0;
		for (const char *c = line; c < end; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7F || (unsigned char)*c == 0xFF)
				return 0;
		line = end + 1;
	}
	return 1;
}

/* Writes three articles named names into tmp/folder, the one at bad with
 * a byte that is not UTF-8 on its line 5, and classifies the folder into
 * tmp/out. Returns standard error, checked to be clean lines. */
static char *classify_named(const char *folder, const char *const names[3], size_t bad, const char *out)
{
	char path[512];
	assert_int_equal(run("mkdir -p '%s/%s'", tmp, folder), 0);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", tmp, folder, names[i]);
		assert_int_equal(test_write_text(path, i == bad ? "Talks\n\nChina calls for peace talks.\n\nbad \xfe byte\n"
		                                                : "Talks\n\nChina calls for peace talks.\n"), 0);
	}
	assert_int_equal(run("%s classify --model %s --out '%s/%s' '%s/%s'", FR_FRAMER, model, tmp, out, tmp, folder), 0);
	char *err = stderr_text();
	assert_true(one_clean_line_each(err));
	return err;
}

/* Checks that tmp/out/summary.json's first problem holds piece: it reads
 * as standard error does. */
static void check_first_problem(const char *out, const char *piece)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/summary.json", tmp, out);
	json_t *summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);
	const char *problem = json_string_value(json_array_get(json_object_get(summary, "problems"), 0));
	assert_non_null(problem);
	assert_non_null(strstr(problem, piece));
	json_decref(summary);
}

/* Checks that the last run's standard error is clean lines holding piece. */
static void check_clean_stderr(const char *piece)
{
	char *err = stderr_text();
	assert_true(one_clean_line_each(err));
	assert_non_null(strstr(err, piece));
	free(err);
}

/* Regression (user walk-through: a .txt named with a line break printed
 * "[2/3] odd/new" and then 'line,"q".txt' as a line of its own, and an
 * escape sequence in a name drove the terminal): every name a message
 * quotes (inputs, --out, --data, --model, option values) is printed with
 * C escapes, \n, \t, \x1b, \xff, so each message stays one line. */
static void test_e2e__names_print_escaped(void **state)
{
	(void)state;
	static const char *const names[] = { "new\nline,\"q\".txt", "esc\x1b[31mred.txt", "bad\xff.txt" };
	char *err = classify_named("odd", names, 1, "o\tut"), want[600];
	snprintf(want, sizeof(want), "framer: [1/3] %s/odd/bad\\xff.txt\n", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "framer: [3/3] %s/odd/new\\nline,\"q\".txt\n", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "framer: %s/odd/esc\\x1b[31mred.txt:5: invalid UTF-8", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "framer: wrote %s/o\\tut/labels.jsonl", tmp);
	assert_non_null(strstr(err, want));
	free(err);
	check_first_problem("o\tut", "/odd/esc\\x1b[31mred.txt:5: invalid UTF-8");

	/* Failures: a --data path, an unknown option, a --model folder. */
	assert_int_equal(run("%s train --data '%s/no\nsuch.csv' --model %s/m2 --quiet", FR_FRAMER, tmp, tmp), 4);
	check_clean_stderr("/no\\nsuch.csv: ");
	assert_int_equal(run("%s classify --model %s '--bo\x1b[2Jgus' %s/odd", FR_FRAMER, model, tmp), 1);
	check_clean_stderr("unknown option '--bo\\x1b[2Jgus'");
	assert_int_equal(run("cp -r %s '%s/m\x1b'", model, tmp), 0);
	assert_int_equal(run("%s classify --model '%s/m\x1b' --out '%s/m\x1b' --quiet %s/odd", FR_FRAMER, tmp, tmp,
	                     tmp), 4);
	check_clean_stderr("/m\\x1b: holds a model bundle");
}

/* Regression ("Trojan Source" names): a file named with U+202E made its
 * error line read backwards, and a zero-width space made two names look
 * alike. Characters that show as nothing or reorder the line print as
 * \uHHHH on standard error; labels.jsonl keeps the names as they are. */
static void test_e2e__names_print_hidden_escaped(void **state)
{
	(void)state;
	static const char *const names[] = { "peace.txt", "pea\xe2\x80\x8b" "ce.txt", "report\xe2\x80\xae" "fdp.txt" };
	char path[512];
	/* U+2066, a bidirectional isolate, in --out. */
	char *err = classify_named("hidden", names, 2, "h\xe2\x81\xa6out"), want[600];
	snprintf(want, sizeof(want), "%s/hidden/peace.txt\n", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s/hidden/pea\\u200bce.txt\n", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "framer: %s/hidden/report\\u202efdp.txt:5: invalid UTF-8", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "framer: wrote %s/h\\u2066out/labels.jsonl", tmp);
	assert_non_null(strstr(err, want));
	assert_null(strstr(err, "\xe2\x80"));
	assert_null(strstr(err, "\xe2\x81"));
	free(err);
	/* The labels keep each name as it is: the look-alikes stay two records. */
	check_first_problem("h\xe2\x81\xa6out", "/hidden/report\\u202efdp.txt:5: invalid UTF-8");
	snprintf(path, sizeof(path), "%s/h\xe2\x81\xa6out/labels.jsonl", tmp);
	json_t *labels = labels_by_id(path);
	assert_non_null(json_object_get(labels, "peace.txt#1"));
	assert_non_null(json_object_get(labels, "pea\xe2\x80\x8b" "ce.txt#1"));
	assert_non_null(json_object_get(labels, "report\xe2\x80\xae" "fdp.txt#1"));
	json_decref(labels);

	/* A failure: an unknown option holding U+FEFF. */
	assert_int_equal(run("%s classify --model %s '--bo\xef\xbb\xbfgus' %s/hidden", FR_FRAMER, model, tmp), 1);
	check_clean_stderr("unknown option '--bo\\ufeffgus'");
	/* An option quoted up to 160 bytes, where U+202E spans the 160th:
	 * the cut goes before it, not through it as "\xe2\x80". */
	char option[200];
	snprintf(option, sizeof(option), "--%0156d\xe2\x80\xae" "fdp", 0);
	assert_int_equal(run("%s classify --model %s '%s' %s/hidden", FR_FRAMER, model, option, tmp), 1);
	snprintf(want, sizeof(want), "unknown option '%.158s' (see", option);
	check_clean_stderr(want);
}

/* Regression: a soft hyphen, variation selectors, Hangul fillers and the
 * tag characters (which spell out ASCII no one sees) printed as they are,
 * so names differing only in them still looked alike. Each range of the
 * escaped characters is checked at its edges, the characters just outside
 * it printing as they are; past U+FFFF the escape is \UHHHHHHHH. */
static void test_e2e__names_print_ignorable_escaped(void **state)
{
	(void)state;
	/* Each row: the character before a range, its first and last, and the
	 * one after it. */
	static const struct {
		const char *name, *shown;
	} rows[] = {
		{ "\xc2\xac\xc2\xad\xc2\xae", "\xc2\xac\\u00ad\xc2\xae" }, /* U+00AD */
		{ "\xcd\x8e\xcd\x8f\xcd\x90", "\xcd\x8e\\u034f\xcd\x90" }, /* U+034F */
		{ "\xd8\x9b\xd8\x9c\xd8\x9d", "\xd8\x9b\\u061c\xd8\x9d" }, /* U+061C */
		{ "\xe1\x85\x9e\xe1\x85\x9f\xe1\x85\xa0\xe1\x85\xa1", "\xe1\x85\x9e\\u115f\\u1160\xe1\x85\xa1" }, /* U+115F-U+1160 */
		{ "\xe1\x9e\xb3\xe1\x9e\xb4\xe1\x9e\xb5\xe1\x9e\xb6", "\xe1\x9e\xb3\\u17b4\\u17b5\xe1\x9e\xb6" }, /* U+17B4-U+17B5 */
		{ "\xe1\xa0\x8a\xe1\xa0\x8b\xe1\xa0\x8f\xe1\xa0\x90", "\xe1\xa0\x8a\\u180b\\u180f\xe1\xa0\x90" }, /* U+180B-U+180F */
		{ "\xe2\x80\x8a\xe2\x80\x8b\xe2\x80\x8f\xe2\x80\x90", "\xe2\x80\x8a\\u200b\\u200f\xe2\x80\x90" }, /* U+200B-U+200F */
		{ "\xe2\x80\xa7\xe2\x80\xa8\xe2\x80\xae\xe2\x80\xaf", "\xe2\x80\xa7\\u2028\\u202e\xe2\x80\xaf" }, /* U+2028-U+202E */
		{ "\xe2\x81\x9f\xe2\x81\xa0\xe2\x81\xaf\xe2\x81\xb0", "\xe2\x81\x9f\\u2060\\u206f\xe2\x81\xb0" }, /* U+2060-U+206F */
		{ "\xe3\x85\xa3\xe3\x85\xa4\xe3\x85\xa5", "\xe3\x85\xa3\\u3164\xe3\x85\xa5" }, /* U+3164 */
		{ "\xef\xb7\xbf\xef\xb8\x80\xef\xb8\x8f\xef\xb8\x90", "\xef\xb7\xbf\\ufe00\\ufe0f\xef\xb8\x90" }, /* U+FE00-U+FE0F */
		{ "\xef\xbb\xbe\xef\xbb\xbf\xef\xbc\x80", "\xef\xbb\xbe\\ufeff\xef\xbc\x80" }, /* U+FEFF */
		{ "\xef\xbe\x9f\xef\xbe\xa0\xef\xbe\xa1", "\xef\xbe\x9f\\uffa0\xef\xbe\xa1" }, /* U+FFA0 */
		{ "\xef\xbf\xaf\xef\xbf\xb0\xef\xbf\xbb\xef\xbf\xbc", "\xef\xbf\xaf\\ufff0\\ufffb\xef\xbf\xbc" }, /* U+FFF0-U+FFFB */
		{ "\xf0\x9b\xb2\x9f\xf0\x9b\xb2\xa0\xf0\x9b\xb2\xa3\xf0\x9b\xb2\xa4",
		  "\xf0\x9b\xb2\x9f\\U0001bca0\\U0001bca3\xf0\x9b\xb2\xa4" }, /* U+1BCA0-U+1BCA3 */
		{ "\xf0\x9d\x85\xb2\xf0\x9d\x85\xb3\xf0\x9d\x85\xba\xf0\x9d\x85\xbb",
		  "\xf0\x9d\x85\xb2\\U0001d173\\U0001d17a\xf0\x9d\x85\xbb" }, /* U+1D173-U+1D17A */
		{ "\xf3\x9f\xbf\xbf\xf3\xa0\x80\x80\xf3\xa0\xbf\xbf\xf3\xa1\x80\x80",
		  "\xf3\x9f\xbf\xbf\\U000e0000\\U000e0fff\xf3\xa1\x80\x80" }, /* U+E0000-U+E0FFF */
		/* Inside it: "hi" in tags, the cancel tag, variation selectors 17 and 256. */
		{ "a\xf3\xa0\x81\xa8\xf3\xa0\x81\xa9\xf3\xa0\x81\xbf\xf3\xa0\x84\x80\xf3\xa0\x87\xaf",
		  "a\\U000e0068\\U000e0069\\U000e007f\\U000e0100\\U000e01ef" },
	};
	char path[1024], want[2048];
	size_t n = (size_t)snprintf(path, sizeof(path), "%s/ignorable", tmp);
	size_t w = (size_t)snprintf(want, sizeof(want), "framer: %s/ignorable", tmp);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/%s", rows[i].name);
		w += (size_t)snprintf(want + w, sizeof(want) - w, "/%s", rows[i].shown);
	}
	snprintf(want + w, sizeof(want) - w, ".csv: cannot open");
	assert_int_equal(run("%s train --data '%s.csv' --model %s/m-ignorable --quiet", FR_FRAMER, path, tmp), 4);
	check_clean_stderr(want);

	/* A batch: the progress lines and a problem in summary.json alike. */
	static const char *const names[] = { "soft\xc2\xadhyphen.txt", "tag\xf3\xa0\x81\xa8\xf3\xa0\x81\xa9.txt",
	                                     "vs\xef\xb8\x8f.txt" };
	char *err = classify_named("ignorable", names, 1, "ignorable-out");
	snprintf(want, sizeof(want), "%s/ignorable/soft\\u00adhyphen.txt\n", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "%s/ignorable/vs\\ufe0f.txt\n", tmp);
	assert_non_null(strstr(err, want));
	snprintf(want, sizeof(want), "framer: %s/ignorable/tag\\U000e0068\\U000e0069.txt:5: invalid UTF-8", tmp);
	assert_non_null(strstr(err, want));
	free(err);
	check_first_problem("ignorable-out", "/ignorable/tag\\U000e0068\\U000e0069.txt:5: invalid UTF-8");
}

/* Regression: a message over 255 bytes was cut by byte, so a column name
 * it quoted could end in half a character, printed "\xe2\x82" as if the
 * file held bytes that are not UTF-8. The cut now falls before it. */
static void test_e2e__long_message_cut_at_character(void **state)
{
	(void)state;
	/* "column '" and 245 x's: the euro sign takes the message's bytes 254 to 256. */
	char name[300], csv[700], want[300];
	memset(name, 'x', 245);
	strcpy(name + 245, "\xe2\x82\xac");
	snprintf(csv, sizeof(csv), "text,stance,%s,%s\nPeace talks now.,a,b,c\n", name, name);
	write_file("dup-columns.csv", csv);
	assert_int_equal(run("%s train --data %s/dup-columns.csv --model %s/m-dup --quiet", FR_FRAMER, tmp, tmp), 2);
	snprintf(want, sizeof(want), "/dup-columns.csv:1: column '%.245s\n", name);
	check_clean_stderr(want);
}

/* Regression: classify's --review-task error listed the model's tasks in
 * 255 bytes cut anywhere, so a long list ended in part of a name, one the
 * model does not have. It lists whole names and counts the rest. */
static void test_e2e__review_task_lists_whole_names(void **state)
{
	(void)state;
	/* Five tasks named with 60 letters each, aaa... to eee...: three fit. */
	char names[5][61], csv[1024], want[400];
	size_t n = (size_t)snprintf(csv, sizeof(csv), "text");
	for (size_t t = 0; t < 5; t++) {
		memset(names[t], 'a' + (int)t, 60);
		names[t][60] = '\0';
		n += (size_t)snprintf(csv + n, sizeof(csv) - n, ",%s", names[t]);
	}
	snprintf(csv + n, sizeof(csv) - n, "\nPeace talks begin today.,y,y,y,y,y\nTroops advance on the front today.,x,x,x,x,x\n"
	         "Peace talks and a ceasefire.,y,y,y,y,y\nTroops shell the front again.,x,x,x,x,x\n");
	write_file("five-tasks.csv", csv);
	write_file("five-tasks.txt", "Talks\n\nPeace talks begin today.\n");
	assert_int_equal(run("%s train --data %s/five-tasks.csv --model %s/m-five --quiet", FR_FRAMER, tmp, tmp), 0);
	assert_int_equal(run("%s classify --model %s/m-five --review-task zz --out %s/five-out %s/five-tasks.txt",
	                     FR_FRAMER, tmp, tmp, tmp), 1);
	snprintf(want, sizeof(want), "the model's tasks are %s, %s, %s, and 2 more\n", names[0], names[1], names[2]);
	check_clean_stderr(want);
}

/* Regression (user walk-through, a batch copied from a Latin-1 file
 * system): a file name that is not UTF-8 went raw into labels.csv and
 * review.csv (labels.jsonl had U+FFFD), so review.csv could not be trained
 * on; a --model path like it left summary.json out without a word; an
 * --data path like it made train and evaluate fail with "out of memory".
 * Such bytes are U+FFFD in every output, and the runs go on. */
static void test_e2e__names_not_utf8(void **state)
{
	(void)state;
	char path[512];
	assert_int_equal(run("mkdir -p %s/latin1 && cp -r %s '%s/m\xff'", tmp, model, tmp), 0);
	snprintf(path, sizeof(path), "%s/latin1/caf\xe9.txt", tmp);
	assert_int_equal(test_write_text(path, "Talks\n\nChina calls for peace talks.\n\nNATO sends more arms.\n"), 0);
	assert_int_equal(run("%s classify --model '%s/m\xff' --out %s/l1 --quiet %s/latin1", FR_FRAMER, tmp, tmp, tmp), 0);
	snprintf(path, sizeof(path), "%s/l1/labels.jsonl", tmp);
	json_t *labels = labels_by_id(path);
	assert_non_null(json_object_get(labels, "caf\xef\xbf\xbd.txt#1"));
	json_decref(labels);
	assert_int_equal(run("grep -q '^caf\xef\xbf\xbd.txt#1,caf\xef\xbf\xbd.txt,1,' %s/l1/labels.csv", tmp), 0);
	assert_int_equal(run("grep -q '^caf\xef\xbf\xbd.txt#1,' %s/l1/review.csv", tmp), 0);
	snprintf(path, sizeof(path), "%s/l1/summary.json", tmp);
	json_t *summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);
	assert_non_null(strstr(json_string_value(json_object_get(summary, "model")), "/m\xef\xbf\xbd"));
	json_decref(summary);
	/* A rule's pattern may hold any byte; its drops still count, under
	 * the pattern as repaired (jansson drops a key that is not UTF-8). */
	snprintf(path, sizeof(path), "%s/latin1.rules", tmp);
	assert_int_equal(test_write_text(path, "regex ^NATO sends more arms\\.(\xff)?$\n"), 0);
	assert_int_equal(run("%s classify --model %s --rules %s --out %s/l1r --quiet %s/latin1", FR_FRAMER, model,
	                     path, tmp, tmp), 0);
	snprintf(path, sizeof(path), "%s/l1r/summary.json", tmp);
	summary = json_load_file(path, 0, NULL);
	assert_non_null(summary);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(summary, "boilerplate_rules"),
	                                                    "regex ^NATO sends more arms\\.(\xef\xbf\xbd)?$")), 1);
	json_decref(summary);
	/* review.csv is a correction file. */
	assert_int_equal(run("%s train --data %s/data/labeled/train.csv --data %s/l1/review.csv --model %s/m-rev --quiet",
	                     FR_FRAMER, FR_SOURCE_DIR, tmp, tmp), 0);

	assert_int_equal(run("cp %s/data/labeled/test.csv '%s/t\xfe.csv'", FR_SOURCE_DIR, tmp), 0);
	assert_int_equal(run("%s train --data '%s/t\xfe.csv' --model %s/m-t --quiet", FR_FRAMER, tmp, tmp), 0);
	assert_int_equal(run("%s evaluate --model '%s/m\xff' --data '%s/t\xfe.csv' --report %s/rep --quiet",
	                     FR_FRAMER, tmp, tmp, tmp), 0);
	json_t *report = load_report("rep");
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(report, "data"), "path")),
	                        "/t\xef\xbf\xbd.csv"));
	json_decref(report);
}

/* Regression (user walk-through: one cell "sanctions\|economy", meant as a
 * label with a '|' in it, made its task multi-label, one-vs-rest, without
 * a word): a task made multi-label by under one row in 50 is a warning
 * naming the first; a task with many such rows is not. */
static void test_e2e__few_multilabel_rows_warned(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/ml_few.csv", tmp);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs("id,document,text,stance\n", fp);
	for (int i = 1; i <= 60; i++)
		fprintf(fp, "%d,d%d,%s %d,%s\n", i, i % 10, i % 2 ? "Russian troops shelled Kharkiv" : "NATO provoked Moscow",
		        i, i == 7 ? "pro_ukraine\\|west" : i % 2 ? "pro_ukraine" : "pro_russia");
	fclose(fp);
	assert_int_equal(run("%s train --data %s --model %s/ml_few --quiet", FR_FRAMER, path, tmp), 0);
	char *err = stderr_text();
	assert_non_null(strstr(err, "ml_few.csv:8: task 'stance' is multi-label (one classifier per label) because 1 "
	                            "of its 60 labeled rows (this one first: 'pro_ukraine\\|west') hold labels "
	                            "separated by '|'"));
	free(err);
	assert_int_equal(run("%s train --data %s/tests/fixtures/multilabel/train.csv --model %s/ml_many --quiet",
	                     FR_FRAMER, FR_SOURCE_DIR, tmp), 0);
	err = stderr_text();
	assert_null(strstr(err, "is multi-label"));
	free(err);
}

/* A failed run takes away the folders it made for its outputs, and only
 * those: past a '..' a path names a folder further up, which may have been
 * there before (new/../m is m). Regression: rmdir("new/../m") once new
 * existed removed the empty m the user had made, and left new behind. The
 * save fails on a file size limit, as on a full disk. */
static void test_e2e__failed_run_keeps_folders_named_through_dotdot(void **state)
{
	(void)state;
	assert_int_equal(run("rm -rf %s/dd && mkdir -p %s/dd/m %s/dd/o", tmp, tmp, tmp), 0);
	write_file("dd/t.csv", tiny_labeled);
	assert_int_equal(run("{ ulimit -f 1; trap '' XFSZ; %s train --data %s/dd/t.csv --model %s/dd/new/../m "
	                     "--quiet; }", FR_FRAMER, tmp, tmp), 4);
	assert_int_equal(run("test -d %s/dd/m && ! test -e %s/dd/new", tmp, tmp), 0);
	write_file("dd/b.jsonl", "{\"id\":\"p1\",\"text\":\"Peace talks resume in Istanbul.\"}\n");
	assert_int_equal(run("{ ulimit -f 0; trap '' XFSZ; %s classify --model %s --out %s/dd/made/../o --quiet "
	                     "%s/dd/b.jsonl; }", FR_FRAMER, model, tmp, tmp), 4);
	assert_int_equal(run("test -d %s/dd/o && ! test -e %s/dd/made", tmp, tmp), 0);
}

/* Corrections given before the base are lost to it: train warns, naming
 * the base's first row that replaced one, and says to give them last; in
 * that order it says nothing. */
static void test_e2e__corrections_before_the_base_warned(void **state)
{
	(void)state;
	write_file("fix_base.csv", tiny_labeled);
	write_file("fix_review.csv", "id,text,stance,confidence_stance,second_stance,margin_stance\n"
	                             "4,The West provoked Russia with weapons for Kyiv,pro_ukraine,0.52,pro_russia,0.04\n");
	assert_int_equal(run("%s train --data %s/fix_review.csv --data %s/fix_base.csv --model %s/fix_m --quiet",
	                     FR_FRAMER, tmp, tmp, tmp), 0);
	char *err = stderr_text();
	assert_non_null(err);
	assert_non_null(strstr(err, "framer: warning: "));
	assert_non_null(strstr(err, "/fix_base.csv:5: replaces the row with its id from "));
	assert_non_null(strstr(err, "/fix_review.csv, which has review.csv's layout and comes before it (1 row so "
	                            "replaced in all)"));
	assert_non_null(strstr(err, "give corrections last"));
	free(err);
	assert_int_equal(run("%s train --data %s/fix_base.csv --data %s/fix_review.csv --model %s/fix_m --quiet",
	                     FR_FRAMER, tmp, tmp, tmp), 0);
	err = stderr_text();
	assert_non_null(err);
	assert_null(strstr(err, "replaces the row"));
	free(err);
}

/* Starts evaluate --report dir while this test holds dir's lock (fd), and
 * checks that it waits, its report unwritten, however long it is given; then
 * (with remove, after removing dir as a holder that made it does) lets go,
 * and the report is written. */
static void report_waits_for(const char *dir, int fd, int remove)
{
	char report[600];
	snprintf(report, sizeof(report), "%s/report.json", dir);
	assert_int_equal(run("rm -f %s/report.json %s/report.md %s/report.html", dir, dir, dir), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char cmd[2048];
		snprintf(cmd, sizeof(cmd), "%s evaluate --model %s --data %s/data/labeled/test.csv --report %s --quiet "
		         ">/dev/null 2>&1", FR_FRAMER, model, FR_SOURCE_DIR, dir);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	/* Given time to finish (a second and a half; it takes a fraction of
	 * that), it must still be waiting. */
	int st = 0;
	for (int i = 0; i < 150 && waitpid(pid, &st, WNOHANG) == 0; i++) {
		struct timespec ten_ms = { 0, 10000000 };
		nanosleep(&ten_ms, NULL);
	}
	assert_int_equal(waitpid(pid, &st, WNOHANG), 0);
	assert_int_equal(access(report, F_OK), -1);
	if (remove)
		assert_int_equal(run("rm -rf %s", dir), 0);
	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(access(report, F_OK), 0);
}

/* Two runs never write into one folder at once. Held by another run (here
 * this test, as framer holds it: flock), a classify into it is refused,
 * exit 4 naming it, the folder left as it was; an evaluate --report waits
 * for the holder to let go, then writes its report, even when the holder
 * took the folder away. */
static void test_e2e__one_run_writes_a_folder_at_a_time(void **state)
{
	(void)state;
	char out[512];
	snprintf(out, sizeof(out), "%s/held", tmp);
	assert_int_equal(run("rm -rf %s %s.before && %s classify --model %s --out %s --quiet %s/data/batches/example "
	                     "&& cp -a %s %s.before", out, out, FR_FRAMER, model, out, FR_SOURCE_DIR, out, out), 0);
	int fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* not held by the child below */
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);

	assert_int_equal(run("%s classify --model %s --out %s --quiet %s/data/batches/example", FR_FRAMER, model,
	                     out, FR_SOURCE_DIR), 4);
	char *err = stderr_text();
	assert_non_null(err);
	assert_non_null(strstr(err, "/held: another framer run is writing into this folder"));
	assert_true(strchr(err, '\n') != NULL && strchr(err, '\n')[1] == '\0'); /* one line */
	free(err);
	assert_int_equal(run("diff -r %s %s.before", out, out), 0);

	report_waits_for(out, fd, 0);
	/* The holder removes the folder it made as it ends (it failed, or a
	 * signal ended it): the waiting report makes it again. */
	fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	report_waits_for(out, fd, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e2e__classify_example_batch),
		cmocka_unit_test(test_e2e__outputs_are_deterministic),
		cmocka_unit_test(test_e2e__train_refuses_single_label),
		cmocka_unit_test(test_e2e__train_refuses_missing_text_column),
		cmocka_unit_test(test_e2e__train_refuses_broken_quoting),
		cmocka_unit_test(test_e2e__bad_records_are_skipped),
		cmocka_unit_test(test_e2e__wordless_paragraphs_are_not_reviewed),
		cmocka_unit_test(test_e2e__stdin_to_stdout),
		cmocka_unit_test(test_e2e__exit_codes),
		cmocka_unit_test(test_e2e__evaluate_prints_accuracy),
		cmocka_unit_test(test_e2e__rows_without_words_left_out_of_training),
		cmocka_unit_test(test_e2e__labels_trimmed_and_case_warned),
		cmocka_unit_test(test_e2e__label_in_one_document_warned),
		cmocka_unit_test(test_e2e__cv_from_another_folder),
		cmocka_unit_test(test_e2e__evaluate_checks_the_training_files),
		cmocka_unit_test(test_e2e__report_agrees_with_classify),
		cmocka_unit_test(test_e2e__parallel_shards_equal_single_run),
		cmocka_unit_test(test_e2e__threads_do_not_change_output),
		cmocka_unit_test(test_e2e__problems_in_input_order),
		cmocka_unit_test(test_e2e__unreadable_stdin_ends),
		cmocka_unit_test(test_e2e__closed_std_streams_stay_out_of_outputs),
		cmocka_unit_test(test_e2e__pipe_without_a_reader),
		cmocka_unit_test(test_e2e__long_paths_are_never_cut),
		cmocka_unit_test(test_e2e__names_print_escaped),
		cmocka_unit_test(test_e2e__names_print_hidden_escaped),
		cmocka_unit_test(test_e2e__names_print_ignorable_escaped),
		cmocka_unit_test(test_e2e__long_message_cut_at_character),
		cmocka_unit_test(test_e2e__review_task_lists_whole_names),
		cmocka_unit_test(test_e2e__names_not_utf8),
		cmocka_unit_test(test_e2e__few_multilabel_rows_warned),
		cmocka_unit_test(test_e2e__failed_run_keeps_folders_named_through_dotdot),
		cmocka_unit_test(test_e2e__one_run_writes_a_folder_at_a_time),
		cmocka_unit_test(test_e2e__corrections_before_the_base_warned),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
