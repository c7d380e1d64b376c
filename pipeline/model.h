#ifndef FR_MODEL_H
#define FR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "calibrate.h"
#include "classify.h"
#include "dataset.h"
#include "fr_error.h"
#include "stem.h"
#include "tfidf.h"

struct json_t;

/* The model bundle: what `train` writes and `classify` reads.
 *   models/<name>/model.json    format version, config, stop words,
 *                               vocabulary (df, idf, surface forms),
 *                               tasks and their labels, training summary
 *   models/<name>/<task>.svm    libsvm's model, one per task
 * A bundle is written whole into a temporary folder beside it and swapped in
 * with one atomic rename, so a failed or killed training never leaves a
 * half-written bundle or destroys the previous one. The folder is
 * registered with fr_temp_register: a training ended by a signal such as
 * SIGINT or SIGTERM (FR_TEMP_SIGNALS) leaves none behind (SIGKILL can). */

#define FR_VERSION "0.4.0"
/* 2: model.json records the size and sha256 of every other bundle file.
 * 3: each task records its calibration (format 2 bundles are read as
 *    uncalibrated: raw scores).
 * 4: multi-label tasks: "multilabel": true and a "per_label" array of
 *    classifier files, calibrations and thresholds (format 2 and 3 bundles
 *    have none, and load unchanged).
 * 5: the config's "norm" may be "l2_parts" (tfidf.h), which a format 4
 *    reader refuses; older bundles say "l2" or "none" and load unchanged. */
#define FR_MODEL_FORMAT_VERSION 5
#define FR_MODEL_FORMAT_OLDEST 2
#define FR_EVIDENCE_TERMS 5

/* The training configuration: a JSON object of these keys, all optional.
 *   language      Snowball stemmer ("english")
 *   stopwords     a stop word file, or null for none (default
 *                 <data>/stopwords/<language>.txt when it exists)
 *   ngram_range, min_df, max_df, sublinear_tf, smooth_idf, norm: TF-IDF
 *   kernel ("linear" | "rbf"), C, gamma, class_weight ("balanced" | "none"),
 *   seed: the classifier
 *   calibration ("platt" | "none"), calibration_folds: how scores become
 *                 probabilities (calibrate.h) */
typedef struct fr_model_config {
	char language[32];
	char *stopwords;       /* owned; NULL for none */
	int stopwords_default; /* the path was not given, so a missing file is fine */
	/* The stop list as stems, from a model (fr_model_config_from_model):
	 * used instead of reading stopwords, which then only names where the
	 * list came from. Owned; NULL when the list is read from the file. */
	char **stop_stems;
	size_t n_stop_stems;
	fr_tfidf_options tfidf;
	fr_classifier_options classifier;
	fr_calibration_options calibration;
} fr_model_config;

/* Fills cfg with the defaults. data_dir is where the default stop words
 * live. Release with fr_model_config_dispose. */
int fr_model_config_init(fr_model_config *cfg, const char *data_dir, fr_error *err);
/* Whether cfg has a stop list: its model's stems, or a stopwords file that
 * is there (a default one may be missing; a named one must not be). */
int fr_model_config_has_stops(const fr_model_config *cfg);
/* Adds cfg's stop list, when it has one, to st: 1 when it has one
 * (fr_model_config_has_stops, decided once), 0 when not, or the stemmer's
 * error (a named stopwords file that cannot be read). */
int fr_model_config_add_stops(const fr_model_config *cfg, fr_stemmer *st, fr_error *err);
/* Drops cfg's stop list: no stop words. */
void fr_model_config_drop_stops(fr_model_config *cfg);
/* Overrides cfg with the keys of a JSON config file. Unknown keys are
 * errors, and so is a language libstemmer has no stemmer for (FR_EFORMAT
 * naming path and the key's line). A relative stopwords path is read from
 * path's folder; a stopwords file that cannot be read is FR_ENOTFOUND or
 * FR_EIO naming that file, with no line (an I/O failure, as an input's). */
