#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus.h"
#include "test_util.h"

#define RULES_DIR FR_TEST_FIXTURES "/corpus/rules"
#define REAL_RULES FR_TEST_FIXTURES "/../../data/boilerplate.rules"
#define EXAMPLE_BATCH FR_TEST_FIXTURES "/../../data/batches/example"

/* A string literal and its length, so rows may hold NUL and bad bytes. */
#define S(lit) lit, sizeof(lit) - 1

/* ---- helpers ------------------------------------------------------------ */

/* Each test gets its own empty temp folder, removed afterwards. */
typedef struct {
	char dir[64];
} tmp_state;

static int setup_tmp(void **state)
{
	tmp_state *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	if (test_tmpdir(t->dir, sizeof(t->dir), "/tmp/fr_test_corpus_") != 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown_tmp(void **state)
{
	tmp_state *t = *state;
	int rc = test_rmtree(t->dir);
	free(t);
	return rc;
}

/* Writes len bytes to dir/name and puts the path in path_out. */
static void write_file(char *path_out, size_t size, const char *dir, const char *name,
                       const char *data, size_t len)
{
	assert_int_equal(test_path(path_out, size, dir, name), 0);
	assert_int_equal(test_write_file(path_out, data, len), 0);
}

/* What fr_corpus_next handed out, one entry per call before FR_ITEROVER:
 * a copied paragraph (rc 0) or an error (rc < 0, err filled). */
#define MAX_ITEMS 128

typedef struct {
	int rc;
	char id[128];
	char doc[128];
	int doc_known;
	char file[256];
	char *text;
	size_t text_len;
	size_t para;
	size_t line;
	fr_error err;
} item_t;

typedef struct {
	item_t items[MAX_ITEMS];
	size_t n;
	size_t files;
	fr_corpus_stats stats;
	size_t drops[64];
} run_t;

static run_t *run_corpus(const char *const *inputs, size_t n_inputs, const fr_boilerplate *rules)
{
	fr_corpus *c = NULL;
	fr_error err = FR_ERROR_INIT;
	run_t *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	assert_int_equal(fr_corpus_open(&c, inputs, n_inputs, rules, &err), 0);
	assert_non_null(c);
	for (;;) {
		fr_paragraph p;
		fr_error e = FR_ERROR_INIT;
		memset(&p, 0, sizeof(p));
		int rc = fr_corpus_next(&p, c, &e);
		if (rc == FR_ITEROVER)
			break;
		/* A corpus that never ends is a failure, not a hang. */
		assert_true(r->n < MAX_ITEMS);
		item_t *it = &r->items[r->n++];
		it->rc = rc;
		it->err = e;
		if (rc == 0) {
			assert_int_equal(e.code, 0);
			assert_non_null(p.id);
			assert_non_null(p.doc);
			assert_non_null(p.text);
			assert_int_equal(p.text[p.text_len], '\0');
			snprintf(it->id, sizeof(it->id), "%s", p.id);
			snprintf(it->doc, sizeof(it->doc), "%s", p.doc);
			snprintf(it->file, sizeof(it->file), "%s", p.file);
			it->doc_known = p.doc_known;
			it->text = malloc(p.text_len + 1);
			assert_non_null(it->text);
			memcpy(it->text, p.text, p.text_len + 1);
			it->text_len = p.text_len;
			it->para = p.para;
			it->line = p.line;
		} else {
			assert_int_equal(e.code, rc);
		}
	}
	/* The end is sticky. */
	fr_paragraph p;
	assert_int_equal(fr_corpus_next(&p, c, NULL), FR_ITEROVER);
	r->files = fr_corpus_file_count(c);
	r->stats = *fr_corpus_get_stats(c);
	size_t n_rules = fr_boilerplate_rule_count(rules);
	assert_true(n_rules <= 64);
	memcpy(r->drops, fr_corpus_rule_drops(c), n_rules * sizeof(size_t));
	fr_corpus_free(c);
	return r;
}

static run_t *run_one(const char *path, const fr_boilerplate *rules)
{
	const char *inputs[] = { path };
	return run_corpus(inputs, 1, rules);
}

static void run_free(run_t *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].text);
	free(r);
}

static size_t count_ok(const run_t *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->items[i].rc == 0;
	return n;
}

static void assert_text(const item_t *it, const char *text, size_t len)
{
	assert_int_equal(it->rc, 0);
	assert_int_equal(it->text_len, len);
	assert_memory_equal(it->text, text, len);
}

static void assert_para(const item_t *it, const char *id, size_t para, size_t line, const char *text)
{
	assert_int_equal(it->rc, 0);
	assert_string_equal(it->id, id);
	assert_int_equal(it->para, para);
	assert_int_equal(it->line, line);
	assert_text(it, text, strlen(text));
}

/* An error entry: its code, a piece of its message, the file it names (a
 * suffix of the source) and its line. */
static void assert_err(const item_t *it, int code, const char *msg, const char *file, size_t line)
{
	assert_int_equal(it->rc, code);
	assert_int_equal(it->err.code, code);
	assert_non_null(strstr(it->err.message, msg));
	size_t sl = strlen(it->err.source), fl = strlen(file);
	assert_true(sl >= fl);
	assert_string_equal(it->err.source + sl - fl, file);
	assert_int_equal(it->err.line, line);
}

static fr_boilerplate *load_rules(const char *path)
{
	fr_boilerplate *b = NULL;
	fr_error err = FR_ERROR_INIT;
	assert_int_equal(fr_boilerplate_load(&b, path, &err), 0);
	assert_non_null(b);
	return b;
}

/* The index of the rule written "kind pattern", which must exist. */
static size_t rule_index(const fr_boilerplate *b, const char *rule)
{
	for (size_t i = 0; i < fr_boilerplate_rule_count(b); i++)
		if (strcmp(fr_boilerplate_rule(b, i), rule) == 0)
			return i;
	fail_msg("no rule '%s'", rule);
	return 0;
}

/* ---- .txt articles ------------------------------------------------------ */

typedef struct {
	size_t para;
	size_t line;
	const char *text;
} want_para;

typedef struct {
	const char *name;
	const char *input;
	size_t len;
	size_t repeated_titles;
	size_t n;
	want_para want[6];
} txt_row;

static const txt_row txt_rows[] = {
	{ "title followed directly by a line is alone",
	  S("Title\nLine one\n  line two  \n\nNext\n"), 0, 3,
	  { { 0, 1, "Title" }, { 1, 2, "Line one line two" }, { 2, 5, "Next" } } },
	{ "several and whitespace-only blank lines separate blocks",
	  S("T\n\n   \n\t\nA\n \t \nB\n\n\n"), 0, 3,
	  { { 0, 1, "T" }, { 1, 5, "A" }, { 2, 7, "B" } } },
	{ "lines are trimmed and joined by one space",
	  S("  The  title \t\n\n  a  \n\tb\t\n   c\n"), 0, 2,
	  { { 0, 1, "The  title" }, { 1, 3, "a b c" } } },
	{ "CRLF line ends",
	  S("T\r\n\r\na\r\nb\r\n\r\nc\r\n"), 0, 3,
	  { { 0, 1, "T" }, { 1, 3, "a b" }, { 2, 6, "c" } } },
	{ "lone CR line ends",
	  S("T\r\ra\rb\r \r\rc"), 0, 3,
	  { { 0, 1, "T" }, { 1, 3, "a b" }, { 2, 7, "c" } } },
	{ "a BOM is not part of the title",
	  S("\xEF\xBB\xBFTitle\n\nbody\n"), 0, 2,
	  { { 0, 1, "Title" }, { 1, 3, "body" } } },
	{ "only a title", S("Just a title\n"), 0, 1, { { 0, 1, "Just a title" } } },
	{ "only a title, no line end", S("Just a title"), 0, 1, { { 0, 1, "Just a title" } } },
	{ "empty file", S(""), 0, 0, { { 0, 0, NULL } } },
	{ "only blank lines", S("\n  \n\t\r\n"), 0, 0, { { 0, 0, NULL } } },
	{ "blank lines before the title",
	  S("\n\n  Title  \n\nA\n"), 0, 2,
	  { { 0, 3, "Title" }, { 1, 5, "A" } } },
	{ "a block repeating the title is dropped but keeps its number",
	  S("Same Title\n\nSame Title\n\nA\n\n  Same Title\n\nB\n"), 2, 3,
	  { { 0, 1, "Same Title" }, { 2, 5, "A" }, { 4, 9, "B" } } },
	{ "a block that only starts like the title is kept",
	  S("T\n\nT and more\n"), 0, 2,
	  { { 0, 1, "T" }, { 1, 3, "T and more" } } },
	{ "byte order marks mid-file: a line of them is blank, one starting a line goes",
	  S("T\n\n\xEF\xBB\xBF\n\xEF\xBB\xBF \xEF\xBB\xBF\n\n\xEF\xBB\xBF" "Second title\nmore\n"), 0, 2,
	  { { 0, 1, "T" }, { 1, 6, "Second title more" } } },
};

static void test_corpus__txt_blocks(void **state)
{
	tmp_state *t = *state;
	for (size_t i = 0; i < sizeof(txt_rows) / sizeof(txt_rows[0]); i++) {
		const txt_row *row = &txt_rows[i];
		char path[256], id[64];
		print_message("row: %s\n", row->name);
		write_file(path, sizeof(path), t->dir, "art.txt", row->input, row->len);
		run_t *r = run_one(path, NULL);
		assert_int_equal(r->n, row->n);
		for (size_t k = 0; k < row->n; k++) {
			snprintf(id, sizeof(id), "art.txt#%zu", row->want[k].para);
			assert_para(&r->items[k], id, row->want[k].para, row->want[k].line, row->want[k].text);
			assert_string_equal(r->items[k].doc, "art.txt");
		}
		assert_int_equal(r->stats.paragraphs, row->n);
		assert_int_equal(r->stats.repeated_titles, row->repeated_titles);
		assert_int_equal(r->stats.files, 1);
		assert_int_equal(r->stats.bad_records + r->stats.bad_files + r->stats.boilerplate, 0);
		run_free(r);
	}
}

