/* Tests of the report renderers (eval/render.c): the Markdown and HTML
 * drawn from tests/fixtures/report/report.json, a hand-made report with two
 * tasks and hostile text (markup, quotes, a pipe and a newline in a
 * paragraph, a label with <b> in it, non-ASCII words); its Tuning section
 * from a hand-made search record and from a model really trained with
 * fr_tune. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "fr_error.h"
#include "model.h"
#include "render.h"
#include "report.h"
#include "test_util.h"
#include "tune.h"

#define FIXTURE FR_TEST_FIXTURES "/report/report.json"

typedef int (*render_fn)(const json_t *report, FILE *fp);

/* The rendering of report as a malloc'd string (the caller frees it), the
 * renderer's return code in *rc_out. */
static char *render_string(render_fn fn, const json_t *report, int *rc_out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	*rc_out = fn(report, fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(buf);
	return buf;
}

/* Renders and asserts success. */
static char *render_ok(render_fn fn, const json_t *report)
{
	int rc = -1;
	char *out = render_string(fn, report, &rc);

	assert_int_equal(rc, 0);
	return out;
}

static size_t count_of(const char *haystack, const char *needle)
{
	size_t n = 0;
	const char *p = haystack;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

#define assert_contains(hay, needle) \
	do { \
		if (strstr((hay), (needle)) == NULL) \
			fail_msg("missing: %s", (needle)); \
	} while (0)

#define assert_lacks(hay, needle) \
	do { \
		if (strstr((hay), (needle)) != NULL) \
			fail_msg("unexpected: %s", (needle)); \
	} while (0)

static int setup_fixture(void **state)
{
	json_error_t error;
	json_t *report = json_load_file(FIXTURE, 0, &error);

	if (report == NULL) {
		print_error("%s:%d: %s\n", FIXTURE, error.line, error.text);
		return -1;
	}
	*state = report;
	return 0;
}

static int teardown_fixture(void **state)
{
	json_decref(*state);
	return 0;
}

/* The fixture without cross-validation and without
 * top terms, as an RBF model evaluated without --cv reports it. */
static json_t *without_cv_and_terms(const json_t *report)
{
	json_t *copy = json_deep_copy(report);
	const char *name = NULL;
	json_t *task = NULL;

	assert_non_null(copy);
	assert_int_equal(json_object_set_new(copy, "cv", json_null()), 0);
	json_object_foreach(json_object_get(copy, "tasks"), name, task) {
		assert_int_equal(json_object_del(task, "cv"), 0);
		assert_int_equal(json_object_del(task, "top_terms"), 0);
		assert_int_equal(json_object_del(json_object_get(task, "reliability"), "cv"), 0);
	}
	return copy;
}

/* --- Markdown ----------------------------------------------------- */

static void test_render__markdown_sections_and_tables(void **state)
{
	char *md = render_ok(fr_report_write_markdown, *state);
	static const char *const headings[] = {
		"# framer evaluation report\n", "\n## How to read this\n", "\n## Provenance\n",
		"\n## At a glance\n", "\n## Task: stance\n", "\n## Task: frame\n",
		"\n### Per label\n", "\n### Averages\n", "\n### Notes on labels\n",
		"\n### Confusion matrix\n", "\n### Cross-validation\n", "\n### Calibration\n",
		"\n### Review by confidence\n",
		"\n### Telling terms\n", "\n### Most confident mistakes\n",
	};

	assert_true(strncmp(md, "# framer evaluation report\n", 27) == 0);
	for (size_t i = 0; i < sizeof(headings) / sizeof(headings[0]); i++)
		assert_contains(md, headings[i]);
	/* Per task: per label, averages, confusion, cv and thresholds tables. */
	assert_int_equal(count_of(md, "\n### Per label\n"), 2);
	assert_int_equal(count_of(md, "\n| label "), 2);
	assert_int_equal(count_of(md, "\n| average "), 2);
	assert_int_equal(count_of(md, "\n| true \u2193 / predicted \u2192 "), 2);
	assert_int_equal(count_of(md, "\n| fold "), 2);
	assert_int_equal(count_of(md, "\n| review below confidence "), 2);
	assert_contains(md, "\n|:-------|-------:|");
	/* Provenance. */
	assert_contains(md, "**Model:** `models/default`, vocabulary of 4817 terms");
	assert_contains(md, "**Test data:** `data/labeled/test.csv`, 147 rows, sha256 "
	                    "`9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`");
	assert_contains(md, "kernel `linear`, C `1.0`");
	assert_contains(md, "3 folds over `data/labeled/train.csv`");
	assert_contains(md, "grouped by document, stratified by stance, seed 1");
	assert_contains(md, "**framer version:** 0.1.0");
	/* The Markdown ends with exactly one newline. */
	assert_true(md[strlen(md) - 1] == '\n' && md[strlen(md) - 2] != '\n');
	free(md);
}

static void test_render__markdown_lists_every_label(void **state)
{
	const json_t *report = *state;
	char *md = render_ok(fr_report_write_markdown, report);
	const char *name = NULL;
	json_t *task = NULL;

	json_object_foreach((json_t *)json_object_get(report, "tasks"), name, task) {
		const json_t *labels = json_object_get(task, "labels");
		for (size_t i = 0; i < json_array_size(labels); i++) {
			const char *label = json_string_value(json_array_get(labels, i));
			char row[256] = "";

			/* Markup in a label is escaped, never live. */
			if (strcmp(label, "other <b>misc</b>") == 0)
				label = "other \\<b\\>misc\\</b\\>";
			snprintf(row, sizeof(row), "\n| %s ", label);
			/* per-label table, confusion table */
			assert_true(count_of(md, row) >= 2);
			assert_contains(md, label);
		}
	}
	assert_lacks(md, "<b>");
	free(md);
}

static void test_render__markdown_numbers_have_fixed_decimals(void **state)
{
	char *md = render_ok(fr_report_write_markdown, *state);

	/* stance: macro-F1 0.544959 -> 0.545, accuracy 0.816327 -> 0.816 */
	assert_contains(md, "| macro    |     0.545 |  0.545 | 0.545 |");
	assert_contains(md, "Accuracy **0.816** (120 of 147 paragraphs right); majority baseline 0.599.");
	assert_contains(md, "| pro_ukraine |     0.800 |  0.772 | 0.786 |       0.000 |      0.755 \u00b1 0.027 |");
	/* Confusion cells: count and row share with one decimal. */
	assert_contains(md, "|  44 (77.2%) | 13 (22.8%) |   0 (0.0%) |    57 |");
	assert_contains(md, "2 (100.0%)");
	/* Cross-validation: folds and mean ± std. */
	assert_contains(md, "| **mean \u00b1 std** |                     | **0.798 \u00b1 0.024** | "
	                    "**0.530 \u00b1 0.015** |");
	/* Thresholds: scores with 3 decimals, shares with 1. */
	assert_contains(md, "|                   0.500 |   8 (5.4%) |             139 |           84.2% |"
	                    "            0.596 |                 85.0% |");
	assert_contains(md, "confidence 0.912");
	/* No raw full-precision number leaks through. */
	assert_lacks(md, "0.544959");
	assert_lacks(md, "0.8163");
	free(md);
}

/* Checks that every row of every Markdown table has as many cell
 * separators (unescaped |) as the table's header. */
static void assert_md_tables_consistent(const char *md)
{
	size_t expected = 0;
	int in_table = 0;

	for (const char *line = md; *line != '\0';) {
		const char *end = strchr(line, '\n');
		size_t len = end != NULL ? (size_t)(end - line) : strlen(line);

		if (len > 0 && line[0] == '|') {
			size_t pipes = 0;
			for (size_t i = 0; i < len; i++)
				if (line[i] == '|' && (i == 0 || line[i - 1] != '\\'))
					pipes++;
			if (!in_table)
				expected = pipes;
			if (pipes != expected)
				fail_msg("table row with %zu separators, header has %zu: %.*s", pipes,
				         expected, (int)len, line);
			in_table = 1;
		} else {
			in_table = 0;
		}
		line += len + (end != NULL);
	}
}

static void test_render__markdown_pipe_and_newline_keep_rows_whole(void **state)
{
	char *md = render_ok(fr_report_write_markdown, *state);
	json_t *hostile = NULL;
	json_error_t error;

	assert_md_tables_consistent(md);
	/* The mistake's text: one line, pipes escaped, markup escaped. */
	assert_contains(md, "\n   > Officials said \\<script\\>alert(1)\\</script\\> was found in the "
	                    "\"peace plan\" page & the 'annex' \\| Zelenskyy\u2019s office \\| called "
	                    "it a hoax.\n");
	assert_contains(md, "Evidence: alert, \\<script\\>, Zelenskyy\u2019s, R\\&D\n");
	free(md);

	/* A label with a pipe and a newline goes through every table. */
	hostile = json_loads(
		"{\"tasks\": {\"t|x\": {\"labels\": [\"yes|no\\nmaybe\", \"b\"],"
		" \"test\": {\"labels\": {\"yes|no\\nmaybe\": {\"precision\": 1.0, \"recall\": 0.5,"
		"  \"f1\": 0.6667, \"support\": 2}}, \"accuracy\": 0.5, \"n\": 4,"
		"  \"confusion\": {\"labels\": [\"yes|no\\nmaybe\", \"b\"], \"matrix\": [[1, 1], [1, 1]]}},"
		" \"cv\": {\"folds\": [{\"n\": 2}], \"mean\": {}, \"std\": {}},"
		" \"thresholds\": [{\"threshold\": 0.5, \"accepted\": 2, \"review\": 2}]}}}",
		0, &error);
	assert_non_null(hostile);
	md = render_ok(fr_report_write_markdown, hostile);
	assert_md_tables_consistent(md);
	assert_contains(md, "\n| yes\\|no maybe ");
	assert_contains(md, "\n## Task: t\\|x\n");
	assert_lacks(md, "\nmaybe");
	free(md);
	json_decref(hostile);
}

/* --- HTML --------------------------------------------------------- */

static void test_render__html_escapes_every_string(void **state)
{
	char *html = render_ok(fr_report_write_html, *state);

	assert_lacks(html, "<script");
	assert_lacks(html, "<SCRIPT");
	assert_lacks(html, "</script");
	assert_contains(html, "Officials said &lt;script&gt;alert(1)&lt;/script&gt; was found in the "
	                      "&quot;peace plan&quot; page &amp; the &#39;annex&#39; | "
	                      "Zelenskyy\u2019s office | called it a hoax.");
	/* Evidence terms, labels in tables, in SVG text and in SVG titles. */
	assert_contains(html, "Evidence: alert, &lt;script&gt;, Zelenskyy\u2019s, R&amp;D</p>");
	assert_lacks(html, "<b>");
	assert_contains(html, "<th scope=\"row\">other &lt;b&gt;misc&lt;/b&gt;</th>");
	assert_contains(html, "class=\"axis-label\">other &lt;b&gt;misc&lt;/b&gt;</text>");
	assert_contains(html, "<title>true blames_russia, predicted other &lt;b&gt;misc&lt;/b&gt;");
	assert_contains(html, "\u2192 other &lt;b&gt;misc&lt;/b&gt; \u00b7 confidence 0.912");
	/* A path with a colon-free name stays readable. */
	assert_contains(html, "<code>data/labeled/test.csv</code>");
	free(html);
}

static void test_render__html_is_self_contained(void **state)
{
	char *html = render_ok(fr_report_write_html, *state);

	assert_true(strncmp(html, "<!doctype html>\n", 16) == 0);
	assert_contains(html, "<meta charset=\"utf-8\">");
	assert_int_equal(count_of(html, "<style>"), 1);
	assert_lacks(html, "http");
	assert_lacks(html, "<link");
	assert_lacks(html, "<img");
	assert_lacks(html, "url(");
	assert_lacks(html, "@import");
	assert_lacks(html, "src=");
	assert_lacks(html, "href=");
	/* Printing keeps the heat map's colours and tables whole. */
	assert_contains(html, "print-color-adjust:exact");
	assert_contains(html, "@media print");
	assert_contains(html, "break-inside:avoid");
	assert_true(strcmp(html + strlen(html) - 8, "</html>\n") == 0);
	free(html);
}

static void test_render__html_has_the_markdown_content(void **state)
{
	char *html = render_ok(fr_report_write_html, *state);

	assert_contains(html, "<h1>framer evaluation report</h1>");
	assert_contains(html, "<h2>How to read this</h2>");
	assert_contains(html, "<strong>Precision</strong> is the share");
	assert_lacks(html, "**");
	assert_contains(html, "<h2>Provenance</h2>");
	assert_contains(html, "<h2>Task: stance</h2>");
	assert_contains(html, "<h3>Cross-validation</h3>");
	assert_contains(html, "<h3>Telling terms</h3>");
	assert_int_equal(count_of(html, "<table class=\"per-label\">"), 2);
	assert_int_equal(count_of(html, "<table class=\"confusion\">"), 2);
	assert_int_equal(count_of(html, "<table class=\"thresholds\">"), 2);
	assert_contains(html, "<td class=\"num\">0.530 \u00b1 0.015</td>");
	assert_contains(html, "<td class=\"num\">44 (77.2%)</td>");
	assert_contains(html, "<li><strong>pro_ukraine</strong>: support ukrain, defend, democraci");
	free(html);
}

/* The <svg class="NAME" ...> ... </svg> elements of html, each as counts
 * of "<rect" in out[]; returns how many there are. */
static size_t svg_rect_counts(const char *html, const char *name, size_t *out, size_t max)
{
	char open[64] = "";
	size_t n = 0;
	const char *p = html;

	snprintf(open, sizeof(open), "<svg class=\"%s\"", name);
	while ((p = strstr(p, open)) != NULL && n < max) {
		const char *end = strstr(p, "</svg>");
		size_t rects = 0;

		assert_non_null(end);
		for (const char *q = strstr(p, "<rect"); q != NULL && q < end; q = strstr(q + 1, "<rect"))
			rects++;
		out[n++] = rects;
		p = end;
	}
	return n;
}

static void test_render__html_heatmap_has_a_rect_per_cell(void **state)
{
	char *html = render_ok(fr_report_write_html, *state);
	size_t rects[4] = { 0 };

	/* stance is 3 x 3, frame 5 x 5 */
	assert_int_equal(svg_rect_counts(html, "heatmap", rects, 4), 2);
	assert_int_equal(rects[0], 9);
	assert_int_equal(rects[1], 25);
	/* Counts written in the cells, axes named. */
	assert_contains(html, "class=\"count\" fill=\"#000000\">44</text>");
	assert_contains(html, "class=\"share\" fill=\"#000000\">77.2%</text>");
	/* Colour by row share: a whole row sent to one wrong label is full red,
	 * an empty cell white. */
	assert_contains(html, "fill=\"#cb181d\"><title>true pro_russia, predicted neutral: 2 of 2 "
	                      "(100.0%)</title></rect>");
	assert_contains(html, "fill=\"#ffffff\"><title>true pro_russia, predicted pro_russia: 0 of 2 "
	                      "(0.0%)</title></rect>");
	assert_int_equal(count_of(html, ">true label</text>"), 2);
	assert_int_equal(count_of(html, ">predicted label</text>"), 2);
	/* One F1 chart per task: a bar for the model and one for the baseline
	 * per label, plus two legend swatches. */
	assert_int_equal(svg_rect_counts(html, "f1-chart", rects, 4), 2);
	assert_int_equal(rects[0], 3 * 2 + 2);
	assert_int_equal(rects[1], 5 * 2 + 2);
	free(html);
}

static int html_is_void(const char *name, size_t len)
{
	return (len == 4 && strncmp(name, "meta", 4) == 0) || (len == 2 && strncmp(name, "br", 2) == 0);
}

/* Every element is closed, in order. Data never holds a raw '<' or '>'
 * (that is tested above), so a tag ends at the next '>'. */
static void assert_tags_balance(const char *html)
{
	const char *stack[256];
	size_t len[256];
	size_t depth = 0;

	for (const char *p = strchr(html, '<'); p != NULL; p = strchr(p, '<')) {
		const char *end = strchr(p, '>');
		int closing = p[1] == '/';
		const char *name = p + 1 + closing;
		size_t n = strcspn(name, " \t\n>/");

		assert_non_null(end);
		if (p[1] == '!') {
			p = end + 1;
			continue;
		}
		if (closing) {
			if (depth == 0 || len[depth - 1] != n || strncmp(stack[depth - 1], name, n) != 0)
				fail_msg("</%.*s> closes <%.*s>", (int)n, name,
				         depth ? (int)len[depth - 1] : 0, depth ? stack[depth - 1] : "");
			depth--;
		} else if (end[-1] != '/' && !html_is_void(name, n)) {
			assert_true(depth < 256);
			stack[depth] = name;
			len[depth] = n;
			depth++;
		}
		/* The style sheet is text up to its end tag. */
		if (!closing && n == 5 && strncmp(name, "style", 5) == 0) {
			end = strstr(end, "</style>");
			assert_non_null(end);
			end--;
		}
		p = end + 1;
	}
	assert_int_equal(depth, 0);
}

static void test_render__html_tags_balance(void **state)
{
	char *html = render_ok(fr_report_write_html, *state);

	assert_tags_balance(html);
	free(html);
}

/* Regression (an empty confusion row's tooltip said "0 of 0 (0.0%)" where
 * the table says "0 (\u2013)"): a row with no test paragraphs has no share,
 * in the heat map's tooltips as in the table. */
static void test_render__heatmap_empty_row_has_no_share(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *matrix = json_object_get(json_object_get(json_object_get(json_object_get(
		json_object_get(report, "tasks"), "stance"), "test"), "confusion"), "matrix");

	/* No test paragraph truly pro_russia. */
	assert_int_equal(json_array_set_new(matrix, 2, json_pack("[i, i, i]", 0, 0, 0)), 0);
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);

	assert_contains(md, "| pro_russia ");
	assert_contains(md, " 0 (\u2013) |");
	assert_contains(html, "<title>true pro_russia, predicted neutral: 0 of 0 (\u2013)</title>");
	assert_lacks(html, "0 of 0 (0.0%)");
	assert_tags_balance(html);
	free(md);
	free(html);
	json_decref(report);
}

/* The calibration section: the method, the ECE on test and in
 * cross-validation, and the reliability table with every bin; a raw model
 * says its confidence is no probability. */
static void test_render__calibration_reliability_table(void **state)
{
	char *md = render_ok(fr_report_write_markdown, *state);
	char *html = render_ok(fr_report_write_html, *state);
	size_t rects[2] = { 0 };

	assert_int_equal(count_of(md, "\n### Calibration\n"), 2);
	assert_contains(md, "calibrated by Platt scaling (slope 2.119, fit on 498 out-of-fold training "
	                    "paragraphs in 5 folds)");
	assert_contains(md, "is **0.091** on the test set and 0.046 in cross-validation");
	/* Regression (report review: "fit on 790" of 795 training paragraphs,
	 * and no word on the other 5): the gap is explained, where there is one. */
	assert_contains(md, "The other 5 of the 503 labeled training paragraphs have a label whose every row "
	                    "was in their own fold");
	assert_int_equal(count_of(md, "so it gave them no score."), 1);
	assert_contains(md, "Confidence is the raw score (the model is not calibrated)");
	assert_contains(md, "is **0.313** on the test set and 0.296 in cross-validation");
	assert_int_equal(count_of(md, "\n| confidence | test paragraphs | mean confidence |  accuracy | "
	                              "accuracy \u2212 confidence | CV paragraphs | CV mean confidence | "
	                              "CV accuracy |\n"), 2);
	assert_contains(md, "\n| 0.9\u20131.0    |              58 |           0.958 |     0.897 |"
	                    "                -0.061 |           217 |              0.963 |       0.954 |\n");
	assert_contains(md, "\n| 0.0\u20130.1    |               0 |               \u2013 |");
	assert_contains(md, "\n| 0.6\u20130.7    |               0 |               \u2013 |         \u2013 |");
	assert_contains(md, "\n| **all**    |         **147** |       **0.821** | **0.776** |"
	                    "            **-0.045** |       **503** |          **0.824** |   **0.813** |\n");
	assert_md_tables_consistent(md);
	/* HTML: the same table and a reliability diagram per task, a bar per
	 * non-empty test bin (plus the legend's), a ring per cross-validation bin. */
	assert_int_equal(count_of(html, "<h3>Calibration</h3>"), 2);
	assert_int_equal(count_of(html, "<table class=\"reliability\">"), 2);
	assert_int_equal(svg_rect_counts(html, "reliability", rects, 2), 2);
	assert_int_equal(rects[0], 6 + 1);
	assert_int_equal(rects[1], 5 + 1);
	assert_contains(html, "<strong>expected calibration error</strong> (ECE)");
	assert_contains(html, "<title>test, confidence 0.9 to 1.0: 58 paragraphs, mean confidence 0.958, "
	                      "accuracy 0.897</title>");
	assert_contains(html, "<title>cross-validation, confidence 0.9 to 1.0: 217 paragraphs, mean "
	                      "confidence 0.963, accuracy 0.954</title>");
	assert_tags_balance(html);
	free(md);
	free(html);
}

/* A method the renderer does not know is data, escaped; a report without a
 * reliability block (from an older framer) has no calibration section. */
static void test_render__calibration_odd_and_missing(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *tasks = json_object_get(report, "tasks");
	char *md = NULL;
	char *html = NULL;

	assert_int_equal(json_object_set_new(json_object_get(json_object_get(tasks, "stance"), "calibration"),
	                                     "method", json_string("<b>iso</b>")), 0);
	assert_int_equal(json_object_del(json_object_get(tasks, "frame"), "reliability"), 0);
	md = render_ok(fr_report_write_markdown, report);
	html = render_ok(fr_report_write_html, report);
	assert_int_equal(count_of(md, "\n### Calibration\n"), 1);
	assert_contains(md, "Confidence is calibrated by \\<b\\>iso\\</b\\>.");
	assert_contains(html, "Confidence is calibrated by &lt;b&gt;iso&lt;/b&gt;.");
	assert_lacks(html, "<b>iso");
	assert_int_equal(count_of(html, "<svg class=\"reliability\""), 1);
	assert_tags_balance(html);
	free(md);
	free(html);
	json_decref(report);
}

/* --- Optional parts, odd input, errors ----------------------------- */

static void test_render__without_cv_and_top_terms(void **state)
{
	json_t *report = without_cv_and_terms(*state);
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);

	assert_lacks(md, "### Cross-validation");
	assert_lacks(md, "### Telling terms");
	assert_lacks(md, "CV F1");
	assert_lacks(md, "CV macro-F1");
	assert_lacks(md, "mean \u00b1 std");
	assert_lacks(md, " \u00b1 0.");
	assert_lacks(md, "Timing");
	assert_lacks(md, "CV paragraphs");
	assert_lacks(md, "in cross-validation (0 is perfect");
	assert_contains(md, "is **0.091** on the test set (0 is perfect");
	assert_contains(md, "**Cross-validation:** not run");
	assert_contains(md, "\n| pro_ukraine |     0.800 |  0.772 | 0.786 |       0.000 |           57 |");
	assert_md_tables_consistent(md);
	assert_lacks(html, "<h3>Cross-validation</h3>");
	assert_lacks(html, "<h3>Telling terms</h3>");
	assert_lacks(html, "mean \u00b1 std");
	assert_lacks(html, "cross-validation \u00b1 std");
	assert_lacks(html, "<title>cross-validation, confidence");
	assert_contains(html, "<svg class=\"reliability\"");
	assert_contains(html, "<svg class=\"heatmap\"");
	assert_contains(html, "<h3>Most confident mistakes</h3>");
	assert_tags_balance(html);
	free(md);
	free(html);
	json_decref(report);
}

