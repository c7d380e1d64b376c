/* Unit tests for the error record (pipeline/fr_error.h): what it keeps of a
 * message or a path too long for its fields. Every line framer prints is
 * printable UTF-8, so a cut must never split a character: its first bytes
 * would print as \xHH, as if the name quoted held bytes that are not UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fr_error.h"

/* n bytes of 'a' then tail, NUL-terminated, in buf (size > n + strlen(tail)). */
static const char *padded(char *buf, size_t size, size_t n, const char *tail)
{
	assert_true(n + strlen(tail) < size);
	memset(buf, 'a', n);
	strcpy(buf + n, tail);
	return buf;
}

static const struct {
	size_t pad;
	const char *tail;
	size_t keep; /* bytes of pad + tail kept */
} message_rows[] = {
	{ 5, "", 5 },
	{ 253, "\xc3\xa9", 255 },              /* é ends at the last byte: all of it fits */
	{ 254, "\xc3\xa9", 254 },              /* é would need the 256th: cut before it */
	{ 253, "\xe2\x82\xac", 253 },          /* the euro sign, its last byte over */
	{ 254, "\xe2\x82\xac", 254 },          /* ... two of its bytes over */
	{ 252, "\xf0\x9f\x98\x80", 252 },      /* a 4-byte character, one byte over */
	{ 254, "\xf0\x9f\x98\x80", 254 },
	{ 255, "\xc3\xa9", 255 },              /* the cut falls between characters */
	{ 254, "\xff\xfe", 255 },              /* bytes that are not UTF-8: cut as they come */
	{ 250, "\xc3\xa9\xe2\x82\xac" "bbbb", 255 },
	{ 1000, "\xc3\xa9", 255 },
};

/* Regression: a message over 255 bytes was cut by byte, so a name it
 * quoted could end in half a character, printed "\xe2\x82". */
static void test_fr_error__message_cut_at_character(void **state)
{
	(void)state;
	char text[1100];
	for (size_t i = 0; i < sizeof(message_rows) / sizeof(message_rows[0]); i++) {
		fr_error err = FR_ERROR_INIT;
		padded(text, sizeof(text), message_rows[i].pad, message_rows[i].tail);
		assert_int_equal(fr_error_set(&err, FR_EFORMAT, "f.csv", 3, "%s", text), FR_EFORMAT);
		if (strlen(err.message) != message_rows[i].keep || strncmp(err.message, text, message_rows[i].keep) != 0)
			fail_msg("row %zu: kept %zu bytes, not %zu", i, strlen(err.message), message_rows[i].keep);
		/* fr_error_set_at formats the same way. */
		fr_error at = FR_ERROR_INIT;
		fr_error_set_at(&at, FR_EFORMAT, "f.csv", 9, "%s", text);
		assert_string_equal(at.message, err.message);
	}
}

static void keep_line(void *payload, const char *message)
{
	snprintf(payload, 600, "%s", message);
}

/* The same for a log line, whose limit is 511 bytes. */
static void test_fr_error__log_line_cut_at_character(void **state)
{
	(void)state;
	static const struct {
		size_t pad;
		const char *tail;
		size_t keep;
	} rows[] = {
		{ 509, "\xe2\x82\xac", 509 },
		{ 508, "\xe2\x82\xac", 511 },
		{ 510, "\xf0\x9f\x98\x80", 510 },
		{ 600, "", 511 },
	};
	char text[700], line[600];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		padded(text, sizeof(text), rows[i].pad, rows[i].tail);
		fr_logf(keep_line, line, "%s", text);
		if (strlen(line) != rows[i].keep || strncmp(line, text, rows[i].keep) != 0)
			fail_msg("row %zu: kept %zu bytes, not %zu", i, strlen(line), rows[i].keep);
	}
}

/* A path over the source's 511 bytes keeps "..." and its last 508 bytes
 * at most, from a character's start; bytes that are not UTF-8 are cut like
 * any other, so a Latin-1 name made of such bytes still shows. */
static void test_fr_error__source_keeps_end_at_character(void **state)
{
	(void)state;
	static const struct {
		const char *mid; /* bytes the cut falls in */
		size_t cut, skip; /* where in them it falls; bytes after it dropped */
	} rows[] = {
		{ "\xe2\x82\xac", 0, 0 },          /* at the euro sign's start: it stays */
		{ "\xe2\x82\xac", 1, 2 },          /* inside it: it goes */
		{ "\xe2\x82\xac", 2, 1 },
		{ "\xf0\x9f\x98\x80", 1, 3 },
		{ "\xf0\x9f\x98\x80", 3, 1 },
		{ "\xc3\xa9\xb0\xb0", 2, 0 },      /* after a whole é, Latin-1 degree signs */
		{ "\xb0\xb0\xb0\xb0\xb0\xb0", 2, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char path[1100], want[600];
		size_t mid = strlen(rows[i].mid), tail = 508 - (mid - rows[i].cut);
		size_t n = (size_t)snprintf(path, sizeof(path), "/%0200d/%s", 0, rows[i].mid);
		memset(path + n, 'b', tail - 4);
		strcpy(path + n + tail - 4, ".csv");
		fr_error err = FR_ERROR_INIT;
		fr_error_set(&err, FR_EIO, path, 0, "cannot open");
		snprintf(want, sizeof(want), "...%s", path + n - mid + rows[i].cut + rows[i].skip);
		if (strcmp(err.source, want) != 0)
			fail_msg("row %zu: kept %zu bytes, not %zu", i, strlen(err.source) - 3, strlen(want) - 3);
		assert_true(fr_error_source_is(&err, path));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fr_error__message_cut_at_character),
		cmocka_unit_test(test_fr_error__log_line_cut_at_character),
		cmocka_unit_test(test_fr_error__source_keeps_end_at_character),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
