/* save: save a running domain's state to a file and stop it. */
#include "../core/runtime/save.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { SAVE_OPT_DOMAIN, SAVE_OPT_FILE, SAVE_OPT_XML, SAVE_OPT_RUNNING, SAVE_OPT_PAUSED,
       SAVE_OPT_VERBOSE };

static const struct opt_def save_opts[] = {
    [SAVE_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "domain", .help = "domain name, id or uuid",
                         .complete = comp_domains, .complete_flags = ST_RUNNING | ST_PAUSED},
    [SAVE_OPT_FILE] = {.name = "file", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                       .argname = "file", .help = "where to save the data",
                       .complete = comp_files},
    [SAVE_OPT_XML] = {.name = "xml", .kind = OPT_STRING, .flags = OPT_NAMED | OPT_LOCAL_PATH,
                      .argname = "file",
                      .help = "file with an updated XML of the same domain to keep in the image",
                      .complete = comp_files},
    [SAVE_OPT_RUNNING] = {.name = "running", .kind = OPT_BOOL,
                          .help = "restore into running state"},
    [SAVE_OPT_PAUSED] = {.name = "paused", .kind = OPT_BOOL, .help = "restore into paused state"},
    [SAVE_OPT_VERBOSE] = {.name = "verbose", .kind = OPT_BOOL, .help = "display the progress"},
};

static int save_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned flags;
    AUTOFREE char *xml = NULL;
    const char *file = args_str(a, SAVE_OPT_FILE);
    if (save_state_flags(args_bool(a, SAVE_OPT_RUNNING), args_bool(a, SAVE_OPT_PAUSED), &flags,
                         e) < 0 || save_xml_arg(args_str(a, SAVE_OPT_XML), &xml, e) < 0)
        return -1;
    struct rt_progress p = { .label = args_bool(a, SAVE_OPT_VERBOSE) ? "Save" : NULL,
                             .out = sh->err, .last = -1 };
    if (rt_save(sh->store, a->dom_name, file, xml, flags, &p, e) < 0) {
        err_prefix(e, "Failed to save domain '%s' to %s\nerror: ", a->dom_name, file);
        return -1;
    }
    shell_info(sh, "Domain '%s' saved to %s", a->dom_name, file);
    return 0;
}

const struct cmd_def cmd_save = {
    .name = "save", .group = "domain", .summary = "save a domain state to a file",
    .desc = "Stops the guest, writes its memory and device state after a header holding its "
            "XML, marks the image complete once it is on disk, then stops the domain "
            "(shut off (saved)).  Ctrl-C leaves the guest running as it was.",
    .opts = save_opts, .nopts = NOPTS(save_opts), .flags = CMD_READ_WRITE,
    .target_opt = SAVE_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED, .run = save_run,
};
