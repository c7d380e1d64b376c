#include "tune.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
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

/* ---- the grid ---- */

#define N_MIN_DF 2
#define N_NGRAM 2
#define N_CHAR 2
#define N_VEC (N_MIN_DF * N_NGRAM * N_CHAR)
#define N_C 7
#define N_CW 2
#define N_CLF (N_CW * N_C)

static const int grid_min_df[N_MIN_DF] = { 1, 2 };
static const int grid_ngram_max[N_NGRAM] = { 1, 2 };
static const int grid_char[N_CHAR][2] = { { 0, 0 }, { 2, 5 } };
static const int grid_log2_c[N_C] = { -2, -1, 0, 1, 2, 3, 4 };

static void vec_setting(size_t v, int *min_df, int *ngram_max, const int **chars)
{
	*min_df = grid_min_df[v / (N_NGRAM * N_CHAR)];
	*ngram_max = grid_ngram_max[(v / N_CHAR) % N_NGRAM];
	*chars = grid_char[v % N_CHAR];
}

static void clf_setting(size_t p, int *balanced, double *C)
{
	*balanced = (int)(p / N_C);
	*C = ldexp(1.0, grid_log2_c[p % N_C]);
}

/* ---- the search ---- */

typedef struct {
	size_t ti;           /* index into ds->tasks */
	int *y;              /* per row: label index, -1 when unlabeled */
	size_t n_labels;
	int target;          /* label index whose F1 is the objective, or -1 for macro-F1 */
} tune_task;

typedef struct {
	const fr_dataset *ds;
	const fr_model_config *cfg;
	fr_tokens *tokens;   /* per row */
	int *fold;
	size_t k;
	tune_task *tasks;
	size_t n_tasks;
	double *score;       /* [v][p][fold][task], NAN where a task cannot be scored */
	size_t next_job;
	pthread_mutex_t lock;
	int *job_rc;
	fr_error *job_err;
} tune_ctx;

static double *score_at(const tune_ctx *c, size_t v, size_t p, size_t f, size_t t)
{
	return &c->score[((v * N_CLF + p) * c->k + f) * c->n_tasks + t];
}

/* Macro-F1 over the labels in truth or predictions, or the F1 of target. */
static double objective(const int *truth, const int *pred, size_t n, size_t n_labels, int target,
                        size_t *tp, size_t *fp, size_t *fn)
{
	memset(tp, 0, n_labels * sizeof(*tp));
	memset(fp, 0, n_labels * sizeof(*fp));
	memset(fn, 0, n_labels * sizeof(*fn));
	for (size_t i = 0; i < n; i++) {
		if (truth[i] == pred[i]) {
			tp[truth[i]]++;
		} else {
			fp[pred[i]]++;
			fn[truth[i]]++;
		}
	}
	double sum = 0.0;
	size_t used = 0;
	for (size_t l = 0; l < n_labels; l++) {
		if (target >= 0 && (int)l != target)
			continue;
		if (target < 0 && tp[l] + fp[l] + fn[l] == 0)
			continue;
		double d = 2.0 * (double)tp[l] + (double)fp[l] + (double)fn[l];
		sum += d > 0 ? 2.0 * (double)tp[l] / d : 0.0;
		used++;
	}
	return used ? sum / (double)used : 0.0;
}

/* One job: vectorizer setting v fitted on every fold but f, then every
 * classifier point and task scored on fold f. */
