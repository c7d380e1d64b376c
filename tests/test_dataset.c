#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "model.h"

#include <jansson.h>
#include "test_util.h"

#define GOOD_CSV FR_TEST_FIXTURES "/dataset/good/labeled.csv"

/* A string literal and its length. */
#define S(lit) lit, sizeof(lit) - 1

/* ---- helpers ------------------------------------------------------------ */

/* Writes len bytes to a new temp file named *.csv; the caller unlinks it. */
static void write_temp(char path[64], const char *data, size_t len)
{
	assert_int_equal(test_tmpfile(path, 64, "/tmp/fr_test_dataset_", ".csv", data, len), 0);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* ---- a good file -------------------------------------------------------- */

static void test_dataset__good_file(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, GOOD_CSV, NULL, 0, &err), 0);
	assert_int_equal(err.code, 0);
	assert_string_equal(ds.path, GOOD_CSV);
	assert_int_equal(ds.n_rows, 3);
	assert_int_equal(ds.empty_texts, 0);
	/* Tasks are the columns that are not id, document or text, in order. */
	assert_int_equal(ds.n_tasks, 2);
	assert_string_equal(ds.tasks[0], "stance");
	assert_string_equal(ds.tasks[1], "frame");
	assert_int_equal(fr_dataset_task_index(&ds, "stance"), 0);
	assert_int_equal(fr_dataset_task_index(&ds, "frame"), 1);
	assert_int_equal(fr_dataset_task_index(&ds, "text"), -1);

	assert_string_equal(ds.ids[0], "r1");
	assert_string_equal(ds.ids[1], "r2");
	/* No id: "<file>:<line>"; no document: the id. */
	assert_string_equal(ds.ids[2], "labeled.csv:4");
	assert_string_equal(ds.docs[0], "docA");
	assert_string_equal(ds.docs[1], "docA");
	assert_string_equal(ds.docs[2], "labeled.csv:4");
	assert_string_equal(ds.texts[0], "Ceasefire now");
	assert_string_equal(ds.texts[2], "Talks, please");
	assert_int_equal(ds.text_lens[2], strlen("Talks, please"));
	assert_int_equal(ds.lines[0], 2);
	assert_int_equal(ds.lines[1], 3);
	assert_int_equal(ds.lines[2], 4);

	/* Empty cells are NULL: not labeled for that task. */
	assert_string_equal(ds.labels[0][0], "pro");
	assert_string_equal(ds.labels[0][1], "con");
	assert_null(ds.labels[0][2]);
	assert_string_equal(ds.labels[1][0], "peace");
	assert_null(ds.labels[1][1]);
	assert_string_equal(ds.labels[1][2], "peace");

	fr_dataset_dispose(&ds);
	assert_int_equal(ds.n_rows, 0);
	assert_null(ds.texts);
	assert_null(ds.path);
	fr_dataset_dispose(&ds); /* reusable and idempotent */
	fr_dataset_dispose(NULL);
}

static void test_dataset__explicit_tasks(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	const char *tasks[] = { "frame" };
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, GOOD_CSV, tasks, 1, &err), 0);
	assert_int_equal(ds.n_tasks, 1);
	assert_string_equal(ds.tasks[0], "frame");
	assert_int_equal(fr_dataset_task_index(&ds, "stance"), -1);
	assert_int_equal(ds.n_rows, 3);
	assert_string_equal(ds.labels[0][0], "peace");
	assert_null(ds.labels[0][1]);
	fr_dataset_dispose(&ds);

	/* A task may be a column the automatic choice leaves out (but not one
	 * framer writes itself, such as document: test_dataset__task_names). */
	char path[64];
	write_temp(path, S("id,source,text,stance\nr1,wire,One,pro\nr2,blog,Two,con\n"));
	const char *source_task[] = { "source", "stance" };
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, source_task, 2, &err), 0);
	assert_int_equal(ds.n_tasks, 2);
	assert_string_equal(ds.tasks[0], "source");
	assert_string_equal(ds.labels[0][1], "blog");
	assert_string_equal(ds.labels[1][1], "con");
	fr_dataset_dispose(&ds);
	unlink(path);
}

typedef struct {
	const char *name;
	const char *tasks[3];
	size_t n_tasks;
	const char *msg;
} task_name_row;

/* A task named like a column framer writes would give an output two
 * columns of that name (labels.jsonl two "para" keys, labels.csv two
 * stance_confidence columns, review.csv two document columns, which then
 * cannot be read back as corrections): refused at the header. */
static void test_dataset__task_names(void **state)
{
	(void)state;
	static const char csv[] =
		"id,doc,document,para,source,source_confidence,text,stance,stance_confidence,confidence_stance\n"
		"r1,d,d,1,wire,high,One,pro,0.9,0.9\n";
	const task_name_row rows[] = {
		{ "para", { "para" }, 1, "'para' is a column framer writes in labels.jsonl and labels.csv" },
		{ "doc", { "stance", "doc" }, 2, "'doc' is a column framer writes in labels.jsonl and labels.csv" },
		{ "id", { "id" }, 1, "'id' is a column framer writes in labels.jsonl, labels.csv and review.csv" },
		{ "document", { "document" }, 1, "'document' is a column framer writes in review.csv" },
		{ "labels.csv's confidence", { "stance_confidence" }, 1,
		  "'stance_confidence' is labels.csv's column about task 'stance', not a label column" },
		{ "review.csv's confidence", { "confidence_stance" }, 1,
		  "'confidence_stance' is review.csv's column about task 'stance'" },
		{ "two tasks that clash", { "source_confidence", "source" }, 2,
		  "tasks 'source' and 'source_confidence' would give labels.csv two 'source_confidence' columns" },
	};
	char path[64];
	write_temp(path, csv, sizeof(csv) - 1);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fr_dataset ds;
		fr_error err = FR_ERROR_INIT;
		print_message("row: %s\n", rows[i].name);
		fr_dataset_init(&ds);
		assert_int_equal(fr_dataset_load(&ds, path, rows[i].tasks, rows[i].n_tasks, &err), FR_EFORMAT);
		assert_int_equal(err.code, FR_EFORMAT);
		assert_string_equal(err.source, path);
		assert_int_equal(err.line, 1);
		assert_non_null(strstr(err.message, rows[i].msg));
		fr_dataset_dispose(&ds);
	}
	/* Each alone is a task (source_confidence: no task source beside it). */
	static const char *const fine[] = { "source_confidence", "source" };
	for (size_t i = 0; i < 2; i++) {
		fr_dataset ds;
		fr_error err = FR_ERROR_INIT;
		fr_dataset_init(&ds);
		assert_int_equal(fr_dataset_load(&ds, path, &fine[i], 1, &err), 0);
		assert_int_equal(ds.n_tasks, 1);
		fr_dataset_dispose(&ds);
	}
	/* Without --task, none of those columns is a task. */
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_tasks, 2);
	assert_string_equal(ds.tasks[0], "source_confidence");
	assert_string_equal(ds.tasks[1], "stance");
	fr_dataset_dispose(&ds);
	unlink(path);
}

