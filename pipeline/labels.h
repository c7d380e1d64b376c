#ifndef FR_LABELS_H
#define FR_LABELS_H

#include <limits.h>
#include <stdio.h>

#include "corpus.h"
#include "fr_error.h"
#include "model.h"

struct json_t;

/* The output stage: labels.jsonl and labels.csv, streamed a chunk of records
 * at a time (below) through one buffered writer each. Files are written under temporary
 * names in the output folder and renamed into place by fr_labels_commit, so
 * an interrupted run never leaves a half-written labels file or destroys
 * the previous run's; ended by a signal such as SIGINT or SIGTERM
 * (FR_TEMP_SIGNALS), it leaves no temporary either (fr_atomic_open). With a stream instead of a folder (classify -),
 * JSON Lines or CSV go straight to it.
 *
 * labels.jsonl, one object per paragraph:
 *   {"id","doc","para","text", <task>: {"label","confidence","scores":{label: p},
 *    "evidence":[words]}, ...}
 *   A multi-label task's object also has "labels": [every label given], after
 *   "label" (the most probable of them); its scores are each label's own
 *   probability, and its evidence is for "label".
 * labels.csv: id, doc, para, text, then per task <task> (a multi-label task's
 *   labels joined by '|'), <task>_confidence,
 *   <task>_evidence (words joined by "; "). A cell that starts with = + - @
 *   TAB or CR, after any apostrophes, is prefixed with ' so a spreadsheet
 *   shows it instead of running it (fr_csv_needs_defusing; the CSV reader
 *   takes it off again). */
typedef struct fr_labels_writer fr_labels_writer;

typedef struct fr_labels_options {
	int jsonl;          /* write labels.jsonl */
	int csv;            /* write labels.csv */
	size_t review;      /* paragraphs in review.csv (fr_review below); 0: no review.csv */
	const char *review_task; /* the task whose certainty orders review.csv; NULL: each
	                            paragraph's least certain task (a name the model lacks
	                            is FR_EINVALID at fr_labels_open) */
} fr_labels_options;

#define FR_REVIEW_DEFAULT 50
#define FR_LABELS_OPTIONS_INIT { 1, 1, FR_REVIEW_DEFAULT, NULL }

/* The longest out_dir fr_labels_open takes, in bytes: its files'
 * temporary names ("/.labels.jsonl.tmp-XXXXXX") must fit in PATH_MAX. */
#define FR_LABELS_DIR_MAX (PATH_MAX - 32)

/* Opens the outputs in out_dir, creating the folder when needed, and holds
 * the folder's lock (fr_dir_lock) until fr_labels_free: FR_EBUSY when
 * another run is writing into it, since two runs' files would replace each
 * other's one by one, a mixture of two batches. An out_dir longer than
 * FR_LABELS_DIR_MAX is FR_EINVALID. */
int fr_labels_open(fr_labels_writer **out, const char *out_dir, const fr_model *m,
                   const fr_labels_options *opts, fr_error *err);

/* Writes to an open stream (borrowed), e.g. stdout, in the one format opts
 * sets: JSON Lines (opts->jsonl) or labels.csv's layout, header first
 * (opts->csv); both or neither is FR_EINVALID. opts->review is ignored. */
int fr_labels_open_stream(fr_labels_writer **out, FILE *fp, const fr_model *m,
                          const fr_labels_options *opts, fr_error *err);

/* ---- records, built off the writing thread ----
 *
 * Building a paragraph's records (JSON escaping, CSV quoting) costs more than
 * writing them, and the writing thread is one. So fr_run_classify's workers
 * build each batch's records into a chunk, and the writing thread appends
 * the chunk's bytes and then offers its paragraphs to the review queue, in
 * input order: the same bytes whatever the thread count. A chunk is used by
 * one thread at a time. */
typedef struct fr_labels_chunk fr_labels_chunk;

/* An empty chunk for w's outputs (the records w writes, no others). */
int fr_labels_chunk_new(fr_labels_chunk **out, const fr_labels_writer *w, fr_error *err);

/* Empties the chunk, keeping its memory up to a bound (16 MiB a buffer). */
void fr_labels_chunk_clear(fr_labels_chunk *c);

/* Appends a paragraph's records. 0, or FR_ENOMEM (the chunk is then
 * unusable until cleared). */
int fr_labels_chunk_add(fr_labels_chunk *c, const fr_paragraph *p, const fr_task_result *results);

/* Appends the chunk's records to the outputs, in the order they were added. */
int fr_labels_write_chunk(fr_labels_writer *w, const fr_labels_chunk *c, fr_error *err);

/* Offers a written paragraph to the review queue (nothing without one). */
int fr_labels_review(fr_labels_writer *w, const fr_paragraph *p, const fr_task_result *results,
                     fr_error *err);

void fr_labels_chunk_free(fr_labels_chunk *c);

