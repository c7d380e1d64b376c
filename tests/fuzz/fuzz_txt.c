/* Fuzz target: the `.txt` article splitter (title, blocks, CRLF and BOM
 * handling) with the shipped boilerplate rules, through the corpus API. */
#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The rules are parsed once per process and kept: they are input to
	 * the splitter, not under test here. */
	static fr_boilerplate *rules = NULL;
	if (rules == NULL)
		FZ_CHECK(fr_boilerplate_load(&rules, FR_DATA_DIR "/boilerplate.rules", NULL) == 0);
	char path[FZ_PATH_MAX];
	fz_write(path, "article.txt", data, size);
	fz_read_corpus(path, rules, size);
	return 0;
}
