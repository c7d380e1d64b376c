/* Bad input, end to end: the real framer program on every case folder of
 * tests/fixtures/bad/ (see its README.md for the case file format). Each
 * case runs in a fresh folder under /tmp; the runner checks the exit code,
 * that a failed run prints exactly one "framer: " line (besides the
 * "(skipped)" reports of what it refused before failing) and leaves no file
 * behind, the expected pieces of standard error, the counts in
 * summary.json, and that nothing was written outside the output folder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "test_util.h"

#ifndef FR_FRAMER
#error "FR_FRAMER (path of the framer program) must be defined"
#endif
#ifndef FR_SOURCE_DIR
#error "FR_SOURCE_DIR must be defined"
#endif

#define CASES_DIR FR_SOURCE_DIR "/tests/fixtures/bad"
#define MIN_CASES 40
#define MAX_WORDS 32
#define MAX_ITEMS 16
#define PATH_SIZE 1024
/* Paths made from a PATH_SIZE one and a short name. */
#define LONG_PATH (PATH_SIZE + 64)
/* Who framer runs as when root must be kept from reading mode-000 files. */
#define NOBODY "65534"

/* One "key: value" directive that prepares the case folder. */
typedef struct {
	char key[32];
	char *value;
} action;

typedef struct {
	char name[256];              /* the case folder's name */
	char error[512];             /* why the case file is malformed; "" when it is not */
	char *about;
	char *run[MAX_WORDS];        /* framer's arguments, placeholders unexpanded */
	size_t n_run;
	int exit_code;
	char *stderr_has[MAX_ITEMS]; /* pieces standard error must hold */
	size_t n_stderr;
	long labeled, bad_records, bad_files, empty, reported, stdout_lines; /* -1: not checked */
	long fsize;                  /* framer's file size limit in bytes, -1: none */
	char *stdin_file, *stdout_file, *out, *cwd, *out_files;
	action actions[MAX_ITEMS];
	size_t n_actions;
	int copy_model;              /* a model-* action: the case gets its own copy */
	int unprivileged;            /* unreadable or readonly: run framer as nobody when root */

	/* Set while the case runs: the case's folder, under base, and what is in it. */
	char root[600];
	char case_dir[PATH_SIZE], cwd_dir[PATH_SIZE], out_dir[PATH_SIZE], model_dir[PATH_SIZE];
} bad_case;

/* The folder every case runs under, and the model trained for them. */
static char base[256];
static char shared_model[300];

/* ---- small helpers ------------------------------------------------------- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Copies what comes through fd to the file at path, to the end. */
static int drain_to_file(int fd, const char *path)
{
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char buf[4096];
	ssize_t got;
	int rc = out < 0 ? -1 : 0;
	while ((got = read(fd, buf, sizeof(buf))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 || (out >= 0 && write(out, buf, (size_t)got) != got)) {
			rc = -1;
			if (got < 0)
				break;
		}
	}
	if (out >= 0 && close(out) != 0)
		rc = -1;
	return rc;
}

/* Runs argv (a program found on PATH) with its standard streams from and to
 * the given files (NULL: /dev/null, and stderr inherited), in cwd (NULL:
 * here), its files limited to fsize bytes (-1: no limit; SIGXFSZ ignored,
 * so a write past it fails with EFBIG as on a full disk, with no mount).
 * Under a limit, standard error comes through a pipe, which the limit does
 * not cut short, into err. Returns its exit code, 128 + the signal that
 * killed it, or -1. */
