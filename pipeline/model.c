#include "model.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <utf8proc.h>

#include "checksum.h"
#include "fsutil.h"
#include "jsonl.h"
#include "sha256.h"
#include "stem.h"
#include "strmap.h"
#include "tokenize.h"

typedef struct {
	char *name;
	char **labels;      /* sorted; owned */
	size_t n_labels;
	size_t *support;    /* training rows per label */
	size_t rows;        /* training rows labeled for the task */
	fr_classifier *clf; /* single-label: one classifier over the labels */
	fr_calibration cal; /* applied to clf's scores */
	/* Multi-label (one-vs-rest): per label, a binary classifier whose class
	 * 1 is "has the label", its calibration, and the threshold on the
	 * calibrated probability above which the label is given, with the
	 * out-of-fold F1 it was chosen for (NAN when there were no folds). */
	int multilabel;
	fr_classifier **bin;
	fr_calibration *bin_cal;
	double *threshold;
	double *threshold_f1;
	size_t threshold_folds;
} task_t;

struct fr_model {
	json_t *manifest;   /* model.json as written or read */
	char language[32];
	char **stops;       /* stop stems; owned */
	size_t n_stops;
	fr_tfidf *tfidf;
	task_t *tasks;
	size_t n_tasks;
	char load_note[PATH_MAX + 320]; /* why vocab.bin went unused; "" when it did not */
};

/* The binary vocabulary image beside model.json (fr_tfidf_image). */
#define MANIFEST "model.json"
#define VOCAB_IMAGE "vocab.bin"

/* Cached per surface form: its term id, or one of these. */
#define TERM_UNKNOWN (-1)
#define TERM_STOP (-2)
/* Vocabularies are Zipfian: a few hundred thousand surface forms cover
 * almost every token. Past this many, new forms are looked up uncached;
 * long forms (hashes, base64, OCR noise) rarely repeat and are never cached,
 * so the cache stays under a few tens of MiB per thread. */
#define TERM_CACHE_MAX ((size_t)1 << 20)
#define TERM_CACHE_MAX_LEN 48

/* Short surface forms, sixteen bytes or fewer (all but a few in a
 * thousand tokens of English), are first looked up in a small
 * direct-mapped table that stays in the core's own cache. The form's bytes
 * are the key, so a hit is two loads and two compares, where the cache
 * above costs a hash, two table reads in megabytes and a value read. A
 * collision only evicts: the table never answers differently from the
 * cache. */
#define HOT_BITS 13
#define HOT_SLOTS ((size_t)1 << HOT_BITS)
#define HOT_MAX_LEN 16
_Static_assert(FR_TOKENS_READABLE >= HOT_MAX_LEN, "a short form is read as two words");
typedef struct {
	uint64_t key[2]; /* the form's bytes, zero past its length */
	uint32_t len;    /* 0: empty */
	int32_t id;
} hot_entry;

struct fr_model_work {
	const fr_model *m;
	fr_stemmer *stemmer;
	fr_tokens tokens;
	fr_sparse_vec vec;
	fr_strmap *cache;     /* surface form -> slot in cached */
	int32_t *cached;      /* term id, TERM_UNKNOWN or TERM_STOP */
	size_t cached_cap;
	int32_t *ids;         /* the paragraph's kept tokens as term ids */
	size_t ids_cap;
	const char **keys;    /* the paragraph's surface forms, looked up together */
	size_t *lens;
	int64_t *found;       /* their slots in cached, or -1 */
	uint32_t *which;      /* the tokens they are */
	size_t keys_cap;
	hot_entry *hot;       /* HOT_SLOTS short forms -> term id */
};

/* ---- configuration ---- */

int fr_model_config_init(fr_model_config *cfg, const char *data_dir, fr_error *err)
{
	fr_tfidf_options t = FR_TFIDF_OPTIONS_INIT;
	fr_classifier_options c = FR_CLASSIFIER_OPTIONS_INIT;
	fr_calibration_options cal = FR_CALIBRATION_OPTIONS_INIT;
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->language, sizeof(cfg->language), "english");
	cfg->tfidf = t;
	cfg->classifier = c;
	cfg->calibration = cal;
	cfg->stopwords_default = 1;
	if (data_dir) {
		size_t len = strlen(data_dir) + 64;
		cfg->stopwords = malloc(len);
		if (cfg->stopwords == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		snprintf(cfg->stopwords, len, "%s/stopwords/english.txt", data_dir);
	}
	return 0;
}

/* Frees n strings and the array holding them. */
static void free_strings(char **s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}

/* A copy of n strings, in an array one longer (NULL at the end); NULL when
 * memory ran out. */
static char **copy_strings(char *const *s, size_t n)
{
	char **c = calloc(n + 1, sizeof(*c));
	for (size_t i = 0; c && i < n; i++) {
		if ((c[i] = strdup(s[i])) == NULL) {
			free_strings(c, i);
			return NULL;
		}
	}
	return c;
}

static void drop_stop_stems(fr_model_config *cfg)
{
	free_strings(cfg->stop_stems, cfg->n_stop_stems);
	cfg->stop_stems = NULL;
	cfg->n_stop_stems = 0;
}

void fr_model_config_drop_stops(fr_model_config *cfg)
{
	free(cfg->stopwords);
	cfg->stopwords = NULL;
	cfg->stopwords_default = 0;
	drop_stop_stems(cfg);
}

void fr_model_config_dispose(fr_model_config *cfg)
{
	if (cfg != NULL)
		fr_model_config_drop_stops(cfg);
}

int fr_model_config_has_stops(const fr_model_config *cfg)
{
	if (cfg->stop_stems)
		return cfg->n_stop_stems > 0 || cfg->stopwords != NULL;
	return cfg->stopwords && (!cfg->stopwords_default || access(cfg->stopwords, R_OK) == 0);
}

int fr_model_config_add_stops(const fr_model_config *cfg, fr_stemmer *st, fr_error *err)
{
	int rc = 0;
	if (cfg->stop_stems) {
		for (size_t i = 0; rc == 0 && i < cfg->n_stop_stems; i++)
			rc = fr_stemmer_add_stop_stem(st, cfg->stop_stems[i], err);
		return rc < 0 ? rc : fr_model_config_has_stops(cfg);
	}
	if (!fr_model_config_has_stops(cfg))
		return 0;
	rc = fr_stemmer_add_stopwords_file(st, cfg->stopwords, err);
	return rc < 0 ? rc : 1;
}

static const char *const config_keys[] = {
	"language", "stopwords", "ngram_range", "char_ngrams", "min_df", "max_df", "sublinear_tf",
	"smooth_idf", "norm", "kernel", "solver", "C", "gamma", "class_weight", "seed",
	"calibration", "calibration_folds", NULL
};

static int classifier_from_json(fr_classifier_options *o, const json_t *j, const char *src, fr_error *err)
{
	const json_t *x;
	if ((x = json_object_get(j, "kernel"))) {
		const char *k = json_string_value(x);
		if (k && strcmp(k, "linear") == 0)
			o->kernel = FR_KERNEL_LINEAR;
		else if (k && strcmp(k, "rbf") == 0)
			o->kernel = FR_KERNEL_RBF;
		else
			return fr_error_set(err, FR_EFORMAT, src, 0, "'kernel' must be \"linear\" or \"rbf\"");
	}
	if ((x = json_object_get(j, "solver"))) {
		int solver = fr_solver_from_name(json_string_value(x));
		if (solver < 0)
			return fr_error_set(err, FR_EFORMAT, src, 0, "'solver' must be \"auto\", \"libsvm\" or \"liblinear\"");
		o->solver = solver;
	}
	if ((x = json_object_get(j, "C"))) {
		if (!json_is_number(x))
			return fr_error_set(err, FR_EFORMAT, src, 0, "'C' must be a number");
		o->C = json_number_value(x);
	}
	if ((x = json_object_get(j, "gamma"))) {
		if (!json_is_number(x))
			return fr_error_set(err, FR_EFORMAT, src, 0, "'gamma' must be a number");
		o->gamma = json_number_value(x);
	}
	if ((x = json_object_get(j, "class_weight"))) {
		const char *w = json_string_value(x);
		if (w && strcmp(w, "balanced") == 0)
			o->balanced = 1;
		else if (w && strcmp(w, "none") == 0)
			o->balanced = 0;
		else
			return fr_error_set(err, FR_EFORMAT, src, 0, "'class_weight' must be \"balanced\" or \"none\"");
	}
	if ((x = json_object_get(j, "seed"))) {
		if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > UINT_MAX)
			return fr_error_set(err, FR_EFORMAT, src, 0, "'seed' must be a non-negative integer");
		o->seed = (unsigned)json_integer_value(x);
	}
	const char *why = fr_classifier_check_options(o);
	if (why)
		return fr_error_set(err, FR_EINVALID, src, 0, "%s", why);
	return 0;
}

static int calibration_from_json(fr_calibration_options *o, const json_t *j, const char *src, fr_error *err)
{
	const json_t *x;
	if ((x = json_object_get(j, "calibration"))) {
		int method = fr_calibration_from_name(json_string_value(x));
		if (method < 0)
			return fr_error_set(err, FR_EFORMAT, src, 0, "'calibration' must be \"platt\" or \"none\"");
		o->method = method;
	}
	if ((x = json_object_get(j, "calibration_folds"))) {
		if (!json_is_integer(x) || json_integer_value(x) < 2 ||
		    json_integer_value(x) > FR_CALIBRATION_MAX_FOLDS)
			return fr_error_set(err, FR_EFORMAT, src, 0,
			                    "'calibration_folds' must be an integer from 2 to %d", FR_CALIBRATION_MAX_FOLDS);
		o->folds = (size_t)json_integer_value(x);
	}
	const char *why = fr_calibration_check_options(o);
	if (why)
		return fr_error_set(err, FR_EINVALID, src, 0, "%s", why);
	return 0;
}

/* The stop word file a config at config_path names as `name`: a relative
 * name is read from the config's folder, as most tools read the paths a
 * config names, so a config and its list move together and work from any
 * folder (a config in the current folder gives the name unchanged). Owned;
 * NULL when out of memory. */
static char *config_relative_path(const char *config_path, const char *name)
{
	const char *slash = strrchr(config_path, '/');
	if (name[0] == '/' || slash == NULL)
		return strdup(name);
	size_t dir = (size_t)(slash - config_path), len = dir + 1 + strlen(name) + 1;
	char *p = malloc(len);
	if (p != NULL)
		snprintf(p, len, "%.*s/%s", (int)dir, config_path, name);
	return p;
}

/* A stop word file a config names must be there when the config is read:
 * a file that cannot be read is an I/O failure (as an input is), found
 * before the data is. FR_ENOTFOUND or FR_EIO naming the file. */
/* The names libstemmer gives its English stemmers. */
static int is_english(const char *language)
{
	static const char *const names[] = { "english", "en", "eng", "porter" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(language, names[i]) == 0)
			return 1;
	return 0;
}

