/* fakeguest_block.c: the fake guest's block layer (fakeguest_block.h). */
#include "fakeguest_block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
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

/* the next file of a ",,"-escaped list into out; the rest */
static const char *next_file(const char *f, char *out, size_t n)
{
    size_t o = 0;
    for (; *f && !(f[0] == ',' && f[1] != ','); f++) {
        if (f[0] == ',')
            f++;                 /* ",," is one comma */
        if (o + 1 < n)
            out[o++] = *f;
    }
    out[o] = '\0';
    return *f ? f + 1 : f;
}

void fgb_init(struct fg_block *b, const char *aliases, const char *files)
{
    *b = (struct fg_block){ .step_ms = FGB_STEP_MS };
    const char *a = aliases, *f = files;
    while (a && *a && f && b->n < FGB_DISKS) {
        struct fgb_disk *d = &b->d[b->n];
        size_t al = strcspn(a, ",");
        if (al >= sizeof(d->alias))
            break;
        memcpy(d->alias, a, al);
        d->alias[al] = '\0';
        f = next_file(f, d->file, sizeof(d->file));
        memcpy(d->node, "drive-", 6);            /* drive-ALIAS-format, as qemu_argv names it */
        memcpy(d->node + 6, a, al);
        memcpy(d->node + 6 + al, "-format", 8);
        /* the format from the image itself, as QEMU's format probe would */
        char head[4] = {0};
        int fd = open(d->file, O_RDONLY | O_CLOEXEC);
        snprintf(d->fmt, sizeof(d->fmt), "%s",
                 fd >= 0 && read(fd, head, 4) == 4 && memcmp(head, "QFI\xfb", 4) == 0 ? "qcow2"
                                                                                     : "raw");
        if (fd >= 0)
            close(fd);
        b->n += *d->file != '\0';   /* a disk without a file (empty cdrom) has no node */
        a += al + (a[al] == ',');
    }
}

static void reply(int fd, const char *ret)
{
    struct buf b = {0};
    buf_printf(&b, "{\"return\": %s}", ret);
    qmp_send(fd, buf_str(&b));
    buf_free(&b);
}

static void error(int fd, const char *desc)
{
    struct buf b = {0};
    buf_add(&b, "{\"error\": {\"class\": \"GenericError\", \"desc\": ");
    buf_add_json_str(&b, desc);
    buf_add(&b, "}}");
    qmp_send(fd, buf_str(&b));
    buf_free(&b);
}

static void event(int fd, const char *name, const char *data)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char line[512];
    snprintf(line, sizeof(line), "{\"timestamp\": {\"seconds\": %ld, \"microseconds\": %ld}, "
             "\"event\": \"%s\", \"data\": %s}", (long)tv.tv_sec, (long)tv.tv_usec, name, data);
    qmp_send(fd, line);
}

void fgb_reply(int fd, const char *ret)
{
    reply(fd, ret);
}

void fgb_error(int fd, const char *desc)
{
    error(fd, desc);
}

void fgb_event(int fd, const char *name, const char *data)
{
    event(fd, name, data);
}

static void job_status(struct fg_block *b, int fd, const char *status)
{
    char data[160];
    snprintf(data, sizeof(data), "{\"status\": \"%s\", \"id\": \"%s\"}", status, b->job.id);
    event(fd, "JOB_STATUS_CHANGE", data);
}

/* qemu-img ARGS; its last stderr line into err on failure */
static int qemu_img(char *const argv[], char *err, size_t n)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return snprintf(err, n, "cannot create a pipe"), -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        execvp("qemu-img", argv);
        _exit(127);
    }
    close(p[1]);
    char out[2048];
    size_t len = 0;
    ssize_t r;
    while ((r = read(p[0], out + len, sizeof(out) - 1 - len)) > 0 || (r < 0 && errno == EINTR))
        len += r > 0 ? (size_t)r : 0;
    close(p[0]);
    out[len] = '\0';
    int st = 0;
    bool ok = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    while (len && out[len - 1] == '\n')
        out[--len] = '\0';
    char *last = strrchr(out, '\n');
    if (!ok)
        snprintf(err, n, "%.250s", last ? last + 1 : *out ? out : "qemu-img failed");
    return ok ? 0 : -1;
}

