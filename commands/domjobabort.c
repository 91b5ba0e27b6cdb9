/* domjobabort: cancel the save, snapshot or migration running on a
 * domain, from another shell. */
#include "../core/runtime/migjob.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { JA_OPT_DOMAIN };

static const struct opt_def domjobabort_opts[] = {
    [JA_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING | ST_PAUSED),
};

static int domjobabort_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    return rt_job_abort(sh->store, a->dom_name, e);
}

const struct cmd_def cmd_domjobabort = {
    .name = "domjobabort", .group = "domain", .summary = "abort active domain job",
    .desc = "Cancels the save, managed save, snapshot or outgoing migration running on the "
            "domain: the command that started it fails with \"operation aborted: ... "
            "canceled by client\" and the guest runs on where it was, as it was.  An incoming "
            "migration or restore cannot be aborted (destroy the domain), nor a migration "
            "past its switch to post-copy.",
    .opts = domjobabort_opts, .nopts = NOPTS(domjobabort_opts), .flags = CMD_READ_WRITE,
    .target_opt = JA_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED,
    .run = domjobabort_run,
};
