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
#include <unistd.h>

#include <jansson.h>

#include "dataset.h"
#include "model.h"
#include "sha256.h"
#include "stem.h"
#include "tfidf.h"
#include "tokenize.h"
#include "test_util.h"

static char tmp[64];

static mode_t test_umask(void)
{
	mode_t mask = umask(0);
	umask(mask);
	return mask;
}

/* Runs a shell command built from fmt; its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = test_vrun(NULL, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *training_csv =
	"id,document,text,stance,frame\n"
	"1,a,China calls for a ceasefire and peace talks,neutral,pro_ceasefire\n"
	"2,a,Dialogue and negotiation are the only way out of the crisis,neutral,pro_ceasefire\n"
	"3,b,Russia's invasion and war crimes must be punished,pro_ukraine,blames_russia\n"
	"4,b,The brutal invasion of Ukraine by Russia continues,pro_ukraine,blames_russia\n"
	"5,c,NATO expansion provoked the crisis in Ukraine,pro_russia,blames_nato_west\n"
	"6,c,The West and NATO ignored Russia's security concerns,pro_russia,blames_nato_west\n"
	"7,d,Talks and a ceasefire now would end the crisis,neutral,pro_ceasefire\n"
	"8,d,War crimes by Russian forces in Bucha,pro_ukraine,blames_russia\n"
	"9,e,NATO and the West provoked Russia,pro_russia,blames_nato_west\n";

static int setup(void **state)
{
	(void)state;
	return test_tmpdir(tmp, sizeof(tmp), "/tmp/fr_model_");
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

/* Trains on csv with the given calibration. */
static fr_model *train_calibrated(const char *csv, fr_dataset *ds, int calibration)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/train.csv", tmp);
	assert_int_equal(test_write_text(path, csv), 0);
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	fr_model *m = NULL;
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	cfg.tfidf.min_df = 1;
	cfg.classifier.solver = FR_SOLVER_LIBSVM; /* the bundle tests read its .svm files (auto: liblinear) */
	cfg.calibration.method = calibration;
	fr_dataset_init(ds);
	assert_int_equal(fr_dataset_load(ds, path, NULL, 0, &err), 0);
	assert_int_equal(fr_model_train(&m, ds, &cfg, NULL, 0, NULL, NULL, &err), 0);
	fr_model_config_dispose(&cfg);
	return m;
}

static fr_model *train_from(const char *csv, fr_dataset *ds)
{
	return train_calibrated(csv, ds, FR_CALIBRATION_PLATT);
}

/* A paragraph of many thousands of tokens is looked up a block at a time
 * (model.c's MISS_BLOCK): every token still gets its own id. Known and
 * unknown words alternate across the blocks' edges, after a paragraph of
 * known words only, whose ids a skipped token would keep. */
static void test_model__long_paragraph_counts_every_token(void **state)
{
	(void)state;
	enum { PAIRS = 10001 };
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_from(training_csv, &ds);
	fr_model_work *w = NULL;
	fr_task_result r[2];
	fr_text_stats st;
	char *known = malloc(PAIRS * 2 * 10 + 1), *mixed = malloc(PAIRS * 18 + 1);
	size_t kn = 0, mn = 0;
	assert_non_null(known);
	assert_non_null(mixed);
	for (size_t i = 0; i < 2 * PAIRS; i++)
		kn += (size_t)sprintf(known + kn, "ceasefire ");
	for (size_t i = 0; i < PAIRS; i++) /* "ceasefire zqaaaa", "ceasefire zqaaab", ... */
		mn += (size_t)sprintf(mixed + mn, "ceasefire zq%c%c%c%c ", 'a' + (int)(i / 17576 % 26),
		                      'a' + (int)(i / 676 % 26), 'a' + (int)(i / 26 % 26), 'a' + (int)(i % 26));
	assert_int_equal(fr_model_work_new(&w, m, &err), 0);
	assert_int_equal(fr_model_label(m, w, known, kn, r, &st, &err), 0);
	assert_int_equal(st.terms, 2 * PAIRS);
	assert_int_equal(st.unknown, 0);
	assert_int_equal(fr_model_label(m, w, mixed, mn, r, &st, &err), 0);
	assert_int_equal(st.terms, 2 * PAIRS);
	assert_int_equal(st.unknown, PAIRS);
	fr_model_work_free(w);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
	free(known);
	free(mixed);
}

