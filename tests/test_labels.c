#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "csv.h"
#include "labels.h"
#include "model.h"
#include "test_util.h"

/* A string literal and its length, so rows may hold NUL and bad bytes. */
#define S(lit) lit, sizeof(lit) - 1

/* ---- a tiny trained model, shared by the group -------------------------- */

typedef struct {
	const char *text;
	const char *stance;
	const char *frame;  /* NULL: not labeled */
} train_row;

static const train_row train_rows[] = {
	{ "we want a ceasefire and peace talks now", "pro", "peace" },
	{ "dialogue and negotiations bring peace", "pro", "peace" },
	{ "peace talks and a ceasefire save lives", "pro", "peace" },
	{ "a ceasefire through dialogue is the only way", "pro", NULL },
	{ "send more weapons and tanks to the front", "con", "war" },
	{ "the army must fight and win the war", "con", "war" },
	{ "tanks and missiles will win the war", "con", "war" },
	{ "weapons shipments must continue for the army", "con", "war" },
	{ "the minister visited the capital on monday", "neutral", "peace" },
	{ "officials met in the capital to discuss trade", "neutral", NULL },
	{ "the minister spoke to reporters on monday", "neutral", "war" },
	{ "trade officials visited the region", "neutral", "peace" },
};
#define N_TRAIN (sizeof(train_rows) / sizeof(train_rows[0]))

typedef struct {
	fr_model *m;
	fr_model_work *w;
} group_state;

/* Writes the rows as a labeled CSV at path (a mkstemp template) and loads
 * it. Training hashes the file, so the caller unlinks it afterwards. */
static int make_dataset(fr_dataset *ds, char *path)
{
	fr_error err = FR_ERROR_INIT;
	int fd = mkstemp(path);
	FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (fp == NULL)
		return -1;
	fputs("id,text,stance,frame\n", fp);
	for (size_t i = 0; i < N_TRAIN; i++)
		fprintf(fp, "row%zu,%s,%s,%s\n", i, train_rows[i].text, train_rows[i].stance,
		        train_rows[i].frame ? train_rows[i].frame : "");
	int rc = fclose(fp) == 0 ? 0 : -1;
	if (rc == 0)
		rc = fr_dataset_load(ds, path, NULL, 0, &err);
	return rc;
}

static int group_setup(void **state)
{
	fr_dataset ds;
	fr_model_config cfg;
	fr_error err = FR_ERROR_INIT;
	char path[] = "/tmp/fr_test_labels_train_XXXXXX";
	group_state *g = calloc(1, sizeof(*g));
	int rc = g ? 0 : -1;
	fr_dataset_init(&ds);
	if (rc == 0)
		rc = make_dataset(&ds, path);
	if (rc == 0)
		rc = fr_model_config_init(&cfg, NULL, &err);
	if (rc == 0) {
		cfg.tfidf.min_df = 1;
		rc = fr_model_train(&g->m, &ds, &cfg, NULL, 0, NULL, NULL, &err);
		fr_model_config_dispose(&cfg);
	}
	if (rc == 0)
		rc = fr_model_work_new(&g->w, g->m, &err);
	fr_dataset_dispose(&ds);
	unlink(path); /* harmless when mkstemp never made it */
	if (rc != 0) {
		char buf[1024];
		fprintf(stderr, "cannot train the test model: %s\n", fr_error_format(&err, buf, sizeof(buf)));
		if (g) {
			fr_model_work_free(g->w);
			fr_model_free(g->m);
			free(g);
		}
		return -1;
	}
	*state = g;
	return 0;
}

static int group_teardown(void **state)
{
	group_state *g = *state;
	if (g == NULL)
		return 0;
	fr_model_work_free(g->w);
	fr_model_free(g->m);
	free(g);
	return 0;
}

/* Tests that write files get their own temp folder next to the model. */
typedef struct {
	group_state *g;
	char dir[64];
} test_state;

static int setup_tmp(void **state)
{
	test_state *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -1;
	t->g = *state;
	if (test_tmpdir(t->dir, sizeof(t->dir), "/tmp/fr_test_labels_") != 0) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown_tmp(void **state)
{
	test_state *t = *state;
	int rc = test_rmtree(t->dir);
	free(t);
	return rc;
}

/* ---- helpers ------------------------------------------------------------ */

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Number of entries in dir whose name contains part. */
static size_t count_entries(const char *dir, const char *part)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, part) != NULL;
	closedir(d);
	return n;
}

static void path_in(char *buf, size_t size, const char *dir, const char *name)
{
	assert_int_equal(test_path(buf, size, dir, name), 0);
}

/* Labels text with the model and writes it as paragraph n of "doc.txt". */
/* One labeled paragraph through a chunk of its own, as a run writes a batch. */
static void write_labeled(fr_labels_writer *lw, const fr_paragraph *p, const fr_task_result *results)
{
	fr_error err = FR_ERROR_INIT;
	fr_labels_chunk *c = NULL;
	assert_int_equal(fr_labels_chunk_new(&c, lw, &err), 0);
	assert_int_equal(fr_labels_chunk_add(c, p, results), 0);
	assert_int_equal(fr_labels_write_chunk(lw, c, &err), 0);
	assert_int_equal(fr_labels_review(lw, p, results, &err), 0);
	assert_int_equal(err.code, 0);
	fr_labels_chunk_free(c);
}

static void write_para(fr_labels_writer *lw, const group_state *g, const char *id, size_t para,
                       const char *text, size_t len, fr_task_result *results)
{
	fr_error err = FR_ERROR_INIT;
	fr_paragraph p = { id, "doc.txt", para, text, len, para + 1, 1, "doc.txt" };
	assert_int_equal(fr_model_label(g->m, g->w, text, len, results, NULL, &err), 0);
	write_labeled(lw, &p, results);
}

/* ---- fr_json_write_string ----------------------------------------------- */

typedef struct {
	const char *name;
	const char *input;
	size_t len;
	const char *output;   /* written, quotes included */
	const char *decoded;  /* what jansson reads back */
	size_t decoded_len;
} json_row;

#define FFFD "\xEF\xBF\xBD"

