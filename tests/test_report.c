#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <jansson.h>

#include "dataset.h"
#include "fr_error.h"
#include "render.h"
#include "model.h"
#include "numfmt.h"
#include "report.h"
#include "test_util.h"

/* Six documents of four paragraphs, three frames; the test set has a label
 * the model never saw ("humanitarian"). */
static const char *train_csv =
	"id,document,text,frame\n"
	"1,a,China calls for a ceasefire and peace talks now,talks\n"
	"2,a,Dialogue and negotiation are the only way out,talks\n"
	"3,a,Russia invaded Ukraine in a brutal war of aggression,blame\n"
	"4,a,NATO allies send tanks and air defense to Ukraine,arms\n"
	"5,b,Negotiations and a ceasefire would end the war,talks\n"
	"6,b,War crimes by Russian forces must be punished,blame\n"
	"7,b,More artillery and air defense for Ukraine,arms\n"
	"8,b,Peace talks resume in Istanbul,talks\n"
	"9,c,The unprovoked Russian invasion continues,blame\n"
	"10,c,Security assistance and tanks arrive in Kyiv,arms\n"
	"11,c,Diplomacy and talks remain the way to peace,talks\n"
	"12,c,Russia's aggression and war crimes in Bucha,blame\n"
	"13,d,HIMARS and ammunition for Ukraine's defense,arms\n"
	"14,d,A ceasefire through dialogue,talks\n"
	"15,d,Russia's brutal invasion must fail,blame\n"
	"16,d,Allies pledge air defense systems,arms\n"
	"17,e,Negotiation is the only path to peace,talks\n"
	"18,e,Russian forces committed atrocities,blame\n"
	"19,e,New weapons package with tanks,arms\n"
	"20,e,Talks on a ceasefire this week,talks\n"
	"21,f,The invasion by Russia is a war of aggression,blame\n"
	"22,f,Ammunition and artillery shipments to Kyiv,arms\n"
	"23,f,Mediators push for dialogue and talks,talks\n"
	"24,f,Russia must answer for its war crimes,blame\n";

static const char *test_csv =
	"id,document,text,frame\n"
	"t1,x,Both sides agree to talks on a ceasefire,talks\n"
	"t2,x,Tanks and air defense for Ukraine,arms\n"
	"t3,x,Russia's brutal war of aggression,blame\n"
	"t4,y,Refugees flee the shelling <script>alert(1)</script>,humanitarian\n"
	"t5,y,Talks and tanks and war crimes,blame\n";

typedef struct {
	char dir[128];
	fr_dataset train, test;
	fr_model *model;
	fr_model_config cfg;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char path[192];
	fr_error err = FR_ERROR_INIT;
	if (f == NULL || test_tmpdir(f->dir, sizeof(f->dir), "/tmp/fr_test_report_") != 0)
		return -1;
	fr_dataset_init(&f->train);
	fr_dataset_init(&f->test);
	test_path(path, sizeof(path), f->dir, "train.csv");
	if (test_write_text(path, train_csv) != 0 || fr_dataset_load(&f->train, path, NULL, 0, &err) != 0)
		return -1;
	test_path(path, sizeof(path), f->dir, "test.csv");
	if (test_write_text(path, test_csv) != 0 || fr_dataset_load(&f->test, path, NULL, 0, &err) != 0)
		return -1;
	fr_model_config_init(&f->cfg, NULL, &err);
	f->cfg.tfidf.min_df = 1;
	if (fr_model_train(&f->model, &f->train, &f->cfg, NULL, 0, NULL, NULL, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fr_model_free(f->model);
	fr_dataset_dispose(&f->train);
	fr_dataset_dispose(&f->test);
	fr_model_config_dispose(&f->cfg);
	int rc = test_rmtree(f->dir);
	free(f);
	return rc;
}

static json_t *build(fixture *f, size_t folds)
{
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	json_t *r = NULL;
	o.cv_folds = folds;
	assert_int_equal(fr_report_build(&r, f->model, "models/m", &f->test, folds ? &f->train : NULL,
	                                 &f->cfg, &o, NULL, NULL, &err), 0);
	assert_non_null(r);
	return r;
}

static double num(const json_t *j, const char *a, const char *b)
{
	const json_t *x = json_object_get(j, a);
	return json_number_value(b ? json_object_get(x, b) : x);
}

/* Whether label is one of a "a|b" cell's labels (spaces around '|' allowed). */
static int test_set_has(const char *cell, const char *label)
{
	size_t n = strlen(label);
	const char *p = cell;
	while (p && *p) {
		while (*p == ' ')
			p++;
		size_t len = strcspn(p, "|");
		size_t end = len;
		while (end > 0 && p[end - 1] == ' ')
			end--;
		if (end == n && strncmp(p, label, n) == 0)
			return 1;
		p = p[len] ? p + len + 1 : NULL;
	}
	return 0;
}

static void test_report__test_figures_baseline_and_notes(void **state)
{
	fixture *f = *state;
	json_t *r = build(f, 0);
	json_t *task = json_object_get(json_object_get(r, "tasks"), "frame");
	json_t *test = json_object_get(task, "test"), *base = json_object_get(task, "baseline");
	/* The label only the test data has is listed after the model's three. */
	json_t *labels = json_object_get(task, "labels");
	assert_int_equal(json_array_size(labels), 4);
	assert_string_equal(json_string_value(json_array_get(labels, 3)), "humanitarian");
	assert_int_equal(json_integer_value(json_object_get(test, "n")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(test, "labels"),
	                                                                    "humanitarian"), "support")), 1);
	/* The confusion matrix is 4 x 4 and sums to the rows. */
	json_t *matrix = json_object_get(json_object_get(test, "confusion"), "matrix");
	json_int_t sum = 0;
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 4; j++)
			sum += json_integer_value(json_array_get(json_array_get(matrix, i), j));
	assert_int_equal(sum, 5);
	/* The baseline predicts the majority training label (talks, 9 rows). */
	assert_string_equal(json_string_value(json_object_get(base, "predicts")), "talks");
	assert_true(fabs(num(base, "accuracy", NULL) - 0.2) < 1e-12);
	assert_true(num(test, "accuracy", NULL) >= 0.6);
	/* The unknown label is flagged: never predictable. */
	json_t *notes = json_object_get(json_object_get(task, "label_notes"), "humanitarian");
	assert_non_null(notes);
	assert_non_null(strstr(json_string_value(json_array_get(notes, 0)), "Not a label of the model"));
	/* Without cross-validation there is no cv section. */
	assert_null(json_object_get(task, "cv"));
	assert_true(json_is_null(json_object_get(r, "cv")));
	json_decref(r);
}

