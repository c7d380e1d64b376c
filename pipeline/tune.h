#ifndef FR_TUNE_H
#define FR_TUNE_H

#include <stddef.h>

#include "dataset.h"
#include "fr_error.h"
#include "model.h"

struct json_t;

/* Hyperparameter search for `framer train --tune`: cross-validation grouped
 * by document (fr_cv_folds, stratified by the first tuned task, the
 * config's seed), in passes over one set of folds.
 *
 *   default  pass 1: the config's own point, scored exactly as `framer
 *            train` would train it (its solver: "auto" resolved as
 *            training resolves it, fr_classifier_auto_solver). Scored
 *            first, so another point must beat it.
 *   words    pass 1: stop words {the config's list, none} x min_df {1, 2} x
 *            ngram_range {[1,1], [1,2]}, each with class_weight
 *            {none, balanced} x C {2^-2 .. 2^4}: 8 x 14 = 112 points, LIBLINEAR
 *            (4 x 14 when the config has no stop words). When the config's
 *            own point is on the grid (the defaults are) it is one of them,
 *            scored once and recorded as "default", so pass 1 scores 112
 *            points, not 113.
 *   chars    pass 2: character n-grams [2, 5] added to the best word
 *            settings (by their best word point, the config's own among
 *            them when it is words only, LIBLINEAR and at a C of the grid),
 *            under the config's norm (by default "l2_parts": words and
 *            characters weigh the same, tfidf.h), at C one grid step either
 *            side of that setting's best C (3 values, 2 at an end of the grid).
 *            Small data: the best FR_TUNE_CHAR_SETTINGS settings, both class
 *            weights (up to 12 points). Large data: the best setting and its
 *            best class weight only (up to 3 points).
 *   refine   passes 3...: for the FR_TUNE_REFINE_ROWS best (setting, class
 *            weight) pairs whose best C is the lowest or highest C they were
 *            scored at, C one step further (halved or doubled, within
 *            2^FR_TUNE_LOG2_C_MIN .. 2^FR_TUNE_LOG2_C_MAX), until none is:
 *            the chosen C is never an edge of what was tried but a limit.
 *
 * Small and large: a dataset with fewer than FR_TUNE_LARGE_ROWS rows is
 * small. Its folds are repeated FR_TUNE_REPEATS times (repeat r with seed +
 * r; r = 0 gives the report's folds) and every point is scored on all of
 * them: on a thousand rows one 5-fold split's macro-F1 moves by a few points
 * with the split alone, enough to pick noise. Only distinct splits count: a
 * repeat that puts the same documents together as an earlier one (every
 * repeat does when there are no more documents than folds) is dropped, and
 * a fold that holds out the same documents as an earlier repeat's fold (as
 * single-document folds do with 6 to 8 documents) counts once in the
 * standard error of the choice and in the std of one fold's score: scored
 * again it is the same fit, and counting its copies would shrink the
 * standard error with no new evidence. The record gives the distinct splits
 * ("repeats", of "repeats_asked"), their seeds and the folds that repeat.
 * Large data is scored on one
 * split, and its character stage is pruned as above: character n-grams make
 * vectors 10 to 20 times denser and a fit tens of times slower (SOTU, 7,000
 * training rows a fold: 20 to 45 s a fold for 14 fits against 1 to 2 s for
 * words).
 * The word stage is never pruned: its fits are cheap at any size.
 *
 * Each vectorizer setting is fitted once per fold (on the fold's training
 * rows only) and its vectors serve all of its points in a pass. Jobs (one
 * per setting, repeat and fold) run on `threads` threads; each thread has
 * its own rand() state (LIBLINEAR draws from it), and what a pass adds is
 * decided only once the previous pass is done, so the result does not
 * depend on the number of threads or their timing.
 *
 * The objective: per task and repeat, the macro-F1 (scikit-learn's: over
 * the labels in the truth or the predictions) of the held-out predictions
 * of all folds pooled, i.e. from the summed true and false positives and
 * false negatives (Forman and Scholz 2010: the mean of per-fold F1 is biased
 * and noisy when a fold holds few rows of a label), or label `target`'s F1
 * in the tasks that have that label; then the mean over tasks and repeats.
 * Each point also records the std of the per-fold score (how much one
 * fold's score spreads). The best mean wins (ties go to the earlier point),
 * but over the default only by more than the noise: by more than one
 * standard error of the mean of their paired per-fold differences, each
 * distinct fold once (fr_tune_beats_default), else the default stays. Checked on the four
 * bench datasets' training rows alone, by an outer 5-fold cross-validation
 * grouped by document (README, "Tuning"): with the character pass under
 * "l2_parts" the rule led the default by 0.2 to 1.7 points on AG News, SOTU
 * and war-framing's 795 rows and was level on GVFC (0.7 on average over the
 * 20 folds; under one norm it had been 1.1 points under on war-framing).
 * Twelve other rules, replayed on the same searches with every point
 * scored on the held-out folds (outer_tune.py --every-point), did no better
 * than this one by more than the noise, and which of them came closest
 * changed with the grid.
 * Multi-label tasks (a cell holding 'a|b') are not scored: the search tunes the single-label tasks and the chosen values
 * serve all tasks. The model holds one vectorizer and one C and class
 * weight for all tasks, so one point is chosen for all of them; per-task
 * means are recorded beside it. */

