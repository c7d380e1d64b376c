#include "classify.h"

#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linear.h>

#include "numfmt.h"

/* Both solvers end up as explicit weights over "columns": libsvm's
 * one-vs-one pairs, or liblinear's one-vs-rest classes. */
struct fr_classifier {
	int solver;               /* FR_SOLVER_LIBSVM or FR_SOLVER_LIBLINEAR */
	struct svm_model *model;  /* libsvm; owns its support vectors (see own_support_vectors) */
	struct svm_node *sv_store; /* the copied support vectors of a trained libsvm model */
	struct model *ll;         /* liblinear */
	size_t k;                 /* number of labels */
	size_t n_pairs;           /* k (k - 1) / 2 */
	size_t n_cols;            /* decision values: n_pairs, or liblinear's 1 or k */
	size_t n_features;
	int linear;               /* weights below are valid */
	int class_of_pos[FR_CLASSIFIER_MAX_LABELS]; /* the solver's class order -> our index */
	int pos_of_class[FR_CLASSIFIER_MAX_LABELS];
	double *w;                /* w[f * n_cols + col] for f in 1..n_features */
	double bias[FR_CLASSIFIER_MAX_LABELS * (FR_CLASSIFIER_MAX_LABELS - 1) / 2];
};

/* The bias feature liblinear adds to every row, as LinearSVC's intercept. */
#define LIBLINEAR_BIAS 1.0

static void quiet(const char *s)
{
	(void)s; /* the solvers print progress to stdout; the library never prints. */
}

const char *fr_solver_name(int solver)
{
	return solver == FR_SOLVER_LIBLINEAR ? "liblinear" : solver == FR_SOLVER_LIBSVM ? "libsvm" : "auto";
}

int fr_solver_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "auto") == 0)
		return FR_SOLVER_AUTO;
	if (strcmp(name, "libsvm") == 0)
		return FR_SOLVER_LIBSVM;
	if (strcmp(name, "liblinear") == 0)
		return FR_SOLVER_LIBLINEAR;
	return -1;
}

int fr_classifier_auto_solver(int kernel)
{
	return kernel == FR_KERNEL_RBF ? FR_SOLVER_LIBSVM : FR_SOLVER_LIBLINEAR;
}

int fr_classifier_resolved_solver(const fr_classifier_options *o)
{
	return o->solver == FR_SOLVER_AUTO ? fr_classifier_auto_solver(o->kernel) : o->solver;
}

int fr_classifier_solver(const fr_classifier *c)
{
	return c->solver;
}

const char *fr_classifier_check_options(const fr_classifier_options *o)
{
	if (o->kernel != FR_KERNEL_LINEAR && o->kernel != FR_KERNEL_RBF)
		return "kernel must be \"linear\" or \"rbf\"";
	if (o->solver != FR_SOLVER_AUTO && o->solver != FR_SOLVER_LIBSVM && o->solver != FR_SOLVER_LIBLINEAR)
		return "solver must be \"auto\", \"libsvm\" or \"liblinear\"";
	if (o->solver == FR_SOLVER_LIBLINEAR && o->kernel == FR_KERNEL_RBF)
		return "the liblinear solver is linear only: use solver \"libsvm\" for the rbf kernel";
	if (!(o->C > 0) || !isfinite(o->C))
		return "C must be a positive number";
	if (!(o->gamma >= 0) || !isfinite(o->gamma))
		return "gamma must be 0 (automatic) or positive";
	if (!(o->cache_mb > 0) || !(o->eps > 0))
		return "cache_mb and eps must be positive";
	return NULL;
}

/* Copies the support vectors out of the training data, which libsvm's model
 * only borrows, so the model stands alone. */
static int own_support_vectors(fr_classifier *c)
{
	struct svm_model *m = c->model;
	size_t total = 0;
	for (int i = 0; i < m->l; i++) {
		const struct svm_node *p = m->SV[i];
		while (p->index != -1)
			p++;
		total += (size_t)(p - m->SV[i]) + 1;
	}
	c->sv_store = malloc((total ? total : 1) * sizeof(struct svm_node));
	if (c->sv_store == NULL)
		return FR_ENOMEM;
	struct svm_node *dst = c->sv_store;
	for (int i = 0; i < m->l; i++) {
		const struct svm_node *p = m->SV[i];
		m->SV[i] = dst;
		do {
			*dst++ = *p;
		} while ((p++)->index != -1);
	}
	return 0;
}

