/* Unit tests for the strmap stage helper (pipeline/strmap.h): byte-string
 * keys to dense ids in insertion order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "strmap.h"

#define MANY_KEYS 100000

static int setup_map(void **state)
{
	fr_strmap *m = NULL;
	fr_error err = FR_ERROR_INIT;
	if (fr_strmap_new(&m, 0, &err) != 0)
		return -1;
	*state = m;
	return 0;
}

static int teardown_map(void **state)
{
	fr_strmap_free(*state);
	*state = NULL;
	return 0;
}

static size_t key_of(char buf[32], size_t i)
{
	return (size_t)snprintf(buf, 32, "key-%zu", i);
}

/* 100k keys from a table sized for none: it must rehash many times and
 * still give every key back, with ids 0..N-1 in insertion order. */
static void test_strmap__many_keys_round_trip(void **state)
{
	fr_strmap *m = *state;
	char buf[32];

	for (size_t i = 0; i < MANY_KEYS; i++) {
		uint32_t id = UINT32_MAX;
		size_t len = key_of(buf, i);
		assert_int_equal(fr_strmap_intern(m, buf, len, &id), 1);
		assert_int_equal(id, i);
		assert_int_equal(fr_strmap_count(m), i + 1);
	}
	for (size_t i = 0; i < MANY_KEYS; i++) {
		uint32_t id = UINT32_MAX;
		size_t len = key_of(buf, i), klen = 0;
		assert_int_equal(fr_strmap_find(m, buf, len), (int64_t)i);
		/* Interning again finds it: returns 0 and the same id. */
		assert_int_equal(fr_strmap_intern(m, buf, len, &id), 0);
		assert_int_equal(id, i);
		const char *k = fr_strmap_key(m, (uint32_t)i, &klen);
		assert_non_null(k);
		assert_int_equal(klen, len);
		assert_memory_equal(k, buf, len);
		assert_int_equal(k[klen], '\0');
	}
	assert_int_equal(fr_strmap_count(m), MANY_KEYS);
	assert_null(fr_strmap_key(m, MANY_KEYS, NULL));
}

static void test_strmap__absent_key_is_minus_one(void **state)
{
	fr_strmap *m = *state;
	uint32_t id = 0;

	assert_int_equal(fr_strmap_find(m, "peace", 5), -1);
	assert_int_equal(fr_strmap_intern(m, "peace", 5, &id), 1);
	assert_int_equal(fr_strmap_find(m, "peace", 5), 0);
	/* Prefixes, extensions and case variants are other keys. */
	assert_int_equal(fr_strmap_find(m, "peac", 4), -1);
	assert_int_equal(fr_strmap_find(m, "peaces", 6), -1);
	assert_int_equal(fr_strmap_find(m, "Peace", 5), -1);
	assert_int_equal(fr_strmap_find(m, "", 0), -1);
}

/* Keys are byte strings: NUL bytes inside are part of the key. */
static void test_strmap__keys_with_nul_bytes(void **state)
{
	static const struct {
		const char *key;
		size_t len;
	} keys[] = {
		{ "a", 1 },
		{ "a\0b", 3 },
		{ "a\0c", 3 },
		{ "a\0", 2 },
		{ "\0", 1 },
		{ "\0\0", 2 },
	};
	fr_strmap *m = *state;
	size_t n = sizeof(keys) / sizeof(keys[0]);

	for (size_t i = 0; i < n; i++) {
		uint32_t id = UINT32_MAX;
		assert_int_equal(fr_strmap_intern(m, keys[i].key, keys[i].len, &id), 1);
		assert_int_equal(id, i);
	}
	assert_int_equal(fr_strmap_count(m), n);
	for (size_t i = 0; i < n; i++) {
		size_t len = 99;
		assert_int_equal(fr_strmap_find(m, keys[i].key, keys[i].len), (int64_t)i);
		const char *k = fr_strmap_key(m, (uint32_t)i, &len);
		assert_int_equal(len, keys[i].len);
		assert_memory_equal(k, keys[i].key, len);
	}
	assert_int_equal(fr_strmap_find(m, "a\0d", 3), -1);
}

