/* fake-guest: hidden; the test backend's emulator (core/runtime/fakeguest.h). */
#include "../core/runtime/fakeguest.h"
#include "../shell/shell.h"

enum {
    FAKE_GUEST_OPT_NAME,
    FAKE_GUEST_OPT_QMP,
    FAKE_GUEST_OPT_MEMORY,
    FAKE_GUEST_OPT_DISKS,
    FAKE_GUEST_OPT_DISK_FILES,
    FAKE_GUEST_OPT_INCOMING,
    FAKE_GUEST_OPT_CHARDEV,
};

static const struct opt_def fake_guest_opts[] = {
    [FAKE_GUEST_OPT_NAME] = {.name = "name", .kind = OPT_STRING, .flags = OPT_REQUIRED | OPT_NAMED,
                             .argname = "name", .help = "guest name for the banner"},
    [FAKE_GUEST_OPT_QMP] = {.name = "qmp", .kind = OPT_STRING, .flags = OPT_REQUIRED | OPT_NAMED,
                            .argname = "socket", .help = "QMP server socket path"},
    [FAKE_GUEST_OPT_MEMORY] = {.name = "memory", .kind = OPT_INT, .flags = OPT_NAMED,
                               .argname = "kib", .help = "memory size reported by query-balloon"},
    [FAKE_GUEST_OPT_DISKS] = {.name = "disks", .kind = OPT_STRING, .flags = OPT_NAMED,
                              .argname = "aliases",
                              .help = "the disks' aliases, comma-separated (query-blockstats)"},
    [FAKE_GUEST_OPT_DISK_FILES] = {.name = "disk-files", .kind = OPT_STRING, .flags = OPT_NAMED,
                                   .argname = "files",
                                   .help = "the disks' source files, comma-separated (a comma "
                                           "in a name doubled), in --disks order"},
    [FAKE_GUEST_OPT_INCOMING] = {.name = "incoming", .kind = OPT_BOOL,
                                 .help = "wait for migrate-incoming (QEMU's -incoming defer)"},
    [FAKE_GUEST_OPT_CHARDEV] = {.name = "chardev", .kind = OPT_ARGV, .argname = "socket",
                                .help = "one server socket per character device"},
};

static int fake_guest_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long mem = 0;
    if (args_uint(a, FAKE_GUEST_OPT_MEMORY, &mem, e) < 0)
        return -1;
    struct fake_guest_opts o = {
        .name = args_str(a, FAKE_GUEST_OPT_NAME),
        .qmp_path = args_str(a, FAKE_GUEST_OPT_QMP),
        .mem_kib = mem,
        .chardevs = a->argv.v,
        .nchardevs = a->argv.n,
        .disks = args_str(a, FAKE_GUEST_OPT_DISKS),
        .disk_files = args_str(a, FAKE_GUEST_OPT_DISK_FILES),
        .incoming = args_bool(a, FAKE_GUEST_OPT_INCOMING),
    };
    if (fake_guest_main(&o) != 0)
        return err_set(e, ERR_BACKEND, "fake-guest failed to start");
    return 0;
}

const struct cmd_def cmd_fake_guest = {
    .name = "fake-guest", .group = "internal",
    .summary = "the test backend's emulator (started by the supervisor)",
    .opts = fake_guest_opts, .nopts = NOPTS(fake_guest_opts),
    .flags = CMD_NOSTORE | CMD_HIDDEN, .target_opt = -1, .run = fake_guest_run,
};
