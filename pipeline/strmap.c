#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct fr_strmap {
	uint32_t *slots;     /* id + 1, 0 for empty; size is a power of two */
	size_t n_slots;
	char *arena;         /* keys, each followed by a NUL */
	size_t arena_len, arena_cap;
	uint64_t *offsets;   /* offset of key id in arena */
	uint32_t *lens;
	uint32_t *hashes;    /* low bits of each key's hash, to skip most compares */
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

uint64_t fr_strmap_hash(const void *key, size_t len)
{
	/* Eight bytes a step (keys are words and n-grams), then a final mix. */
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)len * 0xff51afd7ed558ccdULL);
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ (v * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	memcpy(&tail, p, len);
	h = (h ^ (tail * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
	return mix64(h);
}

int fr_strmap_new(fr_strmap **out, size_t expected, fr_error *err)
{
	*out = NULL;
	fr_strmap *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	size_t n = 16;
	while (n < expected * 2)
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

static size_t probe(const fr_strmap *m, const void *key, size_t len, uint64_t h, int64_t *found)
{
	size_t mask = m->n_slots - 1;
	size_t i = (size_t)h & mask;
	*found = -1;
	for (;;) {
		uint32_t slot = m->slots[i];
		if (slot == 0)
			return i;
		uint32_t id = slot - 1;
		if (m->hashes[id] == (uint32_t)(h >> 32) && m->lens[id] == len &&
		    (len == 0 || memcmp(m->arena + m->offsets[id], key, len) == 0)) {
			*found = id;
			return i;
		}
		i = (i + 1) & mask;
	}
}

int64_t fr_strmap_find(const fr_strmap *m, const void *key, size_t len)
{
	int64_t found = -1;
	probe(m, key, len, fr_strmap_hash(key, len), &found);
	return found;
}

static int rehash(fr_strmap *m)
{
	size_t n = m->n_slots * 2;
	uint32_t *slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return FR_ENOMEM;
	for (size_t id = 0; id < m->count; id++) {
		uint64_t h = fr_strmap_hash(m->arena + m->offsets[id], m->lens[id]);
		size_t i = (size_t)h & (n - 1);
		while (slots[i] != 0)
			i = (i + 1) & (n - 1);
		slots[i] = (uint32_t)id + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->n_slots = n;
	return 0;
}

static int grow_arrays(fr_strmap *m)
{
	size_t cap2 = m->cap ? m->cap * 2 : 64;
	uint64_t *off = realloc(m->offsets, cap2 * sizeof(*off));
	if (off == NULL)
		return FR_ENOMEM;
	m->offsets = off;
	uint32_t *lens = realloc(m->lens, cap2 * sizeof(*lens));
	if (lens == NULL)
		return FR_ENOMEM;
	m->lens = lens;
	uint32_t *hashes = realloc(m->hashes, cap2 * sizeof(*hashes));
	if (hashes == NULL)
		return FR_ENOMEM;
	m->hashes = hashes;
	m->cap = cap2;
	return 0;
}

int fr_strmap_intern(fr_strmap *m, const void *key, size_t len, uint32_t *id_out)
{
	if (len > UINT32_MAX - 1 || m->count >= UINT32_MAX - 1)
		return FR_EINVALID;
	uint64_t h = fr_strmap_hash(key, len);
	int64_t found = -1;
	size_t slot = probe(m, key, len, h, &found);
	if (found >= 0) {
		*id_out = (uint32_t)found;
		return 0;
	}
	if ((m->count + 1) * 2 > m->n_slots) {
		if (rehash(m) < 0)
			return FR_ENOMEM;
		slot = probe(m, key, len, h, &found);
	}
	if (m->count == m->cap && grow_arrays(m) < 0)
		return FR_ENOMEM;
	if (m->arena_len + len + 1 > m->arena_cap) {
		size_t cap2 = m->arena_cap ? m->arena_cap : 4096;
		while (cap2 < m->arena_len + len + 1)
			cap2 *= 2;
		char *a = realloc(m->arena, cap2);
		if (a == NULL)
			return FR_ENOMEM;
		m->arena = a;
		m->arena_cap = cap2;
	}
	uint32_t id = (uint32_t)m->count++;
	m->offsets[id] = m->arena_len;
	m->lens[id] = (uint32_t)len;
	m->hashes[id] = (uint32_t)(h >> 32);
	memcpy(m->arena + m->arena_len, key, len);
	m->arena[m->arena_len + len] = '\0';
	m->arena_len += len + 1;
	m->slots[slot] = id + 1;
	*id_out = id;
	return 1;
}

const char *fr_strmap_key(const fr_strmap *m, uint32_t id, size_t *len_out)
{
	if (id >= m->count)
		return NULL;
	if (len_out)
		*len_out = m->lens[id];
	return m->arena + m->offsets[id];
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
	free(m->lens);
	free(m->hashes);
	free(m);
}