static struct fgb_disk *by_node(struct fg_block *b, const char *node, size_t *idx)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->d[i].node, node) == 0) {
            if (idx)
                *idx = i;
            return &b->d[i];
        }
    return NULL;
}

static void query_block(struct fg_block *b, int fd)
{
    struct buf j = {0};
    buf_add(&j, "[");
    for (size_t i = 0; i < b->n; i++) {
        buf_printf(&j, "%s{\"device\": \"\", \"qdev\": \"/machine/peripheral/%s/virtio-backend\", "
                   "\"inserted\": {\"node-name\": \"%s\", \"drv\": \"%s\", \"file\": ",
                   i ? ", " : "", b->d[i].alias, b->d[i].node, b->d[i].fmt);
        buf_add_json_str(&j, b->d[i].file);
        buf_add(&j, "}}");
    }
    buf_add(&j, "]");
    reply(fd, buf_str(&j));
    buf_free(&j);
}

/* the backing file name recorded in a qcow2 header, or "" */
static void qcow2_backing(const char *file, char *out, size_t n)
{
    unsigned char h[20];
    *out = '\0';
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    if (read(fd, h, sizeof(h)) == (ssize_t)sizeof(h) && memcmp(h, "QFI\xfb", 4) == 0) {
        unsigned long long off = 0;
        for (int i = 8; i < 16; i++)
            off = off << 8 | h[i];
        size_t len = (size_t)h[16] << 24 | (size_t)h[17] << 16 | (size_t)h[18] << 8 | h[19];
        if (len < n && pread(fd, out, len, (off_t)off) == (ssize_t)len)
            out[len] = '\0';
    }
    close(fd);
}

/* one blockdev-snapshot-sync of a transaction, checked; *d the disk */
static int snapshot_action(struct fg_block *b, const char *act, struct fgb_disk **d, char *file,
                           char *node, char *err, size_t n)
{
    char dev[64] = "", backing[1024];
    qjson_str(act, "node-name", dev, sizeof(dev));
    qjson_str(act, "snapshot-file", file, 1024);
    qjson_str(act, "snapshot-node-name", node, 64);
    if (!(*d = by_node(b, dev, NULL)))
        return snprintf(err, n, "Cannot find device='' nor node-name='%s'", dev), -1;
    if (!*node)
        return snprintf(err, n, "New overlay node-name missing"), -1;
    if (by_node(b, node, NULL))
        return snprintf(err, n, "Duplicate nodes with node-name='%s'", node), -1;
    qcow2_backing(file, backing, sizeof(backing));
    if (access(file, F_OK) != 0)
        return snprintf(err, n, "Could not open '%s': No such file or directory", file), -1;
    if (strcmp(backing, (*d)->file) != 0)
        return snprintf(err, n, "'%s' is not an overlay of '%s'", file, (*d)->file), -1;
    return 0;
}

static void transaction(struct fg_block *b, int fd, const char *line)
{
    struct fgb_disk *d[FGB_DISKS];
    char files[FGB_DISKS][1024], nodes[FGB_DISKS][64], err[1200] = "";
    size_t n = 0;
    for (const char *p = line; (p = strstr(p, "\"blockdev-snapshot-sync\"")); p++) {
        const char *end = strstr(p, "}}");
        char act[2048];
        snprintf(act, sizeof(act), "%.*s", end ? (int)(end - p + 2) : (int)strlen(p), p);
        if (n == FGB_DISKS || snapshot_action(b, act, &d[n], files[n], nodes[n], err,
                                              sizeof(err)) < 0)
            return error(fd, *err ? err : "too many actions");
        n++;
    }
    if (b->fail_next) {
        b->fail_next = false;
        return error(fd, "Could not create overlay: No space left on device");
    }
    for (size_t i = 0; i < n; i++) {    /* all checked: every disk switches */
        snprintf(d[i]->file, sizeof(d[i]->file), "%s", files[i]);
        snprintf(d[i]->node, sizeof(d[i]->node), "%s", nodes[i]);
        snprintf(d[i]->fmt, sizeof(d[i]->fmt), "qcow2");
    }
    reply(fd, "{}");
}

