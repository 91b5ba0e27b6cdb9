/* fakeguest_nbd.c: --copy-storage-all in the fake guest (fakeguest_nbd.h). */
#include "fakeguest_nbd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/qmp.h"

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

void fgn_init(struct fg_nbd *n)
{
    *n = (struct fg_nbd){ .listen_fd = -1 };
    for (size_t i = 0; i < FGN_MAX; i++)
        n->conn[i] = n->node[i].fd = -1;
}

static void job_event(int fd, const struct fgn_mirror *m, const char *status)
{
    char data[160];
    snprintf(data, sizeof(data), "{\"status\": \"%s\", \"id\": \"%s\"}", status, m->id);
    fgb_event(fd, "JOB_STATUS_CHANGE", data);
}

static void block_event(int fd, const struct fgn_mirror *m, const char *name)
{
    struct buf d = {0};
    buf_printf(&d, "{\"device\": \"%s\", \"len\": %lld, \"offset\": %lld, \"speed\": 0, "
               "\"type\": \"mirror\"", m->id, m->len, m->off);
    if (*m->error) {
        buf_add(&d, ", \"error\": ");
        buf_add_json_str(&d, m->error);
    }
    buf_add(&d, "}");
    fgb_event(fd, name, buf_str(&d));
    buf_free(&d);
}

/* a line of at most n-1 bytes up to '\n' (dropped); false on EOF/error */
static bool read_line(int fd, char *line, size_t n)
{
    size_t k = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || k + 1 == n)
            return false;
        if (c == '\n')
            break;
        line[k++] = c;
    }
    line[k] = '\0';
    return true;
}

static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w, n -= (size_t)w;
    }
    return true;
}

/* the client's request (header, then n bytes of data) and the server's
 * "ok": false on anything else, the connection broken or silent */
static bool rpc(int fd, const char *header, const void *data, size_t n)
{
    char answer[16];
    return fd >= 0 && send_all(fd, header, strlen(header)) && send_all(fd, data, n) &&
           read_line(fd, answer, sizeof(answer)) && strcmp(answer, "ok") == 0;
}

