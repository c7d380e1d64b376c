#include "folds.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fr_error.h"

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

size_t fr_cv_group_count(size_t n, const char *const *groups)
{
	size_t *order = malloc((n ? n : 1) * sizeof(*order)), count = 0;
	if (order == NULL)
		return 0;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_rows_by_group, (void *)groups);
	for (size_t i = 0; i < n; i++)
		count += i == 0 || strcmp(groups[order[i]], groups[order[i - 1]]) != 0;
	free(order);
	return count;
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