static const json_row json_rows[] = {
	{ "plain", S("hello world"), "\"hello world\"", S("hello world") },
	{ "empty", S(""), "\"\"", S("") },
	{ "quote and backslash", S("a\"b\\c"), "\"a\\\"b\\\\c\"", S("a\"b\\c") },
	{ "newline, CR, tab", S("1\n2\r3\t4"), "\"1\\n2\\r3\\t4\"", S("1\n2\r3\t4") },
	{ "other control characters", S("\x01\x08\x0c\x1b\x1f"),
	  "\"\\u0001\\u0008\\u000c\\u001b\\u001f\"", S("\x01\x08\x0c\x1b\x1f") },
	{ "NUL inside", S("a\0b"), "\"a\\u0000b\"", S("a\0b") },
	{ "DEL passes", S("a\x7f"), "\"a\x7f\"", S("a\x7f") },
	{ "two-byte UTF-8", S("caf\xc3\xa9"), "\"caf\xc3\xa9\"", S("caf\xc3\xa9") },
	{ "three-byte UTF-8", S("\xe2\x80\x9cq\xe2\x80\x9d \xe2\x82\xac"),
	  "\"\xe2\x80\x9cq\xe2\x80\x9d \xe2\x82\xac\"", S("\xe2\x80\x9cq\xe2\x80\x9d \xe2\x82\xac") },
	{ "four-byte UTF-8", S("\xf0\x9f\x98\x80!"), "\"\xf0\x9f\x98\x80!\"", S("\xf0\x9f\x98\x80!") },
	{ "lone bad byte", S("a\xff" "b"), "\"a" FFFD "b\"", S("a" FFFD "b") },
	{ "stray continuation byte", S("\x80"), "\"" FFFD "\"", S(FFFD) },
	{ "truncated sequence at the end", S("ab\xc3"), "\"ab" FFFD "\"", S("ab" FFFD) },
	{ "truncated sequence before ASCII", S("\xe2\x82z"), "\"" FFFD FFFD "z\"", S(FFFD FFFD "z") },
	{ "overlong encoding", S("\xc0\xaf"), "\"" FFFD FFFD "\"", S(FFFD FFFD) },
	{ "UTF-16 surrogate", S("\xed\xa0\x80"), "\"" FFFD FFFD FFFD "\"", S(FFFD FFFD FFFD) },
	{ "past U+10FFFF", S("\xf4\x90\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\"",
	  S(FFFD FFFD FFFD FFFD) },
	{ "bad byte then a quote", S("\xfe\""), "\"" FFFD "\\\"\"", S(FFFD "\"") },
};

static void test_labels__json_write_string(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(json_rows) / sizeof(json_rows[0]); i++) {
		const json_row *row = &json_rows[i];
		char *out = NULL;
		size_t out_len = 0;
		json_error_t jerr;
		print_message("row: %s\n", row->name);
		FILE *fp = open_memstream(&out, &out_len);
		assert_non_null(fp);
		fr_json_write_string(fp, row->input, row->len);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(out_len, strlen(row->output));
		assert_memory_equal(out, row->output, out_len);
		/* Whatever the input, the output is valid JSON. */
		json_t *j = json_loadb(out, out_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		assert_non_null(j);
		assert_true(json_is_string(j));
		assert_int_equal(json_string_length(j), row->decoded_len);
		assert_memory_equal(json_string_value(j), row->decoded, row->decoded_len);
		json_decref(j);
		free(out);
	}
}

/* Long strings go through in pieces: each row's input after 0..300 bytes
 * of padding and repeated, so that every byte of it falls on a piece's
 * edge somewhere, gives the padding and the row's output repeated. */
static void test_labels__json_write_string_long(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(json_rows) / sizeof(json_rows[0]); i++) {
		const json_row *row = &json_rows[i];
		size_t reps = 8, inner = strlen(row->output) - 2;
		if (row->len == 0)
			continue;
		for (size_t pad = 0; pad <= 300; pad++) {
			size_t in_len = pad + reps * row->len, want_len = 2 + pad + reps * inner;
			char *in = malloc(in_len), *want = malloc(want_len), *out = NULL;
			size_t out_len = 0;
			assert_non_null(in);
			assert_non_null(want);
			memset(in, 'x', pad);
			want[0] = '"';
			memset(want + 1, 'x', pad);
			for (size_t r = 0; r < reps; r++) {
				memcpy(in + pad + r * row->len, row->input, row->len);
				memcpy(want + 1 + pad + r * inner, row->output + 1, inner);
			}
			want[want_len - 1] = '"';
			FILE *fp = open_memstream(&out, &out_len);
			assert_non_null(fp);
			fr_json_write_string(fp, in, in_len);
			assert_int_equal(fclose(fp), 0);
			if (out_len != want_len || memcmp(out, want, want_len) != 0)
				fail_msg("row '%s' after %zu bytes of padding", row->name, pad);
			free(in);
			free(want);
			free(out);
		}
	}
}

/* ---- labels.jsonl ------------------------------------------------------- */

typedef struct {
	const char *id;
	const char *text;
	size_t len;
	const char *decoded;  /* the text as JSON gives it back */
	size_t decoded_len;
} para_row;

static const para_row para_rows[] = {
	{ "doc.txt#1", S("we want peace talks and a ceasefire"), S("we want peace talks and a ceasefire") },
	{ "doc.txt#2", S("more tanks and weapons to win the war"), S("more tanks and weapons to win the war") },
	{ "q\"uote\\id", S("he said \"ceasefire\"\nthen\tleft\r\n"), S("he said \"ceasefire\"\nthen\tleft\r\n") },
	{ "doc.txt#4", S("bad \xff bytes \xc3 and a \0 NUL"), S("bad " FFFD " bytes " FFFD " and a \0 NUL") },
	{ "doc.txt#5", S("unknown words only: zyx qwv"), S("unknown words only: zyx qwv") },
};
#define N_PARAS (sizeof(para_rows) / sizeof(para_rows[0]))

/* Checks one task's object of a labels.jsonl record against the result. */
static void check_task_json(const json_t *obj, const fr_model *m, size_t t, const fr_task_result *r)
{
	assert_true(json_is_object(obj));
	assert_int_equal(json_object_size(obj), 4);
	const json_t *label = json_object_get(obj, "label");
	const json_t *confidence = json_object_get(obj, "confidence");
	const json_t *scores = json_object_get(obj, "scores");
	const json_t *evidence = json_object_get(obj, "evidence");
	assert_true(json_is_string(label));
	assert_true(json_is_number(confidence));
	assert_true(json_is_object(scores));
	assert_true(json_is_array(evidence));
	assert_string_equal(json_string_value(label), fr_model_label_name(m, t, (size_t)r->label));

	/* A score for every label of the task; they sum to 1 and the label's
	 * score is its confidence. */
	assert_int_equal(json_object_size(scores), fr_model_label_count(m, t));
	double sum = 0.0;
	for (size_t l = 0; l < fr_model_label_count(m, t); l++) {
		const json_t *s = json_object_get(scores, fr_model_label_name(m, t, l));
		assert_true(json_is_number(s));
		double v = json_number_value(s);
		assert_true(v >= 0.0 && v <= 1.0);
		assert_true(fabs(v - r->scores[l]) < 1e-4);
		sum += v;
	}
	assert_true(fabs(sum - 1.0) < 1e-3);
	const json_t *mine = json_object_get(scores, json_string_value(label));
	assert_true(json_number_value(confidence) == json_number_value(mine));
	assert_true(fabs(json_number_value(confidence) - r->confidence) < 1e-4);

	assert_int_equal(json_array_size(evidence), r->n_evidence);
	assert_true(json_array_size(evidence) <= FR_EVIDENCE_TERMS);
	for (size_t e = 0; e < json_array_size(evidence); e++) {
		const json_t *w = json_array_get(evidence, e);
		assert_true(json_is_string(w));
		assert_true(json_string_length(w) > 0);
	}
}

