#include "checksum.h"

#include <string.h>

#define K1 UINT64_C(0x9E3779B185EBCA87)
#define K2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define K3 UINT64_C(0x165667B19E3779F9)

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t word(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t lane(uint64_t acc, uint64_t v)
{
	return rotl64(acc + v * K2, 31) * K1;
}

uint64_t fr_checksum64(const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t a = K1 + K2, b = K2, c = 0, d = (uint64_t)0 - K1, h;
	/* Four lanes, so that the multiplies of one 32-byte step overlap. */
	for (; end - p >= 32; p += 32) {
		a = lane(a, word(p));
		b = lane(b, word(p + 8));
		c = lane(c, word(p + 16));
		d = lane(d, word(p + 24));
	}
	h = rotl64(a, 1) + rotl64(b, 7) + rotl64(c, 12) + rotl64(d, 18);
	h ^= (uint64_t)len * K3;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ lane(0, word(p)), 27) * K1 + K3;
	for (; p < end; p++)
		h = rotl64(h ^ (*p * K3), 11) * K1;
	h ^= h >> 33;
	h *= K2;
	h ^= h >> 29;
	h *= K3;
	return h ^ (h >> 32);
}
