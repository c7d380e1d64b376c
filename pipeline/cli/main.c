#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "../fsutil.h"
#include "../model.h"

typedef struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} subcommand;

static const subcommand commands[] = {
	{ "train", cmd_train, "train a model bundle from a labeled CSV" },
	{ "classify", cmd_classify, "label every paragraph of a batch" },
	{ "evaluate", cmd_evaluate, "score a model on a labeled CSV" },
	{ NULL, NULL, NULL }
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: framer COMMAND [OPTIONS]\n\n"
	            "framer labels the paragraphs of news articles with their stance and framing.\n\n"
	            "commands:\n");
	for (const subcommand *c = commands; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->help);
	fprintf(fp, "\n'framer COMMAND --help' for a command's options; 'framer --version'.\n");
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return FR_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return FR_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("framer %s (model format %d)\n", FR_VERSION, FR_MODEL_FORMAT_VERSION);
		return FR_EXIT_OK;
	}
	for (const subcommand *c = commands; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
	/* One line, as for every other failure: the command list fits in it. */
	return cli_failf(FR_EXIT_USAGE, "unknown command '%.*s' (train, classify or evaluate; see framer --help)",
	                 cli_fit(argv[1], 160), argv[1]);
}

/* A standard stream the caller closed (2>&-, a launcher that closes them)
 * would give its number to the next file framer opens, an output's
 * temporary, and the progress lines and warnings would be written into the
 * labels. Each closed one is taken by /dev/null opened the other way round,
 * so that the stream still fails as a closed one does (EBADF) rather than
 * read nothing or swallow the labels of classify -. 0, or -1 (errno set). */
static int hold_closed_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free number: fd itself, as the ones below are open. */
		int got = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
		if (got != fd) {
			if (got >= 0) {
				close(got);
				errno = EBADF;
			}
			return -1;
		}
	}
	return 0;
}

static pthread_t main_thread;

/* FR_TEMP_SIGNALS (SIGINT, SIGTERM, ...): the run's temporaries and the
 * folders it made for them are removed, then framer ends by the signal as
 * it would with no handler (a shell says 130 after Ctrl-C; SIGQUIT still
 * dumps core where core dumps are on). Async-signal-safe calls only. */
static void end_by_signal(int sig)
{
	/* Files are written on the main thread only (workers label), so the
	 * handler runs there: no write, rename or new temporary goes on beside
	 * it, and none ends the run with its own error first. */
	if (!pthread_equal(pthread_self(), main_thread)) {
		pthread_kill(main_thread, sig);
		return;
	}
	fr_temp_remove_all();
	signal(sig, SIG_DFL);
	raise(sig); /* delivered as the handler returns: the signal is blocked in it */
}

/* Installs end_by_signal, and makes a file size limit an error. */
static void catch_ending_signals(void)
{
	static const int sigs[] = FR_TEMP_SIGNALS;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = end_by_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	main_thread = pthread_self();
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* One that whoever started framer ignores stays ignored (nohup, a
		 * script's background job and its Ctrl-C): framer must not die of
		 * a signal it was asked to ignore. */
		struct sigaction old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
	/* Past a file size limit (ulimit -f) a write fails with EFBIG, reported
	 * as any full disk is, its temporaries removed; by default SIGXFSZ
	 * would end framer with a core dump and leave them. */
	signal(SIGXFSZ, SIG_IGN);
}

int main(int argc, char **argv)
{
	if (hold_closed_std_fds() != 0)
		return cli_failf(FR_EXIT_IO, "/dev/null: cannot open: %s", strerror(errno));
	/* A reader of standard error that goes (framer ... 2>&1 | head, a pager
	 * quit) killed the run mid-write, its outputs' temporaries left behind.
	 * Writes to it now just fail; standard output's reader gone still ends
	 * framer by SIGPIPE, quietly (cli_end_if_stdout_gone). */
	signal(SIGPIPE, SIG_IGN);
	catch_ending_signals();
	int code = run(argc, argv);
	/* What was printed must have reached standard output (a full disk, a
	 * closed pipe): a success whose output was lost is a failure. */
	int bad = fflush(stdout) != 0;
	int e = errno;
	if ((bad || ferror(stdout)) && code == FR_EXIT_OK)
		cli_end_if_stdout_gone();
	if ((bad || ferror(stdout)) && code == FR_EXIT_OK)
		code = cli_failf(FR_EXIT_IO, "<stdout>: write failed: %s", strerror(bad ? e : EIO));
	return code;
}
