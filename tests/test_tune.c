/* Tests of the hyperparameter search (pipeline/tune.c) on small synthetic
 * labeled sets: what it scores, what it records, what it writes into the
 * config, and that threads change nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "classify.h"
#include "dataset.h"
#include "model.h"
#include "tune.h"
#include "test_util.h"

#define DATA_DIR FR_TEST_FIXTURES "/../../data"

/* A temp folder, the labeled set in it (ds) and the default config with
 * the repository's English stop words (cfg). */
typedef struct {
	char dir[128];
	char path[192];
	fr_dataset ds;
	fr_model_config cfg;
} fixture;

static int setup(void **state)
{
	fr_error err = FR_ERROR_INIT;
	fixture *f = calloc(1, sizeof(*f));
	if (f == NULL || test_tmpdir(f->dir, sizeof(f->dir), "/tmp/fr_test_tune_") != 0)
		return -1;
	test_path(f->path, sizeof(f->path), f->dir, "train.csv");
	fr_dataset_init(&f->ds);
	if (fr_model_config_init(&f->cfg, DATA_DIR, &err) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fr_dataset_dispose(&f->ds);
	fr_model_config_dispose(&f->cfg);
	int rc = test_rmtree(f->dir);
	free(f);
	return rc;
}

/* Words that mark each of three frames, words any frame uses, and stop words. */
static const char *const cue[3][6] = {
	{ "ceasefire", "talks", "dialogue", "negotiation", "peace", "mediators" },
	{ "invasion", "aggression", "crimes", "brutal", "atrocities", "unprovoked" },
	{ "tanks", "artillery", "ammunition", "himars", "defense", "weapons" },
};
static const char *const common[8] = { "ukraine", "russia", "war", "kyiv", "moscow", "week", "leaders", "said" };
static const char *const stop[4] = { "the", "and", "of", "is" };

/* A labeled CSV of n_docs documents of per_doc rows: frame (single-label,
 * some rows leaning on a second frame's cue), and when multilabel a
 * `frames` task whose cells hold one or two labels. */
static void write_set_noisy(const char *path, size_t n_docs, size_t per_doc, int multilabel, unsigned noise)
{
	static const char *const names[3] = { "talks", "blame", "arms" };
	size_t cap = (n_docs * per_doc + 1) * 256, len = 0;
	char *csv = malloc(cap);
	uint32_t x = 12345;

	assert_non_null(csv);
	len += (size_t)snprintf(csv + len, cap - len, "id,document,text,frame%s\n", multilabel ? ",frames" : "");
	for (size_t d = 0; d < n_docs; d++) {
		for (size_t i = 0; i < per_doc; i++) {
			size_t row = d * per_doc + i, lab = (row * 7 + d) % 3, other = (lab + 1 + row % 2) % 3;
			len += (size_t)snprintf(csv + len, cap - len, "r%zu,doc%zu,", row, d);
			for (int w = 0; w < 7; w++) {
				x = x * 1103515245u + 12345u;
				uint32_t r = (x >> 16) % 100;
				const char *word = r < 40 ? cue[lab][r % 6] : r < 55 ? cue[other][r % 6]
				                 : r < 85 ? common[r % 8] : stop[r % 4];
				len += (size_t)snprintf(csv + len, cap - len, "%s%s", w ? " " : "", word);
			}
			x = x * 1103515245u + 12345u;
			len += (size_t)snprintf(csv + len, cap - len, ",%s", names[(x >> 16) % 100 < noise ? other : lab]);
			if (multilabel)
				len += (size_t)snprintf(csv + len, cap - len, row % 3 ? ",%s|%s" : ",%s%s",
				                        names[lab < other ? lab : other], row % 3 ? names[lab < other ? other : lab] : "");
			len += (size_t)snprintf(csv + len, cap - len, "\n");
		}
	}
	assert_int_equal(test_write_text(path, csv), 0);
	free(csv);
}

/* Writes the set (noise: the percentage of rows labeled with another
 * frame) and loads it into f->ds. */
static void prepare(fixture *f, size_t n_docs, size_t per_doc, int multilabel, unsigned noise)
{
	fr_error err = FR_ERROR_INIT;
	write_set_noisy(f->path, n_docs, per_doc, multilabel, noise);
	fr_dataset_dispose(&f->ds);
	if (fr_dataset_load(&f->ds, f->path, NULL, 0, &err) != 0)
		fail_msg("%s:%zu: %s", err.source, err.line, err.message);
}

static json_t *tune(fr_model_config *cfg, const fr_dataset *ds, const fr_tune_options *opts)
{
	fr_error err = FR_ERROR_INIT;
	json_t *record = NULL;
	if (fr_tune(cfg, ds, opts, &record, NULL, NULL, &err) != 0)
		fail_msg("fr_tune: %s", err.message);
	assert_non_null(record);
	return record;
}

static double mean_of(const json_t *point)
{
	return json_number_value(json_object_get(point, "mean"));
}

/* A second config like the fixture's. */
static void config(fr_model_config *cfg)
{
	fr_error err = FR_ERROR_INIT;
	assert_int_equal(fr_model_config_init(cfg, DATA_DIR, &err), 0);
}

/* The record does not depend on the number of threads, and neither does
 * the config it leaves. */
static void test_tune__threads_do_not_change_the_result(void **state)
{
	fixture *f = *state;
	fr_model_config b;
	fr_tune_options oa = FR_TUNE_OPTIONS_INIT, ob = FR_TUNE_OPTIONS_INIT;

	prepare(f, 10, 6, 0, 0);
	config(&b);
	oa.threads = 1;
	ob.threads = 3;
	json_t *ra = tune(&f->cfg, &f->ds, &oa), *rb = tune(&b, &f->ds, &ob);
	char *sa = json_dumps(ra, JSON_SORT_KEYS), *sb = json_dumps(rb, JSON_SORT_KEYS);
	assert_string_equal(sa, sb);
	assert_true(f->cfg.classifier.C == b.classifier.C && f->cfg.classifier.balanced == b.classifier.balanced);
	assert_true(f->cfg.tfidf.min_df == b.tfidf.min_df && f->cfg.tfidf.ngram_max == b.tfidf.ngram_max &&
	            f->cfg.tfidf.char_max == b.tfidf.char_max);
	assert_true((f->cfg.stopwords == NULL) == (b.stopwords == NULL));
	free(sa);
	free(sb);
	json_decref(ra);
	json_decref(rb);
	fr_model_config_dispose(&b);
}

/* The config's own point is scored as training would run it (auto:
 * liblinear for a linear kernel), first, and the chosen point is the best
 * mean of all: never below the default's. The config takes the chosen
 * values. */
static void test_tune__default_is_a_candidate_and_best_wins(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;
	const fr_model_config *cfg = &f->cfg;

	prepare(f, 10, 6, 0, 0);
	json_t *rec = tune(&f->cfg, &f->ds, &o);
	const json_t *def = json_object_get(rec, "default");
	const json_t *chosen = json_object_get(rec, "chosen");
	const json_t *points = json_object_get(rec, "points");

	assert_string_equal(json_string_value(json_object_get(def, "stage")), "default");
	assert_string_equal(json_string_value(json_object_get(def, "solver")), "liblinear");
	assert_true(json_equal(json_array_get(points, 0), (json_t *)def));
	assert_true(json_is_number(json_object_get(def, "mean")));
	assert_true(mean_of(chosen) >= mean_of(def));
	/* The best mean is chosen when it beats the default by more than one
	 * standard error of their paired fold differences; else the default. */
	const json_t *sel = json_object_get(rec, "selection");
	const json_t *top = json_object_get(sel, "best_mean");
	for (size_t i = 0; i < json_array_size(points); i++)
		assert_true(mean_of(json_array_get(points, i)) <= mean_of(top));
	double gain = json_number_value(json_object_get(sel, "gain"));
	double gain_se = json_number_value(json_object_get(sel, "gain_se"));
	if (json_equal((json_t *)top, (json_t *)def)) {
		assert_true(json_equal((json_t *)chosen, (json_t *)def));
	} else {
		assert_true(fabs(gain - (mean_of(top) - mean_of(def))) < 1e-12);
		assert_true(json_equal((json_t *)chosen, (json_t *)(gain > gain_se ? top : def)));
	}

	assert_true(cfg->classifier.C == json_number_value(json_object_get(chosen, "C")));
	assert_int_equal(cfg->classifier.balanced,
	                 strcmp(json_string_value(json_object_get(chosen, "class_weight")), "balanced") == 0);
	assert_true(cfg->tfidf.min_df == json_number_value(json_object_get(chosen, "min_df")));
	assert_int_equal(cfg->tfidf.ngram_max, json_integer_value(json_array_get(json_object_get(chosen, "ngram_range"), 1)));
	assert_int_equal(cfg->tfidf.char_max != 0, json_is_array(json_object_get(chosen, "char_ngrams")));
	assert_int_equal(cfg->stopwords != NULL, json_is_true(json_object_get(chosen, "stopwords")));
	json_decref(rec);
}

/* The rule itself: a gain counts only above the standard error of the
 * paired fold differences' mean. */
static void test_tune__beats_default_by_more_than_noise(void **state)
{
	(void)state;
	const double steady[5] = { 0.01, 0.01, 0.01, 0.01, 0.01 };
	const double noisy[6] = { 0.05, -0.05, 0.05, -0.05, 0.05, -0.04 };
	assert_true(fr_tune_beats_default(0.01, fr_tune_diffs_se(steady, 5)));   /* no spread: any gain */
	assert_false(fr_tune_beats_default(0.0, fr_tune_diffs_se(steady, 5)));   /* no gain */
	assert_false(fr_tune_beats_default(-0.01, fr_tune_diffs_se(steady, 5)));
	/* sd 0.0531, se 0.0217 */
	assert_false(fr_tune_beats_default(0.021, fr_tune_diffs_se(noisy, 6)));
	assert_true(fr_tune_beats_default(0.022, fr_tune_diffs_se(noisy, 6)));
	assert_true(fr_tune_beats_default(0.001, fr_tune_diffs_se(noisy, 1)));   /* one fold: no spread known */
}

/* Small data: three repeats, both stop word settings, and a character
 * stage on two settings with both class weights. Large data (from
 * large_rows): one split, and the character stage on the best setting and
 * class weight only. The word grid is whole either way. */
static void test_tune__large_data_is_pruned(void **state)
{
	fixture *f = *state;
	fr_model_config large_cfg;
	fr_tune_options so = FR_TUNE_OPTIONS_INIT, lo = FR_TUNE_OPTIONS_INIT;

	prepare(f, 10, 6, 0, 0);
	config(&large_cfg);
	lo.large_rows = 30;
	json_t *sr = tune(&f->cfg, &f->ds, &so), *lr = tune(&large_cfg, &f->ds, &lo);

	assert_string_equal(json_string_value(json_object_get(sr, "search")), "small");
	assert_int_equal(json_integer_value(json_object_get(sr, "repeats")), FR_TUNE_REPEATS);
	assert_string_equal(json_string_value(json_object_get(lr, "search")), "large");
	assert_int_equal(json_integer_value(json_object_get(lr, "repeats")), 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(sr, "grid"), "stopwords")), 2);

	const json_t *recs[2] = { sr, lr };
	size_t chars[2] = { 0, 0 }, weights[2][2] = { { 0, 0 }, { 0, 0 } }, words[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		const json_t *points = json_object_get(recs[k], "points");
		for (size_t i = 0; i < json_array_size(points); i++) {
			const json_t *p = json_array_get(points, i);
			const char *stage = json_string_value(json_object_get(p, "stage"));
			words[k] += strcmp(stage, "words") == 0;
			if (strcmp(stage, "chars") != 0)
				continue;
			chars[k]++;
			weights[k][strcmp(json_string_value(json_object_get(p, "class_weight")), "balanced") == 0]++;
		}
	}
	assert_true(words[0] >= 111 && words[1] >= 111);
	assert_true(chars[0] >= 4 && weights[0][0] > 0 && weights[0][1] > 0);
	assert_true(chars[1] >= 2);
	assert_true(weights[1][0] == 0 || weights[1][1] == 0);
	json_decref(sr);
	json_decref(lr);
	fr_model_config_dispose(&large_cfg);
}

