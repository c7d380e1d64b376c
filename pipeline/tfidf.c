#include "tfidf.h"

#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "checksum.h"
#include "jsonl.h"
#include "numfmt.h"
#include "strmap.h"

/* Counts below this take their sublinear tf from a table made with the
 * same expression, so it is the same double. */
#define TF_LOG_TABLE 64

/* A bigram feature of the term index: term ids + 1 and the feature. One
 * slot is one read, mostly inside one cache line. */
typedef struct {
	uint32_t a, b;
	uint32_t feature;
} tfidf_pair;

struct fr_tfidf {
	fr_tfidf_options opts;
	size_t n_docs;
	int finished;

	/* The finished vocabulary; arrays are indexed by feature index 1..V. */
	fr_strmap *vocab;    /* term -> index - 1 */
	uint32_t *df;
	double *idf;
	/* idf is a function of df, so a vocabulary has few distinct values:
	 * idf[f] == idf_value[idf_class[f]], a quarter of idf's bytes, which
	 * the vectorizer's scattered reads find in the core's cache far more
	 * often. NULL when there are more than IDF_CLASSES_MAX values (then
	 * idf is read). */
	uint16_t *idf_class;
	double *idf_value;
	size_t n_idf_classes;
	size_t n_word_features; /* features 1..this are not character n-grams */
	char **surface;      /* into surface_text */
	char *surface_text;  /* every surface form, each NUL-terminated; owned */

	/* The term index of the fast path (ngram_max <= 2). */
	fr_strmap *terms;      /* term -> term id */
	uint32_t *unigram;     /* term id -> its unigram feature, 0 when it is none */
	tfidf_pair *pairs;     /* open addressing on (id1, id2); a == 0 for empty */
	size_t pair_slots;
	/* Which bigrams may be in pairs: two bits of one word per bigram, about
	 * a byte a bigram, so that it stays in the cache the table is too big
	 * for. Most bigrams of a text are in no vocabulary; they are answered
	 * here without a trip to memory. */
	uint64_t *pair_filter;
	size_t pair_filter_words;

	/* Fitting state, freed by fr_tfidf_fit_release. */
	fr_strmap *prov;       /* every n-gram seen -> provisional id */
	uint32_t *prov_df, *prov_last_doc;
	size_t prov_cap;
	fr_strmap *surf;       /* provisional id + surface form -> id */
	uint32_t *surf_count;
	size_t surf_cap;
	uint32_t *doc_terms;   /* provisional ids of all documents, concatenated */
	size_t doc_terms_len, doc_terms_cap;
	size_t *doc_start;     /* doc i's ids are doc_terms[doc_start[i] .. doc_start[i+1]) */
	size_t doc_start_cap;
	uint32_t *prov_to_final; /* 0 when pruned */
	char *key, *skey;      /* scratch for n-gram keys */
	size_t key_cap, skey_cap;
	uint32_t *kept;
	size_t kept_cap;
	char *ckey;            /* scratch for character n-grams */
	size_t ckey_cap;
	uint32_t *offs;
	size_t offs_cap;

	double tf_log[TF_LOG_TABLE]; /* 1 + ln(count): sublinear tf of the common counts */
};

const char *fr_tfidf_check_options(const fr_tfidf_options *o)
{
	if (o->ngram_min < 1 || o->ngram_max < o->ngram_min || o->ngram_max > 8)
		return "ngram_range must be [min, max] with 1 <= min <= max <= 8";
	if (!(o->min_df >= 0) || (!o->min_df_is_count && o->min_df > 1.0))
		return "min_df must be a document count (integer) or a share in [0, 1]";
	if (!(o->max_df >= 0) || (!o->max_df_is_count && o->max_df > 1.0))
		return "max_df must be a document count (integer) or a share in [0, 1]";
	if (!(o->char_min == 0 && o->char_max == 0) &&
	    (o->char_min < 1 || o->char_max < o->char_min || o->char_max > 8))
		return "char_ngrams must be [min, max] with 1 <= min <= max <= 8, or null";
	if (o->norm != FR_TFIDF_NORM_NONE && o->norm != FR_TFIDF_NORM_L2 && o->norm != FR_TFIDF_NORM_L2_PARTS)
		return "norm must be \"l2\", \"l2_parts\" or \"none\"";
	return NULL;
}

void fr_sparse_vec_init(fr_sparse_vec *v)
{
	memset(v, 0, sizeof(*v));
}

int fr_sparse_vec_append(const fr_sparse_vec *v, struct svm_node **store, size_t *cap,
                         size_t *used, size_t *offset_out)
{
	/* Nodes, terminator and a scratch node: LIBLINEAR's bias (fr_classifier_train). */
	if (fr_grow((void **)store, cap, *used + v->count + 2, sizeof(**store)) < 0)
		return FR_ENOMEM;
	memcpy(*store + *used, v->nodes, (v->count + 1) * sizeof(**store));
	(*store)[*used + v->count + 1] = v->nodes[v->count];
	*offset_out = *used;
	*used += v->count + 2;
	return 0;
}

void fr_sparse_vec_dispose(fr_sparse_vec *v)
{
	if (v == NULL)
		return;
	free(v->nodes);
	free(v->ids);
	free(v->sorted);
	free(v->kept);
	free(v->key);
	free(v->offs);
	memset(v, 0, sizeof(*v));
}

int fr_tfidf_new(fr_tfidf **out, const fr_tfidf_options *opts, fr_error *err)
{
	*out = NULL;
	const char *why = fr_tfidf_check_options(opts);
	if (why)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "%s", why);
	fr_tfidf *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	t->opts = *opts;
	for (size_t c = 1; c < TF_LOG_TABLE; c++)
		t->tf_log[c] = 1.0 + log((double)c);
	int rc = fr_strmap_new(&t->prov, 1024, err);
	if (rc == 0)
		rc = fr_strmap_new(&t->surf, 1024, err);
	if (rc == 0 && fr_grow((void **)&t->doc_start, &t->doc_start_cap, 1, sizeof(size_t)) < 0)
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (rc < 0) {
		fr_tfidf_free(t);
		return rc;
	}
	t->doc_start[0] = 0;
	*out = t;
	return 0;
}

/* Collects the positions of the tokens that take part in n-grams. */
static int kept_tokens(const fr_tokens *doc, uint32_t **kept, size_t *cap, size_t *n_out)
{
	if (fr_grow((void **)kept, cap, doc->count + 1, sizeof(uint32_t)) < 0)
		return FR_ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < doc->count; i++)
		if (!doc->items[i].stop)
			(*kept)[n++] = (uint32_t)i;
	*n_out = n;
	return 0;
}

/* Builds the key of the n-gram of length n starting at kept[i]: its terms
 * (or surface forms) joined by single spaces. Returns the key's length. */
static int ngram_key(const fr_tokens *doc, const uint32_t *kept, size_t i, int n,
                     int surface, char **buf, size_t *cap, size_t *len_out)
{
	size_t len = 0;
	for (int k = 0; k < n; k++) {
		const fr_token *tok = &doc->items[kept[i + (size_t)k]];
		const char *s = surface ? doc->text + tok->start : doc->terms + tok->term_start;
		size_t sl = surface ? tok->len : tok->term_len;
		if (fr_grow((void **)buf, cap, len + sl + 2, 1) < 0)
			return FR_ENOMEM;
		if (k > 0)
			(*buf)[len++] = ' ';
		memcpy(*buf + len, s, sl);
		len += sl;
	}
	(*buf)[len] = '\0';
	*len_out = len;
	return 0;
}

/* ---- character n-grams ---- */

typedef int (*char_gram_fn)(void *ctx, const char *key, size_t len);

/* Calls fn on each character n-gram of every token of doc (see tfidf.h),
 * as a key: FR_TFIDF_CHAR_MARK, then the n-gram's bytes. buf and offs are
 * scratch; once they are as large as the longest token, nothing is
 * allocated. The mark is written into the byte before each n-gram, so the
 * key is looked up in place. */
static int char_grams(const fr_tfidf_options *o, const fr_tokens *doc, char **buf, size_t *buf_cap,
                      uint32_t **offs, size_t *offs_cap, char_gram_fn fn, void *ctx)
{
	for (size_t k = 0; k < doc->count; k++) {
		const fr_token *tok = &doc->items[k];
		const char *s = doc->text + tok->start;
		size_t len = tok->len;
		if (fr_grow((void **)buf, buf_cap, len + 4, 1) < 0 ||
		    fr_grow((void **)offs, offs_cap, len + 3, sizeof(uint32_t)) < 0)
			return FR_ENOMEM;
		char *b = *buf;
		uint32_t *off = *offs;
		/* b: mark, space, the token, space; off[c] = byte of code point c of " token ". */
		b[0] = FR_TFIDF_CHAR_MARK;
		b[1] = ' ';
		memcpy(b + 2, s, len);
		b[len + 2] = ' ';
		size_t L = 0;
		off[L++] = 1;
		for (size_t i = 0; i < len; i++)
			if (((unsigned char)s[i] & 0xC0) != 0x80)
				off[L++] = (uint32_t)(i + 2);
		off[L++] = (uint32_t)(len + 2);
		off[L] = (uint32_t)(len + 3);
		for (size_t n = (size_t)o->char_min; n <= (size_t)o->char_max; n++) {
			size_t at = 0, m = n < L ? n : L;
			for (;;) {
				size_t a = off[at], z = off[at + m];
				char saved = b[a - 1];
				b[a - 1] = FR_TFIDF_CHAR_MARK;
				int rc = fn(ctx, b + a - 1, z - a + 1);
				b[a - 1] = saved;
				if (rc < 0)
					return rc;
				if (at + n >= L)
					break;
				at++;
			}
			if (at == 0)
				break;
		}
	}
	return 0;
}

/* An upper bound on the character n-grams of doc. */
static size_t char_gram_bound(const fr_tfidf_options *o, const fr_tokens *doc)
{
	if (o->char_max == 0)
		return 0;
	size_t bytes = 0;
	for (size_t k = 0; k < doc->count; k++)
		bytes += doc->items[k].len + 2;
	return bytes * (size_t)(o->char_max - o->char_min + 1);
}

static int fit_prov(fr_tfidf *t, const char *key, size_t klen, uint32_t *pid_out);
static int fit_surface(fr_tfidf *t, uint32_t pid, const char *s, size_t slen);

static int fit_char_gram(void *ctx, const char *key, size_t len)
{
	fr_tfidf *t = ctx;
	uint32_t pid = 0;
	int rc = fit_prov(t, key, len, &pid);
	return rc < 0 ? rc : fit_surface(t, pid, key + 1, len - 1);
}

typedef struct {
	const fr_tfidf *t;
	fr_sparse_vec *out;
	size_t n;
} char_lookup;

static int lookup_char_gram(void *ctx, const char *key, size_t len)
{
	char_lookup *c = ctx;
	int64_t id = fr_strmap_find(c->t->vocab, key, len);
	if (id >= 0)
		c->out->ids[c->n++] = (uint32_t)id + 1;
	return 0;
}

/* Appends the feature ids of doc's known character n-grams to out->ids,
 * after the first n; returns the new count, or FR_ENOMEM. */
