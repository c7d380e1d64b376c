/* Fuzz target: fr_jsonl_record, the reader of the common JSON Lines record,
 * against jansson as the oracle, with the corpus reader's flags
 * (FR_JSONL_JANSSON_FLAGS, which refuse a name given twice). The input is
 * one line. Whenever the reader takes it, jansson must read it too, to an
 * object whose "text", "id" and document ("document", else "doc") are the
 * same bytes (an integer as its digits); a line the reader leaves alone is jansson's anyway. When jansson
 * refuses a line for a repeated name, fr_json_string_start must find that
 * name where the corpus reader reports it: a whole string, after '{' or ','.
 * The reader reports a raw NUL or bad UTF-8 instead, and rightly so: jansson
 * drops a raw NUL after a number, and its position is then a byte short. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "jsonl.h"
#include "tokenize.h"

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
	json_error_t jerr;
	size_t at = 0;
	json_t *obj = json_loadb(line, len, FR_JSONL_JANSSON_FLAGS, &jerr);
	if (rc == 1) {
		FZ_CHECK(obj != NULL);
		FZ_CHECK(json_is_object(obj));
		check_same(json_object_get(obj, "text"), f.text, f.text_len);
		check_same(json_object_get(obj, "id"), f.id, f.id_len);
		const json_t *doc = json_object_get(obj, "document");
		check_same(doc ? doc : json_object_get(obj, "doc"), f.doc, f.doc_len);
	} else if (obj == NULL && json_error_code(&jerr) == json_error_duplicate_key &&
	           fr_text_problem(line, len, &at) == NULL) {
		FZ_CHECK(jerr.position > 0 && (size_t)jerr.position <= len);
		size_t past = (size_t)jerr.position;
		long long open = fr_json_string_start(line, past);
		FZ_CHECK(open >= 0);
		size_t before = (size_t)open;
		while (before > 0 && (line[before - 1] == ' ' || line[before - 1] == '\t' || line[before - 1] == '\r'))
			before--;
		FZ_CHECK(before > 0 && (line[before - 1] == '{' || line[before - 1] == ','));
		json_t *name = json_loadb(line + open, past - (size_t)open, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		FZ_CHECK(json_is_string(name));
		json_decref(name);
	}
	json_decref(obj);
	free(buf);
	return 0;
}
