/* migrate_limits.c: the destination's time limits of a migration to
 * another host (migrate_limits.h). */
#include "migrate_limits.h"

#include <errno.h>
#include <stdlib.h>

#define START_DEFAULT_S 120      /* an emulator starting on a loaded host */
#define CONFIRM_DEFAULT_S 60     /* after the stream it only has to answer */
#define LIMIT_MAX_S 86400

/* $name in seconds, def when unset or empty */
static int seconds(const char *name, int def, int *ms, struct err **e)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        *ms = def * 1000;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end || end == v || n < 1 || n > LIMIT_MAX_S)
        return err_set(e, ERR_ARGS, "%s='%s': expected seconds from 1 to %d", name, v,
                       LIMIT_MAX_S);
    *ms = (int)n * 1000;
    return 0;
}

int rt_mig_limits_read(struct rt_mig_limits *l, struct err **e)
{
    if (seconds(RT_MIG_START_ENV, START_DEFAULT_S, &l->start_ms, e) < 0 ||
        seconds(RT_MIG_CONFIRM_ENV, CONFIRM_DEFAULT_S, &l->confirm_ms, e) < 0)
        return -1;
    return 0;
}
