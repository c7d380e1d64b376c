/* Unit tests for the tokenize stage (pipeline/tokenize.h): UTF-8 text in,
 * NFKC case-folded word tokens out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenize.h"

#define MAX_TOKENS 8
#define MIB ((size_t)1 << 20)

/* A string literal and its length, NUL bytes inside included. */
#define LIT(s) s, sizeof(s) - 1

enum { W = FR_TOKEN_WORD, A = FR_TOKEN_ABBREV, N = FR_TOKEN_NUMBER };

typedef struct {
	const char *input;
	size_t len;
	const char *tokens[MAX_TOKENS + 1]; /* NULL ends the list */
	uint8_t kinds[MAX_TOKENS];
	size_t invalid_bytes;
} tok_case;

/* ---- helpers ------------------------------------------------------------ */

static int setup_tokens(void **state)
{
	fr_tokens *t = malloc(sizeof(*t));
	if (t == NULL)
		return -1;
	fr_tokens_init(t);
	*state = t;
	return 0;
}

static int teardown_tokens(void **state)
{
	fr_tokens_dispose(*state);
	free(*state);
	*state = NULL;
	return 0;
}

/* Every token is a NUL-terminated surface of len bytes inside text, and the
 * buffers stay within what was allocated. */
static void check_layout(const fr_tokens *t)
{
	assert_true(t->text_len <= t->text_cap);
	for (size_t i = 0; i < t->count; i++) {
		const fr_token *tok = &t->items[i];
		assert_true((size_t)tok->start + tok->len < t->text_len);
		assert_int_equal(strlen(fr_tokens_surface(t, i)), tok->len);
	}
}

/* Prints the input with bytes outside printable ASCII as \xNN. */
static void print_input(size_t c, const char *s, size_t len)
{
	char buf[256];
	size_t k = 0;
	for (size_t i = 0; i < len && k + 5 < sizeof(buf); i++) {
		unsigned char b = (unsigned char)s[i];
		if (b >= 0x20 && b < 0x7F)
			buf[k++] = (char)b;
		else
			k += (size_t)snprintf(buf + k, sizeof(buf) - k, "\\x%02X", b);
	}
	buf[k] = '\0';
	print_message("case %zu: \"%s\"\n", c, buf);
}

static void run_cases(fr_tokens *t, const tok_case *cases, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		const tok_case *tc = &cases[c];
		fr_error err = FR_ERROR_INIT;
		size_t want = 0;
		while (want < MAX_TOKENS && tc->tokens[want] != NULL)
			want++;
		print_input(c, tc->input, tc->len);
		assert_int_equal(fr_tokenize(t, tc->input, tc->len, &err), 0);
		assert_int_equal(err.code, 0);
		check_layout(t);
		if (t->count != want) {
			for (size_t i = 0; i < t->count; i++)
				print_message("  got [%zu] \"%s\"\n", i, fr_tokens_surface(t, i));
		}
		assert_int_equal(t->count, want);
		for (size_t i = 0; i < want; i++) {
			assert_string_equal(fr_tokens_surface(t, i), tc->tokens[i]);
			assert_int_equal(t->items[i].kind, tc->kinds[i]);
			assert_int_equal(t->items[i].stop, 0);
		}
		assert_int_equal(t->invalid_bytes, tc->invalid_bytes);
	}
}

#define RUN_CASES(t, cases) run_cases((t), (cases), sizeof(cases) / sizeof((cases)[0]))

/* ---- hyphens and dashes ------------------------------------------------- */

static const tok_case hyphen_cases[] = {
	{ LIT("Cease-fire"), { "ceasefire" }, { W }, 0 },
	{ LIT("cease-fire"), { "ceasefire" }, { W }, 0 },
	{ LIT("ceasefire"), { "ceasefire" }, { W }, 0 },
	{ LIT("CEASEFIRE"), { "ceasefire" }, { W }, 0 },
	{ LIT("cease\xE2\x80\x90" "fire"), { "ceasefire" }, { W }, 0 },        /* U+2010 hyphen */
	{ LIT("cease\xE2\x80\x91" "fire"), { "ceasefire" }, { W }, 0 },        /* U+2011 non-breaking */
	{ LIT("cease\xC2\xAD" "fire"), { "ceasefire" }, { W }, 0 },            /* U+00AD soft hyphen */
	{ LIT("cease\xE2\x81\xA0" "fire"), { "ceasefire" }, { W }, 0 },        /* U+2060 word joiner */
	/* U+FEFF: a byte order mark inside text joins nothing and splits nothing. */
	{ LIT("cease\xEF\xBB\xBF" "fire"), { "ceasefire" }, { W }, 0 },
	{ LIT("\xEF\xBB\xBFpeace \xEF\xBB\xBFtalks"), { "peace", "talks" }, { W, W }, 0 },
	{ LIT("Kremlin-backed forces"), { "kremlinbacked", "forces" }, { W, W }, 0 },
	{ LIT("peace\xE2\x80\x93talks"), { "peace", "talks" }, { W, W }, 0 }, /* en dash */
	{ LIT("peace\xE2\x80\x94talks"), { "peace", "talks" }, { W, W }, 0 }, /* em dash */
	{ LIT("peace \xE2\x80\x94 talks"), { "peace", "talks" }, { W, W }, 0 },
	{ LIT("-war- war-"), { "war", "war" }, { W, W }, 0 },
	{ LIT("cease--fire"), { "cease", "fire" }, { W, W }, 0 },
};