static void test_labels__jsonl_records(void **state)
{
	test_state *t = *state;
	const group_state *g = t->g;
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[N_PARAS][2];
	char out_dir[128], path[192];
	path_in(out_dir, sizeof(out_dir), t->dir, "new/nested");

	assert_int_equal(fr_model_task_count(g->m), 2);
	assert_int_equal(fr_labels_open(&lw, out_dir, g->m, &opts, &err), 0);
	assert_non_null(lw);
	for (size_t i = 0; i < N_PARAS; i++)
		write_para(lw, g, para_rows[i].id, i + 1, para_rows[i].text, para_rows[i].len, results[i]);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);

	path_in(path, sizeof(path), out_dir, "labels.jsonl");
	char *data = test_read_file(path, NULL);
	assert_non_null(data);
	size_t n = 0;
	for (char *line = data, *nl = NULL; *line; line = nl + 1) {
		json_error_t jerr;
		nl = strchr(line, '\n');
		assert_non_null(nl); /* every record ends its line */
		assert_true(n < N_PARAS);
		json_t *rec = json_loadb(line, (size_t)(nl - line), JSON_ALLOW_NUL, &jerr);
		if (rec == NULL)
			fail_msg("line %zu: %s", n + 1, jerr.text);
		assert_true(json_is_object(rec));
		assert_int_equal(json_object_size(rec), 4 + 2);
		assert_string_equal(json_string_value(json_object_get(rec, "id")), para_rows[n].id);
		assert_string_equal(json_string_value(json_object_get(rec, "doc")), "doc.txt");
		assert_true(json_is_integer(json_object_get(rec, "para")));
		assert_int_equal(json_integer_value(json_object_get(rec, "para")), n + 1);
		const json_t *text = json_object_get(rec, "text");
		assert_true(json_is_string(text));
		assert_int_equal(json_string_length(text), para_rows[n].decoded_len);
		assert_memory_equal(json_string_value(text), para_rows[n].decoded, para_rows[n].decoded_len);
		for (size_t k = 0; k < 2; k++)
			check_task_json(json_object_get(rec, fr_model_task_name(g->m, k)), g->m, k, &results[n][k]);
		json_decref(rec);
		n++;
	}
	assert_int_equal(n, N_PARAS);
	/* The model learned something: the clear cases get their labels. */
	assert_string_equal(fr_model_label_name(g->m, 0, (size_t)results[0][0].label), "pro");
	assert_string_equal(fr_model_label_name(g->m, 0, (size_t)results[1][0].label), "con");
	free(data);
}

/* A record's text is escaped a piece at a time (64 KiB): a character that
 * falls across a piece's edge, at any of its bytes, comes back whole. */
static void test_labels__long_text_keeps_characters_at_piece_edges(void **state)
{
	test_state *t = *state;
	const group_state *g = t->g;
	static const char tail[] = "\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9\"x";
	enum { PIECE = 64 * 1024, N = 6 };
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char out_dir[128], path[192];
	path_in(out_dir, sizeof(out_dir), t->dir, "pieces");
	size_t max_len = PIECE + sizeof(tail);
	char *text = malloc(max_len);
	assert_non_null(text);

	assert_int_equal(fr_labels_open(&lw, out_dir, g->m, &opts, &err), 0);
	for (size_t i = 0; i < N; i++) {
		size_t pad = PIECE - 4 + i; /* the emoji's lead byte at PIECE - 4 .. PIECE + 1 */
		memset(text, 'w', pad);
		memcpy(text + pad, tail, sizeof(tail) - 1);
		write_para(lw, g, "long", i + 1, text, pad + sizeof(tail) - 1, results);
	}
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);

	path_in(path, sizeof(path), out_dir, "labels.jsonl");
	char *data = test_read_file(path, NULL);
	assert_non_null(data);
	char *line = data;
	for (size_t i = 0; i < N; i++) {
		json_error_t jerr;
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		json_t *rec = json_loadb(line, (size_t)(nl - line), 0, &jerr);
		if (rec == NULL)
			fail_msg("record %zu: %s", i + 1, jerr.text);
		const json_t *got = json_object_get(rec, "text");
		size_t pad = PIECE - 4 + i;
		assert_int_equal(json_string_length(got), pad + sizeof(tail) - 1);
		if (memcmp(json_string_value(got) + pad, tail, sizeof(tail) - 1) != 0)
			fail_msg("record %zu: the characters after %zu bytes changed", i + 1, pad);
		json_decref(rec);
		line = nl + 1;
	}
	assert_int_equal(*line, '\0');
	free(data);
	free(text);
}

/* classify -: JSON Lines straight to a stream the writer borrows. */
static void test_labels__stream(void **state)
{
	test_state *t = *state;
	const group_state *g = t->g;
	fr_labels_writer *lw = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char path[128];
	path_in(path, sizeof(path), t->dir, "stream.jsonl");
	fr_labels_options jsonl_only = { 1, 0, 0, NULL };
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fr_labels_open_stream(&lw, fp, g->m, &jsonl_only, &err), 0);
	write_para(lw, g, "<stdin>#1", 1, S("ceasefire talks"), results);
	write_para(lw, g, "<stdin>#2", 2, S("weapons"), results);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);
	/* Still open: the caller closes it. */
	assert_int_equal(fclose(fp), 0);
	char *data = test_read_file(path, NULL);
	assert_non_null(data);
	char *nl = strchr(data, '\n');
	assert_non_null(nl);
	json_error_t jerr;
	json_t *rec = json_loadb(data, (size_t)(nl - data), 0, &jerr);
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "id")), "<stdin>#1");
	json_decref(rec);
	rec = json_loads(nl + 1, 0, &jerr);
	assert_non_null(rec);
	assert_string_equal(json_string_value(json_object_get(rec, "text")), "weapons");
	json_decref(rec);
	/* Nothing else was created. */
	assert_int_equal(count_entries(t->dir, "labels"), 0);
	free(data);
}

/* classify --format csv -: the stream gets labels.csv's bytes, header
 * first, and nothing else; a stream takes one format, not both. */