/* Reports with parts missing or of the wrong type render what there is. */
static void test_render__sparse_and_malformed_reports(void **state)
{
	static const char *const reports[] = {
		"{}",
		"{\"tasks\": {}}",
		"{\"tasks\": {\"t\": {}}, \"model\": {\"config\": \"not an object\"}, \"cv\": 3}",
		"{\"tasks\": {\"t\": {\"labels\": [\"a\", 7],"
		" \"test\": {\"confusion\": {\"labels\": [\"a\", \"b\"], \"matrix\": [[1], [2, \"x\", 4]]},"
		"  \"labels\": {\"a\": {\"f1\": \"high\"}}},"
		" \"baseline\": [], \"cv\": {\"folds\": 1, \"mean\": [], \"std\": null},"
		" \"label_notes\": {\"a\": \"just one sentence\", \"b\": [1, null]},"
		" \"thresholds\": [{}, 3], \"top_terms\": {\"a\": [{\"term\": null}, 5]},"
		" \"mistakes\": [{\"id\": 5, \"evidence\": \"x\"}, null]}}}",
	};
	(void)state;

	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		json_error_t error;
		json_t *report = json_loads(reports[i], 0, &error);
		char *md = NULL;
		char *html = NULL;

		assert_non_null(report);
		md = render_ok(fr_report_write_markdown, report);
		html = render_ok(fr_report_write_html, report);
		assert_contains(md, "# framer evaluation report\n");
		assert_md_tables_consistent(md);
		assert_tags_balance(html);
		if (i == 3) {
			size_t rects[2] = { 0 };
			assert_int_equal(svg_rect_counts(html, "heatmap", rects, 2), 1);
			assert_int_equal(rects[0], 4);
			assert_contains(md, "| a                    | 1 (100.0%) | 0 (0.0%) |     1 |");
			assert_contains(md, "- **a**: just one sentence\n");
			assert_contains(md, "\n1. **\u2013** \u00b7 \u2013 \u2192 \u2013 \u00b7 confidence \u2013\n");
			assert_lacks(md, "\n2. ");
		}
		free(md);
		free(html);
		json_decref(report);
	}
}

