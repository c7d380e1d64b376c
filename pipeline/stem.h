#ifndef FR_STEM_H
#define FR_STEM_H

#include <stddef.h>

#include "fr_error.h"
#include "tokenize.h"

/* The stem stage: Snowball stemming through libstemmer, and stop words.
 * Stop words are tokenized and stemmed with the same stemmer as the text, so
 * a stop word and every form that stems like it always agree. Abbreviations
 * and the number token are left as they are. An fr_stemmer is not thread
 * safe (libstemmer's output buffer is reused): use one per thread. */
typedef struct fr_stemmer fr_stemmer;

/* language: a Snowball algorithm name ("english", "german", ...).
 * FR_EINVALID when libstemmer does not know it. */
int fr_stemmer_new(fr_stemmer **out, const char *language, fr_error *err);

/* The language it was made with. Borrowed. */
const char *fr_stemmer_language(const fr_stemmer *s);

/* Adds the stop words of a file: one per line, '#' starts a comment, blank
 * lines ignored. Each word is tokenized and stemmed before it is stored. */
int fr_stemmer_add_stopwords_file(fr_stemmer *s, const char *path, fr_error *err);

/* Adds one stop word given as a stem already (as saved in a model). */
int fr_stemmer_add_stop_stem(fr_stemmer *s, const char *stem, fr_error *err);

/* The stop stems in byte order, for saving. Borrowed until the next add. */
size_t fr_stemmer_stop_count(const fr_stemmer *s);
const char *fr_stemmer_stop_stem(const fr_stemmer *s, size_t i);

/* Whether a term (a stem) is a stop word. */
int fr_stemmer_is_stop(const fr_stemmer *s, const char *term);

/* Fills in every token's term (its stem) and stop flag. */
int fr_stemmer_apply(fr_stemmer *s, fr_tokens *tokens, fr_error *err);

/* Stems one folded word into a buffer owned by s. Borrowed until the next
 * call on s. NULL on failure. */
const char *fr_stemmer_stem_word(fr_stemmer *s, const char *word, size_t len, size_t *len_out);

void fr_stemmer_free(fr_stemmer *s);

#endif
