/* comp_snapshots.c: completers of the snapshot commands (comp_snapshots.h). */
#include "comp_snapshots.h"

#include <string.h>

#include "../core/domains/domains.h"
#include "../core/store/snapshots.h"
#include "../shell/shell.h"
#include "completers.h"

/* the target domain's name (caller frees), or NULL */
static char *target_name(struct shell *sh, const struct cmd_args *partial)
{
    const struct cmd_def *c = partial ? partial->cmd : NULL;
    struct err *e = NULL;
    if (!c || c->target_opt < 0 || !partial->val || !partial->val[c->target_opt] ||
        shell_connect(sh, &e) < 0) {
        err_free(e);
        return NULL;
    }
    char *name = domains_lookup(sh->store, partial->val[c->target_opt], &e);
    err_free(e);
    return name;
}

void comp_snapshots(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                    struct strv *out)
{
    AUTOFREE char *name = target_name(sh, partial);
    if (name)
        snap_list(sh->store, name, out, NULL);
}

void comp_memspec(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out)
{
    const char *w = comp_word(partial);
    const char *comma = strrchr(w, ',');
    AUTOFREE char *head = comma ? xstrndup(w, (size_t)(comma - w) + 1) : xstrdup("");
    static const char *const keys[] = { "file=", "snapshot=external", "snapshot=internal",
                                        "snapshot=no", NULL };
    for (size_t i = 0; keys[i]; i++)
        strv_push_take(out, xasprintf("%s%s", head, keys[i]));
}

void comp_diskspec(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                   struct strv *out)
{
    const char *w = comp_word(partial);
    const char *comma = strrchr(w, ',');
    if (!comma) {
        comp_disk_targets(sh, partial, 0, out);
        return;
    }
    AUTOFREE char *head = xstrndup(w, (size_t)(comma - w) + 1);
    static const char *const keys[] = { "snapshot=no", "snapshot=internal", "snapshot=external",
                                        "driver=qcow2", "file=", NULL };
    for (size_t i = 0; keys[i]; i++)
        strv_push_take(out, xasprintf("%s%s", head, keys[i]));
}
