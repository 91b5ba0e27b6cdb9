/* device-show: the XML of one device, named by its selector. */
#include "devcmd.h"

enum {
    DS_OPT_DOMAIN,
    DS_OPT_SELECTOR,
    DS_OPT_INACTIVE,
};

static int run_device_show(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dnode *dom = devcmd_load(sh, a->dom_name, args_bool(a, DS_OPT_INACTIVE), e);
    if (!dom)
        return -1;
    struct dnode *d = dev_find(dom, args_str(a, DS_OPT_SELECTOR), e);
    if (d) {
        AUTOFREE char *xml = dom_format_node(d, 0);
        fputs(xml, sh->out);
    }
    dnode_free(dom);
    return d ? 0 : -1;
}

static const struct opt_def device_show_opts[] = {
    [DS_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [DS_OPT_SELECTOR] = {"selector", OPT_STRING, OPT_REQUIRED, "selector",
                         "the device: disk/vda, interface/0, graphics/vnc, serial/0 ...",
                         .complete = comp_selectors},
    [DS_OPT_INACTIVE] = {"inactive", OPT_BOOL, 0, NULL,
                         "show the device of the config, not of the running domain"},
};

const struct cmd_def cmd_device_show = {
    .name = "device-show",
    .group = "device",
    .summary = "show the XML of one device",
    .desc = "Print the XML of the device a selector names (see device-list).",
    .opts = device_show_opts,
    .nopts = NOPTS(device_show_opts),
    .target_opt = DS_OPT_DOMAIN,
    .run = run_device_show,
};
