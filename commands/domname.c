/* domname: the name of a domain given by UUID or id. */
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { DOMNAME_OPT_DOMAIN };

static const struct opt_def domname_opts[] = {
    [DOMNAME_OPT_DOMAIN] = OPT_DOMAIN_HELP(0, "domain id or uuid"),
};

static int domname_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    fprintf(sh->out, "%s\n", a->dom_name);
    return 0;
}

const struct cmd_def cmd_domname = {
    .name = "domname", .group = "domain", .summary = "convert a domain id or UUID to its name",
    .opts = domname_opts, .nopts = NOPTS(domname_opts),
    .target_opt = DOMNAME_OPT_DOMAIN, .run = domname_run,
};
