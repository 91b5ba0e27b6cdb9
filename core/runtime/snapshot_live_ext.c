/* snapshot_live_ext.c: external disk snapshots of a running domain, their
 * merge, and the journal that makes a killed create whole again
 * (snapshot_live.h). */
#include "snapshot_live.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "../store/history.h"
#include "../xml/domain.h"
#include "backend.h"
#include "runtime.h"
#include "save.h"
#include "save_priv.h"
#include "snapshot_disk.h"
#include "snapshot_live_priv.h"

/* ---- the definitions follow the disks ---- */

/* in def, the disk TARGET whose source is FROM gets TO (format FMT) */
static bool retarget_def(struct dnode *def, const struct disk_move *mv, size_t n)
{
    struct dnode *devs = dnode_child(def, "devices");
    bool changed = false;
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        struct dnode *d = dnode_nth(devs, "disk", i);
        const char *target, *file;
        if (!snap_writable_disk(d, &target, &file))
            continue;
        for (size_t k = 0; k < n; k++)
            if (strcmp(target, mv[k].target) == 0 && strcmp(file, mv[k].from) == 0) {
                dnode_set_attr(dnode_ensure(d, "source"), "file", mv[k].to);
                dnode_set_attr(dnode_ensure(d, "driver"), "type", mv[k].fmt);
                changed = true;
                break;
            }
    }
    return changed;
}

int snap_live_retarget(struct store *st, const char *dom, const struct disk_move *mv, size_t n,
                       const char *summary, struct err **e)
{
    AUTOFREE char *path = rt_live_path(st, dom);
    AUTOFREE char *live = store_live_text(st, dom);
    struct dnode *def = live ? dom_load_live(live, strlen(live), "live configuration", e) : NULL;
    int rc = live && !def ? -1 : 0;
    if (def && retarget_def(def, mv, n)) {
        AUTOFREE char *text = dom_format(def, DOM_FMT_SECURE);
        rc = write_file_atomic(path, text, strlen(text), 0600, e);
    }
    dnode_free(def);
    def = rc == 0 && store_exists(st, dom) ? store_load(st, dom, e) : NULL;
    if (rc == 0 && store_exists(st, dom) && !def)
        rc = -1;
    if (def && retarget_def(def, mv, n))
        rc = history_save(st, def, summary, e);
    dnode_free(def);
    return rc;
}

/* ---- the journal ---- */

static char *journal_path(struct store *st, const char *dom, const char *snap, const char *ext)
{
    return xasprintf("%s/snapshot/%s/%s.%s", st->config_dir, dom, snap, ext);
}

static int journal_write(struct store *st, const char *dom, const struct snapshot *s,
                         const char *ext, struct err **e)
{
    AUTOFREE char *path = journal_path(st, dom, s->name, ext);
    AUTOFREE char *text = snapshot_format(s, true);
    return snap_dir_make(st, dom, e) < 0 ? -1
           : write_file_atomic(path, text, strlen(text), 0600, e);
}

/* pending -> switched: QEMU writes to the overlays now */
static int journal_switched(struct store *st, const char *dom, const char *snap, struct err **e)
{
    AUTOFREE char *from = journal_path(st, dom, snap, "pending");
    AUTOFREE char *to = journal_path(st, dom, snap, "switched");
    if (rename(from, to) < 0)
        return err_sys(e, ERR_IO, "cannot rename '%s'", from);
    save_fsync_dir(to);
    return 0;
}

static void journal_remove(struct store *st, const char *dom, const char *snap)
{
    static const char *const exts[] = { "pending", "switched", "merging" };
    for (size_t i = 0; i < 3; i++) {
        AUTOFREE char *p = journal_path(st, dom, snap, exts[i]);
        unlink(p);
    }
}

/* ---- create ---- */

/* the switched snapshot s made whole: definitions, metadata, current */
static int finish_switch(struct store *st, const char *dom, const struct snapshot *s,
                         struct err **e)
{
    struct disk_move mv[LIVE_DISKS_MAX];
    size_t n = 0;
    const struct dnode *devs = dnode_child(s->domain, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk") && n < LIVE_DISKS_MAX; i++) {
        const char *target, *file;
        if (!snap_writable_disk(dnode_nth(devs, "disk", i), &target, &file))
            continue;
        const struct snap_disk *sd = snap_spec_of(s, target);
        if (sd && sd->snapshot && strcmp(sd->snapshot, "external") == 0 && sd->file)
            mv[n++] = (struct disk_move){ target, file, sd->file, "qcow2" };
    }
    AUTOFREE char *summary = xasprintf("snapshot-create %s", s->name);
    if (snap_live_retarget(st, dom, mv, n, summary, e) < 0 || snap_save(st, dom, s, e) < 0 ||
        snap_set_current(st, dom, s->name, e) < 0)
        return -1;
    journal_remove(st, dom, s->name);
    return 0;
}

