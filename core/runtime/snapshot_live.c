/* snapshot_live.c: disk snapshots of a running domain (snapshot_live.h). */
#include "snapshot_live.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "../base/proto.h"
#include "../store/history.h"
#include "../xml/domain.h"
#include "backend.h"
#include "jsonscan.h"
#include "live_devices.h"
#include "runtime.h"
#include "save.h"
#include "snapshot_disk.h"
#include "snapshot_live_priv.h"

#define LIVE_QMP_TIMEOUT_MS 30000
#define LIVE_JOB_TIMEOUT_MS (30 * 60 * 1000)

void snap_ldisks_free(struct ldisks *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].alias);
    l->n = 0;
}

const struct snap_disk *snap_spec_of_c(const struct snapshot *s, const char *target)
{
    for (size_t i = 0; i < s->ndisks; i++)
        if (strcmp(s->disks[i].name, target) == 0)
            return &s->disks[i];
    return NULL;
}

static bool left_out(const struct snapshot *s, const char *target)
{
    const struct snap_disk *sd = snap_spec_of(s, target);
    return sd && sd->snapshot && strcmp(sd->snapshot, "no") == 0;
}

static bool is_q35(const struct dnode *def)
{
    const char *machine = dnode_attr(dnode_path(def, "os/type"), "machine");
    return machine && strstr(machine, "q35");
}

bool snap_live_has_disks(const struct dnode *def, const struct snapshot *req)
{
    const struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const char *target, *file;
        if (snap_writable_disk(dnode_nth(devs, "disk", i), &target, &file) &&
            !left_out(req, target))
            return true;
    }
    return false;
}

const char *snap_live_kind(const struct dnode *def, const struct snapshot *req, bool disk_only,
                           struct err **e)
{
    bool qcow2 = true, want_int = req->memory && strcmp(req->memory, "internal") == 0;
    bool want_ext = disk_only || req->memory_file ||
                    (req->memory && strcmp(req->memory, "no") == 0);
    const struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const struct dnode *d = dnode_nth(devs, "disk", i);
        const char *target, *file;
        if (!snap_writable_disk(d, &target, &file) || left_out(req, target))
            continue;
        const struct snap_disk *sd = snap_spec_of(req, target);
        want_int |= sd && sd->snapshot && strcmp(sd->snapshot, "internal") == 0;
        want_ext |= sd && sd->snapshot && strcmp(sd->snapshot, "external") == 0;
        qcow2 &= strcmp(snap_disk_format(d), "qcow2") == 0;
    }
    if (want_int && (want_ext || !qcow2)) {
        err_set(e, ERR_UNSUPPORTED, "an internal snapshot of a running domain needs every "
                "snapshotted disk qcow2 and takes its memory inside them: no --disk-only, "
                "--memspec FILE or external disk");
        return NULL;
    }
    return !want_ext && qcow2 ? "internal" : "external";
}

/* ---- talking to the supervisor ---- */

int snap_live_qmp(struct store *st, const char *dom, const char *json, char **reply,
                    struct err **e)
{
    AUTOFREE char *sock = rt_sock_path(st, dom);
    AUTOFREE char *cmd = xasprintf("qmp %s", json);
    return sup_request(sock, cmd, LIVE_QMP_TIMEOUT_MS, reply, e);
}

/* "status=S transferred=N total=N" drawn on p */
static void progress_frame(struct rt_progress *p, const struct frame *f)
{
    char text[128];
    snprintf(text, sizeof(text), "%.*s", (int)f->len, f->payload);
    const char *t = strstr(text, "transferred="), *n = strstr(text, "total=");
    rt_progress_draw(p, t ? atoll(t + 12) : 0, n ? atoll(n + 6) : 0, false);
}

/* the job's answer; SIGINT, SIGTERM and SIGHUP (taken through a
 * signalfd meanwhile) drop the connection instead, which has the
 * supervisor cancel the job unless its switch-over was asked for */