/* A paragraph that is not text (a NUL byte, invalid UTF-8) is a bad record,
 * reported with the line and the file offset of its first bad byte; the
 * other paragraphs keep their numbers. */
static void test_corpus__txt_bad_bytes_are_refused(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "bad.txt",
	           S("T\n\na\0b\n\nfine\n\nok line\nab\xC0\xAF\n\n\xED\xA0\x80\n\nend \xE2\x82"));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 6);
	assert_para(&r->items[0], "bad.txt#0", 0, 1, "T");
	assert_err(&r->items[1], FR_EFORMAT, "NUL byte at byte 4 of the file", "/bad.txt", 3);
	assert_para(&r->items[2], "bad.txt#2", 2, 5, "fine");
	assert_err(&r->items[3], FR_EFORMAT, "overlong form) at byte 24 of the file", "/bad.txt", 8);
	assert_err(&r->items[4], FR_EFORMAT, "surrogate) at byte 28 of the file", "/bad.txt", 10);
	assert_err(&r->items[5], FR_EFORMAT, "truncated sequence) at byte 37 of the file", "/bad.txt", 12);
	assert_int_equal(r->stats.bad_records, 4);
	assert_int_equal(r->stats.bad_files, 0);
	assert_int_equal(r->stats.paragraphs, 2);
	run_free(r);
}

/* ---- boilerplate rules -------------------------------------------------- */

typedef struct {
	const char *text;
	int rule;   /* index in small.rules, -1 for none */
	int ends;
} match_row;

static void test_corpus__boilerplate_match(void **state)
{
	(void)state;
	fr_boilerplate *b = load_rules(RULES_DIR "/small.rules");
	char long_click[FR_BOILERPLATE_MAX_BYTES + 2];
	char just_click[FR_BOILERPLATE_MAX_BYTES + 1];
	memset(long_click, 'x', sizeof(long_click));
	memcpy(long_click, "Click ", 6);
	long_click[FR_BOILERPLATE_MAX_BYTES + 1] = '\0'; /* 301 bytes */
	memcpy(just_click, long_click, FR_BOILERPLATE_MAX_BYTES);
	just_click[FR_BOILERPLATE_MAX_BYTES] = '\0';     /* 300 bytes */
	const match_row rows[] = {
		{ "Hello World", 0, 0 },
		{ "hello world", 0, 0 },
		{ "HELLO WORLD", 0, 0 },
		{ "Hello World!", -1, 0 },
		{ "Hello", -1, 0 },
		{ "Click here to subscribe", 1, 0 },
		{ "click", 1, 0 },
		{ "Clic", -1, 0 },
		{ "Click: here", 1, 0 },
		{ "Click \xE2\x80\x94 now", 1, 0 },
		{ "Click\xE2\x80\x94now", 1, 0 }, /* an em dash separates */
		{ "Clicks and likes", -1, 0 },
		{ "Click2", -1, 0 },
		{ "Click-through rates", -1, 0 },
		{ "Click's rates", -1, 0 },
		{ "Click\xE2\x80\x99s rates", -1, 0 },
		{ "Click\xC3\xA9", -1, 0 },      /* a letter outside ASCII */
		{ "Click\xCC\x81", -1, 0 },      /* a combining mark */
		{ "Click-", 1, 0 },              /* a hyphen joins only a letter */
		{ "Click- 2", 1, 0 },
		{ "Click\xFF", 1, 0 },           /* a bad byte is no letter */
		{ "12345", 2, 0 },
		{ "123a", -1, 0 },
		{ "--", 3, 1 },
		{ "-- ", 3, 1 },
		{ "--x", -1, 0 },
		{ just_click, 1, 0 },
		{ long_click, -1, 0 },
		{ "", -1, 0 },
	};
	assert_int_equal(fr_boilerplate_rule_count(b), 4);
	assert_string_equal(fr_boilerplate_rule(b, 0), "exact Hello World");
	assert_string_equal(fr_boilerplate_rule(b, 3), "end ^-- ?$");
	assert_null(fr_boilerplate_rule(b, 4));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int ends = -1;
		print_message("row: '%.40s'\n", rows[i].text);
		assert_int_equal(fr_boilerplate_match(b, rows[i].text, strlen(rows[i].text), &ends), rows[i].rule);
		assert_int_equal(ends, rows[i].ends);
	}
	/* No rules match nothing. */
	int ends = -1;
	assert_int_equal(fr_boilerplate_match(NULL, "Hello World", 11, &ends), -1);
	assert_int_equal(ends, 0);
	assert_int_equal(fr_boilerplate_rule_count(NULL), 0);
	fr_boilerplate_free(b);
	fr_boilerplate_free(NULL);
}

typedef struct {
	const char *file;
	int code;
	size_t line;
	const char *msg;
} bad_rules_row;

