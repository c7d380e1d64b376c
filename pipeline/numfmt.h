#ifndef FR_NUMFMT_H
#define FR_NUMFMT_H

#include <stddef.h>

/* Number formatting for the output writers, which print a score per label
 * per paragraph: printf's "%.4f" parses its format, goes through the
 * stream's locking and formats the double's exact decimal expansion, and was
 * the costliest part of writing a record.
 *
 * fr_numfmt_fixed4 writes exactly the bytes snprintf(buf, size, "%.4f", v)
 * writes in the "C" locale, for every double: values in [+0, 1] (scores,
 * probabilities) take a short exact path (the double's binary value times
 * 10^4 in integers, rounded to nearest, ties to even, as glibc's printf
 * rounds in the default rounding mode); anything else (negative numbers,
 * -0.0, values over 1, NaN, infinities) is handed to snprintf. Returns the
 * length, as snprintf does (without the NUL); buf holds the text and a NUL
 * when size is at least that plus one. FR_NUMFMT_FIXED4_SIZE is enough for
 * a value in [0, 1]. Thread safe. */
#define FR_NUMFMT_FIXED4_SIZE 8

size_t fr_numfmt_fixed4(char *buf, size_t size, double v);

/* Reading numbers for the model loader, which meets a few hundred thousand
 * of them ("%.17g": idf values, LIBLINEAR weights) and spent a thousand
 * instructions on each in strtod, whose exact algorithm works through
 * big integers.
 *
 * fr_numfmt_read_double reads the decimal number at s (len bytes there, no
 * NUL needed) when it is [+-]digits[.digits][(e|E)[+-]digits] with at most
 * 19 significant digits m and a value m * 10^e with -22 <= e <= 19: stores
 * in *out the double strtod gives in the "C" locale and the default
 * rounding mode (to nearest, ties to even; the quotient worked out in
 * 128-bit integers), and returns how many bytes strtod would read.
 * Returns 0 for anything else (leading spaces, hexadecimal, inf, nan, a
 * leading '.', an 'e' without digits, more digits, a farther exponent, a
 * compiler without 128-bit integers): the caller then asks strtod. Thread
 * safe. */
size_t fr_numfmt_read_double(const char *s, size_t len, double *out);

#endif