/* The standard error the rule weighs, recomputed from the record: the
 * paired differences of the best mean's folds over the default's, leaving
 * out the folds listed in repeated_folds. */
static double se_from_record(const json_t *rec)
{
	const json_t *top = json_object_get(json_object_get(rec, "selection"), "best_mean");
	const json_t *a = json_object_get(top, "folds");
	const json_t *b = json_object_get(json_object_get(rec, "default"), "folds");
	const json_t *again = json_object_get(rec, "repeated_folds");
	double diffs[64];
	size_t n = 0;
	assert_true(json_array_size(a) <= 64);
	for (size_t i = 0; i < json_array_size(a); i++) {
		int skip = 0;
		for (size_t j = 0; j < json_array_size(again); j++)
			skip |= (size_t)json_integer_value(json_array_get(again, j)) == i;
		if (!skip && json_is_number(json_array_get(a, i)) && json_is_number(json_array_get(b, i)))
			diffs[n++] = json_number_value(json_array_get(a, i)) - json_number_value(json_array_get(b, i));
	}
	return fr_tune_diffs_se(diffs, n);
}

/* Regression (user walk-through: with 3 documents the 3 repeats were one
 * split, so the 9 fold differences were 3 values copied three times, the
 * standard error 0.030 where the split's own is 0.060, and a point that
 * led by 0.034 was chosen): a repeat that splits the documents as an
 * earlier one did is not scored again, and a fold that holds out the same
 * documents as an earlier fold counts once in the standard error. The
 * record says how many distinct splits there were and which folds repeat. */
