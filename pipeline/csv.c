/* fstat and fileno are POSIX; ask for them unless the build already did. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "csv.h"
#include "tokenize.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Input is read in blocks this size. */
#define CSV_BLOCK ((size_t)64 * 1024)
/* First sizes of the record buffer and the field table; both grow by doubling
 * and are kept for the next record, so a file allocates only while its
 * records keep getting bigger. */
#define CSV_REC_INIT ((size_t)4096)
#define CSV_FIELDS_INIT ((size_t)64)

/* Bytes that end a run of plain field text, per context; NUL is ordinary
 * data. Used byte by byte only near a stop byte that the block-at-a-time
 * scan in csv_run_end has spotted. */
enum { CSV_STOP_QUOTED = 1, CSV_STOP_UNQUOTED = 2 };
static const unsigned char csv_stop[256] = {
	['"'] = CSV_STOP_QUOTED | CSV_STOP_UNQUOTED,
	['\r'] = CSV_STOP_QUOTED | CSV_STOP_UNQUOTED,
	['\n'] = CSV_STOP_QUOTED | CSV_STOP_UNQUOTED,
	[','] = CSV_STOP_UNQUOTED,
};

typedef struct {
	size_t off; /* into csv->rec */
	size_t len; /* without the terminating NUL */
} csv_span;

struct fr_csv {
	FILE *fp;
	int owns_fp;
	char *name;

	unsigned char *buf; /* CSV_BLOCK bytes of input */
	size_t len;         /* bytes valid in buf */
	size_t pos;         /* next byte to parse */
	unsigned long long before; /* bytes of the blocks before buf */
	int eof;            /* fread has reported the end; do not call it again */
	int bom_checked;

	char *rec; /* the current record's fields, each NUL-terminated */
	size_t rec_len;
	size_t rec_cap;
	csv_span *fields;
	size_t nfields;
	size_t fields_cap;

	size_t line;     /* physical line of buf[pos] */
	int prev_cr;     /* the last byte consumed was a CR, so an LF now ends no line */
	size_t rec_line; /* line the current record starts on, 0 before the first */

	int done; /* FR_ITEROVER has been returned */
	/* The first error, repeated by later calls: the position in the input is
	 * lost after it, so reading on would misparse. */
	int fail_code;
	size_t fail_line;
	char fail_msg[256];
	int fail_midline; /* a quote out of place: fr_csv_skip_line can go on */
};