static void test_report__mistakes_thresholds_terms(void **state)
{
	fixture *f = *state;
	json_t *r = build(f, 0);
	json_t *task = json_object_get(json_object_get(r, "tasks"), "frame");
	json_t *mistakes = json_object_get(task, "mistakes");
	assert_true(json_array_size(mistakes) >= 1);
	double last = 2.0;
	for (size_t i = 0; i < json_array_size(mistakes); i++) {
		json_t *m = json_array_get(mistakes, i);
		assert_string_not_equal(json_string_value(json_object_get(m, "true")),
		                        json_string_value(json_object_get(m, "predicted")));
		double c = num(m, "confidence", NULL);
		assert_true(c <= last);
		last = c;
	}
	/* Coverage falls and precision of what is accepted does not, row by row
	 * here; accuracy after review never falls below accuracy. */
	json_t *th = json_object_get(task, "thresholds");
	assert_true(json_array_size(th) >= 2);
	assert_true(fabs(num(json_array_get(th, 0), "coverage", NULL) - 1.0) < 1e-12);
	for (size_t i = 0; i < json_array_size(th); i++) {
		json_t *row = json_array_get(th, i);
		assert_true(num(row, "accuracy_after_review", NULL) >= num(json_object_get(task, "test"), "accuracy", NULL) - 1e-12);
		assert_int_equal(json_integer_value(json_object_get(row, "accepted")) +
		                 json_integer_value(json_object_get(row, "review")), 5);
		if (i > 0)
			assert_true(num(row, "coverage", NULL) < num(json_array_get(th, i - 1), "coverage", NULL));
	}
	/* The telling terms of "arms" are its words. */
	json_t *arms = json_object_get(json_object_get(task, "top_terms"), "arms");
	assert_true(json_array_size(arms) >= 3);
	int found = 0;
	for (size_t i = 0; i < json_array_size(arms); i++) {
		const char *t = json_string_value(json_object_get(json_array_get(arms, i), "term"));
		found |= strcmp(t, "tanks") == 0 || strcmp(t, "air defense") == 0 || strcmp(t, "artillery") == 0;
	}
	assert_true(found);
	json_decref(r);
}

static void test_report__cross_validation(void **state)
{
	fixture *f = *state;
	json_t *r = build(f, 3);
	json_t *cv = json_object_get(json_object_get(json_object_get(r, "tasks"), "frame"), "cv");
	assert_non_null(cv);
	json_t *folds = json_object_get(cv, "folds");
	assert_int_equal(json_array_size(folds), 3);
	/* Every training row is held out exactly once. */
	json_int_t held = 0;
	double mean_acc = 0;
	for (size_t i = 0; i < 3; i++) {
		held += json_integer_value(json_object_get(json_array_get(folds, i), "n"));
		mean_acc += num(json_array_get(folds, i), "accuracy", NULL) / 3;
	}
	assert_int_equal(held, 24);
	assert_true(fabs(num(json_object_get(cv, "mean"), "accuracy", NULL) - mean_acc) < 1e-12);
	assert_true(num(json_object_get(cv, "std"), "macro", "f1") >= 0);
	json_t *c = json_object_get(r, "cv");
	assert_int_equal(json_integer_value(json_object_get(c, "k")), 3);
	assert_string_equal(json_string_value(json_object_get(c, "grouped_by")), "document");
	json_decref(r);
}

/* A RELIABILITY block (render.h) agrees with itself: ten bins of tenths,
 * counts summing to n, each non-empty bin's mean confidence inside it, and
 * the ECE recomputed from the bins. */
static void check_reliability(const json_t *rel, json_int_t n, double accuracy)
{
	const json_t *bins = json_object_get(rel, "bins");
	json_int_t total = 0;
	double ece = 0.0;
	assert_int_equal(json_array_size(bins), 10);
	assert_int_equal(json_integer_value(json_object_get(rel, "n")), n);
	assert_true(fabs(num(rel, "accuracy", NULL) - accuracy) < 1e-12);
	for (size_t b = 0; b < 10; b++) {
		const json_t *bin = json_array_get(bins, b);
		json_int_t count = json_integer_value(json_object_get(bin, "count"));
		assert_true(fabs(num(bin, "lower", NULL) - (double)b / 10) < 1e-12);
		assert_true(fabs(num(bin, "upper", NULL) - (double)(b + 1) / 10) < 1e-12);
		total += count;
		if (count == 0) {
			assert_true(json_is_null(json_object_get(bin, "confidence")));
			assert_true(json_is_null(json_object_get(bin, "accuracy")));
			continue;
		}
		double conf = num(bin, "confidence", NULL), acc = num(bin, "accuracy", NULL);
		assert_true(conf >= num(bin, "lower", NULL) - 1e-12 && conf <= num(bin, "upper", NULL) + 1e-12);
		assert_true(acc >= 0.0 && acc <= 1.0);
		ece += (double)count / (double)n * fabs(acc - conf);
	}
	assert_int_equal(total, n);
	assert_true(fabs(num(rel, "ece", NULL) - ece) < 1e-12);
}

static void test_report__reliability_and_calibration(void **state)
{
	fixture *f = *state;
	json_t *r = build(f, 0);
	json_t *task = json_object_get(json_object_get(r, "tasks"), "frame");
	/* The model's calibration, as model.json records it. */
	json_t *cal = json_object_get(task, "calibration");
	assert_string_equal(json_string_value(json_object_get(cal, "method")), "platt");
	assert_int_equal(json_integer_value(json_object_get(cal, "folds")), 5);
	assert_int_equal(json_integer_value(json_object_get(cal, "rows")), 24);
	assert_true(num(cal, "slope", NULL) > 0);
	json_t *rel = json_object_get(task, "reliability");
	check_reliability(json_object_get(rel, "test"), 5, num(json_object_get(task, "test"), "accuracy", NULL));
	assert_null(json_object_get(rel, "cv"));
	json_decref(r);
	/* With cross-validation, every training row held out once, pooled. */
	r = build(f, 3);
	task = json_object_get(json_object_get(r, "tasks"), "frame");
	rel = json_object_get(task, "reliability");
	json_t *folds = json_object_get(json_object_get(task, "cv"), "folds");
	double right = 0;
	for (size_t i = 0; i < json_array_size(folds); i++)
		right += num(json_array_get(folds, i), "accuracy", NULL) *
		         (double)json_integer_value(json_object_get(json_array_get(folds, i), "n"));
	check_reliability(json_object_get(rel, "cv"), 24, right / 24);
	check_reliability(json_object_get(rel, "test"), 5, num(json_object_get(task, "test"), "accuracy", NULL));
	json_decref(r);
}

/* Two builds of the same report, cross-validation included, agree byte
 * for byte: run times go to the log, not into the report. */
static void test_report__deterministic(void **state)
{
	fixture *f = *state;
	json_t *a = build(f, 3), *b = build(f, 3);
	char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}

static void test_report__writes_three_files(void **state)
{
	fixture *f = *state;
	json_t *r = build(f, 0);
	char dir[192], path[256];
	fr_error err = FR_ERROR_INIT;
	test_path(dir, sizeof(dir), f->dir, "reports/m");
	assert_int_equal(fr_report_write(r, dir, &err), 0);
	const char *names[] = { "report.json", "report.md", "report.html" };
	for (size_t i = 0; i < 3; i++) {
		test_path(path, sizeof(path), dir, names[i]);
		size_t len = 0;
		char *data = test_read_file(path, &len);
		assert_non_null(data);
		assert_true(len > 100);
		if (i == 2) {
			assert_null(strstr(data, "<script>"));
			assert_non_null(strstr(data, "&lt;script&gt;"));
		}
		free(data);
	}
	test_path(path, sizeof(path), dir, "report.json");
	json_t *back = json_load_file(path, 0, NULL);
	assert_non_null(back);
	assert_true(fabs(num(json_object_get(json_object_get(json_object_get(back, "tasks"), "frame"), "test"),
	                     "accuracy", NULL) -
	                 num(json_object_get(json_object_get(json_object_get(r, "tasks"), "frame"), "test"),
	                     "accuracy", NULL)) < 1e-9);
	json_decref(back);
	/* A folder that cannot be made is an I/O error. */
	test_path(path, sizeof(path), f->dir, "train.csv/sub");
	fr_error_clear(&err);
	assert_int_equal(fr_report_write(r, path, &err), FR_EIO);
	json_decref(r);
}