static void test_tokenize__hyphens_join_dashes_separate(void **state)
{
	RUN_CASES(*state, hyphen_cases);
}

/* ---- apostrophes and quotes --------------------------------------------- */

static const tok_case apostrophe_cases[] = {
	{ LIT("Russia's"), { "russia's" }, { W }, 0 },
	{ LIT("Russia\xE2\x80\x99s"), { "russia's" }, { W }, 0 },              /* U+2019 */
	{ LIT("Russia\xE2\x80\x98s"), { "russia's" }, { W }, 0 },              /* U+2018 */
	{ LIT("Russia\xCA\xBCs"), { "russia's" }, { W }, 0 },                  /* U+02BC */
	{ LIT("Russia\xEF\xBC\x87s"), { "russia's" }, { W }, 0 },              /* U+FF07 */
	{ LIT("\xE2\x80\x98legitimate\xE2\x80\x99"), { "legitimate" }, { W }, 0 },
	{ LIT("'legitimate'"), { "legitimate" }, { W }, 0 },
	{ LIT("\xE2\x80\x9Clegitimate\xE2\x80\x9D"), { "legitimate" }, { W }, 0 }, /* “ ” */
	{ LIT("the rebels' demands"), { "the", "rebels", "demands" }, { W, W, W }, 0 },
	{ LIT("don't"), { "don't" }, { W }, 0 },
	{ LIT("rock 'n' roll"), { "rock", "n", "roll" }, { W, W, W }, 0 },
	{ LIT("a''b"), { "a", "b" }, { W, W }, 0 },
	/* A letter with a combining mark is still a letter: NFD "Zoë's". */
	{ LIT("Zoe\xCC\x88's"), { "zo\xC3\xAB's" }, { W }, 0 },
};

static void test_tokenize__apostrophes_fold_to_straight(void **state)
{
	RUN_CASES(*state, apostrophe_cases);
}

/* ---- abbreviations ------------------------------------------------------ */

static const tok_case abbrev_cases[] = {
	{ LIT("U.S."), { "u.s." }, { A }, 0 },
	{ LIT("the U.S. said"), { "the", "u.s.", "said" }, { W, A, W }, 0 },
	{ LIT("U.S.-led"), { "u.s.", "led" }, { A, W }, 0 },
	{ LIT("at 9 a.m. today"), { "at", "<num>", "a.m.", "today" }, { W, N, A, W }, 0 },
	{ LIT("U.S.A."), { "u.s.a." }, { A }, 0 },
	{ LIT("plan B."), { "plan", "b" }, { W, W }, 0 },
	{ LIT("Mr. Putin"), { "mr", "putin" }, { W, W }, 0 },
	{ LIT("U.S"), { "u", "s" }, { W, W }, 0 },
	{ LIT("U. S."), { "u", "s" }, { W, W }, 0 },
	/* "U.S." is not "us". */
	{ LIT("US us U.S."), { "us", "us", "u.s." }, { W, W, A }, 0 },
};

static void test_tokenize__abbreviations(void **state)
{
	RUN_CASES(*state, abbrev_cases);
}

/* ---- numbers ------------------------------------------------------------ */

static const tok_case number_cases[] = {
	{ LIT("2022"), { "<num>" }, { N }, 0 },
	{ LIT("1,000"), { "<num>" }, { N }, 0 },
	{ LIT("3.5"), { "<num>" }, { N }, 0 },
	{ LIT("02/25/2022"), { "<num>" }, { N }, 0 },
	{ LIT("09:06"), { "<num>" }, { N }, 0 },
	{ LIT("7"), { "<num>" }, { N }, 0 },
	{ LIT("2022-23"), { "<num>" }, { N }, 0 },
	{ LIT("12-point plan"), { "<num>", "point", "plan" }, { N, W, W }, 0 },
	{ LIT("G7"), { "g7" }, { W }, 0 },
	{ LIT("1, 2 and 3."), { "<num>", "<num>", "and", "<num>" }, { N, N, W, N }, 0 },
	{ LIT("\xEF\xBC\x92\xEF\xBC\x90"), { "<num>" }, { N }, 0 },         /* full-width 20 */
};

