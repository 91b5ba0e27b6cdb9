/* snapshot_live_priv.h: what snapshot_live.c and snapshot_live_ext.c share. */
#ifndef DOMSH_SNAPSHOT_LIVE_PRIV_H
#define DOMSH_SNAPSHOT_LIVE_PRIV_H

#include "snapshot_live.h"

#define LIVE_DISKS_MAX 32

/* one snapshotted disk of the running domain */
struct ldisk {
    const struct dnode *d;       /* in the definition it came from */
    const char *target, *file;
    char *alias;                 /* qdev id (virtio-disk0) */
    char node[64];               /* its active block node */
    char active[1024];           /* that node's file */
};

struct ldisks {
    struct ldisk v[LIVE_DISKS_MAX];
    size_t n;
};

/* a disk's source moving: TARGET from FROM to TO (format FMT) */
struct disk_move {
    const char *target, *from, *to, *fmt;
};

const struct snap_disk *snap_spec_of_c(const struct snapshot *s, const char *target);
#define snap_spec_of(s, t) ((struct snap_disk *)snap_spec_of_c((s), (t)))
/* the writable file disks of def that req does not leave out, with their
 * active nodes and files from query-block */
int snap_live_disks(struct store *st, const char *dom, const struct dnode *def,
                    const struct snapshot *req, struct ldisks *l, struct err **e);
void snap_ldisks_free(struct ldisks *l);
/* the running definition (caller frees) and every writable disk's active
 * node in l; NULL on error */
struct dnode *snap_live_running(struct store *st, const char *dom, struct ldisks *l,
                               struct err **e);
/* one raw QMP command through the supervisor (reply: QEMU's line) */
int snap_live_qmp(struct store *st, const char *dom, const char *json, char **reply,
                  struct err **e);
/* a job run to its end by the supervisor; "WHAT failed: ERROR" */
int snap_live_job(struct store *st, const char *dom, const char *json, const char *what,
                  struct rt_progress *p, struct err **e);
/* cont, asked again while QEMU finalizes the migration before it */
int snap_live_resume(struct store *st, const char *dom, struct err **e);
/* the live and persistent definitions follow moved disks (the persistent
 * change recorded in the history as SUMMARY) */
int snap_live_retarget(struct store *st, const char *dom, const struct disk_move *mv, size_t n,
                       const char *summary, struct err **e);

#endif
