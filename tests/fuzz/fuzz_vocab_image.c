/* Fuzz target: the vocabulary image reader (fr_tfidf_image_read, the
 * bundle's vocab.bin), then vectorizing a paragraph with what it accepted.
 *
 * Input: an image. Its checksums are set again before it is read (the
 * body's, and the vocabulary text's to the one the header names), so that
 * mutations reach the tables behind them: a hostile file can carry right
 * checksums too. The seeds are the images of small real bundles
 * (tests/fuzz/README.md). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checksum.h"
#include "fuzz_util.h"
#include "stem.h"
#include "tfidf.h"
#include "tokenize.h"

/* The header's layout (tfidf.c): the text's checksum at 40, the body's
 * length at 48 and its checksum at 56; the body from 64. */
#define HEAD 64

static const char paragraph[] =
	"China calls for a ceasefire and peace talks; NATO expansion provoked the crisis. "
	"Russia's invasion of Ukraine, war crimes in Bucha: dialogue and negotiation now.";

/* Vectorizes the paragraph and checks what the vector promises. */
static void vectorize(const fr_tfidf *t, fr_stemmer *st)
{
	fr_tokens tok;
	fr_sparse_vec v;
	fr_error err = FR_ERROR_INIT;
	fr_tokens_init(&tok);
	fr_sparse_vec_init(&v);
	FZ_CHECK(fr_tokenize(&tok, paragraph, sizeof(paragraph) - 1, &err) == 0);
	FZ_CHECK(fr_stemmer_apply(st, &tok, &err) == 0);
	FZ_CHECK(fr_tfidf_transform(t, &tok, &v, &err) == 0);
	size_t V = fr_tfidf_feature_count(t);
	for (size_t i = 0; i < v.count; i++) {
		FZ_CHECK(v.nodes[i].index >= 1 && (size_t)v.nodes[i].index <= V);
		FZ_CHECK(i == 0 || v.nodes[i].index > v.nodes[i - 1].index);
		FZ_CHECK(fr_tfidf_surface(t, v.nodes[i].index) != NULL);
	}
	fr_tokens_dispose(&tok);
	fr_sparse_vec_dispose(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fr_stemmer *st;
	if (st == NULL)
		FZ_CHECK(fr_stemmer_new(&st, "english", NULL) == 0);
	char *img = malloc(size ? size : 1);
	FZ_CHECK(img != NULL);
	memcpy(img, data, size);
	uint64_t text_hash = 0;
	if (size >= HEAD) {
		uint64_t body_len = size - HEAD, body_sum = fr_checksum64(img + HEAD, body_len);
		memcpy(img + 48, &body_len, 8);
		memcpy(img + 56, &body_sum, 8);
		memcpy(&text_hash, img + 40, 8);
	}
	/* Words and bigrams (with a term index), and trigrams (without). */
	fr_tfidf_options opts[2] = { FR_TFIDF_OPTIONS_INIT, FR_TFIDF_OPTIONS_INIT };
	opts[1].ngram_max = 3;
	for (int k = 0; k < 2; k++) {
		fr_tfidf *t = NULL, *again = NULL;
		const char *why = NULL;
		int rc = fr_tfidf_image_read(&t, &opts[k], img, size, text_hash, &why);
		FZ_CHECK(rc == 0 || rc == FR_EFORMAT || rc == FR_ENOTFOUND || rc == FR_ENOMEM);
		FZ_CHECK((rc == 0) == (t != NULL) && (rc != FR_EFORMAT || why != NULL));
		if (rc < 0)
			continue;
		vectorize(t, st);
		/* What was read writes an image that reads back. */
		char *out = NULL;
		size_t out_len = 0;
		fr_tfidf_image_text at = { 0, 0, 0, text_hash };
		FZ_CHECK(fr_tfidf_image(t, &at, &out, &out_len) == 0);
		FZ_CHECK(fr_tfidf_image_read(&again, &opts[k], out, out_len, text_hash, &why) == 0);
		FZ_CHECK(fr_tfidf_feature_count(again) == fr_tfidf_feature_count(t));
		fr_tfidf_free(again);
		free(out);
		fr_tfidf_free(t);
	}
	free(img);
	return 0;
}
