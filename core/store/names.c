/* names.c: the sorted list of defined names, from CONFIG's file names.
 * A readdir of CONFIG costs ~1 us an entry (20 ms for 10000 domains and
 * their uuid links on ext4 here), so the last listing is kept in
 * RUN/.names with the identity and times of CONFIG it was read from, and
 * reused while CONFIG's mtime and ctime are unchanged: every define,
 * undefine or rename in CONFIG moves them.  Like git's index, a listing is
 * kept only when CONFIG had been unchanged for a while before the readdir
 * began (NAMES_SETTLE_S): a change made during or right after the readdir
 * within the file system's timestamp granularity would otherwise leave
 * the same times on a different directory.  RUN is private (0700), and
 * the file is a cache: never synced, rebuilt when missing or stale. */
#include "store.h"
#include "../base/buf.h"
#include "../base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAMES_FILE ".names"
#define NAMES_MAGIC "domsh-names 1"
#define NAMES_SETTLE_S 2
#define NAMES_MAX_BYTES (64u << 20)

/* what identifies one state of CONFIG: device, inode, mtime, ctime */
static char *dir_stamp(const char *dir, const struct stat *sb)
{
    return xasprintf(NAMES_MAGIC " %" PRIu64 " %" PRIu64 " %lld.%09ld %lld.%09ld %s\n",
                     (uint64_t)sb->st_dev, (uint64_t)sb->st_ino,
                     (long long)sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec,
                     (long long)sb->st_ctim.tv_sec, sb->st_ctim.tv_nsec, dir);
}

static char *names_path(const struct store *st)
{
    return xasprintf("%s/" NAMES_FILE, st->run_dir);
}

/* the kept listing if it was read from CONFIG as it is now */
static bool names_read(const struct store *st, const char *stamp, struct strv *out)
{
    AUTOFREE char *path = names_path(st);
    size_t len = 0;
    AUTOFREE char *text = read_file_max(path, NAMES_MAX_BYTES, &len, NULL);
    size_t slen = strlen(stamp);
    if (!text || len < slen || memcmp(text, stamp, slen) != 0 || text[len - 1] != '\n')
        return false;
    for (char *p = text + slen, *end = text + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        strv_push_take(out, xstrndup(p, (size_t)(nl - p)));
        p = nl + 1;
    }
    return true;
}

static void names_write(const struct store *st, const char *stamp, const struct strv *names)
{
    struct stat sb;
    if (stat(st->run_dir, &sb) < 0)
        return;               /* nothing started or locked here yet: keep nothing */
    struct buf b = {0};
    buf_add(&b, stamp);
    for (size_t i = 0; i < names->n; i++) {
        if (strchr(names->v[i], '\n')) {
            buf_free(&b);     /* a name no line can hold (not one of ours) */
            return;
        }
        buf_add(&b, names->v[i]);
        buf_addc(&b, '\n');
    }
    /* a name of this process's own: two lists may write at once */
    AUTOFREE char *path = names_path(st);
    AUTOFREE char *tmp = xasprintf("%s.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    bool ok = fd >= 0 && write_all(fd, b.s, b.len) == 0;
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) < 0)
        unlink(tmp);
    buf_free(&b);
}

static bool settled(const struct stat *sb, const struct timespec *began)
{
    time_t newest = sb->st_mtim.tv_sec > sb->st_ctim.tv_sec ? sb->st_mtim.tv_sec
                                                           : sb->st_ctim.tv_sec;
    return newest + NAMES_SETTLE_S < began->tv_sec;
}

int store_list(struct store *st, struct strv *names, struct err **e)
{
    struct stat before, after;
    struct timespec began;
    clock_gettime(CLOCK_REALTIME, &began);
    if (stat(st->config_dir, &before) < 0)
        return errno == ENOENT ? 0 : err_sys(e, ERR_IO, "cannot read '%s'", st->config_dir);
    AUTOFREE char *stamp = dir_stamp(st->config_dir, &before);
    if (names_read(st, stamp, names))
        return 0;
    if (dir_list(st->config_dir, ".xml", names, e) < 0)
        return -1;
    if (settled(&before, &began) && stat(st->config_dir, &after) == 0 &&
        after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
        after.st_mtim.tv_nsec == before.st_mtim.tv_nsec &&
        after.st_ctim.tv_sec == before.st_ctim.tv_sec &&
        after.st_ctim.tv_nsec == before.st_ctim.tv_nsec)
        names_write(st, stamp, names);
    return 0;
}
