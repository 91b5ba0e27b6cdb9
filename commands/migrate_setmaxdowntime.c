/* migrate-setmaxdowntime: the longest pause a live migration may make. */
#include "../core/runtime/migjob.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SMD_OPT_DOMAIN, SMD_OPT_DOWNTIME };

static const struct opt_def setmaxdowntime_opts[] = {
    [SMD_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING | ST_PAUSED),
    [SMD_OPT_DOWNTIME] = {.name = "downtime", .kind = OPT_INT, .flags = OPT_REQUIRED,
                          .argname = "number",
                          .help = "maximum tolerable downtime (in milliseconds) for migration"},
};

static int setmaxdowntime_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long ms = 0;
    if (args_uint(a, SMD_OPT_DOWNTIME, &ms, e) < 0)
        return -1;
    if (ms < 1)
        return err_set(e, ERR_ARGS, "migrate: Invalid downtime");
    return rt_mig_set_downtime(sh->store, a->dom_name, ms, e);
}

const struct cmd_def cmd_migrate_setmaxdowntime = {
    .name = "migrate-setmaxdowntime", .group = "domain",
    .summary = "set maximum tolerable downtime",
    .desc = "Sets how long the guest may be stopped at the end of a live migration (QEMU's "
            "downtime-limit, 300 ms by default): the emulator switches over once it expects "
            "to send the rest within that time.  Applies to a migration running now and to the "
            "next ones of this run of the domain.",
    .opts = setmaxdowntime_opts, .nopts = NOPTS(setmaxdowntime_opts), .flags = CMD_READ_WRITE,
    .target_opt = SMD_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED,
    .run = setmaxdowntime_run,
};