static void test_tokenize__numbers(void **state)
{
	RUN_CASES(*state, number_cases);
}

/* ---- NFKC and case folding ---------------------------------------------- */

static const tok_case fold_cases[] = {
	{ LIT("\xEF\xAC\x81re"), { "fire" }, { W }, 0 },                      /* U+FB01 ligature */
	{ LIT("\xEF\xBC\xAE\xEF\xBC\xA1\xEF\xBC\xB4\xEF\xBC\xAF"), { "nato" }, { W }, 0 }, /* full-width */
	{ LIT("\xC3\x89TAT"), { "\xC3\xA9tat" }, { W }, 0 },                  /* ÉTAT, composed */
	{ LIT("E\xCC\x81TAT"), { "\xC3\xA9tat" }, { W }, 0 },                 /* decomposed É */
	{ LIT("STRASSE"), { "strasse" }, { W }, 0 },
	{ LIT("Stra\xC3\x9F" "e"), { "strasse" }, { W }, 0 },                /* ß -> ss */
	{ LIT("\xE2\x84\xAA"), { "k" }, { W }, 0 },                           /* U+212A Kelvin sign */
	{ LIT("\xE1\xBA\x9E"), { "ss" }, { W }, 0 },                          /* U+1E9E capital sharp s */
	{ LIT("\xC7\x85"), { "d\xC5\xBE" }, { W }, 0 },                      /* U+01C5 Dž -> dž */
	/* Marks in either order compose the same (canonical ordering):
	 * a + U+0301 (class 230) + U+0323 (class 220) -> U+1EA1 U+0301. */
	{ LIT("a\xCC\x81\xCC\xA3"), { "\xE1\xBA\xA1\xCC\x81" }, { W }, 0 },
	{ LIT("a\xCC\xA3\xCC\x81"), { "\xE1\xBA\xA1\xCC\x81" }, { W }, 0 },
	{ LIT("\xCE\xA3\xCE\x97\xCE\x9C\xCE\x91"), { "\xCF\x83\xCE\xB7\xCE\xBC\xCE\xB1" }, { W }, 0 }, /* ΣΗΜΑ */
};

static void test_tokenize__nfkc_and_case_folding(void **state)
{
	RUN_CASES(*state, fold_cases);
}

/* ---- invalid UTF-8 and NUL bytes ---------------------------------------- */

static const tok_case invalid_cases[] = {
	{ LIT("\xC0\xAF"), { NULL }, { 0 }, 2 },                      /* overlong '/' */
	{ LIT("\xE0\x80\xAF"), { NULL }, { 0 }, 3 },                  /* overlong, 3 bytes */
	{ LIT("\xF0\x80\x80\xAF"), { NULL }, { 0 }, 4 },              /* overlong, 4 bytes */
	{ LIT("\xED\xA0\x80"), { NULL }, { 0 }, 3 },                  /* surrogate U+D800 */
	{ LIT("abc\xE2\x82"), { "abc" }, { W }, 2 },                  /* truncated at the end */
	{ LIT("\x80" "abc"), { "abc" }, { W }, 1 },                   /* lone continuation */
	{ LIT("\xF5\xF6\xF7\xF8\xF9\xFA\xFB\xFC\xFD\xFE\xFF"), { NULL }, { 0 }, 11 },
	{ LIT("\xF4\x90\x80\x80"), { NULL }, { 0 }, 4 },              /* over U+10FFFF */
	{ LIT("peace\xFFtalks"), { "peace", "talks" }, { W, W }, 1 },
	{ LIT("peace\xE2\x82talks"), { "peace", "talks" }, { W, W }, 2 },
	{ LIT("cease-\xFF" "fire"), { "cease", "fire" }, { W, W }, 1 },
	{ LIT("Russia'\xFFs"), { "russia", "s" }, { W, W }, 1 },
	{ LIT("2022\xC0"), { "<num>" }, { N }, 1 },
	{ LIT("\xEF\xBF\xBD"), { NULL }, { 0 }, 0 },                  /* a real U+FFFD is valid */
	{ LIT("peace\0talks"), { "peace", "talks" }, { W, W }, 0 },
	{ LIT("\0\0war\0"), { "war" }, { W }, 0 },
	{ LIT("cease-\0fire"), { "cease", "fire" }, { W, W }, 0 },
	{ LIT(""), { NULL }, { 0 }, 0 },
	{ LIT(" \t\n,;!?"), { NULL }, { 0 }, 0 },
};

static void test_tokenize__invalid_utf8_and_nul(void **state)
{
	RUN_CASES(*state, invalid_cases);
}

/* fr_text_problem: what the readers refuse, where, and why. */
typedef struct {
	const char *input;
	size_t len;
	const char *problem; /* a piece of the answer; NULL for text */
	size_t at;
} problem_case;

