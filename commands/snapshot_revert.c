/* snapshot-revert: put a domain back as it was at a snapshot. */
#include "../core/runtime/save.h"
#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../completion/comp_snapshots.h"
#include "../shell/shell.h"

enum { SNAPSHOT_REVERT_OPT_DOMAIN, SNAPSHOT_REVERT_OPT_SNAPSHOTNAME, SNAPSHOT_REVERT_OPT_CURRENT,
       SNAPSHOT_REVERT_OPT_RUNNING, SNAPSHOT_REVERT_OPT_PAUSED, SNAPSHOT_REVERT_OPT_FORCE };

static const struct opt_def snapshot_revert_opts[] = {
    [SNAPSHOT_REVERT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                    .argname = "domain", .help = "domain name, id or uuid",
                                    .complete = comp_domains},
    [SNAPSHOT_REVERT_OPT_SNAPSHOTNAME] = {.name = "snapshotname", .kind = OPT_STRING,
                                          .argname = "name", .help = "snapshot name",
                                          .complete = comp_snapshots},
    [SNAPSHOT_REVERT_OPT_CURRENT] = {.name = "current", .kind = OPT_BOOL,
                                     .help = "revert to the current snapshot"},
    [SNAPSHOT_REVERT_OPT_RUNNING] = {.name = "running", .kind = OPT_BOOL,
                                     .help = "run the guest after reverting"},
    [SNAPSHOT_REVERT_OPT_PAUSED] = {.name = "paused", .kind = OPT_BOOL,
                                    .help = "leave the guest paused after reverting"},
    [SNAPSHOT_REVERT_OPT_FORCE] = {.name = "force", .kind = OPT_BOOL,
                                   .help = "accepted for virsh scripts (a running guest is "
                                           "always stopped first)"},
};

static int snapshot_revert_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned flags;
    AUTOFREE char *snap = NULL;
    if (save_state_flags(args_bool(a, SNAPSHOT_REVERT_OPT_RUNNING),
                         args_bool(a, SNAPSHOT_REVERT_OPT_PAUSED), &flags, e) < 0 ||
        snap_pick(sh->store, a->dom_name, args_str(a, SNAPSHOT_REVERT_OPT_SNAPSHOTNAME),
                  args_bool(a, SNAPSHOT_REVERT_OPT_CURRENT), &snap, e) < 0)
        return -1;
    struct rt_progress p = snap_progress(sh->err, "Revert");
    if (rt_snapshot_revert(sh->store, a->dom_name, snap, flags, &p, e) < 0) {
        err_prefix(e, "Failed to revert snapshot %s\nerror: ", snap);
        return -1;
    }
    shell_info(sh, "Domain snapshot %s reverted", snap);
    return 0;
}

const struct cmd_def cmd_snapshot_revert = {
    .name = "snapshot-revert", .group = "snapshot", .summary = "revert a domain to a snapshot",
    .desc = "Checks the snapshot first (same domain, memory image complete), then stops a "
            "running guest, puts back the snapshot's definition (recorded in the config "
            "history) and its memory: the guest runs on from the moment of the snapshot.",
    .opts = snapshot_revert_opts, .nopts = NOPTS(snapshot_revert_opts), .flags = CMD_READ_WRITE,
    .target_opt = SNAPSHOT_REVERT_OPT_DOMAIN, .run = snapshot_revert_run,
};
