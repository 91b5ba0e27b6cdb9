/* detach-disk: remove the disk whose target or source path is TARGET
 * (virsh's matching and messages). */
#include "devcmd.h"

#include <string.h>

enum {
    DD_OPT_DOMAIN,
    DD_OPT_TARGET,
    DD_OPT_PRINT_XML,
    DD_OPT_DRY_RUN,
    DD_OPT_CONFIG,
    DD_OPT_LIVE,
    DD_OPT_CURRENT,
    DD_OPT_PERSISTENT,
};

static int edit_detach(struct dnode *dom, void *ctx, struct err **e)
{
    struct dnode *d = dev_find_disk(dom, ctx, e);
    if (!d)
        return -1;
    dnode_remove(d);
    return 0;
}

static int run_detach_disk(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *target = args_str(a, DD_OPT_TARGET);
    if (args_bool(a, DD_OPT_PRINT_XML)) {
        struct dnode *dom = devcmd_load(sh, a->dom_name, false, e);
        struct dnode *d = dom ? dev_find_disk(dom, target, e) : NULL;
        if (d) {
            AUTOFREE char *xml = dom_format_node(d, DOM_FMT_SECURE);
            fputs(xml, sh->out);
        }
        dnode_free(dom);
        return d ? 0 : -1;
    }
    AUTOFREE char *summary = xasprintf("detach-disk %s", target);
    struct devcmd_req r = {.scope_opt = DD_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .summary = summary, .edit = edit_detach, .ctx = (void *)target,
                           .dry_run = args_bool(a, DD_OPT_DRY_RUN),
                           .fail = "failed to detach disk: ", .done = "Disk detached successfully"};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def detach_disk_opts[] = {
    [DD_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [DD_OPT_TARGET] = {"target", OPT_STRING, OPT_REQUIRED, "target",
                       "target or source path of the disk", .complete = comp_disk_names},
    [DD_OPT_PRINT_XML] = {"print-xml", OPT_BOOL, 0, NULL,
                          "print the <disk> that would be detached, change nothing"},
    DEVCMD_DRY_RUN_OPT(DD_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(DD_OPT_CONFIG),
};

const struct cmd_def cmd_detach_disk = {
    .name = "detach-disk",
    .group = "device",
    .summary = "detach disk device",
    .desc = "Remove the disk whose target (vdb) or source path is TARGET. Without a "
            "scope option the running domain is changed (like virsh).",
    .opts = detach_disk_opts,
    .nopts = NOPTS(detach_disk_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = DD_OPT_DOMAIN,
    .run = run_detach_disk,
};
