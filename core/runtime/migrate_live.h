/* migrate_live.h: moving a running domain to another store of this host
 * (issue 14, local destination).
 *
 * The shell holds both stores.  It starts the domain in the destination
 * with `incoming 1`, makes a socketpair and hands one end to each
 * supervisor as the "fd" URI: the destination's `migrate-in` (in a child
 * process, since both requests block) and the source's `migrate-out`.  The
 * stream so needs no socket path, no listener and no port, and either side
 * going away breaks it at once.  On success the destination runs (or stays
 * paused if the source was paused) and the source is finished "migrated";
 * on any failure, Ctrl-C included, the source runs on where it was and the
 * destination is destroyed. */
#ifndef DOMSH_MIGRATE_LIVE_H
#define DOMSH_MIGRATE_LIVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "../base/err.h"
#include "../store/store.h"
#include "migrate.h"

struct rt_live_mig {
    bool live;               /* keep the vCPUs running while the memory moves */
    bool persistent;         /* define the domain in the destination */
    bool undefine_source;    /* remove the source's definition once done */
    int timeout_s;           /* live: suspend the source after this long (0: never) */
    struct rt_progress *progress;
    /* tuning (migjob.h): this migration's bandwidth (0: the domain's
     * migrate-setspeed), QEMU's auto-converge, post-copy (switched to by
     * migrate-postcopy, after the first pass, or at --timeout) */
    unsigned long long bandwidth_mib, postcopy_bandwidth_mib;
    bool auto_converge, postcopy, postcopy_after_precopy, timeout_postcopy;
    /* --copy-storage-all (migrate_storage.h): the disks are mirrored to
     * the destination's own images first; dest_xml (may be NULL) is the
     * destination's domain XML (other disk paths) */
    bool copy_storage;
    const char *dest_xml;
};

/* move the running or paused domain NAME of src to dst (another store) */
int rt_migrate_local(struct store *src, struct store *dst, const char *name,
                     const struct rt_live_mig *o, struct err **e);

/* shared with migrate_remote.c: the domain as it runs in src (running or
 * paused, else an error), and --timeout's timer child (-1: none) */
struct dnode *rt_mig_source_domain(struct store *src, const char *name, bool *paused,
                                   struct err **e);
pid_t rt_mig_timer_begin(struct store *src, const char *name, const struct rt_live_mig *o,
                         bool paused);
void rt_mig_timer_end(pid_t pid);
/* the supervisor's migrate-out flags for o (caller frees) */
char *rt_mig_out_flags(const struct rt_live_mig *o);

#endif