static void test_labels__stream_csv(void **state)
{
	test_state *t = *state;
	const group_state *g = t->g;
	fr_labels_writer *lw = (fr_labels_writer *)t; /* must be reset to NULL */
	fr_labels_options both = FR_LABELS_OPTIONS_INIT, csv_only = { 0, 1, 0, NULL };
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char path[128], dir[128];
	path_in(path, sizeof(path), t->dir, "stream.csv");
	path_in(dir, sizeof(dir), t->dir, "folder");
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fr_labels_open_stream(&lw, fp, g->m, &both, &err), FR_EINVALID);
	assert_null(lw);
	assert_int_equal(err.code, FR_EINVALID);
	fr_error_clear(&err);

	assert_int_equal(fr_labels_open_stream(&lw, fp, g->m, &csv_only, &err), 0);
	write_para(lw, g, "<stdin>#1", 1, S("=ceasefire, talks"), results);
	write_para(lw, g, "<stdin>#2", 2, S("weapons"), results);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);
	assert_int_equal(fclose(fp), 0);

	assert_int_equal(fr_labels_open(&lw, dir, g->m, &csv_only, &err), 0);
	write_para(lw, g, "<stdin>#1", 1, S("=ceasefire, talks"), results);
	write_para(lw, g, "<stdin>#2", 2, S("weapons"), results);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);

	size_t len = 0, want_len = 0;
	char *data = test_read_file(path, &len);
	path_in(path, sizeof(path), dir, "labels.csv");
	char *want = test_read_file(path, &want_len);
	assert_non_null(data);
	assert_non_null(want);
	assert_true(strncmp(data, "id,doc,para,text,stance,", 24) == 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(data, want, len);
	free(data);
	free(want);
}

/* ---- labels.csv --------------------------------------------------------- */

typedef struct {
	const char *text;
	const char *cell;  /* the text as the CSV reader gives it back */
} csv_row;

static void test_labels__csv(void **state)
{
	test_state *t = *state;
	const group_state *g = t->g;
	const csv_row rows[] = {
		{ "=SUM(A1:A9)", "'=SUM(A1:A9)" },
		{ "+1 for peace", "'+1 for peace" },
		{ "-war", "'-war" },
		{ "@minister ceasefire", "'@minister ceasefire" },
		{ "peace, \"talks\"\nand more", "peace, \"talks\"\nand more" },
		{ " leading space", " leading space" },
		{ "a=b is fine", "a=b is fine" },
		{ "=1,2 \"x\"", "'=1,2 \"x\"" },  /* defused inside its quotes */
	};
	const size_t n_rows = sizeof(rows) / sizeof(rows[0]);
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[8][2];
	fr_csv *csv = NULL;
	char path[128];

	assert_int_equal(fr_labels_open(&lw, t->dir, g->m, &opts, &err), 0);
	for (size_t i = 0; i < n_rows; i++) {
		char id[32];
		snprintf(id, sizeof(id), i == 0 ? "=id%zu" : "doc.txt#%zu", i);
		write_para(lw, g, id, i, rows[i].text, strlen(rows[i].text), results[i]);
	}
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);

	path_in(path, sizeof(path), t->dir, "labels.csv");
	char *raw = test_read_file(path, NULL);
	assert_non_null(raw);
	/* The header, exactly; then quoting as RFC 4180 wants it. */
	const char *header = "id,doc,para,text,stance,stance_confidence,stance_evidence,"
	                     "frame,frame_confidence,frame_evidence\n";
	assert_memory_equal(raw, header, strlen(header));
	assert_non_null(strstr(raw, "\n'=id0,doc.txt,0,'=SUM(A1:A9),"));
	assert_non_null(strstr(raw, ",4,\"peace, \"\"talks\"\"\nand more\","));
	assert_non_null(strstr(raw, ",7,\"'=1,2 \"\"x\"\"\","));
	free(raw);

	assert_int_equal(fr_csv_open(&csv, path, &err), 0);
	assert_int_equal(fr_csv_next(csv, &err), 0);
	assert_int_equal(fr_csv_field_count(csv), 10);
	for (size_t i = 0; i < n_rows; i++) {
		char para[16];
		assert_int_equal(fr_csv_next(csv, &err), 0);
		assert_int_equal(fr_csv_field_count(csv), 10);
		snprintf(para, sizeof(para), "%zu", i);
		assert_string_equal(fr_csv_field(csv, 1, NULL), "doc.txt");
		assert_string_equal(fr_csv_field(csv, 2, NULL), para);
		assert_string_equal(fr_csv_field(csv, 3, NULL), rows[i].cell);
		for (size_t k = 0; k < 2; k++) {
			const fr_task_result *r = &results[i][k];
			char *end = NULL;
			assert_string_equal(fr_csv_field(csv, 4 + 3 * k, NULL),
			                    fr_model_label_name(g->m, k, (size_t)r->label));
			double conf = strtod(fr_csv_field(csv, 5 + 3 * k, NULL), &end);
			assert_int_equal(*end, '\0');
			assert_true(fabs(conf - r->confidence) < 1e-4);
			/* Evidence words joined by "; ": as many as the result has. */
			const char *ev = fr_csv_field(csv, 6 + 3 * k, NULL);
			size_t words = ev[0] ? 1 : 0;
			for (const char *s = ev; (s = strstr(s, "; ")) != NULL; s += 2)
				words++;
			assert_int_equal(words, r->n_evidence);
		}
	}
	assert_int_equal(fr_csv_next(csv, &err), FR_ITEROVER);
	fr_csv_free(csv);
}

/* Every cell of labels.csv and review.csv reads back (fr_csv_value, as the
 * corpus and dataset readers take cells) as it was written, and none that a
 * spreadsheet would run starts undefused. Before, TAB and CR went out
 * bare, and '-8 went out as it was and came back as -8. */
static void test_labels__csv_cells_round_trip(void **state)
{
	test_state *t = *state;
	static const struct {
		const char *cell;
		const char *raw;   /* how labels.csv holds it (quotes removed) */
	} cells[] = {
		{ "=1+1", "'=1+1" },
		{ "+1", "'+1" },
		{ "-8", "'-8" },
		{ "@x", "'@x" },
		{ "\tx", "'\tx" },
		{ "\rx", "'\rx" },
		{ "\r\n=x", "'\r\n=x" },
		{ "'-8", "''-8" },
		{ "''-8", "'''-8" },
		{ "'\tx", "''\tx" },
		{ "'=1,2 \"q\"", "''=1,2 \"q\"" },
		{ "'", "'" },
		{ "''", "''" },
		{ "'tis", "'tis" },
		{ " -x", " -x" },
		{ "x\t", "x\t" },
		{ "a-b", "a-b" },
	};
	enum { N = sizeof(cells) / sizeof(cells[0]) };
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[N][2];
	fr_csv *csv = NULL;
	char path[128];
	size_t seen[N] = { 0 };

	/* Each cell is both the id and the text of its paragraph. */
	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	for (size_t i = 0; i < N; i++)
		write_para(lw, t->g, cells[i].cell, i, cells[i].cell, strlen(cells[i].cell), results[i]);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);

	path_in(path, sizeof(path), t->dir, "labels.csv");
	assert_int_equal(fr_csv_open(&csv, path, &err), 0);
	assert_int_equal(fr_csv_next(csv, &err), 0);
	for (size_t i = 0; i < N; i++) {
		size_t len = 0;
		assert_int_equal(fr_csv_next(csv, &err), 0);
		assert_string_equal(fr_csv_field(csv, 0, NULL), cells[i].raw);
		assert_string_equal(fr_csv_field(csv, 3, NULL), cells[i].raw);
		assert_string_equal(fr_csv_value(csv, 0, &len), cells[i].cell);
		assert_int_equal(len, strlen(cells[i].cell));
		assert_string_equal(fr_csv_value(csv, 3, &len), cells[i].cell);
	}
	assert_int_equal(fr_csv_next(csv, &err), FR_ITEROVER);
	fr_csv_free(csv);

	/* review.csv holds them all, least certain first: id and text alike. */
	path_in(path, sizeof(path), t->dir, "review.csv");
	assert_int_equal(fr_csv_open(&csv, path, &err), 0);
	assert_int_equal(fr_csv_next(csv, &err), 0);
	for (size_t row = 0; row < N; row++) {
		size_t len = 0, i = 0;
		assert_int_equal(fr_csv_next(csv, &err), 0);
		const char *id = fr_csv_value(csv, 0, &len);
		while (i < N && strcmp(cells[i].cell, id) != 0)
			i++;
		assert_true(i < N);
		seen[i]++;
		assert_string_equal(fr_csv_field(csv, 0, NULL), cells[i].raw);
		assert_string_equal(fr_csv_value(csv, 2, &len), cells[i].cell);
	}
	assert_int_equal(fr_csv_next(csv, &err), FR_ITEROVER);
	fr_csv_free(csv);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(seen[i], 1);
}

