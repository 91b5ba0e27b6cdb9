/* migrate-receive: hidden; the destination's half of `migrate DOM
 * qemu+ssh://HOST/...`, run on HOST by `domsh --stdio` for the source's
 * shell (core/runtime/migrate_remote.h). */
#include "../core/runtime/migrate_remote.h"
#include "../shell/shell.h"

enum { RECV_OPT_XML, RECV_OPT_DEFINITION, RECV_OPT_PAUSED, RECV_OPT_POSTCOPY,
       RECV_OPT_COPY_STORAGE };

static const struct opt_def migrate_receive_opts[] = {
    [RECV_OPT_XML] = {.name = "xml", .kind = OPT_STRING, .flags = OPT_REQUIRED | OPT_LOCAL_PATH,
                      .argname = "file", .help = "the domain as it runs in the source"},
    [RECV_OPT_DEFINITION] = {.name = "definition", .kind = OPT_STRING,
                             .flags = OPT_NAMED | OPT_LOCAL_PATH, .argname = "file",
                             .help = "define this here once the domain arrived"},
    [RECV_OPT_PAUSED] = {.name = "paused", .kind = OPT_BOOL,
                         .help = "leave the domain paused when it arrived"},
    [RECV_OPT_POSTCOPY] = {.name = "postcopy", .kind = OPT_BOOL,
                           .help = "the source may switch to post-copy: run the guest here "
                                   "from the switch on"},
    [RECV_OPT_COPY_STORAGE] = {.name = "copy-storage", .kind = OPT_STRING, .flags = OPT_NAMED,
                               .argname = "sizes",
                               .help = "the disks come too (vda=BYTES,...: the source images' "
                                       "sizes): export them over NBD, run on the source's GO"},
};

static int migrate_receive_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct rt_receive r = { .xml_path = args_str(a, RECV_OPT_XML),
                            .def_path = args_str(a, RECV_OPT_DEFINITION),
                            .paused = args_bool(a, RECV_OPT_PAUSED),
                            .postcopy = args_bool(a, RECV_OPT_POSTCOPY),
                            .channel_fd = sh->channel_in > 0 ? sh->channel_in : -1,
                            .copy_sizes = args_str(a, RECV_OPT_COPY_STORAGE),
                            .events_fd = sh->channel_events > 0 ? sh->channel_events : -1,
                            .announce = sh->out };
    return rt_migrate_receive(sh->store, &r, e);
}

const struct cmd_def cmd_migrate_receive = {
    .name = "migrate-receive", .group = "internal",
    .summary = "take a domain migrating in from another host (run by migrate over ssh)",
    .opts = migrate_receive_opts, .nopts = NOPTS(migrate_receive_opts),
    .flags = CMD_READ_WRITE | CMD_HIDDEN, .target_opt = -1, .run = migrate_receive_run,
};
