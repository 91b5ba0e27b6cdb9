/* undefine: remove a persistent domain's configuration. */
#include "../core/runtime/save.h"
#include "../core/store/snapshots.h"
#include "../core/store/store.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { UNDEFINE_OPT_DOMAIN, UNDEFINE_OPT_MANAGED_SAVE, UNDEFINE_OPT_SNAPSHOTS_METADATA };

static const struct opt_def undefine_opts[] = {
    [UNDEFINE_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY | ST_PERSISTENT),
    [UNDEFINE_OPT_MANAGED_SAVE] = {.name = "managed-save", .kind = OPT_BOOL,
                                   .help = "remove the domain's managed save image too"},
    [UNDEFINE_OPT_SNAPSHOTS_METADATA] = {.name = "snapshots-metadata", .kind = OPT_BOOL,
                                         .help = "remove the domain's snapshot metadata too"},
};

static int undefine_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *name = a->dom_name;
    int fd = store_lock(sh->store, name, true, e);
    if (fd < 0)
        return -1;
    int rc;
    bool saved = managed_save_exists(sh->store, name);
    if (!store_exists(sh->store, name))
        rc = err_set(e, ERR_STATE, "cannot undefine transient domain '%s'", name);
    else if (saved && !args_bool(a, UNDEFINE_OPT_MANAGED_SAVE))
        rc = err_set(e, ERR_STATE, "Refusing to undefine while domain managed save image exists");
    else if (snap_any(sh->store, name) && !args_bool(a, UNDEFINE_OPT_SNAPSHOTS_METADATA))
        rc = err_set(e, ERR_STATE, "cannot delete inactive domain with snapshots (use "
                     "--snapshots-metadata)");
    else if (saved && managed_save_remove(sh->store, name, e) < 0)
        rc = -1;
    else if (args_bool(a, UNDEFINE_OPT_SNAPSHOTS_METADATA) &&
             snap_remove_all(sh->store, name, e) < 0)
        rc = -1;
    else
        rc = store_remove(sh->store, name, e);
    store_unlock(fd);
    if (rc == 0)
        shell_info(sh, "Domain '%s' has been undefined", name);
    return rc;
}

const struct cmd_def cmd_undefine = {
    .name = "undefine", .group = "domain", .summary = "undefine a domain",
    .desc = "Removes the persistent configuration. A running domain keeps running "
            "and becomes transient.",
    .opts = undefine_opts, .nopts = NOPTS(undefine_opts), .flags = CMD_READ_WRITE,
    .target_opt = UNDEFINE_OPT_DOMAIN, .run = undefine_run,
};