int fr_model_config_load(fr_model_config *cfg, const char *path, fr_error *err);
void fr_model_config_dispose(fr_model_config *cfg);

typedef struct fr_model fr_model;

/* The config a model was trained with (model.json's "config"), into an
 * initialised cfg: what cross-validation must train each fold with. Its
 * stop list is the model's own, not the file model.json names, which may
 * be relative to where the model was trained, or changed since. */
int fr_model_config_from_model(fr_model_config *cfg, const fr_model *m, fr_error *err);

/* Trains a model on ds: one vectorizer over the texts of the rows used, and
 * one classifier per task over the rows labeled for it, calibrated on
 * out-of-fold scores of those rows (cfg->calibration, calibrate.h; the
 * folds are grouped by ds->docs and reuse the vectors of the whole set,
 * whose vocabulary and idf never see a label). A task whose cells hold
 * "a|b" (fr_dataset_task_multilabel, over all of ds's rows) is multi-label:
 * one binary classifier per label (one-vs-rest), each calibrated, and a
 * threshold per label that maximizes the label's F1 on the same
 * out-of-fold probabilities (fr_threshold_best_f1). rows selects a
 * subset (e.g. a cross-validation fold); NULL means every row. A row whose
 * text gives no feature (no word, or only stop words and words the
 * vocabulary does not keep) is left out of every task's training, with a
 * warning through log naming the first; it still counts in the
 * vocabulary's document count. FR_EFORMAT, naming the file and line, when a
 * task has fewer than two labels. */
int fr_model_train(fr_model **out, const fr_dataset *ds, const fr_model_config *cfg,
                   const size_t *rows, size_t n_rows, fr_log_fn log, void *payload,
                   fr_error *err);

/* The vocabulary fr_model_train would fit on every row of ds, with each
 * row added and the fit not finished, into *out (owned; fr_tfidf_free):
 * what fr_tfidf_fit_rows_with_words tells rows trained on by. */
int fr_model_fit_rows(fr_tfidf **out, const fr_dataset *ds, const fr_model_config *cfg, fr_error *err);

/* Whether dir may take a new bundle: 0 when it does not exist, is empty or
 * holds a bundle (model.json and only the files a bundle has), else
 * FR_EIO naming dir and what is in the way. fr_model_save checks it too;
 * call it before training so that a wrong --model fails at once. */
int fr_model_check_target(const char *dir, fr_error *err);

/* Tests only (NULL otherwise): called by fr_model_save with the bundle
 * folder just before it looks at the folder again (stage 0) and just
 * before the swap (stage 1), so that a test can put a file there as
 * another process could while the bundle is written. */
extern void (*fr_model__save_hook)(const char *dir, int stage);

/* Writes the bundle to dir, atomically (see above). Records the size and
 * sha256 of every classifier file it writes in the manifest's "files". */
int fr_model_save(const fr_model *m, const char *dir, fr_error *err);

/* Reads a bundle. FR_EMODEL for a missing, corrupt or incompatible one:
 * another format_version, or a classifier file whose size or sha256 differs
 * from what model.json records (checked before libsvm or LIBLINEAR reads it).
 * A bundle that train replaces while it is read is read again, whole. */
int fr_model_load(fr_model **out, const char *dir, fr_error *err);

/* Tests only (NULL otherwise): called by fr_model_load with the bundle
 * folder once model.json is read and before the classifier files are,
 * so that a test can replace the bundle there as a train run could. */
extern void (*fr_model__load_hook)(const char *dir);

/* Why the bundle's vocab.bin, the vocabulary's binary image, went unused
 * at load (it was made from another model.json, or is damaged: the
 * vocabulary was read from model.json, which is slower but the same), or
 * NULL. A warning for the user. */
const char *fr_model_load_note(const fr_model *m);

void fr_model_free(fr_model *m);

