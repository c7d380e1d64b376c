#include "dataset.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "strmap.h"
#include "tokenize.h"

static const char *const meta_columns[] = {
	"id", "document", "doc", "para", "source", "date", "text", "group", "url", "title", "notes", NULL
};

/* framer's own columns about a task: review.csv's confidence_<task>,
 * second_<task> and margin_<task>, labels.csv's <task>_confidence and
 * <task>_evidence. They hold scores, runner-up labels and evidence words,
 * not labels; a file of framer's (review.csv, or labels.csv handed over as
 * corrections) keeps its label columns and loses nothing the user typed. */
static const char *const about_prefixes[] = { "confidence_", "second_", "margin_", NULL };
static const char *const about_suffixes[] = { "_confidence", "_evidence", NULL };

/* The columns framer writes beside the tasks, and where: a task so named
 * would make an output with two columns (or keys) of that name. */
static const struct {
	const char *name;
	const char *where;
} output_columns[] = {
	{ "id", "labels.jsonl, labels.csv and review.csv" },
	{ "doc", "labels.jsonl and labels.csv" },
	{ "para", "labels.jsonl and labels.csv" },
	{ "document", "review.csv" },
	{ NULL, NULL },
};

/* Metadata, and review.csv's columns about a task: never labels, whatever
 * the rest of the header. */
static int is_meta(const char *name)
{
	for (size_t i = 0; meta_columns[i]; i++)
		if (strcmp(name, meta_columns[i]) == 0)
			return 1;
	for (size_t i = 0; about_prefixes[i]; i++)
		if (strncmp(name, about_prefixes[i], strlen(about_prefixes[i])) == 0)
			return 1;
	return 0;
}

/* The header column named name but for its case or spaces around it (a
 * space a spreadsheet does not show); n_cols when there is none. */
static size_t near_column(const char *const *header, size_t n_cols, const char *name)
{
	size_t want = strlen(name);
	for (size_t i = 0; i < n_cols; i++) {
		const char *h = header[i];
		size_t len = strlen(h);
		fr_trim_blank(&h, &len);
		if (len == want && strncasecmp(h, name, len) == 0)
			return i;
	}
	return n_cols;
}

/* The output ("labels.csv" or "review.csv") in which framer writes a column
 * named `name` about the task `task`, or NULL when it writes none. */
static const char *column_about(const char *name, const char *task)
{
	size_t n = strlen(name), t = strlen(task);
	for (size_t i = 0; about_prefixes[i]; i++) {
		size_t a = strlen(about_prefixes[i]);
		if (n == a + t && memcmp(name, about_prefixes[i], a) == 0 && memcmp(name + a, task, t) == 0)
			return "review.csv";
	}
	for (size_t i = 0; about_suffixes[i]; i++) {
		size_t a = strlen(about_suffixes[i]);
		if (n == t + a && memcmp(name, task, t) == 0 && memcmp(name + t, about_suffixes[i], a) == 0)
			return "labels.csv";
	}
	return NULL;
}

/* The column of names (n of them) that `name` is framer's column about,
 * among those that would be tasks by themselves; n when none is. */
static size_t about_which(const char *name, char *const *names, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (!is_meta(names[j]) && column_about(name, names[j]) != NULL)
			return j;
	return n;
}

int fr_dataset_check_task_name(const char *name, const char *const *tasks, size_t n,
                               const char *path, fr_error *err)
{
	for (size_t i = 0; output_columns[i].name; i++)
		if (strcmp(name, output_columns[i].name) == 0)
			return fr_error_set(err, FR_EFORMAT, path, 1,
			                    "'%s' is a column framer writes in %s, not a label column",
			                    name, output_columns[i].where);
	for (size_t u = 0; u < n; u++) {
		const char *a = tasks[u], *b = name, *where = column_about(b, a);
		if (where == NULL) {
			a = name;
			b = tasks[u];
			where = column_about(b, a);
		}
		if (where != NULL)
			return fr_error_set(err, FR_EFORMAT, path, 1,
			                    "tasks '%s' and '%s' would give %s two '%s' columns: rename '%s'",
			                    a, b, where, b, b);
	}
	return 0;
}

void fr_dataset_init(fr_dataset *ds)
{
	memset(ds, 0, sizeof(*ds));
}

