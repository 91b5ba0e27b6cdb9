/* snapshot_live.h: disk snapshots of a running or paused domain, over QMP
 * through its supervisor (the only QMP client).
 *
 *   internal  every snapshotted disk is qcow2: one `snapshot-save` job
 *             (supervisor `job`, its progress drawn on p) writes the disks' snapshots and the
 *             memory (QEMU's vmstate, in the first disk's qcow2, as libvirt
 *             does: <memory snapshot='internal'/>); revert is a
 *             `snapshot-load` job, delete a `snapshot-delete` job.
 *   external  qcow2 overlays are made first (qemu-img create -F FMT -b
 *             BASE), then one QMP `transaction` of blockdev-snapshot-sync
 *             switches every disk together; the live and persistent
 *             definitions then point at the overlays.  With memory, the
 *             guest is stopped, its state saved (save.h), the disks
 *             switched, then it runs on.  Delete merges the active overlay
 *             back (a block-commit job, completed once ready).
 *
 * Crash safety of an external create: the snapshot is journaled as
 * CONFIG/snapshot/NAME/SNAP.pending before the transaction, renamed
 * SNAP.switched once QEMU switched; the next snapshot command of the domain
 * (snap_live_recover) completes a switched one and undoes a pending one
 * whose disks did not switch, and says which it did. */
#ifndef DOMSH_SNAPSHOT_LIVE_H
#define DOMSH_SNAPSHOT_LIVE_H

#include <stdbool.h>
#include <stdio.h>

#include "../base/err.h"
#include "../store/snapshots.h"
#include "migrate.h"

/* which kind a snapshot of running DEF gets: "internal" (all snapshotted
 * disks qcow2, no memory file asked for, not disk-only) or "external";
 * NULL and ERR_UNSUPPORTED for a mix the running domain cannot do */
const char *snap_live_kind(const struct dnode *def, const struct snapshot *req, bool disk_only,
                           struct err **e);
/* does def have a writable file disk req does not leave out */
bool snap_live_has_disks(const struct dnode *def, const struct snapshot *req);

/* the running DOM's disks snapshotted as kind says; req gets its disks,
 * memory and state filled in; metadata is written by the caller
 * (external: by this, with the journal) */
int snap_live_internal(struct store *st, const char *dom, const struct dnode *def,
                       struct snapshot *req, struct rt_progress *p, struct err **e);
int snap_live_external(struct store *st, const char *dom, const struct dnode *def,
                       struct snapshot *req, bool memory, struct rt_progress *p, struct err **e);

/* snapshot-load of the internal snapshot s into the running DOM; then
 * paused or running as `paused` says */
int snap_live_load(struct store *st, const char *dom, const struct snapshot *s, bool paused,
                   struct rt_progress *p, struct err **e);
/* snapshot-delete job of the internal snapshot s on the running DOM */
int snap_live_delete_internal(struct store *st, const char *dom, const struct snapshot *s,
                              struct rt_progress *p, struct err **e);
/* merge s's overlays that are active in the running DOM (block-commit);
 * the definitions then point at the bases and the overlays are removed */
int snap_live_merge(struct store *st, const char *dom, const struct snapshot *s,
                    struct rt_progress *p, struct err **e);

/* finish or undo an external create that a killed shell left; notes go to
 * warn (one line each) */
int snap_live_recover(struct store *st, const char *dom, FILE *warn, struct err **e);

#endif