static void test_corpus__boilerplate_bad_rules(void **state)
{
	(void)state;
	const bad_rules_row rows[] = {
		{ "bad_kind.rules", FR_EFORMAT, 3, "unknown rule kind 'bogus'" },
		{ "bad_regex.rules", FR_EFORMAT, 4, "bad regex" },
		{ "no_pattern.rules", FR_EFORMAT, 1, "a kind and a pattern" },
		/* Refused before regcomp, which would take gigabytes (the first)
		 * and 250 MB (the second) to build them. */
		{ "stacked_repeats.rules", FR_EFORMAT, 3, "regex too large" },
		{ "nested_repeats.rules", FR_EFORMAT, 2, "regex too large" },
		{ "missing.rules", FR_ENOTFOUND, 0, "cannot open" },
		/* fopen takes a folder; reading it then fails, an I/O failure. */
		{ ".", FR_EIO, 0, "cannot read boilerplate rules: Is a directory" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char path[512];
		fr_boilerplate *b = (fr_boilerplate *)&path; /* must be reset to NULL */
		fr_error err = FR_ERROR_INIT;
		print_message("row: %s\n", rows[i].file);
		snprintf(path, sizeof(path), "%s/%s", RULES_DIR, rows[i].file);
		assert_int_equal(fr_boilerplate_load(&b, path, &err), rows[i].code);
		assert_null(b);
		assert_int_equal(err.code, rows[i].code);
		assert_string_equal(err.source, path);
		assert_int_equal(err.line, rows[i].line);
		assert_non_null(strstr(err.message, rows[i].msg));
	}
}

/* Regression (user walk-through: a rules file saved by Notepad, with a byte
 * order mark, was refused as "unknown rule kind 'exact'", the mark
 * invisible): a first line's byte order mark is not part of the rule, and
 * CRLF line ends are taken. */
static void test_corpus__boilerplate_rules_with_bom(void **state)
{
	(void)state;
	fr_boilerplate *b = load_rules(RULES_DIR "/bom_crlf.rules");
	int ends = 1;
	assert_int_equal(fr_boilerplate_rule_count(b), 2);
	assert_string_equal(fr_boilerplate_rule(b, 0), "exact Share this:");
	assert_int_equal(fr_boilerplate_match(b, "share THIS:", 11, &ends), 0);
	assert_int_equal(fr_boilerplate_match(b, "Read more: elsewhere", 20, &ends), 1);
	assert_int_equal(ends, 0);
	fr_boilerplate_free(b);
}

/* Each kind of rule drops its block from an article, and an end rule drops
 * every later block too; each drop is counted in the stats and per rule. */
static void test_corpus__boilerplate_drops_blocks(void **state)
{
	tmp_state *t = *state;
	char path[256];
	fr_boilerplate *b = load_rules(RULES_DIR "/small.rules");
	write_file(path, sizeof(path), t->dir, "a.txt",
	           S("Title\n\nkeep one\n\nHELLO world\n\nclick me\nplease\n\n2024\n\n"
	             "keep two, which is long enough to end on\n\n"
	             "-- \n\nafter one\n\nafter\ntwo\n\n  \n\nHello World\n"));
	run_t *r = run_one(path, b);
	assert_int_equal(r->n, 3);
	assert_para(&r->items[0], "a.txt#0", 0, 1, "Title");
	assert_para(&r->items[1], "a.txt#1", 1, 3, "keep one");
	assert_para(&r->items[2], "a.txt#5", 5, 12, "keep two, which is long enough to end on");
	/* exact, prefix, regex, then end + 3 blocks after it. */
	assert_int_equal(r->stats.boilerplate, 7);
	assert_int_equal(r->drops[0], 1);
	assert_int_equal(r->drops[1], 1);
	assert_int_equal(r->drops[2], 1);
	assert_int_equal(r->drops[3], 4);
	run_free(r);
	fr_boilerplate_free(b);
}

/* An end rule ends only its own article: the next file is read whole. */
static void test_corpus__boilerplate_end_is_per_article(void **state)
{
	tmp_state *t = *state;
	char p1[256], p2[256];
	fr_boilerplate *b = load_rules(RULES_DIR "/small.rules");
	write_file(p1, sizeof(p1), t->dir, "1.txt", S("One\n\nkept body\n\n--\n\ngone\n"));
	write_file(p2, sizeof(p2), t->dir, "2.txt", S("Two\n\nkept\n"));
	const char *inputs[] = { p1, p2 };
	run_t *r = run_corpus(inputs, 2, b);
	assert_int_equal(r->n, 4);
	assert_para(&r->items[0], "1.txt#0", 0, 1, "One");
	assert_para(&r->items[1], "1.txt#1", 1, 3, "kept body");
	assert_para(&r->items[2], "2.txt#0", 0, 1, "Two");
	assert_para(&r->items[3], "2.txt#1", 1, 3, "kept");
	assert_int_equal(r->stats.boilerplate, 2);
	run_free(r);
	fr_boilerplate_free(b);
}

/* Regression (user walk-through: `prefix Advertisement` dropped "Advertisements
 * for military recruitment now cover bus stops ..." and "Advertisement-free
 * coverage ..."): a prefix that ends in a letter matches only where the
 * block's word ends too; one that ends in punctuation, wherever. */
static void test_corpus__boilerplate_prefix_ends_a_word(void **state)
{
	tmp_state *t = *state;
	char path[256];
	fr_boilerplate *b = load_rules(REAL_RULES);
	size_t ad = rule_index(b, "prefix Advertisement");
	size_t related = rule_index(b, "prefix Related:");
	write_file(path, sizeof(path), t->dir, "ads.txt",
	           S("War in the bus stops\n\nAdvertisement\n\n"
	             "Advertisements for military recruitment now cover bus stops across Russian cities.\n\n"
	             "ADVERTISEMENT\n\nAdvertisement-free coverage of the war is funded by readers.\n\n"
	             "Advertisement: Shop now\n\nRelated:Ukraine war latest\n"));
	run_t *r = run_one(path, b);
	assert_int_equal(r->n, 3);
	assert_para(&r->items[0], "ads.txt#0", 0, 1, "War in the bus stops");
	assert_para(&r->items[1], "ads.txt#2", 2, 5,
	            "Advertisements for military recruitment now cover bus stops across Russian cities.");
	assert_para(&r->items[2], "ads.txt#4", 4, 9, "Advertisement-free coverage of the war is funded by readers.");
	assert_int_equal(r->drops[ad], 3);
	assert_int_equal(r->drops[related], 1);
	assert_int_equal(r->stats.boilerplate, 4);
	run_free(r);
	fr_boilerplate_free(b);
}

/* Regression (user walk-through: the byline rule `^By [A-Z]...` dropped the
 * title "By Any Means Necessary"): an article's title is looked at by exact
 * rules only. A headline may start like a byline, a date or a prefix rule
 * (and "Tyler Durden" as a title ended the article before its first
 * paragraph), but is never a whole share prompt, so that one still goes. */
typedef struct {
	const char *name;
	const char *input;
	size_t len;
	size_t n;            /* paragraphs kept */
	const char *first;   /* the first one's text */
	size_t first_para;
	const char *rule;    /* the rule that drops a block, or NULL */
	size_t drops;        /* by that rule */
} title_row;

static void test_corpus__title_only_exact_rules(void **state)
{
	tmp_state *t = *state;
	static const title_row rows[] = {
		{ "a byline-like title", S("By Any Means Necessary\n\nRussia launched 40 missiles.\n"),
		  2, "By Any Means Necessary", 0, NULL, 0 },
		{ "a byline below it still goes",
		  S("By Any Means Necessary\n\nBy John Friend\n\nRussia launched 40 missiles.\n"),
		  2, "By Any Means Necessary", 0,
		  "regex ^By [A-Z][A-Za-z.'-]+( [A-Z][A-Za-z.'-]+){0,3}$", 1 },
		{ "a title an end rule matches", S("Tyler Durden\n\nA profile of the pseudonym.\n"),
		  2, "Tyler Durden", 0, NULL, 0 },
		{ "a title a prefix rule matches", S("Advertisement: the new front line\n\nBody.\n"),
		  2, "Advertisement: the new front line", 0, NULL, 0 },
		{ "a title a date rule matches", S("March 3, 2023\n\nBody.\n"), 2, "March 3, 2023", 0, NULL, 0 },
		{ "a title that is a whole share prompt goes",
		  S("Share this:\n\nKyiv under fire\n\nRussia launched 40 missiles.\n"),
		  2, "Kyiv under fire", 1, "exact Share this:", 1 },
	};
	fr_boilerplate *b = load_rules(REAL_RULES);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char path[256];
		print_message("row: %s\n", rows[i].name);
		write_file(path, sizeof(path), t->dir, "title.txt", rows[i].input, rows[i].len);
		run_t *r = run_one(path, b);
		assert_int_equal(r->n, rows[i].n);
		assert_int_equal(count_ok(r), rows[i].n);
		assert_string_equal(r->items[0].text, rows[i].first);
		assert_int_equal(r->items[0].para, rows[i].first_para);
		assert_int_equal(r->stats.boilerplate, rows[i].drops);
		if (rows[i].rule != NULL)
			assert_int_equal(r->drops[rule_index(b, rows[i].rule)], rows[i].drops);
		run_free(r);
	}
	fr_boilerplate_free(b);
}

/* Regression (user walk-through: separators "* * *" and "###" were labeled
 * as paragraphs): a block with no letter or digit is skipped as empty, keeps
 * its number, and is counted as an empty record is. A rule still sees it
 * first, so an end rule may end the article at a "--" signature. */
static void test_corpus__txt_blocks_without_words_are_empty(void **state)
{
	tmp_state *t = *state;
	char p1[256], p2[256], p3[256];
	fr_boilerplate *b = load_rules(RULES_DIR "/small.rules");
	write_file(p1, sizeof(p1), t->dir, "1.txt",
	           S("Kyiv under fire\n\nRussia launched 40 missiles at Kyiv overnight.\n\n* * *\n\n###\n\n"
	             "---\n***\n\n\xE2\x80\xA2 \xE2\x80\xA2 \xE2\x80\xA2\n\n"
	             "\xE4\xB8\xAD\n\n* 2 *\n\nThe EU agreed new sanctions.\n"));
	write_file(p2, sizeof(p2), t->dir, "2.txt", S("* * *\n\nA body under a title of stars.\n"));
	write_file(p3, sizeof(p3), t->dir, "3.txt",
	           S("Signed\n\nA body long enough to sign off.\n\n--\n\n***\n"));
	const char *inputs[] = { p1, p2, p3 };
	run_t *r = run_corpus(inputs, 3, b);
	assert_int_equal(r->n, 8);
	assert_para(&r->items[0], "1.txt#0", 0, 1, "Kyiv under fire");
	assert_para(&r->items[1], "1.txt#1", 1, 3, "Russia launched 40 missiles at Kyiv overnight.");
	assert_para(&r->items[2], "1.txt#6", 6, 14, "\xE4\xB8\xAD");
	assert_para(&r->items[3], "1.txt#7", 7, 16, "* 2 *");
	assert_para(&r->items[4], "1.txt#8", 8, 18, "The EU agreed new sanctions.");
	assert_para(&r->items[5], "2.txt#1", 1, 3, "A body under a title of stars.");
	assert_para(&r->items[6], "3.txt#0", 0, 1, "Signed");
	assert_para(&r->items[7], "3.txt#1", 1, 3, "A body long enough to sign off.");
	/* "* * *", "###", "---" with "***", the bullets; the stars of 2.txt. */
	assert_int_equal(r->stats.empty, 5);
	/* The "--" of 3.txt, and the "***" after it. */
	assert_int_equal(r->stats.boilerplate, 2);
	assert_int_equal(r->drops[3], 2);
	assert_int_equal(r->stats.paragraphs, 8);
	run_free(r);
	fr_boilerplate_free(b);
}

/* Regression (user walk-through: "Share this post" right under the title, as
 * Substack and WordPress share bars put it, matched `end ^Share (this )?post:?$`
 * and dropped the whole body, exit 0 and one paragraph labeled): an end rule
 * ends the article only below more kept text than the file has left after
 * it; above that it drops its own block, like a regex rule. */
typedef struct {
	const char *name;
	const char *input;
	size_t len;
	size_t n;          /* paragraphs kept */
	size_t last_para;  /* number of the last one */
	size_t drops;      /* by the end rule */
} end_row;

static void test_corpus__boilerplate_end_needs_body_above(void **state)
{
	tmp_state *t = *state;
	static const end_row rows[] = {
		{ "under the title: the prompt alone goes",
		  S("Talks fail\n\nShare this post\n\nNegotiators met in Istanbul.\n\nKyiv insists on a withdrawal.\n"),
		  3, 3, 1 },
		{ "under a kept subtitle: the prompt alone goes",
		  S("Talks fail\n\nWhy neither side will move\n\nShare this post\n\n"
		    "Negotiators met in Istanbul on Tuesday, but the talks broke down.\n\n"
		    "Kyiv insists on a withdrawal.\n"),
		  4, 4, 1 },
		{ "twice above the body: each goes alone",
		  S("Talks fail\n\nShare this post\n\nA body paragraph.\n\nShare post:\n\n"
		    "A second body paragraph, longer than the first.\n"),
		  3, 4, 2 },
		{ "as the last block: it alone goes",
		  S("Talks fail\n\nShare this post\n"), 1, 0, 1 },
		{ "below the body: it and the headlines after it go",
		  S("Talks fail\n\nNegotiators met in Istanbul on Tuesday, but the talks broke down "
		    "within hours over the status of occupied territories.\n\nShare post:\n\n"
		    "Kuwait names an emir\n\nPope deplores killings\n"),
		  2, 1, 3 },
	};
	fr_boilerplate *b = load_rules(REAL_RULES);
	size_t end_rule = rule_index(b, "end ^Share (this )?post:?$");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char path[256];
		print_message("row: %s\n", rows[i].name);
		write_file(path, sizeof(path), t->dir, "share.txt", rows[i].input, rows[i].len);
		run_t *r = run_one(path, b);
		assert_int_equal(r->n, rows[i].n);
		assert_int_equal(count_ok(r), rows[i].n);
		assert_int_equal(r->items[0].para, 0);
		assert_int_equal(r->items[r->n - 1].para, rows[i].last_para);
		assert_int_equal(r->drops[end_rule], rows[i].drops);
		assert_int_equal(r->stats.boilerplate, rows[i].drops);
		run_free(r);
	}
	fr_boilerplate_free(b);
}

