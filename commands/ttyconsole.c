/* ttyconsole: the host pty of a running domain's console (the supervisor's
 * own pty, published as <console tty=> in the live XML). */
#include <string.h>

#include "../core/domains/domains.h"
#include "../core/xml/domain.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { TTYCONSOLE_OPT_DOMAIN };

static const struct opt_def ttyconsole_opts[] = {
    [TTYCONSOLE_OPT_DOMAIN] = OPT_DOMAIN(ST_ACTIVE),
};

/* the first <console tty=>, else the first pty <serial>'s source path */
static const char *console_tty(const struct dnode *dom)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    const struct dnode *c = devs ? dnode_child(devs, "console") : NULL;
    if (c && dnode_attr(c, "tty"))
        return dnode_attr(c, "tty");
    const struct dnode *s = devs ? dnode_child(devs, "serial") : NULL;
    const char *type = s ? dnode_attr(s, "type") : NULL;
    if (type && strcmp(type, "pty") == 0)
        return dnode_attr(dnode_child(s, "source"), "path");
    return NULL;
}

static int ttyconsole_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dnode *dom = domains_load(sh->store, a->dom_name, DOMAINS_LIVE, NULL, e);
    if (!dom)
        return -1;
    const char *tty = console_tty(dom);
    int rc = 0;
    if (tty)
        fprintf(sh->out, "%s\n", tty);
    else
        rc = err_set(e, ERR_NOT_FOUND, "domain '%s' has no console pty", a->dom_name);
    dnode_free(dom);
    return rc;
}

const struct cmd_def cmd_ttyconsole = {
    .name = "ttyconsole", .group = "domain", .summary = "tty console",
    .desc = "Prints the host pty of the domain's console: the supervisor's own pty, "
            "which any terminal program can open while the domain runs.",
    .opts = ttyconsole_opts, .nopts = NOPTS(ttyconsole_opts),
    .target_opt = TTYCONSOLE_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = ttyconsole_run,
};
