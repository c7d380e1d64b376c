#ifndef FR_CALIBRATE_H
#define FR_CALIBRATE_H

#include <stddef.h>

#include <libsvm/svm.h>

#include "classify.h"
#include "fr_error.h"

/* Calibration: the step that turns a classifier's scores (classify.h: a
 * fixed mapping of decision values, summing to 1) into probabilities that
 * mean what they say, so that of the paragraphs labeled with confidence
 * 0.8, about 80% are right.
 *
 *   platt  Platt scaling in its multiclass form with one parameter per task
 *          (what Guo et al., 2017, call temperature scaling): with s_l the
 *          raw score of label l,
 *              p_l = s_l^a / sum_m s_m^a      (a > 0, the slope)
 *          For two labels, where s = 1 / (1 + exp(-2d)) of the decision
 *          value d, this is Platt's sigmoid 1 / (1 + exp(-2ad)), without an
 *          intercept. a is fit by maximum likelihood on out-of-fold scores
 *          of the training rows (fr_calibration_train), with Platt's
 *          prior-corrected targets: a row of label l counts as l with
 *          weight (N_l + 1) / (N_l + 2), N_l the out-of-fold rows of l, the
 *          rest spread evenly over the other labels, so a task whose
 *          out-of-fold labels are all right still gets a finite slope.
 *   none   the raw scores.
 *
 * Why one shared slope and not one sigmoid per label, nor isotonic
 * regression: the labeled sets are small (about 500 rows, labels with 5 to
 * 8), where a per-label sigmoid or an isotonic step function fits the noise
 * of the rare labels; and a per-label map reorders labels, undoing the
 * balanced class weights (a rare label's calibrated probability stays low,
 * so it is never predicted: what libsvm's own probability estimates do).
 * A power of the scores keeps their order, so the label, the arg-max of
 * the scores, is the same with and without calibration; only how sure the
 * scores are changes. The fit is one convex problem in one variable,
 * solved by bisection: deterministic, and cheap next to the fold
 * trainings that feed it. */

typedef enum {
	FR_CALIBRATION_NONE = 0,
	FR_CALIBRATION_PLATT = 1
} fr_calibration_method;

#define FR_CALIBRATION_MAX_FOLDS 64

typedef struct fr_calibration_options {
	int method;    /* an fr_calibration_method */
	size_t folds;  /* cross-validation folds that give the out-of-fold scores */
} fr_calibration_options;

#define FR_CALIBRATION_OPTIONS_INIT { FR_CALIBRATION_PLATT, 5 }

const char *fr_calibration_check_options(const fr_calibration_options *opts);

/* "platt" or "none"; and back (-1 for an unknown name). */
const char *fr_calibration_name(int method);
int fr_calibration_from_name(const char *name);

/* A fitted calibration map: plain data, stored in model.json. */
typedef struct fr_calibration {
	int method;     /* an fr_calibration_method */
	double slope;   /* a; 1 for none */
	size_t folds;   /* folds the out-of-fold scores came from */
	size_t rows;    /* out-of-fold rows the slope was fit on */
} fr_calibration;

#define FR_CALIBRATION_INIT { FR_CALIBRATION_NONE, 1.0, 0, 0 }

/* The slopes a fit can return: wide enough for any real task. */
#define FR_CALIBRATION_MIN_SLOPE 1e-3
#define FR_CALIBRATION_MAX_SLOPE 1e3

/* Fits the Platt slope to n rows of raw scores (scores[i * k + l], each row
 * summing to 1) with true labels y[i] in 0..k-1. out->folds is left 0 for
 * the caller. FR_EINVALID when n is 0 or k < 2. */
int fr_calibration_fit(fr_calibration *out, const double *scores, const int *y, size_t n, size_t k);

/* Calibrates k scores in place. They still sum to 1 and keep their order
 * (ties stay ties), so the arg-max does not move. Thread safe. */
void fr_calibration_apply(const fr_calibration *c, double *scores, size_t k);

/* Fits the calibration of one task at training time: the rows are split
 * into copts->folds folds (grouped: every row of a group, i.e. a document,
 * in one fold; stratified by label; seeded by opts->seed), a classifier is
 * trained on all folds but one with opts and solver (the solver of the
 * final model, so that auto cannot pick another one for the smaller fold)
 * and scores the fold left out, and the slope is fit to those out-of-fold
 * scores. Rows whose label is missing from their fold's training rows are
 * left out: no model could predict them. x, y and groups (a name per row)
 * are borrowed for the call. With fewer groups than folds,
 * one fold per group; with fewer than two, or when copts->method is none,
 * out is FR_CALIBRATION_INIT (check out->method). */
int fr_calibration_train(fr_calibration *out, const fr_calibration_options *copts,
                         const fr_classifier_options *opts, int solver,
                         struct svm_node *const *x, const int *y, const char *const *groups,
                         size_t n, size_t n_labels, size_t n_features, fr_error *err);

/* Out-of-fold scores, what calibration and thresholds are fit on: the n
 * rows are split into at most max_folds folds (grouped: every row of a
 * group in one fold; stratified by y; seeded by opts->seed), a classifier is
 * trained on all folds but one with opts and solver, and it scores the fold
 * left out. oof[i * n_labels + l] gets row i's raw scores and has[i] is 1
 * for each row scored; a row whose label is missing from its fold's
 * training rows is not (no model could predict it). *folds_out is the
 * number of folds, 0 with fewer than two groups (nothing scored). */
int fr_oof_scores(double *oof, unsigned char *has, size_t *folds_out, size_t max_folds,
                  const fr_classifier_options *opts, int solver, struct svm_node *const *x,
                  const int *y, const char *const *groups, size_t n, size_t n_labels,
                  size_t n_features, fr_error *err);

/* The decision threshold of one label of a multi-label task: of n rows with
 * probabilities p[i] of the label and truth y[i] (1: the row has it), the
 * threshold at which "p >= threshold" has the best F1, half-way between
 * two neighbouring probabilities (ties: the one nearer 0.5). *f1_out gets
 * that F1. With no positive row, 0.5 and F1 0. */
double fr_threshold_best_f1(const double *p, const int *y, size_t n, double *f1_out);

#endif