static const problem_case problem_cases[] = {
	{ LIT(""), NULL, 0 },
	{ LIT("plain ASCII text, long enough for the eight-byte steps"), NULL, 0 },
	{ LIT("caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D \xF0\x9F\x98\x80 \xEF\xBB\xBF \xEF\xBF\xBD"), NULL, 0 },
	{ LIT("\xF4\x8F\xBF\xBF"), NULL, 0 },                               /* U+10FFFF */
	{ LIT("0123456789abcde\0"), "NUL byte", 15 },                       /* NUL after two words */
	{ LIT("ab\0cdefghijkl"), "NUL byte", 2 },                           /* NUL inside a word */
	{ LIT("x\xC0\xAF"), "overlong", 1 },
	{ LIT("xyzxyzxyz\xE0\x80\xAF"), "overlong", 9 },
	{ LIT("\xF0\x80\x80\xAF"), "overlong", 0 },
	{ LIT("ab\xED\xA0\x80"), "surrogate", 2 },
	{ LIT("ab\xED\xBF\xBF"), "surrogate", 2 },
	{ LIT("abc\xE2\x82"), "truncated", 3 },
	{ LIT("abc\xE2\x82z"), "truncated", 3 },
	{ LIT("\xC3"), "truncated", 0 },
	{ LIT("a\x80"), "continuation", 1 },
	{ LIT("a\xFF"), "never occurs", 1 },
	{ LIT("\xF4\x90\x80\x80"), "past U+10FFFF", 0 },
	{ LIT("ok \xC3\xA9 then \xC0\xAF and \0"), "overlong", 11 },    /* the first one counts */
};

static void test_tokenize__text_problem(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(problem_cases) / sizeof(problem_cases[0]); i++) {
		const problem_case *c = &problem_cases[i];
		size_t at = 12345;
		print_message("problem case %zu\n", i);
		const char *why = fr_text_problem(c->input, c->len, &at);
		if (c->problem == NULL) {
			assert_null(why);
			assert_int_equal(at, 12345);
		} else {
			assert_non_null(why);
			assert_non_null(strstr(why, c->problem));
			assert_int_equal(at, c->at);
		}
	}
}

/* The same cases after 0..40 bytes of ASCII, so that the bad byte falls at
 * every place of the wide steps and of what follows them. */
static void test_tokenize__text_problem_after_padding(void **state)
{
	char buf[128];
	(void)state;
	for (size_t i = 0; i < sizeof(problem_cases) / sizeof(problem_cases[0]); i++) {
		const problem_case *c = &problem_cases[i];
		for (size_t pad = 0; pad <= 40; pad++) {
			size_t at = 12345;
			assert_true(pad + c->len <= sizeof(buf));
			memset(buf, 'p', pad);
			memcpy(buf + pad, c->input, c->len);
			const char *why = fr_text_problem(buf, pad + c->len, &at);
			if (c->problem == NULL) {
				assert_null(why);
			} else {
				assert_non_null(why);
				assert_non_null(strstr(why, c->problem));
				assert_int_equal(at, pad + c->at);
			}
		}
	}
}

/* ---- buffers ------------------------------------------------------------ */

/* "<num>" takes 6 bytes with its NUL, more than the 4 bytes a code point may
 * take plus the NUL, so a one-digit number must still reserve room for it.
 * "ab" and 124 "a" fill 251 of the first 256 bytes of the text buffer:
 * "<num>" ends exactly past that. */
static void test_tokenize__one_digit_number_at_buffer_end(void **state)
{
	fr_tokens *t = *state;
	fr_error err = FR_ERROR_INIT;
	char text[512];
	size_t len = 0;

	len += (size_t)snprintf(text + len, sizeof(text) - len, "ab");
	for (int i = 0; i < 124; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, " a");
	len += (size_t)snprintf(text + len, sizeof(text) - len, " 7");
	assert_int_equal(fr_tokenize(t, text, len, &err), 0);
	assert_int_equal(t->count, 126);
	check_layout(t);
	assert_string_equal(fr_tokens_surface(t, 125), "<num>");
	assert_int_equal(t->items[125].kind, FR_TOKEN_NUMBER);
}

