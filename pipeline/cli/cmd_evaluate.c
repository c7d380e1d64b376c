#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "../dataset.h"
#include "../jsonl.h"
#include "../model.h"
#include "../sha256.h"
#include "../strmap.h"
#include "../../eval/report.h"

enum { OPT_MODEL = 1000, OPT_DATA, OPT_CV, OPT_TRAIN, OPT_REPORT, OPT_QUIET };

static const cli_option evaluate_options[] = {
	{ "model", "DIR", OPT_MODEL, "model bundle to evaluate (required)", 0 },
	{ "data", "FILE.csv", OPT_DATA, "held-out labeled CSV with the model's task columns (required)", 0 },
	{ "cv", "K", OPT_CV, "K-fold cross-validation on the training data, grouped by document (default: 0, none; make report uses 5)", 0 },
	{ "train", "FILE.csv", OPT_TRAIN, "training data for --cv; repeat it for a base and its corrections, read as train reads them (default: the files the model was trained on)", 1 },
	{ "report", "DIR", OPT_REPORT, "write report.json, report.md and report.html here (default: print a summary)", 0 },
	{ "quiet", NULL, OPT_QUIET, "print errors and warnings only", 0 },
	{ NULL, NULL, 0, NULL, 0 }
};

#define MAX_TRAIN 64

typedef struct {
	const char *model, *data, *report;
	const char *train[MAX_TRAIN];
	size_t n_train;
	size_t cv;
	int quiet;
} evaluate_args;

static int on_option(void *ctx, int id, const char *arg)
{
	evaluate_args *a = ctx;
	switch (id) {
	case OPT_MODEL: a->model = arg; break;
	case OPT_DATA: a->data = arg; break;
	case OPT_TRAIN: return cli_add_repeated(a->train, &a->n_train, MAX_TRAIN, "--train", arg);
	case OPT_REPORT: a->report = arg; break;
	case OPT_QUIET: a->quiet = 1; break;
	case OPT_CV:
		if (cli_parse_size(arg, &a->cv) != 0 || a->cv == 1 || a->cv > 64) {
			cli_failf(FR_EXIT_USAGE, "--cv takes 0 (none) or a number of folds from 2 to 64, not '%s'", arg);
			return -1;
		}
		break;
	default: return -1;
	}
	return 0;
}

static void log_line(void *payload, const char *message)
{
	const evaluate_args *a = payload;
	if (!a->quiet)
		cli_say("%s", message);
}

/* Loads the model's tasks from labeled CSVs, later files over earlier
 * ones as train reads them. */
static int load_tasks(fr_dataset *ds, const fr_model *m, const char *const *paths, size_t n_paths,
                      fr_error *err)
{
	size_t n_tasks = fr_model_task_count(m);
	const char **names = calloc(n_tasks, sizeof(*names));
	if (names == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t k = 0; k < n_tasks; k++)
		names[k] = fr_model_task_name(m, k);
	int rc = fr_dataset_load_files(ds, paths, n_paths, names, n_tasks, err);
	free(names);
	return rc;
}

/* Loads the test file for the model's tasks. A task without a column in
 * it is not scored, as one whose column is empty is not, and is warned
 * about: a test file of some of the tasks is a fair test of those. */
static int load_test(fr_dataset *ds, const fr_model *m, const char *path, fr_error *err)
{
	size_t n_tasks = fr_model_task_count(m);
	const char **names = calloc(n_tasks + 1, sizeof(*names));
	unsigned char *missing = calloc(n_tasks + 1, 1);
	int rc = names && missing ? 0 : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t k = 0; rc == 0 && k < n_tasks; k++)
		names[k] = fr_model_task_name(m, k);
	if (rc == 0)
		rc = fr_dataset_load_test(ds, path, names, n_tasks, missing, err);
	for (size_t k = 0; rc == 0 && k < n_tasks; k++) {
		if (!missing[k])
			continue;
		cli_warnf("%s:1: no '%s' column: task '%s' is not scored%s", path, names[k], names[k],
		          missing[k] == FR_DATASET_NEAR_COLUMN
		              ? " (a column is named so but for its case or a space around it: names are exact)" : "");
	}
	/* Scored against the model's own predictions, a model looks perfect;
	 * only labels a person checked make a test. */
	if (rc == 0 && ds->framer_output)
		cli_warnf("%s: has the columns of framer's %s: its labels are a model's predictions unless "
		          "every row was checked, and scoring a model against its own flatters it", path,
		          ds->framer_output);
	free(names);
	free(missing);
	return rc;
}