/* What the model is. All strings borrowed from m. */
size_t fr_model_task_count(const fr_model *m);
const char *fr_model_task_name(const fr_model *m, size_t task);
/* The index of a task by name, or -1. */
int fr_model_task_index(const fr_model *m, const char *name);
size_t fr_model_label_count(const fr_model *m, size_t task);
const char *fr_model_label_name(const fr_model *m, size_t task, size_t label);
/* The index of a label by name, or -1. */
int fr_model_label_index(const fr_model *m, size_t task, const char *label);
const fr_tfidf *fr_model_vectorizer(const fr_model *m);
/* A single-label task's classifier; NULL for a multi-label task. */
const fr_classifier *fr_model_classifier(const fr_model *m, size_t task);
/* Whether a task is multi-label (its training cells held "a|b"). */
int fr_model_task_multilabel(const fr_model *m, size_t task);
/* The threshold on a multi-label task's label probability at or over
 * which the label is given; NAN for a single-label task. */
double fr_model_label_threshold(const fr_model *m, size_t task, size_t label);
/* The weight of feature toward a label (linear models; 0 otherwise). */
double fr_model_label_weight(const fr_model *m, size_t task, int feature, size_t label);
/* How the task's scores are calibrated (method none for raw scores). */
const fr_calibration *fr_model_calibration(const fr_model *m, size_t task);
/* Training rows per label of a task (from the training summary). */
size_t fr_model_label_support(const fr_model *m, size_t task, size_t label);
/* The manifest as written (model.json's object). Borrowed. */
const struct json_t *fr_model_manifest(const fr_model *m);
/* The rows training left out for having no word in the vocabulary
 * (model.json's training.rows_without_words, written when there are any;
 * training.rows counts the others). */
size_t fr_model_rows_without_words(const fr_model *m);
/* Records a hyperparameter search (tune.h) as model.json's "tuning".
 * Steals record. */
int fr_model_set_tuning(fr_model *m, struct json_t *record, fr_error *err);

/* Labeling. Each thread uses its own fr_model_work. */
typedef struct fr_model_work fr_model_work;
int fr_model_work_new(fr_model_work **out, const fr_model *m, fr_error *err);
void fr_model_work_free(fr_model_work *w);

typedef struct fr_task_result {
	int label;               /* index into the task's labels */
	uint64_t label_set;      /* bit l: label l is given (only `label` for a single-label task) */
	double confidence;       /* the label's score: its calibrated probability */
	/* Single-label: a distribution over the labels (sums to 1). Multi-label:
	 * each label's own probability. */
	double scores[FR_CLASSIFIER_MAX_LABELS];
	int evidence[FR_EVIDENCE_TERMS]; /* feature indices, strongest first */
	size_t n_evidence;
} fr_task_result;

typedef struct fr_text_stats {
	size_t terms;         /* unigram terms, stop words excluded */
	size_t unknown;       /* ... not in the vocabulary */
	size_t invalid_bytes; /* bytes that were not valid UTF-8 */
} fr_text_stats;

/* Labels one paragraph for every task: results must hold
 * fr_model_task_count entries. Scores are the classifier's, calibrated by
 * the task's calibration; the label is their arg-max either way. For a
 * multi-label task, label_set holds every label whose probability is at or
 * over its threshold (the most probable label when none is), and the label
 * is the most probable of them. stats may be NULL. */
int fr_model_label(const fr_model *m, fr_model_work *w, const char *text, size_t len,
                   fr_task_result *results, fr_text_stats *stats, fr_error *err);

/* The terms of the paragraph last labeled with w that argued for giving
 * label `label` of task `task` (given != 0) or for withholding it (given ==
 * 0), strongest first, as feature indices (fr_tfidf_surface names them).
 * A multi-label task's labels each have their own classifier, so either
 * side can be asked; a single-label task's only for giving. Word features
 * only, as in fr_task_result. Returns how many (<= max). */
size_t fr_model_label_evidence(const fr_model *m, const fr_model_work *w, size_t task, size_t label,
                               int given, int *features_out, size_t max);

/* The TF-IDF vector of a paragraph, as labeled. Borrowed until the next call on w. */
const struct svm_node *fr_model_work_vector(const fr_model_work *w);

#endif
