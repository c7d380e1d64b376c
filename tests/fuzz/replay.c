/* Replays fuzz inputs without libFuzzer: calls LLVMFuzzerTestOneInput on
 * every file of the folders (or files) given, in name order, so the normal
 * build's ctest runs each target's seeds and kept crash cases
 * (tests/fixtures/fuzz/<target>/). A crash or a failed invariant aborts,
 * which fails the test; the input being run is printed first to say which.
 * Exit 0 when every input ran, 1 when a folder could not be read or held
 * nothing. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		fprintf(stderr, "replay: %s: cannot open\n", path);
		return -1;
	}
	uint8_t *data = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			size_t cap2 = cap ? cap * 2 : 4096;
			uint8_t *p = realloc(data, cap2);
			if (p == NULL) {
				free(data);
				fclose(fp);
				fprintf(stderr, "replay: %s: out of memory\n", path);
				return -1;
			}
			data = p;
			cap = cap2;
		}
		size_t got = fread(data + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(data);
		fprintf(stderr, "replay: %s: read failed\n", path);
		return -1;
	}
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	/* A copy of exactly len bytes, so ASan catches a read past the end as
	 * libFuzzer would. */
	uint8_t *exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(data);
		return -1;
	}
	if (len > 0)
		memcpy(exact, data, len);
	free(data);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every regular file of dir, in name order; the count, or -1. */
static long run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "replay: %s: cannot read folder\n", dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	long rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			size_t cap2 = cap ? cap * 2 : 64;
			char **p = realloc(names, cap2 * sizeof(*p));
			if (p == NULL) {
				rc = -1;
				goto done;
			}
			names = p;
			cap = cap2;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = -1;
			goto done;
		}
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && rc >= 0; i++) {
		char path[4096];
		struct stat st;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path)) {
			rc = -1;
			break;
		}
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		rc = run_file(path) < 0 ? -1 : rc + 1;
	}
done:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FOLDER|FILE...\n", argv[0]);
		return 1;
	}
	long total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long n = 0;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			n = run_dir(argv[i]);
		else
			n = run_file(argv[i]) < 0 ? -1 : 1;
		if (n <= 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], n < 0 ? "failed" : "no inputs");
			return 1;
		}
		total += n;
	}
	fprintf(stderr, "replay: %ld inputs, no crash\n", total);
	return 0;
}
