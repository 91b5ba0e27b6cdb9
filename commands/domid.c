/* domid: the id of a running domain, "-" when it is not running. */
#include "../core/runtime/runtime.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { DOMID_OPT_DOMAIN };

static const struct opt_def domid_opts[] = {
    [DOMID_OPT_DOMAIN] = OPT_DOMAIN_HELP(0, "domain name or uuid"),
};

static int domid_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dom_status st;
    if (rt_status_read(sh->store, a->dom_name, &st, e) < 0)
        return -1;
    if (st.id >= 0)
        fprintf(sh->out, "%d\n", st.id);
    else
        fputs("-\n", sh->out);
    return 0;
}

const struct cmd_def cmd_domid = {
    .name = "domid", .group = "domain", .summary = "convert a domain name or UUID to its id",
    .opts = domid_opts, .nopts = NOPTS(domid_opts),
    .target_opt = DOMID_OPT_DOMAIN, .run = domid_run,
};
