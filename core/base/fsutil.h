/* fsutil.h: the file-system helpers every layer shares: whole writes,
 * atomic replacement (durable or not), mkdir -p, small and capped reads.
 * Base: libc, err and mem only, so the supervisor links it too (it passes
 * a NULL struct err and reads errno). */
#ifndef DOMSH_FSUTIL_H
#define DOMSH_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "mem.h"

/* all of DATA to FD: EINTR retried, EAGAIN waited out (a non-blocking
 * socket); -1 with errno set */
int write_all(int fd, const void *data, size_t len);

/* PATH.new, fsync, rename, fsync(dir): after a crash PATH holds the old
 * or the new text, never a mix.  For the store and everything durable. */
int write_file_atomic(const char *path, const char *data, size_t len, int mode,
                      struct err **e);
/* PATH.new, rename, no fsync: readers see the old or the new file, never
 * a torn one, but nothing survives a host crash.  For run state (RUN/NAME),
 * void after a reboot anyway (the boot id says so), where an fsync would
 * cost more than a whole start on a busy disk. */
int write_file_atomic_nosync(const char *path, const char *data, size_t len, int mode,
                             struct err **e);

/* the two halves of write_file_atomic, for a caller that adds to the
 * same commit (the history's hard link): write_synced writes and fsyncs
 * PATH itself (unlinked on failure); rename_synced renames TMP over PATH
 * and fsyncs the directory (TMP unlinked if the rename fails) */
int write_synced(const char *path, const char *data, size_t len, int mode, struct err **e);
/* write_synced without the fsync: PATH written (unlinked on failure) and
 * its fd returned open, for a caller that syncs it later */
int write_unsynced(const char *path, const char *data, size_t len, int mode, struct err **e);
int rename_synced(const char *tmp, const char *path, struct err **e);

/* fsync FD and OTHER (-1: none) at the same time, OTHER on a thread, so
 * both are durable before the caller goes on without waiting for them in
 * turn (a disk that merges flushes pays for one); -1 with errno set if
 * either fails */
int fsync_pair(int fd, int other);

/* fsync the directory holding PATH (a rename or unlink in it made
 * durable); -1 with errno set */
int fsync_dir_of(const char *path);

/* mkdir -p: every missing component of PATH with MODE */
int mkdir_p(const char *path, mode_t mode, struct err **e);

/* the entries of DIR whose names do not start with '.', sorted into OUT;
 * with SUFFIX only those that end in it (and are longer), cut off.  A
 * missing DIR is empty, not an error. */
int dir_list(const char *dir, const char *suffix, struct strv *out, struct err **e);

/* a small file (a status, a /proc entry) into BUF, at most SIZE - 1
 * bytes, NUL-terminated; its length, or -1 with errno set (BUF is then "") */
ssize_t read_small(const char *path, char *buf, size_t size);

/* a whole file, refusing more than MAX bytes (ERR_IO, errno EFBIG); ENOENT
 * is ERR_NOT_FOUND; *len may be NULL; caller frees */
char *read_file_max(const char *path, size_t max, size_t *len, struct err **e);

#endif