/* Records built many paragraphs to a chunk, in a chunk cleared and used
 * again, are the bytes of one paragraph to a chunk, and the review queue
 * sees the same paragraphs. */
static void test_labels__chunks_write_the_same_bytes(void **state)
{
	test_state *t = *state;
	const group_state *g = t->g;
	const char *names[] = { "labels.jsonl", "labels.csv", "review.csv" };
	enum { N = N_PARAS + 2 };
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[N][2];
	fr_paragraph paras[N];
	char one_dir[128], chunk_dir[128];
	fr_labels_writer *lw = NULL;
	fr_labels_chunk *c = NULL;
	opts.review = 3;
	path_in(one_dir, sizeof(one_dir), t->dir, "one");
	path_in(chunk_dir, sizeof(chunk_dir), t->dir, "chunks");

	/* The fixture's paragraphs; then one whose records outgrow what a
	 * cleared chunk keeps (16 MiB), so its memory is given back, and a small
	 * one after it in the same chunk. */
	size_t big_len = (size_t)3 << 20;
	char *big = malloc(big_len);
	assert_non_null(big);
	for (size_t i = 0; i < big_len; i++)
		big[i] = "peace talks, \"ceasefire\"\n"[i % 25];
	for (size_t i = 0; i < N_PARAS; i++) {
		fr_paragraph p = { para_rows[i].id, "doc.txt", i, para_rows[i].text, para_rows[i].len, i + 1, 1, "doc.txt" };
		paras[i] = p;
	}
	fr_paragraph big_p = { "big#1", "doc.txt", N_PARAS, big, big_len, N_PARAS + 1, 1, "doc.txt" };
	fr_paragraph small_p = { "=small#2", "doc.txt", N_PARAS + 1, "weapons", 7, N_PARAS + 2, 1, "doc.txt" };
	paras[N_PARAS] = big_p;
	paras[N_PARAS + 1] = small_p;
	for (size_t i = 0; i < N; i++)
		assert_int_equal(fr_model_label(g->m, g->w, paras[i].text, paras[i].text_len, results[i], NULL, &err), 0);

	assert_int_equal(fr_labels_open(&lw, one_dir, g->m, &opts, &err), 0);
	for (size_t i = 0; i < N; i++)
		write_labeled(lw, &paras[i], results[i]);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);

	/* Chunks of two fixture paragraphs, then the big one alone and the small
	 * one alone: one chunk, cleared and used again each time. */
	const size_t starts[] = { 0, 2, 4, N_PARAS, N_PARAS + 1, N };
	assert_int_equal(fr_labels_open(&lw, chunk_dir, g->m, &opts, &err), 0);
	assert_int_equal(fr_labels_chunk_new(&c, lw, &err), 0);
	for (size_t k = 0; starts[k] < N; k++) {
		size_t end = starts[k + 1];
		if (starts[k] < N_PARAS && end > N_PARAS)
			end = N_PARAS;
		fr_labels_chunk_clear(c);
		for (size_t i = starts[k]; i < end; i++)
			assert_int_equal(fr_labels_chunk_add(c, &paras[i], results[i]), 0);
		assert_int_equal(fr_labels_write_chunk(lw, c, &err), 0);
		for (size_t i = starts[k]; i < end; i++)
			assert_int_equal(fr_labels_review(lw, &paras[i], results[i], &err), 0);
	}
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_chunk_free(c);
	fr_labels_free(lw);
	free(big);

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		char a_path[192], b_path[192];
		size_t a_len = 0, b_len = 0;
		path_in(a_path, sizeof(a_path), one_dir, names[k]);
		path_in(b_path, sizeof(b_path), chunk_dir, names[k]);
		char *a = test_read_file(a_path, &a_len);
		char *b = test_read_file(b_path, &b_len);
		assert_non_null(a);
		assert_non_null(b);
		assert_true(a_len > 0);
		assert_int_equal(a_len, b_len);
		assert_memory_equal(a, b, a_len);
		/* Both ways share the record builders: every record is there, the
		 * one after the big paragraph too. */
		size_t lines = 0;
		for (size_t i = 0; i < a_len; i++)
			lines += a[i] == '\n';
		if (k == 0) {
			assert_int_equal(lines, N);
			assert_non_null(strstr(a, "\n{\"id\":\"=small#2\",\"doc\":\"doc.txt\",\"para\":6,\"text\":\"weapons\""));
		} else if (k == 1) {
			/* memmem: a fixture text holds a NUL, which CSV keeps as it is. */
			const char want[] = "\n'=small#2,doc.txt,6,weapons,";
			assert_non_null(memmem(a, a_len, want, sizeof(want) - 1));
		}
		free(a);
		free(b);
	}
}

/* Only the outputs asked for are written. */
static void test_labels__options(void **state)
{
	test_state *t = *state;
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char path[128];
	opts.csv = 0;
	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	write_para(lw, t->g, "x#1", 1, S("peace"), results);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);
	path_in(path, sizeof(path), t->dir, "labels.jsonl");
	assert_true(exists(path));
	path_in(path, sizeof(path), t->dir, "labels.csv");
	assert_false(exists(path));
}

/* ---- atomic outputs ----------------------------------------------------- */

