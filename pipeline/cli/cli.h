#ifndef FR_CLI_H
#define FR_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "../fr_error.h"

/* Exit codes, as SPEC.md and the README document them. */
enum {
	FR_EXIT_OK = 0,
	FR_EXIT_USAGE = 1, /* bad command line */
	FR_EXIT_DATA = 2,  /* bad input data */
	FR_EXIT_MODEL = 3, /* model missing, corrupt or incompatible */
	FR_EXIT_IO = 4     /* a file could not be read or written */
};

/* One option of a command: drives both getopt_long and --help. */
typedef struct {
	const char *name;
	const char *arg;   /* NULL for a flag */
	int id;            /* what getopt_long returns for it */
	const char *help;  /* ends with the default, where there is one */
	int repeatable;    /* may be given more than once; any other option with a
	                      value given twice is a usage error, not the last one winning */
} cli_option;

/* Parses argv against opts. For each option found calls on_option with its
 * id and argument; stops at the first error. Returns the index of the first
 * positional argument, -1 after --help (printed), or -2 on a usage error
 * (printed). */
typedef int (*cli_on_option)(void *ctx, int id, const char *arg);
int cli_parse(int argc, char **argv, const char *command, const char *usage,
              const char *about, const cli_option *opts, cli_on_option on_option, void *ctx);

/* Every line framer prints on standard error is one line of printable
 * UTF-8, whatever the file names, ids, labels and option values it quotes
 * hold: a line break, tab or carriage return is written \n, \t, \r, any
 * other control character (C0, DEL, C1: the escape that starts a terminal
 * sequence) and any byte that is not UTF-8 as \xHH, one per byte, and a
 * character that shows as nothing or reorders the line (zero-width and
 * other default-ignorable characters such as U+00AD, the variation
 * selectors and the tags U+E0000-U+E007F, U+2028 and U+2029, the
 * bidirectional controls such as U+202E, U+FEFF) as its code point:
 * \uHHHH, or \UHHHHHHHH past U+FFFF.
 * Hex digits are lowercase. A backslash is left as it is, so escaping
 * twice changes nothing.
 *
 * cli_escape writes s so into buf (size > 0), cut short at a whole
 * character or escape when full, and returns buf; cli_put_escaped writes
 * it to fp and returns how many bytes that took. */
const char *cli_escape(char *buf, size_t size, const char *s);
size_t cli_put_escaped(FILE *fp, const char *s);

/* The length of s cut to at most max bytes (max <= INT_MAX) at a
 * character's start, for "%.*s": a cut inside a character would print its
 * first bytes as \xHH, as if the name held bytes that are not UTF-8. */
int cli_fit(const char *s, size_t max);

/* When standard output is a pipe whose reader has gone (framer ... | head),
 * ends framer as any filter ends then: quietly, by SIGPIPE, which main
 * ignores so that a closed standard error (2>&1 | head) cannot kill a run
 * mid-write. Returns when standard output is anything else. */
void cli_end_if_stdout_gone(void);

/* Prints "framer: FILE:LINE: message" for err and returns exit_code; a
 * failure to write standard output ends framer quietly instead when its
 * reader has gone (cli_end_if_stdout_gone). */
int cli_fail(int exit_code, const fr_error *err);
/* Prints "framer: message" and returns exit_code. */
int cli_failf(int exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "framer: warning: message". */
void cli_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "framer: message": progress and summaries. */
void cli_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The exit code for a library error code. */
int cli_exit_for(int fr_code);

/* The exit code for a failed labeled-CSV load: a file that cannot be found
 * (no line in the error) is an I/O failure; anything in the file is bad
 * data; the rest as cli_exit_for. */
int cli_exit_for_load(int fr_code, const fr_error *err);

/* Loads the model bundle at dir into *out, printing its load note (a
 * fallback taken) as a warning. FR_EXIT_OK, or FR_EXIT_MODEL with the
 * error printed. */
struct fr_model;
int cli_load_model(struct fr_model **out, const char *dir);

/* Appends arg to list (n of max used) for an option that repeats; -1
 * with a usage error printed when it is full. */
int cli_add_repeated(const char **list, size_t *n, size_t max, const char *option, const char *arg);

/* FR_EXIT_OK, or FR_EXIT_IO printed when dir holds a model bundle's
 * model.json: outputs written there (option names the option that gave
 * dir) would mix with the bundle, and training could not replace it. */
int cli_refuse_bundle_folder(const char *dir, const char *option);

/* The folders a run makes for its outputs: dir and its missing parents.
 * cli_made_begin, before the run makes any, notes what of dir is there
 * already and has a signal that ends the run remove the rest (fsutil's
 * registry). cli_made_end, when the run is over, removes them if it
 * failed: a failed or interrupted run leaves no trace, not even the
 * folders. Only empty ones go (fr_remove_made_dirs). */
typedef struct {
	const char *dir; /* NULL: nothing to do */
	size_t kept;
	int registered;
} cli_made;
void cli_made_begin(cli_made *m, const char *dir);
void cli_made_end(cli_made *m, int failed);

/* Parses a number in full, or returns -1. */
int cli_parse_size(const char *s, size_t *out);

/* Where framer's data lives: $FRAMER_DATA, else the build's data folder. */
const char *cli_data_dir(void);

double cli_now(void);

/* Cores online, at least 1: the default thread count. */
size_t cli_cores(void);

int cmd_train(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);

#endif