static int job_wait(int sock, struct rt_progress *prog, struct err **e)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    int sig = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    struct frame_reader *r = xcalloc(1, sizeof(*r));
    struct frame f;
    int rc = 1;
    while (rc == 1) {
        if (frame_next(r, &f)) {
            if (f.type == PROTO_OK)
                rc = 0;
            else if (f.type == PROTO_ERR)
                rc = err_set(e, ERR_BACKEND, "%.*s", (int)f.len, f.payload);
            else if (f.type == PROTO_PROGRESS)
                progress_frame(prog, &f);
            continue;
        }
        struct pollfd p[2] = { { .fd = sock, .events = POLLIN }, { .fd = sig, .events = POLLIN } };
        int pr = poll(p, sig >= 0 ? 2 : 1, LIVE_JOB_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0)
            rc = err_set(e, ERR_TIMEOUT, "the domain supervisor stopped answering");
        else if (p[1].revents)
            rc = err_set(e, ERR_STATE, "operation canceled");
        else if (frame_fill(r, sock) <= 0)
            rc = err_set(e, ERR_BACKEND, "the domain supervisor closed the connection");
    }
    free(r);
    if (rc == 0)
        rt_progress_draw(prog, 1, 1, true);
    else if (prog && prog->last >= 0 && isatty(fileno(prog->out)))
        fputc('\n', prog->out);  /* end the bar's line before the error */
    if (sig >= 0)
        close(sig);              /* a signal taken here is consumed, not replayed */
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* a job run to its end by the supervisor; its error in one line */
int snap_live_job(struct store *st, const char *dom, const char *json, const char *what,
                  struct rt_progress *p, struct err **e)
{
    AUTOFREE char *sock = rt_sock_path(st, dom);
    AUTOFREE char *cmd = xasprintf("job %s", json);
    struct err *why = NULL;
    int fd = sup_connect(sock, &why);
    if (fd >= 0 && proto_send_str(fd, PROTO_CMD, cmd) < 0)
        err_set(&why, ERR_BACKEND, "cannot talk to the domain supervisor");
    else if (fd >= 0)
        job_wait(fd, p, &why);
    if (fd >= 0)
        close(fd);
    if (!why)
        return 0;
    err_set(e, why->code, "%s failed: %s", what, why->msg);
    err_free(why);
    return -1;
}

/* the disks to snapshot and, from query-block, their active nodes */
int snap_live_disks(struct store *st, const char *dom, const struct dnode *def,
                      const struct snapshot *req, struct ldisks *l, struct err **e)
{
    const struct dnode *devs = dnode_child(def, "devices");
    l->n = 0;
    for (size_t i = 0; devs && i < dnode_count(devs, "disk") && l->n < LIVE_DISKS_MAX; i++) {
        const struct dnode *d = dnode_nth(devs, "disk", i);
        struct ldisk *ld = &l->v[l->n];
        if (!snap_writable_disk(d, &ld->target, &ld->file) || left_out(req, ld->target))
            continue;
        ld->d = d;
        ld->alias = rt_disk_alias(is_q35(def), d);
        ld->node[0] = ld->active[0] = '\0';
        l->n++;
    }
    AUTOFREE char *reply = NULL;
    if (snap_live_qmp(st, dom, "{\"execute\": \"query-block\"}", &reply, e) < 0)
        return -1;
    const char *arr = jscan_key(reply, "return"), *el;
    for (size_t i = 0; arr && (el = jscan_nth(arr, i)); i++) {
        char qdev[256] = "";
        const char *ins = jscan_key(el, "inserted");
        jscan_str(el, "qdev", qdev, sizeof(qdev));
        for (size_t k = 0; ins && k < l->n; k++) {
            struct ldisk *ld = &l->v[k];
            AUTOFREE char *mid = xasprintf("/%s/", ld->alias ? ld->alias : "?");
            if (ld->alias && (strcmp(qdev, ld->alias) == 0 || strstr(qdev, mid))) {
                jscan_str(ins, "node-name", ld->node, sizeof(ld->node));
                jscan_str(ins, "file", ld->active, sizeof(ld->active));
            }
        }
    }
    for (size_t k = 0; k < l->n; k++)
        if (!l->v[k].node[0])
            return err_set(e, ERR_BACKEND, "disk '%s' is not among the emulator's block "
                           "devices", l->v[k].target);
    return 0;
}

/* {"execute": CMD, "arguments": {"job-id": "domsh-snapshot", "tag": T, ...
 * "devices": [nodes]}} */
