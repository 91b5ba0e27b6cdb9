/* managedsave: save a running domain's state beside its config and stop
 * it; the next `start` resumes it. */
#include "../core/runtime/save.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { MANAGEDSAVE_OPT_DOMAIN, MANAGEDSAVE_OPT_RUNNING, MANAGEDSAVE_OPT_PAUSED,
       MANAGEDSAVE_OPT_VERBOSE, MANAGEDSAVE_OPT_ALL, MANAGEDSAVE_OPT_TIMEOUT };

#define MANAGEDSAVE_ALL_TIMEOUT_S 300

static const struct opt_def managedsave_opts[] = {
    [MANAGEDSAVE_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING,
                                .argname = "domain", .help = "domain name, id or uuid",
                                .complete = comp_domains,
                                .complete_flags = ST_RUNNING | ST_PAUSED | ST_PERSISTENT},
    [MANAGEDSAVE_OPT_RUNNING] = {.name = "running", .kind = OPT_BOOL,
                                 .help = "start into running state"},
    [MANAGEDSAVE_OPT_PAUSED] = {.name = "paused", .kind = OPT_BOOL,
                                .help = "start into paused state"},
    [MANAGEDSAVE_OPT_VERBOSE] = {.name = "verbose", .kind = OPT_BOOL,
                                 .help = "display the progress"},
    [MANAGEDSAVE_OPT_ALL] = {.name = "all", .kind = OPT_BOOL,
                             .help = "every running persistent domain, in parallel"},
    [MANAGEDSAVE_OPT_TIMEOUT] = {.name = "timeout", .kind = OPT_INT, .flags = OPT_NAMED,
                                 .argname = "seconds",
                                 .help = "with --all: cancel a save still running after this "
                                         "(default 300)"},
};

static int managedsave_all(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long secs = MANAGEDSAVE_ALL_TIMEOUT_S;
    if (a->dom_name || args_bool(a, MANAGEDSAVE_OPT_RUNNING) || args_bool(a, MANAGEDSAVE_OPT_PAUSED))
        return err_set(e, ERR_ARGS, "--all takes no domain, --running or --paused");
    if (args_uint(a, MANAGEDSAVE_OPT_TIMEOUT, &secs, e) < 0)
        return -1;
    if (secs == 0 || secs > 86400)
        return err_set(e, ERR_ARGS, "--timeout must be 1..86400 seconds");
    struct strv saved = {0};
    int rc = rt_managed_save_all(sh->store, (int)secs * 1000, &saved, e);
    for (size_t i = 0; i < saved.n; i++)
        shell_info(sh, "Domain '%s' state saved by domsh", saved.v[i]);
    strv_free(&saved);
    return rc;
}

static int managedsave_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned flags;
    if (args_bool(a, MANAGEDSAVE_OPT_ALL))
        return managedsave_all(sh, a, e);
    if (!a->dom_name)
        return err_set(e, ERR_ARGS, "command 'managedsave' requires <domain> option (or --all)");
    if (args_has(a, MANAGEDSAVE_OPT_TIMEOUT))
        return err_set(e, ERR_ARGS, "--timeout goes with --all");
    if (save_state_flags(args_bool(a, MANAGEDSAVE_OPT_RUNNING),
                         args_bool(a, MANAGEDSAVE_OPT_PAUSED), &flags, e) < 0)
        return -1;
    struct rt_progress p = { .label = args_bool(a, MANAGEDSAVE_OPT_VERBOSE) ? "Managedsave" : NULL,
                             .out = sh->err, .last = -1 };
    if (rt_managed_save(sh->store, a->dom_name, flags, &p, e) < 0) {
        err_prefix(e, "Failed to save domain '%s' state\nerror: ", a->dom_name);
        return -1;
    }
    shell_info(sh, "Domain '%s' state saved by domsh", a->dom_name);
    return 0;
}

const struct cmd_def cmd_managedsave = {
    .name = "managedsave", .group = "domain",
    .summary = "managed save of a domain state",
    .desc = "Saves the guest to CONFIG/save/NAME.save and stops it; `start` resumes it "
            "(`start --force-boot` discards the image).",
    .opts = managedsave_opts, .nopts = NOPTS(managedsave_opts), .flags = CMD_READ_WRITE,
    .target_opt = MANAGEDSAVE_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED,
    .run = managedsave_run,
};
