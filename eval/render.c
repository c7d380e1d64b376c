/* Markdown and HTML renderings of an evaluation report (see render.h).
 *
 * Both formats are written by the same section functions (provenance, per
 * label, averages, confusion, cross-validation, calibration, review
 * thresholds, terms, mistakes), which speak through a few block primitives
 * (heading, paragraph, list, table) that know the two syntaxes. The HTML
 * page adds three inline SVG charts on top of the shared content.
 *
 * Every string that comes from the report goes through put_text (or a table
 * cell, which ends there too) and is escaped for the format: HTML entities,
 * or Markdown backslash escapes. Runs of whitespace and control characters
 * in data fold to one space, so a newline in a paragraph can end neither a
 * table row nor a list item. Only our own literals are written raw.
 *
 * Errors are sticky: every writer is a no-op once the render holds an error,
 * so sections are written straight through and the caller gets the first
 * failure. Numbers have fixed decimals (3 for scores, 1 for percentages) and
 * are formatted in the "C" locale, so the same report renders to the same
 * bytes. */
#include "render.h"

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/fr_error.h"

typedef enum { FMT_MARKDOWN, FMT_HTML } render_format;

typedef struct render {
	FILE *fp;              /* borrowed */
	render_format format;
	int rc;                /* 0, or the first error (FR_EIO, FR_ENOMEM) */
	const char *heading;   /* borrowed, the last heading() title: a table's caption */
	const char *task;      /* borrowed, the task whose section is being written, or NULL */
} render;

/* Printed for a number the report does not have. */
#define MISSING "\u2013"

/* What the cross-validation ran on: the training data; other data (--train
 * files that are not the model's); or the training data a tuned model's
 * settings were chosen on, which makes its figures optimistic. */
typedef enum { CV_ON_TRAINING, CV_ON_OTHER_DATA, CV_ON_TUNING_DATA } cv_data;

/* ------------------------------------------------------------------ */
/* Raw output: markup and words of our own, never data.                */

static void out_raw(render *r, const char *s)
{
	if (r->rc == 0 && fputs(s, r->fp) == EOF)
		r->rc = FR_EIO;
}

static void out_byte(render *r, int c)
{
	if (r->rc == 0 && putc(c, r->fp) == EOF)
		r->rc = FR_EIO;
}

