#include "cli.h"
#include "../fsutil.h"
#include "../model.h"
#include "../tokenize.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef FR_DATA_DIR
#define FR_DATA_DIR "data"
#endif

#define MAX_OPTIONS 32

static void print_help(const char *command, const char *usage, const char *about,
                       const cli_option *opts)
{
	printf("usage: framer %s %s\n\n%s\n\noptions:\n", command, usage, about);
	for (const cli_option *o = opts; o->name; o++) {
		char left[64];
		snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		printf("  %-22s %s\n", left, o->help);
	}
	printf("  %-22s %s\n", "--help", "show this help");
	printf("\nexit codes: 0 done, 1 usage, 2 bad input data, 3 model missing or corrupt, 4 I/O failure\n");
}

int cli_parse(int argc, char **argv, const char *command, const char *usage,
              const char *about, const cli_option *opts, cli_on_option on_option, void *ctx)
{
	struct option longopts[MAX_OPTIONS + 2];
	size_t n = 0;
	for (const cli_option *o = opts; o->name && n < MAX_OPTIONS; o++, n++) {
		longopts[n].name = o->name;
		longopts[n].has_arg = o->arg ? required_argument : no_argument;
		longopts[n].flag = NULL;
		longopts[n].val = o->id;
	}
	longopts[n].name = "help";
	longopts[n].has_arg = no_argument;
	longopts[n].flag = NULL;
	longopts[n].val = 'h';
	memset(&longopts[n + 1], 0, sizeof(longopts[0]));

	opterr = 0;
	optind = 1;
	int c, which = -1;
	const char *given[MAX_OPTIONS] = { 0 };
	while ((c = getopt_long(argc, argv, "h", longopts, &which)) != -1) {
		if (c == 'h') {
			print_help(command, usage, about, opts);
			return -1;
		}
		if (c == '?' || c == ':') {
			/* The one-line convention holds for usage errors too: scripts
			 * and the bad-input runner read "framer: " as the start. */
			cli_failf(FR_EXIT_USAGE, "%s: %s '%.*s' (see framer %s --help)", command,
			          optopt ? "option needs a value:" : "unknown option", cli_fit(argv[optind - 1], 160),
			          argv[optind - 1], command);
			return -2;
		}
		/* `--data a.csv --data b.csv` scoring b alone, without a word,
		 * would be a wrong result the user cannot see. */
		const cli_option *o = which >= 0 && (size_t)which < n ? &opts[which] : NULL;
		/* `--out ""` (an unset shell variable) names nothing; refusing it
		 * here beats a message about a file with no name later on. */
		if (o && o->arg && optarg[0] == '\0') {
			cli_failf(FR_EXIT_USAGE, "%s: --%s is given an empty %s (see framer %s --help)",
			          command, o->name, o->arg, command);
			return -2;
		}
		if (o && o->arg && !o->repeatable) {
			if (given[which]) {
				cli_failf(FR_EXIT_USAGE, "--%s is given twice ('%.*s', then '%.*s'); give it once "
				          "(see framer %s --help)", o->name, cli_fit(given[which], 120), given[which],
				          cli_fit(optarg, 120), optarg, command);
				return -2;
			}
			given[which] = optarg;
		}
		which = -1;
		if (on_option(ctx, c, optarg) != 0)
			return -2;
	}
	return optind;
}

/* Characters a terminal shows as nothing, or that reorder the text around
 * them: two names that differ only in them look the same, U+202E makes a
 * line read backwards, and tag characters hide a copy of ASCII text.
 * Unicode's Default_Ignorable_Code_Point characters (the unassigned ones
 * too: they are kept for more of the kind), the bidirectional controls,
 * the separators U+2028 and U+2029 and the annotation marks. Sorted, so a
 * lookup stops at the first range past the character. */
