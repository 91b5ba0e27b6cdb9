/* domains.h: domains as the user names and sees them.
 *
 * The store knows files (defined domains), the runtime knows processes
 * (running ones); this layer, above both, answers the questions that need
 * the two together: which domain does a name, UUID or id mean, which
 * domains exist in which state, which class of states a state is, and
 * (change.h) how one change reaches both the config and the running
 * domain.  It may call core/runtime, core/store and everything below them. */
#ifndef DOMSH_DOMAINS_H
#define DOMSH_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/err.h"
#include "../runtime/runtime.h"
#include "../store/store.h"
#include "../xml/tree.h"

/* state classes: the states a command accepts (cmd_def.target_states),
 * completion offers and `list` filters on */
#define ST_SHUTOFF  0x01u
#define ST_RUNNING  0x02u
#define ST_PAUSED   0x04u
#define ST_OTHER    0x08u   /* shutdown in progress, crashed (preserved), pmsuspended */
#define ST_ACTIVE   (ST_RUNNING | ST_PAUSED | ST_OTHER)
#define ST_ANY      (ST_SHUTOFF | ST_ACTIVE)
#define ST_PERSISTENT 0x10u /* domains_list: defined (persistent) domains only */

/* the one state -> class mapping: running and idle are ST_RUNNING, paused
 * ST_PAUSED, shut off and "no state" (a status word nobody knows, which
 * the runtime already reads as shut off) ST_SHUTOFF, the rest ST_OTHER */
unsigned domains_state_class(enum dom_state s);

/* name, uuid (any case/form) or running id -> name (caller frees);
 * ERR_NOT_FOUND "failed to get domain 'KEY': no domain with matching
 * name, uuid or id" */
char *domains_lookup(struct store *st, const char *key, struct err **e);

struct domain_info {
    char *name;
    const struct dom_status *st;   /* in the set's status array, or a shared "shut off" */
    bool persistent;         /* defined in the store (else a running transient one) */
    bool managed_save;       /* not filled by domains_list: for callers that ask */
};
struct domain_set {
    struct domain_info *v;   /* small rows: 10000 of them are touched by every list */
    size_t n;
    struct dom_status *status;   /* of the domains in RUN/ (owned) */
};

/* Defined ∪ running, each with its state, in one pass: one readdir of
 * RUN/ with one rt_status_read (one round trip) per domain there, and one
 * readdir of the config dir only when shut-off domains are wanted (the
 * others need no XML and no status: they are shut off).  WANT is a mask
 * of ST_* classes (0: ST_ANY), | ST_PERSISTENT for defined domains only.
 * A stale transient domain is gone, not shut off: never listed.  Sorted
 * by name; a pure read (nothing locked or written). */
int domains_list(struct store *st, unsigned want, struct domain_set *out, struct err **e);
void domain_set_free(struct domain_set *s);

/* which definition of a domain to read (load.c) */
enum domains_view {
    DOMAINS_CURRENT,    /* the running one when the domain runs, else the persistent one */
    DOMAINS_INACTIVE,   /* the persistent one (--inactive, --config) */
    DOMAINS_LIVE,       /* the running one; ERR_STATE "domain 'NAME' is not running" */
};
/* the text as written (RUN/NAME/live.xml or CONFIG/NAME.xml, both canonical
 * dom_format output); *live (may be NULL) says which one it is */
char *domains_load_text(struct store *st, const char *name, enum domains_view view, bool *live,
                        struct err **e);
/* the same, loaded: the running definition through the live parse (its id,
 * pty paths and console tty= are kept), the persistent one through define's */
struct dnode *domains_load(struct store *st, const char *name, enum domains_view view,
                           bool *live, struct err **e);

#endif