static void out_fmt(render *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_fmt(render *r, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (r->rc != 0)
		return;
	va_start(ap, fmt);
	n = vfprintf(r->fp, fmt, ap);
	va_end(ap);
	if (n < 0)
		r->rc = FR_EIO;
}

/* ------------------------------------------------------------------ */
/* Data text: folded whitespace, escaped per format.                   */

static int text_is_fold(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

/* s without its leading whitespace; "" for NULL. */
static const char *text_begin(const char *s)
{
	if (s == NULL)
		return "";
	while (*s != '\0' && text_is_fold((unsigned char)*s))
		s++;
	return s;
}

/* The next byte of the folded text at *p, advancing *p: a run of whitespace
 * or control characters is one space, and none is returned at the end.
 * -1 when the text is over. */
static int text_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;

	if (*s == '\0')
		return -1;
	if (!text_is_fold(*s)) {
		*p = (const char *)(s + 1);
		return *s;
	}
	while (*s != '\0' && text_is_fold(*s))
		s++;
	*p = (const char *)s;
	return *s == '\0' ? -1 : ' ';
}

static int text_peek(const char *p)
{
	return text_next(&p);
}

/* Characters (code points) of the folded text, for layout. */
static size_t text_columns(const char *s)
{
	const char *p = text_begin(s);
	size_t n = 0;
	int c = 0;

	while ((c = text_next(&p)) >= 0)
		if ((c & 0xc0) != 0x80)
			n++;
	return n;
}

static int md_is_word(int c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

#define MD_LINE_START 1 /* the text opens a line (a block quote's body) */

/* Writes s as Markdown text (when r is not NULL) and returns the columns it
 * takes. Backslash-escapes what Markdown would act on: \ ` * [ ] < > | ~
 * always (no raw HTML, no link, no emphasis, no table cell break), _ unless
 * it sits inside a word (pro_ukraine stays readable), & when an entity could
 * follow, and with MD_LINE_START a first character that would open a
 * heading, list or quote. */
static size_t md_text(render *r, const char *s, int flags)
{
	const char *p = text_begin(s);
	size_t cols = 0;
	size_t pos = 0;
	int prev = -1;
	int digits_only = 1;
	int c = 0;

	while ((c = text_next(&p)) >= 0) {
		int next = text_peek(p);
		int esc = 0;

		switch (c) {
		case '\\': case '`': case '*': case '[': case ']':
		case '<': case '>': case '|': case '~':
			esc = 1;
			break;
		case '_':
			esc = !(md_is_word(prev) && md_is_word(next));
			break;
		case '&':
			esc = next == '#' || (next >= 0 && next < 0x80 && md_is_word(next));
			break;
		case '#': case '-': case '+': case '=':
			esc = (flags & MD_LINE_START) && pos == 0;
			break;
		case '.': case ')':
			esc = (flags & MD_LINE_START) && pos > 0 && digits_only;
			break;
		default:
			break;
		}
		if (esc) {
			cols++;
			if (r != NULL)
				out_byte(r, '\\');
		}
		if ((c & 0xc0) != 0x80)
			cols++;
		if (r != NULL)
			out_byte(r, c);
		digits_only = digits_only && c >= '0' && c <= '9';
		prev = c;
		pos++;
	}
	return cols;
}

/* Writes s HTML-escaped, fit for element content and quoted attributes,
 * SVG <text> included. ':' is escaped too, so that no "http:" or "https:"
 * from the data can appear in the page's source. */
static void html_text(render *r, const char *s)
{
	const char *p = text_begin(s);
	int c = 0;

	while ((c = text_next(&p)) >= 0) {
		switch (c) {
		case '&': out_raw(r, "&amp;"); break;
		case '<': out_raw(r, "&lt;"); break;
		case '>': out_raw(r, "&gt;"); break;
		case '"': out_raw(r, "&quot;"); break;
		case '\'': out_raw(r, "&#39;"); break;
		case ':': out_raw(r, "&#58;"); break;
		default: out_byte(r, c); break;
		}
	}
}

/* A data string as text; MISSING for NULL. */
static void put_text(render *r, const char *s)
{
	if (s == NULL)
		s = MISSING;
	if (r->format == FMT_HTML)
		html_text(r, s);
	else
		md_text(r, s, 0);
}

/* A data string that names a file or a hash: <code> in HTML, a code span
 * in Markdown when it holds no backtick (else plain escaped text). */
static void put_code(render *r, const char *s)
{
	const char *p = text_begin(s);
	int c = 0;

	if (s == NULL) {
		out_raw(r, MISSING);
		return;
	}
	if (r->format == FMT_HTML) {
		out_raw(r, "<code>");
		html_text(r, s);
		out_raw(r, "</code>");
		return;
	}
	if (strchr(s, '`') != NULL) {
		md_text(r, s, 0);
		return;
	}
	out_byte(r, '`');
	while ((c = text_next(&p)) >= 0)
		out_byte(r, c);
	out_byte(r, '`');
}

/* Our own prose, with **bold** marked as in Markdown. It holds none of
 * HTML's special characters. */
static void out_prose(render *r, const char *s)
{
	int strong = 0;

	for (; *s != '\0'; s++) {
		if (s[0] == '*' && s[1] == '*') {
			if (r->format == FMT_HTML)
				out_raw(r, strong ? "</strong>" : "<strong>");
			else
				out_raw(r, "**");
			strong = !strong;
			s++;
		} else {
			out_byte(r, (unsigned char)*s);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Numbers.                                                            */

typedef struct numbuf {
	char s[64];
} numbuf;

static int num_get(const json_t *v, double *out)
{
	if (!json_is_number(v))
		return 0;
	*out = json_number_value(v);
	return 1;
}

/* A score (precision, F1, confidence, weight): 3 decimals. */
static const char *fmt_score(numbuf *b, const json_t *v)
{
	double x = 0.0;

	if (!num_get(v, &x))
		return MISSING;
	if (fabs(x) < 0.0005)
		x = 0.0; /* no "-0.000" */
	snprintf(b->s, sizeof(b->s), "%.3f", x);
	return b->s;
}

/* A confidence cut: 3 decimals, or as many more as it takes to print the
 * number itself (report.c makes it the shortest decimal that splits the
 * paragraphs as the table says). */
static const char *fmt_cut(numbuf *b, const json_t *v)
{
	double x = 0.0;

	if (!num_get(v, &x))
		return MISSING;
	for (int d = 3; d <= 17; d++) {
		snprintf(b->s, sizeof(b->s), "%.*f", d, x);
		if (strtod(b->s, NULL) == x)
			break;
	}
	return b->s;
}

/* A share in [0, 1] as a percentage: 1 decimal. */
static const char *fmt_share(numbuf *b, double x)
{
	x *= 100.0;
	if (fabs(x) < 0.05)
		x = 0.0;
	snprintf(b->s, sizeof(b->s), "%.1f%%", x);
	return b->s;
}

static const char *fmt_pct(numbuf *b, const json_t *v)
{
	double x = 0.0;

	if (!num_get(v, &x))
		return MISSING;
	return fmt_share(b, x);
}

/* A count (support, rows): no decimals. */
static const char *fmt_count(numbuf *b, const json_t *v)
{
	double x = 0.0;

	if (!num_get(v, &x))
		return MISSING;
	snprintf(b->s, sizeof(b->s), "%.0f", x);
	return b->s;
}

/* "mean ± std" of two scores; the mean alone when std is missing. */
static const char *fmt_spread(numbuf *b, const json_t *mean, const json_t *std)
{
	numbuf m = { "" };
	numbuf s = { "" };
	double x = 0.0;

	if (!num_get(mean, &x))
		return MISSING;
	if (!num_get(std, &x))
		return fmt_score(b, mean);
	snprintf(b->s, sizeof(b->s), "%s \u00b1 %s", fmt_score(&m, mean), fmt_score(&s, std));
	return b->s;
}

/* ------------------------------------------------------------------ */
/* JSON access: NULL-safe, NULL for what is not there. (jansson's object
 * iterators take a non-const json_t but do not change it, hence the casts
 * in the json_object_foreach loops below.)                            */

/* Follows a NULL-terminated chain of object keys from v. */
static const json_t *jdig(const json_t *v, ...)
{
	va_list ap;
	const char *key = NULL;

	va_start(ap, v);
	while (v != NULL && (key = va_arg(ap, const char *)) != NULL)
		v = json_object_get(v, key);
	va_end(ap);
	return v;
}

static const char *jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static double jdouble(const json_t *v, double fallback)
{
	double x = fallback;

	num_get(v, &x);
	return x;
}

/* The task's labels in display order. */
static const json_t *task_labels(const json_t *task)
{
	return json_object_get(task, "labels");
}

static const char *label_at(const json_t *labels, size_t i)
{
	return json_string_value(json_array_get(labels, i));
}

/* The task's cross-validation figures, NULL without cross-validation. */
static int task_multilabel(const json_t *task)
{
	return json_is_true(json_object_get(task, "multilabel"));
}

static const json_t *task_cv_of(const json_t *task)
{
	const json_t *cv = json_object_get(task, "cv");
	return json_is_object(cv) ? cv : NULL;
}

/* Whether the task was scored on the test data: not when none of its rows
 * has a label for it ("scored": false, figures null). */
static int task_scored(const json_t *task)
{
	return !json_is_false(jdig(task, "test", "scored", NULL));
}

/* A label's CV F1: "mean ± std", with "(n of k folds)" when it was scored
 * in fewer than all k folds (it occurs in neither the truth nor the
 * predictions of the others), "not scored" when in none. */
static const char *fmt_cv_label_f1(numbuf *b, const json_t *cv, const char *label)
{
	const json_t *mean = jdig(cv, "mean", "labels", label, NULL);
	const json_t *folds = json_object_get(mean, "folds");
	size_t k = json_array_size(json_object_get(cv, "folds"));
	const json_t *std = jdig(cv, "std", "labels", label, "f1", NULL);
	numbuf s = { "" };
	const char *spread = NULL;
	int n = 0;

	if (json_is_integer(folds) && json_integer_value(folds) == 0)
		return "not scored";
	if (!json_is_integer(folds) || k == 0 || (size_t)json_integer_value(folds) >= k ||
	    !json_is_number(json_object_get(mean, "f1")))
		return fmt_spread(b, json_object_get(mean, "f1"), std);
	spread = fmt_spread(&s, json_object_get(mean, "f1"), std);
	n = snprintf(b->s, sizeof(b->s), "%s (%lld of %zu folds)", spread, (long long)json_integer_value(folds), k);
	return n >= 0 && (size_t)n < sizeof(b->s) ? b->s : MISSING;
}

/* Whether some label of the task was scored in some but not all of the
 * CV folds: its CV F1 carries "(n of k folds)", which needs saying. */
static int cv_label_in_some_folds(const json_t *task)
{
	const json_t *cv = task_cv_of(task);
	const json_t *labels = task_labels(task);
	size_t k = json_array_size(json_object_get(cv, "folds"));
	for (size_t i = 0; cv != NULL && i < json_array_size(labels); i++) {
		const char *label = label_at(labels, i);
		const json_t *folds = jdig(cv, "mean", "labels", label != NULL ? label : "", "folds", NULL);
		if (json_is_integer(folds) && json_integer_value(folds) > 0 && (size_t)json_integer_value(folds) < k)
			return 1;
	}
	return 0;
}

/* Count of correct predictions in a confusion matrix, or -1 without one. */
static double confusion_correct(const json_t *confusion)
{
	const json_t *matrix = json_object_get(confusion, "matrix");
	double correct = 0.0;

	if (json_array_size(matrix) == 0)
		return -1.0;
	for (size_t i = 0; i < json_array_size(matrix); i++)
		correct += jdouble(json_array_get(json_array_get(matrix, i), i), 0.0);
	return correct;
}

/* ------------------------------------------------------------------ */
/* Block primitives, one spelling per format. Markdown blocks start with
 * the blank line that separates them from the previous one.           */

static void heading_open(render *r, int level)
{
	if (r->format == FMT_HTML) {
		out_fmt(r, "<h%d>", level);
	} else {
		out_raw(r, "\n");
		for (int i = 0; i < level; i++)
			out_byte(r, '#');
		out_byte(r, ' ');
	}
}

static void heading_close(render *r, int level)
{
	if (r->format == FMT_HTML)
		out_fmt(r, "</h%d>\n", level);
	else
		out_raw(r, "\n");
}

static void heading(render *r, int level, const char *title)
{
	r->heading = title;
	heading_open(r, level);
	out_raw(r, title);
	heading_close(r, level);
}

static void para_open(render *r)
{
	out_raw(r, r->format == FMT_HTML ? "<p>" : "\n");
}

static void para_close(render *r)
{
	out_raw(r, r->format == FMT_HTML ? "</p>\n" : "\n");
}

/* A paragraph of our own prose. */
static void prose(render *r, const char *s)
{
	para_open(r);
	out_prose(r, s);
	para_close(r);
}

static void strong_open(render *r)
{
	out_raw(r, r->format == FMT_HTML ? "<strong>" : "**");
}

static void strong_close(render *r)
{
	out_raw(r, r->format == FMT_HTML ? "</strong>" : "**");
}

static void list_open(render *r)
{
	out_raw(r, r->format == FMT_HTML ? "<ul>\n" : "\n");
}

static void list_close(render *r)
{
	if (r->format == FMT_HTML)
		out_raw(r, "</ul>\n");
}

static void item_open(render *r)
{
	out_raw(r, r->format == FMT_HTML ? "<li>" : "- ");
}

static void item_close(render *r)
{
	out_raw(r, r->format == FMT_HTML ? "</li>\n" : "\n");
}

/* HTML-only wrappers: sections and side-by-side figures. */
static void html_open(render *r, const char *markup)
{
	if (r->format == FMT_HTML)
		out_raw(r, markup);
}

/* ------------------------------------------------------------------ */
/* Tables: cells are collected first (Markdown pads columns to one width
 * so the table reads in a terminal), then written in either format.    */

typedef struct table {
	size_t ncols;
	const char *const *head;   /* borrowed, ncols titles */
	const char *align;         /* borrowed, 'l' or 'r' per column */
	const char *caption;       /* borrowed, HTML caption; NULL for the last heading's title */
	char **cells;              /* owned, nrows * ncols, NULL for empty */
	unsigned char *strong;     /* owned, per row */
	size_t nrows, cap;
	size_t filled;             /* cells of the last row so far */
} table;

static void table_init(table *t, size_t ncols, const char *const *head, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->head = head;
	t->align = align;
}

static void table_dispose(table *t)
{
	for (size_t i = 0; t->cells != NULL && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->strong);
	memset(t, 0, sizeof(*t));
}

/* Starts a row; strong rows (averages, means) are set in bold. */
static void table_row(render *r, table *t, int strong)
{
	char **cells = NULL;
	unsigned char *flags = NULL;
	size_t cap = 0;

	if (r->rc != 0)
		return;
	if (t->nrows == t->cap) {
		cap = t->cap ? t->cap * 2 : 8;
		cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));
		if (cells == NULL) {
			r->rc = FR_ENOMEM;
			return;
		}
		t->cells = cells;
		flags = realloc(t->strong, cap);
		if (flags == NULL) {
			r->rc = FR_ENOMEM;
			return;
		}
		t->strong = flags;
		t->cap = cap;
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = NULL;
	t->strong[t->nrows] = strong != 0;
	t->nrows++;
	t->filled = 0;
}

/* Appends a cell to the current row; its text is data and gets escaped. */
static void table_cell(render *r, table *t, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void table_cell(render *r, table *t, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n = 0;

	if (r->rc != 0 || t->nrows == 0 || t->filled >= t->ncols)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->rc = FR_ERROR;
		return;
	}
	s = malloc((size_t)n + 1);
	if (s == NULL) {
		r->rc = FR_ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->cells[(t->nrows - 1) * t->ncols + t->filled] = s;
	t->filled++;
}

static void table_text(render *r, table *t, const char *s)
{
	table_cell(r, t, "%s", s != NULL ? s : MISSING);
}

static const char *table_at(const table *t, size_t row, size_t col)
{
	const char *s = t->cells[row * t->ncols + col];
	return s != NULL ? s : "";
}

static void table_write_markdown(render *r, const table *t)
{
	size_t *width = NULL;

	if (r->rc != 0)
		return;
	width = calloc(t->ncols, sizeof(*width));
	if (width == NULL) {
		r->rc = FR_ENOMEM;
		return;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		width[c] = md_text(NULL, t->head[c], 0);
		for (size_t i = 0; i < t->nrows; i++) {
			size_t w = md_text(NULL, table_at(t, i, c), 0);
			if (w > 0 && t->strong[i])
				w += 4;
			if (w > width[c])
				width[c] = w;
		}
	}
	out_raw(r, "\n");
	/* Line 0 is the header, line i the table's row i - 1. */
	for (size_t i = 0; i <= t->nrows; i++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = i == 0 ? t->head[c] : table_at(t, i - 1, c);
			int strong = i > 0 && t->strong[i - 1] && *text_begin(s) != '\0';
			size_t w = md_text(NULL, s, 0) + (strong ? 4 : 0);

			out_raw(r, "| ");
			for (size_t pad = w; t->align[c] == 'r' && pad < width[c]; pad++)
				out_byte(r, ' ');
			if (strong)
				out_raw(r, "**");
			md_text(r, s, 0);
			if (strong)
				out_raw(r, "**");
			for (size_t pad = w; t->align[c] != 'r' && pad < width[c]; pad++)
				out_byte(r, ' ');
			out_byte(r, ' ');
		}
		out_raw(r, "|\n");
		if (i == 0) {
			for (size_t c = 0; c < t->ncols; c++) {
				out_raw(r, t->align[c] == 'r' ? "|" : "|:");
				for (size_t d = 0; d < width[c] + 1; d++)
					out_byte(r, '-');
				out_raw(r, t->align[c] == 'r' ? ":" : "");
			}
			out_raw(r, "|\n");
		}
	}
	free(width);
}

/* The HTML <caption>: the table's own, or the title of the heading above
 * it, with the task it belongs to ("Per label (task stance)"), so that a
 * screen reader's list of tables tells them apart. Markdown has none: its
 * heading already stands right above the table. */
static void table_write_caption(render *r, const table *t)
{
	const char *caption = t->caption != NULL ? t->caption : r->heading;

	if (caption == NULL)
		return;
	out_raw(r, "<caption>");
	out_raw(r, caption);
	if (r->task != NULL) {
		out_raw(r, " (task ");
		html_text(r, r->task);
		out_raw(r, ")");
	}
	out_raw(r, "</caption>\n");
}

static void table_write_html(render *r, const table *t, const char *cls)
{
	out_fmt(r, "<table class=\"%s\">\n", cls);
	table_write_caption(r, t);
	out_raw(r, "<thead><tr>");
	for (size_t c = 0; c < t->ncols; c++) {
		out_raw(r, t->align[c] == 'r' ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
		html_text(r, t->head[c]);
		out_raw(r, "</th>");
	}
	out_raw(r, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < t->nrows; i++) {
		out_raw(r, t->strong[i] ? "<tr class=\"strong\">" : "<tr>");
		for (size_t c = 0; c < t->ncols; c++) {
			const char *tag = c == 0 ? "th" : "td";
			/* <strong>, like Markdown's **, so the row stands out
			 * without the stylesheet too. */
			int strong = t->strong[i] && *text_begin(table_at(t, i, c)) != '\0';

			out_fmt(r, "<%s%s%s>", tag, c == 0 ? " scope=\"row\"" : "",
			        t->align[c] == 'r' ? " class=\"num\"" : "");
			if (strong)
				out_raw(r, "<strong>");
			html_text(r, table_at(t, i, c));
			if (strong)
				out_raw(r, "</strong>");
			out_fmt(r, "</%s>", tag);
		}
		out_raw(r, "</tr>\n");
	}
	out_raw(r, "</tbody>\n</table>\n");
}

/* Writes the table; cls is its HTML class. */
static void table_write(render *r, const table *t, const char *cls)
{
	if (r->rc != 0)
		return;
	if (r->format == FMT_HTML)
		table_write_html(r, t, cls);
	else
		table_write_markdown(r, t);
}

/* ------------------------------------------------------------------ */
/* Inline SVG charts (HTML only).                                      */

/* Rough width of a 12px sans-serif character, to size label margins. */
#define SVG_CHAR_W 7

static size_t svg_longest_label(const json_t *labels)
{
	size_t longest = 0;

	for (size_t i = 0; i < json_array_size(labels); i++) {
		size_t n = text_columns(label_at(labels, i));
		if (n > longest)
			longest = n;
	}
	return longest;
}

/* WCAG 2 relative luminance of an sRGB colour, channels 0 to 255. */
static double svg_luminance(int red, int green, int blue)
{
	const int ch[3] = { red, green, blue };
	double lin[3];

	for (int i = 0; i < 3; i++) {
		double v = ch[i] / 255.0;
		lin[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}

/* The WCAG contrast ratio of two luminances, 1 to 21. */
static double svg_contrast(double a, double b)
{
	return a > b ? (a + 0.05) / (b + 0.05) : (b + 0.05) / (a + 0.05);
}

/* Writes white blended toward (R, G, B) by share in [0, 1]; returns the
 * blend's relative luminance. */
static double svg_fill(render *r, double share, int red, int green, int blue)
{
	double s = share < 0.0 ? 0.0 : share > 1.0 ? 1.0 : share;
	int c[3] = { (int)lround(255 - (255 - red) * s), (int)lround(255 - (255 - green) * s),
		     (int)lround(255 - (255 - blue) * s) };

	out_fmt(r, "#%02x%02x%02x", c[0], c[1], c[2]);
	return svg_luminance(c[0], c[1], c[2]);
}

/* Text colour for a background of luminance bg: preferred ("#rrggbb") if
 * it reaches 4.5:1 (WCAG AA for normal text), else the page's dark text or
 * white, whichever does, else black or white, whichever contrasts more
 * (one of them reaches 4.58:1 on any background). */
static const char *svg_text_on(double bg, const char *preferred)
{
	static const char *const fallback[] = { "#1a202c", "#ffffff" };
	const char *const cand[3] = { preferred, fallback[0], fallback[1] };

	for (int i = 0; i < 3; i++) {
		unsigned v = 0;
		if (sscanf(cand[i], "#%6x", &v) == 1 &&
		    svg_contrast(bg, svg_luminance((int)(v >> 16), (int)(v >> 8 & 0xff), (int)(v & 0xff))) >= 4.5)
			return cand[i];
	}
	return svg_contrast(bg, 0.0) >= svg_contrast(bg, 1.0) ? "#000000" : "#ffffff";
}

/* The confusion matrix as a heat map: one <rect> per cell, coloured by the
 * cell's share of its row (blue on the diagonal, red off it), the count
 * and the share written in it, true labels down the left, predicted
 * labels along the bottom. */
static void svg_heatmap(render *r, const char *task, const json_t *confusion)
{
	const json_t *labels = json_object_get(confusion, "labels");
	const json_t *matrix = json_object_get(confusion, "matrix");
	size_t k = json_array_size(labels);
	size_t longest = svg_longest_label(labels);
	const int cw = 76, ch = 54;
	int left = (int)longest * SVG_CHAR_W + 40;
	int top = 10;
	int bottom = (int)(longest * SVG_CHAR_W * 0.6) + 50;
	int width = 0, height = 0;

	if (k == 0)
		return;
	width = left + (int)k * cw + 12;
	height = top + (int)k * ch + bottom;
	out_fmt(r, "<svg class=\"heatmap\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	        "role=\"img\">\n<title>Confusion matrix of ", width, height, width, height);
	html_text(r, task);
	out_raw(r, "</title>\n");
	for (size_t t = 0; t < k; t++) {
		const json_t *row = json_array_get(matrix, t);
		double total = 0.0;
		int y = top + (int)t * ch;

		for (size_t p = 0; p < k; p++)
			total += jdouble(json_array_get(row, p), 0.0);
		out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis-label\">",
		        left - 8, y + ch / 2 + 4);
		html_text(r, label_at(labels, t));
		out_raw(r, "</text>\n");
		for (size_t p = 0; p < k; p++) {
			double count = jdouble(json_array_get(row, p), 0.0);
			double share = total > 0.0 ? count / total : 0.0;
			int x = left + (int)p * cw;
			numbuf pct = { "" };
			double bg = 1.0;

			fmt_share(&pct, share);
			out_fmt(r, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"",
			        x, y, cw - 2, ch - 2);
			if (t == p)
				bg = svg_fill(r, share, 33, 102, 172);
			else
				bg = svg_fill(r, share, 203, 24, 29);
			out_raw(r, "\"><title>true ");
			html_text(r, label_at(labels, t));
			out_raw(r, ", predicted ");
			html_text(r, label_at(labels, p));
			/* An empty row has no share: MISSING, as the table shows it. */
			out_fmt(r, ": %.0f of %.0f (%s)</title></rect>\n", count, total,
			        total > 0.0 ? pct.s : MISSING);
			out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"count\" "
			        "fill=\"%s\">%.0f</text>", x + cw / 2 - 1, y + ch / 2 - 2,
			        svg_text_on(bg, "#1a202c"), count);
			out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"share\" "
			        "fill=\"%s\">%s</text>\n", x + cw / 2 - 1, y + ch / 2 + 13,
			        svg_text_on(bg, "#4a5568"), total > 0.0 ? pct.s : MISSING);
		}
	}
	for (size_t p = 0; p < k; p++) {
		int x = left + (int)p * cw + cw / 2;
		int y = top + (int)k * ch + 12;

		out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis-label\" "
		        "transform=\"rotate(-35 %d %d)\">", x, y, x, y);
		html_text(r, label_at(labels, p));
		out_raw(r, "</text>\n");
	}
	out_fmt(r, "<text x=\"14\" y=\"%d\" text-anchor=\"middle\" class=\"axis-title\" "
	        "transform=\"rotate(-90 14 %d)\">true label</text>\n",
	        top + (int)k * ch / 2, top + (int)k * ch / 2);
	out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis-title\">"
	        "predicted label</text>\n", left + (int)k * cw / 2, height - 8);
	out_raw(r, "</svg>\n");
}

static double unit_clamp(double x)
{
	return x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
}

/* Per-label F1 as horizontal bars: the model's on test, the majority
 * baseline's under it, and with cross-validation a mean ± std whisker
 * across the model's bar. */
static void svg_f1_chart(render *r, const json_t *task)
{
	const json_t *labels = task_labels(task);
	const json_t *cv = task_cv_of(task);
	size_t k = json_array_size(labels);
	const int pw = 300, rowh = 38, top = 34;
	int left = (int)svg_longest_label(labels) * SVG_CHAR_W + 16;
	int width = 0, height = 0;

	if (k == 0)
		return;
	if (left < 60)
		left = 60;
	width = left + pw + 56;
	if (width < 400)
		width = 400;
	height = top + (int)k * rowh + 26;
	out_fmt(r, "<svg class=\"f1-chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	        "role=\"img\">\n<title>F1 per label, model and majority baseline</title>\n",
	        width, height, width, height);
	/* Legend, from the left edge. */
	out_raw(r, "<rect x=\"4\" y=\"6\" width=\"12\" height=\"12\" fill=\"#2b6cb0\"></rect>"
	        "<text x=\"20\" y=\"16\">model F1</text>\n"
	        "<rect x=\"90\" y=\"8\" width=\"12\" height=\"8\" fill=\"#a0aec0\"></rect>"
	        "<text x=\"106\" y=\"16\">majority baseline</text>\n");
	if (cv != NULL)
		out_raw(r, "<path d=\"M228 7v10M228 12h16M244 7v10\" stroke=\"#1a202c\" "
		        "stroke-width=\"2\" fill=\"none\"></path>"
		        "<text x=\"250\" y=\"16\">cross-validation \u00b1 std</text>\n");
	for (int g = 0; g <= 4; g++) {
		int x = left + pw * g / 4;
		out_fmt(r, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e2e8f0\"></line>"
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">%.2f</text>\n",
		        x, top - 4, x, top + (int)k * rowh, x, top + (int)k * rowh + 16, g / 4.0);
	}
	for (size_t i = 0; i < k; i++) {
		const char *label = label_at(labels, i);
		const char *key = label != NULL ? label : "";
		const json_t *f1 = jdig(task, "test", "labels", key, "f1", NULL);
		const json_t *base = jdig(task, "baseline", "labels", key, "f1", NULL);
		const json_t *mean = jdig(cv, "mean", "labels", key, "f1", NULL);
		double std = jdouble(jdig(cv, "std", "labels", key, "f1", NULL), 0.0);

		if (!json_is_number(mean))
			mean = NULL; /* not scored in any fold */
		double m = unit_clamp(jdouble(f1, 0.0));
		double b = unit_clamp(jdouble(base, 0.0));
		double lo = unit_clamp(jdouble(mean, 0.0) - std);
		double hi = unit_clamp(jdouble(mean, 0.0) + std);
		double end = mean != NULL && hi > m ? hi : m;
		int y = top + (int)i * rowh;
		numbuf nm = { "" };
		numbuf nb = { "" };

		out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"axis-label\">",
		        left - 8, y + 17);
		html_text(r, label);
		out_raw(r, "</text>\n");
		out_fmt(r, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#2b6cb0\">"
		        "</rect><text x=\"%.1f\" y=\"%d\" class=\"value\">%s</text>\n",
		        left, y + 5, m * pw, left + end * pw + 5, y + 16, fmt_score(&nm, f1));
		out_fmt(r, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"8\" fill=\"#a0aec0\">"
		        "</rect><text x=\"%.1f\" y=\"%d\" class=\"value small\">%s</text>\n",
		        left, y + 22, b * pw, left + b * pw + 5, y + 30, fmt_score(&nb, base));
		if (mean != NULL)
			out_fmt(r, "<path d=\"M%.1f %dv10M%.1f %dh%.1fM%.1f %dv10\" stroke=\"#1a202c\" "
			        "stroke-width=\"2\" fill=\"none\"></path>\n",
			        left + lo * pw, y + 7, left + lo * pw, y + 12, (hi - lo) * pw,
			        left + hi * pw, y + 7);
	}
	out_raw(r, "</svg>\n");
}

/* What a reliability bin counts: paragraphs, or in a multi-label task
 * pairs of a paragraph and a label (each label scored on its own). */
static const char *reliability_unit(int pairs, double count)
{
	if (pairs)
		return count == 1.0 ? "paragraph\u2013label pair" : "paragraph\u2013label pairs";
	return count == 1.0 ? "paragraph" : "paragraphs";
}

/* The reliability diagram: observed accuracy against confidence, one bar
 * per non-empty bin of the test set (from the bin's lower to its upper
 * edge, as high as its accuracy, a dot at its mean confidence), the
 * diagonal a calibrated model would follow, and with cross-validation a
 * ring per bin of the pooled held-out folds. */
static void svg_reliability(render *r, const char *task, const json_t *test, const json_t *cv, int pairs)
{
	const int side = 240, left = 48, top = 28, bottom = 44;
	const int width = left + side + 16, height = top + side + bottom;
	const json_t *sets[2] = { test, cv };

	if (json_array_size(json_object_get(test, "bins")) == 0)
		return;
	out_fmt(r, "<svg class=\"reliability\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	        "role=\"img\">\n<title>Reliability of the confidences of ", width, height, width, height);
	html_text(r, task);
	out_raw(r, "</title>\n");
	out_raw(r, "<rect x=\"4\" y=\"6\" width=\"12\" height=\"12\" fill=\"#90cdf4\"></rect>"
	        "<text x=\"20\" y=\"16\">test accuracy</text>\n");
	if (cv != NULL)
		out_raw(r, "<circle cx=\"122\" cy=\"12\" r=\"4\" fill=\"none\" stroke=\"#c05621\" "
		        "stroke-width=\"2\"></circle><text x=\"130\" y=\"16\">cross-validation</text>\n");
	for (int g = 0; g <= 4; g++) {
		int x = left + side * g / 4, y = top + side - side * g / 4;
		out_fmt(r, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e2e8f0\"></line>"
		        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e2e8f0\"></line>"
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">%.2f</text>"
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"tick\">%.2f</text>\n",
		        x, top, x, top + side, left, y, left + side, y,
		        x, top + side + 14, g / 4.0, left - 4, y + 3, g / 4.0);
	}
	for (int s = 0; s < 2; s++) {
		const json_t *bins = json_object_get(sets[s], "bins");

		for (size_t b = 0; b < json_array_size(bins); b++) {
			const json_t *bin = json_array_get(bins, b);
			double count = jdouble(json_object_get(bin, "count"), 0.0);
			double lower = unit_clamp(jdouble(json_object_get(bin, "lower"), 0.0));
			double upper = unit_clamp(jdouble(json_object_get(bin, "upper"), 0.0));
			double conf = unit_clamp(jdouble(json_object_get(bin, "confidence"), 0.0));
			double acc = unit_clamp(jdouble(json_object_get(bin, "accuracy"), 0.0));
			numbuf c = { "" };
			numbuf a = { "" };

			if (!(count > 0.0) || !json_is_number(json_object_get(bin, "accuracy")))
				continue;
			fmt_score(&c, json_object_get(bin, "confidence"));
			fmt_score(&a, json_object_get(bin, "accuracy"));
			if (s == 0)
				out_fmt(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				        "fill=\"#90cdf4\" stroke=\"#ffffff\"><title>test, confidence %.1f to %.1f: "
				        "%.0f %s, mean confidence %s, accuracy %s</title></rect>"
				        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#2b6cb0\"></circle>\n",
				        left + lower * side, top + (1.0 - acc) * side, (upper - lower) * side,
				        acc * side, lower, upper, count, reliability_unit(pairs, count), c.s, a.s,
				        left + conf * side, top + (1.0 - acc) * side);
			else
				out_fmt(r, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"none\" "
				        "stroke=\"#c05621\" stroke-width=\"2\"><title>cross-validation, confidence "
				        "%.1f to %.1f: %.0f %s, mean confidence %s, accuracy %s</title>"
				        "</circle>\n", left + conf * side, top + (1.0 - acc) * side,
				        lower, upper, count, reliability_unit(pairs, count), c.s, a.s);
		}
	}
	out_fmt(r, "<path d=\"M%d %dL%d %d\" stroke=\"#1a202c\" stroke-width=\"1.5\" "
	        "stroke-dasharray=\"5 4\" fill=\"none\"></path>\n", left, top + side, left + side, top);
	out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis-title\">"
	        "confidence</text>\n", left + side / 2, height - 8);
	out_fmt(r, "<text x=\"12\" y=\"%d\" text-anchor=\"middle\" class=\"axis-title\" "
	        "transform=\"rotate(-90 12 %d)\">accuracy</text>\n", top + side / 2, top + side / 2);
	out_raw(r, "</svg>\n");
}

