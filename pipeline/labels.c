#include "labels.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csv.h"
#include "dataset.h"
#include "fsutil.h"
#include "numfmt.h"
#include "tokenize.h"

typedef struct {
	FILE *fp;
	char *buf;          /* fp's buffer, freed once fp is closed */
	off_t flushed;      /* where the last writeback asked for ended */
	char tmp[PATH_MAX];
	char final[PATH_MAX];
} out_file;

struct fr_labels_writer {
	const fr_model *m;
	char dir[PATH_MAX];
	out_file jsonl, csv;
	out_file review_out, summary_out; /* written whole at the commit */
	FILE *stream;       /* borrowed, for classify - */
	int stream_csv;     /* the stream gets labels.csv's layout, not JSON Lines */
	fr_review *review;  /* review.csv's queue, or NULL */
	int lock_fd;        /* out_dir's lock, or -1 */
};

/* Outputs are written a megabyte at a time. glibc's setvbuf ignores the size
 * unless it is given the buffer too: left to itself it writes 4 KiB at a
 * time, 190,000 write calls for a million paragraphs' labels.jsonl. */
#define OUT_BUFFER (1 << 20)

static int open_out(out_file *f, const char *dir, const char *name, fr_error *err)
{
	if (fr_path_join(f->final, sizeof(f->final), dir, name) != 0)
		return fr_error_set(err, FR_EINVALID, dir, 0, "output folder name too long");
	f->fp = fr_atomic_open(f->final, f->tmp, sizeof(f->tmp));
	if (f->fp == NULL) {
		f->tmp[0] = '\0';
		return fr_error_set(err, FR_EIO, dir, 0, "cannot create %s: %s", name, strerror(errno));
	}
	f->buf = malloc(OUT_BUFFER);
	if (f->buf != NULL)
		setvbuf(f->fp, f->buf, _IOFBF, OUT_BUFFER);
	return 0;
}

/* A task's label cell: the label, or a multi-label task's labels joined
 * by '|', the form a labeled CSV takes them in. Into *buf (grown as
 * needed); NULL when out of memory. */
static const char *label_cell(const fr_model *m, size_t t, int label, uint64_t set, char **buf, size_t *cap)
{
	if (!fr_model_task_multilabel(m, t))
		return fr_model_label_name(m, t, (size_t)label);
	size_t len = 0;
	for (size_t l = 0; l < fr_model_label_count(m, t); l++) {
		if (!((set >> l) & 1))
			continue;
		const char *name = fr_model_label_name(m, t, l);
		size_t nl = strlen(name);
		if (fr_grow((void **)buf, cap, len + nl + 2, 1) < 0)
			return NULL;
		if (len)
			(*buf)[len++] = FR_LABEL_SEP;
		memcpy(*buf + len, name, nl);
		len += nl;
	}
	if (fr_grow((void **)buf, cap, len + 1, 1) < 0)
		return NULL;
	(*buf)[len] = '\0';
	return *buf;
}

static int write_csv_header(const fr_model *m, FILE *fp);

int fr_labels_open(fr_labels_writer **out, const char *out_dir, const fr_model *m,
                   const fr_labels_options *opts, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	fr_labels_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	w->lock_fd = -1;
	w->m = m;
	if (strlen(out_dir) > FR_LABELS_DIR_MAX) {
		rc = fr_error_set(err, FR_EINVALID, out_dir, 0, "output folder name too long");
		goto done;
	}
	memcpy(w->dir, out_dir, strlen(out_dir) + 1);
	int by_task = opts->review_task ? fr_model_task_index(m, opts->review_task) : -1;
	if (opts->review_task && by_task < 0) {
		rc = fr_error_set(err, FR_EINVALID, NULL, 0, "the model has no task '%.*s' to order review.csv by",
		                  fr_utf8_fit_str(opts->review_task, 64), opts->review_task);
		goto done;
	}
	if (fr_mkdirs(out_dir) != 0) {
		rc = fr_error_set(err, FR_EIO, out_dir, 0, "cannot create the output folder: %s", strerror(errno));
		goto done;
	}
	if (fr_dir_lock(out_dir, 0, &w->lock_fd) != 0) {
		rc = fr_error_set(err, FR_EBUSY, out_dir, 0, "another framer run is writing into this folder; "
		                  "give this run its own --out, or run it again when that one has ended");
		goto done;
	}
	if (opts->jsonl)
		rc = open_out(&w->jsonl, out_dir, "labels.jsonl", err);
	if (rc == 0 && opts->csv)
		rc = open_out(&w->csv, out_dir, "labels.csv", err);
	if (rc == 0 && opts->csv && write_csv_header(m, w->csv.fp) < 0)
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (rc == 0 && opts->review)
		rc = fr_review_new(&w->review, m, opts->review, err);
	if (rc == 0 && w->review && by_task >= 0)
		fr_review_order_by_task(w->review, (size_t)by_task);
done:
	if (rc < 0) {
		fr_labels_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int fr_labels_open_stream(fr_labels_writer **out, FILE *fp, const fr_model *m,
                          const fr_labels_options *opts, fr_error *err)
{
	*out = NULL;
	if (!opts->jsonl == !opts->csv)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "a stream takes one format, JSON Lines or CSV");
	fr_labels_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	w->lock_fd = -1;
	w->m = m;
	w->stream = fp;
	w->stream_csv = opts->csv;
	if (w->stream_csv)
		write_csv_header(m, fp);
	*out = w;
	return 0;
}

/* Where the run of bytes that need no escaping (none of them a control,
 * '"', '\\' or over 0x7F) that starts at p[i] ends. SSE2, on every x86-64,
 * looks at sixteen bytes a step (a signed compare with 0x20 catches the
 * controls and the bytes over 0x7F at once); elsewhere eight a step, with
 * exact tests of "any byte", not of which. The rest byte by byte, through
 * a table: most strings written (labels, evidence terms, ids) are shorter
 * than a step. */
#define P8 1, 1, 1, 1, 1, 1, 1, 1
static const uint8_t json_plain[256] = {
	[0x20] = 1, 1, 0, 1, 1, 1, 1, 1,           /* 0x20-0x27, not '"' */
	P8, P8, P8, P8, P8, P8, 1, 1, 1, 1,        /* 0x28-0x5B */
	0, 1, 1, 1, P8, P8, P8, P8,                /* 0x5C-0x7F, not '\\' */
};
#undef P8
static size_t json_plain_end(const uint8_t *p, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
	while (len - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
		                            _mm_cmplt_epi8(v, space));
		unsigned mask = (unsigned)_mm_movemask_epi8(stop);
		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
		i += 16;
	}
#else
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	while (len - i >= 8) {
		uint64_t v, q, b;
		memcpy(&v, p + i, 8);
		q = v ^ (ones * '"');
		b = v ^ (ones * '\\');
		if ((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b) | v) & highs)
			break;
		i += 8;
	}