static int64_t add_char_features(const fr_tfidf *t, const fr_tokens *doc, fr_sparse_vec *out, size_t n)
{
	if (t->opts.char_max == 0 || doc == NULL)
		return (int64_t)n;
	if (fr_grow((void **)&out->ids, &out->ids_cap, n + char_gram_bound(&t->opts, doc) + 1,
	            sizeof(uint32_t)) < 0)
		return FR_ENOMEM;
	char_lookup c = { t, out, n };
	if (char_grams(&t->opts, doc, &out->key, &out->key_cap, &out->offs, &out->offs_cap,
	               lookup_char_gram, &c) < 0)
		return FR_ENOMEM;
	return (int64_t)c.n;
}

/* Counts one occurrence of term key in the current document; its
 * provisional id goes to *pid_out. */
static int fit_prov(fr_tfidf *t, const char *key, size_t klen, uint32_t *pid_out)
{
	uint32_t pid = 0;
	int ins = fr_strmap_intern(t->prov, key, klen, &pid);
	if (ins < 0)
		return ins;
	if (ins == 1) {
		if (fr_grow((void **)&t->prov_df, &t->prov_cap, (size_t)pid + 1, sizeof(uint32_t)) < 0)
			return FR_ENOMEM;
		size_t cap = t->prov_cap;
		/* prov_last_doc is kept the same length as prov_df. */
		uint32_t *last = realloc(t->prov_last_doc, cap * sizeof(uint32_t));
		if (last == NULL)
			return FR_ENOMEM;
		t->prov_last_doc = last;
		t->prov_df[pid] = 0;
		t->prov_last_doc[pid] = 0;
	}
	if (t->prov_last_doc[pid] != t->n_docs + 1) {
		t->prov_last_doc[pid] = (uint32_t)(t->n_docs + 1);
		t->prov_df[pid]++;
	}
	if (fr_grow((void **)&t->doc_terms, &t->doc_terms_cap, t->doc_terms_len + 1, sizeof(uint32_t)) < 0)
		return FR_ENOMEM;
	t->doc_terms[t->doc_terms_len++] = pid;
	*pid_out = pid;
	return 0;
}

/* Counts surface form s of provisional term pid. */
static int fit_surface(fr_tfidf *t, uint32_t pid, const char *s, size_t slen)
{
	uint32_t sid = 0;
	if (fr_grow((void **)&t->skey, &t->skey_cap, slen + sizeof(pid) + 1, 1) < 0)
		return FR_ENOMEM;
	memcpy(t->skey, &pid, sizeof(pid));
	memcpy(t->skey + sizeof(pid), s, slen);
	int ins = fr_strmap_intern(t->surf, t->skey, slen + sizeof(pid), &sid);
	if (ins < 0)
		return ins;
	if (fr_grow((void **)&t->surf_count, &t->surf_cap, (size_t)sid + 1, sizeof(uint32_t)) < 0)
		return FR_ENOMEM;
	if (ins == 1)
		t->surf_count[sid] = 0;
	t->surf_count[sid]++;
	return 0;
}

static int fit_ngram(fr_tfidf *t, const fr_tokens *doc, size_t i, int n)
{
	size_t klen = 0, slen = 0;
	uint32_t pid = 0;
	if (ngram_key(doc, t->kept, i, n, 0, &t->key, &t->key_cap, &klen) < 0)
		return FR_ENOMEM;
	int rc = fit_prov(t, t->key, klen, &pid);
	if (rc < 0)
		return rc;
	if (ngram_key(doc, t->kept, i, n, 1, &t->key, &t->key_cap, &slen) < 0)
		return FR_ENOMEM;
	return fit_surface(t, pid, t->key, slen);
}

int fr_tfidf_fit_add(fr_tfidf *t, const fr_tokens *doc, fr_error *err)
{
	if (t->finished || t->prov == NULL)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "the vectorizer is already fitted");
	if (t->n_docs >= UINT32_MAX - 1)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "too many training documents");
	size_t n_kept = 0;
	int rc = kept_tokens(doc, &t->kept, &t->kept_cap, &n_kept);
	for (int n = t->opts.ngram_min; rc == 0 && n <= t->opts.ngram_max; n++)
		for (size_t i = 0; rc == 0 && i + (size_t)n <= n_kept; i++)
			rc = fit_ngram(t, doc, i, n);
	if (rc == 0 && t->opts.char_max > 0)
		rc = char_grams(&t->opts, doc, &t->ckey, &t->ckey_cap, &t->offs, &t->offs_cap, fit_char_gram, t);
	if (rc == 0 && fr_grow((void **)&t->doc_start, &t->doc_start_cap, t->n_docs + 2, sizeof(size_t)) < 0)
		rc = FR_ENOMEM;
	if (rc < 0)
		return fr_error_set(err, rc, NULL, 0, rc == FR_ENOMEM ? "out of memory" : "vocabulary too large");
	t->n_docs++;
	t->doc_start[t->n_docs] = t->doc_terms_len;
	return 0;
}

/* A kept n-gram while the features are numbered: the sort needs its key
 * without a global pointing at the map (two fits may run at once). */
typedef struct {
	const char *key;
	size_t len;
	uint32_t pid;
} tfidf_sort_item;

