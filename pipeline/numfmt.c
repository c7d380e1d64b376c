#include "numfmt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t fr_numfmt_fixed4(char *buf, size_t size, double v)
{
	uint64_t bits = 0;
	memcpy(&bits, &v, sizeof(bits));
	/* +0 .. 1: the sign bit clear and at most 1.0's bit pattern. */
	if (bits > 0x3FF0000000000000ULL || size < FR_NUMFMT_FIXED4_SIZE) {
		int n = snprintf(buf, size, "%.4f", v);
		return n < 0 ? 0 : (size_t)n;
	}
	/* v = m * 2^-(s + 4) exactly, so v * 10^4 = (m * 625) * 2^-s, and
	 * m * 625 < 2^53 * 2^10 fits in 64 bits. Subnormals and zero have no
	 * implicit bit and the exponent of the smallest normal. */
	unsigned exp_field = (unsigned)(bits >> 52);
	uint64_t m = bits & 0xFFFFFFFFFFFFFULL;
	if (exp_field != 0)
		m |= (uint64_t)1 << 52;
	unsigned s = 1075 - (exp_field != 0 ? exp_field : 1) - 4; /* 48 for 1.0, more below */
	uint64_t p = m * 625, k = 0;
	if (s < 64) {
		uint64_t rest = p & (((uint64_t)1 << s) - 1), half = (uint64_t)1 << (s - 1);
		k = p >> s;
		k += rest > half || (rest == half && (k & 1));
	}
	/* Else p < 2^63 <= 2^(s - 1), half of one unit: it rounds to 0. */
	buf[0] = (char)('0' + k / 10000);
	buf[1] = '.';
	k %= 10000;
	buf[2] = (char)('0' + k / 1000);
	buf[3] = (char)('0' + k / 100 % 10);
	buf[4] = (char)('0' + k / 10 % 10);
	buf[5] = (char)('0' + k % 10);
	buf[6] = '\0';
	return 6;
}

#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 numfmt_u128;

static unsigned numfmt_bits(numfmt_u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
	return hi ? 128u - (unsigned)__builtin_clzll(hi) : lo ? 64u - (unsigned)__builtin_clzll(lo) : 0u;
}

/* The double nearest n / d (ties to even), for n < 2^127, 1 <= d < 2^74
 * and a quotient well inside the normal range. q = floor(n * 2^s / d) is
 * made 54 or 55 bits long, so the bits below the 53 kept and whether
 * anything was left over (sticky) say how to round. */
static double numfmt_quotient(numfmt_u128 n, numfmt_u128 d, int neg)
{
	int s = 54 + (int)numfmt_bits(d) - (int)numfmt_bits(n);
	numfmt_u128 q = 0;
	int sticky = 0;
	if (s >= 0) {
		numfmt_u128 scaled = n << s;
		q = scaled / d;
		sticky = scaled % d != 0;
	} else { /* floor(n / d) has too many bits: its lowest are cut to sticky */
		numfmt_u128 whole = n / d;
		q = whole >> -s;
		sticky = n % d != 0 || (whole & (((numfmt_u128)1 << -s) - 1)) != 0;
	}
	unsigned extra = numfmt_bits(q) - 53;
	uint64_t mant = (uint64_t)(q >> extra), rest = (uint64_t)q & ((1u << extra) - 1), half = 1u << (extra - 1);
	if (rest > half || (rest == half && (sticky || (mant & 1))))
		mant++;
	if (mant == (uint64_t)1 << 53) {
		mant >>= 1;
		extra++;
	}
	/* n / d = mant * 2^(extra - s), mant in [2^52, 2^53). */
	uint64_t bits = (uint64_t)neg << 63 | (uint64_t)((int)extra - s + 52 + 1023) << 52 |
	                (mant & (((uint64_t)1 << 52) - 1));
	double v = 0.0;
	memcpy(&v, &bits, sizeof(v));
	return v;
}
#endif

#ifdef __SIZEOF_INT128__
/* The digits at p appended to *m, *digits counting them: eight a step
 * while eight are there (a byte is a digit when its high half is 3, before
 * and after adding 6), then one. NULL past 19 digits in all. */
static const char *numfmt_digits(const char *p, const char *end, uint64_t *m, int *digits)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t highs = 0xF0F0F0F0F0F0F0F0ULL, threes = 0x3030303030303030ULL;
	while (end - p >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		if ((v & highs) != threes || ((v + 0x0606060606060606ULL) & highs) != threes)
			break;
		if (*digits > 19 - 8)
			return NULL;
		/* The first digit is the lowest byte: pairs, then fours, then eight. */
		v -= threes;
		v = v * 10 + (v >> 8);
		v = ((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32)) +
		     ((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32))) >> 32;
		*m = *m * 100000000 + (v & 0xFFFFFFFFULL);
		*digits += 8;
		p += 8;
	}
#endif
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (*digits == 19)
			return NULL;
		*m = *m * 10 + (uint64_t)(*p - '0');
		(*digits)++;
	}
	return p;
}
#endif

size_t fr_numfmt_read_double(const char *s, size_t len, double *out)
{
#ifdef __SIZEOF_INT128__
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
		100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
		10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL
	};
	const char *p = s, *end = s + len;
	int neg = 0, digits = 0;
	long e10 = 0;
	uint64_t m = 0;
	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	const char *int_start = p;
	/* Leading zeros are not significant digits; every digit after them is. */
	while (p < end && *p == '0')
		p++;
	if ((p = numfmt_digits(p, end, &m, &digits)) == NULL)
		return 0;
	if (p == int_start)
		return 0;
	if (p - int_start == 1 && *int_start == '0' && p < end && (*p == 'x' || *p == 'X'))
		return 0; /* hexadecimal */
	if (p < end && *p == '.') {
		const char *frac = ++p;
		if (m == 0)
			while (p < end && *p == '0')
				p++;
		if ((p = numfmt_digits(p, end, &m, &digits)) == NULL)
			return 0;
		e10 = -(long)(p - frac);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		int eneg = 0;
		long ev = 0;
		if (q < end && (*q == '-' || *q == '+'))
			eneg = *q++ == '-';
		if (q >= end || *q < '0' || *q > '9')
			return 0;
		for (; q < end && *q >= '0' && *q <= '9'; q++)
			if ((ev = ev * 10 + (*q - '0')) > 100000)
				return 0;
		e10 += eneg ? -ev : ev;
		p = q;
	}
	if (m == 0) {
		*out = neg ? -0.0 : 0.0;
		return (size_t)(p - s);
	}
	if (e10 < -22 || e10 > 19)
		return 0;
	if (e10 >= 0)
		*out = numfmt_quotient((numfmt_u128)m * pow10[e10], 1, neg);
	else if (e10 >= -19)
		*out = numfmt_quotient(m, pow10[-e10], neg);
	else
		*out = numfmt_quotient(m, (numfmt_u128)pow10[19] * pow10[-e10 - 19], neg);
	return (size_t)(p - s);
#else
	(void)s;
	(void)len;
	(void)out;
	return 0;
#endif
}