static void test_render__full_stream_is_eio(void **state)
{
	FILE *fp = fopen("/dev/full", "w");

	assert_non_null(fp);
	assert_int_equal(fr_report_write_markdown(*state, fp), FR_EIO);
	clearerr(fp);
	assert_int_equal(fr_report_write_html(*state, fp), FR_EIO);
	fclose(fp);
}

static void test_render__bad_arguments_are_einvalid(void **state)
{
	json_t *array = json_array();
	FILE *fp = fopen("/dev/null", "w");

	assert_non_null(array);
	assert_non_null(fp);
	assert_int_equal(fr_report_write_markdown(array, fp), FR_EINVALID);
	assert_int_equal(fr_report_write_html(array, fp), FR_EINVALID);
	assert_int_equal(fr_report_write_markdown(NULL, fp), FR_EINVALID);
	assert_int_equal(fr_report_write_html(*state, NULL), FR_EINVALID);
	fclose(fp);
	json_decref(array);
}

/* The same report gives the same bytes, whatever the caller's locale. */
static void test_render__output_is_deterministic(void **state)
{
	static const char *const comma_locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR" };
	char *first = render_ok(fr_report_write_html, *state);
	char *second = render_ok(fr_report_write_html, *state);
	char *md = NULL;
	char *md_again = NULL;
	int switched = 0;

	assert_string_equal(first, second);
	free(second);
	md = render_ok(fr_report_write_markdown, *state);
	for (size_t i = 0; i < sizeof(comma_locales) / sizeof(comma_locales[0]) && !switched; i++)
		switched = setlocale(LC_NUMERIC, comma_locales[i]) != NULL;
	if (switched) {
		md_again = render_ok(fr_report_write_markdown, *state);
		setlocale(LC_NUMERIC, "C");
		assert_string_equal(md, md_again);
		free(md_again);
	}
	free(md);
	free(first);
}

