/* Unit tests for the vectorize stage (pipeline/tfidf.h): TF-IDF with
 * scikit-learn's TfidfVectorizer definitions.
 *
 * The expected numbers below were computed by hand (python3, math module
 * only) from the definitions in tfidf.h, for the fixture FIXTURE_DOCS:
 *   n     = 4 documents
 *   idf   = ln((1 + n) / (1 + df)) + 1     (smooth_idf)
 *         = ln(n / df) + 1                 (not smooth)
 *   tf    = count, or 1 + ln(count)        (sublinear_tf)
 *   value = tf * idf, then divided by the L2 norm of the document's values
 * Features are numbered 1..V in byte order of the terms ("war warzone"
 * sorts before "warzone" because ' ' < 'z'). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checksum.h"
#include "stem.h"
#include "tfidf.h"
#include "tokenize.h"

#define TOL 1e-12
#define N_FIXTURE 4
#define MAX_FEATURES 14
#define MAX_NODES 6

#define DATA_DIR FR_TEST_FIXTURES "/../../data"

/* Pre-tokenized documents, terms separated by spaces. */
static const char *const FIXTURE_DOCS[N_FIXTURE] = {
	"peace talks peace",
	"talks war warzone",
	"war war nato",
	"peace nato talks",
};

/* ---- helpers ------------------------------------------------------------ */

/* cmocka 1.1 has no assert_double_equal. NaN never passes. */
#define assert_close(got, want, tol)                                          \
	do {                                                                  \
		double got_ = (got), want_ = (want);                          \
		if (!(fabs(got_ - want_) <= (tol)))                           \
			fail_msg("%.17g != %.17g (tolerance %g)", got_, want_, \
			         (double)(tol));                              \
	} while (0)

/* Appends one token with its surface and term to t. */
static void push_token(fr_tokens *t, const char *surface, size_t slen,
                       const char *term, size_t tlen, int stop)
{
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		fr_token *p = realloc(t->items, cap * sizeof(*p));
		assert_non_null(p);
		t->items = p;
		t->cap = cap;
	}
	if (t->text_len + slen + 1 > t->text_cap) {
		size_t cap = (t->text_len + slen + 1) * 2;
		char *p = realloc(t->text, cap);
		assert_non_null(p);
		t->text = p;
		t->text_cap = cap;
	}
	fr_token *tok = &t->items[t->count];
	memset(tok, 0, sizeof(*tok));
	tok->start = (uint32_t)t->text_len;
	tok->len = (uint32_t)slen;
	tok->kind = FR_TOKEN_WORD;
	tok->stop = (uint8_t)stop;
	memcpy(t->text + t->text_len, surface, slen);
	t->text[t->text_len + slen] = '\0';
	t->text_len += slen + 1;
	t->count++;
	assert_int_equal(fr_tokens__set_term(t, t->count - 1, term, tlen), 0);
}

/* Replaces t with the document spec: words separated by spaces, each
 * "term" (surface = term), "term=surface", and a leading '!' for a stop
 * word. Built by hand so the test does not depend on the stemmer. */
static void set_doc(fr_tokens *t, const char *spec)
{
	const char *p = spec;
	t->count = 0;
	t->text_len = 0;
	t->terms_len = 0;
	t->invalid_bytes = 0;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		const char *end = strchr(p, ' ');
		if (end == NULL)
			end = p + strlen(p);
		int stop = *p == '!';
		if (stop)
			p++;
		const char *eq = memchr(p, '=', (size_t)(end - p));
		size_t tlen = eq ? (size_t)(eq - p) : (size_t)(end - p);
		const char *surf = eq ? eq + 1 : p;
		size_t slen = (size_t)(end - surf);
		push_token(t, surf, slen, p, tlen, stop);
		p = end;
	}
}

/* Fits a vectorizer on n document specs. */
static fr_tfidf *fit_docs(const fr_tfidf_options *opts, const char *const *docs, size_t n)
{
	fr_tfidf *t = NULL;
	fr_tokens tok;
	fr_error err = FR_ERROR_INIT;

	fr_tokens_init(&tok);
	assert_int_equal(fr_tfidf_new(&t, opts, &err), 0);
	for (size_t i = 0; i < n; i++) {
		set_doc(&tok, docs[i]);
		assert_int_equal(fr_tfidf_fit_add(t, &tok, &err), 0);
	}
	fr_tokens_dispose(&tok);
	if (fr_tfidf_fit_finish(t, &err) != 0)
		fail_msg("fit_finish: %s", err.message);
	assert_int_equal(fr_tfidf_document_count(t), n);
	return t;
}

/* The features joined by '|', for comparing whole vocabularies at once. */
static void join_terms(const fr_tfidf *t, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t f = 1; f <= fr_tfidf_feature_count(t); f++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", f > 1 ? "|" : "",
		                        fr_tfidf_term(t, (int)f));
	assert_true(len < size);
}

/* libsvm layout: ascending 1-based indices within 1..V, then index -1. */
static void check_layout(const fr_tfidf *t, const fr_sparse_vec *v)
{
	for (size_t i = 0; i < v->count; i++) {
		assert_true(v->nodes[i].index >= 1);
		assert_true((size_t)v->nodes[i].index <= fr_tfidf_feature_count(t));
		if (i > 0)
			assert_true(v->nodes[i - 1].index < v->nodes[i].index);
	}
	assert_int_equal(v->nodes[v->count].index, -1);
}

static void assert_vec_equal(const fr_sparse_vec *a, const fr_sparse_vec *b)
{
	assert_int_equal(a->count, b->count);
	for (size_t i = 0; i <= a->count; i++) {
		assert_int_equal(a->nodes[i].index, b->nodes[i].index);
		assert_true(a->nodes[i].value == b->nodes[i].value);
	}
}

/* ---- values computed by hand -------------------------------------------- */

typedef struct {
	int index; /* 0 ends the list */
	double value;
} node;

typedef struct {
	const char *name;
	fr_tfidf_options opts;
	const char *terms[MAX_FEATURES + 1];
	uint32_t df[MAX_FEATURES];
	double idf[MAX_FEATURES];
	node docs[N_FIXTURE][MAX_NODES];
} tfidf_case;

/* idf (smooth, n = 4): df 1 -> ln(5/2) + 1, df 2 -> ln(5/3) + 1, df 3 -> ln(5/4) + 1 */
#define IDF1 1.9162907318741551
#define IDF2 1.5108256237659907
#define IDF3 1.2231435513142097
/* idf (not smooth, n = 4): df 1 -> ln(4) + 1, df 2 -> ln(2) + 1, df 3 -> ln(4/3) + 1 */
#define RAW_IDF1 2.3862943611198908
#define RAW_IDF2 1.6931471805599454
#define RAW_IDF3 1.2876820724517808

/* { ngram_min, ngram_max, min_df, min_df_is_count, max_df, max_df_is_count,
 *   sublinear_tf, smooth_idf, norm } */
static const tfidf_case tfidf_cases[] = {
	{ "unigrams, smooth idf, raw tf, l2",
	  { 1, 1, 1.0, 1, 1.0, 0, 0, 1, 1, 0, 0 },
	  { "nato", "peace", "talks", "war", "warzone" },
	  { 2, 2, 3, 2, 1 },
	  { IDF2, IDF2, IDF3, IDF2, IDF1 },
	  {
		/* peace: 2 * IDF2, talks: IDF3, over the norm */
		{ { 2, 0.92693675896328331 }, { 3, 0.37521759671241939 } },
		{ { 3, 0.44809973136259862 }, { 4, 0.55349231528700449 }, { 5, 0.70203481941496193 } },
		/* nato: IDF2, war: 2 * IDF2 -> 1/sqrt(5), 2/sqrt(5) */
		{ { 1, 0.44721359549995793 }, { 4, 0.89442719099991586 } },
		{ { 1, 0.61366674401073329 }, { 2, 0.61366674401073329 }, { 3, 0.49681611748264592 } },
	  } },
	{ "unigrams, smooth idf, sublinear tf, l2",
	  { 1, 1, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 },
	  { "nato", "peace", "talks", "war", "warzone" },
	  { 2, 2, 3, 2, 1 },
	  { IDF2, IDF2, IDF3, IDF2, IDF1 },
	  {
		/* peace: (1 + ln 2) * IDF2, talks: IDF3, over the norm */
		{ { 2, 0.90217152039426729 }, { 3, 0.43137750032830424 } },
		{ { 3, 0.44809973136259862 }, { 4, 0.55349231528700449 }, { 5, 0.70203481941496193 } },
		{ { 1, 0.5085423203783267 }, { 4, 0.86103699594397631 } },
		{ { 1, 0.61366674401073329 }, { 2, 0.61366674401073329 }, { 3, 0.49681611748264592 } },
	  } },
	{ "unigrams, smooth idf, sublinear tf, no norm",
	  { 1, 1, 1.0, 1, 1.0, 0, 1, 1, 0, 0, 0 },
	  { "nato", "peace", "talks", "war", "warzone" },
	  { 2, 2, 3, 2, 1 },
	  { IDF2, IDF2, IDF3, IDF2, IDF1 },
	  {
		/* peace: (1 + ln 2) * IDF2, talks: IDF3 */
		{ { 2, 2.5580501451971078 }, { 3, IDF3 } },
		{ { 3, IDF3 }, { 4, IDF2 }, { 5, IDF1 } },
		{ { 1, IDF2 }, { 4, 2.5580501451971078 } },
		{ { 1, IDF2 }, { 2, IDF2 }, { 3, IDF3 } },
	  } },
	{ "uni- and bigrams, smooth idf, sublinear tf, l2",
	  { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 },
	  { "nato", "nato talks", "peace", "peace nato", "peace talks", "talks", "talks peace",
	    "talks war", "war", "war nato", "war war", "war warzone", "warzone" },
	  { 2, 1, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1 },
	  { IDF2, IDF1, IDF2, IDF1, IDF1, IDF3, IDF1, IDF1, IDF2, IDF1, IDF1, IDF1, IDF1 },
	  {
		{ { 3, 0.65218955456902028 }, { 5, 0.48856931174406132 }, { 6, 0.31184746296054977 },
		  { 7, 0.48856931174406132 } },
		{ { 6, 0.31799276140765892 }, { 8, 0.4981971092712959 }, { 9, 0.39278432330415769 },
		  { 12, 0.4981971092712959 }, { 13, 0.4981971092712959 } },
		{ { 1, 0.37570924315281667 }, { 9, 0.63613104575450252 }, { 10, 0.47653953521025977 },
		  { 11, 0.47653953521025977 } },
		{ { 1, 0.41263976171812644 }, { 2, 0.52338121524054959 }, { 3, 0.41263976171812644 },
		  { 4, 0.52338121524054959 }, { 6, 0.33406745002329491 } },
	  } },
	{ "uni- and bigrams, plain idf, raw tf, l2",
	  { 1, 2, 1.0, 1, 1.0, 0, 0, 0, 1, 0, 0 },
	  { "nato", "nato talks", "peace", "peace nato", "peace talks", "talks", "talks peace",
	    "talks war", "war", "war nato", "war war", "war warzone", "warzone" },
	  { 2, 1, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1 },
	  { RAW_IDF2, RAW_IDF1, RAW_IDF2, RAW_IDF1, RAW_IDF1, RAW_IDF3, RAW_IDF1, RAW_IDF1,
	    RAW_IDF2, RAW_IDF1, RAW_IDF1, RAW_IDF1, RAW_IDF1 },
	  {
		{ { 3, 0.68394055910135443 }, { 5, 0.48196740314831832 }, { 6, 0.26007721203723227 },
		  { 7, 0.48196740314831832 } },
		{ { 6, 0.2770132941326508 }, { 8, 0.51335284996657726 }, { 9, 0.36423919224509038 },
		  { 12, 0.51335284996657726 }, { 13, 0.51335284996657726 } },
		{ { 1, 0.33383956005706272 }, { 9, 0.66767912011412545 }, { 10, 0.47050809807299504 },
		  { 11, 0.47050809807299504 } },
		{ { 1, 0.39069877095025329 }, { 2, 0.55064455395232115 }, { 3, 0.39069877095025329 },
		  { 4, 0.55064455395232115 }, { 6, 0.29713648574556029 } },
	  } },
};

