#ifndef FR_ERROR_H
#define FR_ERROR_H

#include <stddef.h>

/* One error convention for the whole library: fallible functions return 0 on
 * success or a negative fr_error_code, and fill an optional caller-owned
 * fr_error with the details. The first error recorded wins. */
typedef enum {
	FR_OK = 0,
	FR_ERROR = -1,     /* anything not listed below */
	FR_ENOTFOUND = -3, /* a file, column, label or key that is not there */
	FR_EINVALID = -4,  /* an argument or option out of range */
	FR_EFORMAT = -5,   /* input data that does not parse or make sense */
	FR_ENOMEM = -6,
	FR_EIO = -7,       /* a read, write, rename or close that failed */
	FR_EMODEL = -8,    /* a model bundle that is missing, corrupt or incompatible */
	FR_EBUSY = -9,     /* a folder another run is writing into */
	FR_ITEROVER = -31  /* an iterator has no more items; not an error */
} fr_error_code;

typedef struct fr_error {
	int code;          /* an fr_error_code, 0 while nothing went wrong */
	char message[256]; /* one line, no trailing newline; a longer one is
	                    * cut at a character's start */
	char source[512];  /* file the problem is in, "" when none; a longer path
	                    * keeps its end (fr_error_set_source) */
	size_t line;       /* 1-based line, 0 when unknown */
	long long offset;  /* byte offset, -1 when unknown */
} fr_error;

#define FR_ERROR_INIT { 0, "", "", 0, -1 }

/* Records an error in err (when err is not NULL and holds none yet) and
 * returns code, so callers can write `return fr_error_set(err, ...)`. */
int fr_error_set(fr_error *err, int code, const char *source, size_t line,
                 const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Like fr_error_set, for positions known by byte offset rather than line. */
int fr_error_set_at(fr_error *err, int code, const char *source,
                    long long offset, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Clears err so it can record again. */
void fr_error_clear(fr_error *err);

/* Sets err's source (NULL is none). A path too long for the field keeps its
 * end, where the file's name is, after "...". */
void fr_error_set_source(fr_error *err, const char *source);

/* Whether err's source is path, as fr_error_set_source would keep it. */
int fr_error_source_is(const fr_error *err, const char *path);

/* Formats err as "FILE:LINE: message" (or "FILE: byte N: message", or just
 * the message) into buf. Returns buf. */
const char *fr_error_format(const fr_error *err, char *buf, size_t size);

/* Grows *buf (an array of elem-byte items, *cap of them) to hold at least
 * need items, doubling from a small start, realloc into a temporary so a
 * failure leaves *buf intact. Returns 0 or FR_ENOMEM. */
int fr_grow(void **buf, size_t *cap, size_t need, size_t elem);

/* Progress and warnings from long operations (training, evaluation): one
 * line each, no newline. The library never prints; the caller decides. */
typedef void (*fr_log_fn)(void *payload, const char *message);

/* Formats a line (over 511 bytes, cut at a character's start) and hands
 * it to log; does nothing when log is NULL. */
void fr_logf(fr_log_fn log, void *payload, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