/* --- Tuning ------------------------------------------------------ */

/* A search record as tune.c writes it (tune.h, render.h): the config's own
 * point on libsvm, two word settings over the C grid (one class weight),
 * one character setting at two C values, the chosen one among them. */
static const char *const tuning_json =
	"{\"objective\": \"macro-F1\", \"tasks\": [\"stance\", \"frame\"], \"skipped_tasks\": [\"frames\"],"
	" \"folds\": 5, \"repeats\": 3, \"grouped_by\": \"document\", \"seed\": 1, \"rows\": 503,"
	" \"search\": \"small\", \"large_rows\": 2000,"
	" \"grid\": {\"C\": [0.25, 0.5, 1.0, 2.0], \"class_weight\": [\"none\", \"balanced\"],"
	"  \"min_df\": [1, 2], \"ngram_range\": [[1, 1], [1, 2]], \"stopwords\": [true, false],"
	"  \"char_ngrams\": [2, 5], \"char_stage\": {\"settings\": 2, \"C_steps\": 1, \"class_weight\": \"both\"}},"
	" \"points\": ["
	"  {\"stage\": \"default\", \"C\": 1.0, \"class_weight\": \"balanced\", \"solver\": \"libsvm\","
	"   \"stopwords\": true, \"min_df\": 2, \"ngram_range\": [1, 2], \"char_ngrams\": null,"
	"   \"mean\": 0.5057, \"std\": 0.0536, \"tasks\": {\"stance\": 0.6, \"frame\": 0.41}},"
	"  {\"stage\": \"words\", \"C\": 0.25, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": true, \"min_df\": 2, \"ngram_range\": [1, 2], \"char_ngrams\": null,"
	"   \"mean\": 0.5511, \"std\": 0.04, \"tasks\": {}},"
	"  {\"stage\": \"words\", \"C\": 0.5, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": true, \"min_df\": 2, \"ngram_range\": [1, 2], \"char_ngrams\": null,"
	"   \"mean\": 0.5626, \"std\": 0.0418, \"tasks\": {}, \"folds\": [0.6, 0.7, 0.8, null]},"
	"  {\"stage\": \"words\", \"C\": 1.0, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": true, \"min_df\": 2, \"ngram_range\": [1, 2], \"char_ngrams\": null,"
	"   \"mean\": 0.5536, \"std\": 0.0446, \"tasks\": {}},"
	"  {\"stage\": \"words\", \"C\": 2.0, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": true, \"min_df\": 2, \"ngram_range\": [1, 2], \"char_ngrams\": null,"
	"   \"mean\": 0.547, \"std\": 0.05, \"tasks\": {}},"
	"  {\"stage\": \"words\", \"C\": 0.25, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": false, \"min_df\": 1, \"ngram_range\": [1, 1], \"char_ngrams\": null,"
	"   \"mean\": 0.52, \"std\": 0.03, \"tasks\": {}},"
	"  {\"stage\": \"words\", \"C\": 0.5, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": false, \"min_df\": 1, \"ngram_range\": [1, 1], \"char_ngrams\": null,"
	"   \"mean\": 0.5301, \"std\": 0.03, \"tasks\": {}},"
	"  {\"stage\": \"words\", \"C\": 1.0, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": false, \"min_df\": 1, \"ngram_range\": [1, 1], \"char_ngrams\": null,"
	"   \"mean\": 0.5402, \"std\": 0.03, \"tasks\": {}},"
	"  {\"stage\": \"words\", \"C\": 2.0, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": false, \"min_df\": 1, \"ngram_range\": [1, 1], \"char_ngrams\": null,"
	"   \"mean\": 0.5333, \"std\": 0.03, \"tasks\": {}},"
	"  {\"stage\": \"chars\", \"C\": 0.5, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": true, \"min_df\": 2, \"ngram_range\": [1, 2], \"char_ngrams\": [2, 5],"
	"   \"mean\": 0.5582, \"std\": 0.0518, \"tasks\": {}},"
	"  {\"stage\": \"chars\", \"C\": 1.0, \"class_weight\": \"balanced\", \"solver\": \"liblinear\","
	"   \"stopwords\": true, \"min_df\": 2, \"ngram_range\": [1, 2], \"char_ngrams\": [2, 5],"
	"   \"mean\": 0.56, \"std\": 0.0431, \"tasks\": {}}]}";

/* The fixture with the record above as its "tuning". */
static json_t *with_tuning(const json_t *report)
{
	json_error_t error;
	json_t *copy = json_deep_copy(report);
	json_t *tuning = json_loads(tuning_json, 0, &error);

	if (tuning == NULL)
		fail_msg("tuning_json:%d: %s", error.line, error.text);
	assert_non_null(copy);
	json_object_set(tuning, "chosen", json_array_get(json_object_get(tuning, "points"), 2));
	json_object_set(tuning, "default", json_array_get(json_object_get(tuning, "points"), 0));
	assert_int_equal(json_object_set_new(copy, "tuning", tuning), 0);
	return copy;
}

/* A tuned model's report has a Tuning section, in both formats: the
 * chosen values beside the config's own, the best points and the search
 * curve (an SVG chart in HTML); an untuned one has none. */
static void test_render__tuning_section(void **state)
{
	json_t *report = with_tuning(*state);
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);
	char *plain_md = render_ok(fr_report_write_markdown, *state);
	char *plain_html = render_ok(fr_report_write_html, *state);

	assert_contains(md, "\n## Tuning\n");
	assert_true(strstr(md, "\n## Tuning\n") < strstr(md, "\n## Task: stance\n"));
	assert_contains(md, "11 settings were scored by cross-validation on the training data (5 folds, "
	                    "repeated 3 times, grouped by document, seed 1; 503 rows, small search)");
	assert_contains(md, "averaged over the tasks stance, frame and over the repeats");
	assert_contains(md, "Multi-label tasks are not scored by the search and use the chosen values: frames.");
	/* Regression (user walk-through: "0.570 \u00b1 0.065" put the std of
	 * per-fold scores, whose mean was 0.694, beside the pooled score): the
	 * pooled score alone, then the folds' own mean \u00b1 std (std alone when
	 * the record has no fold scores). */
	assert_contains(md, "| **chosen**       | **words** | **0.5** | **balanced** | **liblinear** | **yes**    "
	                    "|  **2** | **1\u20132**      | **none**     |               **0.563** "
	                    "|             **0.700 \u00b1 0.042** |");
	assert_contains(md, "| the config's own | default   |       1 | balanced     | libsvm        | yes        "
	                    "|      2 | 1\u20132          | none         |                   0.506 "
	                    "|                     std 0.054 |");
	assert_contains(md, "so the tables give it separately: its mean \u00b1 standard deviation over the folds.");
	assert_lacks(md, "\u00b1 is the standard deviation of one fold's score");
	assert_contains(md, "The chosen setting scores +0.057 over the config's own in cross-validation "
	                    "(0.563 against 0.506).");
	assert_contains(md, "\n### Best points\n");
	assert_contains(md, "\n### Search curve\n");
	/* Ranks: the chosen first and bold, the chars at C 1 second. */
	assert_contains(md, "| **1 (chosen)** | **words** |");
	assert_contains(md, "|              2 | chars     |       1 |");
	/* The curve: C columns as scored, the chosen row bold, dashes where unscored. */
	assert_contains(md, "| setting ");
	assert_contains(md, "|      0.25 |       0.5 |         1 |         2 |\n");
	assert_contains(md, "| **stop words yes, min_df 2, words 1\u20132, chars none (chosen)** | **balanced** "
	                    "| **0.551** | **0.563** | **0.554** | **0.547** |");
	assert_contains(md, "| stop words yes, min_df 2, words 1\u20132, chars 2\u20135               | balanced     "
	                    "|         \u2013 |     0.558 |     0.560 |         \u2013 |");
	assert_contains(md, "| stop words yes, min_df 2, words 1\u20132, chars none, libsvm      | balanced     "
	                    "|         \u2013 |         \u2013 |     0.506 |         \u2013 |");
	assert_md_tables_consistent(md);

	assert_contains(html, "<h2>Tuning</h2>");
	assert_contains(html, "<svg class=\"tuning-curve\"");
	/* One line per setting (4), the chosen ring and the default's square. */
	assert_int_equal(count_of(html, "<path fill=\"none\" stroke=\"#"), 4);
	assert_int_equal(count_of(html, "stroke-dasharray=\"6 3\" d=\"M"), 1);
	assert_contains(html, "<title>chosen: 0.563</title>");
	assert_contains(html, "<title>the config's own: 0.506</title>");
	assert_tags_balance(html);

	assert_lacks(plain_md, "## Tuning");
	assert_lacks(plain_md, "Search curve");
	assert_lacks(plain_html, "<h2>Tuning</h2>");
	assert_lacks(plain_html, "tuning-curve");
	free(md);
	free(html);
	free(plain_md);
	free(plain_html);
	json_decref(report);
}

/* Regression (report review: a tuned model's CV figure, 0.654 beside a test
 * 0.578, was the score its settings were chosen on, and nothing said so):
 * with a "tuning" record and CV on the training data, At a glance and the
 * CV section call the CV figures optimistic; without one they do not. */
