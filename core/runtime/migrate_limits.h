/* migrate_limits.h: how long a migration to another host waits on the
 * destination where nothing but the destination itself can end the wait:
 * while it starts the domain (until it listens), and for its word once the
 * whole state went over (or once the source gave up, that it dropped the
 * domain).  A stream that flows is never timed: a frozen host under it is
 * found by ssh's keepalives (core/remote/ssh.c).
 *
 * Settable through the environment, not an option: they are a host's
 * patience with a wedged peer (a slow disk, a loaded destination), not a
 * property of one migration, virsh has no such option, and a test can
 * shorten them without a hidden flag. */
#ifndef DOMSH_MIGRATE_LIMITS_H
#define DOMSH_MIGRATE_LIMITS_H

#include "../base/err.h"

#define RT_MIG_START_ENV "DOMSH_MIGRATE_START_TIMEOUT"      /* seconds, default 120 */
#define RT_MIG_CONFIRM_ENV "DOMSH_MIGRATE_CONFIRM_TIMEOUT"  /* seconds, default 60 */

struct rt_mig_limits {
    int start_ms;            /* the destination starts the domain and listens */
    int confirm_ms;          /* it confirms the arrival, or having dropped the domain */
};

/* the limits from the environment (bad value: an error naming it) */
int rt_mig_limits_read(struct rt_mig_limits *l, struct err **e);

#endif
