/* devcmd.c: shared machinery of the device and config-history commands
 * (see devcmd.h).  A change is checked completely before anything is
 * written: the config copy goes through define's pipeline, the live copy
 * too, then the hypervisor side runs, then live.xml and the config are
 * written.  A refused change leaves every file as it was. */
#include "devcmd.h"

#include "../core/runtime/live_devices.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/domains/domains.h"
#include "../core/runtime/runtime.h"

bool devcmd_active(struct shell *sh, const char *name)
{
    struct dom_status s;
    struct err *e = NULL;
    bool active = rt_status(sh->store, name, &s, &e) == 0 && dom_state_active(s.state);
    err_free(e);
    return active;
}

int devcmd_scope(struct shell *sh, const struct cmd_args *a, int first, enum scope_default def,
                 const char *name, unsigned *mask, struct err **e)
{
    struct scope_flags f = {
        .config = args_bool(a, first),
        .live = args_bool(a, first + 1),
        .current = args_bool(a, first + 2),
        .persistent = args_bool(a, first + 3),
    };
    return dev_scope(&f, def, devcmd_active(sh, name), name, mask, e);
}

char *devcmd_live_path(struct shell *sh, const char *name)
{
    return xasprintf("%s/%s/" RUNF_LIVE, sh->store->run_dir, name);
}

struct dnode *devcmd_load(struct shell *sh, const char *name, bool inactive, struct err **e)
{
    return domains_load(sh->store, name, inactive ? DOMAINS_INACTIVE : DOMAINS_CURRENT, NULL, e);
}

char *devcmd_read_fragment(const char *path, struct err **e)
{
    return read_file_max(path, DOM_MAX_XML, NULL, e);
}

static void print_diff(struct shell *sh, const char *old, const char *new_text,
                       const char *name, const char *what)
{
    AUTOFREE char *la = xasprintf("%s.xml (%s)", name, what);
    AUTOFREE char *lb = xasprintf("%s.xml (%s, changed)", name, what);
    AUTOFREE char *d = text_diff(old, new_text, la, lb);
    fputs(*d ? d : "no change\n", sh->out);
}

/* the live part: edit a copy of live.xml, validate it like define, let
 * the hypervisor do it, then write the new live.xml */
static int apply_live(struct shell *sh, const char *name, const struct devcmd_change *c,
                      struct err **e)
{
    if (!c->live)
        return err_set(e, ERR_UNSUPPORTED,
                       "this change cannot be made to running domain '%s': use --config "
                       "to change its next boot",
                       name);
    AUTOFREE char *path = devcmd_live_path(sh, name);
    /* the live parse: the running guest's id and pty paths stay */
    struct dnode *before = domains_load(sh->store, name, DOMAINS_LIVE, NULL, e);
    struct dnode *work = before ? dnode_clone(before) : NULL;
    struct dnode *after = NULL;
    int rc = -1;
    if (work && c->edit(work, c->ctx, e) == 0) {
        AUTOFREE char *text = dom_format(work, DOM_FMT_SECURE);
        after = dom_load_live(text, strlen(text), path, e);
    }
    if (after && c->dry_run) {
        AUTOFREE char *nt = dom_format(after, DOM_FMT_SECURE);
        AUTOFREE char *ot = dom_format(before, DOM_FMT_SECURE);
        print_diff(sh, ot, nt, name, "live");
        rc = 0;
    } else if (after && c->live(sh, name, before, after, c->ctx, e) == 0) {
        AUTOFREE char *nt = dom_format(after, DOM_FMT_SECURE);
        rc = write_file_atomic(path, nt, strlen(nt), 0600, e);
    }
    dnode_free(before);
    dnode_free(work);
    dnode_free(after);
    return rc;
}