/* The pair index libsvm uses for classes at positions i < j. */
static size_t pair_index(size_t k, size_t i, size_t j)
{
	return i * (2 * k - i - 1) / 2 + (j - i - 1);
}

/* Folds the support vectors of each one-vs-one decision function into an
 * explicit weight vector: w_p = sum_s coef_s * SV_s. */
static int fold_weights(fr_classifier *c)
{
	struct svm_model *m = c->model;
	size_t k = c->k, np = c->n_pairs;
	c->w = calloc((c->n_features + 1) * np, sizeof(double));
	for (size_t p = 0; p < np; p++)
		c->bias[p] = -m->rho[p];
	if (c->w == NULL)
		return FR_ENOMEM;
	size_t start[FR_CLASSIFIER_MAX_LABELS + 1];
	start[0] = 0;
	for (size_t i = 0; i < k; i++)
		start[i + 1] = start[i] + (size_t)m->nSV[i];
	for (size_t i = 0; i < k; i++) {
		for (size_t j = i + 1; j < k; j++) {
			size_t p = pair_index(k, i, j);
			/* libsvm: class i's SVs use coef row j-1, class j's use row i. */
			for (size_t s = start[i]; s < start[i + 1]; s++)
				for (const struct svm_node *x = m->SV[s]; x->index != -1; x++)
					if ((size_t)x->index <= c->n_features)
						c->w[(size_t)x->index * np + p] += m->sv_coef[j - 1][s] * x->value;
			for (size_t s = start[j]; s < start[j + 1]; s++)
				for (const struct svm_node *x = m->SV[s]; x->index != -1; x++)
					if ((size_t)x->index <= c->n_features)
						c->w[(size_t)x->index * np + p] += m->sv_coef[i][s] * x->value;
		}
	}
	return 0;
}

/* Maps the solver's class order (its label array) to ours and back. */
static int map_labels(fr_classifier *c, const int *solver_labels, size_t n_labels,
                      const char *source, fr_error *err)
{
	for (size_t i = 0; i < n_labels; i++)
		c->pos_of_class[i] = -1;
	for (size_t i = 0; i < n_labels; i++) {
		int label = solver_labels[i];
		if (label < 0 || (size_t)label >= n_labels || c->pos_of_class[label] != -1)
			return fr_error_set(err, FR_EMODEL, source, 0, "classifier has an unknown class %d", label);
		c->class_of_pos[i] = label;
		c->pos_of_class[label] = (int)i;
	}
	return 0;
}

