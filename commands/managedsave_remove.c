/* managedsave-remove: discard a domain's managed save image. */
#include "../core/runtime/save.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { MANAGEDSAVE_REMOVE_OPT_DOMAIN };

static const struct opt_def managedsave_remove_opts[] = {
    [MANAGEDSAVE_REMOVE_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING,
                                       .flags = OPT_REQUIRED, .argname = "domain",
                                       .help = "domain name, id or uuid",
                                       .complete = comp_domains,
                                       .complete_flags = ST_SHUTOFF | ST_PERSISTENT},
};

static int managedsave_remove_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *name = a->dom_name;
    int lock = store_lock(sh->store, name, false, e);
    if (lock < 0)
        return -1;
    bool had = managed_save_exists(sh->store, name);
    int rc = had ? managed_save_remove(sh->store, name, e) : 0;
    store_unlock(lock);
    if (rc < 0) {
        err_prefix(e, "Failed to remove managed save image for domain '%s'\nerror: ", name);
        return -1;
    }
    if (had)
        shell_info(sh, "Removed managedsave image for domain '%s'", name);
    else
        shell_info(sh, "Domain '%s' has no manage save image; removal skipped", name);
    return 0;
}

const struct cmd_def cmd_managedsave_remove = {
    .name = "managedsave-remove", .group = "domain",
    .summary = "remove managed save of a domain",
    .opts = managedsave_remove_opts, .nopts = NOPTS(managedsave_remove_opts),
    .flags = CMD_READ_WRITE, .target_opt = MANAGEDSAVE_REMOVE_OPT_DOMAIN,
    .run = managedsave_remove_run,
};
