/* Nothing lost: the real framer program killed with SIGKILL at many moments
 * of a run. After every kill the previous model bundle (for train) or the
 * previous outputs (for classify) are still there, byte for byte, and usable;
 * or, when the kill came after the last rename, the run's complete result is.
 * Never a mixture inside a file, never a half-written one.
 *
 * The kill points are spread over the length of a full run, plus the moments
 * a temporary bundle folder first appears and is complete; the last point lets
 * the run finish. The property must
 * hold at every moment, so no assertion depends on how fast the machine is. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "test_util.h"

#ifndef FR_FRAMER
#error "FR_FRAMER (path of the framer program) must be defined"
#endif
#ifndef FR_SOURCE_DIR
#error "FR_SOURCE_DIR must be defined"
#endif

/* Copies of the training data in the big training CSV: enough rows that a
 * run lasts long enough to be killed in each of its phases. Under the
 * sanitizers and valgrind (make test-asan, test-valgrind set FR_SLOW_BUILD)
 * fewer of both: each run is ten or more times slower there, and a killed
 * run leaves no memcheck verdict, so many kills would cost minutes and
 * check nothing more. */
static int big_copies = 8;
static int kill_points = 12;

static char tmp[256];

/* Runs a shell command; its exit status, or -1 when it did not exit. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = test_vrun(NULL, fmt, ap);
	va_end(ap);
	return rc;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_seconds(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

/* Starts framer with argv (NULL-terminated, argv[0] unused), its stdout and
 * stderr sent to /dev/null. Returns the child's pid. */
static pid_t start_framer(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		FILE *null = freopen("/dev/null", "w", stdout);
		(void)null;
		null = freopen("/dev/null", "w", stderr);
		(void)null;
		execv(FR_FRAMER, argv);
		_exit(127);
	}
	return pid;
}

/* Kills pid with SIGKILL (it may have finished already) and reaps it. */
static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
}

/* Kill point k of kill_points: spread over the length of a full run; the
 * last one lets the run finish, so both outcomes are always exercised. */
static void kill_at_point(pid_t pid, int k, double full)
{
	if (k == kill_points - 1) {
		int st;
		waitpid(pid, &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		return;
	}
	sleep_seconds(full * k / (kill_points - 1));
	kill_and_reap(pid);
}

/* True when parent holds an entry whose name starts with prefix (and, when
 * inner is not NULL, that entry holds inner). */
static int has_entry(const char *parent, const char *prefix, const char *inner)
{
	DIR *d = opendir(parent);
	if (d == NULL)
		return 0;
	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s/%s", parent, e->d_name, inner ? inner : "");
		found = inner == NULL || access(path, F_OK) == 0;
	}
	closedir(d);
	return found;
}

/* Waits (up to 60 s) until the watched entry appears or pid exits; then
 * kills pid. Returns 1 when the entry was seen while pid still ran. */
