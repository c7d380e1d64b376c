#ifndef FR_CLASSIFY_H
#define FR_CLASSIFY_H

#include <stddef.h>

#include <libsvm/svm.h>

#include "fr_error.h"

/* The classify stage: one classifier per task, over class indices 0..k-1
 * (the task's labels in byte order; names live in the model bundle), trained
 * by one of two solvers:
 *   libsvm     C-SVC, one-vs-one; linear or RBF kernel. Exact, but its
 *              training time grows with the square of the rows.
 *   liblinear  L2-regularized L2-loss linear SVM (dual), one-vs-rest, with a
 *              bias term: LIBLINEAR's solver for documents, as scikit-learn's
 *              LinearSVC. Near-linear training time; linear kernel only.
 *   auto       liblinear for a linear kernel, at any number of rows; libsvm
 *              for RBF, which liblinear cannot do. In grouped cross-validation
 *              from 250 rows up, libsvm is level with liblinear on two- and
 *              four-label sets and 5 to 9 points of macro-F1 under it on
 *              small sets of 9 or 10 unbalanced labels (README, "Solvers");
 *              liblinear is also the faster at any size.
 *
 * A linear model does not predict through libsvm's kernel sums over every
 * support vector: its one-vs-one decision functions are folded into explicit
 * weight vectors when it is trained or loaded, and a prediction is one pass
 * over the paragraph's non-zero features.
 *
 * Scores are a documented mapping of the decision values, not a calibrated
 * probability (calibration is its own step, calibrate.h, which the model
 * applies on top of these scores): each one-vs-one decision value
 * d becomes P(i beats j) = 1 / (1 + exp(-FR_SCORE_SLOPE * d)), and the
 * pairwise estimates are coupled into one distribution over the labels by
 * the method of Wu, Lin and Weng (2004), the one libsvm uses. The label is
 * the one with the highest score. libsvm's own probability estimates were
 * tried and dropped: its Platt sigmoids come from an internal 5-fold
 * cross-validation that costs five extra trainings, draws from rand(), and
 * with a handful of rows in a rare class fits a bias that undoes the class
 * weights (a balanced model then never predicts the rare class). */
#define FR_SCORE_SLOPE 2.0
typedef enum {
	FR_KERNEL_LINEAR = 0,
	FR_KERNEL_RBF = 1
} fr_kernel;

typedef enum {
	FR_SOLVER_AUTO = 0,
	FR_SOLVER_LIBSVM = 1,
	FR_SOLVER_LIBLINEAR = 2
} fr_solver;

#define FR_CLASSIFIER_MAX_LABELS 64

typedef struct fr_classifier_options {
	int kernel;        /* an fr_kernel */
	int solver;        /* an fr_solver */
	double C;          /* cost of a margin violation */
	double gamma;      /* RBF width; 0 means 1 / number of features */
	int balanced;      /* class weights n / (k * count_k), else all 1 */
	unsigned seed;     /* for anything random (cross-validation folds) */
	double cache_mb;   /* libsvm's kernel cache */
	double eps;        /* libsvm's stopping tolerance */
} fr_classifier_options;

#define FR_CLASSIFIER_OPTIONS_INIT { FR_KERNEL_LINEAR, FR_SOLVER_AUTO, 0.5, 0.0, 1, 1, 200.0, 0.001 }

const char *fr_classifier_check_options(const fr_classifier_options *opts);

typedef struct fr_classifier fr_classifier;

/* Trains on n vectors x[i] (libsvm node arrays, borrowed for the call only:
 * the classifier copies the support vectors it keeps) with classes y[i] in
 * 0..n_labels-1. Every class must occur. n_features bounds the indices.
 * Each row needs one node of scratch space after its terminator, as
 * fr_sparse_vec_append leaves: LIBLINEAR adds its bias feature to the rows
 * in place rather than copy them all. The call puts the rows back as they
 * were, the scratch node aside, which is left holding a copy of the
 * terminator; rows are not thread-safe to share with another call meanwhile. */
int fr_classifier_train(fr_classifier **out, const fr_classifier_options *opts,
                        struct svm_node *const *x, const int *y, size_t n,
                        size_t n_labels, size_t n_features, fr_error *err);

size_t fr_classifier_label_count(const fr_classifier *c);

/* The solver a trained or loaded classifier uses (never FR_SOLVER_AUTO). */
int fr_classifier_solver(const fr_classifier *c);
/* The solver auto picks for a kernel: liblinear for linear, libsvm for RBF. */
int fr_classifier_auto_solver(int kernel);
/* The solver training with o uses: o->solver, or auto's pick for o->kernel. */
int fr_classifier_resolved_solver(const fr_classifier_options *o);
/* "libsvm" or "liblinear"; and back (-1 for an unknown name). */
const char *fr_solver_name(int solver);
int fr_solver_from_name(const char *name);

/* The raw decision values in the solver's own order: libsvm's k(k-1)/2
 * one-vs-one values (for classes at libsvm positions i < j, positive favours
 * i), or liblinear's one-vs-rest values (one per class; one for two classes,
 * positive favouring liblinear's first label). Exposed for tests. */
void fr_classifier_decision_values(const fr_classifier *c, const struct svm_node *x, double *dec_out);

/* Fills scores_out[0..k) with scores summing to 1 and returns the
 * predicted class index (>= 0), or a negative error code. Thread safe. */
int fr_classifier_predict(const fr_classifier *c, const struct svm_node *x,
                          double *scores_out, fr_error *err);

/* The features of x that pushed it most toward `label`, strongest first:
 * for a linear model, x_f times the weights of label's decision functions;
 * for RBF, the drop in label's probability when the feature is removed.
 * Only features with a positive push and an index up to last_feature are
 * listed (the model leaves out character n-grams this way). Returns how
 * many (<= max). */
size_t fr_classifier_evidence(const fr_classifier *c, const struct svm_node *x, int label,
                              size_t last_feature, int *features_out, double *push_out, size_t max);

/* The weight of feature f toward label (linear only; 0 otherwise): the sum
 * of label's one-vs-one weights, each signed toward label. */
double fr_classifier_label_weight(const fr_classifier *c, int feature, int label);

/* The solver's own model file (libsvm's or liblinear's format). */
int fr_classifier_save(const fr_classifier *c, const char *path, fr_error *err);
int fr_classifier_load(fr_classifier **out, const char *path, int solver, size_t n_labels,
                       size_t n_features, fr_error *err);

void fr_classifier_free(fr_classifier *c);

#endif