/* an overlay for every disk, made before QEMU is asked (mode existing) */
static int make_overlays(struct ldisks *l, struct snapshot *req, struct err **e)
{
    size_t i = 0;
    for (; i < l->n; i++) {
        struct ldisk *ld = &l->v[i];
        if (strcmp(ld->active, ld->file) != 0) {
            err_set(e, ERR_STATE, "disk '%s' runs on '%s', not on '%s' of its definition",
                    ld->target, ld->active, ld->file);
            break;
        }
        struct snap_disk *sd = snap_spec_of(req, ld->target);
        if (!sd)
            sd = snapshot_add_disk(req, ld->target, NULL, NULL, NULL);
        free(sd->snapshot);
        sd->snapshot = xstrdup("external");
        free(sd->driver);
        sd->driver = xstrdup("qcow2");
        if (!sd->file)
            sd->file = snap_overlay_path(ld->file, req->name);
        struct dnode *copy = dnode_clone(ld->d);
        int rc = snap_overlay_create(copy, ld->file, sd->file, e);
        dnode_free(copy);
        if (rc < 0)
            break;
    }
    if (i == l->n)
        return 0;
    while (i-- > 0)
        unlink(snap_spec_of(req, l->v[i].target)->file);
    return -1;
}

static char *transaction_json(const struct ldisks *l, const struct snapshot *req)
{
    struct buf b = {0};
    unsigned stamp = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
    buf_add(&b, "{\"execute\": \"transaction\", \"arguments\": {\"actions\": [");
    for (size_t i = 0; i < l->n; i++) {
        buf_printf(&b, "%s{\"type\": \"blockdev-snapshot-sync\", \"data\": {\"node-name\": ",
                   i ? ", " : "");
        buf_add_json_str(&b, l->v[i].node);
        buf_add(&b, ", \"snapshot-file\": ");
        buf_add_json_str(&b, snap_spec_of(req, l->v[i].target)->file);
        /* a node name is at most 31 bytes and unique in the emulator */
        buf_printf(&b, ", \"snapshot-node-name\": \"ds%08x-%zu\", \"format\": \"qcow2\", "
                   "\"mode\": \"existing\"}}", stamp, i);
    }
    buf_add(&b, "]}}");
    return buf_steal(&b);
}

/* everything the create made, removed: the guest on its old files */
static void create_undo(struct store *st, const char *dom, const struct ldisks *l,
                        const struct snapshot *req)
{
    for (size_t i = 0; i < l->n; i++)
        unlink(snap_spec_of(req, l->v[i].target)->file);
    if (req->memory_file && strcmp(req->memory ? req->memory : "", "external") == 0)
        unlink(req->memory_file);
    journal_remove(st, dom, req->name);
}

static int switch_disks(struct store *st, const char *dom, struct ldisks *l,
                        struct snapshot *req, bool memory, struct rt_progress *p, struct err **e)
{
    if (journal_write(st, dom, req, "pending", e) < 0)
        return -1;
    if (memory && rt_save_memory_stopped(st, dom, req->memory_file, p, e) < 0)
        return -1;
    AUTOFREE char *json = transaction_json(l, req);
    struct err *why = NULL;
    if (snap_live_qmp(st, dom, json, NULL, &why) < 0) {
        err_set(e, why->code, "the disks did not switch to their overlays: %s", why->msg);
        err_free(why);
        return -1;
    }
    return journal_switched(st, dom, req->name, e);
}

int snap_live_external(struct store *st, const char *dom, const struct dnode *def,
                       struct snapshot *req, bool memory, struct rt_progress *p, struct err **e)
{
    struct ldisks l = { .n = 0 };
    struct dom_status ds;
    if (rt_status(st, dom, &ds, e) < 0 || snap_live_disks(st, dom, def, req, &l, e) < 0) {
        snap_ldisks_free(&l);
        return -1;
    }
    int rc = make_overlays(&l, req, e);
    if (rc == 0 && (rc = switch_disks(st, dom, &l, req, memory, p, e)) < 0)
        create_undo(st, dom, &l, req);
    if (memory && ds.state == DOM_RUNNING && snap_live_resume(st, dom, rc < 0 ? NULL : e) < 0)
        rc = -1;
    if (rc == 0)
        rc = finish_switch(st, dom, req, e);
    snap_ldisks_free(&l);
    return rc;
}

