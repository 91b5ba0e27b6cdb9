/* migrate-setspeed: the bandwidth of a domain's live migrations. */
#include "../core/runtime/migjob.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SSP_OPT_DOMAIN, SSP_OPT_BANDWIDTH, SSP_OPT_POSTCOPY };

static const struct opt_def setspeed_opts[] = {
    [SSP_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING | ST_PAUSED),
    [SSP_OPT_BANDWIDTH] = {.name = "bandwidth", .kind = OPT_INT, .flags = OPT_REQUIRED,
                           .argname = "number", .help = "migration bandwidth limit in MiB/s"},
    [SSP_OPT_POSTCOPY] = {.name = "postcopy", .kind = OPT_BOOL,
                          .help = "set post-copy migration bandwidth"},
};

static int setspeed_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long mib = 0;
    if (args_uint(a, SSP_OPT_BANDWIDTH, &mib, e) < 0)
        return -1;
    return rt_mig_set_speed(sh->store, a->dom_name, mib, args_bool(a, SSP_OPT_POSTCOPY), e);
}

const struct cmd_def cmd_migrate_setspeed = {
    .name = "migrate-setspeed", .group = "domain",
    .summary = "set the maximum migration bandwidth",
    .desc = "Sets the bandwidth (MiB/s) of the domain's live migrations, at once for a "
            "migration running now and for the next ones of this run of the domain (0: no "
            "limit).  Saves, managed saves and snapshots always go at full speed.  With "
            "--postcopy, the bandwidth of the post-copy phase (0, the default: no limit).",
    .opts = setspeed_opts, .nopts = NOPTS(setspeed_opts), .flags = CMD_READ_WRITE,
    .target_opt = SSP_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED, .run = setspeed_run,
};
