#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "fr_error.h"

typedef struct {
	size_t truth;
	size_t predicted;
} pair;

/* A hand-computed case, three labels:
 *            predicted 0  1  2
 *   truth 0            2  1  0
 *   truth 1            0  3  1
 *   truth 2            1  0  1
 * total 9, correct 6, accuracy 2/3. */
static const pair pairs[] = {
	{ 0, 0 }, { 0, 1 }, { 1, 1 }, { 2, 2 }, { 2, 0 },
	{ 1, 1 }, { 0, 0 }, { 1, 2 }, { 1, 1 },
};
static const size_t want_counts[3][3] = {
	{ 2, 1, 0 },
	{ 0, 3, 1 },
	{ 1, 0, 1 },
};

static void test_eval__confusion_counts(void **state)
{
	(void)state;
	fr_confusion c;
	assert_int_equal(fr_confusion_init(&c, 3), 0);
	assert_int_equal(c.k, 3);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		fr_confusion_add(&c, pairs[i].truth, pairs[i].predicted);
	for (size_t t = 0; t < 3; t++)
		for (size_t p = 0; p < 3; p++)
			assert_int_equal(c.counts[t * c.k + p], want_counts[t][p]);
	assert_int_equal(fr_confusion_total(&c), 9);
	assert_int_equal(fr_confusion_correct(&c), 6);
	assert_true(fabs(fr_confusion_accuracy(&c) - 6.0 / 9.0) < 1e-12);
	fr_confusion_dispose(&c);
	assert_int_equal(c.k, 0);
	assert_null(c.counts);
}

typedef struct {
	size_t truth;
	size_t predicted;
} out_of_range_row;