static void test_render__tuned_cv_is_called_optimistic(void **state)
{
	json_t *tuned = with_tuning(*state);
	char *md = render_ok(fr_report_write_markdown, tuned);
	char *html = render_ok(fr_report_write_html, tuned);
	char *plain = render_ok(fr_report_write_markdown, *state);

	assert_contains(md, "The CV figures are optimistic: --tune chose this model's settings");
	assert_contains(md, "so these figures are **optimistic**: the held-out test figures are the ones to trust.");
	assert_contains(html, "so these figures are <strong>optimistic</strong>");
	assert_lacks(plain, "optimistic");
	assert_contains(plain, "CV macro-F1 (the folds' mean \u00b1 std)");
	free(md);
	free(html);
	free(plain);
	json_decref(tuned);
}

/* Regression (report review: stance at 0.675 accuracy against a 0.900
 * baseline, and At a glance said nothing): a task whose macro-F1 is no
 * better than the majority baseline's is named under the table. */
static void test_render__glance_names_a_task_below_the_baseline(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *stance = json_object_get(json_object_get(report, "tasks"), "stance");
	json_t *base = json_object_get(json_object_get(json_object_get(stance, "baseline"), "macro"), "f1");
	assert_true(json_is_number(base));
	json_object_set_new(json_object_get(json_object_get(stance, "test"), "macro"), "f1",
	                    json_real(json_number_value(base)));
	char *md = render_ok(fr_report_write_markdown, report);
	char *plain = render_ok(fr_report_write_markdown, *state);

	assert_contains(md, "**stance**: macro-F1 ");
	assert_contains(md, "(always the most frequent label): its labels are not worth more than that guess.");
	assert_lacks(plain, "no better than the baseline");
	free(md);
	free(plain);
	json_decref(report);
}

/* End to end: a model trained after fr_tune, with the search recorded in
 * it, gets a report whose JSON holds model.json's "tuning" and whose
 * Markdown and HTML show the Tuning section; the same model untuned does
 * not. */
static void test_render__tuned_model_report_has_tuning(void **state)
{
	static const char *const words[3][4] = { { "ceasefire", "talks", "dialogue", "peace" },
		{ "invasion", "aggression", "crimes", "brutal" }, { "tanks", "artillery", "ammunition", "weapons" } };
	static const char *const labels[3] = { "talks", "blame", "arms" };
	char dir[128], path[192], csv[8192];
	size_t len = 0;
	fr_error err = FR_ERROR_INIT;
	fr_dataset ds;
	fr_model_config cfg;
	fr_tune_options to = FR_TUNE_OPTIONS_INIT;
	fr_report_options ro = FR_REPORT_OPTIONS_INIT;
	fr_model *tuned = NULL, *plain = NULL;
	json_t *record = NULL, *report = NULL, *plain_report = NULL;
	char *md = NULL, *html = NULL, *plain_md = NULL;
	char chosen_c[64], needle[96];
	const char *row = NULL;

	(void)state;
	assert_int_equal(test_tmpdir(dir, sizeof(dir), "/tmp/fr_test_render_"), 0);
	len += (size_t)snprintf(csv + len, sizeof(csv) - len, "id,document,text,frame\n");
	for (size_t r = 0; r < 36; r++)
		len += (size_t)snprintf(csv + len, sizeof(csv) - len, "%zu,d%zu,%s and %s in Ukraine %s,%s\n", r, r / 4,
		                        words[r % 3][r % 4], words[r % 3][(r / 3) % 4], words[(r + 1) % 3][r % 2 * 3],
		                        labels[r % 3]);
	test_path(path, sizeof(path), dir, "train.csv");
	assert_int_equal(test_write_text(path, csv), 0);
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	to.threads = 2;
	assert_int_equal(fr_tune(&cfg, &ds, &to, &record, NULL, NULL, &err), 0);
	snprintf(chosen_c, sizeof(chosen_c), "%g", json_number_value(json_object_get(json_object_get(record, "chosen"), "C")));
	assert_int_equal(fr_model_train(&tuned, &ds, &cfg, NULL, 0, NULL, NULL, &err), 0);
	assert_int_equal(fr_model_set_tuning(tuned, record, &err), 0);
	assert_int_equal(fr_model_train(&plain, &ds, &cfg, NULL, 0, NULL, NULL, &err), 0);
	ro.cv_folds = 0;
	assert_int_equal(fr_report_build(&report, tuned, "models/tuned", &ds, NULL, NULL, &ro, NULL, NULL, &err), 0);
	assert_int_equal(fr_report_build(&plain_report, plain, "models/plain", &ds, NULL, NULL, &ro, NULL, NULL, &err), 0);

	assert_true(json_is_object(json_object_get(report, "tuning")));
	assert_true(json_equal(json_object_get(report, "tuning"),
	                       json_object_get(fr_model_manifest(tuned), "tuning")));
	assert_null(json_object_get(plain_report, "tuning"));
	md = render_ok(fr_report_write_markdown, report);
	html = render_ok(fr_report_write_html, report);
	plain_md = render_ok(fr_report_write_markdown, plain_report);
	assert_contains(md, "\n## Tuning\n");
	assert_contains(md, "\n### Search curve\n");
	assert_contains(md, "of task frame");
	assert_contains(html, "<h2>Tuning</h2>");
	assert_contains(html, "<svg class=\"tuning-curve\"");
	assert_lacks(plain_md, "## Tuning");
	/* The chosen row holds the chosen C. */
	row = strstr(md, "| **chosen** ");
	assert_non_null(row);
	snprintf(needle, sizeof(needle), " **%s** ", chosen_c);
	assert_true(strstr(row, needle) != NULL && strstr(row, needle) < strchr(row, '\n'));
	free(md);
	free(html);
	free(plain_md);
	json_decref(report);
	json_decref(plain_report);
	fr_model_free(tuned);
	fr_model_free(plain);
	fr_model_config_dispose(&cfg);
	fr_dataset_dispose(&ds);
	assert_int_equal(test_rmtree(dir), 0);
}

/* Regression (user walk-through: a multi-label mistake read
 * "sanctions_economy → blames_russia|sanctions_economy · confidence 1.000",
 * the probability of a label that was right): a multi-label mistake shows
 * its wrong decisions, each with its probability and threshold, and the
 * section says how they are ranked. */
static void test_render__multilabel_mistakes_show_the_wrong_decision(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *task = json_object_get(json_object_get(report, "tasks"), "frame");
	json_t *mistakes = json_pack(
		"[{s:s, s:s, s:s, s:s, s:f, s:[s], s:[{s:s, s:b, s:f, s:f, s:[s]}]},"
		" {s:s, s:s, s:s, s:s, s:f, s:[s, s], s:[{s:s, s:b, s:f, s:f, s:[s, s]}, {s:s, s:b, s:n, s:n}]}]",
		"id", "p1", "text", "Sanctions bite.", "true", "sanctions_economy",
		"predicted", "blames_russia|sanctions_economy", "confidence", 0.27, "evidence", "sanctions",
		"wrong", "label", "blames_russia", "given", 1, "probability", 0.27, "threshold", 0.266,
		"evidence", "sanctions",
		"id", "p2", "text", "Talks resume.", "true", "talks|aid", "predicted", "blames_russia",
		"confidence", 0.88, "evidence", "shelling", "Kremlin",
		"wrong", "label", "talks", "given", 0, "probability", 0.12, "threshold", 0.3,
		"evidence", "shelling", "Kremlin",
		"label", "aid", "given", 0, "probability", "threshold");

	assert_non_null(mistakes);
	assert_int_equal(json_object_set_new(task, "multilabel", json_true()), 0);
	assert_int_equal(json_object_set_new(task, "mistakes", mistakes), 0);
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);
	const char *want[] = {
		"**p1** \u00b7 sanctions_economy \u2192 blames_russia\\|sanctions_economy \u00b7 "
		"gave blames_russia at p 0.270 (threshold 0.266)",
		"missed talks at p 0.120 (threshold 0.300); missed aid (not a label of the model)",
		"a label given wrongly by its probability p and a label missed by 1 \u2212 p",
		"Evidence: for giving blames_russia: sanctions\n",
		"Evidence: for withholding talks: shelling, Kremlin\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		assert_contains(md, want[i]);
	assert_contains(html, "gave blames_russia at p 0.270 (threshold 0.266)");
	assert_contains(html, "<p>Evidence: for withholding talks: shelling, Kremlin</p>");
	assert_lacks(md, "confidence 0.270");
	assert_lacks(md, "confidence 0.880");
	assert_tags_balance(html);
	free(md);
	free(html);
	json_decref(report);
}

/* Regression (user walk-through: "Telling terms" said "stemmed words" and
 * listed whole words): the section says what it shows, the words as the
 * training text most often wrote them. */
static void test_render__telling_terms_say_what_they_show(void **state)
{
	char *md = render_ok(fr_report_write_markdown, *state);
	char *html = render_ok(fr_report_write_html, *state);

	assert_lacks(md, "stemmed words");
	assert_lacks(html, "stemmed words");
	assert_contains(md, "Each is shown as it was most often written in the training text");
	assert_contains(html, "Each is shown as it was most often written in the training text");
	free(md);
	free(html);
}

/* Regression (user walk-through: At a glance called a multi-label task's
 * subset accuracy "accuracy"): its cells say "(subset)" and a note says
 * what that is; a single-label task's do not. */