static void test_tune__a_split_counts_once(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;

	/* 3 documents: each its own fold, whatever the seed. */
	prepare(f, 3, 10, 0, 20);
	json_t *rec = tune(&f->cfg, &f->ds, &o);
	assert_int_equal(json_integer_value(json_object_get(rec, "folds")), 3);
	assert_int_equal(json_integer_value(json_object_get(rec, "repeats")), 1);
	assert_int_equal(json_integer_value(json_object_get(rec, "repeats_asked")), FR_TUNE_REPEATS);
	assert_int_equal(json_array_size(json_object_get(rec, "split_seeds")), 1);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(rec, "split_seeds"), 0)),
	                 f->cfg.classifier.seed);
	assert_int_equal(json_array_size(json_object_get(rec, "repeated_folds")), 0);
	assert_int_equal(json_array_size(json_object_get(json_object_get(rec, "default"), "folds")), 3);
	assert_true(fabs(json_number_value(json_object_get(json_object_get(rec, "selection"), "gain_se")) -
	                 se_from_record(rec)) < 1e-12);
	json_decref(rec);

	/* 7 documents in 5 folds: the splits differ, but some single-document
	 * folds come back. Each fold listed as a repeat has an earlier fold's
	 * scores at every point, and is left out of the standard error. */
	prepare(f, 7, 6, 0, 20);
	fr_model_config_dispose(&f->cfg);
	config(&f->cfg);
	rec = tune(&f->cfg, &f->ds, &o);
	const json_t *points = json_object_get(rec, "points");
	const json_t *again = json_object_get(rec, "repeated_folds");
	size_t repeats = (size_t)json_integer_value(json_object_get(rec, "repeats"));
	assert_true(repeats >= 2);
	assert_true(json_array_size(again) >= 1);
	for (size_t j = 0; j < json_array_size(again); j++) {
		size_t i = (size_t)json_integer_value(json_array_get(again, j)), same = 0;
		assert_true(i >= 5 && i < 5 * repeats);
		for (size_t e = 0; e < i / 5 * 5 && !same; e++) {
			same = 1;
			for (size_t p = 0; p < json_array_size(points); p++)
				same &= json_equal(json_array_get(json_object_get(json_array_get(points, p), "folds"), e),
				                   json_array_get(json_object_get(json_array_get(points, p), "folds"), i));
		}
		assert_true(same);
	}
	assert_true(fabs(json_number_value(json_object_get(json_object_get(rec, "selection"), "gain_se")) -
	                 se_from_record(rec)) < 1e-12);
	json_decref(rec);
}

