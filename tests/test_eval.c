#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval__confusion_counts),
		cmocka_unit_test(test_eval__out_of_range_labels_are_ignored),
		cmocka_unit_test(test_eval__empty_and_all_wrong),
		cmocka_unit_test(test_eval__huge_k_is_refused),
		cmocka_unit_test(test_eval__reuse_after_dispose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