void fr_dataset_dispose(fr_dataset *ds)
{
	if (ds == NULL)
		return;
	for (size_t i = 0; i < ds->n_rows; i++) {
		free(ds->ids ? ds->ids[i] : NULL);
		free(ds->docs ? ds->docs[i] : NULL);
		free(ds->texts ? ds->texts[i] : NULL);
		for (size_t t = 0; t < ds->n_tasks; t++)
			free(ds->labels && ds->labels[t] ? ds->labels[t][i] : NULL);
	}
	for (size_t t = 0; t < ds->n_tasks; t++) {
		free(ds->tasks ? ds->tasks[t] : NULL);
		free(ds->labels ? ds->labels[t] : NULL);
	}
	for (size_t i = 0; ds->paths && i < ds->n_paths; i++)
		free(ds->paths[i]);
	free(ds->paths);
	free(ds->path);
	free(ds->ids);
	free(ds->docs);
	free(ds->texts);
	free(ds->text_lens);
	free(ds->lines);
	free(ds->files);
	free(ds->given);
	free(ds->tasks);
	free(ds->task_files);
	free(ds->labels);
	memset(ds, 0, sizeof(*ds));
}

int fr_dataset_task_index(const fr_dataset *ds, const char *task)
{
	for (size_t t = 0; t < ds->n_tasks; t++)
		if (strcmp(ds->tasks[t], task) == 0)
			return (int)t;
	return -1;
}

static char *dup_field(const char *s, size_t len)
{
	char *p = malloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

static int cmp_part(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	size_t lx = strcspn(*x, "|"), ly = strcspn(*y, "|");
	int c = memcmp(*x, *y, lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}

/* The offset of the first control character in s (len bytes): C0 (a line
 * break, a tab, an escape), DEL or C1; len when there is none. A label is a
 * name printed on one line in messages, summaries and reports, where one
 * would break the line in two or drive the terminal. */
static size_t label_control_at(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];
		if (b < 0x20 || b == 0x7F ||
		    (b == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F))
			return i;
	}
	return len;
}

/* A label cell as stored: one label trimmed of blanks (" neutral" is
 * "neutral"), or a multi-label cell "b | a|b" as "a|b" (each label trimmed
 * the same way, sorted, once), so that equal labels and sets are equal
 * strings. s is not blank. NULL with *why set for an empty label in a
 * multi-label cell ("a||b", "a|"), or when out of memory (*why NULL). */
static char *label_cell(const char *s, size_t len, const char **why)
{
	*why = NULL;
	if (memchr(s, FR_LABEL_SEP, len) == NULL)
		return dup_field(s, len);
	char *copy = dup_field(s, len), *out = malloc(len + 1);
	size_t n_parts = 1;
	for (size_t i = 0; i < len; i++)
		n_parts += s[i] == FR_LABEL_SEP;
	const char **parts = malloc(n_parts * sizeof(*parts));
	if (copy == NULL || out == NULL || parts == NULL)
		goto fail;
	size_t n = 0;
	for (char *p = copy;; ) {
		char *end = strchr(p, FR_LABEL_SEP);
		char *stop = end ? end : p + strlen(p);
		const char *q = p;
		size_t n_q = (size_t)(stop - p);
		fr_trim_blank(&q, &n_q);
		p = (char *)q;
		stop = p + n_q;
		if (stop == p) {
			*why = "an empty label between '|' separators";
			goto fail;
		}
		*stop = '\0';
		parts[n++] = p;
		if (end == NULL)
			break;
		p = end + 1;
	}
	qsort(parts, n, sizeof(*parts), cmp_part);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(parts[i], parts[i - 1]) == 0)
			continue;
		if (o > 0)
			out[o++] = FR_LABEL_SEP;
		size_t l = strlen(parts[i]);
		memcpy(out + o, parts[i], l);
		o += l;
	}
	out[o] = '\0';
	free(copy);
	free(parts);
	return out;
fail:
	free(copy);
	free(out);
	free(parts);
	return NULL;
}

int fr_dataset_task_multilabel(const fr_dataset *ds, size_t task)
{
	for (size_t r = 0; r < ds->n_rows; r++)
		if (ds->labels[task][r] && strchr(ds->labels[task][r], FR_LABEL_SEP))
			return 1;
	return 0;
}

const char *fr_label_next(const char **cursor, size_t *len_out)
{
	const char *s = *cursor;
	if (s == NULL || *s == '\0')
		return NULL;
	size_t len = strcspn(s, "|");
	*len_out = len;
	*cursor = s[len] ? s + len + 1 : s + len;
	return s;
}

/* Checks every field of the current row (or the header, line 1) for bytes
 * that are not text, and the row for a repeat of the header. */