/* ------------------------------------------------------------------ */
/* Tuning: the search `framer train --tune` ran (report "tuning").      */

#define TUNE_MAX_C 16
#define TUNE_BEST 10

/* Colours of the search curve's settings, reused past ten. Each has at
 * least 4.5:1 contrast against the white page (WCAG asks 3:1 of a chart's
 * lines); a line also has its own marker shape (tune_marker), so that
 * colour is not the only thing telling two settings apart. Lines k and
 * k + 5 share a shape, so their colours are far apart (blue and ochre,
 * orange and teal, green and pink, red and grey, purple and brown). */
static const char *const tune_palette[] = { "#2563eb", "#c2410c", "#15803d", "#b91c1c", "#7e22ce",
	"#a16207", "#0e7490", "#db2777", "#525252", "#78563c" };

#define TUNE_SHAPES 5

/* Opens a <path> drawing marker shape (circle, square, triangle, diamond,
 * down-pointing triangle; by shape % TUNE_SHAPES) of radius about rad at
 * (x, y); the caller closes it, after a <title> if it has one. */
static void tune_marker(render *r, size_t shape, double x, double y, double rad, const char *fill,
                        const char *stroke)
{
	double h = rad * 1.25;

	out_raw(r, "<path class=\"mark\" d=\"");
	switch (shape % TUNE_SHAPES) {
	case 0:
		out_fmt(r, "M%.1f %.1fa%.1f %.1f 0 1 0 %.1f 0a%.1f %.1f 0 1 0 %.1f 0Z", x - rad, y, rad, rad,
		        2 * rad, rad, rad, -2 * rad);
		break;
	case 1:
		out_fmt(r, "M%.1f %.1fh%.1fv%.1fh%.1fZ", x - rad, y - rad, 2 * rad, 2 * rad, -2 * rad);
		break;
	case 2:
		out_fmt(r, "M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y - h, x + h, y + rad, x - h, y + rad);
		break;
	case 3:
		out_fmt(r, "M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y - h, x + h, y, x, y + h, x - h, y);
		break;
	default:
		out_fmt(r, "M%.1f %.1fL%.1f %.1fL%.1f %.1fZ", x, y + h, x + h, y - rad, x - h, y - rad);
		break;
	}
	out_fmt(r, "\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\">", fill, stroke);
}

static const json_t *tuning_of(const json_t *report)
{
	const json_t *t = json_object_get(report, "tuning");
	return json_is_object(t) && json_is_array(json_object_get(t, "points")) ? t : NULL;
}

/* A hyperparameter value as the config writes it: C 0.25, min_df 2. */
static const char *fmt_param(numbuf *b, const json_t *v)
{
	double x = 0.0;

	if (!num_get(v, &x))
		return MISSING;
	snprintf(b->s, sizeof(b->s), "%g", x);
	return b->s;
}

/* "1-2" for [1, 2]; "none" for null. */
static const char *fmt_range(numbuf *b, const json_t *range)
{
	double lo = 0.0, hi = 0.0;

	if (json_is_null(range))
		return "none";
	if (!num_get(json_array_get(range, 0), &lo) || !num_get(json_array_get(range, 1), &hi))
		return MISSING;
	snprintf(b->s, sizeof(b->s), "%.0f\u2013%.0f", lo, hi);
	return b->s;
}

static const char *fmt_yes_no(const json_t *v)
{
	return json_is_boolean(v) ? (json_is_true(v) ? "yes" : "no") : MISSING;
}

/* One line naming a point's vectorizer setting (and its solver when it is
 * not LIBLINEAR, the search's own). */
static void tune_setting_name(char *buf, size_t size, const json_t *point)
{
	numbuf a = { "" };
	numbuf b = { "" };
	numbuf c = { "" };
	const char *solver = jstr(point, "solver");

	snprintf(buf, size, "stop words %s, min_df %s, words %s, chars %s%s%s",
	         fmt_yes_no(json_object_get(point, "stopwords")), fmt_param(&a, json_object_get(point, "min_df")),
	         fmt_range(&b, json_object_get(point, "ngram_range")), fmt_range(&c, json_object_get(point, "char_ngrams")),
	         solver != NULL && strcmp(solver, "liblinear") != 0 ? ", " : "",
	         solver != NULL && strcmp(solver, "liblinear") != 0 ? solver : "");
}

/* Whether two points share a setting (and a class weight, when
 * with_weight). */
static int tune_same_setting(const json_t *a, const json_t *b, int with_weight)
{
	static const char *const keys[] = { "stopwords", "min_df", "ngram_range", "char_ngrams", "solver",
		"class_weight" };
	size_t n = with_weight ? 6 : 5;

	for (size_t i = 0; i < n; i++) {
		const json_t *x = json_object_get(a, keys[i]);
		const json_t *y = json_object_get(b, keys[i]);
		if ((x == NULL) != (y == NULL) || (x != NULL && !json_equal((json_t *)x, (json_t *)y)))
			return 0;
	}
	return 1;
}

/* The points that start a row of the curve: the first of each setting and
 * class weight (with_weight), or of each setting; their count. */
static size_t tune_rows(const json_t *points, const json_t **rows, size_t max, int with_weight)
{
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(points); i++) {
		const json_t *p = json_array_get(points, i);
		size_t j = 0;

		while (j < n && !tune_same_setting(rows[j], p, with_weight))
			j++;
		if (j == n && n < max)
			rows[n++] = p;
	}
	return n;
}

/* A point's per-fold scores: "mean ± std" over its "folds" (the std is the
 * record's), "std x" when the record has no fold scores. The mean is not
 * the pooled score beside it: F1 of one fold, with few rows of a rare
 * label, runs apart from F1 of all folds pooled. */
static const char *fmt_fold_spread(numbuf *b, const json_t *p)
{
	const json_t *folds = json_object_get(p, "folds");
	double sum = 0.0, x = 0.0, std = 0.0, mean = 0.0;
	int has_std = num_get(json_object_get(p, "std"), &std);
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(folds); i++) {
		if (num_get(json_array_get(folds, i), &x)) {
			sum += x;
			n++;
		}
	}
	mean = n ? sum / (double)n : 0.0;
	if (n && has_std)
		snprintf(b->s, sizeof(b->s), "%.3f \u00b1 %.3f", mean, std);
	else if (n)
		snprintf(b->s, sizeof(b->s), "%.3f", mean);
	else if (has_std)
		snprintf(b->s, sizeof(b->s), "std %.3f", std);
	else
		return MISSING;
	return b->s;
}

static void tune_point_cells(render *r, table *t, const json_t *p)
{
	numbuf a = { "" };

	table_text(r, t, jstr(p, "stage"));
	table_text(r, t, fmt_param(&a, json_object_get(p, "C")));
	table_text(r, t, jstr(p, "class_weight"));
	table_text(r, t, jstr(p, "solver"));
	table_text(r, t, fmt_yes_no(json_object_get(p, "stopwords")));
	table_text(r, t, fmt_param(&a, json_object_get(p, "min_df")));
	table_text(r, t, fmt_range(&a, json_object_get(p, "ngram_range")));
	table_text(r, t, fmt_range(&a, json_object_get(p, "char_ngrams")));
	table_text(r, t, fmt_score(&a, json_object_get(p, "mean")));
	table_text(r, t, fmt_fold_spread(&a, p));
}

