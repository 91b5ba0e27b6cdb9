/* snapshot_disk.h: disk snapshots of a shut off domain (qemu-img), see
 * snapshot_disk.c, and the pieces the running domain's (snapshot_live.h)
 * share with them. */
#ifndef DOMSH_SNAPSHOT_DISK_H
#define DOMSH_SNAPSHOT_DISK_H

#include <stdbool.h>

#include "../base/err.h"
#include "../xml/snapshot.h"
#include "../xml/tree.h"

/* snapshot every writable file disk of the (shut off) definition def as
 * req->disks say (default: internal for qcow2, external otherwise); the
 * entries are completed in req; external overlays are put in def, and
 * *changed says def must be saved */
int snap_disks_create(struct dnode *def, struct snapshot *req, bool *changed, struct err **e);
/* does s hold any disk state */
bool snap_disks_any(const struct snapshot *s);
/* every disk file the revert to s needs (def: the snapshot's definition)
 * is there: ERR_NOT_FOUND "snapshot 'S': disk 'vdb' needs '/img/r.raw', which is missing" */
int snap_disks_check(const struct snapshot *s, const struct dnode *def, struct err **e);
/* put the disks of def (the snapshot's definition) back: qemu-img snapshot
 * -a, or a fresh overlay over an external snapshot's base (put in def) */
int snap_disks_revert(const struct snapshot *s, struct dnode *def, struct err **e);
/* the disk state of s goes: internal snapshots deleted, an external
 * overlay that is the disk's active image in cur merged into its base
 * (cur then points at the base: *changed) */
int snap_disks_delete(const struct snapshot *s, struct dnode *cur, bool *changed, struct err **e);
/* qemu-img commit OVERLAY, d's source and format back to its base, overlay removed */
int snap_disk_merge(struct dnode *d, const char *overlay, struct err **e);

/* run qemu-img ARGV (its stdout into *out when out, caller frees); its
 * first stderr line becomes the error */
int rt_qemu_img_out(char *const argv[], char **out, struct err **e);
/* KEY of `qemu-img info -U --output=json FILE` (caller frees), or NULL */
char *snap_image_info(const char *file, const char *key, struct err **e);
/* the disk's <driver type>, "raw" when none */
const char *snap_disk_format(const struct dnode *d);
/* a writable file disk (device disk, a source file, not read-only) */
bool snap_writable_disk(const struct dnode *d, const char **target, const char **file);
/* FILE's directory and stem + "." + SNAP: /img/vm.qcow2 -> /img/vm.s1 (caller frees) */
char *snap_overlay_path(const char *file, const char *snap);
/* a qcow2 overlay OVER on FILE (d's format), which must not exist yet;
 * d's source and driver then point at it */
int snap_overlay_create(struct dnode *d, const char *file, const char *over, struct err **e);
/* the same writable disks (targets and files) in both definitions */
bool snap_same_disks(const struct dnode *a, const struct dnode *b);
/* every writable disk of def is a file, or left out by req: ERR_UNSUPPORTED
 * "disk 'vdc' is writable and not a file ..." */
int snap_disks_supported(const struct dnode *def, const struct snapshot *req, struct err **e);
/* the source file of def's writable disk TARGET, or NULL */
const char *snap_file_of(const struct dnode *def, const char *target);

#endif
