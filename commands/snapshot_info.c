/* snapshot-info: one snapshot's facts, as virsh prints them. */
#include <stdio.h>
#include <string.h>

#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../completion/comp_snapshots.h"
#include "../shell/shell.h"

enum { SNAPSHOT_INFO_OPT_DOMAIN, SNAPSHOT_INFO_OPT_SNAPSHOTNAME, SNAPSHOT_INFO_OPT_CURRENT };

static const struct opt_def snapshot_info_opts[] = {
    [SNAPSHOT_INFO_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                  .argname = "domain", .help = "domain name, id or uuid",
                                  .complete = comp_domains},
    [SNAPSHOT_INFO_OPT_SNAPSHOTNAME] = {.name = "snapshotname", .kind = OPT_STRING,
                                        .argname = "name", .help = "snapshot name",
                                        .complete = comp_snapshots},
    [SNAPSHOT_INFO_OPT_CURRENT] = {.name = "current", .kind = OPT_BOOL,
                                   .help = "the current snapshot"},
};

static int snapshot_info_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    AUTOFREE char *snap = NULL;
    struct snap_set set;
    if (snap_pick(sh->store, a->dom_name, args_str(a, SNAPSHOT_INFO_OPT_SNAPSHOTNAME),
                  args_bool(a, SNAPSHOT_INFO_OPT_CURRENT), &snap, e) < 0 ||
        snap_set_load(sh->store, a->dom_name, &set, e) < 0)
        return -1;
    const struct snapshot *s = snap_set_find(&set, snap);
    FILE *o = sh->out;
    bool memory = s->memory && strcmp(s->memory, "external") == 0;
    fprintf(o, "%-15s %s\n", "Name:", s->name);
    fprintf(o, "%-15s %s\n", "Domain:", a->dom_name);
    fprintf(o, "%-15s %s\n", "Current:", set.current && !strcmp(set.current, snap) ? "yes" : "no");
    fprintf(o, "%-15s %s\n", "State:", s->state ? s->state : "");
    fprintf(o, "%-15s %s\n", "Location:", snap_location(s));
    fprintf(o, "%-15s %s\n", "Parent:", s->parent ? s->parent : "-");
    fprintf(o, "%-15s %zu\n", "Children:", snap_set_children(&set, snap));
    fprintf(o, "%-15s %zu\n", "Descendants:", snap_set_descendants(&set, snap));
    fprintf(o, "%-15s %s\n", "Metadata:", "yes");
    if (memory)
        fprintf(o, "%-15s %s\n", "Memory file:", s->memory_file ? s->memory_file : "");
    snap_set_free(&set);
    return 0;
}

const struct cmd_def cmd_snapshot_info = {
    .name = "snapshot-info", .group = "snapshot", .summary = "snapshot information",
    .opts = snapshot_info_opts, .nopts = NOPTS(snapshot_info_opts),
    .target_opt = SNAPSHOT_INFO_OPT_DOMAIN, .run = snapshot_info_run,
};
