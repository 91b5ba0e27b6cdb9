/* domblklist: the domain's disks as a table (virsh's columns) or JSON. */
#include "devcmd.h"

#include "../shell/out.h"

#include <string.h>

#include "../core/base/buf.h"

enum {
    BL_OPT_DOMAIN,
    BL_OPT_INACTIVE,
    BL_OPT_DETAILS,
    BL_OPT_JSON,
};

static const char *disk_source(const struct dnode *d)
{
    const char *f = dev_get(d, "source.file");
    return f ? f : dev_get(d, "source.dev");
}

static void print_json(struct shell *sh, const struct dnode *devs)
{
    struct buf b = {0};
    buf_add(&b, "[");
    size_t n = 0;
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *d = devs->kids[i];
        if (strcmp(d->name, "disk") != 0)
            continue;
        const char *const kv[][2] = {
            {"type", dnode_attr(d, "type")},   {"device", dnode_attr(d, "device")},
            {"target", dev_get(d, "target.dev")}, {"bus", dev_get(d, "target.bus")},
            {"source", disk_source(d)},
        };
        buf_add(&b, n++ ? ",\n {" : "\n {");
        for (size_t k = 0; k < sizeof(kv) / sizeof(kv[0]); k++) {
            buf_printf(&b, "%s\"%s\": ", k ? ", " : "", kv[k][0]);
            if (kv[k][1])
                buf_add_json_str(&b, kv[k][1]);
            else
                buf_add(&b, "null");
        }
        buf_add(&b, "}");
    }
    buf_add(&b, n ? "\n]\n" : "]\n");
    fputs(buf_str(&b), sh->out);
    buf_free(&b);
}

static int run_domblklist(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dnode *dom = devcmd_load(sh, a->dom_name, args_bool(a, BL_OPT_INACTIVE), e);
    if (!dom)
        return -1;
    const struct dnode *devs = dev_container(dom);
    if (args_bool(a, BL_OPT_JSON)) {
        print_json(sh, devs);
        dnode_free(dom);
        return 0;
    }
    bool details = args_bool(a, BL_OPT_DETAILS);
    static const char *const head_short[] = {"Target", "Source"};
    static const char *const head_long[] = {"Type", "Device", "Target", "Source"};
    struct table t;
    table_init_full(&t, details ? 4 : 2, details ? head_long : head_short);
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *d = devs->kids[i];
        if (strcmp(d->name, "disk") != 0)
            continue;
        const char *row[] = {dnode_attr(d, "type"), dnode_attr(d, "device"),
                             dev_get(d, "target.dev"), disk_source(d)};
        table_add_row(&t, details ? row : row + 2, -1, COLOR_NONE);
    }
    table_print(&t, sh);
    table_free(&t);
    dnode_free(dom);
    return 0;
}

static const struct opt_def domblklist_opts[] = {
    [BL_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [BL_OPT_INACTIVE] = {"inactive", OPT_BOOL, 0, NULL,
                         "list the disks of the config, not of the running domain"},
    [BL_OPT_DETAILS] = {"details", OPT_BOOL, 0, NULL, "also print the type and device"},
    [BL_OPT_JSON] = {"json", OPT_BOOL, 0, NULL,
                     "print a JSON array of {type, device, target, bus, source}"},
};

const struct cmd_def cmd_domblklist = {
    .name = "domblklist",
    .group = "device",
    .summary = "list all domain blocks",
    .desc = "List the disks of the domain: of the running domain when it runs, else (or "
            "with --inactive) of its config.",
    .opts = domblklist_opts,
    .nopts = NOPTS(domblklist_opts),
    .target_opt = BL_OPT_DOMAIN,
    .run = run_domblklist,
};
