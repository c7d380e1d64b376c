/* Fuzz target: fr_jsonl_record, the reader of the common JSON Lines record,
 * against jansson as the oracle. The input is one line. Whenever the
 * reader takes it, jansson must read it too, to an object whose "text" and
 * "id" are the same bytes (an integer id as its digits); a line the reader
 * leaves alone is jansson's anyway. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "jsonl.h"

static void check_same(const json_t *v, const char *bytes, size_t len)
{
	if (bytes == NULL) {
		FZ_CHECK(v == NULL);
		return;
	}
	FZ_CHECK(v != NULL);
	if (json_is_integer(v)) {
		char num[32];
		int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		FZ_CHECK(n > 0 && (size_t)n == len && memcmp(num, bytes, len) == 0);
		return;
	}
	FZ_CHECK(json_is_string(v));
	FZ_CHECK(json_string_length(v) == len);
	FZ_CHECK(memcmp(json_string_value(v), bytes, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One line: what a reader hands over has no line end in it. */
	const char *line = (const char *)data;
	const char *nl = memchr(line, '\n', size);
	size_t len = nl ? (size_t)(nl - line) : size;
	char *buf = NULL;
	size_t cap = 0;
	fr_jsonl_fields f;
	int rc = fr_jsonl_record(line, len, &buf, &cap, &f);
	FZ_CHECK(rc == 0 || rc == 1);
	if (rc == 1) {
		json_error_t jerr;
		json_t *obj = json_loadb(line, len, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
		FZ_CHECK(obj != NULL);
		FZ_CHECK(json_is_object(obj));
		check_same(json_object_get(obj, "text"), f.text, f.text_len);
		check_same(json_object_get(obj, "id"), f.id, f.id_len);
		json_decref(obj);
	}
	free(buf);
	return 0;
}