typedef struct {
	const char *name;
	const char *tasks[3];
	size_t n_tasks;
	int code;
	const char *msg;
} task_error_row;

static void test_dataset__task_errors(void **state)
{
	(void)state;
	const task_error_row rows[] = {
		{ "missing column", { "stance", "topic" }, 2, FR_ENOTFOUND, "'topic'" },
		{ "the text column is not a task", { "text" }, 1, FR_ENOTFOUND, "'text'" },
		{ "a task named twice", { "frame", "stance", "frame" }, 3, FR_EINVALID, "'frame'" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fr_dataset ds;
		fr_error err = FR_ERROR_INIT;
		print_message("row: %s\n", rows[i].name);
		fr_dataset_init(&ds);
		assert_int_equal(fr_dataset_load(&ds, GOOD_CSV, rows[i].tasks, rows[i].n_tasks, &err),
		                 rows[i].code);
		assert_int_equal(err.code, rows[i].code);
		assert_string_equal(err.source, GOOD_CSV);
		assert_int_equal(err.line, 1);
		assert_non_null(strstr(err.message, rows[i].msg));
		fr_dataset_dispose(&ds);
	}
}

/* A test file may lack some of a model's task columns: those tasks are kept
 * unlabeled (not scored) and flagged; lacking all of them scores nothing. */
static void test_dataset__test_file_lacks_a_task(void **state)
{
	(void)state;
	const char *tasks[] = { "stance", "frame", "tone" };
	unsigned char missing[3] = { 9, 9, 9 };
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load_test(&ds, GOOD_CSV, tasks, 3, missing, &err), 0);
	assert_int_equal(ds.n_tasks, 3);
	assert_int_equal(missing[0], 0);
	assert_int_equal(missing[1], 0);
	assert_int_equal(missing[2], 1);
	assert_string_equal(ds.tasks[2], "tone");
	for (size_t r = 0; r < ds.n_rows; r++)
		assert_null(ds.labels[2][r]);
	assert_string_equal(ds.labels[0][0], "pro");
	fr_dataset_dispose(&ds);

	/* A column named but for its case is flagged as such, and a task
	 * without its column still leaves the others to score. */
	const char *cased[] = { "STANCE", "frame" };
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load_test(&ds, GOOD_CSV, cased, 2, missing, &err), 0);
	assert_int_equal(missing[0], FR_DATASET_NEAR_COLUMN);
	assert_int_equal(missing[1], 0);
	fr_dataset_dispose(&ds);

	const char *none[] = { "tone", "topic" };
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load_test(&ds, GOOD_CSV, none, 2, missing, &err), FR_ENOTFOUND);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.message, "no label column in the header for any of the tasks 'tone', 'topic'"));
	fr_dataset_dispose(&ds);
	/* Training data stays strict: every task named must be there. */
	fr_error_clear(&err);
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, GOOD_CSV, tasks, 3, &err), FR_ENOTFOUND);
	assert_non_null(strstr(err.message, "no label column 'tone'"));
	fr_dataset_dispose(&ds);
}

/* ---- malformed files ---------------------------------------------------- */

typedef struct {
	const char *name;
	const char *input;
	size_t len;
	int code;
	size_t line;
	const char *msg;
} error_row;

