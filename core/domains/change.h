/* change.h: the config-change engine behind every command that changes a
 * defined or running domain after define (attach-*, detach-*,
 * update-device, change-media, device-*, setmem, setvcpus, setmaxmem).
 *
 * One change is an edit of the domain tree.  For the live scope it is
 * made to a copy of RUN/NAME/live.xml, validated like define, handed to
 * the hypervisor (live_devices.c: hot-plug, unplug, media, balloon
 * through the supervisor), and only then is the new live.xml written; for
 * the config scope it goes through the store's transaction (txn.h).  Live
 * first, so a refused hot-plug changes nothing; a refused change leaves
 * every file as it was.  Domains layer: it needs the store and the
 * runtime together, and may call everything below. */
#ifndef DOMSH_CHANGE_H
#define DOMSH_CHANGE_H

#include <stdbool.h>
#include <stdio.h>

#include "../base/err.h"
#include "../store/store.h"
#include "../xml/tree.h"

struct change {
    const char *summary;     /* history line, e.g. "attach-disk vdb" */
    /* edit the domain tree (config or live copy); may keep state in ctx */
    int (*edit)(struct dnode *dom, void *ctx, struct err **e);
    /* the hypervisor side for the live scope, given the live tree before
     * and after the edit; NULL: this change cannot be made live */
    int (*live)(struct store *st, const char *name, struct dnode *before,
                struct dnode *after, void *ctx, struct err **e);
    void *ctx;
    bool dry_run;            /* print the diff to diff_out, write nothing */
    FILE *diff_out;
};

enum change_outcome {
    CHANGE_DONE,             /* made (or, dry run, shown) */
    CHANGE_NEXT_BOOT,        /* config only, and the domain runs: seen at its next start */
    CHANGE_NOTHING,          /* config only, and the config already says that */
};

/* apply C to NAME in the scopes of MASK (SCOPE_CONFIG | SCOPE_LIVE,
 * devices.h); *outcome says what the user should hear */
int change_apply(struct store *st, const char *name, unsigned mask, const struct change *c,
                 enum change_outcome *outcome, struct err **e);

/* the usual change.live: make the running domain match the edited live
 * tree (rt_live_sync) */
int change_live_sync(struct store *st, const char *name, struct dnode *before,
                     struct dnode *after, void *ctx, struct err **e);

#endif