#endif
	while (i < len && json_plain[p[i]])
		i++;
	return i;
}

/* The bytes of s (len of them) as the inside of a JSON string, into dst,
 * which has room for 6 * len bytes (the longest escape, \u00XX, is six
 * bytes for one). Returns the bytes written. */
static size_t json_escape(char *dst, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	char *d = dst;
	size_t i = 0;
	while (i < len) {
		size_t run = json_plain_end(p, i, len);
		if (run > i) {
			memcpy(d, p + i, run - i);
			d += run - i;
			i = run;
			continue;
		}
		uint8_t c = p[i];
		if (c >= 0x80) {
			int32_t cp = 0;
			size_t n = fr_utf8_decode(p + i, len - i, &cp);
			if (n == 0) {
				memcpy(d, "\xEF\xBF\xBD", 3);
				d += 3;
				i++;
			} else {
				memcpy(d, p + i, n);
				d += n;
				i += n;
			}
			continue;
		}
		*d++ = '\\';
		switch (c) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		default:
			memcpy(d, "u00", 3);
			d[3] = hex[c >> 4];
			d[4] = hex[c & 15];
			d += 5;
			break;
		}
		i++;
	}
	return (size_t)(d - dst);
}

/* The end of the piece of s that starts at i: at most max bytes, and not
 * cutting a character in two, so that each piece escapes as the whole
 * would. After four continuation bytes in a row no character is cut. */
static size_t json_piece_end(const char *s, size_t i, size_t len, size_t max)
{
	if (len - i <= max)
		return len;
	size_t k = max;
	while (k > max - 3 && ((uint8_t)s[i + k] & 0xC0) == 0x80)
		k--;
	return i + (((uint8_t)s[i + k] & 0xC0) == 0x80 ? max : k);
}

enum { JSON_PIECE = 256 };

void fr_json_write_string(FILE *fp, const char *s, size_t len)
{
	/* A piece at a time through a buffer on the stack. */
	char buf[6 * JSON_PIECE];
	size_t i = 0;
	putc('"', fp);
	while (i < len) {
		size_t end = json_piece_end(s, i, len, JSON_PIECE);
		fwrite(buf, 1, json_escape(buf, s + i, end - i), fp);
		i = end;
	}
	putc('"', fp);
}

/* ---- records, built in memory ----
 *
 * Thirty-odd calls into stdio a record (fwrite, putc, fprintf, each taking
 * the stream's lock) cost more than the bytes they wrote; and built in
 * memory, records can be built on every core (fr_labels_chunk). */

typedef struct {
	char *p;
	size_t len, cap;
} out_bytes;

struct fr_labels_chunk {
	const fr_model *m;
	int jsonl, csv;     /* which records to build */
	out_bytes json_out, csv_out;
	char *cell;         /* scratch for a CSV cell */
	size_t cell_cap;
	int failed;         /* memory ran out */
};

/* Room for n more bytes in b; NULL (and c->failed) when memory ran out. */
static char *room(fr_labels_chunk *c, out_bytes *b, size_t n)
{
	if (b->len + n > b->cap && fr_grow((void **)&b->p, &b->cap, b->len + n, 1) < 0) {
		c->failed = 1;
		return NULL;
	}
	return b->p + b->len;
}

static void put(fr_labels_chunk *c, out_bytes *b, const char *s, size_t n)
{
	char *d = room(c, b, n);
	if (d != NULL) {
		memcpy(d, s, n);
		b->len += n;
	}
}

#define PUT_LIT(c, b, lit) put(c, b, lit, sizeof(lit) - 1)
#define JSON_LIT(c, lit) PUT_LIT(c, &(c)->json_out, lit)

