/* End-to-end tests of the review loop, as the README walks through it:
 * classify the example batch, read review.csv (the least certain
 * paragraphs), correct a label, retrain with the corrections, and see the
 * model change; and the drift figures and warning of summary.json. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

static char *read_in_tmp(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	return test_read_file(path, NULL);
}

static int exists_in_tmp(const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	return stat(path, &st) == 0;
}

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp), "/tmp/fr_loop_") != 0)
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

/* ---- a small RFC 4180 reader and writer, to check and edit review.csv -- */

typedef struct {
	char **cells;
	size_t n;
} csv_row;

typedef struct {
	csv_row *rows;
	size_t n;
} csv_table;

static void csv_parse(csv_table *t, const char *s)
{
	memset(t, 0, sizeof(*t));
	while (*s) {
		csv_row row = { NULL, 0 };
		for (;;) {
			size_t cap = strlen(s) + 1, len = 0;
			char *cell = malloc(cap);
			assert_non_null(cell);
			if (*s == '"') {
				s++;
				for (;;) {
					assert_true(*s != '\0');
					if (*s == '"' && s[1] == '"') {
						cell[len++] = '"';
						s += 2;
					} else if (*s == '"') {
						s++;
						break;
					} else {
						cell[len++] = *s++;
					}
				}
			} else {
				while (*s && *s != ',' && *s != '\n')
					cell[len++] = *s++;
			}
			cell[len] = '\0';
			row.cells = realloc(row.cells, (row.n + 1) * sizeof(*row.cells));
			assert_non_null(row.cells);
			row.cells[row.n++] = cell;
			if (*s == ',') {
				s++;
				continue;
			}
			assert_true(*s == '\n');
			s++;
			break;
		}
		t->rows = realloc(t->rows, (t->n + 1) * sizeof(*t->rows));
		assert_non_null(t->rows);
		t->rows[t->n++] = row;
	}
}

static void csv_free(csv_table *t)
{
	for (size_t r = 0; r < t->n; r++) {
		for (size_t c = 0; c < t->rows[r].n; c++)
			free(t->rows[r].cells[c]);
		free(t->rows[r].cells);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static void csv_write(const csv_table *t, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	for (size_t r = 0; r < t->n; r++) {
		for (size_t c = 0; c < t->rows[r].n; c++) {
			const char *cell = t->rows[r].cells[c];
			if (c)
				putc(',', fp);
			putc('"', fp);
			for (const char *p = cell; *p; p++) {
				if (*p == '"')
					putc('"', fp);
				putc(*p, fp);
			}
			putc('"', fp);
		}
		putc('\n', fp);
	}
	assert_int_equal(fclose(fp), 0);
}

static size_t column(const csv_table *t, const char *name)
{
	assert_true(t->n > 0);
	for (size_t c = 0; c < t->rows[0].n; c++)
		if (strcmp(t->rows[0].cells[c], name) == 0)
			return c;
	fail_msg("no column %s", name);
	return 0;
}

/* ---- labels.jsonl, and the documented certainty ------------------------ */

typedef struct {
	char *id;
	double certainty;
	json_t *record;
} para;

/* The README's certainty: per task, ((p1 - 1/k) / (1 - 1/k) clamped to
 * [0, 1] + (p1 - p2)) / 2; a paragraph's is its least certain task's, or
 * with only (--review-task) that task's. */
static double certainty_of(json_t *record, const char *only)
{
	double least = 1.0;
	const char *key;
	json_t *task;
	json_object_foreach(record, key, task) {
		json_t *scores = json_object_get(task, "scores");
		if (!json_is_object(scores) || (only && strcmp(key, only) != 0))
			continue;
		double p1 = -1, p2 = -1, k = (double)json_object_size(scores);
		const char *l;
		json_t *v;
		json_object_foreach(scores, l, v) {
			double p = json_number_value(v);
			if (p > p1) {
				p2 = p1;
				p1 = p;
			} else if (p > p2) {
				p2 = p;
			}
		}
		double above = (p1 - 1 / k) / (1 - 1 / k);
		above = above < 0 ? 0 : above > 1 ? 1 : above;
		double c = (above + (p1 - p2)) / 2;
		if (c < least)
			least = c;
	}
	return least;
}

static para *read_labels(const char *name, size_t *n_out)
{
	char *data = read_in_tmp(name);
	assert_non_null(data);
	para *ps = NULL;
	size_t n = 0;
	for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
		json_error_t jerr;
		json_t *j = json_loads(line, 0, &jerr);
		assert_non_null(j);
		ps = realloc(ps, (n + 1) * sizeof(*ps));
		assert_non_null(ps);
		ps[n].id = strdup(json_string_value(json_object_get(j, "id")));
		ps[n].certainty = certainty_of(j, NULL);
		ps[n].record = j;
		n++;
	}
	free(data);
	*n_out = n;
	return ps;
}

static void free_labels(para *ps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ps[i].id);
		json_decref(ps[i].record);
	}
	free(ps);
}

