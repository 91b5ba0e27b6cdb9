/* snapshot-parent: the name of a snapshot's parent. */
#include <stdio.h>

#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../completion/comp_snapshots.h"
#include "../shell/shell.h"

enum { SNAPSHOT_PARENT_OPT_DOMAIN, SNAPSHOT_PARENT_OPT_SNAPSHOTNAME, SNAPSHOT_PARENT_OPT_CURRENT };

static const struct opt_def snapshot_parent_opts[] = {
    [SNAPSHOT_PARENT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                    .argname = "domain", .help = "domain name, id or uuid",
                                    .complete = comp_domains},
    [SNAPSHOT_PARENT_OPT_SNAPSHOTNAME] = {.name = "snapshotname", .kind = OPT_STRING,
                                          .argname = "name", .help = "snapshot name",
                                          .complete = comp_snapshots},
    [SNAPSHOT_PARENT_OPT_CURRENT] = {.name = "current", .kind = OPT_BOOL,
                                     .help = "the current snapshot's parent"},
};

static int snapshot_parent_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    AUTOFREE char *snap = NULL;
    if (snap_pick(sh->store, a->dom_name, args_str(a, SNAPSHOT_PARENT_OPT_SNAPSHOTNAME),
                  args_bool(a, SNAPSHOT_PARENT_OPT_CURRENT), &snap, e) < 0)
        return -1;
    struct snapshot *s = snap_load(sh->store, a->dom_name, snap, e);
    if (!s)
        return -1;
    int rc = 0;
    if (s->parent)
        fprintf(sh->out, "%s\n", s->parent);
    else
        rc = err_set(e, ERR_NOT_FOUND, "snapshot '%s' has no parent", snap);
    snapshot_free(s);
    return rc;
}

const struct cmd_def cmd_snapshot_parent = {
    .name = "snapshot-parent", .group = "snapshot", .summary = "get the name of the parent of a snapshot",
    .opts = snapshot_parent_opts, .nopts = NOPTS(snapshot_parent_opts),
    .target_opt = SNAPSHOT_PARENT_OPT_DOMAIN, .run = snapshot_parent_run,
};
