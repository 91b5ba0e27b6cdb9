/* snapshot-current: show (or set) the current snapshot. */
#include <stdio.h>
#include <stdlib.h>

#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../completion/comp_snapshots.h"
#include "../shell/shell.h"

enum { SNAPSHOT_CURRENT_OPT_DOMAIN, SNAPSHOT_CURRENT_OPT_NAME, SNAPSHOT_CURRENT_OPT_SNAPSHOTNAME };

static const struct opt_def snapshot_current_opts[] = {
    [SNAPSHOT_CURRENT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                     .argname = "domain", .help = "domain name, id or uuid",
                                     .complete = comp_domains},
    [SNAPSHOT_CURRENT_OPT_NAME] = {.name = "name", .kind = OPT_BOOL,
                                   .help = "the name only, not the XML"},
    [SNAPSHOT_CURRENT_OPT_SNAPSHOTNAME] = {.name = "snapshotname", .kind = OPT_STRING,
                                           .argname = "name",
                                           .help = "make this snapshot the current one",
                                           .complete = comp_snapshots},
};

static int set_current(struct shell *sh, const char *dom, const char *snap, struct err **e)
{
    if (sh->readonly)
        return err_set(e, ERR_READONLY, "operation forbidden: read only access prevents "
                       "'snapshot-current --snapshotname'");
    int lock = store_lock(sh->store, dom, false, e);
    if (lock < 0)
        return -1;
    int rc = snap_exists(sh->store, dom, snap) ? snap_set_current(sh->store, dom, snap, e)
             : err_set(e, ERR_NOT_FOUND, "Domain snapshot not found: no domain snapshot with "
                       "matching name '%s'", snap);
    store_unlock(lock);
    if (rc == 0)
        shell_info(sh, "Snapshot %s set as current", snap);
    return rc;
}

static int snapshot_current_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *snap = args_str(a, SNAPSHOT_CURRENT_OPT_SNAPSHOTNAME);
    if (snap)
        return set_current(sh, a->dom_name, snap, e);
    AUTOFREE char *cur = NULL;
    if (snap_pick(sh->store, a->dom_name, NULL, true, &cur, e) < 0)
        return -1;
    if (args_bool(a, SNAPSHOT_CURRENT_OPT_NAME)) {
        fprintf(sh->out, "%s\n", cur);
        return 0;
    }
    char *xml = snap_xml(sh->store, a->dom_name, cur, e);
    if (!xml)
        return -1;
    fputs(xml, sh->out);
    free(xml);
    return 0;
}

const struct cmd_def cmd_snapshot_current = {
    .name = "snapshot-current", .group = "snapshot", .summary = "get or set the current snapshot",
    .opts = snapshot_current_opts, .nopts = NOPTS(snapshot_current_opts),
    .target_opt = SNAPSHOT_CURRENT_OPT_DOMAIN, .run = snapshot_current_run,
};
