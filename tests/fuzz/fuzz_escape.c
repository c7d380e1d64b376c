/* Fuzz target: cli_escape and cli_put_escaped (pipeline/cli/cli.c), which
 * every line framer writes to standard error goes through.
 *
 * Input: the bytes up to the first NUL are the string (a C string ends
 * there). Checks, for the whole escape and for every buffer size (a sample
 * of them for long inputs), in a buffer of exactly that size so that ASan
 * sees a byte written past it:
 * - the output is well-formed UTF-8 (checked here byte by byte against
 *   Unicode's table of well-formed sequences, not with fr_utf8_decode,
 *   which cli_escape itself uses) with no C0 control, DEL or C1 control;
 * - text that is already such UTF-8 comes out as it is, and escaping the
 *   output again changes nothing;
 * - a short buffer holds a prefix of the whole escape, cut at a whole
 *   character or escape: the longest one that fits, never inside a \xHH
 *   (checked when the input has no backslash of its own, which would print
 *   like the start of one);
 * - cli_put_escaped writes the same bytes and returns their count. */
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

/* Whether s is well-formed UTF-8 with no C0, DEL or C1 control. */
static int printable_utf8(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(p + i, n - i);
		if (len == 0 || p[i] < 0x20 || p[i] == 0x7F || (p[i] == 0xC2 && p[i + 1] <= 0x9F))
			return 0;
		i += len;
	}
	return 1;
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
	return out[at + 1] == 'x' ? 4 : 2;
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

	/* An escape is at most 4 bytes a byte (\xHH), 8 for 2 (a C1 control). */
	char *whole = escape_in(s, 4 * len + 1);
	FZ_CHECK(printable_utf8(whole));
	if (printable_utf8(s))
		FZ_CHECK(strcmp(whole, s) == 0);
	char *again = escape_in(whole, strlen(whole) + 1);
	FZ_CHECK(strcmp(again, whole) == 0);
	free(again);

	int no_backslash = strchr(s, '\\') == NULL;
	size_t full = strlen(whole);
	/* Every size for short inputs; 64 spread over the range for long ones. */
	size_t step = full <= 512 ? 1 : full / 64;
	for (size_t sz = 1; sz <= full + 1; sz += step)
		check_size(s, whole, sz, no_backslash);
	if (full > 0)
		check_size(s, whole, full, no_backslash);

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
