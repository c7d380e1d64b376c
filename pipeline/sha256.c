#include "sha256.h"

#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* x86-64 CPUs with the SHA extensions (Intel since Ice Lake, AMD since Zen)
 * hash a block in a few dozen instructions instead of some three thousand:
 * checking a model bundle's classifier file was a fifth of classify's
 * start-up. The portable code stays for every other CPU. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SHA256_NI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* Files are hashed in blocks this size, so memory stays flat. */
#define SHA256_FILE_BLOCK ((size_t)64 * 1024)

/* FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the
 * cube roots of the first 64 primes. */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t sha256_rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32u - n));
}

/* Processes one 64-byte block (FIPS 180-4 section 6.2.2). */
static void sha256_compress(uint32_t state[8], const uint8_t block[64])
{
	uint32_t w[64] = { 0 };
	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
	size_t t = 0;

	for (t = 0; t < 16; t++)
		w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
		       (uint32_t)block[4 * t + 2] << 8 | (uint32_t)block[4 * t + 3];
	for (t = 16; t < 64; t++) {
		uint32_t s0 = sha256_rotr(w[t - 15], 7) ^ sha256_rotr(w[t - 15], 18) ^
		              (w[t - 15] >> 3);
		uint32_t s1 = sha256_rotr(w[t - 2], 17) ^ sha256_rotr(w[t - 2], 19) ^
		              (w[t - 2] >> 10);
		w[t] = w[t - 16] + s0 + w[t - 7] + s1;
	}

	for (t = 0; t < 64; t++) {
		uint32_t big_s1 = sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^ sha256_rotr(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + big_s1 + ch + sha256_k[t] + w[t];
		uint32_t big_s0 = sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^ sha256_rotr(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = big_s0 + maj;

		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}

	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

#ifdef SHA256_NI
/* The rounds with SHA256RNDS2, four a group: the state is kept as ABEF and
 * CDGH, the order the instruction wants; the schedule's words four at a
 * time with SHA256MSG1 and SHA256MSG2. */
__attribute__((target("sha,sse4.1")))
static void sha256_compress_ni(uint32_t state[8], const uint8_t *data, size_t blocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)(const void *)&state[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)(const void *)&state[4]);
	__m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
	__m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

	for (size_t b = 0; b < blocks; b++, data += 64) {
		__m128i w[16];
		__m128i abef_in = abef, cdgh_in = cdgh;
		for (size_t g = 0; g < 16; g++) {
			if (g < 4)
				w[g] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(data + 16 * g)), bswap);
			else
				w[g] = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w[g - 4], w[g - 3]),
				                                          _mm_alignr_epi8(w[g - 1], w[g - 2], 4)),
				                            w[g - 1]);
			__m128i msg = _mm_add_epi32(w[g], _mm_loadu_si128((const __m128i *)(const void *)&sha256_k[4 * g]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(msg, 0x0E));
		}
		abef = _mm_add_epi32(abef, abef_in);
		cdgh = _mm_add_epi32(cdgh, cdgh_in);
	}

	__m128i feba = _mm_shuffle_epi32(abef, 0x1B);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
	_mm_storeu_si128((__m128i *)(void *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
	_mm_storeu_si128((__m128i *)(void *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

/* Whether the CPU has SSSE3, SSE4.1 and SHA (CPUID leaf 1 ECX, leaf 7 EBX). */
static int sha256_cpu_has_ni(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (__get_cpuid_max(0, NULL) < 7)
		return 0;
	__cpuid_count(7, 0, a, b, c, d);
	return (b >> 29) & 1;
}
#endif

/* -1 until the CPU is asked, then whether blocks go through SHA-NI;
 * fr_sha256__accelerate may turn it off. */
static atomic_int sha256_ni = -1;

static int sha256_use_ni(void)
{
	int ni = atomic_load_explicit(&sha256_ni, memory_order_relaxed);
	if (ni < 0) {
#ifdef SHA256_NI
		ni = sha256_cpu_has_ni();
#else
		ni = 0;
#endif
		atomic_store_explicit(&sha256_ni, ni, memory_order_relaxed);
	}
	return ni;
}

int fr_sha256__accelerate(int allow)
{
	atomic_store_explicit(&sha256_ni, -1, memory_order_relaxed);
	if (allow)
		return sha256_use_ni();
	atomic_store_explicit(&sha256_ni, 0, memory_order_relaxed);
	return 0;
}

/* Hashes whole 64-byte blocks. */
static void sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks)
{
#ifdef SHA256_NI
	if (sha256_use_ni()) {
		sha256_compress_ni(state, data, blocks);
		return;
	}
#endif
	for (size_t b = 0; b < blocks; b++)
		sha256_compress(state, data + 64 * b);
}

void fr_sha256_init(fr_sha256 *ctx)
{
	/* FIPS 180-4 section 5.3.3. */
	static const uint32_t initial[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	assert(ctx != NULL);
	memcpy(ctx->state, initial, sizeof(initial));
	ctx->total_bytes = 0;
	ctx->block_len = 0;
	memset(ctx->block, 0, sizeof(ctx->block));
}

void fr_sha256_update(fr_sha256 *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	assert(ctx != NULL);
	assert(data != NULL || len == 0);
	ctx->total_bytes += len;

	/* Top up a partial block first. */
	if (ctx->block_len > 0) {
		size_t take = sizeof(ctx->block) - ctx->block_len;
		if (take > len)
			take = len;
		memcpy(ctx->block + ctx->block_len, p, take);
		ctx->block_len += take;
		p += take;
		len -= take;
		if (ctx->block_len < sizeof(ctx->block))
			return;
		sha256_blocks(ctx->state, ctx->block, 1);
		ctx->block_len = 0;
	}

	/* Whole blocks straight from the input, without copying. */
	if (len >= sizeof(ctx->block)) {
		size_t blocks = len / sizeof(ctx->block);
		sha256_blocks(ctx->state, p, blocks);
		p += blocks * sizeof(ctx->block);
		len -= blocks * sizeof(ctx->block);
	}

	if (len > 0) {
		memcpy(ctx->block, p, len);
		ctx->block_len = len;
	}
}

void fr_sha256_final(fr_sha256 *ctx, uint8_t digest[32])
{
	uint64_t bits = 0;
	size_t i = 0;

	assert(ctx != NULL);
	assert(digest != NULL);
	bits = ctx->total_bytes * 8u;

	/* Padding (section 5.1.1): a 1 bit, zeros up to 56 mod 64, then the
	 * message length in bits as a big-endian 64-bit number. */
	ctx->block[ctx->block_len++] = 0x80;
	if (ctx->block_len > 56) {
		memset(ctx->block + ctx->block_len, 0, sizeof(ctx->block) - ctx->block_len);
		sha256_blocks(ctx->state, ctx->block, 1);
		ctx->block_len = 0;
	}
	memset(ctx->block + ctx->block_len, 0, 56 - ctx->block_len);
	for (i = 0; i < 8; i++)
		ctx->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_blocks(ctx->state, ctx->block, 1);

	for (i = 0; i < 8; i++) {
		digest[4 * i] = (uint8_t)(ctx->state[i] >> 24);
		digest[4 * i + 1] = (uint8_t)(ctx->state[i] >> 16);
		digest[4 * i + 2] = (uint8_t)(ctx->state[i] >> 8);
		digest[4 * i + 3] = (uint8_t)ctx->state[i];
	}

	/* Wipe the state so a reuse without init cannot pass silently. */
	memset(ctx, 0, sizeof(*ctx));
}

static void sha256_to_hex(const uint8_t digest[32], char hex_out[65])
{
	static const char digits[] = "0123456789abcdef";
	size_t i = 0;

	for (i = 0; i < 32; i++) {
		hex_out[2 * i] = digits[digest[i] >> 4];
		hex_out[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	hex_out[64] = '\0';
}

void fr_sha256_hex(const void *data, size_t len, char hex_out[65])
{
	fr_sha256 ctx = { { 0 }, 0, { 0 }, 0 };
	uint8_t digest[32] = { 0 };

	assert(hex_out != NULL);
	fr_sha256_init(&ctx);
	fr_sha256_update(&ctx, data, len);
	fr_sha256_final(&ctx, digest);
	sha256_to_hex(digest, hex_out);
}

int fr_sha256_file(const char *path, char hex_out[65], fr_error *err)
{
	fr_sha256 ctx = { { 0 }, 0, { 0 }, 0 };
	uint8_t digest[32] = { 0 };
	FILE *fp = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;
	int rc = 0;

	assert(path != NULL);
	assert(hex_out != NULL);
	hex_out[0] = '\0';
	fr_sha256_init(&ctx);

	fp = fopen(path, "rb");
	if (fp == NULL) {
		int code = (errno == ENOENT || errno == ENOTDIR) ? FR_ENOTFOUND : FR_EIO;
		rc = fr_error_set(err, code, path, 0, "cannot open: %s", strerror(errno));
		goto done;
	}

	/* On the heap: 64 KiB is too much stack for a library call that may run
	 * on a small thread stack. */
	buf = malloc(SHA256_FILE_BLOCK);
	if (buf == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, path, 0, "out of memory");
		goto done;
	}

	do {
		n = fread(buf, 1, SHA256_FILE_BLOCK, fp);
		fr_sha256_update(&ctx, buf, n);
	} while (n == SHA256_FILE_BLOCK);

	if (ferror(fp)) {
		rc = fr_error_set(err, FR_EIO, path, 0, "read error: %s", strerror(errno));
		goto done;
	}

	fr_sha256_final(&ctx, digest);
	sha256_to_hex(digest, hex_out);

done:
	free(buf);
	/* A failed fclose of a stream only read from loses nothing. */
	if (fp != NULL)
		fclose(fp);
	return rc;
}
