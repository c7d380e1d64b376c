#ifndef FR_EVAL_H
#define FR_EVAL_H

#include <stddef.h>

/* Cross-validation folds (fr_cv_folds) live in the pipeline, which
 * calibrates scores on them at training time. */
#include "folds.h"

/* Evaluation metrics. A confusion matrix is accumulated one (truth,
 * prediction) pair at a time, then read. Transparent: it is plain data that
 * reports and tests read directly. Rows are true labels, columns predicted. */
typedef struct fr_confusion {
	size_t k;          /* number of labels */
	size_t *counts;    /* counts[truth * k + predicted]; owned */
} fr_confusion;

/* Returns 0, or FR_ENOMEM (also when k * k would overflow), leaving c
 * zeroed so that adding to it does nothing. */
int fr_confusion_init(fr_confusion *c, size_t k);
void fr_confusion_dispose(fr_confusion *c);
void fr_confusion_add(fr_confusion *c, size_t truth, size_t predicted);

size_t fr_confusion_total(const fr_confusion *c);
size_t fr_confusion_correct(const fr_confusion *c);
/* Share of correct predictions; 0 when there are none. */
double fr_confusion_accuracy(const fr_confusion *c);

/* Precision, recall and F1 with scikit-learn's definitions
 * (precision_recall_fscore_support, zero_division=0):
 *   precision = tp / (tp + fp), 0 for a label that is never predicted
 *   recall    = tp / (tp + fn), 0 for a label with no support
 *   f1        = 2 p r / (p + r), 0 when p + r = 0
 * Averages, as scikit-learn's default takes them, run over the labels that
 * occur in the truth or in the predictions (a label of the model that is in
 * neither is listed but not averaged):
 *   macro     unweighted mean of the labels' scores
 *   weighted  mean weighted by support
 *   micro     from the summed counts; for one label per row it equals accuracy
 * and beside them
 *   macro_supported  unweighted mean over the labels with support only
 *              (scikit-learn's average='macro' with labels= the labels in
 *              the truth): a label predicted but with no rows, whose F1 is 0
 *              by definition, pulls macro down and is left out here. 0 when
 *              no label has support. */
typedef struct fr_label_scores {
	double precision, recall, f1;
	size_t support;    /* rows whose true label it is */
	size_t predicted;  /* rows predicted as it */
	size_t correct;
	int averaged;      /* it occurs in the truth or the predictions */
} fr_label_scores;

typedef struct fr_averages {
	double precision, recall, f1;
} fr_averages;

typedef struct fr_metrics {
	size_t k;
	fr_label_scores *labels; /* owned, k entries */
	fr_averages macro, micro, weighted;
	fr_averages macro_supported;
	double accuracy;         /* multi-label: subset accuracy */
	double hamming_loss;     /* multi-label only (0 otherwise) */
	size_t n;                /* rows */
} fr_metrics;

/* Computes the metrics of a confusion matrix into out (zeroed first).
 * Returns 0 or FR_ENOMEM. */
int fr_metrics_compute(fr_metrics *out, const fr_confusion *c);
void fr_metrics_dispose(fr_metrics *m);

/* Multi-label tasks: each row has a set of true labels and a set of
 * predicted ones. Accumulated one row at a time as k flags each (nonzero:
 * the row has label l), then read as fr_metrics with scikit-learn's
 * multi-label definitions:
 *   per label  precision, recall and F1 of the label's own yes/no decision,
 *              support the rows that truly have it, predicted the rows it
 *              was given to, correct the rows both;
 *   micro      from the counts summed over labels;
 *   macro      unweighted mean over the labels in the truth or the
 *              predictions, as for one label per row; weighted by support;
 *   accuracy   subset accuracy: the share of rows whose predicted set is
 *              exactly the true set;
 *   hamming_loss  the share of (row, label) decisions that are wrong, over
 *              the k labels. */
typedef struct fr_multilabel {
	size_t k;          /* labels */
	size_t n;          /* rows */
	size_t *support, *predicted, *correct; /* per label; owned (one block) */
	size_t exact;      /* rows whose predicted set is the true set */
	size_t wrong;      /* (row, label) decisions that are wrong */
} fr_multilabel;

/* Returns 0 or FR_ENOMEM (leaving c zeroed, so that adding does nothing). */
int fr_multilabel_init(fr_multilabel *c, size_t k);
void fr_multilabel_dispose(fr_multilabel *c);
void fr_multilabel_add(fr_multilabel *c, const unsigned char *truth, const unsigned char *predicted);
/* The metrics, into out (zeroed first; its hamming_loss set). 0 or FR_ENOMEM. */
int fr_multilabel_metrics(fr_metrics *out, const fr_multilabel *c);

/* Reliability of confidences: each prediction's confidence (the score of
 * the predicted label) against whether it was right, in FR_RELIABILITY_BINS
 * equal-width bins, bin b holding confidences in [b/10, (b+1)/10) and the
 * last one 1.0 too (out-of-range values go to the nearest end). A
 * calibrated model's bins have accuracy close to their mean confidence.
 * Accumulated one prediction at a time, like a confusion matrix; plain data.
 * Zero-initialise it (or fr_reliability_init) before the first add. */
#define FR_RELIABILITY_BINS 10

typedef struct fr_reliability {
	size_t count[FR_RELIABILITY_BINS];
	size_t correct[FR_RELIABILITY_BINS];
	double confidence[FR_RELIABILITY_BINS]; /* sum of the bin's confidences */
	size_t n;
} fr_reliability;

void fr_reliability_init(fr_reliability *r);
/* The bin of a confidence. */
size_t fr_reliability_bin(double confidence);
void fr_reliability_add(fr_reliability *r, double confidence, int correct);
/* The expected calibration error: sum over bins of count/n * |accuracy -
 * mean confidence|, i.e. |correct - confidence sum| summed over bins, over
 * n. 0 with no predictions. */
double fr_reliability_ece(const fr_reliability *r);

#endif
