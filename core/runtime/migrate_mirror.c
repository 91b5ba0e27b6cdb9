/* migrate_mirror.c: the QMP side of --copy-storage-all (migrate_storage.h):
 * NBD exports on the destination, mirror jobs on the source, each through
 * its supervisor's raw `qmp` command. */
#include "migrate_storage.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "backend.h"
#include "jsonscan.h"
#include "snapshot_live_priv.h"

#define MIRROR_POLL_MS 200
/* the mirrors' last dirty blocks after the memory, or a forced cancel */
#define MIRROR_END_MS 120000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

static int qmp(struct store *st, const char *name, struct buf *json, struct err **e)
{
    int rc = snap_live_qmp(st, name, buf_str(json), NULL, e);
    buf_free(json);
    return rc;
}

/* each disk's block node on one side, from query-block (matched by file) */
static int find_nodes(struct mig_storage *ms, struct store *st, const char *name, bool dst,
                      struct err **e)
{
    AUTOFREE char *reply = NULL;
    if (snap_live_qmp(st, name, "{\"execute\": \"query-block\"}", &reply, e) < 0)
        return -1;
    const char *arr = jscan_key(reply, "return"), *el;
    for (size_t i = 0; arr && (el = jscan_nth(arr, i)); i++) {
        const char *ins = jscan_key(el, "inserted");
        char file[4096] = "", node[64] = "";
        if (!ins || !jscan_str(ins, "file", file, sizeof(file)) ||
            !jscan_str(ins, "node-name", node, sizeof(node)))
            continue;
        for (size_t k = 0; k < ms->n; k++)
            if (strcmp(file, dst ? ms->d[k].dst_file : ms->d[k].src_file) == 0)
                snprintf(dst ? ms->d[k].dst_node : ms->d[k].src_node, 64, "%s", node);
    }
    for (size_t k = 0; k < ms->n; k++)
        if (!*(dst ? ms->d[k].dst_node : ms->d[k].src_node))
            return err_set(e, ERR_BACKEND, "disk '%s' ('%s') is not among the %s emulator's "
                           "block devices", ms->d[k].target,
                           dst ? ms->d[k].dst_file : ms->d[k].src_file,
                           dst ? "destination" : "source");
    return 0;
}

int mig_storage_export(struct mig_storage *ms, struct store *dst, const char *name,
                       const char *sock, struct err **e)
{
    if (find_nodes(ms, dst, name, true, e) < 0)
        return -1;
    struct buf b = {0};
    /* nbd-server-start takes the legacy socket address form ("data") */
    buf_add(&b, "{\"execute\": \"nbd-server-start\", \"arguments\": {\"addr\": "
            "{\"type\": \"unix\", \"data\": {\"path\": ");
    buf_add_json_str(&b, sock);
    buf_add(&b, "}}}}");
    if (qmp(dst, name, &b, e) < 0)
        return -1;
    ms->nbd_started = true;
    for (size_t k = 0; k < ms->n; k++) {
        buf_printf(&b, "{\"execute\": \"block-export-add\", \"arguments\": {\"type\": \"nbd\", "
                   "\"id\": \"domsh-export-%s\", \"node-name\": ", ms->d[k].target);
        buf_add_json_str(&b, ms->d[k].dst_node);
        buf_printf(&b, ", \"name\": \"%s\", \"writable\": true}}", ms->d[k].target);
        if (qmp(dst, name, &b, e) < 0)
            return -1;
        ms->d[k].exported = true;
    }
    return 0;
}

/* one mirror's job in a query-jobs answer: its status, progress, error */
struct job_view {
    char status[32], error[256];
    long long cur, total;
};

static bool job_find(const char *reply, const char *target, struct job_view *v)
{
    char want[64], id[64];
    snprintf(want, sizeof(want), "domsh-mirror-%s", target);
    const char *arr = jscan_key(reply, "return"), *el;
    for (size_t i = 0; arr && (el = jscan_nth(arr, i)); i++) {
        if (!jscan_str(el, "id", id, sizeof(id)) || strcmp(id, want) != 0)
            continue;
        *v = (struct job_view){0};
        jscan_str(el, "status", v->status, sizeof(v->status));
        jscan_str(el, "error", v->error, sizeof(v->error));
        jscan_num(el, "current-progress", &v->cur);
        jscan_num(el, "total-progress", &v->total);
        return true;
    }
    return false;
}

/* one look at the mirrors: 1 all reached want ("ready" or "concluded"),
 * 0 not yet, -1 one failed (a job's error counts only when strict) */