static int cmp_sort_item(const void *a, const void *b)
{
	const tfidf_sort_item *x = a, *y = b;
	/* Character n-grams after every word n-gram. */
	int xc = x->len > 0 && x->key[0] == FR_TFIDF_CHAR_MARK, yc = y->len > 0 && y->key[0] == FR_TFIDF_CHAR_MARK;
	if (xc != yc)
		return xc - yc;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static double idf_of(const fr_tfidf_options *o, size_t n_docs, uint32_t df)
{
	double n = (double)n_docs, d = (double)df;
	return o->smooth_idf ? log((1.0 + n) / (1.0 + d)) + 1.0 : log(n / d) + 1.0;
}

/* Allocates the per-feature arrays for V features (indices 1..V). */
static int alloc_features(fr_tfidf *t, size_t V)
{
	t->df = calloc(V + 1, sizeof(*t->df));
	t->idf = calloc(V + 1, sizeof(*t->idf));
	t->surface = calloc(V + 1, sizeof(*t->surface));
	return (t->df && t->idf && t->surface) ? 0 : FR_ENOMEM;
}

static int build_vector(const fr_tfidf *t, fr_sparse_vec *out, size_t n);

/* Copies the surface forms of features 1..V, form(ctx, f), into one block
 * that t->surface points into: one allocation, not one per feature. Counts
 * the word features too, those before the first character n-gram (after
 * which training numbers no word feature). */
static int set_surfaces(fr_tfidf *t, size_t V, const char *(*form)(const void *ctx, size_t f),
                        const void *ctx)
{
	t->n_word_features = 0;
	while (t->n_word_features < V &&
	       fr_strmap_key(t->vocab, (uint32_t)t->n_word_features, NULL)[0] != FR_TFIDF_CHAR_MARK)
		t->n_word_features++;
	size_t total = 0;
	for (size_t f = 1; f <= V; f++)
		total += strlen(form(ctx, f)) + 1;
	char *p = t->surface_text = malloc(total ? total : 1);
	if (p == NULL)
		return FR_ENOMEM;
	for (size_t f = 1; f <= V; f++) {
		const char *s = form(ctx, f);
		size_t len = strlen(s) + 1;
		memcpy(p, s, len);
		t->surface[f] = p;
		p += len;
	}
	return 0;
}

/* The hash of the bigram of term ids a and b: its low bits give the home
 * slot, its high bits the filter's word and bits. */
static uint64_t pair_hash(int32_t a, int32_t b)
{
	uint64_t key = ((uint64_t)(uint32_t)(a + 1) << 32) | (uint32_t)(b + 1);
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	return key ^ (key >> 29);
}

static size_t pair_slot(const fr_tfidf *t, uint64_t h)
{
	return (size_t)h & (t->pair_slots - 1);
}

static uint64_t *pair_filter_word(const fr_tfidf *t, uint64_t h)
{
	return &t->pair_filter[(h >> 40) & (t->pair_filter_words - 1)];
}

static uint64_t pair_filter_bits(uint64_t h)
{
	return (UINT64_C(1) << ((h >> 28) & 63)) | (UINT64_C(1) << ((h >> 34) & 63));
}

/* At most this many idf classes (they are 16-bit). */
#define IDF_CLASSES_MAX 65536

/* Numbers the distinct idf values (as bit patterns) of features 1..V, in
 * order of first use: no classes past IDF_CLASSES_MAX of them. A hash set of
 * classes finds each value's, twice as many slots as values can be. 0, or
 * FR_ENOMEM. */
static int build_idf_classes(fr_tfidf *t, size_t V)
{
	size_t most = V < IDF_CLASSES_MAX ? V : IDF_CLASSES_MAX, slots = 16, n = 0, f = 1;
	while (slots < 2 * most)
		slots *= 2;
	uint32_t *slot_class = calloc(slots, sizeof(*slot_class)); /* class + 1; 0 when empty */
	t->idf_class = malloc((V + 1) * sizeof(*t->idf_class));
	t->idf_value = malloc((most + 1) * sizeof(*t->idf_value));
	int rc = slot_class && t->idf_class && t->idf_value ? 0 : FR_ENOMEM;
	for (; rc == 0 && f <= V; f++) {
		uint64_t bits = 0, other = 0;
		memcpy(&bits, &t->idf[f], sizeof(bits));
		size_t i = (size_t)(((bits ^ (bits >> 29)) * UINT64_C(0x9E3779B97F4A7C15)) >> 40) & (slots - 1);
		for (; slot_class[i] != 0; i = (i + 1) & (slots - 1)) {
			memcpy(&other, &t->idf_value[slot_class[i] - 1], sizeof(other));
			if (other == bits)
				break;
		}
		if (slot_class[i] == 0) {
			if (n == most)
				break; /* more values than classes */
			t->idf_value[n] = t->idf[f];
			slot_class[i] = (uint32_t)++n;
		}
		t->idf_class[f] = (uint16_t)(slot_class[i] - 1);
	}
	free(slot_class);
	if (rc == 0 && V > 0 && f > V) {
		t->idf_class[0] = 0;
		t->n_idf_classes = n;
		double *fit = realloc(t->idf_value, n * sizeof(*t->idf_value));
		if (fit != NULL)
			t->idf_value = fit;
		return 0;
	}
	free(t->idf_class);
	free(t->idf_value);
	t->idf_class = NULL;
	t->idf_value = NULL;
	return rc;
}

static void free_term_index(fr_tfidf *t)
{
	fr_strmap_free(t->terms);
	free(t->unigram);
	free(t->pairs);
	free(t->pair_filter);
	t->terms = NULL;
	t->unigram = NULL;
	t->pairs = NULL;
	t->pair_slots = 0;
	t->pair_filter = NULL;
	t->pair_filter_words = 0;
}

/* Builds the term index from the finished vocabulary. */
static int build_term_index(fr_tfidf *t)
{
	size_t V = fr_strmap_count(t->vocab), n_pairs = 0, cap = 0;
	/* Each feature's term ids: a, and b for a bigram (b UINT32_MAX for a
	 * unigram, both for a character n-gram), kept from the first pass so
	 * that the second looks nothing up again. */
	uint32_t *ab = NULL;
	if (t->opts.ngram_max > 2)
		return 0;
	if (fr_strmap_new(&t->terms, V, NULL) < 0 || (ab = calloc(2 * (V ? V : 1), sizeof(*ab))) == NULL)
		goto oom;
	for (uint32_t f = 0; f < V; f++) {
		size_t len = 0;
		const char *key = fr_strmap_key(t->vocab, f, &len);
		const char *space = memchr(key, ' ', len);
		uint32_t *a = &ab[2 * f], *b = &ab[2 * f + 1];
		if (len > 0 && key[0] == FR_TFIDF_CHAR_MARK) {
			*a = *b = UINT32_MAX;
			continue;
		}
		if (space == NULL) {
			if (fr_strmap_intern(t->terms, key, len, a) < 0)
				goto oom;
			*b = UINT32_MAX;
		} else {
			if (fr_strmap_intern(t->terms, key, (size_t)(space - key), a) < 0 ||
			    fr_strmap_intern(t->terms, space + 1, len - (size_t)(space - key) - 1, b) < 0)
				goto oom;
			n_pairs++;
		}
	}
	if (n_pairs > UINT32_MAX / 4) /* home slots are 32-bit, PAIR_ABSENT aside */
		goto oom;
	cap = fr_strmap_count(t->terms);
	t->unigram = calloc(cap ? cap : 1, sizeof(*t->unigram));
	t->pair_slots = 16;
	while (t->pair_slots < n_pairs * 2)
		t->pair_slots *= 2;
	t->pairs = calloc(t->pair_slots, sizeof(*t->pairs));
	/* Eight bits or more a bigram: under 6% of absent bigrams pass. */
	t->pair_filter_words = 1;
	while (t->pair_filter_words * 64 < n_pairs * 8)
		t->pair_filter_words *= 2;
	t->pair_filter = calloc(t->pair_filter_words, sizeof(*t->pair_filter));
	if (!t->unigram || !t->pairs || !t->pair_filter)
		goto oom;
	for (uint32_t f = 0; f < V; f++) {
		uint32_t a = ab[2 * f], b = ab[2 * f + 1];
		if (a == UINT32_MAX)
			continue;
		if (b == UINT32_MAX) {
			t->unigram[a] = f + 1;
		} else {
			uint64_t h = pair_hash((int32_t)a, (int32_t)b);
			*pair_filter_word(t, h) |= pair_filter_bits(h);
			size_t i = pair_slot(t, h);
			while (t->pairs[i].a != 0)
				i = (i + 1) & (t->pair_slots - 1);
			t->pairs[i].a = a + 1;
			t->pairs[i].b = b + 1;
			t->pairs[i].feature = f + 1;
		}
	}
	free(ab);
	return 0;
oom:
	free(ab);
	free_term_index(t);
	return FR_ENOMEM;
}

int fr_tfidf_has_term_index(const fr_tfidf *t)
{
	return t->terms != NULL;
}

int32_t fr_tfidf_term_id(const fr_tfidf *t, const char *term, size_t len)
{
	return t->terms ? (int32_t)fr_strmap_find(t->terms, term, len) : -1;
}

/* No home slot: the bigram is in no feature. (Slots are fewer: at most
 * four times the bigrams, which build_term_index keeps under 2^30.) */
#define PAIR_ABSENT UINT32_MAX

/* The feature of the bigram of term ids a and b from its home slot i, or 0. */
static uint32_t pair_lookup(const fr_tfidf *t, size_t i, int32_t a, int32_t b)
{
	uint32_t a1 = (uint32_t)a + 1, b1 = (uint32_t)b + 1;
	for (;;) {
		const tfidf_pair *p = &t->pairs[i];
		if (p->a == a1 && p->b == b1)
			return p->feature;
		if (p->a == 0)
			return 0;
		i = (i + 1) & (t->pair_slots - 1);
	}
}

/* Two passes: the first asks the filter about every bigram and the memory
 * for the home slot of each that passes and for each unigram's entry, so
 * that the table reads of the second pass, scattered over megabytes,
 * overlap instead of waiting on one another. */
int fr_tfidf_transform_ids(const fr_tfidf *t, const int32_t *ids, size_t n,
                           const fr_tokens *doc, fr_sparse_vec *out, fr_error *err)
{
	if (t->terms == NULL)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "the vectorizer has no term index");
	if (fr_grow((void **)&out->ids, &out->ids_cap, 2 * n + 1, sizeof(uint32_t)) < 0 ||
	    fr_grow((void **)&out->sorted, &out->sorted_cap, n + 1, sizeof(uint32_t)) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	size_t m = 0;
	int unigrams = t->opts.ngram_min <= 1, bigrams = t->opts.ngram_max >= 2;
	uint32_t *home = out->sorted; /* PAIR_ABSENT when the filter says so */
	for (size_t i = 0; i < n; i++) {
		if (ids[i] >= 0)
			__builtin_prefetch(&t->unigram[ids[i]]);
		home[i] = PAIR_ABSENT;
		if (bigrams && i + 1 < n && ids[i] >= 0 && ids[i + 1] >= 0) {
			/* Half the bigrams pass the filter, at random: a select, not a
			 * branch, and the prefetch of a slot that may go unused. */
			uint64_t h = pair_hash(ids[i], ids[i + 1]), bits = pair_filter_bits(h);
			uint32_t slot = (uint32_t)pair_slot(t, h);
			__builtin_prefetch(&t->pairs[slot]);
			home[i] = (*pair_filter_word(t, h) & bits) == bits ? slot : PAIR_ABSENT;
		}
	}
	out->n_terms = n;
	out->n_unknown = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t f = ids[i] >= 0 ? t->unigram[ids[i]] : 0;
		/* Without unigram features (ngram_min 2), a word is known when
		 * some feature of the vocabulary holds it. */
		out->n_unknown += unigrams ? f == 0 : ids[i] < 0;
		if (unigrams && f)
			out->ids[m++] = f;
		if (home[i] != PAIR_ABSENT) {
			uint32_t g = pair_lookup(t, home[i], ids[i], ids[i + 1]);
			if (g)
				out->ids[m++] = g;
		}
	}
	int64_t with_chars = add_char_features(t, doc, out, m);
	if (with_chars < 0 || build_vector(t, out, (size_t)with_chars) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

/* A feature's most frequent surface form at fitting: best[f] - 1 is its
 * key in t->surf, the provisional id and then the form. */
typedef struct {
	const fr_tfidf *t;
	const uint32_t *best;
} best_of;

static const char *best_form(const void *ctx, size_t f)
{
	const best_of *b = ctx;
	return fr_strmap_key(b->t->surf, b->best[f] - 1, NULL) + sizeof(uint32_t);
}

/* The document counts a term is kept between, in a fit on n_docs. */
static void df_bounds(const fr_tfidf_options *o, size_t n_docs, double *low, double *high)
{
	*low = o->min_df_is_count ? o->min_df : o->min_df * (double)n_docs;
	*high = o->max_df_is_count ? o->max_df : o->max_df * (double)n_docs;
}

int fr_tfidf_fit_rows_with_words(const fr_tfidf *t, const unsigned char *held_out, unsigned char *has_word_out,
                                 fr_error *err)
{
	if (t->finished || t->prov == NULL)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "the vectorizer is already fitted");
	size_t n_prov = fr_strmap_count(t->prov), n_docs = 0;
	uint32_t *df = malloc((n_prov + 1) * sizeof(*df)), *last = calloc(n_prov + 1, sizeof(*last));
	if (df == NULL || last == NULL) {
		free(df);
		free(last);
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	/* Each term's document count less the held-out documents with it. */
	memcpy(df, t->prov_df, n_prov * sizeof(*df));
	for (size_t i = 0; i < t->n_docs; i++) {
		if (held_out == NULL || !held_out[i]) {
			n_docs++;
			continue;
		}
		for (size_t j = t->doc_start[i]; j < t->doc_start[i + 1]; j++) {
			uint32_t p = t->doc_terms[j];
			if (last[p] != i + 1) {
				last[p] = (uint32_t)(i + 1);
				df[p]--;
			}
		}
	}
	double low = 0, high = 0;
	df_bounds(&t->opts, n_docs, &low, &high);
	for (size_t i = 0; i < t->n_docs; i++) {
		has_word_out[i] = 0;
		for (size_t j = t->doc_start[i]; (held_out == NULL || !held_out[i]) && j < t->doc_start[i + 1]; j++) {
			uint32_t p = t->doc_terms[j];
			if ((double)df[p] >= low && (double)df[p] <= high) {
				has_word_out[i] = 1;
				break;
			}
		}
	}
	free(df);
	free(last);
	return 0;
}

int fr_tfidf_fit_finish(fr_tfidf *t, fr_error *err)
{
	int rc = 0;
	tfidf_sort_item *order = NULL;
	uint32_t *best = NULL;
	size_t n_prov = 0, V = 0;
	if (t->finished || t->prov == NULL)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "the vectorizer is already fitted");
	n_prov = fr_strmap_count(t->prov);
	/* A second call after a failed one starts over. */
	free(t->prov_to_final);

	double low = 0, high = 0;
	df_bounds(&t->opts, t->n_docs, &low, &high);
	order = malloc((n_prov + 1) * sizeof(*order));
	t->prov_to_final = calloc(n_prov + 1, sizeof(*t->prov_to_final));
	if (order == NULL || t->prov_to_final == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (uint32_t p = 0; p < n_prov; p++) {
		if ((double)t->prov_df[p] >= low && (double)t->prov_df[p] <= high) {
			order[V].key = fr_strmap_key(t->prov, p, &order[V].len);
			order[V].pid = p;
			V++;
		}
	}
	if (V == 0) {
		rc = fr_error_set(err, FR_EFORMAT, NULL, 0,
		                  "no term occurs in enough of the %zu training texts to make a vocabulary (min_df %g, max_df %g)",
		                  t->n_docs, t->opts.min_df, t->opts.max_df);
		goto done;
	}
	qsort(order, V, sizeof(*order), cmp_sort_item);

	rc = fr_strmap_new(&t->vocab, V, err);
	if (rc < 0)
		goto done;
	if (alloc_features(t, V) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t f = 0; f < V; f++) {
		uint32_t id = 0;
		if (fr_strmap_intern(t->vocab, order[f].key, order[f].len, &id) < 0) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		t->prov_to_final[order[f].pid] = (uint32_t)f + 1;
		t->df[f + 1] = t->prov_df[order[f].pid];
		t->idf[f + 1] = idf_of(&t->opts, t->n_docs, t->df[f + 1]);
	}
	/* Every n-gram seen is numbered: its map goes before the surface forms
	 * and the term index take their room, at the peak of fitting. (An out
	 * of memory past here leaves a vectorizer that cannot finish again.) */
	free(order);
	order = NULL;
	fr_strmap_free(t->prov);
	t->prov = NULL;
	free(t->prov_df);
	free(t->prov_last_doc);
	t->prov_df = t->prov_last_doc = NULL;

	/* Each feature's most frequent surface form; ties go to the first in byte order. */
	best = calloc(V + 1, sizeof(*best));
	if (best == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (uint32_t s = 0; s < fr_strmap_count(t->surf); s++) {
		size_t len = 0;
		uint32_t pid = 0;
		const char *key = fr_strmap_key(t->surf, s, &len);
		memcpy(&pid, key, sizeof(pid));
		uint32_t f = t->prov_to_final[pid];
		if (f == 0)
			continue;
		if (best[f] == 0) {
			best[f] = s + 1;
			continue;
		}
		uint32_t b = best[f] - 1;
		const char *bkey = fr_strmap_key(t->surf, b, NULL);
		if (t->surf_count[s] > t->surf_count[b] ||
		    (t->surf_count[s] == t->surf_count[b] &&
		     strcmp(key + sizeof(pid), bkey + sizeof(pid)) < 0))
			best[f] = s + 1;
	}
	best_of bo = { t, best };
	if (set_surfaces(t, V, best_form, &bo) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	/* Only the per-document ids are still needed, for fr_tfidf_fitted_vector. */
	fr_strmap_free(t->surf);
	t->surf = NULL;
	free(t->surf_count);
	t->surf_count = NULL;
	t->finished = 1;
	if (build_term_index(t) < 0 || build_idf_classes(t, V) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
done:
	free(order);
	free(best);
	return rc;
}

static void insertion_sort(uint32_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint32_t x = a[i];
		size_t j = i;
		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* An LSD radix sort on bytes of a[0..n) below 2^bits, with tmp as room for
 * n more; the result ends up in a. */
static void radix_sort(uint32_t *a, uint32_t *tmp, size_t n, unsigned bits)
{
	uint32_t *src = a, *dst = tmp;
	for (unsigned shift = 0; shift < bits; shift += 8) {
		size_t count[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (size_t b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint32_t *swap = src;
		src = dst;
		dst = swap;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(uint32_t));
}

/* The sorted feature ids out->ids[0..n), all in 1..V: out->ids itself,
 * sorted in place, or out->sorted; NULL when memory ran out. Short lists
 * (headlines) take an insertion sort. Paragraphs take one pass into 256
 * buckets by the top bits of the ids, which leaves each id among the
 * handful of its bucket, then one insertion sort over the whole, which
 * only moves ids within their buckets. A crowded bucket (over 32) would
 * make that quadratic: then each bucket is sorted on its own, by radix when
 * crowded. No comparison callbacks, no pass per byte. */
static const uint32_t *sort_ids(fr_sparse_vec *out, size_t n, size_t V)
{
	uint32_t *a = out->ids;
	if (n < 48) {
		insertion_sort(a, n);
		return a;
	}
	if (fr_grow((void **)&out->sorted, &out->sorted_cap, n, sizeof(uint32_t)) < 0)
		return NULL;
	unsigned bits = V ? 32 - (unsigned)__builtin_clz((unsigned)V) : 0;
	/* One or two buckets an id, so that few buckets hold two: a
	 * paragraph's hundred-odd ids need not pay for 256 buckets' counts. */
	unsigned bucket_bits = n < 64 ? 6 : n < 128 ? 7 : 8;
	size_t n_buckets = (size_t)1 << bucket_bits;
	unsigned shift = bits > bucket_bits ? bits - bucket_bits : 0;
	uint32_t *dst = out->sorted;
	size_t end[257] = { 0 }, crowded = 0;
	for (size_t i = 0; i < n; i++) {
		assert(a[i] >= 1 && a[i] <= V);
		crowded |= ++end[(a[i] >> shift) + 1] > 32;
	}
	for (size_t b = 0; b < n_buckets; b++)
		end[b + 1] += end[b];
	for (size_t i = 0; i < n; i++)
		dst[end[a[i] >> shift]++] = a[i];
	if (!crowded) {
		insertion_sort(dst, n);
		return dst;
	}
	/* end[b] is now where bucket b ends; a is free to be scratch. */
	for (size_t b = 0, start = 0; b < n_buckets && start < n; start = end[b++]) {
		size_t m = end[b] - start;
		if (m > 32)
			radix_sort(dst + start, a + start, m, shift);
		else if (m > 1)
			insertion_sort(dst + start, m);
	}
	return dst;
}

static void scale_all(struct svm_node *nodes, size_t m, double by)
{
	for (size_t i = 0; i < m; i++)
		nodes[i].value *= by;
}

/* "l2_parts": the word part (features 1..n_word, first in nodes[0..m)) and
 * the character part each to unit length, then the whole, so each part
 * ends at length 1 / sqrt(2). A part that is empty leaves the other alone,
 * at unit length. */
static void scale_parts(struct svm_node *nodes, size_t m, size_t n_word)
{
	size_t split = 0;
	double word2 = 0.0, char2 = 0.0;
	while (split < m && (size_t)nodes[split].index <= n_word) {
		word2 += nodes[split].value * nodes[split].value;
		split++;
	}
	for (size_t i = split; i < m; i++)
		char2 += nodes[i].value * nodes[i].value;
	double whole = word2 > 0.0 && char2 > 0.0 ? sqrt(2.0) : 1.0;
	if (word2 > 0.0)
		scale_all(nodes, split, 1.0 / (whole * sqrt(word2)));
	if (char2 > 0.0)
		scale_all(nodes + split, m - split, 1.0 / (whole * sqrt(char2)));
}

/* Turns the feature ids in out->ids[0..n) into TF-IDF nodes. */
static int build_vector(const fr_tfidf *t, fr_sparse_vec *out, size_t n)
{
	const uint32_t *ids = sort_ids(out, n, fr_tfidf_feature_count(t));
	if (ids == NULL)
		return FR_ENOMEM;
	if (fr_grow((void **)&out->nodes, &out->cap, n + 1, sizeof(struct svm_node)) < 0)
		return FR_ENOMEM;
	size_t m = 0;
	double norm2 = 0.0;
	/* The idf reads are scattered over the vocabulary: ask for them a few
	 * features ahead so that they overlap. */
	const uint16_t *idf_class = t->idf_class;
	for (size_t i = 0; i < n && i < 16; i++)
		__builtin_prefetch(idf_class ? (const void *)&idf_class[ids[i]] : &t->idf[ids[i]]);
	for (size_t i = 0; i < n;) {
		if (i + 16 < n)
			__builtin_prefetch(idf_class ? (const void *)&idf_class[ids[i + 16]] : &t->idf[ids[i + 16]]);
		size_t j = i + 1;
		while (j < n && ids[j] == ids[i])
			j++;
		size_t count = j - i;
		double tf = (double)count;
		if (t->opts.sublinear_tf)
			tf = count < TF_LOG_TABLE ? t->tf_log[count] : 1.0 + log(tf);
		double v = tf * (idf_class ? t->idf_value[idf_class[ids[i]]] : t->idf[ids[i]]);
		out->nodes[m].index = (int)ids[i];
		out->nodes[m].value = v;
		norm2 += v * v;
		m++;
		i = j;
	}
	if (t->opts.norm != FR_TFIDF_NORM_NONE && norm2 > 0.0) {
		if (t->opts.norm == FR_TFIDF_NORM_L2_PARTS && t->n_word_features < fr_tfidf_feature_count(t))
			scale_parts(out->nodes, m, t->n_word_features);
		else
			scale_all(out->nodes, m, 1.0 / sqrt(norm2));
	}
	out->nodes[m].index = -1;
	out->nodes[m].value = 0.0;
	out->count = m;
	return 0;
}

int fr_tfidf_fitted_vector(const fr_tfidf *t, size_t i, fr_sparse_vec *out, fr_error *err)
{
	if (!t->finished || t->doc_terms == NULL || i >= t->n_docs)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "no fitted document %zu", i);
	size_t a = t->doc_start[i], b = t->doc_start[i + 1], n = 0;
	if (fr_grow((void **)&out->ids, &out->ids_cap, b - a + 1, sizeof(uint32_t)) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t k = a; k < b; k++) {
		uint32_t f = t->prov_to_final[t->doc_terms[k]];
		if (f)
			out->ids[n++] = f;
	}
	out->n_terms = out->n_unknown = 0;
	if (build_vector(t, out, n) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

void fr_tfidf_fit_release(fr_tfidf *t)
{
	free(t->doc_terms);
	free(t->doc_start);
	free(t->prov_to_final);
	free(t->key);
	free(t->skey);
	free(t->kept);
	free(t->ckey);
	free(t->offs);
	t->ckey = NULL;
	t->offs = NULL;
	t->ckey_cap = t->offs_cap = 0;
	t->doc_terms = NULL;
	t->doc_start = NULL;
	t->prov_to_final = NULL;
	t->key = t->skey = NULL;
	t->kept = NULL;
	t->doc_terms_len = t->doc_terms_cap = t->doc_start_cap = 0;
	t->key_cap = t->skey_cap = t->kept_cap = 0;
}

int fr_tfidf_transform(const fr_tfidf *t, const fr_tokens *doc, fr_sparse_vec *out, fr_error *err)
{
	if (!t->finished)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "the vectorizer is not fitted");
	size_t n_kept = 0, n = 0;
	if (kept_tokens(doc, &out->kept, &out->kept_cap, &n_kept) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	size_t span = (size_t)(t->opts.ngram_max - t->opts.ngram_min + 1);
	if (fr_grow((void **)&out->ids, &out->ids_cap, n_kept * span + 1, sizeof(uint32_t)) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	out->n_terms = n_kept;
	out->n_unknown = 0;
	for (int g = 1; g <= t->opts.ngram_max; g++) {
		if (g < t->opts.ngram_min && g != 1)
			continue;
		for (size_t i = 0; i + (size_t)g <= n_kept; i++) {
			size_t klen = 0;
			if (ngram_key(doc, out->kept, i, g, 0, &out->key, &out->key_cap, &klen) < 0)
				return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			int64_t id = fr_strmap_find(t->vocab, out->key, klen);
			if (g == 1 && id < 0)
				out->n_unknown++;
			if (id >= 0 && g >= t->opts.ngram_min)
				out->ids[n++] = (uint32_t)id + 1;
		}
	}
	int64_t with_chars = add_char_features(t, doc, out, n);
	if (with_chars < 0 || build_vector(t, out, (size_t)with_chars) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

size_t fr_tfidf_feature_count(const fr_tfidf *t)
{
	return t->vocab ? fr_strmap_count(t->vocab) : 0;
}

size_t fr_tfidf_word_feature_count(const fr_tfidf *t)
{
	return t->n_word_features;
}

const char *fr_tfidf_term(const fr_tfidf *t, int index)
{
	if (index < 1 || (size_t)index > fr_tfidf_feature_count(t))
		return NULL;
	return fr_strmap_key(t->vocab, (uint32_t)index - 1, NULL);
}

const char *fr_tfidf_surface(const fr_tfidf *t, int index)
{
	if (index < 1 || (size_t)index > fr_tfidf_feature_count(t))
		return NULL;
	return t->surface[index];
}

double fr_tfidf_idf(const fr_tfidf *t, int index)
{
	if (index < 1 || (size_t)index > fr_tfidf_feature_count(t))
		return 0.0;
	return t->idf[index];
}

uint32_t fr_tfidf_df(const fr_tfidf *t, int index)
{
	if (index < 1 || (size_t)index > fr_tfidf_feature_count(t))
		return 0;
	return t->df[index];
}

size_t fr_tfidf_document_count(const fr_tfidf *t)
{
	return t->n_docs;
}

const fr_tfidf_options *fr_tfidf_get_options(const fr_tfidf *t)
{
	return &t->opts;
}

static json_t *df_json(double v, int is_count)
{
	return is_count ? json_integer((json_int_t)v) : json_real(v);
}

/* Config names of the fr_tfidf_norm values, in order. */
static const char *const norm_names[] = { "none", "l2", "l2_parts" };
#define N_NORMS ((int)(sizeof(norm_names) / sizeof(*norm_names)))

const char *fr_tfidf_norm_name(int norm)
{
	return norm >= 0 && norm < N_NORMS ? norm_names[norm] : "?";
}

int fr_tfidf_options_to_json(const fr_tfidf_options *o, json_t **out)
{
	*out = json_pack("{s:[i,i], s:o, s:o, s:o, s:b, s:b, s:s}",
	                 "ngram_range", o->ngram_min, o->ngram_max,
	                 "char_ngrams", o->char_max ? json_pack("[i,i]", o->char_min, o->char_max) : json_null(),
	                 "min_df", df_json(o->min_df, o->min_df_is_count),
	                 "max_df", df_json(o->max_df, o->max_df_is_count),
	                 "sublinear_tf", o->sublinear_tf,
	                 "smooth_idf", o->smooth_idf,
	                 "norm", fr_tfidf_norm_name(o->norm));
	return *out ? 0 : FR_ENOMEM;
}

static int read_df(const json_t *j, const char *key, double *v, int *is_count,
                   const char *source, fr_error *err)
{
	const json_t *x = json_object_get(j, key);
	if (x == NULL)
		return 0;
	if (json_is_integer(x)) {
		*v = (double)json_integer_value(x);
		*is_count = 1;
	} else if (json_is_real(x)) {
		*v = json_real_value(x);
		*is_count = 0;
	} else {
		return fr_error_set(err, FR_EFORMAT, source, 0, "'%s' must be a number", key);
	}
	return 0;
}

static int read_bool(const json_t *j, const char *key, int *v, const char *source, fr_error *err)
{
	const json_t *x = json_object_get(j, key);
	if (x == NULL)
		return 0;
	if (!json_is_boolean(x))
		return fr_error_set(err, FR_EFORMAT, source, 0, "'%s' must be true or false", key);
	*v = json_is_true(x);
	return 0;
}

int fr_tfidf_options_from_json(fr_tfidf_options *o, const json_t *j, const char *source, fr_error *err)
{
	const json_t *range = json_object_get(j, "ngram_range");
	if (range) {
		if (!json_is_array(range) || json_array_size(range) != 2 ||
		    !json_is_integer(json_array_get(range, 0)) || !json_is_integer(json_array_get(range, 1)))
			return fr_error_set(err, FR_EFORMAT, source, 0, "'ngram_range' must be [min, max]");
		o->ngram_min = (int)json_integer_value(json_array_get(range, 0));
		o->ngram_max = (int)json_integer_value(json_array_get(range, 1));
	}
	const json_t *chars = json_object_get(j, "char_ngrams");
	if (chars && json_is_null(chars)) {
		o->char_min = o->char_max = 0;
	} else if (chars) {
		if (!json_is_array(chars) || json_array_size(chars) != 2 ||
		    !json_is_integer(json_array_get(chars, 0)) || !json_is_integer(json_array_get(chars, 1)))
			return fr_error_set(err, FR_EFORMAT, source, 0, "'char_ngrams' must be [min, max] or null");
		o->char_min = (int)json_integer_value(json_array_get(chars, 0));
		o->char_max = (int)json_integer_value(json_array_get(chars, 1));
	}
	int rc = read_df(j, "min_df", &o->min_df, &o->min_df_is_count, source, err);
	if (rc == 0)
		rc = read_df(j, "max_df", &o->max_df, &o->max_df_is_count, source, err);
	if (rc == 0)
		rc = read_bool(j, "sublinear_tf", &o->sublinear_tf, source, err);
	if (rc == 0)
		rc = read_bool(j, "smooth_idf", &o->smooth_idf, source, err);
	if (rc < 0)
		return rc;
	const json_t *norm = json_object_get(j, "norm");
	if (norm) {
		const char *s = json_string_value(norm);
		int found = 0;
		while (s && found < N_NORMS && strcmp(s, norm_names[found]) != 0)
			found++;
		if (s == NULL || found == N_NORMS)
			return fr_error_set(err, FR_EFORMAT, source, 0,
			                    "'norm' must be \"l2\", \"l2_parts\" or \"none\"");
		o->norm = found;
	}
	const char *why = fr_tfidf_check_options(o);
	if (why)
		return fr_error_set(err, FR_EINVALID, source, 0, "%s", why);
	return 0;
}

int fr_tfidf_vocabulary_to_json(const fr_tfidf *t, json_t **out)
{
	*out = NULL;
	size_t V = fr_tfidf_feature_count(t);
	json_t *terms = json_array(), *df = json_array(), *idf = json_array(), *surf = json_array();
	json_t *obj = json_object();
	int rc = (terms && df && idf && surf && obj) ? 0 : FR_ENOMEM;
	for (size_t f = 1; rc == 0 && f <= V; f++) {
		if (json_array_append_new(terms, json_string(fr_tfidf_term(t, (int)f))) ||
		    json_array_append_new(df, json_integer(t->df[f])) ||
		    json_array_append_new(idf, json_real(t->idf[f])) ||
		    json_array_append_new(surf, json_string(t->surface[f])))
			rc = FR_ENOMEM;
	}
	if (rc == 0 &&
	    (json_object_set_new(obj, "n_documents", json_integer((json_int_t)t->n_docs)) ||
	     json_object_set_new(obj, "terms", terms) ||
	     json_object_set_new(obj, "df", df) ||
	     json_object_set_new(obj, "idf", idf) ||
	     json_object_set_new(obj, "surface", surf)))
		rc = FR_ENOMEM;
	if (rc < 0) {
		/* set_new steals even on failure; drop what is not yet owned by obj. */
		if (json_object_get(obj, "terms") != terms) json_decref(terms);
		if (json_object_get(obj, "df") != df) json_decref(df);
		if (json_object_get(obj, "idf") != idf) json_decref(idf);
		if (json_object_get(obj, "surface") != surf) json_decref(surf);
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

/* A vocabulary as read, before it is checked: entry f (0-based) of each
 * array. A term or surface form that was not a string is NULL; a df that
 * was not an integer is df_ok[f] == 0; an idf that was not a number is NaN. */
typedef struct {
	size_t V;
	long long n_documents;
	const char **term, **surface;
	long long *df;
	unsigned char *df_ok;
	double *idf;
} vocab_arrays;

static void vocab_arrays_free(vocab_arrays *a)
{
	free(a->term);
	free(a->surface);
	free(a->df);
	free(a->df_ok);
	free(a->idf);
	memset(a, 0, sizeof(*a));
}

static int vocab_arrays_alloc(vocab_arrays *a, size_t V)
{
	size_t n = V ? V : 1;
	a->V = V;
	a->term = calloc(n, sizeof(*a->term));
	a->surface = calloc(n, sizeof(*a->surface));
	a->df = calloc(n, sizeof(*a->df));
	a->df_ok = calloc(n, sizeof(*a->df_ok));
	a->idf = calloc(n, sizeof(*a->idf));
	return a->term && a->surface && a->df && a->df_ok && a->idf ? 0 : FR_ENOMEM;
}

static const char *array_form(const void *a, size_t f)
{
	return ((const vocab_arrays *)a)->surface[f - 1];
}

/* A vectorizer without fitting state, for a vocabulary that is read. */
static int new_loaded(fr_tfidf **out, const fr_tfidf_options *opts, fr_error *err)
{
	int rc = fr_tfidf_new(out, opts, err);
	if (rc < 0)
		return rc;
	fr_tfidf *t = *out;
	fr_strmap_free(t->prov);
	fr_strmap_free(t->surf);
	t->prov = t->surf = NULL;
	fr_tfidf_fit_release(t);
	return 0;
}

/* The vectorizer of a vocabulary read by fr_tfidf_load or
 * fr_tfidf_load_text: both check the same things and say the same. */
static int load_vocabulary(fr_tfidf **out, const fr_tfidf_options *opts, const vocab_arrays *a,
                           const char *source, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	fr_tfidf *t = NULL;
	if (a->n_documents < 1 || a->n_documents >= (long long)UINT32_MAX)
		return fr_error_set(err, FR_EMODEL, source, 0, "vocabulary 'n_documents' is out of range");
	size_t V = a->V;
	if (V == 0)
		return fr_error_set(err, FR_EMODEL, source, 0, "vocabulary arrays are empty or of different lengths");

	rc = new_loaded(&t, opts, err);
	if (rc < 0)
		return rc == FR_EINVALID ? FR_EMODEL : rc;
	t->n_docs = (size_t)a->n_documents;
	if (fr_strmap_new(&t->vocab, V, err) < 0 || alloc_features(t, V) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t f = 0; f < V; f++) {
		const char *term = a->term[f];
		uint32_t id = 0;
		/* A document frequency counts training documents: 1..n_documents. */
		if (term == NULL || a->surface[f] == NULL || !a->df_ok[f] || a->df[f] < 1 ||
		    a->df[f] > a->n_documents || !isfinite(a->idf[f])) {
			rc = fr_error_set(err, FR_EMODEL, source, 0, "vocabulary entry %zu is malformed", f + 1);
			goto done;
		}
		/* Training numbers character n-grams after every word feature,
		 * and evidence counts on it (fr_tfidf_word_feature_count). */
		if (term[0] != FR_TFIDF_CHAR_MARK && f > 0 && a->term[f - 1][0] == FR_TFIDF_CHAR_MARK) {
			rc = fr_error_set(err, FR_EMODEL, source, 0,
			                  "vocabulary term '%s' comes after a character n-gram, which are all last", term);
			goto done;
		}
		int ins = fr_strmap_intern(t->vocab, term, strlen(term), &id);
		if (ins <= 0) {
			rc = ins == 0 ? fr_error_set(err, FR_EMODEL, source, 0, "vocabulary term '%s' appears twice", term)
			              : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		t->df[f + 1] = (uint32_t)a->df[f];
		t->idf[f + 1] = a->idf[f];
	}
	if (set_surfaces(t, V, array_form, a) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	t->finished = 1;
	if (build_term_index(t) < 0 || build_idf_classes(t, V) < 0)
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
done:
	if (rc < 0) {
		fr_tfidf_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int fr_tfidf_load(fr_tfidf **out, const fr_tfidf_options *opts, const json_t *v,
                  const char *source, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	vocab_arrays a;
	memset(&a, 0, sizeof(a));
	const json_t *terms = json_object_get(v, "terms"), *df = json_object_get(v, "df");
	const json_t *idf = json_object_get(v, "idf"), *surf = json_object_get(v, "surface");
	const json_t *nd = json_object_get(v, "n_documents");
	if (!json_is_array(terms) || !json_is_array(df) || !json_is_array(idf) ||
	    !json_is_array(surf) || !json_is_integer(nd))
		return fr_error_set(err, FR_EMODEL, source, 0,
		                    "vocabulary needs arrays 'terms', 'df', 'idf', 'surface' and 'n_documents'");
	size_t V = json_array_size(terms);
	if (json_array_size(df) != V || json_array_size(idf) != V || json_array_size(surf) != V)
		V = 0; /* refused by load_vocabulary, after n_documents */
	if (vocab_arrays_alloc(&a, V) < 0) {
		vocab_arrays_free(&a);
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	a.n_documents = json_integer_value(nd);
	for (size_t f = 0; f < V; f++) {
		const json_t *d = json_array_get(df, f), *w = json_array_get(idf, f);
		a.term[f] = json_string_value(json_array_get(terms, f));
		a.surface[f] = json_string_value(json_array_get(surf, f));
		a.df_ok[f] = json_is_integer(d);
		a.df[f] = json_integer_value(d);
		a.idf[f] = json_is_number(w) ? json_number_value(w) : NAN;
	}
	rc = load_vocabulary(out, opts, &a, source, err);
	vocab_arrays_free(&a);
	return rc;
}

/* ---- the vocabulary from its JSON text ---- */

/* A reader of JSON text: p moves through [p, end); the strings read are
 * kept, decoded and NUL-terminated, in buf. */
typedef struct {
	const char *start, *p, *end;
	char *buf;
	size_t len, cap;
	locale_t c_locale;
	const char *problem; /* what is wrong where p stopped; NULL when nothing */
} json_text;

#define JSON_TEXT_MAX_DEPTH 64

static void jt_space(json_text *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
		j->p++;
}

static int jt_fail(json_text *j, const char *problem)
{
	if (j->problem == NULL)
		j->problem = problem;
	return -1;
}

static int jt_put(json_text *j, const char *s, size_t n)
{
	if (j->len + n + 1 > j->cap && fr_grow((void **)&j->buf, &j->cap, j->len + n + 1, 1) < 0)
		return jt_fail(j, "out of memory");
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	return 0;
}

/* A string at p (its opening quote), decoded into buf with a NUL after it;
 * its offset in buf goes to *off. What jansson refuses is refused: a control
 * character, a bad escape, \u0000, a lone surrogate, bytes that are not
 * UTF-8. */
static int jt_string(json_text *j, size_t *off)
{
	if (j->p >= j->end || *j->p != '"')
		return jt_fail(j, "a string was expected");
	j->p++;
	*off = j->len;
	for (;;) {
		const char *run = j->p;
		unsigned char high = 0; /* any byte over 0x7F: only then is UTF-8 checked */
		while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20)
			high |= (unsigned char)*j->p++;
		size_t at = 0;
		if (j->p > run) {
			if ((high & 0x80) && fr_text_problem(run, (size_t)(j->p - run), &at) != NULL)
				return jt_fail(j, "a string holds bytes that are not UTF-8");
			if (jt_put(j, run, (size_t)(j->p - run)) < 0)
				return -1;
		}
		if (j->p >= j->end)
			return jt_fail(j, "a string does not end");
		char c = *j->p++;
		if (c == '"')
			break;
		if (c != '\\')
			return jt_fail(j, "a control character in a string");
		if (j->p >= j->end)
			return jt_fail(j, "a string does not end");
		char u[4];
		int n = fr_json_unescape(&j->p, j->end, u);
		if (n == FR_JSON_ESCAPE_BAD_U)
			return jt_fail(j, "a bad \\u escape");
		if (n == FR_JSON_ESCAPE_SURROGATE)
			return jt_fail(j, "a lone surrogate in a \\u escape");
		if (n == FR_JSON_ESCAPE_NUL)
			return jt_fail(j, "\\u0000 in a string");
		if (n < 0)
			return jt_fail(j, "a bad escape in a string");
		if (jt_put(j, u, (size_t)n) < 0)
			return -1;
	}
	return jt_put(j, "", 1);
}

/* A number at p, by JSON's grammar: an integer (no fraction, no exponent)
 * into *i with *is_int set, as jansson reads it (too large is an error),
 * else a real into *d, read with strtod in the "C" locale as jansson does. */
static int jt_number(json_text *j, int *is_int, long long *i, double *d)
{
	const char *s = j->p, *q = s;
	if (q < j->end && *q == '-')
		q++;
	if (q >= j->end || *q < '0' || *q > '9')
		return jt_fail(j, "a number was expected");
	if (*q == '0')
		q++;
	else
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	*is_int = 1;
	if (q < j->end && *q == '.') {
		*is_int = 0;
		q++;
		if (q >= j->end || *q < '0' || *q > '9')
			return jt_fail(j, "a bad number");
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		*is_int = 0;
		q++;
		if (q < j->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= j->end || *q < '0' || *q > '9')
			return jt_fail(j, "a bad number");
		while (q < j->end && *q >= '0' && *q <= '9')
			q++;
	}
	char tmp[64];
	size_t n = (size_t)(q - s);
	if (n >= sizeof(tmp))
		return jt_fail(j, "a number too long");
	/* An idf, say: strtod's double, without strtod's big-integer work. A
	 * document frequency: 18 digits at most cannot overflow. */
	if (!*is_int && fr_numfmt_read_double(s, n, d) == n) {
		j->p = q;
		return 0;
	}
	if (*is_int && n <= 18) {
		long long v = 0;
		for (const char *c = s + (*s == '-'); c < q; c++)
			v = v * 10 + (*c - '0');
		*i = *s == '-' ? -v : v;
		*d = (double)*i;
		j->p = q;
		return 0;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	if (*is_int) {
		*i = strtoll(tmp, NULL, 10);
		if (errno == ERANGE)
			return jt_fail(j, "an integer too large");
		*d = (double)*i;
	} else {
		*d = strtod_l(tmp, NULL, j->c_locale);
		if (errno == ERANGE && (*d == HUGE_VAL || *d == -HUGE_VAL))
			return jt_fail(j, "a real number too large");
	}
	j->p = q;
	return 0;
}

/* Skips one value of any kind, checking its grammar. */
static int jt_skip(json_text *j, int depth)
{
	int is_int = 0;
	long long i = 0;
	double d = 0.0;
	size_t off = 0, mark = j->len;
	jt_space(j);
	if (j->p >= j->end)
		return jt_fail(j, "a value was expected");
	if (depth > JSON_TEXT_MAX_DEPTH)
		return jt_fail(j, "too deeply nested");
	char c = *j->p;
	if (c == '"') {
		int rc = jt_string(j, &off);
		j->len = mark;
		return rc;
	}
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		j->p++;
		jt_space(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (c == '{') {
				jt_space(j);
				if (jt_string(j, &off) < 0)
					return -1;
				j->len = mark;
				jt_space(j);
				if (j->p >= j->end || *j->p++ != ':')
					return jt_fail(j, "':' was expected");
			}
			if (jt_skip(j, depth + 1) < 0)
				return -1;
			jt_space(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			if (j->p < j->end && *j->p == close) {
				j->p++;
				return 0;
			}
			return jt_fail(j, "',' or the end of a list was expected");
		}
	}
	static const char *const literals[] = { "true", "false", "null" };
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(literals[k]);
		if ((size_t)(j->end - j->p) >= n && memcmp(j->p, literals[k], n) == 0) {
			j->p += n;
			return 0;
		}
	}
	return jt_number(j, &is_int, &i, &d);
}

/* Which array of the vocabulary a list is. */
enum { V_TERMS, V_DF, V_IDF, V_SURFACE, V_ARRAYS };

/* One array of the vocabulary: entry k goes to slot k of a growing array
 * (strings as offsets in buf until the end, when buf stops moving). */
static int jt_array(json_text *j, int which, void **items, size_t *n_out, unsigned char **ok_out)
{
	size_t n = 0, cap = 0, ok_cap = 0;
	size_t elem = which == V_IDF ? sizeof(double) : which == V_DF ? sizeof(long long) : sizeof(size_t);
	if (j->p >= j->end || *j->p != '[')
		return 1; /* not an array */
	j->p++;
	jt_space(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		*n_out = 0;
		return 0;
	}
	for (;;) {
		jt_space(j);
		if (fr_grow(items, &cap, n + 1, elem) < 0 ||
		    (which == V_DF && fr_grow((void **)ok_out, &ok_cap, n + 1, 1) < 0))
			return jt_fail(j, "out of memory");
		if (which == V_TERMS || which == V_SURFACE) {
			size_t off = SIZE_MAX;
			if (j->p < j->end && *j->p == '"') {
				if (jt_string(j, &off) < 0)
					return -1;
			} else if (jt_skip(j, 1) < 0) {
				return -1;
			}
			((size_t *)*items)[n] = off;
		} else if (j->p < j->end && (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))) {
			int is_int = 0;
			long long i = 0;
			double d = 0.0;
			if (jt_number(j, &is_int, &i, &d) < 0)
				return -1;
			if (which == V_DF) {
				((long long *)*items)[n] = i;
				(*ok_out)[n] = (unsigned char)is_int;
			} else {
				((double *)*items)[n] = d;
			}
		} else {
			if (jt_skip(j, 1) < 0)
				return -1;
			if (which == V_DF)
				(*ok_out)[n] = 0;
			else
				((double *)*items)[n] = NAN;
		}
		n++;
		jt_space(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			*n_out = n;
			return 0;
		}
		return jt_fail(j, "',' or the end of a list was expected");
	}
}

/* The bytes jt_skip_quick stops at: 1 for '"' and '\\', 2 for the
 * brackets. Every other byte (most of a vocabulary) it steps over. */
static const unsigned char jt_stop[256] = {
	['"'] = 1, ['\\'] = 1, ['{'] = 2, ['}'] = 2, ['['] = 2, [']'] = 2,
};

/* Skips one value by its brackets and strings alone, without checking it
 * (fr_tfidf_load_text or jansson checks what is kept). */
static int jt_skip_quick(json_text *j)
{
	const unsigned char *p = (const unsigned char *)j->p, *end = (const unsigned char *)j->end;
	size_t depth = 0;
	jt_space(j);
	p = (const unsigned char *)j->p;
	if (p < end && *p != '{' && *p != '[' && *p != '"') {
		/* A number or a literal: up to what ends it. */
		while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
		       *p != '\r' && *p != '\t')
			p++;
		j->p = (const char *)p;
		return 0;
	}
	do {
#ifdef __SSE2__
		/* Sixteen bytes a step (SSE2, on every x86-64) over the long
		 * stretches without a stop, such as the arrays of numbers: '[' and
		 * ']' are '{' and '}' with bit 0x20 clear. */
		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i v20 = _mm_or_si128(v, _mm_set1_epi8(0x20));
			__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			                                         _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
			                            _mm_or_si128(_mm_cmpeq_epi8(v20, _mm_set1_epi8('{')),
			                                         _mm_cmpeq_epi8(v20, _mm_set1_epi8('}'))));
			unsigned mask = (unsigned)_mm_movemask_epi8(stop);
			if (mask != 0) {
				p += __builtin_ctz(mask);
				break;
			}
			p += 16;
		}
#endif
		while (p < end && !jt_stop[*p])
			p++;
		if (p >= end)
			return -1;
		unsigned char c = *p++;
		if (c == '"') {
			for (;;) {
				while (p < end && *p != '"' && *p != '\\')
					p++;
				if (p >= end)
					return -1;
				if (*p++ == '"')
					break;
				if (p >= end)
					return -1;
				p++; /* the escaped byte */
			}
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return -1;
			depth--;
		} else {
			return -1; /* a backslash outside a string */
		}
	} while (depth > 0);
	j->p = (const char *)p;
	return 0;
}

int fr_tfidf_vocabulary_span(const char *text, size_t len, size_t *start_out, size_t *end_out)
{
	json_text j = { text, text, text + len, NULL, 0, 0, (locale_t)0, NULL };
	int rc = FR_EFORMAT;
	jt_space(&j);
	if (j.p >= j.end || *j.p++ != '{')
		goto done;
	for (;;) {
		size_t key = 0;
		jt_space(&j);
		j.len = 0;
		if (jt_string(&j, &key) < 0)
			goto done;
		jt_space(&j);
		if (j.p >= j.end || *j.p++ != ':')
			goto done;
		jt_space(&j);
		const char *value = j.p;
		if (jt_skip_quick(&j) < 0)
			goto done;
		if (strcmp(j.buf + key, "vocabulary") == 0) {
			*start_out = (size_t)(value - text);
			*end_out = (size_t)(j.p - text);
			rc = 0;
			goto done;
		}
		jt_space(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		rc = j.p < j.end && *j.p == '}' ? FR_ENOTFOUND : FR_EFORMAT;
		goto done;
	}
done:
	free(j.buf);
	return rc;
}

int fr_tfidf_load_text(fr_tfidf **out, const fr_tfidf_options *opts, const char *text, size_t len,
                       const char *source, fr_error *err)
{
	*out = NULL;
	json_text j = { text, text, text + len, NULL, 0, 0, (locale_t)0, NULL };
	void *arr[V_ARRAYS] = { NULL, NULL, NULL, NULL };
	size_t count[V_ARRAYS] = { 0, 0, 0, 0 };
	unsigned char *df_ok = NULL;
	int seen[V_ARRAYS] = { 0, 0, 0, 0 }, have_nd = 0, rc = 0;
	long long nd = 0;
	vocab_arrays a;
	static const char *const names[V_ARRAYS] = { "terms", "df", "idf", "surface" };
	memset(&a, 0, sizeof(a));
	j.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (j.c_locale == (locale_t)0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");

	jt_space(&j);
	if (j.p < j.end && *j.p != '{') {
		/* Another kind of value: what fr_tfidf_load says of it. */
		if (jt_skip(&j, 0) < 0)
			goto bad;
		jt_space(&j);
		if (j.p != j.end) {
			jt_fail(&j, "text after the vocabulary");
			goto bad;
		}
		rc = fr_error_set(err, FR_EMODEL, source, 0,
		                  "vocabulary needs arrays 'terms', 'df', 'idf', 'surface' and 'n_documents'");
		goto done;
	}
	if (j.p >= j.end || *j.p++ != '{') {
		jt_fail(&j, "the vocabulary is not an object");
		goto bad;
	}
	jt_space(&j);
	if (j.p < j.end && *j.p == '}') {
		j.p++;
	} else {
		for (;;) {
			size_t key = 0;
			jt_space(&j);
			if (jt_string(&j, &key) < 0)
				goto bad;
			jt_space(&j);
			if (j.p >= j.end || *j.p++ != ':') {
				jt_fail(&j, "':' was expected");
				goto bad;
			}
			jt_space(&j);
			int which = -1;
			for (int k = 0; k < V_ARRAYS; k++)
				if (strcmp(j.buf + key, names[k]) == 0)
					which = k;
			int is_nd = strcmp(j.buf + key, "n_documents") == 0;
			j.len = key; /* the key is not needed once known */
			if ((which >= 0 && seen[which]) || (is_nd && have_nd)) {
				jt_fail(&j, "a key appears twice");
				goto bad;
			}
			if (which >= 0) {
				int r = jt_array(&j, which, &arr[which], &count[which], which == V_DF ? &df_ok : NULL);
				if (r < 0)
					goto bad;
				seen[which] = r == 0 ? 1 : -1; /* -1: there, but not an array */
				if (r > 0 && jt_skip(&j, 1) < 0)
					goto bad;
			} else if (is_nd) {
				int is_int = 0;
				double d = 0.0;
				have_nd = -1;
				if (j.p < j.end && (*j.p == '-' || (*j.p >= '0' && *j.p <= '9'))) {
					if (jt_number(&j, &is_int, &nd, &d) < 0)
						goto bad;
					have_nd = is_int ? 1 : -1;
				} else if (jt_skip(&j, 1) < 0) {
					goto bad;
				}
			} else if (jt_skip(&j, 1) < 0) {
				goto bad;
			}
			jt_space(&j);
			if (j.p < j.end && *j.p == ',') {
				j.p++;
				continue;
			}
			if (j.p < j.end && *j.p == '}') {
				j.p++;
				break;
			}
			jt_fail(&j, "',' or the end of the object was expected");
			goto bad;
		}
	}
	jt_space(&j);
	if (j.p != j.end) {
		jt_fail(&j, "text after the vocabulary");
		goto bad;
	}
	for (int k = 0; k < V_ARRAYS; k++)
		if (seen[k] != 1)
			have_nd = 0;
	if (have_nd != 1) {
		rc = fr_error_set(err, FR_EMODEL, source, 0,
		                  "vocabulary needs arrays 'terms', 'df', 'idf', 'surface' and 'n_documents'");
		goto done;
	}
	size_t V = count[V_TERMS];
	if (count[V_DF] != V || count[V_IDF] != V || count[V_SURFACE] != V)
		V = 0;
	if (vocab_arrays_alloc(&a, V) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	a.n_documents = nd;
	for (size_t f = 0; f < V; f++) {
		size_t t_off = ((size_t *)arr[V_TERMS])[f], s_off = ((size_t *)arr[V_SURFACE])[f];
		a.term[f] = t_off == SIZE_MAX ? NULL : j.buf + t_off;
		a.surface[f] = s_off == SIZE_MAX ? NULL : j.buf + s_off;
		a.df[f] = ((long long *)arr[V_DF])[f];
		a.df_ok[f] = df_ok[f];
		a.idf[f] = ((double *)arr[V_IDF])[f];
	}
	rc = load_vocabulary(out, opts, &a, source, err);
	goto done;
bad:
	if (j.problem != NULL && strcmp(j.problem, "out of memory") == 0)
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	else
		rc = fr_error_set(err, FR_EMODEL, source, 0, "corrupt vocabulary: %s at byte %zu of it",
		                  j.problem ? j.problem : "bad JSON", (size_t)(j.p - j.start));
done:
	vocab_arrays_free(&a);
	for (int k = 0; k < V_ARRAYS; k++)
		free(arr[k]);
	free(df_ok);
	free(j.buf);
	freelocale(j.c_locale);
	return rc;
}

/* ---- the binary vocabulary image ---- */

/* The header: magic, version and byte order (u32 each), where the
 * vocabulary's JSON text was (fr_tfidf_image_text, four u64), the body's
 * length and its checksum. The body is a run of u64 counts and arrays,
 * each padded to 8 bytes. */
#define IMAGE_MAGIC "FRVOCAB\x01"
#define IMAGE_VERSION 1u
#define IMAGE_ORDER 0x01020304u
#define IMAGE_TEXT 16
#define IMAGE_BODY_LEN 48
#define IMAGE_BODY_SUM 56
#define IMAGE_HEAD 64

typedef struct {
	char *p;
	size_t len, cap;
	int failed;
} image_out;

static void put(image_out *o, const void *src, size_t n)
{
	size_t padded = (n + 7) & ~(size_t)7;
	if (o->failed || fr_grow((void **)&o->p, &o->cap, o->len + padded, 1) < 0) {
		o->failed = 1;
		return;
	}
	if (n > 0)
		memcpy(o->p + o->len, src, n);
	memset(o->p + o->len + n, 0, padded - n);
	o->len += padded;
}

static void put_u64(image_out *o, uint64_t v)
{
	put(o, &v, sizeof(v));
}

static void put_strmap(image_out *o, const fr_strmap *m)
{
	fr_strmap_parts p;
	fr_strmap_parts_of(m, &p);
	put_u64(o, p.count);
	put_u64(o, p.n_slots);
	put_u64(o, p.arena_len);
	put(o, p.slots, p.n_slots * sizeof(*p.slots));
	put(o, p.arena, p.arena_len);
	put(o, p.offsets, p.count * sizeof(*p.offsets));
}

int fr_tfidf_image(const fr_tfidf *t, const fr_tfidf_image_text *at, char **data_out, size_t *len_out)
{
	*data_out = NULL;
	*len_out = 0;
	size_t V = fr_tfidf_feature_count(t);
	if (!t->finished || V == 0)
		return FR_EINVALID;
	image_out o = { NULL, 0, 0, 0 };
	char head[IMAGE_HEAD] = { 0 };
	put(&o, head, sizeof(head)); /* filled in last */
	put_u64(&o, t->n_docs);
	put_u64(&o, V);
	put_u64(&o, t->idf_class ? t->n_idf_classes : 0);
	put_u64(&o, t->terms != NULL);
	put_strmap(&o, t->vocab);
	put(&o, t->df, (V + 1) * sizeof(*t->df));
	put(&o, t->idf, (V + 1) * sizeof(*t->idf));
	if (t->idf_class) {
		put(&o, t->idf_class, (V + 1) * sizeof(*t->idf_class));
		put(&o, t->idf_value, t->n_idf_classes * sizeof(*t->idf_value));
	}
	/* set_surfaces laid the forms end to end, in feature order. */
	size_t surface_len = (size_t)(t->surface[V] + strlen(t->surface[V]) + 1 - t->surface_text);
	put_u64(&o, surface_len);
	put(&o, t->surface_text, surface_len);
	if (t->terms) {
		size_t n_terms = fr_strmap_count(t->terms);
		put_strmap(&o, t->terms);
		put(&o, t->unigram, n_terms * sizeof(*t->unigram));
		put_u64(&o, t->pair_slots);
		put(&o, t->pairs, t->pair_slots * sizeof(*t->pairs));
		put_u64(&o, t->pair_filter_words);
		put(&o, t->pair_filter, t->pair_filter_words * sizeof(*t->pair_filter));
	}
	if (o.failed) {
		free(o.p);
		return FR_ENOMEM;
	}
	uint32_t version = IMAGE_VERSION, order = IMAGE_ORDER;
	uint64_t body_len = o.len - IMAGE_HEAD, body_sum = fr_checksum64(o.p + IMAGE_HEAD, body_len);
	memcpy(o.p, IMAGE_MAGIC, 8);
	memcpy(o.p + 8, &version, 4);
	memcpy(o.p + 12, &order, 4);
	uint64_t text[4] = { at->start, at->len, at->lines, at->hash };
	memcpy(o.p + IMAGE_TEXT, text, sizeof(text));
	memcpy(o.p + IMAGE_BODY_LEN, &body_len, 8);
	memcpy(o.p + IMAGE_BODY_SUM, &body_sum, 8);
	*data_out = o.p;
	*len_out = o.len;
	return 0;
}

typedef struct {
	const unsigned char *p;
	size_t left;
} image_in;

static int get_u64(image_in *in, uint64_t *v)
{
	if (in->left < sizeof(*v))
		return -1;
	memcpy(v, in->p, sizeof(*v));
	in->p += sizeof(*v);
	in->left -= sizeof(*v);
	return 0;
}

/* The next array of count items of size bytes, or NULL when the image is
 * shorter than that. */
static const void *get(image_in *in, uint64_t count, size_t size)
{
	if (count > in->left / size)
		return NULL;
	size_t n = (size_t)count * size, padded = (n + 7) & ~(size_t)7;
	if (padded > in->left)
		return NULL;
	const void *at = in->p;
	in->p += padded;
	in->left -= padded;
	return at;
}

/* A new copy of an array of the image (at least a byte), or NULL. */
static void *copy_of(const void *src, size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p != NULL && n > 0)
		memcpy(p, src, n);
	return p;
}

static int get_strmap(image_in *in, fr_strmap **out, const char **why)
{
	uint64_t count = 0, n_slots = 0, arena_len = 0;
	if (get_u64(in, &count) < 0 || get_u64(in, &n_slots) < 0 || get_u64(in, &arena_len) < 0)
		return FR_EFORMAT;
	fr_strmap_parts p = { NULL, (size_t)n_slots, NULL, (size_t)arena_len, NULL, (size_t)count };
	p.slots = get(in, n_slots, sizeof(uint64_t));
	p.arena = p.slots ? get(in, arena_len, 1) : NULL;
	p.offsets = p.arena ? get(in, count, sizeof(uint64_t)) : NULL;
	if (p.offsets == NULL)
		return FR_EFORMAT;
	return fr_strmap_from_parts(out, &p, why);
}

#define IMAGE_BAD(what) \
	do { \
		*why = (what); \
		rc = FR_EFORMAT; \
		goto done; \
	} while (0)

/* The term index of an image: checked so that every lookup ends inside
 * it (one bigram slot empty at least) and finds a feature of the
 * vocabulary or none. */
static int get_term_index(fr_tfidf *t, image_in *in, size_t V, const char **why)
{
	int rc = get_strmap(in, &t->terms, why);
	if (rc < 0)
		return rc;
	size_t n_terms = fr_strmap_count(t->terms);
	uint64_t slots = 0, words = 0;
	const void *unigram = get(in, n_terms, sizeof(*t->unigram)), *pairs = NULL, *filter = NULL;
	if (unigram == NULL || get_u64(in, &slots) < 0 || (pairs = get(in, slots, sizeof(*t->pairs))) == NULL ||
	    get_u64(in, &words) < 0 || (filter = get(in, words, sizeof(*t->pair_filter))) == NULL)
		IMAGE_BAD("the term index is cut short");
	if (slots < 16 || slots > ((uint64_t)1 << 31) || (slots & (slots - 1)) != 0 || words == 0 ||
	    (words & (words - 1)) != 0)
		IMAGE_BAD("the bigram table's size is wrong");
	t->pair_slots = (size_t)slots;
	t->pair_filter_words = (size_t)words;
	t->unigram = copy_of(unigram, n_terms * sizeof(*t->unigram));
	t->pairs = copy_of(pairs, t->pair_slots * sizeof(*t->pairs));
	t->pair_filter = copy_of(filter, t->pair_filter_words * sizeof(*t->pair_filter));
	if (!t->unigram || !t->pairs || !t->pair_filter)
		return FR_ENOMEM;
	for (size_t i = 0; i < n_terms; i++)
		if (t->unigram[i] > V)
			IMAGE_BAD("a term's feature is outside the vocabulary");
	size_t full = 0;
	for (size_t i = 0; i < t->pair_slots; i++) {
		const tfidf_pair *q = &t->pairs[i];
		if (q->a == 0)
			continue;
		if (q->a > n_terms || q->b == 0 || q->b > n_terms || q->feature == 0 || q->feature > V)
			IMAGE_BAD("a bigram is outside the vocabulary");
		full++;
	}
	if (full == t->pair_slots)
		IMAGE_BAD("the bigram table has no empty slot");
done:
	return rc;
}

int fr_tfidf_image_text_of(const void *data, size_t len, fr_tfidf_image_text *out)
{
	const unsigned char *d = data;
	uint32_t version = 0, order = 0;
	uint64_t text[4];
	if (len < IMAGE_HEAD || memcmp(d, IMAGE_MAGIC, 8) != 0)
		return FR_EFORMAT;
	memcpy(&version, d + 8, 4);
	memcpy(&order, d + 12, 4);
	if (version != IMAGE_VERSION || order != IMAGE_ORDER)
		return FR_EFORMAT;
	memcpy(text, d + IMAGE_TEXT, sizeof(text));
	out->start = text[0];
	out->len = text[1];
	out->lines = text[2];
	out->hash = text[3];
	return 0;
}

int fr_tfidf_image_read(fr_tfidf **out, const fr_tfidf_options *opts, const void *data, size_t len,
                        uint64_t text_hash, const char **why)
{
	*out = NULL;
	*why = NULL;
	const unsigned char *d = data;
	uint64_t body_len = 0, body_sum = 0;
	fr_tfidf_image_text at;
	if (len < IMAGE_HEAD || memcmp(d, IMAGE_MAGIC, 8) != 0) {
		*why = "not a framer vocabulary image";
		return FR_EFORMAT;
	}
	if (fr_tfidf_image_text_of(data, len, &at) < 0) {
		*why = "made by another version of framer or on another kind of machine";
		return FR_ENOTFOUND;
	}
	memcpy(&body_len, d + IMAGE_BODY_LEN, 8);
	memcpy(&body_sum, d + IMAGE_BODY_SUM, 8);
	if (at.hash != text_hash) {
		*why = "made from another vocabulary than model.json's (model.json edited since, or this file from another bundle)";
		return FR_ENOTFOUND;
	}
	if (body_len != len - IMAGE_HEAD) {
		*why = "damaged: cut short or run on";
		return FR_EFORMAT;
	}
	if (fr_checksum64(d + IMAGE_HEAD, body_len) != body_sum) {
		*why = "damaged: its checksum does not match";
		return FR_EFORMAT;
	}
	image_in in = { d + IMAGE_HEAD, (size_t)body_len };
	uint64_t n_docs = 0, V = 0, n_classes = 0, has_terms = 0, surface_len = 0;
	fr_tfidf *t = NULL;
	int rc = 0;
	if (get_u64(&in, &n_docs) < 0 || get_u64(&in, &V) < 0 || get_u64(&in, &n_classes) < 0 ||
	    get_u64(&in, &has_terms) < 0)
		IMAGE_BAD("cut short");
	if (has_terms != (opts->ngram_max <= 2)) {
		*why = "made for other n-gram options than model.json's";
		return FR_ENOTFOUND;
	}
	if (n_docs < 1 || n_docs >= UINT32_MAX || V < 1 || V >= UINT32_MAX || n_classes > IDF_CLASSES_MAX ||
	    n_classes > V)
		IMAGE_BAD("its counts are out of range");
	if ((rc = new_loaded(&t, opts, NULL)) < 0)
		goto done;
	t->n_docs = (size_t)n_docs;
	if ((rc = get_strmap(&in, &t->vocab, why)) < 0)
		goto done;
	if (fr_strmap_count(t->vocab) != V)
		IMAGE_BAD("the vocabulary's size is wrong");
	const void *df = get(&in, V + 1, sizeof(*t->df)), *idf = df ? get(&in, V + 1, sizeof(*t->idf)) : NULL;
	const void *cls = NULL, *values = NULL, *surf = NULL;
	if (idf != NULL && n_classes > 0 && ((cls = get(&in, V + 1, sizeof(*t->idf_class))) == NULL ||
	                                     (values = get(&in, n_classes, sizeof(*t->idf_value))) == NULL))
		idf = NULL;
	if (idf == NULL || get_u64(&in, &surface_len) < 0 || (surf = get(&in, surface_len, 1)) == NULL)
		IMAGE_BAD("cut short");
	t->df = copy_of(df, (V + 1) * sizeof(*t->df));
	t->idf = copy_of(idf, (V + 1) * sizeof(*t->idf));
	t->surface = calloc(V + 1, sizeof(*t->surface));
	t->surface_text = copy_of(surf, surface_len);
	if (!t->df || !t->idf || !t->surface || !t->surface_text) {
		rc = FR_ENOMEM;
		goto done;
	}
	for (size_t f = 1; f <= V; f++)
		if (t->df[f] < 1 || t->df[f] > n_docs || !isfinite(t->idf[f]))
			IMAGE_BAD("a document frequency or idf is out of range");
	if (n_classes > 0) {
		t->n_idf_classes = (size_t)n_classes;
		t->idf_class = copy_of(cls, (V + 1) * sizeof(*t->idf_class));
		t->idf_value = copy_of(values, n_classes * sizeof(*t->idf_value));
		if (!t->idf_class || !t->idf_value) {
			rc = FR_ENOMEM;
			goto done;
		}
		t->idf_class[0] = 0;
		for (size_t f = 1; f <= V; f++)
			if (t->idf_class[f] >= n_classes ||
			    memcmp(&t->idf_value[t->idf_class[f]], &t->idf[f], sizeof(double)) != 0)
				IMAGE_BAD("an idf class does not hold its feature's idf");
	}
	const char *p = t->surface_text, *end = p + surface_len;
	for (size_t f = 1; f <= V; f++) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		if (nul == NULL)
			IMAGE_BAD("the surface forms are cut short");
		t->surface[f] = (char *)p;
		p = nul + 1;
	}
	if (p != end)
		IMAGE_BAD("more surface forms than features");
	/* Character n-grams come after every word feature, as training numbers them. */
	while (t->n_word_features < V &&
	       fr_strmap_key(t->vocab, (uint32_t)t->n_word_features, NULL)[0] != FR_TFIDF_CHAR_MARK)
		t->n_word_features++;
	for (size_t f = t->n_word_features; f < V; f++)
		if (fr_strmap_key(t->vocab, (uint32_t)f, NULL)[0] != FR_TFIDF_CHAR_MARK)
			IMAGE_BAD("a word feature comes after a character n-gram");
	if (has_terms && (rc = get_term_index(t, &in, (size_t)V, why)) < 0)
		goto done;
	if (in.left != 0)
		IMAGE_BAD("bytes after its last table");
	t->finished = 1;
done:
	if (rc < 0) {
		if (rc == FR_EFORMAT && *why == NULL)
			*why = "cut short";
		fr_tfidf_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void fr_tfidf_free(fr_tfidf *t)
{
	if (t == NULL)
		return;
	free(t->surface_text);
	free_term_index(t);
	fr_strmap_free(t->vocab);
	free(t->df);
	free(t->idf);
	free(t->idf_class);
	free(t->idf_value);
	free(t->surface);
	fr_strmap_free(t->prov);
	fr_strmap_free(t->surf);
	free(t->prov_df);
	free(t->prov_last_doc);
	free(t->surf_count);
	fr_tfidf_fit_release(t);
	free(t);
}