static void test_model__train_save_load_same_labels(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_from(training_csv, &ds), *loaded = NULL;
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/models/one", tmp);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	assert_int_equal(fr_model_load(&loaded, dir, &err), 0);
	assert_int_equal(fr_model_task_count(loaded), 2);
	assert_string_equal(fr_model_task_name(loaded, 0), "stance");
	assert_string_equal(fr_model_task_name(loaded, 1), "frame");
	assert_int_equal(fr_model_label_count(loaded, 1), 3);
	assert_string_equal(fr_model_label_name(loaded, 1, 0), "blames_nato_west");
	assert_int_equal(fr_model_label_support(loaded, 1, 2), 3);

	fr_model_work *w1 = NULL, *w2 = NULL;
	assert_int_equal(fr_model_work_new(&w1, m, &err), 0);
	assert_int_equal(fr_model_work_new(&w2, loaded, &err), 0);
	const char *probes[] = { "A ceasefire and talks", "Russian war crimes", "NATO provoked it", "" };
	for (size_t i = 0; i < 4; i++) {
		fr_task_result a[2], b[2];
		fr_text_stats st;
		assert_int_equal(fr_model_label(m, w1, probes[i], strlen(probes[i]), a, &st, &err), 0);
		assert_int_equal(fr_model_label(loaded, w2, probes[i], strlen(probes[i]), b, NULL, &err), 0);
		for (size_t t = 0; t < 2; t++) {
			assert_int_equal(a[t].label, b[t].label);
			/* libsvm saves support vectors to 8 digits: scores agree closely. */
			assert_true(fabs(a[t].confidence - b[t].confidence) < 1e-5);
		}
	}
	/* A loaded model saves back to the same bundle, byte for byte. */
	char dir2[160];
	snprintf(dir2, sizeof(dir2), "%s/models/again", tmp);
	assert_int_equal(fr_model_save(loaded, dir2, &err), 0);
	assert_int_equal(run("cmp -s %s/model.json %s/model.json && cmp -s %s/frame.svm %s/frame.svm && "
	                     "cmp -s %s/vocab.bin %s/vocab.bin", dir, dir2, dir, dir2, dir, dir2), 0);
	fr_task_result r[2];
	assert_int_equal(fr_model_label(loaded, w2, "Russian war crimes in Bucha", 27, r, NULL, &err), 0);
	assert_string_equal(fr_model_label_name(loaded, 1, (size_t)r[1].label), "blames_russia");
	assert_true(r[1].n_evidence >= 1);
	fr_model_work_free(w1);
	fr_model_work_free(w2);
	fr_model_free(loaded);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

/* A multi-label task (issue #8, section 3): one classifier per label,
 * thresholds chosen by cross-validation, and a paragraph that calls for
 * talks and blames NATO gets both labels, before and after a save and load. */
static void test_model__multilabel_fixture_gets_both_labels(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	fr_model *m = NULL, *loaded = NULL;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, FR_TEST_FIXTURES "/multilabel/train.csv", NULL, 0, &err), 0);
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	assert_int_equal(fr_model_train(&m, &ds, &cfg, NULL, 0, NULL, NULL, &err), 0);
	assert_true(fr_model_task_multilabel(m, 0));
	assert_null(fr_model_classifier(m, 0));
	assert_int_equal(fr_model_label_count(m, 0), 4);
	/* Support counts the rows that have a label, pairs included. */
	size_t pairs_support = 0;
	for (size_t l = 0; l < 4; l++) {
		double t = fr_model_label_threshold(m, 0, l);
		assert_true(t > 0.0 && t < 1.0);
		pairs_support += fr_model_label_support(m, 0, l);
	}
	assert_true(pairs_support > ds.n_rows);

	char dir[128];
	snprintf(dir, sizeof(dir), "%s/models/multi", tmp);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	assert_int_equal(run("test -f %s/frame.0.liblinear && test -f %s/frame.3.liblinear && ! test -e %s/frame.liblinear",
	                     dir, dir, dir), 0);
	assert_int_equal(fr_model_load(&loaded, dir, &err), 0);
	assert_true(fr_model_task_multilabel(loaded, 0));

	static const struct { const char *text; const char *labels; } probes[] = {
		{ "Diplomats called for peace talks without preconditions. NATO expansion to the east "
		  "provoked the conflict.", "blame_nato|talks" },
		{ "The Kremlin launched an unprovoked invasion, and officials warned of nuclear escalation.",
		  "blame_russia|escalation" },
		{ "Mediators proposed a ceasefire line and new rounds of dialogue.", "talks" },
	};
	fr_model_work *w1 = NULL, *w2 = NULL;
	assert_int_equal(fr_model_work_new(&w1, m, &err), 0);
	assert_int_equal(fr_model_work_new(&w2, loaded, &err), 0);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		fr_task_result a, b;
		size_t len = strlen(probes[i].text);
		assert_int_equal(fr_model_label(m, w1, probes[i].text, len, &a, NULL, &err), 0);
		assert_int_equal(fr_model_label(loaded, w2, probes[i].text, len, &b, NULL, &err), 0);
		char got[128] = "";
		for (size_t l = 0; l < 4; l++) {
			if (!((a.label_set >> l) & 1))
				continue;
			if (got[0])
				strcat(got, "|");
			strcat(got, fr_model_label_name(m, 0, l));
			/* Each given label is at or over its threshold. */
			assert_true(a.scores[l] >= fr_model_label_threshold(m, 0, l));
		}
		assert_string_equal(got, probes[i].labels);
		assert_true(a.label_set == b.label_set);
		assert_int_equal(a.label, b.label);
		assert_true((a.label_set >> a.label) & 1);
		assert_true(fabs(a.confidence - b.confidence) < 1e-5);
		assert_true(a.n_evidence >= 1);
	}
	fr_model_work_free(w1);
	fr_model_work_free(w2);
	fr_model_free(loaded);
	loaded = NULL;

	/* A threshold out of [0, 1] in model.json is a corrupt bundle. */
	assert_int_equal(run("sed -i '0,/\"threshold\": 0\\./s//\"threshold\": 7./' %s/model.json", dir), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.message, "malformed"));
	assert_null(loaded);
	fr_model_free(m);
	fr_model_config_dispose(&cfg);
	fr_dataset_dispose(&ds);
}

/* A label on every row of a multi-label task leaves one-vs-rest nothing to
 * learn from: a clear error, naming the label. */
static void test_model__multilabel_label_on_every_row_is_refused(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = NULL;
	char path[128];
	snprintf(path, sizeof(path), "%s/every.csv", tmp);
	assert_int_equal(test_write_text(path,
		"id,text,frame\n1,talks now,talks|escalation\n2,more talks,talks\n3,talks and missiles,talks|escalation\n"), 0);
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	fr_model_config cfg;
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	cfg.tfidf.min_df = 1;
	assert_int_equal(fr_model_train(&m, &ds, &cfg, NULL, 0, NULL, NULL, &err), FR_EFORMAT);
	fr_model_config_dispose(&cfg);
	assert_non_null(strstr(err.message, "every labeled row has 'talks'"));
	assert_null(m);
	fr_dataset_dispose(&ds);
}

static void test_model__manifest_records_provenance(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_model *m = train_from(training_csv, &ds);
	const json_t *j = fr_model_manifest(m);
	assert_int_equal(json_integer_value(json_object_get(j, "format_version")), FR_MODEL_FORMAT_VERSION);
	assert_string_equal(json_string_value(json_object_get(j, "framer_version")), FR_VERSION);
	const json_t *training = json_object_get(j, "training");
	assert_int_equal(strlen(json_string_value(json_object_get(training, "data_sha256"))), 64);
	assert_int_equal(json_integer_value(json_object_get(training, "rows")), 9);
	const json_t *vocab = json_object_get(j, "vocabulary");
	assert_true(json_array_size(json_object_get(vocab, "terms")) > 10);
	assert_int_equal(json_array_size(json_object_get(vocab, "terms")),
	                 json_array_size(json_object_get(vocab, "idf")));
	/* Saving records what each classifier file hashes to. */
	char dir[128], path[192], sha[65];
	fr_error err = FR_ERROR_INIT;
	snprintf(dir, sizeof(dir), "%s/provenance", tmp);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	const json_t *files = json_object_get(j, "files");
	assert_int_equal(json_object_size(files), 2);
	snprintf(path, sizeof(path), "%s/stance.svm", dir);
	assert_int_equal(fr_sha256_file(path, sha, &err), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(files, "stance.svm"), "sha256")), sha);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

/* Appends a log line to the buffer (4096 bytes) payload points to. */
static void collect_log(void *payload, const char *message)
{
	char *buf = payload;
	size_t len = strlen(buf);
	snprintf(buf + len, 4096 - len, "%s\n", message);
}

/* Regression (rows of "***" or "—" were trained as empty vectors: a lean
 * toward their label, weighed in class weights and calibration): a row
 * whose text gives no feature is left out of training, with one warning
 * naming the first and how many, and model.json counts it apart. The
 * model still labels such a paragraph, as classify does. */
