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