/* The bytes a renderer writes for r. */
static size_t rendered_size(const json_t *r, int (*fn)(const json_t *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(fn(r, fp), 0);
	assert_int_equal(fclose(fp), 0);
	free(buf);
	return len;
}

/* Regression (user walk-through: report files are not replaced as a set):
 * when report.html cannot be written, report.json and report.md keep their
 * old contents too, and no temporary file is left. The write fails for
 * real: a file-size limit under report.html's size but over the others'
 * (EFBIG, as a full disk gives ENOSPC). */
static void test_report__files_are_replaced_as_a_set(void **state)
{
	fixture *f = *state;
	const char *names[] = { "report.json", "report.md", "report.html" };
	json_t *r = build(f, 0);
	char dir[192], path[256];
	char *old[3] = { NULL, NULL, NULL };
	size_t old_len[3] = { 0, 0, 0 };
	fr_error err = FR_ERROR_INIT;
	test_path(dir, sizeof(dir), f->dir, "reports/set");
	assert_int_equal(fr_report_write(r, dir, &err), 0);
	for (size_t i = 0; i < 3; i++) {
		test_path(path, sizeof(path), dir, names[i]);
		assert_non_null(old[i] = test_read_file(path, &old_len[i]));
	}
	/* A new report that changes all three files. */
	json_object_set_new(json_object_get(r, "model"), "path", json_string("models/a-newer-model"));
	char *js = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	assert_non_null(js);
	size_t json_len = strlen(js) + 1;
	free(js);
	size_t md_len = rendered_size(r, fr_report_write_markdown);
	size_t html_len = rendered_size(r, fr_report_write_html);
	size_t limit = json_len > md_len ? json_len : md_len;
	assert_true(html_len > limit); /* the last file written is the one that fails */

	struct rlimit saved, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = (rlim_t)limit;
	void (*saved_sig)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	fr_error_clear(&err);
	int rc = fr_report_write(r, dir, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, saved_sig);

	assert_int_equal(rc, FR_EIO);
	assert_non_null(strstr(err.source, "report.html"));
	for (size_t i = 0; i < 3; i++) {
		size_t len = 0;
		test_path(path, sizeof(path), dir, names[i]);
		char *now = test_read_file(path, &len);
		assert_non_null(now);
		assert_int_equal(len, old_len[i]);
		assert_memory_equal(now, old[i], len);
		assert_null(strstr(now, "a-newer-model"));
		free(now);
		free(old[i]);
	}
	DIR *d = opendir(dir);
	struct dirent *e = NULL;
	size_t entries = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			entries++;
	closedir(d);
	assert_int_equal(entries, 3); /* the three files, no temporary */
	/* Without the limit the new set replaces the old one. */
	fr_error_clear(&err);
	assert_int_equal(fr_report_write(r, dir, &err), 0);
	for (size_t i = 0; i < 3; i++) {
		size_t len = 0;
		test_path(path, sizeof(path), dir, names[i]);
		char *now = test_read_file(path, &len);
		assert_non_null(now);
		assert_non_null(strstr(now, "a-newer-model"));
		free(now);
	}
	json_decref(r);
}

/* Regression (user walk-through: a multi-label mistake showed the
 * probability of a label that was right, "sanctions_economy →
 * blames_russia|sanctions_economy · confidence 1.000", and that label's
 * evidence): each multi-label mistake is ranked by its surest wrong
 * decision, a label given wrongly by its probability and a label missed by
 * 1 - p, and lists those decisions, each with the words that argued for it. */
static void test_report__multilabel_mistakes_rank_by_the_wrong_decision(void **state)
{
	fixture *f = *state;
	/* Paragraphs whose labels their words do not carry: a label missed
	 * beside one that is right (the walk-through's case), one given
	 * wrongly, and both. */
	static const char *ml_test_csv =
		"id,document,text,frame\n"
		"w1,x,The Kremlin launched an unprovoked invasion.,blame_russia|talks\n"
		"w2,x,NATO expansion to the east provoked the conflict. Russian troops shelled apartment blocks "
		"and a maternity hospital.,blame_nato\n"
		"w3,y,Leaders urged an immediate ceasefire and a return to negotiations.,blame_russia\n"
		"w4,y,Diplomats called for peace talks without preconditions.,talks\n";
	char path[192];
	fr_dataset train, test;
	fr_model_config cfg;
	fr_model *m = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	fr_dataset_init(&train);
	fr_dataset_init(&test);
	assert_int_equal(fr_dataset_load(&train, FR_TEST_FIXTURES "/multilabel/train.csv", NULL, 0, &err), 0);
	test_path(path, sizeof(path), f->dir, "ml_test.csv");
	assert_int_equal(test_write_text(path, ml_test_csv), 0);
	assert_int_equal(fr_dataset_load(&test, path, NULL, 0, &err), 0);
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	cfg.tfidf.min_df = 1;
	assert_int_equal(fr_model_train(&m, &train, &cfg, NULL, 0, NULL, NULL, &err), 0);
	assert_true(fr_model_task_multilabel(m, 0));
	o.cv_folds = 0;
	o.n_mistakes = 100;
	assert_int_equal(fr_report_build(&r, m, "models/ml", &test, NULL, &cfg, &o, NULL, NULL, &err), 0);
	const json_t *mistakes = json_object_get(json_object_get(json_object_get(r, "tasks"), "frame"), "mistakes");
	assert_true(json_array_size(mistakes) >= 3);
	fr_model_work *w = NULL;
	assert_int_equal(fr_model_work_new(&w, m, &err), 0);
	double last = 2.0;
	for (size_t i = 0; i < json_array_size(mistakes); i++) {
		const json_t *mk = json_array_get(mistakes, i);
		const char *truth = json_string_value(json_object_get(mk, "true"));
		/* The surest wrong decision, from the model's own probabilities. */
		size_t row = 0;
		while (row < test.n_rows && strcmp(test.ids[row], json_string_value(json_object_get(mk, "id"))) != 0)
			row++;
		assert_true(row < test.n_rows);
		fr_task_result res;
		assert_int_equal(fr_model_label(m, w, test.texts[row], test.text_lens[row], &res, NULL, &err), 0);
		double expected = -1.0;
		for (size_t l = 0; l < fr_model_label_count(m, 0); l++) {
			int given = (int)((res.label_set >> l) & 1);
			if (given != test_set_has(truth, fr_model_label_name(m, 0, l)))
				expected = fmax(expected, given ? res.scores[l] : 1.0 - res.scores[l]);
		}
		double conf = num(mk, "confidence", NULL);
		assert_true(expected >= 0.0);
		assert_true(fabs(conf - expected) < 1e-12);
		assert_true(conf <= last + 1e-12);
		last = conf;
		/* Each decision's evidence argues for that decision: for giving
		 * the label, or for withholding it; the mistake's own evidence is
		 * its surest decision's, not the top label's. */
		const json_t *wrong = json_object_get(mk, "wrong");
		for (size_t j = 0; j < json_array_size(wrong); j++) {
			const json_t *d = json_array_get(wrong, j);
			const char *label = json_string_value(json_object_get(d, "label"));
			size_t l = 0;
			while (l < fr_model_label_count(m, 0) && strcmp(fr_model_label_name(m, 0, l), label) != 0)
				l++;
			assert_true(l < fr_model_label_count(m, 0));
			int feats[FR_EVIDENCE_TERMS];
			size_t n = fr_model_label_evidence(m, w, 0, l, json_is_true(json_object_get(d, "given")), feats,
			                                   FR_EVIDENCE_TERMS);
			const json_t *ev = json_object_get(d, "evidence");
			assert_true(json_is_array(ev));
			assert_int_equal(json_array_size(ev), n);
			/* A term argues for one side of a label's decision only. */
			int other[FR_EVIDENCE_TERMS];
			size_t n_other = fr_model_label_evidence(m, w, 0, l, !json_is_true(json_object_get(d, "given")),
			                                         other, FR_EVIDENCE_TERMS);
			for (size_t a = 0; a < n; a++)
				for (size_t b = 0; b < n_other; b++)
					assert_int_not_equal(feats[a], other[b]);
			for (size_t e = 0; e < n; e++)
				assert_string_equal(json_string_value(json_array_get(ev, e)),
				                    fr_tfidf_surface(fr_model_vectorizer(m), feats[e]));
			if (j == 0)
				assert_true(json_equal(json_object_get(mk, "evidence"), ev));
		}
	}
	fr_model_work_free(w);
	/* The decisions listed are the wrong ones, surest first. */
	for (size_t i = 0; i < json_array_size(mistakes); i++) {
		const json_t *mk = json_array_get(mistakes, i);
		const char *truth = json_string_value(json_object_get(mk, "true"));
		const char *pred = json_string_value(json_object_get(mk, "predicted"));
		double conf = num(mk, "confidence", NULL);
		const json_t *wrong = json_object_get(mk, "wrong");
		assert_true(json_array_size(wrong) >= 1);
		double prev = 2.0;
		for (size_t j = 0; j < json_array_size(wrong); j++) {
			const json_t *d = json_array_get(wrong, j);
			const char *label = json_string_value(json_object_get(d, "label"));
			int given = json_is_true(json_object_get(d, "given"));
			assert_int_equal(test_set_has(pred, label), given);
			assert_int_equal(test_set_has(truth, label), !given);
			double p = json_number_value(json_object_get(d, "probability"));
			double t = json_number_value(json_object_get(d, "threshold"));
			assert_true(t > 0.0 && t < 1.0);
			double c = given ? p : 1.0 - p;
			assert_true(c <= prev + 1e-12);
			assert_true(j > 0 || fabs(c - conf) < 1e-12);
			prev = c;
		}
	}
	json_decref(r);
	fr_model_free(m);
	fr_model_config_dispose(&cfg);
	fr_dataset_dispose(&train);
	fr_dataset_dispose(&test);
}

/* Regression (user walk-through: "below 0.821" reviewed 66 paragraphs where
 * the table said 65; the cut was 0.8206): every cut the Markdown prints
 * reviews exactly the number of paragraphs printed beside it, and the cut
 * reviewing none is not printed as a second "none" row. The multi-label
 * fixture's test set has cuts 3 decimals would misstate (0.99777 as
 * 0.998). Regression (GVFC walk-through: "below 0.368" for 26 paragraphs,
 * one of them 0.3680 in labels.jsonl): the confidences are those a user
 * reads, labels.jsonl's 4 decimals; here one paragraph under 0.998 prints
 * as 0.9980. */
static void test_report__review_cut_splits_as_printed(void **state)
{
	(void)state;
	fr_dataset train, test;
	fr_model_config cfg;
	fr_model *m = NULL;
	fr_model_work *w = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	fr_dataset_init(&train);
	fr_dataset_init(&test);
	assert_int_equal(fr_dataset_load(&train, FR_TEST_FIXTURES "/multilabel/train.csv", NULL, 0, &err), 0);
	assert_int_equal(fr_dataset_load(&test, FR_TEST_FIXTURES "/multilabel/test.csv", NULL, 0, &err), 0);
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	assert_int_equal(fr_model_train(&m, &train, &cfg, NULL, 0, NULL, NULL, &err), 0);
	o.cv_folds = 0;
	assert_int_equal(fr_report_build(&r, m, "models/ml", &test, NULL, &cfg, &o, NULL, NULL, &err), 0);
	double *conf = calloc(test.n_rows, sizeof(*conf));
	assert_non_null(conf);
	assert_int_equal(fr_model_work_new(&w, m, &err), 0);
	for (size_t i = 0; i < test.n_rows; i++) {
		fr_task_result res;
		assert_int_equal(fr_model_label(m, w, test.texts[i], test.text_lens[i], &res, NULL, &err), 0);
		char printed[FR_NUMFMT_FIXED4_SIZE];
		fr_numfmt_fixed4(printed, sizeof(printed), res.confidence);
		conf[i] = strtod(printed, NULL);
	}
	fr_model_work_free(w);

	char *md = NULL;
	size_t md_len = 0;
	FILE *fp = open_memstream(&md, &md_len);
	assert_non_null(fp);
	assert_int_equal(fr_report_write_markdown(r, fp), 0);
	assert_int_equal(fclose(fp), 0);
	const char *line = strstr(md, "\n| review below confidence ");
	assert_non_null(line);
	size_t rows = 0, nones = 0;
	for (line = strchr(line + 1, '\n'); line && strncmp(line, "\n|", 2) == 0; line = strchr(line + 1, '\n')) {
		char cut[32] = "";
		size_t review = 0;
		if (sscanf(line, "\n| %31s | %zu", cut, &review) != 2)
			continue; /* the rule under the head */
		if (strcmp(cut, "none") == 0) {
			nones++;
			assert_int_equal(review, 0);
			continue;
		}
		double v = strtod(cut, NULL);
		size_t below = 0;
		for (size_t i = 0; i < test.n_rows; i++)
			below += conf[i] < v;
		if (below != review)
			fail_msg("below %s: %zu paragraphs, the table says %zu", cut, below, review);
		assert_true(review > 0);
		rows++;
	}
	assert_int_equal(nones, 1);
	assert_true(rows >= 5);
	free(md);
	free(conf);
	json_decref(r);
	fr_model_free(m);
	fr_model_config_dispose(&cfg);
	fr_dataset_dispose(&train);
	fr_dataset_dispose(&test);
}

/* The Markdown (html 0) or HTML (html 1) of a report, malloc'd. */
/* Not inlined: inlined, GCC 12's -Wdangling-pointer takes the buffer
 * open_memstream hands back for a pointer to this frame's variable, and
 * -Werror stops a Release build. */
__attribute__((noinline)) static char *render_to_string(const json_t *r, int html)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(html ? fr_report_write_html(r, fp) : fr_report_write_markdown(r, fp), 0);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* Writes csv to f->dir/name and loads it into ds (initialised here); tasks
 * as fr_dataset_load takes them. */
static void load_csv(fixture *f, fr_dataset *ds, const char *name, const char *csv,
                     const char *const *tasks, size_t n_tasks)
{
	char path[192];
	fr_error err = FR_ERROR_INIT;
	fr_dataset_init(ds);
	test_path(path, sizeof(path), f->dir, name);
	assert_int_equal(test_write_text(path, csv), 0);
	assert_int_equal(fr_dataset_load(ds, path, tasks, n_tasks, &err), 0);
}

/* The fixture's training rows and more_rows, loaded into train as name,
 * and a model trained on them with the fixture's config (owned). */
static fr_model *train_with(fixture *f, fr_dataset *train, const char *name, const char *more_rows)
{
	char csv[4096];
	fr_model *m = NULL;
	fr_error err = FR_ERROR_INIT;
	snprintf(csv, sizeof(csv), "%s%s", train_csv, more_rows);
	load_csv(f, train, name, csv, NULL, 0);
	if (fr_model_train(&m, train, &f->cfg, NULL, 0, NULL, NULL, &err) != 0)
		fail_msg("%s:%zu: %s", err.source, err.line, err.message);
	return m;
}

/* The line of s that starts with prefix, as a malloc'd string; NULL when
 * there is none. */
static char *line_of(const char *s, const char *prefix)
{
	const char *p = strstr(s, prefix);
	if (p == NULL)
		return NULL;
	p++; /* past the newline prefix starts with */
	return strndup(p, strcspn(p, "\n"));
}

/* Regression (a task with no labeled test rows was reported as accuracy
 * 0.000 and macro-F1 0.000, as if the model got every row wrong): such a
 * task is not scored. Its test and baseline figures say "scored": false
 * with null numbers and n 0, it has no review table or mistakes, its label
 * notes say nothing about test rows, and At a glance and its section say
 * "not scored" in place of figures; the other task is scored as ever, and
 * cross-validation still scores both. */
static void test_report__task_without_test_labels_is_not_scored(void **state)
{
	fixture *f = *state;
	static const char *const tasks[] = { "frame", "tone" };
	static const char *two_task_test =
		"id,document,text,frame,tone\n"
		"t1,x,Both sides agree to talks on a ceasefire,,calm\n"
		"t2,x,Tanks and air defense for Ukraine,,hard\n"
		"t3,y,Russia's brutal war of aggression,,hard\n";
	char csv[4096];
	size_t len = (size_t)snprintf(csv, sizeof(csv), "id,document,text,frame,tone\n");
	for (size_t r = 0; r < f->train.n_rows; r++)
		len += (size_t)snprintf(csv + len, sizeof(csv) - len, "%s,%s,%s,%s,%s\n", f->train.ids[r], f->train.docs[r],
		                        f->train.texts[r], f->train.labels[0][r],
		                        strcmp(f->train.labels[0][r], "talks") == 0 ? "calm" : "hard");
	assert_true(len < sizeof(csv));
	fr_dataset train, test;
	fr_model *m = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	load_csv(f, &train, "two_train.csv", csv, tasks, 2);
	load_csv(f, &test, "two_test.csv", two_task_test, tasks, 2);
	assert_int_equal(fr_model_train(&m, &train, &f->cfg, NULL, 0, NULL, NULL, &err), 0);
	o.cv_folds = 3;
	assert_int_equal(fr_report_build(&r, m, "models/two", &test, &train, &f->cfg, &o, NULL, NULL, &err), 0);

	const json_t *frame = json_object_get(json_object_get(r, "tasks"), "frame");
	const json_t *tone = json_object_get(json_object_get(r, "tasks"), "tone");
	const char *unscored_keys[] = { "accuracy", "macro", "micro", "weighted", "macro_supported" };
	for (int b = 0; b < 2; b++) {
		const json_t *fig = json_object_get(frame, b ? "baseline" : "test");
		assert_true(json_is_false(json_object_get(fig, "scored")));
		assert_int_equal(json_integer_value(json_object_get(fig, "n")), 0);
		for (size_t i = 0; i < sizeof(unscored_keys) / sizeof(*unscored_keys); i++)
			if (!json_is_null(json_object_get(fig, unscored_keys[i])))
				fail_msg("frame %s.%s is not null", b ? "baseline" : "test", unscored_keys[i]);
		assert_int_equal(json_object_size(json_object_get(fig, "labels")), 0);
	}
	assert_non_null(json_object_get(json_object_get(frame, "baseline"), "predicts"));
	assert_int_equal(json_array_size(json_object_get(frame, "thresholds")), 0);
	assert_int_equal(json_array_size(json_object_get(frame, "mistakes")), 0);
	assert_true(json_is_null(json_object_get(json_object_get(json_object_get(frame, "reliability"), "test"), "ece")));
	char *notes = json_dumps(json_object_get(frame, "label_notes"), 0);
	assert_null(strstr(notes, "test data"));
	free(notes);
	/* Cross-validation draws on the training rows, which have frame labels. */
	assert_true(json_is_number(json_object_get(json_object_get(json_object_get(frame, "cv"), "mean"), "accuracy")));
	/* The other task is scored, its keys as they were. */
	const json_t *tt = json_object_get(tone, "test");
	assert_true(json_is_true(json_object_get(tt, "scored")));
	assert_int_equal(json_integer_value(json_object_get(tt, "n")), 3);
	assert_true(json_is_number(json_object_get(tt, "accuracy")));
	assert_true(json_is_number(json_object_get(json_object_get(tt, "macro"), "f1")));

	char *md = render_to_string(r, 0);
	char *html = render_to_string(r, 1);
	char *row = line_of(strstr(md, "\n## At a glance\n"), "\n| frame ");
	assert_non_null(row);
	/* task, labels, paragraphs (0), then four figures that are not there;
	 * cross-validation's is. */
	static const char *const want[] = { "frame", "3", "0", "not scored", "not scored", "not scored",
		"not scored" };
	const char *cell = row;
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		cell = strchr(cell, '|');
		assert_non_null(cell);
		cell += 1 + strspn(cell + 1, " ");
		if (strncmp(cell, want[i], strlen(want[i])) != 0 || cell[strlen(want[i])] != ' ')
			fail_msg("At a glance, frame's cell %zu: %.20s, not %s", i, cell, want[i]);
	}
	assert_null(strstr(row, "| 0.000 "));
	free(row);
	assert_non_null(strstr(md, "\n- **frame**: no labeled test rows: not scored.\n"));
	/* frame's section has no test figures; tone's has them. */
	const char *frame_at = strstr(md, "\n## Task: frame\n"), *tone_at = strstr(md, "\n## Task: tone\n");
	assert_non_null(frame_at);
	assert_non_null(tone_at);
	assert_true(frame_at < tone_at);
	char *section = strndup(frame_at, (size_t)(tone_at - frame_at));
	assert_non_null(strstr(section, "No labeled test rows: not scored"));
	assert_null(strstr(section, "\n### Averages\n"));
	assert_null(strstr(section, "\n### Confusion matrix\n"));
	assert_null(strstr(section, "\n### Review by confidence\n"));
	assert_non_null(strstr(section, "\n### Cross-validation\n"));
	free(section);
	assert_non_null(strstr(tone_at, "\n### Averages\n"));
	assert_non_null(strstr(html, "<li><strong>frame</strong>: no labeled test rows: not scored.</li>"));
	free(md);
	free(html);
	json_decref(r);
	fr_model_free(m);
	fr_dataset_dispose(&train);
	fr_dataset_dispose(&test);
}

