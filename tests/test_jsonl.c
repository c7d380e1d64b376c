/* Unit tests for fr_jsonl_record (pipeline/jsonl.h): the common JSON Lines
 * record read without jansson's tree, and every line it must leave to
 * jansson. Each line it takes is also read by jansson, which must agree. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonl.h"

/* A string literal and its length, NUL bytes inside included. */
#define S(s) s, sizeof(s) - 1

typedef struct {
	const char *name;
	const char *line;
	size_t len;
	int taken;         /* 1: read here; 0: left to jansson */
	const char *text;  /* when taken; NULL for none */
	size_t text_len;
	const char *id;    /* when taken; NULL for none */
	size_t id_len;
} jsonl_case;

static const jsonl_case cases[] = {
	{ "text and id", S("{\"id\":\"a#1\",\"text\":\"peace talks\"}"), 1, S("peace talks"), S("a#1") },
	{ "text only", S("{\"text\":\"x\"}"), 1, S("x"), NULL, 0 },
	{ "spaces everywhere", S(" \t{ \"text\" :\t\"x\" , \"id\" : \"y\" }\t "), 1, S("x"), S("y") },
	{ "simple escapes", S("{\"text\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}"), 1, S("q\" b\\ s/ \b\f\n\r\t"), NULL, 0 },
	{ "unicode escapes", S("{\"text\":\"caf\\u00e9 \\u2019 \\u00E9\"}"), 1,
	  S("caf\xc3\xa9 \xe2\x80\x99 \xc3\xa9"), NULL, 0 },
	{ "surrogate pair", S("{\"text\":\"\\ud83d\\ude00!\"}"), 1, S("\xf0\x9f\x98\x80!"), NULL, 0 },
	{ "raw UTF-8", S("{\"text\":\"\xd0\xbc\xd0\xb8\xd1\x80\"}"), 1, S("\xd0\xbc\xd0\xb8\xd1\x80"), NULL, 0 },
	{ "integer id", S("{\"text\":\"x\",\"id\":1234567}"), 1, S("x"), S("1234567") },
	{ "zero id", S("{\"id\":0,\"text\":\"x\"}"), 1, S("x"), S("0") },
	{ "other string members", S("{\"source\":\"wire\",\"text\":\"x\",\"lang\":\"en\"}"), 1, S("x"), NULL, 0 },
	{ "empty text", S("{\"text\":\"\"}"), 1, S(""), NULL, 0 },
	{ "long text", S("{\"text\":\"0123456789abcdef0123456789abcdef0123456789\\n0123456789abcdef\"}"), 1,
	  S("0123456789abcdef0123456789abcdef0123456789\n0123456789abcdef"), NULL, 0 },
	{ "no text member", S("{\"id\":\"x\"}"), 1, NULL, 0, S("x") },

	{ "empty object", S("{}"), 0, NULL, 0, NULL, 0 },
	{ "not an object", S("[\"text\"]"), 0, NULL, 0, NULL, 0 },
	{ "a string", S("\"text\""), 0, NULL, 0, NULL, 0 },
	{ "number member", S("{\"text\":\"x\",\"score\":0.5}"), 0, NULL, 0, NULL, 0 },
	{ "nested member", S("{\"text\":\"x\",\"meta\":{}}"), 0, NULL, 0, NULL, 0 },
	{ "null text", S("{\"text\":null}"), 0, NULL, 0, NULL, 0 },
	{ "negative id", S("{\"text\":\"x\",\"id\":-1}"), 0, NULL, 0, NULL, 0 },
	{ "fraction id", S("{\"text\":\"x\",\"id\":1.5}"), 0, NULL, 0, NULL, 0 },
	{ "leading zero id", S("{\"text\":\"x\",\"id\":01}"), 0, NULL, 0, NULL, 0 },
	{ "huge id", S("{\"text\":\"x\",\"id\":1234567890123456789}"), 0, NULL, 0, NULL, 0 },
	{ "escaped name", S("{\"te\\u0078t\":\"x\"}"), 0, NULL, 0, NULL, 0 },
	{ "escaped NUL", S("{\"text\":\"a\\u0000b\"}"), 0, NULL, 0, NULL, 0 },
	{ "lone low surrogate", S("{\"text\":\"\\udc00\"}"), 0, NULL, 0, NULL, 0 },
	{ "high surrogate alone", S("{\"text\":\"\\ud800x\"}"), 0, NULL, 0, NULL, 0 },
	{ "bad escape", S("{\"text\":\"\\x41\"}"), 0, NULL, 0, NULL, 0 },
	{ "short unicode escape", S("{\"text\":\"\\u12\"}"), 0, NULL, 0, NULL, 0 },
	{ "raw control character", S("{\"text\":\"a\tb\"}"), 0, NULL, 0, NULL, 0 },
	{ "raw NUL", S("{\"text\":\"a\0b\"}"), 0, NULL, 0, NULL, 0 },
	{ "invalid UTF-8", S("{\"text\":\"a\xff\"}"), 0, NULL, 0, NULL, 0 },
	{ "unterminated string", S("{\"text\":\"abc"), 0, NULL, 0, NULL, 0 },
	{ "unterminated object", S("{\"text\":\"abc\""), 0, NULL, 0, NULL, 0 },
	{ "trailing comma", S("{\"text\":\"abc\",}"), 0, NULL, 0, NULL, 0 },
	{ "text after the object", S("{\"text\":\"abc\"} x"), 0, NULL, 0, NULL, 0 },
	{ "missing colon", S("{\"text\" \"abc\"}"), 0, NULL, 0, NULL, 0 },
	{ "empty line", S(""), 0, NULL, 0, NULL, 0 },
	/* A name given twice, whichever: jansson refuses the record. */
	{ "text twice", S("{\"id\":\"e\",\"text\":\"NATO weapons\",\"text\":\"second text\"}"), 0, NULL, 0, NULL, 0 },
	{ "id twice", S("{\"id\":\"f\",\"id\":\"g\",\"text\":\"x\"}"), 0, NULL, 0, NULL, 0 },
	{ "id twice, string and integer", S("{\"text\":\"x\",\"id\":\"1\",\"id\":1}"), 0, NULL, 0, NULL, 0 },
	{ "another name twice", S("{\"text\":\"x\",\"src\":\"a\",\"src\":\"a\"}"), 0, NULL, 0, NULL, 0 },
	{ "empty name twice", S("{\"\":\"a\",\"text\":\"x\",\"\":\"b\"}"), 0, NULL, 0, NULL, 0 },
	{ "names that only start alike", S("{\"t\":\"1\",\"te\":\"2\",\"tex\":\"3\",\"text\":\"x\",\"texts\":\"4\"}"), 1,
	  S("x"), NULL, 0 },
	{ "32 members", S("{\"text\":\"x\",\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"\",\"f\":\"\",\"g\":\"\","
	                  "\"h\":\"\",\"i\":\"\",\"j\":\"\",\"k\":\"\",\"l\":\"\",\"m\":\"\",\"n\":\"\",\"o\":\"\",\"p\":\"\","
	                  "\"q\":\"\",\"r\":\"\",\"s\":\"\",\"t\":\"\",\"u\":\"\",\"v\":\"\",\"w\":\"\",\"x\":\"\",\"y\":\"\","
	                  "\"z\":\"\",\"A\":\"\",\"B\":\"\",\"C\":\"\",\"D\":\"\",\"id\":\"y\"}"), 1, S("x"), S("y") },
	{ "33 members: jansson's", S("{\"text\":\"x\",\"a\":\"\",\"b\":\"\",\"c\":\"\",\"d\":\"\",\"e\":\"\",\"f\":\"\",\"g\":\"\","
	                            "\"h\":\"\",\"i\":\"\",\"j\":\"\",\"k\":\"\",\"l\":\"\",\"m\":\"\",\"n\":\"\",\"o\":\"\",\"p\":\"\","
	                            "\"q\":\"\",\"r\":\"\",\"s\":\"\",\"t\":\"\",\"u\":\"\",\"v\":\"\",\"w\":\"\",\"x\":\"\",\"y\":\"\","
	                            "\"z\":\"\",\"A\":\"\",\"B\":\"\",\"C\":\"\",\"D\":\"\",\"E\":\"\",\"id\":\"y\"}"), 0,
	  NULL, 0, NULL, 0 },
};

