#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "../corpus.h"
#include "../fsutil.h"
#include "../jsonl.h"
#include "../labels.h"
#include "../model.h"
#include "../runner.h"
#include "../tokenize.h"

enum { OPT_MODEL = 1000, OPT_OUT, OPT_FORMAT, OPT_RULES, OPT_THREADS, OPT_REVIEW, OPT_REVIEW_TASK, OPT_QUIET };

static const cli_option classify_options[] = {
	{ "model", "DIR", OPT_MODEL, "model bundle to label with (required)", 0 },
	{ "out", "DIR", OPT_OUT, "output folder (default: out/<name of the first input>)", 0 },
	{ "format", "jsonl|csv", OPT_FORMAT, "write only this format (default: both; JSON Lines on standard output)", 0 },
	{ "rules", "FILE", OPT_RULES, "boilerplate rules (default: boilerplate.rules in framer's data/ folder, or in $FRAMER_DATA)", 0 },
	{ "review", "N", OPT_REVIEW, "write the N least certain paragraphs to review.csv, 0 for none (default: 50)", 0 },
	{ "review-task", "TASK", OPT_REVIEW_TASK, "order review.csv by this task's certainty (default: each paragraph's least certain task)", 0 },
	{ "threads", "N", OPT_THREADS, "labeling threads; output is the same for any N (default: every core)", 0 },
	{ "quiet", NULL, OPT_QUIET, "print errors and warnings only", 0 },
	{ NULL, NULL, 0, NULL, 0 }
};

#define MAX_PROBLEMS_KEPT 100

typedef struct {
	const char *model, *out, *rules;
	fr_labels_options formats;
	int format_given, quiet;
	size_t threads;
} classify_args;

static int on_option(void *ctx, int id, const char *arg)
{
	classify_args *a = ctx;
	switch (id) {
	case OPT_MODEL: a->model = arg; break;
	case OPT_OUT: a->out = arg; break;
	case OPT_RULES: a->rules = arg; break;
	case OPT_REVIEW_TASK: a->formats.review_task = arg; break;
	case OPT_QUIET: a->quiet = 1; break;
	case OPT_THREADS:
		if (cli_parse_size(arg, &a->threads) != 0 || a->threads == 0 || a->threads > 256) {
			cli_failf(FR_EXIT_USAGE, "--threads takes a number from 1 to 256, not '%s'", arg);
			return -1;
		}
		break;
	case OPT_REVIEW:
		if (cli_parse_size(arg, &a->formats.review) != 0 || a->formats.review > FR_REVIEW_MAX) {
			cli_failf(FR_EXIT_USAGE, "--review takes a number from 0 to %d, not '%s'", FR_REVIEW_MAX, arg);
			return -1;
		}
		break;
	case OPT_FORMAT:
		if (!a->format_given)
			a->formats.jsonl = a->formats.csv = 0;
		a->format_given = 1;
		if (strcmp(arg, "jsonl") == 0)
			a->formats.jsonl = 1;
		else if (strcmp(arg, "csv") == 0)
			a->formats.csv = 1;
		else {
			cli_failf(FR_EXIT_USAGE, "--format takes jsonl or csv, not '%s'", arg);
			return -1;
		}
		break;
	default: return -1;
	}
	return 0;
}

/* Problems reported while labeling, for summary.json. */
typedef struct {
	json_t *problems;
	size_t n_problems;
} problems_t;

/* out/<the input's last name, less its extension> into buf, taken from the
 * whole name: a copy cut short would give two long paths one folder.
 * 0, or -1 when it does not fit. */
