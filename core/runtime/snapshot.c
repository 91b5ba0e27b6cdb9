/* snapshot.c: snapshot create, revert and delete (snapshot.h). */
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../store/history.h"
#include "../xml/domain.h"
#include "backend.h"
#include "runtime.h"
#include "save.h"
#include "snapshot_disk.h"
#include "snapshot_live.h"

/* ---- the snapshot set ---- */

int snap_set_load(struct store *st, const char *dom, struct snap_set *set, struct err **e)
{
    *set = (struct snap_set){0};
    struct strv names = {0};
    int rc = snap_list(st, dom, &names, e);
    set->v = xcalloc(names.n ? names.n : 1, sizeof(*set->v));
    for (size_t i = 0; rc == 0 && i < names.n; i++)
        if (!(set->v[set->n++] = snap_load(st, dom, names.v[i], e)))
            rc = -1;
    strv_free(&names);
    set->current = snap_current(st, dom);
    if (rc < 0)
        snap_set_free(set);
    return rc;
}

void snap_set_free(struct snap_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        snapshot_free(set->v[i]);
    free(set->v);
    free(set->current);
    *set = (struct snap_set){0};
}

struct snapshot *snap_set_find(const struct snap_set *set, const char *name)
{
    for (size_t i = 0; name && i < set->n; i++)
        if (set->v[i]->name && strcmp(set->v[i]->name, name) == 0)
            return set->v[i];
    return NULL;
}

size_t snap_set_children(const struct snap_set *set, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        n += set->v[i]->parent && strcmp(set->v[i]->parent, name) == 0;
    return n;
}

size_t snap_set_descendants(const struct snap_set *set, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n; i++)
        if (set->v[i]->parent && strcmp(set->v[i]->parent, name) == 0)
            n += 1 + snap_set_descendants(set, set->v[i]->name);
    return n;
}

int snap_pick(struct store *st, const char *dom, const char *name, bool current, char **out,
              struct err **e)
{
    if (name && current)
        return err_set(e, ERR_ARGS, "--current and a snapshot name are mutually exclusive");
    if (!name && !current)
        return err_set(e, ERR_ARGS, "a snapshot name or --current is required");
    *out = name ? xstrdup(name) : snap_current(st, dom);
    if (!*out)
        return err_set(e, ERR_NOT_FOUND, "the domain '%s' has no current snapshot", dom);
    if (!snap_exists(st, dom, *out))
        return err_set(e, ERR_NOT_FOUND, "Domain snapshot not found: no domain snapshot with "
                       "matching name '%s'", *out);
    return 0;
}

char *snap_xml(struct store *st, const char *dom, const char *snap, struct err **e)
{
    struct snapshot *s = snap_load(st, dom, snap, e);
    char *xml = s ? snapshot_format(s, true) : NULL;
    snapshot_free(s);
    return xml;
}

struct rt_progress snap_progress(FILE *out, const char *label)
{
    return (struct rt_progress){ .label = isatty(fileno(out)) ? label : NULL, .out = out,
                                 .last = -1 };
}

const char *snap_location(const struct snapshot *s)
{
    bool internal = s->memory && strcmp(s->memory, "internal") == 0;
    bool external = s->memory && strcmp(s->memory, "external") == 0;
    for (size_t i = 0; i < s->ndisks; i++) {
        internal |= s->disks[i].snapshot && strcmp(s->disks[i].snapshot, "internal") == 0;
        external |= s->disks[i].snapshot && strcmp(s->disks[i].snapshot, "external") == 0;
    }
    return internal ? "internal" : external ? "external" : "none";
}

/* ---- specs ---- */

static int spec_value(char **slot, const char *v)
{
    free(*slot);
    *slot = xstrdup(v);
    return 0;
}

