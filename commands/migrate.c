/* migrate: move a running domain to another store of this host. */
#include <stdlib.h>

#include "../core/remote/remote.h"
#include "../core/runtime/migjob.h"
#include "../core/runtime/migrate_live.h"
#include "../core/runtime/migrate_remote.h"
#include "../core/runtime/runtime.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { MIG_OPT_DOMAIN, MIG_OPT_DESTURI, MIG_OPT_LIVE, MIG_OPT_PERSISTENT, MIG_OPT_UNDEFINE,
       MIG_OPT_DEST_ROOT, MIG_OPT_TIMEOUT, MIG_OPT_VERBOSE, MIG_OPT_COMPRESSED,
       /* tuning (core/runtime/migjob.h) */
       MIG_OPT_BANDWIDTH, MIG_OPT_AUTO_CONVERGE, MIG_OPT_POSTCOPY, MIG_OPT_POSTCOPY_AFTER,
       MIG_OPT_TIMEOUT_SUSPEND, MIG_OPT_TIMEOUT_POSTCOPY, MIG_OPT_POSTCOPY_BANDWIDTH,
       /* disks (core/runtime/migrate_storage.h) */
       MIG_OPT_COPY_STORAGE_ALL, MIG_OPT_XML };

static const struct opt_def migrate_opts[] = {
    [MIG_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING | ST_PAUSED),
    [MIG_OPT_DESTURI] = {.name = "desturi", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "uri",
                         .help = "destination connection URI (another store of this host, "
                                 "or qemu+ssh://HOST/...)"},
    [MIG_OPT_LIVE] = {.name = "live", .kind = OPT_BOOL,
                      .help = "keep the guest running while its memory moves"},
    [MIG_OPT_PERSISTENT] = {.name = "persistent", .kind = OPT_BOOL,
                            .help = "define the domain in the destination"},
    [MIG_OPT_UNDEFINE] = {.name = "undefinesource", .kind = OPT_BOOL,
                          .help = "undefine the domain in the source once moved"},
    [MIG_OPT_DEST_ROOT] = {.name = "dest-root", .kind = OPT_STRING,
                           .flags = OPT_NAMED, .argname = "dir",
                           .help = "the destination store's root, as DOMSH_ROOT would give it",
                           .complete = comp_files},
    [MIG_OPT_TIMEOUT] = {.name = "timeout", .kind = OPT_INT, .flags = OPT_NAMED,
                         .argname = "seconds",
                         .help = "suspend the guest if the live migration takes longer"},
    [MIG_OPT_VERBOSE] = {.name = "verbose", .kind = OPT_BOOL, .help = "display the progress"},
    [MIG_OPT_COMPRESSED] = {.name = "compressed", .kind = OPT_BOOL,
                            .help = "refused: ssh compresses a remote stream when configured to"},
    [MIG_OPT_BANDWIDTH] = {.name = "bandwidth", .kind = OPT_INT, .flags = OPT_NAMED,
                           .argname = "number",
                           .help = "migration bandwidth limit in MiB/s (this migration)"},
    [MIG_OPT_AUTO_CONVERGE] = {.name = "auto-converge", .kind = OPT_BOOL,
                               .help = "force convergence during live migration"},
    [MIG_OPT_POSTCOPY] = {.name = "postcopy", .kind = OPT_BOOL,
                          .help = "enable post-copy migration; switch to it using "
                                  "migrate-postcopy command"},
    [MIG_OPT_POSTCOPY_AFTER] = {.name = "postcopy-after-precopy", .kind = OPT_BOOL,
                                .help = "automatically switch to post-copy migration after one "
                                        "pass of pre-copy"},
    [MIG_OPT_TIMEOUT_SUSPEND] = {.name = "timeout-suspend", .kind = OPT_BOOL,
                                 .help = "suspend the guest after timeout (the default)"},
    [MIG_OPT_TIMEOUT_POSTCOPY] = {.name = "timeout-postcopy", .kind = OPT_BOOL,
                                  .help = "switch to post-copy after timeout"},
    [MIG_OPT_POSTCOPY_BANDWIDTH] = {.name = "postcopy-bandwidth", .kind = OPT_INT,
                                    .flags = OPT_NAMED, .argname = "number",
                                    .help = "post-copy migration bandwidth limit in MiB/s"},
    [MIG_OPT_COPY_STORAGE_ALL] = {.name = "copy-storage-all", .kind = OPT_BOOL,
                                  .help = "migration with non-shared storage with full disk "
                                          "copy"},
    [MIG_OPT_XML] = {.name = "xml", .kind = OPT_STRING, .flags = OPT_NAMED | OPT_LOCAL_PATH,
                     .argname = "file",
                     .help = "the destination's domain XML: the same domain, only its disk "
                             "source paths may differ",
                     .complete = comp_files},
};

/* a bandwidth option in MiB/s (0 when absent) */
static int bandwidth(const struct cmd_args *a, int opt, unsigned long long *mib, struct err **e)
{
    *mib = 0;
    if (args_uint(a, opt, mib, e) < 0)
        return -1;
    if (*mib > RT_MIG_SPEED_MAX)
        return err_set(e, ERR_ARGS, "numerical overflow: bandwidth must be less than %llu",
                       RT_MIG_SPEED_MAX + 1);
    return 0;
}