static int csv_fail(fr_csv *csv, fr_error *err, int code, size_t line,
                    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int csv_fail(fr_csv *csv, fr_error *err, int code, size_t line,
                    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(csv->fail_msg, sizeof(csv->fail_msg), fmt, ap);
	va_end(ap);
	csv->fail_code = code;
	csv->fail_line = line;
	csv->nfields = 0;
	return fr_error_set(err, code, csv->name, line, "%s", csv->fail_msg);
}

/* Refills buf. Leaves len == 0 at the end of the input. */
static int csv_fill(fr_csv *csv, fr_error *err)
{
	size_t n = 0;

	csv->before += csv->len;
	csv->pos = 0;
	csv->len = 0;
	if (csv->eof)
		return 0;

	n = fread(csv->buf, 1, CSV_BLOCK, csv->fp);
	if (n < CSV_BLOCK) {
		if (ferror(csv->fp))
			return csv_fail(csv, err, FR_EIO, csv->line, "read error: %s",
			                strerror(errno));
		csv->eof = 1;
	}
	csv->len = n;

	/* fread returns short only at the end, so a BOM is whole in the first
	 * block or not there at all. */
	if (!csv->bom_checked) {
		csv->bom_checked = 1;
		if (n >= 3 && csv->buf[0] == 0xEF && csv->buf[1] == 0xBB && csv->buf[2] == 0xBF)
			csv->pos = 3;
	}
	return 0;
}

/* Sets *c_out to the next byte without consuming it, or EOF. */
static int csv_peek(fr_csv *csv, int *c_out, fr_error *err)
{
	int rc = 0;

	if (csv->pos == csv->len && (rc = csv_fill(csv, err)) < 0)
		return rc;
	*c_out = csv->pos < csv->len ? csv->buf[csv->pos] : EOF;
	return 0;
}

/* Consumes the CR or LF at pos. CRLF counts as one line end. */
static void csv_take_eol(fr_csv *csv, int c)
{
	csv->pos++;
	if (c == '\r') {
		csv->line++;
		csv->prev_cr = 1;
	} else {
		if (!csv->prev_cr)
			csv->line++;
		csv->prev_cr = 0;
	}
}

static int csv_reserve(fr_csv *csv, size_t extra, fr_error *err)
{
	size_t need = 0;
	size_t cap = csv->rec_cap;
	char *tmp = NULL;

	if (extra <= csv->rec_cap - csv->rec_len)
		return 0;
	if (extra > SIZE_MAX - csv->rec_len)
		return csv_fail(csv, err, FR_ENOMEM, csv->rec_line, "record too large");
	need = csv->rec_len + extra;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;

	tmp = realloc(csv->rec, cap);
	if (tmp == NULL)
		return csv_fail(csv, err, FR_ENOMEM, csv->rec_line, "out of memory");
	csv->rec = tmp;
	csv->rec_cap = cap;
	return 0;
}

static int csv_append(fr_csv *csv, const void *data, size_t n, fr_error *err)
{
	int rc = csv_reserve(csv, n, err);

	if (rc < 0)
		return rc;
	memcpy(csv->rec + csv->rec_len, data, n);
	csv->rec_len += n;
	return 0;
}

/* Nonzero when some byte of v equals b. Exact about whether there is one,
 * though not about which: the caller rescans that word byte by byte. */
static uint64_t csv_has_byte(uint64_t v, unsigned char b)
{
	const uint64_t ones = 0x0101010101010101u;
	const uint64_t highs = 0x8080808080808080u;
	uint64_t x = v ^ (ones * b);

	return (x - ones) & ~x & highs;
}

/* The first byte in [p, end) that ends a run of plain field text in the
 * context stop, or end. Runs are most of the input, so they are skipped
 * sixteen bytes at a time (SSE2, on every x86-64) or eight while no byte
 * can be a stop byte; the exact one is found in the block that has it. */
static const unsigned char *csv_run_end(const unsigned char *p, const unsigned char *end, unsigned char stop)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	/* Inside quotes a comma is text: the quote again stands in for it. */
	const __m128i comma = _mm_set1_epi8((stop & CSV_STOP_UNQUOTED) ? ',' : '"');
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, comma)),
		                           _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf)));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);
		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		uint64_t v = 0;
		uint64_t hit = 0;

		memcpy(&v, p, sizeof(v));
		hit = csv_has_byte(v, '"') | csv_has_byte(v, '\r') | csv_has_byte(v, '\n');
		if (stop & CSV_STOP_UNQUOTED)
			hit |= csv_has_byte(v, ',');
		if (hit != 0)
			break;
		p += 8;
	}
	while (p < end && !(csv_stop[*p] & stop))
		p++;
	return p;
}

/* Copies the run of plain bytes at pos into the record and consumes it. */
static int csv_take_run(fr_csv *csv, unsigned char stop, fr_error *err)
{
	const unsigned char *start = csv->buf + csv->pos;
	const unsigned char *p = csv_run_end(start, csv->buf + csv->len, stop);
	size_t n = 0;
	int rc = 0;

	n = (size_t)(p - start);
	if (n == 0)
		return 0;
	if ((rc = csv_append(csv, start, n, err)) < 0)
		return rc;
	csv->pos += n;
	csv->prev_cr = 0;
	return 0;
}

/* Ends the field that began at rec offset start. */
static int csv_push_field(fr_csv *csv, size_t start, fr_error *err)
{
	int rc = csv_reserve(csv, 1, err);
	csv_span *tmp = NULL;

	if (rc < 0)
		return rc;
	csv->rec[csv->rec_len++] = '\0';

	if (csv->nfields == csv->fields_cap) {
		size_t cap = csv->fields_cap * 2;
		if (cap < csv->fields_cap || cap > SIZE_MAX / sizeof(*tmp))
			return csv_fail(csv, err, FR_ENOMEM, csv->rec_line, "too many fields");
		tmp = realloc(csv->fields, cap * sizeof(*tmp));
		if (tmp == NULL)
			return csv_fail(csv, err, FR_ENOMEM, csv->rec_line, "out of memory");
		csv->fields = tmp;
		csv->fields_cap = cap;
	}
	csv->fields[csv->nfields].off = start;
	csv->fields[csv->nfields].len = csv->rec_len - 1 - start;
	csv->nfields++;
	return 0;
}

