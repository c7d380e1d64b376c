/* Unit tests for number formatting (pipeline/numfmt.h): fr_numfmt_fixed4
 * must give snprintf's "%.4f" bytes for every double, so the writers can
 * use it without a byte of output changing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numfmt.h"

/* Formats v both ways and compares the bytes and the lengths. */
static void check(double v)
{
	char want[400], got[400];
	int n = snprintf(want, sizeof(want), "%.4f", v);
	memset(got, 'x', sizeof(got));
	size_t m = fr_numfmt_fixed4(got, sizeof(got), v);
	if ((size_t)n != m || strcmp(want, got) != 0)
		fail_msg("%.17g (%a): snprintf gives '%s', fr_numfmt_fixed4 '%.*s'", v, v, want, (int)m, got);
}

/* Every value next to a rounding boundary: k/10^4 and (k + 1/2)/10^4 for
 * k = 0..10^4, and the doubles a few steps either side of each. */
static void test_numfmt__boundaries(void **state)
{
	(void)state;
	for (int k = 0; k <= 10000; k++) {
		for (int half = 0; half <= 1; half++) {
			double x = (k + 0.5 * half) / 10000.0, lo = x, hi = x;
			check(x);
			for (int step = 0; step < 4; step++) {
				lo = nextafter(lo, 0.0);
				hi = nextafter(hi, 2.0);
				check(lo);
				check(hi);
			}
		}
	}
}

/* Exact ties, which printf rounds to even: odd multiples of 1/32 are
 * (2k + 1) / 20000 (0.03125 gives 0.0312, 0.09375 gives 0.0938); and
 * every j / 2^n in [0, 1] for n up to 16. */
static void test_numfmt__exact_ties_round_to_even(void **state)
{
	char got[FR_NUMFMT_FIXED4_SIZE];
	(void)state;
	fr_numfmt_fixed4(got, sizeof(got), 0.03125);
	assert_string_equal(got, "0.0312");
	fr_numfmt_fixed4(got, sizeof(got), 0.09375);
	assert_string_equal(got, "0.0938");
	for (int n = 0; n <= 16; n++)
		for (long j = 0; j <= (1L << n); j++)
			check(ldexp((double)j, -n));
}

/* 300,000 pseudo-random doubles of [0, 1], uniform in value and uniform
 * in bit pattern (so tiny values and subnormals are there too). */
static void test_numfmt__random_values(void **state)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	(void)state;
	for (int i = 0; i < 300000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check((double)(x >> 11) / 9007199254740992.0);
		uint64_t bits = x % 0x3FF0000000000001ULL;
		double v = 0.0;
		memcpy(&v, &bits, sizeof(v));
		check(v);
	}
}

/* What the exact path does not take goes to snprintf, with the same bytes
 * and length; a short buffer is truncated as snprintf truncates. */
static void test_numfmt__other_values(void **state)
{
	static const double values[] = { -0.0, -1e-9, -0.5, 1.00000000001, 2.5, 1e300, -1e300,
	                                 4.9e-324, 2.2250738585072014e-308, 0.99995, 0.99994999 };
	char small[4];
	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++)
		check(values[i]);
	check(INFINITY);
	check(-INFINITY);
	check(NAN);
	assert_int_equal(fr_numfmt_fixed4(small, sizeof(small), 0.25), 6);
	assert_string_equal(small, "0.2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numfmt__boundaries),
		cmocka_unit_test(test_numfmt__exact_ties_round_to_even),
		cmocka_unit_test(test_numfmt__random_values),
		cmocka_unit_test(test_numfmt__other_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
