#include "strmap.h"

#include <stdlib.h>
#include <string.h>

/* A key is a record in the arena: its id (4 bytes), its length (4 bytes),
 * its bytes and a NUL. A slot holds 16 bits of the key's hash above the
 * record's offset + 1 (0 for an empty slot), so a probe compares hashes
 * inside the slot array and then reads the one record, which holds all it
 * needs: a lookup costs two cache lines, the slot and the key. The table
 * grows at three quarters full: probes past the home slot mostly stay in
 * its cache line and cost a tag compare each, and the slots take no more
 * memory than a table of 32-bit slots half full. */
#define OFFSET_BITS 48
#define OFFSET_MASK (((uint64_t)1 << OFFSET_BITS) - 1)
#define RECORD_HEAD 8

struct fr_strmap {
	uint64_t *slots;     /* tag << 48 | (record offset + 1), 0 for empty; size is a power of two */
	size_t n_slots;
	char *arena;         /* key records */
	size_t arena_len, arena_cap;
	uint64_t *offsets;   /* record offset of each id */
	size_t count, cap;
};

static uint64_t mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t load32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t hash_step(uint64_t h, uint64_t v)
{
	h = (h ^ (v * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
	return h ^ (h >> 29);
}

/* Eight bytes a step (keys are words and n-grams), then a final mix. The
 * last bytes are read with loads that may overlap those before, never
 * past the key, so a short key costs no byte loop and no library call. */
static inline uint64_t strmap_hash(const void *key, size_t len)
{
	const unsigned char *p = key, *end = p + len;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)len * 0xff51afd7ed558ccdULL);
	if (len >= 8) {
		for (; end - p > 8; p += 8)
			h = hash_step(h, load64(p));
		h = hash_step(h, load64(end - 8));
	} else if (len >= 4) {
		h = hash_step(h, load32(p) | load32(end - 4) << 32);
	} else if (len > 0) {
		h = hash_step(h, (uint64_t)p[0] | (uint64_t)p[len >> 1] << 8 | (uint64_t)p[len - 1] << 16);
	}
	return mix64(h);
}

uint64_t fr_strmap_hash(const void *key, size_t len)
{
	return strmap_hash(key, len);
}

/* Whether len bytes at a and b are equal: short keys with overlapping
 * loads, as the hash reads them. */
static inline int same_bytes(const unsigned char *a, const unsigned char *b, size_t len)
{
	if (len >= 8 && len <= 16)
		return load64(a) == load64(b) && load64(a + len - 8) == load64(b + len - 8);
	if (len >= 4 && len < 8)
		return load32(a) == load32(b) && load32(a + len - 4) == load32(b + len - 4);
	if (len < 4)
		return len == 0 || (a[0] == b[0] && a[len >> 1] == b[len >> 1] && a[len - 1] == b[len - 1]);
	return memcmp(a, b, len) == 0;
}