static const struct {
	int32_t lo, hi;
} hidden[] = {
	{ 0x00AD, 0x00AD },   /* soft hyphen */
	{ 0x034F, 0x034F },   /* combining grapheme joiner */
	{ 0x061C, 0x061C },   /* Arabic letter mark */
	{ 0x115F, 0x1160 },   /* Hangul choseong and jungseong fillers */
	{ 0x17B4, 0x17B5 },   /* Khmer inherent vowels */
	{ 0x180B, 0x180F },   /* Mongolian variation selectors, vowel separator */
	{ 0x200B, 0x200F },   /* zero-width space, non-joiner, joiner; LRM, RLM */
	{ 0x2028, 0x202E },   /* line and paragraph separators; embeddings, overrides */
	{ 0x2060, 0x206F },   /* word joiner, invisible operators, isolates */
	{ 0x3164, 0x3164 },   /* Hangul filler */
	{ 0xFE00, 0xFE0F },   /* variation selectors */
	{ 0xFEFF, 0xFEFF },   /* zero-width no-break space (a byte order mark) */
	{ 0xFFA0, 0xFFA0 },   /* halfwidth Hangul filler */
	{ 0xFFF0, 0xFFFB },   /* reserved ignorables; interlinear annotation marks */
	{ 0x1BCA0, 0x1BCA3 }, /* shorthand format controls */
	{ 0x1D173, 0x1D17A }, /* musical beam, tie, slur and phrase marks */
	{ 0xE0000, 0xE0FFF }, /* tags; variation selectors supplement; reserved */
};

static int is_hidden(int32_t cp)
{
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]) && cp >= hidden[i].lo; i++)
		if (cp <= hidden[i].hi)
			return 1;
	return 0;
}

/* The longest escape, "\U" and 8 digits, and its NUL. */
#define ESCAPE_MAX 11

/* The escape for the character at s (n > 0 bytes left) into out, "" when
 * it prints as it is; returns the bytes it takes. */
static size_t escape_at(const char *s, size_t n, char out[ESCAPE_MAX])
{
	int32_t cp = 0;
	size_t len = fr_utf8_decode((const uint8_t *)s, n, &cp);
	out[0] = '\0';
	if (len == 0 || cp < 0x20 || cp == 0x7F) {
		const char *c = len == 0 ? NULL : cp == '\n' ? "\\n" : cp == '\t' ? "\\t" : cp == '\r' ? "\\r" : NULL;
		if (c)
			strcpy(out, c);
		else
			snprintf(out, ESCAPE_MAX, "\\x%02x", (unsigned char)s[0]);
		return 1;
	}
	if (cp >= 0x80 && cp <= 0x9F)
		snprintf(out, ESCAPE_MAX, "\\x%02x\\x%02x", (unsigned char)s[0], (unsigned char)s[1]);
	else if (is_hidden(cp))
		/* Past U+FFFF, \U and 8 digits, as C and Python write them: \u
		 * and 5 digits would read back as \uHHHH and a digit. */
		snprintf(out, ESCAPE_MAX, cp > 0xFFFF ? "\\U%08x" : "\\u%04x", (unsigned)cp);
	return len;
}

const char *cli_escape(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s), o = 0;
	for (size_t i = 0; i < n; ) {
		char esc[ESCAPE_MAX];
		size_t len = escape_at(s + i, n - i, esc);
		const char *piece = esc[0] ? esc : s + i;
		size_t plen = esc[0] ? strlen(esc) : len;
		if (o + plen >= size)
			break;
		memcpy(buf + o, piece, plen);
		o += plen;
		i += len;
	}
	buf[o] = '\0';
	return buf;
}

int cli_fit(const char *s, size_t max)
{
	return fr_utf8_fit_str(s, max);
}

size_t cli_put_escaped(FILE *fp, const char *s)
{
	size_t n = strlen(s), written = 0;
	for (size_t i = 0; i < n; ) {
		/* Runs that print as they are go out whole. */
		size_t run = i;
		char esc[ESCAPE_MAX] = "";
		size_t len = 0;
		while (run < n && (len = escape_at(s + run, n - run, esc)) > 0 && esc[0] == '\0')
			run += len;
		fwrite(s + i, 1, run - i, fp);
		written += run - i;
		if (run < n) {
			fputs(esc, fp);
			written += strlen(esc);
			run += len;
		}
		i = run;
	}
	return written;
}

/* "framer: ", prefix, fmt's message escaped, and a line end. The message
 * is formatted whole, however long: a path must not be cut short. */