static void check_expected_vec(const fr_tfidf *t, const fr_sparse_vec *v, const node *want)
{
	size_t n = 0;
	while (n < MAX_NODES && want[n].index != 0)
		n++;
	check_layout(t, v);
	assert_int_equal(v->count, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(v->nodes[i].index, want[i].index);
		assert_close(v->nodes[i].value, want[i].value, TOL);
	}
}

static void test_tfidf__values_by_hand(void **state)
{
	fr_tokens tok;
	fr_sparse_vec fitted, fresh;
	(void)state;

	fr_tokens_init(&tok);
	fr_sparse_vec_init(&fitted);
	fr_sparse_vec_init(&fresh);
	for (size_t c = 0; c < sizeof(tfidf_cases) / sizeof(tfidf_cases[0]); c++) {
		const tfidf_case *tc = &tfidf_cases[c];
		fr_error err = FR_ERROR_INIT;
		size_t V = 0;
		print_message("case: %s\n", tc->name);
		fr_tfidf *t = fit_docs(&tc->opts, FIXTURE_DOCS, N_FIXTURE);

		while (V < MAX_FEATURES && tc->terms[V] != NULL)
			V++;
		assert_int_equal(fr_tfidf_feature_count(t), V);
		for (size_t f = 1; f <= V; f++) {
			assert_string_equal(fr_tfidf_term(t, (int)f), tc->terms[f - 1]);
			assert_string_equal(fr_tfidf_surface(t, (int)f), tc->terms[f - 1]);
			assert_int_equal(fr_tfidf_df(t, (int)f), tc->df[f - 1]);
			assert_close(fr_tfidf_idf(t, (int)f), tc->idf[f - 1], TOL);
		}
		assert_null(fr_tfidf_term(t, 0));
		assert_null(fr_tfidf_term(t, (int)V + 1));
		assert_null(fr_tfidf_surface(t, (int)V + 1));

		for (size_t d = 0; d < N_FIXTURE; d++) {
			assert_int_equal(fr_tfidf_fitted_vector(t, d, &fitted, &err), 0);
			check_expected_vec(t, &fitted, tc->docs[d]);
			set_doc(&tok, FIXTURE_DOCS[d]);
			assert_int_equal(fr_tfidf_transform(t, &tok, &fresh, &err), 0);
			check_expected_vec(t, &fresh, tc->docs[d]);
			/* The fitted vector is the transform of the same document. */
			assert_vec_equal(&fitted, &fresh);
		}
		fr_tfidf_free(t);
	}
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&fitted);
	fr_sparse_vec_dispose(&fresh);
}

/* Feature numbering is byte order, not order of first appearance, and is
 * the same whatever order the documents come in. */
static void test_tfidf__features_in_byte_order(void **state)
{
	static const char *const docs[] = { "zone war", "a b", "ab", "a", "b a" };
	static const char *const reversed[] = { "b a", "a", "ab", "a b", "zone war" };
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 };
	char got[256], got2[256];
	(void)state;

	fr_tfidf *t = fit_docs(&opts, docs, 5);
	fr_tfidf *t2 = fit_docs(&opts, reversed, 5);
	join_terms(t, got, sizeof(got));
	join_terms(t2, got2, sizeof(got2));
	assert_string_equal(got, "a|a b|ab|b|b a|war|zone|zone war");
	assert_string_equal(got2, got);
	for (int f = 1; f <= 8; f++)
		assert_true(fr_tfidf_idf(t, f) == fr_tfidf_idf(t2, f));
	fr_tfidf_free(t);
	fr_tfidf_free(t2);
}

/* ---- pruning ------------------------------------------------------------ */

typedef struct {
	const char *name;
	fr_tfidf_options opts;
	int rc;              /* of fit_finish */
	const char *terms;   /* the features joined by '|' when rc is 0 */
} prune_case;

/* dfs in the fixture: nato 2, peace 2, talks 3, war 2, warzone 1; every
 * bigram 1. */
