#include "calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "folds.h"

/* Raw scores below this count as this: the log of a score must be finite,
 * and a label a fold's model never saw scores 0. */
#define SCORE_FLOOR 1e-12

const char *fr_calibration_name(int method)
{
	return method == FR_CALIBRATION_PLATT ? "platt" : "none";
}

int fr_calibration_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "platt") == 0)
		return FR_CALIBRATION_PLATT;
	if (strcmp(name, "none") == 0)
		return FR_CALIBRATION_NONE;
	return -1;
}

const char *fr_calibration_check_options(const fr_calibration_options *o)
{
	if (o->method != FR_CALIBRATION_NONE && o->method != FR_CALIBRATION_PLATT)
		return "calibration must be \"platt\" or \"none\"";
	if (o->folds < 2 || o->folds > FR_CALIBRATION_MAX_FOLDS)
		return "calibration_folds must be an integer from 2 to 64";
	return NULL;
}

/* The log of each score, floored, less the largest (so exp never overflows). */
static void log_scores(const double *s, size_t k, double *z)
{
	double top = -INFINITY;
	for (size_t l = 0; l < k; l++) {
		z[l] = log(s[l] > SCORE_FLOOR ? s[l] : SCORE_FLOOR);
		top = fmax(top, z[l]);
	}
	for (size_t l = 0; l < k; l++)
		z[l] -= top;
}

/* Softmax of a * z into p; z's largest entry is 0. */
static void power_scores(const double *z, size_t k, double a, double *p)
{
	double sum = 0.0;
	for (size_t l = 0; l < k; l++)
		sum += p[l] = exp(a * z[l]);
	for (size_t l = 0; l < k; l++)
		p[l] /= sum;
}

void fr_calibration_apply(const fr_calibration *c, double *scores, size_t k)
{
	double z[FR_CLASSIFIER_MAX_LABELS];
	if (c == NULL || c->method != FR_CALIBRATION_PLATT || k < 2 || k > FR_CLASSIFIER_MAX_LABELS)
		return;
	log_scores(scores, k, z);
	power_scores(z, k, c->slope, scores);
}

/* The derivative in a of the loss sum_i [log sum_l exp(a z_il) - a sum_l q_il z_il]:
 * sum_i (E_p[z_i] - E_q[z_i]), increasing in a (the loss is convex). */
static double loss_slope(const double *z, const double *zq, size_t n, size_t k, double a)
{
	double p[FR_CLASSIFIER_MAX_LABELS], g = 0.0;
	for (size_t i = 0; i < n; i++) {
		const double *zi = z + i * k;
		power_scores(zi, k, a, p);
		for (size_t l = 0; l < k; l++)
			g += p[l] * zi[l];
		g -= zq[i];
	}
	return g;
}

