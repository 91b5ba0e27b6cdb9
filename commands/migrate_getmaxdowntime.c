/* migrate-getmaxdowntime: the downtime limit of live migrations. */
#include "../core/runtime/migjob.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { GMD_OPT_DOMAIN };

static const struct opt_def getmaxdowntime_opts[] = {
    [GMD_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING | ST_PAUSED),
};

static int getmaxdowntime_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long ms;
    if (rt_mig_get_downtime(sh->store, a->dom_name, &ms, e) < 0)
        return -1;
    fprintf(sh->out, "%llu\n", ms);
    return 0;
}

const struct cmd_def cmd_migrate_getmaxdowntime = {
    .name = "migrate-getmaxdowntime", .group = "domain",
    .summary = "get maximum tolerable downtime",
    .desc = "Prints the downtime limit (ms) of the domain's live migrations.",
    .opts = getmaxdowntime_opts, .nopts = NOPTS(getmaxdowntime_opts),
    .target_opt = GMD_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED,
    .run = getmaxdowntime_run,
};
