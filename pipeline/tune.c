#include "tune.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "classify.h"
#include "folds.h"
#include "stem.h"
#include "tfidf.h"
#include "tokenize.h"

/* ---- rand() per thread ----
 * LIBLINEAR's coordinate descent visits rows in rand() order after the
 * srand(seed) fr_classifier_train does. rand() has one state per process,
 * so fits on several threads would draw from each other's sequence and the
 * search would depend on timing. These definitions take the place of the C
 * library's in the program (and so in LIBLINEAR): glibc's own generator
 * (random_r, the TYPE_3 state rand() uses), one state per thread. The
 * sequence for a seed is the one glibc's rand() gives, so a model trained on
 * one thread is the same as before. */
static _Thread_local struct random_data tls_rand;
static _Thread_local char tls_rand_state[128];
static _Thread_local int tls_rand_ready;

void srand(unsigned seed)
{
	if (!tls_rand_ready) {
		memset(&tls_rand, 0, sizeof(tls_rand));
		initstate_r(seed, tls_rand_state, sizeof(tls_rand_state), &tls_rand);
		tls_rand_ready = 1;
	}
	srandom_r(seed, &tls_rand);
}

int rand(void)
{
	int32_t r = 0;
	if (!tls_rand_ready)
		srand(1);
	random_r(&tls_rand, &r);
	return (int)r;
}

/* ---- the search space (tune.h) ---- */

#define N_C 7
static const int grid_min_df[] = { 1, 2 };
static const int grid_ngram_max[] = { 1, 2 };
static const int grid_log2_c[N_C] = { -2, -1, 0, 1, 2, 3, 4 };
#define GRID_CHAR_MIN 2
#define GRID_CHAR_MAX 5

/* The pass that added a point (tune.h): its "stage" in the record. */
enum { STAGE_DEFAULT = 0, STAGE_WORDS = 1, STAGE_CHARS = 2, STAGE_REFINE = 3 };
static const char *const stage_names[] = { "default", "words", "chars", "refine" };

/* default 1 + words 8 + chars FR_TUNE_CHAR_SETTINGS, with room to spare */
#define MAX_VECS 16
/* default 1 + words 112 + chars 2 x 2 x 3 + refinement, at most
 * FR_TUNE_REFINE_ROWS x (2 + (FR_TUNE_LOG2_C_MAX - FR_TUNE_LOG2_C_MIN)) */
#define MAX_POINTS 192

typedef struct {
	fr_tfidf_options tfidf;
	int stop;            /* 1: the config's stop words (if it has any); 0: none */
} tune_vec;

typedef struct {
	size_t vec;          /* index into tune_ctx.vecs */
	int stage;           /* STAGE_* */
	int pass;            /* the pass that scores it: 1 (default, words), 2 (chars), 3... (refine) */
	int balanced;
	double C;
	int solver;          /* FR_SOLVER_LIBLINEAR, or the config's (auto: resolved per task as training does) */
} tune_point;

typedef struct {
	size_t ti;           /* index into ds->tasks */
	int *y;              /* per row: label index, -1 when unlabeled */
	size_t n_labels;
	size_t n_rows;       /* labeled rows */
	int target;          /* label index whose F1 is the objective, or -1 for macro-F1 */
} tune_task;

typedef struct {
	const fr_dataset *ds;
	const fr_model_config *cfg;
	fr_tokens *tokens[2];  /* [stop] per row; [0] NULL when the config has no stop words */
	int *fold;             /* [repeat * n_rows + row], one repeat per distinct split */
	size_t k, repeats;     /* repeats: the distinct splits scored */
	unsigned *seeds;       /* [repeat]: the seed that split it */
	unsigned char *again;  /* [repeat * k + fold]: 1 when an earlier fold held out the same rows */
	tune_task *tasks;
	size_t n_tasks;
	tune_vec vecs[MAX_VECS];
	size_t n_vecs;
	tune_point points[MAX_POINTS];
	size_t n_points;
	double *score;         /* [point][repeat][fold][task], NAN where a task cannot be scored */
	uint32_t *counts;      /* [point][repeat][fold][task][label][tp, fp, fn] */
	size_t max_labels;     /* the most labels of a tuned task */
	/* the pass being run */
	int pass;
	size_t job_vecs[MAX_VECS];
	size_t n_job_vecs, n_jobs, next_job;
	pthread_mutex_t lock;
	int *job_rc;
	fr_error *job_err;
} tune_ctx;

static double *score_at(const tune_ctx *c, size_t p, size_t r, size_t f, size_t t)
{
	return &c->score[((p * c->repeats + r) * c->k + f) * c->n_tasks + t];
}

static uint32_t *counts_at(const tune_ctx *c, size_t p, size_t r, size_t f, size_t t)
{
	return &c->counts[((((p * c->repeats + r) * c->k + f) * c->n_tasks + t) * c->max_labels) * 3];
}

static int same_tfidf(const fr_tfidf_options *a, const fr_tfidf_options *b)
{
	return a->ngram_min == b->ngram_min && a->ngram_max == b->ngram_max && a->min_df == b->min_df &&
	       a->min_df_is_count == b->min_df_is_count && a->max_df == b->max_df &&
	       a->max_df_is_count == b->max_df_is_count && a->sublinear_tf == b->sublinear_tf &&
	       a->smooth_idf == b->smooth_idf && a->norm == b->norm && a->char_min == b->char_min &&
	       a->char_max == b->char_max;
}

/* The index of a vectorizer setting, added when new; -1 when full. */
static int add_vec(tune_ctx *c, const fr_tfidf_options *to, int stop)
{
	for (size_t v = 0; v < c->n_vecs; v++)
		if (c->vecs[v].stop == stop && same_tfidf(&c->vecs[v].tfidf, to))
			return (int)v;
	if (c->n_vecs == MAX_VECS)
		return -1;
	c->vecs[c->n_vecs].tfidf = *to;
	c->vecs[c->n_vecs].stop = stop;
	return (int)c->n_vecs++;
}

/* Adds a point unless the same one is there already. */
static void add_point(tune_ctx *c, size_t v, int stage, int pass, int balanced, double C, int solver)
{
	for (size_t p = 0; p < c->n_points; p++) {
		const tune_point *q = &c->points[p];
		if (q->vec == v && q->balanced == balanced && q->C == C && q->solver == solver)
			return;
	}
	if (c->n_points == MAX_POINTS)
		return;
	tune_point *q = &c->points[c->n_points++];
	q->vec = v;
	q->stage = stage;
	q->pass = pass;
	q->balanced = balanced;
	q->C = C;
	q->solver = solver;
}

/* ---- distinct splits ---- */

