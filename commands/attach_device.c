/* attach-device: attach the device described by an XML fragment file. */
#include "devcmd.h"

#include <string.h>

#include "../core/xml/xml.h"

enum {
    AT_OPT_DOMAIN,
    AT_OPT_FILE,
    AT_OPT_DRY_RUN,
    AT_OPT_CONFIG,
    AT_OPT_LIVE,
    AT_OPT_CURRENT,
    AT_OPT_PERSISTENT,
};

struct at_opts {
    const char *file;
    const char *text;
};

/* the fragment as an element; dev_reparse then checks it like define */
static struct dnode *build_from_file(const void *opts, struct err **e)
{
    const struct at_opts *o = opts;
    struct dnode *d = xml_parse(o->text, strlen(o->text), o->file, e);
    if (d && !dev_kind_known(d->name)) {
        err_set(e, ERR_SCHEMA, "<%s> is not a device", d->name);
        dnode_free(d);
        return NULL;
    }
    return d;
}

static int run_attach_device(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, AT_OPT_FILE);
    unsigned mask;
    if (devcmd_scope(sh, a, AT_OPT_CONFIG, SCOPE_DEFAULT_LIVE, a->dom_name, &mask, e) < 0)
        return -1;
    AUTOFREE char *text = devcmd_read_fragment(file, e);
    if (!text)
        return -1;
    struct at_opts o = {file, text};
    struct devcmd_new n = {build_from_file, &o, NULL, NULL};
    AUTOFREE char *summary = xasprintf("attach-device %s", file);
    struct devcmd_change ch = {summary, devcmd_new_edit, devcmd_live_sync, &n,
                               args_bool(a, AT_OPT_DRY_RUN)};
    int rc = devcmd_apply(sh, a->dom_name, mask, &ch, e);
    devcmd_new_free(&n);
    if (rc < 0) {
        err_prefix(e, "failed to attach device from %s: ", file);
        return -1;
    }
    if (!ch.dry_run)
        shell_info(sh, "Device attached successfully");
    return 0;
}

static const struct opt_def attach_device_opts[] = {
    [AT_OPT_DOMAIN] = DEVCMD_DOMAIN_OPT(ST_ANY),
    [AT_OPT_FILE] = {"file", OPT_STRING, OPT_REQUIRED | OPT_LOCAL_PATH, "file",
                     "XML file of the device",
                     .complete = comp_files},
    [AT_OPT_DRY_RUN] = {"dry-run", OPT_BOOL, 0, NULL, "print the diff, change nothing"},
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
