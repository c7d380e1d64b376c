#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../dataset.h"
#include "../model.h"
#include "../tune.h"

#include <jansson.h>

enum { OPT_DATA = 1000, OPT_MODEL, OPT_TASK, OPT_CONFIG, OPT_TUNE, OPT_TUNE_FOR, OPT_TUNE_TASK, OPT_QUIET, OPT_VERBOSE };

static const cli_option train_options[] = {
	{ "data", "FILE.csv", OPT_DATA, "labeled CSV: a text column and one column per task (required); "
	  "repeat for corrections: a later row with the same id overrides an earlier one, cell by non-empty cell", 1 },
	{ "model", "DIR", OPT_MODEL, "model bundle to write, e.g. models/default (required)", 0 },
	{ "task", "COL", OPT_TASK, "a label column to train; repeat for more (default: every label column)", 1 },
	{ "config", "FILE.json", OPT_CONFIG, "training config (default: english, 1-2 grams, min_df 2, linear C=0.5, balanced)", 0 },
	{ "tune", NULL, OPT_TUNE, "search C, class weight, stop words, min_df, word and character n-grams by 5-fold "
	  "cross-validation grouped by document (repeated 3 times under 2,000 rows), on every core, "
	  "and train with the best; the config's own setting is one of the candidates", 0 },
	{ "tune-for", "LABEL", OPT_TUNE_FOR, "with --tune: optimize LABEL's F1 (default: macro-F1, the mean over tasks)", 0 },
	{ "tune-task", "TASK", OPT_TUNE_TASK, "with --tune: score the search on TASK only (default: every task)", 0 },
	{ "quiet", NULL, OPT_QUIET, "print errors and warnings only", 0 },
	{ "verbose", NULL, OPT_VERBOSE, "also print each training step", 0 },
	{ NULL, NULL, 0, NULL, 0 }
};

#define MAX_TASKS 16
#define MAX_DATA 64

typedef struct {
	const char *data[MAX_DATA];
	size_t n_data;
	const char *model, *config, *tune_for, *tune_task;
	int tune;
	const char *tasks[MAX_TASKS];
	size_t n_tasks;
	int quiet, verbose;
} train_args;

static int on_option(void *ctx, int id, const char *arg)
{
	train_args *a = ctx;
	switch (id) {
	case OPT_DATA: return cli_add_repeated(a->data, &a->n_data, MAX_DATA, "--data", arg);
	case OPT_MODEL: a->model = arg; break;
	case OPT_CONFIG: a->config = arg; break;
	case OPT_TUNE: a->tune = 1; break;
	case OPT_TUNE_FOR: a->tune_for = arg; break;
	case OPT_TUNE_TASK: a->tune_task = arg; break;
	case OPT_QUIET: a->quiet = 1; break;
	case OPT_VERBOSE: a->verbose = 1; break;
	case OPT_TASK:
		if (a->n_tasks == MAX_TASKS) {
			cli_failf(FR_EXIT_USAGE, "at most %d --task options", MAX_TASKS);
			return -1;
		}
		a->tasks[a->n_tasks++] = arg;
		break;
	default: return -1;
	}
	return 0;
}

static void log_line(void *payload, const char *message)
{
	const train_args *a = payload;
	/* Warnings always show; steps only with --verbose, so that a failed
	 * training prints its one error line and nothing else. */
	if (a->verbose || strncmp(message, "warning:", 8) == 0)
		cli_say("%s", message);
}

/* Corrections given before the base (--data corrections.csv --data
 * train.csv): the base's rows win and the corrections are lost, with
 * nothing to show for it but a count. A file in review.csv's or
 * labels.csv's layout is framer's output, so corrections or predictions;
 * a plain labeled file replacing its rows is most likely that mistake. */