int snap_parse_memspec(struct snapshot *s, const char *spec, struct err **e)
{
    if (!strchr(spec, '=')) {
        spec_value(&s->memory, "external");
        return spec_value(&s->memory_file, spec);
    }
    AUTOFREE char *copy = xstrdup(spec);
    char *save = NULL;
    for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        if (strncmp(kv, "file=", 5) == 0)
            spec_value(&s->memory_file, kv + 5);
        else if (strcmp(kv, "snapshot=external") == 0 || strcmp(kv, "snapshot=no") == 0 ||
                 strcmp(kv, "snapshot=internal") == 0)
            spec_value(&s->memory, kv + 9);
        else
            return err_set(e, ERR_ARGS, "--memspec: unknown or unsupported key '%s' (file=, "
                           "snapshot=external|internal|no)", kv);
    }
    if (!s->memory)
        spec_value(&s->memory, "external");
    return 0;
}

int snap_parse_diskspec(struct snapshot *s, const char *spec, struct err **e)
{
    AUTOFREE char *copy = xstrdup(spec);
    char *save = NULL, *name = strtok_r(copy, ",", &save);
    if (!name || strchr(name, '='))
        return err_set(e, ERR_ARGS, "--diskspec: '%s' does not start with a disk name", spec);
    struct snap_disk *d = snapshot_add_disk(s, name, NULL, NULL, NULL);
    for (char *kv = strtok_r(NULL, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        if (strcmp(kv, "snapshot=no") == 0 || strcmp(kv, "snapshot=internal") == 0 ||
            strcmp(kv, "snapshot=external") == 0)
            spec_value(&d->snapshot, kv + 9);
        else if (strncmp(kv, "driver=", 7) == 0)
            spec_value(&d->driver, kv + 7);
        else if (strncmp(kv, "file=", 5) == 0)
            spec_value(&d->file, kv + 5);
        else
            return err_set(e, ERR_ARGS, "--diskspec: unknown key '%s' (snapshot=, driver=, "
                           "file=)", kv);
    }
    return 0;
}

/* ---- create ---- */

/* the metadata, written once everything it needs is on disk */
static int snap_finish(struct store *st, const char *dom, const struct snapshot *req,
                       struct err **e)
{
    if (snap_save(st, dom, req, e) == 0 && snap_set_current(st, dom, req->name, e) == 0)
        return 0;
    if (req->memory_file)
        unlink(req->memory_file);
    snap_remove(st, dom, req->name, NULL);
    return -1;
}

/* the domain as it is now: the running definition, else the config */
static struct dnode *current_definition(struct store *st, const char *dom, struct err **e)
{
    AUTOFREE char *live = store_live_text(st, dom);
    if (live)
        return dom_load_string(live, strlen(live), "live configuration", NULL, e);
    return store_load(st, dom, e);
}

/* a shut off domain's disks, with qemu-img; external overlays change the
 * config (recorded in the history) */
static int offline_disks(struct store *st, const char *dom, const struct dnode *def,
                         struct snapshot *req, struct err **e)
{
    struct dnode *after = dnode_clone(def);
    bool changed = false;
    int rc = snap_disks_create(after, req, &changed, e);
    if (rc == 0 && changed && store_exists(st, dom)) {
        AUTOFREE char *summary = xasprintf("snapshot-create %s", req->name);
        rc = history_save(st, after, summary, e);
    }
    dnode_free(after);
    return rc;
}

static int create_check(struct store *st, const char *dom, struct snapshot *req,
                        struct err **e)
{
    if (!req->name) {
        char t[32];
        snprintf(t, sizeof(t), "%lld", (long long)time(NULL));
        req->name = xstrdup(t);
    }
    if (snap_name_check(req->name, e) < 0)
        return -1;
    if (snap_exists(st, dom, req->name))
        return err_set(e, ERR_EXISTS, "snapshot '%s' already exists", req->name);
    return 0;
}

/* the metadata of req (state, parent, time, memory, definition) */
static void create_fill(struct store *st, const char *dom, struct snapshot *req,
                        struct dnode *def, enum dom_state state, const char *memory)
{
    bool live = state == DOM_RUNNING || state == DOM_PAUSED;
    free(req->state);
    req->state = xstrdup(!live ? "shutoff" : strcmp(memory, "no") == 0 ? "disk-snapshot"
                         : state == DOM_PAUSED ? "paused" : "running");
    free(req->parent);
    req->parent = snap_current(st, dom);
    req->creation_time = (long long)time(NULL);
    spec_value(&req->memory, memory);
    if (strcmp(memory, "external") == 0 && !req->memory_file)
        req->memory_file = xasprintf("%s/snapshot/%s/%s.mem", st->config_dir, dom, req->name);
    if (strcmp(memory, "external") != 0) {
        free(req->memory_file);
        req->memory_file = NULL;
    }
    dnode_free(req->domain);
    req->domain = def;
}

/* the running domain: its disks by kind (snapshot_live.h), else its
 * memory alone (nothing writable to snapshot) */
static int create_live(struct store *st, const char *dom, struct dnode *def, struct snapshot *req,
                       enum dom_state state, unsigned flags, struct rt_progress *p,
                       struct err **e)
{
    bool disk_only = flags & SNAP_CREATE_DISK_ONLY;
    bool memory = !disk_only && !(req->memory && strcmp(req->memory, "no") == 0);
    const char *kind = snap_live_has_disks(def, req) ? snap_live_kind(def, req, disk_only, e)
                                                     : "none";
    if (!kind || (strcmp(kind, "none") == 0 && req->memory &&
                  strcmp(req->memory, "internal") == 0 &&
                  err_set(e, ERR_UNSUPPORTED, "an internal memory snapshot needs a writable "
                          "qcow2 disk to hold it") < 0)) {
        dnode_free(def);
        return -1;
    }
    bool internal = strcmp(kind, "internal") == 0;
    create_fill(st, dom, req, def, state, internal ? "internal" : memory ? "external" : "no");
    if (snap_dir_make(st, dom, e) < 0)
        return -1;
    if (strcmp(kind, "external") == 0)
        return snap_live_external(st, dom, def, req, memory, p, e);   /* writes the metadata */
    if (internal && snap_live_internal(st, dom, def, req, p, e) < 0)
        return -1;
    if (!internal && memory && rt_save_memory(st, dom, req->memory_file, p, e) < 0)
        return -1;
    return snap_finish(st, dom, req, e);
}

static int create_locked(struct store *st, const char *dom, struct snapshot *req, unsigned flags,
                         struct rt_progress *p, struct err **e)
{
    struct dom_status ds;
    if (create_check(st, dom, req, e) < 0 || rt_status(st, dom, &ds, e) < 0)
        return -1;
    struct dnode *def = current_definition(st, dom, e);
    if (!def || snap_disks_supported(def, req, e) < 0) {
        dnode_free(def);
        return -1;
    }
    if (ds.state == DOM_RUNNING || ds.state == DOM_PAUSED)
        return create_live(st, dom, def, req, ds.state, flags, p, e);
    if ((req->memory && strcmp(req->memory, "internal") == 0 &&
         err_set(e, ERR_STATE, "domain '%s' is not running: it has no memory to snapshot",
                 dom) < 0) || offline_disks(st, dom, def, req, e) < 0) {
        dnode_free(def);
        return -1;
    }
    create_fill(st, dom, req, def, ds.state, "no");
    return snap_dir_make(st, dom, e) < 0 ? -1 : snap_finish(st, dom, req, e);
}

int rt_snapshot_create(struct store *st, const char *dom, struct snapshot *req, unsigned flags,
                       struct rt_progress *p, struct err **e)
{
    int lock = store_lock(st, dom, false, e);
    if (lock < 0)
        return -1;
    int rc = snap_live_recover(st, dom, stderr, e) < 0 ? -1 : create_locked(st, dom, req, flags, p, e);
    store_unlock(lock);
    return rc;
}

/* ---- revert ---- */

/* everything a revert needs, checked before the domain is touched */
static struct dnode *revert_check(struct store *st, const char *dom, const struct snapshot *s,
                                  struct err **e)
{
    if (!s->domain) {
        err_set(e, ERR_INVALID, "snapshot '%s' keeps no domain definition", s->name);
        return NULL;
    }
    AUTOFREE char *text = dom_format_node(s->domain, 0);
    struct err *why = NULL;
    struct dnode *def = dom_load_string(text, strlen(text), s->name, NULL, &why);
    struct dnode *now = def ? current_definition(st, dom, &why) : NULL;
    if (now && (strcmp(dom_uuid(now), dom_uuid(def)) != 0 || strcmp(dom_name(def), dom) != 0))
        err_set(&why, ERR_INVALID, "snapshot '%s' was taken of another domain ('%s', uuid %s)",
                s->name, dom_name(def), dom_uuid(def));
    struct save_image img = {0};
    if (!why && s->memory && strcmp(s->memory, "external") == 0 &&
        save_image_read(s->memory_file ? s->memory_file : "", &img, &why) < 0)
        err_prefix(&why, "snapshot '%s': ", s->name);
    save_image_free(&img);
    if (!why && snap_disks_any(s))
        snap_disks_check(s, def, &why);
    dnode_free(now);
    if (why) {
        err_set(e, why->code, "%s", why->msg);
        err_free(why);
        dnode_free(def);
        return NULL;
    }
    return def;
}

/* is FILE the source of a writable disk of def */
static bool uses_file(const struct dnode *def, const char *file)
{
    const struct dnode *devs = dnode_child(def, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const char *target, *f;
        if (snap_writable_disk(dnode_nth(devs, "disk", i), &target, &f) && strcmp(f, file) == 0)
            return true;
    }
    return false;
}

/* the overlays a revert leaves behind (the disks' active images before
 * it) are removed when domsh made them for a snapshot and no snapshot's
 * definition runs on them: their content is a state nobody can go back to.
 * Anything else (a file the user made, one a later snapshot sits on) stays. */
static void discard_overlays(struct store *st, const char *dom, const struct dnode *before,
                             const struct dnode *after)
{
    struct snap_set set;
    if (!before || snap_set_load(st, dom, &set, NULL) < 0)
        return;
    const struct dnode *devs = dnode_child(before, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const char *target, *file;
        if (!snap_writable_disk(dnode_nth(devs, "disk", i), &target, &file) ||
            uses_file(after, file))
            continue;
        bool ours = false, needed = false;
        for (size_t k = 0; k < set.n; k++) {
            for (size_t d = 0; d < set.v[k]->ndisks; d++)
                ours |= set.v[k]->disks[d].file && strcmp(set.v[k]->disks[d].file, file) == 0;
            needed |= set.v[k]->domain && uses_file(set.v[k]->domain, file);
        }
        if (ours && !needed)
            unlink(file);
    }
    snap_set_free(&set);
}

/* an internal snapshot with memory: snapshot-load into the running
 * guest, started paused from the snapshot's definition when needed */
static int revert_internal(struct store *st, const char *dom, const struct snapshot *s,
                           const struct dnode *def, bool active, bool paused,
                           struct rt_progress *p, struct err **e)
{
    if (!active) {
        int id;
        if (backend_start(st, def, START_PAUSED, &id, e) < 0)
            return -1;
    }
    if (snap_live_load(st, dom, s, paused, p, e) == 0)
        return 0;
    if (!active)
        sup_op_destroy(st, dom, NULL);   /* nothing half-reverted runs */
    return -1;
}

static int revert_locked(struct store *st, const char *dom, const char *snap, unsigned flags,
                         struct rt_progress *p, struct err **e)
{
    struct snapshot *s = snap_load(st, dom, snap, e);
    struct dnode *def = s ? revert_check(st, dom, s, e) : NULL;
    struct dnode *before = def ? current_definition(st, dom, NULL) : NULL;
    struct dom_status ds;
    int rc = def && rt_status(st, dom, &ds, e) == 0 ? 0 : -1;
    bool internal = s && s->memory && strcmp(s->memory, "internal") == 0;
    bool memory = s && s->memory && strcmp(s->memory, "external") == 0;
    bool active = rc == 0 && dom_state_active(ds.state);
    bool paused = (flags & SAVE_PAUSED) ||
                  (!(flags & SAVE_RUNNING) && s && s->state && strcmp(s->state, "paused") == 0);
    /* an internal snapshot loads into the same guest when it runs on the
     * snapshot's own disks; otherwise the guest is stopped first */
    if (rc == 0 && active && (!internal || !snap_same_disks(before, def))) {
        rc = sup_op_destroy(st, dom, e);
        active = false;
    }
    if (rc == 0 && !internal && snap_disks_any(s)) {
        discard_overlays(st, dom, before, def);
        rc = snap_disks_revert(s, def, e);
    }
    if (rc == 0 && store_exists(st, dom)) {
        AUTOFREE char *summary = xasprintf("snapshot-revert %s", snap);
        rc = history_save(st, def, summary, e);
    }
    if (rc == 0 && internal) {
        rc = revert_internal(st, dom, s, def, active, paused, p, e);
    } else if (rc == 0 && memory) {
        unsigned rf = flags ? flags : paused ? SAVE_PAUSED : SAVE_RUNNING;
        rc = rt_restore_locked(st, dom, s->memory_file, def, rf, p, e);
    } else if (rc == 0 && (flags & (SAVE_RUNNING | SAVE_PAUSED))) {
        int id;
        rc = backend_start(st, def, flags & SAVE_PAUSED ? START_PAUSED : 0, &id, e);
    }
    if (rc == 0)
        rc = snap_set_current(st, dom, snap, e);
    dnode_free(before);
    dnode_free(def);
    snapshot_free(s);
    return rc;
}

int rt_snapshot_revert(struct store *st, const char *dom, const char *snap, unsigned flags,
                       struct rt_progress *p, struct err **e)
{
    int lock = store_lock(st, dom, false, e);
    if (lock < 0)
        return -1;
    int rc = snap_live_recover(st, dom, stderr, e) < 0 ? -1 : revert_locked(st, dom, snap, flags, p, e);
    store_unlock(lock);
    return rc;
}

/* ---- delete ---- */

/* internal snapshots deleted, the active external overlay merged back:
 * by the running emulator (snapshot-delete and block-commit jobs), or with
 * qemu-img while the domain is shut off */
static int delete_disks(struct store *st, const char *dom, const struct snapshot *s,
                        struct rt_progress *p, struct err **e)
{
    struct dom_status ds;
    if (rt_status(st, dom, &ds, e) < 0)
        return -1;
    if (dom_state_active(ds.state))
        return snap_live_delete_internal(st, dom, s, p, e) < 0 ? -1
               : snap_live_merge(st, dom, s, p, e);
    struct dnode *cur = store_load(st, dom, e);
    bool changed = false;
    int rc = cur ? snap_disks_delete(s, cur, &changed, e) : -1;
    if (rc == 0 && changed) {
        AUTOFREE char *summary = xasprintf("snapshot-delete %s", s->name);
        rc = history_save(st, cur, summary, e);
    }
    dnode_free(cur);
    return rc;
}

/* merging s's overlay into its base would lose the internal snapshots
 * another snapshot keeps inside that overlay */
static int overlay_holds_internal(const struct snap_set *set, const struct snapshot *s,
                                  struct err **e)
{
    for (size_t k = 0; k < s->ndisks; k++) {
        const struct snap_disk *sd = &s->disks[k];
        if (!sd->file || !sd->snapshot || strcmp(sd->snapshot, "external") != 0)
            continue;
        for (size_t i = 0; i < set->n; i++) {
            const struct snapshot *t = set->v[i];
            bool internal = t != s && t->name && t->memory && t->domain;
            for (size_t d = 0; internal && d < t->ndisks; d++)
                if (t->disks[d].snapshot && strcmp(t->disks[d].snapshot, "internal") == 0 &&
                    strcmp(t->disks[d].name, sd->name) == 0 && snap_file_of(t->domain, sd->name) &&
                    strcmp(snap_file_of(t->domain, sd->name), sd->file) == 0)
                    return err_set(e, ERR_STATE, "snapshot '%s': its overlay '%s' holds the "
                                   "internal snapshot '%s', which merging it would lose: "
                                   "delete '%s' first", s->name, sd->file, t->name, t->name);
        }
    }
    return 0;
}

static int delete_one(struct store *st, const char *dom, struct snap_set *set,
                      struct snapshot *s, unsigned flags, struct rt_progress *p, struct err **e)
{
    /* the disks first: a refusal (running domain) must change nothing */
    if (!(flags & SNAP_DELETE_METADATA) && snap_disks_any(s) &&
        (overlay_holds_internal(set, s, e) < 0 || delete_disks(st, dom, s, p, e) < 0))
        return -1;
    /* then the children get the parent: a crash leaves a whole tree */
    for (size_t i = 0; i < set->n; i++) {
        struct snapshot *c = set->v[i];
        if (!c->name || !c->parent || strcmp(c->parent, s->name) != 0)
            continue;           /* (a NULL name: deleted already, with --children) */
        free(c->parent);
        c->parent = s->parent ? xstrdup(s->parent) : NULL;
        if (snap_save(st, dom, c, e) < 0)
            return -1;
    }
    if (set->current && strcmp(set->current, s->name) == 0) {
        if (snap_set_current(st, dom, s->parent, e) < 0)
            return -1;
        free(set->current);
        set->current = s->parent ? xstrdup(s->parent) : NULL;
    }
    if (snap_remove(st, dom, s->name, e) < 0)
        return -1;
    if (!(flags & SNAP_DELETE_METADATA) && s->memory_file && unlink(s->memory_file) < 0 &&
        errno != ENOENT)
        return err_sys(e, ERR_IO, "snapshot '%s' deleted, but not its memory image '%s'",
                       s->name, s->memory_file);
    return 0;
}

/* S's descendants, deepest first */
static int delete_below(struct store *st, const char *dom, struct snap_set *set,
                        const char *name, unsigned flags, struct rt_progress *p, struct err **e)
{
    for (size_t i = 0; i < set->n; i++) {
        struct snapshot *c = set->v[i];
        if (!c->name || !c->parent || strcmp(c->parent, name) != 0)
            continue;
        if (delete_below(st, dom, set, c->name, flags, p, e) < 0 ||
            delete_one(st, dom, set, c, flags, p, e) < 0)
            return -1;
        free(c->name);           /* gone: no longer matches anything */
        c->name = NULL;
    }
    return 0;
}

int rt_snapshot_delete(struct store *st, const char *dom, const char *snap, unsigned flags,
                       struct rt_progress *p, struct err **e)
{
    int lock = store_lock(st, dom, false, e);
    if (lock < 0)
        return -1;
    struct snap_set set = {0};
    int rc = snap_live_recover(st, dom, stderr, e) < 0 ? -1 : snap_set_load(st, dom, &set, e);
    struct snapshot *s = rc == 0 ? snap_set_find(&set, snap) : NULL;
    if (rc == 0 && !s)
        rc = err_set(e, ERR_NOT_FOUND, "Domain snapshot not found: no domain snapshot with "
                     "matching name '%s'", snap);
    if (rc == 0 && (flags & (SNAP_DELETE_CHILDREN | SNAP_DELETE_CHILDREN_ONLY)))
        rc = delete_below(st, dom, &set, snap, flags, p, e);
    if (rc == 0 && !(flags & SNAP_DELETE_CHILDREN_ONLY))
        rc = delete_one(st, dom, &set, s, flags, p, e);
    snap_set_free(&set);
    store_unlock(lock);
    return rc;
}
