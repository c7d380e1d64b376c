/* Tests of the calibration step (pipeline/calibrate.c): the Platt fit finds
 * known slopes on synthetic scores, applying it keeps the scores' order and
 * sum, and the cross-fit at training time is grouped and deterministic. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"

/* splitmix64 in [0, 1): reproducible synthetic data on every machine. */
static double uniform(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* Draws a label from a distribution. */
static int draw(const double *p, size_t k, uint64_t *state)
{
	double u = uniform(state), sum = 0.0;
	for (size_t l = 0; l < k; l++) {
		sum += p[l];
		if (u < sum)
			return (int)l;
	}
	return (int)k - 1;
}

static void softmax(const double *z, size_t k, double a, double *p)
{
	double top = z[0], sum = 0.0;
	for (size_t l = 1; l < k; l++)
		top = fmax(top, z[l]);
	for (size_t l = 0; l < k; l++)
		sum += p[l] = exp(a * (z[l] - top));
	for (size_t l = 0; l < k; l++)
		p[l] /= sum;
}

/* Two labels: raw scores 1 / (1 + e^(-2d)) of decision values d, true
 * probabilities 1 / (1 + e^(-2ad)); the fit finds a. */
static void test_calibrate__platt_recovers_two_label_slope(void **state)
{
	(void)state;
	enum { N = 20000 };
	static const double truth[] = { 0.4, 1.0, 3.0 };
	double *scores = malloc(2 * N * sizeof(*scores));
	int *y = malloc(N * sizeof(*y));
	assert_non_null(scores);
	assert_non_null(y);
	for (size_t c = 0; c < sizeof(truth) / sizeof(truth[0]); c++) {
		uint64_t rng = 42 + c;
		for (size_t i = 0; i < N; i++) {
			double d = 4.0 * uniform(&rng) - 2.0;
			double p = 1.0 / (1.0 + exp(-2.0 * truth[c] * d));
			scores[2 * i] = 1.0 / (1.0 + exp(-2.0 * d));
			scores[2 * i + 1] = 1.0 - scores[2 * i];
			y[i] = uniform(&rng) < p ? 0 : 1;
		}
		fr_calibration cal = FR_CALIBRATION_INIT;
		assert_int_equal(fr_calibration_fit(&cal, scores, y, N, 2), 0);
		assert_int_equal(cal.method, FR_CALIBRATION_PLATT);
		assert_int_equal(cal.rows, N);
		assert_true(fabs(cal.slope - truth[c]) < 0.06 * truth[c]);
	}
	free(scores);
	free(y);
}

/* Four labels: raw scores softmax(z), true probabilities softmax(2.5 z). */
static void test_calibrate__platt_recovers_multiclass_slope(void **state)
{
	(void)state;
	enum { N = 8000, K = 4 };
	double *scores = malloc(N * K * sizeof(*scores));
	int *y = malloc(N * sizeof(*y));
	uint64_t rng = 7;
	assert_non_null(scores);
	assert_non_null(y);
	for (size_t i = 0; i < N; i++) {
		double z[K], p[K];
		for (size_t l = 0; l < K; l++)
			z[l] = 2.0 * uniform(&rng);
		softmax(z, K, 1.0, scores + i * K);
		softmax(z, K, 2.5, p);
		y[i] = draw(p, K, &rng);
	}
	fr_calibration cal = FR_CALIBRATION_INIT;
	assert_int_equal(fr_calibration_fit(&cal, scores, y, N, K), 0);
	assert_true(fabs(cal.slope - 2.5) < 0.15);
	/* Calibrated, the mean confidence of the top label matches its accuracy. */
	double conf = 0.0, right = 0.0;
	for (size_t i = 0; i < N; i++) {
		double *s = scores + i * K;
		size_t top = 0;
		fr_calibration_apply(&cal, s, K);
		for (size_t l = 1; l < K; l++)
			if (s[l] > s[top])
				top = l;
		conf += s[top];
		right += (int)top == y[i];
	}
	assert_true(fabs(conf / N - right / N) < 0.02);
	free(scores);
	free(y);
}

/* Every label right and sure: Platt's targets still keep the slope finite. */
static void test_calibrate__separable_scores_get_a_finite_slope(void **state)
{
	(void)state;
	double scores[3 * 6];
	int y[6];
	for (size_t i = 0; i < 6; i++) {
		for (size_t l = 0; l < 3; l++)
			scores[i * 3 + l] = l == i % 3 ? 0.8 : 0.1;
		y[i] = (int)(i % 3);
	}
	fr_calibration cal = FR_CALIBRATION_INIT;
	assert_int_equal(fr_calibration_fit(&cal, scores, y, 6, 3), 0);
	assert_true(cal.slope < FR_CALIBRATION_MAX_SLOPE);
	/* With two rows per label, the target is 3/4 on the right label: the
	 * fit lands on it (a slope of ln 6 / ln 8). */
	assert_true(fabs(cal.slope - log(6.0) / log(8.0)) < 1e-6);
	fr_calibration_apply(&cal, scores, 3);
	assert_true(fabs(scores[0] - 0.75) < 1e-6);
	/* Nothing to fit. */
	assert_int_equal(fr_calibration_fit(&cal, scores, y, 0, 3), FR_EINVALID);
	assert_int_equal(cal.method, FR_CALIBRATION_NONE);
	assert_int_equal(fr_calibration_fit(&cal, scores, y, 6, 1), FR_EINVALID);
}

/* Applying a slope keeps the sum, the order and the ties; none and a slope
 * of 1 change nothing. */
static void test_calibrate__apply_keeps_order_and_sum(void **state)
{
	(void)state;
	static const double raw[] = { 0.05, 0.30, 0.30, 0.15, 0.20, 1e-15 };
	enum { K = sizeof(raw) / sizeof(raw[0]) };
	static const double slopes[] = { 0.01, 0.5, 1.0, 2.7, 40.0 };
	for (size_t c = 0; c < sizeof(slopes) / sizeof(slopes[0]); c++) {
		fr_calibration cal = { FR_CALIBRATION_PLATT, slopes[c], 5, 100 };
		double s[K], sum = 0.0;
		memcpy(s, raw, sizeof(s));
		fr_calibration_apply(&cal, s, K);
		for (size_t i = 0; i < K; i++) {
			sum += s[i];
			for (size_t j = 0; j < K; j++) {
				if (raw[i] > raw[j])
					assert_true(s[i] >= s[j]);
				if (raw[i] == raw[j])
					assert_true(s[i] == s[j]);
			}
			if (slopes[c] == 1.0)
				assert_true(fabs(s[i] - raw[i]) < 1e-12);
		}
		assert_true(fabs(sum - 1.0) < 1e-12);
		/* A slope over 1 sharpens, under 1 flattens. */
		if (slopes[c] > 1.0)
			assert_true(s[1] > raw[1]);
		if (slopes[c] < 1.0)
			assert_true(s[1] < raw[1]);
	}
	fr_calibration none = FR_CALIBRATION_INIT;
	double s[K];
	memcpy(s, raw, sizeof(s));
	fr_calibration_apply(&none, s, K);
	assert_memory_equal(s, raw, sizeof(s));
}

/* A toy task: three labels with their own features, 30 rows. */
#define ROWS 30
static struct svm_node nodes[ROWS][4];
static struct svm_node *x[ROWS];
static int y[ROWS];

static void make_rows(void)
{
	uint64_t rng = 3;
	for (int i = 0; i < ROWS; i++) {
		int c = i % 3;
		nodes[i][0] = (struct svm_node){ c + 1, 0.5 + 0.4 * uniform(&rng) };
		nodes[i][1] = (struct svm_node){ (c + 1) % 3 + 1, 0.5 * uniform(&rng) };
		nodes[i][2] = (struct svm_node){ 4, uniform(&rng) };
		nodes[i][3] = (struct svm_node){ -1, 0.0 };
		x[i] = nodes[i];
		y[i] = c;
	}
}

static fr_calibration cross_fit(const char *const *groups, int method, size_t folds)
{
	fr_calibration_options co = FR_CALIBRATION_OPTIONS_INIT;
	fr_classifier_options o = FR_CLASSIFIER_OPTIONS_INIT;
	fr_calibration cal = FR_CALIBRATION_INIT;
	fr_error err = FR_ERROR_INIT;
	co.method = method;
	co.folds = folds;
	assert_int_equal(fr_calibration_train(&cal, &co, &o, FR_SOLVER_LIBSVM, x, y, groups, ROWS, 3, 4, &err), 0);
	return cal;
}

static void test_calibrate__cross_fit_is_grouped_and_deterministic(void **state)
{
	(void)state;
	const char *groups[ROWS];
	char names[ROWS][8];
	make_rows();
	/* Ten documents of three rows, one of each label. */
	for (int i = 0; i < ROWS; i++) {
		snprintf(names[i], sizeof(names[i]), "d%d", i / 3);
		groups[i] = names[i];
	}
	fr_calibration a = cross_fit(groups, FR_CALIBRATION_PLATT, 5);
	fr_calibration b = cross_fit(groups, FR_CALIBRATION_PLATT, 5);
	assert_int_equal(a.method, FR_CALIBRATION_PLATT);
	assert_int_equal(a.folds, 5);
	assert_int_equal(a.rows, ROWS);
	assert_true(a.slope >= FR_CALIBRATION_MIN_SLOPE && a.slope <= FR_CALIBRATION_MAX_SLOPE);
	/* Field by field: the struct's padding bytes are never written. */
	assert_int_equal(a.method, b.method);
	assert_memory_equal(&a.slope, &b.slope, sizeof(a.slope)); /* bit for bit */
	assert_int_equal(a.folds, b.folds);
	assert_int_equal(a.rows, b.rows);
	/* One fold per document when there are fewer documents than folds. */
	for (int i = 0; i < ROWS; i++)
		groups[i] = names[(i / 10) * 3];
	a = cross_fit(groups, FR_CALIBRATION_PLATT, 5);
	assert_int_equal(a.folds, 3);
	/* A label whose rows are all in one document is missing from that
	 * fold's training rows: those rows cannot be scored and are left out. */
	for (int i = 0; i < ROWS; i++)
		groups[i] = y[i] == 2 ? "labels-2" : names[i];
	a = cross_fit(groups, FR_CALIBRATION_PLATT, 5);
	assert_int_equal(a.method, FR_CALIBRATION_PLATT);
	assert_int_equal(a.rows, ROWS - ROWS / 3);
	/* One document: no folds, no calibration. */
	for (int i = 0; i < ROWS; i++)
		groups[i] = "one";
	a = cross_fit(groups, FR_CALIBRATION_PLATT, 5);
	assert_int_equal(a.method, FR_CALIBRATION_NONE);
	assert_true(a.slope == 1.0);
	/* Asked for none. */
	for (int i = 0; i < ROWS; i++)
		groups[i] = names[i];
	a = cross_fit(groups, FR_CALIBRATION_NONE, 5);
	assert_int_equal(a.method, FR_CALIBRATION_NONE);
}

/* The threshold of a multi-label task's label: the best F1 on the
 * out-of-fold probabilities, half-way between neighbours. */
static void test_calibrate__threshold_maximizes_f1(void **state)
{
	(void)state;
	double f1 = -1;
	/* Separable: any cut between 0.4 and 0.6 is perfect; the midpoint. */
	static const double p1[] = { 0.9, 0.6, 0.4, 0.1 };
	static const int y1[] = { 1, 1, 0, 0 };
	assert_true(fabs(fr_threshold_best_f1(p1, y1, 4, &f1) - 0.5) < 1e-12);
	assert_true(fabs(f1 - 1.0) < 1e-12);
	/* A rare label with low probabilities: the cut goes well under 0.5.
	 * Taking the top two (0.3, 0.25) gives tp 2, F1 2*2/(2+2) = 1. */
	static const double p2[] = { 0.3, 0.25, 0.2, 0.1, 0.05 };
	static const int y2[] = { 1, 1, 0, 0, 0 };
	assert_true(fabs(fr_threshold_best_f1(p2, y2, 5, &f1) - 0.225) < 1e-12);
	assert_true(fabs(f1 - 1.0) < 1e-12);
	/* Noisy: top 1 gives F1 2/4, top 3 gives 2*2/(3+3) = 2/3, all five
	 * 2*3/(5+3) = 0.75, the best: the cut is under the lowest. */
	static const double p3[] = { 0.8, 0.7, 0.6, 0.5, 0.4 };
	static const int y3[] = { 1, 0, 1, 0, 1 };
	assert_true(fabs(fr_threshold_best_f1(p3, y3, 5, &f1) - 0.2) < 1e-12);
	assert_true(fabs(f1 - 0.75) < 1e-12);
	/* Ties in probability are cut together, never split. */
	static const double p4[] = { 0.7, 0.7, 0.2 };
	static const int y4[] = { 1, 0, 0 };
	double t = fr_threshold_best_f1(p4, y4, 3, &f1);
	assert_true(t < 0.7 && t > 0.2);
	assert_true(fabs(f1 - 2.0 / 3.0) < 1e-12);
	/* No positive row: 0.5 and F1 0. */
	static const int y5[] = { 0, 0, 0 };
	assert_true(fr_threshold_best_f1(p4, y5, 3, &f1) == 0.5);
	assert_true(f1 == 0.0);
}

static void test_calibrate__options_and_names(void **state)
{
	(void)state;
	fr_calibration_options o = FR_CALIBRATION_OPTIONS_INIT;
	fr_classifier_options co = FR_CLASSIFIER_OPTIONS_INIT;
	fr_calibration cal = FR_CALIBRATION_INIT;
	fr_error err = FR_ERROR_INIT;
	const char *groups[ROWS];
	assert_null(fr_calibration_check_options(&o));
	assert_int_equal(o.method, FR_CALIBRATION_PLATT);
	assert_int_equal(o.folds, 5);
	o.folds = 1;
	assert_non_null(strstr(fr_calibration_check_options(&o), "calibration_folds"));
	o.folds = 65;
	assert_non_null(fr_calibration_check_options(&o));
	o.folds = 5;
	o.method = 7;
	assert_non_null(strstr(fr_calibration_check_options(&o), "\"platt\" or \"none\""));
	for (int i = 0; i < ROWS; i++)
		groups[i] = "g";
	make_rows();
	assert_int_equal(fr_calibration_train(&cal, &o, &co, FR_SOLVER_LIBSVM, x, y, groups, ROWS, 3, 4, &err),
	                 FR_EINVALID);
	assert_int_equal(fr_calibration_from_name("platt"), FR_CALIBRATION_PLATT);
	assert_int_equal(fr_calibration_from_name("none"), FR_CALIBRATION_NONE);
	assert_int_equal(fr_calibration_from_name("isotonic"), -1);
	assert_int_equal(fr_calibration_from_name(NULL), -1);
	assert_string_equal(fr_calibration_name(FR_CALIBRATION_PLATT), "platt");
	assert_string_equal(fr_calibration_name(FR_CALIBRATION_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calibrate__platt_recovers_two_label_slope),
		cmocka_unit_test(test_calibrate__threshold_maximizes_f1),
		cmocka_unit_test(test_calibrate__platt_recovers_multiclass_slope),
		cmocka_unit_test(test_calibrate__separable_scores_get_a_finite_slope),
		cmocka_unit_test(test_calibrate__apply_keeps_order_and_sum),
		cmocka_unit_test(test_calibrate__cross_fit_is_grouped_and_deterministic),
		cmocka_unit_test(test_calibrate__options_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