/* Blocks longer than FR_BOILERPLATE_MAX_BYTES are never matched. */
static void test_corpus__boilerplate_ignores_long_blocks(void **state)
{
	tmp_state *t = *state;
	char path[256];
	char article[1024];
	char block[FR_BOILERPLATE_MAX_BYTES + 2];
	fr_boilerplate *b = load_rules(REAL_RULES);
	/* "Read more: xxxx..." of 301 bytes, then the same of 300 bytes. */
	memset(block, 'x', sizeof(block));
	memcpy(block, "Read more: ", 11);
	block[FR_BOILERPLATE_MAX_BYTES + 1] = '\0';
	int n = snprintf(article, sizeof(article), "T\n\n%s\n\n%.*s\n", block,
	                 FR_BOILERPLATE_MAX_BYTES, block);
	write_file(path, sizeof(path), t->dir, "long.txt", article, (size_t)n);
	run_t *r = run_one(path, b);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->items[1].para, 1);
	assert_int_equal(r->items[1].text_len, FR_BOILERPLATE_MAX_BYTES + 1);
	assert_int_equal(r->stats.boilerplate, 1);
	assert_int_equal(r->drops[rule_index(b, "prefix Read more:")], 1);
	run_free(r);
	fr_boilerplate_free(b);
}

/* The real rules file: one block for each kind of rule. */
static void test_corpus__real_rules(void **state)
{
	tmp_state *t = *state;
	char path[256];
	fr_boilerplate *b = load_rules(REAL_RULES);
	write_file(path, sizeof(path), t->dir, "real.txt",
	           S("A Headline\n\nleave a comment\n\nRead more: elsewhere\n\nBy John Friend\n\n"
	             "Body text stays, above the headlines.\n\nShare post:\n\nUnrelated headline\n\nAnother one\n"));
	run_t *r = run_one(path, b);
	assert_int_equal(r->n, 2);
	assert_para(&r->items[0], "real.txt#0", 0, 1, "A Headline");
	assert_para(&r->items[1], "real.txt#4", 4, 9, "Body text stays, above the headlines.");
	assert_int_equal(r->stats.boilerplate, 6);
	assert_int_equal(r->drops[rule_index(b, "exact Leave a Comment")], 1);
	assert_int_equal(r->drops[rule_index(b, "prefix Read more:")], 1);
	assert_int_equal(r->drops[rule_index(b, "regex ^By [A-Z][A-Za-z.'-]+( [A-Z][A-Za-z.'-]+){0,3}$")], 1);
	assert_int_equal(r->drops[rule_index(b, "end ^Share (this )?post:?$")], 3);
	run_free(r);
	fr_boilerplate_free(b);
}

/* Regression (user walk-through, noshare.txt: page furniture was kept and
 * labeled): the shipped rules drop two-name bylines, share buttons, photo
 * credits, breadcrumbs, copyright lines and paywall prompts, and keep the
 * news sentences that start like them. */
#define MULTI_BYLINE "regex ^By [A-Z][A-Za-z.'-]+( [A-Z][A-Za-z.'-]+){0,3}" \
                     "((,|,? and) [A-Z][A-Za-z.'-]+( [A-Z][A-Za-z.'-]+){0,3}){1,3}$"
#define PHOTO "regex ^(Photo|Photograph|Image|Picture)( credit)?: [^.!?]{1,120}\\.?$"
#define PHOTO_PAREN "regex ^\\((Photo|Photograph|Image|Picture)( credit)?( by|:) [^()]{1,120}\\)$"
#define CRUMBS "regex ^(Home|HOME)( (>|\xC2\xBB|\xE2\x80\xBA|/|\\|) [^>|]{1,40}){1,6}$"
#define COPYRIGHT "regex ^(\xC2\xA9|Copyright \xC2\xA9|Copyright \\([Cc]\\)|Copyright [0-9]{4}|" \
                  "COPYRIGHT [0-9]{4}|\\([Cc]\\) [0-9]{4})"
#define NEW_WINDOW "regex ^Click to [^.]{1,80} \\(Opens in new window\\)$"

typedef struct {
	const char *text;
	const char *rule; /* the first rule that matches it, or NULL */
} furniture_row;

static void test_corpus__real_rules_page_furniture(void **state)
{
	(void)state;
	static const furniture_row rows[] = {
		{ "By Anna Kowalski and Mark Ellis", MULTI_BYLINE },
		{ "By Anna Kowalski, Mark Ellis and Jo Li", MULTI_BYLINE },
		{ "By A. Roe, B. Doe, and C. Poe", MULTI_BYLINE },
		{ "By Anna Kowalski, Reuters", MULTI_BYLINE },
		{ "By Monday the two sides had agreed to meet again.", NULL },
		{ "By Sunday, Kyiv and Moscow had swapped 200 prisoners.", NULL },
		{ "Share", "exact Share" },
		{ "Share this article", "exact Share this article" },
		{ "SHARE THIS STORY", "exact Share this story" },
		{ "Shares in Gazprom fell 5% on Monday.", NULL },
		{ "Share this article with anyone who doubts the figures, the ministry urged.", NULL },
		{ "Click to share on Twitter (Opens in new window)", NEW_WINDOW },
		{ "Click to email a link to a friend (Opens in new window)", NEW_WINDOW },
		{ "Click to share on Facebook", "prefix Click to share on" },
		{ "Photo: Reuters/Gleb Garanich", PHOTO },
		{ "Photo credit: AP Photo/Efrem Lukatsky.", PHOTO },
		{ "(Photo by Sergei Supinsky / AFP via Getty Images)", PHOTO_PAREN },
		{ "(Image: Reuters)", PHOTO_PAREN },
		{ "Photos by soldiers posted on Telegram show the strike.", NULL },
		{ "Photographs of the damage were shared widely. Officials said 12 died.", NULL },
		{ "(Photos of the site were taken by a drone.)", NULL },
		{ "Home > World > Europe", CRUMBS },
		{ "Home \xC2\xBB Politics", CRUMBS },
		{ "HOME / NEWS / UKRAINE", CRUMBS },
		{ "Home to 40,000 people, the town was shelled overnight.", NULL },
		{ "Home is where the front line is now, residents say.", NULL },
		{ "Copyright 2023 The Example Times. All rights reserved.", COPYRIGHT },
		{ "\xC2\xA9 2023 Example Media", COPYRIGHT },
		{ "(c) 2024 Example Media", COPYRIGHT },
		{ "All rights reserved.", "regex ^All [Rr]ights [Rr]eserved\\.?$" },
		{ "Copyright law in Russia has changed since 2022.", NULL },
		{ "All rights reserved by the treaty were waived in 1994, Kyiv says.", NULL },
		{ "Subscribe to continue reading", "prefix Subscribe to continue reading" },
		{ "Subscribe to continue reading. Already a subscriber? Sign in.",
		  "prefix Subscribe to continue reading" },
		{ "Sign in to continue reading", "prefix Sign in to continue reading" },
		{ "Subscribers can continue reading the full report online.", NULL },
	};
	fr_boilerplate *b = load_rules(REAL_RULES);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int ends = -1;
		print_message("row: %s\n", rows[i].text);
		int want = rows[i].rule ? (int)rule_index(b, rows[i].rule) : -1;
		assert_int_equal(fr_boilerplate_match(b, rows[i].text, strlen(rows[i].text), &ends), want);
		assert_int_equal(ends, 0);
	}
	fr_boilerplate_free(b);
}

/* ---- the example batch -------------------------------------------------- */

static void test_corpus__example_batch(void **state)
{
	(void)state;
	static const char *const furniture[] = {
		"Fight Censorship, Share This Post!", "LATEST VIDEO", "Leave a Comment", "Share post:",
		"By John Friend", "Drowning in Debt ad", "Reporting from Zero Hedge.",
	};
	static const char *const docs[] = {
		"000_95c8a98d22d4bff1.txt", "001_cffa34eed2c04c87.txt", "002_2ee5c5a79ba5e6b6.txt",
		"003_7da01264481b0f8d.txt", "004_7babc8d97271ac54.txt",
	};
	fr_boilerplate *b = load_rules(REAL_RULES);
	run_t *r = run_one(EXAMPLE_BATCH, b);
	size_t doc = 0;
	assert_int_equal(r->files, 5);
	assert_int_equal(r->stats.files, 5);
	assert_int_equal(r->n, 71);
	assert_int_equal(count_ok(r), 71);
	assert_int_equal(r->stats.paragraphs, 71);
	assert_true(r->stats.boilerplate > 0);
	for (size_t i = 0; i < r->n; i++) {
		const item_t *it = &r->items[i];
		for (size_t k = 0; k < sizeof(furniture) / sizeof(furniture[0]); k++)
			assert_string_not_equal(it->text, furniture[k]);
		/* Files in name order: the doc only ever moves to the next one, and
		 * each article starts with its title. */
		if (strcmp(it->doc, docs[doc]) != 0) {
			doc++;
			assert_true(doc < 5);
			assert_string_equal(it->doc, docs[doc]);
			assert_int_equal(it->para, 0);
		}
		if (strncmp(it->doc, "003_", 4) == 0)
			assert_null(strstr(it->text, "(Reuters)"));
	}
	assert_int_equal(doc, 4);
	run_free(r);
	fr_boilerplate_free(b);
}

