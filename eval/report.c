#include "report.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "eval.h"
#include "fsutil.h"
#include "jsonl.h"
#include "labels.h"
#include "numfmt.h"
#include "render.h"
#include "sha256.h"
#include "tfidf.h"
#include "tokenize.h"

#define MAX_LABELS 256
#define FEW_TRAINING_ROWS 30
#define REPORT_FILES 3 /* report.json, report.md, report.html */

/* Shares of paragraphs accepted without review, most confident first.
 * Thresholds taken at coverage levels, rather than fixed confidences like
 * 0.5, always tell an analyst what reviewing the least certain N paragraphs
 * buys, whatever the model's calibration (and a model may have none). */
static const double coverages[] = { 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2 };

/* The labels a task's report shows: the model's, then any that only the
 * evaluated data has (the model can never predict those). Names borrowed. */
typedef struct {
	const char *names[MAX_LABELS];
	size_t n, n_model;
	int multilabel;              /* the task's cells are label sets */
	char *owned[MAX_LABELS];     /* names copied out of multi-label cells */
	size_t n_owned;
} label_set;

static int label_find_n(const label_set *ls, const char *name, size_t len)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strncmp(ls->names[i], name, len) == 0 && ls->names[i][len] == '\0')
			return (int)i;
	return -1;
}

static int label_find(const label_set *ls, const char *name)
{
	return label_find_n(ls, name, strlen(name));
}

static int label_add(label_set *ls, const char *name)
{
	int i = label_find(ls, name);
	if (i >= 0)
		return i;
	if (ls->n == MAX_LABELS)
		return -1;
	ls->names[ls->n] = name;
	return (int)ls->n++;
}

/* Adds a cell's labels: the cell, or each label of a multi-label cell
 * (copied: they are not NUL-terminated in it). -1 when full or out of
 * memory. */
static int label_add_cell(label_set *ls, const char *cell)
{
	if (!ls->multilabel)
		return label_add(ls, cell);
	const char *lab;
	size_t len = 0;
	while ((lab = fr_label_next(&cell, &len)) != NULL) {
		if (label_find_n(ls, lab, len) >= 0)
			continue;
		if (ls->n == MAX_LABELS || (ls->owned[ls->n_owned] = strndup(lab, len)) == NULL)
			return -1;
		ls->names[ls->n++] = ls->owned[ls->n_owned++];
	}
	return 0;
}

static void label_set_dispose(label_set *ls)
{
	for (size_t i = 0; i < ls->n_owned; i++)
		free(ls->owned[i]);
	ls->n_owned = 0;
}

/* A multi-label cell as k flags over the label set (its labels are in it). */
static void cell_flags(const label_set *ls, const char *cell, unsigned char *flags)
{
	const char *lab;
	size_t len = 0;
	memset(flags, 0, ls->n);
	while ((lab = fr_label_next(&cell, &len)) != NULL) {
		int i = label_find_n(ls, lab, len);
		if (i >= 0)
			flags[i] = 1;
	}
}

/* One task's predictions over some rows of a dataset. For a multi-label
 * task, truth and pred are the first true and the top predicted label, and
 * the sets are k flags per row (k the label set's size, fixed at
 * allocation) beside each label's probability. */
typedef struct {
	size_t n;
	size_t *row;
	int *truth, *pred;
	double *conf;
	int (*evidence)[FR_EVIDENCE_TERMS];
	size_t *n_evidence;
	size_t k;
	unsigned char *true_set, *pred_set; /* multi-label: n * k flags */
	double *probs;                      /* multi-label: n * k (0 for labels the model lacks) */
} preds_t;

/* Whether prediction i is wholly right. */
static int pred_right(const preds_t *p, size_t i)
{
	if (p->true_set)
		return memcmp(p->true_set + i * p->k, p->pred_set + i * p->k, p->k) == 0;
	return p->truth[i] == p->pred[i];
}

static void preds_free(preds_t *p)
{
	free(p->row);
	free(p->truth);
	free(p->pred);
	free(p->conf);
	free(p->evidence);
	free(p->n_evidence);
	free(p->true_set);
	free(p->pred_set);
	free(p->probs);
	memset(p, 0, sizeof(*p));
}

static int preds_alloc(preds_t *p, size_t n, const label_set *ls)
{
	memset(p, 0, sizeof(*p));
	size_t m = n ? n : 1;
	if (ls->multilabel) {
		p->k = ls->n;
		p->true_set = calloc(m * ls->n, 1);
		p->pred_set = calloc(m * ls->n, 1);
		p->probs = calloc(m * ls->n, sizeof(*p->probs));
		if (!p->true_set || !p->pred_set || !p->probs)
			return FR_ENOMEM;
	}
	p->row = calloc(m, sizeof(*p->row));
	p->truth = calloc(m, sizeof(*p->truth));
	p->pred = calloc(m, sizeof(*p->pred));
	p->conf = calloc(m, sizeof(*p->conf));
	p->evidence = calloc(m, sizeof(*p->evidence));
	p->n_evidence = calloc(m, sizeof(*p->n_evidence));
	return (p->row && p->truth && p->pred && p->conf && p->evidence && p->n_evidence) ? 0 : FR_ENOMEM;
}

/* Labels the given rows of ds with m and keeps, per task, every row that
 * has a true label. ds's tasks are m's tasks, in m's order. */
static int predict_rows(const fr_model *m, const fr_dataset *ds, const size_t *rows, size_t n_rows,
                        label_set *sets, preds_t *out, fr_error *err)
{
	size_t n_tasks = fr_model_task_count(m);
	fr_model_work *w = NULL;
	fr_task_result *res = calloc(n_tasks, sizeof(*res));
	int rc = res ? fr_model_work_new(&w, m, err) : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t t = 0; rc == 0 && t < n_tasks; t++)
		rc = preds_alloc(&out[t], n_rows, &sets[t]) < 0 ? fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory") : 0;
	for (size_t i = 0; rc == 0 && i < n_rows; i++) {
		size_t r = rows ? rows[i] : i;
		rc = fr_model_label(m, w, ds->texts[r], ds->text_lens[r], res, NULL, err);
		for (size_t t = 0; rc == 0 && t < n_tasks; t++) {
			const char *truth = ds->labels[t][r];
			if (truth == NULL)
				continue;
			preds_t *p = &out[t];
			if (sets[t].multilabel) {
				/* The model's labels come first in the set, in its order. */
				unsigned char *ts = p->true_set + p->n * p->k, *ps = p->pred_set + p->n * p->k;
				cell_flags(&sets[t], truth, ts);
				for (size_t l = 0; l < fr_model_label_count(m, t); l++) {
					ps[l] = (unsigned char)((res[t].label_set >> l) & 1);
					p->probs[p->n * p->k + l] = res[t].scores[l];
				}
			}
			int ti = sets[t].multilabel ? label_find_n(&sets[t], truth, strcspn(truth, "|"))
			                            : label_find(&sets[t], truth);
			int pi = label_find(&sets[t], fr_model_label_name(m, t, (size_t)res[t].label));
			if (ti < 0 || pi < 0) {
				rc = fr_error_set(err, FR_EINVALID, ds->path, ds->lines[r], "too many labels in task '%s'",
				                  fr_model_task_name(m, t));
				break;
			}
			p->row[p->n] = r;
			p->truth[p->n] = ti;
			p->pred[p->n] = pi;
			p->conf[p->n] = res[t].confidence;
			memcpy(p->evidence[p->n], res[t].evidence, sizeof(res[t].evidence));
			p->n_evidence[p->n] = res[t].n_evidence;
			p->n++;
		}
	}
	fr_model_work_free(w);
	free(res);
	return rc;
}

static json_t *prf(double p, double r, double f)
{
	return json_pack("{s:f, s:f, s:f}", "precision", p, "recall", r, "f1", f);
}

/* FIGURES (render.h) of computed metrics: with the confusion matrix c of a
 * single-label task, or (c NULL) a multi-label task's subset accuracy and
 * Hamming loss. */
