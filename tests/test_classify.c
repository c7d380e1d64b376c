#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libsvm/svm.h>
#include <linear.h>

#include "classify.h"
#include "test_util.h"

/* A toy problem: three classes, each with its own two "words" (features
 * 1-2, 3-4, 5-6) plus shared noise features 7-8, in libsvm's node layout. */
#define N_ROWS 30
#define N_FEATURES 8

static struct svm_node rows[N_ROWS][6]; /* four features, the terminator, a scratch node */
static struct svm_node *x[N_ROWS];
static int y[N_ROWS];

static void make_problem(void)
{
	for (int i = 0; i < N_ROWS; i++) {
		int c = i % 3;
		double jitter = 0.05 * (double)(i / 3);
		rows[i][0] = (struct svm_node){ 2 * c + 1, 0.7 - jitter * 0.2 };
		rows[i][1] = (struct svm_node){ 2 * c + 2, 0.3 + jitter * 0.2 };
		rows[i][2] = (struct svm_node){ 7, 0.2 + 0.01 * i };
		rows[i][3] = (struct svm_node){ 8, (i % 2) ? 0.4 : 0.1 };
		rows[i][4] = (struct svm_node){ -1, 0.0 };
		x[i] = rows[i];
		y[i] = c;
	}
}

static int setup(void **state)
{
	(void)state;
	make_problem();
	return 0;
}

static fr_classifier *train_with(int kernel, int solver)
{
	fr_classifier_options o = FR_CLASSIFIER_OPTIONS_INIT;
	fr_classifier *c = NULL;
	fr_error err = FR_ERROR_INIT;
	o.kernel = kernel;
	o.solver = solver;
	assert_int_equal(fr_classifier_train(&c, &o, x, y, N_ROWS, 3, N_FEATURES, &err), 0);
	assert_non_null(c);
	return c;
}

/* libsvm, with either kernel (auto takes liblinear for a linear kernel). */
static fr_classifier *train_kernel(int kernel)
{
	return train_with(kernel, FR_SOLVER_LIBSVM);
}

static void test_classify__separable_classes_are_predicted(void **state)
{
	(void)state;
	fr_classifier *c = train_kernel(FR_KERNEL_LINEAR);
	double scores[3];
	for (int i = 0; i < N_ROWS; i++) {
		int label = fr_classifier_predict(c, x[i], scores, NULL);
		assert_int_equal(label, y[i]);
		assert_true(scores[label] > 0.5);
		double sum = scores[0] + scores[1] + scores[2];
		assert_true(fabs(sum - 1.0) < 1e-6);
	}
	fr_classifier_free(c);
}

/* The folded weights must give libsvm's own kernel-sum decision values on
 * the same model file, and the label libsvm's vote gives. */
static void test_classify__folded_weights_match_libsvm(void **state)
{
	(void)state;
	char path[] = "/tmp/fr_test_clf_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fr_error err = FR_ERROR_INIT;
	fr_classifier *c = train_kernel(FR_KERNEL_LINEAR), *loaded = NULL;
	assert_int_equal(fr_classifier_save(c, path, &err), 0);
	assert_int_equal(fr_classifier_load(&loaded, path, FR_SOLVER_LIBSVM, 3, N_FEATURES, &err), 0);
	struct svm_model *ref = svm_load_model(path);
	assert_non_null(ref);

	/* Rows that are not in the training data, with mixed evidence. */
	struct svm_node probe[4][5] = {
		{ { 1, 0.5 }, { 3, 0.5 }, { -1, 0 } },
		{ { 2, 0.2 }, { 5, 0.6 }, { 8, 0.3 }, { -1, 0 } },
		{ { 7, 1.0 }, { -1, 0 } },
		{ { 1, 0.9 }, { 2, 0.1 }, { -1, 0 } },
	};
	for (int p = 0; p < 4; p++) {
		double ours[3], theirs[3], scores[3];
		fr_classifier_decision_values(loaded, probe[p], ours);
		double vote = svm_predict_values(ref, probe[p], theirs);
		for (int k = 0; k < 3; k++)
			assert_true(fabs(ours[k] - theirs[k]) < 1e-9);
		/* Where one class wins both of its pairs, our argmax agrees. */
		if (p == 3)
			assert_int_equal(fr_classifier_predict(loaded, probe[p], scores, NULL), (int)vote);
	}
	svm_free_and_destroy_model(&ref);
	fr_classifier_free(loaded);
	fr_classifier_free(c);
	unlink(path);
}