/* a connection whose peer stays silent for this long is broken */
static void set_timeouts(int fd)
{
    struct timeval tv = { .tv_sec = 30 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void server_start(struct fg_nbd *n, int fd, const char *line)
{
    char path[108];
    if (n->listen_fd >= 0)
        return fgb_error(fd, "NBD server already running");
    if (!qjson_str(line, "path", path, sizeof(path)))
        return fgb_error(fd, "Invalid parameter 'addr'");
    n->listen_fd = unix_listen(path, 0600);
    if (n->listen_fd < 0) {
        char desc[200];
        snprintf(desc, sizeof(desc), "Failed to bind socket to %s: %s", path, strerror(errno));
        return fgb_error(fd, desc);
    }
    snprintf(n->path, sizeof(n->path), "%s", path);
    fgb_reply(fd, "{}");
}

void fgn_end(struct fg_nbd *n)
{
    for (size_t i = 0; i < FGN_MAX; i++) {
        if (n->conn[i] >= 0)
            close(n->conn[i]);
        n->conn[i] = -1;
        n->exp[i].used = false;
    }
    if (n->listen_fd < 0)
        return;
    close(n->listen_fd);
    n->listen_fd = -1;
    unlink(n->path);
}

size_t fgn_pollfds(const struct fg_nbd *n, struct pollfd *p)
{
    p[0] = (struct pollfd){ .fd = n->listen_fd, .events = POLLIN };
    for (size_t i = 0; i < FGN_MAX; i++)
        p[1 + i] = (struct pollfd){ .fd = n->conn[i], .events = POLLIN };
    return FGN_POLLFDS;
}

/* one request on connection i: its answer, or false to close it */
static bool serve_one(struct fg_nbd *n, size_t i)
{
    char line[160], name[64];
    long long off, len;
    int fd = n->conn[i];
    const struct fgn_export *x = n->conn_export[i] >= 0 ? &n->exp[n->conn_export[i]] : NULL;
    if (!read_line(fd, line, sizeof(line)))
        return false;
    if (sscanf(line, "export %63s", name) == 1) {
        for (size_t k = 0; k < FGN_MAX && n->conn_export[i] < 0; k++)
            if (n->exp[k].used && strcmp(n->exp[k].name, name) == 0)
                n->conn_export[i] = (int)k;
        return send_all(fd, n->conn_export[i] >= 0 ? "ok\n" : "no\n", 3);
    }
    if (x && sscanf(line, "size %lld", &len) == 1) {
        int out = open(x->file, O_WRONLY | O_CLOEXEC);
        bool ok = out >= 0 && ftruncate(out, len) == 0;
        if (out >= 0)
            close(out);
        return send_all(fd, ok ? "ok\n" : "error\n", ok ? 3 : 6);
    }
    if (!x || sscanf(line, "write %lld %lld", &off, &len) != 2 || len < 0 || len > FGN_CHUNK)
        return false;
    static char data[FGN_CHUNK];
    size_t got = 0;
    for (ssize_t r; got < (size_t)len; got += (size_t)r)
        if ((r = read(fd, data + got, (size_t)len - got)) <= 0)
            return false;
    int out = open(x->file, O_WRONLY | O_CLOEXEC);
    bool ok = out >= 0 && pwrite(out, data, (size_t)len, off) == len;
    if (out >= 0)
        close(out);
    return send_all(fd, ok ? "ok\n" : "error\n", ok ? 3 : 6);
}

void fgn_serve(struct fg_nbd *n, const struct pollfd *p, size_t np)
{
    if (np < FGN_POLLFDS)
        return;
    for (size_t i = 0; i < FGN_MAX; i++) {
        if (!p[1 + i].revents || n->conn[i] < 0 || p[1 + i].fd != n->conn[i])
            continue;
        if (!serve_one(n, i)) {
            close(n->conn[i]);
            n->conn[i] = -1;
        }
    }
    if (!p[0].revents || n->listen_fd < 0 || p[0].fd != n->listen_fd)
        return;
    int fd = accept4(n->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    for (size_t i = 0; fd >= 0 && i < FGN_MAX; i++)
        if (n->conn[i] < 0) {
            set_timeouts(fd);
            n->conn[i] = fd, n->conn_export[i] = -1, fd = -1;
        }
    if (fd >= 0)
        close(fd);               /* no room: the client sees it closed */
}

static void export_add(struct fg_nbd *n, struct fg_block *b, int fd, const char *line)
{
    char node[64] = "", name[64] = "";
    qjson_str(line, "node-name", node, sizeof(node));
    qjson_str(line, "name", name, sizeof(name));
    if (n->listen_fd < 0)
        return fgb_error(fd, "NBD server not running");
    const struct fgb_disk *d = NULL;
    for (size_t i = 0; i < b->n && !d; i++)
        if (strcmp(b->d[i].node, node) == 0)
            d = &b->d[i];
    struct fgn_export *x = NULL;
    for (size_t i = 0; i < FGN_MAX && !x; i++)
        if (!n->exp[i].used)
            x = &n->exp[i];
    if (!d || !*name || strchr(name, ' ') || !x)
        return fgb_error(fd, d ? "Invalid export name" : "Cannot find node");
    snprintf(x->name, sizeof(x->name), "%s", name);
    snprintf(x->file, sizeof(x->file), "%s", d->file);
    x->used = true;
    fgb_reply(fd, "{}");
}

static struct fgn_node *node_named(struct fg_nbd *n, const char *name)
{
    for (size_t i = 0; i < FGN_MAX; i++)
        if (n->node[i].used && strcmp(n->node[i].name, name) == 0)
            return &n->node[i];
    return NULL;
}

static void client_add(struct fg_nbd *n, int fd, const char *line)
{
    char name[64] = "", path[108] = "", exp[64] = "", desc[256];
    qjson_str(line, "node-name", name, sizeof(name));
    qjson_str(line, "path", path, sizeof(path));
    qjson_str(line, "export", exp, sizeof(exp));
    struct fgn_node *slot = NULL;
    for (size_t i = 0; i < FGN_MAX && !slot; i++)
        if (!n->node[i].used)
            slot = &n->node[i];
    if (!*name || node_named(n, name) || !slot || strchr(exp, ' ') || !*exp)
        return fgb_error(fd, "Duplicate or missing node name");
    int c = unix_connect(path);
    char ask[100];
    snprintf(ask, sizeof(ask), "export %s\n", exp);
    if (c >= 0)
        set_timeouts(c);
    if (c < 0 || !rpc(c, ask, NULL, 0)) {
        /* through a forward, a missing server shows as a closed stream */
        if (c >= 0)
            close(c);
        snprintf(desc, sizeof(desc), c < 0 ? "Failed to connect to '%s': %s"
                 : "Requested export not available for '%s'", c < 0 ? path : exp,
                 strerror(errno));
        return fgb_error(fd, desc);
    }
    snprintf(slot->name, sizeof(slot->name), "%s", name);
    slot->fd = c;
    slot->used = true;
    fgb_reply(fd, "{}");
}

static struct fgn_mirror *mirror_of(struct fg_nbd *n, const char *id)
{
    for (size_t i = 0; i < FGN_MAX; i++)
        if (n->m[i].stage != FGN_FREE && strcmp(n->m[i].id, id) == 0)
            return &n->m[i];
    return NULL;
}

static void mirror_start(struct fg_nbd *n, struct fg_block *b, int fd, const char *line)
{
    char id[64] = "", dev[64] = "", target[64] = "";
    qjson_str(line, "job-id", id, sizeof(id));
    qjson_str(line, "device", dev, sizeof(dev));
    qjson_str(line, "target", target, sizeof(target));
    const struct fgb_disk *d = NULL;
    for (size_t i = 0; i < b->n && !d; i++)
        if (strcmp(b->d[i].node, dev) == 0)
            d = &b->d[i];
    struct fgn_node *t = node_named(n, target);
    struct fgn_mirror *m = NULL;
    for (size_t i = 0; i < FGN_MAX && !m; i++)
        if (n->m[i].stage == FGN_FREE)
            m = &n->m[i];
    struct stat st;
    if (!d || !t || !m || !*id || mirror_of(n, id) || stat(d->file, &st) < 0)
        return fgb_error(fd, !d ? "Cannot find device" : !t ? "Cannot find target node"
                                                            : "Cannot start the job");
    *m = (struct fgn_mirror){ .stage = FGN_RUN, .len = st.st_size,
                              .due_ms = mono_ms() };
    snprintf(m->id, sizeof(m->id), "%s", id);
    snprintf(m->src, sizeof(m->src), "%s", d->file);
    m->node = (int)(t - n->node);
    job_event(fd, m, "created");
    job_event(fd, m, "running");
    fgb_reply(fd, "{}");
}

static void conclude(int fd, struct fgn_mirror *m)
{
    if (*m->error)
        job_event(fd, m, "aborting");
    else
        job_event(fd, m, "waiting"), job_event(fd, m, "pending");
    block_event(fd, m, *m->error ? "BLOCK_JOB_CANCELLED" : "BLOCK_JOB_COMPLETED");
    job_event(fd, m, "concluded");
    m->stage = FGN_DONE;
}

/* FGN_CHUNK bytes (all when whole) from off through the target's
 * connection; false on an error */
static bool copy_some(struct fg_nbd *n, struct fgn_mirror *m, bool whole)
{
    int in = open(m->src, O_RDONLY | O_CLOEXEC), out = n->node[m->node].fd;
    char buf[FGN_CHUNK], header[64];
    bool ok = in >= 0 && n->node[m->node].used;
    if (whole)
        m->off = 0;
    do {
        ssize_t r = ok ? pread(in, buf, sizeof(buf), m->off) : -1;
        snprintf(header, sizeof(header), "write %lld %zd\n", m->off, r);
        ok = r >= 0 && rpc(out, header, buf, (size_t)r);
        m->off += ok ? r : 0;
        if (r == 0)
            m->off = m->len;
    } while (ok && whole && m->off < m->len);
    snprintf(header, sizeof(header), "size %lld\n", m->len);
    if (ok && m->off >= m->len)
        ok = rpc(out, header, NULL, 0);
    if (in >= 0)
        close(in);
    return ok;
}

void fgn_step(struct fg_nbd *n, int fd, unsigned step_ms)
{
    for (size_t i = 0; i < FGN_MAX; i++) {
        struct fgn_mirror *m = &n->m[i];
        if (m->stage != FGN_RUN || mono_ms() < m->due_ms || fd < 0)
            continue;
        if (!copy_some(n, m, false)) {
            snprintf(m->error, sizeof(m->error), "Input/output error");
            conclude(fd, m);
            continue;
        }
        m->due_ms = mono_ms() + step_ms;
        if (m->off >= m->len) {
            m->stage = FGN_READY;
            job_event(fd, m, "ready");
            block_event(fd, m, "BLOCK_JOB_READY");
        }
    }
}

int fgn_timeout(const struct fg_nbd *n)
{
    long long next = -1, now = mono_ms();
    for (size_t i = 0; i < FGN_MAX; i++)
        if (n->m[i].stage == FGN_RUN && (next < 0 || n->m[i].due_ms - now < next))
            next = n->m[i].due_ms - now > 0 ? n->m[i].due_ms - now : 0;
    return (int)next;
}

/* block-job-cancel: a READY mirror ends consistent unless forced */
static void cancel(struct fg_nbd *n, int fd, const char *line)
{
    char id[64] = "";
    qjson_str(line, "device", id, sizeof(id));
    struct fgn_mirror *m = mirror_of(n, id);
    if (!m || m->stage == FGN_DONE) {
        char desc[128];
        snprintf(desc, sizeof(desc), m ? "Job '%s' in state 'concluded' cannot accept command "
                 "verb 'cancel'" : "Block job '%s' not found", id);
        return fgb_error(fd, desc);
    }
    fgb_reply(fd, "{}");
    if (m->stage == FGN_READY && !qjson_true(line, "force")) {
        if (!copy_some(n, m, true))
            snprintf(m->error, sizeof(m->error), "Input/output error");
    } else {
        snprintf(m->error, sizeof(m->error), "Job was cancelled");
    }
    conclude(fd, m);
}

static void dismiss(struct fgn_mirror *m, int fd)
{
    if (m->stage != FGN_DONE) {
        char desc[128];
        snprintf(desc, sizeof(desc), "Job '%s' in state '%s' cannot accept command verb "
                 "'dismiss'", m->id, m->stage == FGN_READY ? "ready" : "running");
        return fgb_error(fd, desc);
    }
    fgb_reply(fd, "{}");
    job_event(fd, m, "null");
    *m = (struct fgn_mirror){0};
}

static void query_jobs(struct fg_nbd *n, struct fg_block *b, int fd)
{
    static const char *const names[] = { [FGN_RUN] = "running", [FGN_READY] = "ready",
                                         [FGN_DONE] = "concluded" };
    struct buf j = {0};
    for (size_t i = 0; i < FGN_MAX; i++) {
        const struct fgn_mirror *m = &n->m[i];
        if (m->stage == FGN_FREE)
            continue;
        buf_printf(&j, "%s{\"current-progress\": %lld, \"status\": \"%s\", "
                   "\"total-progress\": %lld, \"type\": \"mirror\", \"id\": \"%s\"",
                   j.len ? ", " : "", m->off, names[m->stage], m->len, m->id);
        if (*m->error) {
            buf_add(&j, ", \"error\": ");
            buf_add_json_str(&j, m->error);
        }
        buf_add(&j, "}");
    }
    fgb_query_jobs(b, fd, buf_str(&j));
    buf_free(&j);
}

bool fgn_qmp(struct fg_nbd *n, struct fg_block *b, int fd, const char *cmd, const char *line)
{
    char v[64] = "";
    if (strcmp(cmd, "nbd-server-start") == 0)
        server_start(n, fd, line);
    else if (strcmp(cmd, "nbd-server-stop") == 0) {
        if (n->listen_fd < 0)
            return fgb_error(fd, "NBD server not running"), true;
        fgn_end(n);
        fgb_reply(fd, "{}");
    } else if (strcmp(cmd, "block-export-add") == 0)
        export_add(n, b, fd, line);
    else if (strcmp(cmd, "blockdev-add") == 0 && qjson_str(line, "driver", v, sizeof(v)) &&
             strcmp(v, "nbd") == 0)
        client_add(n, fd, line);
    else if (strcmp(cmd, "blockdev-del") == 0 && qjson_str(line, "node-name", v, sizeof(v)) &&
             node_named(n, v)) {
        struct fgn_node *gone = node_named(n, v);
        close(gone->fd);
        *gone = (struct fgn_node){ .fd = -1 };
        fgb_reply(fd, "{}");
    } else if (strcmp(cmd, "blockdev-mirror") == 0)
        mirror_start(n, b, fd, line);
    else if (strcmp(cmd, "block-job-cancel") == 0)
        cancel(n, fd, line);
    else if (strcmp(cmd, "job-dismiss") == 0 && qjson_str(line, "id", v, sizeof(v)) &&
             mirror_of(n, v))
        dismiss(mirror_of(n, v), fd);
    else if (strcmp(cmd, "query-jobs") == 0)
        query_jobs(n, b, fd);
    else
        return false;
    return true;
}
