#ifndef FR_STRMAP_H
#define FR_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "fr_error.h"

/* An open-addressing table from byte strings to dense ids (0, 1, 2, ... in
 * insertion order). Keys live in one arena, so a vocabulary of a million
 * terms is a few large allocations, not a million small ones. Used for the
 * vocabulary, label sets and counting. */
typedef struct fr_strmap fr_strmap;

int fr_strmap_new(fr_strmap **out, size_t expected, fr_error *err);

/* Finds key or inserts it. Stores its id in *id_out. Returns 1 when it was
 * inserted, 0 when it was there, FR_ENOMEM or FR_EINVALID (over 2^32 keys or
 * a key over 4 GiB). */
int fr_strmap_intern(fr_strmap *m, const void *key, size_t len, uint32_t *id_out);

/* The id of key, or -1 when absent. */
int64_t fr_strmap_find(const fr_strmap *m, const void *key, size_t len);

/* ids_out[i] = fr_strmap_find(m, keys[i], lens[i]) for i < n, with the
 * lookups' cache misses overlapped: a table of megabytes costs a miss or two
 * per lookup, and one lookup at a time waits for each in turn. For callers
 * with many keys at hand, such as a paragraph's tokens. */
void fr_strmap_find_n(const fr_strmap *m, const char *const *keys, const size_t *lens, size_t n,
                      int64_t *ids_out);

/* Key of id, NUL-terminated, borrowed until the next intern. */
const char *fr_strmap_key(const fr_strmap *m, uint32_t id, size_t *len_out);

size_t fr_strmap_count(const fr_strmap *m);

void fr_strmap_free(fr_strmap *m);

/* A table's arrays, as a saved model stores them (fr_tfidf's binary
 * vocabulary): the slots, the key records and each id's record. */
typedef struct {
	const uint64_t *slots;
	size_t n_slots;
	const char *arena;
	size_t arena_len;
	const uint64_t *offsets;
	size_t count;
} fr_strmap_parts;

/* The parts of m, borrowed until the next intern. */
void fr_strmap_parts_of(const fr_strmap *m, fr_strmap_parts *out);

/* A table with a copy of parts, after checking that every lookup stays
 * inside them: FR_EFORMAT (*why says what is wrong) or FR_ENOMEM. The
 * parts may come from a damaged or hostile file, at any alignment. */
int fr_strmap_from_parts(fr_strmap **out, const fr_strmap_parts *parts, const char **why);

/* The hash the table uses, exposed for callers that cache by it. */
uint64_t fr_strmap_hash(const void *key, size_t len);

#endif