int devcmd_apply(struct shell *sh, const char *name, unsigned mask,
                 const struct devcmd_change *c, struct err **e)
{
    struct dev_txn t = {.lock = -1};
    int rc = -1;
    if (mask & SCOPE_CONFIG) {
        if (dev_txn_begin(&t, sh->store, name, e) < 0)
            goto out;
    } else {
        t.st = sh->store;
        if ((t.lock = store_lock(sh->store, name, true, e)) < 0)
            goto out;
    }
    if ((mask & SCOPE_CONFIG) && (c->edit(t.dom, c->ctx, e) < 0 || dev_txn_prepare(&t, e) < 0))
        goto out;
    if ((mask & SCOPE_LIVE) && apply_live(sh, name, c, e) < 0)
        goto out;
    if (mask == SCOPE_CONFIG && !c->dry_run && strcmp(t.old_text, t.new_text) == 0) {
        /* e.g. a port with autoport=yes: the defaults put the old value back */
        shell_info(sh, "no change: the config of domain '%s' already says that", name);
        rc = 1;
        goto out;
    }
    if ((mask & SCOPE_CONFIG) && c->dry_run)
        print_diff(sh, t.old_text, t.new_text, name, "config");
    else if ((mask & SCOPE_CONFIG) && dev_txn_commit(&t, c->summary, e) < 0)
        goto out;
    if (mask == SCOPE_CONFIG && !c->dry_run && devcmd_active(sh, name))
        shell_info(sh, "config changed: running domain '%s' sees it at its next start", name);
    rc = 0;
out:
    dev_txn_end(&t);
    return rc;
}

static struct dnode *new_built(struct devcmd_new *n, const struct dnode *dom, struct err **e)
{
    if (!n->built) {
        struct dnode *raw = n->build(n->opts, e);
        n->built = raw ? dev_reparse(raw, dom, e) : NULL;
        dnode_free(raw);
    }
    return n->built;
}

int devcmd_new_edit(struct dnode *dom, void *ctx, struct err **e)
{
    struct devcmd_new *n = ctx;
    if (!new_built(n, dom, e))
        return -1;
    struct dnode *d = dev_insert(dom, dnode_clone(n->built));
    free(n->selector);
    n->selector = dev_selector(d);
    return 0;
}

int devcmd_new_print(struct shell *sh, struct devcmd_new *n, struct err **e)
{
    if (!new_built(n, NULL, e))
        return -1;
    AUTOFREE char *xml = dom_format_node(n->built, DOM_FMT_SECURE);
    fputs(xml, sh->out);
    return 0;
}

void devcmd_new_free(struct devcmd_new *n)
{
    dnode_free(n->built);
    free(n->selector);
    n->built = NULL;
    n->selector = NULL;
}

void devcmd_table_add(struct devcmd_table *t, const char *const *row)
{
    for (size_t i = 0; i < t->ncols; i++)
        strv_push(&t->cells, row[i] && *row[i] ? row[i] : "-");
}

void devcmd_table_print(FILE *out, struct devcmd_table *t)
{
    size_t w[16] = {0}, total = 0;
    size_t nrows = t->ncols ? t->cells.n / t->ncols : 0;
    for (size_t c = 0; c < t->ncols && c < 16; c++) {
        w[c] = strlen(t->head[c]);
        for (size_t r = 0; r < nrows; r++) {
            size_t l = strlen(t->cells.v[r * t->ncols + c]);
            w[c] = l > w[c] ? l : w[c];
        }
        total += w[c] + 3;
    }
    for (size_t r = 0; r <= nrows + 1; r++) {
        if (r == 1) {
            for (size_t k = 0; k < total; k++)
                fputc('-', out);
            fputc('\n', out);
            continue;
        }
        for (size_t c = 0; c < t->ncols && c < 16; c++) {
            const char *cell = r == 0 ? t->head[c] : t->cells.v[(r - 2) * t->ncols + c];
            int pad = c + 1 < t->ncols ? (int)w[c] : 0;
            fprintf(out, "%s%-*s", c ? "   " : " ", pad, cell);
        }
        fputc('\n', out);
    }
    strv_free(&t->cells);
}

int devcmd_apply_config_only(struct shell *sh, const struct cmd_args *a, int first,
                             enum scope_default def, const char *what,
                             const struct devcmd_change *c, struct err **e)
{
    unsigned mask;
    if (devcmd_scope(sh, a, first, def, a->dom_name, &mask, e) < 0)
        return -1;
    if (mask & SCOPE_LIVE)
        return err_set(e, ERR_UNSUPPORTED,
                       "cannot %s of running domain '%s': use --config (applies at next boot)",
                       what, a->dom_name);
    return devcmd_apply(sh, a->dom_name, mask, c, e) < 0 ? -1 : 0;
}

int devcmd_live_sync(struct shell *sh, const char *name, struct dnode *before,
                     struct dnode *after, void *ctx, struct err **e)
{
    return rt_live_sync(sh->store, name, before, after, e);
}