/* ---- merge (delete) ---- */

/* block-commit of the active overlay of ld into its base; mv says where
 * the disk is then */
static int merge_one(struct store *st, const char *dom, const struct ldisk *ld,
                     const char *overlay, struct disk_move *mv, char **base, char **fmt,
                     struct rt_progress *p, struct err **e)
{
    *base = snap_image_info(overlay, "full-backing-filename", e);
    *fmt = *base ? snap_image_info(overlay, "backing-filename-format", NULL) : NULL;
    if (!*base)
        return -1;
    struct buf b = {0};
    buf_add(&b, "{\"execute\": \"block-commit\", \"arguments\": {\"job-id\": \"domsh-commit\", "
            "\"device\": ");
    buf_add_json_str(&b, ld->node);
    buf_add(&b, ", \"base\": ");
    buf_add_json_str(&b, *base);
    buf_add(&b, ", \"auto-dismiss\": false}}");
    int rc = snap_live_job(st, dom, buf_str(&b), "block-commit", p, e);
    buf_free(&b);
    *mv = (struct disk_move){ ld->target, overlay, *base, *fmt ? *fmt : "raw" };
    return rc;
}

int snap_live_merge(struct store *st, const char *dom, const struct snapshot *s,
                    struct rt_progress *p, struct err **e)
{
    struct ldisks l;
    struct dnode *def = snap_live_running(st, dom, &l, e);
    struct disk_move mv[LIVE_DISKS_MAX];
    char *bases[LIVE_DISKS_MAX], *fmts[LIVE_DISKS_MAX];
    size_t n = 0;
    bool journaled = false;
    int rc = def ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < l.n; i++) {
        const struct snap_disk *sd = snap_spec_of(s, l.v[i].target);
        /* only an overlay that is the disk's active image: one under a
         * later snapshot's overlay stays (as offline) */
        if (!sd || !sd->snapshot || strcmp(sd->snapshot, "external") != 0 || !sd->file ||
            strcmp(l.v[i].active, sd->file) != 0)
            continue;
        if (!journaled && (rc = journal_write(st, dom, s, "merging", e)) < 0)
            break;
        journaled = true;
        rc = merge_one(st, dom, &l.v[i], sd->file, &mv[n], &bases[n], &fmts[n], p, e);
        if (rc == 0)
            n++;
        else {
            free(bases[n]);
            free(fmts[n]);
        }
    }
    /* the disks merged run on their bases now, whatever happened to the
     * others: the definitions follow them, at once */
    AUTOFREE char *summary = xasprintf("snapshot-delete %s", s->name);
    if (n && snap_live_retarget(st, dom, mv, n, summary, rc < 0 ? NULL : e) < 0)
        rc = -1;
    for (size_t i = 0; i < n; i++) {
        if (unlink(mv[i].from) < 0 && errno != ENOENT && rc == 0)
            rc = err_sys(e, ERR_IO, "merged, but cannot remove the overlay '%s'", mv[i].from);
        free(bases[i]);
        free(fmts[i]);
    }
    if (journaled)
        journal_remove(st, dom, s->name);
    snap_ldisks_free(&l);
    dnode_free(def);
    return rc;
}

/* ---- recovery ---- */

/* did the running domain switch to s's overlays */
static bool switched_now(struct store *st, const char *dom, const struct snapshot *s)
{
    struct ldisks l = { .n = 0 };
    bool any = false, all = true;
    if (!rt_active(st, dom) || snap_live_disks(st, dom, s->domain, s, &l, NULL) < 0) {
        snap_ldisks_free(&l);
        return false;
    }
    for (size_t i = 0; i < l.n; i++) {
        const struct snap_disk *sd = snap_spec_of(s, l.v[i].target);
        bool on = sd && sd->file && strcmp(l.v[i].active, sd->file) == 0;
        any |= on;
        all &= on;
    }
    snap_ldisks_free(&l);
    return any && all;
}

/* a merge whose shell went away: the disks the emulator runs on their
 * bases get their definitions moved there (the snapshot itself stays: the
 * next delete removes it); nothing to do for those still on the overlay */