static void test_model__rows_without_words_are_left_out(void **state)
{
	(void)state;
	char path[128], csv[2048], log[4096] = "", want[256];
	snprintf(path, sizeof(path), "%s/wordless.csv", tmp);
	snprintf(csv, sizeof(csv), "%s10,f,***,pro_russia,blames_nato_west\n11,f,\xe2\x80\x94 \xe2\x80\x94,pro_russia,"
	         "blames_nato_west\n12,g,...,neutral,pro_ceasefire\n", training_csv);
	assert_int_equal(test_write_text(path, csv), 0);
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	fr_dataset ds;
	fr_model *m = NULL;
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	cfg.tfidf.min_df = 1;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, 12);
	assert_int_equal(fr_model_train(&m, &ds, &cfg, NULL, 0, collect_log, log, &err), 0);
	snprintf(want, sizeof(want), "warning: %s:11: 3 rows (this one first) have no word in the vocabulary", path);
	const char *warning = strstr(log, "warning: ");
	assert_non_null(warning);
	assert_true(strncmp(warning, want, strlen(want)) == 0);
	assert_null(strstr(warning + 1, "warning: "));
	assert_int_equal(fr_model_rows_without_words(m), 3);
	const json_t *training = json_object_get(fr_model_manifest(m), "training");
	assert_int_equal(json_integer_value(json_object_get(training, "rows")), 9);
	assert_int_equal(json_integer_value(json_object_get(training, "rows_without_words")), 3);
	/* Supports and the calibration's rows are the nine rows with words. */
	for (size_t l = 0; l < fr_model_label_count(m, 0); l++)
		assert_int_equal(fr_model_label_support(m, 0, l), 3);
	assert_int_equal(fr_model_calibration(m, 0)->rows, 9);
	fr_model_work *w = NULL;
	fr_task_result r[2];
	assert_int_equal(fr_model_work_new(&w, m, &err), 0);
	assert_int_equal(fr_model_label(m, w, "***", 3, r, NULL, &err), 0);
	assert_true(r[0].label >= 0 && (size_t)r[0].label < fr_model_label_count(m, 0));
	fr_model_work_free(w);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
	fr_model_config_dispose(&cfg);

	/* None: model.json has no count, as before. */
	m = train_from(training_csv, &ds);
	assert_null(json_object_get(json_object_get(fr_model_manifest(m), "training"), "rows_without_words"));
	assert_int_equal(fr_model_rows_without_words(m), 0);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

static void test_model__single_label_task_is_refused(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/one.csv", tmp);
	assert_int_equal(test_write_text(path, "text,stance,frame\nPeace talks,neutral,pro_ceasefire\n"
	                                       "War crimes,neutral,blames_russia\n"), 0);
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	fr_dataset ds;
	fr_model *m = NULL;
	fr_model_config_init(&cfg, NULL, &err);
	cfg.tfidf.min_df = 1;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(fr_model_train(&m, &ds, &cfg, NULL, 0, NULL, NULL, &err), FR_EFORMAT);
	assert_null(m);
	assert_string_equal(err.source, path);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.message, "task 'stance' has only one label ('neutral')"));
	fr_model_config_dispose(&cfg);
	fr_dataset_dispose(&ds);
}

static void test_model__save_replaces_atomically(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_from(training_csv, &ds);
	char dir[128], marker[160], parent[128];
	snprintf(parent, sizeof(parent), "%s/swap", tmp);
	snprintf(dir, sizeof(dir), "%s/swap/b", tmp);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	/* A file of the old bundle the new one does not have: a task since dropped. */
	snprintf(marker, sizeof(marker), "%s/dropped_task.svm", dir);
	assert_int_equal(test_write_text(marker, "x"), 0);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	/* A bundle is readable by others (mkdtemp alone would make it 0700). */
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0777 & ~test_umask());
	/* The old bundle is gone whole (marker too), no temporary is left. */
	assert_int_not_equal(access(marker, F_OK), 0);
	assert_int_equal(run("test $(ls -A %s | wc -l) -eq 1", parent), 0);
	/* Saving where a file stands refuses and leaves the file alone. */
	char blocker[160];
	snprintf(blocker, sizeof(blocker), "%s/file", tmp);
	assert_int_equal(test_write_text(blocker, "keep"), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_save(m, blocker, &err), FR_EIO);
	assert_int_equal(run("grep -q keep %s", blocker), 0);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

/* Saving replaces the folder whole, so it may only replace a bundle: the
 * labeled data's folder, or a folder of bundles, named by mistake as
 * --model would otherwise be deleted. */
static void test_model__save_replaces_only_a_bundle(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_from(training_csv, &ds);
	char dir[128], path[192];

	/* No folder, or an empty one: taken. */
	snprintf(dir, sizeof(dir), "%s/new", tmp);
	assert_int_equal(fr_model_check_target(dir, &err), 0);
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	/* A bundle: taken again. */
	assert_int_equal(fr_model_save(m, dir, &err), 0);

	/* The labeled data's folder: refused, named, kept. */
	snprintf(dir, sizeof(dir), "%s/data", tmp);
	snprintf(path, sizeof(path), "%s/data/train.csv", tmp);
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(test_write_text(path, training_csv), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_save(m, dir, &err), FR_EIO);
	assert_string_equal(err.source, dir);
	assert_non_null(strstr(err.message, "'train.csv'"));
	assert_int_equal(run("test $(ls -A %s) = train.csv && grep -q Bucha %s", dir, path), 0);

	/* A folder of bundles (models/ where models/default was meant): refused, the bundle kept. */
	snprintf(dir, sizeof(dir), "%s/bundles", tmp);
	snprintf(path, sizeof(path), "%s/bundles/default", tmp);
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(fr_model_save(m, path, &err), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_save(m, dir, &err), FR_EIO);
	assert_non_null(strstr(err.message, "'default'"));
	assert_int_equal(run("test -f %s/model.json && test $(ls -A %s | wc -l) -eq 1", path, dir), 0);

	/* A link to a bundle: refused, as the swap would empty what it points to. */
	char link_path[192];
	snprintf(link_path, sizeof(link_path), "%s/current", tmp);
	assert_int_equal(symlink(path, link_path), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_save(m, link_path, &err), FR_EIO);
	assert_non_null(strstr(err.message, "symbolic link"));
	assert_int_equal(run("test -f %s/model.json && test -f %s/vocab.bin", path, path), 0);

	/* Classifier files without a model.json, or a hidden file: not a bundle. */
	snprintf(dir, sizeof(dir), "%s/partial", tmp);
	assert_int_equal(mkdir(dir, 0777), 0);
	snprintf(path, sizeof(path), "%s/stance.svm", dir);
	assert_int_equal(test_write_text(path, "x"), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_check_target(dir, &err), FR_EIO);
	assert_non_null(strstr(err.message, "no model.json"));
	snprintf(path, sizeof(path), "%s/model.json", dir);
	assert_int_equal(test_write_text(path, "{}"), 0);
	assert_int_equal(fr_model_check_target(dir, &err), 0);
	snprintf(path, sizeof(path), "%s/.stance.svm", dir);
	assert_int_equal(test_write_text(path, "x"), 0);
	assert_int_equal(fr_model_check_target(dir, &err), FR_EIO);

	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

/* What another process puts into the bundle folder while a bundle is
 * written: a file, at the stage given. */
static int arrival_stage = -1;
static const char *arrival_name;

static void put_arrival(const char *dir, int stage)
{
	char path[256];
	if (stage != arrival_stage)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, arrival_name);
	assert_int_equal(test_write_text(path, "notes"), 0);
}