/* Reads an unquoted field; *delim_out gets the byte that ends it (a comma,
 * CR or LF, left unconsumed) or EOF. */
static int csv_read_unquoted(fr_csv *csv, size_t field_line, int *delim_out,
                             fr_error *err)
{
	int c = EOF;
	int rc = 0;

	for (;;) {
		if ((rc = csv_take_run(csv, CSV_STOP_UNQUOTED, err)) < 0)
			return rc;
		if ((rc = csv_peek(csv, &c, err)) < 0)
			return rc;
		/* An empty run means a stop byte or the end. */
		if (c == EOF || (csv_stop[c] & CSV_STOP_UNQUOTED))
			break;
	}
	if (c == '"') {
		rc = csv_fail(csv, err, FR_EFORMAT, field_line, "quote inside an unquoted field");
		csv->fail_midline = 1;
		return rc;
	}
	*delim_out = c;
	return 0;
}

/* Reads a quoted field whose opening quote is consumed; *delim_out as above. */
static int csv_read_quoted(fr_csv *csv, size_t field_line, int *delim_out,
                           fr_error *err)
{
	int c = EOF;
	int rc = 0;

	for (;;) {
		if ((rc = csv_take_run(csv, CSV_STOP_QUOTED, err)) < 0)
			return rc;
		if ((rc = csv_peek(csv, &c, err)) < 0)
			return rc;
		if (c == EOF)
			return csv_fail(csv, err, FR_EFORMAT, field_line,
			                "unterminated quoted field");
		if (c == '"') {
			csv->pos++;
			csv->prev_cr = 0;
			if ((rc = csv_peek(csv, &c, err)) < 0)
				return rc;
			if (c != '"')
				break; /* the closing quote */
			if ((rc = csv_append(csv, "\"", 1, err)) < 0)
				return rc;
			csv->pos++;
		} else if (c == '\r' || c == '\n') {
			/* Kept as data, but still a physical line end. */
			char byte = (char)c;
			if ((rc = csv_append(csv, &byte, 1, err)) < 0)
				return rc;
			csv_take_eol(csv, c);
		}
	}
	if (c != ',' && c != '\r' && c != '\n' && c != EOF) {
		rc = csv_fail(csv, err, FR_EFORMAT, field_line,
		              "unexpected character after closing quote");
		csv->fail_midline = 1;
		return rc;
	}
	*delim_out = c;
	return 0;
}

int fr_csv_next(fr_csv *csv, fr_error *err)
{
	int c = EOF;
	int rc = 0;

	assert(csv != NULL);
	if (csv->fail_code != 0)
		return fr_error_set(err, csv->fail_code, csv->name, csv->fail_line, "%s",
		                    csv->fail_msg);
	if (csv->done)
		return FR_ITEROVER;

	csv->nfields = 0;
	csv->rec_len = 0;

	/* Blank lines are not records. */
	for (;;) {
		if ((rc = csv_peek(csv, &c, err)) < 0)
			goto done;
		if (c != '\r' && c != '\n')
			break;
		csv_take_eol(csv, c);
	}
	if (c == EOF) {
		csv->done = 1;
		rc = FR_ITEROVER;
		goto done;
	}
	csv->rec_line = csv->line;

	for (;;) {
		size_t start = csv->rec_len;
		size_t field_line = csv->line;

		if ((rc = csv_peek(csv, &c, err)) < 0)
			goto done;
		if (c == '"') {
			csv->pos++;
			csv->prev_cr = 0;
			rc = csv_read_quoted(csv, field_line, &c, err);
		} else {
			rc = csv_read_unquoted(csv, field_line, &c, err);
		}
		if (rc < 0 || (rc = csv_push_field(csv, start, err)) < 0)
			goto done;

		if (c != ',')
			break;
		csv->pos++;
	}
	if (c != EOF)
		csv_take_eol(csv, c);

done:
	if (rc < 0)
		csv->nfields = 0;
	return rc;
}

