/* save-image-define: replace the domain XML kept in a save image. */
#include <string.h>

#include "../core/runtime/save.h"
#include "../core/xml/domain.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SAVE_IMAGE_DEFINE_OPT_FILE, SAVE_IMAGE_DEFINE_OPT_XML };

static const struct opt_def save_image_define_opts[] = {
    [SAVE_IMAGE_DEFINE_OPT_FILE] = {.name = "file", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                    .argname = "file", .help = "saved state file to modify",
                                    .complete = comp_files},
    [SAVE_IMAGE_DEFINE_OPT_XML] = {.name = "xml", .kind = OPT_STRING, .flags = OPT_REQUIRED | OPT_LOCAL_PATH,
                                   .argname = "xml",
                                   .help = "file with the updated XML of the same domain",
                                   .complete = comp_files},
};

static int save_image_define_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, SAVE_IMAGE_DEFINE_OPT_FILE);
    struct save_image img;
    if (save_image_read(file, &img, e) < 0)
        return -1;
    struct dnode *old = dom_load_string(img.xml, strlen(img.xml), file, NULL, e);
    struct dnode *nw = old ? dom_load_file(args_str(a, SAVE_IMAGE_DEFINE_OPT_XML), NULL, e) : NULL;
    int rc = -1;
    if (nw && (strcmp(dom_name(nw), dom_name(old)) || strcmp(dom_uuid(nw), dom_uuid(old))))
        err_set(e, ERR_INVALID, "the new XML is not the saved domain '%s' (name and uuid must "
                "match)", dom_name(old));
    else if (nw) {
        AUTOFREE char *text = dom_format(nw, 0);
        rc = save_image_set_xml(file, text, e);
    }
    dnode_free(old);
    dnode_free(nw);
    save_image_free(&img);
    if (rc == 0)
        shell_info(sh, "State file %s updated.", file);
    return rc;
}

const struct cmd_def cmd_save_image_define = {
    .name = "save-image-define", .group = "domain",
    .summary = "redefine the XML for a domain's saved state file",
    .desc = "Validates the new XML (same name and uuid as the saved domain) and writes a new "
            "image with it, renamed over the old one: a crash leaves one or the other.",
    .opts = save_image_define_opts, .nopts = NOPTS(save_image_define_opts),
    .flags = CMD_READ_WRITE, .target_opt = -1, .run = save_image_define_run,
};
