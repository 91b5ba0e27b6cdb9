/* snapshots.h: snapshot metadata in the store, beside the domain:
 *   CONFIG/snapshot/NAME/SNAP.xml   the <domainsnapshot> (with the <domain>
 *                                   it was taken of), written atomically
 *   CONFIG/snapshot/NAME/current    the name of the current snapshot
 *   CONFIG/snapshot/NAME/SNAP.mem   the memory image of an external
 *                                   snapshot, unless --memspec put it elsewhere
 * The parent links form the tree.  Snapshot names follow the domain name
 * rule (1-64 of [A-Za-z0-9_.+-], not starting with '.' or '-'): a name
 * never escapes the directory.  Callers hold the domain lock. */
#ifndef DOMSH_SNAPSHOTS_H
#define DOMSH_SNAPSHOTS_H

#include <stdbool.h>

#include "../base/err.h"
#include "../base/mem.h"
#include "../xml/snapshot.h"
#include "store.h"

/* CONFIG/snapshot/NAME (caller frees) */
char *snap_dir(const struct store *st, const char *dom);
/* create CONFIG/snapshot/NAME (0700) if needed */
int snap_dir_make(const struct store *st, const char *dom, struct err **e);
/* ERR_ARGS "invalid snapshot name '...'" for a name that is not a file name */
int snap_name_check(const char *snap, struct err **e);
/* sorted names of DOM's snapshots (none: empty, not an error) */
int snap_list(struct store *st, const char *dom, struct strv *names, struct err **e);
bool snap_any(struct store *st, const char *dom);
bool snap_exists(struct store *st, const char *dom, const char *snap);
/* ERR_NOT_FOUND "Domain snapshot not found: no domain snapshot with matching name 'S'" */
struct snapshot *snap_load(struct store *st, const char *dom, const char *snap, struct err **e);
int snap_save(struct store *st, const char *dom, const struct snapshot *s, struct err **e);
int snap_remove(struct store *st, const char *dom, const char *snap, struct err **e);
/* the current snapshot's name or NULL (caller frees) */
char *snap_current(struct store *st, const char *dom);
int snap_set_current(struct store *st, const char *dom, const char *snap, struct err **e);
/* remove every snapshot's metadata (undefine --snapshots-metadata) */
int snap_remove_all(struct store *st, const char *dom, struct err **e);

#endif