/* Regression (in cross-validation a label with no rows in a fold's held-out
 * part, and not predicted there, counted as F1 0 for that fold, so a rare
 * label's mean sank, or read "0.000 \u00b1 0.000" when it had rows in one
 * fold of five): a label's cross-validated precision, recall and F1 run
 * over the folds where it occurs in the truth or the predictions, as each
 * fold's macro average takes labels (checked here too), and "folds" counts
 * them. "nuclear" has rows in two documents of eight, so in at most two of
 * three folds; "humanitarian", only in the test data, is in no fold: not
 * scored. Everything expected is recomputed from the folds' confusion
 * matrices. */
static void test_report__cv_label_means_skip_folds_without_it(void **state)
{
	fixture *f = *state;
	static const char *rare_rows =
		"25,g,Nuclear warheads and the threat of atomic escalation,nuclear\n"
		"26,g,Talks on a ceasefire between the sides,talks\n"
		"27,h,Atomic weapons and a nuclear threat loom,nuclear\n"
		"28,h,Russian war crimes in the occupied towns,blame\n";
	fr_dataset train;
	fr_model *m = train_with(f, &train, "rare_train.csv", rare_rows);
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	o.cv_folds = 3;
	assert_int_equal(fr_report_build(&r, m, "models/rare", &f->test, &train, &f->cfg, &o, NULL, NULL, &err), 0);

	const json_t *task = json_object_get(json_object_get(r, "tasks"), "frame");
	const json_t *cv = json_object_get(task, "cv"), *folds = json_object_get(cv, "folds");
	const json_t *labels = json_object_get(task, "labels");
	size_t k = json_array_size(folds), partial = 0;
	assert_int_equal(k, 3);
	for (size_t l = 0; l < json_array_size(labels); l++) {
		const char *label = json_string_value(json_array_get(labels, l));
		double sum = 0, sq = 0;
		size_t n = 0;
		for (size_t i = 0; i < k; i++) {
			const json_t *fold = json_array_get(folds, i);
			const json_t *matrix = json_object_get(json_object_get(fold, "confusion"), "matrix");
			double support = 0, predicted = 0;
			for (size_t j = 0; j < json_array_size(matrix); j++) {
				support += (double)json_integer_value(json_array_get(json_array_get(matrix, l), j));
				predicted += (double)json_integer_value(json_array_get(json_array_get(matrix, j), l));
			}
			if (support == 0 && predicted == 0)
				continue;
			sum += num(json_object_get(json_object_get(fold, "labels"), label), "f1", NULL);
			n++;
		}
		const json_t *mean = json_object_get(json_object_get(json_object_get(cv, "mean"), "labels"), label);
		const json_t *std = json_object_get(json_object_get(json_object_get(cv, "std"), "labels"), label);
		assert_true(json_is_integer(json_object_get(mean, "folds")));
		assert_int_equal(json_integer_value(json_object_get(mean, "folds")), n);
		assert_int_equal(json_integer_value(json_object_get(std, "folds")), n);
		if (n == 0) {
			assert_true(json_is_null(json_object_get(mean, "f1")));
			assert_true(json_is_null(json_object_get(std, "f1")));
			assert_true(json_is_null(json_object_get(mean, "precision")));
			assert_string_equal(label, "humanitarian");
			continue;
		}
		double avg = sum / (double)n;
		for (size_t i = 0; i < k; i++) {
			const json_t *one = json_object_get(json_object_get(json_array_get(folds, i), "labels"), label);
			if (json_integer_value(json_object_get(one, "support")) > 0 ||
			    json_integer_value(json_object_get(one, "predicted")) > 0)
				sq += (num(one, "f1", NULL) - avg) * (num(one, "f1", NULL) - avg);
		}
		if (fabs(num(mean, "f1", NULL) - avg) > 1e-9)
			fail_msg("%s: CV F1 mean %.6f, over its %zu folds %.6f", label, num(mean, "f1", NULL), n, avg);
		assert_true(fabs(num(std, "f1", NULL) - sqrt(sq / (double)n)) < 1e-9);
		partial += n < k;
	}
	assert_true(partial >= 1); /* nuclear */
	assert_true(json_integer_value(json_object_get(json_object_get(json_object_get(json_object_get(cv, "mean"),
	                                                                               "labels"), "nuclear"), "folds")) < 3);
	/* Each fold's macro-F1 already averages the labels that occur in it. */
	for (size_t i = 0; i < k; i++) {
		const json_t *fold = json_array_get(folds, i);
		double sum = 0;
		size_t n = 0;
		for (size_t l = 0; l < json_array_size(labels); l++) {
			const json_t *one = json_object_get(json_object_get(fold, "labels"),
			                                    json_string_value(json_array_get(labels, l)));
			if (json_integer_value(json_object_get(one, "support")) > 0 ||
			    json_integer_value(json_object_get(one, "predicted")) > 0) {
				sum += num(one, "f1", NULL);
				n++;
			}
		}
		assert_true(n < json_array_size(labels));
		assert_true(fabs(num(json_object_get(fold, "macro"), "f1", NULL) - sum / (double)n) < 1e-12);
	}
	/* The per-label table says in how many folds; not scored in none. */
	char *md = render_to_string(r, 0);
	char *row = line_of(md, "\n| humanitarian ");
	assert_non_null(row);
	assert_non_null(strstr(row, " not scored |"));
	free(row);
	row = line_of(md, "\n| nuclear ");
	assert_non_null(row);
	char want[64];
	snprintf(want, sizeof(want), "(%lld of 3 folds) |",
	         (long long)json_integer_value(json_object_get(json_object_get(json_object_get(json_object_get(cv, "mean"),
	                                                                                      "labels"), "nuclear"), "folds")));
	assert_non_null(strstr(row, want));
	free(row);
	row = line_of(md, "\n| talks ");
	assert_non_null(row);
	assert_null(strstr(row, "folds)"));
	free(row);
	free(md);
	json_decref(r);
	fr_model_free(m);
	fr_dataset_dispose(&train);
}