int fr_strmap_new(fr_strmap **out, size_t expected, fr_error *err)
{
	*out = NULL;
	fr_strmap *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	size_t n = 16;
	while (n * 3 < expected * 4)
		n *= 2;
	m->slots = calloc(n, sizeof(*m->slots));
	if (m->slots == NULL) {
		free(m);
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	m->n_slots = n;
	*out = m;
	return 0;
}

static inline uint32_t load_u32(const char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The slot of key: where it is (*found its id) or where it would go
 * (*found -1). */
static inline size_t probe(const fr_strmap *m, const void *key, size_t len, uint64_t h, int64_t *found)
{
	size_t mask = m->n_slots - 1;
	size_t i = (size_t)h & mask;
	uint64_t tag = h & ~OFFSET_MASK;
	*found = -1;
	for (;;) {
		uint64_t slot = m->slots[i];
		if (slot == 0)
			return i;
		if ((slot & ~OFFSET_MASK) == tag) {
			const char *rec = m->arena + (slot & OFFSET_MASK) - 1;
			if (load_u32(rec + 4) == len &&
			    same_bytes((const unsigned char *)rec + RECORD_HEAD, key, len)) {
				*found = load_u32(rec);
				return i;
			}
		}
		i = (i + 1) & mask;
	}
}

int64_t fr_strmap_find(const fr_strmap *m, const void *key, size_t len)
{
	int64_t found = -1;
	probe(m, key, len, strmap_hash(key, len), &found);
	return found;
}

/* Keys a batch lookup works on at once: enough misses in flight to keep
 * the memory busy, few enough that the prefetched lines are still there
 * when they are read. */
#define FIND_BLOCK 32

void fr_strmap_find_n(const fr_strmap *m, const char *const *keys, const size_t *lens, size_t n,
                      int64_t *ids_out)
{
	size_t mask = m->n_slots - 1;
	uint64_t h[FIND_BLOCK];
	for (size_t base = 0; base < n; base += FIND_BLOCK) {
		size_t b = n - base < FIND_BLOCK ? n - base : FIND_BLOCK;
		/* Hash every key and ask for its home slot; then, where the home
		 * slot's tag agrees, for the key record it points to; then probe,
		 * mostly in lines already on their way. */
		for (size_t i = 0; i < b; i++) {
			h[i] = strmap_hash(keys[base + i], lens[base + i]);
			__builtin_prefetch(&m->slots[(size_t)h[i] & mask]);
		}
		for (size_t i = 0; i < b; i++) {
			uint64_t slot = m->slots[(size_t)h[i] & mask];
			if (slot != 0 && (slot & ~OFFSET_MASK) == (h[i] & ~OFFSET_MASK))
				__builtin_prefetch(m->arena + (slot & OFFSET_MASK) - 1);
		}
		for (size_t i = 0; i < b; i++)
			probe(m, keys[base + i], lens[base + i], h[i], &ids_out[base + i]);
	}
}

static int rehash(fr_strmap *m)
{
	size_t n = m->n_slots * 2;
	uint64_t *slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return FR_ENOMEM;
	for (size_t id = 0; id < m->count; id++) {
		const char *rec = m->arena + m->offsets[id];
		uint64_t h = strmap_hash(rec + RECORD_HEAD, load_u32(rec + 4));
		size_t i = (size_t)h & (n - 1);
		while (slots[i] != 0)
			i = (i + 1) & (n - 1);
		slots[i] = (h & ~OFFSET_MASK) | (m->offsets[id] + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->n_slots = n;
	return 0;
}

int fr_strmap_intern(fr_strmap *m, const void *key, size_t len, uint32_t *id_out)
{
	if (len > UINT32_MAX - 1 || m->count >= UINT32_MAX - 1)
		return FR_EINVALID;
	uint64_t h = strmap_hash(key, len);
	int64_t found = -1;
	size_t slot = probe(m, key, len, h, &found);
	if (found >= 0) {
		*id_out = (uint32_t)found;
		return 0;
	}
	size_t need = m->arena_len + RECORD_HEAD + len + 1;
	if (need >= OFFSET_MASK)
		return FR_EINVALID;
	if ((m->count + 1) * 4 > m->n_slots * 3) {
		if (rehash(m) < 0)
			return FR_ENOMEM;
		slot = probe(m, key, len, h, &found);
	}
	if (fr_grow((void **)&m->offsets, &m->cap, m->count + 1, sizeof(*m->offsets)) < 0 ||
	    fr_grow((void **)&m->arena, &m->arena_cap, need, 1) < 0)
		return FR_ENOMEM;
	uint32_t id = (uint32_t)m->count++, len32 = (uint32_t)len;
	char *rec = m->arena + m->arena_len;
	memcpy(rec, &id, 4);
	memcpy(rec + 4, &len32, 4);
	memcpy(rec + RECORD_HEAD, key, len);
	rec[RECORD_HEAD + len] = '\0';
	m->offsets[id] = m->arena_len;
	m->slots[slot] = (h & ~OFFSET_MASK) | (m->arena_len + 1);
	m->arena_len = need;
	*id_out = id;
	return 1;
}

const char *fr_strmap_key(const fr_strmap *m, uint32_t id, size_t *len_out)
{
	if (id >= m->count)
		return NULL;
	if (len_out)
		*len_out = load_u32(m->arena + m->offsets[id] + 4);
	return m->arena + m->offsets[id] + RECORD_HEAD;
}

void fr_strmap_parts_of(const fr_strmap *m, fr_strmap_parts *out)
{
	out->slots = m->slots;
	out->n_slots = m->n_slots;
	out->arena = m->arena;
	out->arena_len = m->arena_len;
	out->offsets = m->offsets;
	out->count = m->count;
}

/* What is wrong with parts, or NULL: every record whole and numbered as
 * its id, every full slot pointing at the start of a record, and one slot
 * in four empty, as intern keeps it, so that every probe ends. */
static const char *check_parts(const fr_strmap_parts *p)
{
	if (p->n_slots < 16 || (p->n_slots & (p->n_slots - 1)) != 0 || p->count * 4 > p->n_slots * 3)
		return "a key table's size is wrong";
	if (p->arena_len >= OFFSET_MASK || p->count >= UINT32_MAX)
		return "a key table is too large";
	for (size_t id = 0; id < p->count; id++) {
		uint64_t off = p->offsets[id];
		if (off > p->arena_len || p->arena_len - off < RECORD_HEAD + 1 ||
		    load_u32(p->arena + off) != id)
			return "a key record is out of place";
		uint64_t len = load_u32(p->arena + off + 4);
		if (len > p->arena_len - off - RECORD_HEAD - 1 || p->arena[off + RECORD_HEAD + len] != '\0')
			return "a key record runs past its table";
	}
	size_t full = 0;
	for (size_t i = 0; i < p->n_slots; i++) {
		uint64_t slot = p->slots[i];
		if (slot == 0)
			continue;
		uint64_t off = (slot & OFFSET_MASK) - 1;
		uint32_t id = 0;
		if (off >= p->arena_len || p->arena_len - off < RECORD_HEAD ||
		    (id = load_u32(p->arena + off)) >= p->count || p->offsets[id] != off)
			return "a key slot points outside the keys";
		full++;
	}
	return full == p->count ? NULL : "a key table's slots do not match its keys";
}

int fr_strmap_from_parts(fr_strmap **out, const fr_strmap_parts *parts, const char **why)
{
	*out = NULL;
	*why = NULL;
	fr_strmap *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return FR_ENOMEM;
	m->n_slots = parts->n_slots;
	m->count = m->cap = parts->count;
	m->arena_len = m->arena_cap = parts->arena_len;
	m->slots = malloc((m->n_slots ? m->n_slots : 1) * sizeof(*m->slots));
	m->arena = malloc(m->arena_len ? m->arena_len : 1);
	m->offsets = malloc((m->count ? m->count : 1) * sizeof(*m->offsets));
	if (m->slots == NULL || m->arena == NULL || m->offsets == NULL) {
		fr_strmap_free(m);
		return FR_ENOMEM;
	}
	memcpy(m->slots, parts->slots, m->n_slots * sizeof(*m->slots));
	memcpy(m->arena, parts->arena, m->arena_len);
	memcpy(m->offsets, parts->offsets, m->count * sizeof(*m->offsets));
	/* Checked in the copy: the parts may lie unaligned in a file's bytes. */
	fr_strmap_parts copy;
	fr_strmap_parts_of(m, &copy);
	*why = check_parts(&copy);
	if (*why != NULL) {
		fr_strmap_free(m);
		return FR_EFORMAT;
	}
	*out = m;
	return 0;
}

size_t fr_strmap_count(const fr_strmap *m)
{
	return m->count;
}

void fr_strmap_free(fr_strmap *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m->arena);
	free(m->offsets);
	free(m);
}