static json_t *figures_json(const fr_metrics *m, const label_set *ls, const fr_confusion *c)
{
	json_t *labels = json_object(), *names = json_array(), *matrix = json_array();
	size_t n_supported = 0;
	for (size_t l = 0; l < ls->n; l++) {
		const fr_label_scores *s = &m->labels[l];
		n_supported += s->support > 0;
		json_t *one = json_pack("{s:f, s:f, s:f, s:I, s:I}", "precision", s->precision, "recall", s->recall,
		                        "f1", s->f1, "support", (json_int_t)s->support,
		                        "predicted", (json_int_t)s->predicted);
		json_object_set_new(labels, ls->names[l], one);
		json_array_append_new(names, json_string(ls->names[l]));
		json_t *row = json_array();
		for (size_t p = 0; c && p < ls->n; p++)
			json_array_append_new(row, json_integer((json_int_t)c->counts[l * c->k + p]));
		json_array_append_new(matrix, row);
	}
	json_t *fig = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:f, s:I}",
		"scored", 1,
		"labels", labels,
		"macro", prf(m->macro.precision, m->macro.recall, m->macro.f1),
		"macro_supported", n_supported ? prf(m->macro_supported.precision, m->macro_supported.recall,
		                                     m->macro_supported.f1)
		                               : json_pack("{s:n, s:n, s:n}", "precision", "recall", "f1"),
		"micro", prf(m->micro.precision, m->micro.recall, m->micro.f1),
		"weighted", prf(m->weighted.precision, m->weighted.recall, m->weighted.f1),
		"accuracy", m->accuracy,
		"n", (json_int_t)m->n);
	if (fig && c)
		json_object_set_new(fig, "confusion", json_pack("{s:O, s:O}", "labels", names, "matrix", matrix));
	else if (fig)
		json_object_update_new(fig, json_pack("{s:f, s:f}", "subset_accuracy", m->accuracy,
		                                      "hamming_loss", m->hamming_loss));
	json_decref(names);
	json_decref(matrix);
	return fig;
}

/* FIGURES of rows none of which has a label for the task: not scored, with
 * null figures. Scores of 0 would read as a model that got every row
 * wrong. */
static json_t *unscored_json(const label_set *ls)
{
	json_t *fig = json_pack("{s:b, s:o, s:n, s:n, s:n, s:n, s:n, s:I}",
		"scored", 0, "labels", json_object(), "macro", "macro_supported", "micro", "weighted",
		"accuracy", "n", (json_int_t)0);
	if (fig && ls->multilabel)
		json_object_update_new(fig, json_pack("{s:n, s:n}", "subset_accuracy", "hamming_loss"));
	return fig;
}

/* FIGURES of one task's predictions; constant >= 0 puts that label in place
 * of every prediction (a baseline). With no rows, unscored_json's (the
 * metrics, all zero, still go to metrics_out). */
static json_t *figures_of(const preds_t *p, const label_set *ls, int constant, fr_metrics *metrics_out)
{
	fr_metrics m;
	fr_confusion c = { 0 };
	json_t *fig = NULL;
	if (p->true_set) {
		fr_multilabel ml;
		unsigned char *only = calloc(ls->n ? ls->n : 1, 1);
		int rc = only ? fr_multilabel_init(&ml, ls->n) : FR_ENOMEM;
		if (rc == 0 && constant >= 0)
			only[constant] = 1;
		for (size_t i = 0; rc == 0 && i < p->n; i++)
			fr_multilabel_add(&ml, p->true_set + i * p->k, constant >= 0 ? only : p->pred_set + i * p->k);
		if (rc == 0)
			rc = fr_multilabel_metrics(&m, &ml);
		if (only)
			fr_multilabel_dispose(&ml);
		free(only);
		if (rc < 0)
			return NULL;
	} else {
		if (fr_confusion_init(&c, ls->n) < 0)
			return NULL;
		for (size_t i = 0; i < p->n; i++)
			fr_confusion_add(&c, (size_t)p->truth[i], (size_t)(constant >= 0 ? constant : p->pred[i]));
		if (fr_metrics_compute(&m, &c) < 0) {
			fr_confusion_dispose(&c);
			return NULL;
		}
	}
	fig = p->n ? figures_json(&m, ls, p->true_set ? NULL : &c) : unscored_json(ls);
	fr_confusion_dispose(&c);
	if (metrics_out)
		*metrics_out = m;
	else
		fr_metrics_dispose(&m);
	return fig;
}

/* Mean or standard deviation (population, as numpy's std) of the numbers
 * among vals[i] for the i with use[i]; anything else (a fold's null) is
 * skipped. Objects are taken key by key, in the first used one's order.
 * Null when no value is a number. */
static json_t *aggregate(json_t *const *vals, size_t k, const unsigned char *use, int want_std)
{
	const json_t *first = NULL;
	for (size_t i = 0; i < k && first == NULL; i++)
		if (use[i] && (json_is_number(vals[i]) || json_is_object(vals[i])))
			first = vals[i];
	if (json_is_number(first)) {
		double sum = 0, sq = 0;
		size_t n = 0;
		for (size_t i = 0; i < k; i++)
			if (use[i] && json_is_number(vals[i])) {
				sum += json_number_value(vals[i]);
				n++;
			}
		double mean = sum / (double)n;
		for (size_t i = 0; i < k; i++)
			if (use[i] && json_is_number(vals[i]))
				sq += (json_number_value(vals[i]) - mean) * (json_number_value(vals[i]) - mean);
		return json_real(want_std ? sqrt(sq / (double)n) : mean);
	}
	if (!json_is_object(first))
		return json_null();
	json_t *out = json_object();
	const char *key;
	json_t *v;
	json_t *parts[64];
	json_object_foreach((json_t *)first, key, v) {
		for (size_t i = 0; i < k; i++)
			parts[i] = json_object_get(vals[i], key);
		json_object_set_new(out, key, aggregate(parts, k, use, want_std));
	}
	return out;
}

/* The NUMBERS (render.h) of k folds' FIGURES: each number's mean (or std)
 * over the folds that scored the task (leaving out the confusion matrix, n
 * and scored). A label's precision, recall and F1 run over the folds where
 * it occurs in the truth or the predictions, as the folds' own averages
 * take it (scikit-learn's default): a fold without it would add an F1 of 0
 * that says nothing about the label. Its support and predicted run over
 * every scored fold, and "folds" counts the folds it was scored in. */
static json_t *aggregate_folds(json_t *const *folds, size_t k, int want_std)
{
	unsigned char scored[64], has[64];
	json_t *parts[64];
	const json_t *first = NULL;
	const char *key;
	json_t *v;
	if (k > 64)
		return json_object();
	for (size_t i = 0; i < k; i++) {
		scored[i] = json_is_object(folds[i]) && !json_is_false(json_object_get(folds[i], "scored"));
		if (scored[i] && first == NULL)
			first = folds[i];
	}
	json_t *out = json_object();
	json_object_foreach((json_t *)first, key, v) {
		if (strcmp(key, "confusion") == 0 || strcmp(key, "n") == 0 || strcmp(key, "scored") == 0)
			continue;
		for (size_t i = 0; i < k; i++)
			parts[i] = json_object_get(folds[i], key);
		if (strcmp(key, "labels") != 0) {
			json_object_set_new(out, key, aggregate(parts, k, scored, want_std));
			continue;
		}
		json_t *labels = json_object();
		const char *label;
		json_t *lv;
		json_object_foreach(v, label, lv) {
			json_t *per[64];
			size_t n_has = 0;
			for (size_t i = 0; i < k; i++) {
				per[i] = json_object_get(parts[i], label);
				has[i] = scored[i] && (json_integer_value(json_object_get(per[i], "support")) > 0 ||
				                       json_integer_value(json_object_get(per[i], "predicted")) > 0);
				n_has += has[i];
			}
			json_t *one = json_object();
			const char *field;
			json_t *fv;
			json_object_foreach(lv, field, fv) {
				int counts = strcmp(field, "support") == 0 || strcmp(field, "predicted") == 0;
				json_t *vals[64];
				for (size_t i = 0; i < k; i++)
					vals[i] = json_object_get(per[i], field);
				json_object_set_new(one, field, aggregate(vals, k, counts ? scored : has, want_std));
			}
			json_object_set_new(one, "folds", json_integer((json_int_t)n_has));
			json_object_set_new(labels, label, one);
		}
		json_object_set_new(out, "labels", labels);
	}
	return out;
}

