#ifndef FR_FSUTIL_H
#define FR_FSUTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "fr_error.h"

/* File-system helpers shared by the stages that write: checked path joins,
 * folder creation, and the syncs that make a rename durable. */

/* Writes "a/b" into buf. Returns 0, or -1 when it does not fit. */
int fr_path_join(char *buf, size_t size, const char *a, const char *b);

/* Creates path and its missing parents (like mkdir -p). 0 or -1 (errno set). */
int fr_mkdirs(const char *path);

/* fsync on a file or a folder by name. 0 or -1 (errno set). */
int fr_fsync_path(const char *path, int is_dir);

/* The bytes of a regular file, mapped read-only and read in at once (a
 * model's files, read whole at every start: no copy into the heap, no
 * zeroed pages). NULL with errno set when it cannot be (ENOENT: there is
 * none; EINVAL: not a regular file, or empty). Release with fr_unmap_file. */
const char *fr_map_file(const char *path, size_t *len_out);
void fr_unmap_file(const char *data, size_t len);

/* Removes a folder framer made and the plain files in it (not a symbolic
 * link's). Async-signal-safe. */
void fr_remove_flat_dir(const char *dir);

/* Removes the folders of dir below its first kept bytes (the part that was
 * there before a run made dir and its missing parents), deepest first.
 * Only empty ones go, so nothing put there meanwhile is lost, and none
 * reached through a ".." there (new/../m), which may be older.
 * Async-signal-safe. */
void fr_remove_made_dirs(const char *dir, size_t kept);

/* Live temporaries, for a handler of the signals that end a run to remove
 * (FR_TEMP_SIGNALS: the CLI's, pipeline/cli/main.c), so that an
 * interrupted run leaves none behind. fr_temp_register records path, a file
 * or (is_dir) a folder of plain files, until fr_temp_unregister(path): 0, or
 * -1 when the registry is full or path too long, and then only a signal
 * leaves that temporary behind, as SIGKILL leaves any. Thread-safe.
 * fr_temp_register_made records the folders a run makes for its outputs,
 * as fr_remove_made_dirs(dir, kept) removes them, until
 * fr_temp_unregister(dir). fr_temp_remove_all removes every temporary
 * registered, then the made folders, each once; it is async-signal-safe
 * (no allocation, no lock). */
/* Those whose default action ends a process and that someone may send a
 * run on purpose: Ctrl-C and Ctrl-\, kill, a closed terminal, a batch
 * scheduler's or a script's user signals and alarm, a CPU time limit
 * (ulimit -t). Not SIGPROF and SIGVTALRM, which profilers take. */
#define FR_TEMP_SIGNALS { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU }
int fr_temp_register(const char *path, int is_dir);
int fr_temp_register_made(const char *dir, size_t kept);
void fr_temp_unregister(const char *path);
void fr_temp_remove_all(void);

/* Holds FR_TEMP_SIGNALS off in the calling thread (the old mask to *old)
 * until fr_temp_release(old): between making a temporary and registering
 * it, a handler would miss it. */
void fr_temp_hold(sigset_t *old);
void fr_temp_release(const sigset_t *old);

/* Takes the lock that keeps two framer runs from writing into folder dir
 * at once (flock, advisory, exclusive; the kernel drops it when the
 * process ends, however it ends, so none is ever left stale). With wait,
 * it waits for the holder to let go. Returns 0 with the lock's descriptor
 * in *fd_out (close it to let go), or -1 when another process holds it
 * and wait is 0. Where no lock can be taken (a file system without them,
 * a folder that cannot be opened), 0 with *fd_out -1: the run goes on
 * unlocked, as before locks. */
int fr_dir_lock(const char *dir, int wait, int *fd_out);

/* Atomic file writing: fr_atomic_open creates a temporary file beside path
 * (its name goes to tmp_out, registered with fr_temp_register) and returns
 * it open for writing, or NULL with errno set; fr_atomic_commit flushes,
 * syncs and closes it and renames it over path (0, or -1 with errno set,
 * the temporary removed); fr_atomic_abort closes and removes it. Both
 * unregister it. Readers of path never see a partial file, and a failed
 * write leaves the old one in place. */
FILE *fr_atomic_open(const char *path, char *tmp_out, size_t tmp_size);
int fr_atomic_commit(FILE *fp, const char *tmp, const char *path);
void fr_atomic_abort(FILE *fp, const char *tmp);

/* Writes a whole file's content to fp: 0, or non-zero when it failed. */
typedef int (*fr_write_fn)(const void *ctx, FILE *fp);

#endif