static int finish_libsvm(fr_classifier *c, size_t n_labels, const char *source, fr_error *err)
{
	struct svm_model *m = c->model;
	c->solver = FR_SOLVER_LIBSVM;
	if (svm_get_svm_type(m) != C_SVC || (size_t)m->nr_class != n_labels ||
	    n_labels > FR_CLASSIFIER_MAX_LABELS || n_labels < 2)
		return fr_error_set(err, FR_EMODEL, source, 0,
		                    "classifier has %d classes, the bundle names %zu", m->nr_class, n_labels);
	c->k = n_labels;
	c->n_pairs = n_labels * (n_labels - 1) / 2;
	c->n_cols = c->n_pairs;
	int rc = map_labels(c, m->label, n_labels, source, err);
	if (rc < 0)
		return rc;
	c->linear = m->param.kernel_type == LINEAR;
	if (c->linear && fold_weights(c) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

static int train_libsvm(fr_classifier *c, const fr_classifier_options *opts,
                        struct svm_node *const *x, double *y, size_t n,
                        int *weight_label, double *weight, size_t n_labels, fr_error *err)
{
	struct svm_problem prob = { (int)n, y, (struct svm_node **)x };
	struct svm_parameter param;
	memset(&param, 0, sizeof(param));
	param.svm_type = C_SVC;
	param.kernel_type = opts->kernel == FR_KERNEL_RBF ? RBF : LINEAR;
	param.gamma = opts->gamma > 0 ? opts->gamma : 1.0 / (double)(c->n_features ? c->n_features : 1);
	param.cache_size = opts->cache_mb;
	param.eps = opts->eps;
	param.C = opts->C;
	param.nr_weight = (int)n_labels;
	param.weight_label = weight_label;
	param.weight = weight;
	param.shrinking = 1;
	param.probability = 0;
	const char *bad = svm_check_parameter(&prob, &param);
	if (bad)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "libsvm: %s", bad);
	svm_set_print_string_function(quiet);
	c->model = svm_train(&prob, &param);
	if (c->model == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "libsvm could not train");
	/* The model points at param's weight arrays, which die with this call. */
	c->model->param.weight = NULL;
	c->model->param.weight_label = NULL;
	c->model->param.nr_weight = 0;
	if (own_support_vectors(c) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return finish_libsvm(c, n_labels, NULL, err);
}

/* Takes liblinear's weights into the shared layout, in place: liblinear
 * keeps feature f in row f - 1 and the bias row last, the shared layout
 * keeps f in row f. A copy would hold a second matrix of features x
 * classes, the largest block of training memory (two per classifier, and
 * calibration trains a fold's classifier beside the task's). The model is
 * left without weights; save_liblinear lays them out again. */
static int finish_liblinear(fr_classifier *c, size_t n_labels, const char *source, fr_error *err)
{
	struct model *m = c->ll;
	c->solver = FR_SOLVER_LIBLINEAR;
	if (m->nr_class != (int)n_labels || n_labels < 2 || n_labels > FR_CLASSIFIER_MAX_LABELS ||
	    m->nr_feature < 0 || (size_t)m->nr_feature > c->n_features || m->bias != LIBLINEAR_BIAS)
		return fr_error_set(err, FR_EMODEL, source, 0,
		                    "classifier has %d classes and %d features, the bundle names %zu and %zu",
		                    m->nr_class, m->nr_feature, n_labels, c->n_features);
	c->k = n_labels;
	c->n_pairs = n_labels * (n_labels - 1) / 2;
	c->n_cols = n_labels > 2 ? n_labels : 1;
	int rc = map_labels(c, m->label, n_labels, source, err);
	if (rc < 0)
		return rc;
	/* liblinear: w[(f - 1) * nr_w + col], the bias feature last (f = nr_feature + 1). */
	size_t nf = (size_t)m->nr_feature, nc = c->n_cols;
	for (size_t col = 0; col < nc; col++)
		c->bias[col] = m->w[nf * nc + col] * LIBLINEAR_BIAS;
	/* A file may name fewer features than the bundle: room for the rest. */
	double *w = nf == c->n_features ? m->w : realloc(m->w, (c->n_features + 1) * nc * sizeof(double));
	if (w == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	m->w = NULL;
	memmove(w + nc, w, nf * nc * sizeof(double));
	memset(w, 0, nc * sizeof(double));
	if (c->n_features > nf)
		memset(w + (nf + 1) * nc, 0, (c->n_features - nf) * nc * sizeof(double));
	c->w = w;
	c->linear = 1;
	return 0;
}

/* save_model of c's liblinear model, its weights laid out as liblinear had
 * them (finish_liblinear took them): the same file to the byte. */
static int save_liblinear(const fr_classifier *c, const char *path, fr_error *err)
{
	struct model m = *c->ll;
	size_t nf = (size_t)m.nr_feature, nc = c->n_cols;
	m.w = malloc((nf + 1) * nc * sizeof(double));
	if (m.w == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	memcpy(m.w, c->w + nc, nf * nc * sizeof(double));
	for (size_t col = 0; col < nc; col++)
		m.w[nf * nc + col] = c->bias[col] / LIBLINEAR_BIAS;
	int bad = save_model(path, &m);
	int saved_errno = errno;
	free(m.w);
	if (bad != 0)
		return fr_error_set(err, FR_EIO, path, 0, "cannot write the classifier: %s", strerror(saved_errno));
	return 0;
}

/* liblinear's rows are ours with its bias feature before the terminator,
 * and its node has our node's layout. So the rows get the bias in place
 * (fr_classifier_train: each has a scratch node after its terminator),
 * not in a copy as large as the training vectors themselves: the
 * terminator moves into the scratch node and the bias takes its slot. */
_Static_assert(sizeof(struct feature_node) == sizeof(struct svm_node) &&
               offsetof(struct feature_node, index) == offsetof(struct svm_node, index) &&
               offsetof(struct feature_node, value) == offsetof(struct svm_node, value),
               "liblinear's feature_node and libsvm's svm_node share a layout");

static int train_liblinear(fr_classifier *c, const fr_classifier_options *opts,
                           struct svm_node *const *x, double *y, size_t n,
                           int *weight_label, double *weight, size_t n_labels, fr_error *err)
{
	int rc = 0;
	const int bias_index = (int)c->n_features + 1;
	struct feature_node **rows = malloc((n ? n : 1) * sizeof(*rows));
	struct svm_node **ends = calloc(n ? n : 1, sizeof(*ends)); /* each row's bias node, to put back */
	if (rows == NULL || ends == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		struct svm_node *p = x[i];
		while (p->index != -1 && p->index != bias_index)
			p++;
		rows[i] = (struct feature_node *)x[i];
		if (p->index == bias_index)
			continue; /* a row given twice, already done */
		p[1] = p[0];
		p->index = bias_index;
		p->value = LIBLINEAR_BIAS;
		ends[i] = p;
	}
	struct problem prob = { (int)n, (int)c->n_features + 1, y, rows, LIBLINEAR_BIAS };
	struct parameter param;
	memset(&param, 0, sizeof(param));
	param.solver_type = L2R_L2LOSS_SVC_DUAL;
	param.eps = 0.1; /* liblinear's and scikit-learn LinearSVC's default for this solver */
	param.C = opts->C;
	param.nr_weight = (int)n_labels;
	param.weight_label = weight_label;
	param.weight = weight;
	param.p = 0.1;
#if LIBLINEAR_VERSION >= 240
	param.regularize_bias = 1; /* 2.40 added it; 0 would change the model */
#endif
	const char *bad = check_parameter(&prob, &param);
	if (bad) {
		rc = fr_error_set(err, FR_EINVALID, NULL, 0, "liblinear: %s", bad);
		goto done;
	}
	set_print_string_function(quiet);
	srand(opts->seed); /* liblinear's coordinate descent visits rows in rand() order */
	c->ll = train(&prob, &param);
	if (c->ll == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "liblinear could not train");
		goto done;
	}
	/* liblinear copies what it keeps, except these two borrowed arrays. */
	c->ll->param.weight = NULL;
	c->ll->param.weight_label = NULL;
	c->ll->param.nr_weight = 0;
	c->ll->nr_feature = (int)c->n_features; /* the bias column is not a feature */
	rc = finish_liblinear(c, n_labels, NULL, err);
done:
	for (size_t i = 0; ends && i < n; i++)
		if (ends[i])
			ends[i][0] = ends[i][1];
	free(rows);
	free(ends);
	return rc;
}

int fr_classifier_train(fr_classifier **out, const fr_classifier_options *opts,
                        struct svm_node *const *x, const int *y, size_t n,
                        size_t n_labels, size_t n_features, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	fr_classifier *c = NULL;
	double *yd = NULL, *weight = NULL;
	int *weight_label = NULL;
	size_t *count = NULL;
	const char *why = fr_classifier_check_options(opts);
	if (why)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "%s", why);
	if (n_labels < 2 || n_labels > FR_CLASSIFIER_MAX_LABELS)
		return fr_error_set(err, FR_EINVALID, NULL, 0,
		                    "a task needs 2 to %d labels, not %zu", FR_CLASSIFIER_MAX_LABELS, n_labels);
	if (n > (size_t)INT32_MAX)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "too many training rows");

	c = calloc(1, sizeof(*c));
	yd = malloc(n * sizeof(*yd));
	weight = malloc(n_labels * sizeof(*weight));
	weight_label = malloc(n_labels * sizeof(*weight_label));
	count = calloc(n_labels, sizeof(*count));
	if (!c || !yd || !weight || !weight_label || !count) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	c->n_features = n_features;
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0 || (size_t)y[i] >= n_labels) {
			rc = fr_error_set(err, FR_EINVALID, NULL, 0, "class %d out of range", y[i]);
			goto done;
		}
		yd[i] = y[i];
		count[y[i]]++;
	}
	for (size_t l = 0; l < n_labels; l++) {
		if (count[l] == 0) {
			rc = fr_error_set(err, FR_EINVALID, NULL, 0, "class %zu has no training rows", l);
			goto done;
		}
		weight_label[l] = (int)l;
		weight[l] = opts->balanced ? (double)n / ((double)n_labels * (double)count[l]) : 1.0;
	}

	rc = fr_classifier_resolved_solver(opts) == FR_SOLVER_LIBLINEAR
	         ? train_liblinear(c, opts, x, yd, n, weight_label, weight, n_labels, err)
	         : train_libsvm(c, opts, x, yd, n, weight_label, weight, n_labels, err);