/* Rows per label of a task; with has_word (the training data's), only the
 * rows training keeps, as the model's own counts are. */
static json_t *counts_json(const fr_dataset *ds, size_t task, const label_set *ls, const unsigned char *has_word)
{
	json_t *obj = json_object();
	size_t counts[MAX_LABELS] = { 0 };
	for (size_t r = 0; ds && r < ds->n_rows; r++) {
		const char *cell = has_word && !has_word[r] ? NULL : ds->labels[task][r], *lab;
		size_t len = 0;
		while ((lab = fr_label_next(&cell, &len)) != NULL) {
			int i = label_find_n(ls, lab, len);
			if (i >= 0)
				counts[i]++;
			if (!ls->multilabel)
				break;
		}
	}
	for (size_t l = 0; l < ls->n; l++)
		json_object_set_new(obj, ls->names[l], json_integer((json_int_t)counts[l]));
	return obj;
}

static int cmp_conf_desc(const void *a, const void *b, void *preds)
{
	const preds_t *p = preds;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	if (p->conf[i] != p->conf[j])
		return p->conf[i] > p->conf[j] ? -1 : 1;
	return (i > j) - (i < j);
}

/* A confidence as labels.jsonl and labels.csv print it ("%.4f"), in
 * ten-thousandths: the figure a user filters on. */
static long conf4(double v)
{
	char buf[64] = "";
	long k = 0;
	fr_numfmt_fixed4(buf, sizeof(buf), v);
	for (const char *c = buf; *c != '\0'; c++)
		if (*c >= '0' && *c <= '9')
			k = k * 10 + (*c - '0');
	return k;
}

/* Precision of the paragraphs accepted without review, and accuracy once the
 * rest are reviewed, at each coverage level. The cut is made on the
 * confidences as labels.jsonl prints them (4 decimals), so that a user
 * filtering that file on the printed cut gets the table's paragraphs: raw
 * confidences either side of it can print alike (0.36797 and 0.36803 are
 * both 0.3680), and a cut between them could not be applied to the file.
 * Paragraphs that print alike are accepted or reviewed together.
 * threshold is the lowest confidence accepted; review_below the cut as
 * printed: the shortest decimal of 3 places or more that the accepted reach
 * (at 4 decimals) and the reviewed do not. */
static json_t *threshold_table(const preds_t *p, const label_set *ls)
{
	json_t *arr = json_array();
	size_t *order = malloc((p->n ? p->n : 1) * sizeof(*order));
	long *q = malloc((p->n ? p->n : 1) * sizeof(*q));
	if (order == NULL || q == NULL || p->n == 0) {
		free(order);
		free(q);
		return arr;
	}
	for (size_t i = 0; i < p->n; i++) {
		order[i] = i;
		q[i] = conf4(p->conf[i]);
	}
	qsort_r(order, p->n, sizeof(*order), cmp_conf_desc, (void *)p);
	long last = -1;
	for (size_t c = 0; c < sizeof(coverages) / sizeof(coverages[0]); c++) {
		size_t want = (size_t)ceil(coverages[c] * (double)p->n);
		if (want == 0)
			continue;
		long cut = q[order[want - 1]];
		if (cut == last)
			continue; /* the same cut as the row before */
		last = cut;
		fr_confusion conf;
		fr_multilabel ml;
		fr_metrics m;
		size_t accepted = 0, correct = 0;
		if (fr_confusion_init(&conf, ls->n) < 0)
			break;
		if (fr_multilabel_init(&ml, p->true_set ? ls->n : 0) < 0) {
			fr_confusion_dispose(&conf);
			break;
		}
		for (size_t i = 0; i < p->n; i++) {
			if (q[i] < cut)
				continue;
			accepted++;
			correct += (size_t)pred_right(p, i);
			if (p->true_set)
				fr_multilabel_add(&ml, p->true_set + i * p->k, p->pred_set + i * p->k);
			else
				fr_confusion_add(&conf, (size_t)p->truth[i], (size_t)p->pred[i]);
		}
		double macro_f1 = 0;
		if ((p->true_set ? fr_multilabel_metrics(&m, &ml) : fr_metrics_compute(&m, &conf)) == 0) {
			macro_f1 = m.macro.f1;
			fr_metrics_dispose(&m);
		}
		fr_confusion_dispose(&conf);
		fr_multilabel_dispose(&ml);
		size_t n = p->n, review = n - accepted;
		/* The accepted are the first of order (q falls with the confidence);
		 * the next is the surest reviewed. A round cut (0.369 for 0.3690)
		 * when none of the reviewed reaches it. */
		long below = accepted < n ? q[order[accepted]] : -1;
		long printed = cut / 10 * 10 > below ? cut / 10 * 10 : cut;
		json_array_append_new(arr, json_pack("{s:f, s:f, s:I, s:f, s:f, s:f, s:I, s:f}",
			"threshold", p->conf[order[accepted - 1]],
			"review_below", (double)printed / 10000.0,
			"accepted", (json_int_t)accepted,
			"coverage", (double)accepted / (double)n,
			"precision", accepted ? (double)correct / (double)accepted : 0.0,
			"macro_f1", macro_f1,
			"review", (json_int_t)review,
			"accuracy_after_review", (double)(correct + review) / (double)n));
	}
	free(order);
	free(q);
	return arr;
}

typedef struct {
	int feature;
	double weight;
} term_t;

static int cmp_terms(const void *a, const void *b)
{
	const term_t *x = a, *y = b;
	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return (x->feature > y->feature) - (x->feature < y->feature);
}

/* The features with the largest weight toward each label of a linear model. */
static json_t *top_terms(const fr_model *m, size_t task, size_t n_terms)
{
	const fr_tfidf *tf = fr_model_vectorizer(m);
	size_t V = fr_tfidf_word_feature_count(tf); /* no character n-grams */
	const json_t *kernel = json_object_get(json_object_get(fr_model_manifest(m), "config"), "kernel");
	if (kernel && strcmp(json_string_value(kernel), "linear") != 0)
		return NULL;
	term_t *terms = malloc((V + 1) * sizeof(*terms));
	if (terms == NULL)
		return NULL;
	json_t *obj = json_object();
	for (size_t l = 0; l < fr_model_label_count(m, task); l++) {
		for (size_t f = 1; f <= V; f++) {
			terms[f - 1].feature = (int)f;
			terms[f - 1].weight = fr_model_label_weight(m, task, (int)f, l);
		}
		qsort(terms, V, sizeof(*terms), cmp_terms);
		json_t *list = json_array();
		for (size_t i = 0; i < n_terms && i < V && terms[i].weight > 0; i++)
			json_array_append_new(list, json_pack("{s:s, s:f}", "term", fr_tfidf_surface(tf, terms[i].feature),
			                                      "weight", terms[i].weight));
		json_object_set_new(obj, fr_model_label_name(m, task, l), list);
	}
	free(terms);
	return obj;
}

static json_t *real_or_null(double x)
{
	return isnan(x) ? json_null() : json_real(x);
}

/* By rank (scores[i]) descending, unranked (NaN) last, then row order. */
static int cmp_mistakes(const void *a, const void *b, void *scores)
{
	const double *s = scores;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	if (isnan(s[i]) != isnan(s[j]))
		return isnan(s[i]) ? 1 : -1;
	if (!isnan(s[i]) && s[i] != s[j])
		return s[i] > s[j] ? -1 : 1;
	return (i > j) - (i < j);
}

/* How sure the model was of its decision on label l of multi-label row i
 * when that decision is wrong: a label given wrongly, its probability p; a
 * label missed, 1 - p. NaN when the decision is right or the model has no
 * such label (it cannot give it). */