/* s as a JSON string, quotes included (fr_json_write_string's bytes). A
 * piece at a time: room for the longest escape of a whole long text would
 * be six times its size. */
static void json_str(fr_labels_chunk *c, const char *s, size_t len)
{
	enum { PIECE = 64 * 1024 };
	JSON_LIT(c, "\"");
	for (size_t i = 0; i < len && !c->failed;) {
		size_t end = json_piece_end(s, i, len, PIECE);
		char *d = room(c, &c->json_out, 6 * (end - i));
		if (d != NULL)
			c->json_out.len += json_escape(d, s + i, end - i);
		i = end;
	}
	JSON_LIT(c, "\"");
}

static void json_cstr(fr_labels_chunk *c, const char *s)
{
	json_str(c, s, strlen(s));
}

/* A score as printf's "%.4f" writes it (numfmt.h), cut at 63 bytes. */
static void put_fixed4(fr_labels_chunk *c, out_bytes *b, double v)
{
	char *d = room(c, b, 64);
	if (d != NULL) {
		size_t len = fr_numfmt_fixed4(d, 64, v);
		b->len += len < 64 ? len : 63;
	}
}

/* A count as printf's "%zu" writes it. */
static void put_size(fr_labels_chunk *c, out_bytes *b, size_t v)
{
	char digits[24];
	size_t n = sizeof(digits);
	do {
		digits[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	put(c, b, digits + n, sizeof(digits) - n);
}

static void build_jsonl_record(fr_labels_chunk *c, const fr_paragraph *p, const fr_task_result *results)
{
	const fr_model *m = c->m;
	const fr_tfidf *tf = fr_model_vectorizer(m);
	JSON_LIT(c, "{\"id\":");
	json_cstr(c, p->id);
	JSON_LIT(c, ",\"doc\":");
	json_cstr(c, p->doc);
	JSON_LIT(c, ",\"para\":");
	put_size(c, &c->json_out, p->para);
	JSON_LIT(c, ",\"text\":");
	json_str(c, p->text, p->text_len);
	for (size_t t = 0; t < fr_model_task_count(m); t++) {
		const fr_task_result *r = &results[t];
		JSON_LIT(c, ",");
		json_cstr(c, fr_model_task_name(m, t));
		JSON_LIT(c, ":{\"label\":");
		json_cstr(c, fr_model_label_name(m, t, (size_t)r->label));
		if (fr_model_task_multilabel(m, t)) {
			JSON_LIT(c, ",\"labels\":[");
			for (size_t l = 0, n = 0; l < fr_model_label_count(m, t); l++) {
				if (!((r->label_set >> l) & 1))
					continue;
				if (n++)
					JSON_LIT(c, ",");
				json_cstr(c, fr_model_label_name(m, t, l));
			}
			JSON_LIT(c, "]");
		}
		JSON_LIT(c, ",\"confidence\":");
		put_fixed4(c, &c->json_out, r->confidence);
		JSON_LIT(c, ",\"scores\":{");
		for (size_t l = 0; l < fr_model_label_count(m, t); l++) {
			if (l)
				JSON_LIT(c, ",");
			json_cstr(c, fr_model_label_name(m, t, l));
			JSON_LIT(c, ":");
			put_fixed4(c, &c->json_out, r->scores[l]);
		}
		JSON_LIT(c, "},\"evidence\":[");
		for (size_t e = 0; e < r->n_evidence; e++) {
			if (e)
				JSON_LIT(c, ",");
			json_cstr(c, fr_tfidf_surface(tf, r->evidence[e]));
		}
		JSON_LIT(c, "]}");
	}
	JSON_LIT(c, "}\n");
}

/* Room a defused cell of len bytes may take. */
#define CELL_ROOM(len) (2 * (len) + 3)

/* s as a CSV cell, defused (fr_csv_needs_defusing), into d (CELL_ROOM(len)
 * bytes); returns the bytes written. The apostrophe goes inside the quotes
 * when the cell has them, as if it were part of the text: a cell to defuse
 * never starts with a space, so it needs quotes exactly when it would with
 * the apostrophe before it. */
static size_t encode_cell(char *d, const char *s, size_t len)
{
	if (!fr_csv_needs_defusing(s, len))
		return fr_csv_encode_field(d, s, len);
	size_t n = fr_csv_encode_field(d + 1, s, len);
	if (d[1] == '"') {
		d[0] = '"';
		d[1] = '\'';
	} else {
		d[0] = '\'';
	}
	return n + 1;
}

static void csv_put_cell(fr_labels_chunk *c, const char *s, size_t len)
{
	char *d = room(c, &c->csv_out, CELL_ROOM(len));
	if (d != NULL)
		c->csv_out.len += encode_cell(d, s, len);
}

/* A write error shows at the commit's flush, as the records' do. */
static int csv_name(FILE *fp, const char *prefix, const char *name, const char *suffix);

/* A write that fails shows at the sync; -1 is out of memory. */
static int write_csv_header(const fr_model *m, FILE *fp)
{
	int failed = 0;
	fputs("id,doc,para,text", fp);
	for (size_t t = 0; t < fr_model_task_count(m); t++) {
		const char *name = fr_model_task_name(m, t);
		failed |= csv_name(fp, "", name, "") < 0;
		failed |= csv_name(fp, "", name, "_confidence") < 0;
		failed |= csv_name(fp, "", name, "_evidence") < 0;
	}
	putc('\n', fp);
	return failed ? -1 : 0;
}

static void build_csv_record(fr_labels_chunk *c, const fr_paragraph *p, const fr_task_result *results)
{
	const fr_model *m = c->m;
	const fr_tfidf *tf = fr_model_vectorizer(m);
	out_bytes *b = &c->csv_out;
	csv_put_cell(c, p->id, strlen(p->id));
	PUT_LIT(c, b, ",");
	csv_put_cell(c, p->doc, strlen(p->doc));
	PUT_LIT(c, b, ",");
	put_size(c, b, p->para);
	PUT_LIT(c, b, ",");
	csv_put_cell(c, p->text, p->text_len);
	for (size_t t = 0; t < fr_model_task_count(m); t++) {
		const fr_task_result *r = &results[t];
		const char *label = label_cell(m, t, r->label, r->label_set, &c->cell, &c->cell_cap);
		if (label == NULL) {
			c->failed = 1;
			return;
		}
		PUT_LIT(c, b, ",");
		csv_put_cell(c, label, strlen(label));
		PUT_LIT(c, b, ",");
		put_fixed4(c, b, r->confidence);
		PUT_LIT(c, b, ",");
		size_t len = 0;
		for (size_t e = 0; e < r->n_evidence; e++) {
			const char *s = fr_tfidf_surface(tf, r->evidence[e]);
			size_t sl = strlen(s);
			if (fr_grow((void **)&c->cell, &c->cell_cap, len + sl + 3, 1) < 0) {
				c->failed = 1;
				return;
			}
			if (e) {
				memcpy(c->cell + len, "; ", 2);
				len += 2;
			}
			memcpy(c->cell + len, s, sl);
			len += sl;
		}
		csv_put_cell(c, c->cell, len);
	}
	PUT_LIT(c, b, "\n");
}

int fr_labels_chunk_new(fr_labels_chunk **out, const fr_labels_writer *w, fr_error *err)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	(*out)->m = w->m;
	(*out)->jsonl = (w->stream != NULL && !w->stream_csv) || w->jsonl.fp != NULL;
	(*out)->csv = (w->stream != NULL && w->stream_csv) || w->csv.fp != NULL;
	return 0;
}

/* What a cleared chunk keeps of its memory, each buffer: a batch of huge
 * paragraphs (a JSON record reserves six times its text) leaves no lasting
 * peak in each of the run's slots. */
#define CHUNK_KEEP ((size_t)16 << 20)

static void out_bytes_clear(out_bytes *b)
{
	b->len = 0;
	if (b->cap > CHUNK_KEEP) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

void fr_labels_chunk_clear(fr_labels_chunk *c)
{
	out_bytes_clear(&c->json_out);
	out_bytes_clear(&c->csv_out);
	if (c->cell_cap > CHUNK_KEEP) {
		free(c->cell);
		c->cell = NULL;
		c->cell_cap = 0;
	}
	c->failed = 0;
}

int fr_labels_chunk_add(fr_labels_chunk *c, const fr_paragraph *p, const fr_task_result *results)
{
	/* The evidence's surface forms lie scattered over the vocabulary: asked
	 * for now, their cache misses overlap with escaping the text. */
	const fr_tfidf *tf = fr_model_vectorizer(c->m);
	for (size_t t = 0; t < fr_model_task_count(c->m); t++)
		for (size_t e = 0; e < results[t].n_evidence; e++)
			__builtin_prefetch(fr_tfidf_surface(tf, results[t].evidence[e]));
	if (c->jsonl)
		build_jsonl_record(c, p, results);
	if (c->csv)
		build_csv_record(c, p, results);
	return c->failed ? FR_ENOMEM : 0;
}

void fr_labels_chunk_free(fr_labels_chunk *c)
{
	if (c == NULL)
		return;
	free(c->json_out.p);
	free(c->csv_out.p);
	free(c->cell);
	free(c);
}

/* Asks the kernel to start writing what the file holds so far to disk, every
 * WRITEBACK_BYTES, without waiting for it. The commit's fsync then waits for
 * the last stretch only: on a million paragraphs it waited 0.4 s for 790 MB
 * left dirty until the end, with the threads idle. Linux only; elsewhere the
 * fsync does it all. */
#define WRITEBACK_BYTES ((off_t)32 << 20)

static void start_writeback(out_file *f)
{
#ifdef SYNC_FILE_RANGE_WRITE
	off_t end = ftello(f->fp);
	if (end < 0 || end - f->flushed < WRITEBACK_BYTES || fflush(f->fp) != 0)
		return;
	/* A failure here is no failure: the commit's fsync writes it all. */
	(void)sync_file_range(fileno(f->fp), f->flushed, end - f->flushed, SYNC_FILE_RANGE_WRITE);
	f->flushed = end;
#else
	(void)f;
#endif
}

static int append(FILE *fp, const out_bytes *b, const char *name, fr_error *err)
{
	if (b->len > 0 && fwrite(b->p, 1, b->len, fp) != b->len)
		return fr_error_set(err, FR_EIO, name, 0, "write failed: %s", strerror(errno));
	return 0;
}

int fr_labels_write_chunk(fr_labels_writer *w, const fr_labels_chunk *c, fr_error *err)
{
	if (c->failed)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (w->stream)
		return append(w->stream, w->stream_csv ? &c->csv_out : &c->json_out, "<stdout>", err);
	int rc = 0;
	if (w->jsonl.fp && (rc = append(w->jsonl.fp, &c->json_out, w->jsonl.final, err)) == 0)
		start_writeback(&w->jsonl);
	if (rc == 0 && w->csv.fp && (rc = append(w->csv.fp, &c->csv_out, w->csv.final, err)) == 0)
		start_writeback(&w->csv);
	return rc;
}

int fr_labels_review(fr_labels_writer *w, const fr_paragraph *p, const fr_task_result *results,
                     fr_error *err)
{
	return w->review ? fr_review_add(w->review, p, results, err) : 0;
}

/* Flushes and syncs a written temporary: its bytes are on disk, not yet
 * under its name. */
static int sync_out(out_file *f, fr_error *err)
{
	if (f->fp == NULL)
		return 0;
	errno = 0;
	if (fflush(f->fp) != 0 || ferror(f->fp) || fsync(fileno(f->fp)) != 0)
		return fr_error_set(err, FR_EIO, f->final, 0, "cannot write: %s", strerror(errno ? errno : EIO));
	return 0;
}

/* Renames a synced temporary into place. */
static int rename_out(out_file *f, fr_error *err)
{
	if (f->fp == NULL)
		return 0;
	int rc = fr_atomic_commit(f->fp, f->tmp, f->final);
	f->fp = NULL;
	f->tmp[0] = '\0';
	free(f->buf);
	f->buf = NULL;
	if (rc != 0)
		return fr_error_set(err, FR_EIO, f->final, 0, "cannot replace: %s", strerror(errno));
	return 0;
}

int fr_json_dump(const void *j, FILE *fp)
{
	return json_dumpf(j, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0 ||
	       fputc('\n', fp) == EOF;
}

static int write_review(const void *r, FILE *fp)
{
	return fr_review_write(r, fp);
}

/* A whole file (review.csv, summary.json) into its temporary, synced. */
static int write_out(out_file *f, const char *dir, const char *name, fr_write_fn fn, const void *ctx,
                     fr_error *err)
{
	int rc = open_out(f, dir, name, err);
	errno = 0;
	if (rc == 0 && fn(ctx, f->fp) != 0)
		rc = fr_error_set(err, FR_EIO, f->final, 0, "cannot write: %s", strerror(errno ? errno : EIO));
	return rc < 0 ? rc : sync_out(f, err);
}

static void drop_out(out_file *f)
{
	fr_atomic_abort(f->fp, f->tmp);
	f->fp = NULL;
	f->tmp[0] = '\0';
	free(f->buf);
	f->buf = NULL;
}

/* The outputs are one set, as eval's report files are: each is written to
 * its temporary and synced, and only when all are do the renames start. A
 * failed write (a full disk on summary.json) removes the temporaries and
 * leaves the previous run's set as it was, not half replaced. (A rename in
 * one folder can still fail between two files; nothing written is lost.) */
int fr_labels_commit(fr_labels_writer *w, const json_t *summary, fr_error *err)
{
	if (w->stream) {
		if (fflush(w->stream) != 0 || ferror(w->stream))
			return fr_error_set(err, FR_EIO, "<stdout>", 0, "write failed: %s", strerror(errno));
		return 0;
	}
	out_file *set[] = { &w->jsonl, &w->csv, &w->review_out, &w->summary_out };
	int rc = sync_out(&w->jsonl, err);
	if (rc == 0)
		rc = sync_out(&w->csv, err);
	if (rc == 0 && w->review)
		rc = fr_review_select(w->review, err);
	if (rc == 0 && w->review)
		rc = write_out(&w->review_out, w->dir, "review.csv", write_review, w->review, err);
	if (rc == 0 && summary)
		rc = write_out(&w->summary_out, w->dir, "summary.json", fr_json_dump, summary, err);
	for (size_t i = 0; rc == 0 && i < sizeof(set) / sizeof(set[0]); i++)
		rc = rename_out(set[i], err);
	for (size_t i = 0; rc < 0 && i < sizeof(set) / sizeof(set[0]); i++)
		drop_out(set[i]);
	/* The renames are entries of the folder: on disk only once it is
	 * synced too (best effort: the files are in place either way). */
	if (rc == 0)
		fr_fsync_path(w->dir, 1);
	return rc;
}

void fr_labels_free(fr_labels_writer *w)
{
	if (w == NULL)
		return;
	drop_out(&w->jsonl);
	drop_out(&w->csv);
	drop_out(&w->review_out);
	drop_out(&w->summary_out);
	fr_review_free(w->review);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w);
}

/* ---- the review queue ---------------------------------------------------- */

typedef struct {
	int label, second;
	uint64_t label_set;
	double confidence, margin;
} review_task;

typedef struct {
	double certainty;
	size_t seq;        /* input order */
	char *strings;     /* id, document (empty when unknown), the id's part before '#'
	                    * (empty when the document is known), text: each
	                    * NUL-terminated; owned */
	size_t doc_off, text_off, text_len;
	size_t group_off;  /* the document to tell apart for diversity: doc_off's, or the id's part */
	review_task *tasks; /* n_tasks, inside fr_review's task array */
	size_t doc_group;  /* same number for the same document, at selection */
} review_entry;

struct fr_review {
	const fr_model *m;
	size_t n, cap, n_tasks, seq;
	int by_task;            /* the task whose certainty orders the queue; -1: the least certain */
	review_entry *pool;     /* max-heap by (certainty, seq) while adding */
	size_t n_pool;
	review_task *task_store;
	size_t *chosen;         /* pool indices, in order of choice */
	size_t n_chosen;
	int selected;
};

/* a before b: less certain, or as certain and earlier. */
static int entry_less(const review_entry *a, const review_entry *b)
{
	return a->certainty < b->certainty || (a->certainty == b->certainty && a->seq < b->seq);
}

static void entry_swap(fr_review *r, size_t i, size_t j)
{
	review_entry t = r->pool[i];
	r->pool[i] = r->pool[j];
	r->pool[j] = t;
}

static void pool_sift_up(fr_review *r, size_t i)
{
	while (i > 0 && entry_less(&r->pool[(i - 1) / 2], &r->pool[i])) {
		entry_swap(r, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void pool_sift_down(fr_review *r, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, big = i;
		if (l < r->n_pool && entry_less(&r->pool[big], &r->pool[l]))
			big = l;
		if (l + 1 < r->n_pool && entry_less(&r->pool[big], &r->pool[l + 1]))
			big = l + 1;
		if (big == i)
			return;
		entry_swap(r, i, big);
		i = big;
	}
}

int fr_review_new(fr_review **out, const fr_model *m, size_t n, fr_error *err)
{
	*out = NULL;
	if (n == 0 || n > FR_REVIEW_MAX)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "the review queue holds 1 to %d paragraphs",
		                    FR_REVIEW_MAX);
	fr_review *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	r->m = m;
	r->n = n;
	r->by_task = -1;
	r->cap = n * FR_REVIEW_POOL_FACTOR;
	r->n_tasks = fr_model_task_count(m);
	r->pool = calloc(r->cap, sizeof(*r->pool));
	r->task_store = calloc(r->cap * (r->n_tasks ? r->n_tasks : 1), sizeof(*r->task_store));
	r->chosen = calloc(n, sizeof(*r->chosen));
	if (r->pool == NULL || r->task_store == NULL || r->chosen == NULL) {
		fr_review_free(r);
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t i = 0; i < r->cap; i++)
		r->pool[i].tasks = r->task_store + i * r->n_tasks;
	*out = r;
	return 0;
}

void fr_review_free(fr_review *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; r->pool && i < r->n_pool; i++)
		free(r->pool[i].strings);
	free(r->pool);
	free(r->task_store);
	free(r->chosen);
	free(r);
}

/* How far a multi-label task's label l is from its threshold t, as a
 * share of the room on its side: 0 on the threshold, 1 at 0 or 1. */
static double threshold_distance(double p, double t)
{
	double d = p >= t ? (t < 1.0 ? (p - t) / (1.0 - t) : 1.0) : (t > 0.0 ? (t - p) / t : 1.0);
	return d < 0 ? 0 : d > 1 ? 1 : d;
}

/* A multi-label task's least certain label: the one nearest its threshold. */
static int nearest_threshold(const fr_model *m, size_t t, const fr_task_result *res, double *dist_out)
{
	int which = 0;
	double least = 2.0;
	for (size_t l = 0; l < fr_model_label_count(m, t); l++) {
		double d = threshold_distance(res->scores[l], fr_model_label_threshold(m, t, l));
		if (d < least) {
			least = d;
			which = (int)l;
		}
	}
	*dist_out = least;
	return which;
}

/* The runner-up label of a result, or -1 with a single label. */
static int second_label(const fr_task_result *res, size_t k)
{
	int second = -1;
	for (size_t l = 0; l < k; l++)
		if ((int)l != res->label && (second < 0 || res->scores[l] > res->scores[second]))
			second = (int)l;
	return second;
}

static double task_certainty(const fr_task_result *res, size_t k, int second)
{
	double chance = k ? 1.0 / (double)k : 1.0;
	double above = chance < 1.0 ? (res->confidence - chance) / (1.0 - chance) : 1.0;
	above = above < 0 ? 0 : above > 1 ? 1 : above;
	double margin = second >= 0 ? res->confidence - res->scores[second] : 1.0;
	margin = margin < 0 ? 0 : margin > 1 ? 1 : margin;
	return (above + margin) / 2;
}

/* The certainty of task t's result. */
static double certainty_of(const fr_model *m, const fr_task_result *results, size_t t)
{
	size_t k = fr_model_label_count(m, t);
	double c;
	if (fr_model_task_multilabel(m, t))
		nearest_threshold(m, t, &results[t], &c);
	else
		c = task_certainty(&results[t], k, second_label(&results[t], k));
	return c;
}

double fr_review_certainty(const fr_model *m, const fr_task_result *results, size_t *task_out)
{
	double least = 1.0;
	size_t which = 0;
	for (size_t t = 0; t < fr_model_task_count(m); t++) {
		double c = certainty_of(m, results, t);
		if (t == 0 || c < least) {
			least = c;
			which = t;
		}
	}
	if (task_out)
		*task_out = which;
	return least;
}

void fr_review_order_by_task(fr_review *r, size_t task)
{
	if (task < r->n_tasks)
		r->by_task = (int)task;
}

int fr_review_add(fr_review *r, const fr_paragraph *p, const fr_task_result *results,
                  fr_error *err)
{
	review_entry e = { 0 };
	e.certainty = r->by_task >= 0 ? certainty_of(r->m, results, (size_t)r->by_task)
	                              : fr_review_certainty(r->m, results, NULL);
	e.seq = r->seq++;
	size_t slot = r->n_pool;
	if (r->n_pool == r->cap) {
		/* Full: the new one replaces the most certain, if it is less so. */
		if (!entry_less(&e, &r->pool[0]))
			return 0;
		slot = 0;
	}
	/* A record's file name is not its document: review.csv leaves the cell
	 * empty (as a correction it would replace the training row's own), and
	 * the queue tells documents apart as training does, by the id's part
	 * before '#', else the id. */
	const char *doc = p->doc_known ? p->doc : "";
	size_t id_len = strlen(p->id), doc_len = strlen(doc);
	/* Without a document, the group is a copy of the id's first part. */
	size_t group_len = p->doc_known ? 0 : strcspn(p->id, "#");
	char *s = malloc(id_len + doc_len + group_len + p->text_len + 4);
	if (s == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	char *at = s;
	memcpy(at, p->id, id_len + 1);
	at += id_len + 1;
	memcpy(at, doc, doc_len + 1);
	at += doc_len + 1;
	memcpy(at, p->id, group_len);
	at[group_len] = '\0';
	at += group_len + 1;
	memcpy(at, p->text, p->text_len);
	at[p->text_len] = '\0';
	review_entry *dst = &r->pool[slot];
	if (slot < r->n_pool)
		free(dst->strings);
	dst->certainty = e.certainty;
	dst->seq = e.seq;
	dst->strings = s;
	dst->doc_off = id_len + 1;
	dst->group_off = p->doc_known ? id_len + 1 : id_len + doc_len + 2;
	dst->text_off = id_len + doc_len + group_len + 3;
	dst->text_len = p->text_len;
	for (size_t t = 0; t < r->n_tasks; t++) {
		size_t k = fr_model_label_count(r->m, t);
		review_task *rt = &dst->tasks[t];
		rt->label = results[t].label;
		rt->label_set = results[t].label_set;
		rt->confidence = results[t].confidence;
		if (fr_model_task_multilabel(r->m, t)) {
			rt->second = nearest_threshold(r->m, t, &results[t], &rt->margin);
			continue;
		}
		rt->second = second_label(&results[t], k);
		rt->margin = rt->second >= 0 ? results[t].confidence - results[t].scores[rt->second] : 1.0;
	}
	if (slot == r->n_pool) {
		r->n_pool++;
		pool_sift_up(r, slot);
	} else {
		pool_sift_down(r, 0);
	}
	return 0;
}

size_t fr_review_pool_size(const fr_review *r)
{
	return r->n_pool;
}

/* Selection: a min-heap of pool indices keyed by (score, seq), where a
 * stored score may be stale. Penalties only grow, so a stale score is a
 * lower bound: the top is taken when its fresh score still beats the next
 * one's stored score, and pushed back with its fresh score otherwise. */
typedef struct {
	double score;
	size_t seq, index;
} pick;

static int pick_less(const pick *a, const pick *b)
{
	return a->score < b->score || (a->score == b->score && a->seq < b->seq);
}

static void pick_sift_down(pick *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, small = i;
		if (l < n && pick_less(&h[l], &h[small]))
			small = l;
		if (l + 1 < n && pick_less(&h[l + 1], &h[small]))
			small = l + 1;
		if (small == i)
			return;
		pick t = h[i];
		h[i] = h[small];
		h[small] = t;
		i = small;
	}
}

typedef struct {
	const char *doc;
	size_t index;
} doc_ref;

static int by_doc(const void *a, const void *b)
{
	const doc_ref *x = a, *y = b;
	int c = strcmp(x->doc, y->doc);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

int fr_review_select(fr_review *r, fr_error *err)
{
	if (r->selected)
		return 0;
	int rc = 0;
	size_t n_labels = 0, one = r->n_pool ? r->n_pool : 1;
	for (size_t t = 0; t < r->n_tasks; t++)
		n_labels += fr_model_label_count(r->m, t);
	doc_ref *docs = calloc(one, sizeof(*docs));
	size_t *doc_chosen = calloc(one, sizeof(*doc_chosen));
	size_t *label_chosen = calloc(n_labels ? n_labels : 1, sizeof(*label_chosen));
	size_t *label_base = calloc(r->n_tasks ? r->n_tasks : 1, sizeof(*label_base));
	pick *heap = calloc(one, sizeof(*heap));
	if (!docs || !doc_chosen || !label_chosen || !label_base || !heap) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	/* Number the documents. */
	for (size_t i = 0; i < r->n_pool; i++)
		docs[i] = (doc_ref){ r->pool[i].strings + r->pool[i].group_off, i };
	qsort(docs, r->n_pool, sizeof(*docs), by_doc);
	for (size_t i = 0, g = 0; i < r->n_pool; i++) {
		if (i > 0 && strcmp(docs[i - 1].doc, docs[i].doc) != 0)
			g++;
		r->pool[docs[i].index].doc_group = g;
	}
	for (size_t t = 1; t < r->n_tasks; t++)
		label_base[t] = label_base[t - 1] + fr_model_label_count(r->m, t - 1);
	size_t n_heap = r->n_pool;
	for (size_t i = 0; i < n_heap; i++)
		heap[i] = (pick){ r->pool[i].certainty, r->pool[i].seq, i };
	for (size_t i = n_heap / 2; i-- > 0;)
		pick_sift_down(heap, n_heap, i);
	while (r->n_chosen < r->n && n_heap > 0) {
		const review_entry *e = &r->pool[heap[0].index];
		double score = e->certainty + FR_REVIEW_DOC_PENALTY * (double)doc_chosen[e->doc_group];
		for (size_t t = 0; t < r->n_tasks; t++)
			score += FR_REVIEW_LABEL_PENALTY *
			         (double)label_chosen[label_base[t] + (size_t)e->tasks[t].label];
		pick fresh = { score, e->seq, heap[0].index };
		int best = 1;
		for (size_t c = 1; c <= 2 && c < n_heap; c++)
			if (pick_less(&heap[c], &fresh))
				best = 0;
		if (!best) {
			heap[0] = fresh;
			pick_sift_down(heap, n_heap, 0);
			continue;
		}
		r->chosen[r->n_chosen++] = fresh.index;
		doc_chosen[e->doc_group]++;
		for (size_t t = 0; t < r->n_tasks; t++)
			label_chosen[label_base[t] + (size_t)e->tasks[t].label]++;
		heap[0] = heap[--n_heap];
		pick_sift_down(heap, n_heap, 0);
	}
	r->selected = 1;
done:
	free(docs);
	free(doc_chosen);
	free(label_chosen);
	free(label_base);
	free(heap);
	return rc;
}

size_t fr_review_count(const fr_review *r)
{
	return r->n_chosen;
}

const char *fr_review_id(const fr_review *r, size_t i)
{
	return i < r->n_chosen ? r->pool[r->chosen[i]].strings : NULL;
}

double fr_review_chosen_certainty(const fr_review *r, size_t i)
{
	return i < r->n_chosen ? r->pool[r->chosen[i]].certainty : 0.0;
}

/* Writes a CSV cell, defused as in labels.csv. 0, or -1 when memory ran out
 * (a cell is never written undefused). */
static int csv_cell(FILE *fp, const char *s, size_t len)
{
	if (!fr_csv_needs_defusing(s, len))
		return fr_csv_write_field(fp, s, len) == 0 ? 0 : -1;
	char *d = malloc(CELL_ROOM(len));
	if (d == NULL)
		return -1;
	size_t n = encode_cell(d, s, len);
	size_t written = fwrite(d, 1, n, fp);
	free(d);
	return written == n ? 0 : -1;
}

static int csv_cstr(FILE *fp, const char *s)
{
	return csv_cell(fp, s, strlen(s));
}

/* ",prefix<name>suffix": a header cell built from a task's name (a CSV
 * header may name a column "a,b" or "=x"), quoted and defused as any cell. */
static int csv_name(FILE *fp, const char *prefix, const char *name, const char *suffix)
{
	putc(',', fp);
	size_t len = strlen(prefix) + strlen(name) + strlen(suffix);
	char *cell = malloc(len + 1);
	if (cell == NULL)
		return -1;
	snprintf(cell, len + 1, "%s%s%s", prefix, name, suffix);
	int rc = csv_cell(fp, cell, len);
	free(cell);
	return rc;
}

int fr_review_write(const fr_review *r, FILE *fp)
{
	const fr_model *m = r->m;
	char *buf = NULL;
	size_t cap = 0;
	int failed = 0;
	fputs("id,document,text", fp);
	for (size_t t = 0; t < r->n_tasks; t++)
		failed |= csv_name(fp, "", fr_model_task_name(m, t), "") < 0;
	for (size_t t = 0; t < r->n_tasks; t++) {
		const char *name = fr_model_task_name(m, t);
		failed |= csv_name(fp, "confidence_", name, "") < 0;
		failed |= csv_name(fp, "second_", name, "") < 0;
		failed |= csv_name(fp, "margin_", name, "") < 0;
	}
	putc('\n', fp);
	for (size_t i = 0; i < r->n_chosen; i++) {
		const review_entry *e = &r->pool[r->chosen[i]];
		failed |= csv_cstr(fp, e->strings) < 0;
		putc(',', fp);
		failed |= csv_cstr(fp, e->strings + e->doc_off) < 0;
		putc(',', fp);
		failed |= csv_cell(fp, e->strings + e->text_off, e->text_len) < 0;
		for (size_t t = 0; t < r->n_tasks; t++) {
			const char *cell = label_cell(m, t, e->tasks[t].label, e->tasks[t].label_set, &buf, &cap);
			putc(',', fp);
			if (cell == NULL) {
				free(buf);
				return -1;
			}
			failed |= csv_cstr(fp, cell) < 0;
		}
		for (size_t t = 0; t < r->n_tasks; t++) {
			const review_task *rt = &e->tasks[t];
			fprintf(fp, ",%.4f,", rt->confidence);
			if (rt->second >= 0)
				failed |= csv_cstr(fp, fr_model_label_name(m, t, (size_t)rt->second)) < 0;
			fprintf(fp, ",%.4f", rt->margin);
		}
		putc('\n', fp);
	}
	free(buf);
	return failed || ferror(fp) ? -1 : 0;
}
