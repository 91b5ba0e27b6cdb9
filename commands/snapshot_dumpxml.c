/* snapshot-dumpxml: a snapshot's <domainsnapshot> XML. */
#include <stdio.h>
#include <stdlib.h>

#include "../core/runtime/snapshot.h"
#include "../completion/completers.h"
#include "../completion/comp_snapshots.h"
#include "../shell/shell.h"

enum { SNAPSHOT_DUMPXML_OPT_DOMAIN, SNAPSHOT_DUMPXML_OPT_SNAPSHOTNAME,
       SNAPSHOT_DUMPXML_OPT_SECURITY_INFO };

static const struct opt_def snapshot_dumpxml_opts[] = {
    [SNAPSHOT_DUMPXML_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                                     .argname = "domain", .help = "domain name, id or uuid",
                                     .complete = comp_domains},
    [SNAPSHOT_DUMPXML_OPT_SNAPSHOTNAME] = {.name = "snapshotname", .kind = OPT_STRING,
                                           .flags = OPT_REQUIRED, .argname = "name",
                                           .help = "snapshot name", .complete = comp_snapshots},
    [SNAPSHOT_DUMPXML_OPT_SECURITY_INFO] = {.name = "security-info", .kind = OPT_BOOL,
                                            .help = "accepted for virsh scripts"},
};

static int snapshot_dumpxml_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    char *xml = snap_xml(sh->store, a->dom_name, args_str(a, SNAPSHOT_DUMPXML_OPT_SNAPSHOTNAME), e);
    if (!xml)
        return -1;
    fputs(xml, sh->out);
    free(xml);
    return 0;
}

const struct cmd_def cmd_snapshot_dumpxml = {
    .name = "snapshot-dumpxml", .group = "snapshot", .summary = "dump XML for a domain snapshot",
    .opts = snapshot_dumpxml_opts, .nopts = NOPTS(snapshot_dumpxml_opts),
    .target_opt = SNAPSHOT_DUMPXML_OPT_DOMAIN, .run = snapshot_dumpxml_run,
};