/* Regression (pro_russia, with no test rows, was predicted once and pulled
 * stance macro-F1 to 0.542 without a word): each label's figures carry how
 * often it was predicted, "macro_supported" is macro over the labels with
 * test rows (macro itself stays scikit-learn's), and At a glance says which
 * label pulls macro-F1 down, with the other figure beside it. Here "arms"
 * has no test rows and is predicted for the arms paragraphs labeled blame. */
static void test_report__macro_over_labels_with_test_rows(void **state)
{
	fixture *f = *state;
	static const char *no_arms_csv =
		"id,document,text,frame\n"
		"t1,x,Both sides agree to talks on a ceasefire,talks\n"
		"t2,x,Russia's brutal war of aggression,blame\n"
		"t3,y,Tanks and air defense and artillery for Ukraine,blame\n"
		"t4,y,Peace talks and dialogue,talks\n";
	fr_dataset test;
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	load_csv(f, &test, "no_arms.csv", no_arms_csv, NULL, 0);
	o.cv_folds = 0;
	assert_int_equal(fr_report_build(&r, f->model, "models/m", &test, NULL, &f->cfg, &o, NULL, NULL, &err), 0);
	const json_t *t = json_object_get(json_object_get(json_object_get(r, "tasks"), "frame"), "test");
	const json_t *per = json_object_get(t, "labels");
	const json_t *arms = json_object_get(per, "arms");
	assert_int_equal(json_integer_value(json_object_get(arms, "support")), 0);
	assert_true(json_integer_value(json_object_get(arms, "predicted")) >= 1);
	assert_true(num(arms, "f1", NULL) == 0.0);
	/* Regression (review: the note said "precision and recall are 0 by
	 * definition"; precision was measured, none of the predictions right,
	 * and only recall is 0 by convention). */
	const json_t *arms_notes = json_object_get(json_object_get(json_object_get(json_object_get(r, "tasks"),
	                                           "frame"), "label_notes"), "arms");
	const char *arms_note = json_string_value(json_array_get(arms_notes, json_array_size(arms_notes) - 1));
	assert_non_null(arms_note);
	if (strstr(arms_note, "No rows in the test data") == NULL)
		fail_msg("arms note: %s", arms_note);
	assert_non_null(strstr(arms_note, ": precision is 0 (none of those predictions was right), recall is 0 "
	                                  "by convention, and its F1 of 0 counts in the macro average."));
	assert_null(strstr(arms_note, "precision and recall"));
	double with = 0, without = 0;
	size_t n_with = 0, n_without = 0;
	const char *name;
	json_t *one;
	json_object_foreach((json_t *)per, name, one) {
		if (json_integer_value(json_object_get(one, "support")) > 0) {
			without += num(one, "f1", NULL);
			n_without++;
		}
		if (json_integer_value(json_object_get(one, "support")) > 0 ||
		    json_integer_value(json_object_get(one, "predicted")) > 0) {
			with += num(one, "f1", NULL);
			n_with++;
		}
	}
	assert_int_equal(n_without, 2);
	assert_int_equal(n_with, 3);
	assert_true(fabs(num(t, "macro", "f1") - with / 3) < 1e-12);
	assert_true(fabs(num(t, "macro_supported", "f1") - without / 2) < 1e-12);
	assert_true(num(t, "macro_supported", "f1") > num(t, "macro", "f1"));

	char *md = render_to_string(r, 0);
	char *html = render_to_string(r, 1);
	char want[256], mf[16], ms[16];
	snprintf(mf, sizeof(mf), "%.3f", num(t, "macro", "f1"));
	snprintf(ms, sizeof(ms), "%.3f", num(t, "macro_supported", "f1"));
	long long times = (long long)json_integer_value(json_object_get(arms, "predicted"));
	snprintf(want, sizeof(want), "- **frame**: arms (predicted %lld %s) has no test rows: its F1 of 0 pulls "
	         "macro-F1 down to %s; macro-F1 over the labels with test rows: %s.\n", times,
	         times == 1 ? "time" : "times", mf, ms);
	const char *glance = strstr(md, "\n## At a glance\n");
	assert_non_null(glance);
	if (strstr(glance, want) == NULL || strstr(glance, want) > strstr(glance, "\n## Task: "))
		fail_msg("At a glance lacks: %s", want);
	assert_non_null(strstr(html, "<li><strong>frame</strong>: arms (predicted "));
	assert_non_null(strstr(html, "macro-F1 over the labels with test rows: "));
	free(md);
	free(html);
	json_decref(r);
	/* With every predicted label in the test data: no such note. */
	r = build(f, 0);
	md = render_to_string(r, 0);
	assert_null(strstr(md, "has no test rows"));
	free(md);
	json_decref(r);
	fr_dataset_dispose(&test);
}