/* Whether two fold assignments of n rows into k folds are one split: the
 * same rows together, under any fold numbers. map: room for 2k. */
static int same_split(const int *a, const int *b, size_t n, size_t k, int *map)
{
	int *to_b = map, *to_a = map + k;
	for (size_t f = 0; f < 2 * k; f++)
		map[f] = -1;
	for (size_t i = 0; i < n; i++) {
		if (to_b[a[i]] < 0 && to_a[b[i]] < 0) {
			to_b[a[i]] = b[i];
			to_a[b[i]] = a[i];
		} else if (to_b[a[i]] != b[i] || to_a[b[i]] != a[i]) {
			return 0;
		}
	}
	return 1;
}

/* Flags each fold (of every repeat) that holds out the same rows as an
 * earlier one: the same training rows too, so the same scores. */
static void flag_repeated_folds(tune_ctx *c, size_t n)
{
	for (size_t j = 0; j < c->repeats * c->k; j++) {
		const int *a = c->fold + (j / c->k) * n;
		int fa = (int)(j % c->k);
		c->again[j] = 0;
		for (size_t e = 0; e < j / c->k * c->k && !c->again[j]; e++) {
			const int *b = c->fold + (e / c->k) * n;
			int fb = (int)(e % c->k);
			size_t i = 0;
			while (i < n && (a[i] == fa) == (b[i] == fb))
				i++;
			c->again[j] = i == n;
		}
	}
}

/* ---- one job: a vectorizer setting on one fold ---- */

/* Macro-F1 over the labels with any tp, fp or fn (scikit-learn's: the
 * labels in the truth or the predictions), or the F1 of target, from
 * [tp, fp, fn] per label. */
static double f1_of_counts(const uint32_t *counts, size_t n_labels, int target)
{
	double sum = 0.0;
	size_t used = 0;
	for (size_t l = 0; l < n_labels; l++) {
		const uint32_t *x = counts + 3 * l;
		if (target >= 0 && (int)l != target)
			continue;
		if (target < 0 && x[0] + x[1] + x[2] == 0)
			continue;
		double d = 2.0 * x[0] + (double)x[1] + (double)x[2];
		sum += d > 0 ? 2.0 * x[0] / d : 0.0;
		used++;
	}
	return used ? sum / (double)used : 0.0;
}

/* Counts the [tp, fp, fn] of each label into counts (zeroed first). */
static void count_labels(uint32_t *counts, const int *truth, const int *pred, size_t n, size_t n_labels)
{
	memset(counts, 0, 3 * n_labels * sizeof(*counts));
	for (size_t i = 0; i < n; i++) {
		if (truth[i] == pred[i]) {
			counts[3 * truth[i]]++;
		} else {
			counts[3 * pred[i] + 1]++;
			counts[3 * truth[i] + 2]++;
		}
	}
}

/* Whether a fold's classifier trains on row: a labeled one with a feature.
 * fr_model_train leaves a row with none out, as it would teach only a lean
 * toward its label; held out, such a row is scored like any other. */
static int trains_on(const tune_task *task, struct svm_node *const *x, size_t row)
{
	return task->y[row] >= 0 && x[row][0].index != -1;
}

/* Vectorizer setting v fitted on every fold of repeat r but f, then each
 * point of the current pass on v trained per task and scored on fold f. */
static int run_job(tune_ctx *c, size_t v, size_t r, size_t f, fr_error *err)
{
	const fr_dataset *ds = c->ds;
	const fr_tokens *tokens = c->tokens[c->vecs[v].stop];
	const int *fold = c->fold + r * ds->n_rows;
	size_t n = ds->n_rows, n_train = 0, total = 0, store_cap = 0;
	int rc = 0;
	fr_tfidf *tf = NULL;
	fr_sparse_vec vec;
	struct svm_node *store = NULL, **x = NULL, **xs = NULL;
	size_t *offsets = NULL, *train_rows = NULL, *test_rows = NULL, n_test = 0;
	int *y = NULL, *truth = NULL, *pred = NULL, *map = NULL, *back = NULL, *present = NULL;
	double scores[FR_CLASSIFIER_MAX_LABELS];
	fr_sparse_vec_init(&vec);

	x = malloc(n * sizeof(*x));
	xs = malloc(n * sizeof(*xs));
	offsets = malloc(n * sizeof(*offsets));
	train_rows = malloc(n * sizeof(*train_rows));
	test_rows = malloc(n * sizeof(*test_rows));
	y = malloc(n * sizeof(*y));
	truth = malloc(n * sizeof(*truth));
	pred = malloc(n * sizeof(*pred));
	map = malloc(FR_CLASSIFIER_MAX_LABELS * sizeof(*map));
	back = malloc(FR_CLASSIFIER_MAX_LABELS * sizeof(*back));
	present = malloc(FR_CLASSIFIER_MAX_LABELS * sizeof(*present));
	if (!x || !xs || !offsets || !train_rows || !test_rows || !y || !truth || !pred || !map ||
	    !back || !present) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if (fold[i] == (int)f)
			test_rows[n_test++] = i;
		else
			train_rows[n_train++] = i;
	}
	rc = fr_tfidf_new(&tf, &c->vecs[v].tfidf, err);
	for (size_t i = 0; rc == 0 && i < n_train; i++)
		rc = fr_tfidf_fit_add(tf, &tokens[train_rows[i]], err);
	if (rc == 0)
		rc = fr_tfidf_fit_finish(tf, err);
	/* Vectors of every row, in one block: training rows as fitted, held-out
	 * rows through transform, as a new paragraph would be. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t row = i < n_train ? train_rows[i] : test_rows[i - n_train];
		rc = i < n_train ? fr_tfidf_fitted_vector(tf, i, &vec, err)
		                 : fr_tfidf_transform(tf, &tokens[row], &vec, err);
		if (rc == 0 && fr_sparse_vec_append(&vec, &store, &store_cap, &total, &offsets[row]) < 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	if (rc < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		x[i] = store + offsets[i];
	fr_tfidf_fit_release(tf);

	for (size_t t = 0; rc == 0 && t < c->n_tasks; t++) {
		const tune_task *task = &c->tasks[t];
		/* The labels the training part has, numbered densely. */
		size_t k = 0, m = 0, nt = 0;
		memset(present, 0, FR_CLASSIFIER_MAX_LABELS * sizeof(*present));
		for (size_t i = 0; i < n_train; i++)
			if (trains_on(task, x, train_rows[i]))
				present[task->y[train_rows[i]]] = 1;
		for (size_t l = 0; l < task->n_labels; l++) {
			map[l] = present[l] ? (int)k : -1;
			if (present[l])
				back[k++] = (int)l;
		}
		for (size_t i = 0; i < n_train; i++) {
			if (trains_on(task, x, train_rows[i])) {
				xs[m] = x[train_rows[i]];
				y[m++] = map[task->y[train_rows[i]]];
			}
		}
		for (size_t i = 0; i < n_test; i++)
			if (task->y[test_rows[i]] >= 0)
				truth[nt++] = task->y[test_rows[i]];
		if (k < 2 || nt == 0)
			continue;
		for (size_t p = 0; rc == 0 && p < c->n_points; p++) {
			const tune_point *pt = &c->points[p];
			if (pt->vec != v || pt->pass != c->pass)
				continue;
			fr_classifier_options co = c->cfg->classifier;
			fr_classifier *clf = NULL;
			co.balanced = pt->balanced;
			co.C = pt->C;
			co.solver = pt->solver; /* training resolves auto */
			rc = fr_classifier_train(&clf, &co, xs, y, m, k, fr_tfidf_feature_count(tf), err);
			size_t j = 0;
			for (size_t i = 0; rc == 0 && i < n_test; i++) {
				if (task->y[test_rows[i]] < 0)
					continue;
				int lab = fr_classifier_predict(clf, x[test_rows[i]], scores, err);
				if (lab < 0)
					rc = lab;
				else
					pred[j++] = back[lab];
			}
			fr_classifier_free(clf);
			if (rc == 0) {
				uint32_t *counts = counts_at(c, p, r, f, t);
				count_labels(counts, truth, pred, nt, task->n_labels);
				*score_at(c, p, r, f, t) = f1_of_counts(counts, task->n_labels, task->target);
			}
		}
	}