/* 1 MiB of words in one paragraph. */
static void test_tokenize__long_text(void **state)
{
	static const char *const words[] = { "peace", "talks", "Cease-fire", "2022", "U.S." };
	static const char *const folded[] = { "peace", "talks", "ceasefire", "<num>", "u.s." };
	fr_tokens *t = *state;
	fr_error err = FR_ERROR_INIT;
	char *text = malloc(MIB + 32);
	size_t len = 0, n = 0;

	assert_non_null(text);
	while (len < MIB) {
		size_t wl = strlen(words[n % 5]);
		memcpy(text + len, words[n % 5], wl);
		text[len + wl] = ' ';
		len += wl + 1;
		n++;
	}
	assert_int_equal(fr_tokenize(t, text, len, &err), 0);
	assert_int_equal(t->count, n);
	check_layout(t);
	for (size_t i = 0; i < n; i += 997)
		assert_string_equal(fr_tokens_surface(t, i), folded[i % 5]);
	assert_string_equal(fr_tokens_surface(t, n - 1), folded[(n - 1) % 5]);
	free(text);
}

/* One fr_tokens for many paragraphs: each call replaces what it held. */
static void test_tokenize__reuse_resets_counts(void **state)
{
	fr_tokens *t = *state;
	fr_error err = FR_ERROR_INIT;
	char text[64];

	for (int i = 0; i < 2000; i++) {
		int n = snprintf(text, sizeof(text), "Round %d of the talks\xFF", i);
		assert_int_equal(fr_tokenize(t, text, (size_t)n, &err), 0);
		assert_int_equal(t->count, 5);
		assert_int_equal(t->invalid_bytes, 1);
		assert_string_equal(fr_tokens_surface(t, 0), "round");
		assert_string_equal(fr_tokens_surface(t, 4), "talks");
		assert_int_equal(t->terms_len, 0);
	}
	assert_int_equal(fr_tokenize(t, "", 0, &err), 0);
	assert_int_equal(t->count, 0);
	assert_int_equal(t->invalid_bytes, 0);
	assert_int_equal(t->text_len, 0);

	/* Disposing leaves it zeroed and usable again. */
	fr_tokens_dispose(t);
	assert_null(t->text);
	assert_int_equal(t->count, 0);
	assert_int_equal(fr_tokenize(t, "war", 3, &err), 0);
	assert_int_equal(t->count, 1);
	fr_tokens_dispose(NULL);
}

/* Terms appended by the stemmer live beside the surfaces. */
static void test_tokenize__set_term(void **state)
{
	fr_tokens *t = *state;
	fr_error err = FR_ERROR_INIT;

	assert_int_equal(fr_tokenize(t, "negotiations failed", 19, &err), 0);
	assert_int_equal(fr_tokens__set_term(t, 0, "negoti", 6), 0);
	assert_int_equal(fr_tokens__set_term(t, 1, "fail", 4), 0);
	assert_string_equal(fr_tokens_term(t, 0), "negoti");
	assert_int_equal(t->items[0].term_len, 6);
	assert_string_equal(fr_tokens_term(t, 1), "fail");
	assert_string_equal(fr_tokens_surface(t, 0), "negotiations");
}

/* ---- fr_utf8_decode ----------------------------------------------------- */

typedef struct {
	const char *bytes;
	size_t n;        /* bytes available */
	size_t expect;   /* length, 0 when invalid */
	int32_t cp;
} utf8_case;

static const utf8_case utf8_cases[] = {
	{ LIT("A"), 1, 0x41 },
	{ LIT("\0"), 1, 0 },
	{ LIT("\x7F"), 1, 0x7F },
	{ LIT("\xC2\x80"), 2, 0x80 },
	{ LIT("\xC3\xA9"), 2, 0xE9 },
	{ LIT("\xDF\xBF"), 2, 0x7FF },
	{ LIT("\xE0\xA0\x80"), 3, 0x800 },
	{ LIT("\xE2\x82\xAC"), 3, 0x20AC },
	{ LIT("\xED\x9F\xBF"), 3, 0xD7FF },
	{ LIT("\xEE\x80\x80"), 3, 0xE000 },
	{ LIT("\xEF\xBF\xBF"), 3, 0xFFFF },
	{ LIT("\xF0\x90\x80\x80"), 4, 0x10000 },
	{ LIT("\xF0\x9D\x84\x9E"), 4, 0x1D11E },
	{ LIT("\xF4\x8F\xBF\xBF"), 4, 0x10FFFF },
	{ LIT("\xC3\xA9xyz"), 2, 0xE9 },             /* reads only its own bytes */
	/* invalid */
	{ LIT("\x80"), 0, 0 },                       /* lone continuation */
	{ LIT("\xBF"), 0, 0 },
	{ LIT("\xC0\xAF"), 0, 0 },                   /* overlong */
	{ LIT("\xC1\xBF"), 0, 0 },
	{ LIT("\xE0\x80\xAF"), 0, 0 },
	{ LIT("\xE0\x9F\xBF"), 0, 0 },
	{ LIT("\xF0\x80\x80\xAF"), 0, 0 },
	{ LIT("\xF0\x8F\xBF\xBF"), 0, 0 },
	{ LIT("\xED\xA0\x80"), 0, 0 },               /* surrogates */
	{ LIT("\xED\xBF\xBF"), 0, 0 },
	{ LIT("\xF4\x90\x80\x80"), 0, 0 },           /* over U+10FFFF */
	{ LIT("\xF5\x80\x80\x80"), 0, 0 },           /* F5..FF never lead */
	{ LIT("\xF8\x88\x80\x80\x80"), 0, 0 },
	{ LIT("\xFE"), 0, 0 },
	{ LIT("\xFF"), 0, 0 },
	{ LIT("\xC3"), 0, 0 },                       /* truncated */
	{ LIT("\xE2\x82"), 0, 0 },
	{ LIT("\xF0\x9D\x84"), 0, 0 },
	{ LIT("\xC3\x41"), 0, 0 },                   /* bad continuation */
	{ LIT("\xE2\x28\xA1"), 0, 0 },
	{ LIT("\xE2\x82\x28"), 0, 0 },
	{ LIT("\xF0\x9D\x84\xC0"), 0, 0 },
};