int fr_csv_skip_line(fr_csv *csv, fr_error *err)
{
	int c = EOF;
	int rc = 0;

	assert(csv != NULL);
	if (csv->fail_code == 0)
		return 0;
	if (!csv->fail_midline)
		return fr_error_set(err, csv->fail_code, csv->name, csv->fail_line, "%s",
		                    csv->fail_msg);
	csv->fail_code = 0;
	csv->fail_midline = 0;
	csv->nfields = 0;
	csv->rec_len = 0;
	for (;;) {
		if ((rc = csv_peek(csv, &c, err)) < 0)
			return rc;
		if (c == EOF)
			return 0;
		if (c == '\r' || c == '\n')
			break;
		csv->pos++;
		csv->prev_cr = 0;
	}
	csv_take_eol(csv, c);
	return 0;
}

int fr_csv_open_stream(fr_csv **out, FILE *fp, const char *name, fr_error *err)
{
	fr_csv *csv = NULL;
	size_t name_len = 0;
	int rc = 0;

	assert(out != NULL);
	assert(fp != NULL);
	*out = NULL;
	if (name == NULL)
		name = "";
	name_len = strlen(name);

	csv = calloc(1, sizeof(*csv));
	if (csv == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, name, 0, "out of memory");
		goto done;
	}
	csv->fp = fp;
	csv->line = 1;
	csv->name = malloc(name_len + 1);
	csv->buf = malloc(CSV_BLOCK);
	csv->rec = malloc(CSV_REC_INIT);
	csv->fields = malloc(CSV_FIELDS_INIT * sizeof(*csv->fields));
	if (csv->name == NULL || csv->buf == NULL || csv->rec == NULL || csv->fields == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, name, 0, "out of memory");
		goto done;
	}
	memcpy(csv->name, name, name_len + 1);
	csv->rec_cap = CSV_REC_INIT;
	csv->fields_cap = CSV_FIELDS_INIT;

	*out = csv;
	csv = NULL;

done:
	fr_csv_free(csv);
	return rc;
}

int fr_csv_open(fr_csv **out, const char *path, fr_error *err)
{
	FILE *fp = NULL;
	struct stat st = { 0 };
	int rc = 0;

	assert(out != NULL);
	assert(path != NULL);
	*out = NULL;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		int code = (errno == ENOENT || errno == ENOTDIR) ? FR_ENOTFOUND : FR_EIO;
		rc = fr_error_set(err, code, path, 0, "cannot open: %s", strerror(errno));
		goto done;
	}
	/* fopen succeeds on a directory; the failure would only come at the
	 * first read, as a vaguer message. */
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = fr_error_set(err, FR_EIO, path, 0, "is a directory");
		goto done;
	}

	if ((rc = fr_csv_open_stream(out, fp, path, err)) < 0)
		goto done;
	(*out)->owns_fp = 1;
	fp = NULL;

done:
	if (fp != NULL)
		fclose(fp);
	return rc;
}

size_t fr_csv_field_count(const fr_csv *csv)
{
	assert(csv != NULL);
	return csv->nfields;
}

const char *fr_csv_field(const fr_csv *csv, size_t i, size_t *len_out)
{
	assert(csv != NULL);
	if (i >= csv->nfields) {
		if (len_out != NULL)
			*len_out = 0;
		return NULL;
	}
	if (len_out != NULL)
		*len_out = csv->fields[i].len;
	return csv->rec + csv->fields[i].off;
}

const char *fr_csv_value(const fr_csv *csv, size_t i, size_t *len_out)
{
	const char *f = fr_csv_field(csv, i, len_out);
	if (i == 0 && f != NULL && *len_out >= 3 && memcmp(f, "\xEF\xBB\xBF", 3) == 0) {
		*len_out -= 3;
		f += 3;
	}
	/* Read back as corrections, review.csv's '-7 must correct row -7. */
	if (f != NULL && *len_out >= 2 && f[0] == '\'' && fr_csv_needs_defusing(f + 1, *len_out - 1)) {
		*len_out -= 1;
		f += 1;
	}
	return f;
}

int fr_csv_needs_defusing(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len && s[i] == '\'')
		i++;
	return i < len && (s[i] == '=' || s[i] == '+' || s[i] == '-' || s[i] == '@' || s[i] == '\t' ||
	                   s[i] == '\r');
}

size_t fr_csv_line(const fr_csv *csv)
{
	assert(csv != NULL);
	return csv->rec_line;
}

