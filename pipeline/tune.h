#ifndef FR_TUNE_H
#define FR_TUNE_H

#include <stddef.h>

#include "dataset.h"
#include "fr_error.h"
#include "model.h"

struct json_t;

/* Hyperparameter search for `framer train --tune`: K-fold cross-validation
 * grouped by document (fr_cv_folds, stratified by the first tuned task) over
 * the full grid
 *   vectorizer   min_df {1, 2} x ngram_range {[1,1], [1,2]} x char_ngrams {null, [2,5]}
 *   classifier   class_weight {none, balanced} x C {2^-2 .. 2^4}
 * (8 x 14 = 112 points). Each vectorizer setting is fitted once per fold
 * (on the fold's training rows only) and its vectors serve all 14
 * classifier points. Every fit uses LIBLINEAR: libsvm's time grows with the
 * square of the rows and with the density character n-grams bring, which a
 * search of hundreds of fits cannot afford; the tuned model uses LIBLINEAR
 * too. Jobs (one per vectorizer setting and fold) run on `threads` threads;
 * each thread has its own rand() state (LIBLINEAR draws from it), so the
 * result does not depend on the number of threads or their timing.
 *
 * The objective of a point is, per fold, the mean over the tuned tasks of
 * the macro-F1 of the fold's held-out rows (scikit-learn's: over the labels
 * in the truth or the predictions), or of label `target`'s F1 in the tasks
 * that have that label; then the mean over folds. The best mean wins (ties:
 * the first in grid order). The model holds one vectorizer and one C and
 * class weight for all tasks, so one point is chosen for all of them;
 * per-task means are recorded beside it. */
typedef struct fr_tune_options {
	size_t folds;        /* K; fewer when there are fewer documents */
	const char *target;  /* a label whose F1 to optimize; NULL for macro-F1 */
	const char *task;    /* the one task to tune on; NULL for every task */
	size_t threads;      /* 0: every core */
} fr_tune_options;

#define FR_TUNE_OPTIONS_INIT { 5, NULL, NULL, 0 }

/* Searches the grid on ds with cfg's language, stop words, seed and fixed
 * TF-IDF options, then writes the chosen values into cfg (min_df,
 * ngram_range, char_ngrams, C, class_weight, solver liblinear). *record_out
 * (owned) is model.json's "tuning": the grid, every point's mean and std
 * (and per-task means), the chosen point and the default config's point.
 * FR_EINVALID for an RBF kernel, a task or label not in ds, or fewer than
 * two documents. */
int fr_tune(fr_model_config *cfg, const fr_dataset *ds, const fr_tune_options *opts,
            struct json_t **record_out, fr_log_fn log, void *payload, fr_error *err);

#endif