static void test_tokenize__utf8_decode_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const utf8_case *c = &utf8_cases[i];
		int32_t cp = -7;
		print_message("utf8 case %zu\n", i);
		size_t got = fr_utf8_decode((const uint8_t *)c->bytes, c->n, &cp);
		assert_int_equal(got, c->expect);
		if (c->expect)
			assert_int_equal(cp, c->cp);
	}
}

/* A valid sequence cut short by n is invalid, whatever follows in memory. */
static void test_tokenize__utf8_decode_respects_n(void **state)
{
	static const char euro[] = "\xE2\x82\xAC";
	int32_t cp = 0;
	(void)state;

	assert_int_equal(fr_utf8_decode((const uint8_t *)euro, 3, &cp), 3);
	assert_int_equal(fr_utf8_decode((const uint8_t *)euro, 2, &cp), 0);
	assert_int_equal(fr_utf8_decode((const uint8_t *)euro, 1, &cp), 0);
}

/* The ASCII fast path classes sixteen bytes at a time: a word of every
 * length from 1 to 40, starting at every offset from 0 to 20 (so across
 * window edges and into the copied last window), then each way a word can
 * end (joined or not), must give what the rules say, and exactly-sized
 * heap copies let AddressSanitizer catch a read past the text. */
/* fr_trim_blank takes blank characters (ASCII and Unicode spaces, CR, LF)
 * off both ends and nothing else: not a letter whose last bytes look like
 * a space's, not the blanks inside. */
static void test_tokenize__trim_blank(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "", "" },
		{ " \t\r\n", "" },
		{ "\xc2\xa0\xe3\x80\x80", "" },
		{ " neutral ", "neutral" },
		{ "\xe2\x80\xaf" "a b" "\xc2\xa0\r\n", "a b" },
		{ "x", "x" },
		{ "caf\xc3\xa9 ", "caf\xc3\xa9" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" }, /* an emoji: its tail is no space */
		{ "a\xe2\x80\x8b", "a" },                     /* U+200B at the end */
		{ "\xe2\x82\xac", "\xe2\x82\xac" },             /* the euro sign: E2 as a space's lead */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *s = rows[i].in;
		size_t len = strlen(s);
		fr_trim_blank(&s, &len);
		assert_int_equal(len, strlen(rows[i].out));
		assert_memory_equal(s, rows[i].out, len);
	}
}

/* fr_word_goes_on says what fr_tokenize does: a word "ab" followed by the
 * row's bytes is a token of its own exactly when no word goes on there. */
static void test_tokenize__word_goes_on(void **state)
{
	fr_tokens *t = *state;
	static const struct {
		const char *after;
		int goes_on;
	} rows[] = {
		{ "", 0 },
		{ " x", 0 },
		{ ": x", 0 },
		{ ":x", 0 },
		{ "\xE2\x80\x94x", 0 },   /* an em dash separates */
		{ "-", 0 },
		{ "- x", 0 },
		{ "-7", 0 },               /* a hyphen joins a letter only */
		{ "'", 0 },
		{ "\xFF" "x", 0 },          /* invalid UTF-8 */
		{ "x", 1 },
		{ "7", 1 },
		{ "\xC3\xA9", 1 },
		{ "\xCC\x81", 1 },         /* a combining mark */
		{ "-x", 1 },
		{ "\xE2\x80\x90x", 1 },   /* U+2010 hyphen */
		{ "'s", 1 },
		{ "\xE2\x80\x99s", 1 },   /* a curly apostrophe */
		{ "\xC2\xAD" "x", 1 },     /* a soft hyphen */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char text[32];
		int n = snprintf(text, sizeof(text), "ab%s", rows[i].after);
		print_message("row: ab%s\n", rows[i].after);
		assert_int_equal(fr_word_goes_on(rows[i].after, strlen(rows[i].after)), rows[i].goes_on);
		assert_int_equal(fr_tokenize(t, text, (size_t)n, NULL), 0);
		assert_true(t->count > 0);
		assert_int_equal(strcmp(fr_tokens_surface(t, 0), "ab") != 0, rows[i].goes_on);
	}
}

