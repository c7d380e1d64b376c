/* Nothing lost: the real framer program killed with SIGKILL at many moments
 * of a run. After every kill the previous model bundle (for train) or the
 * previous outputs (for classify) are still there, byte for byte, and usable;
 * or, when the kill came after the last rename, the run's complete result is.
 * Never a mixture inside a file, never a half-written one.
 *
 * Nothing left behind: ended instead by SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGUSR1, SIGUSR2, SIGALRM or SIGXCPU (Ctrl-C, kill, a closed terminal, a
 * scheduler, a CPU time limit), a run also removes its hidden temporaries
 * (.NAME.tmp-XXXXXX) and the folders it made for its outputs, and ends by
 * that signal, as a shell expects (130 after Ctrl-C); one that its parent
 * ignores it ignores. Past a file size limit
 * (ulimit -f) a run fails as on a full disk, its temporaries removed.
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
/* A full train run on big.csv and classify run on batch.csv: their seconds,
 * measured once by the runs that make the references (0: not yet). */
static double train_full, classify_full;

/* The signals sent at the kill points, in turn. */
typedef struct {
	const char *name;
	int sig[8];
	size_t n;
} signals_t;
static const signals_t by_sigkill = { "SIGKILL", { SIGKILL }, 1 };
/* The ones framer ends on cleanly (FR_TEMP_SIGNALS). */
static const signals_t by_ending = {
	"SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU",
	{ SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU }, 8
};

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
 * stderr sent to /dev/null. The signals it ends on start with their
 * default action and unblocked, whatever this test inherited, or SIGINT
 * ignored with ignore_int; no core file (SIGQUIT's, SIGXCPU's default).
 * Returns the child's pid. */
static pid_t start_framer(char *const argv[], bool ignore_int)
{
	pid_t pid = fork();
	if (pid == 0) {
		FILE *null = freopen("/dev/null", "w", stdout);
		(void)null;
		null = freopen("/dev/null", "w", stderr);
		(void)null;
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		sigset_t set;
		sigemptyset(&set);
		for (size_t i = 0; i < by_ending.n; i++) {
			signal(by_ending.sig[i], SIG_DFL);
			sigaddset(&set, by_ending.sig[i]);
		}
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		if (ignore_int)
			signal(SIGINT, SIG_IGN);
		execv(FR_FRAMER, argv);
		_exit(127);
	}
	return pid;
}

/* Sends sig to pid (it may have finished already) and reaps it: its wait status. */
static int kill_and_reap(pid_t pid, int sig)
{
	kill(pid, sig);
	int st;
	waitpid(pid, &st, 0);
	return st;
}

/* Kill point k of kill_points: spread over the length of a full run; the
 * last one lets the run finish, so both outcomes are always exercised.
 * Returns the run's wait status. */