done:
	fr_tfidf_free(tf);
	fr_sparse_vec_dispose(&vec);
	free(store);
	free(x);
	free(xs);
	free(offsets);
	free(train_rows);
	free(test_rows);
	free(y);
	free(truth);
	free(pred);
	free(map);
	free(back);
	free(present);
	return rc;
}

static void *worker(void *arg)
{
	tune_ctx *c = arg;
	size_t per_vec = c->repeats * c->k;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		size_t job = c->next_job++;
		pthread_mutex_unlock(&c->lock);
		if (job >= c->n_jobs)
			break;
		c->job_rc[job] = run_job(c, c->job_vecs[job / per_vec], (job % per_vec) / c->k, job % c->k,
		                         &c->job_err[job]);
	}
	return NULL;
}

/* Scores every point of the pass: one job per setting, repeat and fold. */
static int run_pass(tune_ctx *c, int pass, size_t n_threads, fr_error *err)
{
	int rc = 0;
	pthread_t *threads = NULL;
	c->pass = pass;
	c->n_job_vecs = 0;
	for (size_t v = 0; v < c->n_vecs; v++) {
		int used = 0;
		for (size_t p = 0; p < c->n_points; p++)
			used |= c->points[p].vec == v && c->points[p].pass == pass;
		if (used)
			c->job_vecs[c->n_job_vecs++] = v;
	}
	c->n_jobs = c->n_job_vecs * c->repeats * c->k;
	c->next_job = 0;
	if (c->n_jobs == 0)
		return 0;
	c->job_rc = calloc(c->n_jobs, sizeof(*c->job_rc));
	c->job_err = calloc(c->n_jobs, sizeof(*c->job_err));
	if (!c->job_rc || !c->job_err) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	if (n_threads > c->n_jobs)
		n_threads = c->n_jobs;
	pthread_mutex_init(&c->lock, NULL);
	threads = calloc(n_threads, sizeof(*threads));
	size_t started = 0;
	for (; threads && started < n_threads; started++)
		if (pthread_create(&threads[started], NULL, worker, c) != 0)
			break;
	if (started == 0)
		worker(c);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&c->lock);
	for (size_t j = 0; j < c->n_jobs; j++) {
		if (c->job_rc[j] < 0) {
			if (err)
				*err = c->job_err[j];
			rc = c->job_rc[j];
			break;
		}
	}
done:
	free(threads);
	free(c->job_rc);
	free(c->job_err);
	c->job_rc = NULL;
	c->job_err = NULL;
	return rc;
}

/* ---- scores ---- */

/* The mean over tasks of one point's fold, or NAN. */
static double fold_score(const tune_ctx *c, size_t p, size_t r, size_t f)
{
	double sum = 0.0;
	size_t used = 0;
	for (size_t t = 0; t < c->n_tasks; t++) {
		double s = *score_at(c, p, r, f, t);
		if (!isnan(s)) {
			sum += s;
			used++;
		}
	}
	return used ? sum / (double)used : NAN;
}

/* The objective of a point for a task (t < n_tasks) or the mean over
 * tasks (t == n_tasks) on repeat r: F1 from the [tp, fp, fn] of all its
 * folds pooled (Forman and Scholz, "Apples-to-apples in cross-validation
 * studies", 2010: the mean of per-fold F1 is biased and noisy when a fold
 * holds few rows of a label, as a rare frame's few examples do). NAN when
 * no fold could be scored. */
static double pooled_score(const tune_ctx *c, size_t p, size_t r, size_t t)
{
	if (t == c->n_tasks) {
		double sum = 0.0;
		size_t used = 0;
		for (size_t u = 0; u < c->n_tasks; u++) {
			double s = pooled_score(c, p, r, u);
			if (!isnan(s)) {
				sum += s;
				used++;
			}
		}
		return used ? sum / (double)used : NAN;
	}
	uint32_t pooled[3 * FR_CLASSIFIER_MAX_LABELS];
	size_t n_labels = c->tasks[t].n_labels, used = 0;
	memset(pooled, 0, sizeof(pooled));
	for (size_t f = 0; f < c->k; f++) {
		if (isnan(*score_at(c, p, r, f, t)))
			continue;
		const uint32_t *x = counts_at(c, p, r, f, t);
		for (size_t i = 0; i < 3 * n_labels; i++)
			pooled[i] += x[i];
		used++;
	}
	return used ? f1_of_counts(pooled, n_labels, c->tasks[t].target) : NAN;
}

/* A point's mean over repeats of the pooled objective of a task
 * (t < n_tasks) or of the mean over tasks (t == n_tasks), and the
 * population std over every repeat's folds of the per-fold objective (a
 * fold holding out the same rows as an earlier one once): how much one
 * fold's score spreads. */