/* A file that reaches the folder while the bundle is written is never
 * deleted: seen before the swap, the save fails and keeps the old bundle;
 * arrived after that look, it is left in the old bundle's folder. */
static void test_model__save_keeps_what_arrives_meanwhile(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_from(training_csv, &ds);
	char dir[128];
	assert_int_equal(run("mkdir -p %s/busy_parent", tmp), 0);
	snprintf(dir, sizeof(dir), "%s/busy_parent/m", tmp);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	assert_int_equal(run("cp %s/model.json %s/../old.json", dir, dir), 0);
	fr_model__save_hook = put_arrival;

	/* Before the second look: refused, old bundle and the file kept. */
	arrival_stage = 0;
	arrival_name = "notes.txt";
	fr_error_clear(&err);
	assert_int_equal(fr_model_save(m, dir, &err), FR_EIO);
	assert_non_null(strstr(err.message, "'notes.txt'"));
	assert_int_equal(run("cmp -s %s/model.json %s/../old.json && test -f %s/notes.txt", dir, dir, dir), 0);
	assert_int_equal(run("test $(ls -A %s/busy_parent | wc -l) -eq 2", tmp), 0); /* m and old.json */
	assert_int_equal(run("rm %s/notes.txt %s/../old.json", dir, dir), 0);

	/* After it: the new bundle goes in, the file stays in the hidden
	 * folder the old bundle was moved to, alone. */
	arrival_stage = 1;
	arrival_name = "late.txt";
	fr_error_clear(&err);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	assert_int_equal(run("test -f %s/model.json && ! test -e %s/late.txt", dir, dir), 0);
	assert_int_equal(run("test \"$(ls -A %s/busy_parent/.m.tmp-*)\" = late.txt", tmp), 0);
	fr_model__save_hook = NULL;
	arrival_stage = -1;

	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

/* What the load hook puts in place of the bundle it is reading, once. */
static const fr_model *swap_in;

static void retrain_meanwhile(const char *dir)
{
	fr_error err = FR_ERROR_INIT;
	const fr_model *m = swap_in;
	swap_in = NULL;
	if (m != NULL)
		assert_int_equal(fr_model_save(m, dir, &err), 0);
}

/* A bundle retrained while it is read (train swaps the folder between
 * model.json and the classifier files) is read again, whole: the new one.
 * The read went on in the new folder and was refused as altered (exit 3,
 * "copy the bundle again or retrain"). */
static void test_model__load_rereads_a_bundle_swapped_meanwhile(void **state)
{
	(void)state;
	fr_dataset ds_old, ds_new;
	fr_error err = FR_ERROR_INIT;
	fr_model *old = train_from(training_csv, &ds_old);
	char csv[2048], dir[128];
	snprintf(csv, sizeof(csv), "%s%s", training_csv,
	         "10,f,Ceasefire talks in Istanbul bring hope of peace,neutral,pro_ceasefire\n"
	         "11,f,Russian shelling of Kharkiv kills civilians,pro_ukraine,blames_russia\n");
	fr_model *new = train_from(csv, &ds_new);
	snprintf(dir, sizeof(dir), "%s/retrained", tmp);
	assert_int_equal(fr_model_save(old, dir, &err), 0);

	fr_model *loaded = NULL;
	swap_in = new;
	fr_model__load_hook = retrain_meanwhile;
	int rc = fr_model_load(&loaded, dir, &err);
	fr_model__load_hook = NULL;
	if (rc != 0)
		fail_msg("load while retrained: %s: %s", err.source, err.message);
	assert_null(swap_in);
	size_t rows = 0;
	for (size_t l = 0; l < fr_model_label_count(loaded, 0); l++)
		rows += fr_model_label_support(loaded, 0, l);
	assert_int_equal(rows, 11);

	fr_model_free(loaded);
	fr_model_free(new);
	fr_model_free(old);
	fr_dataset_dispose(&ds_new);
	fr_dataset_dispose(&ds_old);
}

static void test_model__load_refuses_broken_bundles(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_from(training_csv, &ds), *loaded = NULL;
	char dir[128], path[192];
	snprintf(dir, sizeof(dir), "%s/broken", tmp);
	assert_int_equal(fr_model_save(m, dir, &err), 0);

	/* No such folder. */
	assert_int_equal(fr_model_load(&loaded, "/nonexistent/model", &err), FR_EMODEL);
	/* A missing classifier file. */
	snprintf(path, sizeof(path), "%s/frame.svm", dir);
	assert_int_equal(run("mv %s %s.away", path, path), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.source, "frame.svm"));
	assert_int_equal(run("mv %s.away %s", path, path), 0);
	/* A truncated classifier file is caught by its size... */
	assert_int_equal(run("cp %s %s.good && truncate -s -7 %s", path, path, path), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.source, "frame.svm"));
	assert_non_null(strstr(err.message, "truncated"));
	/* ...and one altered in place, same size, by its sha256. */
	assert_int_equal(run("cp %s.good %s && printf X | dd of=%s bs=1 seek=200 conv=notrunc 2>/dev/null",
	                     path, path, path), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.message, "sha256"));
	assert_int_equal(run("mv %s.good %s", path, path), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), 0);
	fr_model_free(loaded);
	loaded = NULL;
	/* A manifest that records no hash for a classifier file is refused. */
	snprintf(path, sizeof(path), "%s/model.json", dir);
	assert_int_equal(run("cp %s %s.good && sed -i 's/\"sha256\": \"/\"sha-256\": \"/' %s", path, path, path), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.message, "records no sha256"));
	assert_int_equal(run("mv %s.good %s", path, path), 0);
	/* A manifest naming the wrong solver for an intact file is refused
	 * before libsvm or LIBLINEAR reads it, and nothing is printed. */
	assert_int_equal(run("cp %s %s.good && sed -i 's/\"solver\": \"libsvm\"/\"solver\": \"liblinear\"/' %s",
	                     path, path, path), 0);
	char errfile[128];
	snprintf(errfile, sizeof(errfile), "%s/stderr", tmp);
	fflush(stderr);
	int saved = dup(2);
	FILE *capture = fopen(errfile, "w");
	assert_non_null(capture);
	dup2(fileno(capture), 2);
	fr_error_clear(&err);
	int load_rc = fr_model_load(&loaded, dir, &err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(capture);
	assert_int_equal(load_rc, FR_EMODEL);
	assert_non_null(strstr(err.message, "not a LIBLINEAR model file"));
	assert_int_equal(run("test ! -s %s", errfile), 0);
	assert_int_equal(run("mv %s.good %s", path, path), 0);
	/* An unknown format version names the framer that made it. */
	assert_int_equal(run("sed -i 's/\"format_version\": %d/\"format_version\": 99/' %s", FR_MODEL_FORMAT_VERSION, path), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.message, "format_version 99, made by framer " FR_VERSION));
	/* Corrupt JSON. */
	assert_int_equal(test_write_text(path, "{\"format_version\": 1,"), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_string_equal(err.source, path);
	assert_null(loaded);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

/* Loads dir; the load note, or "" when there is none. */
static const char *load_note_of(const char *dir, fr_model **out)
{
	fr_error err = FR_ERROR_INIT;
	assert_int_equal(fr_model_load(out, dir, &err), 0);
	const char *note = fr_model_load_note(*out);
	return note ? note : "";
}

/* The vocabulary's binary image (vocab.bin) is what a load reads when it
 * was made from model.json's vocabulary, wherever that now lies in the
 * file; when the vocabulary was edited by hand, or the image is damaged,
 * the load reads model.json's text instead, takes the edit, and says why.
 * A bundle without an image loads as before, silently. */
static void test_model__vocab_image(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_from(training_csv, &ds), *loaded = NULL;
	char dir[128], path[192];
	snprintf(dir, sizeof(dir), "%s/image", tmp);
	snprintf(path, sizeof(path), "%s/model.json", dir);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	assert_int_equal(run("test -s %s/vocab.bin", dir), 0);
	const fr_tfidf *want = fr_model_vectorizer(m);
	int ceasefire = -1;
	for (size_t f = 1; f <= fr_tfidf_feature_count(want); f++)
		if (strcmp(fr_tfidf_term(want, (int)f), "ceasefir") == 0)
			ceasefire = (int)f;
	assert_true(ceasefire > 0);

	assert_string_equal(load_note_of(dir, &loaded), "");
	assert_int_equal(fr_tfidf_feature_count(fr_model_vectorizer(loaded)), fr_tfidf_feature_count(want));
	assert_true(fr_tfidf_idf(fr_model_vectorizer(loaded), ceasefire) == fr_tfidf_idf(want, ceasefire));
	fr_model_free(loaded);

	/* Text before the vocabulary grows: the image is still the vocabulary's. */
	assert_int_equal(run("sed -i 's/\"format_version\": /\"format_version\":     /' %s", path), 0);
	assert_string_equal(load_note_of(dir, &loaded), "");
	fr_model_free(loaded);

	/* The vocabulary edited by hand: model.json wins, and the note says so. */
	assert_int_equal(run("python3 -c \"import json,sys; p=sys.argv[1]; d=json.load(open(p)); "
	                     "d['vocabulary']['idf'][%d]=9.5; json.dump(d, open(p,'w'), indent=1)\" %s",
	                     ceasefire - 1, path), 0);
	assert_non_null(strstr(load_note_of(dir, &loaded), "vocab.bin: made from another vocabulary"));
	assert_true(fr_tfidf_idf(fr_model_vectorizer(loaded), ceasefire) == 9.5);
	fr_model_free(loaded);

	/* Saved again, the bundle has an image of the edited vocabulary. */
	assert_int_equal(fr_model_load(&loaded, dir, &err), 0);
	assert_int_equal(fr_model_save(loaded, dir, &err), 0);
	fr_model_free(loaded);
	assert_string_equal(load_note_of(dir, &loaded), "");
	assert_true(fr_tfidf_idf(fr_model_vectorizer(loaded), ceasefire) == 9.5);
	fr_model_free(loaded);

	/* A damaged image, and one cut short: read from model.json, with a note. */
	assert_int_equal(run("printf X | dd of=%s/vocab.bin bs=1 seek=300 conv=notrunc 2>/dev/null", dir), 0);
	assert_non_null(strstr(load_note_of(dir, &loaded), "checksum"));
	assert_true(fr_tfidf_idf(fr_model_vectorizer(loaded), ceasefire) == 9.5);
	fr_model_free(loaded);
	assert_int_equal(run("truncate -s 0 %s/vocab.bin", dir), 0);
	assert_non_null(strstr(load_note_of(dir, &loaded), "empty"));
	fr_model_free(loaded);

	/* No image at all: read from model.json, nothing to say. */
	assert_int_equal(run("rm %s/vocab.bin", dir), 0);
	assert_string_equal(load_note_of(dir, &loaded), "");
	assert_true(fr_tfidf_idf(fr_model_vectorizer(loaded), ceasefire) == 9.5);
	fr_model_free(loaded);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
}

static void test_model__config_file(void **state)
{
	(void)state;
	char path[128];
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	snprintf(path, sizeof(path), "%s/cfg.json", tmp);
	fr_model_config_init(&cfg, NULL, &err);
	assert_int_equal(test_write_text(path, "{\"C\": 4, \"ngram_range\": [1, 3], \"min_df\": 0.01, "
	                                       "\"kernel\": \"rbf\", \"class_weight\": \"none\"}"), 0);
	assert_int_equal(fr_model_config_load(&cfg, path, &err), 0);
	assert_true(cfg.classifier.C == 4.0);
	assert_int_equal(cfg.tfidf.ngram_max, 3);
	assert_int_equal(cfg.tfidf.min_df_is_count, 0);
	assert_int_equal(cfg.classifier.kernel, FR_KERNEL_RBF);
	assert_int_equal(cfg.classifier.balanced, 0);
	assert_int_equal(cfg.calibration.method, FR_CALIBRATION_PLATT);
	assert_int_equal(cfg.calibration.folds, 5);
	assert_int_equal(test_write_text(path, "{\"calibration\": \"none\", \"calibration_folds\": 3}"), 0);
	assert_int_equal(fr_model_config_load(&cfg, path, &err), 0);
	assert_int_equal(cfg.calibration.method, FR_CALIBRATION_NONE);
	assert_int_equal(cfg.calibration.folds, 3);

	/* The default stop words are English: another language has none unless
	 * the config names a list; English under another of its names keeps them. */
	struct { const char *json; int stops; } langs[] = {
		{ "{\"language\": \"german\"}", 0 },
		{ "{\"language\": \"en\"}", 1 },
		{ "{\"language\": \"porter\"}", 1 },
		{ "{\"language\": \"german\", \"stopwords\": \"cfg.json\"}", 1 },
	};
	for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		fr_model_config lc;
		fr_error lerr = FR_ERROR_INIT;
		assert_int_equal(fr_model_config_init(&lc, FR_TEST_FIXTURES "/../../data", &lerr), 0);
		assert_int_equal(test_write_text(path, langs[i].json), 0);
		assert_int_equal(fr_model_config_load(&lc, path, &lerr), 0);
		if (fr_model_config_has_stops(&lc) != langs[i].stops)
			fail_msg("%s: has_stops %d", langs[i].json, fr_model_config_has_stops(&lc));
		fr_model_config_dispose(&lc);
	}

	/* line: where the key is set (jansson keeps no positions for values);
	 * 0 where the message names no key. */
	struct { const char *json, *needle; size_t line; } bad[] = {
		{ "{\"Cost\": 1}", "unknown config key 'Cost'", 1 },
		{ "{\n  \"C\": 1,\n  \"min_df\": \"two\"\n}\n", "'min_df' must be a number", 3 },
		{ "{\n  \"ngram_range\" : [3, 1]\n}\n", "ngram_range must be", 2 },
		{ "{\n  \"calibration\": \"platt\",\n\n  \"calibration_folds\": 99\n}", "'calibration_folds'", 4 },
		{ "{\"kernel\": \"poly\"}", "'kernel' must be", 1 },
		{ "{\"solver\": \"sgd\"}", "'solver' must be", 1 },
		{ "{\"solver\": \"liblinear\", \"kernel\": \"rbf\"}", "linear only", 0 },
		{ "{\"C\": -1}", "C must be a positive number", 1 },
		{ "{\"ngram_range\": [2, 1]}", "ngram_range", 1 },
		{ "{\"C\": 1,", "invalid JSON", 1 },
		{ "[1]", "must be a JSON object", 0 },
		{ "{\"calibration\": \"isotonic\"}", "'calibration' must be \"platt\" or \"none\"", 1 },
		{ "{\"calibration_folds\": 1}", "'calibration_folds' must be an integer from 2 to 64", 1 },
		{ "{\"calibration_folds\": 5.5}", "'calibration_folds' must be an integer", 1 },
		{ "{\"calibration\": \"none\", \"C\": 0}", "C must be a positive number", 1 },
		/* Found when the config is read, not after the data: its line. */
		{ "{\n  \"C\": 1,\n  \"language\": \"klingon\"\n}", "'language' 'klingon' is no Snowball stemmer", 3 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(test_write_text(path, bad[i].json), 0);
		fr_error_clear(&err);
		assert_true(fr_model_config_load(&cfg, path, &err) < 0);
		assert_non_null(strstr(err.message, bad[i].needle));
		assert_string_equal(err.source, path);
		if (bad[i].line)
			assert_int_equal(err.line, bad[i].line);
		/* A config that fails to load changes nothing. */
		assert_true(cfg.classifier.C == 4.0);
		assert_int_equal(cfg.classifier.solver, FR_SOLVER_AUTO);
		assert_int_equal(cfg.tfidf.ngram_max, 3);
		assert_int_equal(cfg.calibration.method, FR_CALIBRATION_NONE);
		assert_int_equal(cfg.calibration.folds, 3);
	}
	fr_model_config_dispose(&cfg);
}

/* A relative stopwords path is read from the config file's folder, so a
 * config and its list work from any folder; a list that cannot be read is
 * an I/O failure naming it, with no line (exit 4, as an input's). */
static void test_model__config_stopwords_path(void **state)
{
	(void)state;
	char dir[160], path[200], words[200], expect[200];
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	snprintf(dir, sizeof(dir), "%s/cfgdir", tmp);
	assert_int_equal(run("mkdir -p %s", dir), 0);
	snprintf(path, sizeof(path), "%s/c.json", dir);
	snprintf(words, sizeof(words), "%s/words.txt", dir);
	assert_int_equal(test_write_text(words, "the\n"), 0);
	assert_int_equal(test_write_text(path, "{\"stopwords\": \"words.txt\"}"), 0);
	fr_model_config_init(&cfg, NULL, &err);
	assert_int_equal(fr_model_config_load(&cfg, path, &err), 0);
	assert_string_equal(cfg.stopwords, words);
	/* An absolute one is as written. */
	char json[300];
	snprintf(json, sizeof(json), "{\"stopwords\": \"%s\"}", words);
	assert_int_equal(test_write_text(path, json), 0);
	assert_int_equal(fr_model_config_load(&cfg, path, &err), 0);
	assert_string_equal(cfg.stopwords, words);
	/* Missing: the file it resolved to, no line, and cfg unchanged. */
	assert_int_equal(test_write_text(path, "{\"C\": 2,\n \"stopwords\": \"nope.txt\"}"), 0);
	assert_int_equal(fr_model_config_load(&cfg, path, &err), FR_ENOTFOUND);
	snprintf(expect, sizeof(expect), "%s/nope.txt", dir);
	assert_string_equal(err.source, expect);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.message, "cannot read the stop words"));
	assert_non_null(strstr(err.message, "read from the config's folder"));
	assert_string_equal(cfg.stopwords, words);
	assert_true(cfg.classifier.C != 2.0);
	/* A folder is no list either. */
	fr_error_clear(&err);
	assert_int_equal(test_write_text(path, "{\"stopwords\": \".\"}"), 0);
	assert_int_equal(fr_model_config_load(&cfg, path, &err), FR_EIO);
	assert_int_equal(err.line, 0);
	fr_model_config_dispose(&cfg);
}