static double wrong_decision(const preds_t *p, const label_set *ls, size_t i, size_t l)
{
	const unsigned char *ts = p->true_set + i * p->k, *ps = p->pred_set + i * p->k;
	if (ts[l] == ps[l] || l >= ls->n_model)
		return NAN;
	double prob = p->probs[i * p->k + l];
	return ps[l] ? prob : 1.0 - prob;
}

/* The terms that argued for the decision on label l as made: for giving
 * it when given, for withholding it when not (fr_model_label_evidence), of
 * the paragraph last labeled with w. */
static json_t *decision_evidence(const fr_model *m, const fr_model_work *w, size_t task, size_t l, int given)
{
	int features[FR_EVIDENCE_TERMS];
	size_t n = fr_model_label_evidence(m, w, task, l, given, features, FR_EVIDENCE_TERMS);
	json_t *ev = json_array();
	for (size_t e = 0; ev && e < n; e++)
		json_array_append_new(ev, json_string(fr_tfidf_surface(fr_model_vectorizer(m), features[e])));
	return ev;
}

/* A multi-label row's wrong decisions, surest first: [{"label", "given":
 * bool, "probability", "threshold"}] (a label the model lacks: missed,
 * probability and threshold null, last); the surest one's confidence (NaN
 * when none was the model's) to score_out. With w, the work that labeled
 * the row last, each of the model's decisions also gets its "evidence". */