static void point_stats(const tune_ctx *c, size_t p, size_t t, double *mean, double *std)
{
	double sum = 0.0, sq = 0.0, msum = 0.0;
	size_t used = 0, mused = 0;
	for (size_t r = 0; r < c->repeats; r++) {
		double m = pooled_score(c, p, r, t);
		if (!isnan(m)) {
			msum += m;
			mused++;
		}
		for (size_t f = 0; f < c->k; f++) {
			double s = t < c->n_tasks ? *score_at(c, p, r, f, t) : fold_score(c, p, r, f);
			if (!c->again[r * c->k + f] && !isnan(s)) {
				sum += s;
				sq += s * s;
				used++;
			}
		}
	}
	*mean = mused ? msum / (double)mused : NAN;
	double fmean = used ? sum / (double)used : 0.0;
	double var = used ? sq / (double)used - fmean * fmean : 0.0;
	*std = used ? sqrt(var > 0 ? var : 0.0) : NAN;
}

static double point_mean(const tune_ctx *c, size_t p)
{
	double mean = 0, std = 0;
	point_stats(c, p, c->n_tasks, &mean, &std);
	return mean;
}

static int c_index(double C)
{
	for (int i = 0; i < N_C; i++)
		if (ldexp(1.0, grid_log2_c[i]) == C)
			return i;
	return -1;
}

/* Whether point p is a word point: one of the word grid's, or the
 * config's own when it could be (words only, LIBLINEAR, a C of the grid).
 * The config's own is one of the grid's whenever its values are on the
 * grid, as the defaults are: add_point keeps it as "default". */
static int is_word_point(const tune_ctx *c, size_t p)
{
	const tune_point *pt = &c->points[p];
	if (pt->stage == STAGE_WORDS)
		return 1;
	return pt->stage == STAGE_DEFAULT && pt->solver == FR_SOLVER_LIBLINEAR &&
	       c->vecs[pt->vec].tfidf.char_max == 0 && c_index(pt->C) >= 0;
}

/* The best scored point (word points only when words_only; on setting v,
 * or any when v is -1), the earliest on ties; -1 when none could be
 * scored. */
static int best_point(const tune_ctx *c, int words_only, int v)
{
	int best = -1;
	double best_mean = -1.0;
	for (size_t p = 0; p < c->n_points; p++) {
		if ((words_only && !is_word_point(c, p)) || (v >= 0 && c->points[p].vec != (size_t)v))
			continue;
		double m = point_mean(c, p);
		if (!isnan(m) && m > best_mean) {
			best_mean = m;
			best = (int)p;
		}
	}
	return best;
}