/* Each task's calibration is fit at training time, recorded in model.json,
 * loaded back, and applied to the classifier's scores without moving the
 * label; format 2 bundles, from before calibration, load with raw scores. */
static void test_model__calibration_saved_loaded_applied(void **state)
{
	(void)state;
	fr_dataset ds, ds_raw;
	fr_error err = FR_ERROR_INIT;
	fr_model *m = train_calibrated(training_csv, &ds, FR_CALIBRATION_PLATT), *loaded = NULL;
	fr_model *raw = train_calibrated(training_csv, &ds_raw, FR_CALIBRATION_NONE);
	char dir[128], path[192];
	const json_t *tasks = json_object_get(fr_model_manifest(m), "tasks");
	const json_t *config = json_object_get(fr_model_manifest(m), "config");
	assert_string_equal(json_string_value(json_object_get(config, "calibration")), "platt");
	assert_int_equal(json_integer_value(json_object_get(config, "calibration_folds")), 5);
	for (size_t t = 0; t < 2; t++) {
		const fr_calibration *c = fr_model_calibration(m, t);
		const json_t *j = json_object_get(json_array_get(tasks, t), "calibration");
		assert_int_equal(c->method, FR_CALIBRATION_PLATT);
		assert_int_equal(c->folds, 5);          /* five documents */
		assert_int_equal(c->rows, 9);
		assert_string_equal(json_string_value(json_object_get(j, "method")), "platt");
		assert_true(json_number_value(json_object_get(j, "slope")) == c->slope);
		assert_int_equal(fr_model_calibration(raw, t)->method, FR_CALIBRATION_NONE);
		assert_string_equal(json_string_value(json_object_get(json_object_get(
			json_array_get(json_object_get(fr_model_manifest(raw), "tasks"), t), "calibration"), "method")), "none");
	}
	snprintf(dir, sizeof(dir), "%s/calibrated", tmp);
	assert_int_equal(fr_model_save(m, dir, &err), 0);
	assert_int_equal(fr_model_load(&loaded, dir, &err), 0);
	fr_model_work *w = NULL, *wr = NULL;
	assert_int_equal(fr_model_work_new(&w, loaded, &err), 0);
	assert_int_equal(fr_model_work_new(&wr, raw, &err), 0);
	const char *probes[] = { "A ceasefire and talks", "Russian war crimes", "NATO provoked it", "" };
	for (size_t i = 0; i < 4; i++) {
		fr_task_result a[2], b[2];
		assert_int_equal(fr_model_label(loaded, w, probes[i], strlen(probes[i]), a, NULL, &err), 0);
		assert_int_equal(fr_model_label(raw, wr, probes[i], strlen(probes[i]), b, NULL, &err), 0);
		for (size_t t = 0; t < 2; t++) {
			size_t k = fr_model_label_count(loaded, t);
			double sum = 0.0, expect[FR_CLASSIFIER_MAX_LABELS];
			const fr_calibration *c = fr_model_calibration(loaded, t);
			assert_true(c->slope == fr_model_calibration(m, t)->slope);
			/* The raw model's scores, calibrated, are the calibrated model's. */
			memcpy(expect, b[t].scores, k * sizeof(double));
			fr_calibration_apply(c, expect, k);
			for (size_t l = 0; l < k; l++) {
				sum += a[t].scores[l];
				assert_true(fabs(a[t].scores[l] - expect[l]) < 1e-5);
				assert_true(a[t].scores[l] <= a[t].scores[a[t].label]);
			}
			assert_true(fabs(sum - 1.0) < 1e-9);
			assert_int_equal(a[t].label, b[t].label);
			assert_true(a[t].confidence == a[t].scores[a[t].label]);
		}
	}
	fr_model_work_free(w);
	fr_model_work_free(wr);
	fr_model_free(loaded);
	loaded = NULL;
	/* A format 2 bundle has no calibration: raw scores. */
	snprintf(path, sizeof(path), "%s/model.json", dir);
	json_t *man = json_load_file(path, 0, NULL);
	assert_non_null(man);
	json_object_set_new(man, "format_version", json_integer(2));
	for (size_t t = 0; t < 2; t++)
		json_object_del(json_array_get(json_object_get(man, "tasks"), t), "calibration");
	json_object_del(json_object_get(man, "config"), "calibration");
	assert_int_equal(json_dump_file(man, path, JSON_INDENT(1)), 0);
	assert_int_equal(fr_model_load(&loaded, dir, &err), 0);
	assert_int_equal(fr_model_calibration(loaded, 0)->method, FR_CALIBRATION_NONE);
	fr_model_config cfg;
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	assert_int_equal(fr_model_config_from_model(&cfg, loaded, &err), 0);
	assert_int_equal(cfg.calibration.method, FR_CALIBRATION_NONE);
	fr_model_config_dispose(&cfg);
	fr_model_free(loaded);
	loaded = NULL;
	/* A format 3 bundle must say how it is calibrated, and say it right. */
	json_object_set_new(man, "format_version", json_integer(3));
	assert_int_equal(json_dump_file(man, path, JSON_INDENT(1)), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.message, "malformed calibration"));
	json_object_set_new(json_array_get(json_object_get(man, "tasks"), 0), "calibration",
	                    json_pack("{s:s, s:f, s:i, s:i}", "method", "platt", "slope", -1.0, "folds", 5, "rows", 9));
	json_object_set_new(json_array_get(json_object_get(man, "tasks"), 1), "calibration",
	                    json_pack("{s:s}", "method", "none"));
	assert_int_equal(json_dump_file(man, path, JSON_INDENT(1)), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_model_load(&loaded, dir, &err), FR_EMODEL);
	assert_non_null(strstr(err.message, "task 'stance' has a malformed calibration"));
	json_decref(man);
	fr_model_free(raw);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
	fr_dataset_dispose(&ds_raw);
}