static void test_strmap__empty_key(void **state)
{
	fr_strmap *m = *state;
	uint32_t id = UINT32_MAX, id2 = UINT32_MAX;
	size_t len = 99;

	assert_int_equal(fr_strmap_intern(m, "x", 1, &id), 1);
	assert_int_equal(fr_strmap_intern(m, "", 0, &id), 1);
	assert_int_equal(id, 1);
	assert_int_equal(fr_strmap_intern(m, "", 0, &id2), 0);
	assert_int_equal(id2, 1);
	assert_int_equal(fr_strmap_find(m, "", 0), 1);
	const char *k = fr_strmap_key(m, 1, &len);
	assert_int_equal(len, 0);
	assert_string_equal(k, "");
	assert_int_equal(fr_strmap_count(m), 2);
}

/* An empty map answers finds without having allocated keys. */
static void test_strmap__find_in_empty_map(void **state)
{
	fr_strmap *m = *state;

	assert_int_equal(fr_strmap_count(m), 0);
	assert_int_equal(fr_strmap_find(m, "war", 3), -1);
	assert_int_equal(fr_strmap_find(m, "", 0), -1);
	assert_null(fr_strmap_key(m, 0, NULL));
}

/* A batch lookup answers as one find per key: present and absent keys,
 * short and long, more than one block of them, and none at all. */
static void test_strmap__find_n_matches_find(void **state)
{
	fr_strmap *m = *state;
	static char text[600][40];
	const char *keys[600];
	size_t lens[600];
	int64_t ids[600];
	for (size_t i = 0; i < 600; i++) {
		/* Lengths 1 to 30; every third key is never interned. */
		lens[i] = (size_t)snprintf(text[i], sizeof(text[i]), "%zu%.*s", i,
		                           (int)(i % 28), "abcdefghijklmnopqrstuvwxyz0123");
		keys[i] = text[i];
		uint32_t id = 0;
		if (i % 3 != 0)
			assert_true(fr_strmap_intern(m, keys[i], lens[i], &id) >= 0);
	}
	fr_strmap_find_n(m, keys, lens, 600, ids);
	for (size_t i = 0; i < 600; i++) {
		assert_int_equal(ids[i], fr_strmap_find(m, keys[i], lens[i]));
		assert_true((ids[i] < 0) == (i % 3 == 0));
	}
	fr_strmap_find_n(m, keys, lens, 0, ids);
}

/* Callers cache by the hash: equal keys hash equal, wherever they live. */
static void test_strmap__hash_depends_on_bytes_only(void **state)
{
	char a[] = "ceasefire", b[] = "xceasefire";
	(void)state;

	assert_true(fr_strmap_hash(a, 9) == fr_strmap_hash(b + 1, 9));
	assert_true(fr_strmap_hash(a, 9) != fr_strmap_hash(a, 8));
	assert_true(fr_strmap_hash("a\0b", 3) != fr_strmap_hash("a\0c", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_strmap__many_keys_round_trip, setup_map, teardown_map),
		cmocka_unit_test_setup_teardown(test_strmap__absent_key_is_minus_one, setup_map, teardown_map),
		cmocka_unit_test_setup_teardown(test_strmap__keys_with_nul_bytes, setup_map, teardown_map),
		cmocka_unit_test_setup_teardown(test_strmap__empty_key, setup_map, teardown_map),
		cmocka_unit_test_setup_teardown(test_strmap__find_in_empty_map, setup_map, teardown_map),
		cmocka_unit_test_setup_teardown(test_strmap__find_n_matches_find, setup_map, teardown_map),
		cmocka_unit_test(test_strmap__hash_depends_on_bytes_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
