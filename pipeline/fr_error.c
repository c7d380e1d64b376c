#include "fr_error.h"
#include "tokenize.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* source into dst (size bytes): whole when it fits, else "..." and as much
 * of its end as fits, from the start of a UTF-8 character. */
static void copy_source(char *dst, size_t size, const char *source)
{
	size_t len = strlen(source);
	if (len < size) {
		memcpy(dst, source, len + 1);
		return;
	}
	size_t from = fr_utf8_fit_end(source, len, size - 4);
	memcpy(dst, "...", 3);
	memcpy(dst + 3, source + from, len - from + 1);
}

void fr_error_set_source(fr_error *err, const char *source)
{
	if (err != NULL)
		copy_source(err->source, sizeof(err->source), source ? source : "");
}

int fr_error_source_is(const fr_error *err, const char *path)
{
	char kept[sizeof(err->source)];
	copy_source(kept, sizeof(kept), path);
	return strcmp(err->source, kept) == 0;
}

/* The longest text format_fit cuts. */
#define FIT_MAX 512

/* fmt's text into buf (size bytes, at most FIT_MAX), cut when too long at
 * a character's start: half a character would print as \xHH, like a byte
 * that is not UTF-8 in the name the message quotes. */
static void format_fit(char *buf, size_t size, const char *fmt, va_list ap)
{
	/* The 4 bytes past the cut are all a split character can need. */
	char whole[FIT_MAX + 4];
	assert(size > 0 && size <= FIT_MAX);
	vsnprintf(whole, size + 4, fmt, ap);
	size_t len = fr_utf8_fit(whole, strlen(whole), size - 1);
	memcpy(buf, whole, len);
	buf[len] = '\0';
}

static int error_vset(fr_error *err, int code, const char *source, size_t line,
                      long long offset, const char *fmt, va_list ap)
{
	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	err->line = line;
	err->offset = offset;
	copy_source(err->source, sizeof(err->source), source ? source : "");
	format_fit(err->message, sizeof(err->message), fmt, ap);
	return code;
}

int fr_error_set(fr_error *err, int code, const char *source, size_t line,
                 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, source, line, -1, fmt, ap);
	va_end(ap);
	return code;
}

int fr_error_set_at(fr_error *err, int code, const char *source,
                    long long offset, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_vset(err, code, source, 0, offset, fmt, ap);
	va_end(ap);
	return code;
}

void fr_error_clear(fr_error *err)
{
	if (err == NULL)
		return;
	/* Field by field: the runner clears one per paragraph, and copying a
	 * fresh one would write all 800 bytes of its buffers each time. */
	err->code = 0;
	err->message[0] = '\0';
	err->source[0] = '\0';
	err->line = 0;
	err->offset = -1;
}

const char *fr_error_format(const fr_error *err, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (err == NULL || err->code == 0) {
		snprintf(buf, size, "no error");
	} else if (err->source[0] && err->line > 0) {
		snprintf(buf, size, "%s:%zu: %s", err->source, err->line, err->message);
	} else if (err->source[0] && err->offset >= 0) {
		snprintf(buf, size, "%s: byte %lld: %s", err->source, err->offset, err->message);
	} else if (err->source[0]) {
		snprintf(buf, size, "%s: %s", err->source, err->message);
	} else {
		snprintf(buf, size, "%s", err->message);
	}
	return buf;
}

void fr_logf(fr_log_fn log, void *payload, const char *fmt, ...)
{
	if (log == NULL)
		return;
	char buf[FIT_MAX];
	va_list ap;
	va_start(ap, fmt);
	format_fit(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log(payload, buf);
}

int fr_grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t cap2 = *cap ? *cap : 64;
	while (cap2 < need)
		cap2 *= 2;
	if (cap2 > ((size_t)-1) / elem)
		return FR_ENOMEM;
	void *p = realloc(*buf, cap2 * elem);
	if (p == NULL)
		return FR_ENOMEM;
	*buf = p;
	*cap = cap2;
	return 0;
}