static const para *find(const para *ps, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(ps[i].id, id) == 0)
			return &ps[i];
	return NULL;
}

/* How many paragraphs are less certain than p (the printed scores are
 * rounded to 4 places, so within 1e-3 counts as a tie). */
static size_t rank_of(const para *ps, size_t n, const para *p)
{
	size_t r = 0;
	for (size_t i = 0; i < n; i++)
		r += ps[i].certainty < p->certainty - 1e-3;
	return r;
}

/* A review.csv of --review 5: its first row the least certain paragraph,
 * and every row among the 4 x 5 least certain (the pool). */
static void assert_review_of_five(const char *name, const para *ps, size_t n)
{
	char *data = read_in_tmp(name);
	csv_table t;
	assert_non_null(data);
	csv_parse(&t, data);
	free(data);
	assert_int_equal(t.n, 6);
	assert_int_equal(rank_of(ps, n, find(ps, n, t.rows[1].cells[0])), 0);
	for (size_t r = 1; r < t.n; r++)
		assert_true(rank_of(ps, n, find(ps, n, t.rows[r].cells[0])) < 20);
	csv_free(&t);
}

/* ---- the tests ----------------------------------------------------------- */

static void test_loop__review_holds_least_certain(void **state)
{
	(void)state;
	assert_int_equal(run("%s classify --model %s --out %s/ex %s/data/batches/example --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	size_t n = 0;
	para *ps = read_labels("ex/labels.jsonl", &n);
	assert_int_equal(n, 71);
	char *data = read_in_tmp("ex/review.csv");
	assert_non_null(data);
	csv_table t;
	csv_parse(&t, data);
	free(data);
	/* The default: 50 rows, the labeled-CSV layout. */
	assert_int_equal(t.n, 51);
	static const char *const header[] = {
		"id", "document", "text", "stance", "frame", "confidence_stance", "second_stance",
		"margin_stance", "confidence_frame", "second_frame", "margin_frame"
	};
	assert_int_equal(t.rows[0].n, 11);
	for (size_t c = 0; c < 11; c++)
		assert_string_equal(t.rows[0].cells[c], header[c]);
	/* Each row is a paragraph of the batch with its predicted labels and
	 * confidences; none twice. */
	for (size_t r = 1; r < t.n; r++) {
		const para *p = find(ps, n, t.rows[r].cells[0]);
		assert_non_null(p);
		json_t *stance = json_object_get(p->record, "stance");
		assert_string_equal(t.rows[r].cells[3], json_string_value(json_object_get(stance, "label")));
		assert_true(fabs(strtod(t.rows[r].cells[5], NULL) -
		                 json_number_value(json_object_get(stance, "confidence"))) < 1e-4);
		assert_string_equal(t.rows[r].cells[2], json_string_value(json_object_get(p->record, "text")));
		for (size_t q = 1; q < r; q++)
			assert_string_not_equal(t.rows[q].cells[0], t.rows[r].cells[0]);
	}
	/* The first row is the least certain paragraph; the 21 most certain
	 * never get in (the pool holds 4 x 50 = all 71, so only the diversity
	 * choice keeps them out; 50 of 71 means at most 21 skipped). */
	assert_int_equal(rank_of(ps, n, find(ps, n, t.rows[1].cells[0])), 0);
	csv_free(&t);

	/* --review 5: every row among the 4 x 5 least certain. */
	assert_int_equal(run("%s classify --model %s --out %s/ex5 --review 5 %s/data/batches/example --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	assert_review_of_five("ex5/review.csv", ps, n);

	/* --review-task stance: the same, by stance's certainty alone. */
	assert_int_equal(run("%s classify --model %s --out %s/ex5s --review 5 --review-task stance "
	                     "%s/data/batches/example --quiet", FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	for (size_t i = 0; i < n; i++)
		ps[i].certainty = certainty_of(ps[i].record, "stance");
	assert_review_of_five("ex5s/review.csv", ps, n);
	free_labels(ps, n);

	/* --review 0: none. */
	assert_int_equal(run("%s classify --model %s --out %s/ex0 --review 0 %s/data/batches/example --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	assert_true(exists_in_tmp("ex0/labels.jsonl"));
	assert_false(exists_in_tmp("ex0/review.csv"));
	/* Into ex5 again, without review.csv or labels.jsonl: the earlier run's
	 * stay (a review.csv may be being corrected there), each named in a
	 * warning, so that no one takes it for this batch's. */
	char *before = read_in_tmp("ex5/review.csv");
	assert_int_equal(run("{ %s classify --model %s --out %s/ex5 --review 0 --format csv %s/data/batches/example "
	                     "--quiet 2>%s/ex5.err; }", FR_FRAMER, model, tmp, FR_SOURCE_DIR, tmp), 0);
	char *after = read_in_tmp("ex5/review.csv");
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_true(exists_in_tmp("ex5/labels.jsonl"));
	char *err = read_in_tmp("ex5.err");
	assert_non_null(strstr(err, "ex5/review.csv is an earlier run's, not this batch's"));
	assert_non_null(strstr(err, "ex5/labels.jsonl is an earlier run's, not this batch's"));
	assert_null(strstr(err, "labels.csv is an earlier"));
	free(err);
	assert_int_equal(run("%s classify --model %s --review -1 %s/data/batches/example",
	                     FR_FRAMER, model, FR_SOURCE_DIR), 1);
}

/* Threads change nothing: 650 paragraphs, three batches of 256. */
static void test_loop__threads_give_the_same_review(void **state)
{
	(void)state;
	for (int threads = 1; threads <= 2; threads++)
		assert_int_equal(run("%s classify --model %s --out %s/t%d --threads %d --review 40 "
		                     "%s/data/labeled/paragraphs.csv --quiet",
		                     FR_FRAMER, model, tmp, threads, threads, FR_SOURCE_DIR), 0);
	char *a = read_in_tmp("t1/review.csv"), *b = read_in_tmp("t2/review.csv");
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* The README's loop: classify, correct review.csv, retrain with it, and
 * the corrected paragraphs lean toward their new labels. */
static void test_loop__corrections_change_the_model(void **state)
{
	(void)state;
	assert_int_equal(run("%s classify --model %s --out %s/before %s/data/batches/example --quiet",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	char *data = read_in_tmp("before/review.csv");
	csv_table t;
	csv_parse(&t, data);
	free(data);
	/* A reviewer decides the runner-up was right for the first ten. */
	size_t stance = column(&t, "stance"), second = column(&t, "second_stance");
	const size_t n_fixed = 10;
	char *fixed_ids[10], *fixed_labels[10];
	for (size_t r = 1; r <= n_fixed; r++) {
		free(t.rows[r].cells[stance]);
		t.rows[r].cells[stance] = strdup(t.rows[r].cells[second]);
		fixed_ids[r - 1] = t.rows[r].cells[0];
		fixed_labels[r - 1] = t.rows[r].cells[stance];
	}
	csv_write(&t, "corrected.csv");

	char m2[600];
	snprintf(m2, sizeof(m2), "%s/models/m2", tmp);
	assert_int_equal(run("%s train --data %s/data/labeled/train.csv --data %s/corrected.csv --model %s --quiet",
	                     FR_FRAMER, FR_SOURCE_DIR, tmp, m2), 0);
	assert_int_equal(run("%s classify --model %s --out %s/after %s/data/batches/example --quiet",
	                     FR_FRAMER, m2, tmp, FR_SOURCE_DIR), 0);
	size_t n0 = 0, n1 = 0;
	para *before = read_labels("before/labels.jsonl", &n0);
	para *after = read_labels("after/labels.jsonl", &n1);
	assert_int_equal(n0, n1);
	double gain = 0;
	size_t flipped = 0;
	for (size_t i = 0; i < n_fixed; i++) {
		const para *b = find(before, n0, fixed_ids[i]), *a = find(after, n1, fixed_ids[i]);
		assert_non_null(b);
		assert_non_null(a);
		json_t *sb = json_object_get(b->record, "stance"), *sa = json_object_get(a->record, "stance");
		gain += json_number_value(json_object_get(json_object_get(sa, "scores"), fixed_labels[i])) -
		        json_number_value(json_object_get(json_object_get(sb, "scores"), fixed_labels[i]));
		flipped += strcmp(json_string_value(json_object_get(sa, "label")), fixed_labels[i]) == 0;
	}
	print_message("corrected stance: mean score gain %.3f, %zu of %zu now labeled so\n",
	              gain / (double)n_fixed, flipped, n_fixed);
	assert_true(gain > 0);
	assert_true(flipped > 0);
	free_labels(before, n0);
	free_labels(after, n1);
	csv_free(&t);

	/* make report on the retrained model: cross-validation reads the base
	 * and the corrections as train did, and the provenance names both. */
	assert_int_equal(run("%s evaluate --model %s --data %s/data/labeled/test.csv --cv 3 --report %s/m2report --quiet",
	                     FR_FRAMER, m2, FR_SOURCE_DIR, tmp), 0);
	char path[700];
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/model.json", m2);
	json_t *manifest = json_load_file(path, 0, &jerr);
	snprintf(path, sizeof(path), "%s/m2report/report.json", tmp);
	json_t *report = json_load_file(path, 0, &jerr);
	assert_non_null(manifest);
	assert_non_null(report);
	json_t *cv = json_object_get(report, "cv");
	assert_int_equal(json_integer_value(json_object_get(cv, "rows")),
	                 json_integer_value(json_object_get(json_object_get(manifest, "training"), "rows")));
	assert_true(json_equal(json_object_get(cv, "files"),
	                       json_object_get(json_object_get(manifest, "training"), "data_files")));
	assert_true(json_equal(json_object_get(json_object_get(report, "model"), "training_files"),
	                       json_object_get(json_object_get(manifest, "training"), "data_files")));
	assert_int_equal(json_array_size(json_object_get(cv, "files")), 2);
	/* The example batch's paragraphs are test rows too: the corrections
	 * put some of them into training, and the report says how many. */
	json_int_t overlap = json_integer_value(json_object_get(json_object_get(report, "data"), "rows_in_training"));
	print_message("test rows trained on after the corrections: %lld\n", (long long)overlap);
	assert_true(overlap > 0 && overlap <= 50);
	json_decref(manifest);
	json_decref(report);
	/* The base model has none; scored on its own training file, all. */
	assert_int_equal(run("%s evaluate --model %s --data %s/data/labeled/test.csv --report %s/m1report --quiet",
	                     FR_FRAMER, model, FR_SOURCE_DIR, tmp), 0);
	snprintf(path, sizeof(path), "%s/m1report/report.json", tmp);
	report = json_load_file(path, 0, &jerr);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(report, "data"), "rows_in_training")), 0);
	assert_true(json_is_integer(json_object_get(json_object_get(report, "data"), "rows_in_training")));
	json_decref(report);
	assert_int_equal(run("%s evaluate --model %s --data %s/data/labeled/train.csv --report %s/m1self --quiet",
	                     FR_FRAMER, model, FR_SOURCE_DIR, tmp), 0);
	snprintf(path, sizeof(path), "%s/m1self/report.json", tmp);
	report = json_load_file(path, 0, &jerr);
	json_t *d = json_object_get(report, "data");
	assert_int_equal(json_integer_value(json_object_get(d, "rows_in_training")),
	                 json_integer_value(json_object_get(d, "rows")));
	json_decref(report);
	data = read_in_tmp("err");
	assert_non_null(strstr(data, "train.csv: the test file is the model's training file"));
	free(data);
	data = read_in_tmp("m2report/report.md");
	assert_non_null(strstr(data, "corrected.csv` (sha256 "));
	free(data);

	/* review.csv as written (nothing corrected) is a valid corrections file. */
	assert_int_equal(run("%s train --data %s/data/labeled/train.csv --data %s/before/review.csv --model %s --quiet",
	                     FR_FRAMER, FR_SOURCE_DIR, tmp, m2), 0);
}

static json_t *summary_of(const char *dir)
{
	char path[512];
	json_error_t jerr;
	snprintf(path, sizeof(path), "%s/%s/summary.json", tmp, dir);
	json_t *j = json_load_file(path, 0, &jerr);
	assert_non_null(j);
	return j;
}

/* Each task's batch and training label shares sum to 1 (for a multi-label
 * task too: shares of the labels given, not of paragraphs), and the
 * divergence is their total variation distance. */
static void check_label_spreads(const json_t *drift)
{
	const char *name;
	json_t *task;
	json_object_foreach(json_object_get(drift, "tasks"), name, task) {
		json_t *dist = json_object_get(task, "label_distribution");
		json_t *train = json_object_get(task, "training_distribution");
		assert_int_equal(json_object_size(dist), json_object_size(train));
		double sum_d = 0, sum_t = 0, tvd = 0;
		const char *label;
		json_t *v;
		json_object_foreach(dist, label, v) {
			double d = json_number_value(v), tr = json_number_value(json_object_get(train, label));
			sum_d += d;
			sum_t += tr;
			tvd += fabs(d - tr) / 2;
		}
		assert_true(fabs(sum_d - 1) < 1e-6 && fabs(sum_t - 1) < 1e-6);
		assert_true(fabs(json_number_value(json_object_get(task, "divergence")) - tvd) < 1e-6);
		double mc = json_number_value(json_object_get(task, "mean_confidence"));
		assert_true(mc > 0 && mc <= 1);
	}
}

/* A multi-label task through the whole loop (issue #8, section 3): the
 * fixture's paragraphs that carry two frames get both in labels.jsonl
 * ("labels") and labels.csv ("a|b"); review.csv holds label sets that
 * train takes back as corrections; the report gives the multi-label
 * figures. */
/* A task name may start with '-', which a spreadsheet reads as a formula:
 * labels.csv's and review.csv's headers defuse it as any cell ('-frame),
 * and review.csv still trains again as corrections, the apostrophe taken
 * off where it is read. */
static void test_loop__task_names_are_defused_in_headers(void **state)
{
	(void)state;
	assert_int_equal(run("sed '1s/.*/id,document,source,date,text,stance,-frame/' "
	                     "%s/data/labeled/train.csv > %s/odd.csv", FR_SOURCE_DIR, tmp), 0);
	assert_int_equal(run("%s train --data %s/odd.csv --model %s/models/odd --quiet", FR_FRAMER, tmp, tmp), 0);
	assert_int_equal(run("%s classify --model %s/models/odd --out %s/odd --format csv --quiet %s/data/batches/example",
	                     FR_FRAMER, tmp, tmp, FR_SOURCE_DIR), 0);
	static const char *const files[] = { "odd/labels.csv", "odd/review.csv" };
	for (size_t f = 0; f < 2; f++) {
		char *text = read_in_tmp(files[f]);
		assert_non_null(text);
		csv_table t;
		csv_parse(&t, text);
		free(text);
		assert_true(t.n > 1);
		column(&t, "'-frame");
		column(&t, f == 0 ? "'-frame_evidence" : "margin_-frame");
		csv_free(&t);
	}
	assert_int_equal(run("%s train --data %s/odd.csv --data %s/odd/review.csv --model %s/models/odd2 --quiet",
	                     FR_FRAMER, tmp, tmp, tmp), 0);
}

/* `make classify` / `report` train a model only when there is none: one
 * trained with corrections (or on other data) is never replaced because
 * DATA is newer, which lost the corrections of the README's loop. */
static void test_loop__make_never_replaces_a_model(void **state)
{
	(void)state;
	char build[512];
	snprintf(build, sizeof(build), "%s", FR_FRAMER);
	*strrchr(build, '/') = '\0';
	assert_int_equal(run("cp -a %s %s/models/kept && cp %s/data/labeled/train.csv %s/newer.csv && "
	                     "touch -d '+1 minute' %s/newer.csv && cp %s/models/kept/model.json %s/kept.json",
	                     model, tmp, FR_SOURCE_DIR, tmp, tmp, tmp, tmp), 0);
	assert_int_equal(run("make -s -C %s -o build -o deps BUILD=%s MODEL=%s/models/kept DATA=%s/newer.csv "
	                     "OUT=%s/made BATCH=%s/data/batches/example classify >/dev/null",
	                     FR_SOURCE_DIR, build, tmp, tmp, tmp, FR_SOURCE_DIR), 0);
	assert_int_equal(run("cmp %s/models/kept/model.json %s/kept.json", tmp, tmp), 0);
	assert_true(exists_in_tmp("made/labels.jsonl"));
	/* With no model there, the same line trains one. */
	assert_int_equal(run("make -s -C %s -o build -o deps BUILD=%s MODEL=%s/models/fresh DATA=%s/newer.csv "
	                     "OUT=%s/made2 BATCH=%s/data/batches/example classify >/dev/null",
	                     FR_SOURCE_DIR, build, tmp, tmp, tmp, FR_SOURCE_DIR), 0);
	assert_true(exists_in_tmp("models/fresh/model.json"));
}

static void test_loop__multilabel(void **state)
{
	(void)state;
	char ml[600];
	snprintf(ml, sizeof(ml), "%s/models/ml", tmp);
	assert_int_equal(run("%s train --data %s/tests/fixtures/multilabel/train.csv --model %s --quiet",
	                     FR_FRAMER, FR_SOURCE_DIR, ml), 0);
	assert_int_equal(run("%s classify --model %s --out %s/ml --review 10 %s/tests/fixtures/multilabel/test.csv --quiet",
	                     FR_FRAMER, ml, tmp, FR_SOURCE_DIR), 0);
	char path[600];
	snprintf(path, sizeof(path), "%s/tests/fixtures/multilabel/test.csv", FR_SOURCE_DIR);
	char *data = test_read_file(path, NULL);
	csv_table truth;
	csv_parse(&truth, data);
	free(data);
	size_t n = 0, pairs = 0, both = 0;
	json_t *summary = summary_of("ml");
	check_label_spreads(json_object_get(summary, "drift"));
	json_decref(summary);
	para *got = read_labels("ml/labels.jsonl", &n);
	assert_int_equal(n, truth.n - 1);
	size_t frame = column(&truth, "frame");
	for (size_t r = 1; r < truth.n; r++) {
		const char *cell = truth.rows[r].cells[frame];
		if (strchr(cell, '|') == NULL)
			continue;
		pairs++;
		/* The fixture writes "b | a" or "a|b": compare as sets. */
		const para *p = find(got, n, truth.rows[r].cells[0]);
		assert_non_null(p);
		json_t *labels = json_object_get(json_object_get(p->record, "frame"), "labels");
		assert_true(json_is_array(labels));
		size_t hits = 0;
		for (size_t i = 0; i < json_array_size(labels); i++) {
			const char *l = json_string_value(json_array_get(labels, i));
			const char *at = strstr(cell, l);
			hits += at != NULL && (at == cell || at[-1] == '|' || at[-1] == ' ') &&
			        (at[strlen(l)] == '\0' || at[strlen(l)] == '|' || at[strlen(l)] == ' ');
		}
		both += hits == 2 && json_array_size(labels) == 2;
	}
	print_message("multi-label fixture: %zu of %zu two-frame paragraphs got both frames\n", both, pairs);
	assert_true(pairs >= 8);
	assert_int_equal(both, pairs);
	free_labels(got, n);
	csv_free(&truth);

	/* labels.csv and review.csv write label sets the way a labeled CSV does. */
	data = read_in_tmp("ml/labels.csv");
	assert_non_null(strstr(data, ",blame_nato|talks,"));
	free(data);
	data = read_in_tmp("ml/review.csv");
	csv_table review;
	csv_parse(&review, data);
	free(data);
	assert_int_equal(review.n, 11);
	/* Each row's frame cell is a set of the model's labels, sorted, as a
	 * labeled CSV holds it; second_frame names the label nearest its threshold. */
	static const char *const known = "|blame_nato|blame_russia|escalation|talks|";
	for (size_t r = 1; r < review.n; r++) {
		char *cell = strdup(review.rows[r].cells[column(&review, "frame")]), *save = NULL, *prev = NULL;
		for (char *l = strtok_r(cell, "|", &save); l; l = strtok_r(NULL, "|", &save)) {
			char key[64];
			snprintf(key, sizeof(key), "|%s|", l);
			assert_non_null(strstr(known, key));
			assert_true(prev == NULL || strcmp(prev, l) < 0);
			prev = l;
		}
		free(cell);
		snprintf(path, sizeof(path), "|%s|", review.rows[r].cells[column(&review, "second_frame")]);
		assert_non_null(strstr(known, path));
	}
	csv_free(&review);
	char ml2[600];
	snprintf(ml2, sizeof(ml2), "%s/models/ml2", tmp);
	assert_int_equal(run("%s train --data %s/tests/fixtures/multilabel/train.csv --data %s/ml/review.csv "
	                     "--model %s --quiet", FR_FRAMER, FR_SOURCE_DIR, tmp, ml2), 0);

	/* The report: per-label figures with thresholds, micro and macro,
	 * Hamming loss and subset accuracy. */
	assert_int_equal(run("%s evaluate --model %s --data %s/tests/fixtures/multilabel/test.csv --cv 3 "
	                     "--report %s/mlreport --quiet", FR_FRAMER, ml, FR_SOURCE_DIR, tmp), 0);
	snprintf(path, sizeof(path), "%s/mlreport/report.json", tmp);
	json_error_t jerr;
	json_t *report = json_load_file(path, 0, &jerr);
	assert_non_null(report);
	json_t *task = json_object_get(json_object_get(report, "tasks"), "frame");
	assert_true(json_is_true(json_object_get(task, "multilabel")));
	json_t *test = json_object_get(task, "test");
	double hamming = json_number_value(json_object_get(test, "hamming_loss"));
	double subset = json_number_value(json_object_get(test, "subset_accuracy"));
	print_message("multi-label test: subset accuracy %.3f, Hamming loss %.3f, micro-F1 %.3f\n", subset,
	              hamming, json_number_value(json_object_get(json_object_get(test, "micro"), "f1")));
	assert_true(json_is_number(json_object_get(test, "hamming_loss")) && hamming < 0.1);
	assert_true(subset > 0.8);
	assert_true(json_real_value(json_object_get(json_object_get(json_object_get(test, "labels"), "talks"),
	                                            "f1")) > 0.8);
	assert_non_null(json_object_get(json_object_get(task, "cv"), "mean"));
	assert_true(json_is_number(json_object_get(json_object_get(json_object_get(json_object_get(task,
	            "calibration"), "per_label"), "talks"), "threshold")));
	json_decref(report);
	data = read_in_tmp("mlreport/report.md");
	assert_non_null(strstr(data, "Hamming loss"));
	assert_non_null(strstr(data, "subset accuracy"));
	assert_non_null(strstr(data, "| threshold |"));
	free(data);
}


static void test_loop__drift(void **state)
{
	(void)state;
	/* Held-out paragraphs of the training data's sources: like it, no
	 * warning. (The example batch, five China-minded articles, is not:
	 * its frames are spread unlike the training data's.) */
	assert_int_equal(run("%s classify --model %s --out %s/like %s/data/labeled/test.csv",
	                     FR_FRAMER, model, tmp, FR_SOURCE_DIR), 0);
	char *err = read_in_tmp("err");
	assert_null(strstr(err, "warning"));
	free(err);
	json_t *s = summary_of("like");
	json_t *drift = json_object_get(s, "drift");
	assert_true(json_is_object(drift));
	double oov = json_number_value(json_object_get(drift, "oov_rate"));
	assert_true(oov > 0 && oov < 0.4);
	assert_true(json_number_value(json_object_get(s, "oov_rate")) == oov);
	assert_true(json_number_value(json_object_get(drift, "no_known_term_share")) == 0.0);
	assert_int_equal(json_array_size(json_object_get(drift, "warnings")), 0);
	assert_int_equal(json_object_size(json_object_get(drift, "tasks")), 2);
	check_label_spreads(drift);
	json_decref(s);

	/* French news: the words are unknown, the labels pile up. */
	char path[512];
	snprintf(path, sizeof(path), "%s/french.jsonl", tmp);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	static const char *const french[] = {
		"Le président a appelé à un cessez-le-feu immédiat et à l'ouverture de négociations entre les deux pays.",
		"Les sanctions économiques contre la Russie ont été renforcées par l'Union européenne cette semaine.",
		"Des milliers de civils ont fui les bombardements dans l'est du pays, selon les Nations unies.",
		"L'OTAN a annoncé de nouvelles livraisons d'armes à l'Ukraine, provoquant la colère de Moscou.",
	};
	for (size_t i = 0; i < 40; i++)
		fprintf(fp, "{\"id\":\"fr%zu\",\"text\":\"%s\"}\n", i, french[i % 4]);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(run("%s classify --model %s --out %s/unlike %s", FR_FRAMER, model, tmp, path), 0);
	err = read_in_tmp("err");
	assert_non_null(strstr(err, "framer: warning: this batch looks unlike the training data"));
	assert_non_null(strstr(err, "of the words are not in the model's vocabulary"));
	free(err);
	s = summary_of("unlike");
	drift = json_object_get(s, "drift");
	assert_true(json_number_value(json_object_get(drift, "oov_rate")) > 0.4);
	assert_true(json_array_size(json_object_get(drift, "warnings")) >= 1);
	json_decref(s);

	/* A shard of a sharded run (classify --quiet -) writes no summary.json:
	 * the warnings are its only sign, printed as every warning is. */
	assert_int_equal(run("%s classify --model %s --quiet - < %s > %s/shard.jsonl", FR_FRAMER, model, path, tmp), 0);
	err = read_in_tmp("err");
	assert_non_null(strstr(err, "framer: warning: this batch looks unlike the training data"));
	assert_null(strstr(err, "framer: labeled"));
	free(err);
}

/* Regression: with ngram_range [2, 2] every word counted as unknown. */
static void test_loop__bigram_model_oov(void **state)
{
	(void)state;
	char m2[600], cfg[512];
	snprintf(m2, sizeof(m2), "%s/models/bigrams", tmp);
	snprintf(cfg, sizeof(cfg), "%s/bigrams.json", tmp);
	assert_int_equal(test_write_text(cfg, "{\"ngram_range\": [2, 2]}\n"), 0);
	assert_int_equal(run("%s train --data %s/data/labeled/train.csv --model %s --config %s --quiet",
	                     FR_FRAMER, FR_SOURCE_DIR, m2, cfg), 0);
	assert_int_equal(run("%s classify --model %s --out %s/bi %s/data/batches/example --quiet",
	                     FR_FRAMER, m2, tmp, FR_SOURCE_DIR), 0);
	json_t *s = summary_of("bi");
	assert_true(json_number_value(json_object_get(s, "oov_rate")) < 0.5);
	assert_int_equal(json_integer_value(json_object_get(s, "no_known_terms")), 0);
	json_decref(s);
}

/* classify -: labels on standard output and no review.csv, unless --out
 * gives a folder. */
static void test_loop__stdin_review_needs_out(void **state)
{
	(void)state;
	char path[512];
	snprintf(path, sizeof(path), "%s/in.jsonl", tmp);
	assert_int_equal(test_write_text(path, "{\"id\":\"a\",\"text\":\"peace talks now\"}\n"
	                                       "{\"id\":\"b\",\"text\":\"send more tanks\"}\n"), 0);
	assert_int_equal(run("cd %s && %s classify --model %s - < %s > %s/stdout.jsonl",
	                     tmp, FR_FRAMER, model, path, tmp), 0);
	assert_false(exists_in_tmp("out"));
	assert_int_equal(run("%s classify --model %s --out %s/piped - < %s --quiet",
	                     FR_FRAMER, model, tmp, path), 0);
	char *data = read_in_tmp("piped/review.csv");
	assert_non_null(data);
	assert_non_null(strstr(data, "\na,"));
	assert_non_null(strstr(data, "\nb,"));
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop__review_holds_least_certain),
		cmocka_unit_test(test_loop__threads_give_the_same_review),
		cmocka_unit_test(test_loop__corrections_change_the_model),
		cmocka_unit_test(test_loop__drift),
		cmocka_unit_test(test_loop__multilabel),
		cmocka_unit_test(test_loop__make_never_replaces_a_model),
		cmocka_unit_test(test_loop__task_names_are_defused_in_headers),
		cmocka_unit_test(test_loop__bigram_model_oov),
		cmocka_unit_test(test_loop__stdin_review_needs_out),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
