/* managedsave-dumpxml: the domain XML kept in a managed save image. */
#include <stdio.h>

#include "../core/runtime/save.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { MANAGEDSAVE_DUMPXML_OPT_DOMAIN, MANAGEDSAVE_DUMPXML_OPT_SECURITY_INFO };

static const struct opt_def managedsave_dumpxml_opts[] = {
    [MANAGEDSAVE_DUMPXML_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING,
                                        .flags = OPT_REQUIRED, .argname = "domain",
                                        .help = "domain name, id or uuid",
                                        .complete = comp_domains,
                                        .complete_flags = ST_SHUTOFF | ST_PERSISTENT},
    [MANAGEDSAVE_DUMPXML_OPT_SECURITY_INFO] = {.name = "security-info", .kind = OPT_BOOL,
                                               .help = "accepted for virsh scripts (no secrets are kept)"},
};

static int managedsave_dumpxml_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (!managed_save_exists(sh->store, a->dom_name))
        return err_set(e, ERR_NOT_FOUND, "domain '%s' has no managed save image", a->dom_name);
    AUTOFREE char *path = managed_save_path(sh->store, a->dom_name);
    struct save_image img;
    if (save_image_read(path, &img, e) < 0)
        return -1;
    fputs(img.xml, sh->out);
    save_image_free(&img);
    return 0;
}

const struct cmd_def cmd_managedsave_dumpxml = {
    .name = "managedsave-dumpxml", .group = "domain",
    .summary = "domain information of managed save state file in XML",
    .opts = managedsave_dumpxml_opts, .nopts = NOPTS(managedsave_dumpxml_opts),
    .target_opt = MANAGEDSAVE_DUMPXML_OPT_DOMAIN, .run = managedsave_dumpxml_run,
};
