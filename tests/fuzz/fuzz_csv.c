/* Fuzz target: the streaming RFC 4180 reader (csv.h) over an in-memory
 * stream, a write-and-read-back round trip of every record it accepts, and
 * the `.csv` path of the corpus API (header, `text` and `id` columns,
 * records with the wrong number of fields). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "csv.h"
#include "fuzz_util.h"

/* Reads the whole input, checking what csv.h promises, and writes each
 * record back with fr_csv_write_field to out (after a first record "h", so
 * a field that starts with a byte order mark is not taken for one). */
static void read_and_write(const uint8_t *data, size_t size, FILE *out)
{
	FILE *fp = fmemopen((void *)data, size, "rb");
	FZ_CHECK(fp != NULL);
	fr_csv *csv = NULL;
	fr_error err = FR_ERROR_INIT;
	FZ_CHECK(fr_csv_open_stream(&csv, fp, "<fuzz>", &err) == 0);
	FZ_CHECK(fputs("h\n", out) >= 0);
	volatile unsigned sink = 0;
	size_t last_line = 0;
	int rc = 0;
	while ((rc = fr_csv_next(csv, &err)) == 0) {
		size_t nf = fr_csv_field_count(csv), len = 0;
		FZ_CHECK(nf > 0 && fr_csv_line(csv) >= last_line && fr_csv_line(csv) > 0);
		last_line = fr_csv_line(csv);
		FZ_CHECK(fr_csv_offset(csv) <= size);
		FZ_CHECK(fr_csv_field(csv, nf, &len) == NULL && len == 0);
		for (size_t i = 0; i < nf; i++) {
			const char *f = fr_csv_field(csv, i, &len);
			FZ_CHECK(f != NULL && f[len] == '\0');
			sink += fz_touch(f, len);
			if (i > 0)
				FZ_CHECK(fputc(',', out) != EOF);
			/* A lone empty field would read back as a blank line. */
			if (nf == 1 && len == 0)
				FZ_CHECK(fputs("\"\"", out) >= 0);
			else
				FZ_CHECK(fr_csv_write_field(out, f, len) == 0);
		}
		FZ_CHECK(fputc('\n', out) != EOF);
	}
	FZ_CHECK(rc == FR_ITEROVER || rc == FR_EFORMAT);
	FZ_CHECK(fr_csv_field_count(csv) == 0);
	/* After the end or an error, every later call says the same. */
	FZ_CHECK(fr_csv_next(csv, NULL) == rc);
	if (rc != FR_ITEROVER)
		FZ_CHECK(err.code == rc && err.line > 0);
	(void)sink;
	fr_csv_free(csv);
	fclose(fp);
}

/* Reads the input and what was written from it in step: the same records
 * with the same fields, byte for byte, up to the input's end or error. */
static void compare(const uint8_t *data, size_t size, const char *copy, size_t copy_len)
{
	FILE *fa = fmemopen((void *)data, size, "rb");
	FILE *fb = fmemopen((void *)copy, copy_len, "rb");
	FZ_CHECK(fa != NULL && fb != NULL);
	fr_csv *a = NULL, *b = NULL;
	FZ_CHECK(fr_csv_open_stream(&a, fa, "<input>", NULL) == 0);
	FZ_CHECK(fr_csv_open_stream(&b, fb, "<copy>", NULL) == 0);
	FZ_CHECK(fr_csv_next(b, NULL) == 0 && fr_csv_field_count(b) == 1);
	int rc = 0;
	while ((rc = fr_csv_next(a, NULL)) == 0) {
		FZ_CHECK(fr_csv_next(b, NULL) == 0);
		FZ_CHECK(fr_csv_field_count(a) == fr_csv_field_count(b));
		for (size_t i = 0; i < fr_csv_field_count(a); i++) {
			size_t la = 0, lb = 0;
			const char *x = fr_csv_field(a, i, &la);
			const char *y = fr_csv_field(b, i, &lb);
			FZ_CHECK(la == lb && memcmp(x, y, la) == 0);
		}
	}
	FZ_CHECK(fr_csv_next(b, NULL) == FR_ITEROVER);
	fr_csv_free(a);
	fr_csv_free(b);
	fclose(fa);
	fclose(fb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* glibc's fmemopen wants at least one byte of buffer. */
	static const uint8_t empty[1] = { 0 };
	const uint8_t *in = size > 0 ? data : empty;
	char *copy = NULL;
	size_t copy_len = 0;
	FILE *out = open_memstream(&copy, &copy_len);
	FZ_CHECK(out != NULL);
	read_and_write(in, size, out);
	FZ_CHECK(fclose(out) == 0);
	compare(in, size, copy, copy_len);
	free(copy);

	char path[FZ_PATH_MAX];
	fz_write(path, "batch.csv", data, size);
	fz_read_corpus(path, NULL, size);
	return 0;
}
