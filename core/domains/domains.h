/* domains.h: domains as the user names and sees them.
 *
 * The store knows files (defined domains), the runtime knows processes
 * (running ones); this layer, above both, answers the questions that need
 * the two together: which domain does a name, UUID or id mean, and which
 * domains exist in which state.  It may call core/runtime, core/store and
 * everything below them. */
#ifndef DOMSH_DOMAINS_H
#define DOMSH_DOMAINS_H

#include "../base/err.h"
#include "../store/store.h"
#include "../xml/tree.h"

/* name, uuid (any case/form) or running id -> name (caller frees);
 * ERR_NOT_FOUND "failed to get domain 'KEY': no domain with matching
 * name, uuid or id" */
char *domains_lookup(struct store *st, const char *key, struct err **e);

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
