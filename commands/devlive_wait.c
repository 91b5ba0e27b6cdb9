/* devlive_wait.c: until the runtime (supervisor, backend.h) is on main no
 * domain can run, so dev_scope() refuses every live scope before this is
 * reached; commands/devlive.c.pending replaces it once the runtime lands. */
#include "devcmd.h"

int devcmd_live_sync(struct shell *sh, const char *name, struct dnode *before,
                     struct dnode *after, void *ctx, struct err **e)
{
    return err_set(e, ERR_UNSUPPORTED, "live device changes need the domain supervisor");
}