/* The files the model was trained on, in order, from model.json: its
 * data_files (a base and its corrections), or its one data file (bundles
 * from before corrections), with the sha256 recorded for each (NULL where
 * none is). Returns how many, 0 when it names none. */
static size_t model_training_files(const fr_model *m, const char **paths, const char **shas, size_t max)
{
	const json_t *training = json_object_get(fr_model_manifest(m), "training");
	const json_t *files = json_object_get(training, "data_files");
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(files) && n < max; i++) {
		const json_t *f = json_array_get(files, i);
		if (json_string_value(json_object_get(f, "path")) == NULL)
			continue;
		shas[n] = json_string_value(json_object_get(f, "sha256"));
		paths[n++] = json_string_value(json_object_get(f, "path"));
	}
	if (n == 0 && json_string_value(json_object_get(training, "data"))) {
		shas[n] = json_string_value(json_object_get(training, "data_sha256"));
		paths[n++] = json_string_value(json_object_get(training, "data"));
	}
	return n;
}

/* How many test rows have a text the model was trained on, whose scores
 * are then not held-out (a test file given as training data, or test rows
 * pasted into a corrections file); *first_line is the first such row's.
 * Training rows without a label for the model's tasks, or without a word
 * in its vocabulary, were left out of training and do not count. Read
 * from the training files model.json names, when every one is still what
 * it was (the same sha256), or from `loaded`, those files as --cv read
 * them. -1 when it cannot be told, with why (a clause for the report) in
 * why_out. */
static long rows_in_training(const fr_model *m, const fr_dataset *test, const fr_dataset *loaded,
                             size_t *first_line, char *why_out, size_t why_size)
{
	const char *paths[MAX_TRAIN], *shas[MAX_TRAIN];
	size_t n = model_training_files(m, paths, shas, MAX_TRAIN);
	if (n == 0) {
		snprintf(why_out, why_size, "model.json does not name the files the model was trained on");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char sha[65] = "";
		if (shas[i] == NULL)
			snprintf(why_out, why_size, "model.json records no sha256 for its training file '%s'", paths[i]);
		else if (fr_sha256_file(paths[i], sha, NULL) < 0)
			snprintf(why_out, why_size, "model.json's training file '%s' cannot be read from here, "
			         "perhaps a path relative to where the model was trained", paths[i]);
		else if (strcmp(sha, shas[i]) != 0)
			snprintf(why_out, why_size, "the training file '%s' has changed since the model was trained: "
			         "its sha256 is not the one model.json records", paths[i]);
		else
			continue;
		return -1;
	}
	fr_dataset own;
	fr_dataset_init(&own);
	fr_error ignored = FR_ERROR_INIT;
	const fr_dataset *train = loaded;
	if (train == NULL && load_tasks(&own, m, paths, n, &ignored) == 0)
		train = &own;
	fr_strmap *texts = NULL;
	fr_model_work *w = NULL;
	fr_task_result *res = calloc(fr_model_task_count(m), sizeof(*res));
	long found = -1;
	snprintf(why_out, why_size, "the training files could not be read again");
	if (train != NULL && res != NULL && fr_model_work_new(&w, m, &ignored) == 0 &&
	    fr_strmap_new(&texts, train->n_rows, &ignored) == 0) {
		uint32_t id = 0;
		found = 0;
		for (size_t r = 0; found == 0 && r < train->n_rows; r++) {
			int labeled = 0;
			for (size_t t = 0; t < train->n_tasks; t++)
				labeled |= train->labels[t][r] != NULL;
			if (labeled && fr_strmap_intern(texts, train->texts[r], train->text_lens[r], &id) < 0)
				found = -1;
		}
		for (size_t r = 0; found >= 0 && r < test->n_rows; r++) {
			if (fr_strmap_find(texts, test->texts[r], test->text_lens[r]) < 0)
				continue;
			/* The same text gives the same vector: an empty one was not
			 * trained on (fr_model_train). */
			if (fr_model_label(m, w, test->texts[r], test->text_lens[r], res, NULL, &ignored) == 0 &&
			    fr_model_work_vector(w)[0].index == -1)
				continue;
			if (found++ == 0)
				*first_line = test->lines[r];
		}
	}
	fr_strmap_free(texts);
	fr_model_work_free(w);
	free(res);
	fr_dataset_dispose(&own);
	return found;
}