static void test_labels__commit_renames_into_place(void **state)
{
	test_state *t = *state;
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char jsonl[128], csv[128], summary_path[128];
	path_in(jsonl, sizeof(jsonl), t->dir, "labels.jsonl");
	path_in(csv, sizeof(csv), t->dir, "labels.csv");
	path_in(summary_path, sizeof(summary_path), t->dir, "summary.json");

	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	write_para(lw, t->g, "x#1", 1, S("peace talks"), results);
	/* Before the commit: only temporaries. */
	assert_false(exists(jsonl));
	assert_false(exists(csv));
	assert_int_equal(count_entries(t->dir, ".labels.jsonl.tmp-"), 1);
	assert_int_equal(count_entries(t->dir, ".labels.csv.tmp-"), 1);

	json_t *summary = json_pack("{s:i}", "paragraphs", 1);
	assert_non_null(summary);
	assert_int_equal(fr_labels_commit(lw, summary, &err), 0);
	json_decref(summary);
	/* After: the files are in place, before the writer is even freed. */
	assert_true(exists(jsonl));
	assert_true(exists(csv));
	assert_int_equal(count_entries(t->dir, ".tmp-"), 0);
	fr_labels_free(lw);
	assert_true(exists(jsonl));
	assert_true(exists(csv));
	assert_int_equal(count_entries(t->dir, ".tmp-"), 0);

	char *data = test_read_file(jsonl, NULL);
	assert_non_null(strstr(data, "\"id\":\"x#1\""));
	free(data);
	json_error_t jerr;
	json_t *s = json_load_file(summary_path, 0, &jerr);
	assert_non_null(s);
	assert_int_equal(json_integer_value(json_object_get(s, "paragraphs")), 1);
	json_decref(s);
}

static void test_labels__old_labels_survive_until_commit(void **state)
{
	test_state *t = *state;
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char jsonl[128], csv[128];
	path_in(jsonl, sizeof(jsonl), t->dir, "labels.jsonl");
	path_in(csv, sizeof(csv), t->dir, "labels.csv");
	assert_int_equal(test_write_text(jsonl, "old jsonl\n"), 0);
	assert_int_equal(test_write_text(csv, "old csv\n"), 0);

	/* An interrupted run: written, never committed. */
	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	write_para(lw, t->g, "x#1", 1, S("peace talks"), results);
	char *data = test_read_file(jsonl, NULL);
	assert_string_equal(data, "old jsonl\n");
	free(data);
	assert_int_equal(count_entries(t->dir, ".tmp-"), 2);
	fr_labels_free(lw);
	data = test_read_file(jsonl, NULL);
	assert_string_equal(data, "old jsonl\n");
	free(data);
	data = test_read_file(csv, NULL);
	assert_string_equal(data, "old csv\n");
	free(data);
	assert_int_equal(count_entries(t->dir, ".tmp-"), 0);

	/* A completed run replaces them. */
	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	write_para(lw, t->g, "x#1", 1, S("peace talks"), results);
	data = test_read_file(jsonl, NULL);
	assert_string_equal(data, "old jsonl\n");
	free(data);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);
	data = test_read_file(jsonl, NULL);
	assert_non_null(strstr(data, "\"id\":\"x#1\""));
	free(data);
	data = test_read_file(csv, NULL);
	assert_true(strncmp(data, "id,doc,para,text,", 17) == 0);
	free(data);
	assert_int_equal(count_entries(t->dir, ".tmp-"), 0);
	fr_labels_free(NULL);
}

/* A full disk on the last file written (summary.json; faked with a file
 * size limit, which binds root too) fails the commit with that file's
 * name, and no output is replaced: the folder holds the previous run's
 * four files, byte for byte, and no temporary. Before, labels.jsonl and
 * labels.csv had been renamed into place by then: a mixed set. */
static void test_labels__failed_commit_keeps_the_old_set(void **state)
{
	test_state *t = *state;
	static const char *const names[] = { "labels.jsonl", "labels.csv", "review.csv", "summary.json" };
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char path[128];
	for (size_t i = 0; i < 4; i++) {
		path_in(path, sizeof(path), t->dir, names[i]);
		assert_int_equal(test_write_text(path, names[i]), 0);
	}
	/* summary.json over the limit; the labels files and review.csv, of one
	 * short paragraph, well under it. */
	enum { LIMIT = 16 << 10 };
	char *big = malloc(4 * LIMIT);
	assert_non_null(big);
	memset(big, 'x', 4 * LIMIT - 1);
	big[4 * LIMIT - 1] = '\0';
	json_t *summary = json_pack("{s:s}", "padding", big);
	free(big);
	assert_non_null(summary);

	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	write_para(lw, t->g, "x#1", 1, S("peace talks"), results);
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	low = old;
	low.rlim_cur = LIMIT;
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN); /* EFBIG, not death */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &low), 0);
	int rc = fr_labels_commit(lw, summary, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
	json_decref(summary);

	assert_int_equal(rc, FR_EIO);
	assert_int_equal(err.code, FR_EIO);
	path_in(path, sizeof(path), t->dir, "summary.json");
	assert_string_equal(err.source, path);
	assert_non_null(strstr(err.message, "cannot write"));
	/* Nothing replaced, nothing left behind, before the writer is freed. */
	for (size_t i = 0; i < 4; i++) {
		path_in(path, sizeof(path), t->dir, names[i]);
		char *data = test_read_file(path, NULL);
		assert_non_null(data);
		assert_string_equal(data, names[i]);
		free(data);
	}
	assert_int_equal(count_entries(t->dir, ".tmp-"), 0);
	fr_labels_free(lw);
	assert_int_equal(count_entries(t->dir, ".tmp-"), 0);
}

static void test_labels__open_errors(void **state)
{
	test_state *t = *state;
	fr_labels_writer *lw = (fr_labels_writer *)t; /* must be reset to NULL */
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	char file[128], out_dir[160];
	path_in(file, sizeof(file), t->dir, "plain");
	assert_int_equal(test_write_text(file, "a regular file\n"), 0);

	/* A folder under a regular file cannot be created. */
	path_in(out_dir, sizeof(out_dir), file, "out");
	assert_int_equal(fr_labels_open(&lw, out_dir, t->g->m, &opts, &err), FR_EIO);
	assert_null(lw);
	assert_int_equal(err.code, FR_EIO);
	assert_string_equal(err.source, out_dir);
	assert_non_null(strstr(err.message, "cannot create the output folder"));

	/* Nor can the regular file itself be the folder. */
	fr_error_clear(&err);
	lw = (fr_labels_writer *)t;
	assert_int_equal(fr_labels_open(&lw, file, t->g->m, &opts, &err), FR_EIO);
	assert_null(lw);
	assert_string_equal(err.source, file);
}

/* ---- the review queue --------------------------------------------------- */

/* Sets one task's result: label top with score p1, label second with p2,
 * the rest sharing what is left. */
static void set_result(const fr_model *m, fr_task_result *r, size_t task, int top, double p1,
                       int second, double p2)
{
	size_t k = fr_model_label_count(m, task);
	memset(r, 0, sizeof(*r));
	r->label = top;
	r->confidence = p1;
	for (size_t l = 0; l < k; l++)
		r->scores[l] = k > 2 ? (1.0 - p1 - p2) / (double)(k - 2) : 0.0;
	r->scores[top] = p1;
	r->scores[second] = p2;
}

