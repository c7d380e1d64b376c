/* Fuzz target: the `.jsonl` reader of the corpus API (one JSON object per
 * line, "text" and an optional "id"; a bad line costs only itself). */
#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[FZ_PATH_MAX];
	fz_write(path, "batch.jsonl", data, size);
	fz_read_corpus(path, NULL, size);
	return 0;
}
