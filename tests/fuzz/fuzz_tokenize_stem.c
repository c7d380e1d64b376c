/* Fuzz target: the tokenizer (UTF-8 decoding, NFKC, case folding, the
 * hyphen, apostrophe, abbreviation and number rules) and the Snowball
 * stemmer with stop words, as fr_model_label drives them; and
 * fr_text_problem, the readers' test of whether bytes are text.
 *
 * Input: one byte choosing the stemmer ('r' russian, 'g' german, 'f'
 * french, anything else english with the shipped stop words), then the
 * text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "stem.h"
#include "tokenize.h"

static fr_stemmer *stemmer_for(uint8_t which)
{
	/* Made once per process and kept: creating them is not under test. */
	static fr_stemmer *stemmers[4];
	static const char *const names[4] = { "english", "russian", "german", "french" };
	size_t i = which == 'r' ? 1 : which == 'g' ? 2 : which == 'f' ? 3 : 0;
	if (stemmers[i] == NULL) {
		FZ_CHECK(fr_stemmer_new(&stemmers[i], names[i], NULL) == 0);
		if (i == 0)
			FZ_CHECK(fr_stemmer_add_stopwords_file(stemmers[i],
			         FR_DATA_DIR "/stopwords/english.txt", NULL) == 0);
	}
	return stemmers[i];
}

/* Whether s[0..len) is valid UTF-8 with no NUL byte. */
static int clean_utf8(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		int32_t cp = 0;
		size_t n = fr_utf8_decode((const uint8_t *)s + i, len - i, &cp);
		if (n == 0 || cp == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* What tokenize.h and stem.h promise of every token: surface forms and
 * terms are NUL-terminated, inside their buffers, and valid UTF-8 whatever
 * the input was; a number is "<num>". */
static void check_tokens(const fr_tokens *t, size_t len, int stemmed)
{
	FZ_CHECK(t->invalid_bytes <= len);
	FZ_CHECK(t->count == 0 || t->items != NULL);
	for (size_t i = 0; i < t->count; i++) {
		const fr_token *tok = &t->items[i];
		FZ_CHECK(tok->kind <= FR_TOKEN_NUMBER && tok->len > 0);
		FZ_CHECK((size_t)tok->start + tok->len < t->text_len);
		const char *surface = fr_tokens_surface(t, i);
		FZ_CHECK(surface[tok->len] == '\0' && clean_utf8(surface, tok->len));
		if (tok->kind == FR_TOKEN_NUMBER)
			FZ_CHECK(strcmp(surface, FR_TOKEN_NUMBER_TEXT) == 0);
		if (!stemmed)
			continue;
		FZ_CHECK((size_t)tok->term_start + tok->term_len < t->terms_len);
		FZ_CHECK(fr_tokens_term(t, i)[tok->term_len] == '\0');
		/* Abbreviations and numbers are never stemmed. */
		if (tok->kind != FR_TOKEN_WORD)
			FZ_CHECK(tok->term_len == tok->len && memcmp(fr_tokens_term(t, i), surface, tok->len) == 0);
	}
}

/* Two token lists hold the same tokens and terms. */
static void check_same(const fr_tokens *a, const fr_tokens *b)
{
	FZ_CHECK(a->count == b->count && a->invalid_bytes == b->invalid_bytes);
	for (size_t i = 0; i < a->count; i++) {
		const fr_token *x = &a->items[i], *y = &b->items[i];
		FZ_CHECK(x->kind == y->kind && x->stop == y->stop);
		FZ_CHECK(x->len == y->len && memcmp(fr_tokens_surface(a, i), fr_tokens_surface(b, i), x->len) == 0);
		FZ_CHECK(x->term_len == y->term_len &&
		         memcmp(fr_tokens_term(a, i), fr_tokens_term(b, i), x->term_len) == 0);
	}
}

/* fr_text_problem agrees with fr_utf8_decode, byte for byte: it stops at
 * the first byte that does not decode or decodes to NUL. */
static void check_text_problem(const char *text, size_t len, const fr_tokens *t)
{
	size_t at = 0, want = len;
	const char *why = fr_text_problem(text, len, &at);
	int undecodable = 0;
	for (size_t i = 0; i < len;) {
		int32_t cp = 0;
		size_t n = fr_utf8_decode((const uint8_t *)text + i, len - i, &cp);
		if (n == 0 || cp == 0) {
			want = i;
			undecodable = n == 0;
			break;
		}
		i += n;
	}
	FZ_CHECK((why == NULL) == (want == len));
	if (why != NULL)
		FZ_CHECK(at == want && why[0] != '\0');
	/* Text with no problem has nothing invalid to count, and an undecodable
	 * byte is always counted. */
	FZ_CHECK(why != NULL || t->invalid_bytes == 0);
	FZ_CHECK(!undecodable || t->invalid_bytes > 0);
}

static void tokenize_stem(fr_tokens *t, fr_stemmer *st, const char *text, size_t len)
{
	FZ_CHECK(fr_tokenize(t, text, len, NULL) == 0);
	check_tokens(t, len, 0);
	check_text_problem(text, len, t);
	FZ_CHECK(fr_stemmer_apply(st, t, NULL) == 0);
	check_tokens(t, len, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	fr_stemmer *st = stemmer_for(data[0]);
	const char *text = (const char *)data + 1;
	size_t len = size - 1, half = len / 2;
	fr_tokens reused, fresh;
	fr_tokens_init(&reused);
	fr_tokens_init(&fresh);
	/* A warm fr_tokens, reused as the pipeline reuses it, must give what a
	 * new one gives. */
	tokenize_stem(&reused, st, text, len);
	tokenize_stem(&reused, st, text + half, len - half);
	tokenize_stem(&fresh, st, text + half, len - half);
	check_same(&reused, &fresh);
	fr_tokens_dispose(&reused);
	fr_tokens_dispose(&fresh);
	return 0;
}
