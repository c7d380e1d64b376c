/* test_util.h uses mkstemps and nftw (GNU/XSI); ask for them unless the
 * build already did. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "test_util.h"

#define BLOCK ((size_t)64 * 1024)
#define MAX_FIELDS 6
#define MAX_RECORDS 6

/* ---- helpers ------------------------------------------------------------ */

/* Opens len bytes of data as a stream; the reader borrows it. */
static fr_csv *open_mem(const char *data, size_t len, FILE **fp_out)
{
	FILE *fp = NULL;
	fr_csv *csv = NULL;
	fr_error err = FR_ERROR_INIT;

	/* fmemopen wants a mutable buffer but only reads it in mode "r". */
	fp = fmemopen((void *)data, len, "r");
	assert_non_null(fp);
	assert_int_equal(fr_csv_open_stream(&csv, fp, "<mem>", &err), 0);
	assert_non_null(csv);
	*fp_out = fp;
	return csv;
}

static void close_mem(fr_csv *csv, FILE *fp)
{
	fr_csv_free(csv);
	assert_int_equal(fclose(fp), 0);
}

/* Writes len bytes to a new temp file; the caller unlinks path. */
static void write_temp(char path[64], const char *data, size_t len)
{
	assert_int_equal(test_tmpfile(path, 64, "/tmp/fr_test_csv_", "", data, len), 0);
}

/* ---- well-formed input, table-driven ------------------------------------ */

typedef struct {
	size_t line;                    /* 0 ends the list */
	const char *fields[MAX_FIELDS]; /* NULL ends the list */
} csv_record;

typedef struct {
	const char *name;
	const char *input;
	csv_record records[MAX_RECORDS];
} csv_case;

static const csv_case csv_cases[] = {
	{ "plain", "a,b,c\nd,e,f\n",
	  { { 1, { "a", "b", "c" } }, { 2, { "d", "e", "f" } } } },
	{ "quoted_comma", "\"a,b\",c\n\"x,\",\",y\"\n",
	  { { 1, { "a,b", "c" } }, { 2, { "x,", ",y" } } } },
	{ "doubled_quotes", "\"say \"\"hi\"\"\",x\n\"\"\"\"\n\"\"\"a\"\"\"\n",
	  { { 1, { "say \"hi\"", "x" } }, { 2, { "\"" } }, { 3, { "\"a\"" } } } },
	{ "newline_in_quotes", "a,\"x\ny\"\nb,c\n",
	  { { 1, { "a", "x\ny" } }, { 3, { "b", "c" } } } },
	{ "many_newlines_in_quotes", "\"1\n2\n\n3\"\nnext\n",
	  { { 1, { "1\n2\n\n3" } }, { 5, { "next" } } } },
	{ "crlf_in_quotes", "\"x\r\ny\"\r\nb\r\n",
	  { { 1, { "x\r\ny" } }, { 3, { "b" } } } },
	{ "lone_cr_in_quotes", "\"x\ry\"\rb\r",
	  { { 1, { "x\ry" } }, { 3, { "b" } } } },
	{ "crlf", "a,b\r\nc,d\r\n",
	  { { 1, { "a", "b" } }, { 2, { "c", "d" } } } },
	{ "lone_cr", "a,b\rc,d\re",
	  { { 1, { "a", "b" } }, { 2, { "c", "d" } }, { 3, { "e" } } } },
	{ "mixed_line_ends", "a\rb\nc\r\nd",
	  { { 1, { "a" } }, { 2, { "b" } }, { 3, { "c" } }, { 4, { "d" } } } },
	{ "bom", "\xEF\xBB\xBFid,text\n1,x\n",
	  { { 1, { "id", "text" } }, { 2, { "1", "x" } } } },
	{ "bom_then_quote", "\xEF\xBB\xBF\"q\"\n",
	  { { 1, { "q" } } } },
	{ "bom_only", "\xEF\xBB\xBF", { { 0 } } },
	{ "bom_not_at_start_is_data", "a\n\xEF\xBB\xBF\n",
	  { { 1, { "a" } }, { 2, { "\xEF\xBB\xBF" } } } },
	{ "no_final_newline", "a,b\nc,d",
	  { { 1, { "a", "b" } }, { 2, { "c", "d" } } } },
	{ "no_final_newline_quoted", "a\n\"c,d\"",
	  { { 1, { "a" } }, { 2, { "c,d" } } } },
	{ "empty_middle_field", "a,,b\n", { { 1, { "a", "", "b" } } } },
	{ "trailing_comma", "a,b,\n", { { 1, { "a", "b", "" } } } },
	{ "trailing_comma_at_eof", "a,b,", { { 1, { "a", "b", "" } } } },
	{ "only_commas", ",,\n", { { 1, { "", "", "" } } } },
	{ "quoted_empty", "\"\"\na,\"\"\n\"\",b",
	  { { 1, { "" } }, { 2, { "a", "" } }, { 3, { "", "b" } } } },
	{ "blank_lines_skipped", "\n\na\n\r\n\rb\n\n",
	  { { 3, { "a" } }, { 6, { "b" } } } },
	{ "empty_input", "", { { 0 } } },
	{ "only_line_ends", "\n\r\n\r\n\r", { { 0 } } },
	{ "spaces_kept", " a , b \n", { { 1, { " a ", " b " } } } },
	{ "utf8_kept", "caf\xC3\xA9,\"\xE2\x80\x9Cq\xE2\x80\x9D\"\n",
	  { { 1, { "caf\xC3\xA9", "\xE2\x80\x9Cq\xE2\x80\x9D" } } } },
};