static int jobs_look(struct mig_storage *ms, struct store *st, const char *name, const char *want,
                     bool strict, long long *cur, long long *total, struct err **e)
{
    AUTOFREE char *reply = NULL;
    if (snap_live_qmp(st, name, "{\"execute\": \"query-jobs\"}", &reply, e) < 0)
        return -1;
    int all = 1;
    *cur = *total = 0;
    for (size_t k = 0; k < ms->n; k++) {
        struct job_view v;
        if (!ms->d[k].mirror)
            continue;
        if (!job_find(reply, ms->d[k].target, &v))
            return err_set(e, ERR_BACKEND, "the mirror of disk '%s' vanished", ms->d[k].target);
        bool ended = strcmp(v.status, "concluded") == 0 || strcmp(v.status, "aborting") == 0;
        if (strict && strcmp(want, "ready") == 0 && ended && strstr(v.error, "ancel"))
            return err_set(e, ERR_STATE, "operation aborted: migration out job: canceled by "
                           "client");    /* domjobabort: mig_storage_abort_copy */
        if ((strict && *v.error) || (ended && strcmp(want, "ready") == 0))
            return err_set(e, ERR_BACKEND, "the copy of disk '%s' failed: %s", ms->d[k].target,
                           *v.error ? v.error : "its job ended before it was ready");
        *cur += v.cur;
        *total += v.total;
        if (strcmp(v.status, want) != 0)
            all = 0;
    }
    return all;
}

/* poll until every mirror is in state want; draw its progress when draw */
static int jobs_wait(struct mig_storage *ms, struct store *st, const char *name, const char *want,
                     bool strict, long long deadline_ms, struct rt_progress *draw,
                     struct err **e)
{
    for (;;) {
        long long cur, total;
        int rc = jobs_look(ms, st, name, want, strict, &cur, &total, e);
        if (rc != 0) {
            if (rc > 0)
                rt_progress_draw(draw, cur, total, true);
            return rc < 0 ? -1 : 0;
        }
        rt_progress_draw(draw, cur, total, false);
        if (deadline_ms && now_ms() > deadline_ms)
            return err_set(e, ERR_TIMEOUT, "the disk mirrors did not reach '%s' in time", want);
        struct pollfd p = { .fd = ms->sig, .events = POLLIN };
        if (poll(&p, ms->sig >= 0 ? 1 : 0, MIRROR_POLL_MS) > 0 && rt_signals_came(ms->sig))
            return err_set(e, ERR_STATE, "operation canceled");
    }
}

static int mirror_one(struct mig_disk *md, unsigned long long speed, struct store *src,
                      const char *name, const char *sock, struct err **e)
{
    struct buf b = {0};
    buf_printf(&b, "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"nbd\", "
               "\"node-name\": \"domsh-nbd-%s\", \"server\": {\"type\": \"unix\", \"path\": ",
               md->target);
    buf_add_json_str(&b, sock);
    buf_printf(&b, "}, \"export\": \"%s\"}}", md->target);
    if (qmp(src, name, &b, e) < 0)
        return -1;
    md->nbd_node = true;
    buf_printf(&b, "{\"execute\": \"blockdev-mirror\", \"arguments\": {\"job-id\": "
               "\"domsh-mirror-%s\", \"device\": ", md->target);
    buf_add_json_str(&b, md->src_node);
    buf_printf(&b, ", \"target\": \"domsh-nbd-%s\", \"sync\": \"full\", "
               "\"auto-dismiss\": false", md->target);
    if (speed)
        buf_printf(&b, ", \"speed\": %llu", speed);
    buf_add(&b, "}}");
    if (qmp(src, name, &b, e) < 0)
        return -1;
    md->mirror = true;
    return 0;
}

/* what a migrating shell killed mid-copy left in the source (its mirror
 * jobs, failed or ready, and their nbd nodes) would stop the names being
 * used again: canceled, dismissed and deleted first */
static void sweep_leftovers(struct mig_storage *ms, struct store *src, const char *name)
{
    AUTOFREE char *reply = NULL;
    if (snap_live_qmp(src, name, "{\"execute\": \"query-jobs\"}", &reply, NULL) < 0)
        return;
    bool any = false;
    for (size_t k = 0; k < ms->n; k++) {
        struct job_view v;
        if (job_find(reply, ms->d[k].target, &v))
            any = ms->d[k].mirror = ms->d[k].nbd_node = true;
    }
    if (any)
        mig_storage_undo_source(ms, src, name);
}