/* With a folder: writes review.csv (when opts->review > 0) and summary.json
 * (when summary is not NULL) to temporaries, syncs them and the labels
 * files, and only then renames them all into place. On failure none is
 * renamed and the temporaries are removed: the folder holds the previous
 * run's files as they were. With a stream: flushes it. */
int fr_labels_commit(fr_labels_writer *w, const struct json_t *summary, fr_error *err);

/* Frees the writer; uncommitted temporary files are removed. NULL-safe. */
void fr_labels_free(fr_labels_writer *w);

/* ---- the review queue: review.csv ----
 *
 * The n paragraphs the model is least sure of, diversified across documents
 * and predicted labels, in the labeled-CSV layout so they can be corrected
 * in a spreadsheet and given back to `framer train` as a corrections file.
 *
 * Certainty of a paragraph: for each task with k labels, top score p1,
 * runner-up p2, c = ((p1 - 1/k) / (1 - 1/k) clamped to [0, 1] + (p1 - p2)) / 2:
 * the confidence above chance and the margin between the top two labels,
 * each in [0, 1], averaged. The paragraph's certainty is its least certain
 * task's c. Lower is less certain. A multi-label task's c is how near its
 * least certain label's probability p is to that label's threshold t:
 * (p - t) / (1 - t) above it, (t - p) / t below.
 *
 * Bounded memory: a pool keeps the FR_REVIEW_POOL_FACTOR * n least certain
 * paragraphs seen so far (a max-heap; on equal certainty the earlier
 * paragraph stays). Selection then takes n from the pool greedily, each time
 * the one with the lowest
 *   certainty + FR_REVIEW_DOC_PENALTY * (chosen so far from its document)
 *             + FR_REVIEW_LABEL_PENALTY * sum over tasks of (chosen so far
 *               with its predicted label for that task)
 * ties going to the earlier paragraph. Paragraphs are added in input order,
 * so the choice does not depend on threads.
 *
 * review.csv: id, document, text, one column per task holding the predicted
 * label (to correct; a multi-label task's labels joined by '|'), then per
 * task confidence_<task>, second_<task> (the runner-up label; for a
 * multi-label task, the label nearest its threshold) and margin_<task> (p1 -
 * p2; for a multi-label task, that label's c above); one row per chosen paragraph, the
 * first chosen first. Cells are defused as in labels.csv. */
#define FR_REVIEW_POOL_FACTOR 4
#define FR_REVIEW_DOC_PENALTY 0.05
#define FR_REVIEW_LABEL_PENALTY 0.02
/* The most review.csv may hold (its pool lives in memory). */
#define FR_REVIEW_MAX 100000

typedef struct fr_review fr_review;

/* A queue of n (1 to FR_REVIEW_MAX) paragraphs for m's tasks. */
int fr_review_new(fr_review **out, const fr_model *m, size_t n, fr_error *err);

/* The certainty of a paragraph's results (above); *task_out (may be NULL)
 * gets its least certain task. */
double fr_review_certainty(const fr_model *m, const fr_task_result *results, size_t *task_out);

/* Orders the queue by one task's certainty instead (a task of m), for a
 * researcher checking that task: the least certain task of a paragraph is
 * nearly always the one with the most labels. Call before fr_review_add. */
void fr_review_order_by_task(fr_review *r, size_t task);

/* Offers a paragraph (copied when it enters the pool). Call in input order. */
int fr_review_add(fr_review *r, const fr_paragraph *p, const fr_task_result *results,
                  fr_error *err);

/* Paragraphs held in the pool now: at most FR_REVIEW_POOL_FACTOR * n. */
size_t fr_review_pool_size(const fr_review *r);

/* Chooses the paragraphs (once; later calls keep the first choice).
 * 0 or FR_ENOMEM. */
int fr_review_select(fr_review *r, fr_error *err);

/* After fr_review_select: how many were chosen (n, or fewer when fewer were
 * offered), and the i-th one's id and certainty (borrowed from r). */
size_t fr_review_count(const fr_review *r);
const char *fr_review_id(const fr_review *r, size_t i);
double fr_review_chosen_certainty(const fr_review *r, size_t i);

/* Writes the chosen paragraphs as review.csv to fp. 0, or -1 on a write
 * error. */
int fr_review_write(const fr_review *r, FILE *fp);

void fr_review_free(fr_review *r);

/* Writes s as a JSON string (quotes included) to fp: control characters
 * escaped, bytes that are not valid UTF-8 replaced by U+FFFD, so the output
 * is valid JSON whatever the input was. */
void fr_json_write_string(FILE *fp, const char *s, size_t len);

/* Writes a JSON value (a json_t) as those files have it: indented, keys in
 * order, a final newline; an fr_write_fn. 0, or nonzero on a write error. */
int fr_json_dump(const void *j, FILE *fp);

#endif