/* The training file model.json records with the same sha256 as the test
 * file (its path as recorded), or NULL. Told even when the training files
 * cannot be read from here: the test rows are then training rows. */
static const char *test_is_training_file(const fr_model *m, const char *test_path)
{
	const char *paths[MAX_TRAIN], *shas[MAX_TRAIN];
	size_t n = model_training_files(m, paths, shas, MAX_TRAIN);
	char sha[65] = "";
	if (n == 0 || fr_sha256_file(test_path, sha, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (shas[i] != NULL && strcmp(sha, shas[i]) == 0)
			return paths[i];
	return NULL;
}

/* A test label the model was not trained on can never be predicted: its
 * rows count as errors (the report flags the label). Said once per label,
 * with its first line, as it is more often a typo than a new label. */
static void warn_unknown_labels(const fr_model *m, const fr_dataset *ds)
{
	for (size_t t = 0; t < ds->n_tasks; t++) {
		fr_strmap *seen = NULL;
		int task = fr_model_task_index(m, ds->tasks[t]);
		if (task < 0 || fr_strmap_new(&seen, 16, NULL) < 0)
			continue;
		int multilabel = fr_model_task_multilabel(m, (size_t)task);
		for (size_t r = 0; r < ds->n_rows; r++) {
			const char *cell = ds->labels[t][r], *label;
			size_t len = 0;
			/* Each label of a multi-label task's cell; a whole cell otherwise. */
			while ((label = fr_label_next(&cell, &len)) != NULL) {
				if (!multilabel)
					len = strlen(label);
				char name[256];
				uint32_t id = 0;
				snprintf(name, sizeof(name), "%.*s", (int)(len < 255 ? len : 255), label);
				if (fr_model_label_index(m, (size_t)task, name) < 0 &&
				    fr_strmap_intern(seen, label, len, &id) == 1) {
					cli_warnf("%s:%zu: task '%s': label '%.*s' is not one the model knows; %s", ds->path,
					          ds->lines[r], ds->tasks[t], cli_fit(name, 64), name,
					          multilabel ? "it counts as missed" : "its rows count as errors");
				}
				if (!multilabel)
					break;
			}
		}
		fr_strmap_free(seen);
	}
}

static void print_summary(const json_t *report)
{
	const char *key;
	json_t *t;
	json_object_foreach(json_object_get(report, "tasks"), key, t) {
		/* A task is a column name, which may hold anything a CSV cell does. */
		char task[512];
		cli_escape(task, sizeof(task), key);
		const json_t *test = json_object_get(t, "test"), *base = json_object_get(t, "baseline");
		if (json_is_false(json_object_get(test, "scored")))
			printf("%-10s not scored: no test row has a label for it", task);
		else if (json_is_true(json_object_get(t, "multilabel")))
			printf("%-10s multi-label: subset accuracy %.3f  Hamming loss %.3f  micro-F1 %.3f  macro-F1 %.3f"
			       "  (baseline: subset accuracy %.3f, macro-F1 %.3f)", task,
			       json_number_value(json_object_get(test, "subset_accuracy")),
			       json_number_value(json_object_get(test, "hamming_loss")),
			       json_number_value(json_object_get(json_object_get(test, "micro"), "f1")),
			       json_number_value(json_object_get(json_object_get(test, "macro"), "f1")),
			       json_number_value(json_object_get(base, "accuracy")),
			       json_number_value(json_object_get(json_object_get(base, "macro"), "f1")));
		else
			printf("%-10s accuracy %.3f  macro-F1 %.3f  (majority baseline: accuracy %.3f, macro-F1 %.3f)",
		       task, json_number_value(json_object_get(test, "accuracy")),
		       json_number_value(json_object_get(json_object_get(test, "macro"), "f1")),
		       json_number_value(json_object_get(base, "accuracy")),
		       json_number_value(json_object_get(json_object_get(base, "macro"), "f1")));
		const json_t *cv = json_object_get(t, "cv");
		if (cv && json_is_object(json_object_get(json_object_get(cv, "mean"), "macro")))
			printf("  cv macro-F1 %.3f ± %.3f",
			       json_number_value(json_object_get(json_object_get(json_object_get(cv, "mean"), "macro"), "f1")),
			       json_number_value(json_object_get(json_object_get(json_object_get(cv, "std"), "macro"), "f1")));
		putchar('\n');
	}
}

int cmd_evaluate(int argc, char **argv)
{
	evaluate_args a = { 0 };
	fr_error err = FR_ERROR_INIT;
	fr_model *model = NULL;
	fr_dataset test, train;
	fr_model_config cfg;
	fr_report_options opts = FR_REPORT_OPTIONS_INIT;
	json_t *report = NULL;
	int code = FR_EXIT_OK, rc = 0;
	fr_dataset_init(&test);
	fr_dataset_init(&train);
	memset(&cfg, 0, sizeof(cfg));

	int first = cli_parse(argc, argv, "evaluate", "--model DIR --data FILE.csv [--cv K] [--train FILE.csv]... [--report DIR] [--quiet]",
	                      "Scores a model on held-out labeled data, beside a majority-class baseline:\n"
	                      "precision, recall and F1 per label, averages, confusion, confidence\n"
	                      "thresholds, telling terms and the most confident mistakes; with --cv,\n"
	                      "cross-validation on the training data grouped by document.",
	                      evaluate_options, on_option, &a);
	if (first == -1)
		return FR_EXIT_OK;
	if (first < 0)
		return FR_EXIT_USAGE;
	if (first < argc)
		return cli_failf(FR_EXIT_USAGE, "evaluate takes no positional arguments ('%s'): the test file goes after --data "
		                 "(see framer evaluate --help)", argv[first]);
	if (a.model == NULL || a.data == NULL)
		return cli_failf(FR_EXIT_USAGE, "evaluate needs --model and --data (see framer evaluate --help)");
	/* Training files with nothing to cross-validate them would be ignored. */
	if (a.n_train > 0 && a.cv < 2)
		return cli_failf(FR_EXIT_USAGE, "--train goes with --cv K (the data to cross-validate)");

	/* The report's files beside a model.json would make the folder a
	 * bundle with strangers in it, which train then refuses to replace. */
	if (a.report && (code = cli_refuse_bundle_folder(a.report, "--report")) != FR_EXIT_OK)
		return code;
	if ((code = cli_load_model(&model, a.model)) != FR_EXIT_OK)
		goto done;
	rc = load_test(&test, model, a.data, &err);
	if (rc < 0) {
		code = cli_fail(cli_exit_for_load(rc, &err), &err);
		goto done;
	}
	size_t labeled = 0;
	for (size_t t = 0; t < test.n_tasks; t++)
		for (size_t r = 0; r < test.n_rows; r++)
			labeled += test.labels[t][r] != NULL;
	if (labeled == 0) {
		/* Scores of 0 would read as a model that got everything wrong. */
		fr_error_set(&err, FR_EFORMAT, a.data, 0, "nothing to score: no row has a label for the "
		             "model's tasks (the label cells are all empty)");
		code = cli_fail(FR_EXIT_DATA, &err);
		goto done;
	}
	warn_unknown_labels(model, &test);
	if (a.cv >= 2) {
		const char *from_model[MAX_TRAIN], *from_model_shas[MAX_TRAIN];
		const char *const *paths = a.train;
		size_t n_paths = a.n_train;
		if (n_paths == 0) {
			n_paths = model_training_files(model, from_model, from_model_shas, MAX_TRAIN);
			paths = from_model;
		}
		rc = fr_model_config_init(&cfg, NULL, &err);
		if (rc == 0)
			rc = fr_model_config_from_model(&cfg, model, &err);
		if (rc < 0) {
			code = cli_fail(FR_EXIT_MODEL, &err);
			goto done;
		}
		if (n_paths == 0)
			rc = fr_error_set(&err, FR_ENOTFOUND, a.model, 0, "the model does not say what it was trained on: give --train");
		/* model.json records the paths as given to train, often relative
		 * to the folder it was trained in. */
		for (size_t i = 0; rc == 0 && a.n_train == 0 && i < n_paths; i++)
			if (access(paths[i], R_OK) != 0)
				rc = fr_error_set(&err, FR_ENOTFOUND, paths[i], 0,
				                  "cannot read the training data the model names (%s; a path relative to "
				                  "where it was trained?): give --train FILE.csv", strerror(errno));
		if (rc == 0)
			rc = load_tasks(&train, model, paths, n_paths, &err);
		if (rc < 0) {
			code = cli_fail(cli_exit_for_load(rc, &err), &err);
			goto done;
		}
		/* A training file edited since is read as it is now: the figures
		 * are still a cross-validation, of other data. A warning and the
		 * report's note, not a failure: the file is good data, and --train
		 * names the same file to say it is meant. */
		for (size_t i = 0; a.n_train == 0 && i < n_paths; i++) {
			char sha[65] = "";
			if (from_model_shas[i] == NULL || fr_sha256_file(paths[i], sha, NULL) < 0 ||
			    strcmp(sha, from_model_shas[i]) == 0)
				continue;
			cli_warnf("%s: changed since the model was trained (its sha256 is not the one model.json "
			          "records): the cross-validation is not on the data the model was trained on", paths[i]);
		}
	}
	size_t overlap_line = 0;
	char overlap_why[1024] = "";
	/* --cv has read the model's own training files unless --train named others. */
	long overlap = rows_in_training(model, &test, a.cv >= 2 && a.n_train == 0 ? &train : NULL, &overlap_line,
	                                overlap_why, sizeof(overlap_why));
	const char *same_file = test_is_training_file(model, a.data);
	if (same_file != NULL && overlap < 0) {
		/* Every row the test file has, training read too. */
		overlap = 0;
		for (size_t r = 0; r < test.n_rows; r++) {
			int has_label = 0;
			for (size_t t = 0; t < test.n_tasks; t++)
				has_label |= test.labels[t][r] != NULL;
			if (has_label && overlap++ == 0)
				overlap_line = test.lines[r];
		}
	}
	if (same_file != NULL) {
		cli_warnf("%s: the test file is the model's training file '%s' (the sha256 model.json records): "
		          "its scores are not held-out", a.data, same_file);
	} else if (overlap > 0) {
		cli_warnf("%s:%zu: %ld of the %zu test rows (this one first) have a text the model was trained on: "
		          "their scores are not held-out", a.data, overlap_line, overlap, test.n_rows);
	}
	opts.cv_folds = a.cv;
	rc = fr_report_build(&report, model, a.model, &test, a.cv >= 2 ? &train : NULL, &cfg, &opts,
	                     log_line, &a, &err);
	if (rc < 0) {
		code = cli_fail(cli_exit_for(rc), &err);
		goto done;
	}
	/* null: the training files are gone or changed since, so it is not
	 * known; the report says why rather than call the rows held-out. */
	json_t *data = json_object_get(report, "data");
	json_object_set_new(data, "rows_in_training", overlap >= 0 ? json_integer(overlap) : json_null());
	if (overlap < 0)
		json_object_set_new(data, "rows_in_training_unknown", fr_json_text(overlap_why));
	if (same_file != NULL)
		json_object_set_new(data, "training_file", fr_json_text(same_file));
	if (a.report) {
		/* No report, and no empty folders made for one. */
		cli_made made;
		cli_made_begin(&made, a.report);
		rc = fr_report_write(report, a.report, &err);
		cli_made_end(&made, rc < 0);
		if (rc < 0) {
			code = cli_fail(FR_EXIT_IO, &err);
			goto done;
		}
		if (!a.quiet)
			cli_say("wrote %s/report.md, report.html, report.json", a.report);
	}
	if (!a.quiet || !a.report)
		print_summary(report);
done:
	json_decref(report);
	fr_model_free(model);
	fr_dataset_dispose(&test);
	fr_dataset_dispose(&train);
	fr_model_config_dispose(&cfg);
	return code;
}
