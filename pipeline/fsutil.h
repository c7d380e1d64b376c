#ifndef FR_FSUTIL_H
#define FR_FSUTIL_H

#include <stddef.h>

/* File-system helpers shared by the stages that write: checked path joins,
 * folder creation, and the syncs that make a rename durable. */

/* Writes "a/b" into buf. Returns 0, or -1 when it does not fit. */
int fr_path_join(char *buf, size_t size, const char *a, const char *b);

/* Creates path and its missing parents (like mkdir -p). 0 or -1 (errno set). */
int fr_mkdirs(const char *path);

/* fsync on a file or a folder by name. 0 or -1 (errno set). */
int fr_fsync_path(const char *path, int is_dir);

/* Removes a folder framer made and the plain files in it. */
void fr_remove_flat_dir(const char *dir);

#endif
