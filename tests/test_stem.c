/* Unit tests for the stem stage (pipeline/stem.h): Snowball stems and stop
 * words. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stem.h"
#include "tokenize.h"
#include "test_util.h"

#define DATA_DIR FR_TEST_FIXTURES "/../../data"
#define ENGLISH_STOPWORDS DATA_DIR "/stopwords/english.txt"

typedef struct {
	fr_stemmer *stemmer;
	fr_tokens tokens;
} fixture;

static int setup_english(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	fr_error err = FR_ERROR_INIT;
	if (f == NULL || fr_stemmer_new(&f->stemmer, "english", &err) != 0) {
		free(f);
		return -1;
	}
	fr_tokens_init(&f->tokens);
	*state = f;
	return 0;
}

static int setup_english_stops(void **state)
{
	fr_error err = FR_ERROR_INIT;
	if (setup_english(state) != 0)
		return -1;
	fixture *f = *state;
	return fr_stemmer_add_stopwords_file(f->stemmer, ENGLISH_STOPWORDS, &err) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	fixture *f = *state;
	fr_stemmer_free(f->stemmer);
	fr_tokens_dispose(&f->tokens);
	free(f);
	*state = NULL;
	return 0;
}

/* Tokenizes and stems text into f->tokens. */
static void run(fixture *f, const char *text)
{
	fr_error err = FR_ERROR_INIT;
	assert_int_equal(fr_tokenize(&f->tokens, text, strlen(text), &err), 0);
	assert_int_equal(fr_stemmer_apply(f->stemmer, &f->tokens, &err), 0);
	assert_int_equal(err.code, 0);
}

/* ---- stems -------------------------------------------------------------- */

/* Expected values are libstemmer's English (Porter2) output. */
static const struct {
	const char *word, *stem;
} english_stems[] = {
	{ "negotiations", "negoti" },
	{ "negotiate", "negoti" },
	{ "russia's", "russia" },
	{ "having", "have" },
	{ "running", "run" },
	{ "sanctions", "sanction" },
	{ "generously", "generous" },
	{ "invasion", "invas" },
	{ "invaded", "invad" },
	{ "states", "state" },
	{ "ceasefire", "ceasefir" },
	{ "talks", "talk" },
	{ "nato", "nato" },
	{ "", "" },
};

static void test_stem__english_words(void **state)
{
	fixture *f = *state;
	for (size_t i = 0; i < sizeof(english_stems) / sizeof(english_stems[0]); i++) {
		size_t len = 99;
		const char *w = english_stems[i].word;
		const char *st = fr_stemmer_stem_word(f->stemmer, w, strlen(w), &len);
		assert_non_null(st);
		assert_int_equal(len, strlen(english_stems[i].stem));
		assert_memory_equal(st, english_stems[i].stem, len);
	}
	assert_string_equal(fr_stemmer_language(f->stemmer), "english");
}

/* Through the tokenizer: folded surfaces, stemmed terms. */
static void test_stem__apply_fills_terms(void **state)
{
	static const struct {
		const char *surface, *term;
		uint8_t kind;
	} want[] = {
		{ "russia's", "russia", FR_TOKEN_WORD },
		{ "negotiations", "negoti", FR_TOKEN_WORD },
		{ "u.s.", "u.s.", FR_TOKEN_ABBREV },
		{ "<num>", "<num>", FR_TOKEN_NUMBER },
		{ "ceasefire", "ceasefir", FR_TOKEN_WORD },
	};
	fixture *f = *state;

	run(f, "Russia\xE2\x80\x99s negotiations, U.S. 2022: Cease-fire");
	assert_int_equal(f->tokens.count, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(fr_tokens_surface(&f->tokens, i), want[i].surface);
		assert_string_equal(fr_tokens_term(&f->tokens, i), want[i].term);
		assert_int_equal(f->tokens.items[i].term_len, strlen(want[i].term));
		assert_int_equal(f->tokens.items[i].kind, want[i].kind);
		assert_int_equal(f->tokens.items[i].stop, 0);
	}
	/* Applying again replaces the terms rather than appending. */
	size_t terms_len = f->tokens.terms_len;
	assert_int_equal(fr_stemmer_apply(f->stemmer, &f->tokens, NULL), 0);
	assert_int_equal(f->tokens.terms_len, terms_len);
	assert_string_equal(fr_tokens_term(&f->tokens, 1), "negoti");
}