done:
	free(yd);
	free(weight);
	free(weight_label);
	free(count);
	if (rc < 0) {
		fr_classifier_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

size_t fr_classifier_label_count(const fr_classifier *c)
{
	return c->k;
}

/* Couples pairwise probabilities r[i][j] = P(i | i or j) into one
 * distribution p over k classes: the fixed-point method of Wu, Lin and Weng
 * (2004), section 4, which minimises sum_i sum_j (r_ji p_i - r_ij p_j)^2. */
static void couple(size_t k, double r[][FR_CLASSIFIER_MAX_LABELS], double *p)
{
	double Q[FR_CLASSIFIER_MAX_LABELS][FR_CLASSIFIER_MAX_LABELS];
	double Qp[FR_CLASSIFIER_MAX_LABELS];
	size_t max_iter = k > 100 ? k : 100;
	double tolerance = 0.005 / (double)k;
	for (size_t t = 0; t < k; t++) {
		p[t] = 1.0 / (double)k;
		Q[t][t] = 0.0;
		for (size_t j = 0; j < k; j++) {
			if (j == t)
				continue;
			Q[t][t] += r[j][t] * r[j][t];
			Q[t][j] = -r[j][t] * r[t][j];
		}
	}
	for (size_t iter = 0; iter < max_iter; iter++) {
		double pQp = 0.0, worst = 0.0;
		for (size_t t = 0; t < k; t++) {
			Qp[t] = 0.0;
			for (size_t j = 0; j < k; j++)
				Qp[t] += Q[t][j] * p[j];
			pQp += p[t] * Qp[t];
		}
		for (size_t t = 0; t < k; t++)
			worst = fmax(worst, fabs(Qp[t] - pQp));
		if (worst < tolerance)
			break;
		for (size_t t = 0; t < k; t++) {
			double step = (pQp - Qp[t]) / Q[t][t];
			double scale = 1.0 + step;
			p[t] += step;
			pQp = (pQp + step * (step * Q[t][t] + 2.0 * Qp[t])) / (scale * scale);
			for (size_t j = 0; j < k; j++) {
				Qp[j] = (Qp[j] + step * Q[t][j]) / scale;
				p[j] /= scale;
			}
		}
	}
}

/* Decision values of a model with explicit weights, in the solver's order. */
/* How many nodes ahead the weight rows are asked for: a paragraph's
 * features are scattered over the weights (megabytes), so each row is a
 * cache miss, and asking early lets them overlap. */
#define PREFETCH_AHEAD 16

static void prefetch_row(const fr_classifier *c, const struct svm_node *x)
{
	if (x->index >= 1 && (size_t)x->index <= c->n_features)
		__builtin_prefetch(c->w + (size_t)x->index * c->n_cols);
}

static void linear_decisions(const fr_classifier *c, const struct svm_node *x, double *dec)
{
	size_t nc = c->n_cols;
	const struct svm_node *ahead = x;
	for (size_t col = 0; col < nc; col++)
		dec[col] = c->bias[col];
	for (size_t d = 0; d < PREFETCH_AHEAD && ahead->index != -1; d++)
		prefetch_row(c, ahead++);
	if (nc == 1) {
		/* Two labels, one column: the sum stays in a register instead of
		 * going through dec, which the compiler must assume w may alias. */
		double sum = dec[0];
		for (; x->index != -1; x++) {
			if (ahead->index != -1)
				prefetch_row(c, ahead++);
			if (x->index >= 1 && (size_t)x->index <= c->n_features)
				sum += c->w[x->index] * x->value;
		}
		dec[0] = sum;
		return;
	}
	for (; x->index != -1; x++) {
		if (ahead->index != -1)
			prefetch_row(c, ahead++);
		if (x->index < 1 || (size_t)x->index > c->n_features)
			continue;
		const double *w = c->w + (size_t)x->index * nc;
		for (size_t col = 0; col < nc; col++)
			dec[col] += w[col] * x->value;
	}
}

static int argmax(const double *v, size_t k)
{
	size_t best = 0;
	for (size_t i = 1; i < k; i++)
		if (v[i] > v[best])
			best = i;
	return (int)best;
}

void fr_classifier_decision_values(const fr_classifier *c, const struct svm_node *x, double *dec)
{
	if (c->linear)
		linear_decisions(c, x, dec);
	else
		svm_predict_values(c->model, x, dec);
}

int fr_classifier_predict(const fr_classifier *c, const struct svm_node *x,
                          double *scores_out, fr_error *err)
{
	double prob[FR_CLASSIFIER_MAX_LABELS];
	double dec[FR_CLASSIFIER_MAX_LABELS * (FR_CLASSIFIER_MAX_LABELS - 1) / 2];
	double r[FR_CLASSIFIER_MAX_LABELS][FR_CLASSIFIER_MAX_LABELS];
	const double min_prob = 1e-7; /* as libsvm: no pair is ever certain */
	size_t k = c->k;
	(void)err;
	fr_classifier_decision_values(c, x, dec);
	for (size_t i = 0; i < k; i++) {
		for (size_t j = i + 1; j < k; j++) {
			/* One-vs-rest values become pairwise ones by difference. */
			double d = c->solver == FR_SOLVER_LIBSVM ? dec[pair_index(k, i, j)]
			         : k == 2                         ? dec[0]
			                                          : dec[i] - dec[j];
			double v = 1.0 / (1.0 + exp(-FR_SCORE_SLOPE * d));
			v = fmin(fmax(v, min_prob), 1.0 - min_prob);
			r[i][j] = v;
			r[j][i] = 1.0 - v;
		}
	}
	if (k == 2) {
		prob[0] = r[0][1];
		prob[1] = r[1][0];
	} else {
		couple(k, r, prob);
	}
	for (size_t i = 0; i < k; i++)
		scores_out[c->class_of_pos[i]] = prob[i];
	return argmax(scores_out, k);
}

double fr_classifier_label_weight(const fr_classifier *c, int feature, int label)
{
	if (!c->linear || feature < 1 || (size_t)feature > c->n_features ||
	    label < 0 || (size_t)label >= c->k)
		return 0.0;
	size_t pos = (size_t)c->pos_of_class[label], k = c->k;
	const double *w = c->w + (size_t)feature * c->n_cols;
	if (c->solver == FR_SOLVER_LIBLINEAR)
		return k > 2 ? w[pos] : (pos == 0 ? w[0] : -w[0]);
	double sum = 0.0;
	for (size_t o = 0; o < k; o++) {
		if (o == pos)
			continue;
		/* A positive decision value votes for the first class of the pair. */
		sum += o > pos ? w[pair_index(k, pos, o)] : -w[pair_index(k, o, pos)];
	}
	return sum;
}

/* Keeps the `max` largest pushes, sorted, in features/push (insertion). */
static void keep_top(int f, double v, int *features, double *push, size_t *n, size_t max)
{
	if (!(v > 0.0))
		return;
	size_t i = *n < max ? (*n)++ : max;
	if (i == max && v <= push[max - 1])
		return;
	if (i == max)
		i = max - 1;
	/* Ties keep the lower feature index first, so output is deterministic. */
	while (i > 0 && (push[i - 1] < v || (push[i - 1] == v && features[i - 1] > f))) {
		push[i] = push[i - 1];
		features[i] = features[i - 1];
		i--;
	}
	push[i] = v;
	features[i] = f;
}

size_t fr_classifier_evidence(const fr_classifier *c, const struct svm_node *x, int label,
                              size_t last_feature, int *features_out, double *push_out, size_t max)
{
	size_t n = 0;
	if (max == 0 || label < 0 || (size_t)label >= c->k)
		return 0;
	if (last_feature > c->n_features)
		last_feature = c->n_features;
	if (c->linear && c->solver == FR_SOLVER_LIBLINEAR) {
		/* fr_classifier_label_weight's liblinear case, inline: one
		 * column of the weights, negated for the second of two labels.
		 * Only a push over the current floor goes through keep_top. */
		size_t pos = (size_t)c->pos_of_class[label], nc = c->n_cols;
		size_t col = c->k > 2 ? pos : 0;
		int negate = c->k == 2 && pos != 0;
		double floor = 0.0;
		for (const struct svm_node *p = x; p->index != -1; p++) {
			if (p->index < 1 || (size_t)p->index > last_feature)
				continue;
			double wl = c->w[(size_t)p->index * nc + col];
			double v = p->value * (negate ? -wl : wl);
			if (v > floor) {
				keep_top(p->index, v, features_out, push_out, &n, max);
				floor = n < max ? 0.0 : push_out[max - 1];
			}
		}
		return n;
	}
	if (c->linear) {
		for (const struct svm_node *p = x; p->index != -1; p++)
			if (p->index >= 1 && (size_t)p->index <= last_feature)
				keep_top(p->index, p->value * fr_classifier_label_weight(c, p->index, label),
				         features_out, push_out, &n, max);
		return n;
	}
	/* RBF: occlusion, one feature at a time. */
	size_t len = 0;
	while (x[len].index != -1)
		len++;
	struct svm_node *without = malloc((len + 1) * sizeof(*without));
	if (without == NULL)
		return 0;
	double scores[FR_CLASSIFIER_MAX_LABELS];
	fr_classifier_predict(c, x, scores, NULL);
	double full = scores[label];
	for (size_t skip = 0; skip < len; skip++) {
		if (x[skip].index < 1 || (size_t)x[skip].index > last_feature)
			continue;
		size_t m = 0;
		for (size_t i = 0; i <= len; i++)
			if (i != skip)
				without[m++] = x[i];
		fr_classifier_predict(c, without, scores, NULL);
		keep_top(x[skip].index, full - scores[label], features_out, push_out, &n, max);
	}
	free(without);
	return n;
}

int fr_classifier_save(const fr_classifier *c, const char *path, fr_error *err)
{
	if (c->solver == FR_SOLVER_LIBLINEAR)
		return save_liblinear(c, path, err);
	int bad = svm_save_model(path, c->model);
	if (bad != 0)
		return fr_error_set(err, FR_EIO, path, 0, "cannot write the classifier: %s", strerror(errno));
	return 0;
}

/* FR_EMODEL unless the file at path starts with `word` and a space. */
static int check_first_word(const char *path, const char *word, fr_error *err)
{
	char head[32] = "";
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return fr_error_set(err, FR_EMODEL, path, 0, "cannot read the classifier file: %s", strerror(errno));
	size_t got = fread(head, 1, sizeof(head) - 1, fp);
	fclose(fp);
	size_t len = strlen(word);
	if (got <= len || memcmp(head, word, len) != 0 || head[len] != ' ')
		return fr_error_set(err, FR_EMODEL, path, 0, "not a %s model file (model.json names that solver)",
		                    strcmp(word, "svm_type") == 0 ? "libsvm" : "LIBLINEAR");
	return 0;
}

/* The next whitespace-separated word at *p, NUL-terminated into word (of
 * size bytes), *p moved past it. 0, or -1 at the end or for a longer word. */
static int next_word(const char **p, char *word, size_t size)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = 0;
	while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && s[n] != '\r')
		n++;
	if (n == 0 || n >= size)
		return -1;
	memcpy(word, s, n);
	word[n] = '\0';
	*p = s + n;
	return 0;
}

