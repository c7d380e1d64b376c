#ifndef FR_DATASET_H
#define FR_DATASET_H

#include <stddef.h>

#include "fr_error.h"

/* A labeled CSV, in memory: training and evaluation data are small enough,
 * and training needs every row at once anyway. RFC 4180, UTF-8, with a
 * header row: a `text` column, optional `id` and `document` columns (or `doc`,
 * or `group` as the benchmark sets name it), and one
 * column per task. Without explicit tasks, every column except id, document,
 * doc, para, source, date, text, group, url, title and notes is a task, but
 * for the columns framer writes about a task: review.csv's confidence_*,
 * second_* and margin_*, and labels.csv's <task>_confidence and
 * <task>_evidence beside a column <task> (or, in a later file, a task read
 * before), so either file, its label cells corrected, is labeled data. An
 * empty cell means "not labeled for this task". Unlike a batch, a labeled file is
 * all or nothing: one malformed row is an error, never silently dropped. */
typedef struct fr_dataset {
	char *path;          /* owned copy of the path it was read from (the first file) */
	char **paths;        /* every file read, in order: paths[0] is path; owned */
	size_t n_paths;
	size_t n_rows;
	char **ids;          /* the id column, or "<file>:<line>" (file name without its folder); owned */
	char **docs;         /* the document column, or the id's part before '#' (a made-up id
	                        whole); owned (groups for cross-validation) */
	char **texts;        /* owned */
	size_t *text_lens;
	size_t *lines;       /* line of each row in the file */
	size_t *files;       /* index into paths of the file each row's line is in */
	unsigned char *given; /* per row: FR_DATASET_ID_GIVEN | FR_DATASET_DOC_GIVEN */
	size_t n_tasks;
	char **tasks;        /* task column names; owned */
	char ***labels;      /* labels[task][row], NULL where the cell is empty; owned */
	size_t *task_files;  /* per task, the index into paths of the first file with its
	                        column; NULL when every task's is the first file; owned */
	size_t empty_texts;  /* rows left out because their text was empty */
	size_t overridden;   /* rows of a later file that replaced an earlier row */
	size_t added;        /* rows of a later file that no earlier row had */
	const char *framer_output; /* "labels.csv" or "review.csv" when the (first) file has
	                              that output's columns about a task, else NULL */
	struct {
		size_t rows;       /* rows whose label a file in framer's output layout (corrections)
		                      gave and a later file not in it changed, as the rows end up:
		                      corrections given first? */
		size_t file, line; /* the first such later row: index into paths, line */
		size_t of_file;    /* the file in the output layout it replaced a row of */
		const char *layout; /* that file's: "review.csv" or "labels.csv" */
	} outputs_replaced;
} fr_dataset;

#define FR_DATASET_ID_GIVEN 1  /* the id came from the id column, not "<file>:<line>" */
#define FR_DATASET_DOC_GIVEN 2 /* the document came from its column, not the id; never set
                                  by a later file's doc beside para (labels.csv's: the
                                  batch file's name for a record without a document) */

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
 * FR_EINVALID for a task named twice in tasks; FR_EFORMAT for a task of
 * tasks named like a column framer writes beside the tasks (id, doc, para,
 * document) or about another column of the header (stance_confidence
 * beside stance), or two tasks one of which is the other's such column
 * (source and source_confidence). On failure ds may hold the
 * rows read so far: fr_dataset_dispose it either way. */
int fr_dataset_load(fr_dataset *ds, const char *path, const char *const *tasks,
                    size_t n_tasks, fr_error *err);

/* Reads several labeled CSVs into one set: a base file and corrections
 * (fr_dataset_load for n_paths == 1). paths[0] is read as fr_dataset_load
 * reads it. Each later file:
 *   - may lack the text column, the id column and any task column: its
 *     tasks are the union (with tasks NULL, a label column new to the set
 *     is a new task, unlabeled on earlier rows, and FR_EFORMAT naming its
 *     header when its output columns would clash with a task's of the set;
 *     with tasks given, its other columns are ignored);
 *   - a row whose id matches an earlier row's replaces that row's cells: its
 *     text and document when they are not empty (labels.csv's doc, a column
 *     doc beside para, only documents rows it adds), and each task's label
 *     when the cell is not empty. An empty cell keeps the earlier value, so a
 *     corrections file may carry only id and the column it corrects;
 *   - any other row is appended (a row without an id always is); a row
 *     with an id no earlier row has and no text is an error (FR_EFORMAT,
 *     naming its file and line: a mistyped id would otherwise be dropped);
 *   - within one file an id names one row: a repeat is FR_EFORMAT naming
 *     its line and the first's.
 * ds->lines and ds->files name where each row's last change came from. */
int fr_dataset_load_files(fr_dataset *ds, const char *const *paths, size_t n_paths,
                          const char *const *tasks, size_t n_tasks, fr_error *err);

/* Reads a test file for a model's tasks (all given) as fr_dataset_load
 * does, except that a task whose column the file lacks is kept, with every
 * cell empty (it is not scored, as a column of empty cells would not be),
 * and missing_out[t] (n_tasks of them, the caller's) is 1 for it, else 0;
 * FR_DATASET_NEAR_COLUMN when a column is named like it but for its case or
 * spaces around it. FR_ENOTFOUND at line 1 when the file lacks every task's
 * column. */
#define FR_DATASET_NEAR_COLUMN 2
int fr_dataset_load_test(fr_dataset *ds, const char *path, const char *const *tasks,
                         size_t n_tasks, unsigned char *missing_out, fr_error *err);

/* A cell of a multi-label task holds its labels separated by '|'. As
 * loaded, such a cell is normalised: each label trimmed of spaces and
 * tabs, sorted in byte order, each once ("talks | blame_nato" becomes
 * "blame_nato|talks"); an empty label ("a||b", "a|") is FR_EFORMAT naming
 * the file, line and column. */
#define FR_LABEL_SEP '|'

/* Whether any cell of the task holds more than one label: such a task is
 * trained one-vs-rest (model.h). */
int fr_dataset_task_multilabel(const fr_dataset *ds, size_t task);

/* Iterates the labels of a normalised cell: returns the next one (not
 * NUL-terminated: *len_out bytes) and moves *cursor past it, or NULL at the
 * end. A single-label cell gives itself. */
const char *fr_label_next(const char **cursor, size_t *len_out);

/* Refuses (FR_EFORMAT, at line 1 of path) a task named like a column
 * framer writes beside the tasks (id, doc, para, document), or like its
 * column about one of the n tasks given (stance_confidence beside stance,
 * confidence_stance), or such that one of them is a column about it. Those
 * would give labels.csv, review.csv or labels.jsonl a column twice. */
int fr_dataset_check_task_name(const char *name, const char *const *tasks, size_t n,
                               const char *path, fr_error *err);

/* The index of a task by name, or -1. */
int fr_dataset_task_index(const fr_dataset *ds, const char *task);

#endif