static void test_render__glance_names_subset_accuracy(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *task = json_object_get(json_object_get(report, "tasks"), "frame");

	assert_int_equal(json_object_set_new(task, "multilabel", json_true()), 0);
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);
	const char *glance = strstr(md, "\n## At a glance\n");
	assert_non_null(glance);
	const char *frame = strstr(glance, "\n| frame ");
	const char *stance = strstr(glance, "\n| stance ");
	assert_non_null(frame);
	assert_non_null(stance);
	assert_true(strstr(frame, " (subset) |") != NULL && strstr(frame, " (subset) |") < strchr(frame + 1, '\n'));
	assert_true(strstr(stance, "(subset)") == NULL || strstr(stance, "(subset)") > strchr(stance + 1, '\n'));
	assert_contains(md, "For a multi-label task, accuracy (subset) is subset accuracy");
	assert_contains(html, "For a multi-label task, accuracy (subset) is subset accuracy");
	free(md);
	free(html);
	json_decref(report);
	/* No multi-label task: no note. */
	md = render_ok(fr_report_write_markdown, *state);
	assert_lacks(md, "(subset)");
	free(md);
}

/* Regression (user walk-through: the search curve drew one line per
 * setting without saying which class weight it uses): each dot names the
 * class weight the line takes at that C (filled balanced, hollow none),
 * and the legend says a line takes the better one at each C. */
static void test_render__tuning_curve_names_the_class_weight(void **state)
{
	json_t *report = with_tuning(*state);
	json_t *points = json_object_get(json_object_get(report, "tuning"), "points");
	json_t *none = json_deep_copy(json_array_get(points, 3)); /* the chosen setting at C 1 */

	assert_non_null(none);
	json_object_set_new(none, "class_weight", json_string("none"));
	json_object_set_new(none, "mean", json_real(0.57));
	assert_int_equal(json_array_append_new(points, none), 0);
	char *html = render_ok(fr_report_write_html, report);
	const char *svg = strstr(html, "<svg class=\"tuning-curve\"");

	assert_non_null(svg);
	assert_contains(svg, "Each line takes its setting's better class weight at each C (a filled marker or a "
	                     "hollow one):");
	assert_contains(svg, "<title>stop words yes, min_df 2, words 1\u20132, chars none; C 1, class weight none: "
	                     "0.570</title>");
	assert_contains(svg, "<title>stop words yes, min_df 2, words 1\u20132, chars none; C 0.5, class weight "
	                     "balanced: 0.563</title>");
	/* One marker per point drawn (4 + 4 + 2 + 1) and one on each line's
	 * key (4), hollow only where none won. */
	assert_int_equal(count_of(svg, "fill=\"#fff\" stroke=\"#"), 1 + 1); /* one marker, one legend key */
	assert_int_equal(count_of(svg, "<path class=\"mark\""), 11 + 4);
	assert_int_equal(count_of(svg, "r=\"3.5\""), 2);
	assert_tags_balance(html);
	free(html);
	json_decref(report);
}

/* Regression (user walk-through: with 3 documents the report said the
 * folds were "repeated 3 times" when every repeat was the same split):
 * the report gives the distinct splits, how many repeats were not scored
 * again, and the folds that count once. A record from before
 * repeats_asked reads as it did. */
static void test_render__tuning_says_the_distinct_splits(void **state)
{
	json_t *report = with_tuning(*state);
	json_t *tuning = json_object_get(report, "tuning");

	json_object_set_new(tuning, "repeats", json_integer(1));
	json_object_set_new(tuning, "repeats_asked", json_integer(3));
	json_object_set_new(tuning, "repeated_folds", json_array());
	char *md = render_ok(fr_report_write_markdown, report);
	assert_contains(md, "on the training data (5 folds, 1 distinct split, grouped by document, seed 1;");
	assert_contains(md, "averaged over the tasks stance, frame. Of the 3 repeats of the folds asked for, 2 put "
	                    "the documents in the same folds as an earlier one and were not scored again. One fold's");
	assert_lacks(md, "repeated 3 times");
	free(md);

	json_object_set_new(tuning, "repeats", json_integer(2));
	json_object_set_new(tuning, "repeated_folds", json_pack("[i,i]", 6, 8));
	md = render_ok(fr_report_write_markdown, report);
	assert_contains(md, "(5 folds, 2 distinct splits, grouped by document,");
	assert_contains(md, "frame and over the repeats. Of the 3 repeats of the folds asked for, 1 put the "
	                    "documents in the same folds as an earlier one and was not scored again. 2 folds held "
	                    "out the same documents as an earlier split's fold: the same fit, so they count once in "
	                    "the standard deviation of one fold's score and in the standard error of the choice.");
	free(md);

	json_object_set_new(tuning, "repeats", json_integer(3));
	json_object_set_new(tuning, "repeated_folds", json_pack("[i]", 11));
	md = render_ok(fr_report_write_markdown, report);
	assert_contains(md, "(5 folds, repeated 3 times, grouped by document,");
	assert_contains(md, "over the repeats. 1 fold held out the same documents as an earlier split's fold: the "
	                    "same fit, so it counts once");
	assert_lacks(md, "asked for");
	free(md);

	json_object_del(tuning, "repeats_asked");
	json_object_del(tuning, "repeated_folds");
	md = render_ok(fr_report_write_markdown, report);
	assert_contains(md, "(5 folds, repeated 3 times, grouped by document,");
	assert_lacks(md, "distinct");
	free(md);
	json_decref(report);
}

/* The fixture with data.rows_in_training set to v (a JSON value, stolen). */
static json_t *with_rows_in_training(const json_t *report, json_t *v)
{
	json_t *copy = json_deep_copy(report);

	assert_non_null(copy);
	assert_int_equal(json_object_set_new(json_object_get(copy, "data"), "rows_in_training", v), 0);
	return copy;
}

/* Regression (test rows the model was trained on were scored as held-out,
 * and the report said the model never saw them): with
 * data.rows_in_training > 0, At a glance opens with a warning and How to
 * read this no longer says "never saw"; with 0 it says so; unknown (null
 * or absent), neither a warning nor the claim. */
static void test_render__rows_in_training_warns(void **state)
{
	static const char *const warning =
		"3 of the 147 test rows have a text the model was trained on: their scores are not held-out.";
	json_t *seen = with_rows_in_training(*state, json_integer(3));
	json_t *none = with_rows_in_training(*state, json_integer(0));
	json_t *unknown = with_rows_in_training(*state, json_null());
	char *md = render_ok(fr_report_write_markdown, seen);
	char *html = render_ok(fr_report_write_html, seen);
	const char *glance = strstr(md, "\n## At a glance\n");
	char want[256];

	/* The warning comes first in At a glance, before the table. */
	assert_non_null(glance);
	snprintf(want, sizeof(want), "\n## At a glance\n\n**Warning:** %s\n\n| task ", warning);
	assert_contains(md, want);
	snprintf(want, sizeof(want), "<h2>At a glance</h2>\n<p class=\"warning\"><strong>Warning:</strong> %s</p>\n"
	         "<table class=\"glance\">", warning);
	assert_contains(html, want);
	assert_lacks(md, "never saw");
	assert_lacks(html, "never saw");
	assert_contains(md, "scored on test paragraphs, 3 of which have a text the model was trained on: their "
	                    "scores are not held-out (see At a glance).");
	assert_md_tables_consistent(md);
	assert_tags_balance(html);
	free(md);
	free(html);

	md = render_ok(fr_report_write_markdown, none);
	html = render_ok(fr_report_write_html, none);
	assert_lacks(md, "Warning:");
	assert_lacks(html, "Warning:");
	assert_contains(md, "scored on held-out test paragraphs the model never saw in training.");
	assert_contains(html, "scored on held-out test paragraphs the model never saw in training.");
	free(md);
	free(html);

	/* Regression (a report unable to check called its test rows held-out):
	 * unknown, it says it could not be checked, and why when told. */
	json_object_set_new(json_object_get(unknown, "data"), "rows_in_training_unknown",
	                    json_string("the training file 'a<b>.csv' cannot be read from here"));
	for (int i = 0; i < 2; i++) {
		md = render_ok(fr_report_write_markdown, i ? *state : unknown);
		html = render_ok(fr_report_write_html, i ? *state : unknown);
		assert_lacks(md, "Warning:");
		assert_lacks(md, "never saw");
		assert_lacks(md, "held-out test paragraphs");
		assert_lacks(html, "held-out test paragraphs");
		assert_contains(md, i ? "Whether the model was trained on any of them could not be checked, so their "
		                        "scores may not be held-out. **Precision**"
		                      : "Whether the model was trained on any of them could not be checked (the "
		                        "training file 'a\\<b\\>.csv' cannot be read from here), so their scores "
		                        "may not be held-out. **Precision**");
		if (!i)
			assert_contains(html, "(the training file &#39;a&lt;b&gt;.csv&#39; cannot be read from here)");
		free(md);
		free(html);
	}
	json_decref(seen);
	json_decref(none);
	json_decref(unknown);
}

/* Regression (a model's own training file, evaluated from another folder,
 * was reported as held-out): data.training_file, the training file the
 * test file equals, opens At a glance with a warning saying so. */