/* "devices": ["n1", "n2"] into the job's disks */
static int job_devices(struct fg_block *b, const char *line, char *err, size_t n)
{
    const char *p = strstr(line, "\"devices\"");
    p = p ? strchr(p, '[') : NULL;
    for (char node[64]; p && *p != ']' && (p = strchr(p, '"'));) {
        const char *q = strchr(p + 1, '"');
        if (!q || q - p - 1 >= (long)sizeof(node))
            break;
        snprintf(node, sizeof(node), "%.*s", (int)(q - p - 1), p + 1);
        size_t idx;
        if (!by_node(b, node, &idx) || b->job.ndisks == FGB_DISKS)
            return snprintf(err, n, "Cannot find device='' nor node-name='%s'", node), -1;
        if (strcmp(b->d[idx].fmt, "qcow2") != 0)
            return snprintf(err, n, "Device '%s' is writable but does not support snapshots",
                            node), -1;
        b->job.disks[b->job.ndisks++] = idx;
        p = q + 1;
        while (*p == ' ' || *p == ',')
            p++;
    }
    return 0;
}

static int job_begin(struct fg_block *b, const char *cmd, const char *line, char *err, size_t n)
{
    struct fgb_job *j = &b->job;
    if (j->stage != FGB_IDLE)
        return snprintf(err, n, "Job ID '%s' already in use", j->id), -1;
    *j = (struct fgb_job){ .auto_dismiss = strcmp(cmd, "block-commit") == 0 };
    if (!qjson_str(line, "job-id", j->id, sizeof(j->id)))
        return snprintf(err, n, "Parameter 'job-id' is missing"), -1;
    snprintf(j->type, sizeof(j->type), "%s", strcmp(cmd, "block-commit") == 0 ? "commit" : cmd);
    if (strstr(line, "\"auto-dismiss\": false"))
        j->auto_dismiss = false;
    if (strcmp(cmd, "block-commit") == 0) {
        char dev[64] = "", backing[1024];
        size_t idx;
        qjson_str(line, "device", dev, sizeof(dev));
        qjson_str(line, "base", j->base, sizeof(j->base));
        if (!by_node(b, dev, &idx))
            return snprintf(err, n, "Cannot find device='%s' nor node-name='%s'", dev, dev), -1;
        qcow2_backing(b->d[idx].file, backing, sizeof(backing));
        if (!*backing || strcmp(backing, j->base) != 0)
            return snprintf(err, n, "Can't find '%s' in the backing chain", j->base), -1;
        j->disks[j->ndisks++] = idx;
        return 0;
    }
    char vm[64] = "";
    qjson_str(line, "tag", j->tag, sizeof(j->tag));
    if (job_devices(b, line, err, n) < 0)
        return -1;
    if (strcmp(cmd, "snapshot-delete") != 0 &&
        (!qjson_str(line, "vmstate", vm, sizeof(vm)) || !by_node(b, vm, &j->vmstate)))
        return snprintf(err, n, "Cannot find device='' nor node-name='%s'", vm), -1;
    return 0;
}

static void start_job(struct fg_block *b, int fd, const char *cmd, const char *line)
{
    char err[1200] = "";
    if (job_begin(b, cmd, line, err, sizeof(err)) < 0) {
        if (b->job.stage == FGB_IDLE)
            b->job = (struct fgb_job){0};
        return error(fd, err);
    }
    b->job.stage = FGB_RUN;
    b->job.due_ms = mono_ms() + b->step_ms;
    job_status(b, fd, "created");
    job_status(b, fd, "running");
    reply(fd, "{}");
}

/* FILE.fgvm-TAG: the vmstate of an internal snapshot */
static int vmstate_io(struct fg_block *b, bool save, unsigned long long *counter, char *err,
                      size_t n)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s.fgvm-%s", b->d[b->job.vmstate].file, b->job.tag);
    FILE *f = fopen(path, save ? "we" : "re");
    bool ok = f && (save ? fprintf(f, "%llu\n", *counter) > 0 : fscanf(f, "%llu", counter) == 1);
    if (f)
        ok &= fclose(f) == 0;
    if (!ok)
        snprintf(err, n, "Snapshot '%s' has no VM state", b->job.tag);
    return ok ? 0 : -1;
}