static int cmp_points_by_mean(const void *a, const void *b)
{
	const json_t *const *x = a;
	const json_t *const *y = b;
	double mx = jdouble(json_object_get(*x, "mean"), -1.0);
	double my = jdouble(json_object_get(*y, "mean"), -1.0);

	if (mx != my)
		return mx < my ? 1 : -1;
	return x < y ? -1 : x > y; /* array order on ties: qsort is not stable */
}

/* The mean of the point of row's setting and class weight at C (without
 * with_weight, the better class weight's), or NULL; that point to
 * point_out when not NULL. */
static const json_t *tune_mean_at(const json_t *points, const json_t *row, double C, int with_weight,
                                  double *best_out, const json_t **point_out)
{
	const json_t *found = NULL;
	const json_t *found_point = NULL;

	for (size_t i = 0; i < json_array_size(points); i++) {
		const json_t *p = json_array_get(points, i);
		const json_t *m = json_object_get(p, "mean");

		if (!json_is_number(m) || jdouble(json_object_get(p, "C"), -1.0) != C ||
		    !tune_same_setting(row, p, with_weight))
			continue;
		if (found == NULL || json_number_value(m) > json_number_value(found)) {
			found = m;
			found_point = p;
		}
	}
	if (found != NULL && best_out != NULL)
		*best_out = json_number_value(found);
	if (point_out != NULL)
		*point_out = found_point;
	return found;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The distinct C values of the points, ascending (at most max); their count. */
static size_t tune_c_values(const json_t *points, double *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < json_array_size(points); i++) {
		double C = jdouble(json_object_get(json_array_get(points, i), "C"), -1.0);
		size_t j = 0;

		while (j < n && out[j] != C)
			j++;
		if (C > 0.0 && j == n && n < max)
			out[n++] = C;
	}
	qsort(out, n, sizeof(*out), cmp_double);
	return n;
}

/* CV score against log2 C: one line per setting (its better class weight at
 * each C, shown by its dots: filled balanced, hollow none, and in the
 * legend), a ring on the chosen point and a square on the config's own. */
static void svg_tuning_curve(render *r, const json_t *tuning, const json_t *const *rows, size_t n_rows,
                             const double *cs, size_t n_c)
{
	const json_t *points = json_object_get(tuning, "points");
	const json_t *marks[2] = { json_object_get(tuning, "chosen"), json_object_get(tuning, "default") };
	const int left = 56, top = 16, pw = 420, ph = 220, legend_row = 18;
	double lmin = 0.0, lmax = 0.0, ymin = 1.0, ymax = 0.0;
	int width = left + pw + 24, height = 0;
	int key_y = top + ph + 44 + (int)(n_rows + 2) * legend_row;

	if (n_c < 2)
		return;
	lmin = log2(cs[0]);
	lmax = log2(cs[n_c - 1]);
	/* The range of what is drawn: the lines and the two marks. */
	for (size_t k = 0; k < n_rows; k++) {
		for (size_t i = 0; i < n_c; i++) {
			double m = 0.0;
			if (tune_mean_at(points, rows[k], cs[i], 0, &m, NULL) != NULL) {
				ymin = m < ymin ? m : ymin;
				ymax = m > ymax ? m : ymax;
			}
		}
	}
	for (int k = 0; k < 2; k++) {
		double m = jdouble(json_object_get(marks[k], "mean"), NAN);
		if (!isnan(m)) {
			ymin = m < ymin ? m : ymin;
			ymax = m > ymax ? m : ymax;
		}
	}
	if (!(lmax > lmin) || !(ymax >= ymin))
		return;
	ymin = floor(ymin * 100.0) / 100.0;
	ymax = ceil(ymax * 100.0) / 100.0;
	if (ymax - ymin < 0.02)
		ymax = ymin + 0.02;
	height = top + ph + 44 + (int)n_rows * legend_row + 4 * legend_row;
	out_fmt(r, "<svg class=\"tuning-curve\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">\n"
	        "<title>Cross-validated score against C, per vectorizer setting, at its better class weight "
	        "at each C</title>\n", width, height, width, height);
	for (int g = 0; g <= 4; g++) {
		double v = ymin + (ymax - ymin) * g / 4.0;
		int y = top + ph - ph * g / 4;
		out_fmt(r, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e2e8f0\"></line>"
		        "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"tick\">%.3f</text>\n",
		        left, y, left + pw, y, left - 4, y + 3, v);
	}
	for (size_t i = 0; i < n_c; i++) {
		double C = cs[i];
		double x = left + (log2(C) - lmin) / (lmax - lmin) * pw;
		out_fmt(r, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e2e8f0\"></line>"
		        "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"tick\">%g</text>\n",
		        x, top, x, top + ph, x, top + ph + 14, C);
	}
	out_fmt(r, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis-title\">C (log scale)</text>\n",
	        left + pw / 2, top + ph + 32);
	out_fmt(r, "<text x=\"12\" y=\"%d\" text-anchor=\"middle\" class=\"axis-title\" "
	        "transform=\"rotate(-90 12 %d)\">CV score</text>\n", top + ph / 2, top + ph / 2);
	for (size_t k = 0; k < n_rows; k++) {
		const char *colour = tune_palette[k % (sizeof(tune_palette) / sizeof(*tune_palette))];
		char name[160];
		int drawn = 0;
		int y = top + ph + 44 + (int)k * legend_row;

		tune_setting_name(name, sizeof(name), rows[k]);
		out_fmt(r, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s d=\"", colour,
		        json_is_null(json_object_get(rows[k], "char_ngrams")) ? "" : " stroke-dasharray=\"6 3\"");
		for (size_t i = 0; i < n_c; i++) {
			double C = cs[i], m = 0.0;
			if (tune_mean_at(points, rows[k], C, 0, &m, NULL) == NULL)
				continue;
			out_fmt(r, "%s%.1f %.1f", drawn ? "L" : "M", left + (log2(C) - lmin) / (lmax - lmin) * pw,
			        top + (ymax - m) / (ymax - ymin) * ph);
			drawn = 1;
		}
		out_raw(r, "\"><title>");
		html_text(r, name);
		out_raw(r, "</title></path>\n");
		/* A dot per point drawn: filled for balanced, hollow for none, the
		 * class weight the line takes at that C. */
		for (size_t i = 0; i < n_c; i++) {
			const json_t *pt = NULL;
			double C = cs[i], m = 0.0;
			numbuf sc = { "" };
			if (tune_mean_at(points, rows[k], C, 0, &m, &pt) == NULL || pt == NULL)
				continue;
			const char *cw = jstr(pt, "class_weight");
			int filled = cw != NULL && strcmp(cw, "balanced") == 0;
			tune_marker(r, k, left + (log2(C) - lmin) / (lmax - lmin) * pw,
			            top + (ymax - m) / (ymax - ymin) * ph, 3.5, filled ? colour : "#fff", colour);
			out_raw(r, "<title>");
			html_text(r, name);
			out_fmt(r, "; C %g, class weight ", C);
			html_text(r, cw != NULL ? cw : MISSING);
			out_fmt(r, ": %s</title></path>\n", fmt_score(&sc, json_object_get(pt, "mean")));
		}
		/* The key: the line as drawn, with its marker on it. */
		out_fmt(r, "<path d=\"M4 %dh24\" stroke=\"%s\" stroke-width=\"2\"%s></path>", y - 4, colour,
		        json_is_null(json_object_get(rows[k], "char_ngrams")) ? "" : " stroke-dasharray=\"6 3\"");
		tune_marker(r, k, 16, y - 4, 3.5, colour, colour);
		out_fmt(r, "</path><text x=\"34\" y=\"%d\">", y);
		html_text(r, name);
		out_raw(r, "</text>\n");
	}
	for (int k = 0; k < 2; k++) {
		double C = jdouble(json_object_get(marks[k], "C"), NAN);
		double m = jdouble(json_object_get(marks[k], "mean"), NAN);
		double x = 0.0, y = 0.0;
		int ly = top + ph + 44 + (int)(n_rows + (size_t)k) * legend_row;
		numbuf s = { "" };

		if (isnan(C) || isnan(m) || !(C > 0.0))
			continue;
		x = left + (unit_clamp((log2(C) - lmin) / (lmax - lmin))) * pw;
		y = top + (ymax - m) / (ymax - ymin) * ph;
		fmt_score(&s, json_object_get(marks[k], "mean"));
		if (k == 0)
			out_fmt(r, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"#1a202c\" "
			        "stroke-width=\"2\"><title>chosen: %s</title></circle>"
			        "<circle cx=\"16\" cy=\"%d\" r=\"6\" fill=\"none\" stroke=\"#1a202c\" stroke-width=\"2\">"
			        "</circle><text x=\"34\" y=\"%d\">chosen (%s)</text>\n", x, y, s.s, ly - 4, ly, s.s);
		else
			out_fmt(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"#1a202c\">"
			        "<title>the config's own: %s</title></rect>"
			        "<rect x=\"12\" y=\"%d\" width=\"9\" height=\"9\" fill=\"#1a202c\"></rect>"
			        "<text x=\"34\" y=\"%d\">the config's own setting (%s)</text>\n",
			        x - 4.5, y - 4.5, s.s, ly - 9, ly, s.s);
	}
	/* The class weight key: a line takes the better one at each C. */
	out_fmt(r, "<text x=\"4\" y=\"%d\">Each line takes its setting's better class weight at each C "
	        "(a filled marker or a hollow one):</text>\n"
	        "<circle cx=\"16\" cy=\"%d\" r=\"3.5\" fill=\"#4a5568\" stroke=\"#4a5568\" stroke-width=\"1.5\">"
	        "</circle><text x=\"34\" y=\"%d\">balanced</text>"
	        "<circle cx=\"116\" cy=\"%d\" r=\"3.5\" fill=\"#fff\" stroke=\"#4a5568\" stroke-width=\"1.5\">"
	        "</circle><text x=\"134\" y=\"%d\">none</text>\n",
	        key_y, key_y + legend_row - 4, key_y + legend_row, key_y + legend_row - 4, key_y + legend_row);
	out_raw(r, "</svg>\n");
}

static void write_tuning(render *r, const json_t *report)
{
	static const char *const head_pair[] = { "setting", "stage", "C", "class weight", "solver", "stop words",
		"min_df", "word n-grams", "char n-grams", "CV score (folds pooled)", "one fold's score (mean \u00b1 std)" };
	static const char *const head_best[] = { "rank", "stage", "C", "class weight", "solver", "stop words",
		"min_df", "word n-grams", "char n-grams", "CV score (folds pooled)", "one fold's score (mean \u00b1 std)" };
	const json_t *tuning = tuning_of(report);
	const json_t *points = json_object_get(tuning, "points");
	const json_t *chosen = json_object_get(tuning, "chosen");
	const json_t *def = json_object_get(tuning, "default");
	const json_t *skipped = json_object_get(tuning, "skipped_tasks");
	const json_t *tasks = json_object_get(tuning, "tasks");
	const json_t *rows[64];
	const json_t **sorted = NULL;
	const char *head_curve[2 + TUNE_MAX_C];
	numbuf cbuf[TUNE_MAX_C];
	double cs[TUNE_MAX_C];
	numbuf a = { "" };
	numbuf b = { "" };
	size_t n_points = json_array_size(points), n_c = tune_c_values(points, cs, TUNE_MAX_C), n_rows = 0;
	double dc = 0.0, dd = 0.0;
	table t = { 0 };

	if (tuning == NULL)
		return;
	html_open(r, "<section class=\"tuning\">\n");
	heading(r, 2, "Tuning");
	para_open(r);
	out_raw(r, "This model was trained with ");
	put_code(r, "framer train --tune");
	out_fmt(r, ": %zu settings were scored by cross-validation on the training data (", n_points);
	out_fmt(r, "%s folds", fmt_count(&a, json_object_get(tuning, "folds")));
	/* The distinct splits (tune.h): fewer than asked for when repeats put
	 * the documents in the same folds. Older records have no
	 * repeats_asked. */
	double repeats = jdouble(json_object_get(tuning, "repeats"), 1.0);
	double asked = jdouble(json_object_get(tuning, "repeats_asked"), repeats);
	size_t n_again = json_array_size(json_object_get(tuning, "repeated_folds"));
	if (asked > repeats)
		out_fmt(r, ", %s distinct split%s", fmt_count(&b, json_object_get(tuning, "repeats")),
		        repeats == 1.0 ? "" : "s");
	else if (repeats > 1.0)
		out_fmt(r, ", repeated %s times", fmt_count(&b, json_object_get(tuning, "repeats")));
	out_raw(r, ", grouped by ");
	put_text(r, jstr(tuning, "grouped_by"));
	out_fmt(r, ", seed %s; ", fmt_count(&a, json_object_get(tuning, "seed")));
	out_fmt(r, "%s rows, ", fmt_count(&b, json_object_get(tuning, "rows")));
	put_text(r, jstr(tuning, "search"));
	out_raw(r, " search). The score is the ");
	put_text(r, jstr(tuning, "objective"));
	out_raw(r, " of the held-out folds pooled, ");
	out_raw(r, json_array_size(tasks) > 1 ? "averaged over the tasks " : "of task ");
	for (size_t i = 0; i < json_array_size(tasks); i++) {
		out_raw(r, i ? ", " : "");
		put_text(r, json_string_value(json_array_get(tasks, i)));
	}
	if (repeats > 1.0)
		out_raw(r, " and over the repeats");
	out_raw(r, ".");
	if (asked > repeats)
		out_fmt(r, " Of the %.0f repeats of the folds asked for, %.0f put the documents in the same folds as "
		        "an earlier one and %s not scored again.", asked, asked - repeats,
		        asked - repeats == 1.0 ? "was" : "were");
	if (n_again > 0)
		out_fmt(r, " %zu fold%s held out the same documents as an earlier split's fold: the same fit, so %s "
		        "once in the standard deviation of one fold's score and in the standard error of the choice.",
		        n_again, n_again == 1 ? "" : "s", n_again == 1 ? "it counts" : "they count");
	out_raw(r, " One fold's score on its own runs apart from the pooled one (a fold holds few "
	           "rows of a rare label), so the tables give it separately: its mean \u00b1 standard "
	           "deviation over the folds.");
	const json_t *sel = json_object_get(tuning, "selection");
	const json_t *top = json_object_get(sel, "best_mean");
	if (json_is_number(json_object_get(sel, "gain")) && top && !json_equal((json_t *)top, (json_t *)def)) {
		double gain = json_number_value(json_object_get(sel, "gain"));
		double se = json_number_value(json_object_get(sel, "gain_se"));
		out_fmt(r, " The best mean beat the config's own by %.4f, against a standard error of %.4f for "
		        "their paired fold differences: %s.", gain, se,
		        json_equal((json_t *)chosen, (json_t *)top) ? "more than the noise, so it was chosen"
		                                                      : "within the noise, so the config's own stays");
	}
	if (json_array_size(skipped) > 0) {
		out_raw(r, " Multi-label tasks are not scored by the search and use the chosen values: ");
		for (size_t i = 0; i < json_array_size(skipped); i++) {
			out_raw(r, i ? ", " : "");
			put_text(r, json_string_value(json_array_get(skipped, i)));
		}
		out_raw(r, ".");
	}
	para_close(r);

	table_init(&t, 11, head_pair, "llrlllrllrr");
	t.caption = "The chosen setting and the config's own";
	table_row(r, &t, 1);
	table_text(r, &t, "chosen");
	tune_point_cells(r, &t, chosen);
	if (json_is_object(def)) {
		table_row(r, &t, 0);
		table_text(r, &t, "the config's own");
		tune_point_cells(r, &t, def);
	}
	table_write(r, &t, "tuning-chosen");
	table_dispose(&t);
	if (num_get(json_object_get(chosen, "mean"), &dc) && num_get(json_object_get(def, "mean"), &dd)) {
		para_open(r);
		if (tune_same_setting(chosen, def, 1) && jdouble(json_object_get(chosen, "C"), 0) ==
		    jdouble(json_object_get(def, "C"), 1))
			out_raw(r, "The config's own setting scored best, so the model keeps it.");
		else
			out_fmt(r, "The chosen setting scores %+.3f over the config's own in cross-validation "
			        "(%.3f against %.3f).", dc - dd, dc, dd);
		para_close(r);
	}

	sorted = malloc((n_points + 1) * sizeof(*sorted));
	if (sorted == NULL) {
		if (r->rc == 0)
			r->rc = FR_ENOMEM;
		return;
	}
	for (size_t i = 0; i < n_points; i++)
		sorted[i] = json_array_get(points, i);
	qsort(sorted, n_points, sizeof(*sorted), cmp_points_by_mean);
	table_init(&t, 11, head_best, "rlrlllrllrr");
	for (size_t i = 0; i < n_points && i < TUNE_BEST; i++) {
		int is_chosen = json_equal((json_t *)sorted[i], (json_t *)chosen);

		table_row(r, &t, is_chosen);
		table_cell(r, &t, "%zu%s", i + 1, is_chosen ? " (chosen)" : "");
		tune_point_cells(r, &t, sorted[i]);
	}
	free(sorted);
	heading(r, 3, "Best points");
	prose(r, "The best-scoring settings of the search, best first; the chosen one is marked "
	         "\u201c(chosen)\u201d and set in bold.");
	table_write(r, &t, "tuning-best");
	table_dispose(&t);

	/* The curve: one row per setting and class weight, one column per C. */
	n_rows = tune_rows(points, rows, sizeof(rows) / sizeof(*rows), 1);
	head_curve[0] = "setting";
	head_curve[1] = "class weight";
	for (size_t i = 0; i < n_c; i++) {
		snprintf(cbuf[i].s, sizeof(cbuf[i].s), "%g", cs[i]);
		head_curve[2 + i] = cbuf[i].s;
	}
	table_init(&t, 2 + n_c, head_curve, "llrrrrrrrrrrrrrrrr");
	for (size_t k = 0; k < n_rows; k++) {
		char name[160];
		int has_chosen = tune_same_setting(rows[k], chosen, 1);

		tune_setting_name(name, sizeof(name), rows[k]);
		table_row(r, &t, has_chosen);
		table_cell(r, &t, "%s%s", name, has_chosen ? " (chosen)" : "");
		table_text(r, &t, jstr(rows[k], "class_weight"));
		for (size_t i = 0; i < n_c; i++)
			table_text(r, &t, fmt_score(&a, tune_mean_at(points, rows[k], cs[i], 1, NULL, NULL)));
	}
	heading(r, 3, "Search curve");
	prose(r, "The cross-validated score of every setting against C; a dash where the search did not "
	         "score that point (the character stage and the refinement try only C values next to a "
	         "setting's best). The row holding the chosen point is marked \u201c(chosen)\u201d and set in bold.");
	table_write(r, &t, "tuning-curve");
	table_dispose(&t);
	if (r->format == FMT_HTML) {
		n_rows = tune_rows(points, rows, sizeof(rows) / sizeof(*rows), 0);
		out_raw(r, "<div class=\"figures\">\n");
		svg_tuning_curve(r, tuning, rows, n_rows, cs, n_c);
		out_raw(r, "</div>\n");
	}
	html_open(r, "</section>\n");
}