/* The same data and config give the same model.json, calibration included. */
static void test_model__calibration_is_deterministic(void **state)
{
	(void)state;
	fr_dataset a_ds, b_ds;
	fr_model *a = train_calibrated(training_csv, &a_ds, FR_CALIBRATION_PLATT);
	fr_model *b = train_calibrated(training_csv, &b_ds, FR_CALIBRATION_PLATT);
	char *ja = json_dumps(fr_model_manifest(a), JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *jb = json_dumps(fr_model_manifest(b), JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	assert_non_null(ja);
	assert_non_null(jb);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	fr_model_free(a);
	fr_model_free(b);
	fr_dataset_dispose(&a_ds);
	fr_dataset_dispose(&b_ds);
}

/* The fast path (cached term ids) gives exactly the vectors of the general
 * string path (stem every token, build every n-gram key) on real text. */
static void test_model__fast_path_equals_string_path(void **state)
{
	(void)state;
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	fr_dataset ds;
	fr_model *m = NULL;
	fr_model_work *w = NULL;
	fr_stemmer *st = NULL;
	fr_tokens tokens;
	fr_sparse_vec vec;
	fr_tokens_init(&tokens);
	fr_sparse_vec_init(&vec);
	fr_dataset_init(&ds);
	assert_int_equal(fr_model_config_init(&cfg, FR_TEST_FIXTURES "/../../data", &err), 0);
	assert_int_equal(fr_dataset_load(&ds, FR_TEST_FIXTURES "/../../data/labeled/train.csv", NULL, 0, &err), 0);
	assert_int_equal(fr_model_train(&m, &ds, &cfg, NULL, 0, NULL, NULL, &err), 0);
	assert_true(fr_tfidf_has_term_index(fr_model_vectorizer(m)));
	assert_int_equal(fr_model_work_new(&w, m, &err), 0);
	assert_int_equal(fr_stemmer_new(&st, "english", &err), 0);
	const json_t *stops = json_object_get(fr_model_manifest(m), "stopwords");
	for (size_t i = 0; i < json_array_size(stops); i++)
		assert_int_equal(fr_stemmer_add_stop_stem(st, json_string_value(json_array_get(stops, i)), &err), 0);
	fr_task_result results[2];
	/* Forms that are prefixes of one another, of seven, eight and nine
	 * bytes and of fifteen, sixteen and seventeen (the short-form table
	 * keys on up to sixteen, in two words), forms that differ only past
	 * their eighth byte, and short non-ASCII ones, each met again once warm. */
	static const char *const extra[] = {
		"war wars warsaw war wars warsaw talks talk ceasefire ceasefir ceasefires",
		"nato natos nat na n nato; sanction sanctions sanctioned sanctioneds",
		"\xc3\xa9t\xc3\xa9 \xd0\xbc\xd0\xb8\xd1\x80 \xc3\xa9t\xc3\xa9 kyiv kyiv's kyivs 2022 2023",
		"counteroffensiv counteroffensive counteroffensives counteroffensive counteroffensiv",
		"peacekeeper peacekeepers peacekeeping peacekeeper internationalize internationalise",
	};
	size_t n_texts = ds.n_rows + sizeof(extra) / sizeof(extra[0]);
	/* Twice over, so the second pass runs from a warm cache. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t r = 0; r < n_texts; r++) {
			const char *text = r < ds.n_rows ? ds.texts[r] : extra[r - ds.n_rows];
			size_t len = r < ds.n_rows ? ds.text_lens[r] : strlen(text);
			assert_int_equal(fr_model_label(m, w, text, len, results, NULL, &err), 0);
			const struct svm_node *fast = fr_model_work_vector(w);
			assert_int_equal(fr_tokenize(&tokens, text, len, &err), 0);
			assert_int_equal(fr_stemmer_apply(st, &tokens, &err), 0);
			assert_int_equal(fr_tfidf_transform(fr_model_vectorizer(m), &tokens, &vec, &err), 0);
			size_t k = 0;
			for (; fast[k].index != -1; k++) {
				assert_int_equal(fast[k].index, vec.nodes[k].index);
				assert_true(fast[k].value == vec.nodes[k].value);
			}
			assert_int_equal(k, vec.count);
		}
	}
	fr_stemmer_free(st);
	fr_tokens_dispose(&tokens);
	fr_sparse_vec_dispose(&vec);
	fr_model_work_free(w);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
	fr_model_config_dispose(&cfg);
}

/* With character n-grams, evidence is still words and phrases: a
 * fragment of a word (" chin", "asef") tells a reader nothing. */
static void test_model__evidence_is_words_with_char_ngrams(void **state)
{
	(void)state;
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	fr_dataset ds;
	fr_model *m = NULL;
	fr_model_work *w = NULL;
	fr_dataset_init(&ds);
	assert_int_equal(fr_model_config_init(&cfg, FR_TEST_FIXTURES "/../../data", &err), 0);
	cfg.tfidf.char_min = 2;
	cfg.tfidf.char_max = 5;
	assert_int_equal(fr_dataset_load(&ds, FR_TEST_FIXTURES "/../../data/labeled/train.csv", NULL, 0, &err), 0);
	assert_int_equal(fr_model_train(&m, &ds, &cfg, NULL, 0, NULL, NULL, &err), 0);
	const fr_tfidf *tf = fr_model_vectorizer(m);
	size_t words = fr_tfidf_word_feature_count(tf);
	assert_true(words > 0 && words < fr_tfidf_feature_count(tf));
	for (size_t f = 1; f <= fr_tfidf_feature_count(tf); f++)
		assert_int_equal(fr_tfidf_term(tf, (int)f)[0] == FR_TFIDF_CHAR_MARK, f > words);
	assert_int_equal(fr_model_work_new(&w, m, &err), 0);
	fr_task_result results[2];
	size_t listed = 0;
	for (size_t r = 0; r < ds.n_rows; r++) {
		assert_int_equal(fr_model_label(m, w, ds.texts[r], ds.text_lens[r], results, NULL, &err), 0);
		for (size_t t = 0; t < fr_model_task_count(m); t++) {
			for (size_t e = 0; e < results[t].n_evidence; e++) {
				assert_true(results[t].evidence[e] >= 1 && (size_t)results[t].evidence[e] <= words);
				const char *s = fr_tfidf_surface(tf, results[t].evidence[e]);
				assert_true(s[0] != ' ' && s[strlen(s) - 1] != ' ');
			}
			listed += results[t].n_evidence;
		}
	}
	assert_true(listed > ds.n_rows); /* evidence is still given */
	fr_model_work_free(w);
	fr_model_free(m);
	fr_dataset_dispose(&ds);
	fr_model_config_dispose(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model__train_save_load_same_labels),
		cmocka_unit_test(test_model__long_paragraph_counts_every_token),
		cmocka_unit_test(test_model__multilabel_fixture_gets_both_labels),
		cmocka_unit_test(test_model__multilabel_label_on_every_row_is_refused),
		cmocka_unit_test(test_model__manifest_records_provenance),
		cmocka_unit_test(test_model__rows_without_words_are_left_out),
		cmocka_unit_test(test_model__single_label_task_is_refused),
		cmocka_unit_test(test_model__save_replaces_atomically),
		cmocka_unit_test(test_model__save_replaces_only_a_bundle),
		cmocka_unit_test(test_model__save_keeps_what_arrives_meanwhile),
		cmocka_unit_test(test_model__load_rereads_a_bundle_swapped_meanwhile),
		cmocka_unit_test(test_model__load_refuses_broken_bundles),
		cmocka_unit_test(test_model__vocab_image),
		cmocka_unit_test(test_model__config_file),
		cmocka_unit_test(test_model__config_stopwords_path),
		cmocka_unit_test(test_model__fast_path_equals_string_path),
		cmocka_unit_test(test_model__evidence_is_words_with_char_ngrams),
		cmocka_unit_test(test_model__calibration_saved_loaded_applied),
		cmocka_unit_test(test_model__calibration_is_deterministic),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