/* 63 bytes: a character after them spans a name's 64-byte cut. */
#define X63 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const error_row error_rows[] = {
	{ "no text column", S("id,body,stance\n1,x,a\n"), FR_EFORMAT, 1, "no 'text' column in the header" },
	/* What the header looks like, when it gives a reason. */
	{ "semicolons", S("id;text;stance\n1;x;a\n"), FR_EFORMAT, 1,
	  "no 'text' column in the header: it looks separated by ';', and framer reads comma-separated CSV" },
	{ "tabs", S("id\ttext\tstance\n1\tx\ta\n"), FR_EFORMAT, 1, "it looks separated by tabs" },
	{ "Text", S("id,Text,stance\n1,x,a\n"), FR_EFORMAT, 1,
	  "no 'text' column in the header: column 2 is named 'Text' (names are exact: rename it 'text')" },
	{ "text with a space", S("id,text ,stance\n1,x,a\n"), FR_EFORMAT, 1, "column 2 is named 'text '" },
	{ "Excel's sep= line", S("sep=,\nid,text,stance\n1,x,a\n"), FR_EFORMAT, 1,
	  "no 'text' column in the header: this line is Excel's 'sep=' line, not the header; delete it" },
	{ "Excel's sep=; line", S("sep=;\nid;text;stance\n1;x;a\n"), FR_EFORMAT, 1, "Excel's 'sep=' line" },
	{ "duplicate header name", S("text,stance,stance\na,b,c\n"), FR_EFORMAT, 1,
	  "'stance' appears twice" },
	{ "empty header name", S("text,,stance\na,b,c\n"), FR_EFORMAT, 1, "column 2 has no name" },
	{ "too few fields", S("text,stance\na,b\nc\nd,e\n"), FR_EFORMAT, 3, "1 fields" },
	{ "too many fields", S("text,stance\na,b\nc,d\n\"e\nf\",g,h\n"), FR_EFORMAT, 4, "3 fields" },
	{ "quote inside an unquoted field", S("text,stance\na,b\nc\"x,d\ne,f\n"), FR_EFORMAT, 3, "" },
	{ "quoted field never closed", S("text,stance\na,b\n\"c,d\ne,f\n"), FR_EFORMAT, 3, "" },
	{ "empty file", S(""), FR_EFORMAT, 1, "empty file" },
	{ "only a BOM", S("\xEF\xBB\xBF"), FR_EFORMAT, 1, "empty file" },
	{ "header only", S("text,stance\n"), FR_EFORMAT, 2, "no rows" },
	{ "every text empty", S("text,stance\n,a\n\"\",b\n"), FR_EFORMAT, 2, "every text is empty" },
	{ "no label column", S("id,text,document\n1,a,d\n"), FR_EFORMAT, 1, "no label column" },
	/* Not text: a label that would make a bundle no framer can load, a NUL. */
	{ "invalid UTF-8 in a label", S("text,stance\na,b\nc,pro\xC0\xAFrus\n"), FR_EFORMAT, 3,
	  "invalid UTF-8 (overlong form) at byte 3 of column 'stance'" },
	{ "NUL byte in a text", S("id,text,stance\n1,a,b\n2,\"c\0d\",e\n"), FR_EFORMAT, 3,
	  "NUL byte at byte 1 of column 'text'" },
	{ "invalid UTF-8 in an unused column", S("text,stance,notes\na,b,\xED\xA0\x80\n"), FR_EFORMAT, 2,
	  "surrogate) at byte 0 of column 'notes'" },
	/* The byte is counted in the cell as the file has it, apostrophe and all. */
	{ "invalid UTF-8 after an apostrophe", S("text,stance\na,b\n'=caf\xE9,c\n"), FR_EFORMAT, 3,
	  "invalid UTF-8 (truncated sequence) at byte 5 of column 'text'" },
	{ "invalid UTF-8 in the header", S("text,st\xFF\na,b\n"), FR_EFORMAT, 1,
	  "in column 2 of the header" },
	{ "UTF-16", S("\xFF\xFEt\0e\0x\0t\0,\0s\0\n\0"), FR_EFORMAT, 1, "UTF-16 text: convert it to UTF-8" },
	/* Two files joined with cat, with and without their byte order marks. */
	{ "header repeated", S("text,stance\na,b\ntext,stance\nc,d\n"), FR_EFORMAT, 3,
	  "the header row again" },
	/* A label is printed on one line in messages, summaries and reports:
	 * a control character in one would break the line or drive the
	 * terminal. Counted in the cell as the file has it. */
	{ "line break in a label", S("text,stance\na,\"pro\nukraine\"\n"), FR_EFORMAT, 2,
	  "column 'stance': a control character (0x0a) at byte 3 of the cell" },
	{ "escape in a label", S("text,stance\na,\x1b[31mred\n"), FR_EFORMAT, 2,
	  "column 'stance': a control character (0x1b) at byte 0 of the cell" },
	{ "tab inside a label, after a trimmed blank", S("text,stance\na, pro\tx\n"), FR_EFORMAT, 2,
	  "a control character (0x09) at byte 4 of the cell" },
	{ "C1 control in a multi-label cell", S("text,frame\na,a|b\xC2\x9B" "1m\n"), FR_EFORMAT, 2,
	  "column 'frame': a control character (0x9b) at byte 3 of the cell" },
	{ "DEL in a defused label", S("text,stance\na,'=x\x7F\n"), FR_EFORMAT, 2,
	  "a control character (0x7f) at byte 3 of the cell" },
	{ "header repeated after a BOM", S("\xEF\xBB\xBFtext,stance\na,b\n\xEF\xBB\xBFtext,stance\nc,d\n"),
	  FR_EFORMAT, 3, "the header row again" },
	/* A name quoted up to 64 bytes is cut before a character, not inside
	 * it: its first byte would print as \xc3, as if the file held it. */
	{ "id again, cut before a character", S("id,text,stance\n" X63 "\xc3\xa9,a,b\n" X63 "\xc3\xa9,c,d\n"),
	  FR_EFORMAT, 3, "id '" X63 "' again" },
};

static void test_dataset__errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(error_rows) / sizeof(error_rows[0]); i++) {
		const error_row *row = &error_rows[i];
		char path[64];
		fr_dataset ds;
		fr_error err = FR_ERROR_INIT;
		print_message("row: %s\n", row->name);
		write_temp(path, row->input, row->len);
		fr_dataset_init(&ds);
		assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), row->code);
		assert_int_equal(err.code, row->code);
		assert_string_equal(err.source, path);
		assert_int_equal(err.line, row->line);
		assert_non_null(strstr(err.message, row->msg));
		/* What was read before the error is still freed by dispose. */
		fr_dataset_dispose(&ds);
		unlink(path);
	}
}

static void test_dataset__missing_file(void **state)
{
	(void)state;
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, "/nonexistent/labels.csv", NULL, 0, &err), FR_ENOTFOUND);
	assert_int_equal(err.code, FR_ENOTFOUND);
	assert_string_equal(err.source, "/nonexistent/labels.csv");
	fr_dataset_dispose(&ds);
}

