/* change.c: the config-change engine (change.h). */
#include "change.h"

#include <string.h>

#include "domains.h"

#include "../devices/devices.h"
#include "../runtime/live_devices.h"
#include "../runtime/runtime.h"
#include "../store/history.h"
#include "../store/txn.h"
#include "../xml/domain.h"

int change_live_sync(struct store *st, const char *name, struct dnode *before,
                     struct dnode *after, void *ctx, struct err **e)
{
    return rt_live_sync(st, name, before, after, e);
}

static void print_diff(const struct change *c, const char *old, const char *new_text,
                       const char *name, const char *what)
{
    AUTOFREE char *la = xasprintf("%s.xml (%s)", name, what);
    AUTOFREE char *lb = xasprintf("%s.xml (%s, changed)", name, what);
    AUTOFREE char *d = text_diff(old, new_text, la, lb);
    fputs(*d ? d : "no change\n", c->diff_out ? c->diff_out : stdout);
}

/* the edited copy of BEFORE, formatted and loaded again like define
 * (live: through the live parse, so the guest's id and ptys stay) */
static struct dnode *edited_copy(const struct change *c, const struct dnode *before,
                                 const char *label, bool live, struct err **e)
{
    struct dnode *work = dnode_clone(before), *after = NULL;
    if (c->edit(work, c->ctx, e) == 0) {
        AUTOFREE char *text = dom_format(work, DOM_FMT_SECURE);
        after = live ? dom_load_live(text, strlen(text), label, e)
                     : dom_load_string(text, strlen(text), label, NULL, e);
    }
    dnode_free(work);
    return after;
}

/* the live part: edit a copy of live.xml, validate it like define, let
 * the hypervisor do it, then write the new live.xml */
static int apply_live(struct store *st, const char *name, const struct change *c,
                      struct err **e)
{
    if (!c->live)
        return err_set(e, ERR_UNSUPPORTED,
                       "this change cannot be made to running domain '%s': use --config "
                       "to change its next boot",
                       name);
    AUTOFREE char *path = rt_live_path(st, name);
    /* the live parse: the running guest's id and pty paths stay */
    struct dnode *before = domains_load(st, name, DOMAINS_LIVE, NULL, e);
    struct dnode *after = before ? edited_copy(c, before, path, true, e) : NULL;
    int rc = -1;
    if (after && c->dry_run) {
        AUTOFREE char *nt = dom_format(after, DOM_FMT_SECURE);
        AUTOFREE char *ot = dom_format(before, DOM_FMT_SECURE);
        print_diff(c, ot, nt, name, "live");
        rc = 0;
    } else if (after && c->live(st, name, before, after, c->ctx, e) == 0) {
        AUTOFREE char *nt = dom_format(after, DOM_FMT_SECURE);
        rc = write_file_atomic(path, nt, strlen(nt), 0600, e);
    }
    dnode_free(before);
    dnode_free(after);
    return rc;
}

/* the config half (after the live half): *outcome when nothing is left to do */
static int apply_config(struct store_txn *t, const char *name, unsigned mask,
                        const struct change *c, enum change_outcome *outcome, struct err **e)
{
    if (mask == SCOPE_CONFIG && !c->dry_run && strcmp(t->old_text, t->new_text) == 0) {
        /* e.g. a port with autoport=yes: the defaults put the old value back */
        *outcome = CHANGE_NOTHING;
        return 0;
    }
    if (c->dry_run)
        print_diff(c, t->old_text, t->new_text, name, "config");
    else if (store_txn_commit(t, c->summary, e) < 0)
        return -1;
    if (mask == SCOPE_CONFIG && !c->dry_run && rt_active(t->st, name))
        *outcome = CHANGE_NEXT_BOOT;
    return 0;
}

int change_apply(struct store *st, const char *name, unsigned mask, const struct change *c,
                 enum change_outcome *outcome, struct err **e)
{
    struct store_txn t = STORE_TXN_INIT;
    int rc = -1;
    *outcome = CHANGE_DONE;
    if (mask & SCOPE_CONFIG) {
        if (store_txn_begin(&t, st, name, e) < 0)
            goto out;
    } else {
        t.st = st;           /* the live scope alone still holds the domain lock */
        if ((t.lock = store_lock(st, name, true, e)) < 0)
            goto out;
    }
    if ((mask & SCOPE_CONFIG) && (c->edit(t.dom, c->ctx, e) < 0 || store_txn_prepare(&t, e) < 0))
        goto out;
    if ((mask & SCOPE_LIVE) && apply_live(st, name, c, e) < 0)
        goto out;
    rc = (mask & SCOPE_CONFIG) ? apply_config(&t, name, mask, c, outcome, e) : 0;
out:
    store_txn_end(&t);
    return rc;
}
