/* migrate-postcopy: switch a running migration to post-copy. */
#include "../core/runtime/migjob.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { MPC_OPT_DOMAIN };

static const struct opt_def postcopy_opts[] = {
    [MPC_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING | ST_PAUSED),
};

static int postcopy_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    return rt_mig_postcopy(sh->store, a->dom_name, e);
}

const struct cmd_def cmd_migrate_postcopy = {
    .name = "migrate-postcopy", .group = "domain",
    .summary = "switch running migration from pre-copy to post-copy",
    .desc = "The migration must have been started with --postcopy.  The guest then runs in "
            "the destination at once and fetches the memory not sent yet from the source as "
            "it touches it; from here on the migration cannot be aborted, and a broken "
            "connection loses the guest.",
    .opts = postcopy_opts, .nopts = NOPTS(postcopy_opts), .flags = CMD_READ_WRITE,
    .target_opt = MPC_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED, .run = postcopy_run,
};