static int check_row(const fr_csv *csv, const char *const *names, size_t n_cols, size_t line,
                     const char *path, fr_error *err)
{
	int header_again = names != NULL;
	for (size_t i = 0; i < n_cols; i++) {
		/* The problem's byte is counted in the cell as the file has it,
		 * before fr_csv_value takes off a leading apostrophe. */
		size_t raw_len = 0, len = 0, at = 0;
		const char *raw = fr_csv_field(csv, i, &raw_len);
		const char *why = fr_text_problem(raw, raw_len, &at);
		const char *f = fr_csv_value(csv, i, &len);
		if (names == NULL && i == 0 && len >= 2 &&
		    ((f[0] == '\xFF' && f[1] == '\xFE') || (f[0] == '\xFE' && f[1] == '\xFF')))
			return fr_error_set(err, FR_EFORMAT, path, line,
			                    "UTF-16 text: convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)");
		if (why != NULL && names == NULL)
			return fr_error_set(err, FR_EFORMAT, path, line, "%s in column %zu of the header", why, i + 1);
		if (why != NULL)
			return fr_error_set(err, FR_EFORMAT, path, line, "%s at byte %zu of column '%.*s'",
			                    why, at, fr_utf8_fit_str(names[i], 64), names[i]);
		header_again = header_again && len == strlen(names[i]) && memcmp(f, names[i], len) == 0;
	}
	if (header_again)
		return fr_error_set(err, FR_EFORMAT, path, line, "the header row again (files joined together?)");
	return 0;
}

/* Grows every per-row array to hold `need` rows. */
static int reserve_rows(fr_dataset *ds, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 256;
	void *p;
#define GROW(field) \
	p = realloc(ds->field, c * sizeof(*ds->field)); \
	if (p == NULL) \
		return FR_ENOMEM; \
	ds->field = p;
	GROW(ids) GROW(docs) GROW(texts) GROW(text_lens) GROW(lines) GROW(files) GROW(given)
#undef GROW
	for (size_t t = 0; t < ds->n_tasks; t++) {
		p = realloc(ds->labels[t], c * sizeof(char *));
		if (p == NULL)
			return FR_ENOMEM;
		ds->labels[t] = p;
	}
	*cap = c;
	return 0;
}

/* Within one file an id names one row: a repeat is a pasted row counted
 * twice, or two labels for one paragraph of which one would win unseen.
 * Corrections go in a later file, where overriding is the point. */
static int check_unique_ids(const fr_dataset *ds, const char *path, fr_error *err)
{
	fr_strmap *seen = NULL;
	size_t *row_of = NULL, cap = 0;
	int rc = fr_strmap_new(&seen, ds->n_rows, err);
	for (size_t r = 0; rc == 0 && r < ds->n_rows; r++) {
		uint32_t s = 0;
		if (!(ds->given[r] & FR_DATASET_ID_GIVEN))
			continue;
		int fresh = fr_strmap_intern(seen, ds->ids[r], strlen(ds->ids[r]), &s);
		if (fresh < 0 || (fresh == 1 && fr_grow((void **)&row_of, &cap, (size_t)s + 1, sizeof(*row_of)) < 0))
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		else if (fresh == 1)
			row_of[s] = r;
		else
			rc = fr_error_set(err, FR_EFORMAT, path, ds->lines[r],
			                  "id '%.*s' again (first at line %zu): an id names one row of a file; "
			                  "a correction goes in a later --data file", fr_utf8_fit_str(ds->ids[r], 64), ds->ids[r],
			                  ds->lines[row_of[s]]);
	}
	fr_strmap_free(seen);
	free(row_of);
	return rc;
}

/* Reads one file into ds. A later file (one of corrections; set is the set
 * read so far, NULL for the first file) may lack the text column and any of
 * tasks (its cells count as empty), may have no label column at all, and
 * keeps its rows with empty text (text NULL): the merge decides what they
 * mean. */