/* snapshot-save/-load/-delete on every device, as one step */
static void run_snapshot_job(struct fg_block *b, unsigned long long *counter)
{
    struct fgb_job *j = &b->job;
    const char *flag = strcmp(j->type, "snapshot-save") == 0 ? "-c"
                       : strcmp(j->type, "snapshot-load") == 0 ? "-a" : "-d";
    for (size_t i = 0; i < j->ndisks && !*j->error; i++) {
        char *argv[] = { "qemu-img", "snapshot", (char *)flag, j->tag, b->d[j->disks[i]].file,
                         NULL };
        if (qemu_img(argv, j->error, sizeof(j->error)) < 0 && *flag == '-' && flag[1] == 'c')
            snprintf(j->error, sizeof(j->error), "Snapshot '%s' already exists in one or more "
                     "devices", j->tag);
    }
    if (!*j->error && flag[1] != 'd')
        vmstate_io(b, flag[1] == 'c', counter, j->error, sizeof(j->error));
    if (!*j->error && flag[1] == 'd') {
        char path[1200];
        for (size_t i = 0; i < j->ndisks; i++) {
            snprintf(path, sizeof(path), "%s.fgvm-%s", b->d[j->disks[i]].file, j->tag);
            unlink(path);
        }
    }
}

/* the switch-over of an active commit: the overlay's data into its base,
 * the disk on the base */
static void run_commit(struct fg_block *b)
{
    struct fgb_job *j = &b->job;
    struct fgb_disk *d = &b->d[j->disks[0]];
    char *argv[] = { "qemu-img", "commit", "-q", "-d", d->file, NULL };
    if (qemu_img(argv, j->error, sizeof(j->error)) < 0)
        return;
    char head[4] = {0};
    int fd = open(j->base, O_RDONLY | O_CLOEXEC);
    bool q = fd >= 0 && read(fd, head, 4) == 4 && memcmp(head, "QFI\xfb", 4) == 0;
    if (fd >= 0)
        close(fd);
    snprintf(d->file, sizeof(d->file), "%s", j->base);
    snprintf(d->fmt, sizeof(d->fmt), "%s", q ? "qcow2" : "raw");
}

static void conclude(struct fg_block *b, int fd)
{
    job_status(b, fd, "waiting");
    job_status(b, fd, "pending");
    job_status(b, fd, "concluded");
    b->job.stage = FGB_DONE;
    if (b->job.auto_dismiss) {
        job_status(b, fd, "null");
        b->job = (struct fgb_job){0};
    }
}

/* as QEMU says a block job ended (with its error, if any) */
static void block_job_completed(const struct fgb_job *j, int fd)
{
    struct buf data = {0};
    buf_printf(&data, "{\"device\": \"%s\", \"len\": 0, \"offset\": 0, \"speed\": 0, "
               "\"type\": \"commit\"", j->id);
    if (*j->error) {
        buf_add(&data, ", \"error\": ");
        buf_add_json_str(&data, j->error);
    }
    buf_add(&data, "}");
    event(fd, "BLOCK_JOB_COMPLETED", buf_str(&data));
    buf_free(&data);
}

bool fgb_step(struct fg_block *b, int fd, unsigned long long *counter)
{
    struct fgb_job *j = &b->job;
    if ((j->stage != FGB_RUN && j->stage != FGB_COMPLETE) || mono_ms() < j->due_ms || fd < 0)
        return false;
    if (strcmp(j->type, "commit") == 0 && j->stage == FGB_RUN) {
        j->stage = FGB_READY;
        j->due_ms = 0;
        job_status(b, fd, "ready");
        char data[160];
        snprintf(data, sizeof(data), "{\"device\": \"%s\", \"len\": 0, \"offset\": 0, "
                 "\"speed\": 0, \"type\": \"commit\"}", j->id);
        event(fd, "BLOCK_JOB_READY", data);
        return false;
    }
    if (strcmp(j->type, "commit") == 0) {
        run_commit(b);
        block_job_completed(j, fd);
    } else
        run_snapshot_job(b, counter);
    bool loaded = strcmp(j->type, "snapshot-load") == 0 && !*j->error;
    conclude(b, fd);
    return loaded;
}