/* Rows from which a dataset is large (see above). */
#define FR_TUNE_LARGE_ROWS 2000
/* Repeats of the folds on small data. */
#define FR_TUNE_REPEATS 3
/* Word settings that get a character stage, on small data. */
#define FR_TUNE_CHAR_SETTINGS 2
/* The refinement's leading rows, and how far it may take C (log2). */
#define FR_TUNE_REFINE_ROWS 3
#define FR_TUNE_LOG2_C_MIN -6
#define FR_TUNE_LOG2_C_MAX 7

typedef struct fr_tune_options {
	size_t folds;        /* K; fewer when there are fewer documents */
	const char *target;  /* a label whose F1 to optimize; NULL for macro-F1 */
	const char *task;    /* the one task to tune on; NULL for every single-label task */
	size_t threads;      /* 0: every core */
	size_t large_rows;   /* 0: FR_TUNE_LARGE_ROWS */
	size_t repeats;      /* repeats on small data; 0: FR_TUNE_REPEATS */
} fr_tune_options;

#define FR_TUNE_OPTIONS_INIT { 5, NULL, NULL, 0, 0, 0 }

/* The standard error of the mean of n paired per-fold differences (point
 * minus default): their sample std / sqrt(n); 0 when n < 2. */
double fr_tune_diffs_se(const double *diffs, size_t n);
/* Whether a point whose mean objective beats the default's by gain is
 * chosen over the default: gain > 0 and over se (fr_tune_diffs_se). */
int fr_tune_beats_default(double gain, double se);

/* Searches as above on ds with cfg's language, seed and other TF-IDF and
 * classifier options, then writes the chosen values into cfg (stopwords,
 * min_df, ngram_range, char_ngrams, C, class_weight, solver; cfg is left
 * as it was when its own point wins). *record_out (owned) is model.json's
 * "tuning" (render.h gives its layout): how the search ran, the grid, every
 * scored point with its mean and std (and per-task means), the chosen point
 * and the default's. FR_EINVALID for an RBF kernel, a task or label not in ds, a
 * --tune-task that is multi-label, a --tune-for label that only multi-label
 * tasks have (the message names one) or whose rows are all in one document
 * in every tuned task that has it (grouped folds never train and test on
 * it: its F1 would be 0 at every point), no single-label task at all, or
 * fewer than two documents. */
int fr_tune(fr_model_config *cfg, const fr_dataset *ds, const fr_tune_options *opts,
            struct json_t **record_out, fr_log_fn log, void *payload, fr_error *err);

#endif