static int load_one(fr_dataset *ds, const char *path, const char *const *tasks,
                    size_t n_tasks, const fr_dataset *set, unsigned char *missing, fr_error *err)
{
	int later = set != NULL;
	int rc = 0;
	fr_csv *csv = NULL;
	char **header = NULL;
	size_t *task_col = NULL, cap = 0, n_cols = 0;
	size_t text_col = (size_t)-1, id_col = (size_t)-1, doc_col = (size_t)-1;
	const char *oom = "out of memory";

	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;

	ds->path = strdup(path);
	if (ds->path == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "%s", oom);
	/* A batch format read as CSV fails on its first quote, which says
	 * nothing of the real cause. */
	const char *dot = strrchr(base, '.');
	if (dot && (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".json") == 0 || strcasecmp(dot, ".txt") == 0)) {
		rc = fr_error_set(err, FR_EFORMAT, path, 0,
		                  "labeled data must be a CSV (a 'text' column and a column per task), not a %s "
		                  "file; %s files are batches for classify", dot + 1, dot + 1);
		goto done;
	}
	rc = fr_csv_open(&csv, path, err);
	if (rc < 0)
		goto done;
	rc = fr_csv_next(csv, err);
	if (rc == FR_ITEROVER) {
		rc = fr_error_set(err, FR_EFORMAT, path, 1, "empty file: no header row");
		goto done;
	}
	if (rc < 0)
		goto done;

	/* The header: find the columns, refuse duplicates and blanks. */
	n_cols = fr_csv_field_count(csv);
	task_col = calloc(n_cols + n_tasks + 1, sizeof(*task_col));
	header = calloc(n_cols + 1, sizeof(*header));
	ds->tasks = calloc(n_cols + n_tasks + 1, sizeof(*ds->tasks));
	ds->labels = calloc(n_cols + n_tasks + 1, sizeof(*ds->labels));
	if (!task_col || !header || !ds->tasks || !ds->labels) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "%s", oom);
		goto done;
	}
	if ((rc = check_row(csv, NULL, n_cols, fr_csv_line(csv), path, err)) < 0)
		goto done;
	/* Before the names: Excel's "sep=," reads as a column without one. */
	if (fr_csv_is_sep_line(csv)) {
		rc = fr_csv_no_text_column(csv, err);
		goto done;
	}
	for (size_t i = 0; i < n_cols; i++) {
		size_t len = 0;
		const char *name = fr_csv_value(csv, i, &len);
		if ((header[i] = strdup(name)) == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "%s", oom);
			goto done;
		}
		if (name[0] == '\0') {
			rc = fr_error_set(err, FR_EFORMAT, path, 1, "column %zu has no name in the header", i + 1);
			goto done;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(name, header[j]) == 0) {
				rc = fr_error_set(err, FR_EFORMAT, path, 1, "column '%s' appears twice in the header", name);
				goto done;
			}
		}
		if (strcmp(name, "text") == 0)
			text_col = i;
		else if (strcmp(name, "id") == 0)
			id_col = i;
		else if (strcmp(name, "document") == 0 ||
		         ((strcmp(name, "doc") == 0 || strcmp(name, "group") == 0) && doc_col == (size_t)-1))
			doc_col = i;
	}
	/* framer's own output, used as labeled data: evaluate warns that its
	 * labels are the model's unless checked, train when a later file
	 * replaces its rows (corrections given before the base). */
	for (size_t i = 0; i < n_cols && ds->framer_output == NULL; i++) {
		size_t of = about_which(header[i], header, n_cols);
		if (of < n_cols)
			ds->framer_output = column_about(header[i], header[of]);
	}
	/* Without tasks: every column that is not metadata, nor framer's own
	 * column about another one (labels.csv's stance_confidence beside its
	 * stance), nor, in a later file, about a task of the set so far. */
	for (size_t i = 0; tasks == NULL && i < n_cols; i++) {
		const char *name = header[i];
		if (is_meta(name) || about_which(name, header, n_cols) < n_cols ||
		    (set && about_which(name, set->tasks, set->n_tasks) < set->n_tasks))
			continue;
		task_col[ds->n_tasks] = i;
		ds->tasks[ds->n_tasks] = strdup(name);
		if (ds->tasks[ds->n_tasks++] == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "%s", oom);
			goto done;
		}
	}
	if (text_col == (size_t)-1 && !later) {
		rc = fr_csv_no_text_column(csv, err);
		goto done;
	}
	/* labels.csv's doc is the input file's name for a record without a
	 * document ("week.csv"): handed over as corrections, it would move every
	 * row it corrects into one made-up document, splitting their articles
	 * across folds. Its rows keep their documents; new ones still take it. */
	int doc_overrides = 1;
	for (size_t i = 0; later && doc_col != (size_t)-1 && i < n_cols; i++)
		if (strcmp(header[doc_col], "doc") == 0 && strcmp(header[i], "para") == 0)
			doc_overrides = 0;
	for (size_t t = 0; tasks && t < n_tasks; t++) {
		size_t col = n_cols;
		for (size_t i = 0; i < n_cols; i++)
			if (strcmp(tasks[t], header[i]) == 0)
				col = i;
		if ((later || missing) && col == n_cols)
			col = (size_t)-1;
		else if (col == text_col) {
			rc = fr_error_set(err, FR_ENOTFOUND, path, 1, "'%s' is the text column, not a label column",
			                  tasks[t]);
			goto done;
		} else if (col == n_cols) {
			size_t near = near_column((const char *const *)header, n_cols, tasks[t]);
			if (near < n_cols)
				rc = fr_error_set(err, FR_ENOTFOUND, path, 1, "no label column '%s' in the header: column "
				                  "%zu is named '%.*s' (names are exact)", tasks[t], near + 1,
				                  fr_utf8_fit_str(header[near], 64), header[near]);
			else
				rc = fr_error_set(err, FR_ENOTFOUND, path, 1, "no label column '%s' in the header", tasks[t]);
			goto done;
		}
		/* Twice the same task would give two outputs under one name. */
		for (size_t u = 0; u < t; u++) {
			if (strcmp(tasks[u], tasks[t]) == 0) {
				rc = fr_error_set(err, FR_EINVALID, path, 1, "task '%s' is named twice", tasks[t]);
				goto done;
			}
		}
		/* So would a task named like a column framer writes; and a column
		 * framer wrote about another one is no label, asked for or not. */
		size_t of = later ? n_cols : about_which(tasks[t], header, n_cols);
		if (of < n_cols) {
			rc = fr_error_set(err, FR_EFORMAT, path, 1,
			                  "'%s' is %s's column about task '%s', not a label column "
			                  "(rename the column to train on it)",
			                  tasks[t], column_about(tasks[t], header[of]), header[of]);
			goto done;
		}
		if (!later && (rc = fr_dataset_check_task_name(tasks[t], (const char *const *)ds->tasks, ds->n_tasks, path, err)) < 0)
			goto done;
		if (missing)
			missing[t] = col != (size_t)-1 ? 0
			             : near_column((const char *const *)header, n_cols, tasks[t]) < n_cols
			                 ? FR_DATASET_NEAR_COLUMN : 1;
		task_col[ds->n_tasks] = col;
		ds->tasks[ds->n_tasks] = strdup(tasks[t]);
		if (ds->tasks[ds->n_tasks++] == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "%s", oom);
			goto done;
		}
	}
	/* A test file may lack some of the tasks, not all: it would score nothing. */
	size_t absent = 0;
	for (size_t t = 0; missing && t < n_tasks; t++)
		absent += missing[t] != 0;
	if (missing && n_tasks > 0 && absent == n_tasks) {
		char names[160] = "";
		for (size_t t = 0, at = 0; t < n_tasks && at < sizeof(names); t++)
			at += (size_t)snprintf(names + at, sizeof(names) - at, "%s'%s'", t ? ", " : "", tasks[t]);
		rc = fr_error_set(err, FR_ENOTFOUND, path, 1, n_tasks == 1 ? "no label column %s in the header"
		                  : "no label column in the header for any of the tasks %s", names);
		goto done;
	}
	if (ds->n_tasks == 0 && !later) {
		rc = fr_error_set(err, FR_EFORMAT, path, 1,
		                  "no label column in the header (name one with --task)");
		goto done;
	}

	/* The rows. */
	while ((rc = fr_csv_next(csv, err)) == 0) {
		size_t line = fr_csv_line(csv), tlen = 0;
		if (fr_csv_field_count(csv) != n_cols) {
			rc = fr_error_set(err, FR_EFORMAT, path, line, "row has %zu fields, the header has %zu",
			                  fr_csv_field_count(csv), n_cols);
			goto done;
		}
		if ((rc = check_row(csv, (const char *const *)header, n_cols, line, path, err)) < 0)
			goto done;
		const char *text = text_col != (size_t)-1 ? fr_csv_value(csv, text_col, &tlen) : NULL;
		/* Spaces alone are no text: left out as an empty one, not
		 * trained as a paragraph without a word. */
		const char *visible = text;
		size_t vlen = tlen;
		if (text != NULL)
			fr_trim_blank(&visible, &vlen);
		if (vlen == 0)
			tlen = 0;
		if (tlen == 0 && !later) {
			ds->empty_texts++;
			continue;
		}
		if (reserve_rows(ds, &cap, ds->n_rows + 1) < 0) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "%s", oom);
			goto done;
		}
		size_t r = ds->n_rows, len = 0;
		/* The id the header promises when there is none: "<file>:<line>". */
		char fallback[320];
		snprintf(fallback, sizeof(fallback), "%.256s:%zu", base, line);
		const char *id = id_col != (size_t)-1 ? fr_csv_value(csv, id_col, &len) : NULL;
		if (id == NULL || len == 0) {
			id = fallback;
			len = strlen(fallback);
		}
		ds->given[r] = id != fallback ? FR_DATASET_ID_GIVEN : 0;
		ds->ids[r] = dup_field(id, len);
		const char *doc = doc_col != (size_t)-1 ? fr_csv_value(csv, doc_col, &len) : NULL;
		if (doc == NULL || len == 0) {
			/* framer's own ids are "<document>#<n>": review.csv leaves the
			 * document of a batch record without one empty, and its queue
			 * tells such paragraphs apart by the id's part before '#'. So
			 * does training, or one article's paragraphs would fall into
			 * different folds as documents of their own. */
			doc = ds->ids[r] ? ds->ids[r] : "";
			len = strlen(doc);
			size_t part = strcspn(doc, "#");
			if ((ds->given[r] & FR_DATASET_ID_GIVEN) && part > 0)
				len = part;
		} else if (doc_overrides) {
			ds->given[r] |= FR_DATASET_DOC_GIVEN;
		}
		ds->docs[r] = dup_field(doc, len);
		ds->texts[r] = tlen ? dup_field(text, tlen) : NULL;
		ds->text_lens[r] = tlen;
		ds->lines[r] = line;
		ds->files[r] = 0;
		int ok = ds->ids[r] && ds->docs[r] && (tlen == 0 || ds->texts[r]);
		for (size_t t = 0; t < ds->n_tasks; t++) {
			len = 0;
			const char *cell = task_col[t] != (size_t)-1 ? fr_csv_value(csv, task_col[t], &len) : NULL;
			size_t raw_len = 0;
			const char *why = NULL, *raw = cell ? fr_csv_field(csv, task_col[t], &raw_len) : NULL;
			/* " neutral" and "neutral" are one label; a blank cell is
			 * an empty one, not a label "   ". A control character
			 * is counted in the cell as the file has it, as check_row
			 * counts bad bytes. */
			if (cell != NULL)
				fr_trim_blank(&cell, &len);
			size_t ctl = len ? label_control_at(cell, len) : 0;
			if (ctl < len) {
				for (size_t u = t; u < ds->n_tasks; u++)
					ds->labels[u][r] = NULL;
				ds->n_rows++;
				rc = fr_error_set(err, FR_EFORMAT, path, line, "column '%s': a control character (0x%02x) at "
				                  "byte %zu of the cell; a label is one line of printable text", ds->tasks[t],
				                  (unsigned char)cell[ctl] == 0xC2 ? (unsigned char)cell[ctl + 1]
				                                                   : (unsigned char)cell[ctl],
				                  (size_t)(cell - raw) + ctl);
				goto done;
			}
			ds->labels[t][r] = len ? label_cell(cell, len, &why) : NULL;
			if (why) {
				for (size_t u = t + 1; u < ds->n_tasks; u++)
					ds->labels[u][r] = NULL;
				ds->n_rows++;
				rc = fr_error_set(err, FR_EFORMAT, path, line, "column '%s': %s", ds->tasks[t], why);
				goto done;
			}
			ok = ok && (len == 0 || ds->labels[t][r]);
		}
		ds->n_rows++;
		if (!ok) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "%s", oom);
			goto done;
		}
	}
	if (rc != FR_ITEROVER)
		goto done;
	rc = 0;
	if (ds->n_rows == 0 && !later)
		rc = fr_error_set(err, FR_EFORMAT, path, 2, ds->empty_texts ? "every text is empty"
		                                                               : "no rows after the header");
	if (rc == 0)
		rc = check_unique_ids(ds, path, err);