/* the tuning options, with virsh's rules and messages */
static int tuning(const struct cmd_args *a, struct rt_live_mig *o, struct err **e)
{
    if (bandwidth(a, MIG_OPT_BANDWIDTH, &o->bandwidth_mib, e) < 0 ||
        bandwidth(a, MIG_OPT_POSTCOPY_BANDWIDTH, &o->postcopy_bandwidth_mib, e) < 0)
        return -1;
    bool suspend = args_bool(a, MIG_OPT_TIMEOUT_SUSPEND);
    o->postcopy = args_bool(a, MIG_OPT_POSTCOPY);
    o->postcopy_after_precopy = args_bool(a, MIG_OPT_POSTCOPY_AFTER);
    o->timeout_postcopy = args_bool(a, MIG_OPT_TIMEOUT_POSTCOPY);
    if ((suspend || o->timeout_postcopy) && !args_str(a, MIG_OPT_TIMEOUT))
        return err_set(e, ERR_ARGS, "migrate: Unexpected --timeout-* option without --timeout");
    if (suspend && o->timeout_postcopy)
        return err_set(e, ERR_ARGS, "Options --timeout-suspend and --timeout-postcopy are "
                       "mutually exclusive");
    if (o->postcopy_after_precopy && !o->postcopy)
        return err_set(e, ERR_ARGS, "Option --postcopy-after-precopy requires --postcopy");
    if (o->timeout_postcopy && !o->postcopy)
        return err_set(e, ERR_ARGS, "Option --timeout-postcopy requires --postcopy");
    if (o->postcopy && !o->live)
        return err_set(e, ERR_ARGS, "argument unsupported: post-copy migration is not "
                       "supported with non-live or paused migration");
    o->auto_converge = args_bool(a, MIG_OPT_AUTO_CONVERGE);
    return 0;
}

static int migrate_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    if (args_bool(a, MIG_OPT_COMPRESSED))
        return err_set(e, ERR_ARGS, "--compressed is not supported: a local migration "
                       "streams through a socketpair, a remote one through ssh (which "
                       "compresses when its configuration says Compression yes)");
    long long timeout = 0;
    if (args_int(a, MIG_OPT_TIMEOUT, &timeout, e) < 0)
        return -1;
    if (args_str(a, MIG_OPT_TIMEOUT) && (timeout < 1 || timeout > 86400 ||
                                          !args_bool(a, MIG_OPT_LIVE)))
        return err_set(e, ERR_ARGS, "--timeout needs --live and 1 to 86400 seconds");
    const char *uri = args_str(a, MIG_OPT_DESTURI), *root = args_str(a, MIG_OPT_DEST_ROOT);
    bool remote = ruri_is_remote(uri);
    if (remote && root)
        return err_set(e, ERR_ARGS, "--dest-root names a store of this host, not of %s", uri);
    struct rt_progress p = { .label = args_bool(a, MIG_OPT_VERBOSE) ? "Migration" : NULL,
                             .out = sh->err, .last = -1 };
    struct rt_live_mig o = { .live = args_bool(a, MIG_OPT_LIVE),
                             .persistent = args_bool(a, MIG_OPT_PERSISTENT),
                             .undefine_source = args_bool(a, MIG_OPT_UNDEFINE),
                             .timeout_s = (int)timeout,
                             .progress = &p };
    if (tuning(a, &o, e) < 0)
        return -1;
    o.copy_storage = args_bool(a, MIG_OPT_COPY_STORAGE_ALL);
    o.dest_xml = args_str(a, MIG_OPT_XML);
    if (o.dest_xml && !o.copy_storage)
        return err_set(e, ERR_ARGS, "--xml needs --copy-storage-all (the destination's disk "
                       "paths are all it may change)");
    if (o.copy_storage && o.postcopy)     /* the mirrors must end before the guest runs there */
        return err_set(e, ERR_ARGS, "--postcopy is not supported with --copy-storage-all");
    struct store *dst = remote ? NULL : rt_store_open(uri, root, e);
    if (!remote && !dst)
        return -1;
    int rc = remote ? rt_migrate_remote(sh->store, a->dom_name, uri, &o, e)
                    : rt_migrate_local(sh->store, dst, a->dom_name, &o, e);
    if (dst)
        store_close(dst);
    if (rc < 0)
        err_prefix(e, "Failed to migrate domain '%s' to %s\nerror: ", a->dom_name, uri);
    else
        shell_info(sh, "Domain '%s' migrated to %s", a->dom_name, uri);
    return rc;
}

const struct cmd_def cmd_migrate = {
    .name = "migrate", .group = "domain", .summary = "migrate a domain to another store or host",
    .desc = "Starts the domain in the destination waiting for its state, streams the guest's "
            "memory and devices to it (with --live the guest runs meanwhile), then lets it run "
            "there and stops the source (shut off (migrated)).  The destination is a store of "
            "this host (another driver URI, or another root with --dest-root), reached through "
            "a socketpair, or another host (qemu+ssh://HOST/session, test+ssh://...), where "
            "`domsh --stdio` starts it listening on a unix socket of its run dir that the "
            "stream reaches through an SSH forward, never an open TCP port.  With "
            "--copy-storage-all the disks are first mirrored (NBD) into the destination's own "
            "images (--xml FILE gives their paths; missing ones are created).  On any failure, "
            "Ctrl-C included, the guest runs on in the source as it was and nothing stays in "
            "the destination.",
    .opts = migrate_opts, .nopts = NOPTS(migrate_opts), .flags = CMD_READ_WRITE,
    .target_opt = MIG_OPT_DOMAIN, .target_states = ST_RUNNING | ST_PAUSED, .run = migrate_run,
};