double fr_tune_diffs_se(const double *diffs, size_t n)
{
	if (n < 2)
		return 0.0;
	double mean = 0.0, sq = 0.0;
	for (size_t i = 0; i < n; i++)
		mean += diffs[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (diffs[i] - mean) * (diffs[i] - mean);
	return sqrt(sq / (double)(n - 1)) / sqrt((double)n);
}

int fr_tune_beats_default(double gain, double se)
{
	return gain > 0.0 && gain > se;
}

/* The paired per-fold differences of point p's objective over the
 * default's (point 0), every repeat's folds where both were scored, into
 * diffs (room for repeats * k); how many. A fold that holds out the same
 * rows as an earlier one (c->again) is the same fit with the same scores,
 * not another measurement: it counts once. */
static size_t fold_diffs(const tune_ctx *c, size_t p, double *diffs)
{
	size_t n = 0;
	for (size_t r = 0; r < c->repeats; r++) {
		for (size_t f = 0; f < c->k; f++) {
			double a = fold_score(c, p, r, f), b = fold_score(c, 0, r, f);
			if (!c->again[r * c->k + f] && !isnan(a) && !isnan(b))
				diffs[n++] = a - b;
		}
	}
	return n;
}

/* The character stage: [2, 5] added to the best word settings, the C
 * values one step either side of each one's best (tune.h). The config's
 * own point counts as a word point (is_word_point): when it leads its
 * setting, the character n-grams go around its C. */
static void add_char_points(tune_ctx *c, int large)
{
	int best_of[MAX_VECS];
	size_t order[MAX_VECS], n_words = 0;
	for (size_t v = 0; v < c->n_vecs; v++) {
		best_of[v] = best_point(c, 1, (int)v);
		if (best_of[v] >= 0)
			order[n_words++] = v;
	}
	/* Word settings by their best point's mean, best first (stable). */
	for (size_t i = 1; i < n_words; i++) {
		size_t v = order[i], j = i;
		double m = point_mean(c, (size_t)best_of[v]);
		while (j > 0 && point_mean(c, (size_t)best_of[order[j - 1]]) < m) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	size_t n_settings = large ? 1 : FR_TUNE_CHAR_SETTINGS;
	for (size_t i = 0; i < n_words && i < n_settings; i++) {
		const tune_point *b = &c->points[best_of[order[i]]];
		fr_tfidf_options to = c->vecs[b->vec].tfidf;
		to.char_min = GRID_CHAR_MIN;
		to.char_max = GRID_CHAR_MAX;
		int v = add_vec(c, &to, c->vecs[b->vec].stop);
		int ci = c_index(b->C);
		if (v < 0 || ci < 0)
			continue;
		for (int cw = 0; cw < 2; cw++) {
			if (large && cw != b->balanced)
				continue;
			for (int d = -1; d <= 1; d++)
				if (ci + d >= 0 && ci + d < N_C)
					add_point(c, (size_t)v, STAGE_CHARS, 2, cw, ldexp(1.0, grid_log2_c[ci + d]),
					          FR_SOLVER_LIBLINEAR);
		}
	}
}

/* The refinement: the C line of each of the FR_TUNE_REFINE_ROWS best
 * setting and class weight pairs is extended by one step past its best C
 * when that C is the lowest or highest it was scored at, within
 * 2^FR_TUNE_LOG2_C_MIN .. 2^FR_TUNE_LOG2_C_MAX. The new points are scored in
 * pass `pass`; returns how many there are. */
static size_t add_refine_points(tune_ctx *c, int pass)
{
	size_t lead[MAX_POINTS], n_lead = 0, before = c->n_points;
	/* The best point of each row (setting, class weight; LIBLINEAR only). */
	for (size_t p = 0; p < c->n_points; p++) {
		const tune_point *pt = &c->points[p];
		double m = point_mean(c, p);
		if (pt->solver != FR_SOLVER_LIBLINEAR || isnan(m))
			continue;
		size_t i = 0;
		while (i < n_lead && !(c->points[lead[i]].vec == pt->vec && c->points[lead[i]].balanced == pt->balanced))
			i++;
		if (i == n_lead)
			lead[n_lead++] = p;
		else if (m > point_mean(c, lead[i]))
			lead[i] = p;
	}
	/* Rows by their best mean, best first (stable). */
	for (size_t i = 1; i < n_lead; i++) {
		size_t p = lead[i], j = i;
		double m = point_mean(c, p);
		while (j > 0 && point_mean(c, lead[j - 1]) < m) {
			lead[j] = lead[j - 1];
			j--;
		}
		lead[j] = p;
	}
	for (size_t i = 0; i < n_lead && i < FR_TUNE_REFINE_ROWS; i++) {
		const tune_point *b = &c->points[lead[i]];
		double lo = b->C, hi = b->C;
		for (size_t p = 0; p < c->n_points; p++) {
			const tune_point *q = &c->points[p];
			if (q->vec == b->vec && q->balanced == b->balanced && q->solver == FR_SOLVER_LIBLINEAR) {
				lo = q->C < lo ? q->C : lo;
				hi = q->C > hi ? q->C : hi;
			}
		}
		if (b->C == lo && b->C / 2 >= ldexp(1.0, FR_TUNE_LOG2_C_MIN))
			add_point(c, b->vec, STAGE_REFINE, pass, b->balanced, b->C / 2, FR_SOLVER_LIBLINEAR);
		if (b->C == hi && b->C * 2 <= ldexp(1.0, FR_TUNE_LOG2_C_MAX))
			add_point(c, b->vec, STAGE_REFINE, pass, b->balanced, b->C * 2, FR_SOLVER_LIBLINEAR);
	}
	return c->n_points - before;
}

/* ---- the record ---- */

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *min_df_json(const fr_tfidf_options *to)
{
	return to->min_df_is_count ? json_integer((json_int_t)to->min_df) : json_real(to->min_df);
}

static json_t *point_json(const tune_ctx *c, size_t p)
{
	const tune_point *pt = &c->points[p];
	const tune_vec *v = &c->vecs[pt->vec];
	double mean = 0, std = 0;
	point_stats(c, p, c->n_tasks, &mean, &std);
	json_t *per_task = json_object();
	for (size_t t = 0; per_task && t < c->n_tasks; t++) {
		double tm = 0, ts = 0;
		point_stats(c, p, t, &tm, &ts);
		json_object_set_new(per_task, c->ds->tasks[c->tasks[t].ti], num_or_null(tm));
	}
	/* Each fold's objective, repeat by repeat: the paired differences the
	 * choice weighs can be recomputed from the record. */
	json_t *folds = json_array();
	for (size_t r = 0; folds && r < c->repeats; r++)
		for (size_t f = 0; f < c->k; f++)
			json_array_append_new(folds, num_or_null(fold_score(c, p, r, f)));
	return json_pack("{s:s, s:f, s:s, s:s, s:b, s:o, s:[i,i], s:o, s:s, s:o, s:o, s:o, s:o}",
	                 "stage", stage_names[pt->stage], "C", pt->C,
	                 "class_weight", pt->balanced ? "balanced" : "none",
	                 "solver", fr_solver_name(pt->solver),
	                 "stopwords", c->tokens[0] != NULL && v->stop,
	                 "min_df", min_df_json(&v->tfidf),
	                 "ngram_range", v->tfidf.ngram_min, v->tfidf.ngram_max,
	                 "char_ngrams", v->tfidf.char_max ? json_pack("[i,i]", v->tfidf.char_min, v->tfidf.char_max)
	                                                  : json_null(),
	                 "norm", fr_tfidf_norm_name(v->tfidf.norm),
	                 "mean", num_or_null(mean), "std", num_or_null(std), "tasks", per_task, "folds", folds);
}

static json_t *grid_json(const tune_ctx *c, int large)
{
	json_t *C = json_array(), *stop = json_array();
	for (int i = 0; i < N_C; i++)
		json_array_append_new(C, json_real(ldexp(1.0, grid_log2_c[i])));
	json_array_append_new(stop, json_boolean(c->tokens[0] != NULL));
	if (c->tokens[0] != NULL)
		json_array_append_new(stop, json_false());
	return json_pack("{s:o, s:[s,s], s:[i,i], s:[[i,i],[i,i]], s:o, s:[i,i], s:{s:I, s:I, s:s}}",
	                 "C", C, "class_weight", "none", "balanced", "min_df", grid_min_df[0], grid_min_df[1],
	                 "ngram_range", 1, grid_ngram_max[0], 1, grid_ngram_max[1], "stopwords", stop,
	                 "char_ngrams", GRID_CHAR_MIN, GRID_CHAR_MAX,
	                 "char_stage", "settings", (json_int_t)(large ? 1 : FR_TUNE_CHAR_SETTINGS),
	                 "C_steps", (json_int_t)1, "class_weight", large ? "best" : "both");
}

/* ---- set-up ---- */

static int cmp_str_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Labels of task ti as sorted distinct strings, and each row's index. */
static int task_labels(tune_task *task, const fr_dataset *ds, const char *target, fr_error *err)
{
	size_t n = ds->n_rows, m = 0;
	const char **all = malloc((n + 1) * sizeof(*all));
	task->y = malloc((n + 1) * sizeof(*task->y));
	if (all == NULL || task->y == NULL) {
		free(all);
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t r = 0; r < n; r++)
		if (ds->labels[task->ti][r])
			all[m++] = ds->labels[task->ti][r];
	task->n_rows = m;
	qsort(all, m, sizeof(*all), cmp_str_ptr);
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		if (k == 0 || strcmp(all[i], all[k - 1]) != 0)
			all[k++] = all[i];
	task->n_labels = k;
	task->target = -1;
	for (size_t r = 0; r < n; r++) {
		const char *lab = ds->labels[task->ti][r];
		task->y[r] = -1;
		if (lab == NULL)
			continue;
		const char **hit = bsearch(&lab, all, k, sizeof(*all), cmp_str_ptr);
		task->y[r] = (int)(hit - all);
	}
	for (size_t l = 0; target && l < k; l++)
		if (strcmp(all[l], target) == 0)
			task->target = (int)l;
	free(all);
	if (k > FR_CLASSIFIER_MAX_LABELS)
		return fr_error_set(err, FR_EINVALID, ds->path, 1, "task '%s' has %zu labels; at most %d",
		                    ds->tasks[task->ti], k, FR_CLASSIFIER_MAX_LABELS);
	return 0;
}

/* Whether a cell of task t holds label among its '|'-separated labels. */
static int task_has_label(const fr_dataset *ds, size_t t, const char *label)
{
	size_t len = strlen(label);
	for (size_t r = 0; r < ds->n_rows; r++) {
		const char *cell = ds->labels[t][r];
		while (cell) {
			const char *end = strchr(cell, FR_LABEL_SEP);
			size_t n = end ? (size_t)(end - cell) : strlen(cell);
			if (n == len && memcmp(cell, label, len) == 0)
				return 1;
			cell = end ? end + 1 : NULL;
		}
	}
	return 0;
}

/* The tuned tasks: every single-label task (or opts->task), and the names
 * of the multi-label ones left out into *skipped. */
static int pick_tasks(tune_ctx *c, const fr_tune_options *opts, json_t *skipped, fr_error *err)
{
	const fr_dataset *ds = c->ds;
	for (size_t t = 0; t < ds->n_tasks; t++) {
		if (opts->task && strcmp(opts->task, ds->tasks[t]) != 0)
			continue;
		if (fr_dataset_task_multilabel(ds, t)) {
			json_array_append_new(skipped, json_string(ds->tasks[t]));
			continue;
		}
		tune_task *task = &c->tasks[c->n_tasks++];
		task->ti = t;
		int rc = task_labels(task, ds, opts->target, err);
		if (rc < 0)
			return rc;
		if (opts->target && task->target < 0) {
			free(task->y);
			task->y = NULL;
			c->n_tasks--;
		}
	}
	if (c->n_tasks > 0)
		return 0;
	if (opts->task && fr_dataset_task_index(ds, opts->task) < 0)
		return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-task '%s': no such task", opts->task);
	if (json_array_size(skipped) > 0 && opts->task)
		return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-task '%s' is multi-label ('a|b' cells); "
		                    "--tune scores single-label tasks only", opts->task);
	if (json_array_size(skipped) == ds->n_tasks)
		return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune: every task is multi-label ('a|b' cells); "
		                    "it scores single-label tasks only");
	for (size_t i = 0; opts->target && i < json_array_size(skipped); i++) {
		const char *name = json_string_value(json_array_get(skipped, i));
		if (task_has_label(ds, (size_t)fr_dataset_task_index(ds, name), opts->target))
			return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-for '%.*s': that label is in multi-label "
			                    "task '%.40s' ('a|b' cells), which --tune does not score; name a label of a "
			                    "single-label task, or leave out --tune-for", fr_utf8_fit_str(opts->target, 40),
			                    opts->target, name);
	}
	return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-for '%s': no tuned task has that label",
	                    opts->target ? opts->target : "");
}

