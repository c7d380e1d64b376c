#ifndef FR_TFIDF_H
#define FR_TFIDF_H

#include <stddef.h>
#include <stdint.h>

#include <libsvm/svm.h>

#include "fr_error.h"
#include "tokenize.h"

struct json_t;

/* The vectorize stage: word n-grams of the stemmed, stop-filtered terms,
 * weighted by TF-IDF with scikit-learn's TfidfVectorizer definitions:
 *   tf      = count, or 1 + ln(count) when sublinear_tf
 *   idf     = ln((1 + n) / (1 + df)) + 1 when smooth_idf, else ln(n / df) + 1
 *   value   = tf * idf, then the vector is scaled by its norm:
 *     l2        unit L2 norm (scikit-learn's norm="l2")
 *     l2_parts  the word n-grams and the character n-grams each to unit L2
 *               norm, then the whole vector to unit norm, so that the two
 *               parts weigh the same in every paragraph (scikit-learn's
 *               FeatureUnion of a word and a character vectorizer). Under
 *               one norm the character n-grams, ten to twenty times as many
 *               a paragraph, take nearly all of its length and leave the
 *               words little weight. Without character n-grams it is l2.
 *     none      left as it is
 *   min_df / max_df: an integer is a document count, a fraction a share of
 *   documents; a term is kept when min <= df <= max.
 * An n-gram is its terms joined by one space. Features are numbered 1..V in
 * byte order of the terms, so the same data always gives the same model.
 *
 * Character n-grams (char_min..char_max, 0 for none; scikit-learn's
 * analyzer="char_wb"): each token's folded surface form (stop words too;
 * not the stem) is padded with a space on either side and cut into every
 * run of n code points, n = char_min..char_max; a padded token shorter than
 * n gives itself once, and no longer n. They join the same TF-IDF space
 * (one df and idf over words and characters alike; the norm as above), as
 * terms "\x01" followed by the n-gram, numbered after every word n-gram. */
typedef enum {
	FR_TFIDF_NORM_NONE = 0,
	FR_TFIDF_NORM_L2 = 1,
	FR_TFIDF_NORM_L2_PARTS = 2
} fr_tfidf_norm;

typedef struct fr_tfidf_options {
	int ngram_min;
	int ngram_max;
	double min_df;
	int min_df_is_count;
	double max_df;
	int max_df_is_count;
	int sublinear_tf;
	int smooth_idf;
	int norm;            /* an fr_tfidf_norm */
	int char_min;        /* character n-grams, 0 and 0 for none */
	int char_max;
} fr_tfidf_options;

#define FR_TFIDF_OPTIONS_INIT { 1, 2, 2.0, 1, 1.0, 0, 1, 1, FR_TFIDF_NORM_L2_PARTS, 0, 0 }

/* The config name of an fr_tfidf_norm: "none", "l2" or "l2_parts". */
const char *fr_tfidf_norm_name(int norm);

/* The first byte of a character n-gram's term. */
#define FR_TFIDF_CHAR_MARK '\x01'

/* NULL when opts are usable, else a one-line reason. */
const char *fr_tfidf_check_options(const fr_tfidf_options *opts);

/* A sparse vector in libsvm's layout: nodes[0..count-1] have ascending
 * 1-based indices and nodes[count].index == -1. The other fields are scratch
 * space and counters, so one vector reused per thread allocates nothing once
 * warm. Transparent: passed between stages. */
typedef struct fr_sparse_vec {
	struct svm_node *nodes;
	size_t count, cap;
	uint32_t *ids;      /* scratch: feature ids before they are counted */
	size_t ids_cap;
	uint32_t *sorted;   /* scratch for sorting ids */
	size_t sorted_cap;
	uint32_t *kept;     /* scratch: positions of the tokens that are not stop words */
	size_t kept_cap;
	char *key;          /* scratch: the n-gram being looked up */
	size_t key_cap;
	uint32_t *offs;     /* scratch: code point offsets of a padded token */
	size_t offs_cap;
	size_t n_terms;     /* unigram terms of the paragraph (stop words excluded) */
	size_t n_unknown;   /* ... of which not in the vocabulary */
} fr_sparse_vec;