static void check_records(fr_csv *csv, const csv_case *c, const char *how)
{
	fr_error err = FR_ERROR_INIT;
	size_t r = 0;
	int rc = 0;

	assert_int_equal(fr_csv_line(csv), 0);
	assert_int_equal(fr_csv_field_count(csv), 0);
	for (r = 0; r < MAX_RECORDS && c->records[r].line != 0; r++) {
		const csv_record *want = &c->records[r];
		size_t n = 0;
		size_t i = 0;

		rc = fr_csv_next(csv, &err);
		if (rc != 0)
			fail_msg("%s (%s): record %zu: rc %d (%s)", c->name, how, r, rc, err.message);
		while (n < MAX_FIELDS && want->fields[n] != NULL)
			n++;
		if (fr_csv_field_count(csv) != n)
			fail_msg("%s (%s): record %zu: %zu fields, want %zu", c->name, how, r,
			         fr_csv_field_count(csv), n);
		if (fr_csv_line(csv) != want->line)
			fail_msg("%s (%s): record %zu: line %zu, want %zu", c->name, how, r,
			         fr_csv_line(csv), want->line);
		for (i = 0; i < n; i++) {
			size_t len = 0;
			const char *got = fr_csv_field(csv, i, &len);
			if (got == NULL || len != strlen(want->fields[i]) ||
			    strcmp(got, want->fields[i]) != 0)
				fail_msg("%s (%s): record %zu field %zu: \"%s\", want \"%s\"", c->name,
				         how, r, i, got ? got : "(null)", want->fields[i]);
		}
	}
	assert_int_equal(fr_csv_next(csv, &err), FR_ITEROVER);
	assert_int_equal(fr_csv_field_count(csv), 0);
	/* The end is sticky and is not an error. */
	assert_int_equal(fr_csv_next(csv, &err), FR_ITEROVER);
	assert_int_equal(err.code, 0);
}

static void test_csv__cases_from_stream(void **state)
{
	size_t k = 0;

	(void)state;
	for (k = 0; k < sizeof(csv_cases) / sizeof(csv_cases[0]); k++) {
		FILE *fp = NULL;
		fr_csv *csv = open_mem(csv_cases[k].input, strlen(csv_cases[k].input), &fp);
		check_records(csv, &csv_cases[k], "stream");
		close_mem(csv, fp);
	}
}

static void test_csv__cases_from_file(void **state)
{
	size_t k = 0;

	(void)state;
	for (k = 0; k < sizeof(csv_cases) / sizeof(csv_cases[0]); k++) {
		char path[64] = "";
		fr_csv *csv = NULL;
		fr_error err = FR_ERROR_INIT;

		write_temp(path, csv_cases[k].input, strlen(csv_cases[k].input));
		assert_int_equal(fr_csv_open(&csv, path, &err), 0);
		assert_string_equal(fr_csv_name(csv), path);
		check_records(csv, &csv_cases[k], "file");
		fr_csv_free(csv);
		unlink(path);
	}
}