/* report.md's Provenance item `what` (e.g. "Test data") holds rows and
 * left_out, and report.html left_out too. */
static void provenance_says(const json_t *r, const char *what, const char *rows, const char *left_out)
{
	char *md = render_to_string(r, 0);
	char *html = render_to_string(r, 1);
	char head[64];
	snprintf(head, sizeof(head), "\n- **%s:** ", what);
	char *line = line_of(md, head);
	assert_non_null(line);
	assert_non_null(strstr(line, rows));
	assert_non_null(strstr(line, left_out));
	free(line);
	assert_non_null(strstr(html, left_out));
	free(md);
	free(html);
}

/* Regression (test rows with an empty text were dropped without a word in
 * the report): report.json's data.empty_texts counts them, and the
 * provenance says so; none, nothing is said. */
static void test_report__empty_texts_in_provenance(void **state)
{
	fixture *f = *state;
	static const char *gaps_csv =
		"id,document,text,frame\n"
		"t1,x,Both sides agree to talks on a ceasefire,talks\n"
		"t2,x,,blame\n"
		"t3,y,Tanks and air defense for Ukraine,arms\n";
	fr_dataset test;
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	load_csv(f, &test, "gaps.csv", gaps_csv, NULL, 0);
	o.cv_folds = 0;
	assert_int_equal(fr_report_build(&r, f->model, "models/m", &test, NULL, &f->cfg, &o, NULL, NULL, &err), 0);
	const json_t *data = json_object_get(r, "data");
	assert_int_equal(json_integer_value(json_object_get(data, "rows")), 2);
	assert_true(json_is_integer(json_object_get(data, "empty_texts")));
	assert_int_equal(json_integer_value(json_object_get(data, "empty_texts")), 1);
	provenance_says(r, "Test data", ", 2 rows, sha256 ", "; 1 row left out: its text is empty");
	json_decref(r);
	/* None left out: nothing said; with cross-validation, its data's count too. */
	r = build(f, 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "data"), "empty_texts")), 0);
	assert_true(json_is_integer(json_object_get(json_object_get(r, "cv"), "empty_texts")));
	char *md = render_to_string(r, 0);
	assert_null(strstr(md, "left out: "));
	free(md);
	json_decref(r);
	fr_dataset_dispose(&test);
}

