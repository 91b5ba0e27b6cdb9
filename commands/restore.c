/* restore: start a domain from a save image. */
#include <stdlib.h>

#include "../core/runtime/save.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { RESTORE_OPT_FILE, RESTORE_OPT_XML, RESTORE_OPT_RUNNING, RESTORE_OPT_PAUSED,
       RESTORE_OPT_VERBOSE };

static const struct opt_def restore_opts[] = {
    [RESTORE_OPT_FILE] = {.name = "file", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                          .argname = "file", .help = "the state to restore",
                          .complete = comp_files},
    [RESTORE_OPT_XML] = {.name = "xml", .kind = OPT_STRING, .flags = OPT_NAMED | OPT_LOCAL_PATH,
                         .argname = "file", .help = "file with an updated XML of the same domain",
                         .complete = comp_files},
    [RESTORE_OPT_RUNNING] = {.name = "running", .kind = OPT_BOOL,
                             .help = "restore into running state"},
    [RESTORE_OPT_PAUSED] = {.name = "paused", .kind = OPT_BOOL,
                            .help = "restore into paused state"},
    [RESTORE_OPT_VERBOSE] = {.name = "verbose", .kind = OPT_BOOL, .help = "display the progress"},
};

static int restore_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned flags;
    AUTOFREE char *xml = NULL, *name = NULL;
    const char *file = args_str(a, RESTORE_OPT_FILE);
    if (save_state_flags(args_bool(a, RESTORE_OPT_RUNNING), args_bool(a, RESTORE_OPT_PAUSED),
                         &flags, e) < 0 || save_xml_arg(args_str(a, RESTORE_OPT_XML), &xml, e) < 0)
        return -1;
    struct rt_progress p = { .label = args_bool(a, RESTORE_OPT_VERBOSE) ? "Restore" : NULL,
                             .out = sh->err, .last = -1 };
    if (rt_restore(sh->store, file, xml, flags, &p, &name, e) < 0) {
        err_prefix(e, "Failed to restore domain from %s\nerror: ", file);
        return -1;
    }
    shell_info(sh, "Domain restored from %s", file);
    return 0;
}

const struct cmd_def cmd_restore = {
    .name = "restore", .group = "domain", .summary = "restore a domain from a saved state in a file",
    .desc = "Starts the domain held in a save image (as the persistent domain of that name "
            "and uuid, else as a transient one) and loads its state; it runs, or stays paused, "
            "as it was saved unless --running or --paused says otherwise.  An incomplete or "
            "corrupt image is refused and nothing is started.",
    .opts = restore_opts, .nopts = NOPTS(restore_opts), .flags = CMD_READ_WRITE,
    .target_opt = -1, .run = restore_run,
};