static json_t *wrong_decisions(const fr_model *m, size_t task, const preds_t *p, const label_set *ls,
                               size_t i, const fr_model_work *w, double *score_out)
{
	json_t *arr = json_array();
	unsigned char *done = calloc(ls->n ? ls->n : 1, 1);
	*score_out = NAN;
	for (size_t n = 0; arr && done && n < ls->n; n++) {
		/* Selection: the surest wrong decision not yet listed. */
		int best = -1;
		double best_c = -1.0;
		for (size_t l = 0; l < ls->n; l++) {
			if (done[l] || p->true_set[i * p->k + l] == p->pred_set[i * p->k + l])
				continue;
			double c = wrong_decision(p, ls, i, l);
			double key = isnan(c) ? -0.5 : c;
			if (key > best_c) {
				best_c = key;
				best = (int)l;
			}
		}
		if (best < 0)
			break;
		done[best] = 1;
		size_t l = (size_t)best;
		int model_label = l < ls->n_model;
		if (model_label && isnan(*score_out))
			*score_out = best_c;
		int given = p->pred_set[i * p->k + l];
		json_t *d = json_pack("{s:s, s:b, s:o, s:o}", "label", ls->names[l], "given", given,
		                      "probability", model_label ? real_or_null(p->probs[i * p->k + l]) : json_null(),
		                      "threshold", model_label ? real_or_null(fr_model_label_threshold(m, task, l))
		                                               : json_null());
		if (d && w && model_label)
			json_object_set_new(d, "evidence", decision_evidence(m, w, task, l, given));
		if (d == NULL || json_array_append_new(arr, d) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	free(done);
	return arr;
}

/* A label set as a labeled CSV writes it: "a|b". */
static json_t *set_text(const label_set *ls, const unsigned char *flags)
{
	size_t len = 0;
	for (size_t l = 0; l < ls->n; l++)
		len += flags[l] ? strlen(ls->names[l]) + 1 : 0;
	char *buf = malloc(len + 1);
	if (buf == NULL)
		return NULL;
	len = 0;
	for (size_t l = 0; l < ls->n; l++) {
		if (!flags[l])
			continue;
		if (len)
			buf[len++] = FR_LABEL_SEP;
		memcpy(buf + len, ls->names[l], strlen(ls->names[l]));
		len += strlen(ls->names[l]);
	}
	buf[len] = '\0';
	json_t *s = json_string(buf);
	free(buf);
	return s;
}

/* A multi-label mistake's evidence: its surest wrong decision's, if that is
 * one of the model's labels (else none). */
static json_t *surest_decision_evidence(const json_t *decisions)
{
	for (size_t d = 0; d < json_array_size(decisions); d++) {
		json_t *ev = json_object_get(json_array_get(decisions, d), "evidence");
		if (ev)
			return json_incref(ev);
	}
	return json_array();
}

/* The wrong predictions the model was surest of. A single-label mistake is
 * ranked by the predicted label's confidence, and its evidence is what
 * argued for the predicted label. A multi-label one is ranked by its surest
 * wrong decision (wrong_decision), and each wrong decision carries its own
 * evidence: the top label's, as labels.jsonl has it, may well be a label
 * that was right. NULL when out of memory. */
static json_t *mistakes(const fr_model *m, size_t task, const fr_dataset *ds, const preds_t *p,
                        const label_set *ls, size_t max)
{
	json_t *arr = json_array();
	size_t *wrong = malloc((p->n ? p->n : 1) * sizeof(*wrong)), n = 0;
	double *score = malloc((p->n ? p->n : 1) * sizeof(*score));
	json_t **decisions = p->true_set ? calloc(p->n ? p->n : 1, sizeof(*decisions)) : NULL;
	fr_task_result *res = p->true_set ? calloc(fr_model_task_count(m), sizeof(*res)) : NULL;
	fr_model_work *w = NULL;
	fr_error err = FR_ERROR_INIT;
	if (arr == NULL || wrong == NULL || score == NULL ||
	    (p->true_set && (decisions == NULL || res == NULL || fr_model_work_new(&w, m, &err) < 0)))
		goto fail;
	for (size_t i = 0; i < p->n; i++) {
		score[i] = p->conf[i];
		if (pred_right(p, i))
			continue;
		if (p->true_set && (decisions[i] = wrong_decisions(m, task, p, ls, i, NULL, &score[i])) == NULL)
			goto fail;
		wrong[n++] = i;
	}
	qsort_r(wrong, n, sizeof(*wrong), cmp_mistakes, score);
	for (size_t k = 0; k < n && k < max; k++) {
		size_t i = wrong[k], r = p->row[i];
		json_t *ev = json_array();
		if (p->true_set) {
			/* Labeled again, for the vector each decision's evidence is read from. */
			double unused;
			json_decref(decisions[i]);
			decisions[i] = NULL;
			if (fr_model_label(m, w, ds->texts[r], ds->text_lens[r], res, NULL, &err) < 0 ||
			    (decisions[i] = wrong_decisions(m, task, p, ls, i, w, &unused)) == NULL)
				goto fail;
			json_decref(ev);
			ev = surest_decision_evidence(decisions[i]);
		}
		for (size_t e = 0; !p->true_set && e < p->n_evidence[i]; e++)
			json_array_append_new(ev, json_string(fr_tfidf_surface(fr_model_vectorizer(m), p->evidence[i][e])));
		json_t *truth = p->true_set ? set_text(ls, p->true_set + i * p->k) : json_string(ls->names[p->truth[i]]);
		json_t *pred = p->true_set ? set_text(ls, p->pred_set + i * p->k) : json_string(ls->names[p->pred[i]]);
		json_t *one = json_pack("{s:s, s:s%, s:o, s:o, s:o, s:o}",
			"id", ds->ids[r], "text", ds->texts[r], ds->text_lens[r],
			"true", truth, "predicted", pred,
			"confidence", real_or_null(score[i]), "evidence", ev);
		if (one && decisions)
			json_object_set(one, "wrong", decisions[i]);
		if (one == NULL || json_array_append_new(arr, one) != 0)
			goto fail;
	}
	goto done;
fail:
	json_decref(arr);
	arr = NULL;
done:
	for (size_t i = 0; decisions && i < p->n; i++)
		json_decref(decisions[i]);
	free(decisions);
	fr_model_work_free(w);
	free(res);
	free(score);
	free(wrong);
	return arr;
}

static void note(json_t *notes, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(json_t *notes, const char *label, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_t *list = json_object_get(notes, label);
	if (list == NULL) {
		list = json_array();
		json_object_set_new(notes, label, list);
	}
	/* A name cut mid-character, or one that is not UTF-8, would make
	 * json_string give NULL and lose the note. */
	json_array_append_new(list, fr_json_text(buf));
}

/* For each label of the set, the document of its training rows (those
 * with a word: has_word) when they are all in one (two or more rows), else
 * NULL. */
static void labels_in_one_document(const fr_dataset *train, const unsigned char *has_word, size_t task,
                                   const label_set *ls, const char *only_doc[MAX_LABELS])
{
	size_t rows[MAX_LABELS] = { 0 };
	int several[MAX_LABELS] = { 0 };
	for (size_t r = 0; r < train->n_rows; r++) {
		const char *cell = has_word[r] ? train->labels[task][r] : NULL, *lab;
		size_t len = 0;
		while ((lab = fr_label_next(&cell, &len)) != NULL) {
			int l = label_find_n(ls, lab, len);
			if (l >= 0 && rows[l]++ == 0)
				only_doc[l] = train->docs[r];
			else if (l >= 0)
				several[l] |= strcmp(only_doc[l], train->docs[r]) != 0;
			if (!ls->multilabel)
				break;
		}
	}
	for (size_t l = 0; l < ls->n; l++)
		if (rows[l] < 2 || several[l])
			only_doc[l] = NULL;
}

/* Notes on the task's labels: training rows (train, the training data
 * when the report cross-validates, else NULL; has_word, its rows training
 * keeps), and for a scored task (test NULL when it is not) what their test
 * figures rest on. */
static json_t *label_notes(const fr_model *m, size_t task, const label_set *ls, const fr_dataset *train,
                           const unsigned char *has_word, const fr_metrics *test)
{
	json_t *notes = json_object();
	const char *only_doc[MAX_LABELS] = { NULL };
	if (train)
		labels_in_one_document(train, has_word, task, ls, only_doc);
	for (size_t l = 0; l < ls->n; l++) {
		const char *name = ls->names[l];
		const fr_label_scores *s = test ? &test->labels[l] : NULL;
		if (l >= ls->n_model)
			note(notes, name, "Not a label of the model (no training rows): it is never predicted.");
		else if (fr_model_label_support(m, task, l) < FEW_TRAINING_ROWS)
			note(notes, name, "Only %zu training rows: its figures rest on few examples.",
			     fr_model_label_support(m, task, l));
		/* Grouped folds put that document on one side: never trained and
		 * scored at once, the label's CV figures are 0 whatever the model. */
		if (only_doc[l])
			note(notes, name, "All its training rows are in one document ('%.*s'): cross-validation by "
			     "document cannot test it, and the model may have learned that document's wording.",
			     fr_utf8_fit_str(only_doc[l], 60), only_doc[l]);
		if (s == NULL)
			continue;
		if (s->support == 0 && s->predicted)
			note(notes, name, "No rows in the test data, yet predicted %zu time%s: precision is 0 (none "
			     "of those predictions was right), recall is 0 by convention, and its F1 of 0 "
			     "counts in the macro average.",
			     s->predicted, s->predicted == 1 ? "" : "s");
		else if (s->support == 0)
			note(notes, name, "No rows in the test data: recall is 0 by definition, and it is left out "
			     "of the averages.");
		else if (s->predicted == 0)
			note(notes, name, "Never predicted on the test data: precision is 0 by definition.");
	}
	return notes;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The task with the most labels, single-label ones first: what folds are
 * stratified by (a multi-label row by its first label). */
static size_t stratify_task(const fr_model *m)
{
	size_t best = 0;
	for (size_t t = 1; t < fr_model_task_count(m); t++) {
		int ml = fr_model_task_multilabel(m, t), best_ml = fr_model_task_multilabel(m, best);
		if (ml < best_ml || (ml == best_ml && fr_model_label_count(m, t) > fr_model_label_count(m, best)))
			best = t;
	}
	return best;
}

/* Adds each prediction's confidence and whether it was right; for a
 * multi-label task, each label's probability (of the model's n_model
 * labels) and whether the row has the label. */
static void reliability_add_preds(fr_reliability *rel, const preds_t *p, size_t n_model)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->true_set == NULL) {
			fr_reliability_add(rel, p->conf[i], p->truth[i] == p->pred[i]);
			continue;
		}
		for (size_t l = 0; l < n_model; l++)
			fr_reliability_add(rel, p->probs[i * p->k + l], p->true_set[i * p->k + l]);
	}
}

/* RELIABILITY (render.h): the bins, the expected calibration error, and
 * the mean confidence beside the accuracy. An empty bin's figures are null. */
static json_t *reliability_json(const fr_reliability *rel)
{
	json_t *bins = json_array();
	double conf = 0.0;
	size_t correct = 0;
	for (size_t b = 0; b < FR_RELIABILITY_BINS; b++) {
		size_t c = rel->count[b];
		conf += rel->confidence[b];
		correct += rel->correct[b];
		json_array_append_new(bins, json_pack("{s:f, s:f, s:I, s:o, s:o}",
			"lower", (double)b / FR_RELIABILITY_BINS, "upper", (double)(b + 1) / FR_RELIABILITY_BINS,
			"count", (json_int_t)c,
			"confidence", c ? json_real(rel->confidence[b] / (double)c) : json_null(),
			"accuracy", c ? json_real((double)rel->correct[b] / (double)c) : json_null()));
	}
	return json_pack("{s:o, s:o, s:I, s:o, s:o}", "bins", bins,
	                 "ece", rel->n ? json_real(fr_reliability_ece(rel)) : json_null(),
	                 "n", (json_int_t)rel->n,
	                 "confidence", rel->n ? json_real(conf / (double)rel->n) : json_null(),
	                 "accuracy", rel->n ? json_real((double)correct / (double)rel->n) : json_null());
}

/* The calibration method of a multi-label task's first label (they all
 * share the training config's). */
static const json_t *jdig_method(const json_t *per_label)
{
	return json_object_get(json_object_get(json_array_get(per_label, 0), "calibration"), "method");
}

/* The task's calibration as the model records it; a bundle from before
 * calibration has raw scores. */
static json_t *calibration_of(const fr_model *m, size_t task)
{
	const json_t *entry = json_array_get(json_object_get(fr_model_manifest(m), "tasks"), task);
	const json_t *cal = json_object_get(entry, "calibration");
	if (fr_model_task_multilabel(m, task)) {
		/* One calibration per label: the method, and each label's slope,
		 * threshold and out-of-fold F1. */
		const json_t *per = json_object_get(entry, "per_label");
		json_t *labels = json_object();
		for (size_t l = 0; l < json_array_size(per); l++) {
			const json_t *e = json_array_get(per, l);
			const json_t *c = json_object_get(e, "calibration");
			json_object_set_new(labels, fr_model_label_name(m, task, l),
			                    json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "slope", json_object_get(c, "slope"),
			                              "rows", json_object_get(c, "rows"), "folds", json_object_get(c, "folds"),
			                              "threshold", json_object_get(e, "threshold"),
			                              "cv_f1", json_object_get(e, "cv_f1")));
		}
		const char *method = json_string_value(jdig_method(per));
		return json_pack("{s:s, s:o}", "method", method ? method : "none", "per_label", labels);
	}
	return cal ? json_deep_copy(cal) : json_pack("{s:s}", "method", "none");
}

/* Whether row r has a label in one of the model's tasks. */
static int row_labeled(const fr_dataset *train, const fr_model *m, size_t r)
{
	for (size_t t = 0; t < fr_model_task_count(m); t++)
		if (train->labels[t][r] != NULL)
			return 1;
	return 0;
}

/* k folds need k documents with rows a fold trains on (a label and, in the
 * vocabulary all the rows make, a word: has_word): with fewer, some fold
 * would hold out only rows no classifier tells apart (a row without a word
 * gets the same label from any). With k or more such a fold can still
 * happen, when the assignment gives one only documents of such rows; it is
 * scored as it is, as evaluate scores such test rows: what the model does
 * with them. */