/* Whether two points share a word setting (stop words, min_df, n-grams). */
static int same_words(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "stopwords", "min_df", "ngram_range" };
	for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
		if (!json_equal(json_object_get(a, keys[k]), json_object_get(b, keys[k])))
			return 0;
	return 1;
}

/* A word point: words only, LIBLINEAR, from the word grid or the config's
 * own. */
static int is_word_point(const json_t *p)
{
	const char *stage = json_string_value(json_object_get(p, "stage"));
	return (strcmp(stage, "words") == 0 || strcmp(stage, "default") == 0) &&
	       json_is_null(json_object_get(p, "char_ngrams")) &&
	       strcmp(json_string_value(json_object_get(p, "solver")), "liblinear") == 0;
}

/* Regression (user walk-through: on war-framing the config's own point
 * was the best word point of all, but the character pass looked for each
 * setting's best C among the word grid's points only, where the config's
 * twin had been merged into it, and centred on C 1 instead of 0.5): the
 * config's own point is a word point like any other. The character pass
 * takes the settings whose best word point is best (FR_TUNE_CHAR_SETTINGS
 * of them on small data), each at its best C and one step either side.
 * The config here is the setting and C that lead these noisy labels (no
 * stop words, min_df 1, words 1-2, C 0.25 balanced), so its own point is
 * the best word point of all. */