void fr_sparse_vec_init(fr_sparse_vec *v);
void fr_sparse_vec_dispose(fr_sparse_vec *v);

/* Appends v's nodes, their terminator and one scratch node (for
 * fr_classifier_train) to a growing block of training vectors (*store,
 * *cap nodes, *used of them filled), so a solver can borrow every row from
 * one allocation. Stores where v starts in *offset_out: an
 * offset, since the block may move as it grows. 0 or FR_ENOMEM. */
int fr_sparse_vec_append(const fr_sparse_vec *v, struct svm_node **store, size_t *cap,
                         size_t *used, size_t *offset_out);

typedef struct fr_tfidf fr_tfidf;

/* Starts fitting. */
int fr_tfidf_new(fr_tfidf **out, const fr_tfidf_options *opts, fr_error *err);

/* Fitting: adds one training document. Documents are numbered 0, 1, ...
 * in the order they are added. */
int fr_tfidf_fit_add(fr_tfidf *t, const fr_tokens *doc, fr_error *err);

/* Ends fitting: prunes by min_df/max_df, numbers the features and computes
 * idf. FR_EFORMAT when no term survives the pruning. */
int fr_tfidf_fit_finish(fr_tfidf *t, fr_error *err);

/* Between fit_add and fit_finish: whether each document added keeps a
 * term in the vocabulary a fit on the documents not held out would make
 * (held_out[i] nonzero: document i left out; NULL: none), that is whether
 * such a fit gives it a feature. has_word_out[i] is document i's; 0 for
 * one held out. With one fit, cross-validation tells what each fold's own
 * fit will keep. */
int fr_tfidf_fit_rows_with_words(const fr_tfidf *t, const unsigned char *held_out, unsigned char *has_word_out,
                                 fr_error *err);

/* The vector of fitted document i (no need to tokenize it again). */
int fr_tfidf_fitted_vector(const fr_tfidf *t, size_t i, fr_sparse_vec *out, fr_error *err);

/* Frees what fitting kept per document, once the vectors are taken. */
void fr_tfidf_fit_release(fr_tfidf *t);

/* The vector of any tokenized, stemmed paragraph. Thread safe on a
 * finished fr_tfidf with one fr_sparse_vec per thread. */
int fr_tfidf_transform(const fr_tfidf *t, const fr_tokens *doc, fr_sparse_vec *out, fr_error *err);

/* The fast path, for vocabularies of unigrams and bigrams (ngram_max <= 2):
 * every term of the vocabulary (alone or inside a bigram) has a term id, and
 * a paragraph reduced to the term ids of its kept tokens (stop words left
 * out, -1 for a term the vocabulary does not know) turns into its vector
 * without building or hashing a single string. A caller that caches
 * surface form -> term id then does no string work per known token at all.
 * doc is the paragraph's tokens, which character n-grams are cut from:
 * NULL is fine when the vectorizer has none. Gives exactly what
 * fr_tfidf_transform gives. */
int fr_tfidf_has_term_index(const fr_tfidf *t);
/* The term id of a term, or -1. */
int32_t fr_tfidf_term_id(const fr_tfidf *t, const char *term, size_t len);
int fr_tfidf_transform_ids(const fr_tfidf *t, const int32_t *ids, size_t n,
                           const fr_tokens *doc, fr_sparse_vec *out, fr_error *err);

/* Feature count V, and per feature: its term, and its most frequent surface
 * form in the training text (for evidence shown as words). Borrowed. */
size_t fr_tfidf_feature_count(const fr_tfidf *t);
/* Features 1..W are words and word n-grams; character n-grams, numbered
 * after every one of them, follow. Evidence and telling terms list only
 * these: a fragment of a word (" chin", "asef") tells a reader nothing. */
size_t fr_tfidf_word_feature_count(const fr_tfidf *t);
const char *fr_tfidf_term(const fr_tfidf *t, int index);
const char *fr_tfidf_surface(const fr_tfidf *t, int index);
double fr_tfidf_idf(const fr_tfidf *t, int index);
uint32_t fr_tfidf_df(const fr_tfidf *t, int index);
size_t fr_tfidf_document_count(const fr_tfidf *t);
const fr_tfidf_options *fr_tfidf_get_options(const fr_tfidf *t);

