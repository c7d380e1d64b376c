#include "labels.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "csv.h"
#include "fsutil.h"
#include "tokenize.h"

typedef struct {
	FILE *fp;
	char tmp[PATH_MAX];
	char final[PATH_MAX];
} out_file;

struct fr_labels_writer {
	const fr_model *m;
	char dir[PATH_MAX];
	out_file jsonl, csv;
	FILE *stream;       /* borrowed, for classify - */
	char *cell;         /* scratch for CSV cells */
	size_t cell_cap;
	int committed;
};

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
	setvbuf(f->fp, NULL, _IOFBF, OUT_BUFFER);
	return 0;
}

static int write_csv_header(fr_labels_writer *w, fr_error *err);

int fr_labels_open(fr_labels_writer **out, const char *out_dir, const fr_model *m,
                   const fr_labels_options *opts, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	fr_labels_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	w->m = m;
	if (snprintf(w->dir, sizeof(w->dir), "%s", out_dir) >= (int)sizeof(w->dir) - 32) {
		rc = fr_error_set(err, FR_EINVALID, out_dir, 0, "output folder name too long");
		goto done;
	}
	if (fr_mkdirs(out_dir) != 0) {
		rc = fr_error_set(err, FR_EIO, out_dir, 0, "cannot create the output folder: %s", strerror(errno));
		goto done;
	}
	if (opts->jsonl)
		rc = open_out(&w->jsonl, out_dir, "labels.jsonl", err);
	if (rc == 0 && opts->csv)
		rc = open_out(&w->csv, out_dir, "labels.csv", err);
	if (rc == 0 && opts->csv)
		rc = write_csv_header(w, err);
done:
	if (rc < 0) {
		fr_labels_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int fr_labels_open_stream(fr_labels_writer **out, FILE *fp, const fr_model *m, fr_error *err)
{
	*out = NULL;
	fr_labels_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	w->m = m;
	w->stream = fp;
	*out = w;
	return 0;
}

void fr_json_write_string(FILE *fp, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)s;
	putc('"', fp);
	size_t i = 0;
	while (i < len) {
		/* Copy the longest run that needs no escaping in one call. */
		size_t run = i;
		while (run < len && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, fp);
			i = run;
			continue;
		}
		uint8_t c = p[i];
		if (c >= 0x80) {
			int32_t cp = 0;
			size_t n = fr_utf8_decode(p + i, len - i, &cp);
			if (n == 0) {
				fputs("\xEF\xBF\xBD", fp);
				i++;
			} else {
				fwrite(p + i, 1, n, fp);
				i += n;
			}
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			fputs("\\u00", fp);
			putc(hex[c >> 4], fp);
			putc(hex[c & 15], fp);
			break;
		}
		i++;
	}
	putc('"', fp);
}

static void json_cstr(FILE *fp, const char *s)
{
	fr_json_write_string(fp, s, strlen(s));
}

static void write_jsonl_record(FILE *fp, const fr_model *m, const fr_paragraph *p,
                               const fr_task_result *results)
{
	const fr_tfidf *tf = fr_model_vectorizer(m);
	fputs("{\"id\":", fp);
	json_cstr(fp, p->id);
	fputs(",\"doc\":", fp);
	json_cstr(fp, p->doc);
	fprintf(fp, ",\"para\":%zu,\"text\":", p->para);
	fr_json_write_string(fp, p->text, p->text_len);
	for (size_t t = 0; t < fr_model_task_count(m); t++) {
		const fr_task_result *r = &results[t];
		putc(',', fp);
		json_cstr(fp, fr_model_task_name(m, t));
		fputs(":{\"label\":", fp);
		json_cstr(fp, fr_model_label_name(m, t, (size_t)r->label));
		fprintf(fp, ",\"confidence\":%.4f,\"scores\":{", r->confidence);
		for (size_t l = 0; l < fr_model_label_count(m, t); l++) {
			if (l)
				putc(',', fp);
			json_cstr(fp, fr_model_label_name(m, t, l));
			fprintf(fp, ":%.4f", r->scores[l]);
		}
		fputs("},\"evidence\":[", fp);
		for (size_t e = 0; e < r->n_evidence; e++) {
			if (e)
				putc(',', fp);
			json_cstr(fp, fr_tfidf_surface(tf, r->evidence[e]));
		}
		fputs("]}", fp);
	}
	fputs("}\n", fp);
}

/* Writes a CSV cell, defusing spreadsheet formulas. */
static void csv_cell(FILE *fp, const char *s, size_t len)
{
	if (len > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) {
		/* A leading apostrophe makes spreadsheets show the text, not run it. */
		char *copy = malloc(len + 2);
		if (copy) {
			copy[0] = '\'';
			memcpy(copy + 1, s, len);
			fr_csv_write_field(fp, copy, len + 1);
			free(copy);
			return;
		}
	}
	fr_csv_write_field(fp, s, len);
}