static int spawn(char *const argv[], const char *cwd, const char *in, const char *out,
                 const char *err, long fsize)
{
	int err_pipe[2] = { -1, -1 };
	if (fsize >= 0 && err && pipe(err_pipe) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd_in = open(in ? in : "/dev/null", O_RDONLY);
		int fd_out = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int fd_err = err_pipe[1] >= 0 ? err_pipe[1]
		           : err ? open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644) : STDERR_FILENO;
		if (fd_in < 0 || fd_out < 0 || fd_err < 0 || dup2(fd_in, STDIN_FILENO) < 0 ||
		    dup2(fd_out, STDOUT_FILENO) < 0 || dup2(fd_err, STDERR_FILENO) < 0 ||
		    (cwd && chdir(cwd) != 0))
			_exit(126);
		if (err_pipe[0] >= 0)
			close(err_pipe[0]);
		if (fsize >= 0) {
			struct rlimit lim = { (rlim_t)fsize, (rlim_t)fsize };
			if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR || setrlimit(RLIMIT_FSIZE, &lim) != 0)
				_exit(126);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	int drained = 0;
	if (err_pipe[0] >= 0) {
		close(err_pipe[1]);
		drained = drain_to_file(err_pipe[0], err);
		close(err_pipe[0]);
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (drained != 0)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static void must_run(char *const argv[])
{
	int rc = spawn(argv, NULL, NULL, NULL, NULL, -1);
	if (rc != 0)
		fail_msg("%s %s ... exited %d", argv[0], argv[1], rc);
}

/* Replaces {case}, {model}, {out} and {cwd} in word; -1 for an unknown
 * placeholder or a result that does not fit. */
static int expand(const bad_case *c, const char *word, char *buf, size_t size)
{
	static const char *const names[] = { "{case}", "{model}", "{out}", "{cwd}" };
	const char *values[] = { c->case_dir, c->model_dir, c->out_dir, c->cwd_dir };
	size_t n = 0;
	while (*word) {
		const char *value = NULL;
		size_t skip = 1;
		if (*word == '{') {
			for (size_t i = 0; i < 4 && value == NULL; i++)
				if (strncmp(word, names[i], strlen(names[i])) == 0) {
					value = values[i];
					skip = strlen(names[i]);
				}
			if (value == NULL)
				return -1;
		}
		size_t len = value ? strlen(value) : 1;
		if (n + len + 1 > size)
			return -1;
		memcpy(buf + n, value ? value : word, len);
		n += len;
		word += skip;
	}
	buf[n] = '\0';
	return 0;
}

/* ---- the case file ------------------------------------------------------- */

static int case_error(bad_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int case_error(bad_case *c, const char *fmt, ...)
{
	if (c->error[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->error, sizeof(c->error), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int parse_count(bad_case *c, const char *key, const char *value, long *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < 0)
		return case_error(c, "%s: '%s' is not a count", key, value);
	*out = v;
	return 0;
}

static const char *const action_keys[] = {
	"fill", "mkdir", "unreadable", "readonly",
	"model-copy", "model-remove", "model-truncate", "model-alter", "model-json", "model-unreadable", NULL
};

static int parse_line(bad_case *c, char *key, char *value)
{
	char *dup = strdup(value);
	if (dup == NULL)
		return case_error(c, "out of memory");
	if (strcmp(key, "about") == 0) {
		c->about = dup;
		return 0;
	}
	if (strcmp(key, "run") == 0) {
		char *save = NULL;
		c->n_run = 0;
		for (char *w = strtok_r(dup, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			if (c->n_run == MAX_WORDS)
				return case_error(c, "run: more than %d words", MAX_WORDS);
			c->run[c->n_run++] = strdup(w);
		}
		free(dup);
		return c->n_run ? 0 : case_error(c, "run: no arguments");
	}
	if (strcmp(key, "stderr") == 0) {
		if (c->n_stderr == MAX_ITEMS)
			return case_error(c, "more than %d stderr lines", MAX_ITEMS);
		c->stderr_has[c->n_stderr++] = dup;
		return 0;
	}
	char **slot = strcmp(key, "stdin") == 0 ? &c->stdin_file
	            : strcmp(key, "stdout") == 0 ? &c->stdout_file
	            : strcmp(key, "out") == 0 ? &c->out
	            : strcmp(key, "cwd") == 0 ? &c->cwd
	            : strcmp(key, "out-files") == 0 ? &c->out_files : NULL;
	if (slot != NULL) {
		free(*slot);
		*slot = dup;
		return 0;
	}
	for (size_t i = 0; action_keys[i]; i++) {
		if (strcmp(key, action_keys[i]) != 0)
			continue;
		if (c->n_actions == MAX_ITEMS)
			return case_error(c, "more than %d actions", MAX_ITEMS);
		snprintf(c->actions[c->n_actions].key, sizeof(c->actions[0].key), "%s", key);
		c->actions[c->n_actions++].value = dup;
		c->copy_model |= strncmp(key, "model-", 6) == 0;
		c->unprivileged |= strcmp(key, "unreadable") == 0 || strcmp(key, "readonly") == 0 ||
		                   strcmp(key, "model-unreadable") == 0;
		return 0;
	}
	free(dup);
	long *count = strcmp(key, "exit") == 0 ? NULL
	            : strcmp(key, "labeled") == 0 ? &c->labeled
	            : strcmp(key, "bad-records") == 0 ? &c->bad_records
	            : strcmp(key, "bad-files") == 0 ? &c->bad_files
	            : strcmp(key, "empty") == 0 ? &c->empty
	            : strcmp(key, "reported") == 0 ? &c->reported
	            : strcmp(key, "stdout-lines") == 0 ? &c->stdout_lines
	            : strcmp(key, "fsize") == 0 ? &c->fsize : NULL;
	if (strcmp(key, "exit") == 0) {
		long v = 0;
		if (parse_count(c, key, value, &v) < 0 || v > 4)
			return case_error(c, "exit: '%s' is not an exit code from 0 to 4", value);
		c->exit_code = (int)v;
		return 0;
	}
	if (count == NULL)
		return case_error(c, "unknown key '%s'", key);
	return parse_count(c, key, value, count);
}

/* Reads and checks CASES_DIR/<name>/case; c->error says what is wrong. */
static void parse_case(bad_case *c, const char *name)
{
	char path[PATH_SIZE];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->exit_code = -1;
	c->labeled = c->bad_records = c->bad_files = c->empty = c->reported = c->stdout_lines = c->fsize = -1;
	snprintf(path, sizeof(path), "%s/%s/case", CASES_DIR, name);
	char *text = test_read_file(path, NULL);
	if (text == NULL) {
		case_error(c, "no case file (%s)", path);
		return;
	}
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *colon = strchr(s, ':');
		if (colon == NULL) {
			case_error(c, "case: '%s' is not 'key: value'", s);
			break;
		}
		*colon = '\0';
		if (parse_line(c, trim(s), trim(colon + 1)) < 0)
			break;
	}
	free(text);
	if (c->error[0])
		return;
	if (c->about == NULL || c->n_run == 0 || c->exit_code < 0) {
		case_error(c, "case: 'about', 'run' and 'exit' are required");
		return;
	}
	/* Every placeholder must be known. */
	char buf[PATH_SIZE];
	snprintf(c->case_dir, sizeof(c->case_dir), "c");
	snprintf(c->model_dir, sizeof(c->model_dir), "m");
	snprintf(c->out_dir, sizeof(c->out_dir), "o");
	snprintf(c->cwd_dir, sizeof(c->cwd_dir), "w");
	for (size_t i = 0; i < c->n_run; i++)
		if (expand(c, c->run[i], buf, sizeof(buf)) < 0)
			case_error(c, "run: unknown placeholder in '%s'", c->run[i]);
	for (size_t i = 0; i < c->n_stderr; i++)
		if (expand(c, c->stderr_has[i], buf, sizeof(buf)) < 0)
			case_error(c, "stderr: unknown placeholder in '%s'", c->stderr_has[i]);
	for (size_t i = 0; i < c->n_actions; i++)
		if (expand(c, c->actions[i].value, buf, sizeof(buf)) < 0)
			case_error(c, "%s: unknown placeholder in '%s'", c->actions[i].key, c->actions[i].value);
	if ((c->labeled >= 0 || c->bad_records >= 0 || c->bad_files >= 0 || c->empty >= 0) &&
	    c->exit_code != 0)
		case_error(c, "summary counts are only checked for runs that exit 0");
}

static void free_case(bad_case *c)
{
	free(c->about);
	for (size_t i = 0; i < c->n_run; i++)
		free(c->run[i]);
	for (size_t i = 0; i < c->n_stderr; i++)
		free(c->stderr_has[i]);
	for (size_t i = 0; i < c->n_actions; i++)
		free(c->actions[i].value);
	free(c->stdin_file);
	free(c->stdout_file);
	free(c->out);
	free(c->cwd);
	free(c->out_files);
}

/* ---- what is on disk ----------------------------------------------------- */

typedef struct {
	char **items;
	size_t n, cap;
} strlist;

static void strlist_add(strlist *l, const char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = realloc(l->items, l->cap * sizeof(*l->items));
		assert_non_null(l->items);
	}
	l->items[l->n] = strdup(s);
	assert_non_null(l->items[l->n]);
	l->n++;
}

static void strlist_free(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strlist_sort(strlist *l)
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), cmp_str);
}

/* Whether dir is the folder that holds path. */
static int is_parent(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	return strncmp(dir, path, n) == 0 && path[n] == '/' && strchr(path + n + 1, '/') == NULL;
}

/* Every entry under path but `skip`: its name, type, size and change time,
 * so a file written, added or removed shows up (a file made and removed
 * again changes its folder's time). The folder that holds `skip` changes
 * when framer creates it, so its time is left out. */
static void snapshot_walk(strlist *l, const char *path, const char *skip)
{
	struct stat st;
	char line[PATH_SIZE + 96];
	if (strcmp(path, skip) == 0 || lstat(path, &st) != 0)
		return;
	if (is_parent(path, skip))
		snprintf(line, sizeof(line), "%s mode %o", path, (unsigned)st.st_mode);
	else
		snprintf(line, sizeof(line), "%s mode %o size %lld mtime %lld.%09ld", path, (unsigned)st.st_mode,
		         (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	strlist_add(l, line);
	if (!S_ISDIR(st.st_mode))
		return;
	DIR *d = opendir(path);
	if (d == NULL)
		return; /* a folder the case made unreadable: its own entry is enough */
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char child[PATH_SIZE];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (test_path(child, sizeof(child), path, e->d_name) == 0)
			snapshot_walk(l, child, skip);
	}
	closedir(d);
}

static void snapshot(strlist *l, const bad_case *c)
{
	snapshot_walk(l, c->root, c->out_dir);
	snapshot_walk(l, shared_model, c->out_dir);
	strlist_sort(l);
}

/* The regular files under dir, as paths relative to it, sorted. */
static void files_walk(strlist *l, const char *dir, const char *rel)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_SIZE], name[PATH_SIZE];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(name, sizeof(name), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		if (test_path(path, sizeof(path), dir, e->d_name) != 0 || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			size_t before = l->n;
			files_walk(l, path, name);
			/* An empty folder is listed too ("a/"): a run may leave one. */
			if (l->n == before) {
				strcat(name, "/");
				strlist_add(l, name);
			}
		} else {
			strlist_add(l, name);
		}
	}
	closedir(d);
}

static char *files_under(const char *dir)
{
	strlist l = { 0 };
	files_walk(&l, dir, "");
	strlist_sort(&l);
	size_t len = 1;
	for (size_t i = 0; i < l.n; i++)
		len += strlen(l.items[i]) + 1;
	char *s = calloc(1, len);
	assert_non_null(s);
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, l.items[i]);
	}
	strlist_free(&l);
	return s;
}

