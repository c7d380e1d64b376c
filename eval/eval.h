#ifndef FR_EVAL_H
#define FR_EVAL_H

#include <stddef.h>

/* Evaluation metrics. A confusion matrix is accumulated one (truth,
 * prediction) pair at a time, then read. Transparent: it is plain data that
 * reports and tests read directly. Rows are true labels, columns predicted. */
typedef struct fr_confusion {
	size_t k;          /* number of labels */
	size_t *counts;    /* counts[truth * k + predicted]; owned */
} fr_confusion;

/* Returns 0, or FR_ENOMEM (also when k * k does not fit a size_t). On
 * failure c is left zeroed: adding to it does nothing. */
int fr_confusion_init(fr_confusion *c, size_t k);
void fr_confusion_dispose(fr_confusion *c);
void fr_confusion_add(fr_confusion *c, size_t truth, size_t predicted);

size_t fr_confusion_total(const fr_confusion *c);
size_t fr_confusion_correct(const fr_confusion *c);
/* Share of correct predictions; 0 when there are none. */
double fr_confusion_accuracy(const fr_confusion *c);

#endif
