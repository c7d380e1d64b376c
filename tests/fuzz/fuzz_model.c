/* Fuzz target: the model-bundle loader (fr_model_load: model.json's
 * manifest, the vocabulary, the tasks, and each task's classifier file),
 * then labeling one paragraph with whatever it accepted.
 *
 * Input: model.json, then any number of other bundle files, each after a
 * line "@@ NAME" (a file name, no '/'):
 *     {"format_version": 1, ...}
 *     @@ stance.svm
 *     svm_type c_svc
 *     ...
 * The seeds are real bundles in that form (tests/fuzz/README.md). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "model.h"

#define SEPARATOR "\n@@ "

/* The first SEPARATOR in s[0..len), or NULL. */
static const uint8_t *find_separator(const uint8_t *s, size_t len)
{
	size_t n = sizeof(SEPARATOR) - 1;
	for (size_t i = 0; i + n <= len; i++)
		if (s[i] == '\n' && memcmp(s + i, SEPARATOR, n) == 0)
			return s + i;
	return NULL;
}

/* A name that stays inside the bundle folder: no '/', no NUL, not "." or
 * "..", not model.json (the first part is that). */
static int safe_name(const char *name, size_t len)
{
	if (len == 0 || len > 64 || memchr(name, '/', len) || memchr(name, '\0', len))
		return 0;
	if ((len == 1 && name[0] == '.') || (len == 2 && memcmp(name, "..", 2) == 0))
		return 0;
	return !(len == 10 && memcmp(name, "model.json", 10) == 0);
}

/* Writes the bundle the input describes into the folder "bundle". The line
 * end before "@@ " is the end of the file before it, so real files, which
 * end with one, keep their size and sha256. */
static void write_bundle(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;
	const uint8_t *sep = find_separator(data, size);
	char path[FZ_PATH_MAX], name[FZ_PATH_MAX];
	fz_write(path, "bundle/model.json", data, (size_t)((sep ? sep + 1 : end) - data));
	while (sep != NULL) {
		const uint8_t *head = sep + sizeof(SEPARATOR) - 1;
		const uint8_t *nl = memchr(head, '\n', (size_t)(end - head));
		const uint8_t *body = nl ? nl + 1 : end;
		sep = find_separator(body, (size_t)(end - body));
		size_t name_len = (size_t)((nl ? nl : end) - head);
		if (!safe_name((const char *)head, name_len))
			continue;
		snprintf(name, sizeof(name), "bundle/%.*s", (int)name_len, (const char *)head);
		fz_write(path, name, body, (size_t)((sep ? sep + 1 : end) - body));
	}
}

/* Uses a loaded model as classify does: every accessor, then one paragraph
 * labeled for every task. */
static void use_model(const fr_model *m)
{
	static const char text[] = "Russia and Ukraine agree to a cease-fire; NATO warns "
	                           "of escalation, and the U.S. sends 1,000 more shells.";
	size_t n_tasks = fr_model_task_count(m);
	FZ_CHECK(n_tasks > 0 && fr_model_vectorizer(m) != NULL && fr_model_manifest(m) != NULL);
	for (size_t t = 0; t < n_tasks; t++) {
		/* One classifier for a single-label task; one per label otherwise. */
		FZ_CHECK(fr_model_task_name(m, t) != NULL &&
		         (fr_model_classifier(m, t) != NULL) != fr_model_task_multilabel(m, t));
		size_t n_labels = fr_model_label_count(m, t);
		FZ_CHECK(n_labels >= 2 && n_labels <= FR_CLASSIFIER_MAX_LABELS);
		for (size_t l = 0; l < n_labels; l++) {
			const char *name = fr_model_label_name(m, t, l);
			FZ_CHECK(name != NULL && fr_model_label_index(m, t, name) == (int)l);
			(void)fr_model_label_support(m, t, l);
		}
	}
	fr_model_work *w = NULL;
	fr_task_result *results = calloc(n_tasks, sizeof(*results));
	FZ_CHECK(results != NULL);
	if (fr_model_work_new(&w, m, NULL) == 0) {
		fr_text_stats stats;
		if (fr_model_label(m, w, text, sizeof(text) - 1, results, &stats, NULL) == 0) {
			for (size_t t = 0; t < n_tasks; t++) {
				const fr_task_result *r = &results[t];
				FZ_CHECK(r->label >= 0 && (size_t)r->label < fr_model_label_count(m, t));
				FZ_CHECK((r->label_set >> r->label) & 1);
				FZ_CHECK(r->n_evidence <= FR_EVIDENCE_TERMS);
			}
		}
	}
	fr_model_work_free(w);
	free(results);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[FZ_PATH_MAX];
	fz_fresh_dir(dir, "bundle");
	write_bundle(data, size);
	fr_model *m = NULL;
	fr_error err = FR_ERROR_INIT;
	int rc = fr_model_load(&m, dir, &err);
	if (rc < 0) {
		FZ_CHECK(m == NULL && err.code == rc && err.message[0] != '\0');
		return 0;
	}
	use_model(m);
	fr_model_free(m);
	return 0;
}
