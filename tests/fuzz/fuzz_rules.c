/* Fuzz target: the boilerplate rules reader (`--rules FILE`), then the
 * rules it accepts at work, on a fixed article and on the input's own lines. */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "corpus.h"
#include "fuzz_util.h"

/* An article whose blocks the shipped rules have a say on, so the reader
 * has boilerplate to drop, an `end` rule to meet and text to keep. */
static const char article[] =
	"Talks in Istanbul\n\n"
	"By Jane Roe\n\n"
	"Negotiators met on Tuesday and agreed to meet again next week.\n\n"
	"Share this:\n\n"
	"Related: other headlines\n";

/* The rule a block matches, if any, matches it as its kind says: returns
 * its index or -1. */
static int check_match(const fr_boilerplate *b, const char *text, size_t len)
{
	int ends = -1;
	int i = fr_boilerplate_match(b, text, len, &ends);
	FZ_CHECK(ends == 0 || ends == 1);
	if (i < 0) {
		FZ_CHECK(ends == 0);
		return i;
	}
	FZ_CHECK(len <= FR_BOILERPLATE_MAX_BYTES && (size_t)i < fr_boilerplate_rule_count(b));
	const char *rule = fr_boilerplate_rule(b, (size_t)i);
	FZ_CHECK(rule != NULL);
	FZ_CHECK(ends == (strncmp(rule, "end ", 4) == 0));
	const char *pattern = strchr(rule, ' ') + 1;
	if (strncmp(rule, "exact ", 6) == 0)
		FZ_CHECK(strlen(pattern) == len && strncasecmp(pattern, text, len) == 0);
	else if (strncmp(rule, "prefix ", 7) == 0) {
		size_t plen = strlen(pattern);
		FZ_CHECK(plen <= len && strncasecmp(pattern, text, plen) == 0);
		/* A prefix ending in an ASCII letter or digit ends a word there. */
		if (plen > 0 && plen < len && isalnum((unsigned char)pattern[plen - 1]))
			FZ_CHECK(!isalnum((unsigned char)text[plen]));
	}
	return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FZ_PATH_MAX], txt[FZ_PATH_MAX];
	fr_boilerplate *b = NULL;
	fr_error err = FR_ERROR_INIT;
	fz_write(path, "rules", data, size);
	if (fr_boilerplate_load(&b, path, &err) < 0) {
		/* Refused: no rules, and a reason naming the file. */
		FZ_CHECK(b == NULL && err.code < 0 && err.message[0] != '\0');
		FZ_CHECK(err.code == FR_ENOMEM || strcmp(err.source, path) == 0);
		return 0;
	}
	FZ_CHECK(b != NULL);
	size_t n = fr_boilerplate_rule_count(b);
	FZ_CHECK(n <= size / 2);
	for (size_t i = 0; i < n; i++) {
		const char *rule = fr_boilerplate_rule(b, i);
		FZ_CHECK(rule != NULL && strchr(rule, ' ') != NULL);
		FZ_CHECK(!strncmp(rule, "exact ", 6) || !strncmp(rule, "prefix ", 7) || !strncmp(rule, "regex ", 6) ||
		         !strncmp(rule, "end ", 4));
		/* An exact or prefix rule's pattern, as a block short enough to
		 * look at, is dropped: by that rule if by no earlier one. */
		const char *pattern = strchr(rule, ' ') + 1;
		int hit = check_match(b, pattern, strlen(pattern));
		if (rule[0] == 'e' && rule[1] == 'x' && strlen(pattern) <= FR_BOILERPLATE_MAX_BYTES)
			FZ_CHECK(hit >= 0 && (size_t)hit <= i);
		if (rule[0] == 'p' && strlen(pattern) <= FR_BOILERPLATE_MAX_BYTES)
			FZ_CHECK(hit >= 0 && (size_t)hit <= i);
	}
	FZ_CHECK(fr_boilerplate_rule(b, n) == NULL);
	/* Every line of the input as a block (NUL-terminated copies). */
	char line[FR_BOILERPLATE_MAX_BYTES + 2];
	for (size_t at = 0; at < size;) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = (nl ? (size_t)(nl - data) : size) - at;
		size_t keep = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
		memcpy(line, data + at, keep);
		line[keep] = '\0';
		check_match(b, line, strlen(line));
		at += len + 1;
	}
	fz_write(txt, "article.txt", article, sizeof(article) - 1);
	fz_read_corpus(txt, b, sizeof(article) - 1);
	fr_boilerplate_free(b);
	return 0;
}