/* ---- .csv batches ------------------------------------------------------- */

static void test_corpus__csv_ids(void **state)
{
	tmp_state *t = *state;
	char p1[256], p2[256];
	write_file(p1, sizeof(p1), t->dir, "own.csv", S("id,text\nA1,hello\n,no id\nB2,bye\n"));
	write_file(p2, sizeof(p2), t->dir, "plain.csv", S("text,other\nx,1\ny,2\n"));
	const char *inputs[] = { p1, p2 };
	run_t *r = run_corpus(inputs, 2, NULL);
	assert_int_equal(r->n, 5);
	assert_para(&r->items[0], "A1", 1, 2, "hello");
	assert_para(&r->items[1], "own.csv#2", 2, 3, "no id");
	assert_para(&r->items[2], "B2", 3, 4, "bye");
	assert_para(&r->items[3], "plain.csv#1", 1, 2, "x");
	assert_para(&r->items[4], "plain.csv#2", 2, 3, "y");
	assert_string_equal(r->items[0].doc, "own.csv");
	assert_string_equal(r->items[4].doc, "plain.csv");
	run_free(r);

	/* labels.csv or review.csv labeled again: the apostrophe framer put
	 * before '-7 is not part of the id or text; any other one is. */
	write_file(p1, sizeof(p1), t->dir, "again.csv", S("id,text\n'-7,'=1 is one\n'x,'tis\n"));
	r = run_one(p1, NULL);
	assert_int_equal(r->n, 2);
	assert_para(&r->items[0], "-7", 1, 2, "=1 is one");
	assert_para(&r->items[1], "'x", 2, 3, "'tis");
	run_free(r);

	/* A bad byte is counted in the cell as the file has it, apostrophe and all. */
	write_file(p1, sizeof(p1), t->dir, "bad.csv", S("id,text\n1,'=caf\xE9\n'-2,'-caf\xE9\n3,ok\n"));
	r = run_one(p1, NULL);
	assert_int_equal(r->n, 3);
	assert_err(&r->items[0], FR_EFORMAT, "truncated sequence) at byte 5 of the text", "/bad.csv", 2);
	assert_err(&r->items[1], FR_EFORMAT, "truncated sequence) at byte 5 of the text", "/bad.csv", 3);
	assert_para(&r->items[2], "3", 3, 4, "ok");
	run_free(r);
}

static void test_corpus__csv_quoting(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "q.csv",
	           S("\xEF\xBB\xBFid,text\r\n"
	             "1,\"a, b\"\r\n"
	             "2,\"say \"\"hi\"\"\"\r\n"
	             "3,\"line one\r\nline two\"\r\n"
	             "4,plain\r\n"
	             "5,\"\"\"quoted\"\", then, commas\""));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 5);
	assert_para(&r->items[0], "1", 1, 2, "a, b");
	assert_para(&r->items[1], "2", 2, 3, "say \"hi\"");
	assert_para(&r->items[2], "3", 3, 4, "line one\r\nline two");
	assert_para(&r->items[3], "4", 4, 6, "plain");
	assert_para(&r->items[4], "5", 5, 7, "\"quoted\", then, commas");
	run_free(r);
}

static void test_corpus__csv_bad_field_counts(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "fields.csv",
	           S("id,text\n1,a\n2,b,extra\n3\n4,d\n"));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 4);
	assert_para(&r->items[0], "1", 1, 2, "a");
	assert_err(&r->items[1], FR_EFORMAT, "3 fields", "/fields.csv", 3);
	assert_err(&r->items[2], FR_EFORMAT, "1 fields", "/fields.csv", 4);
	assert_para(&r->items[3], "4", 4, 5, "d");
	assert_int_equal(r->stats.bad_records, 2);
	assert_int_equal(r->stats.bad_files, 0);
	assert_int_equal(r->stats.paragraphs, 2);
	run_free(r);
}

/* A quote out of place costs its record; an unterminated quote ends the
 * file, but not the batch. */
static void test_corpus__csv_broken_quoting(void **state)
{
	tmp_state *t = *state;
	char dir[128], path[256];
	snprintf(dir, sizeof(dir), "%s/batch", t->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(path, sizeof(path), dir, "a.csv", S("text\nok1\nba\"d\nok2\n"));
	write_file(path, sizeof(path), dir, "b.csv", S("text\n\"never closed\nok3\n"));
	write_file(path, sizeof(path), dir, "c.jsonl", S("{\"text\":\"next file\"}\n"));
	run_t *r = run_one(dir, NULL);
	assert_int_equal(r->n, 5);
	assert_para(&r->items[0], "a.csv#1", 1, 2, "ok1");
	/* A stray quote costs its line only; record numbers go on. */
	assert_err(&r->items[1], FR_EFORMAT, "quote inside an unquoted field", "/a.csv", 3);
	assert_para(&r->items[2], "a.csv#3", 3, 4, "ok2");
	assert_err(&r->items[3], FR_EFORMAT, "unterminated quoted field", "/b.csv", 2);
	assert_para(&r->items[4], "c.jsonl#1", 1, 1, "next file");
	assert_int_equal(r->stats.bad_records, 1);
	assert_int_equal(r->stats.bad_files, 1);
	assert_int_equal(r->stats.files, 3);
	run_free(r);
}

typedef struct {
	const char *name;
	const char *input;
	size_t len;
	const char *msg;
} csv_file_error_row;

/* 63 bytes: a character after them spans a name's 64-byte cut. */
#define X63 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* A file the reader cannot start on: reported with its line, and the next
 * input is read. */
static void test_corpus__csv_file_errors(void **state)
{
	tmp_state *t = *state;
	const csv_file_error_row rows[] = {
		{ "no text column", S("id,body\n1,x\n"), "no 'text' column" },
		/* The labeled-data reader's hints, word for word (fr_csv_no_text_column). */
		{ "semicolons", S("id;text\n1;x\n"),
		  "no 'text' column in the header: it looks separated by ';', and framer reads comma-separated CSV" },
		{ "Text", S("id,Text\n1,x\n"),
		  "no 'text' column in the header: column 2 is named 'Text' (names are exact: rename it 'text')" },
		{ "Excel's sep= line", S("sep=,\nid,text\n1,x\n"),
		  "no 'text' column in the header: this line is Excel's 'sep=' line, not the header; delete it" },
		{ "empty file", S(""), "empty file" },
		{ "only a BOM", S("\xEF\xBB\xBF"), "empty file" },
		{ "a column named twice", S("id,text,text\n1,a,b\n"), "column 'text' appears twice" },
		/* Quoted up to 64 bytes: cut before the é, not inside it. */
		{ "a long column named twice", S("text," X63 "\xc3\xa9," X63 "\xc3\xa9\n1,a,b\n"),
		  "column '" X63 "' appears twice" },
		{ "broken quoting in the header", S("id,\"text\n1,x\n"), "unterminated quoted field" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char p1[256], p2[256];
		print_message("row: %s\n", rows[i].name);
		write_file(p1, sizeof(p1), t->dir, "bad.csv", rows[i].input, rows[i].len);
		write_file(p2, sizeof(p2), t->dir, "good.csv", S("text\nfine\n"));
		const char *inputs[] = { p1, p2 };
		run_t *r = run_corpus(inputs, 2, NULL);
		assert_int_equal(r->n, 2);
		assert_err(&r->items[0], FR_EFORMAT, rows[i].msg, "/bad.csv", 1);
		assert_int_equal(r->stats.bad_records, 0);
		assert_para(&r->items[1], "good.csv#1", 1, 2, "fine");
		assert_int_equal(r->stats.bad_files, 1);
		run_free(r);
	}
}

static void test_corpus__csv_empty_texts(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "e.csv", S("id,text\n1,\n2,\"\"\n3,x\n"));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 1);
	assert_para(&r->items[0], "3", 3, 4, "x");
	assert_int_equal(r->stats.empty, 2);
	assert_int_equal(r->stats.bad_records, 0);
	run_free(r);

	/* A text of spaces and line ends alone is empty too, as labeled data
	 * counts it: no paragraph labeled from nothing. */
	write_file(path, sizeof(path), t->dir, "blank.csv",
	           S("id,text\n1,\"  \"\n2,\"\n\t\r\n\"\n3,\xc2\xa0\n4, y \n"));
	r = run_one(path, NULL);
	assert_int_equal(r->n, 1);
	assert_string_equal(r->items[0].id, "4");
	assert_int_equal(r->stats.empty, 3);
	run_free(r);
	write_file(path, sizeof(path), t->dir, "blank.jsonl",
	           S("{\"text\":\" \\n \"}\n{\"text\":\"\\u3000\"}\n{\"text\":\"z\"}\n"));
	r = run_one(path, NULL);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->stats.empty, 2);
	run_free(r);
}

/* ---- .jsonl batches ----------------------------------------------------- */