static void test_render__test_file_is_training_file(void **state)
{
	json_t *report = with_rows_in_training(*state, json_integer(147));
	json_object_set_new(json_object_get(report, "data"), "training_file", json_string("small.csv"));
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);

	assert_contains(md, "\n## At a glance\n\n**Warning:** the test file is the model's training file "
	                    "`small.csv` (the same sha256): its 147 rows are training rows, and their scores "
	                    "are not held-out.\n");
	assert_contains(html, "<strong>Warning:</strong> the test file is the model's training file "
	                      "<code>small.csv</code> (the same sha256)");
	assert_contains(md, "scored on the file the model was trained on: the test paragraphs are training "
	                    "paragraphs and their scores are not held-out (see At a glance).");
	assert_lacks(md, "never saw");
	assert_tags_balance(html);
	free(md);
	free(html);
	json_decref(report);
}

/* Regression (--cv on a training file edited since training read as a
 * cross-validation of the model's data): with cv.same_as_training false,
 * Provenance names the changed file and each CV section says so. */
static void test_render__cv_not_on_training_data(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *cv = json_object_get(report, "cv");
	const char *path = json_string_value(json_object_get(cv, "data"));
	char want[512];

	assert_non_null(path);
	json_object_set_new(cv, "files", json_pack("[{s:s, s:O}]", "path", path, "sha256", json_object_get(cv, "sha256")));
	json_object_set_new(cv, "same_as_training", json_false());
	json_object_set_new(json_object_get(report, "model"), "training_files",
	                    json_pack("[{s:s, s:s}]", "path", path, "sha256", "00ff"));
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);
	char *plain = render_ok(fr_report_write_markdown, *state);

	snprintf(want, sizeof(want), ". **Not the data the model was trained on:** `%s` has changed since "
	         "training (another sha256 than the model records)\n", path);
	assert_contains(md, want);
	assert_int_equal(count_of(md, "each fold of the cross-validation data, which is **not the data the "
	                              "model was trained on** (see Provenance)."), 2);
	assert_contains(html, "which is <strong>not the data the model was trained on</strong>");
	assert_lacks(plain, "Not the data");
	assert_lacks(plain, "not the data");
	/* Other files than the training files: no file named as changed. */
	json_object_set_new(json_object_get(report, "model"), "training_files",
	                    json_pack("[{s:s, s:s}]", "path", "other.csv", "sha256", "00ff"));
	free(md);
	md = render_ok(fr_report_write_markdown, report);
	assert_contains(md, "**Not the data the model was trained on:** its files are not the training files "
	                    "above (other contents)\n");
	assert_tags_balance(html);
	free(md);
	free(html);
	free(plain);
	json_decref(report);
}

/* Regression (a label absent from most folds showed "0.000 \u00b1 0.000",
 * its F1 of 0 in every fold without it): the per-label CV cell says in how
 * many folds the label was scored when not in all, "not scored" when in
 * none, and the F1 chart draws no whisker for it. */
static void test_render__cv_label_scored_in_some_folds(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *cv = json_object_get(json_object_get(json_object_get(report, "tasks"), "stance"), "cv");
	json_t *mean = json_object_get(json_object_get(cv, "mean"), "labels");
	json_t *std = json_object_get(json_object_get(cv, "std"), "labels");

	assert_int_equal(json_array_size(json_object_get(cv, "folds")), 3);
	json_object_set_new(json_object_get(mean, "pro_ukraine"), "folds", json_integer(3));
	json_object_set_new(json_object_get(mean, "neutral"), "folds", json_integer(1));
	json_object_set_new(json_object_get(mean, "pro_russia"), "folds", json_integer(0));
	json_object_set_new(json_object_get(mean, "pro_russia"), "f1", json_null());
	json_object_set_new(json_object_get(std, "pro_russia"), "f1", json_null());
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);
	char *plain = render_ok(fr_report_write_html, *state);
	const char *row = strstr(md, "\n| pro_russia ");

	assert_non_null(row);
	assert_true(strstr(row, " not scored |") != NULL && strstr(row, " not scored |") < strchr(row + 1, '\n'));
	row = strstr(md, "\n| neutral ");
	assert_non_null(row);
	assert_true(strstr(row, " (1 of 3 folds) |") != NULL && strstr(row, " (1 of 3 folds) |") < strchr(row + 1, '\n'));
	/* Scored in every fold: as before. */
	row = strstr(md, "\n| pro_ukraine ");
	assert_non_null(row);
	if (strstr(row, " 0.755 \u00b1 0.027 |") == NULL || strstr(row, " 0.755 \u00b1 0.027 |") > strchr(row + 1, '\n'))
		fail_msg("pro_ukraine: %.*s", (int)(strchr(row + 1, '\n') - row), row);
	assert_md_tables_consistent(md);
	assert_contains(html, "<td class=\"num\">not scored</td>");
	assert_contains(html, " (1 of 3 folds)</td>");
	/* Regression (report review: "(1 of 5 folds)" was never explained): the
	 * table is followed by what it means, only when a label has it. */
	assert_contains(md, "A CV F1 marked (n of k folds) is the mean over the folds where the label occurs");
	assert_lacks(plain, "marked (n of k folds)");
	/* One whisker fewer in stance's F1 chart. */
	assert_int_equal(count_of(plain, "stroke-width=\"2\" fill=\"none\"></path>\n") -
	                 count_of(html, "stroke-width=\"2\" fill=\"none\"></path>\n"), 1);
	assert_tags_balance(html);
	free(md);
	free(html);
	free(plain);
	json_decref(report);
}

/* Regression (accessibility review: 0 of 29 tables had a <caption>): every
 * HTML table is named by the heading above it and its task, so a screen
 * reader's list of tables tells them apart; Markdown gets none. */
static void test_render__html_tables_have_captions(void **state)
{
	json_t *report = with_tuning(*state);
	char *html = render_ok(fr_report_write_html, report);
	char *md = render_ok(fr_report_write_markdown, report);
	const char *p = html;

	assert_true(count_of(html, "<table") > 10);
	while ((p = strstr(p, "<table")) != NULL) {
		p = strchr(p, '\n');
		assert_non_null(p);
		if (strncmp(p + 1, "<caption>", 9) != 0)
			fail_msg("table without a caption: %.80s", p + 1);
	}
	assert_contains(html, "<caption>At a glance</caption>");
	assert_contains(html, "<caption>The chosen setting and the config's own</caption>");
	assert_contains(html, "<caption>Best points</caption>");
	assert_contains(html, "<caption>Per label (task stance)</caption>");
	assert_contains(html, "<caption>Review by confidence (task frame)</caption>");
	assert_contains(html, "caption{");
	assert_lacks(md, "caption");
	assert_tags_balance(html);
	free(html);
	free(md);
	json_decref(report);
}

/* Regression (accessibility review: the chosen tuning row was bold only
 * through CSS, and the chosen table's first column had an empty header):
 * bold rows put <strong> in their cells, the chosen point's first cell
 * says "(chosen)" in both formats as the section text says, and the first
 * column is headed "setting". */
static void test_render__chosen_row_survives_without_css(void **state)
{
	json_t *report = with_tuning(*state);
	char *html = render_ok(fr_report_write_html, report);
	char *md = render_ok(fr_report_write_markdown, report);

	assert_contains(html, "<tr class=\"strong\"><th scope=\"row\" class=\"num\"><strong>1 (chosen)</strong></th>"
	                      "<td><strong>words</strong></td>");
	assert_contains(html, "<th scope=\"row\"><strong>stop words yes, min_df 2, words 1\u20132, chars none "
	                      "(chosen)</strong></th>");
	assert_contains(html, "<tr class=\"strong\"><th scope=\"row\"><strong>chosen</strong></th>");
	assert_contains(html, "the chosen one is marked \u201c(chosen)\u201d and set in bold.");
	assert_contains(md, "the chosen one is marked \u201c(chosen)\u201d and set in bold.");
	assert_contains(md, "The row holding the chosen point is marked \u201c(chosen)\u201d and set in bold.");
	assert_lacks(html, "<th scope=\"col\"></th>");
	assert_contains(html, "<thead><tr><th scope=\"col\">setting</th><th scope=\"col\">stage</th>");
	assert_contains(md, "\n| setting          | stage     |");
	/* Every bold row, not only tuning's: the averages too. */
	assert_int_equal(count_of(html, "<tr class=\"strong\"><th scope=\"row\"><strong>"),
	                 count_of(html, "<tr class=\"strong\"><th scope=\"row\">"));
	assert_tags_balance(html);
	free(html);
	free(md);
	json_decref(report);
}