done:
	for (size_t i = 0; header && i < n_cols; i++)
		free(header[i]);
	free(header);
	free(task_col);
	fr_csv_free(csv);
	return rc;
}

int fr_dataset_load(fr_dataset *ds, const char *path, const char *const *tasks,
                    size_t n_tasks, fr_error *err)
{
	return fr_dataset_load_files(ds, &path, 1, tasks, n_tasks, err);
}

/* Adds an unlabeled task column named name, first seen in file number
 * `file`, to ds, whose arrays hold cap rows. */
static int add_task(fr_dataset *ds, size_t cap, const char *name, size_t file)
{
	char **tasks = realloc(ds->tasks, (ds->n_tasks + 1) * sizeof(*tasks));
	if (tasks == NULL)
		return FR_ENOMEM;
	ds->tasks = tasks;
	size_t *files = realloc(ds->task_files, (ds->n_tasks + 1) * sizeof(*files));
	if (files == NULL)
		return FR_ENOMEM;
	if (ds->task_files == NULL)
		memset(files, 0, ds->n_tasks * sizeof(*files));
	ds->task_files = files;
	files[ds->n_tasks] = file;
	char ***labels = realloc(ds->labels, (ds->n_tasks + 1) * sizeof(*labels));
	if (labels == NULL)
		return FR_ENOMEM;
	ds->labels = labels;
	char **col = calloc(cap ? cap : 1, sizeof(*col));
	char *copy = strdup(name);
	if (col == NULL || copy == NULL) {
		free(col);
		free(copy);
		return FR_ENOMEM;
	}
	ds->tasks[ds->n_tasks] = copy;
	ds->labels[ds->n_tasks++] = col;
	return 0;
}

