/* qmp.c: QMP line I/O and flat JSON lookups (see qmp.h). */
#include "qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

void qmp_init(struct qmp_conn *q, int fd)
{
    q->fd = fd;
    q->len = q->consumed = 0;
}

static void qmp_compact(struct qmp_conn *q)
{
    if (!q->consumed)
        return;
    memmove(q->buf, q->buf + q->consumed, q->len - q->consumed);
    q->len -= q->consumed;
    q->consumed = 0;
}

static long qmp_fill_common(struct qmp_conn *q, int *passed)
{
    qmp_compact(q);
    if (q->len >= sizeof(q->buf) - 1)
        q->len = 0;              /* a line longer than we care for: drop it */
    ssize_t n;
    do
        n = passed ? recv_with_fd(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len, passed)
                   : read(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        q->len += (size_t)n;
    return (long)n;
}

long qmp_fill(struct qmp_conn *q)
{
    return qmp_fill_common(q, NULL);
}

long qmp_fill_fd(struct qmp_conn *q, int *passed)
{
    return qmp_fill_common(q, passed);
}

#define FDS_MAX 32

long send_with_fds(int sock, const void *data, size_t n, const int *fds, size_t nfds)
{
    union {
        char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    if (nfds > FDS_MAX) {
        errno = EINVAL;
        return -1;
    }
    struct iovec iov = { .iov_base = (void *)data, .iov_len = n };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds) {
        m.msg_control = u.buf;
        m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    ssize_t w;
    do
        w = sendmsg(sock, &m, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    return (long)w;
}

long send_with_fd(int sock, const void *data, size_t n, int passfd)
{
    return send_with_fds(sock, data, n, &passfd, 1);
}

long recv_with_fds(int sock, void *data, size_t n, int *fds, size_t max, size_t *got)
{
    union {
        char buf[CMSG_SPACE(FDS_MAX * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = data, .iov_len = n };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                        .msg_controllen = sizeof(u.buf) };
    ssize_t r;
    do
        r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
    while (r < 0 && errno == EINTR);
    *got = 0;
    if (r < 0)
        return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfd; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (*got < max)
                fds[(*got)++] = fd;
            else
                close(fd);
        }
    }
    return (long)r;
}

long recv_with_fd(int sock, void *data, size_t n, int *passed)
{
    int fd;
    size_t got;
    long r = recv_with_fds(sock, data, n, &fd, 1, &got);
    if (got) {                   /* one per message is all we use */
        if (*passed >= 0)
            close(*passed);
        *passed = fd;
    }
    return r;
}

char *qmp_next_line(struct qmp_conn *q)
{
    qmp_compact(q);
    char *nl = memchr(q->buf, '\n', q->len);
    if (!nl)
        return NULL;
    *nl = '\0';
    if (nl > q->buf && nl[-1] == '\r')
        nl[-1] = '\0';
    q->consumed = (size_t)(nl - q->buf) + 1;
    return q->buf;
}

int qmp_send(int fd, const char *text)
{
    size_t n = strlen(text);
    char line[QMP_LINE_MAX];
    if (n + 2 >= sizeof(line))
        return -1;
    memcpy(line, text, n);
    memcpy(line + n, "\r\n", 2);
    n += 2;
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, line + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

int qmp_send_fd(int fd, const char *text, int passfd)
{
    char line[QMP_LINE_MAX];
    int n = snprintf(line, sizeof(line), "%s\r\n", text);
    if (n < 0 || (size_t)n >= sizeof(line))
        return -1;
    long w = send_with_fd(fd, line, (size_t)n, passfd);
    if (w <= 0)
        return -1;
    for (size_t off = (size_t)w; off < (size_t)n;) {
        ssize_t k = write(fd, line + off, (size_t)n - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        off += (size_t)k;
    }
    return 0;
}

/* position just after `"key":` (and blanks), or NULL */
static const char *qjson_find(const char *line, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = strchr(line, '"'); p; p = strchr(p + 1, '"')) {
        if (strncmp(p + 1, key, kl) != 0 || p[1 + kl] != '"')
            continue;
        const char *v = p + 2 + kl;
        while (*v == ' ')
            v++;
        if (*v != ':')
            continue;
        v++;
        while (*v == ' ')
            v++;
        return v;
    }
    return NULL;
}

bool qjson_str(const char *line, const char *key, char *out, size_t n)
{
    const char *v = qjson_find(line, key);
    if (!v || *v != '"' || !n)
        return false;
    size_t o = 0;
    for (v++; *v && *v != '"'; v++) {
        char c = *v;
        if (c == '\\' && v[1]) {
            v++;
            c = *v == 'n' ? '\n' : *v == 'r' ? '\r' : *v == 't' ? '\t' : *v;
        }
        if (o + 1 < n)
            out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

bool qjson_num(const char *line, const char *key, long long *out)
{
    const char *v = qjson_find(line, key);
    if (!v || !(*v == '-' || (*v >= '0' && *v <= '9')))
        return false;
    *out = strtoll(v, NULL, 10);
    return true;
}

bool qjson_double(const char *line, const char *key, double *out)
{
    const char *v = qjson_find(line, key);
    if (!v || !(*v == '-' || (*v >= '0' && *v <= '9')))
        return false;
    *out = strtod(v, NULL);
    return true;
}

bool qjson_true(const char *line, const char *key)
{
    const char *v = qjson_find(line, key);
    return v && strncmp(v, "true", 4) == 0;
}

enum qmp_kind qmp_kind(const char *line)
{
    if (qjson_find(line, "event"))
        return QMP_EVENT;
    if (qjson_find(line, "return"))
        return QMP_RETURN;
    if (qjson_find(line, "error"))
        return QMP_ERROR;
    if (qjson_find(line, "execute"))
        return QMP_EXECUTE;
    if (qjson_find(line, "QMP"))
        return QMP_GREETING;
    return QMP_OTHER;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa->sun_path, path);
    return 0;
}

int unix_connect(const char *path)
{
    struct sockaddr_un sa;
    if (fill_addr(&sa, path) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int unix_listen(const char *path, int mode)
{
    struct sockaddr_un sa;
    if (fill_addr(&sa, path) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    unlink(path);
    mode_t old = umask(0777 & ~(mode_t)mode);
    int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old);
    if (rc < 0 || listen(fd, 16) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
