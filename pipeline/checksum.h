#ifndef FR_CHECKSUM_H
#define FR_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* A 64-bit checksum of a block of bytes, at memory speed (four independent
 * lanes of multiply-rotate, a final avalanche). Not cryptographic: it tells
 * a file that was changed or damaged from the one that was written, as the
 * model's binary vocabulary needs at every load, where sha256 of megabytes
 * would cost more than the load. */
uint64_t fr_checksum64(const void *data, size_t len);

#endif
