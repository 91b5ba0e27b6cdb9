/* attach-interface: build an <interface> and attach it.  Unlike virsh 9
 * every interface type of the format is accepted: network, bridge, user,
 * ethernet, mcast, server, client (SOURCE ADDRESS:PORT for the last three). */
#include "devcmd.h"

enum {
    AI_OPT_DOMAIN,
    AI_OPT_TYPE,
    AI_OPT_SOURCE,
    AI_OPT_TARGET,
    AI_OPT_MAC,
    AI_OPT_SCRIPT,
    AI_OPT_MODEL,
    AI_OPT_PRINT_XML,
    AI_OPT_DRY_RUN,
    AI_OPT_CONFIG,
    AI_OPT_LIVE,
    AI_OPT_CURRENT,
    AI_OPT_PERSISTENT,
};

static struct dnode *build_iface(const void *opts, struct err **e)
{
    return dev_build_iface(opts, e);
}

static int run_attach_interface(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct iface_opts o = {
        .type = args_str(a, AI_OPT_TYPE),
        .source = args_str(a, AI_OPT_SOURCE),
        .target = args_str(a, AI_OPT_TARGET),
        .mac = args_str(a, AI_OPT_MAC),
        .script = args_str(a, AI_OPT_SCRIPT),
        .model = args_str(a, AI_OPT_MODEL),
    };
    struct dev_new n = {build_iface, &o, NULL, NULL};
    AUTOFREE char *summary = xasprintf("attach-interface %s%s%s", o.type,
                                       o.source ? " " : "", o.source ? o.source : "");
    struct devcmd_req r = {.scope_opt = AI_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .summary = summary, .edit = dev_new_edit, .ctx = &n,
                           .dry_run = args_bool(a, AI_OPT_DRY_RUN),
                           .fail = "failed to attach interface: ",
                           .done = "Interface attached successfully"};
    int rc = args_bool(a, AI_OPT_PRINT_XML) ? devcmd_print_new(sh, &n, e)
                                            : devcmd_run(sh, a, &r, e);
    dev_new_free(&n);
    return rc < 0 ? -1 : 0;
}

static const struct opt_def attach_interface_opts[] = {
    [AI_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [AI_OPT_TYPE] = {"type", OPT_STRING, OPT_REQUIRED, "type",
                     "network interface type: network, bridge, user, ethernet, mcast, "
                     "server, client",
                     .complete = comp_schema, .complete_flags = CS_IFACE_TYPE},
    [AI_OPT_SOURCE] = {"source", OPT_STRING, 0, "source",
                       "network or bridge name; ADDRESS:PORT for mcast, server, client"},
    [AI_OPT_TARGET] = {"target", OPT_STRING, OPT_NAMED, "dev", "target network name (vnet7)"},
    [AI_OPT_MAC] = {"mac", OPT_STRING, OPT_NAMED, "mac", "MAC address (default: a fresh one)",
                    .complete = comp_new_mac},
    [AI_OPT_SCRIPT] = {"script", OPT_STRING, OPT_NAMED, "path", "script used to bridge network interface",
                       .complete = comp_files},
    [AI_OPT_MODEL] = {"model", OPT_STRING, OPT_NAMED, "model", "model type (virtio, e1000, ...)",
                      .complete = comp_schema, .complete_flags = CS_IFACE_MODEL},
    [AI_OPT_PRINT_XML] = {"print-xml", OPT_BOOL, 0, NULL,
                          "print the <interface> XML instead of attaching it"},
    DEVCMD_DRY_RUN_OPT(AI_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(AI_OPT_CONFIG),
};

const struct cmd_def cmd_attach_interface = {
    .name = "attach-interface",
    .group = "device",
    .summary = "attach network interface",
    .desc = "Build an <interface> element and attach it. Every interface type of the "
            "format is accepted. Without a scope option the running domain is changed.",
    .opts = attach_interface_opts,
    .nopts = NOPTS(attach_interface_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = AI_OPT_DOMAIN,
    .run = run_attach_interface,
};