/* Whether some point can train on row r of a tuned task: it has a label
 * and a word. A row without one (no token at all: "***") has no feature
 * in any vectorizer setting, and folds leave it out of training. */
static int some_point_trains_on(const tune_ctx *c, const tune_task *task, size_t r)
{
	return task->y[r] >= 0 && c->tokens[1][r].count > 0;
}

/* --tune-for: FR_EINVALID when in every tuned task that has the label all
 * its rows some point trains on are in one document. Folds grouped by
 * document then never train and test on it at once (the fold holding the
 * document trains without it, the others test without it), so its F1 is 0
 * at every point and the search could only keep the config's own point. */
static int check_target_documents(const tune_ctx *c, const char *target, fr_error *err)
{
	const fr_dataset *ds = c->ds;
	const char *doc = NULL;
	int wordless = 0;
	for (size_t t = 0; target && t < c->n_tasks; t++) {
		const tune_task *task = &c->tasks[t];
		const char *one = NULL;
		if (task->target < 0)
			continue;
		for (size_t r = 0; r < ds->n_rows; r++) {
			if (task->y[r] != task->target)
				continue;
			if (!some_point_trains_on(c, task, r)) {
				wordless = 1;
				continue;
			}
			if (one != NULL && strcmp(one, ds->docs[r]) != 0)
				return 0;
			one = ds->docs[r];
		}
		if (doc == NULL)
			doc = one;
	}
	if (doc == NULL && wordless)
		return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-for '%.*s': none of its rows has a word, so "
		                    "no point trains on it and its F1 is 0 at every point; label it in rows with words "
		                    "or drop --tune-for", fr_utf8_fit_str(target, 40), target);
	if (doc == NULL)
		return 0;
	/* Bounded names: the advice at the end must fit fr_error's message. */
	return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-for '%.*s': all its rows%s are in document '%.*s', "
	                    "which grouped folds never split, so its F1 is 0 at every point; label it in another "
	                    "document or drop --tune-for", fr_utf8_fit_str(target, 32), target,
	                    wordless ? " with a word" : "", fr_utf8_fit_str(doc, 48), doc);
}

/* --tune: FR_EINVALID when fewer than two of the groups documents (two or
 * more) have a row some point trains on: a search needs a fold that trains
 * on one and scores the other, and a row without a word gets the same
 * label from any classifier. */
static int check_documents(const tune_ctx *c, size_t groups, fr_error *err)
{
	const fr_dataset *ds = c->ds;
	const char **docs = malloc((ds->n_rows + 1) * sizeof(*docs));
	size_t used = 0;
	if (docs == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t r = 0; r < ds->n_rows; r++) {
		size_t t = 0;
		while (t < c->n_tasks && !some_point_trains_on(c, &c->tasks[t], r))
			t++;
		if (t < c->n_tasks)
			docs[used++] = ds->docs[r];
	}
	size_t have = fr_cv_group_count(used, docs);
	free(docs);
	if (used > 0 && have == 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (have >= 2)
		return 0;
	return fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune needs two documents or more with a row to train on "
	                    "(a label and a word) to cross-validate; %zu of the %zu %s one", have, groups,
	                    have == 1 ? "has" : "have");
}

/* Tokens and stems of every row, with the config's stop words flagged or
 * (stop 0) with none. */
static int tokenize_all(fr_tokens **out, const fr_dataset *ds, const fr_model_config *cfg, int stop, fr_error *err)
{
	fr_stemmer *st = NULL;
	size_t n = ds->n_rows;
	fr_tokens *tokens = calloc(n + 1, sizeof(*tokens));
	int rc = tokens ? fr_stemmer_new(&st, cfg->language, err) : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (rc == 0 && stop && (rc = fr_model_config_add_stops(cfg, st, err)) > 0)
		rc = 0;
	for (size_t r = 0; rc == 0 && r < n; r++) {
		fr_tokens_init(&tokens[r]);
		rc = fr_tokenize(&tokens[r], ds->texts[r], ds->text_lens[r], err);
		if (rc == 0)
			rc = fr_stemmer_apply(st, &tokens[r], err);
	}
	fr_stemmer_free(st);
	*out = tokens;
	return rc;
}

static void tokens_free(fr_tokens *tokens, size_t n)
{
	for (size_t r = 0; tokens && r < n; r++)
		fr_tokens_dispose(&tokens[r]);
	free(tokens);
}