static int recover_merge(struct store *st, const char *dom, const struct snapshot *s, FILE *warn,
                         struct err **e)
{
    struct ldisks l;
    struct dnode *def = rt_active(st, dom) ? snap_live_running(st, dom, &l, NULL) : NULL;
    struct disk_move mv[LIVE_DISKS_MAX];
    char *bases[LIVE_DISKS_MAX], *fmts[LIVE_DISKS_MAX];
    size_t n = 0;
    int rc = 0;
    if (!def)
        l.n = 0;
    else
        for (size_t i = 0; i < l.n; i++) {
            const struct snap_disk *sd = snap_spec_of(s, l.v[i].target);
            char *base = sd && sd->file && strcmp(l.v[i].active, sd->file) != 0
                         ? snap_image_info(sd->file, "full-backing-filename", NULL) : NULL;
            if (!base || strcmp(base, l.v[i].active) != 0) {
                free(base);
                continue;
            }
            bases[n] = base;
            fmts[n] = snap_image_info(sd->file, "backing-filename-format", NULL);
            mv[n] = (struct disk_move){ l.v[i].target, sd->file, base, fmts[n] ? fmts[n] : "raw" };
            n++;
        }
    AUTOFREE char *summary = xasprintf("snapshot-delete %s", s->name);
    if (n)
        rc = snap_live_retarget(st, dom, mv, n, summary, e);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            unlink(mv[i].from);
        free(bases[i]);
        free(fmts[i]);
    }
    fprintf(warn, "warning: snapshot-delete of '%s' was interrupted: %s\n", s->name,
            !def ? "the domain no longer runs; check its disks with qemu-img info --backing-chain"
            : n ? "its merge had finished, the definitions now point at the bases"
                : "nothing was merged");
    journal_remove(st, dom, s->name);
    snap_ldisks_free(&l);
    dnode_free(def);
    return rc;
}

static int recover_one(struct store *st, const char *dom, const char *file, FILE *warn,
                       struct err **e)
{
    AUTOFREE char *dir = snap_dir(st, dom);
    AUTOFREE char *path = xasprintf("%s/%s", dir, file);
    size_t len;
    AUTOFREE char *text = read_file_max(path, 10u * 1024u * 1024u, &len, e);
    struct snapshot *s = text ? snapshot_parse(text, len, path, e) : NULL;
    if (!s || !s->name || !s->domain) {
        snapshot_free(s);
        return err_set(e, ERR_INVALID, "cannot read the interrupted snapshot '%s'", path);
    }
    if (strstr(file, ".merging")) {
        int rc = recover_merge(st, dom, s, warn, e);
        snapshot_free(s);
        return rc;
    }
    bool forward = strstr(file, ".switched") || switched_now(st, dom, s);
    int rc = 0;
    if (forward) {
        rc = finish_switch(st, dom, s, e);
        fprintf(warn, "warning: snapshot-create of '%s' was interrupted after the disks "
                "switched to their overlays: %s\n", s->name, rc == 0 ? "completed" : "not completed");
    } else {
        for (size_t i = 0; i < s->ndisks; i++)
            if (s->disks[i].file && strcmp(s->disks[i].snapshot ? s->disks[i].snapshot : "",
                                           "external") == 0)
                unlink(s->disks[i].file);
        if (s->memory_file)
            unlink(s->memory_file);
        journal_remove(st, dom, s->name);
        fprintf(warn, "warning: snapshot-create of '%s' was interrupted before the disks "
                "switched: undone\n", s->name);
    }
    /* a guest the killed shell had stopped for the memory runs on */
    struct dom_status ds;
    if (rc == 0 && s->state && strcmp(s->state, "running") == 0 &&
        rt_status(st, dom, &ds, NULL) == 0 && ds.state == DOM_PAUSED &&
        strcmp(ds.reason, "snapshot") == 0)
        snap_live_resume(st, dom, NULL);
    snapshot_free(s);
    return rc;
}

int snap_live_recover(struct store *st, const char *dom, FILE *warn, struct err **e)
{
    AUTOFREE char *dir = snap_dir(st, dom);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct strv files = {0};
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *dot = strrchr(de->d_name, '.');
        if (dot && (strcmp(dot, ".pending") == 0 || strcmp(dot, ".switched") == 0 ||
                    strcmp(dot, ".merging") == 0))
            strv_push(&files, de->d_name);
    }
    closedir(d);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < files.n; i++)
        rc = recover_one(st, dom, files.v[i], warn, e);
    strv_free(&files);
    return rc;
}
