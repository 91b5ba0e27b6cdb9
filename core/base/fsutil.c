/* fsutil.c: file-system helpers (see fsutil.h).  No allocation on the
 * write paths unless an error is recorded: the supervisor uses them. */
#include "fsutil.h"
#include "mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            poll(&pfd, 1, 1000);
            continue;
        }
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* err_sys only when someone listens (keeps errno either way) */
static int fail(struct err **e, const char *what, const char *path)
{
    int saved = errno;
    if (e)
        err_sys(e, ERR_IO, "%s '%s'", what, path);
    errno = saved;
    return -1;
}

struct fsync_job {
    int fd, rc, err;
};

static void *fsync_job_run(void *arg)
{
    struct fsync_job *j = arg;
    j->rc = fsync(j->fd);
    j->err = errno;
    return NULL;
}

int fsync_pair(int fd, int other)
{
    struct fsync_job job = {.fd = other};
    pthread_t t;
    bool threaded = other >= 0 && pthread_create(&t, NULL, fsync_job_run, &job) == 0;
    if (other >= 0 && !threaded)
        fsync_job_run(&job);
    int rc = fsync(fd), err = errno;
    if (threaded)
        pthread_join(t, NULL);
    if (rc < 0 || job.rc < 0) {
        errno = rc < 0 ? err : job.err;
        return -1;
    }
    return 0;
}

int fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int write_unsynced(const char *path, const char *data, size_t len, int mode, struct err **e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return fail(e, "cannot create", path);
    if (write_all(fd, data, len) < 0) {
        fail(e, "cannot write", path);
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

int write_synced(const char *path, const char *data, size_t len, int mode, struct err **e)
{
    int fd = write_unsynced(path, data, len, mode, e);
    if (fd < 0)
        return -1;
    if (fsync(fd) < 0) {
        fail(e, "cannot write", path);
        close(fd);
        unlink(path);
        return -1;
    }
    if (close(fd) < 0) {
        fail(e, "cannot write", path);
        unlink(path);
        return -1;
    }
    return 0;
}

int rename_synced(const char *tmp, const char *path, struct err **e)
{
    if (rename(tmp, path) < 0) {
        fail(e, "cannot replace", path);
        unlink(tmp);
        return -1;
    }
    if (fsync_dir_of(path) < 0)
        return fail(e, "cannot sync the directory of", path);
    return 0;
}

static int replace_file(const char *path, const char *data, size_t len, int mode, bool durable,
                        struct err **e)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return fail(e, "cannot create", path);
    }
    if (durable)
        return write_synced(tmp, data, len, mode, e) < 0 ? -1 : rename_synced(tmp, path, e);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return fail(e, "cannot create", tmp);
    bool ok = write_all(fd, data, len) == 0;
    if (close(fd) < 0 || !ok || rename(tmp, path) < 0) {
        fail(e, "cannot replace", path);
        unlink(tmp);
        return -1;
    }
    return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, int mode,
                      struct err **e)
{
    return replace_file(path, data, len, mode, true, e);
}

int write_file_atomic_nosync(const char *path, const char *data, size_t len, int mode,
                             struct err **e)
{
    return replace_file(path, data, len, mode, false, e);
}

int mkdir_p(const char *path, mode_t mode, struct err **e)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s", path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return fail(e, "cannot create directory", p);
        *s = c;
        if (!c)
            return 0;
    }
}

int dir_list(const char *dir, const char *suffix, struct strv *out, struct err **e)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return err_sys(e, ERR_IO, "cannot read '%s'", dir);
    }
    size_t cut = suffix ? strlen(suffix) : 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' || (cut && (n <= cut || strcmp(de->d_name + n - cut, suffix))))
            continue;
        strv_push_take(out, xstrndup(de->d_name, n - cut));
    }
    closedir(d);
    strv_sort(out);
    return 0;
}

ssize_t read_small(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t r = read(fd, buf + n, size - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int saved = errno;
            close(fd);
            buf[0] = '\0';
            errno = saved;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = '\0';
    return (ssize_t)n;
}

static char *read_fd_max(int fd, const char *path, size_t max, size_t *len, struct err **e)
{
    size_t cap = 4096, n = 0;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0)
        cap = (size_t)sb.st_size < max ? (size_t)sb.st_size + 1 : max + 1;
    char *text = xmalloc(cap + 1);
    for (;;) {
        if (n == cap)
            xgrow(&text, &cap, cap + 1, 1);
        ssize_t r = read(fd, text + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int saved = errno;
            free(text);
            errno = saved;
            err_sys(e, ERR_IO, "cannot read '%s'", path);
            errno = saved;
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            free(text);
            err_set(e, ERR_IO, "file '%s' is larger than %zu bytes", path, max);
            errno = EFBIG;
            return NULL;
        }
    }
    text = xrealloc(text, n + 1);
    text[n] = '\0';
    if (len)
        *len = n;
    return text;
}

char *read_file_max(const char *path, size_t max, size_t *len, struct err **e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        err_sys(e, saved == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot read '%s'", path);
        errno = saved;
        return NULL;
    }
    char *text = read_fd_max(fd, path, max, len, e);
    int saved = errno;
    close(fd);
    errno = saved;
    return text;
}
