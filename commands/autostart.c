/* autostart: mark or unmark a persistent domain to start at boot. */
#include "../core/store/store.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { AUTOSTART_OPT_DOMAIN, AUTOSTART_OPT_DISABLE };

static const struct opt_def autostart_opts[] = {
    [AUTOSTART_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY | ST_PERSISTENT),
    [AUTOSTART_OPT_DISABLE] = {.name = "disable", .kind = OPT_BOOL, .help = "disable autostarting"},
};

static int autostart_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *name = a->dom_name;
    bool on = !args_bool(a, AUTOSTART_OPT_DISABLE);
    if (!store_exists(sh->store, name))
        return err_set(e, ERR_STATE, "cannot set autostart for transient domain '%s'", name);
    int fd = store_lock(sh->store, name, true, e);
    int rc = fd < 0 ? -1 : store_set_autostart(sh->store, name, on, e);
    store_unlock(fd);
    if (rc == 0)
        shell_info(sh, "Domain '%s' %s as autostarted", name, on ? "marked" : "unmarked");
    return rc;
}

const struct cmd_def cmd_autostart = {
    .name = "autostart", .group = "domain", .summary = "autostart a domain",
    .desc = "Marks the domain to be started when the host boots (CONFIG/autostart/NAME).",
    .opts = autostart_opts, .nopts = NOPTS(autostart_opts), .flags = CMD_READ_WRITE,
    .target_opt = AUTOSTART_OPT_DOMAIN, .run = autostart_run,
};