/* ---- rows --------------------------------------------------------------- */

static void test_dataset__empty_texts_are_skipped(void **state)
{
	(void)state;
	char path[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S("text,stance\na,x\n,y\n\"\",\nb,z\n"));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, 2);
	assert_int_equal(ds.empty_texts, 2);
	assert_string_equal(ds.texts[0], "a");
	assert_string_equal(ds.texts[1], "b");
	assert_int_equal(ds.lines[0], 2);
	assert_int_equal(ds.lines[1], 5);
	assert_string_equal(ds.labels[0][1], "z");
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* A byte order mark at the start of a row (a file joined on) is not text. */
static void test_dataset__bom_starting_a_row(void **state)
{
	(void)state;
	char path[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S("text,stance\na,x\n\xEF\xBB\xBF" "b,y\n"));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, 2);
	assert_string_equal(ds.texts[1], "b");
	assert_int_equal(ds.text_lens[1], 1);
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* The apostrophe framer's CSVs put before a would-be formula (= + - @ TAB
 * CR, after any apostrophes) is taken off again, so review.csv's '-7
 * corrects row -7 and its ''-7 row '-7; any other apostrophe stays. */
static void test_dataset__defused_cells_read_back(void **state)
{
	(void)state;
	char path[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S("id,text,score\n"
	                   "'-7,\"'=SUM(A1), said no one\",'-1\n"
	                   "'+8,'@home,'+1\n"
	                   "9,'tis the season,'0\n"
	                   "10,'',''-1\n"
	                   "''-11,\"'\ttab\",\"'\rcr\"\n"));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, 5);
	assert_string_equal(ds.ids[0], "-7");
	assert_string_equal(ds.texts[0], "=SUM(A1), said no one");
	assert_string_equal(ds.labels[0][0], "-1");
	assert_string_equal(ds.ids[1], "+8");
	assert_string_equal(ds.texts[1], "@home");
	assert_int_equal(ds.text_lens[1], 5);
	assert_string_equal(ds.labels[0][1], "+1");
	assert_string_equal(ds.texts[2], "'tis the season");
	assert_string_equal(ds.labels[0][2], "'0");
	assert_string_equal(ds.texts[3], "''");
	assert_string_equal(ds.labels[0][3], "'-1");
	assert_string_equal(ds.ids[4], "'-11");
	assert_string_equal(ds.texts[4], "\ttab");
	/* A label, unlike a text, is trimmed of blanks: the CR goes too. */
	assert_string_equal(ds.labels[0][4], "cr");
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* RFC 4180 details: BOM, CRLF, quoted commas, quotes and newlines, spaces
 * kept, a `doc` column as the document, `|` kept inside a label. */