/* ---- the search ---- */

int fr_tune(fr_model_config *cfg, const fr_dataset *ds, const fr_tune_options *opts,
            json_t **record_out, fr_log_fn log, void *payload, fr_error *err)
{
	int rc = 0;
	tune_ctx *c = calloc(1, sizeof(*c));
	size_t n = ds->n_rows, n_threads = 0, repeats_asked = 0, n_grid = 0;
	int *split_map = NULL;
	json_t *points = NULL, *skipped = json_array(), *seeds = NULL, *again = NULL;
	*record_out = NULL;
	if (c == NULL || skipped == NULL) {
		free(c);
		json_decref(skipped);
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	c->ds = ds;
	c->cfg = cfg;
	if (cfg->classifier.kernel != FR_KERNEL_LINEAR) {
		rc = fr_error_set(err, FR_EINVALID, NULL, 0, "--tune searches linear models; the config asks for an RBF kernel");
		goto done;
	}

	/* The tasks, and what each is scored by. */
	c->tasks = calloc(ds->n_tasks + 1, sizeof(*c->tasks));
	if (c->tasks == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	if ((rc = pick_tasks(c, opts, skipped, err)) < 0)
		goto done;

	/* Folds grouped by document, stratified by the first tuned task; on
	 * small data repeated with seed + r. A repeat that puts the same rows
	 * together as an earlier one is that split again (with no more
	 * documents than folds every repeat is): it is dropped, not scored
	 * twice, which would only copy its fold differences and shrink their
	 * standard error. */
	size_t large_rows = opts->large_rows ? opts->large_rows : FR_TUNE_LARGE_ROWS;
	int large = n >= large_rows;
	c->k = opts->folds ? opts->folds : 5;
	repeats_asked = large ? 1 : (opts->repeats ? opts->repeats : FR_TUNE_REPEATS);
	size_t groups = fr_cv_group_count(n, (const char *const *)ds->docs);
	if (groups < 2) {
		rc = fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune needs two documents or more to cross-validate");
		goto done;
	}

	/* Tokens and stems once: with the config's stop words flagged as
	 * training would, and without when it has any. The checks count the
	 * rows they give a word. */
	int has_stop = fr_model_config_has_stops(cfg);
	rc = tokenize_all(&c->tokens[1], ds, cfg, has_stop, err);
	if (rc == 0 && has_stop)
		rc = tokenize_all(&c->tokens[0], ds, cfg, 0, err);
	if (rc < 0)
		goto done;
	if ((rc = check_documents(c, groups, err)) < 0 || (rc = check_target_documents(c, opts->target, err)) < 0)
		goto done;
	if (c->k > groups)
		c->k = groups;
	c->fold = malloc(repeats_asked * n * sizeof(*c->fold));
	c->seeds = malloc(repeats_asked * sizeof(*c->seeds));
	c->again = malloc(repeats_asked * c->k * sizeof(*c->again));
	split_map = malloc(2 * c->k * sizeof(*split_map));
	if (!c->fold || !c->seeds || !c->again || !split_map) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t r = 0; r < repeats_asked; r++) {
		int *fold = c->fold + c->repeats * n;
		unsigned seed = cfg->classifier.seed + (unsigned)r;
		if (fr_cv_folds(fold, n, (const char *const *)ds->docs, c->tasks[0].y, c->tasks[0].n_labels, c->k,
		                seed) < 0) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		size_t q = 0;
		while (q < c->repeats && !same_split(c->fold + q * n, fold, n, c->k, split_map))
			q++;
		if (q == c->repeats)
			c->seeds[c->repeats++] = seed;
	}
	flag_repeated_folds(c, n);
	for (size_t t = 0; t < c->n_tasks; t++)
		if (c->tasks[t].n_labels > c->max_labels)
			c->max_labels = c->tasks[t].n_labels;
	c->score = malloc(MAX_POINTS * c->repeats * c->k * c->n_tasks * sizeof(*c->score));
	c->counts = calloc(MAX_POINTS * c->repeats * c->k * c->n_tasks * c->max_labels * 3, sizeof(*c->counts));
	if (!c->score || !c->counts) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < MAX_POINTS * c->repeats * c->k * c->n_tasks; i++)
		c->score[i] = NAN;

	/* Pass 1: the config's own point, then the word grid. Its solver is
	 * what training resolves "auto" to. */
	int solver = fr_classifier_resolved_solver(&cfg->classifier);
	int v = add_vec(c, &cfg->tfidf, 1);
	add_point(c, (size_t)v, STAGE_DEFAULT, 1, cfg->classifier.balanced, cfg->classifier.C, solver);
	for (int stop = 1; stop >= (has_stop ? 0 : 1); stop--) {
		for (size_t a = 0; a < sizeof(grid_min_df) / sizeof(*grid_min_df); a++) {
			for (size_t b = 0; b < sizeof(grid_ngram_max) / sizeof(*grid_ngram_max); b++) {
				fr_tfidf_options to = cfg->tfidf;
				to.min_df = grid_min_df[a];
				to.min_df_is_count = 1;
				to.ngram_min = 1;
				to.ngram_max = grid_ngram_max[b];
				to.char_min = to.char_max = 0;
				v = add_vec(c, &to, stop);
				for (int cw = 0; v >= 0 && cw < 2; cw++) {
					for (int i = 0; i < N_C; i++) {
						add_point(c, (size_t)v, STAGE_WORDS, 1, cw, ldexp(1.0, grid_log2_c[i]),
						          FR_SOLVER_LIBLINEAR);
						n_grid++;
					}
				}
			}
		}
	}

	n_threads = opts->threads;
	if (n_threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		n_threads = cores > 0 ? (size_t)cores : 1;
	}
	size_t n_again = 0;
	for (size_t j = 0; j < c->repeats * c->k; j++)
		n_again += c->again[j];
	char splits_note[256] = "", folds_note[128] = "";
	if (n_again > 0)
		snprintf(folds_note, sizeof(folds_note), "%zu fold%s held out the same documents as an earlier fold "
		         "and count once", n_again, n_again == 1 ? "" : "s");
	if (c->repeats < repeats_asked)
		snprintf(splits_note, sizeof(splits_note), " (%zu distinct split%s of %zu repeats: the others put the "
		         "documents in the same folds%s%s)", c->repeats, c->repeats == 1 ? "" : "s", repeats_asked,
		         n_again ? "; " : "", folds_note);
	else if (n_again > 0)
		snprintf(splits_note, sizeof(splits_note), " (%s)", folds_note);
	fr_logf(log, payload, "tuning: %zu rows (%s), %zu x %zu folds grouped by document%s, %zu tasks, %zu threads",
	        n, large ? "large: one split, pruned character stage" : "small: repeated folds", c->repeats, c->k,
	        splits_note, c->n_tasks, n_threads);
	/* The word grid has n_grid points; the config's own is one of them when
	 * its values are on the grid (add_point scores it once). */
	if (c->n_points == n_grid)
		fr_logf(log, payload, "tuning: pass 1: %zu word points, the config's own point one of them", n_grid);
	else
		fr_logf(log, payload, "tuning: pass 1: the config's point and %zu word points", c->n_points - 1);
	if ((rc = run_pass(c, 1, n_threads, err)) < 0)
		goto done;
	size_t before = c->n_points;
	add_char_points(c, large);
	fr_logf(log, payload, "tuning: pass 2: %zu character n-gram points", c->n_points - before);
	if ((rc = run_pass(c, 2, n_threads, err)) < 0)
		goto done;
	for (int pass = 3;; pass++) {
		size_t added = add_refine_points(c, pass);
		if (added == 0)
			break;
		fr_logf(log, payload, "tuning: pass %d: %zu point%s past the end of a leading setting's C values", pass, added,
		        added == 1 ? "" : "s");
		if ((rc = run_pass(c, pass, n_threads, err)) < 0)
			goto done;
	}

	/* The best point, and the record. The best mean is taken over the
	 * config's own only when it wins by more than the noise of the folds
	 * (fr_tune_beats_default). */
	int top = best_point(c, 0, -1), best = top;
	if (top < 0) {
		rc = fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune: no fold could be scored (too few labeled rows?)");
		goto done;
	}
	double gain = 0.0, gain_se = 0.0;
	if (top != 0) {
		double *diffs = malloc(c->repeats * c->k * sizeof(*diffs));
		if (diffs == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			goto done;
		}
		size_t n_diffs = fold_diffs(c, (size_t)top, diffs);
		gain = point_mean(c, (size_t)top) - point_mean(c, 0);
		gain_se = fr_tune_diffs_se(diffs, n_diffs);
		if (!isnan(point_mean(c, 0)) && !fr_tune_beats_default(gain, gain_se))
			best = 0;
		free(diffs);
	}
	points = json_array();
	for (size_t p = 0; points && p < c->n_points; p++)
		json_array_append_new(points, point_json(c, p));
	json_t *tasks = json_array();
	for (size_t t = 0; tasks && t < c->n_tasks; t++)
		json_array_append_new(tasks, json_string(ds->tasks[c->tasks[t].ti]));
	/* At most 100 bytes of the label, cut at a whole character: jansson
	 * takes no string that is not UTF-8 (the label is, being data). */
	char objective_name[160];
	size_t keep = opts->target ? fr_utf8_fit(opts->target, strlen(opts->target), 100) : 0;
	snprintf(objective_name, sizeof(objective_name), opts->target ? "F1 of '%.*s'" : "macro-F1", (int)keep,
	         opts->target ? opts->target : "");
	seeds = json_array();
	again = json_array();
	for (size_t r = 0; seeds && r < c->repeats; r++)
		json_array_append_new(seeds, json_integer((json_int_t)c->seeds[r]));
	for (size_t j = 0; again && j < c->repeats * c->k; j++)
		if (c->again[j])
			json_array_append_new(again, json_integer((json_int_t)j));
	*record_out = json_pack("{s:s, s:o, s:O, s:I, s:I, s:I, s:o, s:o, s:s, s:I, s:I, s:s, s:I, s:o, s:o, s:o, s:o}",
	                        "objective", objective_name, "tasks", tasks, "skipped_tasks", skipped,
	                        "folds", (json_int_t)c->k, "repeats", (json_int_t)c->repeats,
	                        "repeats_asked", (json_int_t)repeats_asked, "split_seeds", seeds,
	                        "repeated_folds", again,
	                        "grouped_by", "document", "seed", (json_int_t)cfg->classifier.seed,
	                        "rows", (json_int_t)n, "search", large ? "large" : "small",
	                        "large_rows", (json_int_t)large_rows, "grid", grid_json(c, large),
	                        "chosen", point_json(c, (size_t)best), "default", point_json(c, 0), "points", points);
	points = NULL;
	seeds = NULL;
	again = NULL;
	/* The best mean, and by how much it beat the config's own: what the
	 * choice was made on. */
	if (*record_out != NULL &&
	    json_object_set_new(*record_out, "selection",
	                        json_pack("{s:s, s:o, s:o, s:o}", "rule", "one standard error",
	                                  "best_mean", point_json(c, (size_t)top), "gain", num_or_null(gain),
	                                  "gain_se", num_or_null(gain_se))) < 0) {
		json_decref(*record_out);
		*record_out = NULL;
	}
	if (*record_out == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	const tune_point *pt = &c->points[best];
	const tune_vec *bv = &c->vecs[pt->vec];
	if (best != 0) {
		cfg->tfidf = bv->tfidf;
		cfg->classifier.C = pt->C;
		cfg->classifier.balanced = pt->balanced;
		cfg->classifier.solver = pt->solver;
		if (!bv->stop)
			fr_model_config_drop_stops(cfg);
	}
	if (best != top)
		fr_logf(log, payload, "tuning: the best mean, %.4f (a %s point), beat the config's own by %.4f, within "
		        "one standard error (%.4f) of their paired fold differences: the config's own point stays",
		        point_mean(c, (size_t)top), stage_names[c->points[top].stage], gain, gain_se);
	fr_logf(log, payload, "tuning: chose the %s point C %g, class_weight %s, solver %s, stop words %s, min_df %g, "
	        "ngram_range [%d, %d], char_ngrams [%d, %d]: %s %.4f (the config's %.4f)", stage_names[pt->stage], pt->C,
	        pt->balanced ? "balanced" : "none", fr_solver_name(pt->solver), has_stop && bv->stop ? "yes" : "no",
	        bv->tfidf.min_df, bv->tfidf.ngram_min, bv->tfidf.ngram_max, bv->tfidf.char_min, bv->tfidf.char_max,
	        objective_name, point_mean(c, (size_t)best), point_mean(c, 0));
done:
	json_decref(points);
	json_decref(seeds);
	json_decref(again);
	json_decref(skipped);
	tokens_free(c->tokens[0], n);
	tokens_free(c->tokens[1], n);
	for (size_t t = 0; c->tasks && t < c->n_tasks; t++)
		free(c->tasks[t].y);
	free(c->tasks);
	free(c->fold);
	free(c->seeds);
	free(c->again);
	free(split_map);
	free(c->score);
	free(c->counts);
	free(c);
	return rc;
}
