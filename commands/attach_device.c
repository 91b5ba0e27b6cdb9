/* attach-device: attach the device described by an XML fragment file. */
#include "devcmd.h"

enum {
    AT_OPT_DOMAIN,
    AT_OPT_FILE,
    AT_OPT_DRY_RUN,
    AT_OPT_CONFIG,
    AT_OPT_LIVE,
    AT_OPT_CURRENT,
    AT_OPT_PERSISTENT,
};

/* the fragment as written; dev_new checks it like define in the context
 * of the domain */
static struct dnode *build_from_fragment(const void *opts, struct err **e)
{
    return dnode_clone(opts);
}

static int run_attach_device(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, AT_OPT_FILE);
    struct dnode *frag = dev_fragment_load(file, NULL, e);
    if (!frag)
        return -1;
    struct dev_new n = {build_from_fragment, frag, NULL, NULL};
    AUTOFREE char *summary = xasprintf("attach-device %s", file);
    AUTOFREE char *fail = xasprintf("failed to attach device from %s: ", file);
    struct devcmd_req r = {.scope_opt = AT_OPT_CONFIG, .def = SCOPE_DEFAULT_LIVE,
                           .summary = summary, .edit = dev_new_edit, .ctx = &n,
                           .dry_run = args_bool(a, AT_OPT_DRY_RUN), .fail = fail,
                           .done = "Device attached successfully"};
    int rc = devcmd_run(sh, a, &r, e);
    dev_new_free(&n);
    dnode_free(frag);
    return rc < 0 ? -1 : 0;
}

static const struct opt_def attach_device_opts[] = {
    [AT_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    DEVCMD_FILE_OPT(AT_OPT_FILE),
    DEVCMD_DRY_RUN_OPT(AT_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(AT_OPT_CONFIG),
};

const struct cmd_def cmd_attach_device = {
    .name = "attach-device",
    .group = "device",
    .summary = "attach device from an XML file",
    .desc = "Attach the device of an XML fragment (<disk>, <interface>, ...). The fragment "
            "and the resulting domain are checked like define. Without a scope option the "
            "running domain is changed (like virsh).",
    .opts = attach_device_opts,
    .nopts = NOPTS(attach_device_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = AT_OPT_DOMAIN,
    .run = run_attach_device,
};