static void test_dataset__quoting(void **state)
{
	(void)state;
	char path[64], id[96];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S("\xEF\xBB\xBFtext,doc,frame,notes\r\n"
	                   "\"a, \"\"b\"\"\r\nc\",d1,x|y,n\r\n"
	                   " spaced ,d2,z,\r\n"));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_tasks, 1);
	assert_string_equal(ds.tasks[0], "frame");
	assert_int_equal(ds.n_rows, 2);
	assert_string_equal(ds.texts[0], "a, \"b\"\r\nc");
	assert_string_equal(ds.texts[1], " spaced ");
	assert_string_equal(ds.docs[0], "d1");
	assert_string_equal(ds.labels[0][0], "x|y");
	assert_int_equal(ds.lines[1], 4);
	snprintf(id, sizeof(id), "%s:4", base_name(path));
	assert_string_equal(ds.ids[1], id);
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* Enough rows to grow the per-row arrays more than once. */
static void test_dataset__many_rows(void **state)
{
	(void)state;
	char path[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	size_t n = 1000, cap = 32 * n, len = 0;
	char *data = malloc(cap);
	assert_non_null(data);
	len += (size_t)snprintf(data + len, cap - len, "id,text,stance\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(data + len, cap - len, "r%zu,text %zu,%s\n", i, i,
		                        i % 3 ? "a" : "");
	write_temp(path, data, len);
	free(data);
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, n);
	assert_string_equal(ds.ids[999], "r999");
	assert_string_equal(ds.texts[512], "text 512");
	assert_int_equal(ds.lines[999], 1001);
	assert_null(ds.labels[0][999]);
	assert_string_equal(ds.labels[0][998], "a");
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* The shipped split (data/labeled/, issue #3): train and test share no
 * document and no text, and every label is one the codebook defines. */
static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static void test_dataset__shipped_split_is_disjoint(void **state)
{
	(void)state;
	static const char *const stances[] = { "pro_ukraine", "pro_russia", "neutral", NULL };
	static const char *const frames[] = { "pro_ceasefire", "ceasefire_skeptic", "blames_nato_west",
		"blames_russia", "escalation_risk", "china_russia_ties", "humanitarian",
		"sanctions_economy", "military_support", "other", NULL };
	fr_dataset train, test;
	fr_error err = FR_ERROR_INIT;
	fr_dataset_init(&train);
	fr_dataset_init(&test);
	assert_int_equal(fr_dataset_load(&train, FR_TEST_FIXTURES "/../../data/labeled/train.csv", NULL, 0, &err), 0);
	assert_int_equal(fr_dataset_load(&test, FR_TEST_FIXTURES "/../../data/labeled/test.csv", NULL, 0, &err), 0);
	assert_true(train.n_rows + test.n_rows >= 600);
	assert_true(test.n_rows * 10 >= (train.n_rows + test.n_rows) * 15 / 10); /* about 20% held out */
	fr_dataset *both[2] = { &train, &test };
	for (int d = 0; d < 2; d++) {
		int si = fr_dataset_task_index(both[d], "stance"), fi = fr_dataset_task_index(both[d], "frame");
		assert_true(si >= 0 && fi >= 0);
		for (size_t r = 0; r < both[d]->n_rows; r++) {
			assert_non_null(both[d]->labels[si][r]);
			assert_true(in_list(both[d]->labels[si][r], stances));
			assert_true(in_list(both[d]->labels[fi][r], frames));
		}
	}
	for (size_t i = 0; i < test.n_rows; i++) {
		for (size_t j = 0; j < train.n_rows; j++) {
			assert_string_not_equal(test.docs[i], train.docs[j]);
			assert_string_not_equal(test.texts[i], train.texts[j]);
		}
	}
	fr_dataset_dispose(&train);
	fr_dataset_dispose(&test);
}

/* The benchmark sets name their documents `group`: it groups like `document`. */
static void test_dataset__group_column_is_the_document(void **state)
{
	(void)state;
	char path[256];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	const char *csv = "id,text,label,group\na,one,x,g1\nb,two,y,g2\n";
	assert_int_equal(test_tmpfile(path, sizeof(path), "/tmp/fr_test_group_", ".csv", csv, strlen(csv)), 0);
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_tasks, 1);
	assert_string_equal(ds.tasks[0], "label");
	assert_string_equal(ds.docs[0], "g1");
	assert_string_equal(ds.docs[1], "g2");
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* ---- multi-label cells ---------------------------------------------------- */

static void test_dataset__multilabel_cells_are_normalised(void **state)
{
	(void)state;
	static const char csv[] =
		"id,text,stance,frame\n"
		"a,one,pro,\" talks | blame_nato \"\n"
		"b,two,anti,blame_nato|talks|blame_nato\n"
		"c,three,pro,escalation\n"
		"d,four,anti,\n";
	char path[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S(csv));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	/* Trimmed, sorted, each once: equal sets are equal strings. */
	assert_string_equal(ds.labels[1][0], "blame_nato|talks");
	assert_string_equal(ds.labels[1][1], "blame_nato|talks");
	assert_string_equal(ds.labels[1][2], "escalation");
	assert_null(ds.labels[1][3]);
	assert_true(fr_dataset_task_multilabel(&ds, 1));
	assert_false(fr_dataset_task_multilabel(&ds, 0));
	/* The iterator gives each label, then NULL; a single label gives itself. */
	const char *cursor = ds.labels[1][0], *lab;
	size_t len = 0;
	lab = fr_label_next(&cursor, &len);
	assert_int_equal(len, 10);
	assert_memory_equal(lab, "blame_nato", 10);
	lab = fr_label_next(&cursor, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(lab, "talks", 5);
	assert_null(fr_label_next(&cursor, &len));
	cursor = ds.labels[0][0];
	assert_non_null(fr_label_next(&cursor, &len));
	assert_int_equal(len, 3);
	assert_null(fr_label_next(&cursor, &len));
	fr_dataset_dispose(&ds);
	unlink(path);

	/* An empty label between separators is an error naming line and column. */
	static const char *const bad[] = { "a||b", "a|", "| a", " | " };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char data[128];
		int n = snprintf(data, sizeof(data), "id,text,frame\nx,one,talks\ny,two,%s\n", bad[i]);
		write_temp(path, data, (size_t)n);
		fr_dataset_init(&ds);
		fr_error_clear(&err);
		assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), FR_EFORMAT);
		assert_int_equal(err.line, 3);
		assert_non_null(strstr(err.message, "column 'frame'"));
		assert_non_null(strstr(err.message, "empty label"));
		fr_dataset_dispose(&ds);
		unlink(path);
	}
}

/* A single-label cell is trimmed as each label of a multi-label one is
 * (ASCII and Unicode blanks), and a blank cell is not labeled: " neutral"
 * was a second class beside "neutral", and "   " a label. Case stays. */
static void test_dataset__label_cells_are_trimmed(void **state)
{
	(void)state;
	static const char csv[] =
		"id,text,stance,frame\n"
		"a,one, neutral ,other\n"
		"b,two,neutral,\xC2\xA0other\xE3\x80\x80\n"
		"c,three,\"\t neutral\r\n\",\" pro | \xE2\x80\x83talks\"\n"
		"d,four,   ,\xC2\xA0\n"
		"e,five,Neutral,other\n";
	char path[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S(csv));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, 5);
	assert_string_equal(ds.labels[0][0], "neutral");
	assert_string_equal(ds.labels[0][1], "neutral");
	assert_string_equal(ds.labels[0][2], "neutral");
	assert_null(ds.labels[0][3]);
	assert_string_equal(ds.labels[0][4], "Neutral");
	assert_string_equal(ds.labels[1][0], "other");
	assert_string_equal(ds.labels[1][1], "other");
	assert_string_equal(ds.labels[1][2], "pro|talks");
	assert_null(ds.labels[1][3]);
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* A text of blanks alone (spaces, a no-break space, a line end) has nothing
 * to learn from: left out and counted as an empty text, not trained as a
 * vector without a word. */
static void test_dataset__blank_texts_are_empty(void **state)
{
	(void)state;
	char path[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S("text,stance\na,x\n   ,y\n\"\xC2\xA0\r\n\t\",z\nb,w\n"));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, 2);
	assert_int_equal(ds.empty_texts, 2);
	assert_string_equal(ds.texts[1], "b");
	fr_dataset_dispose(&ds);
	unlink(path);
	/* Only blank texts: as every text empty. */
	write_temp(path, S("text,stance\n  ,y\n"));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), FR_EFORMAT);
	assert_non_null(strstr(err.message, "every text is empty"));
	fr_dataset_dispose(&ds);
	unlink(path);
}

/* ---- several files: a base and its corrections (issue #8, section 2) ---- */

