/* snapshot.h: the snapshot drivers: create, revert, delete, and the tree.
 *
 * A snapshot of a running or paused domain keeps its memory as a save image
 * (save.h) taken with the guest running on (`migrate-out ... resume`), by
 * default CONFIG/snapshot/NAME/SNAP.mem, or where --memspec says; a snapshot
 * of a shut off domain keeps its definition only.  The metadata (snapshots.h)
 * is written after the memory image is complete: a snapshot exists only
 * once everything it needs is on disk.  Revert checks the snapshot (its
 * domain's uuid, a complete memory image) before it touches the domain, then
 * stops the running guest, puts back the snapshot's definition (recorded in
 * the config history) and restores the memory.
 *
 * Disks: writable file disks are snapshotted too, with qemu-img while the
 * domain is shut off (snapshot_disk.h) or by the running emulator
 * (snapshot_live.h: internal when every snapshotted disk is qcow2, the
 * memory then inside them; external otherwise, or with --disk-only or
 * --memspec FILE).  Each snapshot command first finishes or undoes an
 * external create a killed shell left (snap_live_recover). */
#ifndef DOMSH_RT_SNAPSHOT_H
#define DOMSH_RT_SNAPSHOT_H

#include <stdbool.h>

#include "../base/err.h"
#include "../store/snapshots.h"
#include "migrate.h"

#define SNAP_CREATE_DISK_ONLY 0x1u

/* create the snapshot described by req (name NULL: the epoch seconds; set
 * on return) of DOM; the caller holds no lock */
int rt_snapshot_create(struct store *st, const char *dom, struct snapshot *req, unsigned flags,
                       struct rt_progress *p, struct err **e);
/* --memspec: "PATH" or "[snapshot=external|internal|no,]file=PATH" */
int snap_parse_memspec(struct snapshot *s, const char *spec, struct err **e);
/* --diskspec: "DISK[,snapshot=no|internal|external][,driver=T][,file=PATH]" */
int snap_parse_diskspec(struct snapshot *s, const char *spec, struct err **e);

/* revert DOM to SNAP; flags SAVE_RUNNING / SAVE_PAUSED override the
 * snapshot's state */
int rt_snapshot_revert(struct store *st, const char *dom, const char *snap, unsigned flags,
                       struct rt_progress *p, struct err **e);

#define SNAP_DELETE_CHILDREN 0x1u       /* the snapshot and all its descendants */
#define SNAP_DELETE_CHILDREN_ONLY 0x2u  /* its descendants only */
#define SNAP_DELETE_METADATA 0x4u       /* metadata only: memory images stay */
/* delete SNAP; its children are given its parent; a merge of a running
 * domain's disk shows its progress on p */
int rt_snapshot_delete(struct store *st, const char *dom, const char *snap, unsigned flags,
                       struct rt_progress *p, struct err **e);

/* the snapshot an option names: NAME, or with current the current one
 * (ERR_NOT_FOUND "the domain has no current snapshot"); *out caller frees */
int snap_pick(struct store *st, const char *dom, const char *name, bool current, char **out,
              struct err **e);

/* SNAP's <domainsnapshot> XML with its domain (caller frees) */
char *snap_xml(struct store *st, const char *dom, const char *snap, struct err **e);

/* the progress of a snapshot command: drawn (LABEL: [ 42 %]) when out is a
 * terminal, where long work must show it; virsh's commands have no
 * --verbose to ask for it */
struct rt_progress snap_progress(FILE *out, const char *label);

/* virsh's "Location": internal (QEMU's own, in qcow2 disks), external
 * (memory file or overlays) or none (metadata only) */
const char *snap_location(const struct snapshot *s);

/* every snapshot of DOM, loaded */
struct snap_set {
    struct snapshot **v;
    size_t n;
    char *current;           /* name or NULL */
};
int snap_set_load(struct store *st, const char *dom, struct snap_set *set, struct err **e);
void snap_set_free(struct snap_set *set);
struct snapshot *snap_set_find(const struct snap_set *set, const char *name);
size_t snap_set_children(const struct snap_set *set, const char *name);
size_t snap_set_descendants(const struct snap_set *set, const char *name);

#endif