/* ---- fields that are not plain C strings -------------------------------- */

static void test_csv__nul_inside_field(void **state)
{
	static const char input[] = "a\0b,c\n\"x\0\",\0\n";
	FILE *fp = NULL;
	fr_csv *csv = open_mem(input, sizeof(input) - 1, &fp);
	const char *f = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(fr_csv_next(csv, NULL), 0);
	assert_int_equal(fr_csv_field_count(csv), 2);
	f = fr_csv_field(csv, 0, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(f, "a\0b", 4);
	f = fr_csv_field(csv, 1, &len);
	assert_int_equal(len, 1);
	assert_string_equal(f, "c");

	assert_int_equal(fr_csv_next(csv, NULL), 0);
	assert_int_equal(fr_csv_line(csv), 2);
	assert_int_equal(fr_csv_field_count(csv), 2);
	f = fr_csv_field(csv, 0, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(f, "x\0", 3);
	f = fr_csv_field(csv, 1, &len);
	assert_int_equal(len, 1);
	assert_memory_equal(f, "\0", 2);

	assert_int_equal(fr_csv_next(csv, NULL), FR_ITEROVER);
	close_mem(csv, fp);
}

static void test_csv__field_out_of_range(void **state)
{
	FILE *fp = NULL;
	fr_csv *csv = open_mem("a,b\n", 4, &fp);
	size_t len = 99;

	(void)state;
	assert_null(fr_csv_field(csv, 0, &len));
	assert_int_equal(len, 0);
	assert_int_equal(fr_csv_next(csv, NULL), 0);
	assert_non_null(fr_csv_field(csv, 1, NULL));
	len = 99;
	assert_null(fr_csv_field(csv, 2, &len));
	assert_int_equal(len, 0);
	assert_string_equal(fr_csv_name(csv), "<mem>");
	close_mem(csv, fp);
	fr_csv_free(NULL);
}

/* ---- buffer boundaries -------------------------------------------------- */

static void test_csv__long_field(void **state)
{
	const size_t big = (size_t)1024 * 1024;
	const size_t cap = 2 * big + big / 1024 + 64; /* room for the doubled quotes */
	char *input = NULL;
	char *want = NULL;
	size_t n = 0;
	size_t i = 0;
	size_t want_len = 0;
	size_t newlines = 0;
	size_t len = 0;
	const char *f = NULL;
	FILE *fp = NULL;
	fr_csv *csv = NULL;

	(void)state;
	input = malloc(cap);
	want = malloc(big + 1);
	assert_non_null(input);
	assert_non_null(want);

	/* Record 1: an unquoted 1 MiB field between two short ones. */
	input[n++] = 's';
	input[n++] = ',';
	memset(input + n, 'x', big);
	n += big;
	memcpy(input + n, ",end\n", 5);
	n += 5;

	/* Record 2: a quoted 1 MiB field with doubled quotes and line ends
	 * scattered through it, so some fall on block edges. */
	input[n++] = '"';
	for (i = 0; i < big; i++) {
		char c = (char)('a' + i % 26);
		if (i % 9973 == 0)
			c = '"';
		else if (i % 7919 == 0)
			c = '\n';
		newlines += c == '\n';
		want[want_len++] = c;
		input[n++] = c;
		if (c == '"')
			input[n++] = '"';
	}
	input[n++] = '"';
	memcpy(input + n, "\nlast\n", 6);
	n += 6;
	assert_true(n <= cap);

	csv = open_mem(input, n, &fp);
	assert_int_equal(fr_csv_next(csv, NULL), 0);
	assert_int_equal(fr_csv_field_count(csv), 3);
	assert_string_equal(fr_csv_field(csv, 0, NULL), "s");
	f = fr_csv_field(csv, 1, &len);
	assert_int_equal(len, big);
	assert_int_equal(strspn(f, "x"), big);
	assert_string_equal(fr_csv_field(csv, 2, NULL), "end");

	assert_int_equal(fr_csv_next(csv, NULL), 0);
	assert_int_equal(fr_csv_line(csv), 2);
	assert_int_equal(fr_csv_field_count(csv), 1);
	f = fr_csv_field(csv, 0, &len);
	assert_int_equal(len, want_len);
	assert_memory_equal(f, want, want_len);
	assert_int_equal(f[len], '\0');

	/* Every '\n' inside the quoted field was a physical line. */
	assert_int_equal(fr_csv_next(csv, NULL), 0);
	assert_int_equal(fr_csv_line(csv), 3 + newlines);
	assert_string_equal(fr_csv_field(csv, 0, NULL), "last");
	assert_int_equal(fr_csv_next(csv, NULL), FR_ITEROVER);

	close_mem(csv, fp);
	free(want);
	free(input);
}

/* Slides a quoted field with a doubled quote and a CRLF inside, followed by a
 * CRLF record end, across the first 64 KiB block edge one byte at a time, so
 * each of its parts is split between two reads in some iteration. */
static void test_csv__quoted_field_across_block_edge(void **state)
{
	static const char tail[] = "\"ab\"\"cd\r\nef\",z\r\nlast\n";
	char *input = NULL;

	(void)state;
	input = malloc(BLOCK + sizeof(tail) + 32);
	assert_non_null(input);

	for (size_t filler = BLOCK - 24; filler <= BLOCK + 2; filler++) {
		size_t n = 0;
		size_t len = 0;
		const char *f = NULL;
		FILE *fp = NULL;
		fr_csv *csv = NULL;

		memset(input, 'p', filler);
		n = filler;
		input[n++] = '\n';
		memcpy(input + n, tail, sizeof(tail) - 1);
		n += sizeof(tail) - 1;

		csv = open_mem(input, n, &fp);
		assert_int_equal(fr_csv_next(csv, NULL), 0);
		fr_csv_field(csv, 0, &len);
		assert_int_equal(len, filler);

		assert_int_equal(fr_csv_next(csv, NULL), 0);
		assert_int_equal(fr_csv_line(csv), 2);
		assert_int_equal(fr_csv_field_count(csv), 2);
		f = fr_csv_field(csv, 0, &len);
		assert_int_equal(len, 9);
		assert_string_equal(f, "ab\"cd\r\nef");
		assert_string_equal(fr_csv_field(csv, 1, NULL), "z");

		assert_int_equal(fr_csv_next(csv, NULL), 0);
		assert_int_equal(fr_csv_line(csv), 4);
		assert_string_equal(fr_csv_field(csv, 0, NULL), "last");
		assert_int_equal(fr_csv_next(csv, NULL), FR_ITEROVER);
		close_mem(csv, fp);
	}
	free(input);
}

/* The plain-run scan looks at sixteen bytes at a time (eight without
 * SSE2); put each stop byte at every offset of two blocks, among bytes that
 * are easy to mistake for one (NUL, high bytes, and the neighbours of ','
 * '"' CR LF). */
static void test_csv__stop_byte_at_every_offset(void **state)
{
	static const char filler[] = "\0\xFF\x80+!\x0B\x0C#-\x22\xAC\xA2\x8D\x8A\x0Ex"
	                             "\x0E\x8A\x8D\xA2\xAC\x22-#\x0C\x0B!+\x80\xFF\0yz";
	char input[64] = "";
	const char *f = NULL;
	size_t len = 0;

	(void)state;
	for (size_t k = 0; k < 34; k++) {
		FILE *fp = NULL;
		fr_csv *csv = NULL;
		size_t n = 0;

		/* Unquoted: the comma and the line end. Skip the quote (0x22) here. */
		for (n = 0; n < k; n++)
			input[n] = filler[n] == '"' ? 'q' : filler[n];
		memcpy(input + k, ",y\r\nz", 6);
		csv = open_mem(input, k + 6, &fp);
		assert_int_equal(fr_csv_next(csv, NULL), 0);
		assert_int_equal(fr_csv_field_count(csv), 2);
		f = fr_csv_field(csv, 0, &len);
		assert_int_equal(len, k);
		assert_memory_equal(f, input, k);
		assert_string_equal(fr_csv_field(csv, 1, NULL), "y");
		assert_int_equal(fr_csv_next(csv, NULL), 0);
		assert_string_equal(fr_csv_field(csv, 0, NULL), "z");
		assert_int_equal(fr_csv_line(csv), 2);
		close_mem(csv, fp);

		/* Unquoted: a stray quote at offset k. */
		input[k] = '"';
		csv = open_mem(input, k + 1, &fp);
		assert_int_equal(fr_csv_next(csv, NULL), FR_EFORMAT);
		close_mem(csv, fp);

		/* Quoted: commas are data, the closing quote and line ends are not
		 * missed. */
		input[0] = '"';
		for (n = 1; n <= k; n++)
			input[n] = filler[n - 1] == '"' ? ',' : filler[n - 1];
		memcpy(input + k + 1, "\"\"\n\"\nw", 6);
		csv = open_mem(input, k + 7, &fp);
		assert_int_equal(fr_csv_next(csv, NULL), 0);
		f = fr_csv_field(csv, 0, &len);
		assert_int_equal(len, k + 2);
		assert_memory_equal(f, input + 1, k);
		assert_memory_equal(f + k, "\"\n", 3);
		assert_int_equal(fr_csv_next(csv, NULL), 0);
		assert_int_equal(fr_csv_line(csv), 3);
		assert_string_equal(fr_csv_field(csv, 0, NULL), "w");
		close_mem(csv, fp);
	}
}

/* ---- strict errors ------------------------------------------------------ */

typedef struct {
	const char *name;
	const char *input;
	size_t good_records; /* read fine before the error */
	const char *message;
	size_t line;
} csv_error_case;

static const csv_error_case csv_error_cases[] = {
	{ "quote_in_unquoted", "a,b\nc,d\"e\n", 1, "quote inside an unquoted field", 2 },
	{ "quote_ends_unquoted", "a\"\n", 0, "quote inside an unquoted field", 1 },
	{ "quote_after_blank_lines", "a\n\n\r\nb,\"c\"\nx\"\n", 2,
	  "quote inside an unquoted field", 5 },
	{ "quote_after_multiline_field", "\"1\n2\"\nab\"c\n", 1,
	  "quote inside an unquoted field", 3 },
	{ "after_closing_quote", "a\n\"x\"y,z\n", 1,
	  "unexpected character after closing quote", 2 },
	{ "space_after_closing_quote", "\"x\" ,z\n", 0,
	  "unexpected character after closing quote", 1 },
	{ "after_closing_quote_of_multiline_field", "a\n\"x\ny\nz\"w\n", 1,
	  "unexpected character after closing quote", 2 },
	/* The offending field starts on a later line than its record. */
	{ "quote_in_unquoted_after_multiline_field_same_record", "\"1\n2\",ab\"c\n", 0,
	  "quote inside an unquoted field", 2 },
	{ "after_closing_quote_in_second_line_of_record", "\"1\n2\",\"x\ny\"z\n", 0,
	  "unexpected character after closing quote", 2 },
	{ "unterminated_in_second_line_of_record", "a,\"b\r\nc\",\"d\n", 0,
	  "unterminated quoted field", 2 },
	{ "unterminated", "a\n\"x\n\ny", 1, "unterminated quoted field", 2 },
	{ "unterminated_lone_quote", "\"", 0, "unterminated quoted field", 1 },
	{ "unterminated_after_crlf_blank", "a,b\r\n\r\nc,\"d", 1,
	  "unterminated quoted field", 3 },
	{ "unterminated_doubled_quote_at_end", "\"ab\"\"", 0, "unterminated quoted field", 1 },
};

static void test_csv__errors(void **state)
{
	size_t k = 0;

	(void)state;
	for (k = 0; k < sizeof(csv_error_cases) / sizeof(csv_error_cases[0]); k++) {
		const csv_error_case *c = &csv_error_cases[k];
		fr_error err = FR_ERROR_INIT;
		fr_error again = FR_ERROR_INIT;
		FILE *fp = NULL;
		fr_csv *csv = open_mem(c->input, strlen(c->input), &fp);
		size_t r = 0;
		int rc = 0;

		for (r = 0; r < c->good_records; r++) {
			rc = fr_csv_next(csv, &err);
			if (rc != 0)
				fail_msg("%s: record %zu: rc %d (%s)", c->name, r, rc, err.message);
		}
		rc = fr_csv_next(csv, &err);
		if (rc != FR_EFORMAT)
			fail_msg("%s: rc %d, want FR_EFORMAT", c->name, rc);
		assert_int_equal(err.code, FR_EFORMAT);
		assert_string_equal(err.source, "<mem>");
		if (strcmp(err.message, c->message) != 0 || err.line != c->line)
			fail_msg("%s: line %zu \"%s\", want line %zu \"%s\"", c->name, err.line,
			         err.message, c->line, c->message);
		assert_int_equal(fr_csv_field_count(csv), 0);

		/* The reader refuses to go on, and says why each time. */
		assert_int_equal(fr_csv_next(csv, &again), FR_EFORMAT);
		assert_int_equal(again.code, FR_EFORMAT);
		assert_int_equal(again.line, c->line);
		assert_string_equal(again.message, c->message);
		assert_int_equal(fr_csv_next(csv, NULL), FR_EFORMAT);
		close_mem(csv, fp);
	}
}

/* fr_csv_skip_line: after a quote out of place, the rest of that line goes
 * and reading goes on; an unterminated quote cannot be skipped. */
typedef struct {
	const char *name;
	const char *input;
	size_t good_records; /* read fine before the error */
	int resumes;         /* fr_csv_skip_line returns 0 */
	const char *next;    /* first field of the next record; NULL for the end */
	size_t next_line;
} csv_skip_case;

static const csv_skip_case csv_skip_cases[] = {
	{ "quote_in_unquoted", "a,b\nc,d\"e,\"f\ng,h\n", 1, 1, "g", 3 },
	{ "after_closing_quote", "\"x\"y,z\r\nw\r\n", 0, 1, "w", 2 },
	{ "after_closing_quote_cr", "\"x\"y\rw", 0, 1, "w", 2 },
	{ "error_in_second_line_of_record", "\"1\n2\"x,y\nnext\n", 0, 1, "next", 3 },
	{ "error_on_last_line_without_end", "a\nb\"c", 1, 1, NULL, 0 },
	{ "blank_lines_after", "b\"c\n\n\nd\n", 0, 1, "d", 4 },
	{ "unterminated", "a\n\"x\ny\n", 1, 0, NULL, 0 },
};

static void test_csv__skip_line(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(csv_skip_cases) / sizeof(csv_skip_cases[0]); k++) {
		const csv_skip_case *c = &csv_skip_cases[k];
		fr_error err = FR_ERROR_INIT;
		FILE *fp = NULL;
		fr_csv *csv = open_mem(c->input, strlen(c->input), &fp);

		print_message("skip case %s\n", c->name);
		/* With no error there is nothing to skip. */
		assert_int_equal(fr_csv_skip_line(csv, NULL), 0);
		for (size_t r = 0; r < c->good_records; r++)
			assert_int_equal(fr_csv_next(csv, NULL), 0);
		assert_int_equal(fr_csv_next(csv, NULL), FR_EFORMAT);
		if (!c->resumes) {
			assert_int_equal(fr_csv_skip_line(csv, &err), FR_EFORMAT);
			assert_string_equal(err.message, "unterminated quoted field");
			assert_int_equal(fr_csv_next(csv, NULL), FR_EFORMAT);
			close_mem(csv, fp);
			continue;
		}
		assert_int_equal(fr_csv_skip_line(csv, &err), 0);
		assert_int_equal(err.code, 0);
		if (c->next == NULL) {
			assert_int_equal(fr_csv_next(csv, NULL), FR_ITEROVER);
		} else {
			assert_int_equal(fr_csv_next(csv, NULL), 0);
			assert_string_equal(fr_csv_field(csv, 0, NULL), c->next);
			assert_int_equal(fr_csv_line(csv), c->next_line);
			assert_int_equal(fr_csv_next(csv, NULL), FR_ITEROVER);
		}
		close_mem(csv, fp);
	}
}

static void test_csv__error_in_file_names_path(void **state)
{
	static const char input[] = "id,text\n1,\"ok\"\n2,\"bad\"x\n";
	char path[64] = "";
	char text[700] = "";
	fr_csv *csv = NULL;
	fr_error err = FR_ERROR_INIT;
	char want[700] = "";

	(void)state;
	write_temp(path, input, sizeof(input) - 1);
	assert_int_equal(fr_csv_open(&csv, path, &err), 0);
	assert_int_equal(fr_csv_next(csv, &err), 0);
	assert_int_equal(fr_csv_next(csv, &err), 0);
	assert_int_equal(fr_csv_next(csv, &err), FR_EFORMAT);
	snprintf(want, sizeof(want), "%s:3: unexpected character after closing quote", path);
	assert_string_equal(fr_error_format(&err, text, sizeof(text)), want);
	fr_csv_free(csv);
	unlink(path);
}

static void test_csv__read_error(void **state)
{
	char path[64] = "";
	FILE *fp = NULL;
	fr_csv *csv = NULL;
	fr_error err = FR_ERROR_INIT;

	(void)state;
	write_temp(path, "a,b\n", 4);
	/* A stream opened only for writing fails on the first fread. */
	fp = fopen(path, "ab");
	assert_non_null(fp);
	assert_int_equal(fr_csv_open_stream(&csv, fp, "w-only", &err), 0);
	assert_int_equal(fr_csv_next(csv, &err), FR_EIO);
	assert_int_equal(err.code, FR_EIO);
	assert_string_equal(err.source, "w-only");
	assert_true(strncmp(err.message, "read error: ", 12) == 0);
	assert_int_equal(fr_csv_next(csv, NULL), FR_EIO);
	fr_csv_free(csv);
	assert_int_equal(fclose(fp), 0);
	unlink(path);
}

static void test_csv__missing_file(void **state)
{
	const char *path = "/tmp/fr_test_csv_no_such_dir/missing.csv";
	fr_csv *csv = NULL;
	fr_error err = FR_ERROR_INIT;

	(void)state;
	assert_int_equal(fr_csv_open(&csv, path, &err), FR_ENOTFOUND);
	assert_null(csv);
	assert_int_equal(err.code, FR_ENOTFOUND);
	assert_string_equal(err.source, path);
	assert_string_equal(err.message, "cannot open: No such file or directory");
	assert_int_equal(fr_csv_open(&csv, path, NULL), FR_ENOTFOUND);
}

static void test_csv__directory(void **state)
{
	fr_csv *csv = NULL;
	fr_error err = FR_ERROR_INIT;

	(void)state;
	assert_int_equal(fr_csv_open(&csv, "/tmp", &err), FR_EIO);
	assert_null(csv);
	assert_int_equal(err.code, FR_EIO);
	assert_string_equal(err.source, "/tmp");
	assert_string_equal(err.message, "is a directory");
}

/* ---- writing ------------------------------------------------------------ */

typedef struct {
	const char *field;
	size_t len;
	const char *written;
	size_t written_len;
} csv_write_case;

#define W(field, written) { field, sizeof(field) - 1, written, sizeof(written) - 1 }

static const csv_write_case csv_write_cases[] = {
	W("plain", "plain"),
	W("", ""),
	W("mid dle", "mid dle"),
	W("a,b", "\"a,b\""),
	W("a\"b", "\"a\"\"b\""),
	W("\"", "\"\"\"\""),
	W("\"\"", "\"\"\"\"\"\""),
	W("x\ny", "\"x\ny\""),
	W("x\ry", "\"x\ry\""),
	W("x\r\ny", "\"x\r\ny\""),
	W(" lead", "\" lead\""),
	W("trail ", "\"trail \""),
	W(" ", "\" \""),
	W("a\0b", "a\0b"),
	W("a\0\"", "\"a\0\"\"\""),
};

static void test_csv__write_field_encoding(void **state)
{
	size_t k = 0;

	(void)state;
	for (k = 0; k < sizeof(csv_write_cases) / sizeof(csv_write_cases[0]); k++) {
		const csv_write_case *c = &csv_write_cases[k];
		char *out = NULL;
		size_t out_len = 0;
		FILE *fp = open_memstream(&out, &out_len);

		assert_non_null(fp);
		assert_int_equal(fr_csv_write_field(fp, c->field, c->len), 0);
		assert_int_equal(fclose(fp), 0);
		if (out_len != c->written_len || memcmp(out, c->written, out_len) != 0)
			fail_msg("case %zu: wrote \"%.*s\", want \"%s\"", k, (int)out_len, out,
			         c->written);
		free(out);
		/* Encoded in memory: the same bytes, within the room promised. */
		char *enc = malloc(2 * c->len + 2);
		assert_non_null(enc);
		size_t enc_len = fr_csv_encode_field(enc, c->field, c->len);
		assert_true(enc_len <= 2 * c->len + 2);
		if (enc_len != c->written_len || memcmp(enc, c->written, enc_len) != 0)
			fail_msg("case %zu: encoded \"%.*s\", want \"%s\"", k, (int)enc_len, enc,
			         c->written);
		free(enc);
	}
	/* An empty field may be given as NULL. */
	assert_int_equal(fr_csv_write_field(stdout, NULL, 0), 0);
}

static void test_csv__write_field_round_trip(void **state)
{
	/* Each record is every write case's field, in a rotating order so each
	 * one also lands first and last in some record. */
	const size_t nf = sizeof(csv_write_cases) / sizeof(csv_write_cases[0]);
	char *out = NULL;
	size_t out_len = 0;
	FILE *fp = open_memstream(&out, &out_len);
	FILE *in = NULL;
	fr_csv *csv = NULL;
	size_t r = 0;
	size_t i = 0;

	(void)state;
	assert_non_null(fp);
	for (r = 0; r < nf; r++) {
		for (i = 0; i < nf; i++) {
			const csv_write_case *c = &csv_write_cases[(r + i) % nf];
			if (i > 0)
				assert_int_not_equal(fputc(',', fp), EOF);
			assert_int_equal(fr_csv_write_field(fp, c->field, c->len), 0);
		}
		assert_int_not_equal(fputs(r % 2 ? "\r\n" : "\n", fp), EOF);
	}
	assert_int_equal(fclose(fp), 0);

	csv = open_mem(out, out_len, &in);
	for (r = 0; r < nf; r++) {
		assert_int_equal(fr_csv_next(csv, NULL), 0);
		assert_int_equal(fr_csv_field_count(csv), nf);
		for (i = 0; i < nf; i++) {
			const csv_write_case *c = &csv_write_cases[(r + i) % nf];
			size_t len = 0;
			const char *f = fr_csv_field(csv, i, &len);
			assert_int_equal(len, c->len);
			assert_memory_equal(f, c->field, c->len + 1);
		}
	}
	assert_int_equal(fr_csv_next(csv, NULL), FR_ITEROVER);
	close_mem(csv, in);
	free(out);
}

static void test_csv__write_field_io_error(void **state)
{
	char buf[16] = "";
	FILE *fp = fmemopen(buf, sizeof(buf), "r");

	(void)state;
	assert_non_null(fp);
	assert_int_equal(fr_csv_write_field(fp, "plain", 5), FR_EIO);
	assert_int_equal(fr_csv_write_field(fp, "a,b", 3), FR_EIO);
	assert_int_equal(fclose(fp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv__cases_from_stream),
		cmocka_unit_test(test_csv__cases_from_file),
		cmocka_unit_test(test_csv__nul_inside_field),
		cmocka_unit_test(test_csv__field_out_of_range),
		cmocka_unit_test(test_csv__long_field),
		cmocka_unit_test(test_csv__quoted_field_across_block_edge),
		cmocka_unit_test(test_csv__stop_byte_at_every_offset),
		cmocka_unit_test(test_csv__errors),
		cmocka_unit_test(test_csv__skip_line),
		cmocka_unit_test(test_csv__error_in_file_names_path),
		cmocka_unit_test(test_csv__read_error),
		cmocka_unit_test(test_csv__missing_file),
		cmocka_unit_test(test_csv__directory),
		cmocka_unit_test(test_csv__write_field_encoding),
		cmocka_unit_test(test_csv__write_field_round_trip),
		cmocka_unit_test(test_csv__write_field_io_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