static void load_two(fr_dataset *ds, const char *base_csv, const char *fix_csv,
                     const char *const *tasks, size_t n_tasks, int want, fr_error *err,
                     char base[64], char fix[64])
{
	write_temp(base, base_csv, strlen(base_csv));
	write_temp(fix, fix_csv, strlen(fix_csv));
	const char *paths[] = { base, fix };
	fr_dataset_init(ds);
	assert_int_equal(fr_dataset_load_files(ds, paths, 2, tasks, n_tasks, err), want);
}

static void test_dataset__corrections(void **state)
{
	(void)state;
	char base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	load_two(&ds,
	         "id,document,text,stance,frame\n"
	         "r1,d1,First text,pro,peace\n"
	         "r2,d1,Second text,con,war\n"
	         ",d2,No id here,pro,\n"
	         "r3,d2,Third text,,war\n",
	         /* Only the column it corrects, and a new row, with and without an id. */
	         "id,stance,text\n"
	         "r2,pro,\n"
	         "r3,con,Third text fixed\n"
	         "r9,con,A new row\n"
	         ",pro,Another new row\n"
	         "r1,,\n",
	         NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.n_paths, 2);
	assert_string_equal(ds.paths[0], base);
	assert_string_equal(ds.paths[1], fix);
	assert_string_equal(ds.path, base);
	assert_int_equal(ds.n_tasks, 2);
	assert_int_equal(ds.n_rows, 6);
	assert_int_equal(ds.overridden, 3);
	assert_int_equal(ds.added, 2);
	/* r2: the label corrected, the text and the other task kept. */
	assert_string_equal(ds.ids[1], "r2");
	assert_string_equal(ds.texts[1], "Second text");
	assert_string_equal(ds.labels[0][1], "pro");
	assert_string_equal(ds.labels[1][1], "war");
	assert_string_equal(ds.docs[1], "d1");
	assert_int_equal(ds.files[1], 1);
	assert_int_equal(ds.lines[1], 2);
	/* r3: an empty cell newly labeled, the text replaced, the document kept. */
	assert_string_equal(ds.texts[3], "Third text fixed");
	assert_int_equal(ds.text_lens[3], strlen("Third text fixed"));
	assert_string_equal(ds.labels[0][3], "con");
	assert_string_equal(ds.docs[3], "d2");
	/* r1: a row of empty cells changes nothing. */
	assert_string_equal(ds.labels[0][0], "pro");
	assert_string_equal(ds.texts[0], "First text");
	/* New rows are appended, unlabeled where their file has no column. */
	assert_string_equal(ds.ids[4], "r9");
	assert_string_equal(ds.labels[0][4], "con");
	assert_null(ds.labels[1][4]);
	assert_int_equal(ds.files[4], 1);
	assert_string_equal(ds.texts[5], "Another new row");
	assert_int_equal(ds.lines[5], 5);
	assert_int_equal(ds.files[0], 1); /* r1 was matched, so its last word is the corrections file */
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
}

/* Corrections given before the base: a plain file changing labels that one
 * in review.csv's layout gave is counted, its first such row named, for
 * train's warning; in the right order, between plain files, when the later
 * file only fixes a text, or when the corrections come again last, nothing
 * is. */
static void test_dataset__corrections_before_the_base(void **state)
{
	(void)state;
	char base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	static const char review[] = "id,text,stance,confidence_stance,second_stance,margin_stance\n"
	                             "r2,Second text,pro,0.41,con,0.02\n"
	                             "r3,Third text,con,0.38,pro,0.01\n";
	static const char plain[] = "id,text,stance\n"
	                            "r1,First text,pro\n"
	                            "r2,Second text,con\n"
	                            "r3,Third text,pro\n";
	load_two(&ds, review, plain, NULL, 0, 0, &err, fix, base);
	assert_string_equal(ds.framer_output, "review.csv");
	assert_int_equal(ds.outputs_replaced.rows, 2);
	assert_int_equal(ds.outputs_replaced.file, 1);
	assert_int_equal(ds.outputs_replaced.line, 3);
	assert_int_equal(ds.outputs_replaced.of_file, 0);
	assert_string_equal(ds.outputs_replaced.layout, "review.csv");
	assert_string_equal(ds.labels[0][0], "con"); /* r2: the base's label won */
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
	load_two(&ds, plain, review, NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.overridden, 2);
	assert_int_equal(ds.outputs_replaced.rows, 0);
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
	load_two(&ds, plain, plain, NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.overridden, 3);
	assert_int_equal(ds.outputs_replaced.rows, 0);
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
	load_two(&ds, review, "id,text\nr2,Second text fixed\n", NULL, 0, 0, &err, fix, base);
	assert_int_equal(ds.overridden, 1);
	assert_int_equal(ds.outputs_replaced.rows, 0);
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);

	char again[64];
	write_temp(fix, review, strlen(review));
	write_temp(base, plain, strlen(plain));
	write_temp(again, review, strlen(review));
	const char *three[] = { fix, base, again };
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load_files(&ds, three, 3, NULL, 0, &err), 0);
	assert_int_equal(ds.overridden, 4);
	assert_int_equal(ds.outputs_replaced.rows, 0);
	assert_string_equal(ds.labels[0][0], "pro");
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
	unlink(again);
}

static void test_dataset__corrections_tasks(void **state)
{
	(void)state;
	char base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	/* Without --task, a column new in a later file is a new task. */
	load_two(&ds, "id,text,stance\nr1,One,pro\nr2,Two,con\n", "id,topic\nr2,eu\n",
	         NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.n_tasks, 2);
	assert_string_equal(ds.tasks[1], "topic");
	assert_non_null(ds.task_files);
	assert_int_equal(ds.task_files[0], 0);
	assert_int_equal(ds.task_files[1], 1); /* so train can say where it came from */
	assert_null(ds.labels[1][0]);
	assert_string_equal(ds.labels[1][1], "eu");
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
	/* With --task, the other columns are ignored, and a later file may lack the task. */
	const char *tasks[] = { "stance" };
	load_two(&ds, "id,text,stance,frame\nr1,One,pro,a\nr2,Two,con,b\n", "id,frame\nr2,c\n",
	         tasks, 1, 0, &err, base, fix);
	assert_int_equal(ds.n_tasks, 1);
	assert_int_equal(ds.n_rows, 2);
	assert_string_equal(ds.labels[0][1], "con");
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
}