static int kill_at_point(pid_t pid, int k, double full, int sig)
{
	if (k == kill_points - 1) {
		int st;
		waitpid(pid, &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		return st;
	}
	sleep_seconds(full * k / (kill_points - 1));
	return kill_and_reap(pid, sig);
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
 * sends it sig. Returns 1 when the entry was seen while pid still ran; its
 * wait status goes to *st. */
static int kill_when(pid_t pid, const char *parent, const char *prefix, const char *inner, int sig, int *st)
{
	double end = now_seconds() + 60;
	int seen = 0;
	while (now_seconds() < end) {
		if (has_entry(parent, prefix, inner)) {
			seen = 1;
			break;
		}
		if (waitpid(pid, st, WNOHANG) == pid)
			return 0;
		sleep_seconds(0.0002);
	}
	*st = kill_and_reap(pid, sig);
	return seen;
}

/* Fails when dir holds a hidden temporary, .NAME.tmp-XXXXXX. */
static void assert_no_temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-") != NULL)
			fail_msg("%s/%s left behind", dir, e->d_name);
	closedir(d);
}

/* After a run was sent sig: for SIGKILL nothing more to check; for the
 * others, that it ended by sig, or had finished (exit 0, its result in
 * place) before sig came, and left no temporary in dirs. Returns 1 when it
 * ended by sig. */
static int check_ending(int st, int sig, int finished, const char *const dirs[], size_t n_dirs)
{
	if (sig == SIGKILL)
		return 1;
	for (size_t i = 0; i < n_dirs; i++)
		assert_no_temporaries(dirs[i]);
	if (WIFSIGNALED(st)) {
		assert_int_equal(WTERMSIG(st), sig);
		return 1;
	}
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0 && finished);
	return 0;
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

/* big.csv and ref_new, the bundle a full run on it makes (once): into big
 * and model_dir, models the paths of big.csv, models/m and models/. */
static void train_reference(char *big, char *model_dir, char *models, size_t size)
{
	snprintf(big, size, "%s/big.csv", tmp);
	snprintf(model_dir, size, "%s/models/m", tmp);
	snprintf(models, size, "%s/models", tmp);
	if (train_full > 0)
		return;
	write_big_training_csv(big);
	/* One full run gives the new bundle and the length of a run. */
	double t0 = now_seconds();
	assert_int_equal(run("%s train --data %s --model %s/ref_new --quiet", FR_FRAMER, big, tmp), 0);
	train_full = now_seconds() - t0;
	assert_int_not_equal(run("diff -r -q %s/ref_old %s/ref_new >/dev/null", tmp, tmp), 0);
}

/* Ends train runs over the old bundle with sigs's signals in turn at the
 * kill points, then at the moments the temporary bundle folder exists and its
 * model.json is written (all files done, not yet renamed). */
static void train_and_end(const signals_t *sigs)
{
	char big[512], model_dir[512], models[512];
	train_reference(big, model_dir, models, sizeof(big));
	char *argv[] = { "framer", "train", "--data", big, "--model", model_dir, "--quiet", NULL };
	const char *const dirs[] = { models, model_dir };

	int kept_old = 0, got_new = 0, seen = 0, ended = 0;
	for (int k = 0; k < kill_points + 2; k++) {
		int sig = sigs->sig[(size_t)k % sigs->n], st;
		assert_int_equal(run("rm -rf %s/models/m %s/models/.m.tmp-* && cp -a %s/ref_old %s/models/m",
		                     tmp, tmp, tmp, tmp), 0);
		pid_t pid = start_framer(argv, false);
		assert_true(pid > 0);
		if (k == kill_points)
			seen += kill_when(pid, models, ".m.tmp-", NULL, sig, &st);
		else if (k == kill_points + 1)
			seen += kill_when(pid, models, ".m.tmp-", "model.json", sig, &st);
		else
			st = kill_at_point(pid, k, train_full, sig);
		int new = check_bundle();
		got_new += new;
		kept_old += !new;
		ended += check_ending(st, sig, new, dirs, 2);
	}
	print_message("train, %s: %d ends kept the old bundle, %d found the new one; "
	              "%d of 2 caught the temporary bundle\n", sigs->name, kept_old, got_new, seen);
	/* Ends at the start keep the old bundle; the last ones let the run finish. */
	assert_true(kept_old >= 1);
	assert_true(got_new >= 1);
	assert_true(ended >= 1);
}

static void test_kill__train_never_loses_the_bundle(void **state)
{
	(void)state;
	train_and_end(&by_sigkill);
	/* Training again after all those kills still works. */
	char big[512], model_dir[512], models[512];
	train_reference(big, model_dir, models, sizeof(big));
	assert_int_equal(run("%s train --data %s --model %s --quiet", FR_FRAMER, big, model_dir), 0);
	assert_int_equal(run("diff -r %s %s/ref_new >/dev/null", model_dir, tmp), 0);
}

static void test_kill__train_signals_leave_no_temporaries(void **state)
{
	(void)state;
	train_and_end(&by_ending);
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

/* batch.csv, and ref_out_old and ref_out_new, the outputs of the example
 * batch and of batch.csv (once): into batch and out, the paths of
 * batch.csv and out/. */
static void classify_reference(char *batch, char *out, size_t size)
{
	snprintf(batch, size, "%s/batch.csv", tmp);
	snprintf(out, size, "%s/out", tmp);
	if (classify_full > 0)
		return;
	/* A batch of a few thousand paragraphs: the training texts, repeated. */
	write_big_training_csv(batch);
	assert_int_equal(run("%s classify --model %s/ref_old --out %s/ref_out_old --quiet %s/data/batches/example",
	                     FR_FRAMER, tmp, tmp, FR_SOURCE_DIR), 0);
	double t0 = now_seconds();
	assert_int_equal(run("%s classify --model %s/ref_old --out %s/ref_out_new --threads 1 --quiet %s",
	                     FR_FRAMER, tmp, tmp, batch), 0);
	classify_full = now_seconds() - t0;
}

/* Ends classify runs over the old outputs with sigs's signals in turn at
 * the kill points, then at the moments the temporary labels file appears and the
 * last temporary (summary.json's) does. threads is --threads. */
static void classify_and_end(const signals_t *sigs, const char *threads)
{
	char batch[512], out[512];
	classify_reference(batch, out, sizeof(batch));
	char model_dir[512], ref_old[512], ref_new[512];
	snprintf(model_dir, sizeof(model_dir), "%s/ref_old", tmp);
	snprintf(ref_old, sizeof(ref_old), "%s/ref_out_old", tmp);
	snprintf(ref_new, sizeof(ref_new), "%s/ref_out_new", tmp);
	char *argv[] = { "framer", "classify", "--model", model_dir, "--out", out,
	                 "--threads", (char *)threads, "--quiet", batch, NULL };
	const char *const dirs[] = { out };
	int kept_old = 0, got_new = 0, seen = 0, ended = 0;
	for (int k = 0; k < kill_points + 2; k++) {
		int sig = sigs->sig[(size_t)k % sigs->n], st;
		assert_int_equal(run("rm -rf %s && cp -a %s %s", out, ref_old, out), 0);
		pid_t pid = start_framer(argv, false);
		assert_true(pid > 0);
		if (k == kill_points)
			seen += kill_when(pid, out, ".labels.jsonl.tmp-", NULL, sig, &st);
		else if (k == kill_points + 1)
			seen += kill_when(pid, out, ".summary.json.tmp-", NULL, sig, &st);
		else
			st = kill_at_point(pid, k, classify_full, sig);
		int new = check_outputs(out, ref_old, ref_new) == 2;
		got_new += new;
		kept_old += !new;
		ended += check_ending(st, sig, new, dirs, 1);
	}
	print_message("classify, %s: %d ends kept the old outputs, %d found the new ones; "
	              "%d of 2 caught a temporary\n", sigs->name, kept_old, got_new, seen);
	assert_true(kept_old >= 1);
	assert_true(got_new >= 1);
	assert_true(ended >= 1);
}

static void test_kill__classify_never_loses_outputs(void **state)
{
	(void)state;
	classify_and_end(&by_sigkill, "1");
}

/* On two threads too: a signal may reach a worker rather than the thread
 * that writes. */
static void test_kill__classify_signals_leave_no_temporaries(void **state)
{
	(void)state;
	classify_and_end(&by_ending, "1");
	classify_and_end(&by_ending, "2");
}

/* A SIGINT that whoever started framer ignores (nohup, a script's
 * background job) does not end the run. */
static void test_kill__classify_keeps_an_ignored_sigint(void **state)
{
	(void)state;
	char batch[512], out[512];
	classify_reference(batch, out, sizeof(batch));
	char model_dir[512];
	snprintf(model_dir, sizeof(model_dir), "%s/ref_old", tmp);
	char *argv[] = { "framer", "classify", "--model", model_dir, "--out", out,
	                 "--threads", "1", "--quiet", batch, NULL };
	assert_int_equal(run("rm -rf %s && cp -a %s/ref_out_old %s", out, tmp, out), 0);
	pid_t pid = start_framer(argv, true);
	assert_true(pid > 0);
	int st;
	kill_when(pid, out, ".labels.jsonl.tmp-", NULL, SIGINT, &st);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(run("diff -r %s %s/ref_out_new >/dev/null", out, tmp), 0);
}

/* Runs argv with the ending signals in turn at every other kill point, and
 * once when a temporary named tmp_prefix appears in tmp_parent. made is the
 * first folder the run makes (none of it there before), done the file a
 * finished run has put in place: an end by a signal leaves no made folder
 * behind, unless its output was in place already. */
static void end_in_new_folders(const char *what, char *argv[], const char *made, const char *done,
                               const char *tmp_parent, const char *tmp_prefix, double full)
{
	int ended = 0, finished = 0, seen = 0;
	/* kill_points is even: the last odd point lets the run finish. */
	for (int k = 1; k <= kill_points + 1; k += 2) {
		int sig = by_ending.sig[(size_t)(k / 2) % by_ending.n], st;
		assert_int_equal(run("rm -rf %s", made), 0);
		pid_t pid = start_framer(argv, false);
		assert_true(pid > 0);
		if (k < kill_points)
			st = kill_at_point(pid, k, full, sig);
		else
			seen += kill_when(pid, tmp_parent, tmp_prefix, NULL, sig, &st);
		if (WIFSIGNALED(st)) {
			assert_int_equal(WTERMSIG(st), sig);
			if (access(made, F_OK) == 0 && access(done, F_OK) != 0)
				fail_msg("%s, ended by signal %d: %s left behind", what, sig, made);
			ended++;
		} else {
			assert_int_equal(access(done, F_OK), 0);
			finished++;
		}
	}
	print_message("%s into new folders: %d ended by a signal, %d finished; %d of 1 caught a temporary\n",
	              what, ended, finished, seen);
	assert_true(ended >= 1);
	assert_true(finished >= 1);
}

/* The folders a run makes for --out or --model (and their parents) go with
 * it when a signal ends it, as when it fails. */
static void test_kill__signals_take_away_made_folders(void **state)
{
	(void)state;
	char big[512], model_dir[512], models[512], batch[512], out[512];
	train_reference(big, model_dir, models, sizeof(big));
	classify_reference(batch, out, sizeof(batch));
	char made[512], new_models[512], new_model[600], new_out[512], done[700], ref_old[512];
	snprintf(made, sizeof(made), "%s/new", tmp);
	snprintf(new_models, sizeof(new_models), "%s/new/models", tmp);
	snprintf(new_model, sizeof(new_model), "%s/m", new_models);
	snprintf(new_out, sizeof(new_out), "%s/new/out/batch", tmp);
	snprintf(ref_old, sizeof(ref_old), "%s/ref_old", tmp);
	char *train_argv[] = { "framer", "train", "--data", big, "--model", new_model, "--quiet", NULL };
	snprintf(done, sizeof(done), "%s/model.json", new_model);
	end_in_new_folders("train", train_argv, made, done, new_models, ".m.tmp-", train_full);
	char *classify_argv[] = { "framer", "classify", "--model", ref_old, "--out", new_out,
	                          "--threads", "1", "--quiet", batch, NULL };
	snprintf(done, sizeof(done), "%s/summary.json", new_out);
	end_in_new_folders("classify", classify_argv, made, done, new_out, ".labels.jsonl.tmp-", classify_full);
}

/* Past a file size limit (ulimit -f), SIGXFSZ at its default action as a
 * shell leaves it: exit 4 naming the file, as on a full disk, not death by
 * SIGXFSZ; the previous bundle and outputs as they were, no temporary
 * behind. */
static void test_kill__file_size_limit_is_an_error(void **state)
{
	(void)state;
	char batch[512], out[512], dir[512];
	classify_reference(batch, out, sizeof(batch));
	snprintf(dir, sizeof(dir), "%s/fsize", tmp);
	snprintf(out, sizeof(out), "%s/fsize/out", tmp);
	assert_int_equal(run("rm -rf %s && mkdir %s && cp -a %s/ref_old %s/m && cp -a %s/ref_out_old %s",
	                     dir, dir, tmp, dir, tmp, out), 0);
	void (*saved)(int) = signal(SIGXFSZ, SIG_DFL);
	int train = run("ulimit -f 1; %s train --data %s/data/labeled/train.csv --model %s/m --quiet 2>%s/train.err",
	                FR_FRAMER, FR_SOURCE_DIR, dir, dir);
	int classify = run("ulimit -f 1; %s classify --model %s/ref_old --out %s --quiet %s 2>%s/classify.err",
	                   FR_FRAMER, tmp, out, batch, dir);
	signal(SIGXFSZ, saved);
	assert_int_equal(train, 4);
	assert_int_equal(classify, 4);
	assert_int_equal(run("grep -q '/fsize/m/.*: File too large$' %s/train.err", dir), 0);
	assert_int_equal(run("grep -q '/fsize/out/labels.jsonl: .*File too large$' %s/classify.err",
	                     dir), 0);
	assert_int_equal(run("diff -r %s/m %s/ref_old >/dev/null", dir, tmp), 0);
	assert_int_equal(run("diff -r %s %s/ref_out_old >/dev/null", out, tmp), 0);
	assert_no_temporaries(dir);
	assert_no_temporaries(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill__train_never_loses_the_bundle),
		cmocka_unit_test(test_kill__classify_never_loses_outputs),
		cmocka_unit_test(test_kill__train_signals_leave_no_temporaries),
		cmocka_unit_test(test_kill__classify_signals_leave_no_temporaries),
		cmocka_unit_test(test_kill__classify_keeps_an_ignored_sigint),
		cmocka_unit_test(test_kill__signals_take_away_made_folders),
		cmocka_unit_test(test_kill__file_size_limit_is_an_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
