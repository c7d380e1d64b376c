#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

FILE *fr_atomic_open(const char *path, char *tmp_out, size_t tmp_size)
{
	const char *slash = strrchr(path, '/');
	int n = slash ? snprintf(tmp_out, tmp_size, "%.*s/.%s.tmp-XXXXXX", (int)(slash - path), path, slash + 1)
	              : snprintf(tmp_out, tmp_size, ".%s.tmp-XXXXXX", path);
	if (n < 0 || (size_t)n >= tmp_size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	int fd = mkstemp(tmp_out);
	if (fd < 0)
		return NULL;
	fchmod(fd, 0644); /* mkstemp makes 0600; outputs are meant to be read */
	FILE *fp = fdopen(fd, "wb");
	if (fp == NULL) {
		int e = errno;
		close(fd);
		unlink(tmp_out);
		errno = e;
	}
	return fp;
}

int fr_atomic_commit(FILE *fp, const char *tmp, const char *path)
{
	int bad = fflush(fp) != 0 || ferror(fp) || fsync(fileno(fp)) != 0;
	int e = errno;
	bad |= fclose(fp) != 0;
	if (!bad && rename(tmp, path) == 0)
		return 0;
	e = bad ? e : errno;
	unlink(tmp);
	errno = e ? e : EIO;
	return -1;
}

void fr_atomic_abort(FILE *fp, const char *tmp)
{
	if (fp)
		fclose(fp);
	if (tmp && tmp[0])
		unlink(tmp);
}