static void test_classify__evidence_is_the_label_words(void **state)
{
	(void)state;
	fr_classifier *c = train_kernel(FR_KERNEL_LINEAR);
	int features[5];
	double push[5];
	/* Row of class 1 (features 3, 4): its own words push it there. */
	size_t n = fr_classifier_evidence(c, x[1], 1, SIZE_MAX, features, push, 5);
	assert_true(n >= 2);
	assert_true(features[0] == 3 || features[0] == 4);
	for (size_t i = 1; i < n; i++)
		assert_true(push[i - 1] >= push[i]);
	for (size_t i = 0; i < n; i++)
		assert_true(push[i] > 0);
	/* At most max terms, and none for an empty paragraph. */
	assert_true(fr_classifier_evidence(c, x[1], 1, SIZE_MAX, features, push, 1) == 1);
	struct svm_node empty[1] = { { -1, 0 } };
	assert_int_equal(fr_classifier_evidence(c, empty, 1, SIZE_MAX, features, push, 5), 0);
	assert_true(fr_classifier_label_weight(c, 3, 1) > 0);
	assert_true(fr_classifier_label_weight(c, 3, 0) < 0);
	fr_classifier_free(c);
}

static void test_classify__rbf_predicts_and_explains(void **state)
{
	(void)state;
	fr_classifier *c = train_kernel(FR_KERNEL_RBF);
	double scores[3];
	int features[5];
	double push[5];
	int correct = 0;
	for (int i = 0; i < N_ROWS; i++)
		correct += fr_classifier_predict(c, x[i], scores, NULL) == y[i];
	assert_true(correct >= N_ROWS - 3);
	int label = fr_classifier_predict(c, x[2], scores, NULL);
	size_t n = fr_classifier_evidence(c, x[2], label, SIZE_MAX, features, push, 5);
	assert_true(n >= 1);
	assert_true(features[0] == 5 || features[0] == 6);
	fr_classifier_free(c);
}

