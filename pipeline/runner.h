#ifndef FR_RUNNER_H
#define FR_RUNNER_H

#include <stddef.h>

#include "corpus.h"
#include "fr_error.h"
#include "labels.h"
#include "model.h"

/* Labels a whole corpus with a model, on one or more threads, into a labels
 * writer. The main thread reads paragraphs into numbered batches; workers
 * label whole batches, each with its own fr_model_work, and build their
 * output records (fr_labels_chunk); the main thread writes finished batches
 * strictly in order. So the output is byte-identical
 * whatever the thread count, and so is the order in which problems are
 * reported. Memory is bounded by the batches in flight (a few per thread)
 * and each thread's term cache (bounded too; see model.c), not by the
 * corpus. */

/* What the run saw, counted as paragraphs are written. */
typedef struct fr_run_tally {
	size_t paragraphs;
	size_t failed;           /* paragraphs read but not labeled (too large): reported, skipped */
	size_t terms, unknown, no_known_terms, invalid_bytes;
	size_t **label_counts;   /* [task][label]; owned, see fr_run_tally_dispose */
	double *confidence_sum;  /* [task]: sum of the label's confidence; owned */
	size_t n_tasks;
} fr_run_tally;

int fr_run_tally_init(fr_run_tally *t, const fr_model *m);
void fr_run_tally_dispose(fr_run_tally *t);

/* A bad record or unreadable file: reported, then the run goes on. */
typedef void (*fr_problem_fn)(void *payload, const fr_error *problem);
/* Called after each batch is written, with the paragraphs done so far. */
typedef void (*fr_progress_fn)(void *payload, size_t paragraphs_done);

typedef struct fr_run_options {
	size_t threads;          /* 1 labels on the calling thread alone */
	fr_problem_fn on_problem;
	fr_progress_fn on_progress;
	void *payload;
} fr_run_options;

/* Returns 0, or the first error that stops the run (a write failure, out of
 * memory while reading or labeling). Problems with single records, including
 * a paragraph too large to label, are reported and do not stop it. */
int fr_run_classify(fr_corpus *corpus, const fr_model *m, fr_labels_writer *writer,
                    const fr_run_options *opts, fr_run_tally *tally, fr_error *err);

#endif