static int cv_check_documents(const fr_dataset *train, const fr_model *m, const unsigned char *has_word, size_t k,
                              fr_error *err)
{
	size_t n = train->n_rows, used = 0;
	const char **docs = malloc((n + 1) * sizeof(*docs));
	if (docs == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t r = 0; r < n; r++)
		if (has_word[r] && row_labeled(train, m, r))
			docs[used++] = train->docs[r];
	size_t have = fr_cv_group_count(used, docs), all = fr_cv_group_count(n, (const char *const *)train->docs);
	free(docs);
	if ((used > 0 && have == 0) || (n > 0 && all == 0))
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (have >= k)
		return 0;
	if (have == all)
		return fr_error_set(err, FR_EINVALID, train->path, 0, "%zu-fold cross-validation needs at least %zu documents",
		                    k, k);
	return fr_error_set(err, FR_EINVALID, train->path, 0, "%zu-fold cross-validation needs at least %zu documents "
	                    "with a row to train on (a label and a word in the vocabulary); %zu of the %zu have one",
	                    k, k, have, all);
}

/* Fold f's training part (the other folds) can leave a task one label or
 * none when a label's rows it trains on (has_word: a word in the
 * vocabulary those folds make) are all held out by f, and no classifier
 * trains on that. Names the fold, the label and its first row, and what
 * helps: when f holds every row of it, fewer folds if they are in several
 * documents, more documents with it if they are all in one; else, rows
 * with words, as a row without one is not trained on. */
static int cv_check_fold(const fr_dataset *train, const int *fold, size_t f, size_t k, const fr_model *m,
                         size_t t, const label_set *ls, const unsigned char *has_word, fr_error *err)
{
	size_t first[MAX_LABELS] = { 0 }, first_out[MAX_LABELS] = { 0 };
	const char *doc[MAX_LABELS] = { NULL };
	int several_docs[MAX_LABELS] = { 0 }, out[MAX_LABELS] = { 0 }, trained[MAX_LABELS] = { 0 };
	for (size_t r = 0; r < train->n_rows; r++) {
		const char *cell = train->labels[t][r], *lab;
		size_t len = 0;
		while (cell != NULL && (lab = fr_label_next(&cell, &len)) != NULL) {
			int l = ls->multilabel ? label_find_n(ls, lab, len) : label_find(ls, lab);
			if (l < 0)
				continue; /* cannot be: the set has every label */
			if (doc[l] == NULL) {
				first[l] = r;
				doc[l] = train->docs[r];
			}
			several_docs[l] |= strcmp(doc[l], train->docs[r]) != 0;
			if (fold[r] != (int)f) {
				if (!out[l]++)
					first_out[l] = r;
				trained[l] |= has_word[r];
			}
			if (!ls->multilabel)
				break; /* the whole cell is one label */
		}
	}
	size_t kept = 0, only = 0, gone = ls->n;
	for (size_t l = 0; l < ls->n; l++) {
		if (trained[l]) {
			kept++;
			only = l;
		} else if (doc[l] != NULL && gone == ls->n) {
			gone = l;
		}
	}
	if (kept >= 2 || gone == ls->n)
		return 0;
	char left[128] = "no label";
	if (kept == 1)
		snprintf(left, sizeof(left), "one label ('%.*s')", fr_utf8_fit_str(ls->names[only], 24), ls->names[only]);
	/* Names bounded so that the advice at the end fits fr_error's message. */
	if (out[gone]) {
		size_t r = first_out[gone];
		return fr_error_set(err, FR_EFORMAT, train->paths[train->files[r]], train->lines[r],
		                    "--cv %zu: task '%.16s': no row labeled '%.*s' outside fold %zu (this one first) has "
		                    "a word the other folds keep, leaving them %s to train on; label rows with words in "
		                    "more documents", k, fr_model_task_name(m, t), fr_utf8_fit_str(ls->names[gone], 24),
		                    ls->names[gone], f + 1, left);
	}
	size_t r = first[gone];
	return fr_error_set(err, FR_EFORMAT, train->paths[train->files[r]], train->lines[r],
	                    "--cv %zu: task '%.16s': every row labeled '%.*s' (this one first) is in "
	                    "documents of fold %zu, leaving the others %s; %s", k,
	                    fr_model_task_name(m, t), fr_utf8_fit_str(ls->names[gone], 24), ls->names[gone], f + 1, left,
	                    several_docs[gone] ? "use fewer folds, or give that label to rows of more documents"
	                                       : "its rows are all in one document: give that label to rows "
	                                         "of more documents");
}

/* Before any fold is trained: every task checked on the rows each fold
 * keeps (cv_check_fold), as told by tf, a fit of every row not finished. */
static int cv_check_folds(const fr_dataset *train, const int *fold, size_t k, const fr_model *m,
                          const label_set *sets, const fr_tfidf *tf, fr_error *err)
{
	size_t n = train->n_rows;
	unsigned char *held = malloc(n + 1), *has_word = malloc(n + 1);
	int rc = held && has_word ? 0 : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t f = 0; rc == 0 && f < k; f++) {
		for (size_t r = 0; r < n; r++)
			held[r] = fold[r] == (int)f;
		rc = fr_tfidf_fit_rows_with_words(tf, held, has_word, err);
		for (size_t t = 0; rc == 0 && t < fr_model_task_count(m); t++)
			rc = cv_check_fold(train, fold, f, k, m, t, &sets[t], has_word, err);
	}
	free(held);
	free(has_word);
	return rc;
}

/* Cross-validation: per task, FIGURES of every fold, and the reliability of
 * every fold's held-out predictions pooled into cv_rel[task]; into
 * has_word (room for train's rows), whether training on all of train
 * keeps each row. */
static int cross_validate(json_t **cv_out, fr_reliability *cv_rel, double *seconds_out, unsigned char *has_word,
                          const fr_model *m, const fr_dataset *train, const fr_model_config *cfg, size_t k,
                          label_set *sets, fr_log_fn log, void *payload, fr_error *err)
{
	size_t n_tasks = fr_model_task_count(m), n = train->n_rows, strat = stratify_task(m);
	int *fold = malloc(n * sizeof(*fold)), *strata = malloc(n * sizeof(*strata));
	size_t *rows = malloc(n * sizeof(*rows));
	preds_t *p = calloc(n_tasks, sizeof(*p));
	int rc = (fold && strata && rows && p) ? 0 : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	double train_seconds = 0;
	fr_tfidf *tf = NULL;
	for (size_t r = 0; rc == 0 && r < n; r++)
		strata[r] = train->labels[strat][r] ? label_find_n(&sets[strat], train->labels[strat][r],
		                                                   strcspn(train->labels[strat][r], "|")) : -1;
	/* The checks count the rows folds train on: those with a word in the
	 * vocabulary of the rows trained on, which one fit of every row tells
	 * for each fold. The folds are made of every row, and each held-out
	 * row is scored, a row without a word too. */
	if (rc == 0)
		rc = fr_model_fit_rows(&tf, train, cfg, err);
	if (rc == 0)
		rc = fr_tfidf_fit_rows_with_words(tf, NULL, has_word, err);
	if (rc == 0)
		rc = cv_check_documents(train, m, has_word, k, err);
	/* cv_check_documents has made sure of the documents: only memory can fail here. */
	if (rc == 0 && (rc = fr_cv_folds(fold, n, (const char *const *)train->docs, strata, sets[strat].n, k,
	                                 cfg->classifier.seed)) < 0)
		rc = fr_error_set(err, rc, train->path, 0, rc == FR_ENOMEM ? "out of memory"
		                  : "%zu-fold cross-validation needs at least %zu documents", k, k);
	if (rc == 0)
		rc = cv_check_folds(train, fold, k, m, sets, tf, err);
	fr_tfidf_free(tf);
	for (size_t t = 0; rc == 0 && t < n_tasks; t++)
		cv_out[t] = json_array();
	for (size_t f = 0; rc == 0 && f < k; f++) {
		size_t n_in = 0, n_out = 0;
		for (size_t r = 0; r < n; r++)
			if (fold[r] != (int)f)
				rows[n_in++] = r;
		for (size_t r = 0; r < n; r++)
			if (fold[r] == (int)f)
				rows[n_in + n_out++] = r;
		fr_model *fm = NULL;
		double t0 = now();
		rc = fr_model_train(&fm, train, cfg, rows, n_in, NULL, NULL, err);
		train_seconds += now() - t0;
		if (rc < 0 && err != NULL) {
			/* Training's message speaks of the data; this was one fold's part of it. */
			char msg[sizeof(err->message)];
			snprintf(msg, sizeof(msg), "cross-validation fold %zu of %zu: %.*s", f + 1, k,
			         fr_utf8_fit_str(err->message, 180), err->message);
			memcpy(err->message, msg, sizeof(msg));
		}
		if (rc == 0)
			rc = predict_rows(fm, train, rows + n_in, n_out, sets, p, err);
		for (size_t t = 0; rc == 0 && t < n_tasks; t++) {
			json_t *fig = figures_of(&p[t], &sets[t], -1, NULL);
			if (fig == NULL)
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			else
				json_array_append_new(cv_out[t], fig);
			reliability_add_preds(&cv_rel[t], &p[t], sets[t].n_model);
		}
		for (size_t t = 0; t < n_tasks; t++)
			preds_free(&p[t]);
		fr_model_free(fm);
		if (rc == 0)
			fr_logf(log, payload, "cross-validation: fold %zu of %zu done (%zu held out)", f + 1, k, n_out);
	}
	*seconds_out = train_seconds;
	free(fold);
	free(strata);
	free(rows);
	free(p);
	return rc;
}

