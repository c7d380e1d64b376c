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