int fr_csv_is_sep_line(const fr_csv *csv)
{
	size_t len = 0, len2 = 0;
	size_t n = fr_csv_field_count(csv);
	const char *f = n ? fr_csv_value(csv, 0, &len) : NULL;
	if (n == 2)
		fr_csv_value(csv, 1, &len2);
	/* "sep=," reads as "sep=" and an empty field; "sep=;" as one field. */
	return f != NULL && n <= 2 && len2 == 0 && len >= 4 && len <= 5 && strncasecmp(f, "sep=", 4) == 0;
}

int fr_csv_no_text_column(const fr_csv *csv, fr_error *err)
{
	const char *name = fr_csv_name(csv);
	size_t line = fr_csv_line(csv), n = fr_csv_field_count(csv);
	size_t semicolons = 0, tabs = 0;
	if (fr_csv_is_sep_line(csv))
		return fr_error_set(err, FR_EFORMAT, name, line, "no 'text' column in the header: this line is "
		                    "Excel's 'sep=' line, not the header; delete it");
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		const char *f = fr_csv_value(csv, i, &len), *t = f;
		size_t tlen = len;
		fr_trim_blank(&t, &tlen);
		if (tlen == 4 && strncasecmp(t, "text", 4) == 0)
			return fr_error_set(err, FR_EFORMAT, name, line, "no 'text' column in the header: column %zu "
			                    "is named '%.*s' (names are exact: rename it 'text')", i + 1,
			                    fr_utf8_fit_str(f, 64), f);
		for (size_t j = 0; j < len; j++) {
			semicolons += f[j] == ';';
			tabs += f[j] == '\t';
		}
	}
	if (semicolons + tabs > 0)
		return fr_error_set(err, FR_EFORMAT, name, line, "no 'text' column in the header: it looks "
		                    "separated by %s, and framer reads comma-separated CSV",
		                    semicolons >= tabs ? "';'" : "tabs");
	return fr_error_set(err, FR_EFORMAT, name, line, "no 'text' column in the header");
}

const char *fr_csv_name(const fr_csv *csv)
{
	assert(csv != NULL);
	return csv->name;
}

void fr_csv_free(fr_csv *csv)
{
	if (csv == NULL)
		return;
	/* Nothing was written, so a failing fclose loses nothing. */
	if (csv->owns_fp && csv->fp != NULL)
		fclose(csv->fp);
	free(csv->fields);
	free(csv->rec);
	free(csv->buf);
	free(csv->name);
	free(csv);
}

/* A field needs quotes when it holds a separator, a quote or a line end, or
 * when spaces at its edges would otherwise be easy to lose in other tools. */
static int csv_needs_quotes(const char *field, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return 0;
	if (field[0] == ' ' || field[len - 1] == ' ')
		return 1;
	for (i = 0; i < len; i++) {
		char c = field[i];
		if (c == ',' || c == '"' || c == '\r' || c == '\n')
			return 1;
	}
	return 0;
}

int fr_csv_write_field(FILE *fp, const char *field, size_t len)
{
	const char *p = field;
	const char *end = NULL;

	assert(fp != NULL);
	assert(field != NULL || len == 0);
	if (len == 0)
		return 0;
	end = field + len;
	if (!csv_needs_quotes(field, len))
		return fwrite(field, 1, len, fp) == len ? 0 : FR_EIO;

	if (putc('"', fp) == EOF)
		return FR_EIO;
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		/* Up to and including the quote, then the quote once more. */
		size_t n = q != NULL ? (size_t)(q - p) + 1 : (size_t)(end - p);
		if (fwrite(p, 1, n, fp) != n)
			return FR_EIO;
		if (q != NULL && putc('"', fp) == EOF)
			return FR_EIO;
		p += n;
	}
	if (putc('"', fp) == EOF)
		return FR_EIO;
	return 0;
}

size_t fr_csv_encode_field(char *dst, const char *field, size_t len)
{
	char *d = dst;

	assert(field != NULL || len == 0);
	if (!csv_needs_quotes(field, len)) {
		if (len > 0)
			memcpy(d, field, len);
		return len;
	}
	*d++ = '"';
	for (const char *p = field, *end = field + len; p < end;) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		size_t n = q != NULL ? (size_t)(q - p) + 1 : (size_t)(end - p);
		memcpy(d, p, n);
		d += n;
		if (q != NULL)
			*d++ = '"';
		p += n;
	}
	*d++ = '"';
	return (size_t)(d - dst);
}

unsigned long long fr_csv_offset(const fr_csv *csv)
{
	return csv->before + csv->pos;
}
