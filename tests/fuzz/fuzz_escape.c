/* Fuzz target: cli_escape and cli_put_escaped (pipeline/cli/cli.c), which
 * every line framer writes to standard error goes through.
 *
 * Input: the bytes up to the first NUL are the string (a C string ends
 * there). Checks, for the whole escape and for every buffer size (a sample
 * of them for long inputs), in a buffer of exactly that size so that ASan
 * sees a byte written past it:
 * - the output is well-formed UTF-8 (checked here byte by byte against
 *   Unicode's table of well-formed sequences, not with fr_utf8_decode,
 *   which cli_escape itself uses) with no C0 control, DEL or C1 control,
 *   and none of the characters that show as nothing or reorder a line
 *   (listed here again, by code point, apart from cli.c's table);
 * - text that is already such UTF-8 comes out as it is, and escaping the
 *   output again changes nothing;
 * - an input with no backslash of its own (which would print like the
 *   start of an escape) reads back from its escape exactly: \xHH is that
 *   byte, \uHHHH or \UHHHHHHHH that character (\U past U+FFFF only);
 * - a short buffer holds a prefix of the whole escape, cut at a whole
 *   character or escape: the longest one that fits, never inside a \xHH,
 *   \uHHHH or \UHHHHHHHH (checked for inputs with no backslash, as above);
 * - cli_put_escaped writes the same bytes and returns their count;
 * - cli_fit cuts at most 3 bytes short of its limit, and the cut text
 *   escapes to a prefix of the whole escape: no character is cut. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "fuzz_util.h"

/* The length of the well-formed UTF-8 sequence at s (n > 0 bytes), 0 when
 * there is none (Unicode 15, table 3-7). */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	uint8_t b = s[0];
	size_t need = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3
	            : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
	if (need == 0 || n < need)
		return 0;
	/* The second byte's range depends on the first. */
	uint8_t lo = b == 0xE0 ? 0xA0 : b == 0xF0 ? 0x90 : 0x80;
	uint8_t hi = b == 0xED ? 0x9F : b == 0xF4 ? 0x8F : 0xBF;
	for (size_t i = 1; i < need; i++) {
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return need;
}

/* The code point of the well-formed sequence of len bytes at p. */
static uint32_t code_point(const uint8_t *p, size_t len)
{
	uint32_t cp = len == 1 ? p[0] : len == 2 ? p[0] & 0x1Fu : len == 3 ? p[0] & 0x0Fu : p[0] & 0x07u;
	for (size_t i = 1; i < len; i++)
		cp = cp << 6 | (p[i] & 0x3Fu);
	return cp;
}

/* The invisible and bidirectional characters cli.h says are escaped:
 * Unicode 15's Default_Ignorable_Code_Point, U+2028-U+202E, U+FFF9-U+FFFB. */
static int hidden(uint32_t cp)
{
	return cp == 0x00AD || cp == 0x034F || cp == 0x061C || cp == 0x115F || cp == 0x1160 ||
	       cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F) || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0x3164 ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF || cp == 0xFFA0 || (cp >= 0xFFF0 && cp <= 0xFFFB) ||
	       (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A) ||
	       (cp >= 0xE0000 && cp <= 0xE0FFF);
}

/* Whether s is well-formed UTF-8 with no C0, DEL, C1 or hidden character. */
static int printable_utf8(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(p + i, n - i);
		if (len == 0 || p[i] < 0x20 || p[i] == 0x7F || (p[i] == 0xC2 && p[i + 1] <= 0x9F) ||
		    hidden(code_point(p + i, len)))
			return 0;
		i += len;
	}
	return 1;
}

/* The hex number of the digits digits at s, lowercase only; -1 when any
 * is not such a digit. */
