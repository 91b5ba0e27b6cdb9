/* change-media: eject, insert or update the medium of a cdrom or floppy
 * (virsh's options and messages; default action --update). */
#include "devcmd.h"

#include <string.h>

enum {
    CM_OPT_DOMAIN,
    CM_OPT_PATH,
    CM_OPT_SOURCE,
    CM_OPT_EJECT,
    CM_OPT_INSERT,
    CM_OPT_UPDATE,
    CM_OPT_PRINT_XML,
    CM_OPT_DRY_RUN,
    CM_OPT_CONFIG,
    CM_OPT_LIVE,
    CM_OPT_CURRENT,
    CM_OPT_PERSISTENT,
};

enum media_action { MEDIA_EJECT, MEDIA_INSERT, MEDIA_UPDATE };

struct cm_ctx {
    const char *path, *source;
    enum media_action action;
};

static int set_media(struct dnode *d, const char *source, struct err **e)
{
    const char *type = dnode_attr(d, "type");
    bool block = type && strcmp(type, "block") == 0;
    if (dev_set(d, "source.file", NULL, e) < 0 || dev_set(d, "source.dev", NULL, e) < 0)
        return -1;
    return source ? dev_set(d, block ? "source.dev" : "source.file", source, e) : 0;
}

static int edit_media(struct dnode *dom, void *ctx, struct err **e)
{
    const struct cm_ctx *c = ctx;
    struct dnode *d = dev_find_disk(dom, c->path, e);
    if (!d)
        return -1;
    const char *kind = dnode_attr(d, "device");
    const char *target = dev_get(d, "target.dev");
    if (!kind || (strcmp(kind, "cdrom") != 0 && strcmp(kind, "floppy") != 0))
        return err_set(e, ERR_INVALID, "the disk device '%s' is not removable",
                       target ? target : c->path);
    bool has = dev_get(d, "source.file") || dev_get(d, "source.dev");
    if (c->action == MEDIA_EJECT && !has)
        return err_set(e, ERR_INVALID, "the disk device '%s' doesn't have media", target);
    if (c->action == MEDIA_INSERT && has)
        return err_set(e, ERR_INVALID, "the disk device '%s' already has media", target);
    return set_media(d, c->action == MEDIA_EJECT ? NULL : c->source, e);
}

static int pick_action(const struct cmd_args *a, struct cm_ctx *c, struct err **e)
{
    bool ej = args_bool(a, CM_OPT_EJECT), in = args_bool(a, CM_OPT_INSERT);
    bool up = args_bool(a, CM_OPT_UPDATE);
    if (ej + in + up > 1)
        return err_set(e, ERR_ARGS, "options --%s and --%s are mutually exclusive",
                       ej ? "eject" : "insert", up ? "update" : "insert");
    c->action = ej ? MEDIA_EJECT : in ? MEDIA_INSERT : MEDIA_UPDATE;
    if (ej && c->source)
        return err_set(e, ERR_ARGS, "--eject takes no source");
    if (in && !c->source)
        return err_set(e, ERR_ARGS, "no source is specified for inserting media");
    return 0;
}

static const char *const done_msg[] = {
    [MEDIA_EJECT] = "Successfully ejected media.",
    [MEDIA_INSERT] = "Successfully inserted media.",
    [MEDIA_UPDATE] = "Successfully updated media.",
};

static int run_change_media(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct cm_ctx c = {args_str(a, CM_OPT_PATH), args_str(a, CM_OPT_SOURCE), MEDIA_UPDATE};
    if (c.source && !*c.source)
        c.source = NULL;
    if (pick_action(a, &c, e) < 0)
        return -1;
    unsigned mask;
    if (args_bool(a, CM_OPT_PRINT_XML))
        mask = 0;
    else if (devcmd_scope(sh, a, CM_OPT_CONFIG, SCOPE_DEFAULT_CURRENT, a->dom_name, &mask, e) < 0)
        return -1;
    if (!mask) {
        struct dnode *dom = devcmd_load(sh, a->dom_name, false, e);
        int rc = dom ? edit_media(dom, &c, e) : -1;
        if (rc == 0) {
            AUTOFREE char *xml = dom_format_node(dev_find_disk(dom, c.path, NULL), DOM_FMT_SECURE);
            fputs(xml, sh->out);
        }
        dnode_free(dom);
        return rc;
    }
    AUTOFREE char *summary = xasprintf("change-media %s %s", c.path,
                                       c.source ? c.source : "(eject)");
    struct devcmd_req r = {.scope_opt = CM_OPT_CONFIG, .def = SCOPE_DEFAULT_CURRENT,
                           .summary = summary, .edit = edit_media, .ctx = &c,
                           .dry_run = args_bool(a, CM_OPT_DRY_RUN), .done = done_msg[c.action]};
    return devcmd_run(sh, a, &r, e) < 0 ? -1 : 0;
}

static const struct opt_def change_media_opts[] = {
    [CM_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY),
    [CM_OPT_PATH] = {"path", OPT_STRING, OPT_REQUIRED, "target",
                     "target (hdc) or source path of the cdrom or floppy",
                     .complete = comp_disk_names},
    [CM_OPT_SOURCE] = {"source", OPT_STRING, OPT_EMPTY_OK, "path",
                       "new medium (file or block device)", .complete = comp_files},
    [CM_OPT_EJECT] = {"eject", OPT_BOOL, 0, NULL, "eject the medium"},
    [CM_OPT_INSERT] = {"insert", OPT_BOOL, 0, NULL, "insert a medium into an empty drive"},
    [CM_OPT_UPDATE] = {"update", OPT_BOOL, 0, NULL,
                       "replace the medium, or eject it when no source is given (default)"},
    [CM_OPT_PRINT_XML] = {"print-xml", OPT_BOOL, 0, NULL,
                          "print the resulting <disk>, change nothing"},
    DEVCMD_DRY_RUN_OPT(CM_OPT_DRY_RUN),
    DEVCMD_SCOPE_OPTS(CM_OPT_CONFIG),
};

const struct cmd_def cmd_change_media = {
    .name = "change-media",
    .group = "device",
    .summary = "change media of a cdrom or floppy drive",
    .desc = "Eject, insert or replace the medium of a removable disk. Without a scope "
            "option: the running domain if it runs, else the config.",
    .opts = change_media_opts,
    .nopts = NOPTS(change_media_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = CM_OPT_DOMAIN,
    .run = run_change_media,
};
