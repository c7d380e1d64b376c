#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int fr_path_join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s/%s", a, b);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int fr_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0777) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int fr_fsync_path(const char *path, int is_dir)
{
	int fd = open(path, is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

const char *fr_map_file(const char *path, size_t *len_out)
{
	*len_out = 0;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	void *map = MAP_FAILED;
	int saved = EINVAL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size <= SIZE_MAX) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		saved = errno;
	}
	close(fd);
	if (map == MAP_FAILED) {
		errno = saved;
		return NULL;
	}
	*len_out = (size_t)st.st_size;
	return map;
}

void fr_unmap_file(const char *data, size_t len)
{
	if (data != NULL)
		munmap((void *)data, len);
}

void fr_remove_flat_dir(const char *dir)
{
	/* getdents64 into the stack, not opendir's malloc: a signal handler
	 * calls this. A listing read while its entries go may skip some, so it
	 * is read again until a pass removes nothing. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (int removed = 1, pass = 0; fd >= 0 && removed && pass < 8; pass++) {
		union {
			struct dirent64 align;
			char bytes[4096];
		} buf;
		ssize_t n;
		removed = 0;
		lseek(fd, 0, SEEK_SET);
		while ((n = getdents64(fd, buf.bytes, sizeof(buf.bytes))) > 0) {
			for (ssize_t at = 0; at < n;) {
				const struct dirent64 *e = (const struct dirent64 *)(buf.bytes + at);
				at += e->d_reclen;
				if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
					removed += unlinkat(fd, e->d_name, 0) == 0;
			}
		}
	}
	if (fd >= 0)
		close(fd);
	rmdir(dir);
}

int fr_dir_lock(const char *dir, int wait, int *fd_out)
{
	/* A lock is the folder's, not its name's: the run waited for may
	 * remove the folder it made (it failed, or a signal ended it), and the
	 * lock then held is on a folder no longer there. So the folder is made
	 * again and locked anew, a few times at most. */
	for (int tries = 0; tries < 8; tries++) {
		*fd_out = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*fd_out < 0)
			return 0;
		int rc;
		while ((rc = flock(*fd_out, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR)
			;
		if (rc != 0) {
			int busy = errno == EWOULDBLOCK;
			close(*fd_out);
			*fd_out = -1;
			return busy ? -1 : 0;
		}
		struct stat held, named;
		if (fstat(*fd_out, &held) == 0 && held.st_nlink > 0 && stat(dir, &named) == 0 &&
		    held.st_dev == named.st_dev && held.st_ino == named.st_ino)
			return 0;
		close(*fd_out);
		*fd_out = -1;
		if (fr_mkdirs(dir) != 0)
			return 0;
	}
	return 0;
}

/* Whether s (len bytes) holds a ".." component. */
static int has_dotdot(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '.' && s[i + 1] == '.' && (i == 0 || s[i - 1] == '/') && (i + 2 == len || s[i + 2] == '/'))
			return 1;
	return 0;
}

void fr_remove_made_dirs(const char *dir, size_t kept)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);
	if (len >= sizeof(path))
		return;
	memcpy(path, dir, len + 1);
	while (len > kept) {
		path[len] = '\0';
		/* Past a ".." below the kept part, the path names a folder further
		 * up that no look found missing (new/../m is m, there before). */
		if (!has_dotdot(path + kept, len - kept) && rmdir(path) != 0 && errno != ENOENT)
			return;
		while (len > kept && path[len - 1] != '/')
			len--;
		while (len > kept && path[len - 1] == '/')
			len--;
	}
}

/* The live temporaries, in fixed storage a signal handler can read with no
 * allocation: several times the most one run holds at once (classify's four
 * outputs, a report's three, a bundle's folder, the folders made for them).
 *
 * A slot's state says who may touch its path. FREE: the lock's holder
 * writes it, then publishes it as FILE or DIR. FILE or DIR: the path is
 * fixed, and whichever comes first takes the slot (compare-and-swap):
 * fr_temp_unregister back to FREE, or fr_temp_remove_all to GONE. GONE: the
 * handler's for good, never reused, so the path it reads never changes
 * under it, whatever another thread does meanwhile. */
#define TEMP_SLOTS 32
enum { TEMP_FREE, TEMP_FILE, TEMP_DIR, TEMP_MADE, TEMP_GONE };
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler needs lock-free atomics");

static struct {
	atomic_int state;
	size_t kept; /* TEMP_MADE: the length of path's part that was there before */
	char path[PATH_MAX];
} temps[TEMP_SLOTS];
static pthread_mutex_t temps_lock = PTHREAD_MUTEX_INITIALIZER;