/* While files merge, per row: the file that last gave it a label, and
 * whether a plain file changed a label that a file in framer's output
 * layout (corrections) had given, which file, line and which output: for
 * train's warning on corrections given before the base. NONE: no file. */
#define NONE ((size_t)-1)
typedef struct {
	size_t label_file;
	size_t lost_to, lost_line, lost_of;
} label_origin;

typedef struct {
	label_origin *rows;
	size_t cap;
	const char **outputs; /* per file, the framer output whose layout it has, or NULL */
} origins;

/* Whether row r of src changes a label row d of ds has. */
static int changes_a_label(const fr_dataset *ds, size_t d, const fr_dataset *src, size_t r, const size_t *task_map)
{
	for (size_t t = 0; t < src->n_tasks; t++) {
		const char *now = ds->labels[task_map[t]][d], *given = src->labels[t][r];
		if (now != NULL && given != NULL && strcmp(now, given) != 0)
			return 1;
	}
	return 0;
}

/* Row d is about to take src's row r's labels (file `file`). */
static void note_label_origin(label_origin *o, const fr_dataset *ds, size_t d, const fr_dataset *src, size_t r,
                              size_t file, const size_t *task_map, const origins *og)
{
	int gives = 0;
	for (size_t t = 0; t < src->n_tasks; t++)
		gives |= src->labels[t][r] != NULL;
	if (!gives)
		return;
	if (o->label_file != NONE && changes_a_label(ds, d, src, r, task_map)) {
		if (og->outputs[file] == NULL && og->outputs[o->label_file] != NULL) {
			o->lost_to = file;
			o->lost_line = src->lines[r];
			o->lost_of = o->label_file;
		} else if (og->outputs[file] != NULL) {
			o->lost_to = NONE; /* corrections again, after the plain file */
		}
	}
	o->label_file = file;
}

