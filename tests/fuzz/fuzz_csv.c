/* Fuzz target: the streaming RFC 4180 reader (csv.h) over an in-memory
 * stream, a write-and-read-back round trip of every record it accepts, and
 * the `.csv` path of the corpus API (header, `text` and `id` columns,
 * records with the wrong number of fields). The reader must give the same
 * records whether or not a 64 KiB block boundary falls inside them. */
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
			size_t vlen = 0;
			const char *v = fr_csv_value(csv, i, &vlen);
			const char *f = fr_csv_field(csv, i, &len);
			FZ_CHECK(f != NULL && f[len] == '\0');
			/* The value is the field's tail, at most a BOM and an apostrophe shorter. */
			FZ_CHECK(v != NULL && v >= f && v + vlen == f + len && len - vlen <= 4 && v[vlen] == '\0');
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

/* Reads a and b in step: the same records with the same fields, byte for
 * byte. With skip_b, b's first record (the "h" of read_and_write) is skipped
 * and b must end where a ends or fails; without, both must end alike. */
static void compare(const uint8_t *a_data, size_t a_len, const uint8_t *b_data, size_t b_len,
                    int skip_b)
{
	FILE *fa = fmemopen((void *)a_data, a_len, "rb");
	FILE *fb = fmemopen((void *)b_data, b_len, "rb");
	FZ_CHECK(fa != NULL && fb != NULL);
	fr_csv *a = NULL, *b = NULL;
	FZ_CHECK(fr_csv_open_stream(&a, fa, "<a>", NULL) == 0);
	FZ_CHECK(fr_csv_open_stream(&b, fb, "<b>", NULL) == 0);
	if (skip_b)
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
	FZ_CHECK(fr_csv_next(b, NULL) == (skip_b ? FR_ITEROVER : rc));
	fr_csv_free(a);
	fr_csv_free(b);
	fclose(fa);
	fclose(fb);
}

/* The reader's block size (csv.c reads 64 KiB at a time). */
#define CSV_BLOCK_BYTES ((size_t)64 * 1024)

/* Inputs of 64 KiB are too slow to fuzz, yet a record split between two
 * blocks (a CRLF, a doubled quote, a closing quote cut in two) is where a
 * block reader goes wrong. So the input is read again after blank lines,
 * which the reader skips, that put a block boundary at the offset its
 * first two bytes choose: the records must be the same. */
static void across_block_boundary(const uint8_t *data, size_t size)
{
	if (size < 3)
		return;
	size_t off = (((size_t)data[0] << 8) | data[1]) % (size - 1);
	data += 2;
	size -= 2;
	/* A byte order mark counts only at the very start of the input. */
	if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		return;
	size_t pad = CSV_BLOCK_BYTES - off;
	uint8_t *padded = malloc(pad + size);
	FZ_CHECK(padded != NULL);
	memset(padded, '\n', pad);
	memcpy(padded + pad, data, size);
	compare(data, size, padded, pad + size, 0);
	free(padded);
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
	compare(in, size, (const uint8_t *)copy, copy_len, 1);
	free(copy);
	across_block_boundary(data, size);

	char path[FZ_PATH_MAX];
	fz_write(path, "batch.csv", data, size);
	fz_read_corpus(path, NULL, size);
	return 0;
}