static char *snapshot_job_json(const char *cmd, const char *tag, const struct ldisks *l,
                               bool vmstate)
{
    struct buf b = {0};
    buf_printf(&b, "{\"execute\": \"%s\", \"arguments\": {\"job-id\": \"domsh-snapshot\", "
               "\"tag\": ", cmd);
    buf_add_json_str(&b, tag);
    if (vmstate) {
        buf_add(&b, ", \"vmstate\": ");
        buf_add_json_str(&b, l->v[0].node);
    }
    buf_add(&b, ", \"devices\": [");
    for (size_t i = 0; i < l->n; i++) {
        buf_add(&b, i ? ", " : "");
        buf_add_json_str(&b, l->v[i].node);
    }
    buf_add(&b, "]}}");
    return buf_steal(&b);
}

/* ---- internal ---- */

int snap_live_internal(struct store *st, const char *dom, const struct dnode *def,
                       struct snapshot *req, struct rt_progress *p, struct err **e)
{
    struct ldisks l;
    int rc = snap_live_disks(st, dom, def, req, &l, e);
    if (rc == 0) {
        AUTOFREE char *json = snapshot_job_json("snapshot-save", req->name, &l, true);
        rc = snap_live_job(st, dom, json, "snapshot-save", p, e);
    }
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        struct snap_disk *sd = snap_spec_of(req, l.v[i].target);
        if (!sd)
            sd = snapshot_add_disk(req, l.v[i].target, NULL, NULL, NULL);
        free(sd->snapshot);
        sd->snapshot = xstrdup("internal");
    }
    snap_ldisks_free(&l);
    return rc;
}

/* `cont` right after an outgoing migration is refused until QEMU has
 * finalized it ("Migration is not finalized yet"): asked again */
int snap_live_resume(struct store *st, const char *dom, struct err **e)
{
    for (int i = 0;; i++) {
        struct err *why = NULL;
        if (sup_op_resume(st, dom, &why) == 0)
            return 0;
        bool again = strstr(why->msg, "not finalized") && i < 500;
        if (!again) {
            err_set(e, why->code, "%s", why->msg);
            err_free(why);
            return -1;
        }
        err_free(why);
        usleep(20000);
    }
}

int snap_live_load(struct store *st, const char *dom, const struct snapshot *s, bool paused,
                   struct rt_progress *p, struct err **e)
{
    struct ldisks l;
    struct dom_status ds;
    int rc = snap_live_disks(st, dom, s->domain, s, &l, e);
    if (rc == 0) {
        AUTOFREE char *json = snapshot_job_json("snapshot-load", s->name, &l, true);
        rc = snap_live_job(st, dom, json, "snapshot-load", p, e);
    }
    snap_ldisks_free(&l);
    if (rc < 0 || rt_status(st, dom, &ds, e) < 0)
        return -1;
    if (paused && ds.state == DOM_RUNNING)
        return sup_op_suspend(st, dom, e);
    if (!paused && ds.state == DOM_PAUSED)
        return snap_live_resume(st, dom, e);
    return 0;
}

struct dnode *snap_live_running(struct store *st, const char *dom, struct ldisks *l,
                               struct err **e)
{
    AUTOFREE char *live = store_live_text(st, dom);
    struct dnode *def = live ? dom_load_live(live, strlen(live), "live configuration", e) : NULL;
    struct snapshot none = { .name = NULL };
    l->n = 0;
    if (!live)
        err_set(e, ERR_STATE, "domain '%s' is not running", dom);
    if (def && snap_live_disks(st, dom, def, &none, l, e) < 0) {
        dnode_free(def);
        def = NULL;
    }
    if (!def)
        snap_ldisks_free(l);
    return def;
}

int snap_live_delete_internal(struct store *st, const char *dom, const struct snapshot *s,
                              struct rt_progress *p, struct err **e)
{
    struct ldisks l;
    struct dnode *def = snap_live_running(st, dom, &l, e);
    int rc = def ? 0 : -1;
    /* only the disks that hold it (a later external snapshot may have put
     * them under an overlay, which has no such snapshot: then qemu-img) */
    struct ldisks keep = { .n = 0 };
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        const struct snap_disk *sd = snap_spec_of(s, l.v[i].target);
        if (sd && sd->snapshot && strcmp(sd->snapshot, "internal") == 0)
            keep.v[keep.n++] = l.v[i];
    }
    if (rc == 0 && keep.n) {
        AUTOFREE char *json = snapshot_job_json("snapshot-delete", s->name, &keep, false);
        rc = snap_live_job(st, dom, json, "snapshot-delete", p, e);
    }
    snap_ldisks_free(&l);
    dnode_free(def);
    return rc;
}