static void test_corpus__jsonl_records(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "f.jsonl",
	           S("{\"text\":\"first\",\"id\":\"x1\"}\n"   /* 1 */
	             "\n"                                     /* 2 blank */
	             "[1,2]\n"                                /* 3 */
	             "{\"text\": 5}\n"                        /* 4 */
	             "{\"id\":\"n\"}\n"                       /* 5 */
	             "{bad json\n"                            /* 6 */
	             "{\"text\":\"second\",\"id\":42}\r\n"    /* 7 */
	             "  \t\r\n"                               /* 8 blank */
	             "{\"text\":\"third\"}\n"                 /* 9 */
	             "{\"text\":\"\"}\n"                      /* 10 empty */
	             "{\"text\":\"x\",\"id\":[1]}\n"          /* 11 */
	             "\"just a string\"\n"                    /* 12 */
	             "{\"text\":\"a\\u0000b\",\"id\":\"\"}\n" /* 13: a NUL is not text */
	             "{\"text\":\"tail\"} junk\n"             /* 14 */
	             "{\"text\":\"last\"}"));                 /* 15, no line end */
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 12);
	assert_para(&r->items[0], "x1", 1, 1, "first");
	assert_err(&r->items[1], FR_EFORMAT, "JSON object", "/f.jsonl", 3);
	assert_err(&r->items[2], FR_EFORMAT, "\"text\" must be a string", "/f.jsonl", 4);
	assert_err(&r->items[3], FR_EFORMAT, "no \"text\"", "/f.jsonl", 5);
	assert_err(&r->items[4], FR_EFORMAT, "invalid JSON", "/f.jsonl", 6);
	assert_para(&r->items[5], "42", 6, 7, "second");
	assert_para(&r->items[6], "f.jsonl#7", 7, 9, "third");
	assert_err(&r->items[7], FR_EFORMAT, "\"id\"", "/f.jsonl", 11);
	assert_err(&r->items[8], FR_EFORMAT, "JSON object", "/f.jsonl", 12);
	assert_err(&r->items[9], FR_EFORMAT, "NUL byte at byte 1 of the text", "/f.jsonl", 13);
	assert_err(&r->items[10], FR_EFORMAT, "invalid JSON", "/f.jsonl", 14);
	assert_para(&r->items[11], "f.jsonl#13", 13, 15, "last");
	assert_string_equal(r->items[0].doc, "f.jsonl");
	assert_int_equal(r->stats.bad_records, 8);
	assert_int_equal(r->stats.empty, 1);
	assert_int_equal(r->stats.paragraphs, 4);
	assert_int_equal(r->stats.bad_files, 0);
	run_free(r);

	/* Regression (fuzzing: jansson reads through a raw NUL between two
	 * tokens, and the record was labeled): a raw NUL anywhere costs the
	 * record, with where it is. */
	write_file(path, sizeof(path), t->dir, "g.jsonl", S("{\"text\":\"x\",\"n\":1\0}\n{\"text\":\"y\"}\n"));
	r = run_one(path, NULL);
	assert_int_equal(r->n, 2);
	assert_err(&r->items[0], FR_EFORMAT, "NUL byte at byte 17 of the line", "/g.jsonl", 1);
	assert_para(&r->items[1], "g.jsonl#2", 2, 2, "y");
	run_free(r);
}

/* A record that gives a key twice, at any depth and whichever key, is a bad
 * record naming the key and the byte in the line where its second one
 * starts; the file goes on. Lines 1 to 3 are ones fr_jsonl_record would
 * take but for the repeat; the others only jansson reads (a number, an
 * escaped name, a nested object after a BOM, over 32 members). */
#define HALF_NAME "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9" \
                  "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9" \
                  "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9" \
                  "\xC3\xA9" /* 31 letters, 62 bytes */
#define LONG_NAME HALF_NAME HALF_NAME

static void test_corpus__jsonl_repeated_keys(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "k.jsonl",
	           S("{\"id\":\"e\",\"text\":\"NATO weapons\",\"text\":\"second text\"}\n" /* 1 */
	             "{\"id\":\"f\",\"id\":\"g\",\"text\":\"x\"}\n"                      /* 2 */
	             "{\"text\":\"x\",\"src\":\"a\",\"src\":\"a\"}\n"                    /* 3 */
	             "{\"text\":\"one\",\"id\":\"o\"}\n"                                  /* 4 */
	             "{\"text\":\"x\",\"n\":1.5,\"text\":5}\n"                            /* 5 */
	             "{\"text\":\"x\",\"te\\u0078t\":\"y\"}\n"                           /* 6 */
	             "\xEF\xBB\xBF{\"text\":\"caf\xC3\xA9\",\"meta\":{\"k\":1,\"k\":2}}\n"  /* 7 */
	             "{\"text\":\"x\",\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,"
	             "\"i\":1,\"j\":1,\"k\":1,\"l\":1,\"m\":1,\"n\":1,\"o\":1,\"p\":1,\"q\":1,\"r\":1,"
	             "\"s\":1,\"t\":1,\"u\":1,\"v\":1,\"w\":1,\"x\":1,\"y\":1,\"z\":1,\"A\":1,\"B\":1,"
	             "\"C\":1,\"D\":1,\"E\":1,\"text\":\"y\"}\n"                          /* 8 */
	             "{\"text\":\"two\",\"meta\":{\"k\":1},\"more\":{\"k\":1}}\n"       /* 9 */
	             "{\"text\":\"tail\",\"id\":\"e\"}\n"                                 /* 10 */
	             "{\"x" LONG_NAME "\":1,\"x" LONG_NAME "\":2}"));                      /* 11 */
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 11);
	assert_err(&r->items[0], FR_EFORMAT, "repeated key 'text' at byte 32 of the line", "/k.jsonl", 1);
	assert_err(&r->items[1], FR_EFORMAT, "repeated key 'id' at byte 10 of the line", "/k.jsonl", 2);
	assert_err(&r->items[2], FR_EFORMAT, "repeated key 'src' at byte 22 of the line", "/k.jsonl", 3);
	assert_para(&r->items[3], "o", 4, 4, "one");
	assert_err(&r->items[4], FR_EFORMAT, "repeated key 'text' at byte 20 of the line", "/k.jsonl", 5);
	assert_err(&r->items[5], FR_EFORMAT, "repeated key 'te\\u0078t' at byte 12 of the line", "/k.jsonl", 6);
	assert_err(&r->items[6], FR_EFORMAT, "repeated key 'k' at byte 33 of the line", "/k.jsonl", 7);
	assert_err(&r->items[7], FR_EFORMAT, "repeated key 'text' at byte 198 of the line", "/k.jsonl", 8);
	/* The same key in two objects is no repeat. */
	assert_para(&r->items[8], "k.jsonl#9", 9, 9, "two");
	/* The refused record's id was never given. */
	assert_para(&r->items[9], "e", 10, 10, "tail");
	/* A long name is cut at 64 bytes, where a character starts. */
	assert_err(&r->items[10], FR_EFORMAT, "repeated key 'x" HALF_NAME "...' at byte 131 of the line",
	           "/k.jsonl", 11);
	assert_int_equal(r->stats.bad_records, 8);
	assert_int_equal(r->stats.paragraphs, 3);
	run_free(r);
}

/* A CSV record that is not text, or that repeats the header (files joined
 * with their byte order marks), is a bad record; the file goes on. */
static void test_corpus__csv_bad_records(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "j.csv",
	           S("\xEF\xBB\xBFid,text\n"
	             "1,one\n"                     /* 2 */
	             "2,t\xC0\xAFo\n"             /* 3 */
	             "3\xFF,three\n"               /* 4 */
	             "4,\"f\0ur\"\n"               /* 5 */
	             "\xEF\xBB\xBFid,text\n"       /* 6: the second file's header */
	             "\xEF\xBB\xBF" "5,five\n"      /* 7: a BOM glued to a record */
	             "id,text\n"))                 /* 8 */
	;
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 7);
	assert_para(&r->items[0], "1", 1, 2, "one");
	assert_err(&r->items[1], FR_EFORMAT, "overlong form) at byte 1 of the text", "/j.csv", 3);
	assert_err(&r->items[2], FR_EFORMAT, "at byte 1 of the id", "/j.csv", 4);
	assert_err(&r->items[3], FR_EFORMAT, "NUL byte at byte 1 of the text", "/j.csv", 5);
	assert_err(&r->items[4], FR_EFORMAT, "the header row again", "/j.csv", 6);
	assert_para(&r->items[5], "5", 6, 7, "five");
	assert_err(&r->items[6], FR_EFORMAT, "the header row again", "/j.csv", 8);
	assert_int_equal(r->stats.bad_records, 5);
	assert_int_equal(r->stats.paragraphs, 2);
	run_free(r);
}

/* A UTF-16 file of any kind is one bad file that says what it is. */
static void test_corpus__utf16_files(void **state)
{
	tmp_state *t = *state;
	char p1[256], p2[256], p3[256], p4[256];
	write_file(p1, sizeof(p1), t->dir, "le.txt", S("\xFF\xFET\0i\0t\0\n\0"));
	write_file(p2, sizeof(p2), t->dir, "be.csv", S("\xFE\xFF\0t\0e\0x\0t\0\n"));
	write_file(p3, sizeof(p3), t->dir, "le.jsonl", S("\xFF\xFE{\0}\0\n\0"));
	write_file(p4, sizeof(p4), t->dir, "fine.txt", S("\xEF\xBB\xBFTitle\n"));
	const char *inputs[] = { p1, p2, p3, p4 };
	run_t *r = run_corpus(inputs, 4, NULL);
	assert_int_equal(r->n, 4);
	assert_err(&r->items[0], FR_EFORMAT, "UTF-16 text (byte order mark FF FE)", "/le.txt", 1);
	assert_err(&r->items[1], FR_EFORMAT, "UTF-16 text (byte order mark FE FF)", "/be.csv", 1);
	assert_err(&r->items[2], FR_EFORMAT, "UTF-16 text (byte order mark FF FE)", "/le.jsonl", 1);
	assert_para(&r->items[3], "fine.txt#0", 0, 1, "Title");
	assert_int_equal(r->stats.bad_files, 3);
	assert_int_equal(r->stats.bad_records, 0);
	run_free(r);
}

