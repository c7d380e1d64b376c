#include "stem.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

struct fr_stemmer {
	struct sb_stemmer *sb;
	char language[64];
	char **stops;      /* sorted, unique, owned */
	size_t n_stops, cap_stops;
	fr_tokens scratch; /* for tokenizing stop words */
};

int fr_stemmer_new(fr_stemmer **out, const char *language, fr_error *err)
{
	*out = NULL;
	fr_stemmer *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (language == NULL) {
		free(s);
		return fr_error_set(err, FR_EINVALID, NULL, 0, "no stemmer language given");
	}
	/* No Snowball name is that long: unknown, like any other name. */
	s->sb = strlen(language) < sizeof(s->language) ? sb_stemmer_new(language, "UTF_8") : NULL;
	if (s->sb == NULL) {
		free(s);
		return fr_error_set(err, FR_EINVALID, NULL, 0,
		                    "unknown stemmer language '%s'", language);
	}
	snprintf(s->language, sizeof(s->language), "%s", language);
	fr_tokens_init(&s->scratch);
	*out = s;
	return 0;
}

const char *fr_stemmer_language(const fr_stemmer *s)
{
	return s->language;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stop(const fr_stemmer *s, const char *term)
{
	const char *key = term;
	return s->n_stops > 0 &&
	       bsearch(&key, s->stops, s->n_stops, sizeof(char *), cmp_str) != NULL;
}

int fr_stemmer_add_stop_stem(fr_stemmer *s, const char *stem, fr_error *err)
{
	if (is_stop(s, stem))
		return 0;
	if (s->n_stops == s->cap_stops) {
		size_t cap2 = s->cap_stops ? s->cap_stops * 2 : 64;
		char **p = realloc(s->stops, cap2 * sizeof(*p));
		if (p == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		s->stops = p;
		s->cap_stops = cap2;
	}
	char *copy = strdup(stem);
	if (copy == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	/* Insertion keeps the array sorted; stop lists are a few hundred words. */
	size_t i = s->n_stops;
	while (i > 0 && strcmp(s->stops[i - 1], copy) > 0) {
		s->stops[i] = s->stops[i - 1];
		i--;
	}
	s->stops[i] = copy;
	s->n_stops++;
	return 0;
}

int fr_stemmer_is_stop(const fr_stemmer *s, const char *term)
{
	return is_stop(s, term);
}

size_t fr_stemmer_stop_count(const fr_stemmer *s)
{
	return s->n_stops;
}

const char *fr_stemmer_stop_stem(const fr_stemmer *s, size_t i)
{
	return i < s->n_stops ? s->stops[i] : NULL;
}

const char *fr_stemmer_stem_word(fr_stemmer *s, const char *word, size_t len, size_t *len_out)
{
	if (len > INT_MAX)
		return NULL;
	const sb_symbol *st = sb_stemmer_stem(s->sb, (const sb_symbol *)word, (int)len);
	if (st == NULL)
		return NULL;
	*len_out = (size_t)sb_stemmer_length(s->sb);
	return (const char *)st;
}

/* Stems token i, or keeps its surface for kinds the stemmer must not touch. */
static int stem_token(fr_stemmer *s, fr_tokens *t, size_t i, fr_error *err)
{
	const fr_token *tok = &t->items[i];
	const char *surface = fr_tokens_surface(t, i);
	const char *term = surface;
	size_t term_len = tok->len;
	if (tok->kind == FR_TOKEN_WORD) {
		term = fr_stemmer_stem_word(s, surface, tok->len, &term_len);
		if (term == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory in the stemmer");
	}
	if (fr_tokens__set_term(t, i, term, term_len) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

int fr_stemmer_apply(fr_stemmer *s, fr_tokens *tokens, fr_error *err)
{
	tokens->terms_len = 0;
	for (size_t i = 0; i < tokens->count; i++) {
		int rc = stem_token(s, tokens, i, err);
		if (rc < 0)
			return rc;
		tokens->items[i].stop = (uint8_t)is_stop(s, fr_tokens_term(tokens, i));
	}
	return 0;
}

int fr_stemmer_add_stopwords_file(fr_stemmer *s, const char *path, fr_error *err)
{
	int rc = 0;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return fr_error_set(err, errno == ENOENT ? FR_ENOTFOUND : FR_EIO, path, 0,
		                    "cannot open stop words: %s", strerror(errno));
	ssize_t n;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		char *hash = memchr(line, '#', (size_t)n);
		size_t len = hash ? (size_t)(hash - line) : (size_t)n;
		rc = fr_tokenize(&s->scratch, line, len, err);
		if (rc == 0)
			rc = fr_stemmer_apply(s, &s->scratch, err);
		for (size_t i = 0; rc == 0 && i < s->scratch.count; i++)
			rc = fr_stemmer_add_stop_stem(s, fr_tokens_term(&s->scratch, i), err);
		if (rc < 0)
			goto done;
	}
	if (ferror(fp))
		rc = fr_error_set(err, FR_EIO, path, lineno, "read failed: %s", strerror(errno));
done:
	free(line);
	fclose(fp);
	return rc;
}

void fr_stemmer_free(fr_stemmer *s)
{
	if (s == NULL)
		return;
	sb_stemmer_delete(s->sb);
	for (size_t i = 0; i < s->n_stops; i++)
		free(s->stops[i]);
	free(s->stops);
	fr_tokens_dispose(&s->scratch);
	free(s);
}