static void check_member(const json_t *v, const char *bytes, size_t len)
{
	if (bytes == NULL) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	if (json_is_integer(v)) {
		char num[32];
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		assert_int_equal(strlen(num), len);
		assert_memory_equal(num, bytes, len);
		return;
	}
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), len);
	assert_memory_equal(json_string_value(v), bytes, len);
}

static void test_jsonl__cases(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const jsonl_case *c = &cases[i];
		fr_jsonl_fields f;
		print_message("case: %s\n", c->name);
		/* An exact-size copy, so that AddressSanitizer sees any read past it. */
		char *line = malloc(c->len ? c->len : 1);
		assert_non_null(line);
		memcpy(line, c->line, c->len);
		int rc = fr_jsonl_record(line, c->len, &buf, &cap, &f);
		assert_int_equal(rc, c->taken);
		if (rc == 1) {
			if (c->text) {
				assert_non_null(f.text);
				assert_int_equal(f.text_len, c->text_len);
				assert_memory_equal(f.text, c->text, c->text_len);
			} else {
				assert_null(f.text);
			}
			if (c->id) {
				assert_non_null(f.id);
				assert_int_equal(f.id_len, c->id_len);
				assert_memory_equal(f.id, c->id, c->id_len);
			} else {
				assert_null(f.id);
			}
			/* jansson reads it to the same members. */
			json_error_t jerr;
			json_t *obj = json_loadb(line, c->len, FR_JSONL_JANSSON_FLAGS, &jerr);
			assert_non_null(obj);
			check_member(json_object_get(obj, "text"), f.text, f.text_len);
			check_member(json_object_get(obj, "id"), f.id, f.id_len);
			json_decref(obj);
		}
		free(line);
	}
	free(buf);
}

