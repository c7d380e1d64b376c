#ifndef FR_SHA256_H
#define FR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "fr_error.h"

/* SHA-256 (FIPS 180-4), for the provenance of training data and the integrity
 * of model bundles. Transparent so it lives on the stack. */
typedef struct fr_sha256 {
	uint32_t state[8];
	uint64_t total_bytes;
	uint8_t block[64];
	size_t block_len;
} fr_sha256;

void fr_sha256_init(fr_sha256 *ctx);
void fr_sha256_update(fr_sha256 *ctx, const void *data, size_t len);
/* Writes the 32-byte digest; ctx must be initialised again before reuse. */
void fr_sha256_final(fr_sha256 *ctx, uint8_t digest[32]);

/* The digest of len bytes as 64 lowercase hex digits and a NUL. */
void fr_sha256_hex(const void *data, size_t len, char hex_out[65]);

/* The digest of a whole file, streamed. Returns 0, or FR_ENOTFOUND / FR_EIO
 * with err naming the file. */
int fr_sha256_file(const char *path, char hex_out[65], fr_error *err);

/* For tests: whether blocks may go through the CPU's SHA instructions
 * (x86-64 with SHA-NI; the default where the CPU has them). Returns whether
 * they now do: 0 on other CPUs, whatever allow says. Process-wide. */
int fr_sha256__accelerate(int allow);

#endif