static long hex_at(const char *s, size_t digits)
{
	long v = 0;
	for (size_t i = 0; i < digits; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* Checks that the escape of an input with no backslash reads back to s. */
static void check_reads_back(const char *s, const char *whole)
{
	size_t n = strlen(s), at = 0;
	for (const char *e = whole; *e;) {
		char c = *e;
		size_t take = 1;
		if (c == '\\' && (e[1] == 'n' || e[1] == 't' || e[1] == 'r')) {
			c = e[1] == 'n' ? '\n' : e[1] == 't' ? '\t' : '\r';
			take = 2;
		} else if (c == '\\' && e[1] == 'x') {
			long b = hex_at(e + 2, 2);
			FZ_CHECK(b >= 0);
			c = (char)b;
			take = 4;
		} else if (c == '\\') {
			/* \uHHHH or \UHHHHHHHH: a hidden character, which the input
			 * holds here; \U only for one past U+FFFF. */
			FZ_CHECK(e[1] == 'u' || e[1] == 'U');
			size_t digits = e[1] == 'u' ? 4 : 8;
			long cp = hex_at(e + 2, digits);
			size_t len = at < n ? utf8_len((const uint8_t *)s + at, n - at) : 0;
			FZ_CHECK(cp >= 0 && hidden((uint32_t)cp) && len > 0 && (digits == 8) == (cp > 0xFFFF));
			FZ_CHECK(code_point((const uint8_t *)s + at, len) == (uint32_t)cp);
			at += len;
			e += 2 + digits;
			continue;
		}
		FZ_CHECK(at < n && s[at] == c);
		at++;
		e += take;
	}
	FZ_CHECK(at == n);
}

/* Escapes s into a buffer of exactly size bytes; returns it (malloc'd). */
static char *escape_in(const char *s, size_t size)
{
	char *buf = malloc(size);
	FZ_CHECK(buf != NULL);
	FZ_CHECK(cli_escape(buf, size, s) == buf);
	FZ_CHECK(strlen(buf) < size);
	return buf;
}

/* The length of the piece (a character printed as it is, or its escape)
 * that starts at out[at] of the whole escape of an input with no
 * backslash: there, a backslash starts an escape. A C1 control is one
 * piece of two escapes, \xc2\x80 to \xc2\x9f (a lone 0xC2 byte is
 * never followed by 0x80-0x9F: that would be the control). */
static size_t piece_len(const char *out, size_t at)
{
	if (out[at] != '\\')
		return utf8_len((const uint8_t *)out + at, strlen(out + at));
	if (strncmp(out + at, "\\xc2\\x8", 7) == 0 || strncmp(out + at, "\\xc2\\x9", 7) == 0)
		return 8;
	return out[at + 1] == 'U' ? 10 : out[at + 1] == 'u' ? 6 : out[at + 1] == 'x' ? 4 : 2;
}

static void check_size(const char *s, const char *whole, size_t size, int no_backslash)
{
	char *cut = escape_in(s, size);
	size_t n = strlen(cut), full = strlen(whole);
	FZ_CHECK(printable_utf8(cut));
	FZ_CHECK(strncmp(cut, whole, n) == 0);
	if (size > full)
		FZ_CHECK(n == full);
	if (no_backslash && n < full) {
		/* Cut at a piece's start, and the next piece did not fit. */
		size_t at = 0;
		while (at < n)
			at += piece_len(whole, at);
		FZ_CHECK(at == n);
		FZ_CHECK(n + piece_len(whole, n) >= size);
	}
	free(cut);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	FZ_CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	size_t len = strlen(s);

	/* An escape is at most 4 bytes a byte (\xHH), 8 for 2 (a C1 control),
	 * 6 for 2 or 3 (\uHHHH), 10 for 4 (\UHHHHHHHH). */
	char *whole = escape_in(s, 4 * len + 1);
	FZ_CHECK(printable_utf8(whole));
	if (printable_utf8(s))
		FZ_CHECK(strcmp(whole, s) == 0);
	char *again = escape_in(whole, strlen(whole) + 1);
	FZ_CHECK(strcmp(again, whole) == 0);
	free(again);

	int no_backslash = strchr(s, '\\') == NULL;
	if (no_backslash)
		check_reads_back(s, whole);
	size_t full = strlen(whole);
	/* Every size for short inputs; 64 spread over the range for long ones. */
	size_t step = full <= 512 ? 1 : full / 64;
	for (size_t sz = 1; sz <= full + 1; sz += step)
		check_size(s, whole, sz, no_backslash);
	if (full > 0)
		check_size(s, whole, full, no_backslash);

	/* cli_fit at every limit for short inputs, 64 spread for long ones. */
	size_t fit_step = len <= 512 ? 1 : len / 64;
	for (size_t max = 0; max <= len; max += fit_step) {
		int fit = cli_fit(s, max);
		FZ_CHECK(fit >= 0 && (size_t)fit <= max && (size_t)fit + 3 >= max);
		char *cut = strndup(s, (size_t)fit);
		FZ_CHECK(cut != NULL);
		char *shown = escape_in(cut, 4 * (size_t)fit + 1);
		FZ_CHECK(strncmp(shown, whole, strlen(shown)) == 0);
		free(shown);
		free(cut);
	}

	char *mem = NULL;
	size_t mem_len = 0;
	FILE *fp = open_memstream(&mem, &mem_len);
	FZ_CHECK(fp != NULL);
	size_t wrote = cli_put_escaped(fp, s);
	FZ_CHECK(fclose(fp) == 0);
	FZ_CHECK(wrote == full && mem_len == full && memcmp(mem, whole, full) == 0);
	free(mem);

	free(whole);
	free(s);
	return 0;
}