/* The same names as a space-separated list, in any order. */
static char *sorted_words(const char *list)
{
	strlist l = { 0 };
	char *dup = strdup(list), *save = NULL;
	assert_non_null(dup);
	for (char *w = strtok_r(dup, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		strlist_add(&l, w);
	free(dup);
	strlist_sort(&l);
	char *s = calloc(1, strlen(list) + 2);
	assert_non_null(s);
	for (size_t i = 0; i < l.n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, l.items[i]);
	}
	strlist_free(&l);
	return s;
}

/* ---- preparing a case ---------------------------------------------------- */

/* Writes the file with its "@FILL@" replaced by mb MiB of words on one line. */
static void fill_file(const char *path, long mb)
{
	char *text = test_read_file(path, NULL);
	if (text == NULL)
		fail_msg("fill: cannot read %s", path);
	char *mark = strstr(text, "@FILL@");
	if (mark == NULL)
		fail_msg("fill: no @FILL@ in %s", path);
	static const char words[] = "peace talks and a ceasefire now say officials in Kyiv and Moscow ";
	size_t chunk = (size_t)1 << 20;
	char *buf = malloc(chunk);
	assert_non_null(buf);
	for (size_t i = 0; i < chunk; i++)
		buf[i] = words[i % (sizeof(words) - 1)];
	buf[chunk - 1] = ' ';
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fwrite(text, 1, (size_t)(mark - text), fp);
	for (long i = 0; i < mb; i++)
		assert_int_equal(fwrite(buf, 1, chunk, fp), chunk);
	fputs(mark + 6, fp);
	assert_int_equal(fclose(fp), 0);
	free(buf);
	free(text);
}

static void edit_model(const bad_case *c, const char *key, const char *value)
{
	char file[256], path[LONG_PATH];
	long n = 0;
	if (strcmp(key, "model-copy") == 0)
		return; /* the copy as it is, for a run that must leave it so */
	if (sscanf(value, "%255s", file) != 1 || test_path(path, sizeof(path), c->model_dir, file) != 0)
		fail_msg("%s: no file named in '%s'", key, value);
	if (strcmp(key, "model-unreadable") == 0) {
		return; /* chmod comes after the case is handed to nobody */
	} else if (strcmp(key, "model-remove") == 0) {
		assert_int_equal(unlink(path), 0);
	} else if (strcmp(key, "model-truncate") == 0) {
		if (sscanf(value, "%*s %ld", &n) != 1)
			fail_msg("model-truncate: no size in '%s'", value);
		assert_int_equal(truncate(path, n), 0);
	} else if (strcmp(key, "model-alter") == 0) {
		/* One byte in the middle changes; the size stays. */
		size_t len = 0;
		char *data = test_read_file(path, &len);
		assert_non_null(data);
		assert_true(len > 2);
		data[len / 2] ^= 0x01;
		assert_int_equal(test_write_file(path, data, len), 0);
		free(data);
	} else { /* model-json: a key of model.json (a.b: b inside object a) set to a JSON value */
		char key_name[64];
		const char *json = value;
		if (sscanf(value, "%63s", key_name) != 1)
			fail_msg("model-json: no key in '%s'", value);
		json += strlen(key_name);
		json_error_t jerr;
		json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
		if (v == NULL)
			fail_msg("model-json: '%s' is not JSON: %s", json, jerr.text);
		test_path(path, sizeof(path), c->model_dir, "model.json");
		json_t *m = json_load_file(path, 0, &jerr);
		assert_non_null(m);
		json_t *parent = m;
		char *leaf = key_name, *dot;
		while ((dot = strchr(leaf, '.')) != NULL) {
			*dot = '\0';
			parent = json_object_get(parent, leaf);
			if (!json_is_object(parent))
				fail_msg("model-json: model.json has no object '%s'", leaf);
			leaf = dot + 1;
		}
		json_object_set_new(parent, leaf, v);
		assert_int_equal(json_dump_file(m, path, JSON_INDENT(1)), 0);
		json_decref(m);
	}
}

static int running_as_root(void)
{
	return geteuid() == 0;
}

static const char *setpriv_path(void)
{
	static const char *const places[] = { "/usr/bin/setpriv", "/bin/setpriv", NULL };
	for (size_t i = 0; places[i]; i++)
		if (access(places[i], X_OK) == 0)
			return places[i];
	return NULL;
}

/* The path an unreadable or model-unreadable action takes away: the
 * expanded value, or that file of the case's own model copy. */
static const char *made_unreadable(const bad_case *c, const action *a, char *buf, size_t size)
{
	if (strcmp(a->key, "model-unreadable") != 0)
		return buf;
	char file[256];
	if (sscanf(a->value, "%255s", file) != 1 || test_path(buf, size, c->model_dir, file) != 0)
		fail_msg("model-unreadable: no file named in '%s'", a->value);
	return buf;
}

static void prepare(bad_case *c)
{
	char src[PATH_SIZE], buf[PATH_SIZE];
	snprintf(c->root, sizeof(c->root), "%s/%s", base, c->name);
	snprintf(c->case_dir, sizeof(c->case_dir), "%s/case", c->root);
	snprintf(c->cwd_dir, sizeof(c->cwd_dir), "%s/cwd", c->root);
	snprintf(c->out_dir, sizeof(c->out_dir), "%s/out", c->root);
	snprintf(c->model_dir, sizeof(c->model_dir), "%s", shared_model);
	snprintf(src, sizeof(src), "%s/%s", CASES_DIR, c->name);
	assert_int_equal(mkdir(c->root, 0755), 0);
	assert_int_equal(mkdir(c->cwd_dir, 0755), 0);
	{
		char *cp[] = { "cp", "-R", src, c->case_dir, NULL };
		must_run(cp);
	}
	if (c->copy_model) {
		snprintf(c->model_dir, sizeof(c->model_dir), "%s/model", c->root);
		char *cp[] = { "cp", "-R", shared_model, c->model_dir, NULL };
		must_run(cp);
	}
	/* {out} and {cwd} may be moved by the case itself. */
	if (c->cwd) {
		assert_int_equal(expand(c, c->cwd, buf, sizeof(buf)), 0);
		snprintf(c->cwd_dir, sizeof(c->cwd_dir), "%s", buf);
	}
	if (c->out) {
		assert_int_equal(expand(c, c->out, buf, sizeof(buf)), 0);
		snprintf(c->out_dir, sizeof(c->out_dir), "%s", buf);
	}
	for (size_t i = 0; i < c->n_actions; i++) {
		const action *a = &c->actions[i];
		assert_int_equal(expand(c, a->value, buf, sizeof(buf)), 0);
		if (strcmp(a->key, "fill") == 0) {
			char file[PATH_SIZE];
			long mb = 0;
			if (sscanf(buf, "%1023s %ld", file, &mb) != 2)
				fail_msg("fill: want 'FILE MB', got '%s'", buf);
			fill_file(file, mb);
		} else if (strcmp(a->key, "mkdir") == 0) {
			assert_int_equal(mkdir(buf, 0755), 0);
		} else if (strncmp(a->key, "model-", 6) == 0) {
			edit_model(c, a->key, buf);
		}
	}
	if (c->unprivileged && running_as_root()) {
		/* Root reads mode-000 files: framer runs as nobody, who owns the case. */
		if (setpriv_path() == NULL)
			fail_msg("%s: needs setpriv (util-linux) to run framer as nobody", c->name);
		char *chown[] = { "chown", "-R", NOBODY ":" NOBODY, c->root, NULL };
		must_run(chown);
	}
	for (size_t i = 0; i < c->n_actions; i++) {
		const action *a = &c->actions[i];
		assert_int_equal(expand(c, a->value, buf, sizeof(buf)), 0);
		if (strcmp(a->key, "readonly") == 0) {
			if (mkdir(buf, 0755) != 0)
				assert_int_equal(errno, EEXIST);
			if (running_as_root())
				assert_int_equal(chown(buf, 65534, 65534), 0);
			assert_int_equal(chmod(buf, 0555), 0);
		} else if (strcmp(a->key, "unreadable") == 0 || strcmp(a->key, "model-unreadable") == 0) {
			assert_int_equal(chmod(made_unreadable(c, a, buf, sizeof(buf)), 0), 0);
		}
	}
}

/* Gives back what unreadable and readonly took, so the folder can go. */
static void restore(bad_case *c)
{
	char buf[PATH_SIZE];
	for (size_t i = 0; i < c->n_actions; i++) {
		const action *a = &c->actions[i];
		struct stat st;
		if ((strcmp(a->key, "readonly") != 0 && strcmp(a->key, "unreadable") != 0 &&
		     strcmp(a->key, "model-unreadable") != 0) ||
		    expand(c, a->value, buf, sizeof(buf)) != 0 ||
		    lstat(made_unreadable(c, a, buf, sizeof(buf)), &st) != 0)
			continue;
		chmod(buf, S_ISDIR(st.st_mode) ? 0755 : 0644);
	}
}

/* ---- running and checking ------------------------------------------------ */

static long count_lines(const char *path)
{
	size_t len = 0;
	char *s = test_read_file(path, &len);
	long n = 0;
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	free(s);
	return n;
}

static long summary_count(json_t *summary, const char *group, const char *key)
{
	json_t *v = json_object_get(group ? json_object_get(summary, group) : summary, key);
	if (!json_is_integer(v))
		fail_msg("summary.json has no %s%s%s", group ? group : "", group ? "." : "", key);
	return (long)json_integer_value(v);
}

static void check_count(const bad_case *c, const char *what, long want, long got)
{
	if (want >= 0 && want != got)
		fail_msg("%s: %s is %ld, want %ld", c->name, what, got, want);
}

static void check_stderr(const bad_case *c, const char *err, long skipped_want)
{
	size_t lines = 0;
	long skipped = 0;
	int skipped_line = 0;
	for (const char *line = err; *line;) {
		const char *end = strchr(line, '\n');
		if (end == NULL)
			fail_msg("%s: stderr does not end with a line end: %s", c->name, err);
		if (strncmp(line, "framer: ", 8) != 0)
			fail_msg("%s: stderr line %zu is not a 'framer: ' line: %.*s", c->name, lines + 1,
			         (int)(end - line), line);
		skipped_line = end - line >= 10 && strncmp(end - 10, " (skipped)", 10) == 0;
		skipped += skipped_line;
		lines += !skipped_line;
		line = end + 1;
	}
	/* A failed run says what is wrong in one line, after the records and
	 * files it skipped, if any (a run that skipped every one fails). */
	if (c->exit_code != 0 && lines != 1)
		fail_msg("%s: a failed run prints one line besides its '(skipped)' lines, not %zu:\n%s",
		         c->name, lines, err);
	for (size_t i = 0; i < c->n_stderr; i++) {
		char want[PATH_SIZE];
		assert_int_equal(expand(c, c->stderr_has[i], want, sizeof(want)), 0);
		if (strstr(err, want) == NULL)
			fail_msg("%s: stderr lacks '%s':\n%s", c->name, want, err);
	}
	check_count(c, "the number of '(skipped)' lines", skipped_want, skipped);
}

static void run_case(void **state)
{
	bad_case *c = *state;
	if (c->error[0])
		fail_msg("%s: malformed case: %s", c->name, c->error);
	prepare(c);

	char *argv[MAX_WORDS + 8];
	size_t n = 0;
	char words[MAX_WORDS][PATH_SIZE];
	if (c->unprivileged && running_as_root()) {
		argv[n++] = (char *)setpriv_path();
		argv[n++] = "--reuid=" NOBODY;
		argv[n++] = "--regid=" NOBODY;
		argv[n++] = "--clear-groups";
	}
	argv[n++] = FR_FRAMER;
	for (size_t i = 0; i < c->n_run; i++) {
		assert_int_equal(expand(c, c->run[i], words[i], sizeof(words[i])), 0);
		argv[n++] = words[i];
	}
	argv[n] = NULL;
	char in[PATH_SIZE] = "", out[PATH_SIZE], err_path[300];
	if (c->stdin_file)
		assert_int_equal(expand(c, c->stdin_file, in, sizeof(in)), 0);
	if (c->stdout_file)
		assert_int_equal(expand(c, c->stdout_file, out, sizeof(out)), 0);
	else
		snprintf(out, sizeof(out), "%s/io/stdout", base);
	snprintf(err_path, sizeof(err_path), "%s/io/stderr", base);

	strlist before = { 0 }, after = { 0 };
	snapshot(&before, c);
	int code = spawn(argv, c->cwd_dir, in[0] ? in : NULL, out, err_path, c->fsize);
	snapshot(&after, c);
	restore(c);

	char *err = test_read_file(err_path, NULL);
	assert_non_null(err);
	if (code != c->exit_code)
		fail_msg("%s: exit %d, want %d; stderr:\n%s", c->name, code, c->exit_code, err);

	/* Nothing changed outside the output folder: not the inputs, not the
	 * model, not the working directory. */
	size_t changes = 0;
	for (size_t i = 0, j = 0; i < before.n || j < after.n;) {
		int d = i == before.n ? 1 : j == after.n ? -1 : strcmp(before.items[i], after.items[j]);
		if (d == 0) {
			i++, j++;
			continue;
		}
		if (changes++ < 8)
			print_error("  %s %s\n", d < 0 ? "before:" : "after: ", d < 0 ? before.items[i] : after.items[j]);
		if (d < 0)
			i++;
		else
			j++;
	}
	if (changes > 0)
		fail_msg("%s: %zu entries changed outside %s (above)", c->name, changes, c->out_dir);
	strlist_free(&before);
	strlist_free(&after);

	char *files = files_under(c->out_dir);
	/* A failed run leaves no output behind, whole or partial. */
	if (c->exit_code != 0 && files[0] != '\0')
		fail_msg("%s: a failed run left files in %s: %s", c->name, c->out_dir, files);
	if (c->out_files) {
		char *want = sorted_words(c->out_files);
		if (strcmp(files, want) != 0)
			fail_msg("%s: the output folder holds '%s', want '%s'", c->name, files, want);
		free(want);
	}
	free(files);

	long skipped_want = c->reported;
	if (c->labeled >= 0 || c->bad_records >= 0 || c->bad_files >= 0 || c->empty >= 0) {
		char path[LONG_PATH];
		snprintf(path, sizeof(path), "%s/summary.json", c->out_dir);
		json_error_t jerr;
		json_t *summary = json_load_file(path, 0, &jerr);
		if (summary == NULL)
			fail_msg("%s: no summary.json: %s", c->name, jerr.text);
		long labeled = summary_count(summary, NULL, "paragraphs");
		long bad_records = summary_count(summary, "skipped", "bad_records");
		long bad_files = summary_count(summary, "skipped", "bad_files");
		check_count(c, "summary.json paragraphs", c->labeled, labeled);
		check_count(c, "summary.json skipped.bad_records", c->bad_records, bad_records);
		check_count(c, "summary.json skipped.bad_files", c->bad_files, bad_files);
		check_count(c, "summary.json skipped.empty", c->empty, summary_count(summary, "skipped", "empty"));
		/* Every skipped record and file was reported, and every line of
		 * labels.jsonl is a labeled paragraph. */
		if (skipped_want < 0)
			skipped_want = bad_records + bad_files;
		snprintf(path, sizeof(path), "%s/labels.jsonl", c->out_dir);
		if (access(path, F_OK) == 0)
			check_count(c, "the lines of labels.jsonl", labeled, count_lines(path));
		json_decref(summary);
	}
	check_stderr(c, err, skipped_want);
	if (c->stdout_lines >= 0)
		check_count(c, "the lines on stdout", c->stdout_lines, count_lines(out));
	free(err);
}

static int teardown_case(void **state)
{
	bad_case *c = *state;
	if (c->root[0] == '\0')
		return 0;
	restore(c);
	struct stat st;
	int rc = lstat(c->root, &st) == 0 ? test_rmtree(c->root) : 0;
	c->root[0] = '\0';
	return rc;
}

/* ---- the cases ----------------------------------------------------------- */

typedef struct {
	bad_case *cases;
	size_t n;
} case_set;

/* Every folder of tests/fixtures/bad is a case, and there are enough. */
static void test_bad__enough_well_formed_cases(void **state)
{
	const case_set *set = *state;
	size_t malformed = 0;
	for (size_t i = 0; i < set->n; i++)
		if (set->cases[i].error[0]) {
			print_error("%s: %s\n", set->cases[i].name, set->cases[i].error);
			malformed++;
		}
	assert_int_equal(malformed, 0);
	if (set->n < MIN_CASES)
		fail_msg("%zu cases in %s; at least %d are wanted", set->n, CASES_DIR, MIN_CASES);
}

static int setup_group(void **state)
{
	(void)state;
	char io[300];
	if (test_tmpdir(base, sizeof(base), "/tmp/fr_bad_") != 0 || chmod(base, 0755) != 0)
		return -1;
	snprintf(io, sizeof(io), "%s/io", base);
	snprintf(shared_model, sizeof(shared_model), "%s/model", base);
	if (mkdir(io, 0755) != 0)
		return -1;
	char *argv[] = { FR_FRAMER, "train", "--data", FR_SOURCE_DIR "/data/labeled/train.csv",
	                 "--model", shared_model, "--quiet", NULL };
	return spawn(argv, NULL, NULL, NULL, NULL, -1) == 0 ? 0 : -1;
}

static int teardown_group(void **state)
{
	(void)state;
	return test_rmtree(base);
}

static int cmp_case_names(const void *a, const void *b)
{
	return strcmp(((const bad_case *)a)->name, ((const bad_case *)b)->name);
}

int main(void)
{
	case_set set = { NULL, 0 };
	DIR *d = opendir(CASES_DIR);
	if (d == NULL) {
		fprintf(stderr, "test_bad: cannot read %s\n", CASES_DIR);
		return 1;
	}
	struct dirent *e;
	size_t cap = 0;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_SIZE];
		struct stat st;
		if (e->d_name[0] == '.' || test_path(path, sizeof(path), CASES_DIR, e->d_name) != 0 ||
		    stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (set.n == cap) {
			cap = cap ? cap * 2 : 64;
			set.cases = realloc(set.cases, cap * sizeof(*set.cases));
			if (set.cases == NULL)
				return 1;
		}
		parse_case(&set.cases[set.n++], e->d_name);
	}
	closedir(d);
	if (set.n > 1)
		qsort(set.cases, set.n, sizeof(*set.cases), cmp_case_names);

	struct CMUnitTest *tests = calloc(set.n + 1, sizeof(*tests));
	if (tests == NULL)
		return 1;
	tests[0].name = "test_bad__enough_well_formed_cases";
	tests[0].test_func = test_bad__enough_well_formed_cases;
	tests[0].initial_state = &set;
	for (size_t i = 0; i < set.n; i++) {
		tests[i + 1].name = set.cases[i].name;
		tests[i + 1].test_func = run_case;
		tests[i + 1].teardown_func = teardown_case;
		tests[i + 1].initial_state = &set.cases[i];
	}
	int failed = _cmocka_run_group_tests("bad_inputs", tests, set.n + 1, setup_group, teardown_group);
	for (size_t i = 0; i < set.n; i++)
		free_case(&set.cases[i]);
	free(set.cases);
	free(tests);
	return failed;
}
