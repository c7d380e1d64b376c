/* Small file-system helpers shared by the cmocka tests: temp folders and
 * files, recursive removal, whole-file reads and writes.
 *
 * Header-only; every helper is static inline so a test that uses only some
 * of them builds cleanly under -Wall -Wextra -Werror. None of them asserts:
 * each reports failure (-1 or NULL) and the caller asserts on the result.
 * Needs _GNU_SOURCE (set for all our targets) for mkdtemp, mkstemps, nftw. */
#ifndef FR_TEST_UTIL_H
#define FR_TEST_UTIL_H

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Puts "dir/name" in buf; 0, or -1 when it does not fit. */
static inline int test_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* Runs the shell command built from fmt and ap; its exit status, or -1
 * when it did not exit. When err_dir is not NULL its standard error goes to
 * err_dir/err for the test to read. */
static inline int test_vrun(const char *err_dir, const char *fmt, va_list ap)
{
	char cmd[4096], full[4400];
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	if (err_dir != NULL)
		snprintf(full, sizeof(full), "%s 2>%s/err", cmd, err_dir);
	else
		snprintf(full, sizeof(full), "%s", cmd);
	int st = system(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Makes a new empty folder "<prefix>XXXXXX" (mkdtemp), its path in buf; 0 or -1. */
static inline int test_tmpdir(char *buf, size_t size, const char *prefix)
{
	int n = snprintf(buf, size, "%sXXXXXX", prefix);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(buf) != NULL ? 0 : -1;
}

/* nftw callback for test_rmtree: removes one entry, children first. */
static inline int test_rmtree_entry(const char *path, const struct stat *st, int flag,
                                    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes dir and everything under it, never following symlinks; 0 or -1. */
static inline int test_rmtree(const char *dir)
{
	return nftw(dir, test_rmtree_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Writes len bytes of data to path, replacing it; 0, or -1 on any I/O error. */
static inline int test_write_file(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	int rc = fwrite(data, 1, len, fp) == len ? 0 : -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/* Writes the string text (without its NUL) to path; 0 or -1. */
static inline int test_write_text(const char *path, const char *text)
{
	return test_write_file(path, text, strlen(text));
}

/* Writes len bytes to a new file "<prefix>XXXXXX<suffix>" (mkstemps), its path
 * in buf; 0 or -1. The caller unlinks it. */
static inline int test_tmpfile(char *buf, size_t size, const char *prefix, const char *suffix,
                               const void *data, size_t len)
{
	int n = snprintf(buf, size, "%sXXXXXX%s", prefix, suffix);
	if (n < 0 || (size_t)n >= size)
		return -1;
	int fd = mkstemps(buf, (int)strlen(suffix));
	if (fd < 0)
		return -1;
	FILE *fp = fdopen(fd, "wb");
	if (fp == NULL) {
		close(fd);
		return -1;
	}
	int rc = fwrite(data, 1, len, fp) == len ? 0 : -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

/* A whole file as malloc'd NUL-terminated data, its length in *len_out if
 * not NULL; NULL when it cannot be opened or read. The caller frees it. */
static inline char *test_read_file(const char *path, size_t *len_out)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		len += fread(buf + len, 1, cap - len - 1, fp);
		if (len < cap - 1)
			break;
		char *bigger = realloc(buf, cap * 2);
		if (bigger == NULL) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	if (buf != NULL && ferror(fp)) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	if (buf == NULL)
		return NULL;
	buf[len] = '\0';
	if (len_out != NULL)
		*len_out = len;
	return buf;
}

#endif /* FR_TEST_UTIL_H */