static int kill_when(pid_t pid, const char *parent, const char *prefix, const char *inner)
{
	double end = now_seconds() + 60;
	int seen = 0, st;
	while (now_seconds() < end) {
		if (has_entry(parent, prefix, inner)) {
			seen = 1;
			break;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			return 0;
		sleep_seconds(0.0002);
	}
	kill_and_reap(pid);
	return seen;
}

/* The training data written big_copies times, each row with an id of its
 * own, so the new model differs from the one trained on train.csv. */
static void write_big_training_csv(const char *path)
{
	char src[512];
	snprintf(src, sizeof(src), "%s/data/labeled/train.csv", FR_SOURCE_DIR);
	FILE *out = fopen(path, "wb");
	assert_non_null(out);
	for (int copy = 0; copy < big_copies; copy++) {
		fr_csv *csv = NULL;
		fr_error err = FR_ERROR_INIT;
		assert_int_equal(fr_csv_open(&csv, src, &err), 0);
		int rc;
		size_t row = 0;
		while ((rc = fr_csv_next(csv, &err)) == 0) {
			if (row++ == 0 && copy > 0)
				continue; /* one header */
			for (size_t f = 0; f < fr_csv_field_count(csv); f++) {
				size_t len;
				const char *field = fr_csv_field(csv, f, &len);
				char id[512];
				if (f == 0 && row > 1) {
					/* The first column is the id: make it unique per copy. */
					assert_true(len < sizeof(id) - 16);
					int n = snprintf(id, sizeof(id), "c%d-%.*s", copy, (int)len, field);
					field = id;
					len = (size_t)n;
				}
				if (f > 0)
					fputc(',', out);
				assert_int_equal(fr_csv_write_field(out, field, len), 0);
			}
			fputc('\n', out);
		}
		assert_int_equal(rc, FR_ITEROVER);
		fr_csv_free(csv);
	}
	assert_int_equal(fclose(out), 0);
}

static int setup(void **state)
{
	(void)state;
	if (test_tmpdir(tmp, sizeof(tmp), "/tmp/fr_kill_") != 0)
		return -1;
	if (getenv("FR_SLOW_BUILD") != NULL) {
		big_copies = 2;
		kill_points = 4;
	}
	return run("%s train --data %s/data/labeled/train.csv --model %s/models/m --quiet && "
	           "cp -a %s/models/m %s/ref_old",
	           FR_FRAMER, FR_SOURCE_DIR, tmp, tmp, tmp) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(tmp);
}

/* The bundle at models/m is either the old one or the complete new one, and
 * framer can label with it. Returns which: 0 old, 1 new. */
static int check_bundle(void)
{
	int old = run("diff -r %s/models/m %s/ref_old >/dev/null", tmp, tmp) == 0;
	int new = run("diff -r %s/models/m %s/ref_new >/dev/null", tmp, tmp) == 0;
	assert_true(old || new);
	assert_int_equal(run("%s classify --model %s/models/m --out %s/use --quiet %s/data/batches/example",
	                     FR_FRAMER, tmp, tmp, FR_SOURCE_DIR), 0);
	return new;
}

static void test_kill__train_never_loses_the_bundle(void **state)
{
	(void)state;
	char big[512], model_dir[512], models[512];
	snprintf(big, sizeof(big), "%s/big.csv", tmp);
	snprintf(model_dir, sizeof(model_dir), "%s/models/m", tmp);
	snprintf(models, sizeof(models), "%s/models", tmp);
	write_big_training_csv(big);
	char *argv[] = { "framer", "train", "--data", big, "--model", model_dir, "--quiet", NULL };

	/* One full run gives the new bundle and the length of a run. */
	double t0 = now_seconds();
	assert_int_equal(run("%s train --data %s --model %s/ref_new --quiet", FR_FRAMER, big, tmp), 0);
	double full = now_seconds() - t0;
	assert_int_not_equal(run("diff -r -q %s/ref_old %s/ref_new >/dev/null", tmp, tmp), 0);

	int kept_old = 0, got_new = 0, seen = 0;
	for (int k = 0; k < kill_points + 2; k++) {
		assert_int_equal(run("rm -rf %s/models/m && cp -a %s/ref_old %s/models/m", tmp, tmp, tmp), 0);
		pid_t pid = start_framer(argv);
		assert_true(pid > 0);
		if (k == kill_points) {
			/* The moment the temporary bundle folder exists. */
			seen += kill_when(pid, models, ".m.tmp-", NULL);
		} else if (k == kill_points + 1) {
			/* The moment its model.json is written: all files done, not yet renamed. */
			seen += kill_when(pid, models, ".m.tmp-", "model.json");
		} else {
			kill_at_point(pid, k, full);
		}
		if (check_bundle())
			got_new++;
		else
			kept_old++;
	}
	print_message("train: %d kills kept the old bundle, %d found the new one; "
	              "%d of 2 caught the temporary bundle\n", kept_old, got_new, seen);
	/* Kills at the start keep the old bundle; the last ones let the run finish. */
	assert_true(kept_old >= 1);
	assert_true(got_new >= 1);
	/* Training again after all those kills still works. */
	assert_int_equal(run("%s train --data %s --model %s --quiet", FR_FRAMER, big, model_dir), 0);
	assert_int_equal(run("diff -r %s %s/ref_new >/dev/null", model_dir, tmp), 0);
}

/* Every output file is the previous run's or the complete new one's. */
static int check_outputs(const char *out, const char *ref_old, const char *ref_new)
{
	static const char *const files[] = { "labels.jsonl", "summary.json" };
	int news = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int old = run("cmp -s %s/%s %s/%s", out, files[i], ref_old, files[i]) == 0;
		int new = run("cmp -s %s/%s %s/%s", out, files[i], ref_new, files[i]) == 0;
		assert_true(old || new);
		news += new;
	}
	return news;
}

static void test_kill__classify_never_loses_outputs(void **state)
{
	(void)state;
	char batch[512], out[512];
	snprintf(batch, sizeof(batch), "%s/batch.csv", tmp);
	snprintf(out, sizeof(out), "%s/out", tmp);
	/* A batch of a few thousand paragraphs: the training texts, repeated. */
	write_big_training_csv(batch);
	assert_int_equal(run("%s classify --model %s/ref_old --out %s/ref_out_old --quiet %s/data/batches/example",
	                     FR_FRAMER, tmp, tmp, FR_SOURCE_DIR), 0);
	double t0 = now_seconds();
	assert_int_equal(run("%s classify --model %s/ref_old --out %s/ref_out_new --threads 1 --quiet %s",
	                     FR_FRAMER, tmp, tmp, batch), 0);
	double full = now_seconds() - t0;

	char model_dir[512], ref_old[512], ref_new[512];
	snprintf(model_dir, sizeof(model_dir), "%s/ref_old", tmp);
	snprintf(ref_old, sizeof(ref_old), "%s/ref_out_old", tmp);
	snprintf(ref_new, sizeof(ref_new), "%s/ref_out_new", tmp);
	char *argv[] = { "framer", "classify", "--model", model_dir, "--out", out,
	                 "--threads", "1", "--quiet", batch, NULL };
	int kept_old = 0, got_new = 0, seen = 0;
	for (int k = 0; k <= kill_points; k++) {
		assert_int_equal(run("rm -rf %s && cp -a %s %s", out, ref_old, out), 0);
		pid_t pid = start_framer(argv);
		assert_true(pid > 0);
		if (k == kill_points) {
			/* The moment the temporary labels file exists. */
			seen = kill_when(pid, out, ".labels.jsonl", NULL);
		} else {
			kill_at_point(pid, k, full);
		}
		if (check_outputs(out, ref_old, ref_new) == 2)
			got_new++;
		else
			kept_old++;
	}
	print_message("classify: %d kills kept the old outputs, %d found the new ones; "
	              "%d of 1 caught the temporary labels file\n", kept_old, got_new, seen);
	assert_true(kept_old >= 1);
	assert_true(got_new >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill__train_never_loses_the_bundle),
		cmocka_unit_test(test_kill__classify_never_loses_outputs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