static void warn_outputs_replaced(const fr_dataset *ds)
{
	if (ds->outputs_replaced.rows == 0)
		return;
	cli_warnf("%s:%zu: replaces the row with its id from %s, which has %s's layout and comes before it "
	          "(%zu row%s so replaced in all): a later --data file's rows win, so if those were corrections "
	          "they are lost; give corrections last (--data %s --data %s)",
	          ds->paths[ds->outputs_replaced.file], ds->outputs_replaced.line,
	          ds->paths[ds->outputs_replaced.of_file], ds->outputs_replaced.layout, ds->outputs_replaced.rows,
	          ds->outputs_replaced.rows == 1 ? "" : "s",
	          ds->paths[ds->outputs_replaced.file], ds->paths[ds->outputs_replaced.of_file]);
}

int cmd_train(int argc, char **argv)
{
	train_args a = { 0 };
	fr_error err = FR_ERROR_INIT;
	fr_dataset ds;
	fr_model_config cfg;
	fr_model *model = NULL;
	json_t *tuning = NULL;
	int code = FR_EXIT_OK;
	fr_dataset_init(&ds);
	memset(&cfg, 0, sizeof(cfg));

	int first = cli_parse(argc, argv, "train", "--data FILE.csv [--data MORE.csv]... --model DIR [--task COL]... [--config FILE.json] [--tune [--tune-for LABEL] [--tune-task TASK]] [--quiet|--verbose]",
	                      "Trains one classifier per task and writes the model bundle atomically:\n"
	                      "a failed training leaves the previous bundle as it was.",
	                      train_options, on_option, &a);
	if (first == -1)
		return FR_EXIT_OK;
	if (first < 0)
		return FR_EXIT_USAGE;
	if (first < argc)
		return cli_failf(FR_EXIT_USAGE, "train takes no positional arguments ('%s')", argv[first]);
	if (a.n_data == 0 || a.model == NULL)
		return cli_failf(FR_EXIT_USAGE, "train needs --data and --model (see framer train --help)");
	for (size_t t = 0; t < a.n_tasks; t++)
		for (size_t u = 0; u < t; u++)
			if (strcmp(a.tasks[t], a.tasks[u]) == 0)
				return cli_failf(FR_EXIT_USAGE, "--task %s is given twice", a.tasks[t]);
	if (a.quiet && a.verbose)
		return cli_failf(FR_EXIT_USAGE, "--quiet and --verbose contradict each other: give one");
	if ((a.tune_for || a.tune_task) && !a.tune)
		return cli_failf(FR_EXIT_USAGE, "--tune-for and --tune-task go with --tune");

	double t0 = cli_now();
	/* Before the data is read: a wrong --model must not cost a training run. */
	int rc = fr_model_check_target(a.model, &err);
	if (rc < 0) {
		code = cli_fail(FR_EXIT_IO, &err);
		goto done;
	}
	rc = fr_model_config_init(&cfg, cli_data_dir(), &err);
	if (rc == 0 && a.config)
		rc = fr_model_config_load(&cfg, a.config, &err);
	if (rc < 0) {
		/* A config that cannot be read is an I/O failure, one that is
		 * not a config bad data. */
		code = cli_fail(cli_exit_for_load(rc, &err), &err);
		goto done;
	}
	rc = fr_dataset_load_files(&ds, a.data, a.n_data, a.n_tasks ? a.tasks : NULL, a.n_tasks, &err);
	if (rc < 0) {
		code = cli_fail(cli_exit_for_load(rc, &err), &err);
		goto done;
	}
	if (a.tune) {
		fr_tune_options to = FR_TUNE_OPTIONS_INIT;
		to.target = a.tune_for;
		to.task = a.tune_task;
		double t1 = cli_now();
		rc = fr_tune(&cfg, &ds, &to, &tuning, log_line, &a, &err);
		if (rc < 0) {
			code = cli_fail(cli_exit_for(rc), &err);
			goto done;
		}
		if (!a.quiet) {
			const json_t *chosen = json_object_get(tuning, "chosen");
			const json_t *def = json_object_get(tuning, "default");
			const json_t *chars = json_object_get(chosen, "char_ngrams");
			fprintf(stderr, "framer: tuned in %.1f s (%zu points): %s point, C %g, class_weight %s, solver %s, "
			        "stop words %s, min_df %g, ngram_range [%lld, %lld], char_ngrams ", cli_now() - t1,
			        json_array_size(json_object_get(tuning, "points")),
			        json_string_value(json_object_get(chosen, "stage")),
			        json_number_value(json_object_get(chosen, "C")),
			        json_string_value(json_object_get(chosen, "class_weight")),
			        json_string_value(json_object_get(chosen, "solver")),
			        json_is_true(json_object_get(chosen, "stopwords")) ? "yes" : "no",
			        json_number_value(json_object_get(chosen, "min_df")),
			        (long long)json_integer_value(json_array_get(json_object_get(chosen, "ngram_range"), 0)),
			        (long long)json_integer_value(json_array_get(json_object_get(chosen, "ngram_range"), 1)));
			if (json_is_array(chars))
				fprintf(stderr, "[%lld, %lld]", (long long)json_integer_value(json_array_get(chars, 0)),
				        (long long)json_integer_value(json_array_get(chars, 1)));
			else
				fputs("null", stderr);
			fprintf(stderr, ": cross-validated %s %.4f (one fold's std %.4f); the config's own point %.4f",
			        json_string_value(json_object_get(tuning, "objective")),
			        json_number_value(json_object_get(chosen, "mean")),
			        json_number_value(json_object_get(chosen, "std")),
			        json_number_value(json_object_get(def, "mean")));
			const json_t *sel = json_object_get(tuning, "selection");
			const json_t *top = json_object_get(sel, "best_mean");
			if (top && !json_equal((json_t *)top, (json_t *)chosen))
				fprintf(stderr, "; the best, %.4f, led it by less than one standard error of their fold "
				        "differences (%.4f), so the config's own point stays",
				        json_number_value(json_object_get(top, "mean")),
				        json_number_value(json_object_get(sel, "gain_se")));
			fputc('\n', stderr);
		}
	}
	rc = fr_model_train(&model, &ds, &cfg, NULL, 0, log_line, &a, &err);
	if (rc < 0) {
		code = cli_fail(cli_exit_for(rc), &err);
		goto done;
	}
	if (tuning) {
		rc = fr_model_set_tuning(model, tuning, &err);
		tuning = NULL;
		if (rc < 0) {
			code = cli_fail(cli_exit_for(rc), &err);
			goto done;
		}
	}
	/* The bundle's parent folders are made for it: a failed save takes
	 * them away again, as classify does its --out's. */
	cli_made made;
	cli_made_begin(&made, a.model);
	rc = fr_model_save(model, a.model, &err);
	cli_made_end(&made, rc < 0);
	if (rc < 0) {
		code = cli_fail(FR_EXIT_IO, &err);
		goto done;
	}
	/* Said once the bundle is written: a failed run prints its one line. */
	warn_outputs_replaced(&ds);
	if (!a.quiet) {
		fputs("framer: ", stderr);
		cli_put_escaped(stderr, a.data[0]);
		/* The rows trained on: both kinds left out are counted apart. */
		size_t wordless = fr_model_rows_without_words(model);
		fprintf(stderr, "%s: %zu rows (%zu with empty text and %zu with no known word left out",
		        a.n_data > 1 ? " and corrections" : "", ds.n_rows - wordless, ds.empty_texts, wordless);
		if (a.n_data > 1)
			fprintf(stderr, ", %zu overridden and %zu added by later files", ds.overridden, ds.added);
		fprintf(stderr, "), %zu features\n", fr_tfidf_feature_count(fr_model_vectorizer(model)));
		for (size_t t = 0; t < fr_model_task_count(model); t++) {
			fputs("framer:   ", stderr);
			for (size_t w = cli_put_escaped(stderr, fr_model_task_name(model, t)); w < 8; w++)
				fputc(' ', stderr);
			for (size_t l = 0; l < fr_model_label_count(model, t); l++) {
				fputc(' ', stderr);
				cli_put_escaped(stderr, fr_model_label_name(model, t, l));
				fprintf(stderr, " %zu", fr_model_label_support(model, t, l));
			}
			fputc('\n', stderr);
		}
		cli_say("wrote %s in %.2f s", a.model, cli_now() - t0);
	}
done:
	json_decref(tuning);
	fr_model_free(model);
	fr_dataset_dispose(&ds);
	fr_model_config_dispose(&cfg);
	return code;
}