/* Counts the "cross-validation: fold N of K done" lines logged. */
static void count_folds_done(void *payload, const char *message)
{
	if (strstr(message, "cross-validation: fold ") != NULL && strstr(message, " done") != NULL)
		(*(size_t *)payload)++;
}

/* Regression (--cv's checks counted the rows fr_model_train leaves out for
 * having no word in the vocabulary: 'ru', whose rows outside one fold are
 * all "***", passed them, and that fold's training failed after the folds
 * before it had trained, saying that no row of 'ru' has a word; and a
 * document of such rows counted toward the k documents k folds need): both
 * checks count the rows each fold trains on, and fail before any fold
 * trains. Held out, such rows are still scored. */
static void test_report__cv_checks_count_rows_trained_on(void **state)
{
	fixture *f = *state;
	static const char *side_train =
		"id,document,text,side\n"
		"1,a,Moscow blames NATO for the war in Ukraine,ru\n"
		"2,a,The Kremlin says the West provoked the fighting,ru\n"
		"3,b,Ukraine needs more air defence against missiles,ua\n"
		"4,b,Kyiv asks allies for more weapons,ua\n"
		"5,c,Ukrainian soldiers held the line near Bakhmut,ua\n"
		"6,c,Allies sent tanks to Ukraine,ua\n"
		"7,d,Russian troops shelled Kharkiv again,ua\n"
		"8,d,Ukraine will defend every town,ua\n"
		"9,e,***,ru\n"
		"10,e,* * *,ru\n";
	static const char *side_test = "id,text,side\nt1,NATO provoked the war,ru\nt2,Ukraine needs weapons,ua\n";
	fr_dataset train, test;
	fr_model *m = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	size_t done = 0;
	load_csv(f, &train, "side_train.csv", side_train, NULL, 0);
	load_csv(f, &test, "side_test.csv", side_test, NULL, 0);
	assert_int_equal(fr_model_train(&m, &train, &f->cfg, NULL, 0, NULL, NULL, &err), 0);
	o.cv_folds = 3;
	assert_int_equal(fr_report_build(&r, m, "models/side", &test, &train, &f->cfg, &o, count_folds_done, &done,
	                                 &err), FR_EFORMAT);
	assert_null(r);
	assert_int_equal(done, 0);
	assert_int_equal(err.line, 10);
	assert_string_equal(err.message, "--cv 3: task 'side': no row labeled 'ru' outside fold 3 (this one first) "
	                                 "has a word the other folds keep, leaving them one label ('ua') "
	                                 "to train on; label rows with words in more documents");
	fr_model_free(m);
	fr_dataset_dispose(&train);
	fr_dataset_dispose(&test);

	/* Seven documents, one of rows without a word: six to train on. */
	char csv[4096];
	snprintf(csv, sizeof(csv), "%s%s", train_csv, "25,g,***,talks\n26,g,* * *,blame\n");
	load_csv(f, &train, "gap_train.csv", csv, NULL, 0);
	err = (fr_error)FR_ERROR_INIT;
	o.cv_folds = 7;
	assert_int_equal(fr_report_build(&r, f->model, "models/m", &f->test, &train, &f->cfg, &o, count_folds_done,
	                                 &done, &err), FR_EINVALID);
	assert_int_equal(done, 0);
	assert_string_equal(err.message, "7-fold cross-validation needs at least 7 documents with a row to train on "
	                                 "(a label and a word in the vocabulary); 6 of the 7 have one");
	/* Six folds train; every row is held out once and scored, "***" too. */
	o.cv_folds = 6;
	assert_int_equal(fr_report_build(&r, f->model, "models/m", &f->test, &train, &f->cfg, &o, NULL, NULL, &err), 0);
	const json_t *folds = json_object_get(json_object_get(json_object_get(json_object_get(r, "tasks"), "frame"),
	                                                      "cv"), "folds");
	json_int_t held = 0;
	for (size_t i = 0; i < json_array_size(folds); i++)
		held += json_integer_value(json_object_get(json_array_get(folds, i), "n"));
	assert_int_equal(json_array_size(folds), 6);
	assert_int_equal(held, 26);
	json_decref(r);
	fr_dataset_dispose(&train);
}