/* A paragraph whose certainty is c (stance decides: its confidence above
 * chance and its margin both equal c when labels 0 and 1 split what label
 * 2 leaves), with stance label `label` and frame label `label % 2`. */
static void uncertain(const fr_model *m, fr_task_result res[2], double c, int label)
{
	/* stance, k = 3: p1 = 1/3 + c * 2/3; margin p1 - p2 = c. */
	double p1 = 1.0 / 3 + c * 2.0 / 3, p2 = p1 - c;
	int second = (label + 1) % 3;
	set_result(m, &res[0], 0, label, p1, second, p2);
	/* frame, k = 2: sure. */
	set_result(m, &res[1], 1, label % 2, 0.99, 1 - label % 2, 0.01);
}

static void add_para(fr_review *r, const char *id, const char *doc, const fr_task_result *res)
{
	fr_error err = FR_ERROR_INIT;
	fr_paragraph p = { id, doc, 1, "some text", 9, 1, 1, doc };
	assert_int_equal(fr_review_add(r, &p, res, &err), 0);
}

static void test_labels__review_certainty(void **state)
{
	const group_state *g = *state;
	fr_task_result res[2];
	size_t task = 9;
	assert_int_equal(fr_model_label_count(g->m, 0), 3);
	assert_int_equal(fr_model_label_count(g->m, 1), 2);
	/* stance {0.5, 0.3, 0.2}: above chance (0.5 - 1/3) / (2/3) = 0.25,
	 * margin 0.2: 0.225. frame {0.9, 0.1}: 0.8 and 0.8. */
	set_result(g->m, &res[0], 0, 0, 0.5, 1, 0.3);
	set_result(g->m, &res[1], 1, 1, 0.9, 0, 0.1);
	assert_true(fabs(fr_review_certainty(g->m, res, &task) - 0.225) < 1e-12);
	assert_int_equal(task, 0);
	/* frame {0.55, 0.45}: 0.1 and 0.1: frame decides. */
	set_result(g->m, &res[1], 1, 1, 0.55, 0, 0.45);
	assert_true(fabs(fr_review_certainty(g->m, res, &task) - 0.1) < 1e-12);
	assert_int_equal(task, 1);
	/* At chance: 0. */
	set_result(g->m, &res[1], 1, 0, 0.5, 1, 0.5);
	assert_true(fabs(fr_review_certainty(g->m, res, NULL)) < 1e-12);
}

/* --review-task: the queue follows one task's certainty. A is sure of its
 * stance (0.85) and unsure of its frame (0.04); B the other way round
 * (0.1125 and 0.98). Least certain of all tasks: A; by stance: B. */
static void test_labels__review_ordered_by_one_task(void **state)
{
	const group_state *g = *state;
	fr_task_result a[2], b[2];
	fr_error err = FR_ERROR_INIT;
	set_result(g->m, &a[0], 0, 0, 0.9, 1, 0.05);
	set_result(g->m, &a[1], 1, 1, 0.52, 0, 0.48);
	set_result(g->m, &b[0], 0, 0, 0.45, 1, 0.4);
	set_result(g->m, &b[1], 1, 1, 0.99, 0, 0.01);
	const char *want[] = { "A", "B", "A" }; /* every task, stance, frame */
	for (int by = -1; by < 2; by++) {
		fr_review *r = NULL;
		assert_int_equal(fr_review_new(&r, g->m, 1, &err), 0);
		if (by >= 0)
			fr_review_order_by_task(r, (size_t)by);
		add_para(r, "A", "a.txt", a);
		add_para(r, "B", "b.txt", b);
		assert_int_equal(fr_review_select(r, &err), 0);
		assert_int_equal(fr_review_count(r), 1);
		assert_string_equal(fr_review_id(r, 0), want[by + 1]);
		fr_review_free(r);
	}
}

/* With one document and one label everywhere, penalties are the same for
 * all: the least certain come out, least certain first, and the pool never
 * holds more than 4 n however many are offered. */
static void test_labels__review_least_certain_bounded(void **state)
{
	const group_state *g = *state;
	fr_review *r = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_task_result res[2];
	char id[32];
	assert_int_equal(fr_review_new(&r, g->m, 5, &err), 0);
	/* 10,000 paragraphs, certainty (i * 7919 mod 10000) / 10000: a
	 * permutation, so 0.0000 ... 0.0004 are the five least certain. */
	for (size_t i = 0; i < 10000; i++) {
		size_t rank = (i * 7919) % 10000;
		uncertain(g->m, res, (double)rank / 10000.0, 0);
		snprintf(id, sizeof(id), "p%zu", rank);
		add_para(r, id, "doc.txt", res);
		assert_true(fr_review_pool_size(r) <= 5 * FR_REVIEW_POOL_FACTOR);
	}
	assert_int_equal(fr_review_pool_size(r), 5 * FR_REVIEW_POOL_FACTOR);
	assert_int_equal(fr_review_select(r, &err), 0);
	assert_int_equal(fr_review_count(r), 5);
	for (size_t i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "p%zu", i);
		assert_string_equal(fr_review_id(r, i), id);
	}
	assert_null(fr_review_id(r, 5));
	fr_review_free(r);

	/* Fewer offered than asked for: all of them. */
	assert_int_equal(fr_review_new(&r, g->m, 5, &err), 0);
	uncertain(g->m, res, 0.5, 0);
	add_para(r, "only", "doc.txt", res);
	assert_int_equal(fr_review_select(r, &err), 0);
	assert_int_equal(fr_review_count(r), 1);
	fr_review_free(r);

	/* 0 and more than FR_REVIEW_MAX are refused. */
	assert_int_equal(fr_review_new(&r, g->m, 0, &err), FR_EINVALID);
	assert_null(r);
	assert_int_equal(fr_review_new(&r, g->m, FR_REVIEW_MAX + 1, &err), FR_EINVALID);
	fr_review_free(NULL);
}

static void test_labels__review_diversity(void **state)
{
	const group_state *g = *state;
	fr_review *r = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_task_result res[2];

	/* One document's five least certain paragraphs do not crowd out two
	 * other documents a little surer: after a.txt#0, a.txt#1 costs
	 * 0.11 + 0.05 (document) + 0.04 (its two labels) = 0.20 > b's 0.19;
	 * then c's 0.155 + 0.08 < a.txt#1's 0.24. */
	assert_int_equal(fr_review_new(&r, g->m, 3, &err), 0);
	static const char *const a_ids[] = { "a#0", "a#1", "a#2", "a#3", "a#4" };
	for (size_t i = 0; i < 5; i++) {
		uncertain(g->m, res, 0.10 + 0.01 * (double)i, 0);
		add_para(r, a_ids[i], "a.txt", res);
	}
	uncertain(g->m, res, 0.15, 0);
	add_para(r, "b#0", "b.txt", res);
	uncertain(g->m, res, 0.155, 0);
	add_para(r, "c#0", "c.txt", res);
	assert_int_equal(fr_review_select(r, &err), 0);
	assert_int_equal(fr_review_count(r), 3);
	assert_string_equal(fr_review_id(r, 0), "a#0");
	assert_string_equal(fr_review_id(r, 1), "b#0");
	assert_string_equal(fr_review_id(r, 2), "c#0");
	fr_review_free(r);

	/* Predicted labels too: x1 repeats x0's labels (0.11 + 0.04), x2 has
	 * others (0.13). */
	assert_int_equal(fr_review_new(&r, g->m, 2, &err), 0);
	uncertain(g->m, res, 0.10, 0);
	add_para(r, "x0", "x0.txt", res);
	uncertain(g->m, res, 0.11, 0);
	add_para(r, "x1", "x1.txt", res);
	uncertain(g->m, res, 0.13, 1);
	add_para(r, "x2", "x2.txt", res);
	assert_int_equal(fr_review_select(r, &err), 0);
	assert_string_equal(fr_review_id(r, 0), "x0");
	assert_string_equal(fr_review_id(r, 1), "x2");
	fr_review_free(r);
}

