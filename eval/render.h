#ifndef FR_RENDER_H
#define FR_RENDER_H

#include <stdio.h>

struct json_t;

/* Rendering of the evaluation report. The report is one JSON object (what
 * report.json holds); report.md and report.html are drawn from it alone, so
 * the three never disagree.
 *
 * Layout of the report object (numbers are JSON reals unless said):
 * {
 *   "framer_version": "0.1.0",
 *   "model":  {"path", "config": {...}, "vocabulary_size": int, "training_data",
 *              "training_data_sha256", "training_files": [{"path", "sha256"}, ...],
 *              "training_rows": int,      training_data: the first of training_files
 *              "training_rows_without_words": int}  only when above 0 (model.json's
 *              training.rows_without_words): rows left out of training, not in training_rows
 *   "data":   {"path", "sha256", "rows": int, "empty_texts": int,      the held-out test file
 *              "rows_in_training": int or null, "rows_in_training_unknown", "training_file"}
 *              empty_texts: rows left out because their text is empty (in no figure);
 *              rows_in_training (set by the CLI after fr_report_build): test rows whose
 *              text the model was trained on, null when that is not known, and then
 *              rows_in_training_unknown says why; training_file (only when it is so):
 *              the training file, as model.json records it, with the test file's sha256
 *   "cv":     {"k": int, "data", "sha256", "files": [{"path", "sha256"}, ...],
 *              "rows": int, "empty_texts": int, "seed": int, "grouped_by": "document",
 *              "stratified_by": "<task>"}  or null    data, sha256: the first of files;
 *              rows: of them all, a base and its corrections read as train reads them;
 *              "same_as_training": whether files has model.training_files' sha256s, in
 *              order (false: changed since training, or other files; null: not recorded)
 *   "tuning": {...}   only for a model trained with --tune: model.json's "tuning" as is (tune.h)
 *       {"objective": "macro-F1" or "F1 of '<label>'", "tasks": ["<task>", ...],
 *        "skipped_tasks": ["<multi-label task>", ...], "folds": int,
 *        "repeats": int (the distinct splits scored), "repeats_asked": int (3 on small data,
 *        1 on large; more than repeats when a repeat split the documents as an earlier one),
 *        "split_seeds": [int, ...] (each split's seed), "repeated_folds": [index into a
 *        POINT's "folds" of a fold holding out the same documents as an earlier one: it
 *        counts once in gain_se and std], (the last three absent from older records)
 *        "grouped_by": "document", "seed": int, "rows": int, "search": "small" or "large",
 *        "large_rows": int,
 *        "grid": {"C": [...], "class_weight": [...], "min_df": [...], "ngram_range": [[1, 1], ...],
 *                 "stopwords": [true, false], "char_ngrams": [2, 5],
 *                 "char_stage": {"settings": int, "C_steps": int, "class_weight": "both" or "best"}},
 *        "chosen": POINT, "default": POINT (the config's own), "points": [POINT, ...]}  as scored
 *   "tasks": { "<task>": {
 *       "labels": ["<label>", ...],                   display order
 *       "label_notes": {"<label>": ["<sentence>", ...]},  e.g. never predicted, no support
 *       "train_counts": {"<label>": int}, "test_counts": {"<label>": int},
 *                   train_counts: the rows training keeps (a word in the vocabulary), of
 *                   the cross-validation data, else the model's own
 *       "test":     FIGURES,
 *       "baseline": FIGURES plus "predicts": "<label>" (always the majority label),
 *       "cv":       {"folds": [FIGURES, ...], "mean": NUMBERS, "std": NUMBERS}   (absent without cv)
 *                   a task with no labeled test rows has "test" and "baseline" unscored
 *                   (below), and no thresholds or mistakes; its cv is as usual
 *       "calibration": {"method": "platt", "slope", "folds": int, "rows": int}  or {"method": "none"}
 *                   how the model turns scores into confidences (its model.json task entry)
 *       "reliability": {"test": RELIABILITY,
 *                       "cv": RELIABILITY}   every fold's held-out rows pooled (absent without cv)
 *       "thresholds": [ {"threshold", "review_below", "accepted": int, "coverage", "precision",
 *                        "macro_f1", "review": int, "accuracy_after_review"}, ... ],
 *                   threshold: the lowest confidence accepted; review_below: the shortest
 *                   decimal (3 places or more) with exactly "review" paragraphs under it
 *                   when their confidences are rounded to 4 decimals as labels.jsonl prints
 *                   them (the cut is made on those), printed as the cut (threshold when
 *                   absent). A row reviewing none is
 *                   not printed: the table's first row, "none", is that one.
 *       "top_terms": {"<label>": [ {"term", "weight"}, ... ]},   (absent for RBF models)
 *       "mistakes": [ {"id", "text", "true", "predicted", "confidence",
 *                      "evidence": ["<term>", ...]}, ... ]       most confident first
 *                   multi-label: "confidence" is the surest wrong decision's (a label
 *                   given wrongly: its probability p; a label missed: 1 - p; null when
 *                   only labels the model lacks are missed), and "wrong" lists them,
 *                   surest first: [{"label", "given": bool, "probability", "threshold"}]
 *                   (both null for a label the model lacks)
 *   } }
 * }
 * FIGURES = {"scored": true,
 *            "labels": {"<label>": {"precision", "recall", "f1", "support": int, "predicted": int}},
 *            "macro": {"precision", "recall", "f1"}, "micro": {...}, "weighted": {...},
 *            "macro_supported": {"precision", "recall", "f1"},
 *            "accuracy", "n": int,
 *            "confusion": {"labels": [...], "matrix": [[int, ...], ...]}}   rows = true labels
 *   macro averages the labels in the truth or the predictions (scikit-learn's default), so a
 *   label predicted with no rows counts with F1 0; macro_supported averages only the labels
 *   with support > 0 (its numbers null when none has).
 *   Rows none of which has a label for the task are not scored: {"scored": false, "n": 0,
 *   "labels": {}, "macro": null, "macro_supported": null, "micro": null, "weighted": null,
 *   "accuracy": null} (a multi-label task's also "subset_accuracy": null, "hamming_loss": null).
 * NUMBERS = FIGURES without "scored", "confusion" and "n", every number a mean (or std) over the
 *   folds that were scored (null when none was). A label's precision, recall and f1 run over
 *   the folds where it occurs in the truth or the predictions, its support and predicted over
 *   every scored fold, and its "folds": int counts the folds it was scored in (0: its figures
 *   are null, "not scored").
 * POINT = {"stage": "default", "words", "chars" or "refine" (the pass that added it), "C",
 *          "class_weight": "none" or "balanced",
 *          "solver": "liblinear", "libsvm" or "auto", "stopwords": bool (the config's list or
 *          none), "min_df": int (a count) or real (a share), "ngram_range": [int, int],
 *          "char_ngrams": [int, int] or null, "mean" (the objective, folds pooled, over repeats),
 *          "std" (of one fold's score), "tasks": {"<task>": mean},
 *          "folds": [one fold's objective, ...] (repeat by repeat)}; numbers null when unscored.
 *          The tables show "mean" and, apart, the folds' own mean with "std": not one
 *          spread around the other.
 * RELIABILITY = {"bins": [ {"lower", "upper", "count": int, "confidence", "accuracy"}, ... ],
 *                "ece", "n": int, "confidence", "accuracy"}
 *   Ten equal-width bins of confidence (the predicted label's score), [0, 0.1) to
 *   [0.9, 1.0]; a bin's "confidence" is its mean confidence and "accuracy" the share of
 *   its rows predicted right, both null when it is empty. "ece" is the expected
 *   calibration error, sum over bins of count / n * |accuracy - confidence| (null when n
 *   is 0); the
 *   top-level "confidence" and "accuracy" are over all n rows.
 */

/* Writes the report as Markdown that reads well in a terminal and on a code
 * hosting site: padded tables, data text backslash-escaped (no raw HTML,
 * links or table breaks) with newlines folded to spaces. Parts the report
 * lacks (cv, top_terms, timing, reliability, ...) are left out; a missing number prints
 * as an en dash. Numbers have fixed decimals (3 for scores, 1 for
 * percentages; a review cut 3 or as many more as it needs) in the "C"
 * locale whatever the caller's, so the same report gives the same bytes. fp is flushed, not closed. Returns 0, FR_EIO when
 * writing fails, FR_ENOMEM, or FR_EINVALID when report is not an object or
 * fp is NULL. */
int fr_report_write_markdown(const struct json_t *report, FILE *fp);

/* Writes the report as one self-contained HTML page: inline CSS and SVG
 * charts (a confusion heat map, per-label F1 bars and a reliability diagram
 * per task; the search curve of a tuned model), no script,
 * nothing loaded from the network, printable, every string that comes from
 * data HTML-escaped (':' included, so no "http:" can appear). Same content,
 * numbers and return codes as fr_report_write_markdown. */
int fr_report_write_html(const struct json_t *report, FILE *fp);

#endif