/* Abbreviations and the number token keep their surface as the term, even
 * when the stemmer would change the letters. Tokens built by hand so the
 * surface is one the stemmer does change. */
static void test_stem__abbrev_and_number_not_stemmed(void **state)
{
	fixture *f = *state;
	fr_error err = FR_ERROR_INIT;

	assert_int_equal(fr_tokenize(&f->tokens, "negotiations negotiations negotiations", 38, &err), 0);
	assert_int_equal(f->tokens.count, 3);
	f->tokens.items[1].kind = FR_TOKEN_ABBREV;
	f->tokens.items[2].kind = FR_TOKEN_NUMBER;
	assert_int_equal(fr_stemmer_apply(f->stemmer, &f->tokens, &err), 0);
	assert_string_equal(fr_tokens_term(&f->tokens, 0), "negoti");
	assert_string_equal(fr_tokens_term(&f->tokens, 1), "negotiations");
	assert_string_equal(fr_tokens_term(&f->tokens, 2), "negotiations");
}

/* ---- language ----------------------------------------------------------- */

static void test_stem__unknown_language(void **state)
{
	static const char *const bad[] = {
		"klingon",
		"English ",
		"a-language-name-far-too-long-to-fit-in-the-sixty-four-byte-field-of-the-stemmer",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fr_error err = FR_ERROR_INIT;
		fr_stemmer *s = (fr_stemmer *)&err; /* must be reset to NULL */
		assert_int_equal(fr_stemmer_new(&s, bad[i], &err), FR_EINVALID);
		assert_null(s);
		assert_int_equal(err.code, FR_EINVALID);
		print_message("message: %s\n", err.message);
		/* The message names the language asked for (cut to fit). */
		assert_non_null(strstr(err.message, i == 2 ? "a-language-name" : bad[i]));
	}
	fr_stemmer *s = NULL;
	fr_error err = FR_ERROR_INIT;
	assert_int_equal(fr_stemmer_new(&s, NULL, &err), FR_EINVALID);
	assert_null(s);
}

static void test_stem__other_language(void **state)
{
	fr_stemmer *s = NULL;
	fr_error err = FR_ERROR_INIT;
	size_t len = 0;
	(void)state;

	assert_int_equal(fr_stemmer_new(&s, "german", &err), 0);
	assert_string_equal(fr_stemmer_language(s), "german");
	const char *st = fr_stemmer_stem_word(s, "verhandlungen", 13, &len);
	assert_non_null(st);
	assert_int_equal(len, 8);
	assert_memory_equal(st, "verhandl", 8);
	fr_stemmer_free(s);
	fr_stemmer_free(NULL);
}

/* ---- stop words --------------------------------------------------------- */

static const struct {
	const char *word;
	int stop;
} english_stop_cases[] = {
	{ "the", 1 },
	{ "The", 1 },
	{ "THE", 1 },
	{ "having", 1 },   /* stems to "have", which is listed */
	{ "Has", 1 },
	{ "being", 1 },    /* "be" */
	{ "not", 0 },      /* negations and opposition are kept on purpose */
	{ "no", 0 },
	{ "nor", 0 },
	{ "never", 0 },
	{ "against", 0 },
	{ "without", 0 },
	{ "should", 0 },
	{ "peace", 0 },
	{ "negotiations", 0 },
	{ "2022", 0 },
	{ "U.S.", 0 },
};