static int next_int(const char **p, int *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(*p, &end, 10);
	if (end == *p || errno != 0 || v < INT_MIN || v > INT_MAX)
		return -1;
	*out = (int)v;
	*p = end;
	return 0;
}

/* The whole file at path, NUL-terminated, its length in *len_out; NULL
 * when it cannot be read. */
static char *read_whole(const char *path, size_t *len_out)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;
	if (fp == NULL)
		return NULL;
	if (fstat(fileno(fp), &st) == 0 && st.st_size >= 0 && (uint64_t)st.st_size < SIZE_MAX / 2 &&
	    (buf = malloc((size_t)st.st_size + 1)) != NULL) {
		size_t got = fread(buf, 1, (size_t)st.st_size, fp);
		buf[got] = '\0';
		if (got != (size_t)st.st_size || memchr(buf, '\0', got) != NULL) {
			free(buf);
			buf = NULL;
		}
		*len_out = got;
	}
	fclose(fp);
	return buf;
}

/* LIBLINEAR's load_model for the files framer writes (solver
 * L2R_L2LOSS_SVC_DUAL), from one read of the file: load_model reads each
 * weight with fscanf, a third of classify's start-up. The same model to the
 * bit: header words in any order, then the weights read with strtod, as
 * fscanf's "%lf" reads them, in the "C" locale load_model sets. NULL for
 * anything else (another solver, a header word it does not know, a short
 * file, another locale), which load_model then reads as before. */