int fgb_timeout(const struct fg_block *b)
{
    if (b->job.stage != FGB_RUN && b->job.stage != FGB_COMPLETE)
        return -1;
    long long left = b->job.due_ms - mono_ms();
    return left > 0 ? (int)left : 0;
}

static const char *stage_name(const struct fgb_job *j)
{
    static const char *const names[] = { [FGB_IDLE] = "null", [FGB_RUN] = "running",
                                         [FGB_READY] = "ready", [FGB_COMPLETE] = "running",
                                         [FGB_DONE] = "concluded" };
    return names[j->stage];
}

void fgb_query_jobs(struct fg_block *b, int fd, const char *extra)
{
    struct buf out = {0};
    buf_printf(&out, "[%s", extra);
    if (b->job.stage != FGB_IDLE) {
        buf_add(&out, *extra ? ", " : "");
        buf_printf(&out, "{\"current-progress\": %d, \"status\": \"%s\", \"total-progress\": 1, "
                   "\"type\": \"%s\", \"id\": \"%s\"", b->job.stage == FGB_DONE,
                   stage_name(&b->job), b->job.type, b->job.id);
        if (*b->job.error) {
            buf_add(&out, ", \"error\": ");
            buf_add_json_str(&out, b->job.error);
        }
        buf_add(&out, "}");
    }
    buf_add(&out, "]");
    reply(fd, buf_str(&out));
    buf_free(&out);
}

/* job-dismiss, job-cancel, block-job-complete of the one job */
static void job_verb(struct fg_block *b, int fd, const char *cmd, const char *line)
{
    char id[64] = "", desc[256];
    qjson_str(line, strcmp(cmd, "block-job-complete") == 0 ? "device" : "id", id, sizeof(id));
    struct fgb_job *j = &b->job;
    if (j->stage == FGB_IDLE || strcmp(id, j->id) != 0)
        return error(fd, strcmp(cmd, "block-job-complete") == 0 ? "Block job not found"
                                                                 : "Job not found");
    bool ok = strcmp(cmd, "job-dismiss") == 0 ? j->stage == FGB_DONE
              : strcmp(cmd, "block-job-complete") == 0 ? j->stage == FGB_READY
                                                        : j->stage != FGB_DONE;
    if (!ok) {
        snprintf(desc, sizeof(desc), "Job '%s' in state '%s' cannot accept command verb '%s'",
                 j->id, stage_name(j), cmd + (cmd[0] == 'j' ? 4 : 10));
        return error(fd, desc);
    }
    reply(fd, "{}");
    if (strcmp(cmd, "job-dismiss") == 0) {
        job_status(b, fd, "null");
        *j = (struct fgb_job){0};
    } else if (strcmp(cmd, "block-job-complete") == 0) {
        j->stage = FGB_COMPLETE;
        j->due_ms = mono_ms() + b->step_ms;
    } else {                     /* job-cancel: nothing of it is done */
        snprintf(j->error, sizeof(j->error), "Job was cancelled");
        job_status(b, fd, "aborting");
        conclude(b, fd);
    }
}

bool fgb_qmp(struct fg_block *b, int fd, const char *cmd, const char *line)
{
    if (strcmp(cmd, "query-block") == 0)
        query_block(b, fd);
    else if (strcmp(cmd, "transaction") == 0)
        transaction(b, fd, line);
    else if (strcmp(cmd, "snapshot-save") == 0 || strcmp(cmd, "snapshot-load") == 0 ||
             strcmp(cmd, "snapshot-delete") == 0 || strcmp(cmd, "block-commit") == 0)
        start_job(b, fd, cmd, line);
    else if (strcmp(cmd, "query-jobs") == 0)
        fgb_query_jobs(b, fd, "");
    else if (strcmp(cmd, "job-dismiss") == 0 || strcmp(cmd, "job-cancel") == 0 ||
             strcmp(cmd, "block-job-complete") == 0)
        job_verb(b, fd, cmd, line);
    else
        return false;
    return true;
}
