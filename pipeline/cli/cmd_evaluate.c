#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../dataset.h"
#include "../model.h"
#include "../../eval/eval.h"

enum { OPT_MODEL = 1000, OPT_DATA };

static const cli_option evaluate_options[] = {
	{ "model", "DIR", OPT_MODEL, "model bundle to evaluate (required)" },
	{ "data", "FILE.csv", OPT_DATA, "labeled CSV with the model's task columns (required)" },
	{ NULL, NULL, 0, NULL }
};

typedef struct {
	const char *model, *data;
} evaluate_args;

static int on_option(void *ctx, int id, const char *arg)
{
	evaluate_args *a = ctx;
	if (id == OPT_MODEL)
		a->model = arg;
	else if (id == OPT_DATA)
		a->data = arg;
	else
		return -1;
	return 0;
}

int cmd_evaluate(int argc, char **argv)
{
	evaluate_args a = { 0 };
	fr_error err = FR_ERROR_INIT;
	fr_model *model = NULL;
	fr_model_work *work = NULL;
	fr_dataset ds;
	fr_task_result *results = NULL;
	fr_confusion *conf = NULL;
	int *task_col = NULL;
	int code = FR_EXIT_OK;
	fr_dataset_init(&ds);

	int first = cli_parse(argc, argv, "evaluate", "--model DIR --data FILE.csv",
	                      "Labels every row of a labeled CSV and compares with its labels:\n"
	                      "accuracy per task, on standard output.",
	                      evaluate_options, on_option, &a);
	if (first == -1)
		return FR_EXIT_OK;
	if (first < 0)
		return FR_EXIT_USAGE;
	if (first < argc || a.model == NULL || a.data == NULL)
		return cli_failf(FR_EXIT_USAGE, "evaluate needs --model and --data (see framer evaluate --help)");

	int rc = fr_model_load(&model, a.model, &err);
	if (rc < 0) {
		code = cli_fail(FR_EXIT_MODEL, &err);
		goto done;
	}
	size_t n_tasks = fr_model_task_count(model);
	const char **names = calloc(n_tasks, sizeof(*names));
	if (names == NULL) {
		code = cli_failf(FR_EXIT_IO, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < n_tasks; k++)
		names[k] = fr_model_task_name(model, k);
	/* Read only the model's tasks; a missing one is an error naming it. */
	rc = fr_dataset_load(&ds, a.data, names, n_tasks, &err);
	free(names);
	if (rc < 0) {
		code = cli_fail(rc == FR_ENOTFOUND && err.line == 0 ? FR_EXIT_IO : FR_EXIT_DATA, &err);
		goto done;
	}
	rc = fr_model_work_new(&work, model, &err);
	results = calloc(n_tasks, sizeof(*results));
	conf = calloc(n_tasks, sizeof(*conf));
	if (rc < 0 || results == NULL || conf == NULL) {
		code = rc < 0 ? cli_fail(FR_EXIT_MODEL, &err) : cli_failf(FR_EXIT_IO, "out of memory");
		goto done;
	}
	for (size_t k = 0; k < n_tasks; k++)
		fr_confusion_init(&conf[k], fr_model_label_count(model, k));
	for (size_t r = 0; r < ds.n_rows; r++) {
		rc = fr_model_label(model, work, ds.texts[r], ds.text_lens[r], results, NULL, &err);
		if (rc < 0) {
			code = cli_fail(cli_exit_for(rc), &err);
			goto done;
		}
		for (size_t k = 0; k < n_tasks; k++) {
			const char *truth = ds.labels[k][r];
			if (truth == NULL)
				continue;
			int t = fr_model_label_index(model, k, truth);
			if (t < 0) {
				code = cli_failf(FR_EXIT_DATA, "%s:%zu: label '%s' of task '%s' is not one the model knows",
				                 a.data, ds.lines[r], truth, fr_model_task_name(model, k));
				goto done;
			}
			fr_confusion_add(&conf[k], (size_t)t, (size_t)results[k].label);
		}
	}
	printf("%s on %s: %zu rows\n", a.model, a.data, ds.n_rows);
	for (size_t k = 0; k < n_tasks; k++)
		printf("  %-10s accuracy %.4f (%zu of %zu)\n", fr_model_task_name(model, k),
		       fr_confusion_accuracy(&conf[k]), fr_confusion_correct(&conf[k]),
		       fr_confusion_total(&conf[k]));
done:
	free(task_col);
	if (conf && model)
		for (size_t k = 0; k < fr_model_task_count(model); k++)
			fr_confusion_dispose(&conf[k]);
	free(conf);
	free(results);
	fr_model_work_free(work);
	fr_model_free(model);
	fr_dataset_dispose(&ds);
	return code;
}
