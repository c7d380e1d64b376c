#include "eval.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/fr_error.h"

int fr_confusion_init(fr_confusion *c, size_t k)
{
	memset(c, 0, sizeof(*c));
	/* k * k must not wrap: a wrapped size gives a tiny matrix that
	 * fr_confusion_add writes past. */
	if (k > 0 && k > SIZE_MAX / k)
		return FR_ENOMEM;
	c->counts = calloc(k > 0 ? k * k : 1, sizeof(size_t));
	if (c->counts == NULL)
		return FR_ENOMEM;
	c->k = k;
	return 0;
}

void fr_confusion_dispose(fr_confusion *c)
{
	if (c == NULL)
		return;
	free(c->counts);
	memset(c, 0, sizeof(*c));
}

void fr_confusion_add(fr_confusion *c, size_t truth, size_t predicted)
{
	if (truth < c->k && predicted < c->k)
		c->counts[truth * c->k + predicted]++;
}

size_t fr_confusion_total(const fr_confusion *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->k * c->k; i++)
		n += c->counts[i];
	return n;
}

size_t fr_confusion_correct(const fr_confusion *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->k; i++)
		n += c->counts[i * c->k + i];
	return n;
}

double fr_confusion_accuracy(const fr_confusion *c)
{
	size_t total = fr_confusion_total(c);
	return total ? (double)fr_confusion_correct(c) / (double)total : 0.0;
}

int fr_metrics_compute(fr_metrics *out, const fr_confusion *c)
{
	memset(out, 0, sizeof(*out));
	size_t k = c->k;
	out->labels = calloc(k ? k : 1, sizeof(*out->labels));
	if (out->labels == NULL)
		return FR_ENOMEM;
	out->k = k;
	size_t n = 0, correct = 0, n_averaged = 0;
	for (size_t t = 0; t < k; t++) {
		for (size_t p = 0; p < k; p++) {
			size_t v = c->counts[t * k + p];
			out->labels[t].support += v;
			out->labels[p].predicted += v;
			n += v;
		}
		out->labels[t].correct = c->counts[t * k + t];
		correct += out->labels[t].correct;
	}
	out->n = n;
	out->accuracy = n ? (double)correct / (double)n : 0.0;
	for (size_t l = 0; l < k; l++) {
		fr_label_scores *s = &out->labels[l];
		s->precision = s->predicted ? (double)s->correct / (double)s->predicted : 0.0;
		s->recall = s->support ? (double)s->correct / (double)s->support : 0.0;
		s->f1 = s->precision + s->recall > 0
		            ? 2.0 * s->precision * s->recall / (s->precision + s->recall) : 0.0;
		s->averaged = s->support > 0 || s->predicted > 0;
		if (!s->averaged)
			continue;
		n_averaged++;
		out->macro.precision += s->precision;
		out->macro.recall += s->recall;
		out->macro.f1 += s->f1;
		out->weighted.precision += s->precision * (double)s->support;
		out->weighted.recall += s->recall * (double)s->support;
		out->weighted.f1 += s->f1 * (double)s->support;
	}
	if (n_averaged) {
		out->macro.precision /= (double)n_averaged;
		out->macro.recall /= (double)n_averaged;
		out->macro.f1 /= (double)n_averaged;
	}
	if (n) {
		out->weighted.precision /= (double)n;
		out->weighted.recall /= (double)n;
		out->weighted.f1 /= (double)n;
	}
	/* One label per row: summed tp / summed predictions = summed tp / rows. */
	out->micro.precision = out->micro.recall = out->micro.f1 = out->accuracy;
	return 0;
}

void fr_metrics_dispose(fr_metrics *m)
{
	if (m == NULL)
		return;
	free(m->labels);
	memset(m, 0, sizeof(*m));
}

/* splitmix64: a small, seedable generator, so folds do not depend on the
 * C library's rand() and are the same on every machine. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

typedef struct {
	size_t first;   /* index into the group-ordered rows */
	size_t size;
	uint64_t tie;   /* random tie-break */
} group_t;

static int cmp_group_order(const void *a, const void *b)
{
	const group_t *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return (x->tie > y->tie) - (x->tie < y->tie);
}

static int cmp_rows_by_group(const void *a, const void *b, void *names)
{
	const char *const *groups = names;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(groups[i], groups[j]);
	return c != 0 ? c : (i > j) - (i < j);
}

int fr_cv_folds(int *fold_out, size_t n, const char *const *groups, const int *strata,
                size_t n_strata, size_t k, unsigned seed)
{
	if (k < 2)
		return FR_EINVALID;
	int rc = 0;
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	group_t *g = malloc((n ? n : 1) * sizeof(*g));
	size_t *fold_strata = calloc(k * (n_strata + 1), sizeof(size_t));
	size_t *fold_rows = calloc(k ? k : 1, sizeof(size_t));
	size_t *total = calloc(n_strata + 1, sizeof(size_t));
	size_t *gcount = calloc(n_strata + 1, sizeof(size_t));
	size_t n_groups = 0;
	uint64_t state = seed;
	if (!order || !g || !fold_strata || !fold_rows || !total || !gcount) {
		rc = FR_ENOMEM;
		goto done;
	}
	/* Rows grouped by name; stratum n_strata stands for "none". */
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_rows_by_group, (void *)groups);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(groups[order[i]], groups[order[i - 1]]) != 0) {
			g[n_groups].first = i;
			g[n_groups].size = 0;
			g[n_groups].tie = next_random(&state);
			n_groups++;
		}
		g[n_groups - 1].size++;
		int s = strata[order[i]];
		total[s >= 0 && (size_t)s < n_strata ? (size_t)s : n_strata]++;
	}
	if (n_groups < k) {
		rc = FR_EINVALID;
		goto done;
	}
	qsort(g, n_groups, sizeof(*g), cmp_group_order);
	for (size_t gi = 0; gi < n_groups; gi++) {
		memset(gcount, 0, (n_strata + 1) * sizeof(size_t));
		for (size_t r = g[gi].first; r < g[gi].first + g[gi].size; r++) {
			int s = strata[order[r]];
			gcount[s >= 0 && (size_t)s < n_strata ? (size_t)s : n_strata]++;
		}
		/* The fold where adding the group leaves each stratum's share per
		 * fold most even; then the smaller fold; then the lower index. */
		size_t best = 0;
		double best_cost = 0;
		for (size_t f = 0; f < k; f++) {
			double cost = 0;
			for (size_t s = 0; s <= n_strata; s++) {
				if (total[s] == 0)
					continue;
				double mean = (double)total[s] / (double)k, var = 0;
				for (size_t h = 0; h < k; h++) {
					double v = (double)(fold_strata[h * (n_strata + 1) + s] + (h == f ? gcount[s] : 0));
					var += (v - mean) * (v - mean);
				}
				cost += var / ((double)total[s] * (double)total[s]);
			}
			if (f == 0 || cost < best_cost - 1e-12 ||
			    (cost < best_cost + 1e-12 && fold_rows[f] < fold_rows[best])) {
				best = f;
				best_cost = cost;
			}
		}
		for (size_t s = 0; s <= n_strata; s++)
			fold_strata[best * (n_strata + 1) + s] += gcount[s];
		fold_rows[best] += g[gi].size;
		for (size_t r = g[gi].first; r < g[gi].first + g[gi].size; r++)
			fold_out[order[r]] = (int)best;
	}
done:
	free(order);
	free(g);
	free(fold_strata);
	free(fold_rows);
	free(total);
	free(gcount);
	return rc;
}