int mig_storage_mirror(struct mig_storage *ms, struct store *src, const char *name,
                       const char *sock, struct err **e)
{
    if (find_nodes(ms, src, name, false, e) < 0)
        return -1;
    sweep_leftovers(ms, src, name);
    for (size_t k = 0; k < ms->n; k++)
        if (mirror_one(&ms->d[k], ms->speed, src, name, sock, e) < 0)
            return -1;
    const struct rt_progress *p = ms->progress;
    struct rt_progress bar = { .label = p && p->label ? "Storage copy" : NULL,
                               .out = p ? p->out : NULL, .last = -1 };
    return jobs_wait(ms, src, name, "ready", true, 0, &bar, e);
}

/* job-cancel (force: abandon the copy) then job-dismiss of every mirror */
static int mirrors_end(struct mig_storage *ms, struct store *src, const char *name, bool force,
                       struct err **e)
{
    struct buf b = {0};
    for (size_t k = 0; k < ms->n; k++) {
        if (!ms->d[k].mirror)
            continue;
        buf_printf(&b, "{\"execute\": \"block-job-cancel\", \"arguments\": {\"device\": "
                   "\"domsh-mirror-%s\"%s}}", ms->d[k].target, force ? ", \"force\": true" : "");
        if (qmp(src, name, &b, force ? NULL : e) < 0 && !force)
            return -1;           /* forced: it may have failed and concluded already */
    }
    struct err *werr = NULL;
    int rc = jobs_wait(ms, src, name, "concluded", !force, now_ms() + MIRROR_END_MS, NULL,
                       force ? &werr : e);
    err_free(werr);
    for (size_t k = 0; k < ms->n && (rc == 0 || force); k++) {
        if (!ms->d[k].mirror)
            continue;
        buf_printf(&b, "{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": "
                   "\"domsh-mirror-%s\"}}", ms->d[k].target);
        qmp(src, name, &b, NULL);
        ms->d[k].mirror = false;
    }
    return rc;
}

int mig_storage_end_mirrors(struct mig_storage *ms, struct store *src, const char *name,
                            struct err **e)
{
    return mirrors_end(ms, src, name, false, e);
}

int mig_storage_dest_run(struct mig_storage *ms, struct store *dst, const char *name,
                         bool paused, struct err **e)
{
    struct buf b = {0};
    buf_add(&b, "{\"execute\": \"nbd-server-stop\"}");
    if (qmp(dst, name, &b, e) < 0)
        return -1;
    ms->nbd_started = false;
    return paused ? 0 : sup_op_resume(dst, name, e);
}

int mig_storage_switch(struct mig_storage *ms, struct store *src, struct store *dst,
                       const char *name, bool paused, struct err **e)
{
    if (mirrors_end(ms, src, name, false, e) < 0)
        return -1;
    if (rt_signals_came(ms->sig))
        return err_set(e, ERR_STATE, "operation canceled");
    return mig_storage_dest_run(ms, dst, name, paused, e);
}

void mig_storage_undo_source(struct mig_storage *ms, struct store *src, const char *name)
{
    mirrors_end(ms, src, name, true, NULL);
    struct buf b = {0};
    for (size_t k = 0; k < ms->n; k++) {
        if (!ms->d[k].nbd_node)
            continue;
        buf_printf(&b, "{\"execute\": \"blockdev-del\", \"arguments\": {\"node-name\": "
                   "\"domsh-nbd-%s\"}}", ms->d[k].target);
        qmp(src, name, &b, NULL);
        ms->d[k].nbd_node = false;
    }
}

int mig_storage_abort_copy(struct store *st, const char *name)
{
    AUTOFREE char *reply = NULL;
    if (snap_live_qmp(st, name, "{\"execute\": \"query-jobs\"}", &reply, NULL) < 0)
        return -1;
    const char *arr = jscan_key(reply, "return"), *el;
    int canceled = 0;
    for (size_t i = 0; arr && (el = jscan_nth(arr, i)); i++) {
        char id[64] = "", status[32] = "";
        jscan_str(el, "id", id, sizeof(id));
        jscan_str(el, "status", status, sizeof(status));
        if (strncmp(id, "domsh-mirror-", 13) != 0 || strcmp(status, "concluded") == 0)
            continue;
        struct buf b = {0};
        buf_printf(&b, "{\"execute\": \"block-job-cancel\", \"arguments\": {\"device\": "
                   "\"%s\", \"force\": true}}", id);
        canceled += qmp(st, name, &b, NULL) == 0;
    }
    return canceled;
}