/* ------------------------------------------------------------------ */
/* Report sections, shared by both formats.                            */

static const char *const CSS =
	":root{color-scheme:light}\n"
	"html{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"body{margin:0;background:#fff;color:#1a202c;font:15px/1.5 system-ui,-apple-system,"
	"\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}\n"
	"main{max-width:1040px;margin:0 auto;padding:24px 32px 48px}\n"
	"h1{font-size:26px;margin:0 0 12px}\n"
	"h2{font-size:21px;margin:40px 0 8px;padding-bottom:4px;border-bottom:2px solid #1a202c}\n"
	"h3{font-size:16px;margin:28px 0 6px}\n"
	"p{margin:6px 0}\n"
	".howto{background:#f7fafc;border-left:4px solid #2b6cb0;padding:4px 16px 8px;margin:12px 0}\n"
	".howto h2{border:0;margin-top:8px;font-size:18px}\n"
	"table{border-collapse:collapse;margin:8px 0 12px;font-size:14px}\n"
	"th,td{padding:3px 10px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}\n"
	"thead th{border-bottom:2px solid #1a202c;font-weight:600;vertical-align:bottom}\n"
	"tbody th{font-weight:500}\n"
	"caption{caption-side:top;text-align:left;font-size:12px;color:#4a5568;padding:0 0 2px}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.num{white-space:nowrap}\n"
	"details.as-table{margin:4px 0 12px;overflow-x:auto}\n"
	"details.as-table summary{cursor:pointer;color:#2b6cb0}\n"
	"tr.strong th,tr.strong td{font-weight:700;background:#f7fafc}\n"
	"code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;"
	"overflow-wrap:anywhere}\n"
	".figures{display:flex;flex-wrap:wrap;gap:12px 32px;align-items:flex-start}\n"
	"svg{font-family:inherit;font-size:12px;max-width:100%;height:auto}\n"
	"svg .count{font-size:15px;font-weight:700}\n"
	"svg .share,svg .tick,svg .small{font-size:10px}\n"
	"svg .axis-title{font-weight:600}\n"
	"ol.mistakes li{margin:0 0 14px}\n"
	"blockquote{margin:4px 0 0;padding:6px 12px;border-left:3px solid #cbd5e0;background:#fafafa;"
	"color:#2d3748}\n"
	".note{color:#4a5568;font-size:14px}\n"
	".warning{background:#fffaf0;border-left:4px solid #c05621;padding:6px 12px}\n"
	"@media print{body{font-size:10pt}main{max-width:none;padding:0}"
	"table{font-size:8.5pt}th,td{padding:2px 5px}"
	"section.task{break-before:page}"
	"table,svg,li,blockquote,.figures{break-inside:avoid;page-break-inside:avoid}"
	"h2,h3{break-after:avoid;page-break-after:avoid}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void write_begin(render *r)
{
	if (r->format == FMT_MARKDOWN) {
		out_raw(r, "# framer evaluation report\n");
		return;
	}
	out_raw(r, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	        "<title>framer evaluation report</title>\n<style>\n");
	out_raw(r, CSS);
	out_raw(r, "</style>\n</head>\n<body>\n<main>\n<h1>framer evaluation report</h1>\n");
}

static void write_end(render *r)
{
	if (r->format == FMT_HTML)
		out_raw(r, "</main>\n</body>\n</html>\n");
}

/* How many test rows have a text the model was trained on (report.json's
 * data.rows_in_training, set by the CLI): -1 when it is not known (null,
 * or absent). */
static double rows_in_training(const json_t *report)
{
	const json_t *n = jdig(report, "data", "rows_in_training", NULL);

	return json_is_number(n) && json_number_value(n) >= 0 ? json_number_value(n) : -1.0;
}

static void write_howto(render *r, const json_t *report)
{
	double seen = rows_in_training(report);
	numbuf a = { "" };

	html_open(r, "<section class=\"howto\">\n");
	heading(r, 2, "How to read this");
	para_open(r);
	/* "Held-out" only when it was checked; a warning when it is false,
	 * and why not when it could not be checked. */
	if (jstr(json_object_get(report, "data"), "training_file") != NULL)
		out_raw(r, "Each task is one label column, scored on the file the model was trained on: "
		        "the test paragraphs are training paragraphs and their scores are not held-out "
		        "(see At a glance). ");
	else if (seen > 0)
		out_fmt(r, "Each task is one label column, scored on test paragraphs, %s of which have a "
		        "text the model was trained on: their scores are not held-out (see At a glance). ",
		        fmt_count(&a, jdig(report, "data", "rows_in_training", NULL)));
	else if (seen == 0)
		out_raw(r, "Each task is one label column, scored on held-out test paragraphs the model "
		        "never saw in training. ");
	else {
		const char *why = jstr(json_object_get(report, "data"), "rows_in_training_unknown");

		out_raw(r, "Each task is one label column, scored on test paragraphs. Whether the model "
		        "was trained on any of them could not be checked");
		if (why != NULL) {
			out_raw(r, " (");
			put_text(r, why);
			out_raw(r, ")");
		}
		out_raw(r, ", so their scores may not be held-out. ");
	}
	out_prose(r,
	      "**Precision** is the share of paragraphs given a label that truly "
	      "have it, **recall** the share of paragraphs with the label that the model found, and "
	      "**F1** combines both (1 is perfect, 0 is none). **Support** is how many test "
	      "paragraphs carry the label: scores resting on a handful of paragraphs swing widely. "
	      "The **majority baseline** gives every paragraph the most common label; where the "
	      "model does not clearly beat it, do not trust the label. **Macro** averages count "
	      "every label alike, **weighted** averages follow support, and **micro** scores equal "
	      "accuracy when each paragraph has one label. **Cross-validation** retrains on parts of "
	      "the training data: a wide \u00b1 spread means the figures depend on which paragraphs "
	      "were tested. **Confidence** is the model's probability that its label is right; the "
	      "**calibration** table checks it against how often the label was right, and the "
	      "**expected calibration error** (ECE) sums up the gap. The **review table** shows what "
	      "checking the least confident paragraphs by hand buys, and the **most confident "
	      "mistakes** are the errors to read first.");
	para_close(r);
	html_open(r, "</section>\n");
}

/* "key value, key value" for the model's config object. */
static void write_config(render *r, const json_t *config)
{
	const char *key = NULL;
	json_t *value = NULL;
	int first = 1;

	json_object_foreach((json_t *)config, key, value) {
		char *dumped = NULL;

		if (!first)
			out_raw(r, ", ");
		first = 0;
		put_text(r, key);
		out_byte(r, ' ');
		if (json_is_string(value)) {
			put_code(r, json_string_value(value));
			continue;
		}
		dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		if (dumped == NULL) {
			if (r->rc == 0)
				r->rc = FR_ENOMEM;
			return;
		}
		put_code(r, dumped);
		free(dumped);
	}
	if (first)
		put_text(r, NULL);
}

/* "path, N rows, sha256 H" */
static void write_file_line(render *r, const char *path, const json_t *rows, const char *sha)
{
	numbuf n = { "" };

	put_code(r, path);
	out_fmt(r, ", %s rows, sha256 ", fmt_count(&n, rows));
	put_code(r, sha);
}

/* One file as write_file_line has it; a base and its corrections as
 * "a.csv (sha256 A), then b.csv (sha256 B): N rows". */
static void write_files_line(render *r, const json_t *files, const char *path, const json_t *rows,
                             const char *sha)
{
	numbuf n = { "" };

	if (json_array_size(files) < 2) {
		write_file_line(r, path, rows, sha);
		return;
	}
	for (size_t i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		if (i > 0)
			out_raw(r, ", then ");
		put_code(r, jstr(f, "path"));
		out_raw(r, " (sha256 ");
		put_code(r, jstr(f, "sha256"));
		out_byte(r, ')');
	}
	out_fmt(r, ", later files over earlier ones: %s rows", fmt_count(&n, rows));
}

/* "; N rows left out: their text WHY", when count (a number of rows) is
 * above 0. */
static void write_left_out(render *r, const json_t *count, const char *why)
{
	numbuf n = { "" };
	double x = jdouble(count, 0.0);

	if (x > 0.0)
		out_fmt(r, "; %s %s left out: %s text %s", fmt_count(&n, count), x == 1.0 ? "row" : "rows",
		        x == 1.0 ? "its" : "their", why);
}

/* "; N rows left out: their text is empty", when a data set had such rows
 * (its "empty_texts"): they are in no figure. */
static void write_empty_texts(render *r, const json_t *data)
{
	write_left_out(r, json_object_get(data, "empty_texts"), "is empty");
}

/* Provenance's note when the cross-validation data is not what the model
 * was trained on: which of its files changed since training (the same
 * path, another sha256), or that they are other files. */
static void write_cv_not_training(render *r, const json_t *cv, const json_t *training_files)
{
	const json_t *files = json_object_get(cv, "files");
	size_t changed = 0;

	out_raw(r, ". ");
	strong_open(r);
	out_raw(r, "Not the data the model was trained on:");
	strong_close(r);
	for (size_t i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);

		for (size_t j = 0; j < json_array_size(training_files); j++) {
			const json_t *t = json_array_get(training_files, j);

			if (jstr(f, "path") == NULL || jstr(t, "path") == NULL || jstr(t, "sha256") == NULL ||
			    strcmp(jstr(f, "path"), jstr(t, "path")) != 0 ||
			    (jstr(f, "sha256") != NULL && strcmp(jstr(f, "sha256"), jstr(t, "sha256")) == 0))
				continue;
			out_raw(r, changed++ ? ", " : " ");
			put_code(r, jstr(f, "path"));
			break;
		}
	}
	if (changed > 0)
		out_raw(r, changed > 1 ? " have changed since training (another sha256 than the model records)"
		                       : " has changed since training (another sha256 than the model records)");
	else
		out_raw(r, " its files are not the training files above (other contents)");
}