/* fr_has_word says whether fr_tokenize makes any token of a text. */
static void test_tokenize__has_word(void **state)
{
	fr_tokens *t = *state;
	static const struct {
		const char *text;
		int has;
	} rows[] = {
		{ "", 0 },
		{ "* * *", 0 },
		{ "###", 0 },
		{ "---", 0 },
		{ "\xE2\x80\x94 \xE2\x80\x94", 0 },     /* em dashes */
		{ "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2", 0 }, /* bullets */
		{ "\xE2\x80\xA6", 0 },                  /* an ellipsis */
		{ "\xF0\x9F\x87\xBA\xF0\x9F\x87\xA6", 0 }, /* a flag */
		{ "\xCC\x81", 0 },                       /* a combining mark alone */
		{ "\xC2\xB2", 0 },                       /* a superscript two */
		{ "\xFF\xFE", 0 },                       /* invalid UTF-8 */
		{ "x", 1 },
		{ "* 2 *", 1 },
		{ "---a", 1 },
		{ "\xC3\x84", 1 },                       /* A with diaeresis */
		{ "\xE4\xB8\xAD", 1 },                   /* a CJK letter */
		{ "\xD9\xA3", 1 },                       /* an Arabic-Indic digit */
		{ "\xEF\xBC\xA1", 1 },                   /* a full-width A */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		size_t len = strlen(rows[i].text);
		print_message("row %zu\n", i);
		assert_int_equal(fr_has_word(rows[i].text, len), rows[i].has);
		assert_int_equal(fr_tokenize(t, rows[i].text, len, NULL), 0);
		assert_int_equal(t->count > 0, rows[i].has);
	}
}

static void test_tokenize__words_across_window_edges(void **state)
{
	static const struct {
		const char *after;      /* bytes after the word */
		const char *suffix;     /* what the token gets of them */
		const char *next;       /* the token after it, or NULL */
		size_t invalid;
	} ends[] = {
		{ "", "", NULL, 0 },
		{ " ", "", NULL, 0 },
		{ ", zz", "", "zz", 0 },
		{ "-yo", "yo", NULL, 0 },            /* a hyphen between letters joins */
		{ "- yo", "", "yo", 0 },
		{ "'s", "'s", NULL, 0 },
		{ "\xE2\x80\x99s rest", "'s", "rest", 0 },
		{ "\xC3\xA9", "\xC3\xA9", NULL, 0 }, /* a non-ASCII letter goes on the word */
		{ "\xFF" "ab", "", "ab", 1 },       /* an invalid byte separates */
		{ "7", "7", NULL, 0 },
		{ ".", "", NULL, 0 },
	};
	fr_tokens *t = *state;
	fr_error err = FR_ERROR_INIT;
	char word[41], expect[64];
	for (size_t wl = 1; wl <= 40; wl++) {
		for (size_t i = 0; i < wl; i++)
			word[i] = (char)((i % 2 ? 'A' : 'a') + (char)(i % 26));
		word[wl] = '\0';
		for (size_t lead = 0; lead <= 20; lead++) {
			for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
				size_t al = strlen(ends[e].after), len = lead + wl + al;
				char *text = malloc(len ? len : 1);
				assert_non_null(text);
				memset(text, lead % 3 == 0 ? ' ' : ';', lead);
				memcpy(text + lead, word, wl);
				memcpy(text + lead + wl, ends[e].after, al);
				assert_int_equal(fr_tokenize(t, text, len, &err), 0);
				free(text);

				size_t k = 0;
				for (size_t i = 0; i < wl; i++)
					expect[k++] = (char)(word[i] >= 'A' && word[i] <= 'Z' ? word[i] + 32 : word[i]);
				snprintf(expect + k, sizeof(expect) - k, "%s", ends[e].suffix);
				if (t->count != (ends[e].next ? 2u : 1u) || strcmp(fr_tokens_surface(t, 0), expect) != 0)
					fail_msg("word length %zu, lead %zu, end %zu: %zu tokens, first \"%s\"",
					         wl, lead, e, t->count, t->count ? fr_tokens_surface(t, 0) : "");
				assert_int_equal(t->items[0].kind, FR_TOKEN_WORD);
				if (ends[e].next)
					assert_string_equal(fr_tokens_surface(t, 1), ends[e].next);
				assert_int_equal(t->invalid_bytes, ends[e].invalid);
				check_layout(t);
			}
		}
	}
}