/* Regression (with --cv the report counted the training rows fr_model_train
 * leaves out for having no word: the per-label "training rows" said 3 for
 * a label the model has 2 rows of, and the calibration note took the row
 * left out for one with no out-of-fold score; a label whose rows with
 * words are all in one document, and whose "***" row is in another, got
 * no note that cross-validation by document cannot test it): the counts
 * and notes drawn from the cross-validation data count the rows trained
 * on, as the model's own counts do. */
static void test_report__cv_counts_rows_trained_on(void **state)
{
	fixture *f = *state;
	fr_dataset train;
	fr_model *m = train_with(f, &train, "nuclear_train.csv",
	                         "25,g,Nuclear warheads and the threat of atomic escalation,nuclear\n"
	                         "26,g,Atomic weapons and a nuclear threat loom,nuclear\n"
	                         "27,h,***,nuclear\n");
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	assert_int_equal(fr_model_rows_without_words(m), 1);
	o.cv_folds = 3;
	assert_int_equal(fr_report_build(&r, m, "models/nuclear", &f->test, &train, &f->cfg, &o, NULL, NULL, &err), 0);
	const json_t *task = json_object_get(json_object_get(r, "tasks"), "frame");
	const json_t *counts = json_object_get(task, "train_counts");
	for (size_t l = 0; l < fr_model_label_count(m, 0); l++)
		assert_int_equal(json_integer_value(json_object_get(counts, fr_model_label_name(m, 0, l))),
		                 fr_model_label_support(m, 0, l));
	assert_int_equal(json_integer_value(json_object_get(counts, "nuclear")), 2);
	const json_t *notes = json_object_get(json_object_get(task, "label_notes"), "nuclear");
	int one_document = 0;
	for (size_t i = 0; i < json_array_size(notes); i++)
		one_document |= strstr(json_string_value(json_array_get(notes, i)),
		                       "All its training rows are in one document ('g')") != NULL;
	assert_true(one_document);
	json_decref(r);
	fr_model_free(m);
	fr_dataset_dispose(&train);
}

/* Regression (a model whose training left rows out for having no word in
 * the vocabulary said nothing of them in the report, its training data
 * line counting only the rows trained on): report.json's
 * model.training_rows_without_words gives model.json's count, and the
 * provenance says so; a model without any has neither. */
static void test_report__training_rows_without_words_in_provenance(void **state)
{
	fixture *f = *state;
	fr_dataset train;
	fr_model *m = train_with(f, &train, "wordless_train.csv", "25,g,***,talks\n26,g,* * *,blame\n27,h,---,arms\n");
	fr_error err = FR_ERROR_INIT;
	fr_report_options o = FR_REPORT_OPTIONS_INIT;
	json_t *r = NULL;
	assert_int_equal(fr_model_rows_without_words(m), 3);
	o.cv_folds = 0;
	assert_int_equal(fr_report_build(&r, m, "models/wordless", &f->test, NULL, &f->cfg, &o, NULL, NULL, &err), 0);
	const json_t *model = json_object_get(r, "model");
	assert_int_equal(json_integer_value(json_object_get(model, "training_rows")), 24);
	assert_true(json_is_integer(json_object_get(model, "training_rows_without_words")));
	assert_int_equal(json_integer_value(json_object_get(model, "training_rows_without_words")), 3);
	provenance_says(r, "Training data", ", 24 rows, sha256 ", "; 3 rows left out: their text has no known word");
	json_decref(r);
	fr_model_free(m);
	fr_dataset_dispose(&train);
	/* None left out: no key, nothing said. */
	r = build(f, 0);
	assert_null(json_object_get(json_object_get(r, "model"), "training_rows_without_words"));
	char *md = render_to_string(r, 0);
	assert_null(strstr(md, "no known word"));
	free(md);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report__test_figures_baseline_and_notes),
		cmocka_unit_test(test_report__mistakes_thresholds_terms),
		cmocka_unit_test(test_report__cross_validation),
		cmocka_unit_test(test_report__reliability_and_calibration),
		cmocka_unit_test(test_report__deterministic),
		cmocka_unit_test(test_report__writes_three_files),
		cmocka_unit_test(test_report__files_are_replaced_as_a_set),
		cmocka_unit_test(test_report__multilabel_mistakes_rank_by_the_wrong_decision),
		cmocka_unit_test(test_report__review_cut_splits_as_printed),
		cmocka_unit_test(test_report__task_without_test_labels_is_not_scored),
		cmocka_unit_test(test_report__cv_label_means_skip_folds_without_it),
		cmocka_unit_test(test_report__macro_over_labels_with_test_rows),
		cmocka_unit_test(test_report__empty_texts_in_provenance),
		cmocka_unit_test(test_report__cv_checks_count_rows_trained_on),
		cmocka_unit_test(test_report__cv_counts_rows_trained_on),
		cmocka_unit_test(test_report__training_rows_without_words_in_provenance),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
