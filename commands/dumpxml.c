/* dumpxml: print a domain's XML: the running definition unless --inactive.
 * The stored file is already canonical dom_format output, so it is printed
 * as it is unless a secret must be hidden (then it is parsed and
 * re-formatted without it). */
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/domains/domains.h"
#include "../core/xml/xml.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { DUMPXML_OPT_DOMAIN, DUMPXML_OPT_INACTIVE, DUMPXML_OPT_SECURITY, DUMPXML_OPT_XPATH,
       DUMPXML_OPT_WRAP };

static const struct opt_def dumpxml_opts[] = {
    [DUMPXML_OPT_DOMAIN] = OPT_DOMAIN(0),
    [DUMPXML_OPT_INACTIVE] = {.name = "inactive", .kind = OPT_BOOL,
                              .help = "show the persistent configuration, not the running one"},
    [DUMPXML_OPT_SECURITY] = {.name = "security-info", .kind = OPT_BOOL,
                              .help = "include security sensitive information (VNC password)"},
    [DUMPXML_OPT_XPATH] = {.name = "xpath", .kind = OPT_STRING, .flags = OPT_NAMED,
                           .argname = "expr", .help = "print only the results of this XPath expression"},
    [DUMPXML_OPT_WRAP] = {.name = "wrap", .kind = OPT_BOOL,
                          .help = "wrap the --xpath results in a <nodes> element"},
};

/* the text to show: the running definition of an active domain, else the stored file */
static char *source_text(struct shell *sh, const struct cmd_args *a, bool *live, struct err **e)
{
    enum domains_view v = args_bool(a, DUMPXML_OPT_INACTIVE) ? DOMAINS_INACTIVE : DOMAINS_CURRENT;
    return domains_load_text(sh->store, a->dom_name, v, live, e);
}

static char *hide_secrets(char *text, bool live, struct err **e)
{
    /* passwd is the only secret of the format (graphics vnc) */
    if (!strstr(text, "passwd="))
        return text;
    struct dnode *dom = dom_parse(text, strlen(text), "stored configuration", e);
    free(text);
    if (!dom)
        return NULL;
    char *out = dom_format(dom, live ? 0 : DOM_FMT_INACTIVE);
    dnode_free(dom);
    return out;
}

static int print_xpath(struct shell *sh, const struct cmd_args *a, const char *text,
                       struct err **e)
{
    struct strv res = {0};
    if (xml_xpath(text, args_str(a, DUMPXML_OPT_XPATH), &res, e) < 0)
        return -1;
    bool wrap = args_bool(a, DUMPXML_OPT_WRAP);
    if (wrap)
        fputs(res.n ? "<nodes>\n" : "<nodes/>\n", sh->out);
    for (size_t i = 0; i < res.n; i++) {
        if (!wrap) {
            fprintf(sh->out, "%s\n", res.v[i]);
            continue;
        }
        /* indent every line of the result by two spaces */
        for (char *save = NULL, *l = strtok_r(res.v[i], "\n", &save); l;
             l = strtok_r(NULL, "\n", &save))
            fprintf(sh->out, "  %s\n", l);
    }
    if (wrap && res.n)
        fputs("</nodes>\n", sh->out);
    strv_free(&res);
    return 0;
}

static int dumpxml_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (args_bool(a, DUMPXML_OPT_WRAP) && !args_has(a, DUMPXML_OPT_XPATH))
        return err_set(e, ERR_ARGS, "option --wrap requires option --xpath");
    bool live;
    char *text = source_text(sh, a, &live, e);
    if (text && !args_bool(a, DUMPXML_OPT_SECURITY))
        text = hide_secrets(text, live, e);
    if (!text)
        return -1;
    int rc = 0;
    if (args_has(a, DUMPXML_OPT_XPATH))
        rc = print_xpath(sh, a, text, e);
    else
        fputs(text, sh->out);
    free(text);
    return rc;
}

const struct cmd_def cmd_dumpxml = {
    .name = "dumpxml", .group = "domain", .summary = "domain information in XML",
    .desc = "Prints the running definition of an active domain, else the persistent one. "
            "The VNC password is shown only with --security-info.",
    .opts = dumpxml_opts, .nopts = NOPTS(dumpxml_opts),
    .target_opt = DUMPXML_OPT_DOMAIN, .run = dumpxml_run,
};
