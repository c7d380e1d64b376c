#include "jsonl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <utf8proc.h>

#include "fr_error.h"
#include "tokenize.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Where the first byte in [p, end) that a JSON string cannot hold as it is
 * ('"', '\\' or a control character) is, or end. Sixteen bytes a step with
 * SSE2: texts are most of a record. */
static const char *string_stop(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
	const __m128i high3 = _mm_set1_epi8((char)0xE0), zero = _mm_setzero_si128();
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
		                            _mm_cmpeq_epi8(_mm_and_si128(v, high3), zero));
		unsigned mask = (unsigned)_mm_movemask_epi8(stop);
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
		p++;
	return p;
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;
	if (end - p < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0')
		           : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
		           : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 16;
		if (d == 16)
			return 0;
		v = v << 4 | d;
	}
	*out = v;
	return 1;
}

int fr_json_unescape(const char **pp, const char *end, char *out)
{
	const char *p = *pp;
	if (p >= end)
		return FR_JSON_ESCAPE_UNKNOWN;
	char one = 0;
	switch (*p) {
	case '"': one = '"'; break;
	case '\\': one = '\\'; break;
	case '/': one = '/'; break;
	case 'b': one = '\b'; break;
	case 'f': one = '\f'; break;
	case 'n': one = '\n'; break;
	case 'r': one = '\r'; break;
	case 't': one = '\t'; break;
	case 'u': break;
	default: return FR_JSON_ESCAPE_UNKNOWN;
	}
	if (one) {
		*out = one;
		*pp = p + 1;
		return 1;
	}
	uint32_t cp = 0, low = 0;
	if (!hex4(p + 1, end, &cp))
		return FR_JSON_ESCAPE_BAD_U;
	p += 5;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return FR_JSON_ESCAPE_SURROGATE;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, end, &low) ||
		    low < 0xDC00 || low > 0xDFFF)
			return FR_JSON_ESCAPE_SURROGATE;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
		p += 6;
	}
	if (cp == 0)
		return FR_JSON_ESCAPE_NUL;
	*pp = p;
	return (int)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)out);
}

/* Decodes the string whose opening quote is at *pp - 1 into d; moves *pp
 * past the closing quote. Returns the decoded length, or -1 when the
 * string is not one this reader takes. An escape is never longer decoded
 * than written (\uXXXX is 6 bytes for at most 3, a pair 12 for 4). */
static ptrdiff_t decode_string(const char **pp, const char *end, char *d)
{
	const char *p = *pp;
	char *start = d;
	for (;;) {
		const char *run = string_stop(p, end);
		memcpy(d, p, (size_t)(run - p));
		d += run - p;
		p = run;
		if (p == end || (unsigned char)*p < 0x20)
			return -1; /* unterminated, or a raw control character */
		if (*p == '"')
			break;
		p++;
		int n = fr_json_unescape(&p, end, d);
		if (n < 0)
			return -1; /* jansson's to judge, and to word */
		d += n;
	}
	*pp = p + 1;
	return d - start;
}

/* A non-negative integer as JSON writes it ("0", or no leading zero), of at
 * most 18 digits so that it fits json_int_t: its digits are then what
 * jansson's integer prints as. Returns the digits' count, or 0. */
static size_t plain_integer(const char *p, const char *end)
{
	size_t n = 0;
	while (p + n < end && p[n] >= '0' && p[n] <= '9')
		n++;
	if (n == 0 || n > 18 || (n > 1 && p[0] == '0'))
		return 0;
	return n;
}

int fr_jsonl_record(const char *line, size_t len, char **buf, size_t *cap, fr_jsonl_fields *out)
{
	size_t at = 0;
	memset(out, 0, sizeof(*out));
	/* jansson refuses what fr_text_problem refuses (its UTF-8 rules are
	 * the same; a raw NUL is a control character): let it word the error. */
	if (fr_text_problem(line, len, &at) != NULL)
		return 0;
	if (fr_grow((void **)buf, cap, len + 1, 1) < 0)
		return FR_ENOMEM;
	const char *p = skip_space(line, line + len), *end = line + len;
	char *d = *buf;
	/* The names so far, to refuse one given twice. */
	struct { const char *at; size_t len; } names[FR_JSONL_MAX_MEMBERS];
	size_t n_names = 0;
	int document_seen = 0;
	if (p == end || *p != '{')
		return 0;
	p = skip_space(p + 1, end);
	if (p < end && *p == '}')
		return 0; /* no members: jansson says what is missing */
	for (;;) {
		if (p == end || *p != '"')
			return 0;
		const char *key = ++p;
		p = string_stop(p, end);
		if (p == end || *p != '"')
			return 0; /* an escape or a control character in a name */
		size_t key_len = (size_t)(p - key);
		/* A repeat, of any name, is jansson's to refuse and to word. */
		if (n_names == FR_JSONL_MAX_MEMBERS)
			return 0;
		for (size_t i = 0; i < n_names; i++)
			if (names[i].len == key_len && memcmp(names[i].at, key, key_len) == 0)
				return 0;
		names[n_names].at = key;
		names[n_names++].len = key_len;
		p = skip_space(p + 1, end);
		if (p == end || *p != ':')
			return 0;
		p = skip_space(p + 1, end);
		int is_text = key_len == 4 && memcmp(key, "text", 4) == 0;
		int is_id = key_len == 2 && memcmp(key, "id", 2) == 0;
		/* As a CSV's columns: "document" over "doc", in either order. */
		int is_document = key_len == 8 && memcmp(key, "document", 8) == 0;
		int is_doc = is_document || (key_len == 3 && memcmp(key, "doc", 3) == 0);
		int keep = is_text || is_id || is_doc;
		const char *value = d;
		size_t value_len = 0;
		if (p < end && *p == '"') {
			p++;
			ptrdiff_t n = decode_string(&p, end, d);
			if (n < 0)
				return 0;
			value_len = (size_t)n;
		} else if ((is_id || is_doc) && (value_len = plain_integer(p, end)) > 0) {
			value = p;
			p += value_len;
		} else {
			return 0;
		}
		/* Only the text, the id and the document keep their room in the
		 * buffer. */
		if (is_text) {
			out->text = value;
			out->text_len = value_len;
		} else if (is_id) {
			out->id = value;
			out->id_len = value_len;
		} else if (is_document || (is_doc && !document_seen)) {
			out->doc = value;
			out->doc_len = value_len;
		}
		document_seen |= is_document;
		if (keep && value == d)
			d += value_len;
		p = skip_space(p, end);
		if (p < end && *p == ',') {
			p = skip_space(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			break;
		return 0;
	}
	return skip_space(p + 1, end) == end;
}

long long fr_json_string_start(const char *line, size_t end)
{
	if (end < 2 || line[end - 1] != '"')
		return -1;
	/* Inside the string every quote is escaped: going back, the first
	 * quote after an even run of backslashes (or none) opens it. */
	for (size_t q = end - 1; q-- > 0;) {
		if (line[q] != '"')
			continue;
		size_t slashes = 0;
		while (slashes < q && line[q - 1 - slashes] == '\\')
			slashes++;
		if (slashes % 2 == 0)
			return (long long)q;
	}
	return -1;
}

json_t *fr_json_text(const char *s)
{
	char *text = fr_utf8_repair(s);
	json_t *j = text ? json_string(text) : NULL;
	free(text);
	return j;
}