int fr_calibration_fit(fr_calibration *out, const double *scores, const int *y, size_t n, size_t k)
{
	fr_calibration none = FR_CALIBRATION_INIT;
	*out = none;
	if (n == 0 || k < 2 || k > FR_CLASSIFIER_MAX_LABELS)
		return FR_EINVALID;
	double *z = malloc(n * k * sizeof(*z));
	double *zq = malloc(n * sizeof(*zq));
	size_t count[FR_CLASSIFIER_MAX_LABELS] = { 0 };
	if (z == NULL || zq == NULL) {
		free(z);
		free(zq);
		return FR_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (y[i] >= 0 && (size_t)y[i] < k)
			count[y[i]]++;
	for (size_t i = 0; i < n; i++) {
		double *zi = z + i * k, sum = 0.0;
		log_scores(scores + i * k, k, zi);
		/* Platt's target for the row's own label, the rest spread evenly:
		 * zq[i] is the target's expectation of z_i, E_q[z_i]. */
		size_t own = y[i] >= 0 && (size_t)y[i] < k ? (size_t)y[i] : k;
		double target = own < k ? ((double)count[own] + 1.0) / ((double)count[own] + 2.0) : 0.0;
		double rest = (1.0 - target) / (double)(own < k ? k - 1 : k);
		for (size_t l = 0; l < k; l++)
			sum += (l == own ? target : rest) * zi[l];
		zq[i] = sum;
	}
	/* Bisection on ln a: the loss is convex in a, so its derivative has one
	 * sign change, or none and the bound it leans to is the answer. */
	double lo = log(FR_CALIBRATION_MIN_SLOPE), hi = log(FR_CALIBRATION_MAX_SLOPE);
	if (loss_slope(z, zq, n, k, exp(lo)) >= 0.0) {
		hi = lo;
	} else if (loss_slope(z, zq, n, k, exp(hi)) <= 0.0) {
		lo = hi;
	} else {
		for (int iter = 0; iter < 100 && hi - lo > 1e-12; iter++) {
			double mid = 0.5 * (lo + hi);
			if (loss_slope(z, zq, n, k, exp(mid)) < 0.0)
				lo = mid;
			else
				hi = mid;
		}
	}
	out->method = FR_CALIBRATION_PLATT;
	out->slope = exp(0.5 * (lo + hi));
	out->rows = n;
	free(z);
	free(zq);
	return 0;
}

int fr_oof_scores(double *oof, unsigned char *has, size_t *folds_out, size_t max_folds,
                  const fr_classifier_options *opts, int solver, struct svm_node *const *x,
                  const int *y, const char *const *groups, size_t n, size_t n_labels,
                  size_t n_features, fr_error *err)
{
	fr_classifier_options fold_opts = *opts;
	fr_classifier *clf = NULL;
	int rc = 0;
	int *fold = NULL, *fold_y = NULL;
	struct svm_node **fold_x = NULL;
	*folds_out = 0;
	memset(has, 0, n);
	if (n_labels < 2 || n_labels > FR_CLASSIFIER_MAX_LABELS)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "a task needs 2 to %d labels, not %zu",
		                    FR_CLASSIFIER_MAX_LABELS, n_labels);
	for (size_t i = 0; i < n; i++)
		if (y[i] < 0 || (size_t)y[i] >= n_labels)
			return fr_error_set(err, FR_EINVALID, NULL, 0, "class %d out of range", y[i]);
	size_t k = fr_cv_group_count(n, groups);
	if (k > max_folds)
		k = max_folds;
	if (k < 2)
		return 0;
	fold_opts.solver = solver;
	fold = malloc(n * sizeof(*fold));
	fold_y = malloc(n * sizeof(*fold_y));
	fold_x = malloc(n * sizeof(*fold_x));
	if (!fold || !fold_y || !fold_x) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	rc = fr_cv_folds(fold, n, groups, y, n_labels, k, opts->seed);
	if (rc < 0) {
		rc = fr_error_set(err, rc, NULL, 0, "cannot split the rows into %zu folds", k);
		goto done;
	}
	for (size_t f = 0; f < k; f++) {
		/* The labels the fold's training rows have, numbered compactly:
		 * a classifier needs rows of every label it knows. */
		int compact[FR_CLASSIFIER_MAX_LABELS], present = 0;
		size_t n_in = 0;
		double scores[FR_CLASSIFIER_MAX_LABELS];
		for (size_t l = 0; l < n_labels; l++)
			compact[l] = -1;
		for (size_t i = 0; i < n; i++)
			if (fold[i] != (int)f && compact[y[i]] < 0)
				compact[y[i]] = 0;
		for (size_t l = 0; l < n_labels; l++)
			if (compact[l] == 0)
				compact[l] = present++;
		if (present < 2)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (fold[i] == (int)f)
				continue;
			fold_x[n_in] = x[i];
			fold_y[n_in++] = compact[y[i]];
		}
		rc = fr_classifier_train(&clf, &fold_opts, fold_x, fold_y, n_in, (size_t)present, n_features, err);
		if (rc < 0)
			goto done;
		for (size_t i = 0; i < n; i++) {
			if (fold[i] != (int)f || compact[y[i]] < 0)
				continue;
			fr_classifier_predict(clf, x[i], scores, NULL);
			for (size_t l = 0; l < n_labels; l++)
				oof[i * n_labels + l] = compact[l] >= 0 ? scores[compact[l]] : 0.0;
			has[i] = 1;
		}
		fr_classifier_free(clf);
		clf = NULL;
	}
	*folds_out = k;
