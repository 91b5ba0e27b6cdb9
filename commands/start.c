/* start: boot a defined domain under its supervisor; --autostart-all
 * starts every domain marked autostart (for a boot unit). */
#include <string.h>
#include <unistd.h>

#include "../core/runtime/backend.h"
#include "../core/base/buf.h"
#include "../core/runtime/console.h"
#include "../core/domains/domains.h"
#include "../core/runtime/save.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { START_OPT_DOMAIN, START_OPT_CONSOLE, START_OPT_PAUSED, START_OPT_AUTOSTART_ALL,
       START_OPT_FORCE_BOOT };

#define START_FORCE_BOOT 0x100u   /* ours, beside the backend's START_* flags */

static const struct opt_def start_opts[] = {
    [START_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .argname = "domain",
                          .help = "name, id or uuid of the inactive domain",
                          .complete = comp_domains, .complete_flags = ST_SHUTOFF},
    [START_OPT_CONSOLE] = {.name = "console", .kind = OPT_BOOL,
                           .help = "attach to the console once the guest runs"},
    [START_OPT_PAUSED] = {.name = "paused", .kind = OPT_BOOL,
                          .help = "leave the guest paused (resume starts it)"},
    [START_OPT_AUTOSTART_ALL] = {.name = "autostart-all", .kind = OPT_BOOL,
                                 .help = "resume every managed save, then start every inactive "
                                         "domain marked autostart"},
    [START_OPT_FORCE_BOOT] = {.name = "force-boot", .kind = OPT_BOOL,
                              .help = "boot afresh, discarding any managed save image"},
};

/* a managed save is resumed, not booted over (--force-boot discards it) */
static int start_or_resume(struct shell *sh, const char *name, unsigned flags, struct err **e)
{
    if (managed_save_exists(sh->store, name)) {
        if (!(flags & START_FORCE_BOOT)) {
            int rc = rt_restore_managed(sh->store, name, flags & START_PAUSED ? SAVE_PAUSED : 0,
                                        NULL, e);
            if (rc < 0 && e && *e && strncmp((*e)->msg, "Failed to start", 15) != 0)
                err_prefix(e, "Failed to start domain '%s'\nerror: ", name);
            return rc;
        }
        if (managed_save_remove(sh->store, name, e) < 0)
            return -1;
    }
    int id;
    return backend_start_defined(sh->store, name, flags & ~START_FORCE_BOOT, &id, e);
}

/* a stale status (e.g. from before a host reboot, which is what
 * --autostart-all follows) is repaired first, outside the lock the repair
 * takes; then under the domain lock: re-check the state, resume or boot */
static int start_one(struct shell *sh, const char *name, unsigned flags, struct err **e)
{
    struct dom_status ds;
    rt_status_repair(sh->store, name, &ds, NULL);
    int lock = store_lock(sh->store, name, false, e);
    if (lock < 0)
        return -1;
    int rc = rt_status_read(sh->store, name, &ds, e);
    if (rc == 0 && dom_state_active(ds.state))
        rc = err_set(e, ERR_STATE, "domain '%s' is already running", name);
    if (rc == 0)
        rc = start_or_resume(sh, name, flags, e);
    store_unlock(lock);
    if (rc == 0)
        shell_info(sh, "Domain '%s' started", name);
    return rc;
}

static int start_autostart_all(struct shell *sh, unsigned flags, struct err **e)
{
    struct domain_set off;
    struct buf failed = {0};
    if (domains_list(sh->store, ST_SHUTOFF | ST_PERSISTENT, &off, e) < 0)
        return -1;
    /* pass 0: domains parked by managedsave (--all at host shutdown) come back
     * first, autostart or not; pass 1: the autostart ones */
    for (size_t k = 0; k < 2 * off.n; k++) {
        const char *name = off.v[k % off.n].name;
        bool parked = managed_save_exists(sh->store, name);
        if ((k < off.n) != parked || (!parked && !store_autostart(sh->store, name)) ||
            rt_active(sh->store, name))      /* resumed in pass 0 */
            continue;
        struct err *one = NULL;
        if (start_one(sh, name, flags, &one) < 0)
            buf_printf(&failed, "%s'%s': %s", failed.len ? "; " : "", name,
                       one && one->msg ? one->msg : "failed");
        err_free(one);
    }
    domain_set_free(&off);
    int rc = 0;
    if (failed.len)
        rc = err_set(e, ERR_BACKEND, "cannot start autostart domains: %s", buf_str(&failed));
    buf_free(&failed);
    return rc;
}

static int start_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned flags = (args_bool(a, START_OPT_PAUSED) ? START_PAUSED : 0) |
                     (args_bool(a, START_OPT_FORCE_BOOT) ? START_FORCE_BOOT : 0);
    if (args_bool(a, START_OPT_AUTOSTART_ALL)) {
        if (a->dom_name || args_bool(a, START_OPT_CONSOLE))
            return err_set(e, ERR_ARGS, "--autostart-all takes no domain and no --console");
        return start_autostart_all(sh, flags, e);
    }
    if (!a->dom_name)
        return err_set(e, ERR_ARGS, "command 'start' requires <domain> option");
    bool console = args_bool(a, START_OPT_CONSOLE);
    /* no terminal for the console: refuse before anything runs */
    if (console && console_check_tty(STDIN_FILENO, STDOUT_FILENO, e) < 0)
        return -1;
    if (start_one(sh, a->dom_name, flags, e) < 0)
        return -1;
    return console ? console_after_start(sh->store, a->dom_name, sh->escape,
                                         sh->quiet ? NULL : sh->out, e) : 0;
}

const struct cmd_def cmd_start = {
    .name = "start", .group = "domain", .summary = "start a (previously defined) inactive domain",
    .desc = "Starts the domain under its own supervisor process and returns once the guest "
            "runs.  With --autostart-all, starts every domain marked autostart that is not "
            "running (use it from a boot unit: `domsh -c qemu:///system start --autostart-all`).",
    .opts = start_opts, .nopts = NOPTS(start_opts), .flags = CMD_READ_WRITE,
    .target_opt = START_OPT_DOMAIN, .target_states = ST_SHUTOFF, .run = start_run,
};