static int default_out(char *buf, size_t size, const char *input)
{
	size_t n = strlen(input);
	while (n > 1 && input[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && input[start - 1] != '/')
		start--;
	const char *base = input + start;
	size_t len = n - start;
	const char *dot = memrchr(base, '.', len);
	if (dot && dot != base)
		len = (size_t)(dot - base);
	/* No name of its own ("/", "x/..", a file named "...jsonl") must not
	 * put the outputs in out/ itself or beside it. */
	if (len == 0 || (len == 1 && base[0] == '.') || (len == 2 && memcmp(base, "..", 2) == 0)) {
		base = "batch";
		len = 5;
	}
	int w = snprintf(buf, size, "out/%.*s", (int)len, base);
	return w < 0 || (size_t)w >= size ? -1 : 0;
}

/* Progress on standard error: a live line on a terminal, one line per file
 * otherwise, nothing with --quiet. */
typedef struct {
	problems_t *problems;
	const fr_corpus *corpus;
	double started, last_draw;
	int tty;
} progress_t;

static void on_file(void *payload, const char *path, size_t index, size_t count)
{
	const progress_t *p = payload;
	if (!p->tty)
		cli_say("[%zu/%zu] %s", index, count, path);
}

static void on_progress(void *payload, size_t done)
{
	progress_t *p = payload;
	double now = cli_now();
	if (!p->tty || now - p->last_draw < 0.2)
		return;
	p->last_draw = now;
	unsigned long long bytes = 0, total = 0;
	const char *current = "";
	fr_corpus_progress(p->corpus, &bytes, &total, &current);
	double elapsed = now - p->started, rate = elapsed > 0 ? (double)done / elapsed : 0;
	double share = total ? (double)bytes / (double)total : 0;
	char bar[21];
	size_t filled = (size_t)(share * 20);
	for (size_t i = 0; i < 20; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[20] = '\0';
	fprintf(stderr, "\rframer: [%s] %3.0f%% %zu paragraphs, %.0f/s", bar, share * 100, done, rate);
	if (share > 0.01) {
		double left = elapsed * (1 - share) / share;
		fprintf(stderr, ", %d:%02d left ", (int)left / 60, (int)left % 60);
	}
	fflush(stderr);
}

static void note_problem(void *payload, const fr_error *err)
{
	progress_t *p = payload;
	problems_t *pr = p->problems;
	if (p->tty)
		fputs("\r\033[K", stderr); /* clear the progress line first */
	char line[1024], shown[4096];
	cli_escape(shown, sizeof(shown), fr_error_format(err, line, sizeof(line)));
	/* Problems always show: a skipped record is something the user must see. */
	fprintf(stderr, "framer: %s (skipped)\n", shown);
	if (pr->n_problems++ < MAX_PROBLEMS_KEPT)
		json_array_append_new(pr->problems, json_string(shown));
}

/* Drift: does the batch look like the training data? A warning when
 *   - over DRIFT_OOV_RATE of its words are not in the vocabulary (unseen
 *     English news like the training data's: 13-15%; French: 88%);
 *   - over DRIFT_NO_KNOWN_SHARE of its paragraphs hold no known word;
 *   - with at least DRIFT_MIN_PARAGRAPHS paragraphs, a task's predicted
 *     labels are spread unlike the training labels: total variation
 *     distance (half the sum of the share differences, 0 same to 1
 *     disjoint) over DRIFT_DIVERGENCE (the example batch, China-minded
 *     articles, gives 0.47 and 0.48; the French text 0.68). */
#define DRIFT_OOV_RATE 0.40
#define DRIFT_NO_KNOWN_SHARE 0.10
#define DRIFT_DIVERGENCE 0.60
#define DRIFT_MIN_PARAGRAPHS 30

static double share(double part, double whole)
{
	return whole > 0 ? part / whole : 0.0;
}

static double training_total(const fr_model *m, size_t k)
{
	size_t n = 0;
	for (size_t l = 0; l < fr_model_label_count(m, k); l++)
		n += fr_model_label_support(m, k, l);
	return (double)n;
}

/* What a task's batch shares are of: its paragraphs, or for a multi-label
 * task the labels given (a paragraph can have several), as the training
 * shares are, so that both sides sum to 1. */
static double batch_total(const fr_model *m, size_t k, const fr_run_tally *t)
{
	if (!fr_model_task_multilabel(m, k))
		return (double)t->paragraphs;
	size_t n = 0;
	for (size_t l = 0; l < fr_model_label_count(m, k); l++)
		n += t->label_counts[k][l];
	return (double)n;
}

static double label_divergence(const fr_model *m, size_t k, const fr_run_tally *t)
{
	double d = 0, train = training_total(m, k), batch = batch_total(m, k, t);
	for (size_t l = 0; l < fr_model_label_count(m, k); l++)
		d += fabs(share((double)t->label_counts[k][l], batch) -
		          share((double)fr_model_label_support(m, k, l), train));
	return d / 2;
}

/* The warnings, in words, as a JSON array of strings. */
static json_t *drift_warnings(const fr_model *m, const fr_run_tally *t)
{
	json_t *w = json_array();
	char line[512];
	double oov = share((double)t->unknown, (double)t->terms);
	double none = share((double)t->no_known_terms, (double)t->paragraphs);
	if (w == NULL)
		return NULL;
	if (oov > DRIFT_OOV_RATE) {
		snprintf(line, sizeof(line), "%.0f%% of the words are not in the model's vocabulary "
		         "(over %.0f%%): the text may be in another language or on another subject",
		         100 * oov, 100 * DRIFT_OOV_RATE);
		json_array_append_new(w, json_string(line));
	}
	if (none > DRIFT_NO_KNOWN_SHARE) {
		snprintf(line, sizeof(line), "%.0f%% of the paragraphs have no word the model knows "
		         "(over %.0f%%): their labels are guesses", 100 * none, 100 * DRIFT_NO_KNOWN_SHARE);
		json_array_append_new(w, json_string(line));
	}
	for (size_t k = 0; t->paragraphs >= DRIFT_MIN_PARAGRAPHS && k < fr_model_task_count(m); k++) {
		double d = label_divergence(m, k, t);
		if (d > DRIFT_DIVERGENCE) {
			char shown[1024];
			snprintf(line, sizeof(line), "the %s labels are spread unlike the training data's "
			         "(total variation distance %.2f, over %.2f)", fr_model_task_name(m, k), d,
			         DRIFT_DIVERGENCE);
			json_array_append_new(w, json_string(cli_escape(shown, sizeof(shown), line)));
		}
	}
	return w;
}

/* summary.json's "drift": per task, the batch's label shares beside the
 * training data's, their divergence and the mean confidence. */
static json_t *drift_json(const fr_model *m, const fr_run_tally *t, json_t *warnings)
{
	json_t *tasks = json_object();
	for (size_t k = 0; tasks && k < fr_model_task_count(m); k++) {
		json_t *batch = json_object(), *train = json_object();
		double total = training_total(m, k), batch_labels = batch_total(m, k, t);
		for (size_t l = 0; l < fr_model_label_count(m, k); l++) {
			const char *name = fr_model_label_name(m, k, l);
			json_object_set_new(batch, name, json_real(share((double)t->label_counts[k][l],
			                                                  batch_labels)));
			json_object_set_new(train, name, json_real(share((double)fr_model_label_support(m, k, l),
			                                                  total)));
		}
		json_object_set_new(tasks, fr_model_task_name(m, k),
			json_pack("{s:o, s:o, s:f, s:f}",
			          "label_distribution", batch,
			          "training_distribution", train,
			          "divergence", label_divergence(m, k, t),
			          "mean_confidence", share(t->confidence_sum[k], (double)t->paragraphs)));
	}
	return json_pack("{s:f, s:f, s:o, s:O}",
		"oov_rate", share((double)t->unknown, (double)t->terms),
		"no_known_term_share", share((double)t->no_known_terms, (double)t->paragraphs),
		"tasks", tasks,
		"warnings", warnings);
}

static json_t *summary_json(const fr_model *m, const classify_args *a, char *const *inputs,
                            size_t n_inputs, const fr_corpus *corpus, const fr_boilerplate *rules,
                            const fr_run_tally *t, const problems_t *pr, json_t *warnings)
{
	const fr_corpus_stats *s = fr_corpus_get_stats(corpus);
	json_t *in = json_array(), *labels = json_object(), *drops = json_object();
	for (size_t i = 0; i < n_inputs; i++)
		json_array_append_new(in, fr_json_text(inputs[i]));
	for (size_t k = 0; k < fr_model_task_count(m); k++) {
		json_t *counts = json_object();
		for (size_t l = 0; l < fr_model_label_count(m, k); l++)
			json_object_set_new(counts, fr_model_label_name(m, k, l),
			                    json_integer((json_int_t)t->label_counts[k][l]));
		json_object_set_new(labels, fr_model_task_name(m, k), counts);
	}
	const size_t *by_rule = fr_corpus_rule_drops(corpus);
	/* A key must be UTF-8, or jansson drops it: a rule's pattern may hold
	 * any byte. */
	for (size_t r = 0; r < fr_boilerplate_rule_count(rules); r++) {
		char *rule = by_rule[r] ? fr_utf8_repair(fr_boilerplate_rule(rules, r)) : NULL;
		if (rule)
			json_object_set_new(drops, rule, json_integer((json_int_t)by_rule[r]));
		free(rule);
	}
	return json_pack("{s:s, s:o, s:o, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:I, s:I, s:f, s:I, s:o, s:o}",
		"framer_version", FR_VERSION,
		"model", fr_json_text(a->model),
		"inputs", in,
		"files", (json_int_t)s->files,
		"paragraphs", (json_int_t)t->paragraphs,
		"skipped",
		  "boilerplate", (json_int_t)s->boilerplate,
		  "repeated_titles", (json_int_t)s->repeated_titles,
		  "empty", (json_int_t)s->empty,
		  "bad_records", (json_int_t)(s->bad_records + t->failed),
		  "bad_files", (json_int_t)s->bad_files,
		"boilerplate_rules", drops,
		"problems", json_incref(pr->problems),
		"invalid_utf8_bytes", (json_int_t)t->invalid_bytes,
		"ids_unchecked", (json_int_t)s->ids_unchecked,
		"oov_rate", t->terms ? (double)t->unknown / (double)t->terms : 0.0,
		"no_known_terms", (json_int_t)t->no_known_terms,
		"labels", labels,
		"drift", drift_json(m, t, warnings));
}

/* "1 file", "2 files": the summary is read by people. */
static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* Printed with --quiet too, as every warning is: a sharded run (classify
 * --quiet -) has no summary.json to find them in. */
static void print_drift_warnings(const json_t *warnings)
{
	if (json_array_size(warnings) == 0)
		return;
	fprintf(stderr, "framer: warning: this batch looks unlike the training data; check its labels before trusting them:\n");
	for (size_t i = 0; i < json_array_size(warnings); i++)
		fprintf(stderr, "framer: warning:   %s\n", json_string_value(json_array_get(warnings, i)));
}

static void print_summary(const fr_model *m, const fr_corpus *corpus, const fr_run_tally *t,
                          const char *out, const fr_labels_options *formats,
                          const json_t *warnings, double seconds)
{
	const fr_corpus_stats *s = fr_corpus_get_stats(corpus);
	fprintf(stderr, "framer: labeled %zu paragraph%s from %zu file%s in %.2f s", t->paragraphs,
	        plural(t->paragraphs), s->files, plural(s->files), seconds);
	if (seconds > 0)
		fprintf(stderr, " (%.0f paragraphs/s)", (double)t->paragraphs / seconds);
	size_t bad_records = s->bad_records + t->failed;
	fprintf(stderr, "\nframer: dropped %zu boilerplate block%s and %zu repeated title%s; "
	        "skipped %zu bad record%s, %zu bad file%s", s->boilerplate, plural(s->boilerplate),
	        s->repeated_titles, plural(s->repeated_titles), bad_records, plural(bad_records),
	        s->bad_files, plural(s->bad_files));
	/* Records with an empty text get no output line: say how many, or a
	 * scraper's empty rows would go missing without a word. */
	if (s->empty)
		fprintf(stderr, ", %zu record%s with empty text", s->empty, plural(s->empty));
	fputc('\n', stderr);
	for (size_t k = 0; k < fr_model_task_count(m); k++) {
		fputs("framer:   ", stderr);
		for (size_t w = cli_put_escaped(stderr, fr_model_task_name(m, k)); w < 8; w++)
			fputc(' ', stderr);
		for (size_t l = 0; l < fr_model_label_count(m, k); l++)
			if (t->label_counts[k][l]) {
				fputc(' ', stderr);
				cli_put_escaped(stderr, fr_model_label_name(m, k, l));
				fprintf(stderr, " %zu", t->label_counts[k][l]);
			}
		fputc('\n', stderr);
	}
	fprintf(stderr, "framer: out-of-vocabulary terms %.1f%%", t->terms ? 100.0 * (double)t->unknown / (double)t->terms : 0.0);
	if (t->no_known_terms)
		fprintf(stderr, "; %zu paragraph%s with no known word", t->no_known_terms, plural(t->no_known_terms));
	if (t->invalid_bytes)
		fprintf(stderr, "; %zu invalid UTF-8 byte%s replaced", t->invalid_bytes, plural(t->invalid_bytes));
	fputc('\n', stderr);
	print_drift_warnings(warnings);
	if (out)
		cli_say("wrote %s/%s%s%ssummary.json", out, formats->jsonl ? "labels.jsonl, " : "",
		        formats->csv ? "labels.csv, " : "", formats->review ? "review.csv, " : "");
}

/* An output this run did not write (--format, --review 0) that an earlier
 * run left in the folder is not this batch's. It is kept (it may be a
 * review.csv being corrected, or an input of this very run) but said, even
 * with --quiet: correcting and training on it would be a silent error. */
static void warn_earlier_outputs(const char *out, const fr_labels_options *formats)
{
	static const char *const names[] = { "labels.jsonl", "labels.csv", "review.csv" };
	const int written[] = { formats->jsonl, formats->csv, formats->review > 0 };
	for (size_t i = 0; i < 3; i++) {
		char path[PATH_MAX];
		struct stat st;
		if (!written[i] && fr_path_join(path, sizeof(path), out, names[i]) == 0 && stat(path, &st) == 0)
			cli_warnf("%s is an earlier run's, not this batch's (this run wrote none); it was left as it was",
			          path);
	}
}

/* The path err names, whole: the input it is when a long path kept only
 * its end in the error (fr_error_set_source). */
static const char *error_path(const fr_error *err, char *const *inputs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fr_error_source_is(err, inputs[i]))
			return inputs[i];
	return err->source;
}

int cmd_classify(int argc, char **argv)
{
	classify_args a = { 0 };
	fr_labels_options defaults = FR_LABELS_OPTIONS_INIT;
	fr_error err = FR_ERROR_INIT;
	fr_model *model = NULL;
	fr_boilerplate *rules = NULL;
	fr_corpus *corpus = NULL;
	fr_labels_writer *writer = NULL;
	json_t *summary = NULL, *warnings = NULL;
	fr_run_tally t;
	problems_t pr = { NULL, 0 };
	char out_dir[FR_LABELS_DIR_MAX + 1] = "";
	char rules_path[PATH_MAX] = "";
	cli_made made = { NULL, 0, 0 }; /* the folders made for out_dir */
	int code = FR_EXIT_OK, rc = 0;
	a.formats = defaults;

	int first = cli_parse(argc, argv, "classify", "--model DIR [--out DIR] [--format jsonl|csv] [--review N] [--review-task TASK] [--rules FILE] [--threads N] [--quiet] INPUT...",
	                      "Labels every paragraph of the inputs: .txt articles, .csv or .jsonl files,\n"
	                      "folders of them, or - (once) for JSON Lines on standard input. With - and no\n"
	                      "--out, the labels of every input go to standard output: JSON Lines, or with\n"
	                      "--format csv labels.csv's layout. A bad record is reported and skipped; the\n"
	                      "rest is labeled. review.csv holds the least certain paragraphs, to correct\n"
	                      "and train on (with - it is written only when --out is given).",
	                      classify_options, on_option, &a);
	if (first == -1)
		return FR_EXIT_OK;
	if (first < 0)
		return FR_EXIT_USAGE;
	if (a.model == NULL)
		return cli_failf(FR_EXIT_USAGE, "classify needs --model (see framer classify --help)");
	if (first >= argc)
		return cli_failf(FR_EXIT_USAGE, "classify needs at least one INPUT (see framer classify --help)");
	char *const *inputs = argv + first;
	size_t n_inputs = (size_t)(argc - first);
	/* Standard input reads once; with it, labels go where its records' do. */
	size_t n_stdin = 0;
	for (size_t i = 0; i < n_inputs; i++)
		n_stdin += strcmp(inputs[i], "-") == 0;
	if (n_stdin > 1)
		return cli_failf(FR_EXIT_USAGE, "- (standard input) is given more than once; give it once");
	int to_stdout = n_stdin == 1 && a.out == NULL;
	/* Standard output takes one format (--format is given once at most):
	 * JSON Lines, unless --format csv asks for labels.csv's layout. */
	int stdout_csv = a.format_given && a.formats.csv;
	fr_labels_options stream_format = { !stdout_csv, stdout_csv, 0, NULL };

	/* Paths that do not fit are refused, never cut short: a cut --out
	 * would write somewhere else, silently. */
	if (a.out && strlen(a.out) > FR_LABELS_DIR_MAX)
		return cli_failf(FR_EXIT_USAGE, "%s: --out folder name too long (%zu bytes, at most %d)", a.out,
		                 strlen(a.out), FR_LABELS_DIR_MAX);
	if (!to_stdout && a.out == NULL && default_out(out_dir, sizeof(out_dir), inputs[0]) != 0)
		return cli_failf(FR_EXIT_USAGE, "%s: name too long for an output folder; give --out", inputs[0]);
	if (a.out)
		memcpy(out_dir, a.out, strlen(a.out) + 1);
	if (!to_stdout && (code = cli_refuse_bundle_folder(out_dir, "--out")) != FR_EXIT_OK)
		return code;
	if (a.rules == NULL &&
	    fr_path_join(rules_path, sizeof(rules_path), cli_data_dir(), "boilerplate.rules") != 0)
		return cli_failf(FR_EXIT_USAGE, "%s: FRAMER_DATA folder name too long", cli_data_dir());

	double t0 = cli_now();
	memset(&t, 0, sizeof(t));
	if ((code = cli_load_model(&model, a.model)) != FR_EXIT_OK)
		goto done;
	if (a.formats.review_task && fr_model_task_index(model, a.formats.review_task) < 0) {
		/* Whole names, then how many more: one cut short would name a
		 * task the model does not have. (Names are ASCII, up to 64 bytes:
		 * no cut can split a character.) */
		char names[256] = "";
		size_t n = fr_model_task_count(model), shown = 0, used = 0;
		for (; shown < n; shown++) {
			const char *name = fr_model_task_name(model, shown);
			/* Room kept for ", and N more" unless this is the last. */
			if (used + 2 + strlen(name) + (shown + 1 < n ? 32 : 0) >= sizeof(names))
				break;
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", shown ? ", " : "", name);
		}
		if (shown < n)
			snprintf(names + used, sizeof(names) - used, ", and %zu more", n - shown);
		code = cli_failf(FR_EXIT_USAGE, "classify: --review-task '%.*s': the model's tasks are %s",
		                 cli_fit(a.formats.review_task, 64), a.formats.review_task, names);
		goto done;
	}
	rc = fr_boilerplate_load(&rules, a.rules ? a.rules : rules_path, &err);
	if (rc == FR_ENOTFOUND && a.rules == NULL) {
		rc = 0; /* no default rules installed: keep every block */
		fr_error_clear(&err);
	}
	if (rc < 0) {
		code = cli_fail(rc == FR_ENOTFOUND || rc == FR_EIO ? FR_EXIT_IO : FR_EXIT_DATA, &err);
		goto done;
	}
	rc = fr_corpus_open(&corpus, (const char *const *)inputs, n_inputs, rules, &err);
	if (rc < 0) {
		const char *named = error_path(&err, inputs, n_inputs);
		code = cli_fail(rc == FR_EINVALID || (rc == FR_ENOTFOUND && named[0] && access(named, F_OK) == 0)
		                    ? FR_EXIT_DATA : FR_EXIT_IO, &err);
		goto done;
	}
	if (to_stdout) {
		/* Into a pipe a megabyte at a time, not glibc's 4 KiB; a terminal
		 * keeps its lines. The buffer outlives main: exit flushes it. */
		static char stdout_buffer[1 << 20];
		if (!isatty(STDOUT_FILENO))
			setvbuf(stdout, stdout_buffer, _IOFBF, sizeof(stdout_buffer));
		rc = fr_labels_open_stream(&writer, stdout, model, &stream_format, &err);
	} else {
		cli_made_begin(&made, out_dir);
		rc = fr_labels_open(&writer, out_dir, model, &a.formats, &err);
		/* Refused: the folder is the other run's, even if it was not there
		 * when this one looked. */
		if (rc == FR_EBUSY)
			cli_made_end(&made, 0);
	}
	if (rc < 0) {
		code = cli_fail(FR_EXIT_IO, &err);
		goto done;
	}

	pr.problems = json_array();
	if (pr.problems == NULL || fr_run_tally_init(&t, model) < 0) {
		code = cli_failf(FR_EXIT_IO, "out of memory");
		goto done;
	}
	progress_t prog = { &pr, corpus, cli_now(), 0, !a.quiet && isatty(STDERR_FILENO) };
	if (!a.quiet)
		fr_corpus_on_file(corpus, on_file, &prog);
	fr_run_options ro = { a.threads ? a.threads : cli_cores(), note_problem,
	                      a.quiet ? NULL : on_progress, &prog };
	rc = fr_run_classify(corpus, model, writer, &ro, &t, &err);
	if (prog.tty)
		fputs("\r\033[K", stderr);
	if (rc < 0) {
		code = cli_fail(cli_exit_for(rc), &err);
		goto done;
	}
	const fr_corpus_stats *cs = fr_corpus_get_stats(corpus);
	size_t refused = cs->bad_records + t.failed + cs->bad_files;
	if (t.paragraphs == 0 && refused > 0) {
		/* Every input was refused: a failure, not an empty batch, and no
		 * reason to put empty outputs over an earlier run's. */
		code = cli_failf(FR_EXIT_DATA, "nothing labeled: every input with text was refused (bad records "
		                 "%zu, bad files %zu, reported above); no output written",
		                 cs->bad_records + t.failed, cs->bad_files);
		goto done;
	}
	warnings = drift_warnings(model, &t);
	summary = summary_json(model, &a, inputs, n_inputs, corpus, rules, &t, &pr, warnings);
	/* fr_labels_commit writes no summary.json for NULL, which "wrote ...
	 * summary.json" would then claim. */
	if (summary == NULL) {
		code = cli_failf(FR_EXIT_IO, "out of memory building summary.json");
		goto done;
	}
	rc = fr_labels_commit(writer, summary, &err);
	if (rc < 0) {
		code = cli_fail(FR_EXIT_IO, &err);
		goto done;
	}
	if (!a.quiet)
		print_summary(model, corpus, &t, to_stdout ? NULL : out_dir, &a.formats, warnings,
		              cli_now() - t0);
	else
		print_drift_warnings(warnings);
	if (!to_stdout)
		warn_earlier_outputs(out_dir, &a.formats);
done:
	fr_run_tally_dispose(&t);
	json_decref(pr.problems);
	json_decref(summary);
	json_decref(warnings);
	fr_labels_free(writer);
	cli_made_end(&made, code != FR_EXIT_OK);
	fr_corpus_free(corpus);
	fr_boilerplate_free(rules);
	fr_model_free(model);
	return code;
}
