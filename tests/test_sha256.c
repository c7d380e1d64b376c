/* test_util.h uses mkstemps and nftw (GNU/XSI); ask for them unless the
 * build already did. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"
#include "test_util.h"

typedef struct {
	const char *input;
	const char *hex;
} sha256_vector;

/* FIPS 180-4 examples (the NIST "SHA256.pdf" and its two-block example). */
static const sha256_vector fips_vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
	  "klmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

/* Runs of 'x' at the lengths where padding changes shape: 55 still fits the
 * length in the same block, 56 does not; 64 is exactly one block. Digests
 * from coreutils sha256sum. */
typedef struct {
	size_t len;
	const char *hex;
} sha256_length_vector;

static const sha256_length_vector padding_vectors[] = {
	{ 55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072" },
	{ 56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e" },
	{ 63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2" },
	{ 64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c" },
	{ 65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9" },
	{ 119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c" },
	{ 120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98" },
};

#define MILLION_A_HEX "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

static void digest_to_hex(const uint8_t digest[32], char hex[65])
{
	size_t i = 0;

	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* Writes len bytes to a new temp file; the caller unlinks path. */
static void write_temp(char path[64], const void *data, size_t len)
{
	assert_int_equal(test_tmpfile(path, 64, "/tmp/fr_test_sha256_", "", data, len), 0);
}

static void test_sha256__fips_vectors(void **state)
{
	size_t i = 0;

	(void)state;
	for (i = 0; i < sizeof(fips_vectors) / sizeof(fips_vectors[0]); i++) {
		char hex[65] = "";
		fr_sha256_hex(fips_vectors[i].input, strlen(fips_vectors[i].input), hex);
		assert_string_equal(hex, fips_vectors[i].hex);
	}
}

static void test_sha256__padding_boundaries(void **state)
{
	char data[128] = { 0 };
	size_t i = 0;

	(void)state;
	memset(data, 'x', sizeof(data));
	for (i = 0; i < sizeof(padding_vectors) / sizeof(padding_vectors[0]); i++) {
		char hex[65] = "";
		fr_sha256_hex(data, padding_vectors[i].len, hex);
		assert_string_equal(hex, padding_vectors[i].hex);
	}
}

static void test_sha256__million_a_uneven_chunks(void **state)
{
	/* Chunk sizes that straddle block edges in every way. */
	static const size_t chunks[] = { 1, 63, 64, 65, 7, 127, 1000, 3, 4096, 55, 56 };
	char *data = NULL;
	fr_sha256 ctx = { { 0 }, 0, { 0 }, 0 };
	uint8_t digest[32] = { 0 };
	char hex[65] = "";
	size_t fed = 0;
	size_t k = 0;

	(void)state;
	data = malloc(1000000);
	assert_non_null(data);
	memset(data, 'a', 1000000);

	fr_sha256_init(&ctx);
	while (fed < 1000000) {
		size_t n = chunks[k++ % (sizeof(chunks) / sizeof(chunks[0]))];
		if (n > 1000000 - fed)
			n = 1000000 - fed;
		fr_sha256_update(&ctx, data + fed, n);
		fed += n;
	}
	fr_sha256_final(&ctx, digest);
	digest_to_hex(digest, hex);
	assert_string_equal(hex, MILLION_A_HEX);

	/* The one-shot call agrees. */
	fr_sha256_hex(data, 1000000, hex);
	assert_string_equal(hex, MILLION_A_HEX);
	free(data);
}

static void test_sha256__zero_length_updates(void **state)
{
	fr_sha256 ctx = { { 0 }, 0, { 0 }, 0 };
	uint8_t digest[32] = { 0 };
	char hex[65] = "";

	(void)state;
	fr_sha256_init(&ctx);
	fr_sha256_update(&ctx, NULL, 0);
	fr_sha256_update(&ctx, "ab", 2);
	fr_sha256_update(&ctx, "", 0);
	fr_sha256_update(&ctx, "c", 1);
	fr_sha256_final(&ctx, digest);
	digest_to_hex(digest, hex);
	assert_string_equal(hex, fips_vectors[1].hex);
}

static void test_sha256__file_matches_memory(void **state)
{
	/* Sizes around the 64 KiB read block as well as small and empty files. */
	static const size_t sizes[] = { 0, 3, 65535, 65536, 65537, 3 * 65536 + 17 };
	unsigned char *data = NULL;
	size_t i = 0;

	(void)state;
	data = malloc(3 * 65536 + 17);
	assert_non_null(data);
	for (i = 0; i < 3 * 65536 + 17; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char path[64] = "";
		char from_file[65] = "";
		char from_memory[65] = "";
		fr_error err = FR_ERROR_INIT;

		write_temp(path, data, sizes[i]);
		assert_int_equal(fr_sha256_file(path, from_file, &err), 0);
		assert_int_equal(err.code, 0);
		fr_sha256_hex(data, sizes[i], from_memory);
		assert_string_equal(from_file, from_memory);
		unlink(path);
	}
	free(data);
}

static void test_sha256__file_fips_vector(void **state)
{
	char path[64] = "";
	char hex[65] = "";

	(void)state;
	write_temp(path, "abc", 3);
	assert_int_equal(fr_sha256_file(path, hex, NULL), 0);
	assert_string_equal(hex, fips_vectors[1].hex);
	unlink(path);
}

static void test_sha256__missing_file(void **state)
{
	fr_error err = FR_ERROR_INIT;
	char hex[65] = "unchanged";
	const char *path = "/tmp/fr_test_sha256_no_such_dir/missing.bin";

	(void)state;
	assert_int_equal(fr_sha256_file(path, hex, &err), FR_ENOTFOUND);
	assert_int_equal(err.code, FR_ENOTFOUND);
	assert_string_equal(err.source, path);
	assert_string_equal(err.message, "cannot open: No such file or directory");
	assert_string_equal(hex, "");
	/* A NULL err is allowed. */
	assert_int_equal(fr_sha256_file(path, hex, NULL), FR_ENOTFOUND);
}

static void test_sha256__directory_is_io_error(void **state)
{
	fr_error err = FR_ERROR_INIT;
	char hex[65] = "";

	(void)state;
	assert_int_equal(fr_sha256_file("/tmp", hex, &err), FR_EIO);
	assert_int_equal(err.code, FR_EIO);
	assert_string_equal(err.source, "/tmp");
	assert_string_equal(hex, "");
}

/* The digest of data, fed in chunks of pseudo-random sizes. */
static void digest_in_chunks(const unsigned char *data, size_t len, uint64_t seed, char hex[65])
{
	fr_sha256 ctx = { { 0 }, 0, { 0 }, 0 };
	uint8_t digest[32] = { 0 };
	size_t fed = 0;

	fr_sha256_init(&ctx);
	while (fed < len) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t n = (size_t)(seed >> 33) % 300;
		if (n > len - fed)
			n = len - fed;
		fr_sha256_update(&ctx, data + fed, n);
		fed += n;
	}
	fr_sha256_final(&ctx, digest);
	digest_to_hex(digest, hex);
}

/* The CPU's SHA instructions (where it has them) and the portable code
 * give the same digest for every length up to five blocks and a few
 * large inputs, whole and in chunks. On a CPU without them, both runs are
 * the portable code. */
static void test_sha256__accelerated_matches_portable(void **state)
{
	size_t big = 200000;
	unsigned char *data = malloc(big);
	int accelerated = 0;

	(void)state;
	assert_non_null(data);
	for (size_t i = 0; i < big; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 11);
	for (size_t len = 0; len <= 5 * 64 + 1; len++) {
		char fast[65] = "", slow[65] = "";
		accelerated = fr_sha256__accelerate(1);
		fr_sha256_hex(data + len % 7, len, fast);
		fr_sha256__accelerate(0);
		fr_sha256_hex(data + len % 7, len, slow);
		assert_string_equal(fast, slow);
	}
	for (size_t len = big - 100; len <= big; len += 33) {
		char fast[65] = "", slow[65] = "", chunks[65] = "";
		fr_sha256__accelerate(1);
		fr_sha256_hex(data, len, fast);
		digest_in_chunks(data, len, len, chunks);
		fr_sha256__accelerate(0);
		fr_sha256_hex(data, len, slow);
		assert_string_equal(fast, slow);
		assert_string_equal(chunks, slow);
	}
	fr_sha256__accelerate(1);
	print_message("SHA-NI %s\n", accelerated ? "used" : "not available: portable code only");
	free(data);
}

static int use_portable(void **state)
{
	(void)state;
	fr_sha256__accelerate(0);
	return 0;
}

static int use_default(void **state)
{
	(void)state;
	fr_sha256__accelerate(1);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256__fips_vectors),
		cmocka_unit_test(test_sha256__padding_boundaries),
		cmocka_unit_test(test_sha256__million_a_uneven_chunks),
		cmocka_unit_test(test_sha256__zero_length_updates),
		cmocka_unit_test(test_sha256__file_matches_memory),
		cmocka_unit_test(test_sha256__file_fips_vector),
		cmocka_unit_test(test_sha256__missing_file),
		cmocka_unit_test(test_sha256__directory_is_io_error),
		cmocka_unit_test(test_sha256__accelerated_matches_portable),
	};

	/* Every test with the CPU's SHA instructions (where there are any),
	 * then again with the portable code alone. */
	int failed = cmocka_run_group_tests_name("sha256", tests, use_default, NULL);
	failed += cmocka_run_group_tests_name("sha256_portable", tests, use_portable, use_default);
	return failed;
}