/* fr_utf8_repair replaces each byte that is not UTF-8 by U+FFFD, as
 * labels.jsonl does, and keeps the rest (control characters too: the
 * outputs escape those). */
static void test_tokenize__utf8_repair(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "", "" },
		{ "plain.txt", "plain.txt" },
		{ "caf\xc3\xa9.txt", "caf\xc3\xa9.txt" },
		{ "bad\xff.txt", "bad\xef\xbf\xbd.txt" },
		{ "\xfe\xff", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd" },         /* an overlong '/' */
		{ "cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd" },           /* a truncated euro sign */
		{ "sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* a surrogate */
		{ "new\nline\x1b", "new\nline\x1b" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *out = fr_utf8_repair(rows[i].in);
		assert_non_null(out);
		assert_string_equal(out, rows[i].out);
		assert_null(fr_text_problem(out, strlen(out), &(size_t){ 0 }));
		free(out);
	}
}

/* fr_utf8_fit (and fr_utf8_fit_str, for a C string) cut at most max
 * bytes, never inside a whole character, and cut a stray byte like any
 * other. */
static void test_tokenize__utf8_fit(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t max, want;
	} rows[] = {
		{ "short", 10, 5 },
		{ "exactly", 7, 7 },
		{ "abcdef", 3, 3 },
		{ "ab\xe2\x82\xac", 3, 2 },     /* inside the euro sign: back to its start */
		{ "ab\xe2\x82\xac", 4, 2 },
		{ "ab\xe2\x82\xacz", 5, 5 },    /* right after it */
		{ "a\xf0\x9f\x98\x80" "b", 4, 1 }, /* inside a 4-byte character */
		{ "ab\x82\x82\x82\x82", 4, 4 }, /* stray continuation bytes: no character to keep whole */
		{ "\xe2\x82\xac", 1, 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (fr_utf8_fit(rows[i].s, strlen(rows[i].s), rows[i].max) != rows[i].want ||
		    fr_utf8_fit_str(rows[i].s, rows[i].max) != (int)rows[i].want)
			fail_msg("row %zu: %zu and %d, not %zu", i, fr_utf8_fit(rows[i].s, strlen(rows[i].s), rows[i].max),
			         fr_utf8_fit_str(rows[i].s, rows[i].max), rows[i].want);
}

/* fr_utf8_fit_end keeps at most max bytes of the end, from a whole
 * character's start, and cuts a stray byte like any other. */
static void test_tokenize__utf8_fit_end(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t max, want;
	} rows[] = {
		{ "short", 10, 0 },
		{ "exactly", 7, 0 },
		{ "abcdef", 3, 3 },
		{ "\xe2\x82\xac" "ab", 3, 3 },     /* inside the euro sign: on past its end */
		{ "\xe2\x82\xac" "ab", 4, 3 },
		{ "z\xe2\x82\xac" "ab", 5, 1 },    /* right at its start */
		{ "a\xf0\x9f\x98\x80" "b", 2, 5 }, /* inside a 4-byte character */
		{ "a\xf0\x9f\x98\x80" "b", 4, 5 },
		{ "\x82\x82\x82\x82" "ab", 4, 2 }, /* stray continuation bytes: no character to keep whole */
		{ "\xe2\x82\xac", 1, 3 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (fr_utf8_fit_end(rows[i].s, strlen(rows[i].s), rows[i].max) != rows[i].want)
			fail_msg("row %zu: %zu, not %zu", i, fr_utf8_fit_end(rows[i].s, strlen(rows[i].s), rows[i].max),
			         rows[i].want);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_tokens, teardown_tokens)
	const struct CMUnitTest tests[] = {
		T(test_tokenize__hyphens_join_dashes_separate),
		T(test_tokenize__apostrophes_fold_to_straight),
		T(test_tokenize__abbreviations),
		T(test_tokenize__numbers),
		T(test_tokenize__nfkc_and_case_folding),
		T(test_tokenize__invalid_utf8_and_nul),
		cmocka_unit_test(test_tokenize__text_problem),
		cmocka_unit_test(test_tokenize__text_problem_after_padding),
		T(test_tokenize__one_digit_number_at_buffer_end),
		T(test_tokenize__long_text),
		T(test_tokenize__words_across_window_edges),
		T(test_tokenize__word_goes_on),
		T(test_tokenize__has_word),
		T(test_tokenize__reuse_resets_counts),
		T(test_tokenize__set_term),
		cmocka_unit_test(test_tokenize__utf8_decode_table),
		cmocka_unit_test(test_tokenize__utf8_decode_respects_n),
		cmocka_unit_test(test_tokenize__trim_blank),
		cmocka_unit_test(test_tokenize__utf8_repair),
		cmocka_unit_test(test_tokenize__utf8_fit),
		cmocka_unit_test(test_tokenize__utf8_fit_end),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