/* Labels outside 0..k-1 are ignored, not written past the matrix. */
static void test_eval__out_of_range_labels_are_ignored(void **state)
{
	(void)state;
	const out_of_range_row rows[] = {
		{ 2, 0 }, { 0, 2 }, { 2, 2 }, { 5, 1 }, { 1, 5 }, { (size_t)-1, 0 }, { 0, (size_t)-1 },
	};
	fr_confusion c;
	assert_int_equal(fr_confusion_init(&c, 2), 0);
	fr_confusion_add(&c, 1, 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		fr_confusion_add(&c, rows[i].truth, rows[i].predicted);
	assert_int_equal(fr_confusion_total(&c), 1);
	assert_int_equal(fr_confusion_correct(&c), 1);
	assert_int_equal(c.counts[0], 0);
	assert_int_equal(c.counts[1], 0);
	assert_int_equal(c.counts[2], 0);
	assert_int_equal(c.counts[3], 1);
	assert_true(fr_confusion_accuracy(&c) == 1.0);
	fr_confusion_dispose(&c);
}

typedef struct {
	size_t k;
	size_t adds;      /* (0,1) pairs added: all wrong */
	size_t total;
	double accuracy;
} empty_row;

static void test_eval__empty_and_all_wrong(void **state)
{
	(void)state;
	const empty_row rows[] = {
		{ 0, 3, 0, 0.0 },  /* no labels: every pair is out of range */
		{ 1, 0, 0, 0.0 },
		{ 3, 0, 0, 0.0 },
		{ 3, 4, 4, 0.0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fr_confusion c;
		print_message("row: k=%zu adds=%zu\n", rows[i].k, rows[i].adds);
		assert_int_equal(fr_confusion_init(&c, rows[i].k), 0);
		for (size_t a = 0; a < rows[i].adds; a++)
			fr_confusion_add(&c, 0, 1);
		assert_int_equal(fr_confusion_total(&c), rows[i].total);
		assert_int_equal(fr_confusion_correct(&c), 0);
		assert_true(fr_confusion_accuracy(&c) == rows[i].accuracy);
		fr_confusion_dispose(&c);
	}
	fr_confusion_dispose(NULL);
}

/* A k whose k*k does not fit a size_t is refused, not truncated to a tiny
 * matrix that fr_confusion_add would then write past. */
static void test_eval__huge_k_is_refused(void **state)
{
	(void)state;
	fr_confusion c;
	size_t k = (size_t)1 << (sizeof(size_t) * 4); /* k * k wraps to 0 */
	assert_int_equal(fr_confusion_init(&c, k), FR_ENOMEM);
	assert_null(c.counts);
	assert_int_equal(c.k, 0);
	fr_confusion_add(&c, 0, 0); /* harmless on a failed init */
	assert_int_equal(fr_confusion_total(&c), 0);
	fr_confusion_dispose(&c);
}

/* Dispose leaves the struct ready to be initialised again. */
static void test_eval__reuse_after_dispose(void **state)
{
	(void)state;
	fr_confusion c;
	assert_int_equal(fr_confusion_init(&c, 2), 0);
	fr_confusion_add(&c, 0, 0);
	fr_confusion_dispose(&c);
	assert_int_equal(fr_confusion_init(&c, 4), 0);
	assert_int_equal(fr_confusion_total(&c), 0);
	fr_confusion_add(&c, 3, 3);
	fr_confusion_add(&c, 3, 2);
	assert_int_equal(c.counts[3 * 4 + 3], 1);
	assert_int_equal(c.counts[3 * 4 + 2], 1);
	assert_true(fabs(fr_confusion_accuracy(&c) - 0.5) < 1e-12);
	fr_confusion_dispose(&c);
	fr_confusion_dispose(&c);
}

/* The fixture both scikit-learn comparisons below score, as a 6-label
 * confusion matrix (label 5 is in neither truth nor predictions):
 *   y_true = [0,0,0,1,1,2,2,2,2,3,3,0,1,2]
 *   y_pred = [0,0,1,1,2,2,2,0,4,0,2,0,1,4] */
static void sklearn_fixture(fr_confusion *c)
{
	static const int y_true[] = { 0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 0, 1, 2 };
	static const int y_pred[] = { 0, 0, 1, 1, 2, 2, 2, 0, 4, 0, 2, 0, 1, 4 };
	assert_int_equal(fr_confusion_init(c, 6), 0);
	for (size_t i = 0; i < sizeof(y_true) / sizeof(y_true[0]); i++)
		fr_confusion_add(c, (size_t)y_true[i], (size_t)y_pred[i]);
}

/* Per-label and averaged figures against scikit-learn 1.2.1's
 * precision_recall_fscore_support(y_true, y_pred, zero_division=0), with
 * average=None, 'macro', 'micro' and 'weighted', computed on sklearn_fixture.
 * Label 3 is never predicted and label 4 has no support: both score 0, as
 * scikit-learn defines them. Label 5 (a label of the model that is in
 * neither) is listed with zeros and, like scikit-learn, left out of the
 * averages. */
static void test_eval__matches_scikit_learn(void **state)
{
	(void)state;
	static const struct { double p, r, f; size_t support; } expected[] = {
		{ 0.6, 0.75, 0.6666666666666665, 4 },
		{ 0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 3 },
		{ 0.5, 0.4, 0.4444444444444445, 5 },
		{ 0.0, 0.0, 0.0, 2 },
		{ 0.0, 0.0, 0.0, 0 },
		{ 0.0, 0.0, 0.0, 0 },
	};
	fr_confusion c;
	fr_metrics m;
	sklearn_fixture(&c);
	assert_int_equal(fr_metrics_compute(&m, &c), 0);
	for (size_t l = 0; l < 6; l++) {
		assert_true(fabs(m.labels[l].precision - expected[l].p) < 1e-12);
		assert_true(fabs(m.labels[l].recall - expected[l].r) < 1e-12);
		assert_true(fabs(m.labels[l].f1 - expected[l].f) < 1e-12);
		assert_int_equal(m.labels[l].support, expected[l].support);
	}
	assert_int_equal(m.labels[3].predicted, 0);  /* never predicted */
	assert_int_equal(m.labels[4].support, 0);    /* no support */
	assert_false(m.labels[5].averaged);
	assert_true(fabs(m.macro.precision - 0.35333333333333333) < 1e-12);
	assert_true(fabs(m.macro.recall - 0.3633333333333333) < 1e-12);
	assert_true(fabs(m.macro.f1 - 0.3555555555555555) < 1e-12);
	assert_true(fabs(m.micro.precision - 0.5) < 1e-12);
	assert_true(fabs(m.micro.recall - 0.5) < 1e-12);
	assert_true(fabs(m.micro.f1 - 0.5) < 1e-12);
	assert_true(fabs(m.weighted.precision - 0.4928571428571429) < 1e-12);
	assert_true(fabs(m.weighted.recall - 0.5) < 1e-12);
	assert_true(fabs(m.weighted.f1 - 0.49206349206349204) < 1e-12);
	assert_true(fabs(m.accuracy - 0.5) < 1e-12);
	fr_metrics_dispose(&m);
	fr_confusion_dispose(&c);
}

/* Regression (a label predicted with no test rows pulled stance macro-F1
 * to 0.542 and the report did not say): macro_supported averages the labels
 * with support only, here 0 to 3, leaving out label 4 (predicted twice, no
 * support, F1 0) that macro counts. On the fixture above it is the mean of
 * scikit-learn's per-label figures for labels 0 to 3, which is what
 * precision_recall_fscore_support(y_true, y_pred, labels=[0, 1, 2, 3],
 * average='macro', zero_division=0) takes by its definition. */
static void test_eval__macro_over_labels_with_support(void **state)
{
	(void)state;
	fr_confusion c;
	fr_metrics m;
	sklearn_fixture(&c);
	assert_int_equal(fr_metrics_compute(&m, &c), 0);
	assert_true(fabs(m.macro_supported.precision - 0.44166666666666665) < 1e-12);
	assert_true(fabs(m.macro_supported.recall - 0.4541666666666666) < 1e-12);
	assert_true(fabs(m.macro_supported.f1 - 0.44444444444444436) < 1e-12);
	/* macro keeps scikit-learn's default, label 4 with its F1 of 0 in it. */
	assert_true(fabs(m.macro.f1 - 0.3555555555555555) < 1e-12);
	fr_metrics_dispose(&m);
	/* Every label with support: the two agree. No row at all: zeros. */
	fr_confusion_dispose(&c);
	assert_int_equal(fr_confusion_init(&c, 3), 0);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		fr_confusion_add(&c, pairs[i].truth, pairs[i].predicted);
	assert_int_equal(fr_metrics_compute(&m, &c), 0);
	assert_true(fabs(m.macro_supported.f1 - m.macro.f1) < 1e-15);
	fr_metrics_dispose(&m);
	fr_confusion_dispose(&c);
	assert_int_equal(fr_confusion_init(&c, 3), 0);
	assert_int_equal(fr_metrics_compute(&m, &c), 0);
	assert_true(m.macro_supported.f1 == 0.0);
	fr_metrics_dispose(&m);
	fr_confusion_dispose(&c);
}

/* Multi-label figures against scikit-learn's on the same indicator rows
 * (precision_recall_fscore_support, hamming_loss, accuracy_score). */
static void test_eval__multilabel_matches_scikit_learn(void **state)
{
	(void)state;
	static const unsigned char truth[5][3] = { { 1, 1, 0 }, { 0, 1, 0 }, { 1, 0, 1 }, { 0, 0, 1 }, { 1, 0, 0 } };
	static const unsigned char pred[5][3] = { { 1, 0, 0 }, { 0, 1, 1 }, { 1, 0, 1 }, { 0, 0, 0 }, { 1, 0, 0 } };
	static const struct { double p, r, f; size_t support; } expected[] = {
		{ 1.0, 1.0, 1.0, 3 },
		{ 1.0, 0.5, 0.6666666666666666, 2 },
		{ 0.5, 0.5, 0.5, 2 },
	};
	fr_multilabel c;
	fr_metrics m;
	assert_int_equal(fr_multilabel_init(&c, 3), 0);
	for (size_t i = 0; i < 5; i++)
		fr_multilabel_add(&c, truth[i], pred[i]);
	assert_int_equal(fr_multilabel_metrics(&m, &c), 0);
	assert_int_equal(m.n, 5);
	for (size_t l = 0; l < 3; l++) {
		assert_true(fabs(m.labels[l].precision - expected[l].p) < 1e-12);
		assert_true(fabs(m.labels[l].recall - expected[l].r) < 1e-12);
		assert_true(fabs(m.labels[l].f1 - expected[l].f) < 1e-12);
		assert_int_equal(m.labels[l].support, expected[l].support);
	}
	assert_true(fabs(m.micro.precision - 0.8333333333333334) < 1e-12);
	assert_true(fabs(m.micro.recall - 0.7142857142857143) < 1e-12);
	assert_true(fabs(m.micro.f1 - 0.7692307692307692) < 1e-12);
	assert_true(fabs(m.macro.precision - 0.8333333333333334) < 1e-12);
	assert_true(fabs(m.macro.recall - 0.6666666666666666) < 1e-12);
	assert_true(fabs(m.macro.f1 - 0.7222222222222222) < 1e-12);
	assert_true(fabs(m.weighted.precision - 0.8571428571428571) < 1e-12);
	assert_true(fabs(m.weighted.recall - 0.7142857142857143) < 1e-12);
	assert_true(fabs(m.weighted.f1 - 0.7619047619047619) < 1e-12);
	assert_true(fabs(m.hamming_loss - 0.2) < 1e-12);
	assert_true(fabs(m.accuracy - 0.4) < 1e-12); /* subset accuracy: rows 3 and 5 */
	fr_metrics_dispose(&m);
	fr_multilabel_dispose(&c);
	/* No rows: zeros, not a division by zero. */
	assert_int_equal(fr_multilabel_init(&c, 2), 0);
	assert_int_equal(fr_multilabel_metrics(&m, &c), 0);
	assert_true(m.hamming_loss == 0.0 && m.accuracy == 0.0 && m.micro.f1 == 0.0);
	fr_metrics_dispose(&m);
	fr_multilabel_dispose(&c);
}

/* Folds keep every document whole, use every fold, spread each label across
 * folds, and are the same for the same seed. */
static void test_eval__cv_folds_grouped_and_stratified(void **state)
{
	(void)state;
	enum { N = 60, K = 5 };
	const char *groups[N];
	int strata[N], fold[N], again[N];
	char names[20][8];
	for (int g = 0; g < 20; g++)
		snprintf(names[g], sizeof(names[g]), "doc%02d", g);
	for (int i = 0; i < N; i++) {
		groups[i] = names[i / 3];       /* 20 documents of 3 rows */
		strata[i] = (i % 10 == 0) ? 1 : (i % 2 == 0 ? 2 : 0); /* label 1 is rare */
	}
	assert_int_equal(fr_cv_folds(fold, N, groups, strata, 3, K, 7), 0);
	assert_int_equal(fr_cv_folds(again, N, groups, strata, 3, K, 7), 0);
	assert_memory_equal(fold, again, sizeof(fold));
	int rows[K] = { 0 }, rare[K] = { 0 };
	for (int i = 0; i < N; i++) {
		assert_true(fold[i] >= 0 && fold[i] < K);
		assert_int_equal(fold[i], fold[(i / 3) * 3]); /* a document stays whole */
		rows[fold[i]]++;
		rare[fold[i]] += strata[i] == 1;
	}
	for (int f = 0; f < K; f++) {
		assert_int_equal(rows[f], 12);   /* 20 equal documents over 5 folds */
		assert_true(rare[f] >= 1 && rare[f] <= 2); /* 6 rare rows spread out */
	}
	/* Fewer documents than folds cannot be split. */
	assert_int_equal(fr_cv_folds(fold, 6, groups, strata, 3, K, 7), FR_EINVALID);
	assert_int_equal(fr_cv_folds(fold, N, groups, strata, 3, 1, 7), FR_EINVALID);
}

/* Reliability: confidences fall in tenths (1.0 and anything above in the
 * last bin, anything below 0 or NaN in the first), and the expected
 * calibration error of a hand-computed example. */
static void test_eval__reliability_bins_and_ece(void **state)
{
	(void)state;
	static const struct { double confidence; size_t bin; } bins[] = {
		{ 0.0, 0 }, { 0.05, 0 }, { 0.1, 1 }, { 0.35, 3 }, { 0.7, 7 }, { 0.999, 9 },
		{ 1.0, 9 }, { -0.2, 0 }, { 1.5, 9 }, { NAN, 0 },
	};
	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++)
		assert_int_equal(fr_reliability_bin(bins[i].confidence), bins[i].bin);
	/* Bin 9: 0.95, 0.95, 1.0, all right: |3 - 2.9| = 0.1. Bin 8: 0.85 wrong:
	 * 0.85. Bin 6: 0.62 right: 0.38. Bin 5: 0.55 wrong: 0.55. Bin 1: 0.15
	 * wrong: 0.15. Bin 0: 0.0 wrong: 0. ECE = 2.03 / 8 = 0.25375, the same as
	 * sum count/n |accuracy - confidence|, e.g. bin 9: 3/8 * |1 - 0.9667|. */
	static const struct { double confidence; int correct; } preds[] = {
		{ 0.95, 1 }, { 0.95, 1 }, { 0.85, 0 }, { 0.62, 1 }, { 0.55, 0 }, { 0.15, 0 }, { 1.0, 1 }, { 0.0, 0 },
	};
	fr_reliability r;
	fr_reliability_init(&r);
	assert_true(fr_reliability_ece(&r) == 0.0);
	for (size_t i = 0; i < sizeof(preds) / sizeof(preds[0]); i++)
		fr_reliability_add(&r, preds[i].confidence, preds[i].correct);
	assert_int_equal(r.n, 8);
	assert_int_equal(r.count[9], 3);
	assert_int_equal(r.correct[9], 3);
	assert_true(fabs(r.confidence[9] - 2.9) < 1e-12);
	assert_int_equal(r.count[8], 1);
	assert_int_equal(r.correct[8], 0);
	assert_int_equal(r.count[7], 0);
	assert_int_equal(r.count[0], 1);
	assert_true(fabs(fr_reliability_ece(&r) - 0.25375) < 1e-12);
	/* Perfectly calibrated: half right at 0.5. */
	fr_reliability_init(&r);
	fr_reliability_add(&r, 0.5, 1);
	fr_reliability_add(&r, 0.5, 0);
	assert_true(fabs(fr_reliability_ece(&r)) < 1e-15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval__confusion_counts),
		cmocka_unit_test(test_eval__out_of_range_labels_are_ignored),
		cmocka_unit_test(test_eval__empty_and_all_wrong),
		cmocka_unit_test(test_eval__huge_k_is_refused),
		cmocka_unit_test(test_eval__reuse_after_dispose),
		cmocka_unit_test(test_eval__matches_scikit_learn),
		cmocka_unit_test(test_eval__macro_over_labels_with_support),
		cmocka_unit_test(test_eval__multilabel_matches_scikit_learn),
		cmocka_unit_test(test_eval__cv_folds_grouped_and_stratified),
		cmocka_unit_test(test_eval__reliability_bins_and_ece),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