/* Regression (user walk-through: every row of a batch CSV had the CSV's
 * name as its document, so the queue counted them all as one document):
 * a record without its own document is told apart as training does, by
 * its id's part before '#' (else the id), and review.csv leaves its
 * document cell empty. */
static void test_labels__review_records_without_a_document(void **state)
{
	const group_state *g = *state;
	fr_review *r = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_task_result res[2];
	/* The case of review_diversity, from one CSV: a#0..a#4 share a
	 * document, b and c are others of their own. */
	static const char *const ids[] = { "a#0", "a#1", "a#2", "a#3", "a#4", "b", "c" };
	static const double certainty[] = { 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.155 };
	assert_int_equal(fr_review_new(&r, g->m, 3, &err), 0);
	for (size_t i = 0; i < 7; i++) {
		uncertain(g->m, res, certainty[i], 0);
		fr_paragraph p = { ids[i], "batch.csv", i + 1, "some text", 9, i + 2, 0, "in/batch.csv" };
		assert_int_equal(fr_review_add(r, &p, res, &err), 0);
	}
	assert_int_equal(fr_review_select(r, &err), 0);
	assert_string_equal(fr_review_id(r, 0), "a#0");
	assert_string_equal(fr_review_id(r, 1), "b");
	assert_string_equal(fr_review_id(r, 2), "c");
	fr_review_free(r);
}

/* Equal certainty: input order decides, in the pool and in the choice. */
static void test_labels__review_ties_keep_input_order(void **state)
{
	const group_state *g = *state;
	fr_review *r = NULL;
	fr_error err = FR_ERROR_INIT;
	fr_task_result res[2];
	char id[32];
	uncertain(g->m, res, 0.3, 2);
	assert_int_equal(fr_review_new(&r, g->m, 2, &err), 0);
	for (size_t i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "t%zu", i);
		add_para(r, id, "doc.txt", res);
	}
	assert_int_equal(fr_review_select(r, &err), 0);
	assert_int_equal(fr_review_select(r, &err), 0); /* once */
	assert_int_equal(fr_review_count(r), 2);
	assert_string_equal(fr_review_id(r, 0), "t0");
	assert_string_equal(fr_review_id(r, 1), "t1");
	assert_true(fabs(fr_review_chosen_certainty(r, 0) - 0.3) < 1e-12);
	fr_review_free(r);
}

/* review.csv through the writer: the labeled-CSV layout, predicted labels,
 * confidences, defused cells; --review 0 writes none. */
static void test_labels__review_csv(void **state)
{
	test_state *t = *state;
	fr_labels_writer *lw = NULL;
	fr_labels_options opts = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_task_result results[2];
	char path[128];
	opts.review = 4;
	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	write_para(lw, t->g, "x#1", 1, S("we want peace talks and a ceasefire"), results);
	write_para(lw, t->g, "=x#2", 2, S("-tanks and weapons and trade"), results);
	write_para(lw, t->g, "x#3", 3, S("the minister visited"), results);
	/* A batch CSV's record without a document cell: its file's name is
	 * not its document, and as a correction would replace the training
	 * row's own, so the cell stays empty. */
	fr_paragraph from_csv = { "r7", "batch.csv", 7, "the minister", 12, 8, 0, "in/batch.csv" };
	assert_int_equal(fr_model_label(t->g->m, t->g->w, from_csv.text, from_csv.text_len, results, NULL, &err), 0);
	write_labeled(lw, &from_csv, results);
	path_in(path, sizeof(path), t->dir, "review.csv");
	assert_false(exists(path)); /* only at commit */
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);
	char *data = test_read_file(path, NULL);
	assert_non_null(data);
	assert_true(strncmp(data, "id,document,text,stance,frame,confidence_stance,second_stance,"
	                          "margin_stance,confidence_frame,second_frame,margin_frame\n", 115) == 0);
	size_t lines = 0;
	for (const char *c = data; *c; c++)
		lines += *c == '\n';
	assert_int_equal(lines, 5);
	assert_non_null(strstr(data, "\n'=x#2,doc.txt,'-tanks and weapons and trade,"));
	assert_non_null(strstr(data, "\nr7,,the minister,"));
	free(data);

	/* The file loads as labeled data, the extra columns left out. */
	fr_dataset ds;
	fr_dataset_init(&ds);
	assert_int_equal(fr_dataset_load(&ds, path, NULL, 0, &err), 0);
	assert_int_equal(ds.n_rows, 4);
	assert_int_equal(ds.n_tasks, 2);
	assert_string_equal(ds.tasks[0], "stance");
	assert_string_equal(ds.tasks[1], "frame");
	fr_dataset_dispose(&ds);

	assert_int_equal(unlink(path), 0);
	opts.review = 0;
	assert_int_equal(fr_labels_open(&lw, t->dir, t->g->m, &opts, &err), 0);
	write_para(lw, t->g, "x#1", 1, S("peace"), results);
	assert_int_equal(fr_labels_commit(lw, NULL, &err), 0);
	fr_labels_free(lw);
	assert_false(exists(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_labels__json_write_string),
		cmocka_unit_test(test_labels__json_write_string_long),
		cmocka_unit_test_setup_teardown(test_labels__jsonl_records, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__long_text_keeps_characters_at_piece_edges, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__stream, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__stream_csv, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__csv, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__csv_cells_round_trip, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__chunks_write_the_same_bytes, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__options, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__commit_renames_into_place, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__old_labels_survive_until_commit, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__failed_commit_keeps_the_old_set, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_labels__open_errors, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_labels__review_certainty),
		cmocka_unit_test(test_labels__review_ordered_by_one_task),
		cmocka_unit_test(test_labels__review_least_certain_bounded),
		cmocka_unit_test(test_labels__review_diversity),
		cmocka_unit_test(test_labels__review_records_without_a_document),
		cmocka_unit_test(test_labels__review_ties_keep_input_order),
		cmocka_unit_test_setup_teardown(test_labels__review_csv, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
