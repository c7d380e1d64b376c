#ifndef FR_TOKENIZE_H
#define FR_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#include "fr_error.h"

/* The tokenize stage: UTF-8 text in, folded word tokens out.
 *
 * - Bytes that are not valid UTF-8 (overlong forms, surrogates, truncated
 *   sequences) are treated as U+FFFD, a separator, and counted. (framer's
 *   readers refuse such records before they get here: fr_text_problem.)
 * - A soft hyphen, a word joiner or a zero width no-break space (U+FEFF,
 *   a byte order mark left inside text) is invisible: it joins the letters
 *   around it and separates nothing.
 * - Letters are normalized to NFKC and case-folded with libutf8proc, so
 *   "CEASEFIRE" and "ceasefire" agree and compatibility forms (ligatures,
 *   full-width letters) become their plain letters.
 * - A hyphen between two letters joins them: "cease-fire" and "ceasefire"
 *   are one token. Other dashes (en, em) separate.
 * - An apostrophe (straight, curly or modifier) between two letters stays,
 *   as a straight one: "Russia’s" gives "russia's", which the stemmer reduces.
 * - Letters with periods after each, "U.S." or "a.m.", are one token kept
 *   whole ("u.s."): the stemmer leaves them alone and "U.S." is not "us".
 * - A token that starts with a digit is the number class token "<num>".
 */
typedef enum {
	FR_TOKEN_WORD = 0,
	FR_TOKEN_ABBREV = 1,
	FR_TOKEN_NUMBER = 2
} fr_token_kind;

#define FR_TOKEN_NUMBER_TEXT "<num>"

typedef struct fr_token {
	uint32_t start;      /* the folded surface form: offset into fr_tokens.text */
	uint32_t len;
	uint32_t term_start; /* the term the stemmer made of it: offset into fr_tokens.terms */
	uint32_t term_len;
	uint8_t kind;        /* an fr_token_kind */
	uint8_t stop;        /* set by the stemmer: a stop word, left out of features */
} fr_token;

/* Tokens of one paragraph. Passed between stages, so transparent; reused
 * across paragraphs so a warm pipeline allocates nothing per paragraph. */
#define FR_TOKENS_READABLE 16

typedef struct fr_tokens {
	char *text;          /* surface forms, each NUL-terminated and with
	                      * FR_TOKENS_READABLE bytes readable from its start
	                      * (for word-at-a-time lookups); owned */
	size_t text_len, text_cap;
	char *terms;         /* terms (stems), each NUL-terminated; owned, filled by the stemmer */
	size_t terms_len, terms_cap;
	fr_token *items;     /* owned */
	size_t count, cap;
	int32_t *scratch;    /* code points of the token being built; owned */
	size_t scratch_cap;
	size_t invalid_bytes; /* bytes of the input that were not valid UTF-8 */
} fr_tokens;

void fr_tokens_init(fr_tokens *tokens);
/* Frees the buffers and leaves tokens zeroed and reusable. NULL-safe. */
void fr_tokens_dispose(fr_tokens *tokens);

/* The surface form and the term of token i. Borrowed from tokens. */
static inline const char *fr_tokens_surface(const fr_tokens *t, size_t i)
{
	return t->text + t->items[i].start;
}
static inline const char *fr_tokens_term(const fr_tokens *t, size_t i)
{
	return t->terms + t->items[i].term_start;
}

/* Tokenizes len bytes of text into out, replacing what out held. The terms
 * are not filled in until fr_stemmer_apply. Returns 0 or FR_ENOMEM /
 * FR_EINVALID (a paragraph over 128 MiB). Invalid UTF-8 is not an error: it is
 * counted in out->invalid_bytes. */
int fr_tokenize(fr_tokens *out, const char *text, size_t len, fr_error *err);

/* Appends a term for token i: used by the stemmer. Returns 0 or FR_ENOMEM. */
int fr_tokens__set_term(fr_tokens *t, size_t i, const char *term, size_t len);

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length
 * and stores the code point, or returns 0 when the bytes there are not valid
 * UTF-8 (the caller skips one byte). Shared by every stage that must cope
 * with bad bytes, so all agree on what is valid. */
size_t fr_utf8_decode(const uint8_t *s, size_t n, int32_t *cp_out);

/* The length of s (len bytes) cut to at most max bytes, moved back to the
 * start of a character the cut would split: for "%.*s" in messages and
 * JSON, where half a character would print as \xHH or be refused. A byte
 * that is not part of a whole character is cut like any other. */
size_t fr_utf8_fit(const char *s, size_t len, size_t max);

/* fr_utf8_fit for a C string, as an int for "%.*s" (max <= INT_MAX): it
 * reads no more of s than the cut needs, so s may be long. */
int fr_utf8_fit_str(const char *s, size_t max);

/* Where s's (len bytes) last max bytes at most start, moved on past a
 * character the cut would split: fr_utf8_fit's cut at the other end, for a
 * path that keeps its end. Returns that offset, 0 when len <= max. */
size_t fr_utf8_fit_end(const char *s, size_t len, size_t max);

/* Whether len bytes are text: valid UTF-8 (as fr_utf8_decode has it) with no
 * NUL byte. Returns NULL when they are; else what is wrong with the first bad
 * byte ("NUL byte", "invalid UTF-8 (overlong form)", "... (UTF-16
 * surrogate)", "... (truncated sequence)", ...), a static string, and its
 * offset in *at_out. The readers use it to refuse records that are not
 * text rather than label replacement characters. */
const char *fr_text_problem(const char *text, size_t len, size_t *at_out);

/* A copy of s with each byte that is not UTF-8 (as fr_utf8_decode has it)
 * replaced by U+FFFD, as labels.jsonl writes text. For names from the file
 * system (paths, file names), which may hold any bytes but go into UTF-8
 * outputs: labels.csv and review.csv must read back as corrections, and
 * jansson takes no string that is not UTF-8. Owned by the caller (free);
 * NULL when out of memory. */
char *fr_utf8_repair(const char *s);

/* The length of the invisible character at s (n bytes, n > 0) that a blank
 * line or cell may hold, or 0: ASCII spaces and tabs, byte order marks
 * (left mid-file where two files were joined), and the Unicode spaces web
 * pages leave (a no-break space from &nbsp;, the ideographic space, U+1680,
 * U+2000 to U+200B, U+202F, U+205F). Not CR or LF. */
size_t fr_blank_char(const char *s, size_t n);

/* Whether len bytes hold a letter or a digit (invalid UTF-8 holds neither):
 * whether fr_tokenize makes a token of them. A separator ("* * *", "---")
 * or lone punctuation has nothing to label. */
int fr_has_word(const char *text, size_t len);

/* Whether a word that ends just before s goes on at s (n bytes; 0 at the
 * end of the text), as fr_tokenize joins characters into one token: a
 * letter, a digit or a combining mark there, or a hyphen, an apostrophe or
 * an invisible joiner with a letter after it ("Advertisement-free",
 * "Reuters's"). Invalid UTF-8 goes on no word. Lets a prefix match end only
 * where a word does. */
int fr_word_goes_on(const char *s, size_t n);

/* Moves *s and shortens *len past the blank characters (fr_blank_char, CR
 * and LF too) at both ends of a cell. A blank cell ends with *len 0. */
void fr_trim_blank(const char **s, size_t *len);

#endif