static int run_job(tune_ctx *c, size_t v, size_t f, fr_error *err)
{
	const fr_dataset *ds = c->ds;
	size_t n = ds->n_rows, n_train = 0, total = 0, store_cap = 0;
	int rc = 0;
	fr_tfidf *tf = NULL;
	fr_sparse_vec vec;
	struct svm_node *store = NULL, **x = NULL, **xs = NULL;
	size_t *offsets = NULL, *train_rows = NULL, *test_rows = NULL, n_test = 0;
	int *y = NULL, *truth = NULL, *pred = NULL, *map = NULL, *back = NULL, *present = NULL;
	size_t *tp = NULL, *fp = NULL, *fn = NULL;
	double scores[FR_CLASSIFIER_MAX_LABELS];
	fr_sparse_vec_init(&vec);

	int min_df = 0, ngram_max = 0;
	const int *chars = NULL;
	vec_setting(v, &min_df, &ngram_max, &chars);
	fr_tfidf_options to = c->cfg->tfidf;
	to.min_df = min_df;
	to.min_df_is_count = 1;
	to.ngram_min = 1;
	to.ngram_max = ngram_max;
	to.char_min = chars[0];
	to.char_max = chars[1];

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
	tp = malloc(FR_CLASSIFIER_MAX_LABELS * sizeof(*tp));
	fp = malloc(FR_CLASSIFIER_MAX_LABELS * sizeof(*fp));
	fn = malloc(FR_CLASSIFIER_MAX_LABELS * sizeof(*fn));
	if (!x || !xs || !offsets || !train_rows || !test_rows || !y || !truth || !pred || !map ||
	    !back || !present || !tp || !fp || !fn) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t r = 0; r < n; r++) {
		if (c->fold[r] == (int)f)
			test_rows[n_test++] = r;
		else
			train_rows[n_train++] = r;
	}
	rc = fr_tfidf_new(&tf, &to, err);
	for (size_t i = 0; rc == 0 && i < n_train; i++)
		rc = fr_tfidf_fit_add(tf, &c->tokens[train_rows[i]], err);
	if (rc == 0)
		rc = fr_tfidf_fit_finish(tf, err);
	/* Vectors of every row, in one block: training rows as fitted, held-out
	 * rows through transform, as a new paragraph would be. */
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t r = i < n_train ? train_rows[i] : test_rows[i - n_train];
		rc = i < n_train ? fr_tfidf_fitted_vector(tf, i, &vec, err)
		                 : fr_tfidf_transform(tf, &c->tokens[r], &vec, err);
		if (rc == 0 && fr_sparse_vec_append(&vec, &store, &store_cap, &total, &offsets[r]) < 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	if (rc < 0)
		goto done;
	for (size_t r = 0; r < n; r++)
		x[r] = store + offsets[r];
	fr_tfidf_fit_release(tf);

	for (size_t t = 0; rc == 0 && t < c->n_tasks; t++) {
		const tune_task *task = &c->tasks[t];
		/* The labels the training part has, numbered densely. */
		size_t k = 0, m = 0, nt = 0;
		memset(present, 0, FR_CLASSIFIER_MAX_LABELS * sizeof(*present));
		for (size_t i = 0; i < n_train; i++)
			if (task->y[train_rows[i]] >= 0)
				present[task->y[train_rows[i]]] = 1;
		for (size_t l = 0; l < task->n_labels; l++) {
			map[l] = present[l] ? (int)k : -1;
			if (present[l])
				back[k++] = (int)l;
		}
		for (size_t i = 0; i < n_train; i++) {
			int lab = task->y[train_rows[i]];
			if (lab >= 0) {
				xs[m] = x[train_rows[i]];
				y[m++] = map[lab];
			}
		}
		for (size_t i = 0; i < n_test; i++)
			if (task->y[test_rows[i]] >= 0)
				truth[nt++] = task->y[test_rows[i]];
		for (size_t p = 0; p < N_CLF; p++)
			*score_at(c, v, p, f, t) = NAN;
		if (k < 2 || nt == 0)
			continue;
		for (size_t p = 0; rc == 0 && p < N_CLF; p++) {
			fr_classifier_options co = c->cfg->classifier;
			fr_classifier *clf = NULL;
			clf_setting(p, &co.balanced, &co.C);
			co.solver = FR_SOLVER_LIBLINEAR;
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
			if (rc == 0)
				*score_at(c, v, p, f, t) = objective(truth, pred, nt, task->n_labels, task->target, tp, fp, fn);
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
	free(tp);
	free(fp);
	free(fn);
	return rc;
}

static void *worker(void *arg)
{
	tune_ctx *c = arg;
	for (;;) {
		pthread_mutex_lock(&c->lock);
		size_t job = c->next_job++;
		pthread_mutex_unlock(&c->lock);
		if (job >= N_VEC * c->k)
			break;
		c->job_rc[job] = run_job(c, job / c->k, job % c->k, &c->job_err[job]);
	}
	return NULL;
}

/* The mean over tasks of one point's fold, or NAN. */
static double fold_score(const tune_ctx *c, size_t v, size_t p, size_t f)
{
	double sum = 0.0;
	size_t used = 0;
	for (size_t t = 0; t < c->n_tasks; t++) {
		double s = *score_at(c, v, p, f, t);
		if (!isnan(s)) {
			sum += s;
			used++;
		}
	}
	return used ? sum / (double)used : NAN;
}

/* Mean and population std over folds of a task (t < n_tasks) or of the
 * mean over tasks (t == n_tasks). */
static void point_stats(const tune_ctx *c, size_t v, size_t p, size_t t, double *mean, double *std)
{
	double sum = 0.0, sq = 0.0;
	size_t used = 0;
	for (size_t f = 0; f < c->k; f++) {
		double s = t < c->n_tasks ? *score_at(c, v, p, f, t) : fold_score(c, v, p, f);
		if (!isnan(s)) {
			sum += s;
			sq += s * s;
			used++;
		}
	}
	*mean = used ? sum / (double)used : NAN;
	double var = used ? sq / (double)used - *mean * *mean : 0.0;
	*std = used ? sqrt(var > 0 ? var : 0.0) : NAN;
}

static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *point_json(const tune_ctx *c, size_t v, size_t p)
{
	int min_df = 0, ngram_max = 0, balanced = 0;
	const int *chars = NULL;
	double C = 0, mean = 0, std = 0;
	vec_setting(v, &min_df, &ngram_max, &chars);
	clf_setting(p, &balanced, &C);
	point_stats(c, v, p, c->n_tasks, &mean, &std);
	json_t *per_task = json_object();
	for (size_t t = 0; per_task && t < c->n_tasks; t++) {
		double tm = 0, ts = 0;
		point_stats(c, v, p, t, &tm, &ts);
		json_object_set_new(per_task, c->ds->tasks[c->tasks[t].ti], num_or_null(tm));
	}
	return json_pack("{s:f, s:s, s:i, s:[i,i], s:o, s:o, s:o, s:o}", "C", C,
	                 "class_weight", balanced ? "balanced" : "none", "min_df", min_df,
	                 "ngram_range", 1, ngram_max,
	                 "char_ngrams", chars[1] ? json_pack("[i,i]", chars[0], chars[1]) : json_null(),
	                 "mean", num_or_null(mean), "std", num_or_null(std), "tasks", per_task);
}

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

int fr_tune(fr_model_config *cfg, const fr_dataset *ds, const fr_tune_options *opts,
            json_t **record_out, fr_log_fn log, void *payload, fr_error *err)
{
	int rc = 0;
	tune_ctx c;
	fr_stemmer *st = NULL;
	pthread_t *threads = NULL;
	size_t n = ds->n_rows, n_threads = 0, n_jobs = 0;
	json_t *points = NULL;
	memset(&c, 0, sizeof(c));
	*record_out = NULL;
	c.ds = ds;
	c.cfg = cfg;
	if (cfg->classifier.kernel != FR_KERNEL_LINEAR)
		return fr_error_set(err, FR_EINVALID, NULL, 0, "--tune searches linear models; the config asks for an RBF kernel");

	/* The tasks, and what each is scored by. */
	c.tasks = calloc(ds->n_tasks + 1, sizeof(*c.tasks));
	if (c.tasks == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t t = 0; t < ds->n_tasks; t++) {
		if (opts->task && strcmp(opts->task, ds->tasks[t]) != 0)
			continue;
		tune_task *task = &c.tasks[c.n_tasks++];
		task->ti = t;
		if ((rc = task_labels(task, ds, opts->target, err)) < 0)
			goto done;
		if (opts->target && task->target < 0)
			c.n_tasks--, free(task->y), task->y = NULL;
	}
	if (c.n_tasks == 0) {
		rc = opts->task && fr_dataset_task_index(ds, opts->task) < 0
		         ? fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-task '%s': no such task", opts->task)
		         : fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune-for '%s': no tuned task has that label",
		                        opts->target ? opts->target : "");
		goto done;
	}

	/* Folds grouped by document, stratified by the first tuned task. */
	c.k = opts->folds ? opts->folds : 5;
	size_t groups = fr_cv_group_count(n, (const char *const *)ds->docs);
	if (groups < 2) {
		rc = fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune needs two documents or more to cross-validate");
		goto done;
	}
	if (c.k > groups)
		c.k = groups;
	c.fold = malloc(n * sizeof(*c.fold));
	c.tokens = calloc(n, sizeof(*c.tokens));
	c.score = malloc(N_VEC * N_CLF * c.k * c.n_tasks * sizeof(*c.score));
	n_jobs = N_VEC * c.k;
	c.job_rc = calloc(n_jobs, sizeof(*c.job_rc));
	c.job_err = calloc(n_jobs, sizeof(*c.job_err));
	if (!c.fold || !c.tokens || !c.score || !c.job_rc || !c.job_err) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	if (fr_cv_folds(c.fold, n, (const char *const *)ds->docs, c.tasks[0].y, c.tasks[0].n_labels, c.k,
	                cfg->classifier.seed) < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}

	/* Tokens and stems once, for every setting and fold. */
	rc = fr_stemmer_new(&st, cfg->language, err);
	if (rc == 0 && cfg->stopwords && (!cfg->stopwords_default || access(cfg->stopwords, R_OK) == 0))
		rc = fr_stemmer_add_stopwords_file(st, cfg->stopwords, err);
	for (size_t r = 0; rc == 0 && r < n; r++) {
		fr_tokens_init(&c.tokens[r]);
		rc = fr_tokenize(&c.tokens[r], ds->texts[r], ds->text_lens[r], err);
		if (rc == 0)
			rc = fr_stemmer_apply(st, &c.tokens[r], err);
	}
	if (rc < 0)
		goto done;

	n_threads = opts->threads;
	if (n_threads == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		n_threads = cores > 0 ? (size_t)cores : 1;
	}
	if (n_threads > n_jobs)
		n_threads = n_jobs;
	fr_logf(log, payload, "tuning: %d points (%d vectorizer settings x %d C and class weights), %zu folds "
	        "grouped by document, %zu tasks, %zu threads", N_VEC * N_CLF, N_VEC, N_CLF, c.k, c.n_tasks, n_threads);
	pthread_mutex_init(&c.lock, NULL);
	threads = calloc(n_threads, sizeof(*threads));
	size_t started = 0;
	for (; threads && started < n_threads; started++)
		if (pthread_create(&threads[started], NULL, worker, &c) != 0)
			break;
	if (started == 0)
		worker(&c);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&c.lock);
	for (size_t j = 0; j < n_jobs; j++) {
		if (c.job_rc[j] < 0) {
			if (err)
				*err = c.job_err[j];
			rc = c.job_rc[j];
			goto done;
		}
	}

	/* The best point, and the record. */
	size_t best_v = 0, best_p = 0, def_v = N_VEC, def_p = N_CLF;
	double best = -1.0;
	points = json_array();
	for (size_t v = 0; points && v < N_VEC; v++) {
		int min_df = 0, ngram_max = 0, balanced = 0;
		const int *chars = NULL;
		vec_setting(v, &min_df, &ngram_max, &chars);
		for (size_t p = 0; p < N_CLF; p++) {
			double mean = 0, std = 0, C = 0;
			clf_setting(p, &balanced, &C);
			point_stats(&c, v, p, c.n_tasks, &mean, &std);
			if (!isnan(mean) && mean > best) {
				best = mean;
				best_v = v;
				best_p = p;
			}
			if (min_df == cfg->tfidf.min_df && cfg->tfidf.min_df_is_count && cfg->tfidf.ngram_min == 1 &&
			    ngram_max == cfg->tfidf.ngram_max && chars[0] == cfg->tfidf.char_min &&
			    chars[1] == cfg->tfidf.char_max && balanced == cfg->classifier.balanced && C == cfg->classifier.C) {
				def_v = v;
				def_p = p;
			}
			json_array_append_new(points, point_json(&c, v, p));
		}
	}
	if (best < 0) {
		rc = fr_error_set(err, FR_EINVALID, ds->path, 1, "--tune: no fold could be scored (too few labeled rows?)");
		goto done;
	}
	json_t *grid = json_pack("{s:[f,f,f,f,f,f,f], s:[s,s], s:[i,i], s:[[i,i],[i,i]], s:[n,[i,i]]}",
	                         "C", 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, "class_weight", "none", "balanced",
	                         "min_df", 1, 2, "ngram_range", 1, 1, 1, 2, "char_ngrams", 2, 5);
	json_t *tasks = json_array();
	for (size_t t = 0; tasks && t < c.n_tasks; t++)
		json_array_append_new(tasks, json_string(ds->tasks[c.tasks[t].ti]));
	char objective_name[160];
	snprintf(objective_name, sizeof(objective_name), opts->target ? "F1 of '%.100s'" : "macro-F1",
	         opts->target ? opts->target : "");
	*record_out = json_pack("{s:s, s:o, s:I, s:s, s:s, s:I, s:o, s:o, s:o, s:o}",
	                        "objective", objective_name, "tasks", tasks, "folds", (json_int_t)c.k,
	                        "grouped_by", "document", "solver", "liblinear", "seed", (json_int_t)cfg->classifier.seed,
	                        "grid", grid, "chosen", point_json(&c, best_v, best_p),
	                        "default", def_v < N_VEC ? point_json(&c, def_v, def_p) : json_null(),
	                        "points", points);
	points = NULL;
	if (*record_out == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	int min_df = 0, ngram_max = 0, balanced = 0;
	const int *chars = NULL;
	double C = 0;
	vec_setting(best_v, &min_df, &ngram_max, &chars);
	clf_setting(best_p, &balanced, &C);
	cfg->tfidf.min_df = min_df;
	cfg->tfidf.min_df_is_count = 1;
	cfg->tfidf.ngram_min = 1;
	cfg->tfidf.ngram_max = ngram_max;
	cfg->tfidf.char_min = chars[0];
	cfg->tfidf.char_max = chars[1];
	cfg->classifier.C = C;
	cfg->classifier.balanced = balanced;
	cfg->classifier.solver = FR_SOLVER_LIBLINEAR;
	fr_logf(log, payload, "tuning: chose C %g, class_weight %s, min_df %d, ngram_range [1, %d], char_ngrams %s: "
	        "%s %.4f", C, balanced ? "balanced" : "none", min_df, ngram_max, chars[1] ? "[2, 5]" : "null",
	        objective_name, best);
done:
	json_decref(points);
	free(threads);
	fr_stemmer_free(st);
	for (size_t r = 0; c.tokens && r < n; r++)
		fr_tokens_dispose(&c.tokens[r]);
	free(c.tokens);
	for (size_t t = 0; t < c.n_tasks; t++)
		free(c.tasks[t].y);
	free(c.tasks);
	free(c.fold);
	free(c.score);
	free(c.job_rc);
	free(c.job_err);
	return rc;
}
