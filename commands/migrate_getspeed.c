/* migrate-getspeed: the bandwidth set for a domain's live migrations. */
#include "../core/runtime/migjob.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { GSP_OPT_DOMAIN, GSP_OPT_POSTCOPY };

static const struct opt_def getspeed_opts[] = {
    [GSP_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING | ST_PAUSED),
    [GSP_OPT_POSTCOPY] = {.name = "postcopy", .kind = OPT_BOOL,
                          .help = "get post-copy migration bandwidth"},
};

static int getspeed_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long mib;
    if (rt_mig_get_speed(sh->store, a->dom_name, args_bool(a, GSP_OPT_POSTCOPY), &mib, e) < 0)
        return -1;
    fprintf(sh->out, "%llu\n", mib);
    return 0;
}

const struct cmd_def cmd_migrate_getspeed = {
    .name = "migrate-getspeed", .group = "domain",
    .summary = "get the maximum migration bandwidth",
    .desc = "Prints the bandwidth (MiB/s) of the domain's live migrations: the last "
            "migrate-setspeed, else 8796093022207, libvirt's \"unlimited\"; with --postcopy, "
            "that of the post-copy phase (0: unlimited).",
    .opts = getspeed_opts, .nopts = NOPTS(getspeed_opts),
    .target_opt = GSP_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED, .run = getspeed_run,
};
