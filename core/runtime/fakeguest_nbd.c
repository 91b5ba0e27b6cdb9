/* fakeguest_nbd.c: --copy-storage-all in the fake guest (fakeguest_nbd.h). */
#include "fakeguest_nbd.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* the file of export NAME in REGISTRY, if its server lives; else false */
static bool export_file(const char *registry, const char *name, char *file, size_t n)
{
    FILE *f = fopen(registry, "re");
    char line[1200];
    int pid = 0;
    bool found = false;
    if (!f)
        return false;
    if (!fgets(line, sizeof(line), f) || sscanf(line, "pid %d", &pid) != 1 ||
        kill(pid, 0) < 0) {
        fclose(f);
        return false;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        size_t k = strcspn(line, " ");
        if (line[k] && (name == NULL || (strlen(name) == k && strncmp(line, name, k) == 0))) {
            snprintf(file, n, "%s", line + k + 1);
            found = true;
        }
    }
    fclose(f);
    return found || name == NULL;
}

static void server_start(struct fg_nbd *n, int fd, const char *line)
{
    char path[108], reg[128];
    if (n->listen_fd >= 0)
        return fgb_error(fd, "NBD server already running");
    if (!qjson_str(line, "path", path, sizeof(path)))
        return fgb_error(fd, "Invalid parameter 'addr'");
    n->listen_fd = unix_listen(path, 0600);
    snprintf(reg, sizeof(reg), "%s.exports", path);
    FILE *f = n->listen_fd >= 0 ? fopen(reg, "we") : NULL;
    if (!f || fprintf(f, "pid %d\n", (int)getpid()) < 0 || fclose(f) != 0) {
        char desc[200];
        snprintf(desc, sizeof(desc), "Failed to bind socket to %s: %s", path, strerror(errno));
        if (n->listen_fd >= 0)
            close(n->listen_fd);
        n->listen_fd = -1;
        return fgb_error(fd, desc);
    }
    snprintf(n->path, sizeof(n->path), "%s", path);
    fgb_reply(fd, "{}");
}

void fgn_end(struct fg_nbd *n)
{
    if (n->listen_fd < 0)
        return;
    char reg[128];
    snprintf(reg, sizeof(reg), "%s.exports", n->path);
    close(n->listen_fd);
    n->listen_fd = -1;
    unlink(n->path);
    unlink(reg);
}

static void export_add(struct fg_nbd *n, struct fg_block *b, int fd, const char *line)
{
    char node[64] = "", name[64] = "", reg[128];
    qjson_str(line, "node-name", node, sizeof(node));
    qjson_str(line, "name", name, sizeof(name));
    if (n->listen_fd < 0)
        return fgb_error(fd, "NBD server not running");
    const struct fgb_disk *d = NULL;
    for (size_t i = 0; i < b->n && !d; i++)
        if (strcmp(b->d[i].node, node) == 0)
            d = &b->d[i];
    if (!d || !*name || strchr(name, ' '))
        return fgb_error(fd, d ? "Invalid export name" : "Cannot find node");
    snprintf(reg, sizeof(reg), "%s.exports", n->path);
    FILE *f = fopen(reg, "ae");
    if (!f || fprintf(f, "%s %s\n", name, d->file) < 0 || fclose(f) != 0)
        return fgb_error(fd, "cannot record the export");
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
    char name[64] = "", path[108] = "", exp[64] = "", reg[128], desc[256];
    qjson_str(line, "node-name", name, sizeof(name));
    qjson_str(line, "path", path, sizeof(path));
    qjson_str(line, "export", exp, sizeof(exp));
    struct fgn_node *slot = NULL;
    for (size_t i = 0; i < FGN_MAX && !slot; i++)
        if (!n->node[i].used)
            slot = &n->node[i];
    if (!*name || node_named(n, name) || !slot)
        return fgb_error(fd, "Duplicate or missing node name");
    snprintf(reg, sizeof(reg), "%s.exports", path);
    if (!export_file(reg, NULL, slot->file, 0)) {
        snprintf(desc, sizeof(desc), "Failed to connect to '%s': Connection refused", path);
        return fgb_error(fd, desc);
    }
    if (!export_file(reg, exp, slot->file, sizeof(slot->file))) {
        snprintf(desc, sizeof(desc), "Requested export not available for '%s'", exp);
        return fgb_error(fd, desc);
    }
    snprintf(slot->name, sizeof(slot->name), "%s", name);
    snprintf(slot->registry, sizeof(slot->registry), "%s", reg);
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
    snprintf(m->dst, sizeof(m->dst), "%s", t->file);
    snprintf(m->registry, sizeof(m->registry), "%s", t->registry);
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

/* FGN_CHUNK bytes (all when whole) from off; false on an error */
static bool copy_some(struct fgn_mirror *m, bool whole)
{
    int in = open(m->src, O_RDONLY | O_CLOEXEC), out = open(m->dst, O_WRONLY | O_CLOEXEC);
    char buf[FGN_CHUNK];
    bool ok = in >= 0 && out >= 0;
    if (whole)
        m->off = 0;
    do {
        ssize_t r = ok ? pread(in, buf, sizeof(buf), m->off) : -1;
        ok = r >= 0 && pwrite(out, buf, (size_t)r, m->off) == r;
        m->off += ok ? r : 0;
        if (r == 0)
            m->off = m->len;
    } while (ok && whole && m->off < m->len);
    if (ok && m->off >= m->len)
        ok = ftruncate(out, m->len) == 0;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ok;
}

static bool server_alive(const struct fgn_mirror *m)
{
    char none[1];
    return export_file(m->registry, NULL, none, 0);
}

void fgn_step(struct fg_nbd *n, int fd, unsigned step_ms)
{
    for (size_t i = 0; i < FGN_MAX; i++) {
        struct fgn_mirror *m = &n->m[i];
        if (m->stage != FGN_RUN || mono_ms() < m->due_ms || fd < 0)
            continue;
        if (!server_alive(m) || !copy_some(m, false)) {
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
        if (!server_alive(m) || !copy_some(m, true))
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
        node_named(n, v)->used = false;
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
