#ifndef FR_DATASET_H
#define FR_DATASET_H

#include <stddef.h>

#include "fr_error.h"

/* A labeled CSV, in memory: training and evaluation data are small enough,
 * and training needs every row at once anyway. RFC 4180, UTF-8, with a
 * header row: a `text` column, optional `id` and `document` columns (or `doc`,
 * or `group` as the benchmark sets name it), and one
 * column per task. Without explicit tasks, every column except id, document,
 * doc, source, date, text, group, url, title and notes is a task. An empty
 * cell means "not labeled for this task". Unlike a batch, a labeled file is
 * all or nothing: one malformed row is an error, never silently dropped. */
typedef struct fr_dataset {
	char *path;          /* owned copy of the path it was read from */
	size_t n_rows;
	char **ids;          /* the id column, or "<file>:<line>" (file name without its folder); owned */
	char **docs;         /* the document column, or the id; owned (groups for cross-validation) */
	char **texts;        /* owned */
	size_t *text_lens;
	size_t *lines;       /* line of each row in the file */
	size_t n_tasks;
	char **tasks;        /* task column names; owned */
	char ***labels;      /* labels[task][row], NULL where the cell is empty; owned */
	size_t empty_texts;  /* rows left out because their text was empty */
} fr_dataset;

void fr_dataset_init(fr_dataset *ds);
/* Frees everything and leaves ds zeroed. NULL-safe. */
void fr_dataset_dispose(fr_dataset *ds);

/* Reads path into ds (which must be initialised and empty). tasks may be
 * NULL to take every label column. Errors name the file and the line:
 * FR_EFORMAT for malformed CSV, a missing text column, duplicate or empty
 * header names, a row with the wrong number of fields, a field that is not
 * text (a NUL byte or invalid UTF-8: the byte and the column are named), a
 * row repeating the header (files joined), no rows, or no text at all; a
 * byte order mark is accepted at the start of any row; FR_ENOTFOUND for a missing file or a task column not in the header;
 * FR_EINVALID for a task named twice in tasks. On failure ds may hold the
 * rows read so far: fr_dataset_dispose it either way. */
int fr_dataset_load(fr_dataset *ds, const char *path, const char *const *tasks,
                    size_t n_tasks, fr_error *err);

/* The index of a task by name, or -1. */
int fr_dataset_task_index(const fr_dataset *ds, const char *task);

#endif
