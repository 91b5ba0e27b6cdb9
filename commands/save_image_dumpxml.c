/* save-image-dumpxml: the domain XML kept in a save image. */
#include <stdio.h>

#include "../core/runtime/save.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SAVE_IMAGE_DUMPXML_OPT_FILE, SAVE_IMAGE_DUMPXML_OPT_SECURITY_INFO };

static const struct opt_def save_image_dumpxml_opts[] = {
    [SAVE_IMAGE_DUMPXML_OPT_FILE] = {.name = "file", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                     .argname = "file", .help = "saved state file to read",
                                     .complete = comp_files},
    [SAVE_IMAGE_DUMPXML_OPT_SECURITY_INFO] = {.name = "security-info", .kind = OPT_BOOL,
                                              .help = "accepted for virsh scripts (no secrets are kept)"},
};

static int save_image_dumpxml_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct save_image img;
    if (save_image_read(args_str(a, SAVE_IMAGE_DUMPXML_OPT_FILE), &img, e) < 0)
        return -1;
    fputs(img.xml, sh->out);
    save_image_free(&img);
    return 0;
}

const struct cmd_def cmd_save_image_dumpxml = {
    .name = "save-image-dumpxml", .group = "domain",
    .summary = "saved state domain information in XML",
    .desc = "Prints the domain XML kept in a complete save image.",
    .opts = save_image_dumpxml_opts, .nopts = NOPTS(save_image_dumpxml_opts),
    .target_opt = -1, .run = save_image_dumpxml_run,
};