static int check_stopwords_file(const char *path, const char *name, const char *config_path, fr_error *err)
{
	struct stat st;
	FILE *fp = fopen(path, "rb");
	int e = fp == NULL ? errno : fstat(fileno(fp), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (fp != NULL)
		fclose(fp);
	if (e == 0)
		return 0;
	return fr_error_set(err, e == ENOENT ? FR_ENOTFOUND : FR_EIO, path, 0,
	                    "cannot read the stop words %s names: %s%s", config_path, strerror(e),
	                    strcmp(path, name) != 0 ? " (a relative path is read from the config's folder)" : "");
}

/* path: the config file (its folder is where a relative stopwords file
 * is), or NULL for model.json's config, whose stop words are stems. */
static int config_from_json(fr_model_config *cfg, const json_t *j, const char *src, const char *path,
                            fr_error *err)
{
	if (!json_is_object(j))
		return fr_error_set(err, FR_EFORMAT, src, 0, "the config must be a JSON object");
	const char *key;
	const json_t *value;
	json_object_foreach((json_t *)j, key, value) {
		int known = 0;
		for (size_t i = 0; config_keys[i]; i++)
			known |= strcmp(key, config_keys[i]) == 0;
		if (!known)
			return fr_error_set(err, FR_EFORMAT, src, 0, "unknown config key '%s'", key);
	}
	/* Everything is parsed into copies and committed only when all of it
	 * is valid: a config that fails to load changes nothing. */
	const json_t *x;
	const json_t *lang = json_object_get(j, "language");
	if (lang && (json_string_value(lang) == NULL || json_string_length(lang) == 0 ||
	             json_string_length(lang) >= sizeof(cfg->language)))
		return fr_error_set(err, FR_EFORMAT, src, 0, "'language' must be a Snowball language name");
	if ((x = json_object_get(j, "stopwords")) && !json_is_null(x) && !json_is_string(x))
		return fr_error_set(err, FR_EFORMAT, src, 0, "'stopwords' must be a file name or null");
	if (lang && path) {
		/* Named in the config, not found at training (after the data). */
		fr_stemmer *probe = NULL;
		if (fr_stemmer_new(&probe, json_string_value(lang), NULL) < 0)
			return fr_error_set(err, FR_EFORMAT, src, 0, "'language' '%s' is no Snowball stemmer "
			                    "libstemmer knows (english, french, german, russian, spanish, ...)",
			                    json_string_value(lang));
		fr_stemmer_free(probe);
	}
	fr_tfidf_options tfidf = cfg->tfidf;
	fr_classifier_options classifier = cfg->classifier;
	fr_calibration_options calibration = cfg->calibration;
	int rc = fr_tfidf_options_from_json(&tfidf, j, src, err);
	if (rc == 0)
		rc = classifier_from_json(&classifier, j, src, err);
	if (rc == 0)
		rc = calibration_from_json(&calibration, j, src, err);
	if (rc < 0)
		return rc;
	if (x) {
		const char *name = json_string_value(x);
		char *p = name == NULL ? NULL : path ? config_relative_path(path, name) : strdup(name);
		if (name != NULL && p == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		if (p != NULL && path != NULL && (rc = check_stopwords_file(p, name, path, err)) < 0) {
			free(p);
			return rc;
		}
		free(cfg->stopwords);
		cfg->stopwords = p;
		cfg->stopwords_default = 0;
		drop_stop_stems(cfg); /* a named list is read from its file */
	}
	if (lang)
		snprintf(cfg->language, sizeof(cfg->language), "%s", json_string_value(lang));
	/* The default list is English: stemmed as German it would drop "an",
	 * "in", "was" and "will". Another language has none unless one is named. */
	if (lang && !x && cfg->stopwords_default && !is_english(cfg->language))
		fr_model_config_drop_stops(cfg);
	cfg->tfidf = tfidf;
	cfg->classifier = classifier;
	cfg->calibration = calibration;
	return 0;
}

/* The line of a config text where the key an error names is set: the
 * first quoted word of the message ("'min_df' must be ...", "unknown
 * config key 'Cost'"), else its first word ("ngram_range must be ...");
 * jansson keeps no positions for values. 0 when the key is not found. */
static size_t config_key_line(const char *text, size_t len, const char *message)
{
	char key[72];
	const char *quote = strchr(message, '\'');
	const char *start = quote ? quote + 1 : message;
	size_t n = strcspn(start, "' ");
	if (n == 0 || n + 3 > sizeof(key))
		return 0;
	int klen = snprintf(key, sizeof(key), "\"%.*s\"", (int)n, start);
	size_t line = 1;
	for (size_t i = 0; i + (size_t)klen <= len; i++) {
		if (text[i] == '\n')
			line++;
		if (memcmp(text + i, key, (size_t)klen) != 0)
			continue;
		size_t j = i + (size_t)klen;
		while (j < len && (text[j] == ' ' || text[j] == '\t'))
			j++;
		if (j < len && text[j] == ':')
			return line;
	}
	return 0;
}

/* A config is a few lines; more than this is not a config. */
#define CONFIG_MAX_BYTES (1 << 20)

int fr_model_config_load(fr_model_config *cfg, const char *path, fr_error *err)
{
	/* Read once (a named pipe cannot be read twice), parsed and searched
	 * for an error's line from the same bytes. */
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return fr_error_set(err, FR_ENOTFOUND, path, 0, "cannot read the config: %s", strerror(errno));
	char *text = malloc(CONFIG_MAX_BYTES + 1);
	size_t len = text ? fread(text, 1, CONFIG_MAX_BYTES + 1, fp) : 0;
	int failed = text == NULL || ferror(fp), read_errno = errno;
	fclose(fp);
	if (failed) {
		free(text);
		return text ? fr_error_set(err, FR_EIO, path, 0, "cannot read the config: %s", strerror(read_errno))
		            : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	if (len > CONFIG_MAX_BYTES) {
		free(text);
		return fr_error_set(err, FR_EFORMAT, path, 0, "over %d bytes: not a config", CONFIG_MAX_BYTES);
	}
	json_error_t jerr;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	int rc = j == NULL ? fr_error_set(err, FR_EFORMAT, path, (size_t)(jerr.line > 0 ? jerr.line : 0),
	                                  "invalid JSON: %s", jerr.text)
	                   : config_from_json(cfg, j, path, path, err);
	json_decref(j);
	/* Not for an error in another file (the stop words the config names). */
	if (rc < 0 && err != NULL && err->line == 0 &&
	    fr_error_source_is(err, path))
		err->line = config_key_line(text, len, err->message);
	free(text);
	return rc;
}

int fr_model_config_from_model(fr_model_config *cfg, const fr_model *m, fr_error *err)
{
	const json_t *config = json_object_get(m->manifest, "config");
	int rc = config_from_json(cfg, config, "model.json", NULL, err);
	if (rc < 0)
		return rc;
	/* A bundle from before calibration (format 2) has raw scores. */
	if (json_object_get(config, "calibration") == NULL)
		cfg->calibration.method = FR_CALIBRATION_NONE;
	char **stems = copy_strings(m->stops, m->n_stops);
	if (stems == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	drop_stop_stems(cfg);
	cfg->stop_stems = stems;
	cfg->n_stop_stems = m->n_stops;
	return 0;
}

/* A path under the working directory is recorded relative to it, so that a
 * bundle does not depend on (or reveal) where the checkout lives. */
static const char *relative_path(const char *path, char *buf, size_t size)
{
	if (path == NULL || getcwd(buf, size) == NULL)
		return path;
	size_t n = strlen(buf);
	return strncmp(path, buf, n) == 0 && path[n] == '/' ? path + n + 1 : path;
}

static json_t *config_to_json(const fr_model_config *cfg, const char *stopwords_used)
{
	char cwd[PATH_MAX];
	stopwords_used = relative_path(stopwords_used, cwd, sizeof(cwd));
	json_t *j = NULL;
	if (fr_tfidf_options_to_json(&cfg->tfidf, &j) < 0)
		return NULL;
	const fr_classifier_options *c = &cfg->classifier;
	json_t *rest = json_pack("{s:s, s:o, s:s, s:s, s:f, s:f, s:s, s:I, s:s, s:I}",
		"language", cfg->language,
		"stopwords", stopwords_used ? fr_json_text(stopwords_used) : json_null(),
		"kernel", c->kernel == FR_KERNEL_RBF ? "rbf" : "linear",
		"solver", fr_solver_name(c->solver),
		"C", c->C,
		"gamma", c->gamma,
		"class_weight", c->balanced ? "balanced" : "none",
		"seed", (json_int_t)c->seed,
		"calibration", fr_calibration_name(cfg->calibration.method),
		"calibration_folds", (json_int_t)cfg->calibration.folds);
	if (rest == NULL || json_object_update(j, rest) != 0) {
		json_decref(rest);
		json_decref(j);
		return NULL;
	}
	json_decref(rest);
	return j;
}

/* ---- training ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int valid_task_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static void free_task(task_t *t)
{
	for (size_t l = 0; l < t->n_labels; l++) {
		free(t->labels[l]);
		fr_classifier_free(t->bin ? t->bin[l] : NULL);
	}
	free(t->bin);
	free(t->bin_cal);
	free(t->threshold);
	free(t->threshold_f1);
	free(t->labels);
	free(t->support);
	free(t->name);
	fr_classifier_free(t->clf);
	memset(t, 0, sizeof(*t));
}

/* The sorted distinct labels of task `ti` over the selected rows (each
 * label of a multi-label cell), with the rows that have each. */
static int collect_labels(task_t *task, const fr_dataset *ds, size_t ti, const size_t *rows, size_t n)
{
	size_t m = 0, cap = n + 1;
	char **all = malloc(cap * sizeof(*all));
	int rc = all ? 0 : FR_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *cursor = ds->labels[ti][rows ? rows[i] : i], *lab;
		size_t len = 0;
		task->rows += cursor != NULL;
		while (rc == 0 && (lab = fr_label_next(&cursor, &len)) != NULL) {
			if (m == cap && fr_grow((void **)&all, &cap, m + 1, sizeof(*all)) < 0)
				rc = FR_ENOMEM;
			else if ((all[m] = strndup(lab, len)) == NULL)
				rc = FR_ENOMEM;
			else
				m++;
		}
	}
	if (rc == 0)
		qsort(all, m, sizeof(*all), cmp_str);
	task->labels = rc == 0 ? calloc(m + 1, sizeof(char *)) : NULL;
	task->support = rc == 0 ? calloc(m + 1, sizeof(size_t)) : NULL;
	if (task->labels == NULL || task->support == NULL)
		rc = FR_ENOMEM;
	for (size_t i = 0; i < m; i++) {
		if (rc == 0 && task->n_labels > 0 && strcmp(all[i], task->labels[task->n_labels - 1]) == 0) {
			task->support[task->n_labels - 1]++;
		} else if (rc == 0) {
			task->labels[task->n_labels] = all[i];
			all[i] = NULL;
			task->support[task->n_labels++] = 1;
		}
		free(all ? all[i] : NULL);
	}
	free(all);
	return rc;
}

/* The index of the label of len bytes at s (not NUL-terminated), or -1. */
static int label_index_n(const task_t *t, const char *s, size_t len)
{
	size_t lo = 0, hi = t->n_labels;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		size_t ml = strlen(t->labels[mid]);
		int c = memcmp(t->labels[mid], s, ml < len ? ml : len);
		if (c == 0)
			c = (ml > len) - (ml < len);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int label_index(const task_t *t, const char *label)
{
	return label_index_n(t, label, strlen(label));
}

/* A multi-label task, one-vs-rest: per label, a binary classifier over the
 * task's rows (class 1: the row has the label), its Platt calibration and
 * its threshold, both fit on the same out-of-fold scores (calibrate.h). */
static int train_multilabel(fr_model *m, task_t *task, struct svm_node **xs, const char **cells,
                            const char **groups, size_t used, const fr_model_config *cfg,
                            const char *path, fr_log_fn log, void *payload, fr_error *err)
{
	size_t k = task->n_labels, n_features = fr_tfidf_feature_count(m->tfidf);
	uint64_t *has_label = calloc(used ? used : 1, sizeof(*has_label));
	int *yb = malloc((used ? used : 1) * sizeof(*yb)), *oof_y = malloc((used ? used : 1) * sizeof(*oof_y));
	double *oof = malloc((used ? used : 1) * 2 * sizeof(*oof)), *p = malloc((used ? used : 1) * sizeof(*p));
	unsigned char *has = malloc(used ? used : 1);
	task->bin = calloc(k, sizeof(*task->bin));
	task->bin_cal = calloc(k, sizeof(*task->bin_cal));
	task->threshold = calloc(k, sizeof(*task->threshold));
	task->threshold_f1 = calloc(k, sizeof(*task->threshold_f1));
	int rc = (has_label && yb && oof_y && oof && p && has && task->bin && task->bin_cal &&
	          task->threshold && task->threshold_f1) ? 0 : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; rc == 0 && i < used; i++) {
		const char *cursor = cells[i], *lab;
		size_t len = 0;
		while ((lab = fr_label_next(&cursor, &len)) != NULL)
			has_label[i] |= (uint64_t)1 << label_index_n(task, lab, len);
	}
	fr_logf(log, payload, "training '%s' (multi-label, one-vs-rest): %zu rows, %zu labels",
	        task->name, used, k);
	for (size_t l = 0; rc == 0 && l < k; l++) {
		fr_calibration none = FR_CALIBRATION_INIT;
		size_t folds = 0, n_oof = 0;
		for (size_t i = 0; i < used; i++)
			yb[i] = (int)((has_label[i] >> l) & 1);
		if (task->support[l] == used) {
			rc = fr_error_set(err, FR_EFORMAT, path, 1,
			                  "task '%s': every labeled row has '%s'; one-vs-rest needs rows without it",
			                  task->name, task->labels[l]);
			break;
		}
		rc = fr_classifier_train(&task->bin[l], &cfg->classifier, xs, yb, used, 2, n_features, err);
		if (rc == 0)
			rc = fr_oof_scores(oof, has, &folds, cfg->calibration.folds, &cfg->classifier,
			                   fr_classifier_solver(task->bin[l]), xs, yb, groups, used, 2, n_features, err);
		if (rc < 0)
			break;
		for (size_t i = 0; i < used; i++) {
			if (!has[i])
				continue;
			memmove(oof + 2 * n_oof, oof + 2 * i, 2 * sizeof(*oof));
			oof_y[n_oof++] = yb[i];
		}
		task->bin_cal[l] = none;
		if (n_oof > 0 && cfg->calibration.method == FR_CALIBRATION_PLATT) {
			if (fr_calibration_fit(&task->bin_cal[l], oof, oof_y, n_oof, 2) < 0) {
				rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
				break;
			}
			task->bin_cal[l].folds = folds;
		}
		for (size_t i = 0; i < n_oof; i++) {
			fr_calibration_apply(&task->bin_cal[l], oof + 2 * i, 2);
			p[i] = oof[2 * i + 1];
		}
		task->threshold_folds = folds;
		if (n_oof > 0) {
			task->threshold[l] = fr_threshold_best_f1(p, oof_y, n_oof, &task->threshold_f1[l]);
			fr_logf(log, payload, "  '%s': %zu rows have it; threshold %.3f (out-of-fold F1 %.3f)",
			        task->labels[l], task->support[l], task->threshold[l], task->threshold_f1[l]);
		} else {
			task->threshold[l] = 0.5;
			task->threshold_f1[l] = NAN;
		}
	}
	if (rc == 0 && task->threshold_folds == 0)
		fr_logf(log, payload, "warning: %s: task '%s': too few documents to choose thresholds in "
		        "folds; every label's threshold is 0.5", path, task->name);
	free(has_label);
	free(yb);
	free(oof_y);
	free(oof);
	free(p);
	free(has);
	return rc;
}

/* Whether row r's cell for task ti holds label (label NULL: any label). */
static int row_has_label(const fr_dataset *ds, size_t ti, size_t r, const char *label)
{
	const char *cursor = ds->labels[ti][r], *lab;
	size_t len = 0;
	while ((lab = fr_label_next(&cursor, &len)) != NULL)
		if (label == NULL || (strlen(label) == len && memcmp(lab, label, len) == 0))
			return 1;
	return 0;
}

/* The first of the rows whose cell holds label, or n when none does. */
static size_t first_row_with(const fr_dataset *ds, size_t ti, const size_t *rows, size_t n,
                             const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (row_has_label(ds, ti, rows ? rows[i] : i, label))
			return i;
	return n;
}

/* Warns, once per label, where a task has two labels equal ignoring case
 * (Unicode case folding): "Neutral" beside "neutral" is most often one
 * label typed two ways. Case may mean something, so both stay labels. */
static void warn_labels_differing_in_case(const task_t *task, const fr_dataset *ds, size_t ti,
                                          const size_t *rows, size_t n, fr_log_fn log, void *payload)
{
	if (log == NULL)
		return;
	utf8proc_option_t opt = UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD;
	utf8proc_uint8_t **folded = calloc(task->n_labels, sizeof(*folded));
	for (size_t l = 0; folded && l < task->n_labels; l++)
		if (utf8proc_map((const utf8proc_uint8_t *)task->labels[l], 0, &folded[l], opt) < 0)
			folded[l] = NULL;
	for (size_t l = 1; folded && l < task->n_labels; l++) {
		for (size_t k = 0; folded[l] && k < l; k++) {
			if (folded[k] == NULL || strcmp((const char *)folded[k], (const char *)folded[l]) != 0)
				continue;
			size_t rk = first_row_with(ds, ti, rows, n, task->labels[k]);
			size_t rl = first_row_with(ds, ti, rows, n, task->labels[l]);
			if (rk == n || rl == n)
				break; /* cannot be: each label has a row */
			rk = rows ? rows[rk] : rk;
			rl = rows ? rows[rl] : rl;
			fr_logf(log, payload, "warning: %s:%zu: task '%s': labels '%s' (here) and '%s' (%s:%zu) "
			        "differ only in case, and are two labels", ds->paths[ds->files[rl]], ds->lines[rl],
			        task->name, task->labels[l], task->labels[k], ds->paths[ds->files[rk]], ds->lines[rk]);
			break;
		}
	}
	for (size_t l = 0; folded && l < task->n_labels; l++)
		free(folded[l]);
	free(folded);
}

/* Warns where a task is multi-label on the strength of a few cells: one
 * '|' makes the whole task one-vs-rest, and "a\\|b" or "A|B testing"
 * meant as one label name does so without a word. Under one labeled row in
 * MULTILABEL_FEW_SHARE holding several labels, the first is named. */
#define MULTILABEL_FEW_SHARE 50

static void warn_few_multilabel_rows(const task_t *task, const fr_dataset *ds, size_t ti, const size_t *rows,
                                     size_t n, fr_log_fn log, void *payload)
{
	size_t labeled = 0, several = 0, first = n;
	for (size_t i = 0; i < n; i++) {
		const char *lab = ds->labels[ti][rows ? rows[i] : i];
		labeled += lab != NULL;
		if (lab && strchr(lab, FR_LABEL_SEP)) {
			several++;
			first = first < n ? first : i;
		}
	}
	if (first == n || several * MULTILABEL_FEW_SHARE >= labeled)
		return;
	size_t r = rows ? rows[first] : first;
	fr_logf(log, payload, "warning: %s:%zu: task '%s' is multi-label (one classifier per label) because %zu of its "
	        "%zu labeled rows (this one first: '%.*s') hold labels separated by '|'; if a '|' is part of a "
	        "label's name, rename that label", ds->paths[ds->files[r]], ds->lines[r], task->name, several,
	        labeled, fr_utf8_fit_str(ds->labels[ti][r], 80), ds->labels[ti][r]);
}

/* Warns where all of a label's rows (two or more) are in one document:
 * the classifier then learns that document's wording as much as the label,
 * and cross-validation grouped by document can never test it (the
 * document is either in the fold trained on or in the fold scored). */
static void warn_label_in_one_document(const task_t *task, const fr_dataset *ds, size_t ti,
                                       const size_t *rows, size_t n, fr_log_fn log, void *payload)
{
	for (size_t l = 0; log && l < task->n_labels; l++) {
		if (task->support[l] < 2)
			continue; /* the single-row warning says more */
		size_t first = first_row_with(ds, ti, rows, n, task->labels[l]);
		if (first == n)
			continue; /* cannot be: each label has a row */
		const char *doc = ds->docs[rows ? rows[first] : first];
		size_t i = first + 1;
		for (; i < n; i++) {
			size_t r = rows ? rows[i] : i;
			if (strcmp(ds->docs[r], doc) != 0 && row_has_label(ds, ti, r, task->labels[l]))
				break;
		}
		if (i < n)
			continue;
		size_t r = rows ? rows[first] : first;
		fr_logf(log, payload, "warning: %s:%zu: task '%s': label '%s': its %zu training rows are all in one "
		        "document, so the model may learn that document's wording rather than the label, and "
		        "cross-validation by document cannot test it; label rows of other documents (this one: '%s')",
		        ds->paths[ds->files[r]], ds->lines[r], task->name, task->labels[l], task->support[l], doc);
	}
}

/* The first label of task ti that only rows left out for having no word
 * give (of the n rows at wordless), copied into buf, and that row into
 * *row_out: a label training cannot learn. NULL when there is none. */
static const char *label_left_out(const task_t *task, const fr_dataset *ds, size_t ti, const size_t *wordless,
                                  size_t n, size_t *row_out, char *buf, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		const char *cursor = ds->labels[ti][wordless[i]], *lab;
		size_t len = 0;
		while ((lab = fr_label_next(&cursor, &len)) != NULL) {
			if (label_index_n(task, lab, len) >= 0)
				continue;
			*row_out = wordless[i];
			snprintf(buf, size, "%.*s", (int)fr_utf8_fit(lab, len, size - 1), lab);
			return buf;
		}
	}
	return NULL;
}

/* The file a task's problems are named in, at its header: the file its
 * labels come from; with corrections, the later file whose column it is. */
static const char *task_file(const fr_dataset *ds, size_t ti, const size_t *rows, size_t n)
{
	if (ds->task_files && ds->task_files[ti] > 0)
		return ds->paths[ds->task_files[ti]];
	size_t first = first_row_with(ds, ti, rows, n, NULL);
	return first < n ? ds->paths[ds->files[rows ? rows[first] : first]] : ds->path;
}

/* Collects task ti's labels from the n rows trained on (the n_wordless at
 * wordless, left out for having no word, give none) and refuses a task no
 * classifier can train on. Every task is checked before any is warned
 * about or trained, so that a failing run prints its one error line and
 * nothing else. */
static int check_task(task_t *task, const fr_dataset *ds, size_t ti, const size_t *rows, size_t n,
                      const size_t *wordless, size_t n_wordless, fr_error *err)
{
	task->multilabel = fr_dataset_task_multilabel(ds, ti);
	task->name = strdup(ds->tasks[ti]);
	if (task->name == NULL || collect_labels(task, ds, ti, rows, n) < 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	const char *file = task_file(ds, ti, rows, n);
	/* Such a column is a new task; so is a reviewer's column of notes, which
	 * would then be trained and shape the review queue: say how to leave it out. */
	const char *leave_out = ds->task_files && ds->task_files[ti] > 0
	                            ? "; a column no earlier --data file has is read as a new task: if it "
	                              "holds notes, not labels, give the tasks to train with --task (or "
	                              "name the column notes)"
	                            : "";
	char lost[256];
	size_t lost_row = 0;
	/* Said before "only one label", which would name a label count the
	 * file does not show. */
	if (task->n_labels < 2 &&
	    label_left_out(task, ds, ti, wordless, n_wordless, &lost_row, lost, sizeof(lost)) != NULL)
		return fr_error_set(err, FR_EFORMAT, ds->paths[ds->files[lost_row]], ds->lines[lost_row],
		                    "task '%s': no row labeled '%s' (this one first) has a word in the "
		                    "vocabulary, which leaves %s%.*s%s to train on; a classifier needs two or more",
		                    task->name, lost, task->n_labels ? "one label ('" : "no label",
		                    task->n_labels ? fr_utf8_fit_str(task->labels[0], 64) : 0,
		                    task->n_labels ? task->labels[0] : "", task->n_labels ? "')" : "");
	if (!valid_task_name(task->name)) {
		/* A space around a good name is invisible in a spreadsheet: name it. */
		const char *core = task->name;
		size_t core_len = strlen(core);
		char good[65];
		fr_trim_blank(&core, &core_len);
		snprintf(good, sizeof(good), "%.*s", (int)(core_len < 64 ? core_len : 64), core);
		if (core_len < strlen(task->name) && core_len == strlen(good) && valid_task_name(good))
			return fr_error_set(err, FR_EFORMAT, file, 1,
			                    "task name '%s' has a space around it (names are exact): rename the column "
			                    "'%s'", task->name, good);
		return fr_error_set(err, FR_EFORMAT, file, 1,
		                    "task name '%s' must be 1 to 64 letters, digits, '_' or '-'", task->name);
	}
	if (task->n_labels == 0)
		return fr_error_set(err, FR_EFORMAT, file, 1,
		                    "task '%s' has no labeled rows; a classifier needs two or more labels%s",
		                    task->name, leave_out);
	if (task->n_labels == 1)
		return fr_error_set(err, FR_EFORMAT, file, 1,
		                    "task '%s' has only one label ('%s'); a classifier needs two or more%s",
		                    task->name, task->labels[0], leave_out);
	if (task->n_labels > FR_CLASSIFIER_MAX_LABELS)
		return fr_error_set(err, FR_EFORMAT, file, 1, "task '%s' has %zu labels; at most %d%s",
		                    task->name, task->n_labels, FR_CLASSIFIER_MAX_LABELS, leave_out);
	return 0;
}

/* The warnings on a checked task's labels: what trains, but maybe not as
 * the user meant. */
static void warn_task(const task_t *task, const fr_dataset *ds, size_t ti, const size_t *rows, size_t n,
                      const size_t *wordless, size_t n_wordless, fr_log_fn log, void *payload)
{
	if (log == NULL)
		return;
	char lost[256];
	size_t lost_row = 0;
	if (label_left_out(task, ds, ti, wordless, n_wordless, &lost_row, lost, sizeof(lost)) != NULL)
		fr_logf(log, payload, "warning: %s:%zu: task '%s': label '%s' is not trained: no row with it (this one "
		        "first) has a word in the vocabulary", ds->paths[ds->files[lost_row]], ds->lines[lost_row],
		        task->name, lost);
	if (ds->task_files && ds->task_files[ti] > 0) {
		size_t labeled = 0;
		for (size_t i = 0; i < n; i++)
			labeled += ds->labels[ti][rows ? rows[i] : i] != NULL;
		fr_logf(log, payload, "warning: %s:1: task '%s' is a column no earlier --data file has, trained on "
		        "its %zu labeled rows of %zu; if it holds notes, not labels, give the tasks to train with "
		        "--task (or name the column notes)", task_file(ds, ti, rows, n), task->name, labeled, n);
	}
	for (size_t l = 0; l < task->n_labels; l++) {
		if (task->support[l] != 1)
			continue;
		/* Often a typo in a corrections file: name that row's file and line. */
		size_t i = first_row_with(ds, ti, rows, n, task->labels[l]);
		if (i == n)
			continue; /* cannot be: its one row is among them */
		size_t r = rows ? rows[i] : i;
		fr_logf(log, payload, "warning: %s:%zu: task '%s': label '%s' has a single training row",
		        ds->paths[ds->files[r]], ds->lines[r], task->name, task->labels[l]);
	}
	warn_labels_differing_in_case(task, ds, ti, rows, n, log, payload);
	warn_label_in_one_document(task, ds, ti, rows, n, log, payload);
	if (task->multilabel)
		warn_few_multilabel_rows(task, ds, ti, rows, n, log, payload);
}

static int train_task(fr_model *m, task_t *task, const fr_dataset *ds, size_t ti,
                      const size_t *rows, size_t n, struct svm_node **x,
                      const fr_model_config *cfg, fr_log_fn log, void *payload, fr_error *err)
{
	int rc = 0;
	struct svm_node **xs = NULL;
	int *y = NULL;
	const char **groups = NULL, **cells = NULL;
	size_t used = 0;
	xs = malloc(n * sizeof(*xs));
	y = malloc(n * sizeof(*y));
	groups = malloc(n * sizeof(*groups));
	cells = malloc(n * sizeof(*cells));
	if (xs == NULL || y == NULL || groups == NULL || cells == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const char *lab = ds->labels[ti][rows ? rows[i] : i];
		if (lab == NULL)
			continue;
		xs[used] = x[i];
		groups[used] = ds->docs[rows ? rows[i] : i];
		cells[used] = lab;
		y[used++] = label_index(task, lab);
	}
	if (task->multilabel) {
		rc = train_multilabel(m, task, xs, cells, groups, used, cfg, ds->path, log, payload, err);
		goto done;
	}
	fr_logf(log, payload, "training '%s': %zu rows, %zu labels", task->name, used, task->n_labels);
	/* Calibration's folds before the task's classifier: each fold's
	 * classifier beside the task's would hold two weight matrices at once. */
	rc = fr_calibration_train(&task->cal, &cfg->calibration, &cfg->classifier,
	                          fr_classifier_resolved_solver(&cfg->classifier), xs, y, groups,
	                          used, task->n_labels, fr_tfidf_feature_count(m->tfidf), err);
	if (rc == 0)
		rc = fr_classifier_train(&task->clf, &cfg->classifier, xs, y, used, task->n_labels,
		                         fr_tfidf_feature_count(m->tfidf), err);
	if (rc == 0 && task->cal.method == FR_CALIBRATION_PLATT)
		fr_logf(log, payload, "calibrating '%s': Platt slope %.3f from %zu out-of-fold rows in %zu folds",
		        task->name, task->cal.slope, task->cal.rows, task->cal.folds);
	else if (rc == 0 && cfg->calibration.method != FR_CALIBRATION_NONE)
		fr_logf(log, payload, "warning: %s: task '%s': too few documents to calibrate in folds; "
		        "its scores are left raw", ds->path, task->name);
done:
	free(xs);
	free(y);
	free(groups);
	free(cells);
	return rc;
}

static int add_stopwords(fr_model *m, fr_stemmer *st, fr_error *err)
{
	m->n_stops = fr_stemmer_stop_count(st);
	m->stops = calloc(m->n_stops + 1, sizeof(char *));
	if (m->stops == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t i = 0; i < m->n_stops; i++)
		if ((m->stops[i] = strdup(fr_stemmer_stop_stem(st, i))) == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

static json_t *calibration_json(const fr_calibration *c);

/* A task's classifier file: <task>.svm (libsvm) or <task>.liblinear; for
 * label l of a multi-label task (l >= 0), <task>.<l>.svm or .liblinear. */
static void classifier_file(char *buf, size_t size, const char *task, int label, int solver)
{
	const char *ext = solver == FR_SOLVER_LIBLINEAR ? "liblinear" : "svm";
	if (label >= 0)
		snprintf(buf, size, "%s.%d.%s", task, label, ext);
	else
		snprintf(buf, size, "%s.%s", task, ext);
}

/* The classifier of a task, or of label l of a multi-label task. */
static const fr_classifier *task_classifier(const task_t *t, size_t l)
{
	return t->multilabel ? t->bin[l] : t->clf;
}

/* How many classifier files a task has. */
static size_t classifier_count(const task_t *t)
{
	return t->multilabel ? t->n_labels : 1;
}

/* Per label of a multi-label task: its classifier file, calibration and
 * threshold. */
static json_t *per_label_json(const task_t *task)
{
	json_t *arr = json_array();
	for (size_t l = 0; arr && l < task->n_labels; l++) {
		char file[96];
		classifier_file(file, sizeof(file), task->name, (int)l, fr_classifier_solver(task->bin[l]));
		json_t *f1 = isnan(task->threshold_f1[l]) ? json_null() : json_real(task->threshold_f1[l]);
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:f, s:o}", "label", task->labels[l],
		                                         "classifier", file,
		                                         "calibration", calibration_json(&task->bin_cal[l]),
		                                         "threshold", task->threshold[l], "cv_f1", f1)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* A task's calibration: {"method": "none"}, or the method with its slope
 * and where it came from. */
static json_t *calibration_json(const fr_calibration *c)
{
	if (c->method == FR_CALIBRATION_NONE)
		return json_pack("{s:s}", "method", fr_calibration_name(c->method));
	return json_pack("{s:s, s:f, s:I, s:I}", "method", fr_calibration_name(c->method),
	                 "slope", c->slope, "folds", (json_int_t)c->folds, "rows", (json_int_t)c->rows);
}

static json_t *tasks_json(const fr_model *m)
{
	json_t *arr = json_array();
	for (size_t t = 0; arr && t < m->n_tasks; t++) {
		const task_t *task = &m->tasks[t];
		json_t *labels = json_array(), *support = json_array();
		for (size_t l = 0; labels && support && l < task->n_labels; l++) {
			json_array_append_new(labels, json_string(task->labels[l]));
			json_array_append_new(support, json_integer((json_int_t)task->support[l]));
		}
		char file[96];
		int solver = fr_classifier_solver(task_classifier(task, 0));
		json_t *obj;
		if (task->multilabel) {
			obj = json_pack("{s:s, s:b, s:o, s:o, s:I, s:s, s:I, s:o}", "name", task->name,
			                "multilabel", 1, "labels", labels, "support", support,
			                "rows", (json_int_t)task->rows, "solver", fr_solver_name(solver),
			                "threshold_folds", (json_int_t)task->threshold_folds,
			                "per_label", per_label_json(task));
		} else {
			classifier_file(file, sizeof(file), task->name, -1, solver);
			obj = json_pack("{s:s, s:o, s:o, s:I, s:s, s:s, s:o}", "name", task->name, "labels", labels,
			                "support", support, "rows", (json_int_t)task->rows,
			                "solver", fr_solver_name(solver), "classifier", file,
			                "calibration", calibration_json(&task->cal));
		}
		if (obj == NULL || json_array_append_new(arr, obj) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int build_manifest(fr_model *m, const fr_dataset *ds, const fr_model_config *cfg,
                          const char *stopwords_used, size_t n_rows, size_t wordless, fr_error *err)
{
	char sha[65] = "";
	int rc = fr_sha256_file(ds->path, sha, err);
	if (rc < 0)
		return rc;
	/* Every file the set was read from (a base and its corrections), in order. */
	json_t *data_files = json_array();
	for (size_t f = 0; rc == 0 && data_files && f < ds->n_paths; f++) {
		char fsha[65] = "";
		rc = fr_sha256_file(ds->paths[f], fsha, err);
		if (rc == 0 && json_array_append_new(data_files, json_pack("{s:o, s:s}", "path", fr_json_text(ds->paths[f]),
		                                                           "sha256", fsha)) != 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	if (rc < 0 || data_files == NULL) {
		json_decref(data_files);
		return rc < 0 ? rc : fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	json_t *stops = json_array();
	for (size_t i = 0; stops && i < m->n_stops; i++)
		json_array_append_new(stops, json_string(m->stops[i]));
	json_t *vocab = NULL;
	if (fr_tfidf_vocabulary_to_json(m->tfidf, &vocab) < 0) {
		json_decref(stops);
		json_decref(data_files);
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	/* "files" is filled in by fr_model_save, with what it wrote. */
	m->manifest = json_pack("{s:i, s:s, s:o, s:o, s:{s:o, s:s, s:o, s:I, s:I, s:I}, s:o, s:o, s:o}",
		"format_version", FR_MODEL_FORMAT_VERSION,
		"framer_version", FR_VERSION,
		"config", config_to_json(cfg, stopwords_used),
		"stopwords", stops,
		"training", "data", fr_json_text(ds->path), "data_sha256", sha, "data_files", data_files,
		            "rows", (json_int_t)n_rows, "rows_without_text", (json_int_t)ds->empty_texts,
		            "rows_overridden", (json_int_t)ds->overridden,
		"tasks", tasks_json(m),
		"files", json_object(),
		"vocabulary", vocab);
	if (m->manifest == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory building model.json");
	/* Only when there are some: a bundle of data without them stays the
	 * one earlier versions wrote, byte for byte. */
	if (wordless > 0 && json_object_set_new(json_object_get(m->manifest, "training"), "rows_without_words",
	                                        json_integer((json_int_t)wordless)) != 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory building model.json");
	return 0;
}

/* Sorts the rows (of n, ds's rows or those of `rows`) by whether their
 * vector x[i] has a feature: the ds indices of those that do to the front
 * of kept, their vectors to the front of x, the others' indices after them
 * in order. Returns how many have one. */
static size_t keep_rows_with_words(const size_t *rows, size_t n, struct svm_node **x, size_t *kept)
{
	size_t n_kept = 0, left = 0;
	for (size_t i = 0; i < n; i++)
		left += x[i][0].index == -1;
	for (size_t i = 0, w = n - left; i < n; i++) {
		size_t r = rows ? rows[i] : i;
		if (x[i][0].index == -1) {
			kept[w++] = r;
			continue;
		}
		kept[n_kept] = r;
		x[n_kept++] = x[i];
	}
	return n_kept;
}

/* Adds each of n rows (ds's, or those of `rows`) to tf's fit, tokenized
 * and stemmed by st. */
static int fit_rows(fr_tfidf *tf, fr_stemmer *st, const fr_dataset *ds, const size_t *rows, size_t n, fr_error *err)
{
	fr_tokens tokens;
	int rc = 0;
	fr_tokens_init(&tokens);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t r = rows ? rows[i] : i;
		rc = fr_tokenize(&tokens, ds->texts[r], ds->text_lens[r], err);
		if (rc == 0)
			rc = fr_stemmer_apply(st, &tokens, err);
		if (rc == 0)
			rc = fr_tfidf_fit_add(tf, &tokens, err);
	}
	fr_tokens_dispose(&tokens);
	return rc;
}

int fr_model_train(fr_model **out, const fr_dataset *ds, const fr_model_config *cfg,
                   const size_t *rows, size_t n_rows, fr_log_fn log, void *payload,
                   fr_error *err)
{
	*out = NULL;
	int rc = 0;
	fr_stemmer *st = NULL;
	fr_sparse_vec vec;
	struct svm_node **x = NULL, *store = NULL;
	size_t *kept = NULL;
	const char *stopwords_used = NULL;
	size_t n = rows ? n_rows : ds->n_rows, n_kept = 0;
	fr_sparse_vec_init(&vec);
	fr_model *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	snprintf(m->language, sizeof(m->language), "%s", cfg->language);

	rc = fr_stemmer_new(&st, cfg->language, err);
	if (rc < 0)
		goto done;
	rc = fr_model_config_add_stops(cfg, st, err);
	if (rc < 0)
		goto done;
	if (rc > 0)
		stopwords_used = cfg->stopwords;
	rc = add_stopwords(m, st, err);
	if (rc < 0)
		goto done;

	/* Vectorize: one pass to fit the vocabulary, then each row's vector. */
	rc = fr_tfidf_new(&m->tfidf, &cfg->tfidf, err);
	if (rc == 0)
		rc = fit_rows(m->tfidf, st, ds, rows, n, err);
	if (rc == 0)
		rc = fr_tfidf_fit_finish(m->tfidf, err);
	if (rc < 0) {
		if (err && err->source[0] == '\0')
			fr_error_set_source(err, ds->path);
		goto done;
	}
	fr_logf(log, payload, "vocabulary: %zu features from %zu rows", fr_tfidf_feature_count(m->tfidf), n);

	/* All vectors in one block: libsvm borrows them while it trains. */
	size_t total = 0, store_cap = 0;
	x = malloc((n + 1) * sizeof(*x));
	size_t *offsets = malloc((n + 1) * sizeof(size_t));
	if (x == NULL || offsets == NULL) {
		free(offsets);
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = fr_tfidf_fitted_vector(m->tfidf, i, &vec, err);
		if (rc == 0 && fr_sparse_vec_append(&vec, &store, &store_cap, &total, &offsets[i]) < 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		x[i] = store + offsets[i];
	free(offsets);
	fr_tfidf_fit_release(m->tfidf);
	if (rc < 0)
		goto done;

	/* A row with no feature would be trained as an empty vector, which
	 * teaches only a lean toward its label (and weighs in class_weight
	 * balanced and in calibration's folds): it is left out of every task.
	 * It stays in the vocabulary's fit, adding to its document count alone:
	 * a fit without it could, under a max_df share, empty more rows. */
	kept = malloc((n + 1) * sizeof(*kept));
	m->tasks = calloc(ds->n_tasks, sizeof(*m->tasks));
	if (kept == NULL || m->tasks == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	n_kept = keep_rows_with_words(rows, n, x, kept);
	const size_t *wordless = kept + n_kept;
	for (size_t t = 0; rc == 0 && t < ds->n_tasks; t++) {
		m->n_tasks++;
		rc = check_task(&m->tasks[t], ds, t, kept, n_kept, wordless, n - n_kept, err);
	}
	if (rc == 0 && n_kept < n && log) {
		size_t r = wordless[0], left = n - n_kept;
		fr_logf(log, payload, "warning: %s:%zu: %zu row%s (this one first) ha%s no word in the vocabulary "
		        "(none, or only stop words and words too rare or too common to keep): left out of training",
		        ds->paths[ds->files[r]], ds->lines[r], left, left == 1 ? "" : "s", left == 1 ? "s" : "ve");
	}
	for (size_t t = 0; rc == 0 && t < ds->n_tasks; t++)
		warn_task(&m->tasks[t], ds, t, kept, n_kept, wordless, n - n_kept, log, payload);
	for (size_t t = 0; rc == 0 && t < ds->n_tasks; t++)
		rc = train_task(m, &m->tasks[t], ds, t, kept, n_kept, x, cfg, log, payload, err);
	/* The vectors go before the manifest's JSON vocabulary, as large, comes. */
	free(x);
	free(store);
	x = NULL;
	store = NULL;
	if (rc == 0)
		rc = build_manifest(m, ds, cfg, stopwords_used, n_kept, n - n_kept, err);
done:
	free(kept);
	fr_stemmer_free(st);
	fr_sparse_vec_dispose(&vec);
	free(x);
	free(store);
	if (rc < 0) {
		fr_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

int fr_model_fit_rows(fr_tfidf **out, const fr_dataset *ds, const fr_model_config *cfg, fr_error *err)
{
	*out = NULL;
	fr_stemmer *st = NULL;
	fr_tfidf *tf = NULL;
	int rc = fr_stemmer_new(&st, cfg->language, err);
	if (rc == 0 && (rc = fr_model_config_add_stops(cfg, st, err)) > 0)
		rc = 0;
	if (rc == 0)
		rc = fr_tfidf_new(&tf, &cfg->tfidf, err);
	if (rc == 0)
		rc = fit_rows(tf, st, ds, NULL, ds->n_rows, err);
	fr_stemmer_free(st);
	if (rc < 0) {
		if (err && err->source[0] == '\0')
			fr_error_set_source(err, ds->path);
		fr_tfidf_free(tf);
		return rc;
	}
	*out = tf;
	return 0;
}

/* ---- saving ---- */

static size_t count_line_ends(const char *p, size_t len)
{
	size_t n = 0;
	for (const char *end = p + len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		n++;
	return n;
}

/* Writes data[0..len) to path, synced. */
static int write_synced(const char *path, const char *data, size_t len, fr_error *err)
{
	FILE *fp = fopen(path, "wb");
	if (fp == NULL)
		return fr_error_set(err, FR_EIO, path, 0, "cannot write: %s", strerror(errno));
	int bad = fwrite(data, 1, len, fp) != len;
	bad |= fflush(fp) != 0 || fsync(fileno(fp)) != 0;
	bad |= fclose(fp) != 0;
	if (bad)
		return fr_error_set(err, FR_EIO, path, 0, "cannot write: %s", strerror(errno));
	return 0;
}

/* Writes model.json into the folder tmp, and beside it vocab.bin, the
 * vectorizer's image named by the checksum of the vocabulary's text as
 * model.json holds it. */
static int write_manifest(const fr_model *m, const char *tmp, fr_error *err)
{
	char path[PATH_MAX];
	size_t vs = 0, ve = 0;
	char *text = json_dumps(m->manifest, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	if (text == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	size_t len = strlen(text);
	text[len] = '\n'; /* over the NUL: model.json ends with a line end */
	int rc = fr_path_join(path, sizeof(path), tmp, MANIFEST) == 0
	             ? write_synced(path, text, len + 1, err)
	             : fr_error_set(err, FR_EINVALID, tmp, 0, "path too long");
	if (rc == 0 && fr_tfidf_vocabulary_span(text, len + 1, &vs, &ve) == 0) {
		char *image = NULL;
		size_t image_len = 0;
		fr_tfidf_image_text at = { vs, ve - vs, count_line_ends(text + vs, ve - vs),
		                           fr_checksum64(text + vs, ve - vs) };
		if (fr_tfidf_image(m->tfidf, &at, &image, &image_len) < 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		else if (fr_path_join(path, sizeof(path), tmp, VOCAB_IMAGE) != 0)
			rc = fr_error_set(err, FR_EINVALID, tmp, 0, "path too long");
		else
			rc = write_synced(path, image, image_len, err);
		free(image);
	}
	free(text);
	return rc;
}

/* Writes classifier c of a task into the temporary bundle folder tmp and
 * records its sha256 and size in files. */
static int save_classifier(const task_t *task, size_t c, const char *tmp, json_t *files, fr_error *err)
{
	char file[96], sha[65], path[PATH_MAX];
	struct stat st;
	const fr_classifier *clf = task_classifier(task, c);
	classifier_file(file, sizeof(file), task->name, task->multilabel ? (int)c : -1, fr_classifier_solver(clf));
	if (fr_path_join(path, sizeof(path), tmp, file) != 0)
		return fr_error_set(err, FR_EINVALID, tmp, 0, "path too long");
	int rc = fr_classifier_save(clf, path, err);
	if (rc == 0 && fr_fsync_path(path, 0) != 0)
		rc = fr_error_set(err, FR_EIO, path, 0, "cannot sync: %s", strerror(errno));
	if (rc == 0)
		rc = fr_sha256_file(path, sha, err);
	if (rc == 0 && stat(path, &st) != 0)
		rc = fr_error_set(err, FR_EIO, path, 0, "cannot stat: %s", strerror(errno));
	if (rc == 0 && json_object_set_new(files, file, json_pack("{s:s, s:I}", "sha256", sha,
	                                   "bytes", (json_int_t)st.st_size)) != 0)
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return rc;
}

/* A file name a bundle holds (classifier_file, write_manifest). */
static int is_bundle_file(const char *name)
{
	if (name[0] == '.')
		return 0;
	if (strcmp(name, MANIFEST) == 0 || strcmp(name, VOCAB_IMAGE) == 0)
		return 1;
	const char *dot = strrchr(name, '.');
	return dot && dot != name && (strcmp(dot, ".liblinear") == 0 || strcmp(dot, ".svm") == 0);
}

int fr_model_check_target(const char *dir, fr_error *err)
{
	/* The swap would exchange the link itself, and removing the old bundle
	 * would then empty the folder it points to. */
	struct stat link;
	if (lstat(dir, &link) == 0 && S_ISLNK(link.st_mode))
		return fr_error_set(err, FR_EIO, dir, 0, "is a symbolic link; give the folder it points to "
		                    "as --model");
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR)
			return fr_error_set(err, FR_EIO, dir, 0, "exists and is not a folder");
		return fr_error_set(err, FR_EIO, dir, 0, "cannot read the folder: %s", strerror(errno));
	}
	const char *stray = NULL;
	int has_manifest = 0, entries = 0;
	struct dirent *e;
	char path[PATH_MAX];
	/* stray points into readdir's buffer: no readdir after it is set. */
	while (stray == NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		entries++;
		struct stat st;
		if (!is_bundle_file(e->d_name) || fr_path_join(path, sizeof(path), dir, e->d_name) != 0 ||
		    lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			stray = e->d_name;
		else
			has_manifest |= strcmp(e->d_name, MANIFEST) == 0;
	}
	int rc = 0;
	/* Training replaces the folder whole: anything but an old bundle there
	 * (the labeled data, notes, a folder of bundles) would be deleted. */
	if (stray)
		rc = fr_error_set(err, FR_EIO, dir, 0, "holds '%s', which is not part of a model bundle; "
		                  "train replaces only a bundle or an empty folder: give a new --model folder",
		                  stray);
	else if (entries > 0 && !has_manifest)
		rc = fr_error_set(err, FR_EIO, dir, 0, "holds no %s, so it is not a model bundle; "
		                  "train replaces only a bundle or an empty folder: give a new --model folder",
		                  MANIFEST);
	closedir(d);
	return rc;
}

void (*fr_model__save_hook)(const char *dir, int stage) = NULL;

/* Removes the old bundle the swap moved to `old`: its bundle files only.
 * A file that reached the folder after fr_model_check_target looked (while
 * the new bundle was written) is left there, and the folder with it. */
static void remove_old_bundle(const char *old)
{
	DIR *d = opendir(old);
	if (d == NULL)
		return;
	struct dirent *e;
	char path[PATH_MAX];
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		if (is_bundle_file(e->d_name) && fr_path_join(path, sizeof(path), old, e->d_name) == 0 &&
		    lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			unlink(path);
	}
	closedir(d);
	rmdir(old);
}

/* A failure inside the temporary folder tmp is reported with dir's path
 * instead (dir/frame.liblinear, not .m.tmp-XXXXXX/frame.liblinear): the
 * temporary is removed, and the bundle's file is what the user knows. */
static void name_bundle_file(fr_error *err, const char *tmp, const char *dir)
{
	char path[PATH_MAX];
	size_t n = strlen(tmp);
	if (err == NULL || strncmp(err->source, tmp, n) != 0 || (err->source[n] != '/' && err->source[n] != '\0'))
		return;
	if (snprintf(path, sizeof(path), "%s%s", dir, err->source + n) < (int)sizeof(path))
		fr_error_set_source(err, path);
}

int fr_model_save(const fr_model *m, const char *dir, fr_error *err)
{
	int rc = 0;
	char parent[PATH_MAX], tmp[PATH_MAX];
	const char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : dir;
	if (*base == '\0' || strlen(dir) >= PATH_MAX - 64)
		return fr_error_set(err, FR_EINVALID, dir, 0, "not a usable model folder name");
	if (slash)
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
	else
		snprintf(parent, sizeof(parent), ".");
	if (parent[0] == '\0')
		snprintf(parent, sizeof(parent), "/");
	if (fr_mkdirs(parent) != 0)
		return fr_error_set(err, FR_EIO, parent, 0, "cannot create folder: %s", strerror(errno));
	/* Checked here, before the bundle is written, and again just before
	 * the swap, so that what arrives meanwhile is seen too. */
	if ((rc = fr_model_check_target(dir, err)) < 0)
		return rc;

	char tmpname[NAME_MAX + 1];
	if (snprintf(tmpname, sizeof(tmpname), ".%s.tmp-XXXXXX", base) >= (int)sizeof(tmpname) ||
	    fr_path_join(tmp, sizeof(tmp), parent, tmpname) != 0)
		return fr_error_set(err, FR_EINVALID, dir, 0, "model folder name too long");
	sigset_t held;
	fr_temp_hold(&held);
	int made = mkdtemp(tmp) != NULL;
	int e = errno;
	if (made)
		fr_temp_register(tmp, 1);
	fr_temp_release(&held);
	if (!made)
		return fr_error_set(err, FR_EIO, parent, 0, "cannot create a temporary folder: %s", strerror(e));
	/* mkdtemp makes the folder 0700; a bundle is shared read-only with other
	 * users and workers, so it gets the permissions mkdir would give. */
	mode_t mask = umask(0);
	umask(mask);
	chmod(tmp, 0777 & ~mask);
	/* A loaded model's manifest holds no vocabulary (fr_model_load reads it
	 * straight into the vectorizer): write it back from the vectorizer. */
	if (json_is_null(json_object_get(m->manifest, "vocabulary"))) {
		json_t *vocab = NULL;
		if (fr_tfidf_vocabulary_to_json(m->tfidf, &vocab) < 0 ||
		    json_object_set_new(m->manifest, "vocabulary", vocab) != 0)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	/* The classifier files first: model.json records what they hash to, so
	 * a load can check them before libsvm or LIBLINEAR parses a byte. */
	json_t *files = rc == 0 ? json_object_get(m->manifest, "files") : NULL;
	if (files == NULL || json_object_clear(files) != 0)
		rc = fr_error_set(err, FR_EINVALID, dir, 0, "the model has no file list to record");
	for (size_t t = 0; rc == 0 && t < m->n_tasks; t++)
		for (size_t c = 0; rc == 0 && c < classifier_count(&m->tasks[t]); c++)
			rc = save_classifier(&m->tasks[t], c, tmp, files, err);
	if (rc == 0)
		rc = write_manifest(m, tmp, err);
	if (rc == 0 && fr_fsync_path(tmp, 1) != 0)
		rc = fr_error_set(err, FR_EIO, tmp, 0, "cannot sync: %s", strerror(errno));
	if (rc == 0 && fr_model__save_hook)
		fr_model__save_hook(dir, 0);
	if (rc == 0)
		rc = fr_model_check_target(dir, err);
	if (rc < 0)
		goto fail;

	if (fr_model__save_hook)
		fr_model__save_hook(dir, 1);
	/* Signals wait until the temporary name is unregistered: after the swap
	 * it holds the old bundle, and maybe a file put into that meanwhile,
	 * which remove_old_bundle keeps and fr_temp_remove_all would not. */
	fr_temp_hold(&held);
	struct stat st;
	if (stat(dir, &st) == 0) {
		/* Swap the new bundle and the old in one step; then the old one, now
		 * under the temporary name, is removed. */
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) != 0)
			rc = fr_error_set(err, FR_EIO, dir, 0, "cannot replace the bundle: %s", strerror(errno));
		else
			remove_old_bundle(tmp);
	} else if (rename(tmp, dir) != 0) {
		rc = fr_error_set(err, FR_EIO, dir, 0, "cannot move the bundle into place: %s", strerror(errno));
	}
	if (rc == 0)
		fr_temp_unregister(tmp);
	fr_temp_release(&held);
	if (rc < 0)
		goto fail;
	fr_fsync_path(parent, 1);
	return 0;
fail:
	name_bundle_file(err, tmp, dir);
	fr_remove_flat_dir(tmp);
	fr_temp_unregister(tmp);
	return rc;
}

/* ---- loading ---- */

/* Checks a bundle file against the size and sha256 that model.json records
 * for it. libsvm's and LIBLINEAR's loaders trust their input (a bad count or
 * index is a crash, not an error), so nothing reaches them unchecked. */
static int verify_file(const fr_model *m, const char *manifest_path, const char *path,
                       const char *file, fr_error *err)
{
	const json_t *entry = json_object_get(json_object_get(m->manifest, "files"), file);
	const char *want = json_string_value(json_object_get(entry, "sha256"));
	const json_t *bytes = json_object_get(entry, "bytes");
	if (want == NULL || strlen(want) != 64 || !json_is_integer(bytes))
		return fr_error_set(err, FR_EMODEL, manifest_path, 0,
		                    "records no sha256 and size for '%s'", file);
	struct stat st;
	if (stat(path, &st) != 0)
		return fr_error_set(err, FR_EMODEL, path, 0, "missing from the bundle: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fr_error_set(err, FR_EMODEL, path, 0, "not a regular file");
	if ((json_int_t)st.st_size != json_integer_value(bytes))
		return fr_error_set(err, FR_EMODEL, path, 0,
		                    "%lld bytes where model.json records %lld: truncated or altered "
		                    "(sha256 not checked); copy the bundle again or retrain",
		                    (long long)st.st_size, (long long)json_integer_value(bytes));
	char got[65];
	int rc = fr_sha256_file(path, got, err);
	/* A file there but unreadable (permissions, a disk error) is an I/O
	 * failure the user fixes with chmod, not a bundle to retrain. */
	if (rc < 0 && rc != FR_EIO)
		return err ? (err->code = FR_EMODEL) : FR_EMODEL;
	if (rc < 0)
		return rc;
	if (strcmp(got, want) != 0)
		return fr_error_set(err, FR_EMODEL, path, 0,
		                    "sha256 %.12s... does not match model.json's %.12s...: the file was "
		                    "altered; copy the bundle again or retrain", got, want);
	return 0;
}

/* A task entry's "calibration" into c; format 2 bundles have none. */
static int load_calibration(fr_calibration *c, const json_t *j, json_int_t format,
                            const char *src, const char *name, fr_error *err)
{
	fr_calibration none = FR_CALIBRATION_INIT;
	const json_t *cal = json_object_get(j, "calibration");
	*c = none;
	if (cal == NULL && format < 3)
		return 0;
	int method = fr_calibration_from_name(json_string_value(json_object_get(cal, "method")));
	if (method == FR_CALIBRATION_NONE)
		return 0;
	const json_t *slope = json_object_get(cal, "slope");
	const json_t *folds = json_object_get(cal, "folds");
	const json_t *rows = json_object_get(cal, "rows");
	if (method != FR_CALIBRATION_PLATT || !json_is_number(slope) || !json_is_integer(folds) ||
	    !json_is_integer(rows) || !(json_number_value(slope) >= FR_CALIBRATION_MIN_SLOPE) ||
	    !(json_number_value(slope) <= FR_CALIBRATION_MAX_SLOPE) || json_integer_value(folds) < 0 ||
	    json_integer_value(rows) < 0)
		return fr_error_set(err, FR_EMODEL, src, 0, "task '%s' has a malformed calibration", name);
	c->method = method;
	c->slope = json_number_value(slope);
	c->folds = (size_t)json_integer_value(folds);
	c->rows = (size_t)json_integer_value(rows);
	return 0;
}

/* Checks a classifier file against model.json and loads it. */
static int load_classifier(fr_model *m, fr_classifier **out, const char *file, const char *dir,
                           const char *src, int solver, size_t n_labels, fr_error *err)
{
	char path[PATH_MAX];
	if (file == NULL || strchr(file, '/') != NULL || fr_path_join(path, sizeof(path), dir, file) != 0)
		return fr_error_set(err, FR_EMODEL, src, 0, "a classifier file name is malformed");
	int rc = verify_file(m, src, path, file, err);
	if (rc < 0)
		return rc;
	return fr_classifier_load(out, path, solver, n_labels, fr_tfidf_feature_count(m->tfidf), err);
}

/* A multi-label task's "per_label": each label's binary classifier,
 * calibration and threshold. */
static int load_multilabel(fr_model *m, task_t *task, const json_t *per_label, const char *dir,
                           const char *src, int solver, fr_error *err)
{
	size_t k = task->n_labels;
	task->bin = calloc(k, sizeof(*task->bin));
	task->bin_cal = calloc(k, sizeof(*task->bin_cal));
	task->threshold = calloc(k, sizeof(*task->threshold));
	task->threshold_f1 = calloc(k, sizeof(*task->threshold_f1));
	if (!task->bin || !task->bin_cal || !task->threshold || !task->threshold_f1)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t l = 0; l < k; l++) {
		const json_t *e = json_array_get(per_label, l);
		const json_t *thr = json_object_get(e, "threshold");
		const json_t *f1 = json_object_get(e, "cv_f1");
		const char *lab = json_string_value(json_object_get(e, "label"));
		if (!json_is_number(thr) || !(json_number_value(thr) >= 0.0 && json_number_value(thr) <= 1.0) ||
		    !(json_is_number(f1) || json_is_null(f1)) || lab == NULL || strcmp(lab, task->labels[l]) != 0)
			return fr_error_set(err, FR_EMODEL, src, 0, "task '%s': label %zu's entry is malformed",
			                    task->name, l);
		task->threshold[l] = json_number_value(thr);
		task->threshold_f1[l] = json_is_null(f1) ? NAN : json_number_value(f1);
		int rc = load_calibration(&task->bin_cal[l], e, FR_MODEL_FORMAT_VERSION, src, task->name, err);
		if (rc == 0)
			rc = load_classifier(m, &task->bin[l], json_string_value(json_object_get(e, "classifier")),
			                     dir, src, solver, 2, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int load_task(fr_model *m, task_t *task, const json_t *j, const char *dir, fr_error *err)
{
	char src[PATH_MAX];
	if (fr_path_join(src, sizeof(src), dir, MANIFEST) != 0)
		return fr_error_set(err, FR_EINVALID, dir, 0, "path too long");
	const char *name = json_string_value(json_object_get(j, "name"));
	const json_t *labels = json_object_get(j, "labels");
	const json_t *support = json_object_get(j, "support");
	const char *file = json_string_value(json_object_get(j, "classifier"));
	const json_t *solver_name = json_object_get(j, "solver");
	/* Bundles from before LIBLINEAR was added name no solver: libsvm. */
	int solver = solver_name ? fr_solver_from_name(json_string_value(solver_name)) : FR_SOLVER_LIBSVM;
	if (solver != FR_SOLVER_LIBSVM && solver != FR_SOLVER_LIBLINEAR)
		return fr_error_set(err, FR_EMODEL, src, 0, "task '%s' names an unknown solver",
		                    name ? name : "?");
	const json_t *per_label = json_object_get(j, "per_label");
	task->multilabel = json_is_true(json_object_get(j, "multilabel"));
	if (name == NULL || !valid_task_name(name) || !json_is_array(labels) ||
	    !json_is_array(support) || (task->multilabel ? !json_is_array(per_label) ||
	    json_array_size(per_label) != json_array_size(labels) : file == NULL) ||
	    json_array_size(labels) < 2 ||
	    json_array_size(labels) > FR_CLASSIFIER_MAX_LABELS ||
	    json_array_size(support) != json_array_size(labels) || (file && strchr(file, '/') != NULL))
		return fr_error_set(err, FR_EMODEL, src, 0, "a task entry is malformed");
	task->name = strdup(name);
	task->n_labels = json_array_size(labels);
	task->labels = calloc(task->n_labels, sizeof(char *));
	task->support = calloc(task->n_labels, sizeof(size_t));
	if (!task->name || !task->labels || !task->support)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	for (size_t l = 0; l < task->n_labels; l++) {
		const char *lab = json_string_value(json_array_get(labels, l));
		const json_t *s = json_array_get(support, l);
		if (lab == NULL || !json_is_integer(s) || (l > 0 && strcmp(task->labels[l - 1], lab) >= 0))
			return fr_error_set(err, FR_EMODEL, src, 0, "task '%s' has malformed labels", name);
		if ((task->labels[l] = strdup(lab)) == NULL)
			return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		task->support[l] = (size_t)json_integer_value(s);
	}
	task->rows = (size_t)json_integer_value(json_object_get(j, "rows"));
	json_int_t format = json_integer_value(json_object_get(m->manifest, "format_version"));
	if (task->multilabel)
		return load_multilabel(m, task, per_label, dir, src, solver, err);
	int rc = load_calibration(&task->cal, j, format, src, name, err);
	if (rc < 0)
		return rc;
	return load_classifier(m, &task->clf, file, dir, src, solver, task->n_labels, err);
}

/* A bundle trained before framer refused them may hold a task named like a
 * column it writes (para): its labels.jsonl would give that key twice,
 * which no reader can take. Refused here, with what to do. */
static int check_task_names(const fr_model *m, const char *src, fr_error *err)
{
	const char **names = malloc(m->n_tasks * sizeof(*names));
	if (names == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	int rc = 0;
	for (size_t t = 0; rc == 0 && t < m->n_tasks; t++) {
		names[t] = m->tasks[t].name;
		fr_error why = FR_ERROR_INIT;
		if (fr_dataset_check_task_name(names[t], names, t, src, &why) < 0)
			rc = fr_error_set(err, FR_EMODEL, src, 0, "%s; rename the column in the labeled CSV and train again",
			                  why.message);
	}
	free(names);
	return rc;
}

/* A bundle's vocab.bin, mapped, and where it says the vocabulary's text
 * lies in model.json. */
typedef struct {
	char path[PATH_MAX];
	const char *data;
	size_t len;
	int map_errno;        /* when data is NULL */
	int has_text;         /* at is read from the header */
	fr_tfidf_image_text at;
} vocab_image;

static void vocab_image_open(vocab_image *img, const char *dir)
{
	memset(img, 0, sizeof(*img));
	img->map_errno = ENAMETOOLONG;
	if (fr_path_join(img->path, sizeof(img->path), dir, VOCAB_IMAGE) != 0)
		return;
	img->data = fr_map_file(img->path, &img->len);
	img->map_errno = img->data ? 0 : errno;
	img->has_text = img->data && fr_tfidf_image_text_of(img->data, img->len, &img->at) == 0;
}

/* jansson's reading of model.json with the vocabulary, text[vs..ve), as
 * null (and its line ends kept, so that jansson's line numbers stay
 * right). FR_ENOMEM, else 0 with *out NULL when it is not JSON. */
static int manifest_without_vocabulary(json_t **out, const char *text, size_t len, size_t vs, size_t ve,
                                       size_t lines, json_error_t *jerr)
{
	char *rest = malloc(len - (ve - vs) + lines + 4);
	if (rest == NULL)
		return FR_ENOMEM;
	size_t n = vs;
	memcpy(rest, text, vs);
	memcpy(rest + n, "null", 4);
	n += 4;
	memset(rest + n, '\n', lines);
	n += lines;
	memcpy(rest + n, text + ve, len - ve);
	n += len - ve;
	*out = json_loadb(rest, n, JSON_REJECT_DUPLICATES, jerr);
	free(rest);
	return 0;
}

/* The vectorizer from the bundle's vocab.bin, when there is one made from
 * this vocabulary text (text_hash): a copy of its tables instead of
 * building them from the text. An image that is stale or damaged is passed
 * over for the text, which is the model's record, and m->load_note says
 * so. 0 or FR_ENOMEM. */
static int load_image(fr_model *m, const vocab_image *img, const fr_tfidf_options *opts, uint64_t text_hash,
                      fr_error *err)
{
	const char *why = NULL;
	int rc = 0;
	if (img->data == NULL && img->map_errno == ENOENT)
		return 0; /* a bundle from before images, or one without */
	if (img->data == NULL)
		why = img->map_errno == EINVAL ? "empty or not a file" : strerror(img->map_errno);
	else
		rc = fr_tfidf_image_read(&m->tfidf, opts, img->data, img->len, text_hash, &why);
	if (rc == FR_ENOMEM)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	if (why != NULL)
		snprintf(m->load_note, sizeof(m->load_note),
		         "%s: %s; the vocabulary was read from model.json instead (a slower start; "
		         "training again writes a new one)", img->path, why);
	return 0;
}

const char *fr_model_load_note(const fr_model *m)
{
	return m->load_note[0] ? m->load_note : NULL;
}

void (*fr_model__load_hook)(const char *dir) = NULL;

/* One read of the bundle at dir, file by file (fr_model_load). */
static int load_bundle(fr_model **out, const char *dir, fr_error *err)
{
	*out = NULL;
	int rc = 0;
	char path[PATH_MAX];
	json_error_t jerr;
	fr_tfidf_options topts = FR_TFIDF_OPTIONS_INIT;
	const char *text = NULL;
	size_t text_len = 0, vs = 0, ve = 0;
	uint64_t text_hash = 0;
	vocab_image img = { .data = NULL };
	int split = 0;
	if (fr_path_join(path, sizeof(path), dir, MANIFEST) != 0)
		return fr_error_set(err, FR_EINVALID, dir, 0, "path too long");
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return fr_error_set(err, FR_EMODEL, dir, 0, "no model here (train one with `make train`)");
	if (stat(path, &st) != 0)
		return fr_error_set(err, FR_EMODEL, path, 0, "missing: not a model bundle");
	fr_model *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	/* The vocabulary, most of model.json, is read by fr_tfidf_load_text;
	 * jansson reads the rest, with the vocabulary's value as null (and its
	 * line ends kept, so that jansson's line numbers stay right). */
	text = fr_map_file(path, &text_len);
	if (text == NULL && (errno == EACCES || errno == EPERM || errno == EIO)) {
		rc = fr_error_set(err, FR_EIO, path, 0, "cannot read: %s", strerror(errno));
		goto done;
	}
	if (text != NULL)
		vocab_image_open(&img, dir);
	/* Where the image says the vocabulary is, when those bytes are still
	 * there (and were the vocabulary's value): no scan for it. */
	const fr_tfidf_image_text *at = &img.at;
	if (img.has_text && at->start <= text_len && at->len <= text_len - at->start &&
	    fr_checksum64(text + at->start, at->len) == at->hash) {
		vs = at->start;
		ve = at->start + at->len;
		text_hash = at->hash;
		rc = manifest_without_vocabulary(&m->manifest, text, text_len, vs, ve, at->lines, &jerr);
		split = m->manifest != NULL && json_is_null(json_object_get(m->manifest, "vocabulary"));
		if (!split) {
			json_decref(m->manifest);
			m->manifest = NULL;
		}
	}
	if (rc == 0 && !split && text != NULL && fr_tfidf_vocabulary_span(text, text_len, &vs, &ve) == 0) {
		text_hash = img.data ? fr_checksum64(text + vs, ve - vs) : 0;
		rc = manifest_without_vocabulary(&m->manifest, text, text_len, vs, ve,
		                                 count_line_ends(text + vs, ve - vs), &jerr);
		split = 1;
	} else if (rc == 0 && !split) {
		m->manifest = text ? json_loadb(text, text_len, JSON_REJECT_DUPLICATES, &jerr)
		                   : json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (rc < 0) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	if (m->manifest == NULL || !json_is_object(m->manifest)) {
		rc = fr_error_set(err, FR_EMODEL, path, (size_t)(jerr.line > 0 ? jerr.line : 0),
		                  "corrupt model.json: %s", m->manifest ? "not an object" : jerr.text);
		goto done;
	}
	const json_t *fv = json_object_get(m->manifest, "format_version");
	const char *made_by = json_string_value(json_object_get(m->manifest, "framer_version"));
	if (!json_is_integer(fv) || json_integer_value(fv) < FR_MODEL_FORMAT_OLDEST ||
	    json_integer_value(fv) > FR_MODEL_FORMAT_VERSION) {
		char found[32] = "missing";
		if (json_is_integer(fv))
			snprintf(found, sizeof(found), "%lld", (long long)json_integer_value(fv));
		/* A newer bundle wants a newer framer; an older one, retraining
		 * (make classify retrains only when the labeled data changed). */
		int newer = json_is_integer(fv) && json_integer_value(fv) > FR_MODEL_FORMAT_VERSION;
		const char *by = made_by ? made_by : "(unknown)";
		rc = fr_error_set(err, FR_EMODEL, path, 0,
		                  "format_version %s, made by framer %.*s; this framer %s reads format_version %d "
		                  "to %d: %s", found, fr_utf8_fit_str(by, 32), by,
		                  FR_VERSION, FR_MODEL_FORMAT_OLDEST, FR_MODEL_FORMAT_VERSION,
		                  newer ? "use that framer or a newer one, or retrain the model with this one "
		                          "(framer train --data FILE --model DIR, or make train)"
		                        : "retrain the model (framer train --data FILE --model DIR, or make train)");
		goto done;
	}
	const json_t *config = json_object_get(m->manifest, "config");
	const char *lang = json_string_value(json_object_get(config, "language"));
	const json_t *stops = json_object_get(m->manifest, "stopwords");
	const json_t *tasks = json_object_get(m->manifest, "tasks");
	if (!json_is_object(config) || lang == NULL || strlen(lang) >= sizeof(m->language) ||
	    !json_is_array(stops) || !json_is_array(tasks) || json_array_size(tasks) == 0) {
		rc = fr_error_set(err, FR_EMODEL, path, 0, "model.json lacks its config, stop words or tasks");
		goto done;
	}
	snprintf(m->language, sizeof(m->language), "%s", lang);
	rc = fr_tfidf_options_from_json(&topts, config, path, err);
	if (rc == 0 && split)
		rc = load_image(m, &img, &topts, text_hash, err);
	if (rc == 0 && m->tfidf == NULL)
		rc = split ? fr_tfidf_load_text(&m->tfidf, &topts, text + vs, ve - vs, path, err)
		           : fr_tfidf_load(&m->tfidf, &topts, json_object_get(m->manifest, "vocabulary"), path, err);
	fr_unmap_file(text, text_len);
	fr_unmap_file(img.data, img.len);
	text = NULL;
	img.data = NULL;
	if (rc < 0) {
		rc = err ? (err->code = FR_EMODEL) : FR_EMODEL;
		goto done;
	}
	m->n_stops = json_array_size(stops);
	m->stops = calloc(m->n_stops + 1, sizeof(char *));
	if (m->stops == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < m->n_stops; i++) {
		const char *s = json_string_value(json_array_get(stops, i));
		if (s == NULL || (m->stops[i] = strdup(s)) == NULL) {
			rc = fr_error_set(err, s ? FR_ENOMEM : FR_EMODEL, path, 0, "bad stop word list");
			goto done;
		}
	}
	m->tasks = calloc(json_array_size(tasks), sizeof(*m->tasks));
	if (m->tasks == NULL) {
		rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
		goto done;
	}
	if (fr_model__load_hook)
		fr_model__load_hook(dir);
	for (size_t t = 0; rc == 0 && t < json_array_size(tasks); t++) {
		m->n_tasks++;
		rc = load_task(m, &m->tasks[t], json_array_get(tasks, t), dir, err);
	}
	if (rc == 0)
		rc = check_task_names(m, path, err);
	if (rc == 0) {
		/* The stemmer must exist for this language on this machine. */
		fr_stemmer *probe = NULL;
		rc = fr_stemmer_new(&probe, m->language, err);
		fr_stemmer_free(probe);
		if (rc < 0)
			rc = err ? (err->code = FR_EMODEL) : FR_EMODEL;
	}
done:
	fr_unmap_file(text, text_len);
	fr_unmap_file(img.data, img.len);
	if (rc < 0) {
		fr_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* Whether the folder at dir is still the one `was` describes. */
static int same_folder(const char *dir, const struct stat *was)
{
	struct stat now;
	return stat(dir, &now) == 0 && now.st_dev == was->st_dev && now.st_ino == was->st_ino;
}

/* train puts a new bundle in place whole (fr_model_save swaps the
 * folders), but a load reads the files one by one: a swap in between gave
 * one bundle's model.json and the other's classifiers, refused as altered
 * ("copy the bundle again or retrain") though both bundles are sound. A
 * load during which dir became another folder is thrown away and the
 * bundle read again; a bundle retrained that often is given up on. */
#define LOAD_TRIES 3

int fr_model_load(fr_model **out, const char *dir, fr_error *err)
{
	*out = NULL;
	for (int tries = 1;; tries++) {
		struct stat was;
		fr_error mine = FR_ERROR_INIT;
		int known = stat(dir, &was) == 0;
		int rc = load_bundle(out, dir, &mine);
		if (!known || tries == LOAD_TRIES || same_folder(dir, &was)) {
			if (rc < 0 && err && err->code == 0)
				*err = mine;
			return rc;
		}
		fr_model_free(*out);
		*out = NULL;
	}
}

void fr_model_free(fr_model *m)
{
	if (m == NULL)
		return;
	for (size_t t = 0; t < m->n_tasks; t++)
		free_task(&m->tasks[t]);
	free(m->tasks);
	free_strings(m->stops, m->n_stops);
	fr_tfidf_free(m->tfidf);
	json_decref(m->manifest);
	free(m);
}

size_t fr_model_task_count(const fr_model *m) { return m->n_tasks; }
const char *fr_model_task_name(const fr_model *m, size_t t) { return m->tasks[t].name; }

int fr_model_task_index(const fr_model *m, const char *name)
{
	for (size_t t = 0; t < m->n_tasks; t++)
		if (strcmp(m->tasks[t].name, name) == 0)
			return (int)t;
	return -1;
}

size_t fr_model_label_count(const fr_model *m, size_t t) { return m->tasks[t].n_labels; }
const char *fr_model_label_name(const fr_model *m, size_t t, size_t l) { return m->tasks[t].labels[l]; }
int fr_model_label_index(const fr_model *m, size_t t, const char *label) { return label_index(&m->tasks[t], label); }
const fr_tfidf *fr_model_vectorizer(const fr_model *m) { return m->tfidf; }
const fr_classifier *fr_model_classifier(const fr_model *m, size_t t) { return m->tasks[t].clf; }
int fr_model_task_multilabel(const fr_model *m, size_t t) { return m->tasks[t].multilabel; }

double fr_model_label_threshold(const fr_model *m, size_t t, size_t l)
{
	return m->tasks[t].multilabel ? m->tasks[t].threshold[l] : NAN;
}

double fr_model_label_weight(const fr_model *m, size_t t, int feature, size_t l)
{
	const task_t *task = &m->tasks[t];
	if (task->multilabel)
		return fr_classifier_label_weight(task->bin[l], feature, 1);
	return fr_classifier_label_weight(task->clf, feature, (int)l);
}
const fr_calibration *fr_model_calibration(const fr_model *m, size_t t) { return &m->tasks[t].cal; }
size_t fr_model_label_support(const fr_model *m, size_t t, size_t l) { return m->tasks[t].support[l]; }
const json_t *fr_model_manifest(const fr_model *m) { return m->manifest; }

size_t fr_model_rows_without_words(const fr_model *m)
{
	json_t *n = json_object_get(json_object_get(m->manifest, "training"), "rows_without_words");
	return json_is_integer(n) && json_integer_value(n) > 0 ? (size_t)json_integer_value(n) : 0;
}

int fr_model_set_tuning(fr_model *m, json_t *record, fr_error *err)
{
	if (record == NULL || json_object_set_new(m->manifest, "tuning", record) != 0)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	return 0;
}

/* ---- labeling ---- */

int fr_model_work_new(fr_model_work **out, const fr_model *m, fr_error *err)
{
	*out = NULL;
	fr_model_work *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	w->m = m;
	fr_tokens_init(&w->tokens);
	fr_sparse_vec_init(&w->vec);
	int rc = fr_stemmer_new(&w->stemmer, m->language, err);
	for (size_t i = 0; rc == 0 && i < m->n_stops; i++)
		rc = fr_stemmer_add_stop_stem(w->stemmer, m->stops[i], err);
	if (rc == 0 && fr_tfidf_has_term_index(m->tfidf)) {
		rc = fr_strmap_new(&w->cache, 1 << 16, err);
		if (rc == 0 && (w->hot = calloc(HOT_SLOTS, sizeof(*w->hot))) == NULL)
			rc = fr_error_set(err, FR_ENOMEM, NULL, 0, "out of memory");
	}
	if (rc < 0) {
		fr_model_work_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void fr_model_work_free(fr_model_work *w)
{
	if (w == NULL)
		return;
	fr_stemmer_free(w->stemmer);
	fr_tokens_dispose(&w->tokens);
	fr_sparse_vec_dispose(&w->vec);
	fr_strmap_free(w->cache);
	free(w->cached);
	free(w->ids);
	free(w->keys);
	free(w->lens);
	free(w->found);
	free(w->which);
	free(w->hot);
	free(w);
}

/* The term id (or TERM_UNKNOWN / TERM_STOP) of token i, uncached, into
 * *id_out. Returns 0 or FR_ENOMEM (the stemmer's). */
static int term_of_token(const fr_model *m, fr_model_work *w, size_t i, int32_t *id_out)
{
	const fr_token *tok = &w->tokens.items[i];
	const char *surface = fr_tokens_surface(&w->tokens, i);
	const char *term = surface;
	size_t len = tok->len;
	if (tok->kind == FR_TOKEN_WORD) {
		term = fr_stemmer_stem_word(w->stemmer, surface, tok->len, &len);
		if (term == NULL)
			return FR_ENOMEM;
	}
	/* The stemmer's buffer is NUL-terminated at len. */
	*id_out = fr_stemmer_is_stop(w->stemmer, term) ? TERM_STOP : fr_tfidf_term_id(m->tfidf, term, len);
	return 0;
}

/* The first n bytes (0..8; 8 for more) of the word at s, zero past them.
 * The mask is selected, not branched to: lengths follow the text. */
static inline uint64_t word_prefix(const char *s, size_t n)
{
	uint64_t v;
	memcpy(&v, s, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	uint64_t keep = n >= 8 ? UINT64_MAX : ~(UINT64_MAX >> (8 * n));
#else
	uint64_t keep = n >= 8 ? UINT64_MAX : (UINT64_C(1) << (8 * n)) - 1;
#endif
	return v & keep;
}

/* The bytes of a short form (len 1..HOT_MAX_LEN) as two words, zero past
 * len. The tokenizer leaves sixteen readable bytes from every form's start. */
static inline void short_key(const char *s, size_t len, uint64_t key[2])
{
	key[0] = word_prefix(s, len);
	key[1] = word_prefix(s + 8, len > 8 ? len - 8 : 0);
}

static inline hot_entry *hot_slot(hot_entry *hot, const uint64_t key[2], size_t len)
{
	uint64_t h = (key[0] ^ len) * UINT64_C(0x9E3779B97F4A7C15) ^ key[1] * UINT64_C(0xC2B2AE3D27D4EB4F);
	return &hot[(h * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - HOT_BITS)];
}

/* Tokens whose misses are looked up together: enough for the lookups to
 * overlap, few enough that a paragraph of millions of tokens does not need
 * 28 bytes more for each of them. */
enum { MISS_BLOCK = 4096 };

static int grow_token_arrays(fr_model_work *w, size_t count)
{
	if (fr_grow((void **)&w->ids, &w->ids_cap, count, sizeof(*w->ids)) < 0)
		return FR_ENOMEM;
	/* Four arrays of one length share keys_cap: grown from the same
	 * capacity to the same need, each gets the same new one. */
	size_t need = count < MISS_BLOCK ? count : MISS_BLOCK;
	size_t k = w->keys_cap, l = k, f = k, x = k;
	if (fr_grow((void **)&w->keys, &k, need, sizeof(*w->keys)) < 0 ||
	    fr_grow((void **)&w->lens, &l, need, sizeof(*w->lens)) < 0 ||
	    fr_grow((void **)&w->found, &f, need, sizeof(*w->found)) < 0 ||
	    fr_grow((void **)&w->which, &x, need, sizeof(*w->which)) < 0)
		return FR_ENOMEM;
	w->keys_cap = k;
	return 0;
}

/* The term id of a form the hot table did not have: from the cache (slot,
 * or -1 when the batch lookup did not find it), else from the stemmer and
 * the vocabulary, and then cached. */
static int term_of_missed(const fr_model *m, fr_model_work *w, size_t i, int64_t slot, int32_t *id_out)
{
	const fr_token *tok = &w->tokens.items[i];
	const char *surface = fr_tokens_surface(&w->tokens, i);
	if (slot < 0) /* new, or first met earlier in this paragraph */
		slot = fr_strmap_find(w->cache, surface, tok->len);
	if (slot >= 0) {
		*id_out = w->cached[slot];
		return 0;
	}
	int rc = term_of_token(m, w, i, id_out);
	if (rc < 0)
		return rc;
	size_t cached = fr_strmap_count(w->cache);
	if (cached >= TERM_CACHE_MAX || tok->len > TERM_CACHE_MAX_LEN)
		return 0;
	/* Room for the value first, so the cache never holds a key without one. */
	if (fr_grow((void **)&w->cached, &w->cached_cap, cached + 1, sizeof(*w->cached)) < 0)
		return FR_ENOMEM;
	uint32_t s = 0;
	if (fr_strmap_intern(w->cache, surface, tok->len, &s) < 0)
		return FR_ENOMEM;
	w->cached[s] = *id_out;
	return 0;
}

/* The ids of tokens start..end (at most MISS_BLOCK of them). One token in
 * ten misses the hot table, at random: the miss is counted, not branched
 * on. A miss's id is written here and replaced below. */
static int block_to_ids(const fr_model *m, fr_model_work *w, size_t start, size_t end)
{
	size_t n_missed = 0;
	for (size_t i = start; i < end; i++) {
		const char *surface = fr_tokens_surface(&w->tokens, i);
		size_t len = w->tokens.items[i].len;
		int hit = 0;
		if (len <= HOT_MAX_LEN) {
			uint64_t key[2];
			short_key(surface, len, key);
			const hot_entry *e = hot_slot(w->hot, key, len);
			hit = ((e->key[0] ^ key[0]) | (e->key[1] ^ key[1]) | (e->len ^ len)) == 0;
			w->ids[i] = e->id;
		}
		w->keys[n_missed] = surface;
		w->lens[n_missed] = len;
		w->which[n_missed] = (uint32_t)i;
		n_missed += !hit;
	}
	fr_strmap_find_n(w->cache, w->keys, w->lens, n_missed, w->found);
	for (size_t k = 0; k < n_missed; k++) {
		size_t i = w->which[k], len = w->lens[k];
		int rc = term_of_missed(m, w, i, w->found[k], &w->ids[i]);
		if (rc < 0)
			return rc;
		if (len <= HOT_MAX_LEN) {
			uint64_t key[2];
			short_key(w->keys[k], len, key);
			hot_entry *e = hot_slot(w->hot, key, len);
			e->key[0] = key[0];
			e->key[1] = key[1];
			e->len = (uint32_t)len;
			e->id = w->ids[i];
		}
	}
	return 0;
}

/* Tokens to term ids, the kept ones into w->ids: short forms from the hot
 * table; the rest looked up in the cache together, MISS_BLOCK tokens at a
 * time, so that their misses overlap; what neither has from the stemmer. */
static int tokens_to_ids(const fr_model *m, fr_model_work *w, size_t *n_out)
{
	size_t count = w->tokens.count;
	if (grow_token_arrays(w, count) < 0)
		return FR_ENOMEM;
	for (size_t start = 0; start < count; start += MISS_BLOCK) {
		size_t end = count - start < MISS_BLOCK ? count : start + MISS_BLOCK;
		int rc = block_to_ids(m, w, start, end);
		if (rc < 0)
			return rc;
	}
	/* Stop words fall anywhere: kept without a branch to mispredict. */
	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		w->ids[n] = w->ids[i];
		n += w->ids[i] != TERM_STOP;
	}
	*n_out = n;
	return 0;
}

/* A multi-label task: each label's calibrated probability from its own
 * classifier; the labels at or over their thresholds (the most probable
 * one when none is); the top one among them as the label. */
static int label_multilabel(const task_t *task, const struct svm_node *x, size_t words, fr_task_result *r,
                            fr_error *err)
{
	double push[FR_EVIDENCE_TERMS], two[2];
	int best = -1, top = 0;
	r->label_set = 0;
	for (size_t l = 0; l < task->n_labels; l++) {
		int rc = fr_classifier_predict(task->bin[l], x, two, err);
		if (rc < 0)
			return rc;
		fr_calibration_apply(&task->bin_cal[l], two, 2);
		r->scores[l] = two[1];
		if (two[1] > r->scores[top])
			top = (int)l;
		if (two[1] >= task->threshold[l]) {
			r->label_set |= (uint64_t)1 << l;
			if (best < 0 || two[1] > r->scores[best])
				best = (int)l;
		}
	}
	if (best < 0) {
		best = top;
		r->label_set = (uint64_t)1 << top;
	}
	r->label = best;
	r->confidence = r->scores[best];
	r->n_evidence = fr_classifier_evidence(task->bin[best], x, 1, words, r->evidence, push, FR_EVIDENCE_TERMS);
	return 0;
}

int fr_model_label(const fr_model *m, fr_model_work *w, const char *text, size_t len,
                   fr_task_result *results, fr_text_stats *stats, fr_error *err)
{
	int rc = fr_tokenize(&w->tokens, text, len, err);
	if (rc == 0 && w->cache) {
		size_t n = 0;
		rc = tokens_to_ids(m, w, &n);
		if (rc < 0)
			return fr_error_set(err, rc, NULL, 0, "out of memory");
		rc = fr_tfidf_transform_ids(m->tfidf, w->ids, n, &w->tokens, &w->vec, err);
	} else if (rc == 0) {
		/* n-grams over 2: the general string path. */
		rc = fr_stemmer_apply(w->stemmer, &w->tokens, err);
		if (rc == 0)
			rc = fr_tfidf_transform(m->tfidf, &w->tokens, &w->vec, err);
	}
	if (rc < 0)
		return rc;
	if (stats) {
		stats->terms = w->vec.n_terms;
		stats->unknown = w->vec.n_unknown;
		stats->invalid_bytes = w->tokens.invalid_bytes;
	}
	double push[FR_EVIDENCE_TERMS];
	size_t words = fr_tfidf_word_feature_count(m->tfidf);
	for (size_t t = 0; t < m->n_tasks; t++) {
		fr_task_result *r = &results[t];
		if (m->tasks[t].multilabel) {
			rc = label_multilabel(&m->tasks[t], w->vec.nodes, words, r, err);
			if (rc < 0)
				return rc;
			continue;
		}
		int label = fr_classifier_predict(m->tasks[t].clf, w->vec.nodes, r->scores, err);
		if (label < 0)
			return label;
		/* Calibration keeps the scores' order: the label stays the arg-max. */
		fr_calibration_apply(&m->tasks[t].cal, r->scores, m->tasks[t].n_labels);
		r->label = label;
		r->label_set = (uint64_t)1 << label;
		r->confidence = r->scores[label];
		r->n_evidence = fr_classifier_evidence(m->tasks[t].clf, w->vec.nodes, label, words,
		                                       r->evidence, push, FR_EVIDENCE_TERMS);
	}
	return 0;
}

size_t fr_model_label_evidence(const fr_model *m, const fr_model_work *w, size_t task, size_t label,
                               int given, int *features_out, size_t max)
{
	double push[FR_EVIDENCE_TERMS];
	if (task >= m->n_tasks || label >= m->tasks[task].n_labels)
		return 0;
	const task_t *t = &m->tasks[task];
	size_t words = fr_tfidf_word_feature_count(m->tfidf);
	if (max > FR_EVIDENCE_TERMS)
		max = FR_EVIDENCE_TERMS;
	if (t->multilabel)
		/* The binary classifier's class 1 is "label given", 0 "withheld". */
		return fr_classifier_evidence(t->bin[label], w->vec.nodes, given ? 1 : 0, words, features_out, push, max);
	return given ? fr_classifier_evidence(t->clf, w->vec.nodes, (int)label, words, features_out, push, max) : 0;
}

const struct svm_node *fr_model_work_vector(const fr_model_work *w)
{
	return w->vec.nodes;
}