static void test_classify__same_data_same_model_file(void **state)
{
	(void)state;
	char a[] = "/tmp/fr_test_clf_a_XXXXXX", b[] = "/tmp/fr_test_clf_b_XXXXXX";
	close(mkstemp(a));
	close(mkstemp(b));
	fr_classifier *c1 = train_kernel(FR_KERNEL_LINEAR), *c2 = train_kernel(FR_KERNEL_LINEAR);
	assert_int_equal(fr_classifier_save(c1, a, NULL), 0);
	assert_int_equal(fr_classifier_save(c2, b, NULL), 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	assert_int_equal(system(cmd), 0);
	fr_classifier_free(c1);
	fr_classifier_free(c2);
	unlink(a);
	unlink(b);
}

static void test_classify__bad_training_input(void **state)
{
	(void)state;
	fr_classifier_options o = FR_CLASSIFIER_OPTIONS_INIT;
	fr_classifier *c = NULL;
	fr_error err = FR_ERROR_INIT;
	/* One label is not a classification problem. */
	assert_int_equal(fr_classifier_train(&c, &o, x, y, N_ROWS, 1, N_FEATURES, &err), FR_EINVALID);
	assert_null(c);
	/* A declared label with no rows. */
	fr_error_clear(&err);
	assert_int_equal(fr_classifier_train(&c, &o, x, y, N_ROWS, 4, N_FEATURES, &err), FR_EINVALID);
	assert_non_null(strstr(err.message, "no training rows"));
	/* Options out of range. */
	o.C = 0;
	fr_error_clear(&err);
	assert_int_equal(fr_classifier_train(&c, &o, x, y, N_ROWS, 3, N_FEATURES, &err), FR_EINVALID);
	assert_non_null(strstr(err.message, "C must be"));
	assert_null(c);
}

static void test_classify__balanced_weights_rescue_a_rare_class(void **state)
{
	(void)state;
	/* 27 rows of class 0 and 3 of class 1 that overlap it: without
	 * weights the rare class is swallowed; balanced weights recover it. */
	struct svm_node r[30][4]; /* two features, the terminator and the solver's scratch node */
	struct svm_node *xs[30];
	int ys[30];
	for (int i = 0; i < 30; i++) {
		int rare = i >= 27;
		r[i][0] = (struct svm_node){ 1, rare ? 0.5 : 0.6 };
		r[i][1] = (struct svm_node){ 2, rare ? 0.55 : 0.45 };
		r[i][2] = (struct svm_node){ -1, 0 };
		xs[i] = r[i];
		ys[i] = rare;
	}
	fr_classifier_options o = FR_CLASSIFIER_OPTIONS_INIT;
	fr_classifier *plain = NULL, *balanced = NULL;
	o.balanced = 0;
	assert_int_equal(fr_classifier_train(&plain, &o, xs, ys, 30, 2, 2, NULL), 0);
	o.balanced = 1;
	assert_int_equal(fr_classifier_train(&balanced, &o, xs, ys, 30, 2, 2, NULL), 0);
	double s[2];
	int rare_plain = 0, rare_balanced = 0;
	for (int i = 27; i < 30; i++) {
		rare_plain += fr_classifier_predict(plain, xs[i], s, NULL) == 1;
		rare_balanced += fr_classifier_predict(balanced, xs[i], s, NULL) == 1;
	}
	assert_true(rare_balanced > rare_plain);
	fr_classifier_free(plain);
	fr_classifier_free(balanced);
}

static void test_classify__load_errors(void **state)
{
	(void)state;
	fr_classifier *c = NULL;
	fr_error err = FR_ERROR_INIT;
	assert_int_equal(fr_classifier_load(&c, "/nonexistent/stance.svm", FR_SOLVER_LIBSVM, 3, 8, &err), FR_EMODEL);
	assert_non_null(strstr(err.message, "missing"));
	char path[64];
	assert_int_equal(test_tmpfile(path, sizeof(path), "/tmp/fr_test_clf_bad_", "", "garbage\n", 8), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_classifier_load(&c, path, FR_SOLVER_LIBSVM, 3, 8, &err), FR_EMODEL);
	assert_string_equal(err.source, path);
	/* A good file whose class count disagrees with the bundle. */
	fr_classifier *good = train_kernel(FR_KERNEL_LINEAR);
	assert_int_equal(fr_classifier_save(good, path, NULL), 0);
	fr_error_clear(&err);
	assert_int_equal(fr_classifier_load(&c, path, FR_SOLVER_LIBSVM, 4, 8, &err), FR_EMODEL);
	assert_null(c);
	fr_classifier_free(good);
	unlink(path);
}

static void test_classify__liblinear_predicts_and_explains(void **state)
{
	(void)state;
	fr_classifier *c = train_with(FR_KERNEL_LINEAR, FR_SOLVER_LIBLINEAR);
	assert_int_equal(fr_classifier_solver(c), FR_SOLVER_LIBLINEAR);
	double scores[3];
	for (int i = 0; i < N_ROWS; i++) {
		int label = fr_classifier_predict(c, x[i], scores, NULL);
		assert_int_equal(label, y[i]);
		assert_true(fabs(scores[0] + scores[1] + scores[2] - 1.0) < 1e-6);
	}
	int features[5];
	double push[5];
	size_t n = fr_classifier_evidence(c, x[4], 1, SIZE_MAX, features, push, 5);
	assert_true(n >= 1);
	assert_true(features[0] == 3 || features[0] == 4);
	assert_true(fr_classifier_label_weight(c, 5, 2) > 0);
	fr_classifier_free(c);
}

/* Our decision values from liblinear's weights equal liblinear's own
 * predict_values on the saved model file, bias included. */
static void test_classify__liblinear_matches_liblinear(void **state)
{
	(void)state;
	char path[] = "/tmp/fr_test_ll_XXXXXX";
	close(mkstemp(path));
	fr_error err = FR_ERROR_INIT;
	fr_classifier *c = train_with(FR_KERNEL_LINEAR, FR_SOLVER_LIBLINEAR), *loaded = NULL;
	assert_int_equal(fr_classifier_save(c, path, &err), 0);
	assert_int_equal(fr_classifier_load(&loaded, path, FR_SOLVER_LIBLINEAR, 3, N_FEATURES, &err), 0);
	struct model *ref = load_model(path);
	assert_non_null(ref);
	/* liblinear's rows end with the bias feature. */
	struct feature_node probe[3][5] = {
		{ { 1, 0.5 }, { 3, 0.5 }, { N_FEATURES + 1, 1.0 }, { -1, 0 } },
		{ { 2, 0.2 }, { 5, 0.6 }, { 8, 0.3 }, { N_FEATURES + 1, 1.0 }, { -1, 0 } },
		{ { N_FEATURES + 1, 1.0 }, { -1, 0 } },
	};
	struct svm_node ours_x[3][5] = {
		{ { 1, 0.5 }, { 3, 0.5 }, { -1, 0 } },
		{ { 2, 0.2 }, { 5, 0.6 }, { 8, 0.3 }, { -1, 0 } },
		{ { -1, 0 } },
	};
	for (int p = 0; p < 3; p++) {
		double ours[3], theirs[3], a[3], b[3];
		fr_classifier_decision_values(loaded, ours_x[p], ours);
		predict_values(ref, probe[p], theirs);
		for (int k = 0; k < 3; k++)
			assert_true(fabs(ours[k] - theirs[k]) < 1e-9);
		/* The trained and the reloaded classifier agree. */
		assert_int_equal(fr_classifier_predict(c, ours_x[p], a, NULL),
		                 fr_classifier_predict(loaded, ours_x[p], b, NULL));
	}
	free_and_destroy_model(&ref);
	fr_classifier_free(loaded);
	fr_classifier_free(c);
	unlink(path);
}

static void test_classify__liblinear_puts_the_rows_back(void **state)
{
	(void)state;
	/* LIBLINEAR's bias goes into the rows in place: afterwards they are
	 * as they were, a row given twice included. */
	struct svm_node before[N_ROWS][5], *twice[N_ROWS + 1];
	int y_twice[N_ROWS + 1];
	for (int i = 0; i < N_ROWS; i++) {
		memcpy(before[i], rows[i], sizeof(before[i]));
		twice[i] = x[i];
		y_twice[i] = y[i];
	}
	twice[N_ROWS] = x[0];
	y_twice[N_ROWS] = y[0];
	fr_classifier_options o = FR_CLASSIFIER_OPTIONS_INIT;
	fr_classifier *c = NULL;
	o.solver = FR_SOLVER_LIBLINEAR;
	assert_int_equal(fr_classifier_train(&c, &o, twice, y_twice, N_ROWS + 1, 3, N_FEATURES, NULL), 0);
	for (int i = 0; i < N_ROWS; i++)
		assert_memory_equal(rows[i], before[i], sizeof(before[i]));
	double scores[3];
	for (int i = 0; i < N_ROWS; i++)
		assert_int_equal(fr_classifier_predict(c, x[i], scores, NULL), y[i]);
	fr_classifier_free(c);
}

static void test_classify__solver_choice(void **state)
{
	(void)state;
	assert_int_equal(fr_classifier_auto_solver(FR_KERNEL_LINEAR), FR_SOLVER_LIBLINEAR);
	assert_int_equal(fr_classifier_auto_solver(FR_KERNEL_RBF), FR_SOLVER_LIBSVM);
	fr_classifier_options o = FR_CLASSIFIER_OPTIONS_INIT;
	o.kernel = FR_KERNEL_RBF;
	o.solver = FR_SOLVER_LIBLINEAR;
	assert_non_null(strstr(fr_classifier_check_options(&o), "linear only"));
	assert_int_equal(fr_solver_from_name("liblinear"), FR_SOLVER_LIBLINEAR);
	assert_int_equal(fr_solver_from_name("svm"), -1);
	assert_string_equal(fr_solver_name(FR_SOLVER_LIBSVM), "libsvm");
	fr_classifier *c = train_with(FR_KERNEL_LINEAR, FR_SOLVER_AUTO); /* 30 rows: still liblinear */
	assert_int_equal(fr_classifier_solver(c), FR_SOLVER_LIBLINEAR);
	fr_classifier_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify__separable_classes_are_predicted),
		cmocka_unit_test(test_classify__folded_weights_match_libsvm),
		cmocka_unit_test(test_classify__evidence_is_the_label_words),
		cmocka_unit_test(test_classify__rbf_predicts_and_explains),
		cmocka_unit_test(test_classify__same_data_same_model_file),
		cmocka_unit_test(test_classify__bad_training_input),
		cmocka_unit_test(test_classify__balanced_weights_rescue_a_rare_class),
		cmocka_unit_test(test_classify__load_errors),
		cmocka_unit_test(test_classify__liblinear_predicts_and_explains),
		cmocka_unit_test(test_classify__liblinear_matches_liblinear),
		cmocka_unit_test(test_classify__liblinear_puts_the_rows_back),
		cmocka_unit_test(test_classify__solver_choice),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