static struct model *read_liblinear(const char *path)
{
	const struct lconv *lc = localeconv();
	if (lc == NULL || strcmp(lc->decimal_point, ".") != 0)
		return NULL;
	size_t len = 0;
	char *buf = read_whole(path, &len);
	struct model *m = buf ? calloc(1, sizeof(*m)) : NULL;
	const char *p = buf;
	char word[64];
	int nr_class = 0, nr_feature = -1, solver_ok = 0, ok = 0;
	double bias = -1.0;
	if (m == NULL)
		goto done;
	while (next_word(&p, word, sizeof(word)) == 0 && strcmp(word, "w") != 0) {
		char *end = NULL;
		if (strcmp(word, "solver_type") == 0) {
			solver_ok = next_word(&p, word, sizeof(word)) == 0 && strcmp(word, "L2R_L2LOSS_SVC_DUAL") == 0;
			if (!solver_ok)
				goto done;
		} else if (strcmp(word, "nr_class") == 0) {
			if (next_int(&p, &nr_class) < 0 || nr_class < 2 || nr_class > FR_CLASSIFIER_MAX_LABELS ||
			    m->label != NULL)
				goto done;
		} else if (strcmp(word, "label") == 0) {
			if (nr_class < 2 || m->label != NULL || (m->label = malloc((size_t)nr_class * sizeof(int))) == NULL)
				goto done;
			for (int i = 0; i < nr_class; i++)
				if (next_int(&p, &m->label[i]) < 0)
					goto done;
		} else if (strcmp(word, "nr_feature") == 0) {
			if (next_int(&p, &nr_feature) < 0 || nr_feature < 0)
				goto done;
		} else if (strcmp(word, "bias") == 0) {
			bias = strtod(p, &end);
			if (end == p)
				goto done;
			p = end;
		} else {
			goto done;
		}
	}
	if (!solver_ok || nr_class < 2 || nr_feature < 0 || *p == '\0')
		goto done;
	size_t rows = (size_t)nr_feature + (bias >= 0 ? 1 : 0), nr_w = nr_class == 2 ? 1 : (size_t)nr_class;
	if ((m->w = malloc((rows ? rows : 1) * nr_w * sizeof(double))) == NULL)
		goto done;
	for (size_t i = 0; i < rows * nr_w; i++) {
		/* strtod's double, mostly without strtod (after the white space
		 * strtod would skip). */
		const char *q = p, *buf_end = buf + len;
		while (*q == ' ' || *q == '\n' || *q == '\r' || *q == '\t')
			q++;
		size_t n = fr_numfmt_read_double(q, (size_t)(buf_end - q), &m->w[i]);
		if (n > 0) {
			p = q + n;
			continue;
		}
		char *end = NULL;
		m->w[i] = strtod(p, &end);
		if (end == p)
			goto done;
		p = end;
	}
	m->param.solver_type = L2R_L2LOSS_SVC_DUAL;
	m->nr_class = nr_class;
	m->nr_feature = nr_feature;
	m->bias = bias;
	ok = 1;
done:
	free(buf);
	if (!ok && m != NULL) {
		free(m->label);
		free(m->w);
		free(m);
		m = NULL;
	}
	return m;
}

