/* domuuid: the UUID of a domain. */
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/domains/domains.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { DOMUUID_OPT_DOMAIN };

static const struct opt_def domuuid_opts[] = {
    [DOMUUID_OPT_DOMAIN] = OPT_DOMAIN_HELP(0, "domain name or id"),
};

static int domuuid_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    char uuid[37];
    if (!store_uuid(sh->store, a->dom_name, uuid)) {
        /* transient: only the running definition knows it */
        struct dnode *dom = domains_load(sh->store, a->dom_name, DOMAINS_LIVE, NULL, e);
        if (!dom)
            return err_set(e, ERR_NOT_FOUND, "cannot read the uuid of domain '%s'", a->dom_name);
        snprintf(uuid, sizeof(uuid), "%s", dom_uuid(dom) ? dom_uuid(dom) : "");
        dnode_free(dom);
    }
    fprintf(sh->out, "%s\n", uuid);
    return 0;
}

const struct cmd_def cmd_domuuid = {
    .name = "domuuid", .group = "domain", .summary = "convert a domain name or id to its UUID",
    .opts = domuuid_opts, .nopts = NOPTS(domuuid_opts),
    .target_opt = DOMUUID_OPT_DOMAIN, .run = domuuid_run,
};
