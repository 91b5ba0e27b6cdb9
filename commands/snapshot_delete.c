/* snapshot-delete: remove a snapshot (its children move to its parent). */
#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../completion/comp_snapshots.h"
#include "../shell/shell.h"

enum { SNAPSHOT_DELETE_OPT_DOMAIN, SNAPSHOT_DELETE_OPT_SNAPSHOTNAME, SNAPSHOT_DELETE_OPT_CURRENT,
       SNAPSHOT_DELETE_OPT_CHILDREN, SNAPSHOT_DELETE_OPT_CHILDREN_ONLY,
       SNAPSHOT_DELETE_OPT_METADATA };

static const struct opt_def snapshot_delete_opts[] = {
    [SNAPSHOT_DELETE_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                    .argname = "domain", .help = "domain name, id or uuid",
                                    .complete = comp_domains},
    [SNAPSHOT_DELETE_OPT_SNAPSHOTNAME] = {.name = "snapshotname", .kind = OPT_STRING,
                                          .argname = "name", .help = "snapshot name",
                                          .complete = comp_snapshots},
    [SNAPSHOT_DELETE_OPT_CURRENT] = {.name = "current", .kind = OPT_BOOL,
                                     .help = "delete the current snapshot"},
    [SNAPSHOT_DELETE_OPT_CHILDREN] = {.name = "children", .kind = OPT_BOOL,
                                      .help = "delete the snapshot and all its descendants"},
    [SNAPSHOT_DELETE_OPT_CHILDREN_ONLY] = {.name = "children-only", .kind = OPT_BOOL,
                                           .help = "delete the descendants only"},
    [SNAPSHOT_DELETE_OPT_METADATA] = {.name = "metadata", .kind = OPT_BOOL,
                                      .help = "delete the metadata only; memory images stay"},
};

static int snapshot_delete_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    AUTOFREE char *snap = NULL;
    if (snap_pick(sh->store, a->dom_name, args_str(a, SNAPSHOT_DELETE_OPT_SNAPSHOTNAME),
                  args_bool(a, SNAPSHOT_DELETE_OPT_CURRENT), &snap, e) < 0)
        return -1;
    unsigned flags = (args_bool(a, SNAPSHOT_DELETE_OPT_CHILDREN) ? SNAP_DELETE_CHILDREN : 0) |
                     (args_bool(a, SNAPSHOT_DELETE_OPT_CHILDREN_ONLY) ? SNAP_DELETE_CHILDREN_ONLY : 0) |
                     (args_bool(a, SNAPSHOT_DELETE_OPT_METADATA) ? SNAP_DELETE_METADATA : 0);
    struct rt_progress p = snap_progress(sh->err, "Merge");
    if (rt_snapshot_delete(sh->store, a->dom_name, snap, flags, &p, e) < 0) {
        err_prefix(e, "Failed to delete snapshot %s\nerror: ", snap);
        return -1;
    }
    if (flags & SNAP_DELETE_CHILDREN_ONLY)
        shell_info(sh, "Domain snapshot %s children deleted", snap);
    else
        shell_info(sh, "Domain snapshot %s deleted", snap);
    return 0;
}

const struct cmd_def cmd_snapshot_delete = {
    .name = "snapshot-delete", .group = "snapshot", .summary = "delete a domain snapshot",
    .desc = "Removes the snapshot's metadata and memory image; its children take its parent "
            "(the tree is rewritten first, so a crash leaves a whole tree).",
    .opts = snapshot_delete_opts, .nopts = NOPTS(snapshot_delete_opts), .flags = CMD_READ_WRITE,
    .target_opt = SNAPSHOT_DELETE_OPT_DOMAIN, .run = snapshot_delete_run,
};