/* Byte order marks start JSON Lines files, and files joined on. */
static void test_corpus__jsonl_byte_order_marks(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "b.jsonl",
	           S("\xEF\xBB\xBF{\"text\":\"one\"}\n{\"text\":\"two\"}\n\xEF\xBB\xBF{\"text\":\"three\"}\n"
	             "\xEF\xBB\xBF\n{\"text\":\"four\"}\n"));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 4);
	assert_para(&r->items[0], "b.jsonl#1", 1, 1, "one");
	assert_para(&r->items[2], "b.jsonl#3", 3, 3, "three");
	assert_para(&r->items[3], "b.jsonl#4", 4, 5, "four");
	assert_int_equal(r->stats.bad_records, 0);
	run_free(r);
}

/* An id a record gives may be given once in a run: a later record with it,
 * in any file, is reported with where the first was. Ids made up from
 * positions are not checked: they are unique by construction. */
static void test_corpus__duplicate_ids(void **state)
{
	tmp_state *t = *state;
	char p1[256], p2[256];
	write_file(p1, sizeof(p1), t->dir, "a.jsonl",
	           S("{\"id\":\"r1\",\"text\":\"one\"}\n"
	             "{\"id\":\"r2\",\"text\":\"two\"}\n"
	             "{\"id\":\"r1\",\"text\":\"again\"}\n"
	             "{\"id\":7,\"text\":\"seven\"}\n"
	             "{\"id\":\"7\",\"text\":\"seven as a string\"}\n"
	             "{\"text\":\"no id\"}\n"
	             "{\"id\":\"r\\nx\",\"text\":\"a line end in the id\"}\n"
	             "{\"id\":\"r\\nx\",\"text\":\"and again\"}\n"));
	write_file(p2, sizeof(p2), t->dir, "b.csv", S("id,text\nr2,dup across files\n,no id\nr3,three\n"));
	const char *inputs[] = { p1, p2 };
	run_t *r = run_corpus(inputs, 2, NULL);
	assert_int_equal(r->n, 11);
	assert_para(&r->items[0], "r1", 1, 1, "one");
	assert_para(&r->items[1], "r2", 2, 2, "two");
	assert_err(&r->items[2], FR_EFORMAT, "duplicate id 'r1', first used at a.jsonl:1", "/a.jsonl", 3);
	assert_para(&r->items[3], "7", 4, 4, "seven");
	assert_err(&r->items[4], FR_EFORMAT, "duplicate id '7', first used at a.jsonl:4", "/a.jsonl", 5);
	assert_para(&r->items[5], "a.jsonl#6", 6, 6, "no id");
	assert_para(&r->items[6], "r\nx", 7, 7, "a line end in the id");
	/* The message stays one line. */
	assert_err(&r->items[7], FR_EFORMAT, "duplicate id 'r?x', first used at a.jsonl:7", "/a.jsonl", 8);
	assert_err(&r->items[8], FR_EFORMAT, "duplicate id 'r2', first used at a.jsonl:2", "/b.csv", 2);
	assert_para(&r->items[9], "b.csv#2", 2, 3, "no id");
	assert_para(&r->items[10], "r3", 3, 4, "three");
	assert_int_equal(r->stats.bad_records, 4);
	run_free(r);
}

/* Memory stays flat: the first 196,608 ids of a run are remembered; a
 * repeat of one of them is still caught after that, ids past them are
 * counted as not checked. */
static void test_corpus__duplicate_ids_past_the_cap(void **state)
{
	tmp_state *t = *state;
	char path[256];
	assert_int_equal(test_path(path, sizeof(path), t->dir, "many.csv"), 0);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs("id,text\n", fp);
	for (int i = 0; i < 400000; i++)
		fprintf(fp, "r%d,x\n", i);
	fputs("r1,again\nr399999,again\n", fp);
	assert_int_equal(fclose(fp), 0);
	const char *inputs[] = { path };
	fr_corpus *c = NULL;
	fr_error err = FR_ERROR_INIT;
	assert_int_equal(fr_corpus_open(&c, inputs, 1, NULL, &err), 0);
	size_t good = 0, bad = 0;
	fr_paragraph p;
	int rc;
	while ((rc = fr_corpus_next(&p, c, &err)) != FR_ITEROVER) {
		if (rc == 0) {
			good++;
			continue;
		}
		bad++;
		assert_int_equal(rc, FR_EFORMAT);
		assert_non_null(strstr(err.message, "duplicate id 'r1', first used at many.csv:3"));
		fr_error_clear(&err);
	}
	assert_int_equal(bad, 1);
	assert_int_equal(good, 400001);
	assert_int_equal(fr_corpus_get_stats(c)->ids_unchecked, 400000 - 196608 + 1);
	fr_corpus_free(c);
}

/* "-" reads JSON Lines from standard input. */
static void test_corpus__stdin(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "in.jsonl",
	           S("{\"text\":\"one\"}\nnope\n{\"id\":\"own\",\"text\":\"two\"}\n"));
	assert_non_null(freopen(path, "rb", stdin));
	const char *inputs[] = { "-" };
	run_t *r = run_corpus(inputs, 1, NULL);
	assert_int_equal(r->n, 3);
	assert_para(&r->items[0], "<stdin>#1", 1, 1, "one");
	assert_string_equal(r->items[0].doc, "<stdin>");
	assert_err(&r->items[1], FR_EFORMAT, "invalid JSON", "<stdin>", 2);
	assert_para(&r->items[2], "own", 3, 3, "two");
	run_free(r);
	/* The corpus borrows stdin: it is still open. */
	assert_int_equal(fgetc(stdin), EOF);
	assert_int_equal(ferror(stdin), 0);
}

/* ---- inputs ------------------------------------------------------------- */