/* Saving and loading: options as one JSON object, the vocabulary (terms,
 * df, idf, surface forms, document count) as another. */
int fr_tfidf_options_to_json(const fr_tfidf_options *opts, struct json_t **out);
int fr_tfidf_options_from_json(fr_tfidf_options *opts, const struct json_t *j,
                               const char *source, fr_error *err);
int fr_tfidf_vocabulary_to_json(const fr_tfidf *t, struct json_t **out);
int fr_tfidf_load(fr_tfidf **out, const fr_tfidf_options *opts,
                  const struct json_t *vocabulary, const char *source, fr_error *err);

/* fr_tfidf_load from the vocabulary object's JSON text (len bytes, the
 * value of model.json's "vocabulary"), read straight into the vectorizer
 * without building a JSON tree: jansson spends a value allocation and a
 * strtod per entry, which for a vocabulary of 90,000 terms was four fifths
 * of classify's start-up. The same vectorizer, checks and messages as
 * fr_tfidf_load; text that is not JSON, or that jansson would refuse (a
 * control character or bytes that are not UTF-8 in a string, \u0000, a
 * lone surrogate, an integer too large), is FR_EMODEL "corrupt vocabulary:
 * ... at byte N of it". Numbers are read in the "C" locale. */
int fr_tfidf_load_text(fr_tfidf **out, const fr_tfidf_options *opts, const char *text, size_t len,
                       const char *source, fr_error *err);

/* Where the value of the top-level member "vocabulary" lies in the JSON
 * object text[0..len) (model.json): [*start_out, *end_out), found by its
 * brackets and strings without reading what is inside, so that the rest
 * can go to jansson and the vocabulary to fr_tfidf_load_text. 0, or
 * FR_ENOTFOUND when there is no such member, FR_EFORMAT when the text is
 * not an object that far (the caller's JSON parser then says why). */
int fr_tfidf_vocabulary_span(const char *text, size_t len, size_t *start_out, size_t *end_out);

/* The binary vocabulary image: the loaded vectorizer's tables (the term
 * and vocabulary hash tables, df, idf and its classes, surface forms, the
 * bigram table and its filter) as they lie in memory, so that a load copies
 * them instead of parsing every term and building the tables again, which
 * was most of classify's start-up. model.json's vocabulary stays the
 * model's record; the image is made from it and names it by text_hash, the
 * checksum of its JSON text, so an image that a hand edit of model.json
 * left behind is known to be stale. Native byte order; another machine's
 * image reads as stale. */

/* Where the vocabulary's JSON text lies in the file an image was made
 * from (model.json): its offset, length, line ends and fr_checksum64. A
 * load that finds the same bytes there needs no scan to find them. */
typedef struct {
	uint64_t start, len, lines, hash;
} fr_tfidf_image_text;

/* The image of a finished vectorizer whose vocabulary text is at, in a new
 * buffer *data_out of *len_out bytes for the caller to free. 0 or
 * FR_ENOMEM. */
int fr_tfidf_image(const fr_tfidf *t, const fr_tfidf_image_text *at, char **data_out, size_t *len_out);

/* What an image says of its vocabulary text, from its header alone: 0, or
 * FR_EFORMAT when data is no image of this version. */
int fr_tfidf_image_text_of(const void *data, size_t len, fr_tfidf_image_text *out);

/* The vectorizer an image holds, checked so that no lookup leaves its
 * tables whatever the bytes. 0; FR_ENOTFOUND when it was made from another
 * vocabulary text (text_hash), for other options or on another kind of
 * machine; FR_EFORMAT when it is damaged; FR_ENOMEM. *why says what, for
 * the two. */
int fr_tfidf_image_read(fr_tfidf **out, const fr_tfidf_options *opts, const void *data, size_t len,
                        uint64_t text_hash, const char **why);

void fr_tfidf_free(fr_tfidf *t);

#endif
