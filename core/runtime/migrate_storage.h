/* migrate_storage.h: `migrate --copy-storage-all`, the disks moving with
 * the guest (issue 14).  The shell drives it through each supervisor's raw
 * `qmp` command, as QEMU and libvirt do it:
 *
 *   destination  started with `incoming 1` on its own disk images (made
 *                with qemu-img when missing), nbd-server-start on
 *                RUN/NAME/nbd.sock, block-export-add (writable) per disk
 *   source       blockdev-add of an nbd client node per disk, blockdev-
 *                mirror sync=full to it; query-jobs every 200 ms until
 *                every mirror is READY (progress "Storage copy: [ 42 %]")
 *   memory       the migration itself (migrate_live.c), the destination
 *                kept paused at its end (migrate-in `hold`)
 *   switch       block-job-cancel of each READY mirror (QEMU then copies
 *                what is still dirty and ends: the copy is consistent),
 *                nbd-server-stop on the destination, which then runs
 *                ("running (migrated)"), and the source is finished.
 *
 * On any failure or signal before the switch the mirrors are canceled
 * (force), their nbd nodes deleted, the source runs on where it was, the
 * destination is destroyed and the images this migration created removed. */
#ifndef DOMSH_MIGRATE_STORAGE_H
#define DOMSH_MIGRATE_STORAGE_H

#include <signal.h>
#include <stdbool.h>

#include "../base/err.h"
#include "../store/store.h"
#include "../xml/tree.h"
#include "migrate.h"

#define MIG_DISKS_MAX 16

struct mig_disk {
    char target[32];         /* vda */
    char *src_file, *dst_file;
    char fmt[16];            /* the disk's <driver type> (raw, qcow2) */
    long long size;          /* the source image's virtual size */
    char src_node[64], dst_node[64];   /* their block nodes on each side */
    bool created;            /* made by this migration: removed if it fails */
    bool exported, nbd_node, mirror;   /* what is set up, for the undo */
};

struct mig_storage {
    struct mig_disk d[MIG_DISKS_MAX];
    size_t n;
    char *nbd_sock;          /* the destination's NBD server socket */
    bool nbd_started;
    int sig;                 /* signalfd of INT, TERM, HUP, blocked meanwhile */
    sigset_t old;
    bool signals_taken;
    struct rt_progress *progress;  /* the migration's: its label says if we draw */
    unsigned long long speed;      /* the mirrors' bytes/s (migrate --bandwidth), 0: no limit */
};

/* the domain to start in the destination: src itself, or the --xml
 * FILE, which may differ from it only in disk source paths (anything
 * else, libvirt's ABI-incompatible changes, is refused with one line);
 * caller frees */
struct dnode *mig_dest_domain(const struct dnode *src, const char *xml_path, struct err **e);
/* the disks to copy (every writable file disk) from src to dst; with
 * same_host a disk both sides would open as the same file is refused;
 * the destination's images are checked (same virtual size) or made */
int mig_storage_plan(struct mig_storage *ms, const struct dnode *src, const struct dnode *dst,
                     bool same_host, struct err **e);
/* to another host, on the source: the disks and their sizes, with the
 * destination's paths (the same paths allowed: another host's files) and
 * no image touched; mig_storage_sizes tells the destination host the
 * sizes ("vda=N,vdb=N", caller frees) and mig_storage_plan_dest, there,
 * takes them: the disks of dst, its images checked or made */
int mig_storage_plan_source(struct mig_storage *ms, const struct dnode *src,
                            const struct dnode *dst, struct err **e);
char *mig_storage_sizes(const struct mig_storage *ms);
int mig_storage_plan_dest(struct mig_storage *ms, const struct dnode *dst, const char *sizes,
                          struct err **e);
/* signals taken from here to mig_storage_free (a Ctrl-C cancels) */
void mig_storage_signals(struct mig_storage *ms);
/* the destination (started incoming) exports its disks on sock */
int mig_storage_export(struct mig_storage *ms, struct store *dst, const char *name,
                       const char *sock, struct err **e);
/* the source mirrors every disk to sock until all are READY */
int mig_storage_mirror(struct mig_storage *ms, struct store *src, const char *name,
                       const char *sock, struct err **e);
/* after the memory: the mirrors end (consistent), the destination stops
 * exporting and runs unless paused */
int mig_storage_switch(struct mig_storage *ms, struct store *src, struct store *dst,
                       const char *name, bool paused, struct err **e);
/* the switch's halves, for a destination on another host: the source's
 * mirrors end; then, there, the server stops and the guest runs */
int mig_storage_end_mirrors(struct mig_storage *ms, struct store *src, const char *name,
                            struct err **e);
int mig_storage_dest_run(struct mig_storage *ms, struct store *dst, const char *name,
                         bool paused, struct err **e);
/* the failure path on the source: mirrors canceled, nbd nodes deleted */
void mig_storage_undo_source(struct mig_storage *ms, struct store *src, const char *name);
/* domjobabort during the copy: the running mirrors of domain NAME are
 * canceled (force); the migrating shell then fails with "operation
 * aborted".  1 some were, 0 none runs, -1 the emulator did not answer */
int mig_storage_abort_copy(struct store *st, const char *name);
/* the images this migration made, removed (the destination is gone) */
void mig_storage_remove_created(struct mig_storage *ms);
/* signals given back (one taken meanwhile is consumed), memory freed */
void mig_storage_free(struct mig_storage *ms);

#endif