static void test_tune__char_pass_counts_the_config_point(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;

	prepare(f, 10, 6, 0, 20);
	fr_model_config_drop_stops(&f->cfg);
	f->cfg.tfidf.min_df = 1;
	f->cfg.tfidf.min_df_is_count = 1;
	f->cfg.tfidf.ngram_min = 1;
	f->cfg.tfidf.ngram_max = 2;
	f->cfg.classifier.C = 0.25;
	f->cfg.classifier.balanced = 1;
	json_t *rec = tune(&f->cfg, &f->ds, &o);
	const json_t *points = json_object_get(rec, "points");
	const json_t *def = json_object_get(rec, "default");
	const json_t *best[16];
	size_t n_best = 0;

	/* The best word point of each setting (the earliest on ties), best first. */
	for (size_t i = 0; i < json_array_size(points); i++) {
		const json_t *p = json_array_get(points, i);
		size_t s = 0;
		if (!is_word_point(p))
			continue;
		while (s < n_best && !same_words(best[s], p))
			s++;
		if (s == n_best) {
			assert_true(n_best < 16);
			best[n_best++] = p;
		} else if (mean_of(p) > mean_of(best[s])) {
			best[s] = p;
		}
	}
	for (size_t i = 1; i < n_best; i++)
		for (size_t j = i; j > 0 && mean_of(best[j - 1]) < mean_of(best[j]); j--) {
			const json_t *t = best[j];
			best[j] = best[j - 1];
			best[j - 1] = t;
		}
	/* The case at hand: the config's own point leads its setting, and that
	 * setting is among those the character pass takes. */
	size_t own = 0;
	while (own < n_best && !same_words(best[own], def))
		own++;
	assert_true(own < FR_TUNE_CHAR_SETTINGS);
	assert_true(json_equal((json_t *)best[own], (json_t *)def));
	for (size_t s = 0; s < FR_TUNE_CHAR_SETTINGS && s < n_best; s++) {
		double C = json_number_value(json_object_get(best[s], "C"));
		size_t at = 0, centre = 0;
		for (size_t i = 0; i < json_array_size(points); i++) {
			const json_t *p = json_array_get(points, i);
			if (strcmp(json_string_value(json_object_get(p, "stage")), "chars") != 0 || !same_words(p, best[s]))
				continue;
			double pc = json_number_value(json_object_get(p, "C"));
			at++;
			centre += pc == C;
			assert_true(pc == C || pc == C / 2 || pc == C * 2);
		}
		assert_true(at >= 4);
		assert_int_equal(centre, 2); /* both class weights */
	}
	json_decref(rec);
}

/* Appends a log line to the buffer payload points to. */
static void collect_log(void *payload, const char *message)
{
	char *buf = payload;
	size_t len = strlen(buf);
	snprintf(buf + len, 4096 - len, "%s\n", message);
}

/* Regression (user walk-through: "111 word points" logged where README
 * and tune.h say the word grid has 112): the log counts the grid's 112
 * points and says when the config's own is one of them. */
static void test_tune__log_counts_the_word_grid(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	json_t *rec = NULL;
	char log[4096] = "";

	prepare(f, 6, 5, 0, 0);
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, collect_log, log, &err), 0);
	assert_non_null(strstr(log, "tuning: pass 1: 112 word points, the config's own point one of them\n"));
	json_decref(rec);

	fr_model_config_dispose(&f->cfg);
	config(&f->cfg);
	f->cfg.classifier.C = 1.5;
	log[0] = '\0';
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, collect_log, log, &err), 0);
	assert_non_null(strstr(log, "tuning: pass 1: the config's point and 112 word points\n"));
	json_decref(rec);
}

