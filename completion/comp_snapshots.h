/* comp_snapshots.h: completers of the snapshot and save commands. */
#ifndef DOMSH_COMP_SNAPSHOTS_H
#define DOMSH_COMP_SNAPSHOTS_H

#include "../shell/cmd.h"

/* snapshot names of the target domain */
void comp_snapshots(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                    struct strv *out);
/* --memspec keys: file=, snapshot=external|internal|no */
void comp_memspec(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out);
/* --diskspec: the target domain's disk targets, then after "DISK," the keys
 * snapshot=no|internal|external, driver=, file= */
void comp_diskspec(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                   struct strv *out);

#endif
