/* devcmd.c: the shell side of a config change (devcmd.h); the engine is
 * core/domains/change.c. */
#include "devcmd.h"

#include <unistd.h>

#include "../core/domains/domains.h"
#include "../core/runtime/runtime.h"

bool devcmd_active(struct shell *sh, const char *name)
{
    return rt_active(sh->store, name);
}

char *devcmd_live_path(struct shell *sh, const char *name)
{
    return rt_live_path(sh->store, name);
}

struct dnode *devcmd_load(struct shell *sh, const char *name, bool inactive, struct err **e)
{
    return domains_load(sh->store, name, inactive ? DOMAINS_INACTIVE : DOMAINS_CURRENT, NULL, e);
}

int devcmd_scope(struct shell *sh, const struct cmd_args *a, int first, enum scope_default def,
                 const char *name, unsigned *mask, struct err **e)
{
    struct dom_status ds;
    rt_status_repair(sh->store, name, &ds, NULL);
    struct scope_flags f = {
        .config = args_bool(a, first),
        .live = args_bool(a, first + 1),
        .current = args_bool(a, first + 2),
        .persistent = args_bool(a, first + 3),
    };
    return dev_scope(&f, def, dom_state_active(ds.state), name, mask, e);
}

int devcmd_run(struct shell *sh, const struct cmd_args *a, const struct devcmd_req *r,
               struct err **e)
{
    const char *name = a->dom_name;
    unsigned mask;
    if (devcmd_scope(sh, a, r->scope_opt, r->def, name, &mask, e) < 0)
        return -1;
    if (r->refuse_live && (mask & SCOPE_LIVE))
        return err_set(e, ERR_UNSUPPORTED,
                       "cannot %s of running domain '%s': use --config (applies at next boot)",
                       r->refuse_live, name);
    struct change c = {r->summary, r->edit, r->refuse_live ? NULL : change_live_sync, r->ctx,
                       r->dry_run, sh->out};
    enum change_outcome outcome;
    if (change_apply(sh->store, name, mask, &c, &outcome, e) < 0) {
        if (r->fail)
            err_prefix(e, "%s", r->fail);
        return -1;
    }
    if (outcome == CHANGE_NOTHING) {
        shell_info(sh, "no change: the config of domain '%s' already says that", name);
        return 1;
    }
    if (outcome == CHANGE_NEXT_BOOT)
        shell_info(sh, "config changed: running domain '%s' sees it at its next start", name);
    if (r->dry_run)
        return 1;
    if (r->done)
        shell_info(sh, "%s", r->done);
    return 0;
}

int devcmd_print_new(struct shell *sh, struct dev_new *n, struct err **e)
{
    AUTOFREE char *xml = dev_new_format(n, e);
    if (xml)
        fputs(xml, sh->out);
    return xml ? 0 : -1;
}