/* {"path", "sha256", "rows", "empty_texts"} of a data set's (first) file. */
static json_t *file_json(const fr_dataset *ds)
{
	char sha[65] = "";
	fr_sha256_file(ds->path, sha, NULL);
	return json_pack("{s:o, s:s, s:I, s:I}", "path", fr_json_text(ds->path), "sha256", sha, "rows", (json_int_t)ds->n_rows,
	                 "empty_texts", (json_int_t)ds->empty_texts);
}

/* [{"path", "sha256"}, ...]: every file a data set was read from, in order
 * (a base and its corrections), as model.json's data_files has them. */
static json_t *files_json(const fr_dataset *ds)
{
	json_t *files = json_array();
	for (size_t f = 0; files && f < ds->n_paths; f++) {
		char sha[65] = "";
		fr_sha256_file(ds->paths[f], sha, NULL);
		if (json_array_append_new(files, json_pack("{s:o, s:s}", "path", fr_json_text(ds->paths[f]), "sha256", sha)) != 0) {
			json_decref(files);
			files = NULL;
		}
	}
	return files;
}

/* Whether the cross-validation files (cv.files) are the files the model
 * was trained on, by content: the same sha256s in the same order (a base
 * and its corrections). null when model.json records no sha256 for one. */
static json_t *same_as_training(const json_t *cv_files, const json_t *training_files)
{
	size_t n = json_array_size(training_files);
	int same = n == json_array_size(cv_files);
	for (size_t i = 0; i < n; i++) {
		const char *want = json_string_value(json_object_get(json_array_get(training_files, i), "sha256"));
		const char *got = json_string_value(json_object_get(json_array_get(cv_files, i), "sha256"));
		if (want == NULL)
			return json_null();
		same = same && got != NULL && strcmp(want, got) == 0;
	}
	return json_boolean(same);
}

/* model.json's data_files, or for a bundle from before corrections its one
 * file. */
static json_t *training_files_json(const json_t *training)
{
	const json_t *files = json_object_get(training, "data_files");
	if (json_is_array(files))
		return json_deep_copy(files);
	return json_pack("[{s:O, s:O}]", "path", json_object_get(training, "data"),
	                 "sha256", json_object_get(training, "data_sha256"));
}