static void write_provenance(render *r, const json_t *report)
{
	const json_t *model = json_object_get(report, "model");
	const json_t *data = json_object_get(report, "data");
	const json_t *cv = json_object_get(report, "cv");
	numbuf a = { "" };
	numbuf b = { "" };

	html_open(r, "<section class=\"provenance\">\n");
	heading(r, 2, "Provenance");
	list_open(r);

	item_open(r);
	strong_open(r);
	out_raw(r, "Model:");
	strong_close(r);
	out_byte(r, ' ');
	put_code(r, jstr(model, "path"));
	out_fmt(r, ", vocabulary of %s terms", fmt_count(&a, json_object_get(model, "vocabulary_size")));
	item_close(r);

	item_open(r);
	strong_open(r);
	out_raw(r, "Configuration:");
	strong_close(r);
	out_byte(r, ' ');
	write_config(r, json_object_get(model, "config"));
	item_close(r);

	item_open(r);
	strong_open(r);
	out_raw(r, "Training data:");
	strong_close(r);
	out_byte(r, ' ');
	write_files_line(r, json_object_get(model, "training_files"), jstr(model, "training_data"),
	                 json_object_get(model, "training_rows"), jstr(model, "training_data_sha256"));
	/* Rows training left out, as train's summary counts them. */
	write_left_out(r, json_object_get(model, "training_rows_without_words"), "has no known word");
	item_close(r);

	item_open(r);
	strong_open(r);
	out_raw(r, "Test data:");
	strong_close(r);
	out_byte(r, ' ');
	write_file_line(r, jstr(data, "path"), json_object_get(data, "rows"), jstr(data, "sha256"));
	write_empty_texts(r, data);
	item_close(r);

	item_open(r);
	strong_open(r);
	out_raw(r, "Cross-validation:");
	strong_close(r);
	out_byte(r, ' ');
	if (json_is_object(cv)) {
		out_fmt(r, "%s folds over ", fmt_count(&a, json_object_get(cv, "k")));
		write_files_line(r, json_object_get(cv, "files"), jstr(cv, "data"), json_object_get(cv, "rows"),
		                 jstr(cv, "sha256"));
		write_empty_texts(r, cv);
		if (jstr(cv, "grouped_by") != NULL) {
			out_raw(r, ", grouped by ");
			put_text(r, jstr(cv, "grouped_by"));
		}
		if (jstr(cv, "stratified_by") != NULL) {
			out_raw(r, ", stratified by ");
			put_text(r, jstr(cv, "stratified_by"));
		}
		out_fmt(r, ", seed %s", fmt_count(&b, json_object_get(cv, "seed")));
		if (json_is_false(json_object_get(cv, "same_as_training")))
			write_cv_not_training(r, cv, json_object_get(model, "training_files"));
	} else {
		out_raw(r, "not run");
	}
	item_close(r);

	item_open(r);
	strong_open(r);
	out_raw(r, "framer version:");
	strong_close(r);
	out_byte(r, ' ');
	put_text(r, jstr(report, "framer_version"));
	item_close(r);

	list_close(r);
	html_open(r, "</section>\n");
}

/* A label a scored task predicted but has no test rows for (its figures
 * fig): its F1 is 0 by definition and counts in macro-F1. */
static int predicted_without_rows(const json_t *fig)
{
	return json_is_number(json_object_get(fig, "support")) &&
	       jdouble(json_object_get(fig, "support"), 1.0) == 0.0 &&
	       jdouble(json_object_get(fig, "predicted"), 0.0) > 0.0;
}

/* How many of a scored task's labels were predicted without test rows. */
static size_t count_predicted_without_rows(const json_t *task)
{
	const json_t *labels = task_labels(task);
	size_t n = 0;

	for (size_t i = 0; task_scored(task) && i < json_array_size(labels); i++) {
		const char *label = label_at(labels, i);
		n += (size_t)predicted_without_rows(jdig(task, "test", "labels", label != NULL ? label : "", NULL));
	}
	return n;
}

/* At a glance's note on such labels: scikit-learn's macro-F1 (kept) counts
 * their F1 of 0, so one prediction of a label with no test rows can pull
 * it down by a third; beside it, macro-F1 over the labels with test rows. */
static void glance_predicted_without_rows(render *r, const char *name, const json_t *task)
{
	const json_t *labels = task_labels(task);
	size_t n = count_predicted_without_rows(task), shown = 0;
	numbuf a = { "" };

	if (n == 0)
		return;
	item_open(r);
	strong_open(r);
	put_text(r, name);
	strong_close(r);
	out_raw(r, ": ");
	for (size_t i = 0; i < json_array_size(labels); i++) {
		const char *label = label_at(labels, i);
		const json_t *fig = jdig(task, "test", "labels", label != NULL ? label : "", NULL);

		if (!predicted_without_rows(fig))
			continue;
		if (shown++ > 0)
			out_raw(r, shown == n ? " and " : ", ");
		put_text(r, label);
		out_fmt(r, " (predicted %s %s)", fmt_count(&a, json_object_get(fig, "predicted")),
		        jdouble(json_object_get(fig, "predicted"), 0.0) == 1.0 ? "time" : "times");
	}
	out_fmt(r, " %s no test rows: %s F1 of 0 pulls macro-F1 down to %s; ", n == 1 ? "has" : "have",
	        n == 1 ? "its" : "their", fmt_score(&a, jdig(task, "test", "macro", "f1", NULL)));
	out_fmt(r, "macro-F1 over the labels with test rows: %s.",
	        fmt_score(&a, jdig(task, "test", "macro_supported", "f1", NULL)));
	item_close(r);
}

/* One row per task: the headline figures; a warning above them when test
 * rows were in the training data, and notes below on tasks that were not
 * scored or whose macro-F1 a label without test rows pulls down. */
/* A scored task whose test macro-F1 is not over the baseline's: the model
 * does no better than always giving the most frequent label(s). */
static int below_baseline(const json_t *task)
{
	const json_t *mine = jdig(task, "test", "macro", "f1", NULL);
	const json_t *base = jdig(task, "baseline", "macro", "f1", NULL);
	return task_scored(task) && json_is_number(mine) && json_is_number(base) &&
	       json_number_value(mine) <= json_number_value(base);
}

static void glance_below_baseline(render *r, const char *name, const json_t *task)
{
	numbuf a = { "" };
	numbuf b = { "" };

	if (!below_baseline(task))
		return;
	item_open(r);
	strong_open(r);
	put_text(r, name);
	strong_close(r);
	out_fmt(r, ": macro-F1 %s is no better than the baseline's %s (always the most frequent label): "
	        "its labels are not worth more than that guess.",
	        fmt_score(&a, jdig(task, "test", "macro", "f1", NULL)),
	        fmt_score(&b, jdig(task, "baseline", "macro", "f1", NULL)));
	item_close(r);
}

static void write_glance(render *r, const json_t *report, cv_data cv_on)
{
	static const char *const head[] = { "task", "labels", "test paragraphs", "accuracy",
		"baseline accuracy", "macro-F1", "baseline macro-F1", "CV macro-F1 (the folds' mean \u00b1 std)" };
	const json_t *tasks = json_object_get(report, "tasks");
	const char *name = NULL;
	json_t *task = NULL;
	int has_cv = 0, has_multilabel = 0, notes = 0;
	table t = { 0 };

	json_object_foreach((json_t *)tasks, name, task) {
		has_cv = has_cv || task_cv_of(task) != NULL;
		has_multilabel = has_multilabel || task_multilabel(task);
		notes = notes || !task_scored(task) || count_predicted_without_rows(task) > 0 || below_baseline(task);
	}
	if (json_object_size(tasks) == 0)
		return;
	table_init(&t, has_cv ? 8 : 7, head, "lrrrrrrr");
	json_object_foreach((json_t *)tasks, name, task) {
		numbuf a = { "" };
		numbuf b = { "" };
		int scored = task_scored(task);

		table_row(r, &t, 0);
		table_text(r, &t, name);
		table_cell(r, &t, "%zu", json_array_size(task_labels(task)));
		table_text(r, &t, fmt_count(&a, jdig(task, "test", "n", NULL)));
		if (!scored) {
			for (int i = 0; i < 4; i++)
				table_text(r, &t, "not scored");
		} else {
			/* A multi-label task's accuracy is subset accuracy: say so. */
			table_cell(r, &t, "%s%s", fmt_score(&a, jdig(task, "test", "accuracy", NULL)),
			           task_multilabel(task) ? " (subset)" : "");
			table_cell(r, &t, "%s%s", fmt_score(&a, jdig(task, "baseline", "accuracy", NULL)),
			           task_multilabel(task) ? " (subset)" : "");
			table_text(r, &t, fmt_score(&a, jdig(task, "test", "macro", "f1", NULL)));
			table_text(r, &t, fmt_score(&a, jdig(task, "baseline", "macro", "f1", NULL)));
		}
		if (has_cv)
			table_text(r, &t, fmt_spread(&b, jdig(task, "cv", "mean", "macro", "f1", NULL),
			                             jdig(task, "cv", "std", "macro", "f1", NULL)));
	}
	html_open(r, "<section class=\"glance\">\n");
	heading(r, 2, "At a glance");
	const char *training_file = jstr(json_object_get(report, "data"), "training_file");
	if (rows_in_training(report) > 0 || training_file != NULL) {
		numbuf a = { "" };
		numbuf b = { "" };

		html_open(r, "<p class=\"warning\">");
		if (r->format == FMT_MARKDOWN)
			out_raw(r, "\n");
		strong_open(r);
		out_raw(r, "Warning:");
		strong_close(r);
		if (training_file != NULL) {
			/* Told by its sha256, even when the training files cannot be read. */
			out_raw(r, " the test file is the model's training file ");
			put_code(r, training_file);
			out_fmt(r, " (the same sha256): its %s rows are training rows, and their scores are "
			        "not held-out.", fmt_count(&b, jdig(report, "data", "rows", NULL)));
		} else {
			out_fmt(r, " %s of the %s test rows have a text the model was trained on: their scores "
			        "are not held-out.", fmt_count(&a, jdig(report, "data", "rows_in_training", NULL)),
			        fmt_count(&b, jdig(report, "data", "rows", NULL)));
		}
		para_close(r);
	}
	table_write(r, &t, "glance");
	if (notes) {
		list_open(r);
		json_object_foreach((json_t *)tasks, name, task) {
			if (task_scored(task)) {
				glance_below_baseline(r, name, task);
				glance_predicted_without_rows(r, name, task);
				continue;
			}
			item_open(r);
			strong_open(r);
			put_text(r, name);
			strong_close(r);
			out_raw(r, ": no labeled test rows: not scored.");
			item_close(r);
		}
		list_close(r);
	}
	if (has_multilabel)
		prose(r, "For a multi-label task, accuracy (subset) is subset accuracy: the share of "
		         "paragraphs whose every label is right.");
	if (has_cv && cv_on == CV_ON_TUNING_DATA)
		prose(r, "The CV figures are optimistic: --tune chose this model's settings as the best of "
		         "those it scored by cross-validation on the same training rows (see Tuning). The "
		         "test figures are the ones to trust.");
	html_open(r, "</section>\n");
	table_dispose(&t);
}

/* " Cross-validation macro-F1: mean ± std over K folds." when there was any. */
static void cv_macro_sentence(render *r, const json_t *cv)
{
	numbuf a = { "" };
	if (cv != NULL)
		out_fmt(r, " Cross-validation macro-F1 (each fold's, their mean \u00b1 std): %s over %zu folds.",
		        fmt_spread(&a, jdig(cv, "mean", "macro", "f1", NULL), jdig(cv, "std", "macro", "f1", NULL)),
		        json_array_size(json_object_get(cv, "folds")));
}

/* The task's headline: size, accuracy and macro-F1 against the baseline. */
static void task_summary(render *r, const json_t *task)
{
	const json_t *cv = task_cv_of(task);
	numbuf a = { "" };
	numbuf b = { "" };

	para_open(r);
	if (!task_scored(task)) {
		out_fmt(r, "%zu labels. No labeled test rows: not scored (no row of the test data has a "
		        "label for this task).", json_array_size(task_labels(task)));
		cv_macro_sentence(r, cv);
		para_close(r);
		return;
	}
	if (task_multilabel(task)) {
		out_fmt(r, "A multi-label task: a paragraph may carry several of its %zu labels, and each "
		        "label is decided on its own, by a one-vs-rest classifier and a threshold chosen by "
		        "cross-validation at training time. ", json_array_size(task_labels(task)));
		out_fmt(r, "%s test paragraphs. Micro-F1 ", fmt_count(&a, jdig(task, "test", "n", NULL)));
		strong_open(r);
		out_raw(r, fmt_score(&a, jdig(task, "test", "micro", "f1", NULL)));
		strong_close(r);
		out_raw(r, ", macro-F1 ");
		strong_open(r);
		out_raw(r, fmt_score(&a, jdig(task, "test", "macro", "f1", NULL)));
		strong_close(r);
		out_fmt(r, " against %s for a baseline that always gives ",
		        fmt_score(&b, jdig(task, "baseline", "macro", "f1", NULL)));
		put_text(r, jstr(json_object_get(task, "baseline"), "predicts"));
		out_raw(r, "; subset accuracy (every label of the paragraph right) ");
		out_raw(r, fmt_score(&a, jdig(task, "test", "subset_accuracy", NULL)));
		out_raw(r, ", Hamming loss (share of paragraph-label decisions wrong) ");
		out_raw(r, fmt_score(&a, jdig(task, "test", "hamming_loss", NULL)));
		out_raw(r, ".");
		cv_macro_sentence(r, cv);
		para_close(r);
		return;
	}
	out_fmt(r, "%s test paragraphs, %zu labels. Accuracy ",
	        fmt_count(&a, jdig(task, "test", "n", NULL)), json_array_size(task_labels(task)));
	strong_open(r);
	out_raw(r, fmt_score(&a, jdig(task, "test", "accuracy", NULL)));
	strong_close(r);
	out_fmt(r, " against %s for the majority baseline, which always predicts ",
	        fmt_score(&b, jdig(task, "baseline", "accuracy", NULL)));
	put_text(r, jstr(json_object_get(task, "baseline"), "predicts"));
	out_raw(r, "; macro-F1 ");
	strong_open(r);
	out_raw(r, fmt_score(&a, jdig(task, "test", "macro", "f1", NULL)));
	strong_close(r);
	out_fmt(r, " against %s.", fmt_score(&b, jdig(task, "baseline", "macro", "f1", NULL)));
	cv_macro_sentence(r, cv);
	para_close(r);
}

