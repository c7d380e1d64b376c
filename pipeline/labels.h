#ifndef FR_LABELS_H
#define FR_LABELS_H

#include <stdio.h>

#include "corpus.h"
#include "fr_error.h"
#include "model.h"

struct json_t;

/* The output stage: labels.jsonl and labels.csv, streamed one paragraph at a
 * time through one buffered writer each. Files are written under temporary
 * names in the output folder and renamed into place by fr_labels_commit, so
 * an interrupted run never leaves a half-written labels file or destroys
 * the previous run's. With a stream instead of a folder (classify -),
 * JSON Lines go straight to it.
 *
 * labels.jsonl, one object per paragraph:
 *   {"id","doc","para","text", <task>: {"label","confidence","scores":{label: p},
 *    "evidence":[words]}, ...}
 * labels.csv: id, doc, para, text, then per task <task>, <task>_confidence,
 *   <task>_evidence (words joined by "; "). A cell that starts with = + - @
 *   is prefixed with ' so a spreadsheet shows it instead of running it. */
typedef struct fr_labels_writer fr_labels_writer;

typedef struct fr_labels_options {
	int jsonl;          /* write labels.jsonl */
	int csv;            /* write labels.csv */
} fr_labels_options;

#define FR_LABELS_OPTIONS_INIT { 1, 1 }

/* Opens the outputs in out_dir, creating the folder when needed. */
int fr_labels_open(fr_labels_writer **out, const char *out_dir, const fr_model *m,
                   const fr_labels_options *opts, fr_error *err);

/* Writes JSON Lines to an open stream (borrowed), e.g. stdout. */
int fr_labels_open_stream(fr_labels_writer **out, FILE *fp, const fr_model *m, fr_error *err);

int fr_labels_write(fr_labels_writer *w, const fr_paragraph *p,
                    const fr_task_result *results, fr_error *err);

/* Flushes and syncs the outputs, renames them into place, and writes
 * summary.json (when summary is not NULL and the writer has a folder). */
int fr_labels_commit(fr_labels_writer *w, const struct json_t *summary, fr_error *err);

/* Frees the writer; uncommitted temporary files are removed. NULL-safe. */
void fr_labels_free(fr_labels_writer *w);

/* Writes s as a JSON string (quotes included) to fp: control characters
 * escaped, bytes that are not valid UTF-8 replaced by U+FFFD, so the output
 * is valid JSON whatever the input was. */
void fr_json_write_string(FILE *fp, const char *s, size_t len);

/* Writes a JSON value to path atomically (temporary file + rename). */
int fr_json_write_file_atomic(const struct json_t *j, const char *path, fr_error *err);

#endif