static void say(const char *prefix, const char *fmt, va_list ap)
{
	char small[1024], *line = small;
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (line = malloc((size_t)n + 1)) != NULL)
		vsnprintf(line, (size_t)n + 1, fmt, again);
	va_end(again);
	fprintf(stderr, "framer: %s", prefix);
	cli_put_escaped(stderr, line ? line : small);
	fputc('\n', stderr);
	if (line != small)
		free(line);
}

void cli_end_if_stdout_gone(void)
{
	struct stat st;
	struct pollfd p = { STDOUT_FILENO, POLLOUT, 0 };
	/* A pipe with no reader polls as an error. */
	if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISFIFO(st.st_mode) || poll(&p, 1, 0) != 1 ||
	    !(p.revents & POLLERR))
		return;
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
}

int cli_fail(int exit_code, const fr_error *err)
{
	if (fr_error_source_is(err, "<stdout>"))
		cli_end_if_stdout_gone();
	char buf[1024];
	fputs("framer: ", stderr);
	cli_put_escaped(stderr, fr_error_format(err, buf, sizeof(buf)));
	fputc('\n', stderr);
	return exit_code;
}

int cli_load_model(struct fr_model **out, const char *dir)
{
	fr_error err = FR_ERROR_INIT;
	if (fr_model_load(out, dir, &err) < 0)
		return cli_fail(err.code == FR_EIO || err.code == FR_ENOMEM ? FR_EXIT_IO : FR_EXIT_MODEL, &err);
	if (fr_model_load_note(*out) != NULL)
		cli_warnf("%s", fr_model_load_note(*out));
	return FR_EXIT_OK;
}

int cli_failf(int exit_code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
	return exit_code;
}

void cli_warnf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("warning: ", fmt, ap);
	va_end(ap);
}

void cli_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("", fmt, ap);
	va_end(ap);
}

int cli_exit_for(int code)
{
	switch (code) {
	case FR_EMODEL:
		return FR_EXIT_MODEL;
	case FR_EIO:
	case FR_EBUSY:
	case FR_ENOMEM:
		return FR_EXIT_IO;
	case FR_EINVALID:
	case FR_EFORMAT:
	case FR_ENOTFOUND:
	default:
		return FR_EXIT_DATA;
	}
}

int cli_exit_for_load(int code, const fr_error *err)
{
	return code == FR_ENOTFOUND && err->line == 0 ? FR_EXIT_IO : cli_exit_for(code);
}

int cli_add_repeated(const char **list, size_t *n, size_t max, const char *option, const char *arg)
{
	if (*n == max) {
		cli_failf(FR_EXIT_USAGE, "at most %zu %s options", max, option);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

int cli_refuse_bundle_folder(const char *dir, const char *option)
{
	char path[PATH_MAX];
	struct stat st;
	if (fr_path_join(path, sizeof(path), dir, "model.json") != 0 || stat(path, &st) != 0)
		return FR_EXIT_OK;
	return cli_failf(FR_EXIT_IO, "%s: holds a model bundle (model.json); give %s a folder of its own", dir,
	                 option);
}

/* The length of dir's longest leading part that names something already
 * there: dir's whole length when it exists (or is too long to look at),
 * 0 when no part does. */
static size_t existing_prefix(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);
	if (len >= sizeof(path))
		return len;
	memcpy(path, dir, len + 1);
	while (len > 0) {
		struct stat st;
		path[len] = '\0';
		if (stat(path, &st) == 0)
			return len;
		while (len > 0 && path[len - 1] != '/')
			len--;
		while (len > 1 && path[len - 1] == '/')
			len--;
	}
	return 0;
}

void cli_made_begin(cli_made *m, const char *dir)
{
	m->dir = dir;
	m->kept = existing_prefix(dir);
	m->registered = m->kept < strlen(dir) && fr_temp_register_made(dir, m->kept) == 0;
}

void cli_made_end(cli_made *m, int failed)
{
	if (m->dir == NULL)
		return;
	if (failed)
		fr_remove_made_dirs(m->dir, m->kept);
	if (m->registered)
		fr_temp_unregister(m->dir);
	m->dir = NULL;
}

int cli_parse_size(const char *s, size_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*out = (size_t)v;
	return 0;
}

const char *cli_data_dir(void)
{
	const char *env = getenv("FRAMER_DATA");
	return env && *env ? env : FR_DATA_DIR;
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

size_t cli_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (size_t)n : 1;
}
