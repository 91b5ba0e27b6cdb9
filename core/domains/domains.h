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

/* name, uuid (any case/form) or running id -> name (caller frees);
 * ERR_NOT_FOUND "failed to get domain 'KEY': no domain with matching
 * name, uuid or id" */
char *domains_lookup(struct store *st, const char *key, struct err **e);

#endif
