#include "eval.h"

#include <math.h>
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

/* Per-label precision, recall and F1 from support, predicted and correct,
 * their macro and weighted averages over the labels that occur, and the
 * macro average over the labels with support. */
static void label_averages(fr_metrics *out)
{
	size_t n_averaged = 0, n_supported = 0, total_support = 0;
	for (size_t l = 0; l < out->k; l++) {
		fr_label_scores *s = &out->labels[l];
		s->precision = s->predicted ? (double)s->correct / (double)s->predicted : 0.0;
		s->recall = s->support ? (double)s->correct / (double)s->support : 0.0;
		s->f1 = s->precision + s->recall > 0
		            ? 2.0 * s->precision * s->recall / (s->precision + s->recall) : 0.0;
		s->averaged = s->support > 0 || s->predicted > 0;
		if (s->support > 0) {
			n_supported++;
			out->macro_supported.precision += s->precision;
			out->macro_supported.recall += s->recall;
			out->macro_supported.f1 += s->f1;
		}
		if (!s->averaged)
			continue;
		n_averaged++;
		total_support += s->support;
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
	if (n_supported) {
		out->macro_supported.precision /= (double)n_supported;
		out->macro_supported.recall /= (double)n_supported;
		out->macro_supported.f1 /= (double)n_supported;
	}
	if (total_support) {
		out->weighted.precision /= (double)total_support;
		out->weighted.recall /= (double)total_support;
		out->weighted.f1 /= (double)total_support;
	}
}

int fr_metrics_compute(fr_metrics *out, const fr_confusion *c)
{
	memset(out, 0, sizeof(*out));
	size_t k = c->k;
	out->labels = calloc(k ? k : 1, sizeof(*out->labels));
	if (out->labels == NULL)
		return FR_ENOMEM;
	out->k = k;
	size_t n = 0, correct = 0;
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
	/* One label per row: the support sums to n. */
	label_averages(out);
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

int fr_multilabel_init(fr_multilabel *c, size_t k)
{
	memset(c, 0, sizeof(*c));
	if (k > SIZE_MAX / 3)
		return FR_ENOMEM;
	size_t *block = calloc(k ? 3 * k : 1, sizeof(size_t));
	if (block == NULL)
		return FR_ENOMEM;
	c->support = block;
	c->predicted = block + k;
	c->correct = block + 2 * k;
	c->k = k;
	return 0;
}

void fr_multilabel_dispose(fr_multilabel *c)
{
	if (c == NULL)
		return;
	free(c->support);
	memset(c, 0, sizeof(*c));
}

void fr_multilabel_add(fr_multilabel *c, const unsigned char *truth, const unsigned char *predicted)
{
	if (c->support == NULL)
		return;
	size_t wrong = 0;
	for (size_t l = 0; l < c->k; l++) {
		int t = truth[l] != 0, p = predicted[l] != 0;
		c->support[l] += (size_t)t;
		c->predicted[l] += (size_t)p;
		c->correct[l] += (size_t)(t && p);
		wrong += (size_t)(t != p);
	}
	c->wrong += wrong;
	c->exact += wrong == 0;
	c->n++;
}

int fr_multilabel_metrics(fr_metrics *out, const fr_multilabel *c)
{
	memset(out, 0, sizeof(*out));
	out->labels = calloc(c->k ? c->k : 1, sizeof(*out->labels));
	if (out->labels == NULL)
		return FR_ENOMEM;
	out->k = c->k;
	out->n = c->n;
	size_t support = 0, predicted = 0, correct = 0;
	for (size_t l = 0; l < c->k; l++) {
		out->labels[l].support = c->support[l];
		out->labels[l].predicted = c->predicted[l];
		out->labels[l].correct = c->correct[l];
		support += c->support[l];
		predicted += c->predicted[l];
		correct += c->correct[l];
	}
	label_averages(out);
	out->micro.precision = predicted ? (double)correct / (double)predicted : 0.0;
	out->micro.recall = support ? (double)correct / (double)support : 0.0;
	out->micro.f1 = support + predicted ? 2.0 * (double)correct / (double)(support + predicted) : 0.0;
	out->accuracy = c->n ? (double)c->exact / (double)c->n : 0.0;
	out->hamming_loss = c->n && c->k ? (double)c->wrong / ((double)c->n * (double)c->k) : 0.0;
	return 0;
}

void fr_reliability_init(fr_reliability *r)
{
	memset(r, 0, sizeof(*r));
}

size_t fr_reliability_bin(double confidence)
{
	if (!(confidence > 0.0))
		return 0; /* NaN too */
	double b = floor(confidence * FR_RELIABILITY_BINS);
	return b >= FR_RELIABILITY_BINS - 1 ? FR_RELIABILITY_BINS - 1 : (size_t)b;
}

void fr_reliability_add(fr_reliability *r, double confidence, int correct)
{
	size_t b = fr_reliability_bin(confidence);
	r->count[b]++;
	r->correct[b] += correct != 0;
	r->confidence[b] += isnan(confidence) ? 0.0 : confidence;
	r->n++;
}

double fr_reliability_ece(const fr_reliability *r)
{
	double gap = 0.0;
	if (r->n == 0)
		return 0.0;
	for (size_t b = 0; b < FR_RELIABILITY_BINS; b++)
		gap += fabs((double)r->correct[b] - r->confidence[b]);
	return gap / (double)r->n;
}