static int write_csv_header(fr_labels_writer *w, fr_error *err)
{
	FILE *fp = w->csv.fp;
	(void)err;
	fputs("id,doc,para,text", fp);
	for (size_t t = 0; t < fr_model_task_count(w->m); t++) {
		const char *name = fr_model_task_name(w->m, t);
		fprintf(fp, ",%s,%s_confidence,%s_evidence", name, name, name);
	}
	putc('\n', fp);
	return 0;
}

static void write_csv_record(fr_labels_writer *w, const fr_paragraph *p, const fr_task_result *results)
{
	FILE *fp = w->csv.fp;
	const fr_tfidf *tf = fr_model_vectorizer(w->m);
	char num[32];
	csv_cell(fp, p->id, strlen(p->id));
	putc(',', fp);
	csv_cell(fp, p->doc, strlen(p->doc));
	fprintf(fp, ",%zu,", p->para);
	csv_cell(fp, p->text, p->text_len);
	for (size_t t = 0; t < fr_model_task_count(w->m); t++) {
		const fr_task_result *r = &results[t];
		const char *label = fr_model_label_name(w->m, t, (size_t)r->label);
		putc(',', fp);
		csv_cell(fp, label, strlen(label));
		snprintf(num, sizeof(num), "%.4f", r->confidence);
		fprintf(fp, ",%s,", num);
		size_t len = 0;
		for (size_t e = 0; e < r->n_evidence; e++) {
			const char *s = fr_tfidf_surface(tf, r->evidence[e]);
			size_t sl = strlen(s);
			if (len + sl + 3 > w->cell_cap) {
				size_t cap2 = (len + sl + 3) * 2;
				char *c = realloc(w->cell, cap2);
				if (c == NULL)
					break;
				w->cell = c;
				w->cell_cap = cap2;
			}
			if (e) {
				memcpy(w->cell + len, "; ", 2);
				len += 2;
			}
			memcpy(w->cell + len, s, sl);
			len += sl;
		}
		csv_cell(fp, w->cell ? w->cell : "", len);
	}
	putc('\n', fp);
}

int fr_labels_write(fr_labels_writer *w, const fr_paragraph *p,
                    const fr_task_result *results, fr_error *err)
{
	FILE *fp = w->stream ? w->stream : w->jsonl.fp;
	if (fp) {
		write_jsonl_record(fp, w->m, p, results);
		if (ferror(fp))
			return fr_error_set(err, FR_EIO, w->stream ? "<stdout>" : w->jsonl.final, 0,
			                    "write failed: %s", strerror(errno));
	}
	if (w->csv.fp) {
		write_csv_record(w, p, results);
		if (ferror(w->csv.fp))
			return fr_error_set(err, FR_EIO, w->csv.final, 0, "write failed: %s", strerror(errno));
	}
	return 0;
}

static int finish_out(out_file *f, fr_error *err)
{
	if (f->fp == NULL)
		return 0;
	int rc = fr_atomic_commit(f->fp, f->tmp, f->final);
	f->fp = NULL;
	f->tmp[0] = '\0';
	if (rc != 0)
		return fr_error_set(err, FR_EIO, f->final, 0, "cannot write: %s", strerror(errno));
	return 0;
}

static int dump_json(const void *j, FILE *fp)
{
	return json_dumpf(j, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0 ||
	       fputc('\n', fp) == EOF;
}

int fr_json_write_file_atomic(const json_t *j, const char *path, fr_error *err)
{
	return fr_write_atomic(path, dump_json, j, err);
}

int fr_labels_commit(fr_labels_writer *w, const json_t *summary, fr_error *err)
{
	if (w->stream) {
		if (fflush(w->stream) != 0 || ferror(w->stream))
			return fr_error_set(err, FR_EIO, "<stdout>", 0, "write failed: %s", strerror(errno));
		w->committed = 1;
		return 0;
	}
	int rc = finish_out(&w->jsonl, err);
	if (rc == 0)
		rc = finish_out(&w->csv, err);
	if (rc == 0 && summary) {
		char path[PATH_MAX];
		rc = fr_path_join(path, sizeof(path), w->dir, "summary.json") == 0
		         ? fr_json_write_file_atomic(summary, path, err)
		         : fr_error_set(err, FR_EINVALID, w->dir, 0, "path too long");
	}
	w->committed = rc == 0;
	return rc;
}

static void drop_out(out_file *f)
{
	fr_atomic_abort(f->fp, f->tmp);
}

void fr_labels_free(fr_labels_writer *w)
{
	if (w == NULL)
		return;
	drop_out(&w->jsonl);
	drop_out(&w->csv);
	free(w->cell);
	free(w);
}