static void test_stem__english_stop_words(void **state)
{
	fixture *f = *state;
	for (size_t i = 0; i < sizeof(english_stop_cases) / sizeof(english_stop_cases[0]); i++) {
		print_message("stop case \"%s\"\n", english_stop_cases[i].word);
		run(f, english_stop_cases[i].word);
		assert_int_equal(f->tokens.count, 1);
		assert_int_equal(f->tokens.items[0].stop, english_stop_cases[i].stop);
	}
	/* In running text too. */
	run(f, "The talks are not having an effect");
	static const uint8_t want[] = { 1, 0, 1, 0, 1, 1, 0 };
	assert_int_equal(f->tokens.count, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(f->tokens.items[i].stop, want[i]);
}

/* The loaded list is sorted, unique, and holds stems. */
static void test_stem__stop_list_sorted_unique(void **state)
{
	fixture *f = *state;
	size_t n = fr_stemmer_stop_count(f->stemmer);

	assert_true(n > 50);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(fr_stemmer_stop_stem(f->stemmer, i - 1),
		                   fr_stemmer_stop_stem(f->stemmer, i)) < 0);
	assert_null(fr_stemmer_stop_stem(f->stemmer, n));
	/* "having" and "have" are one stem; comments add nothing. */
	int have = 0;
	for (size_t i = 0; i < n; i++) {
		const char *st = fr_stemmer_stop_stem(f->stemmer, i);
		assert_string_not_equal(st, "having");
		assert_string_not_equal(st, "not");
		assert_string_not_equal(st, "never");
		have += strcmp(st, "have") == 0;
	}
	assert_int_equal(have, 1);
}

static void test_stem__add_stop_stem(void **state)
{
	static const char *const added[] = { "war", "peac", "war", "arm", "zone", "arm", "b" };
	static const char *const want[] = { "arm", "b", "peac", "war", "zone" };
	fixture *f = *state;
	fr_error err = FR_ERROR_INIT;

	assert_int_equal(fr_stemmer_stop_count(f->stemmer), 0);
	for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++)
		assert_int_equal(fr_stemmer_add_stop_stem(f->stemmer, added[i], &err), 0);
	assert_int_equal(fr_stemmer_stop_count(f->stemmer), 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(fr_stemmer_stop_stem(f->stemmer, i), want[i]);
	/* Given as stems: "peace" stems to "peac", so it is stop now. */
	run(f, "peace war warzone");
	assert_int_equal(f->tokens.items[0].stop, 1);
	assert_int_equal(f->tokens.items[1].stop, 1);
	assert_int_equal(f->tokens.items[2].stop, 0);
}

static void write_temp(char path[64], const char *data)
{
	assert_int_equal(test_tmpfile(path, 64, "/tmp/fr_test_stem_", "", data, strlen(data)), 0);
}

/* File format: one word a line, '#' comments, blank lines, any case. */
static void test_stem__stop_file_format(void **state)
{
	static const char *const want[] = { "have", "the", "u.s." };
	fixture *f = *state;
	fr_error err = FR_ERROR_INIT;
	char path[64];

	write_temp(path, "# not never against\n\n  THE  \nHaving # peace\nU.S.\r\n#war");
	int rc = fr_stemmer_add_stopwords_file(f->stemmer, path, &err);
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(fr_stemmer_stop_count(f->stemmer), 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(fr_stemmer_stop_stem(f->stemmer, i), want[i]);
}

static void test_stem__missing_stop_file(void **state)
{
	fixture *f = *state;
	fr_error err = FR_ERROR_INIT;
	const char *path = DATA_DIR "/stopwords/no-such-language.txt";

	assert_int_equal(fr_stemmer_add_stopwords_file(f->stemmer, path, &err), FR_ENOTFOUND);
	assert_int_equal(err.code, FR_ENOTFOUND);
	assert_string_equal(err.source, path);
	assert_non_null(strstr(err.message, "cannot open stop words"));
	assert_int_equal(fr_stemmer_stop_count(f->stemmer), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_english, teardown)
#define TS(name) cmocka_unit_test_setup_teardown(name, setup_english_stops, teardown)
	const struct CMUnitTest tests[] = {
		T(test_stem__english_words),
		T(test_stem__apply_fills_terms),
		T(test_stem__abbrev_and_number_not_stemmed),
		cmocka_unit_test(test_stem__unknown_language),
		cmocka_unit_test(test_stem__other_language),
		TS(test_stem__english_stop_words),
		TS(test_stem__stop_list_sorted_unique),
		T(test_stem__add_stop_stem),
		T(test_stem__stop_file_format),
		T(test_stem__missing_stop_file),
	};
#undef T
#undef TS
	return cmocka_run_group_tests(tests, NULL, NULL);
}
