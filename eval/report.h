#ifndef FR_REPORT_H
#define FR_REPORT_H

#include <stddef.h>

#include "dataset.h"
#include "fr_error.h"
#include "model.h"

struct json_t;

/* The evaluation report: a model scored on a held-out labeled CSV, beside a
 * majority-class baseline, with cross-validation on the training data
 * grouped by document. The report is a JSON object (layout in render.h);
 * report.md and report.html are rendered from it. */
typedef struct fr_report_options {
	size_t cv_folds;   /* 0 or 1: no cross-validation */
	size_t n_mistakes; /* most confident mistakes listed per task */
	size_t n_terms;    /* telling terms listed per label */
} fr_report_options;

#define FR_REPORT_OPTIONS_INIT { 5, 10, 10 }

/* Builds the report of model m (loaded from model_path) on test. With
 * cross-validation, train is the labeled CSV the folds are drawn from and cfg
 * the config each fold is trained with; both may be NULL without it.
 * Progress goes to log. */
int fr_report_build(struct json_t **out, const fr_model *m, const char *model_path,
                    const fr_dataset *test, const fr_dataset *train,
                    const fr_model_config *cfg, const fr_report_options *opts,
                    fr_log_fn log, void *payload, fr_error *err);

/* Writes report.json, report.md and report.html into dir (created when
 * needed) as one set: all three go to temporary files in dir first, and
 * the old files are replaced (renamed over) only once all three are
 * written and synced. Another run writing into dir is waited for
 * (fr_dir_lock), so the set is never two runs' mixed. On a failed write the temporaries are removed and
 * the old set is left as it was; FR_EIO with err naming the file. */
int fr_report_write(const struct json_t *report, const char *dir, fr_error *err);

#endif
