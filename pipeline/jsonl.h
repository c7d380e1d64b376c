#ifndef FR_JSONL_H
#define FR_JSONL_H

#include <stddef.h>

/* A JSON Lines record the common way, without building jansson's tree:
 * one object whose members are all strings (and "id" may be a
 * non-negative integer, as may "document" and "doc"), the strings' escapes
 * decoded. Reading a record
 * this way costs a pass over its bytes; jansson's reader, which checks and
 * copies every character and builds a hash table per object, took a third
 * of classify's time on JSON Lines.
 *
 * Anything else (other kinds of values, escapes in a key, \u0000, bad
 * JSON or bad UTF-8) is not taken: the caller then reads the line with
 * jansson and FR_JSONL_JANSSON_FLAGS, which also words the errors. A line
 * that is taken, jansson reads to the same text, id and document
 * (tests/fuzz/fuzz_jsonl_record.c checks it).
 *
 * A name given twice is not taken either, whatever the name: jansson
 * refuses the record (JSON_REJECT_DUPLICATES), so that neither reader
 * picks one of two texts or ids, and both always agree. A record of more
 * than FR_JSONL_MAX_MEMBERS members is left to jansson, whose hash table
 * finds a repeat in any number of them. */
typedef struct fr_jsonl_fields {
	const char *text; /* decoded, in the caller's buffer; NULL when absent */
	size_t text_len;
	const char *id;   /* decoded, or an integer's digits; NULL when absent */
	size_t id_len;
	const char *doc;  /* "document", else "doc": as the id; NULL when absent */
	size_t doc_len;
} fr_jsonl_fields;

/* The flags the corpus reader gives json_loadb for a JSON Lines record
 * (include jansson.h): any value, so that a number is called what it is;
 * \u0000, which the reader then reports with its place; no name twice. */
#define FR_JSONL_JANSSON_FLAGS (JSON_ALLOW_NUL | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)

/* Members fr_jsonl_record compares names among; a record with more goes to
 * jansson. */
#define FR_JSONL_MAX_MEMBERS 32

/* What fr_json_unescape finds wrong with an escape. */
enum {
	FR_JSON_ESCAPE_UNKNOWN = -1,   /* a letter JSON has no escape for */
	FR_JSON_ESCAPE_BAD_U = -2,     /* \u without four hex digits */
	FR_JSON_ESCAPE_SURROGATE = -3, /* a lone surrogate */
	FR_JSON_ESCAPE_NUL = -4        /* \u0000, which text cannot hold */
};

/* Decodes one escape of a JSON string: *pp is at the letter after its
 * backslash, end bounds the input. Writes its UTF-8 (1 to 4 bytes, never
 * more than the escape took) to out and moves *pp past it, or returns an
 * FR_JSON_ESCAPE_ code and leaves *pp. What jansson refuses is refused. */
int fr_json_unescape(const char **pp, const char *end, char *out);

/* A jansson string of s with its bytes that are not UTF-8 replaced
 * (fr_utf8_repair): json_string gives NULL for those, which takes the
 * object it goes into down with it (a path of such a file name in
 * summary.json, model.json, report.json). A new reference; NULL when out of
 * memory. */
struct json_t;
struct json_t *fr_json_text(const char *s);

/* Reads the len bytes at line (no line end) into *out, the strings decoded
 * into *buf (grown to len + 1 bytes at least; *cap its size). Returns 1 when
 * the line is such a record, 0 when jansson must read it, FR_ENOMEM. */
int fr_jsonl_record(const char *line, size_t len, char **buf, size_t *cap, fr_jsonl_fields *out);

/* The offset in line of the opening quote of the JSON string whose closing
 * quote is line[end - 1], or -1 when that byte is not a closing quote. The
 * string must be one jansson read (no raw '"' inside): jansson's error for a
 * repeated name is placed just past the name, and this finds its start. */
long long fr_json_string_start(const char *line, size_t end);

#endif