int fr_classifier_load(fr_classifier **out, const char *path, int solver, size_t n_labels,
                       size_t n_features, fr_error *err)
{
	*out = NULL;
	struct stat st;
	int rc = 0;
	if (stat(path, &st) != 0)
		return fr_error_set(err, FR_EMODEL, path, 0, "classifier file is missing");
	if (solver != FR_SOLVER_LIBSVM && solver != FR_SOLVER_LIBLINEAR)
		return fr_error_set(err, FR_EMODEL, path, 0, "unknown solver");
	/* libsvm's loader prints to stderr when it meets a header it does not
	 * know (a LIBLINEAR file, say), and a library must not print: check the
	 * first word of the file before either loader reads it. */
	rc = check_first_word(path, solver == FR_SOLVER_LIBLINEAR ? "solver_type" : "svm_type", err);
	if (rc < 0)
		return rc;
	fr_classifier *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	c->n_features = n_features;
	if (solver == FR_SOLVER_LIBLINEAR) {
		set_print_string_function(quiet);
		c->ll = read_liblinear(path);
		if (c->ll == NULL)
			c->ll = load_model(path);
		rc = c->ll ? finish_liblinear(c, n_labels, path, err)
		           : fr_error_set(err, FR_EMODEL, path, 0, "liblinear cannot read this classifier file");
	} else {
		svm_set_print_string_function(quiet);
		c->model = svm_load_model(path);
		rc = c->model ? finish_libsvm(c, n_labels, path, err)
		              : fr_error_set(err, FR_EMODEL, path, 0, "libsvm cannot read this classifier file");
	}
	if (rc < 0) {
		fr_classifier_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void fr_classifier_free(fr_classifier *c)
{
	if (c == NULL)
		return;
	if (c->model) {
		if (c->sv_store) {
			/* SVs were copied into sv_store; libsvm must not free them. */
			c->model->free_sv = 0;
		}
		svm_free_and_destroy_model(&c->model);
	}
	if (c->ll)
		free_and_destroy_model(&c->ll);
	free(c->sv_store);
	free(c->w);
	free(c);
}
