#ifndef FR_FOLDS_H
#define FR_FOLDS_H

#include <stddef.h>

/* Cross-validation folds, for the pipeline (calibration at training time)
 * and for evaluation (the report's cross-validation) alike. */

/* Assigns each of n rows to one of k folds for cross-validation:
 *   grouped     all rows of a group (a document) share a fold, so no document
 *               is on both sides of a split;
 *   stratified  as far as the groups allow: groups are placed largest first
 *               (ties in a seeded random order), each in the fold that keeps
 *               every stratum's share per fold most even.
 * strata[i] is row i's stratum (its label, 0..n_strata-1) or -1 for none.
 * The same input and seed give the same folds on every machine.
 * FR_EINVALID when there are fewer groups than folds or k < 2; FR_ENOMEM. */
int fr_cv_folds(int *fold_out, size_t n, const char *const *groups, const int *strata,
                size_t n_strata, size_t k, unsigned seed);

/* The number of distinct groups among n rows (0 when out of memory): the
 * most folds fr_cv_folds can make of them. */
size_t fr_cv_group_count(size_t n, const char *const *groups);

#endif
