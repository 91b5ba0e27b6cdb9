/* domiflist: the domain's network interfaces (virsh's columns) or JSON. */
#include "devcmd.h"

#include "../shell/out.h"

#include <string.h>

#include "../core/base/buf.h"

enum {
    IL_OPT_DOMAIN,
    IL_OPT_INACTIVE,
    IL_OPT_JSON,
};

/* the interface's source: network or bridge name, else ADDRESS:PORT */
static char *iface_source(const struct dnode *d)
{
    const char *net = dev_get(d, "source.network");
    const char *br = dev_get(d, "source.bridge");
    const char *addr = dev_get(d, "source.address");
    const char *port = dev_get(d, "source.port");
    if (net || br)
        return xstrdup(net ? net : br);
    if (port)
        return xasprintf("%s:%s", addr ? addr : "", port);
    return NULL;
}

static void json_field(struct buf *b, const char *key, const char *v, bool first)
{
    buf_printf(b, "%s\"%s\": ", first ? "" : ", ", key);
    if (v)
        buf_add_json_str(b, v);
    else
        buf_add(b, "null");
}

static int run_domiflist(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dnode *dom = devcmd_load(sh, a->dom_name, args_bool(a, IL_OPT_INACTIVE), e);
    if (!dom)
        return -1;
    const struct dnode *devs = dev_container(dom);
    bool json = args_bool(a, IL_OPT_JSON);
    static const char *const head[] = {"Interface", "Type", "Source", "Model", "MAC"};
    struct table t;
    table_init_full(&t, 5, head);
    struct buf b = {0};
    size_t n = 0;
    buf_add(&b, "[");
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *d = devs->kids[i];
        if (strcmp(d->name, "interface") != 0)
            continue;
        AUTOFREE char *src = iface_source(d);
        const char *row[] = {dev_get(d, "target.dev"), dnode_attr(d, "type"), src,
                             dev_get(d, "model.type"), dev_get(d, "mac.address")};
        table_add_row(&t, row, -1, COLOR_NONE);
        buf_add(&b, n++ ? ",\n {" : "\n {");
        static const char *const keys[] = {"interface", "type", "source", "model", "mac"};
        for (size_t k = 0; k < 5; k++)
            json_field(&b, keys[k], row[k], k == 0);
        buf_add(&b, "}");
    }
    buf_add(&b, n ? "\n]\n" : "]\n");
    if (json)
        fputs(buf_str(&b), sh->out);
    else
        table_print(&t, sh);
    table_free(&t);
    buf_free(&b);
    dnode_free(dom);
    return 0;
}

static const struct opt_def domiflist_opts[] = {
    [IL_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [IL_OPT_INACTIVE] = {"inactive", OPT_BOOL, 0, NULL,
                         "list the interfaces of the config, not of the running domain"},
    [IL_OPT_JSON] = {"json", OPT_BOOL, 0, NULL,
                     "print a JSON array of {interface, type, source, model, mac}"},
};

const struct cmd_def cmd_domiflist = {
    .name = "domiflist",
    .group = "device",
    .summary = "list all domain virtual interfaces",
    .desc = "List the network interfaces of the domain: of the running domain when it "
            "runs, else (or with --inactive) of its config.",
    .opts = domiflist_opts,
    .nopts = NOPTS(domiflist_opts),
    .target_opt = IL_OPT_DOMAIN,
    .run = run_domiflist,
};