static void test_dataset__corrections_errors(void **state)
{
	(void)state;
	char base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	/* A mistyped id with no text would be dropped: an error naming file and line. */
	load_two(&ds, "id,text,stance\nr1,One,pro\n", "id,stance\nr1,con\nr7,con\n",
	         NULL, 0, FR_EFORMAT, &err, base, fix);
	assert_string_equal(err.source, fix);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.message, "'r7'"));
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
	/* A malformed later file is named, with its line. */
	fr_error err2 = FR_ERROR_INIT;
	load_two(&ds, "id,text,stance\nr1,One,pro\n", "id,stance\nr1,con,extra\n",
	         NULL, 0, FR_EFORMAT, &err2, base, fix);
	assert_string_equal(err2.source, fix);
	assert_int_equal(err2.line, 2);
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
	/* A later file's new task that clashes with one of the set is named at
	 * its header: labels.csv would have two stance_confidence columns. */
	fr_error err3 = FR_ERROR_INIT;
	load_two(&ds, "id,text,stance_confidence\nr1,One,high\nr2,Two,low\n", "id,stance\nr1,pro\n",
	         NULL, 0, FR_EFORMAT, &err3, base, fix);
	assert_string_equal(err3.source, fix);
	assert_int_equal(err3.line, 1);
	assert_non_null(strstr(err3.message, "tasks 'stance' and 'stance_confidence' would give labels.csv "
	                                     "two 'stance_confidence' columns"));
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
}

/* classify's labels.csv, header as pipeline/labels.c writes it (a
 * multi-label frame included), as a user hands it over after correcting its
 * label cells: its label columns are the tasks, and para and each task's
 * _confidence and _evidence columns are not (before, they were trained as
 * tasks: a confidence per row a label, the evidence words another). */
#define LABELS_CSV \
	"id,doc,para,text,stance,stance_confidence,stance_evidence,frame,frame_confidence,frame_evidence\n" \
	"a.txt#1,a.txt,1,Talks now,pro,0.9288,china; dialogue,peace|talks,0.7647,ceasefire\n" \
	"a.txt#2,a.txt,2,More arms,con,0.6541,'-arms,war,0.4907,arms; war\n" \
	"b.txt#1,b.txt,1,'=Sum of it,con,0.8107,sum,war,0.3027,\n"

static void test_dataset__labels_csv_as_data(void **state)
{
	(void)state;
	char path[64], base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	write_temp(path, S(LABELS_CSV));
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_tasks, 2);
	assert_string_equal(ds.tasks[0], "stance");
	assert_string_equal(ds.tasks[1], "frame");
	assert_int_equal(ds.n_rows, 3);
	assert_string_equal(ds.docs[1], "a.txt");
	assert_string_equal(ds.texts[2], "=Sum of it");
	assert_string_equal(ds.labels[1][0], "peace|talks");
	fr_dataset_dispose(&ds);
	unlink(path);

	/* As corrections after a base: the same two tasks, the rows added or
	 * overriding by id. */
	load_two(&ds, "id,document,text,stance,frame\na.txt#2,a.txt,More arms,pro,peace\n", LABELS_CSV,
	         NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.n_tasks, 2);
	assert_string_equal(ds.tasks[0], "stance");
	assert_string_equal(ds.tasks[1], "frame");
	assert_int_equal(ds.n_rows, 3);
	assert_int_equal(ds.overridden, 1);
	assert_string_equal(ds.labels[0][0], "con");
	assert_string_equal(ds.labels[1][0], "war");
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);

	/* A later file's column about a task of the set is not a task either,
	 * when its own header lacks the task's column. */
	load_two(&ds, "id,text,stance\nr1,One,pro\nr2,Two,con\n",
	         "id,stance_confidence,stance_evidence,confidence_stance\nr1,0.51,one,0.51\n",
	         NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.n_tasks, 1);
	assert_string_equal(ds.labels[0][0], "pro");
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
}

/* Without a document, a row's group is its id's part before '#', as
 * review.csv's queue has it: review.csv of a batch CSV without a document
 * column leaves the cell empty, and its rows, trained on, must keep one
 * article's paragraphs in one fold. An id without '#' (or starting with
 * one), and a made-up id, are their own group. */
static void test_dataset__id_before_hash_is_the_document(void **state)
{
	(void)state;
	char base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	load_two(&ds, "id,document,text,stance\nr1,art-1,One,pro\nr2,art-2,Two,con\n",
	         "id,document,text,stance\n"
	         "brief-6#14,,Fourteen,pro\n"
	         "brief-6#15,,Fifteen,con\n"
	         "#7,,Seven,pro\n"
	         ",,No id,con\n"
	         "r2,,,pro\n",
	         NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.n_rows, 6);
	assert_string_equal(ds.docs[1], "art-2"); /* an empty cell keeps the document */
	assert_string_equal(ds.docs[2], "brief-6");
	assert_string_equal(ds.docs[3], "brief-6");
	assert_string_equal(ds.docs[4], "#7");
	assert_string_equal(ds.docs[5], ds.ids[5]);
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
}

/* labels.csv of a batch CSV without a document column names the batch file
 * in doc. Handed over as corrections, that must not move the rows it
 * corrects out of their articles into one document "week.csv": folds and
 * calibration group by document. A row it adds takes its doc; a user's own
 * doc column (no para beside it) still replaces the document. */