static void test_corpus__directory(void **state)
{
	tmp_state *t = *state;
	char dir[128], path[256];
	snprintf(dir, sizeof(dir), "%s/batch", t->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_file(path, sizeof(path), dir, "b.txt", S("B title\n"));
	write_file(path, sizeof(path), dir, "a.jsonl", S("{\"text\":\"from a\"}\n"));
	write_file(path, sizeof(path), dir, "c.csv", S("text\nfrom c\n"));
	write_file(path, sizeof(path), dir, "Z.TXT", S("Z title\n"));
	write_file(path, sizeof(path), dir, ".hidden.txt", S("hidden\n"));
	write_file(path, sizeof(path), dir, "notes.md", S("not an input\n"));
	write_file(path, sizeof(path), dir, "data.json", S("{\"text\":\"no\"}\n"));
	snprintf(path, sizeof(path), "%s/sub.txt", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/gone.csv", dir);
	assert_int_equal(symlink("/nonexistent/gone.csv", path), 0);
	run_t *r = run_one(dir, NULL);
	assert_int_equal(r->files, 6);
	assert_int_equal(r->n, 6);
	/* Byte order of names: 'Z' sorts before 'a'. A link to nowhere and a
	 * folder with an article's name are reported in their turn, not passed
	 * over without a word. */
	assert_string_equal(r->items[0].doc, "Z.TXT");
	assert_string_equal(r->items[1].doc, "a.jsonl");
	assert_string_equal(r->items[2].doc, "b.txt");
	assert_string_equal(r->items[3].doc, "c.csv");
	assert_string_equal(r->items[3].text, "from c");
	assert_int_equal(r->items[4].rc, FR_EIO);
	assert_non_null(strstr(r->items[4].err.source, "/gone.csv"));
	assert_non_null(strstr(r->items[4].err.message, "cannot read input: No such file"));
	assert_int_equal(r->items[5].rc, FR_EINVALID);
	assert_non_null(strstr(r->items[5].err.source, "/sub.txt"));
	assert_non_null(strstr(r->items[5].err.message, "not a regular file but a folder"));
	assert_int_equal(r->stats.bad_files, 2);
	run_free(r);
}

/* Regression (user walk-through: two folders each holding a.txt gave
 * a.txt#0 twice, and review.csv then could not be read back): an input
 * whose file name an earlier input has is reported and skipped, the same
 * file given twice too; each id of a run stays unique. */
static void test_corpus__repeated_file_names(void **state)
{
	tmp_state *t = *state;
	char w1[128], w2[128], a1[256], a2[256];
	snprintf(w1, sizeof(w1), "%s/w1", t->dir);
	snprintf(w2, sizeof(w2), "%s/w2", t->dir);
	assert_int_equal(mkdir(w1, 0700), 0);
	assert_int_equal(mkdir(w2, 0700), 0);
	write_file(a1, sizeof(a1), w1, "a.txt", S("Week one\n\nRussia invaded.\n"));
	write_file(a2, sizeof(a2), w2, "a.txt", S("Week two\n\nChina urges talks.\n"));
	const char *inputs[] = { w2, w1, a2 };
	run_t *r = run_corpus(inputs, 3, NULL);
	assert_int_equal(r->n, 4);
	assert_string_equal(r->items[0].id, "a.txt#0");
	assert_string_equal(r->items[0].text, "Week two");
	assert_string_equal(r->items[1].id, "a.txt#1");
	assert_int_equal(r->items[2].rc, FR_EINVALID);
	assert_string_equal(r->items[2].err.source, a1);
	assert_non_null(strstr(r->items[2].err.message, "same file name as "));
	assert_non_null(strstr(r->items[2].err.message, "w2/a.txt, whose paragraph ids (a.txt#N) it would repeat"));
	assert_int_equal(r->items[3].rc, FR_EINVALID);
	assert_string_equal(r->items[3].err.source, a2);
	assert_non_null(strstr(r->items[3].err.message, "the same file as "));
	assert_int_equal(r->stats.bad_files, 2);
	run_free(r);

	/* Weekly exports of one name whose records carry ids are read whole;
	 * only a record that would need a made-up id is refused. */
	char c1[256], c2[256];
	write_file(c1, sizeof(c1), w1, "export.csv", S("id,text\n,one\nw1-2,two\n"));
	write_file(c2, sizeof(c2), w2, "export.csv", S("id,text\nw2-1,three\n,four\nw2-3,five\n"));
	const char *exports[] = { c1, c2 };
	r = run_corpus(exports, 2, NULL);
	assert_int_equal(r->n, 5);
	assert_string_equal(r->items[0].id, "export.csv#1");
	assert_string_equal(r->items[1].id, "w1-2");
	assert_string_equal(r->items[2].id, "w2-1");
	assert_int_equal(r->items[3].rc, FR_EINVALID);
	assert_string_equal(r->items[3].err.source, c2);
	assert_int_equal(r->items[3].err.line, 3);
	assert_non_null(strstr(r->items[3].err.message, "so its id export.csv#2 may be taken"));
	assert_string_equal(r->items[4].id, "w2-3");
	assert_int_equal(r->stats.bad_records, 1);
	assert_int_equal(r->stats.bad_files, 0);
	run_free(r);
}

/* Regression (user walk-through: review.csv gave every row of a batch CSV
 * the CSV's file name as its document, and as a correction that replaced
 * the training rows' own documents): a .csv record's "document" cell (or
 * "doc") is its document; without one the file's name stands in, and the
 * paragraph says it is only that. */
static void test_corpus__csv_document_column(void **state)
{
	tmp_state *t = *state;
	char path[256], plain[256];
	write_file(path, sizeof(path), t->dir, "docs.csv",
	           S("id,doc,document,text\nr1,x,art-1,one\nr2,y,,two\nr3,z,art-\xff,three\n"));
	write_file(plain, sizeof(plain), t->dir, "plain.csv", S("text\nfour\n"));
	const char *inputs[] = { path, plain };
	run_t *r = run_corpus(inputs, 2, NULL);
	assert_int_equal(r->n, 4);
	assert_string_equal(r->items[0].doc, "art-1");
	assert_true(r->items[0].doc_known);
	/* An empty cell: the file's name, as for a file without the column. */
	assert_string_equal(r->items[1].doc, "docs.csv");
	assert_false(r->items[1].doc_known);
	assert_int_equal(r->items[2].rc, FR_EFORMAT);
	assert_non_null(strstr(r->items[2].err.message, "of the document"));
	assert_string_equal(r->items[3].doc, "plain.csv");
	assert_false(r->items[3].doc_known);
	assert_string_equal(r->items[3].file, plain);
	run_free(r);
}

/* A .jsonl record's "document" (or "doc") is its document too, through
 * both readers: the fast one and jansson's (an escape in a name sends
 * the fourth record there). A document that is neither a string nor an
 * integer costs the record. */
static void test_corpus__jsonl_document_field(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "docs.jsonl",
	           S("{\"id\":\"r1\",\"text\":\"one\",\"document\":\"art-1\"}\n"
	             "{\"id\":\"r2\",\"text\":\"two\",\"doc\":7}\n"
	             "{\"id\":\"r3\",\"doc\":\"x\",\"text\":\"three\",\"document\":\"art-3\"}\n"
	             "{\"id\":\"r4\",\"text\":\"four\",\"doc\":\"art-4\",\"n\\u0061me\":1}\n"
	             "{\"id\":\"r5\",\"text\":\"five\",\"doc\":null}\n"
	             "{\"id\":\"r6\",\"text\":\"six\"}\n"));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 6);
	assert_string_equal(r->items[0].doc, "art-1");
	assert_true(r->items[0].doc_known);
	assert_string_equal(r->items[1].doc, "7");
	assert_string_equal(r->items[2].doc, "art-3");
	assert_string_equal(r->items[3].doc, "art-4");
	assert_true(r->items[3].doc_known);
	assert_int_equal(r->items[4].rc, FR_EFORMAT);
	assert_non_null(strstr(r->items[4].err.message, "\"doc\" must be a string or an integer"));
	assert_string_equal(r->items[5].doc, "docs.jsonl");
	assert_false(r->items[5].doc_known);
	run_free(r);
}

/* Regression (user walk-through: a line holding only a no-break space, as
 * scraped pages leave for &nbsp;, joined two paragraphs): a line of Unicode
 * spaces is blank. */
static void test_corpus__unicode_space_lines_are_blank(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "nbsp.txt",
	           S("Title\n\nFirst.\n\xc2\xa0\nSecond.\n \xe3\x80\x80\xe2\x80\xaf\t\nThird.\n"
	             "\xc2\xa0" "Fourth keeps its line.\n"));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 4);
	assert_string_equal(r->items[1].text, "First.");
	assert_string_equal(r->items[2].text, "Second.");
	assert_true(strncmp(r->items[3].text, "Third.", 6) == 0);
	assert_non_null(strstr(r->items[3].text, "Fourth keeps its line."));
	run_free(r);
}

/* Regression (user walk-through: a Windows-1252 CSV lost 181 of 217 rows,
 * each reported as invalid UTF-8 with no word on why): a file's first
 * invalid UTF-8 says how to convert it, once. */
static void test_corpus__invalid_utf8_hints_at_the_encoding(void **state)
{
	tmp_state *t = *state;
	char path[256];
	write_file(path, sizeof(path), t->dir, "cp1252.csv", S("text\ncaf\xe9\nplain\nna\xefve\n"));
	run_t *r = run_one(path, NULL);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->items[0].rc, FR_EFORMAT);
	assert_non_null(strstr(r->items[0].err.message, "iconv -f WINDOWS-1252 -t UTF-8"));
	assert_int_equal(r->items[1].rc, 0);
	assert_int_equal(r->items[2].rc, FR_EFORMAT);
	assert_null(strstr(r->items[2].err.message, "iconv"));
	run_free(r);
}

typedef struct {
	const char *name;
	const char *input;  /* under the temp folder */
	int code;
	const char *msg;
} open_error_row;

static void test_corpus__open_errors(void **state)
{
	tmp_state *t = *state;
	char path[256];
	const open_error_row rows[] = {
		{ "missing path", "nowhere.txt", FR_ENOTFOUND, "cannot read input" },
		{ "empty directory", "empty", FR_ENOTFOUND, "no .txt, .csv or .jsonl" },
		{ "directory without inputs", "junk", FR_ENOTFOUND, "no .txt, .csv or .jsonl" },
		{ "unsupported extension", "notes.md", FR_EINVALID, "not a .txt, .csv or .jsonl" },
	};
	snprintf(path, sizeof(path), "%s/empty", t->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/junk", t->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_file(path, sizeof(path), t->dir, "junk/.hidden.txt", S("x\n"));
	write_file(path, sizeof(path), t->dir, "junk/readme.md", S("x\n"));
	write_file(path, sizeof(path), t->dir, "notes.md", S("x\n"));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fr_corpus *c = (fr_corpus *)&path; /* must be reset to NULL */
		fr_error err = FR_ERROR_INIT;
		print_message("row: %s\n", rows[i].name);
		snprintf(path, sizeof(path), "%s/%s", t->dir, rows[i].input);
		const char *inputs[] = { path };
		assert_int_equal(fr_corpus_open(&c, inputs, 1, NULL, &err), rows[i].code);
		assert_null(c);
		assert_int_equal(err.code, rows[i].code);
		assert_string_equal(err.source, path);
		assert_non_null(strstr(err.message, rows[i].msg));
	}
	/* A bad input anywhere in the list fails the whole open. */
	{
		fr_corpus *c = NULL;
		fr_error err = FR_ERROR_INIT;
		char good[256], bad[256];
		write_file(good, sizeof(good), t->dir, "fine.txt", S("T\n"));
		snprintf(bad, sizeof(bad), "%s/missing.csv", t->dir);
		const char *inputs[] = { good, bad };
		assert_int_equal(fr_corpus_open(&c, inputs, 2, NULL, &err), FR_ENOTFOUND);
		assert_null(c);
		assert_string_equal(err.source, bad);
	}
	fr_corpus_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_corpus__txt_blocks, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__txt_bad_bytes_are_refused, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_corpus__boilerplate_match),
		cmocka_unit_test(test_corpus__boilerplate_bad_rules),
		cmocka_unit_test_setup_teardown(test_corpus__boilerplate_drops_blocks, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__boilerplate_end_is_per_article, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__boilerplate_end_needs_body_above, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__boilerplate_prefix_ends_a_word, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__title_only_exact_rules, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__txt_blocks_without_words_are_empty, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__boilerplate_ignores_long_blocks, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__real_rules, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_corpus__real_rules_page_furniture),
		cmocka_unit_test(test_corpus__example_batch),
		cmocka_unit_test_setup_teardown(test_corpus__csv_ids, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__csv_quoting, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__csv_bad_field_counts, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__csv_broken_quoting, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__csv_file_errors, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__csv_empty_texts, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__jsonl_records, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__jsonl_repeated_keys, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__csv_bad_records, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__jsonl_byte_order_marks, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__utf16_files, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__duplicate_ids, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__duplicate_ids_past_the_cap, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_corpus__boilerplate_rules_with_bom),
		cmocka_unit_test_setup_teardown(test_corpus__repeated_file_names, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__csv_document_column, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__jsonl_document_field, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__unicode_space_lines_are_blank, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__invalid_utf8_hints_at_the_encoding, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__directory, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__open_errors, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_corpus__stdin, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