/* The chosen C is never the lowest or highest C its setting and class
 * weight were scored at, unless that is the refinement's limit. The labels
 * are noisy, so strong regularization wins: the best C lies below the grid
 * and only the refinement reaches it. */
static void test_tune__chosen_c_is_not_an_edge(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;
	static const char *const keys[] = { "stopwords", "min_df", "ngram_range", "char_ngrams", "class_weight", "solver" };

	prepare(f, 10, 6, 0, 20);
	json_t *rec = tune(&f->cfg, &f->ds, &o);
	const json_t *chosen = json_object_get(rec, "chosen");
	const json_t *points = json_object_get(rec, "points");
	double C = json_number_value(json_object_get(chosen, "C")), lo = C, hi = C;

	for (size_t i = 0; i < json_array_size(points); i++) {
		const json_t *p = json_array_get(points, i);
		int same = 1;
		for (size_t k = 0; k < sizeof(keys) / sizeof(*keys); k++)
			same = same && json_equal(json_object_get(p, keys[k]), json_object_get(chosen, keys[k]));
		if (same && json_is_number(json_object_get(p, "mean"))) {
			double pc = json_number_value(json_object_get(p, "C"));
			lo = pc < lo ? pc : lo;
			hi = pc > hi ? pc : hi;
		}
	}
	assert_string_not_equal(json_string_value(json_object_get(chosen, "stage")), "default");
	assert_true(C > lo || C == ldexp(1.0, FR_TUNE_LOG2_C_MIN));
	assert_true(C < hi || C == ldexp(1.0, FR_TUNE_LOG2_C_MAX));
	/* Regression (user walk-through: refinement points were recorded as
	 * "words" or "chars"): a point off the grid's C values can only come
	 * from the refinement, and says so, as README's table names that pass. */
	const json_t *grid_c = json_object_get(json_object_get(rec, "grid"), "C");
	size_t refined = 0;
	for (size_t i = 1; i < json_array_size(points); i++) {
		const json_t *p = json_array_get(points, i);
		const char *stage = json_string_value(json_object_get(p, "stage"));
		double pc = json_number_value(json_object_get(p, "C"));
		int on_grid = 0;
		for (size_t g = 0; g < json_array_size(grid_c); g++)
			on_grid |= json_number_value(json_array_get(grid_c, g)) == pc;
		if (!on_grid)
			assert_string_equal(stage, "refine");
		refined += strcmp(stage, "refine") == 0;
	}
	assert_true(refined >= 1);
	json_decref(rec);
}

/* Multi-label tasks are left out of the objective and named; with no
 * single-label task, or --tune-task naming a multi-label one, it fails. */
static void test_tune__multilabel_tasks_are_skipped(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	json_t *rec = NULL;
	const char *only_frames[] = { "frames" };

	prepare(f, 10, 6, 1, 0);
	assert_true(fr_dataset_task_multilabel(&f->ds, (size_t)fr_dataset_task_index(&f->ds, "frames")));
	rec = tune(&f->cfg, &f->ds, &o);
	assert_int_equal(json_array_size(json_object_get(rec, "tasks")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rec, "tasks"), 0)), "frame");
	assert_int_equal(json_array_size(json_object_get(rec, "skipped_tasks")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rec, "skipped_tasks"), 0)), "frames");
	json_decref(rec);
	rec = NULL;

	o.task = "frames";
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_null(rec);
	assert_non_null(strstr(err.message, "--tune-task 'frames' is multi-label"));

	fr_dataset_dispose(&f->ds);
	assert_int_equal(fr_dataset_load(&f->ds, f->path, only_frames, 1, &err), 0);
	o.task = NULL;
	err = (fr_error)FR_ERROR_INIT;
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_null(rec);
	assert_non_null(strstr(err.message, "every task is multi-label"));

	/* Regression (user walk-through: --tune-for a label that only a
	 * multi-label task has said "no tuned task has that label", as if the
	 * data lacked it): the message names the multi-label task. */
	assert_int_equal(test_write_text(f->path, "id,document,text,stance,frames\n"
	                                 "1,d1,talks resumed,neutral,peace|talks\n"
	                                 "2,d2,tanks rolled in,pro_ukraine,arms\n"
	                                 "3,d3,talks stalled,neutral,talks\n"), 0);
	fr_dataset_dispose(&f->ds);
	assert_int_equal(fr_dataset_load(&f->ds, f->path, NULL, 0, &err), 0);
	err = (fr_error)FR_ERROR_INIT;
	o.target = "peace";
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_null(rec);
	assert_string_equal(err.message, "--tune-for 'peace': that label is in multi-label task 'frames' ('a|b' "
	                                 "cells), which --tune does not score; name a label of a single-label task, "
	                                 "or leave out --tune-for");
	/* A label in no task at all is still just missing. */
	err = (fr_error)FR_ERROR_INIT;
	o.target = "pea";
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_non_null(strstr(err.message, "--tune-for 'pea': no tuned task has that label"));
}

