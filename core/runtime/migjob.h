/* migjob.h: a domain's job and the tuning of its migrations, from any
 * shell while a save, managed save, snapshot, restore or migration runs
 * (domjobinfo, domjobabort, migrate-setspeed/getspeed,
 * migrate-setmaxdowntime/getmaxdowntime, migrate-postcopy).
 *
 * Everything goes through the domain's supervisor, the only QMP client
 * (supervisor.h: job-info, job-abort, migrate-set-speed, migrate-get-speed,
 * migrate-postcopy).  The job's figures are those of its last
 * query-migrate (at most SUP_MIG_POLL_MS old); a finished job's are kept in
 * RUN/NAME/job.completed, read here even once the supervisor is gone (a
 * save or a migration ends it).  The downtime limit is a migration
 * parameter QEMU keeps, set and read with a raw `qmp` request. */
#ifndef DOMSH_MIGJOB_H
#define DOMSH_MIGJOB_H

#include <stdbool.h>

#include "../base/err.h"
#include "../store/store.h"

/* the figures, in the order virsh prints them; their keys are libvirt's
 * typed-parameter names (rt_job_key) */
enum rt_job_field {
    RJ_TIME_ELAPSED, RJ_MEM_PROCESSED, RJ_MEM_REMAINING, RJ_MEM_TOTAL, RJ_MEM_BPS,
    RJ_DIRTY_RATE, RJ_PAGE_SIZE, RJ_ITERATION, RJ_POSTCOPY_REQS, RJ_CONSTANT, RJ_NORMAL,
    RJ_NORMAL_BYTES, RJ_DOWNTIME, RJ_SETUP_TIME, RJ_THROTTLE, RJ_LAST
};

enum rt_job_type { RT_JOB_NONE, RT_JOB_UNBOUNDED, RT_JOB_COMPLETED, RT_JOB_FAILED,
                   RT_JOB_CANCELLED };

struct rt_job {
    enum rt_job_type type;
    const char *operation;   /* virsh's words: "Save", "Outgoing migration", ... */
    long long v[RJ_LAST];    /* -1: not reported */
    char errmsg[160];
};

/* "time_elapsed", "memory_processed", ... */
const char *rt_job_key(enum rt_job_field f);
/* "None", "Unbounded", "Completed", "Failed", "Cancelled" */
const char *rt_job_type_name(enum rt_job_type t);

#define RT_JOB_COMPLETED_STATS 0x1u   /* the last finished job, not the running one */
#define RT_JOB_KEEP_COMPLETED 0x2u    /* ... and leave its statistics for the next read */
/* the job of NAME; the running one needs the domain running */
int rt_job_info(struct store *st, const char *name, unsigned flags, struct rt_job *out,
                struct err **e);
/* cancel the running outgoing job: its requester fails with "operation
 * aborted: JOB: canceled by client", the guest runs on where it was */
int rt_job_abort(struct store *st, const char *name, struct err **e);

/* the largest speed libvirt takes (INT64_MAX bytes/s), MiB/s */
#define RT_MIG_SPEED_MAX 8796093022207ULL
/* bandwidth of NAME's live migrations, MiB/s (applied at once to a running
 * one; saves and snapshots always go unlimited); postcopy: of their
 * post-copy phase (0: unlimited, the default) */
int rt_mig_set_speed(struct store *st, const char *name, unsigned long long mib, bool postcopy,
                     struct err **e);
int rt_mig_get_speed(struct store *st, const char *name, bool postcopy, unsigned long long *mib,
                     struct err **e);
/* the downtime QEMU allows at the end of a live migration, ms */
int rt_mig_set_downtime(struct store *st, const char *name, unsigned long long ms,
                        struct err **e);
int rt_mig_get_downtime(struct store *st, const char *name, unsigned long long *ms,
                        struct err **e);
/* switch NAME's running migration (started with postcopy) to post-copy */
int rt_mig_postcopy(struct store *st, const char *name, struct err **e);

#endif