done:
	fr_classifier_free(clf);
	free(fold);
	free(fold_y);
	free(fold_x);
	return rc;
}

int fr_calibration_train(fr_calibration *out, const fr_calibration_options *copts,
                         const fr_classifier_options *opts, int solver,
                         struct svm_node *const *x, const int *y, const char *const *groups,
                         size_t n, size_t n_labels, size_t n_features, fr_error *err)
{
	fr_calibration none = FR_CALIBRATION_INIT;
	*out = none;
	const char *why = fr_calibration_check_options(copts);
	if (why)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "%s", why);
	if (copts->method == FR_CALIBRATION_NONE)
		return 0;
	double *oof = malloc((n ? n : 1) * n_labels * sizeof(*oof));
	unsigned char *has = malloc(n ? n : 1);
	int *oof_y = malloc((n ? n : 1) * sizeof(*oof_y));
	size_t k = 0, n_oof = 0;
	int rc = (oof && has && oof_y) ? 0 : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (rc == 0)
		rc = fr_oof_scores(oof, has, &k, copts->folds, opts, solver, x, y, groups, n, n_labels,
		                   n_features, err);
	/* The rows that got scores, packed in order. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (!has[i])
			continue;
		memmove(oof + n_oof * n_labels, oof + i * n_labels, n_labels * sizeof(*oof));
		oof_y[n_oof++] = y[i];
	}
	if (rc == 0 && n_oof > 0) {
		rc = fr_calibration_fit(out, oof, oof_y, n_oof, n_labels);
		if (rc < 0)
			rc = fr_error_set(err, rc, NULL, 0, "out of memory");
		out->folds = k;
	}
	free(oof);
	free(has);
	free(oof_y);
	if (rc < 0)
		*out = none;
	return rc;
}

typedef struct {
	double p;
	int y;
} scored_t;

static int cmp_scored_desc(const void *a, const void *b)
{
	const scored_t *x = a, *y = b;
	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return (x->y < y->y) - (x->y > y->y);
}

double fr_threshold_best_f1(const double *p, const int *y, size_t n, double *f1_out)
{
	size_t positives = 0;
	*f1_out = 0.0;
	for (size_t i = 0; i < n; i++)
		positives += y[i] == 1;
	scored_t *s = malloc((n ? n : 1) * sizeof(*s));
	if (s == NULL || positives == 0) {
		free(s);
		return 0.5;
	}
	for (size_t i = 0; i < n; i++) {
		s[i].p = p[i] == p[i] ? p[i] : 0.0;
		s[i].y = y[i] == 1;
	}
	qsort(s, n, sizeof(*s), cmp_scored_desc);
	/* Predicting the top j rows positive, for each j at a change of p. */
	double best_f1 = -1.0, best_t = 0.5;
	size_t tp = 0;
	for (size_t j = 1; j <= n; j++) {
		tp += (size_t)s[j - 1].y;
		if (j < n && s[j].p == s[j - 1].p)
			continue;
		double f1 = 2.0 * (double)tp / (double)(j + positives);
		double t = j < n ? 0.5 * (s[j - 1].p + s[j].p) : 0.5 * s[n - 1].p;
		/* Ties: the threshold nearer 0.5, the neutral choice. */
		if (f1 > best_f1 + 1e-12 || (fabs(f1 - best_f1) <= 1e-12 && fabs(t - 0.5) < fabs(best_t - 0.5))) {
			best_f1 = f1;
			best_t = t;
		}
	}
	free(s);
	*f1_out = best_f1;
	return best_t;
}