/* Moves the rows of src (file number `file`) into ds: overrides by id, or
 * appends. `by_id` maps ds's given ids to a slot of row_of (the last row with
 * that id). */
static int merge(fr_dataset *ds, size_t *cap, fr_dataset *src, size_t file, fr_strmap *by_id,
                 size_t **row_of, size_t *row_of_cap, origins *og, fr_error *err)
{
	const char *path = ds->paths[file];
	size_t map[64 + 1];
	size_t *task_map = src->n_tasks <= 64 ? map : malloc(src->n_tasks * sizeof(*task_map));
	int rc = 0;
	if (task_map == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t t = 0; t < src->n_tasks; t++) {
		int u = fr_dataset_task_index(ds, src->tasks[t]);
		if (u < 0 && (rc = fr_dataset_check_task_name(src->tasks[t], (const char *const *)ds->tasks,
		                                             ds->n_tasks, path, err)) < 0)
			goto done;
		if (u < 0) {
			if (add_task(ds, *cap, src->tasks[t], file) < 0) {
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
				goto done;
			}
			u = (int)ds->n_tasks - 1;
		}
		task_map[t] = (size_t)u;
	}
	for (size_t r = 0; r < src->n_rows; r++) {
		int64_t slot = (src->given[r] & FR_DATASET_ID_GIVEN)
		                   ? fr_strmap_find(by_id, src->ids[r], strlen(src->ids[r])) : -1;
		size_t d;
		if (slot >= 0) {
			d = (*row_of)[slot];
			ds->overridden++;
		} else if (src->texts[r] == NULL) {
			if (src->given[r] & FR_DATASET_ID_GIVEN) {
				rc = fr_error_set(err, FR_EFORMAT, path, src->lines[r],
				                  "no text, and no earlier row has the id '%.*s'", fr_utf8_fit_str(src->ids[r], 64),
				                  src->ids[r]);
				goto done;
			}
			ds->empty_texts++;
			continue;
		} else {
			if (reserve_rows(ds, cap, ds->n_rows + 1) < 0) {
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
				goto done;
			}
			d = ds->n_rows++;
			ds->added++;
			if (fr_grow((void **)&og->rows, &og->cap, d + 1, sizeof(*og->rows)) < 0) {
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
				goto done;
			}
			og->rows[d] = (label_origin){ NONE, NONE, 0, 0 };
			ds->ids[d] = src->ids[r];
			ds->docs[d] = src->docs[r];
			ds->texts[d] = src->texts[r];
			ds->text_lens[d] = src->text_lens[r];
			ds->given[d] = src->given[r];
			src->ids[r] = src->docs[r] = src->texts[r] = NULL;
			for (size_t t = 0; t < ds->n_tasks; t++)
				ds->labels[t][d] = NULL;
			if (ds->given[d] & FR_DATASET_ID_GIVEN) {
				uint32_t s = 0;
				if (fr_strmap_intern(by_id, ds->ids[d], strlen(ds->ids[d]), &s) < 0 ||
				    fr_grow((void **)row_of, row_of_cap, (size_t)s + 1, sizeof(size_t)) < 0) {
					rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
					goto done;
				}
				(*row_of)[s] = d;
			}
		}
		if (slot >= 0 && src->texts[r] != NULL) {
			free(ds->texts[d]);
			ds->texts[d] = src->texts[r];
			ds->text_lens[d] = src->text_lens[r];
			src->texts[r] = NULL;
		}
		if (slot >= 0 && (src->given[r] & FR_DATASET_DOC_GIVEN)) {
			free(ds->docs[d]);
			ds->docs[d] = src->docs[r];
			ds->given[d] |= FR_DATASET_DOC_GIVEN;
			src->docs[r] = NULL;
		}
		note_label_origin(&og->rows[d], ds, d, src, r, file, task_map, og);
		for (size_t t = 0; t < src->n_tasks; t++) {
			if (src->labels[t][r] == NULL)
				continue;
			free(ds->labels[task_map[t]][d]);
			ds->labels[task_map[t]][d] = src->labels[t][r];
			src->labels[t][r] = NULL;
		}
		ds->lines[d] = src->lines[r];
		ds->files[d] = file;
	}
done:
	if (task_map != map)
		free(task_map);
	return rc;
}

