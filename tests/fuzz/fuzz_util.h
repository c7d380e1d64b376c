/* Helpers shared by the fuzz targets (tests/fuzz/README.md).
 *
 * The corpus reader and the model loader take paths, not buffers, so each
 * input is written to a file first. libFuzzer calls LLVMFuzzerTestOneInput
 * once per input in one process, so the folder is made once per process,
 * on first use, and removed at exit: a per-input mkdtemp would cost more
 * than the code under test. Header-only, static inline, so each target
 * builds cleanly under -Wall -Wextra -Werror. Needs _GNU_SOURCE (set for
 * all our targets) for mkdtemp and nftw. */
#ifndef FR_FUZZ_UTIL_H
#define FR_FUZZ_UTIL_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus.h"

/* A failed invariant: abort so libFuzzer keeps the input as a crash. */
#define FZ_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",       \
			        __FILE__, __LINE__, #cond);                    \
			abort();                                               \
		}                                                              \
	} while (0)

static char fz_dir_path[256];

static inline int fz_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fz_rm_dir(void)
{
	if (fz_dir_path[0] != '\0')
		nftw(fz_dir_path, fz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* This process's temporary folder; aborts when it cannot be made, since no
 * input could be tested then. */
static inline const char *fz_dir(void)
{
	if (fz_dir_path[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(fz_dir_path, sizeof(fz_dir_path), "%s/framer-fuzz-XXXXXX",
		         tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
		FZ_CHECK(mkdtemp(fz_dir_path) != NULL);
		atexit(fz_rm_dir);
	}
	return fz_dir_path;
}

/* Puts "<folder>/name" in buf (of FZ_PATH_MAX bytes). */
#define FZ_PATH_MAX 512
static inline void fz_path(char *buf, const char *name)
{
	int n = snprintf(buf, FZ_PATH_MAX, "%s/%s", fz_dir(), name);
	FZ_CHECK(n > 0 && n < FZ_PATH_MAX);
}

/* Writes len bytes to "<folder>/name", replacing it, and puts its path in
 * path_out (FZ_PATH_MAX bytes). Aborts on an I/O error: a full disk is not a
 * finding, but testing on a half-written file would be worse. */
static inline void fz_write(char *path_out, const char *name, const void *data, size_t len)
{
	fz_path(path_out, name);
	FILE *fp = fopen(path_out, "wb");
	FZ_CHECK(fp != NULL);
	FZ_CHECK(len == 0 || fwrite(data, 1, len, fp) == len);
	FZ_CHECK(fclose(fp) == 0);
}

/* Empties (or makes) the folder "<folder>/name", its path in path_out
 * (FZ_PATH_MAX bytes), so no file of an earlier input is left in it. */
static inline void fz_fresh_dir(char *path_out, const char *name)
{
	fz_path(path_out, name);
	nftw(path_out, fz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	FZ_CHECK(mkdir(path_out, 0700) == 0);
}

/* Reads every byte of a borrowed buffer, so ASan checks the whole of it. */
static inline unsigned fz_touch(const void *p, size_t len)
{
	const unsigned char *s = p;
	unsigned sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += s[i];
	return sum;
}

/* Reads every paragraph of one input file through the corpus reader, as
 * `framer classify` does: a bad record or file is reported and reading goes
 * on. Checks what the API promises: each call moves on (no input of n bytes
 * can give more than n + 1 paragraphs and problems together), paragraphs
 * are NUL-terminated at text_len, and progress never passes the total. */
static inline void fz_read_corpus(const char *path, const fr_boilerplate *rules, size_t size)
{
	const char *inputs[1] = { path };
	fr_corpus *c = NULL;
	fr_error err = FR_ERROR_INIT;
	volatile unsigned sink = 0;
	if (fr_corpus_open(&c, inputs, 1, rules, &err) < 0) {
		FZ_CHECK(c == NULL && err.code < 0);
		return;
	}
	size_t calls = 0;
	for (;;) {
		fr_paragraph p;
		fr_error_clear(&err);
		int rc = fr_corpus_next(&p, c, &err);
		if (rc == FR_ITEROVER)
			break;
		FZ_CHECK(++calls <= size + 1);
		if (rc < 0) {
			FZ_CHECK(err.code == rc && err.message[0] != '\0');
			continue;
		}
		FZ_CHECK(p.text != NULL && p.text[p.text_len] == '\0' && p.text_len > 0);
		FZ_CHECK(p.id != NULL && p.doc != NULL);
		sink += fz_touch(p.text, p.text_len) + fz_touch(p.id, strlen(p.id));
		unsigned long long done = 0, total = 0;
		const char *cur = NULL;
		fr_corpus_progress(c, &done, &total, &cur);
		FZ_CHECK(done <= total && cur != NULL);
	}
	/* Past the end it stays at the end. */
	fr_paragraph p;
	FZ_CHECK(fr_corpus_next(&p, c, &err) == FR_ITEROVER);
	const fr_corpus_stats *st = fr_corpus_get_stats(c);
	FZ_CHECK(st->files == 1 && st->paragraphs + st->bad_records + st->bad_files == calls);
	(void)sink;
	fr_corpus_free(c);
}

#endif