int fr_report_build(json_t **out, const fr_model *m, const char *model_path,
                    const fr_dataset *test, const fr_dataset *train,
                    const fr_model_config *cfg, const fr_report_options *opts,
                    fr_log_fn log, void *payload, fr_error *err)
{
	*out = NULL;
	size_t n_tasks = fr_model_task_count(m);
	int use_cv = train && cfg && opts->cv_folds >= 2;
	label_set *sets = calloc(n_tasks, sizeof(*sets));
	preds_t *test_preds = calloc(n_tasks, sizeof(*test_preds));
	json_t **cv = calloc(n_tasks, sizeof(*cv));
	fr_reliability *cv_rel = calloc(n_tasks, sizeof(*cv_rel));
	/* The cross-validation rows training keeps: what its counts count. */
	unsigned char *train_words = use_cv ? malloc(train->n_rows + 1) : NULL;
	json_t *report = NULL, *tasks = json_object();
	double cv_train_seconds = 0;
	int rc = (sets && test_preds && cv && cv_rel && tasks && (train_words || !use_cv))
	             ? 0 : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");

	/* Label sets: the model's, then labels only the data has. */
	for (size_t t = 0; rc == 0 && t < n_tasks; t++) {
		sets[t].multilabel = fr_model_task_multilabel(m, t);
		for (size_t l = 0; l < fr_model_label_count(m, t); l++)
			label_add(&sets[t], fr_model_label_name(m, t, l));
		sets[t].n_model = sets[t].n;
		const fr_dataset *both[2] = { test, use_cv ? train : NULL };
		for (int d = 0; d < 2; d++)
			for (size_t r = 0; both[d] && r < both[d]->n_rows; r++)
				if (both[d]->labels[t][r] && label_add_cell(&sets[t], both[d]->labels[t][r]) < 0)
					rc = fr_error_set(err, FR_EFORMAT, both[d]->path, both[d]->lines[r],
					                  "task '%s' has more than %d labels", fr_model_task_name(m, t), MAX_LABELS);
	}
	if (rc == 0)
		rc = predict_rows(m, test, NULL, test->n_rows, sets, test_preds, err);
	if (rc == 0 && use_cv) {
		double t0 = now();
		rc = cross_validate(cv, cv_rel, &cv_train_seconds, train_words, m, train, cfg, opts->cv_folds, sets, log,
		                    payload, err);
		/* On standard error, not in the report: the same model and data
		 * give a byte-identical report. */
		if (rc == 0)
			fr_logf(log, payload, "cross-validation took %.1f s, training one fold %.1f s on average",
			        now() - t0, cv_train_seconds / (double)opts->cv_folds);
	}

	for (size_t t = 0; rc == 0 && t < n_tasks; t++) {
		const label_set *ls = &sets[t];
		fr_metrics tm;
		json_t *fig = figures_of(&test_preds[t], ls, -1, &tm);
		if (fig == NULL) {
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
			break;
		}
		/* The baseline always predicts the label with the most training rows. */
		size_t majority = 0;
		for (size_t l = 1; l < fr_model_label_count(m, t); l++)
			if (fr_model_label_support(m, t, l) > fr_model_label_support(m, t, majority))
				majority = l;
		json_t *base = figures_of(&test_preds[t], ls, (int)majority, NULL);
		json_object_set_new(base, "predicts", json_string(ls->names[majority]));
		json_t *names = json_array();
		for (size_t l = 0; l < ls->n; l++)
			json_array_append_new(names, json_string(ls->names[l]));
		json_t *task = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
			"labels", names,
			"label_notes", label_notes(m, t, ls, use_cv ? train : NULL, train_words,
			                           test_preds[t].n ? &tm : NULL),
			"train_counts", counts_json(use_cv ? train : NULL, t, ls, train_words),
			"test_counts", counts_json(test, t, ls, NULL),
			"test", fig,
			"baseline", base);
		fr_metrics_dispose(&tm);
		if (!use_cv) {
			/* Without the training file, the model's own counts. */
			json_t *tc = json_object_get(task, "train_counts");
			for (size_t l = 0; l < fr_model_label_count(m, t); l++)
				json_object_set_new(tc, ls->names[l], json_integer((json_int_t)fr_model_label_support(m, t, l)));
		}
		if (use_cv && cv[t] && json_array_size(cv[t]) > 0) {
			size_t k = json_array_size(cv[t]);
			json_t *folds[64];
			for (size_t i = 0; i < k && i < 64; i++)
				folds[i] = json_array_get(cv[t], i);
			json_object_set_new(task, "cv", json_pack("{s:O, s:o, s:o}", "folds", cv[t],
			                                          "mean", aggregate_folds(folds, k, 0),
			                                          "std", aggregate_folds(folds, k, 1)));
		}
		fr_reliability test_rel;
		fr_reliability_init(&test_rel);
		reliability_add_preds(&test_rel, &test_preds[t], ls->n_model);
		json_t *reliability = json_pack("{s:o}", "test", reliability_json(&test_rel));
		if (use_cv)
			json_object_set_new(reliability, "cv", reliability_json(&cv_rel[t]));
		json_object_set_new(task, "calibration", calibration_of(m, t));
		if (ls->multilabel)
			json_object_set_new(task, "multilabel", json_true());
		json_object_set_new(task, "reliability", reliability);
		json_object_set_new(task, "thresholds", threshold_table(&test_preds[t], ls));
		json_t *terms = top_terms(m, t, opts->n_terms);
		if (terms)
			json_object_set_new(task, "top_terms", terms);
		json_t *wrong = mistakes(m, t, test, &test_preds[t], ls, opts->n_mistakes);
		if (wrong == NULL || json_object_set_new(task, "mistakes", wrong) != 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		json_object_set_new(tasks, fr_model_task_name(m, t), task);
	}
	if (rc == 0) {
		const json_t *man = fr_model_manifest(m);
		const json_t *training = json_object_get(man, "training");
		report = json_pack("{s:s, s:{s:o, s:O, s:I, s:O, s:O, s:o, s:O}, s:o, s:o}",
			"framer_version", FR_VERSION,
			"model", "path", fr_json_text(model_path), "config", json_object_get(man, "config"),
			         "vocabulary_size", (json_int_t)fr_tfidf_feature_count(fr_model_vectorizer(m)),
			         "training_data", json_object_get(training, "data"),
			         "training_data_sha256", json_object_get(training, "data_sha256"),
			         "training_files", training_files_json(training),
			         "training_rows", json_object_get(training, "rows"),
			"data", file_json(test),
			"cv", use_cv ? json_pack("{s:I, s:o, s:I, s:s, s:s}", "k", (json_int_t)opts->cv_folds,
			                         "data", file_json(train),
			                         "seed", (json_int_t)cfg->classifier.seed, "grouped_by", "document",
			                         "stratified_by", fr_model_task_name(m, stratify_task(m)))
			             : json_null());
		if (report == NULL)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory building the report");
	}
	/* Only when there are some, as model.json has them: the report of a
	 * model without stays the one earlier versions wrote. */
	if (rc == 0 && fr_model_rows_without_words(m) > 0 &&
	    json_object_set_new(json_object_get(report, "model"), "training_rows_without_words",
	                        json_integer((json_int_t)fr_model_rows_without_words(m))) != 0)
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory building the report");
	if (rc == 0) {
		/* Flatten cv.data into the layout render.h gives. */
		json_t *c = json_object_get(report, "cv");
		if (json_is_object(c)) {
			json_t *d = json_incref(json_object_get(c, "data"));
			json_object_del(c, "data");
			json_object_set(c, "data", json_object_get(d, "path"));
			json_object_set(c, "sha256", json_object_get(d, "sha256"));
			json_object_set(c, "rows", json_object_get(d, "rows"));
			json_object_set(c, "empty_texts", json_object_get(d, "empty_texts"));
			json_object_set_new(c, "files", files_json(train));
			const json_t *trained = json_object_get(json_object_get(report, "model"), "training_files");
			json_object_set_new(c, "same_as_training", same_as_training(json_object_get(c, "files"), trained));
			json_decref(d);
		}
		json_object_set_new(report, "tasks", json_incref(tasks));
	}
	if (rc == 0) {
		/* A tuned model's search, model.json's "tuning" as it is (render.h). */
		const json_t *tuning = json_object_get(fr_model_manifest(m), "tuning");
		if (json_is_object(tuning) && json_object_set_new(report, "tuning", json_deep_copy(tuning)) != 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory building the report");
	}
	for (size_t t = 0; t < n_tasks; t++) {
		if (sets)
			label_set_dispose(&sets[t]);
		if (test_preds)
			preds_free(&test_preds[t]);
		if (cv)
			json_decref(cv[t]);
	}
	free(sets);
	free(test_preds);
	free(cv);
	free(cv_rel);
	free(train_words);
	json_decref(tasks);
	if (rc < 0) {
		json_decref(report);
		return rc;
	}
	*out = report;
	return 0;
}

static int render_markdown(const void *report, FILE *fp)
{
	return fr_report_write_markdown(report, fp);
}

static int render_html(const void *report, FILE *fp)
{
	return fr_report_write_html(report, fp);
}

/* The three files are one set: each is written to a temporary file beside
 * its name, flushed and synced, and only when all three are do the renames
 * start. A failed write (a full disk on report.html) removes the
 * temporaries and leaves the old set as it was. */
int fr_report_write(const json_t *report, const char *dir, fr_error *err)
{
	static const struct {
		const char *name;
		fr_write_fn fn;
	} files[REPORT_FILES] = {
		{ "report.json", fr_json_dump },
		{ "report.md", render_markdown },
		{ "report.html", render_html },
	};
	char path[REPORT_FILES][PATH_MAX] = { "", "", "" };
	char tmp[REPORT_FILES][PATH_MAX] = { "", "", "" };
	FILE *fp[REPORT_FILES] = { NULL, NULL, NULL };
	int rc = 0;

	if (fr_mkdirs(dir) != 0)
		return fr_error_set(err, FR_EIO, dir, 0, "cannot create the report folder: %s", strerror(errno));
	/* Another run writing into dir has it for a moment (another report)
	 * or for a classify run's length: wait, so that the set is one run's
	 * and this evaluation is not lost. */
	int lock_fd;
	fr_dir_lock(dir, 1, &lock_fd);
	for (size_t i = 0; rc == 0 && i < REPORT_FILES; i++) {
		if (fr_path_join(path[i], sizeof(path[i]), dir, files[i].name) != 0) {
			rc = fr_error_set(err, FR_EINVALID, dir, 0, "report folder name too long");
			break;
		}
		fp[i] = fr_atomic_open(path[i], tmp[i], sizeof(tmp[i]));
		if (fp[i] == NULL) {
			tmp[i][0] = '\0';
			rc = fr_error_set(err, FR_EIO, path[i], 0, "cannot create: %s", strerror(errno));
			break;
		}
		errno = 0;
		if (files[i].fn(report, fp[i]) != 0 || fflush(fp[i]) != 0 || ferror(fp[i]) || fsync(fileno(fp[i])) != 0)
			rc = fr_error_set(err, FR_EIO, path[i], 0, "cannot write: %s", strerror(errno ? errno : EIO));
	}
	/* All three are written: replace the old set. (A rename in one folder
	 * can still fail between two files; nothing written is lost then.) */
	for (size_t i = 0; rc == 0 && i < REPORT_FILES; i++) {
		FILE *f = fp[i];
		fp[i] = NULL;
		if (fr_atomic_commit(f, tmp[i], path[i]) != 0)
			rc = fr_error_set(err, FR_EIO, path[i], 0, "cannot replace: %s", strerror(errno));
		tmp[i][0] = '\0';
	}
	for (size_t i = 0; i < REPORT_FILES; i++)
		if (fp[i] != NULL || tmp[i][0] != '\0')
			fr_atomic_abort(fp[i], tmp[i]);
	/* The renames reach the disk with the folder (best effort, as in
	 * fr_model_save: the files are in place either way). */
	if (rc == 0)
		fr_fsync_path(dir, 1);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}