static void task_per_label(render *r, const json_t *task)
{
	static const char *const head_cv[] = { "label", "precision", "recall", "F1", "baseline F1",
		"CV F1 (mean \u00b1 std)", "test support", "training rows" };
	static const char *const head[] = { "label", "precision", "recall", "F1", "baseline F1",
		"test support", "training rows" };
	const json_t *labels = task_labels(task);
	const json_t *cv = task_cv_of(task);
	const json_t *per_label = jdig(task, "calibration", "per_label", NULL);
	const char *head_ml[10];
	size_t ncols = cv != NULL ? 8 : 7;
	table t = { 0 };

	if (json_array_size(labels) == 0)
		return;
	/* A multi-label task's labels each have a threshold, and the
	 * out-of-fold F1 it was chosen for. */
	memcpy(head_ml, cv != NULL ? head_cv : head, ncols * sizeof(*head_ml));
	if (per_label != NULL) {
		head_ml[ncols++] = "threshold";
		head_ml[ncols++] = "F1 at threshold (training CV)";
	}
	table_init(&t, ncols, head_ml, "lrrrrrrrrr");
	for (size_t i = 0; i < json_array_size(labels); i++) {
		const char *label = label_at(labels, i);
		const char *key = label != NULL ? label : "";
		const json_t *fig = jdig(task, "test", "labels", key, NULL);
		numbuf a = { "" };

		table_row(r, &t, 0);
		table_text(r, &t, label);
		table_text(r, &t, fmt_score(&a, json_object_get(fig, "precision")));
		table_text(r, &t, fmt_score(&a, json_object_get(fig, "recall")));
		table_text(r, &t, fmt_score(&a, json_object_get(fig, "f1")));
		table_text(r, &t, fmt_score(&a, jdig(task, "baseline", "labels", key, "f1", NULL)));
		if (cv != NULL)
			table_text(r, &t, fmt_cv_label_f1(&a, cv, key));
		table_text(r, &t, fmt_count(&a, json_object_get(fig, "support")));
		table_text(r, &t, fmt_count(&a, jdig(task, "train_counts", key, NULL)));
		if (per_label != NULL) {
			table_text(r, &t, fmt_score(&a, jdig(per_label, key, "threshold", NULL)));
			table_text(r, &t, fmt_score(&a, jdig(per_label, key, "cv_f1", NULL)));
		}
	}
	heading(r, 3, "Per label");
	html_open(r, "<div class=\"figures\">\n");
	table_write(r, &t, "per-label");
	if (r->format == FMT_HTML)
		svg_f1_chart(r, task);
	html_open(r, "</div>\n");
	if (cv_label_in_some_folds(task))
		prose(r, "A CV F1 marked (n of k folds) is the mean over the folds where the label occurs in the "
		         "held-out rows or the predictions. A label in few folds is in few documents: the fold "
		         "that holds its documents trains without them and cannot predict it, so its F1 there "
		         "is 0, and it pulls that fold's macro-F1 down and widens the CV spread.");
	table_dispose(&t);
}

static void task_averages(render *r, const json_t *task)
{
	static const char *const head[] = { "average", "precision", "recall", "F1",
		"baseline precision", "baseline recall", "baseline F1" };
	static const char *const kinds[] = { "macro", "weighted", "micro" };
	const json_t *test = json_object_get(task, "test");
	const json_t *base = json_object_get(task, "baseline");
	double correct = confusion_correct(json_object_get(test, "confusion"));
	numbuf a = { "" };
	numbuf b = { "" };
	table t = { 0 };

	table_init(&t, 7, head, "lrrrrrr");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		table_row(r, &t, 0);
		table_text(r, &t, kinds[i]);
		table_text(r, &t, fmt_score(&a, jdig(test, kinds[i], "precision", NULL)));
		table_text(r, &t, fmt_score(&a, jdig(test, kinds[i], "recall", NULL)));
		table_text(r, &t, fmt_score(&a, jdig(test, kinds[i], "f1", NULL)));
		table_text(r, &t, fmt_score(&a, jdig(base, kinds[i], "precision", NULL)));
		table_text(r, &t, fmt_score(&a, jdig(base, kinds[i], "recall", NULL)));
		table_text(r, &t, fmt_score(&a, jdig(base, kinds[i], "f1", NULL)));
	}
	heading(r, 3, "Averages");
	table_write(r, &t, "averages");
	table_dispose(&t);

	para_open(r);
	if (task_multilabel(task)) {
		out_raw(r, "Micro averages pool every paragraph-label decision. Subset accuracy ");
		strong_open(r);
		out_raw(r, fmt_score(&a, json_object_get(test, "subset_accuracy")));
		strong_close(r);
		out_fmt(r, " (baseline %s); Hamming loss ", fmt_score(&b, json_object_get(base, "subset_accuracy")));
		strong_open(r);
		out_raw(r, fmt_score(&a, json_object_get(test, "hamming_loss")));
		strong_close(r);
		out_fmt(r, " (baseline %s).", fmt_score(&b, json_object_get(base, "hamming_loss")));
		para_close(r);
		return;
	}
	out_raw(r, "Accuracy ");
	strong_open(r);
	out_raw(r, fmt_score(&a, json_object_get(test, "accuracy")));
	strong_close(r);
	if (correct >= 0.0 && json_is_number(json_object_get(test, "n")))
		out_fmt(r, " (%.0f of %s paragraphs right)", correct,
		        fmt_count(&b, json_object_get(test, "n")));
	out_fmt(r, "; majority baseline %s.", fmt_score(&a, json_object_get(base, "accuracy")));
	para_close(r);
}

static void task_notes(render *r, const json_t *task)
{
	const json_t *notes = json_object_get(task, "label_notes");
	const char *label = NULL;
	json_t *sentences = NULL;

	if (json_object_size(notes) == 0)
		return;
	heading(r, 3, "Notes on labels");
	list_open(r);
	json_object_foreach((json_t *)notes, label, sentences) {
		item_open(r);
		strong_open(r);
		put_text(r, label);
		strong_close(r);
		out_raw(r, ":");
		if (json_is_string(sentences)) {
			out_byte(r, ' ');
			put_text(r, json_string_value(sentences));
		}
		for (size_t i = 0; i < json_array_size(sentences); i++) {
			const char *sentence = json_string_value(json_array_get(sentences, i));
			if (sentence == NULL)
				continue;
			out_byte(r, ' ');
			put_text(r, sentence);
		}
		item_close(r);
	}
	list_close(r);
}

static void task_confusion(render *r, const char *name, const json_t *task)
{
	const json_t *confusion = jdig(task, "test", "confusion", NULL);
	const json_t *labels = json_object_get(confusion, "labels");
	const json_t *matrix = json_object_get(confusion, "matrix");
	size_t k = json_array_size(labels);
	const char **head = NULL;
	char *align = NULL;
	table t = { 0 };

	if (k == 0)
		return;
	head = calloc(k + 2, sizeof(*head));
	align = calloc(k + 3, 1);
	if (head == NULL || align == NULL) {
		r->rc = r->rc != 0 ? r->rc : FR_ENOMEM;
		goto done;
	}
	head[0] = "true \u2193 / predicted \u2192";
	align[0] = 'l';
	for (size_t p = 0; p < k; p++) {
		head[p + 1] = label_at(labels, p) != NULL ? label_at(labels, p) : MISSING;
		align[p + 1] = 'r';
	}
	head[k + 1] = "total";
	align[k + 1] = 'r';
	table_init(&t, k + 2, head, align);
	for (size_t i = 0; i < k; i++) {
		const json_t *row = json_array_get(matrix, i);
		double total = 0.0;

		for (size_t p = 0; p < k; p++)
			total += jdouble(json_array_get(row, p), 0.0);
		table_row(r, &t, 0);
		table_text(r, &t, label_at(labels, i));
		for (size_t p = 0; p < k; p++) {
			double count = jdouble(json_array_get(row, p), 0.0);
			numbuf pct = { "" };

			table_cell(r, &t, "%.0f (%s)", count,
			           total > 0.0 ? fmt_share(&pct, count / total) : MISSING);
		}
		table_cell(r, &t, "%.0f", total);
	}
	heading(r, 3, "Confusion matrix");
	prose(r, "Rows are the true labels, columns the predicted ones. Each cell gives a number of "
	         "test paragraphs and its share of the row: of the paragraphs that truly carry the "
	         "row's label, how many went to each prediction. The diagonal holds the correct ones.");
	/* The page shows the heat map and keeps the same figures as a table
	 * one click away (a closed <details> is left out of print). */
	if (r->format == FMT_HTML)
		svg_heatmap(r, name, confusion);
	html_open(r, "<p class=\"note\">Blue cells are correct predictions, red ones confusions; "
	          "the darker the cell, the larger its share of the row.</p>\n");
	html_open(r, "<details class=\"as-table\"><summary>The same figures as a table</summary>\n");
	table_write(r, &t, "confusion");
	html_open(r, "</details>\n");
done:
	table_dispose(&t);
	free(head);
	free(align);
}

static void task_cv(render *r, const json_t *task, cv_data cv_on)
{
	static const char *const head[] = { "fold", "paragraphs held out", "accuracy", "macro-F1",
		"weighted F1" };
	const json_t *cv = task_cv_of(task);
	const json_t *folds = json_object_get(cv, "folds");
	numbuf a = { "" };
	table t = { 0 };

	if (cv == NULL)
		return;
	table_init(&t, 5, head, "lrrrr");
	for (size_t i = 0; i < json_array_size(folds); i++) {
		const json_t *fold = json_array_get(folds, i);

		table_row(r, &t, 0);
		table_cell(r, &t, "%zu", i + 1);
		table_text(r, &t, fmt_count(&a, json_object_get(fold, "n")));
		table_text(r, &t, fmt_score(&a, json_object_get(fold, "accuracy")));
		table_text(r, &t, fmt_score(&a, jdig(fold, "macro", "f1", NULL)));
		table_text(r, &t, fmt_score(&a, jdig(fold, "weighted", "f1", NULL)));
	}
	table_row(r, &t, 1);
	table_text(r, &t, "mean \u00b1 std");
	table_text(r, &t, "");
	table_text(r, &t, fmt_spread(&a, jdig(cv, "mean", "accuracy", NULL), jdig(cv, "std", "accuracy", NULL)));
	table_text(r, &t, fmt_spread(&a, jdig(cv, "mean", "macro", "f1", NULL),
	                             jdig(cv, "std", "macro", "f1", NULL)));
	table_text(r, &t, fmt_spread(&a, jdig(cv, "mean", "weighted", "f1", NULL),
	                             jdig(cv, "std", "weighted", "f1", NULL)));
	heading(r, 3, "Cross-validation");
	para_open(r);
	out_prose(r, cv_on == CV_ON_OTHER_DATA
	                 ? "The model retrained and tested on each fold of the cross-validation data, "
	                   "which is **not the data the model was trained on** (see Provenance). "
	                 : "The model retrained and tested on each fold of the training data (see "
	                   "Provenance). ");
	if (cv_on == CV_ON_TUNING_DATA)
		out_prose(r, "Its settings were chosen by --tune on these same rows, as the best of the points "
		             "it scored by cross-validation (see Tuning), so these figures are **optimistic**: "
		             "the held-out test figures are the ones to trust. ");
	out_prose(r, "\u00b1 is one standard deviation over the folds; the per-label spread is in the "
	             "per-label table.");
	para_close(r);
	table_write(r, &t, "cv");
	table_dispose(&t);
}

/* The calibration section: how confidence was calibrated, the expected
 * calibration error, and the reliability table (test, and the pooled
 * cross-validation folds beside it when there are some). */
static void task_calibration(render *r, const char *name, const json_t *task)
{
	static const char *const head_cv[] = { "confidence", "test paragraphs", "mean confidence",
		"accuracy", "accuracy \u2212 confidence", "CV paragraphs", "CV mean confidence",
		"CV accuracy" };
	/* A multi-label task's bins count paragraph-label pairs. */
	static const char *const head_pairs[] = { "confidence", "test paragraph\u2013label pairs",
		"mean confidence", "accuracy", "accuracy \u2212 confidence", "CV paragraph\u2013label pairs",
		"CV mean confidence", "CV accuracy" };
	const json_t *cal = json_object_get(task, "calibration");
	const json_t *test = jdig(task, "reliability", "test", NULL);
	const json_t *cv = jdig(task, "reliability", "cv", NULL);
	const json_t *bins = json_object_get(test, "bins");
	const json_t *cv_bins = json_object_get(cv, "bins");
	const char *method = jstr(cal, "method");
	numbuf a = { "" };
	numbuf b = { "" };
	numbuf c = { "" };
	double conf = 0.0, acc = 0.0;
	table t = { 0 };

	if (!json_is_object(test))
		return;
	if (!json_is_object(cv))
		cv = NULL;
	table_init(&t, cv != NULL ? 8 : 5, task_multilabel(task) ? head_pairs : head_cv, "lrrrrrrr");
	for (size_t i = 0; i < json_array_size(bins); i++) {
		const json_t *bin = json_array_get(bins, i);
		const json_t *cv_bin = json_array_get(cv_bins, i);

		table_row(r, &t, 0);
		table_cell(r, &t, "%.1f\u2013%.1f", jdouble(json_object_get(bin, "lower"), 0.0),
		           jdouble(json_object_get(bin, "upper"), 0.0));
		table_text(r, &t, fmt_count(&a, json_object_get(bin, "count")));
		table_text(r, &t, fmt_score(&a, json_object_get(bin, "confidence")));
		table_text(r, &t, fmt_score(&a, json_object_get(bin, "accuracy")));
		if (num_get(json_object_get(bin, "confidence"), &conf) &&
		    num_get(json_object_get(bin, "accuracy"), &acc))
			table_cell(r, &t, "%+.3f", fabs(acc - conf) < 0.0005 ? 0.0 : acc - conf);
		else
			table_text(r, &t, MISSING);
		if (cv == NULL)
			continue;
		table_text(r, &t, fmt_count(&a, json_object_get(cv_bin, "count")));
		table_text(r, &t, fmt_score(&a, json_object_get(cv_bin, "confidence")));
		table_text(r, &t, fmt_score(&a, json_object_get(cv_bin, "accuracy")));
	}
	table_row(r, &t, 1);
	table_text(r, &t, "all");
	table_text(r, &t, fmt_count(&a, json_object_get(test, "n")));
	table_text(r, &t, fmt_score(&a, json_object_get(test, "confidence")));
	table_text(r, &t, fmt_score(&a, json_object_get(test, "accuracy")));
	if (num_get(json_object_get(test, "confidence"), &conf) && num_get(json_object_get(test, "accuracy"), &acc))
		table_cell(r, &t, "%+.3f", fabs(acc - conf) < 0.0005 ? 0.0 : acc - conf);
	else
		table_text(r, &t, MISSING);
	if (cv != NULL) {
		table_text(r, &t, fmt_count(&a, json_object_get(cv, "n")));
		table_text(r, &t, fmt_score(&a, json_object_get(cv, "confidence")));
		table_text(r, &t, fmt_score(&a, json_object_get(cv, "accuracy")));
	}

	heading(r, 3, "Calibration");
	para_open(r);
	if (task_multilabel(task)) {
		out_fmt(r, "Each label's probability comes from its own classifier, %s. The table sorts "
		        "every pair of a test paragraph and a label into ten bins by the label's probability "
		        "and sets each bin's mean probability beside how often the paragraph truly has the "
		        "label (its accuracy column). The ", method != NULL && strcmp(method, "platt") == 0
		        ? "calibrated by Platt scaling on out-of-fold training scores (one slope per label)"
		        : "not calibrated (raw scores)");
	} else {
		if (method != NULL && strcmp(method, "platt") == 0) {
			out_fmt(r, "Confidence is a probability calibrated by Platt scaling (slope %s, fit on %s "
			        "out-of-fold training paragraphs in %s folds): of the paragraphs given confidence "
			        "0.8, about 80%% should be right.", fmt_score(&a, json_object_get(cal, "slope")),
			        fmt_count(&b, json_object_get(cal, "rows")), fmt_count(&c, json_object_get(cal, "folds")));
			/* Rows of a label absent from their fold's training get no
			 * out-of-fold score (calibrate.c): say where they went. */
			double labeled = 0.0, fit = jdouble(json_object_get(cal, "rows"), 0.0);
			const char *key = NULL;
			const json_t *count = NULL;
			json_object_foreach((json_t *)json_object_get(task, "train_counts"), key, count)
				labeled += jdouble(count, 0.0);
			if (fit > 0.0 && labeled > fit)
				out_fmt(r, " The other %.0f of the %.0f labeled training paragraphs have a label whose "
				        "every row was in their own fold: the fold's classifier had no row of it to "
				        "learn from, so it gave them no score.", labeled - fit, labeled);
		} else if (method == NULL || strcmp(method, "none") == 0) {
			out_raw(r, "Confidence is the raw score (the model is not calibrated): it ranks paragraphs "
			        "by certainty but is not a probability.");
		} else {
			out_raw(r, "Confidence is calibrated by ");
			put_text(r, method);
			out_raw(r, ".");
		}
		out_raw(r, " The table sorts the test paragraphs into ten bins by confidence and sets each "
		        "bin's mean confidence beside how often its label was right. The ");
	}
	strong_open(r);
	out_raw(r, "expected calibration error");
	strong_close(r);
	out_raw(r, task_multilabel(task) ? " (ECE) over those pairs is "
	                                 : " (ECE), the gap between the two weighted by paragraphs, is ");
	strong_open(r);
	out_raw(r, fmt_score(&a, json_object_get(test, "ece")));
	strong_close(r);
	out_raw(r, " on the test set");
	if (cv != NULL)
		out_fmt(r, " and %s in cross-validation", fmt_score(&a, json_object_get(cv, "ece")));
	out_raw(r, task_multilabel(task) ? " (0 is perfect; bins of a few pairs swing widely)."
	                                 : " (0 is perfect; bins of a few paragraphs swing widely).");
	para_close(r);
	html_open(r, "<div class=\"figures\">\n");
	table_write(r, &t, "reliability");
	if (r->format == FMT_HTML)
		svg_reliability(r, name, test, cv, task_multilabel(task));
	html_open(r, "</div>\n");
	table_dispose(&t);
}