static void test_dataset__labels_csv_doc_keeps_documents(void **state)
{
	(void)state;
	char base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	load_two(&ds, "id,document,text,stance\nr1,art-1,One,pro\nr2,art-2,Two,con\n",
	         "id,doc,para,text,stance,stance_confidence,stance_evidence\n"
	         "r1,week.csv,1,One,con,0.51,one\n"
	         "r2,week.csv,2,Two,con,0.77,two\n"
	         "r9,week.csv,3,Nine,pro,0.64,nine\n",
	         NULL, 0, 0, &err, base, fix);
	assert_int_equal(ds.n_rows, 3);
	assert_int_equal(ds.overridden, 2);
	assert_int_equal(ds.added, 1);
	assert_string_equal(ds.labels[0][0], "con");
	assert_string_equal(ds.docs[0], "art-1");
	assert_string_equal(ds.docs[1], "art-2");
	assert_string_equal(ds.docs[2], "week.csv");
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);

	load_two(&ds, "id,document,text,stance\nr1,art-1,One,pro\nr2,art-2,Two,con\n",
	         "id,doc,stance\nr1,art-2,con\n", NULL, 0, 0, &err, base, fix);
	assert_string_equal(ds.docs[0], "art-2");
	fr_dataset_dispose(&ds);
	unlink(base);
	unlink(fix);
}

/* The point of corrections: retraining on base + corrections changes the
 * model's labels (end to end through the library: load, train, label). */
static void test_dataset__corrections_change_the_model(void **state)
{
	(void)state;
	char base[64], fix[64];
	fr_dataset ds;
	fr_error err = FR_ERROR_INIT;
	fr_model_config cfg;
	fr_model *before = NULL, *after = NULL;
	assert_int_equal(fr_model_config_init(&cfg, NULL, &err), 0);
	cfg.calibration.method = FR_CALIBRATION_NONE;
	const char *base_csv =
		"id,text,stance\n"
		"a1,peace talks and a ceasefire now,dove\n"
		"a2,ceasefire talks bring peace,dove\n"
		"a3,peace needs talks,dove\n"
		"a4,a ceasefire and peace talks,dove\n"
		"b1,more weapons and tanks to attack,hawk\n"
		"b2,tanks and weapons win the attack,hawk\n"
		"b3,attack with more tanks,hawk\n"
		"b4,weapons for the attack,hawk\n";
	const char *fix_csv = "id,stance\na1,hawk\na2,hawk\na3,hawk\na4,hawk\nb1,dove\nb2,dove\nb3,dove\nb4,dove\n";
	write_temp(base, base_csv, strlen(base_csv));
	write_temp(fix, fix_csv, strlen(fix_csv));
	const char *probe = "peace talks and a ceasefire";
	fr_task_result r[1];
	for (int pass = 0; pass < 2; pass++) {
		const char *paths[] = { base, fix };
		fr_model **m = pass ? &after : &before;
		fr_model_work *w = NULL;
		fr_dataset_init(&ds);
		assert_int_equal(fr_dataset_load_files(&ds, paths, pass ? 2 : 1, NULL, 0, &err), 0);
		assert_int_equal(fr_model_train(m, &ds, &cfg, NULL, 0, NULL, NULL, &err), 0);
		assert_int_equal(fr_model_work_new(&w, *m, &err), 0);
		assert_int_equal(fr_model_label(*m, w, probe, strlen(probe), r, NULL, &err), 0);
		assert_string_equal(fr_model_label_name(*m, 0, (size_t)r[0].label), pass ? "hawk" : "dove");
		/* The provenance names every file. */
		const json_t *files = json_object_get(json_object_get(fr_model_manifest(*m), "training"), "data_files");
		assert_int_equal(json_array_size(files), pass ? 2 : 1);
		assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")), base);
		assert_int_equal(json_string_length(json_object_get(json_array_get(files, 0), "sha256")), 64);
		fr_model_work_free(w);
		fr_dataset_dispose(&ds);
	}
	fr_model_free(before);
	fr_model_free(after);
	fr_model_config_dispose(&cfg);
	unlink(base);
	unlink(fix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dataset__good_file),
		cmocka_unit_test(test_dataset__group_column_is_the_document),
		cmocka_unit_test(test_dataset__shipped_split_is_disjoint),
		cmocka_unit_test(test_dataset__explicit_tasks),
		cmocka_unit_test(test_dataset__task_errors),
		cmocka_unit_test(test_dataset__task_names),
		cmocka_unit_test(test_dataset__test_file_lacks_a_task),
		cmocka_unit_test(test_dataset__labels_csv_as_data),
		cmocka_unit_test(test_dataset__errors),
		cmocka_unit_test(test_dataset__missing_file),
		cmocka_unit_test(test_dataset__empty_texts_are_skipped),
		cmocka_unit_test(test_dataset__bom_starting_a_row),
		cmocka_unit_test(test_dataset__defused_cells_read_back),
		cmocka_unit_test(test_dataset__quoting),
		cmocka_unit_test(test_dataset__many_rows),
		cmocka_unit_test(test_dataset__multilabel_cells_are_normalised),
		cmocka_unit_test(test_dataset__label_cells_are_trimmed),
		cmocka_unit_test(test_dataset__blank_texts_are_empty),
		cmocka_unit_test(test_dataset__corrections),
		cmocka_unit_test(test_dataset__corrections_before_the_base),
		cmocka_unit_test(test_dataset__corrections_tasks),
		cmocka_unit_test(test_dataset__corrections_errors),
		cmocka_unit_test(test_dataset__labels_csv_doc_keeps_documents),
		cmocka_unit_test(test_dataset__id_before_hash_is_the_document),
		cmocka_unit_test(test_dataset__corrections_change_the_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