/* missing: NULL, or (one file, tasks given) where to say which tasks'
 * columns the file lacks, which are then kept unlabeled. */
static int load_files(fr_dataset *ds, const char *const *paths, size_t n_paths,
                      const char *const *tasks, size_t n_tasks, unsigned char *missing, fr_error *err)
{
	int rc = 0;
	fr_dataset later;
	fr_strmap *by_id = NULL;
	size_t *row_of = NULL, row_of_cap = 0, cap = 0;
	origins og = { NULL, 0, NULL };
	fr_dataset_init(&later);
	if (n_paths == 0)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "no labeled file to read");
	ds->paths = calloc(n_paths, sizeof(*ds->paths));
	if (ds->paths == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < n_paths; i++) {
		if ((ds->paths[i] = strdup(paths[i])) == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		ds->n_paths++;
	}
	rc = load_one(ds, paths[0], tasks, n_tasks, NULL, missing, err);
	if (rc < 0 || n_paths == 1)
		return rc;
	/* The arrays were grown by doubling from 256; merging needs to know. */
	cap = 256;
	while (cap < ds->n_rows)
		cap *= 2;
	if (fr_strmap_new(&by_id, ds->n_rows, err) < 0)
		return FR_ENOMEM;
	if ((og.outputs = calloc(n_paths, sizeof(*og.outputs))) == NULL ||
	    fr_grow((void **)&og.rows, &og.cap, ds->n_rows, sizeof(*og.rows)) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	og.outputs[0] = ds->framer_output;
	for (size_t r = 0; r < ds->n_rows; r++) {
		og.rows[r] = (label_origin){ NONE, NONE, 0, 0 };
		for (size_t t = 0; t < ds->n_tasks; t++)
			if (ds->labels[t][r] != NULL)
				og.rows[r].label_file = 0;
	}
	for (size_t r = 0; r < ds->n_rows; r++) {
		uint32_t s = 0;
		if (!(ds->given[r] & FR_DATASET_ID_GIVEN))
			continue;
		if (fr_strmap_intern(by_id, ds->ids[r], strlen(ds->ids[r]), &s) < 0 ||
		    fr_grow((void **)&row_of, &row_of_cap, (size_t)s + 1, sizeof(size_t)) < 0) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		row_of[s] = r;
	}
	for (size_t f = 1; f < n_paths; f++) {
		rc = load_one(&later, paths[f], tasks, n_tasks, ds, NULL, err);
		og.outputs[f] = later.framer_output;
		if (rc == 0)
			rc = merge(ds, &cap, &later, f, by_id, &row_of, &row_of_cap, &og, err);
		fr_dataset_dispose(&later);
		if (rc < 0)
			goto done;
	}
	/* Corrections lost to a plain file after them, as the rows end up:
	 * counted, and the first in the files' order named. */
	for (size_t r = 0; r < ds->n_rows; r++) {
		const label_origin *o = &og.rows[r];
		if (o->lost_to == NONE)
			continue;
		if (ds->outputs_replaced.rows++ == 0 || o->lost_to < ds->outputs_replaced.file ||
		    (o->lost_to == ds->outputs_replaced.file && o->lost_line < ds->outputs_replaced.line)) {
			ds->outputs_replaced.file = o->lost_to;
			ds->outputs_replaced.line = o->lost_line;
			ds->outputs_replaced.of_file = o->lost_of;
			ds->outputs_replaced.layout = og.outputs[o->lost_of];
		}
	}
done:
	fr_strmap_free(by_id);
	free(row_of);
	free(og.rows);
	free(og.outputs);
	fr_dataset_dispose(&later);
	return rc;
}

int fr_dataset_load_files(fr_dataset *ds, const char *const *paths, size_t n_paths,
                          const char *const *tasks, size_t n_tasks, fr_error *err)
{
	return load_files(ds, paths, n_paths, tasks, n_tasks, NULL, err);
}

int fr_dataset_load_test(fr_dataset *ds, const char *path, const char *const *tasks,
                         size_t n_tasks, unsigned char *missing_out, fr_error *err)
{
	if (tasks == NULL || n_tasks == 0)
		return fr_error_set(err, FR_EINVALID, path, 0, "no task to score");
	return load_files(ds, &path, 1, tasks, n_tasks, missing_out, err);
}