/* Writes csv as the fixture's data, loads it and checks that fr_tune
 * refuses it before the search (FR_EINVALID, no record); err (reset
 * first) holds why. */
static void refused(fixture *f, const fr_tune_options *o, const char *csv, fr_error *err)
{
	json_t *rec = NULL;
	*err = (fr_error)FR_ERROR_INIT;
	assert_int_equal(test_write_text(f->path, csv), 0);
	fr_dataset_dispose(&f->ds);
	if (fr_dataset_load(&f->ds, f->path, NULL, 0, err) != 0)
		fail_msg("%s:%zu: %s", err->source, err->line, err->message);
	assert_int_equal(fr_tune(&f->cfg, &f->ds, o, &rec, NULL, NULL, err), FR_EINVALID);
	assert_null(rec);
}

/* Data errors: {what is wrong, what the message says}. */
static void test_tune__errors(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	json_t *rec = NULL;

	prepare(f, 10, 6, 0, 0);
	f->cfg.classifier.kernel = FR_KERNEL_RBF;
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_non_null(strstr(err.message, "RBF"));
	f->cfg.classifier.kernel = FR_KERNEL_LINEAR;

	err = (fr_error)FR_ERROR_INIT;
	o.target = "no_such_label";
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_non_null(strstr(err.message, "--tune-for 'no_such_label'"));
	o.target = NULL;

	err = (fr_error)FR_ERROR_INIT;
	o.task = "no_such_task";
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_non_null(strstr(err.message, "no such task"));
	o.task = NULL;
	assert_null(rec);

	prepare(f, 1, 12, 0, 0);
	err = (fr_error)FR_ERROR_INIT;
	assert_int_equal(fr_tune(&f->cfg, &f->ds, &o, &rec, NULL, NULL, &err), FR_EINVALID);
	assert_non_null(strstr(err.message, "two documents"));
	assert_null(rec);

	/* Regression (user walk-through: --tune-for a label whose rows are all
	 * in one document searched for 13 s with F1 0 at every point and kept
	 * the config's own): grouped folds can never score it, so it is
	 * refused before the search, naming the document. */
	static const char *one_document = "id,document,text,stance\n"
	                                  "1,d1,talks resumed,neutral\n"
	                                  "2,d1,nato provoked the war,pro_russia\n"
	                                  "3,d1,the west provoked it,pro_russia\n"
	                                  "4,d2,tanks rolled in,pro_ukraine\n"
	                                  "5,d3,talks stalled,neutral\n"
	                                  "6,d4,more tanks,pro_ukraine\n";
	o.target = "pro_russia";
	refused(f, &o, one_document, &err);
	assert_string_equal(err.message, "--tune-for 'pro_russia': all its rows are in document 'd1', which grouped "
	                                 "folds never split, so its F1 is 0 at every point; label it in another "
	                                 "document or drop --tune-for");
	/* Long names are cut so the message stays whole. */
	o.target = "pro_ukraine";
	refused(f, &o, "id,document,text,stance\n"
	               "1,d1,talks resumed,neutral\n"
	               "2,d1_0123456789_0123456789_0123456789_0123456789_0123456789_0123456789,"
	               "tanks rolled in,pro_ukraine\n"
	               "3,d2,talks stalled,neutral\n", &err);
	assert_non_null(strstr(err.message, "label it in another document or drop --tune-for"));

	/* Regression (both checks counted rows no point trains on, as they have
	 * no word: a "***" row of pro_russia in a second document let it pass,
	 * and the search ran with its F1 0 at every point; a document of such
	 * rows made two to cross-validate, one fold scoring only "***"): they
	 * count rows with a label and a word. */
	char csv[512];
	snprintf(csv, sizeof(csv), "%s7,d5,***,pro_russia\n", one_document);
	o.target = "pro_russia";
	refused(f, &o, csv, &err);
	assert_string_equal(err.message, "--tune-for 'pro_russia': all its rows with a word are in document 'd1', "
	                                 "which grouped folds never split, so its F1 is 0 at every point; label it "
	                                 "in another document or drop --tune-for");
	/* A label whose every row has no word: no point trains on it. */
	o.target = "pro_russia";
	refused(f, &o, "id,document,text,stance\n"
	               "1,d1,talks resumed,neutral\n"
	               "2,d1,***,pro_russia\n"
	               "3,d2,tanks rolled in,pro_ukraine\n"
	               "4,d3,talks stalled,neutral\n"
	               "5,d4,— —,pro_russia\n"
	               "6,d4,more tanks,pro_ukraine\n", &err);
	assert_string_equal(err.message, "--tune-for 'pro_russia': none of its rows has a word, so no point trains "
	                                 "on it and its F1 is 0 at every point; label it in rows with words or drop "
	                                 "--tune-for");
	o.target = NULL;
	refused(f, &o, "id,document,text,stance\n"
	               "1,d1,talks resumed,neutral\n"
	               "2,d1,tanks rolled in,pro_ukraine\n"
	               "3,d2,***,neutral\n"
	               "4,d2,* * *,pro_ukraine\n", &err);
	assert_string_equal(err.message, "--tune needs two documents or more with a row to train on (a label and a "
	                                 "word) to cross-validate; 1 of the 2 has one");
}