/* A record that gives a name twice is refused by jansson with the corpus
 * reader's flags, which stop just past the second name; that is where
 * fr_json_string_start finds the name's opening quote. */
typedef struct {
	const char *line;
	size_t len;
	long long second; /* the offset of the second name's opening quote */
} repeat_case;

static const repeat_case repeats[] = {
	{ S("{\"id\":\"e\",\"text\":\"NATO weapons\",\"text\":\"second text\"}"), 32 },
	{ S("{\"id\":\"f\",\"id\":\"g\",\"text\":\"x\"}"), 10 },
	{ S("{\"text\":\"x\",\"n\":1.5,\"text\":\"y\"}"), 20 },
	{ S("{\"text\":\"x\",\"te\\u0078t\":\"y\"}"), 12 },
	{ S("{\"text\":\"\xc3\xa9\xe2\x80\x99\",\"text\":\"y\"}"), 16 },
	{ S("{\"a\\\"\\\\\":1,\"text\":\"x\",\"a\\\"\\\\\":2}"), 22 },
	{ S("{\"text\":\"x\",\"meta\":{\"k\":[{}],\"k\":2}}"), 29 },
	{ S("{\"\":1,\"\":2}"), 6 },
	{ S("{ \"text\" : \"x\" ,\t\"text\"\t: \"y\" }"), 17 },
};

static void test_jsonl__repeated_names(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < sizeof(repeats) / sizeof(repeats[0]); i++) {
		const repeat_case *c = &repeats[i];
		fr_jsonl_fields f;
		print_message("case: %s\n", c->line);
		assert_int_equal(fr_jsonl_record(c->line, c->len, &buf, &cap, &f), 0);
		json_error_t jerr;
		json_t *obj = json_loadb(c->line, c->len, FR_JSONL_JANSSON_FLAGS, &jerr);
		assert_null(obj);
		assert_int_equal(json_error_code(&jerr), json_error_duplicate_key);
		assert_int_equal(fr_json_string_start(c->line, (size_t)jerr.position), c->second);
	}
	free(buf);
}

/* Where a string starts, from its closing quote; -1 when there is none. */
static void test_jsonl__string_start(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		size_t end;
		long long start;
	} rows[] = {
		{ "\"abc\"", 5, 0 },
		{ "x:\"\"", 4, 2 },
		{ "\"a\\\"b\"", 6, 0 },     /* "a\"b": an escaped quote inside */
		{ "\"a\\\\\"", 5, 0 },     /* "a\\": the quote after an escaped backslash closes */
		{ ",\"\\\\\\\"\"", 7, 1 }, /* "\\\"" */
		{ "\"abc", 4, -1 },       /* no closing quote */
		{ "\"", 1, -1 },
		{ "", 0, -1 },
		{ "\\\"x\"", 4, -1 },    /* the only other quote is escaped */
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("row: %s\n", rows[i].text);
		assert_int_equal(fr_json_string_start(rows[i].text, rows[i].end), rows[i].start);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonl__cases),
		cmocka_unit_test(test_jsonl__repeated_names),
		cmocka_unit_test(test_jsonl__string_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
