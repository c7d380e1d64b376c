/* Unit tests for number formatting (pipeline/numfmt.h): fr_numfmt_fixed4
 * must give snprintf's "%.4f" bytes for every double, so the writers can
 * use it without a byte of output changing; fr_numfmt_read_double must read
 * what strtod reads, to the bit, or decline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
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

/* Reads text both ways: where fr_numfmt_read_double takes it, the same
 * bits and the same length as strtod. Returns whether it took it. */
static int check_read(const char *text)
{
	char *end = NULL;
	double want = strtod(text, &end), got = 0.0;
	size_t n = fr_numfmt_read_double(text, strlen(text), &got);
	if (n == 0)
		return 0;
	if (n != (size_t)(end - text) || memcmp(&want, &got, sizeof(want)) != 0)
		fail_msg("'%s': strtod gives %a after %zu bytes, fr_numfmt_read_double %a after %zu",
		         text, want, (size_t)(end - text), got, n);
	return 1;
}

static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* What the model files hold: doubles printed with "%.17g" (and the
 * shorter "%.16g", "%.15g", "%g"), over the magnitudes of weights and idf
 * values and beyond the fast path's range, where it must decline rather
 * than differ. Most of them must take the fast path. */
static void test_numfmt__read_printed_doubles(void **state)
{
	static const char *const formats[] = { "%.17g", "%.16g", "%.15g", "%g", "%.3f", "%.20f" };
	uint64_t x = 0x243F6A8885A308D3ULL;
	size_t taken = 0, tried = 0;
	char text[64];
	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint64_t r = next_random(&x);
		/* Uniform mantissa, exponent 2^-80 .. 2^80, either sign. */
		double v = ldexp((double)(r >> 11) / 9007199254740992.0 + 0.5, (int)(r % 161) - 80);
		if (r & 1024)
			v = -v;
		for (size_t f = 0; f < sizeof(formats) / sizeof(*formats); f++) {
			snprintf(text, sizeof(text), formats[f], v);
			taken += (size_t)check_read(text);
			tried++;
		}
		/* Values like an idf's and most of LIBLINEAR's weights, all fast. */
		snprintf(text, sizeof(text), "%.17g", 1.0 + (double)(r >> 11) / 9007199254740992.0 * 12.0);
		assert_true(check_read(text));
		snprintf(text, sizeof(text), "%.17g", ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 2.0);
		assert_true(check_read(text));
	}
	assert_true(taken > tried / 3);
}

/* Random digit strings: up to 20 digits, a point anywhere, an exponent
 * or none, leading and trailing zeros. */
static void test_numfmt__read_digit_strings(void **state)
{
	uint64_t x = 0x13198A2E03707344ULL;
	char text[80];
	(void)state;
	for (int i = 0; i < 200000; i++) {
		uint64_t r = next_random(&x);
		size_t n = 0, digits = 1 + r % 20, point = (r >> 8) % (digits + 1);
		if (r & (1 << 16))
			text[n++] = '-';
		if (r & (1 << 17))
			for (size_t z = 0; z < (r >> 18) % 4; z++)
				text[n++] = '0';
		for (size_t d = 0; d < digits; d++) {
			if (d == point && d > 0)
				text[n++] = '.';
			text[n++] = (char)('0' + next_random(&x) % 10);
		}
		if (r & (1 << 22))
			n += (size_t)snprintf(text + n, sizeof(text) - n, "e%d", (int)((r >> 23) % 61) - 30);
		text[n] = '\0';
		check_read(text);
	}
}

/* Exact ties between two doubles, which strtod rounds to even: 2^k plus
 * an odd multiple of half the gap above 2^k, for k = 53..63. */
static void test_numfmt__read_ties_to_even(void **state)
{
	char text[40];
	(void)state;
	for (int k = 53; k <= 63; k++) {
		uint64_t half_gap = (uint64_t)1 << (k - 53);
		for (uint64_t odd = 1; odd < 64; odd += 2) {
			snprintf(text, sizeof(text), "%llu", (unsigned long long)(((uint64_t)1 << k) + odd * half_gap));
			assert_true(check_read(text));
			snprintf(text, sizeof(text), "%llu", (unsigned long long)(((uint64_t)1 << k) + odd * half_gap + 1));
			check_read(text);
		}
	}
	assert_true(check_read("9007199254740993"));
	assert_true(check_read("9007199254740995"));
	assert_true(check_read("4503599627370496.5"));
	assert_true(check_read("4503599627370497.5"));
}

/* The grammar's edges: what it reads, where it stops and what it leaves
 * to strtod. */
static void test_numfmt__read_edges(void **state)
{
	static const char *const taken[] = {
		"0", "-0", "+0", "0.0", "-0.000", "1", "-1", "+2.5", "5.", "007", "1e5", "1E+5", "1e-5",
		"2.5e-21", "9.999999999999999999e19", "1.5x", "12,5", "0.1", "0.30000000000000004",
		"1e19", "1e-22", "0e500", "123456789012345678.9", "-0.00034709197499642919",
	};
	static const char *const declined[] = {
		"", "-", "+", ".5", "-.5", " 1", "\t1", "0x1p3", "0X10", "inf", "-infinity", "nan",
		"1e23", "1e-23", "2.5e-22", "12345678901234567890", "1.2345678901234567890", "1e", "1e+", "1.5e", "2.5E-x",
		"1e999999999",
	};
	double v = 0.0;
	(void)state;
	for (size_t i = 0; i < sizeof(taken) / sizeof(*taken); i++)
		if (!check_read(taken[i]))
			fail_msg("'%s' was declined", taken[i]);
	for (size_t i = 0; i < sizeof(declined) / sizeof(*declined); i++)
		assert_int_equal(fr_numfmt_read_double(declined[i], strlen(declined[i]), &v), 0);
	/* Only len bytes are read: "12345" cut after three is 123. */
	assert_int_equal(fr_numfmt_read_double("12345", 3, &v), 3);
	assert_true(v == 123.0);
	assert_int_equal(fr_numfmt_read_double("1.5e7", 4, &v), 0); /* 'e' cut from its digits */
	assert_int_equal(fr_numfmt_read_double("-0", 2, &v), 2);
	assert_true(v == 0.0 && signbit(v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numfmt__boundaries),
		cmocka_unit_test(test_numfmt__exact_ties_round_to_even),
		cmocka_unit_test(test_numfmt__random_values),
		cmocka_unit_test(test_numfmt__other_values),
		cmocka_unit_test(test_numfmt__read_printed_doubles),
		cmocka_unit_test(test_numfmt__read_digit_strings),
		cmocka_unit_test(test_numfmt__read_ties_to_even),
		cmocka_unit_test(test_numfmt__read_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