/* WCAG 2 relative luminance of "#rrggbb" (tests only). */
static double test_luminance(const char *hex)
{
	double c[3];

	for (int i = 0; i < 3; i++) {
		char part[3] = { hex[1 + 2 * i], hex[2 + 2 * i], '\0' };
		double v = (double)strtol(part, NULL, 16) / 255.0;
		c[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
	}
	return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

static double test_contrast(const char *a, const char *b)
{
	double la = test_luminance(a), lb = test_luminance(b);

	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

/* Regression (accessibility review: five of the search curve's line
 * colours had under 3:1 contrast on white, #edc948 only 1.6, and the lines
 * differed by colour alone): every line colour has 3:1 or more against
 * the white page, and each line has its own marker shape, shown on its
 * legend key too. */
static void test_render__tuning_lines_differ_by_more_than_colour(void **state)
{
	json_t *report = with_tuning(*state);
	char *html = render_ok(fr_report_write_html, report);
	const char *svg = strstr(html, "<svg class=\"tuning-curve\"");
	const char *end = NULL, *p = NULL;
	char shapes[4][8];
	size_t n = 0;

	assert_non_null(svg);
	end = strstr(svg, "</svg>");
	assert_non_null(end);
	for (p = svg; (p = strstr(p, "<path fill=\"none\" stroke=\"#")) != NULL && p < end; p++) {
		const char *hex = p + strlen("<path fill=\"none\" stroke=\"");
		char colour[8];

		memcpy(colour, hex, 7);
		colour[7] = '\0';
		if (test_contrast(colour, "#ffffff") < 3.0)
			fail_msg("line colour %s: %.2f:1 on white", colour, test_contrast(colour, "#ffffff"));
		n++;
	}
	assert_int_equal(n, 4);
	/* The legend keys' markers: four shapes, each drawn as the line's. */
	n = 0;
	for (p = svg; (p = strstr(p, "h24\" stroke=\"")) != NULL && p < end; p++) {
		const char *mark = strstr(p, "<path class=\"mark\" d=\"");

		assert_non_null(mark);
		mark += strlen("<path class=\"mark\" d=\"");
		/* The command letters after the first point say the shape. */
		size_t k = 0;
		for (const char *q = mark + 1; *q != '"' && k < 7; q++)
			if ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
				shapes[n][k++] = *q;
		shapes[n][k] = '\0';
		for (size_t j = 0; j < n; j++)
			if (strcmp(shapes[j], shapes[n]) == 0)
				fail_msg("legend keys %zu and %zu have the same marker (%s)", j, n, shapes[n]);
		n++;
		assert_true(n <= 4);
	}
	assert_int_equal(n, 4);
	assert_tags_balance(html);
	free(html);
	json_decref(report);
}

/* Regression (accessibility review: white text on mid-blue heat map cells
 * had 2.9 to 3.5:1 contrast, the colour switching at a share of 0.55):
 * every cell's count and share have 4.5:1 or more against the cell, for
 * every share from 0 to 1 in both hues. */
static void test_render__heatmap_text_contrast(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *confusion = json_object_get(json_object_get(json_object_get(json_object_get(report, "tasks"),
	                                    "frame"), "test"), "confusion");
	json_t *matrix = json_array();
	size_t k = json_array_size(json_object_get(confusion, "labels")), cells = 0;

	assert_true(k >= 2);
	/* Row i spreads 100 paragraphs so that the diagonal and the cell
	 * beside it sweep the shares 0 to 1 between them. */
	for (size_t i = 0; i < k; i++) {
		json_t *row = json_array();
		long diag = (long)(100 * i / (k - 1));
		for (size_t p = 0; p < k; p++)
			json_array_append_new(row, json_integer(p == i ? diag : p == (i + 1) % k ? 100 - diag : 0));
		json_array_append_new(matrix, row);
	}
	json_object_set_new(confusion, "matrix", matrix);
	for (int pass = 0; pass < 2; pass++) {
		char *html = render_ok(fr_report_write_html, pass == 0 ? *state : report);
		const char *p = html;

		while ((p = strstr(p, "<rect x=")) != NULL) {
			const char *fill = strstr(p, "fill=\"#");
			const char *end = strstr(p, "</rect>");
			char bg[8], fg[8];

			assert_non_null(fill);
			assert_non_null(end);
			p = end;
			if (strncmp(end, "</rect>\n<text", 13) != 0)
				continue; /* not a heat map cell */
			memcpy(bg, fill + 6, 7);
			bg[7] = '\0';
			for (int t = 0; t < 2; t++) {
				const char *text = strstr(p, t == 0 ? "class=\"count\" fill=\"" : "class=\"share\" fill=\"");
				assert_non_null(text);
				memcpy(fg, strchr(text, '#'), 7);
				fg[7] = '\0';
				if (test_contrast(bg, fg) < 4.5)
					fail_msg("%s text on %s: %.2f:1", fg, bg, test_contrast(bg, fg));
			}
			cells++;
		}
		free(html);
	}
	assert_int_equal(cells, 9 + 25 + 9 + k * k);
	json_decref(report);
}

/* Regression (review of the report's wording): the mistakes say which
 * side of the arrow is the truth; a reliability bin of one paragraph is
 * "1 paragraph"; and in a multi-label task the reliability table and chart
 * count paragraph-label pairs and the review table's text speaks of label
 * sets, not of one label per paragraph. */
static void test_render__wording_for_mistakes_bins_and_multilabel(void **state)
{
	json_t *report = json_deep_copy(*state);
	json_t *tasks = json_object_get(report, "tasks");
	json_t *bin = json_array_get(json_object_get(json_object_get(json_object_get(json_object_get(tasks,
	                             "stance"), "reliability"), "test"), "bins"), 9);

	assert_non_null(bin);
	json_object_set_new(bin, "count", json_integer(1));
	json_object_set_new(bin, "confidence", json_real(0.95));
	json_object_set_new(bin, "accuracy", json_real(1.0));
	assert_int_equal(json_object_set_new(json_object_get(tasks, "frame"), "multilabel", json_true()), 0);
	char *md = render_ok(fr_report_write_markdown, report);
	char *html = render_ok(fr_report_write_html, report);
	const char *frame_md = strstr(md, "\n## Task: frame\n");
	const char *frame_html = strstr(html, "<h2>Task: frame</h2>");

	assert_non_null(frame_md);
	assert_non_null(frame_html);
	/* Single-label stance: true \u2192 predicted, said in the intro. */
	assert_contains(md, "Each gives the paragraph, then its true label \u2192 the label predicted, and the "
	                    "confidence.");
	assert_contains(html, "test, confidence 0.9 to 1.0: 1 paragraph, mean confidence 0.950");
	assert_lacks(html, ": 1 paragraphs,");
	/* Multi-label frame. */
	assert_contains(frame_md, "| test paragraph\u2013label pairs |");
	assert_contains(frame_md, "| CV paragraph\u2013label pairs |");
	assert_contains(frame_md, "bins of a few pairs swing widely");
	assert_contains(frame_md, "the rest keep the model's label set, and a kept paragraph counts as right "
	                          "only when every one of its labels is");
	assert_lacks(frame_md, "keep the model's label and");
	assert_contains(frame_html, "paragraph\u2013label pairs, mean confidence");
	assert_lacks(frame_html, " paragraphs, mean confidence");
	assert_contains(md, "Each gives the paragraph, then its true labels \u2192 the labels predicted.");
	/* Stance keeps its paragraphs. */
	assert_true(strstr(md, "| test paragraphs |") < frame_md);
	assert_md_tables_consistent(md);
	assert_tags_balance(html);
	free(md);
	free(html);
	json_decref(report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render__markdown_sections_and_tables),
		cmocka_unit_test(test_render__markdown_lists_every_label),
		cmocka_unit_test(test_render__markdown_numbers_have_fixed_decimals),
		cmocka_unit_test(test_render__markdown_pipe_and_newline_keep_rows_whole),
		cmocka_unit_test(test_render__html_escapes_every_string),
		cmocka_unit_test(test_render__html_is_self_contained),
		cmocka_unit_test(test_render__html_has_the_markdown_content),
		cmocka_unit_test(test_render__html_heatmap_has_a_rect_per_cell),
		cmocka_unit_test(test_render__heatmap_empty_row_has_no_share),
		cmocka_unit_test(test_render__html_tags_balance),
		cmocka_unit_test(test_render__calibration_reliability_table),
		cmocka_unit_test(test_render__calibration_odd_and_missing),
		cmocka_unit_test(test_render__without_cv_and_top_terms),
		cmocka_unit_test(test_render__sparse_and_malformed_reports),
		cmocka_unit_test(test_render__full_stream_is_eio),
		cmocka_unit_test(test_render__bad_arguments_are_einvalid),
		cmocka_unit_test(test_render__output_is_deterministic),
		cmocka_unit_test(test_render__tuning_section),
		cmocka_unit_test(test_render__tuned_cv_is_called_optimistic),
		cmocka_unit_test(test_render__glance_names_a_task_below_the_baseline),
		cmocka_unit_test(test_render__tuned_model_report_has_tuning),
		cmocka_unit_test(test_render__multilabel_mistakes_show_the_wrong_decision),
		cmocka_unit_test(test_render__telling_terms_say_what_they_show),
		cmocka_unit_test(test_render__glance_names_subset_accuracy),
		cmocka_unit_test(test_render__tuning_curve_names_the_class_weight),
		cmocka_unit_test(test_render__tuning_says_the_distinct_splits),
		cmocka_unit_test(test_render__rows_in_training_warns),
		cmocka_unit_test(test_render__test_file_is_training_file),
		cmocka_unit_test(test_render__cv_not_on_training_data),
		cmocka_unit_test(test_render__cv_label_scored_in_some_folds),
		cmocka_unit_test(test_render__html_tables_have_captions),
		cmocka_unit_test(test_render__chosen_row_survives_without_css),
		cmocka_unit_test(test_render__tuning_lines_differ_by_more_than_colour),
		cmocka_unit_test(test_render__heatmap_text_contrast),
		cmocka_unit_test(test_render__wording_for_mistakes_bins_and_multilabel),
	};

	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}