static void task_thresholds(render *r, const json_t *task)
{
	static const char *const head[] = { "review below confidence", "you review",
		"kept as labeled", "kept ones right", "macro-F1 of kept", "accuracy after review" };
	const json_t *rows = json_object_get(task, "thresholds");
	const json_t *test = json_object_get(task, "test");
	numbuf a = { "" };
	numbuf b = { "" };
	table t = { 0 };

	if (json_array_size(rows) == 0)
		return;
	table_init(&t, 6, head, "rrrrrr");
	table_row(r, &t, 0);
	table_text(r, &t, "none");
	table_text(r, &t, "0");
	table_text(r, &t, fmt_count(&a, json_object_get(test, "n")));
	table_text(r, &t, fmt_pct(&a, json_object_get(test, "accuracy")));
	table_text(r, &t, fmt_score(&a, jdig(test, "macro", "f1", NULL)));
	table_text(r, &t, fmt_pct(&a, json_object_get(test, "accuracy")));
	for (size_t i = 0; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);
		double review = jdouble(json_object_get(row, "review"), 0.0);
		double accepted = jdouble(json_object_get(row, "accepted"), 0.0);

		if (!(review > 0.0))
			continue; /* nothing reviewed: the "none" row above */
		table_row(r, &t, 0);
		table_text(r, &t, fmt_cut(&a, json_is_number(json_object_get(row, "review_below"))
		                                  ? json_object_get(row, "review_below")
		                                  : json_object_get(row, "threshold")));
		table_cell(r, &t, "%s (%s)", fmt_count(&a, json_object_get(row, "review")),
		           review + accepted > 0.0 ? fmt_share(&b, review / (review + accepted)) : MISSING);
		table_text(r, &t, fmt_count(&a, json_object_get(row, "accepted")));
		table_text(r, &t, accepted > 0.0 ? fmt_pct(&a, json_object_get(row, "precision")) : MISSING);
		table_text(r, &t, accepted > 0.0 ? fmt_score(&a, json_object_get(row, "macro_f1")) : MISSING);
		table_text(r, &t, fmt_pct(&a, json_object_get(row, "accuracy_after_review")));
	}
	heading(r, 3, "Review by confidence");
	if (task_multilabel(task))
		prose(r, "If you check by hand every paragraph whose confidence, as labels.jsonl and labels.csv "
		         "give it (4 decimals), is below the cut, you review that many paragraphs; the rest keep "
		         "the model's label set, and a kept paragraph counts as right only when every one of "
		         "its labels is (given or withheld rightly). Accuracy after review counts the reviewed "
		         "paragraphs as corrected.");
	else
		prose(r, "If you check by hand every paragraph whose confidence, as labels.jsonl and labels.csv "
		         "give it (4 decimals), is below the cut, you review that many paragraphs; the rest keep "
		         "the model's label and are right as often as shown. Accuracy after review counts the "
		         "reviewed paragraphs as corrected.");
	table_write(r, &t, "thresholds");
	table_dispose(&t);
}

static void task_terms(render *r, const json_t *task)
{
	const json_t *terms = json_object_get(task, "top_terms");
	const json_t *labels = task_labels(task);

	if (!json_is_object(terms))
		return;
	heading(r, 3, "Telling terms");
	prose(r, "The terms that push a paragraph most toward each label, strongest first: words, and "
	         "phrases when the model uses word n-grams. Each is shown as it was most often written in "
	         "the training text; the model matches its stems, so a term also stands for the other "
	         "forms of its words.");
	list_open(r);
	for (size_t i = 0; i < json_array_size(labels); i++) {
		const char *label = label_at(labels, i);
		const json_t *list = json_object_get(terms, label != NULL ? label : "");

		if (json_array_size(list) == 0)
			continue;
		item_open(r);
		strong_open(r);
		put_text(r, label);
		strong_close(r);
		out_raw(r, ": ");
		for (size_t j = 0, shown = 0; j < json_array_size(list); j++) {
			const char *term = jstr(json_array_get(list, j), "term");
			if (term == NULL)
				continue;
			if (shown++ > 0)
				out_raw(r, ", ");
			put_text(r, term);
		}
		item_close(r);
	}
	list_close(r);
}

/* A multi-label mistake's wrong decisions: "gave x at p 0.270 (threshold
 * 0.266); missed y at p 0.120 (threshold 0.300)". */
static void write_wrong_decisions(render *r, const json_t *wrong)
{
	numbuf p = { "" };
	numbuf t = { "" };

	for (size_t i = 0; i < json_array_size(wrong); i++) {
		const json_t *d = json_array_get(wrong, i);

		out_raw(r, i ? "; " : "");
		out_raw(r, json_is_true(json_object_get(d, "given")) ? "gave " : "missed ");
		put_text(r, jstr(d, "label"));
		if (!json_is_number(json_object_get(d, "probability"))) {
			out_raw(r, " (not a label of the model)");
			continue;
		}
		out_fmt(r, " at p %s (threshold %s)", fmt_score(&p, json_object_get(d, "probability")),
		        fmt_score(&t, json_object_get(d, "threshold")));
	}
}

/* Terms, comma-separated, or "none". */
static void write_terms(render *r, const json_t *terms)
{
	size_t shown = 0;

	for (size_t i = 0; i < json_array_size(terms); i++) {
		const char *term = json_string_value(json_array_get(terms, i));
		if (term == NULL)
			continue;
		if (shown++ > 0)
			out_raw(r, ", ");
		put_text(r, term);
	}
	if (shown == 0)
		out_raw(r, "none");
}

/* A multi-label mistake's evidence, decision by decision: "for giving x:
 * a, b; for withholding y: c". Decisions on labels the model lacks have
 * none. */
static void write_decision_evidence(render *r, const json_t *wrong)
{
	size_t shown = 0;

	for (size_t i = 0; i < json_array_size(wrong); i++) {
		const json_t *d = json_array_get(wrong, i);
		const json_t *terms = json_object_get(d, "evidence");
		if (!json_is_array(terms))
			continue;
		out_raw(r, shown++ ? "; " : "");
		out_raw(r, json_is_true(json_object_get(d, "given")) ? "for giving " : "for withholding ");
		put_text(r, jstr(d, "label"));
		out_raw(r, ": ");
		write_terms(r, terms);
	}
	if (shown == 0)
		out_raw(r, "none");
}

/* One mistake: "id · true → predicted · confidence c" (a multi-label one:
 * its wrong decisions in place of the confidence), the evidence (a
 * multi-label one: each wrong decision's), then the paragraph quoted. */
static void write_mistake(render *r, size_t n, const json_t *m)
{
	const json_t *evidence = json_object_get(m, "evidence");
	const json_t *wrong = json_object_get(m, "wrong");
	char marker[32] = "";
	numbuf c = { "" };

	snprintf(marker, sizeof(marker), "%zu. ", n);
	out_raw(r, r->format == FMT_HTML ? "<li><p>" : "\n");
	if (r->format == FMT_MARKDOWN)
		out_raw(r, marker);
	strong_open(r);
	put_text(r, jstr(m, "id"));
	strong_close(r);
	out_raw(r, " \u00b7 ");
	put_text(r, jstr(m, "true"));
	out_raw(r, " \u2192 ");
	put_text(r, jstr(m, "predicted"));
	out_raw(r, " \u00b7 ");
	if (json_is_array(wrong))
		write_wrong_decisions(r, wrong);
	else
		out_fmt(r, "confidence %s", fmt_score(&c, json_object_get(m, "confidence")));
	if (r->format == FMT_HTML) {
		out_raw(r, "</p>\n<p>Evidence: ");
	} else {
		out_raw(r, "\n");
		for (size_t i = 0; i < strlen(marker); i++)
			out_byte(r, ' ');
		out_raw(r, "Evidence: ");
	}
	if (json_is_array(wrong))
		write_decision_evidence(r, wrong);
	else
		write_terms(r, evidence);
	if (r->format == FMT_HTML) {
		out_raw(r, "</p>\n<blockquote>");
		put_text(r, jstr(m, "text"));
		out_raw(r, "</blockquote></li>\n");
		return;
	}
	out_raw(r, "\n\n");
	for (size_t i = 0; i < strlen(marker); i++)
		out_byte(r, ' ');
	out_raw(r, "> ");
	md_text(r, jstr(m, "text") != NULL ? jstr(m, "text") : MISSING, MD_LINE_START);
	out_raw(r, "\n");
}

static void task_mistakes(render *r, const json_t *task)
{
	const json_t *mistakes = json_object_get(task, "mistakes");

	if (json_array_size(mistakes) == 0)
		return;
	heading(r, 3, "Most confident mistakes");
	if (task_multilabel(task))
		prose(r, "Wrong label sets the model was surest of, surest first: a paragraph ranks by its "
		         "surest wrong decision, a label given wrongly by its probability p and a label missed "
		         "by 1 \u2212 p. Each wrong decision is shown with p and the label's threshold, and "
		         "with the words that argued for it: for giving a label wrongly, or for withholding "
		         "a label that was missed. Each gives the paragraph, then its true labels \u2192 the "
		         "labels predicted.");
	else
		prose(r, "Wrong predictions the model was surest of, most confident first: they show what it "
		         "misreads, or where a label deserves a second look. Each gives the paragraph, then "
		         "its true label \u2192 the label predicted, and the confidence.");
	html_open(r, "<ol class=\"mistakes\">\n");
	for (size_t i = 0, n = 0; i < json_array_size(mistakes); i++)
		if (json_is_object(json_array_get(mistakes, i)))
			write_mistake(r, ++n, json_array_get(mistakes, i));
	html_open(r, "</ol>\n");
}

static void write_task(render *r, size_t index, const char *name, const json_t *task, cv_data cv_on)
{
	if (r->format == FMT_HTML)
		out_fmt(r, "<section class=\"task\" id=\"task-%zu\">\n", index + 1);
	heading_open(r, 2);
	out_raw(r, "Task: ");
	put_text(r, name);
	heading_close(r, 2);
	r->task = name;
	r->heading = NULL;
	task_summary(r, task);
	if (!task_scored(task)) {
		/* No test figures: what cross-validation and training say. */
		if (task_cv_of(task) != NULL)
			task_per_label(r, task);
		task_notes(r, task);
		task_cv(r, task, cv_on);
		task_terms(r, task);
		html_open(r, "</section>\n");
		return;
	}
	task_per_label(r, task);
	task_averages(r, task);
	task_notes(r, task);
	task_confusion(r, name, task);
	task_cv(r, task, cv_on);
	task_calibration(r, name, task);
	task_thresholds(r, task);
	task_terms(r, task);
	task_mistakes(r, task);
	html_open(r, "</section>\n");
}

static void write_report(render *r, const json_t *report)
{
	const json_t *tasks = json_object_get(report, "tasks");
	const char *name = NULL;
	json_t *task = NULL;
	size_t index = 0;

	write_begin(r);
	write_howto(r, report);
	write_provenance(r, report);
	cv_data cv_on = json_is_false(jdig(report, "cv", "same_as_training", NULL)) ? CV_ON_OTHER_DATA
	                : json_is_object(json_object_get(report, "tuning"))        ? CV_ON_TUNING_DATA
	                                                                           : CV_ON_TRAINING;
	write_glance(r, report, cv_on);
	write_tuning(r, report);
	json_object_foreach((json_t *)tasks, name, task)
		write_task(r, index++, name, task, cv_on);
	write_end(r);
}

/* Renders in the "C" numeric locale (for this thread only), then flushes
 * so that a write error buffered in fp is seen here. */
static int render_report(const json_t *report, FILE *fp, render_format format)
{
	render r = { fp, format, 0, NULL, NULL };
	locale_t c_numeric = (locale_t)0;
	locale_t previous = (locale_t)0;
	int rc = 0;

	if (report == NULL || !json_is_object(report) || fp == NULL) {
		rc = FR_EINVALID;
		goto done;
	}
	c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c_numeric == (locale_t)0) {
		rc = FR_ENOMEM;
		goto done;
	}
	previous = uselocale(c_numeric);
	write_report(&r, report);
	if (r.rc == 0 && (fflush(fp) != 0 || ferror(fp)))
		r.rc = FR_EIO;
	rc = r.rc;
done:
	if (previous != (locale_t)0)
		uselocale(previous);
	if (c_numeric != (locale_t)0)
		freelocale(c_numeric);
	return rc;
}

int fr_report_write_markdown(const struct json_t *report, FILE *fp)
{
	return render_report(report, fp, FMT_MARKDOWN);
}

int fr_report_write_html(const struct json_t *report, FILE *fp)
{
	return render_report(report, fp, FMT_HTML);
}