static int temp_register(const char *path, int state, size_t kept)
{
	size_t len = strlen(path);
	int rc = -1;
	if (len >= PATH_MAX)
		return -1;
	pthread_mutex_lock(&temps_lock);
	for (size_t i = 0; rc < 0 && i < TEMP_SLOTS; i++) {
		if (atomic_load(&temps[i].state) != TEMP_FREE)
			continue;
		memcpy(temps[i].path, path, len + 1);
		temps[i].kept = kept;
		atomic_store(&temps[i].state, state);
		rc = 0;
	}
	pthread_mutex_unlock(&temps_lock);
	return rc;
}

int fr_temp_register(const char *path, int is_dir)
{
	return temp_register(path, is_dir ? TEMP_DIR : TEMP_FILE, 0);
}

int fr_temp_register_made(const char *dir, size_t kept)
{
	return temp_register(dir, TEMP_MADE, kept);
}

void fr_temp_unregister(const char *path)
{
	pthread_mutex_lock(&temps_lock);
	for (size_t i = 0; i < TEMP_SLOTS; i++) {
		int state = atomic_load(&temps[i].state);
		if ((state == TEMP_FILE || state == TEMP_DIR || state == TEMP_MADE) && strcmp(temps[i].path, path) == 0) {
			/* Fails only when the handler took it first: then it stays GONE. */
			atomic_compare_exchange_strong(&temps[i].state, &state, TEMP_FREE);
			break;
		}
	}
	pthread_mutex_unlock(&temps_lock);
}

void fr_temp_remove_all(void)
{
	for (size_t i = 0; i < TEMP_SLOTS; i++) {
		int state = TEMP_FILE;
		if (atomic_compare_exchange_strong(&temps[i].state, &state, TEMP_GONE))
			unlink(temps[i].path);
		else if (state == TEMP_DIR && atomic_compare_exchange_strong(&temps[i].state, &state, TEMP_GONE))
			fr_remove_flat_dir(temps[i].path);
	}
	/* The made folders last, once the temporaries in them are gone: only
	 * empty ones go. */
	for (size_t i = 0; i < TEMP_SLOTS; i++) {
		int state = TEMP_MADE;
		if (atomic_compare_exchange_strong(&temps[i].state, &state, TEMP_GONE))
			fr_remove_made_dirs(temps[i].path, temps[i].kept);
	}
}

void fr_temp_hold(sigset_t *old)
{
	static const int sigs[] = FR_TEMP_SIGNALS;
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

void fr_temp_release(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

FILE *fr_atomic_open(const char *path, char *tmp_out, size_t tmp_size)
{
	const char *slash = strrchr(path, '/');
	int n = slash ? snprintf(tmp_out, tmp_size, "%.*s/.%s.tmp-XXXXXX", (int)(slash - path), path, slash + 1)
	              : snprintf(tmp_out, tmp_size, ".%s.tmp-XXXXXX", path);
	if (n < 0 || (size_t)n >= tmp_size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	sigset_t held;
	fr_temp_hold(&held);
	int fd = mkstemp(tmp_out);
	int e = errno;
	if (fd >= 0)
		fr_temp_register(tmp_out, 0);
	fr_temp_release(&held);
	if (fd < 0) {
		errno = e;
		return NULL;
	}
	fchmod(fd, 0644); /* mkstemp makes 0600; outputs are meant to be read */
	FILE *fp = fdopen(fd, "wb");
	if (fp == NULL) {
		e = errno;
		close(fd);
		unlink(tmp_out);
		fr_temp_unregister(tmp_out);
		errno = e;
	}
	return fp;
}

int fr_atomic_commit(FILE *fp, const char *tmp, const char *path)
{
	int bad = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
	int e = errno;
	bad |= fclose(fp) != 0;
	/* Unregistered after the rename, not before, so that no moment leaves
	 * the temporary unregistered: a handler run in between unlinks tmp, a
	 * name the rename has taken away (ENOENT), never path. */
	if (!bad && rename(tmp, path) == 0) {
		fr_temp_unregister(tmp);
		return 0;
	}
	e = bad ? e : errno;
	unlink(tmp);
	fr_temp_unregister(tmp);
	errno = e ? e : EIO;
	return -1;
}

void fr_atomic_abort(FILE *fp, const char *tmp)
{
	if (fp)
		fclose(fp);
	if (tmp && tmp[0]) {
		unlink(tmp);
		fr_temp_unregister(tmp);
	}
}