/* --tune-for: the objective is that label's F1; the record says so. */
static void test_tune__target_label(void **state)
{
	fixture *f = *state;
	fr_tune_options o = FR_TUNE_OPTIONS_INIT;

	prepare(f, 10, 6, 0, 0);
	o.target = "blame";
	json_t *rec = tune(&f->cfg, &f->ds, &o);
	assert_string_equal(json_string_value(json_object_get(rec, "objective")), "F1 of 'blame'");
	assert_true(mean_of(json_object_get(rec, "chosen")) > 0.0);
	json_decref(rec);

	/* Regression: the objective's name keeps 100 bytes of a long label,
	 * and cut them inside its 'é': jansson took no such string, and the
	 * whole search ended in "out of memory". Now cut at a whole character. */
	char label[128], *csv = test_read_file(f->path, NULL), *out = NULL;
	snprintf(label, sizeof(label), "%.99s\xc3\xa9", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	assert_non_null(csv);
	assert_non_null(out = malloc(strlen(csv) * 30 + 1));
	size_t n = 0;
	for (const char *p = csv; *p;) {
		if (strncmp(p, ",blame\n", 7) == 0) {
			n += (size_t)sprintf(out + n, ",%s\n", label);
			p += 7;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	assert_int_equal(test_write_text(f->path, out), 0);
	free(out);
	free(csv);
	fr_error err = FR_ERROR_INIT;
	fr_dataset_dispose(&f->ds);
	assert_int_equal(fr_dataset_load(&f->ds, f->path, NULL, 0, &err), 0);
	o.target = label;
	rec = tune(&f->cfg, &f->ds, &o);
	assert_string_equal(json_string_value(json_object_get(rec, "objective")),
	                    "F1 of 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'");
	json_decref(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tune__threads_do_not_change_the_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__default_is_a_candidate_and_best_wins, setup, teardown),
		cmocka_unit_test(test_tune__beats_default_by_more_than_noise),
		cmocka_unit_test_setup_teardown(test_tune__large_data_is_pruned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__a_split_counts_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__char_pass_counts_the_config_point, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__log_counts_the_word_grid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__chosen_c_is_not_an_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__multilabel_tasks_are_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tune__target_label, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