static const prune_case prune_cases[] = {
	{ "min_df count 1", { 1, 1, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|talks|war|warzone" },
	{ "min_df count 2", { 1, 1, 2.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|talks|war" },
	{ "min_df share 0.5 = 2 docs", { 1, 1, 0.5, 0, 1.0, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|talks|war" },
	{ "min_df share 0.3 = 1.2 docs", { 1, 1, 0.3, 0, 1.0, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|talks|war" },
	{ "min_df share 0.25 = 1 doc", { 1, 1, 0.25, 0, 1.0, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|talks|war|warzone" },
	{ "min_df count 3", { 1, 1, 3.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0, "talks" },
	{ "max_df share 0.5 = 2 docs", { 1, 1, 1.0, 1, 0.5, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|war|warzone" },
	{ "max_df share 0.75 = 3 docs", { 1, 1, 1.0, 1, 0.75, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|talks|war|warzone" },
	{ "max_df count 2", { 1, 1, 1.0, 1, 2.0, 1, 1, 1, 1, 0, 0 }, 0, "nato|peace|war|warzone" },
	{ "max_df count 1", { 1, 1, 1.0, 1, 1.0, 1, 1, 1, 1, 0, 0 }, 0, "warzone" },
	{ "min_df 2 and max_df 2", { 1, 1, 2.0, 1, 2.0, 1, 1, 1, 1, 0, 0 }, 0, "nato|peace|war" },
	{ "bigrams pruned by min_df 2", { 1, 2, 2.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0, "nato|peace|talks|war" },
	{ "bigrams only", { 2, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0,
	  "nato talks|peace nato|peace talks|talks peace|talks war|war nato|war war|war warzone" },
	/* A share of 1.0 is all 4 documents, unlike the count 1. */
	{ "min_df share 1.0: nothing", { 1, 1, 1.0, 0, 1.0, 0, 1, 1, 1, 0, 0 }, FR_EFORMAT, NULL },
	{ "min_df 3 above max_df 2: nothing", { 1, 1, 3.0, 1, 0.5, 0, 1, 1, 1, 0, 0 }, FR_EFORMAT, NULL },
	{ "min_df count 5: nothing", { 1, 2, 5.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, FR_EFORMAT, NULL },
};

static void test_tfidf__min_df_max_df(void **state)
{
	fr_tokens tok;
	(void)state;

	fr_tokens_init(&tok);
	for (size_t c = 0; c < sizeof(prune_cases) / sizeof(prune_cases[0]); c++) {
		const prune_case *pc = &prune_cases[c];
		fr_tfidf *t = NULL;
		fr_error err = FR_ERROR_INIT;
		char got[512];
		print_message("case: %s\n", pc->name);
		assert_int_equal(fr_tfidf_new(&t, &pc->opts, &err), 0);
		for (size_t i = 0; i < N_FIXTURE; i++) {
			set_doc(&tok, FIXTURE_DOCS[i]);
			assert_int_equal(fr_tfidf_fit_add(t, &tok, &err), 0);
		}
		assert_int_equal(fr_tfidf_fit_finish(t, &err), pc->rc);
		assert_int_equal(err.code, pc->rc);
		if (pc->rc == 0) {
			join_terms(t, got, sizeof(got));
			assert_string_equal(got, pc->terms);
		} else {
			assert_true(strstr(err.message, "no term") != NULL);
		}
		fr_tfidf_free(t);
	}
	fr_tokens_dispose(&tok);
}

/* No documents at all, or none frequent enough: nothing to make a
 * vocabulary of. */
static void test_tfidf__empty_training_set(void **state)
{
	fr_tfidf_options opts = FR_TFIDF_OPTIONS_INIT;
	fr_tfidf *t = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_tokens tok;
	(void)state;

	fr_tokens_init(&tok);
	assert_int_equal(fr_tfidf_new(&t, &opts, &err), 0);
	assert_int_equal(fr_tfidf_fit_finish(t, &err), FR_EFORMAT);
	assert_int_equal(err.code, FR_EFORMAT);
	/* Not finished: more documents can come, and finishing again works
	 * (and leaks nothing of the failed attempt, checked under valgrind). */
	fr_error_clear(&err);
	set_doc(&tok, "peace");
	assert_int_equal(fr_tfidf_fit_add(t, &tok, &err), 0);
	assert_int_equal(fr_tfidf_fit_finish(t, &err), FR_EFORMAT); /* min_df 2 */
	fr_error_clear(&err);
	assert_int_equal(fr_tfidf_fit_add(t, &tok, &err), 0);
	assert_int_equal(fr_tfidf_fit_finish(t, &err), 0);
	assert_int_equal(fr_tfidf_feature_count(t), 1);
	assert_int_equal(fr_tfidf_df(t, 1), 2);
	assert_int_equal(fr_tfidf_fit_finish(t, &err), FR_EINVALID);
	fr_tfidf_free(t);
	fr_tokens_dispose(&tok);
}

/* ---- transform ---------------------------------------------------------- */

static void test_tfidf__transform_out_of_vocabulary(void **state)
{
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 };
	fr_tokens tok;
	fr_sparse_vec v;
	fr_error err = FR_ERROR_INIT;
	(void)state;

	fr_tokens_init(&tok);
	fr_sparse_vec_init(&v);
	fr_tfidf *t = fit_docs(&opts, FIXTURE_DOCS, N_FIXTURE);

	/* 4 unigram terms (the stop word is not one), 2 unknown; the bigram
	 * "peace talks" is known but bigrams are not counted. */
	set_doc(&tok, "ghost peace talks !the shadow");
	assert_int_equal(fr_tfidf_transform(t, &tok, &v, &err), 0);
	assert_int_equal(v.n_terms, 4);
	assert_int_equal(v.n_unknown, 2);
	check_layout(t, &v);
	assert_int_equal(v.count, 3);
	assert_string_equal(fr_tfidf_term(t, v.nodes[0].index), "peace");
	assert_string_equal(fr_tfidf_term(t, v.nodes[1].index), "peace talks");
	assert_string_equal(fr_tfidf_term(t, v.nodes[2].index), "talks");

	/* Nothing known: an empty vector, still terminated. */
	set_doc(&tok, "ghost shadow");
	assert_int_equal(fr_tfidf_transform(t, &tok, &v, &err), 0);
	assert_int_equal(v.n_terms, 2);
	assert_int_equal(v.n_unknown, 2);
	assert_int_equal(v.count, 0);
	assert_int_equal(v.nodes[0].index, -1);

	/* No tokens at all. */
	set_doc(&tok, "");
	assert_int_equal(fr_tfidf_transform(t, &tok, &v, &err), 0);
	assert_int_equal(v.n_terms, 0);
	assert_int_equal(v.n_unknown, 0);
	assert_int_equal(v.count, 0);
	assert_int_equal(v.nodes[0].index, -1);

	/* The counters are reset each time. */
	set_doc(&tok, "peace");
	assert_int_equal(fr_tfidf_transform(t, &tok, &v, &err), 0);
	assert_int_equal(v.n_terms, 1);
	assert_int_equal(v.n_unknown, 0);
	assert_int_equal(v.count, 1);
	assert_close(v.nodes[0].value, 1.0, TOL);

	fr_tfidf_free(t);
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&v);
}

/* A long document (past the insertion-sort cutoff) still gives ascending
 * indices and the counts of a short one scaled. */
static void test_tfidf__transform_long_document(void **state)
{
	fr_tfidf_options opts = { 1, 1, 1.0, 1, 1.0, 0, 0, 1, 1, 0, 0 };
	fr_tokens tok;
	fr_sparse_vec v;
	fr_error err = FR_ERROR_INIT;
	char spec[4096];
	size_t len = 0;
	(void)state;

	fr_tokens_init(&tok);
	fr_sparse_vec_init(&v);
	fr_tfidf *t = fit_docs(&opts, FIXTURE_DOCS, N_FIXTURE);
	/* Document 2 "war war nato" 100 times, in reverse order of features. */
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(spec + len, sizeof(spec) - len, "war war nato ");
	set_doc(&tok, spec);
	assert_int_equal(fr_tfidf_transform(t, &tok, &v, &err), 0);
	check_layout(t, &v);
	/* Raw tf: counts 100 and 200 scale like 1 and 2. */
	assert_int_equal(v.count, 2);
	assert_int_equal(v.nodes[0].index, 1);
	assert_close(v.nodes[0].value, 0.44721359549995793, TOL);
	assert_int_equal(v.nodes[1].index, 4);
	assert_close(v.nodes[1].value, 0.89442719099991586, TOL);
	fr_tfidf_free(t);
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&v);
}

/* Once released, fitted vectors are gone but transform still works. */
static void test_tfidf__fit_release(void **state)
{
	fr_tfidf_options opts = FR_TFIDF_OPTIONS_INIT;
	fr_tokens tok;
	fr_sparse_vec a, b;
	fr_error err = FR_ERROR_INIT;
	(void)state;

	fr_tokens_init(&tok);
	fr_sparse_vec_init(&a);
	fr_sparse_vec_init(&b);
	fr_tfidf *t = fit_docs(&opts, FIXTURE_DOCS, N_FIXTURE);
	assert_int_equal(fr_tfidf_fitted_vector(t, 3, &a, &err), 0);
	assert_int_equal(fr_tfidf_fitted_vector(t, 4, &b, &err), FR_EINVALID);
	fr_error_clear(&err);
	fr_tfidf_fit_release(t);
	assert_int_equal(fr_tfidf_fitted_vector(t, 0, &b, &err), FR_EINVALID);
	set_doc(&tok, FIXTURE_DOCS[3]);
	assert_int_equal(fr_tfidf_transform(t, &tok, &b, NULL), 0);
	assert_vec_equal(&a, &b);
	/* A fitted vectorizer takes no more documents. */
	assert_int_equal(fr_tfidf_fit_add(t, &tok, NULL), FR_EINVALID);
	fr_tfidf_free(t);
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&a);
	fr_sparse_vec_dispose(&b);
}

/* ---- surface forms ------------------------------------------------------ */

static void test_tfidf__surface_forms(void **state)
{
	static const char *const docs[] = {
		/* talk: "talking" seen first but "talks" more often. */
		"talk=talking",
		"talk=talks",
		"talk=talks",
		"talk=talks",
		/* war: one each; "warring" seen first, "warred" wins by byte order. */
		"war=warring",
		"war=warred",
		/* bigram: surfaces of its tokens joined by a space. */
		"peac=peace talk=talks",
		"peac=peace talk=talks",
		"peac=Peaceful talk=talks",
	};
	static const char *const docs_reordered[] = {
		"war=warred", "war=warring", "talk=talks", "talk=talking",
	};
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 };
	char got[256];
	(void)state;

	fr_tfidf *t = fit_docs(&opts, docs, 9);
	join_terms(t, got, sizeof(got));
	assert_string_equal(got, "peac|peac talk|talk|war");
	assert_string_equal(fr_tfidf_surface(t, 1), "peace");
	assert_string_equal(fr_tfidf_surface(t, 2), "peace talks");
	assert_string_equal(fr_tfidf_surface(t, 3), "talks");
	/* Order-independent tie break. */
	assert_string_equal(fr_tfidf_surface(t, 4), "warred");
	fr_tfidf_free(t);

	t = fit_docs(&opts, docs_reordered, 4);
	assert_string_equal(fr_tfidf_surface(t, 1), "talking");
	assert_string_equal(fr_tfidf_surface(t, 2), "warred");
	fr_tfidf_free(t);
}

/* ---- stop words --------------------------------------------------------- */

/* scikit-learn drops stop words before making n-grams, so a bigram forms
 * across them, and stop words are never features or counted terms. */
static void test_tfidf__stop_words_skipped(void **state)
{
	static const char *const docs[] = { "peace !the talks", "!of war !of nato !of" };
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 };
	fr_tokens tok;
	fr_sparse_vec v, w;
	fr_error err = FR_ERROR_INIT;
	char got[256];
	(void)state;

	fr_tokens_init(&tok);
	fr_sparse_vec_init(&v);
	fr_sparse_vec_init(&w);
	fr_tfidf *t = fit_docs(&opts, docs, 2);
	join_terms(t, got, sizeof(got));
	assert_string_equal(got, "nato|peace|peace talks|talks|war|war nato");
	set_doc(&tok, docs[0]);
	assert_int_equal(fr_tfidf_transform(t, &tok, &v, &err), 0);
	assert_int_equal(v.n_terms, 2);
	assert_int_equal(v.n_unknown, 0);
	assert_int_equal(v.count, 3);
	assert_int_equal(fr_tfidf_fitted_vector(t, 0, &w, &err), 0);
	assert_vec_equal(&v, &w);
	/* Each of the 3 features once, same idf: 1/sqrt(3) each. */
	for (size_t i = 0; i < 3; i++)
		assert_close(v.nodes[i].value, 0.57735026918962573, TOL);
	fr_tfidf_free(t);
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&v);
	fr_sparse_vec_dispose(&w);
}

/* The same through the real tokenizer, stemmer and English stop list. */
static void test_tfidf__stop_words_through_pipeline(void **state)
{
	static const char *const texts[] = {
		"The peace talks and the cease-fire",
		"Talks on a ceasefire",
	};
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 };
	fr_stemmer *st = NULL;
	fr_tfidf *t = NULL;
	fr_tokens tok;
	fr_error err = FR_ERROR_INIT;
	char got[256];
	(void)state;

	fr_tokens_init(&tok);
	assert_int_equal(fr_stemmer_new(&st, "english", &err), 0);
	assert_int_equal(fr_stemmer_add_stopwords_file(st, DATA_DIR "/stopwords/english.txt", &err), 0);
	assert_int_equal(fr_tfidf_new(&t, &opts, &err), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(fr_tokenize(&tok, texts[i], strlen(texts[i]), &err), 0);
		assert_int_equal(fr_stemmer_apply(st, &tok, &err), 0);
		assert_int_equal(fr_tfidf_fit_add(t, &tok, &err), 0);
	}
	assert_int_equal(fr_tfidf_fit_finish(t, &err), 0);
	join_terms(t, got, sizeof(got));
	assert_string_equal(got, "ceasefir|peac|peac talk|talk|talk ceasefir");
	assert_string_equal(fr_tfidf_surface(t, 1), "ceasefire");
	assert_string_equal(fr_tfidf_surface(t, 3), "peace talks");
	assert_string_equal(fr_tfidf_surface(t, 5), "talks ceasefire");
	assert_int_equal(fr_tfidf_df(t, 5), 2);
	fr_tfidf_free(t);
	fr_stemmer_free(st);
	fr_tokens_dispose(&tok);
}

/* ---- options ------------------------------------------------------------ */

static const struct {
	const char *name;
	fr_tfidf_options opts;
	int ok;
} option_cases[] = {
	{ "defaults", FR_TFIDF_OPTIONS_INIT, 1 },
	{ "unigrams", { 1, 1, 1.0, 1, 1.0, 0, 0, 0, 0, 0, 0 }, 1 },
	{ "ngram 2..3", { 2, 3, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 1 },
	{ "min_df share 0", { 1, 1, 0.0, 0, 1.0, 0, 1, 1, 1, 0, 0 }, 1 },
	{ "min_df share 1", { 1, 1, 1.0, 0, 1.0, 0, 1, 1, 1, 0, 0 }, 1 },
	{ "min_df count 50", { 1, 1, 50.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 1 },
	{ "max_df count 50", { 1, 1, 1.0, 1, 50.0, 1, 1, 1, 1, 0, 0 }, 1 },
	{ "ngram_min 0", { 0, 1, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "ngram_min -1", { -1, 1, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "max below min", { 2, 1, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "min_df share over 1", { 1, 1, 1.5, 0, 1.0, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "min_df negative", { 1, 1, -1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "min_df NaN", { 1, 1, NAN, 0, 1.0, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "max_df share over 1", { 1, 1, 1.0, 1, 1.2, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "max_df negative", { 1, 1, 1.0, 1, -0.5, 0, 1, 1, 1, 0, 0 }, 0 },
	{ "char 2..5", { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 2, 5 }, 1 },
	{ "char 0..5", { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 5 }, 0 },
	{ "char 3..2", { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 3, 2 }, 0 },
	{ "char 1..9", { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 1, 9 }, 0 },
	{ "char 2..5, l2_parts", { 1, 2, 1.0, 1, 1.0, 0, 1, 1, FR_TFIDF_NORM_L2_PARTS, 2, 5 }, 1 },
	{ "norm 3", { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 3, 0, 0 }, 0 },
};

static void test_tfidf__check_options(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(option_cases) / sizeof(option_cases[0]); i++) {
		const char *why = fr_tfidf_check_options(&option_cases[i].opts);
		fr_tfidf *t = NULL;
		fr_error err = FR_ERROR_INIT;
		print_message("case: %s\n", option_cases[i].name);
		if (option_cases[i].ok) {
			assert_null(why);
			assert_int_equal(fr_tfidf_new(&t, &option_cases[i].opts, &err), 0);
			fr_tfidf_free(t);
		} else {
			assert_non_null(why);
			assert_int_equal(fr_tfidf_new(&t, &option_cases[i].opts, &err), FR_EINVALID);
			assert_null(t);
			assert_string_equal(err.message, why);
		}
	}
}

static int options_equal(const fr_tfidf_options *a, const fr_tfidf_options *b)
{
	return a->ngram_min == b->ngram_min && a->ngram_max == b->ngram_max &&
	       a->min_df == b->min_df && a->min_df_is_count == b->min_df_is_count &&
	       a->max_df == b->max_df && a->max_df_is_count == b->max_df_is_count &&
	       a->sublinear_tf == b->sublinear_tf && a->smooth_idf == b->smooth_idf &&
	       a->norm == b->norm && a->char_min == b->char_min && a->char_max == b->char_max;
}

/* Through text: an integer stays a count, a real stays a share. */
static void test_tfidf__options_json_round_trip(void **state)
{
	static const fr_tfidf_options cases[] = {
		FR_TFIDF_OPTIONS_INIT,
		{ 1, 1, 1.0, 1, 1.0, 0, 0, 0, 0, 0, 0 },   /* min_df 1 (count) */
		{ 1, 1, 1.0, 0, 1.0, 1, 1, 0, 1, 0, 0 },   /* min_df 1.0 (share), max_df 1 (count) */
		{ 2, 3, 0.25, 0, 0.9, 0, 0, 1, 0, 0, 0 },
		{ 1, 2, 0.1, 0, 100.0, 1, 1, 1, 1, 0, 0 },
		{ 1, 2, 2.0, 1, 1.0, 0, 1, 1, 1, 2, 5 },   /* character n-grams */
		{ 1, 2, 2.0, 1, 1.0, 0, 1, 1, FR_TFIDF_NORM_L2_PARTS, 2, 5 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = NULL, *back = NULL;
		fr_tfidf_options got = { 7, 7, 7.0, 7, 7.0, 7, 7, 7, 7, 7, 7 };
		fr_error err = FR_ERROR_INIT;
		print_message("case %zu\n", i);
		assert_int_equal(fr_tfidf_options_to_json(&cases[i], &j), 0);
		assert_true(json_is_integer(json_object_get(j, "min_df")) == cases[i].min_df_is_count);
		assert_true(json_is_integer(json_object_get(j, "max_df")) == cases[i].max_df_is_count);
		char *text = json_dumps(j, JSON_COMPACT);
		assert_non_null(text);
		back = json_loads(text, 0, NULL);
		assert_non_null(back);
		assert_int_equal(fr_tfidf_options_from_json(&got, back, "opts.json", &err), 0);
		assert_true(options_equal(&got, &cases[i]));
		free(text);
		json_decref(j);
		json_decref(back);
	}
}

static const struct {
	const char *json;
	int rc;
	double min_df;
	int min_df_is_count;
} options_json_cases[] = {
	{ "{\"min_df\": 2}", 0, 2.0, 1 },
	{ "{\"min_df\": 0.5}", 0, 0.5, 0 },
	{ "{\"min_df\": 1}", 0, 1.0, 1 },
	{ "{\"min_df\": 1.0}", 0, 1.0, 0 },
	{ "{}", 0, 2.0, 1 },                                   /* keeps what was there */
	{ "{\"min_df\": 2.0}", FR_EINVALID, 0, 0 },            /* a share over 1 */
	{ "{\"min_df\": \"2\"}", FR_EFORMAT, 0, 0 },
	{ "{\"ngram_range\": [0, 1]}", FR_EINVALID, 0, 0 },
	{ "{\"ngram_range\": [2, 1]}", FR_EINVALID, 0, 0 },
	{ "{\"ngram_range\": [1]}", FR_EFORMAT, 0, 0 },
	{ "{\"sublinear_tf\": 1}", FR_EFORMAT, 0, 0 },
	{ "{\"norm\": \"l1\"}", FR_EFORMAT, 0, 0 },
	{ "{\"norm\": null}", FR_EFORMAT, 0, 0 },
	{ "{\"norm\": \"l2_parts\"}", 0, 2.0, 1 },
};

static void test_tfidf__options_from_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(options_json_cases) / sizeof(options_json_cases[0]); i++) {
		fr_tfidf_options o = FR_TFIDF_OPTIONS_INIT;
		fr_error err = FR_ERROR_INIT;
		json_t *j = json_loads(options_json_cases[i].json, 0, NULL);
		print_message("case %s\n", options_json_cases[i].json);
		assert_non_null(j);
		assert_int_equal(fr_tfidf_options_from_json(&o, j, "opts.json", &err),
		                 options_json_cases[i].rc);
		if (options_json_cases[i].rc == 0) {
			assert_true(o.min_df == options_json_cases[i].min_df);
			assert_int_equal(o.min_df_is_count, options_json_cases[i].min_df_is_count);
		} else {
			assert_int_equal(err.code, options_json_cases[i].rc);
			assert_string_equal(err.source, "opts.json");
		}
		json_decref(j);
	}
}

/* ---- vocabulary JSON ---------------------------------------------------- */

/* Saving the vocabulary as text and loading it gives the same vectors. */
/* a and b have the same features, document count, df, idf (to the bit)
 * and surface forms. */
static void assert_same_vocabulary(const fr_tfidf *a, const fr_tfidf *b)
{
	assert_int_equal(fr_tfidf_feature_count(a), fr_tfidf_feature_count(b));
	assert_int_equal(fr_tfidf_document_count(a), fr_tfidf_document_count(b));
	for (int f = 1; f <= (int)fr_tfidf_feature_count(b); f++) {
		double x = fr_tfidf_idf(a, f), y = fr_tfidf_idf(b, f);
		assert_string_equal(fr_tfidf_term(a, f), fr_tfidf_term(b, f));
		assert_string_equal(fr_tfidf_surface(a, f), fr_tfidf_surface(b, f));
		assert_int_equal(fr_tfidf_df(a, f), fr_tfidf_df(b, f));
		assert_memory_equal(&x, &y, sizeof(double));
	}
}

/* x and y give the same vectors, and the same count of unknown words, for
 * each of the n document specs. */
static void assert_same_vectors(const fr_tfidf *x, const fr_tfidf *y, const char *const *specs, size_t n)
{
	fr_tokens tok;
	fr_sparse_vec a, b;
	fr_error err = FR_ERROR_INIT;
	fr_tokens_init(&tok);
	fr_sparse_vec_init(&a);
	fr_sparse_vec_init(&b);
	for (size_t i = 0; i < n; i++) {
		set_doc(&tok, specs[i]);
		assert_int_equal(fr_tfidf_transform(x, &tok, &a, &err), 0);
		assert_int_equal(fr_tfidf_transform(y, &tok, &b, &err), 0);
		assert_vec_equal(&a, &b);
		assert_int_equal(a.n_unknown, b.n_unknown);
	}
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&a);
	fr_sparse_vec_dispose(&b);
}

static void test_tfidf__vocabulary_json_round_trip(void **state)
{
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 };
	fr_tokens tok;
	fr_sparse_vec a, b;
	fr_error err = FR_ERROR_INIT;
	json_t *j = NULL, *oj = NULL;
	(void)state;

	fr_tokens_init(&tok);
	fr_sparse_vec_init(&a);
	fr_sparse_vec_init(&b);
	fr_tfidf *t = fit_docs(&opts, FIXTURE_DOCS, N_FIXTURE);
	assert_int_equal(fr_tfidf_vocabulary_to_json(t, &j), 0);
	assert_int_equal(fr_tfidf_options_to_json(fr_tfidf_get_options(t), &oj), 0);
	char *vtext = json_dumps(j, 0), *otext = json_dumps(oj, 0);
	json_decref(j);
	json_decref(oj);
	assert_non_null(vtext);
	assert_non_null(otext);
	j = json_loads(vtext, 0, NULL);
	oj = json_loads(otext, 0, NULL);
	assert_non_null(j);
	assert_non_null(oj);
	assert_int_equal(json_integer_value(json_object_get(j, "n_documents")), N_FIXTURE);
	assert_int_equal(json_array_size(json_object_get(j, "terms")), 13);

	fr_tfidf_options lopts = FR_TFIDF_OPTIONS_INIT;
	fr_tfidf *l = NULL;
	assert_int_equal(fr_tfidf_options_from_json(&lopts, oj, "opts.json", &err), 0);
	assert_int_equal(fr_tfidf_load(&l, &lopts, j, "vocab.json", &err), 0);
	assert_same_vocabulary(l, t);
	static const char *const probes[] = {
		"peace talks peace", "talks war warzone", "war war nato", "peace nato talks",
		"ghost war !the nato nato", "",
	};
	assert_same_vectors(t, l, probes, sizeof(probes) / sizeof(probes[0]));
	/* A loaded vocabulary has no fitted documents. */
	assert_int_equal(fr_tfidf_fitted_vector(l, 0, &b, NULL), FR_EINVALID);

	/* The same from the text, compact and indented as model.json is. */
	char *indented = json_dumps(j, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	assert_non_null(indented);
	const char *texts[] = { vtext, indented };
	for (size_t k = 0; k < 2; k++) {
		fr_tfidf *x = NULL;
		assert_int_equal(fr_tfidf_load_text(&x, &lopts, texts[k], strlen(texts[k]), "vocab.json", &err), 0);
		assert_same_vocabulary(x, l);
		assert_same_vectors(l, x, probes, sizeof(probes) / sizeof(probes[0]));
		fr_tfidf_free(x);
	}
	free(indented);

	fr_tfidf_free(l);
	fr_tfidf_free(t);
	json_decref(j);
	json_decref(oj);
	free(vtext);
	free(otext);
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&a);
	fr_sparse_vec_dispose(&b);
}

static const struct {
	const char *name;
	const char *json;
	const char *message; /* a part of err.message */
} bad_vocab_cases[] = {
	{ "df shorter",
	  "{\"n_documents\": 2, \"terms\": [\"a\", \"b\"], \"df\": [1],"
	  " \"idf\": [1.0, 1.0], \"surface\": [\"a\", \"b\"]}", "different lengths" },
	{ "surface longer",
	  "{\"n_documents\": 2, \"terms\": [\"a\", \"b\"], \"df\": [1, 1],"
	  " \"idf\": [1.0, 1.0], \"surface\": [\"a\", \"b\", \"c\"]}", "different lengths" },
	{ "empty",
	  "{\"n_documents\": 2, \"terms\": [], \"df\": [], \"idf\": [], \"surface\": []}", "empty" },
	{ "duplicate term",
	  "{\"n_documents\": 2, \"terms\": [\"a\", \"b\", \"a\"], \"df\": [1, 1, 1],"
	  " \"idf\": [1.0, 1.0, 1.0], \"surface\": [\"a\", \"b\", \"a\"]}", "'a' appears twice" },
	{ "missing surface",
	  "{\"n_documents\": 2, \"terms\": [\"a\"], \"df\": [1], \"idf\": [1.0]}", "surface" },
	{ "word after a character n-gram",
	  "{\"n_documents\": 2, \"terms\": [\"a\", \"\\u0001 b\", \"c\"], \"df\": [1, 1, 1],"
	  " \"idf\": [1.0, 1.0, 1.0], \"surface\": [\"a\", \" b\", \"c\"]}", "'c' comes after a character n-gram" },
	{ "n_documents not integer",
	  "{\"n_documents\": \"2\", \"terms\": [\"a\"], \"df\": [1], \"idf\": [1.0],"
	  " \"surface\": [\"a\"]}", "n_documents" },
	{ "n_documents negative",
	  "{\"n_documents\": -3, \"terms\": [\"a\"], \"df\": [1], \"idf\": [1.0],"
	  " \"surface\": [\"a\"]}", "n_documents" },
	{ "n_documents zero",
	  "{\"n_documents\": 0, \"terms\": [\"a\"], \"df\": [1], \"idf\": [1.0],"
	  " \"surface\": [\"a\"]}", "n_documents" },
	{ "df above n_documents",
	  "{\"n_documents\": 2, \"terms\": [\"a\", \"b\"], \"df\": [1, 3],"
	  " \"idf\": [1.0, 1.0], \"surface\": [\"a\", \"b\"]}", "entry 2" },
	{ "df negative",
	  "{\"n_documents\": 2, \"terms\": [\"a\", \"b\"], \"df\": [-1, 1],"
	  " \"idf\": [1.0, 1.0], \"surface\": [\"a\", \"b\"]}", "entry 1" },
	{ "idf not a number",
	  "{\"n_documents\": 2, \"terms\": [\"a\", \"b\"], \"df\": [1, 1],"
	  " \"idf\": [1.0, \"x\"], \"surface\": [\"a\", \"b\"]}", "entry 2" },
	{ "term not a string",
	  "{\"n_documents\": 2, \"terms\": [3], \"df\": [1], \"idf\": [1.0],"
	  " \"surface\": [\"a\"]}", "entry 1" },
};

/* Features of one document frequency share one idf, which the vectorizer
 * keeps once; a model.json whose idf differs from its df's (edited by
 * hand) is still read as written. */
static void test_tfidf__loaded_idf_taken_as_written(void **state)
{
	fr_tfidf_options opts = { 1, 1, 1.0, 1, 1.0, 0, 0, 0, 1, 0, 0 };
	fr_tokens tok;
	fr_sparse_vec v;
	fr_error err = FR_ERROR_INIT;
	json_t *j = NULL;
	(void)state;

	fr_tokens_init(&tok);
	fr_sparse_vec_init(&v);
	fr_tfidf *t = fit_docs(&opts, FIXTURE_DOCS, N_FIXTURE);
	assert_int_equal(fr_tfidf_vocabulary_to_json(t, &j), 0);
	/* peace, war and nato each occur in two documents. */
	json_t *terms = json_object_get(j, "terms"), *idf = json_object_get(j, "idf");
	size_t war = SIZE_MAX;
	for (size_t i = 0; i < json_array_size(terms); i++)
		if (strcmp(json_string_value(json_array_get(terms, i)), "war") == 0)
			war = i;
	assert_true(war < json_array_size(idf));
	double peace_idf = NAN;
	for (int f = 1; f <= (int)fr_tfidf_feature_count(t); f++)
		if (strcmp(fr_tfidf_term(t, f), "peace") == 0)
			peace_idf = fr_tfidf_idf(t, f);
	assert_close(peace_idf, fr_tfidf_idf(t, (int)war + 1), TOL);
	assert_int_equal(json_array_set_new(idf, war, json_real(5.0)), 0);

	fr_tfidf *l = NULL;
	assert_int_equal(fr_tfidf_load(&l, &opts, j, "vocab.json", &err), 0);
	set_doc(&tok, "peace war");
	assert_int_equal(fr_tfidf_transform(l, &tok, &v, &err), 0);
	assert_int_equal(v.count, 2);
	double norm = sqrt(peace_idf * peace_idf + 25.0);
	for (size_t i = 0; i < 2; i++) {
		const char *term = fr_tfidf_term(l, v.nodes[i].index);
		assert_close(v.nodes[i].value, (strcmp(term, "war") == 0 ? 5.0 : peace_idf) / norm, TOL);
	}
	json_decref(j);
	fr_tfidf_free(t);
	fr_tfidf_free(l);
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&v);
}

static void test_tfidf__bad_vocabulary_json(void **state)
{
	fr_tfidf_options opts = FR_TFIDF_OPTIONS_INIT;
	(void)state;
	for (size_t i = 0; i < sizeof(bad_vocab_cases) / sizeof(bad_vocab_cases[0]); i++) {
		fr_error err = FR_ERROR_INIT;
		fr_tfidf *t = NULL;
		json_t *j = json_loads(bad_vocab_cases[i].json, 0, NULL);
		print_message("case: %s\n", bad_vocab_cases[i].name);
		assert_non_null(j);
		assert_int_equal(fr_tfidf_load(&t, &opts, j, "vocab.json", &err), FR_EMODEL);
		assert_null(t);
		assert_int_equal(err.code, FR_EMODEL);
		assert_string_equal(err.source, "vocab.json");
		print_message("  message: %s\n", err.message);
		assert_non_null(strstr(err.message, bad_vocab_cases[i].message));
		json_decref(j);
		/* Read from the text, the same refusal in the same words. */
		fr_error err2 = FR_ERROR_INIT;
		const char *text = bad_vocab_cases[i].json;
		assert_int_equal(fr_tfidf_load_text(&t, &opts, text, strlen(text), "vocab.json", &err2), FR_EMODEL);
		assert_null(t);
		assert_string_equal(err2.message, err.message);
		assert_string_equal(err2.source, "vocab.json");
	}
}

/* Strings read from the text are what jansson makes of them: every escape,
 * a surrogate pair, UTF-8 as it is; numbers as strtod reads them. */
static void test_tfidf__vocabulary_text_strings_and_numbers(void **state)
{
	fr_tfidf_options opts = { 1, 1, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 };
	static const char text[] =
		"{ \"surface\" : [\"a\\\"q\\\\b\\/c\", \"\\u00e9t\\u00E9\\n\\t\", \"\\ud83d\\ude00\", \"\xc3\xa9\","
		" \"s5\", \"s6\", \"s7\", \"s8\", \"s9\"],"
		" \"other\": {\"x\": [1, -2.5e-3, true, false, null, \"}\"]},"
		" \"terms\":[\"w1\",\"w2\",\"w3\",\"w4\",\"w5\",\"w6\",\"w7\",\"w8\",\"w9\"],"
		" \"df\":[1,2,1,2,1,2,1,2,1],"
		" \"idf\":[1.4054651081081644, 1e0, 2, 0.30000000000000004, 3.8712010109078907,"
		" 5e-324, 1.7976931348623157e308, 9007199254740993, 0.12345678901234567890123],"
		"\n\"n_documents\":2}";
	fr_error err = FR_ERROR_INIT;
	fr_tfidf *a = NULL, *b = NULL;
	(void)state;
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	assert_int_equal(fr_tfidf_load(&a, &opts, j, "v", &err), 0);
	assert_int_equal(fr_tfidf_load_text(&b, &opts, text, sizeof(text) - 1, "v", &err), 0);
	assert_int_equal(fr_tfidf_feature_count(b), 9);
	for (int f = 1; f <= 9; f++) {
		assert_string_equal(fr_tfidf_surface(b, f), fr_tfidf_surface(a, f));
		assert_memory_equal(&(double){ fr_tfidf_idf(b, f) }, &(double){ fr_tfidf_idf(a, f) }, sizeof(double));
	}
	assert_string_equal(fr_tfidf_surface(b, 2), "\xc3\xa9t\xc3\xa9\n\t");
	assert_string_equal(fr_tfidf_surface(b, 3), "\xf0\x9f\x98\x80");
	fr_tfidf_free(a);
	fr_tfidf_free(b);
	json_decref(j);
}

/* What jansson refuses, the text reader refuses, saying where. */
static void test_tfidf__vocabulary_text_refusals(void **state)
{
	static const char *const bad[] = {
		"", "{", "{\"terms\" [\"a\"]}", "{\"terms\": [\"a\"],}", "{\"n_documents\": 1} x",
		"{\"terms\": [\"a\x01\"]}", "{\"terms\": [\"a\xff\"]}", "{\"terms\": [\"\\u0000\"]}",
		"{\"terms\": [\"\\ud800\"]}", "{\"terms\": [\"\\udc00x\"]}", "{\"terms\": [\"\\x\"]}",
		"{\"terms\": [\"abc]}", "{\"df\": [99999999999999999999]}", "{\"df\": [01]}", "{\"df\": [1.]}",
		"{\"idf\": [-]}", "{\"idf\": [1e999]}", "{\"terms\": [], \"terms\": []}", "{\"x\": tru}",
	};
	fr_tfidf_options opts = FR_TFIDF_OPTIONS_INIT;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fr_error err = FR_ERROR_INIT;
		fr_tfidf *t = NULL;
		print_message("case: %s\n", bad[i]);
		json_t *j = json_loads(bad[i], JSON_REJECT_DUPLICATES, NULL);
		assert_null(j); /* jansson refuses it too, as model.c calls it */
		assert_int_equal(fr_tfidf_load_text(&t, &opts, bad[i], strlen(bad[i]), "v", &err), FR_EMODEL);
		assert_null(t);
		assert_non_null(strstr(err.message, "corrupt vocabulary"));
		print_message("  message: %s\n", err.message);
	}
	/* JSON, but not an object: as fr_tfidf_load says it. */
	static const char *const not_object[] = { "[]", " 5 ", "\"x\"" };
	for (size_t i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++) {
		fr_error err = FR_ERROR_INIT;
		fr_tfidf *t = NULL;
		assert_int_equal(fr_tfidf_load_text(&t, &opts, not_object[i], strlen(not_object[i]), "v", &err),
		                 FR_EMODEL);
		assert_non_null(strstr(err.message, "vocabulary needs arrays"));
	}
}

/* The vocabulary's value is found in a manifest by brackets and strings,
 * whatever braces and quotes the strings before it hold. */
static void test_tfidf__vocabulary_span(void **state)
{
	static const char manifest[] =
		"{\"config\": {\"a\": [1, {\"b\": \"}]\\\"{\"}], \"vocabulary\": 1},"
		" \"n\": -1.5e3, \"t\": true,\n \"vocabulary\" :  {\"terms\": [\"x]\"], \"n\": [[]]} ,"
		" \"tail\": null}";
	size_t start = 0, end = 0;
	(void)state;
	assert_int_equal(fr_tfidf_vocabulary_span(manifest, sizeof(manifest) - 1, &start, &end), 0);
	assert_int_equal(end - start, strlen("{\"terms\": [\"x]\"], \"n\": [[]]}"));
	assert_memory_equal(manifest + start, "{\"terms\": [\"x]\"], \"n\": [[]]}", end - start);
	assert_int_equal(fr_tfidf_vocabulary_span("{\"a\": 1}", 8, &start, &end), FR_ENOTFOUND);
	assert_int_equal(fr_tfidf_vocabulary_span("{}", 2, &start, &end), FR_EFORMAT);
	assert_int_equal(fr_tfidf_vocabulary_span("[1]", 3, &start, &end), FR_EFORMAT);
	assert_int_equal(fr_tfidf_vocabulary_span("{\"vocabulary\": [1, 2", 20, &start, &end), FR_EFORMAT);

	/* Long stretches without a bracket or a quote, each stop at every
	 * place of a 16-byte step: 0..40 spaces before each. */
	for (size_t pad = 0; pad <= 40; pad++) {
		char text[1024], sp[64];
		memset(sp, ' ', pad);
		sp[pad] = '\0';
		int n = snprintf(text, sizeof(text),
		                 "{\"c\": [%s1.25, 3,%s{\"k\": %s\"v%s\\\"\"}%s], \"vocabulary\": %s[%s[%s]%s]%s}",
		                 sp, sp, sp, sp, sp, sp, sp, sp, sp, sp);
		assert_true(n > 0 && (size_t)n < sizeof(text));
		assert_int_equal(fr_tfidf_vocabulary_span(text, (size_t)n, &start, &end), 0);
		assert_true(text[start] == '[' && text[end - 1] == ']');
		assert_int_equal(end - start, 4 + 3 * pad);
	}
}

/* ---- character n-grams -------------------------------------------------- */

/* Whether t's vocabulary has the character n-gram gram (without the mark). */
static int has_char_gram(const fr_tfidf *t, const char *gram)
{
	char key[32];
	snprintf(key, sizeof(key), "%c%s", FR_TFIDF_CHAR_MARK, gram);
	for (size_t f = 1; f <= fr_tfidf_feature_count(t); f++)
		if (strcmp(fr_tfidf_term(t, (int)f), key) == 0)
			return (int)f;
	return 0;
}

/* The image of a vectorizer with the given options, fitted on the fixture. */
static fr_tfidf *image_of_fixture(const fr_tfidf_options *opts, uint64_t text_hash, char **data, size_t *len)
{
	fr_tfidf *t = fit_docs(opts, FIXTURE_DOCS, N_FIXTURE);
	fr_tfidf_image_text at = { 10, 20, 3, text_hash };
	assert_int_equal(fr_tfidf_image(t, &at, data, len), 0);
	return t;
}

/* A vectorizer read back from its image is the one written: the same
 * vocabulary, surface forms, word features and vectors, with words only,
 * with character n-grams, and with trigrams (no term index). The header
 * keeps where the vocabulary's text was. */
static void test_tfidf__image_round_trip(void **state)
{
	(void)state;
	const fr_tfidf_options cases[] = {
		{ 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 },
		{ 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 2, 4 },
		{ 1, 3, 1.0, 1, 1.0, 0, 0, 0, 1, 0, 0 },
	};
	static const char *const probes[] = {
		"peace talks peace", "talks war warzone", "war war nato", "ghost war !the nato nato", "",
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *data = NULL;
		size_t len = 0;
		const char *why = "unset";
		fr_tfidf *t = image_of_fixture(&cases[c], 77, &data, &len), *l = NULL;
		fr_tfidf_image_text at;
		assert_int_equal(fr_tfidf_image_text_of(data, len, &at), 0);
		assert_true(at.start == 10 && at.len == 20 && at.lines == 3 && at.hash == 77);
		assert_int_equal(fr_tfidf_image_read(&l, &cases[c], data, len, 77, &why), 0);
		assert_null(why);
		assert_same_vocabulary(l, t);
		assert_int_equal(fr_tfidf_word_feature_count(l), fr_tfidf_word_feature_count(t));
		assert_int_equal(fr_tfidf_has_term_index(l), fr_tfidf_has_term_index(t));
		assert_same_vectors(t, l, probes, sizeof(probes) / sizeof(probes[0]));
		/* At an odd address, as a file's bytes may be, it reads the same. */
		char *odd = malloc(len + 1);
		fr_tfidf *o = NULL;
		assert_non_null(odd);
		memcpy(odd + 1, data, len);
		assert_int_equal(fr_tfidf_image_read(&o, &cases[c], odd + 1, len, 77, &why), 0);
		assert_same_vectors(t, o, probes, sizeof(probes) / sizeof(probes[0]));
		fr_tfidf_free(o);
		free(odd);
		/* The same tables give the same bytes. */
		char *again = NULL;
		size_t again_len = 0;
		fr_tfidf_image_text same = { 10, 20, 3, 77 };
		assert_int_equal(fr_tfidf_image(l, &same, &again, &again_len), 0);
		assert_int_equal(again_len, len);
		assert_memory_equal(again, data, len);
		free(again);
		fr_tfidf_free(l);
		fr_tfidf_free(t);
		free(data);
	}
}

/* Sets the body checksum of an image again after an edit, as a file made
 * to pass it would. The layout is the header's (tfidf.c). */
static void reseal(char *data, size_t len)
{
	uint64_t sum = fr_checksum64(data + 64, len - 64);
	memcpy(data + 56, &sum, sizeof(sum));
}

/* An image of another vocabulary text, other n-gram options, cut short or
 * damaged is refused with what is wrong, and so is one whose checksum was
 * made to match tables that would send a lookup outside them. */
static void test_tfidf__image_refusals(void **state)
{
	(void)state;
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 }, tri = opts;
	tri.ngram_max = 3;
	char *data = NULL;
	size_t len = 0;
	const char *why = NULL;
	fr_tfidf *t = image_of_fixture(&opts, 77, &data, &len), *l = NULL;
	char *copy = malloc(len);
	assert_non_null(copy);

	assert_int_equal(fr_tfidf_image_read(&l, &opts, data, len, 78, &why), FR_ENOTFOUND);
	assert_non_null(strstr(why, "another vocabulary"));
	assert_int_equal(fr_tfidf_image_read(&l, &tri, data, len, 77, &why), FR_ENOTFOUND);
	assert_non_null(strstr(why, "n-gram options"));
	assert_int_equal(fr_tfidf_image_read(&l, &opts, data, len - 8, 77, &why), FR_EFORMAT);
	assert_non_null(strstr(why, "cut short"));
	assert_int_equal(fr_tfidf_image_read(&l, &opts, "FRVOCAB", 7, 77, &why), FR_EFORMAT);
	memcpy(copy, data, len);
	copy[len / 2] ^= 0x10;
	assert_int_equal(fr_tfidf_image_read(&l, &opts, copy, len, 77, &why), FR_EFORMAT);
	assert_non_null(strstr(why, "checksum"));
	memcpy(copy, data, len);
	copy[8] = 2; /* another version */
	assert_int_equal(fr_tfidf_image_read(&l, &opts, copy, len, 77, &why), FR_ENOTFOUND);
	assert_null(l);

	/* Resealed damage: every byte of the body in turn set to 0xff. Each
	 * image is refused or, where the byte changed nothing a lookup relies
	 * on (a filter bit, a padding byte, a surface form's letter), read;
	 * then every probe stays inside the tables (ASan and UBSan watch). */
	fr_tokens tok;
	fr_sparse_vec v;
	fr_error err = FR_ERROR_INIT;
	fr_tokens_init(&tok);
	fr_sparse_vec_init(&v);
	size_t refused = 0;
	for (size_t i = 64; i < len; i++) {
		memcpy(copy, data, len);
		if ((unsigned char)copy[i] == 0xff)
			continue;
		copy[i] = (char)0xff;
		reseal(copy, len);
		int rc = fr_tfidf_image_read(&l, &opts, copy, len, 77, &why);
		if (rc < 0) {
			assert_true(rc == FR_EFORMAT || rc == FR_ENOTFOUND); /* the term-index flag: options */
			assert_non_null(why);
			refused++;
			continue;
		}
		set_doc(&tok, "peace talks war nato ghost");
		assert_int_equal(fr_tfidf_transform(l, &tok, &v, &err), 0);
		fr_tfidf_free(l);
		l = NULL;
	}
	assert_true(refused > 0);
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&v);
	free(copy);
	free(data);
	fr_tfidf_free(t);
}

static void test_tfidf__char_ngrams(void **state)
{
	(void)state;
	fr_tfidf_options opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 2, 5 };
	fr_tfidf *t = NULL, *loaded = NULL;
	fr_tokens doc;
	fr_sparse_vec a, b, c;
	fr_error err = FR_ERROR_INIT;
	json_t *vocab = NULL, *oj = NULL;
	fr_tokens_init(&doc);
	fr_sparse_vec_init(&a);
	fr_sparse_vec_init(&b);
	fr_sparse_vec_init(&c);
	assert_int_equal(fr_tfidf_new(&t, &opts, &err), 0);
	/* Cut from the folded surface, not the term; stop words too. */
	set_doc(&doc, "war=war !a=a");
	assert_int_equal(fr_tfidf_fit_add(t, &doc, &err), 0);
	set_doc(&doc, "peac=peace war=wär");
	assert_int_equal(fr_tfidf_fit_add(t, &doc, &err), 0);
	assert_int_equal(fr_tfidf_fit_finish(t, &err), 0);
	/* scikit-learn's char_wb on " war ": every 2..5 gram. */
	static const char *const war[] = { " w", "wa", "ar", "r ", " wa", "war", "ar ", " war", "war ", " war " };
	for (size_t i = 0; i < sizeof(war) / sizeof(war[0]); i++) {
		print_message("gram '%s'\n", war[i]);
		assert_true(has_char_gram(t, war[i]));
	}
	/* " a " is shorter than 4: itself once, at 3. */
	assert_true(has_char_gram(t, " a"));
	assert_true(has_char_gram(t, " a "));
	/* Code points, not bytes: "wä" is one 2-gram. */
	assert_true(has_char_gram(t, "wä"));
	assert_true(has_char_gram(t, " wär "));
	assert_false(has_char_gram(t, "peac "));
	assert_true(has_char_gram(t, "ace "));
	/* Word features first, then characters. */
	size_t V = fr_tfidf_feature_count(t);
	int first_char = 0;
	for (size_t f = 1; f <= V; f++) {
		int is_char = fr_tfidf_term(t, (int)f)[0] == FR_TFIDF_CHAR_MARK;
		if (is_char && !first_char)
			first_char = (int)f;
		assert_true(!first_char || is_char);
	}
	assert_string_equal(fr_tfidf_term(t, 1), "peac");
	assert_true(first_char > 1);
	assert_int_equal(fr_tfidf_df(t, has_char_gram(t, " w")), 2);

	/* Fitted vector, transform, the term-id path and a reloaded vocabulary agree. */
	assert_int_equal(fr_tfidf_fitted_vector(t, 1, &a, &err), 0);
	set_doc(&doc, "peac=peace war=wär");
	assert_int_equal(fr_tfidf_transform(t, &doc, &b, &err), 0);
	int32_t ids[2] = { fr_tfidf_term_id(t, "peac", 4), fr_tfidf_term_id(t, "war", 3) };
	assert_int_equal(fr_tfidf_transform_ids(t, ids, 2, &doc, &c, &err), 0);
	assert_int_equal(a.count, b.count);
	assert_int_equal(a.count, c.count);
	assert_true(a.count > 10);
	for (size_t i = 0; i <= a.count; i++) {
		assert_int_equal(a.nodes[i].index, b.nodes[i].index);
		assert_int_equal(a.nodes[i].index, c.nodes[i].index);
		assert_close(a.nodes[i].value, b.nodes[i].value, TOL);
		assert_close(a.nodes[i].value, c.nodes[i].value, TOL);
	}
	assert_int_equal(fr_tfidf_options_to_json(&opts, &oj), 0);
	assert_int_equal(fr_tfidf_vocabulary_to_json(t, &vocab), 0);
	fr_tfidf_options back = FR_TFIDF_OPTIONS_INIT;
	assert_int_equal(fr_tfidf_options_from_json(&back, oj, "model.json", &err), 0);
	assert_int_equal(back.char_min, 2);
	assert_int_equal(back.char_max, 5);
	assert_int_equal(fr_tfidf_load(&loaded, &back, vocab, "model.json", &err), 0);
	assert_int_equal(fr_tfidf_feature_count(loaded), V);
	assert_int_equal(fr_tfidf_transform_ids(loaded, ids, 2, &doc, &b, &err), 0);
	assert_int_equal(b.count, a.count);
	for (size_t i = 0; i < a.count; i++) {
		assert_int_equal(a.nodes[i].index, b.nodes[i].index);
		assert_close(a.nodes[i].value, b.nodes[i].value, TOL);
	}
	/* Off, a term-id transform ignores the tokens. */
	json_decref(vocab);
	json_decref(oj);
	fr_tfidf_free(loaded);
	fr_tfidf_free(t);
	fr_tokens_dispose(&doc);
	fr_sparse_vec_dispose(&a);
	fr_sparse_vec_dispose(&b);
	fr_sparse_vec_dispose(&c);
}

/* The squared length of v's word part (part 0: features 1..n_word) or its
 * character part (part 1). */
static double part_norm2(const fr_sparse_vec *v, size_t n_word, int part)
{
	double sum = 0.0;
	for (size_t i = 0; i < v->count; i++)
		if (((size_t)v->nodes[i].index > n_word) == part)
			sum += v->nodes[i].value * v->nodes[i].value;
	return sum;
}

/* l2_parts: words and characters each to unit length, then the whole, so
 * each part holds half the squared length; within a part the values keep
 * the proportions they have under one norm. */
static void test_tfidf__norm_parts(void **state)
{
	(void)state;
	fr_tfidf_options joint_opts = { 1, 2, 1.0, 1, 1.0, 0, 1, 1, FR_TFIDF_NORM_L2, 2, 5 };
	fr_tfidf_options parts_opts = joint_opts;
	parts_opts.norm = FR_TFIDF_NORM_L2_PARTS;
	fr_tfidf *joint = NULL, *parts = NULL;
	fr_tokens doc;
	fr_sparse_vec a, b;
	fr_error err = FR_ERROR_INIT;
	fr_tokens_init(&doc);
	fr_sparse_vec_init(&a);
	fr_sparse_vec_init(&b);
	assert_int_equal(fr_tfidf_new(&joint, &joint_opts, &err), 0);
	assert_int_equal(fr_tfidf_new(&parts, &parts_opts, &err), 0);
	static const char *const train[] = { "war=war talk=talks", "peac=peace war=wär", "talk=talk" };
	for (size_t i = 0; i < 3; i++) {
		set_doc(&doc, train[i]);
		assert_int_equal(fr_tfidf_fit_add(joint, &doc, &err), 0);
		assert_int_equal(fr_tfidf_fit_add(parts, &doc, &err), 0);
	}
	assert_int_equal(fr_tfidf_fit_finish(joint, &err), 0);
	assert_int_equal(fr_tfidf_fit_finish(parts, &err), 0);
	size_t n_word = fr_tfidf_word_feature_count(parts);
	assert_true(n_word > 0 && n_word < fr_tfidf_feature_count(parts));

	/* Fitted and transformed alike. */
	set_doc(&doc, "peac=peace war=wär");
	assert_int_equal(fr_tfidf_transform(joint, &doc, &a, &err), 0);
	assert_int_equal(fr_tfidf_transform(parts, &doc, &b, &err), 0);
	assert_int_equal(a.count, b.count);
	assert_close(part_norm2(&b, n_word, 0), 0.5, TOL);
	assert_close(part_norm2(&b, n_word, 1), 0.5, TOL);
	/* Under one norm the characters take nearly all of the length. */
	assert_true(part_norm2(&a, n_word, 1) > 4.0 * part_norm2(&a, n_word, 0));
	double scale[2] = { sqrt(0.5 / part_norm2(&a, n_word, 0)), sqrt(0.5 / part_norm2(&a, n_word, 1)) };
	for (size_t i = 0; i < a.count; i++) {
		assert_int_equal(a.nodes[i].index, b.nodes[i].index);
		assert_close(b.nodes[i].value, a.nodes[i].value * scale[(size_t)a.nodes[i].index > n_word], TOL);
	}
	fr_sparse_vec fitted;
	fr_sparse_vec_init(&fitted);
	assert_int_equal(fr_tfidf_fitted_vector(parts, 1, &fitted, &err), 0);
	assert_int_equal(fitted.count, b.count);
	for (size_t i = 0; i < b.count; i++)
		assert_close(fitted.nodes[i].value, b.nodes[i].value, TOL);
	fr_sparse_vec_dispose(&fitted);

	/* A paragraph whose terms are all unknown but whose letters are not:
	 * the character part alone, at unit length. */
	set_doc(&doc, "zzz=war");
	assert_int_equal(fr_tfidf_transform(parts, &doc, &b, &err), 0);
	assert_true(b.count > 0);
	assert_close(part_norm2(&b, n_word, 0), 0.0, TOL);
	assert_close(part_norm2(&b, n_word, 1), 1.0, TOL);
	fr_tfidf_free(joint);
	fr_tfidf_free(parts);

	/* Without character n-grams, l2_parts is l2. */
	joint_opts.char_min = joint_opts.char_max = 0;
	parts_opts.char_min = parts_opts.char_max = 0;
	joint = fit_docs(&joint_opts, FIXTURE_DOCS, N_FIXTURE);
	parts = fit_docs(&parts_opts, FIXTURE_DOCS, N_FIXTURE);
	assert_same_vectors(joint, parts, FIXTURE_DOCS, N_FIXTURE);
	fr_tfidf_free(joint);
	fr_tfidf_free(parts);
	fr_tokens_dispose(&doc);
	fr_sparse_vec_dispose(&a);
	fr_sparse_vec_dispose(&b);
}

/* Cross-validation's check tells what each fold's own fit keeps from one
 * fit of every document: for every set of documents held out, under
 * count and share cuts at both ends, bigrams and character n-grams, a row
 * has a word exactly when a fit on the others alone gives it a feature
 * (none when that fit keeps no term). */
static void test_tfidf__rows_with_words_held_out(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"peace talks peace", "talks war", "war war nato", "!the !of", "zelensky", "peace nato talks", "nato",
	};
	enum { N = sizeof(docs) / sizeof(docs[0]) };
	static const fr_tfidf_options cases[] = {
		{ 1, 1, 2.0, 1, 1.0, 0, 1, 1, 1, 0, 0 },  /* min_df 2 */
		{ 1, 2, 0.5, 0, 1.0, 0, 1, 1, 1, 0, 0 },  /* min_df a share, bigrams */
		{ 1, 1, 1.0, 1, 2.0, 1, 1, 1, 1, 0, 0 },  /* max_df 2 */
		{ 1, 1, 1.0, 1, 0.5, 0, 1, 1, 1, 0, 0 },  /* max_df a share */
		{ 2, 2, 1.0, 1, 1.0, 0, 1, 1, 1, 0, 0 },  /* bigrams only */
		{ 1, 1, 3.0, 1, 1.0, 0, 1, 1, 2, 2, 3 },  /* characters */
	};
	fr_tokens tok;
	fr_sparse_vec vec;
	fr_tokens_init(&tok);
	fr_sparse_vec_init(&vec);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		fr_tfidf *all = NULL;
		fr_error err = FR_ERROR_INIT;
		assert_int_equal(fr_tfidf_new(&all, &cases[c], &err), 0);
		for (size_t i = 0; i < N; i++) {
			set_doc(&tok, docs[i]);
			assert_int_equal(fr_tfidf_fit_add(all, &tok, &err), 0);
		}
		for (unsigned mask = 0; mask + 1 < (1u << N); mask++) {
			unsigned char held[N], got[N], want[N] = { 0 };
			fr_tfidf *part = NULL;
			size_t n_part = 0;
			assert_int_equal(fr_tfidf_new(&part, &cases[c], &err), 0);
			for (size_t i = 0; i < N; i++) {
				held[i] = (mask >> i) & 1;
				if (held[i])
					continue;
				set_doc(&tok, docs[i]);
				assert_int_equal(fr_tfidf_fit_add(part, &tok, &err), 0);
			}
			int fitted = fr_tfidf_fit_finish(part, &err) == 0;
			for (size_t i = 0; i < N; i++) {
				if (held[i])
					continue;
				if (fitted) {
					assert_int_equal(fr_tfidf_fitted_vector(part, n_part, &vec, &err), 0);
					want[i] = vec.count > 0;
				}
				n_part++;
			}
			assert_int_equal(fr_tfidf_fit_rows_with_words(all, mask ? held : NULL, got, &err), 0);
			if (memcmp(got, want, N) != 0)
				fail_msg("case %zu, held out %#x: rows with words differ from a fit on the others", c, mask);
			fr_tfidf_free(part);
		}
		/* Once finished (a fit of every row that keeps a term), too late. */
		if (fr_tfidf_fit_finish(all, &err) == 0)
			assert_int_equal(fr_tfidf_fit_rows_with_words(all, NULL, (unsigned char[N]){ 0 }, &err),
			                 FR_EINVALID);
		fr_tfidf_free(all);
	}
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&vec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tfidf__values_by_hand),
		cmocka_unit_test(test_tfidf__features_in_byte_order),
		cmocka_unit_test(test_tfidf__min_df_max_df),
		cmocka_unit_test(test_tfidf__empty_training_set),
		cmocka_unit_test(test_tfidf__transform_out_of_vocabulary),
		cmocka_unit_test(test_tfidf__transform_long_document),
		cmocka_unit_test(test_tfidf__fit_release),
		cmocka_unit_test(test_tfidf__surface_forms),
		cmocka_unit_test(test_tfidf__stop_words_skipped),
		cmocka_unit_test(test_tfidf__stop_words_through_pipeline),
		cmocka_unit_test(test_tfidf__check_options),
		cmocka_unit_test(test_tfidf__options_json_round_trip),
		cmocka_unit_test(test_tfidf__options_from_json),
		cmocka_unit_test(test_tfidf__vocabulary_json_round_trip),
		cmocka_unit_test(test_tfidf__loaded_idf_taken_as_written),
		cmocka_unit_test(test_tfidf__bad_vocabulary_json),
		cmocka_unit_test(test_tfidf__vocabulary_text_strings_and_numbers),
		cmocka_unit_test(test_tfidf__vocabulary_text_refusals),
		cmocka_unit_test(test_tfidf__vocabulary_span),
		cmocka_unit_test(test_tfidf__char_ngrams),
		cmocka_unit_test(test_tfidf__norm_parts),
		cmocka_unit_test(test_tfidf__image_round_trip),
		cmocka_unit_test(test_tfidf__image_refusals),
		cmocka_unit_test(test_tfidf__rows_with_words_held_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
