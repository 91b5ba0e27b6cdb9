/* history.h: config history.  Every change to a domain's persistent
 * config keeps the text it replaced:
 *   CONFIG/history/NAME/SEQ.xml   the config before change SEQ (absent when
 *                                 the change created the domain): a hard
 *                                 link to the file it replaced
 *   CONFIG/history/NAME/SEQ.txt   "EPOCH SUMMARY" of change SEQ: a symlink's
 *                                 target (older entries: a regular file)
 * SEQ counts up from 1; at most HISTORY_MAX changes are kept (oldest go).
 * Callers hold the domain lock (store_lock) around record + save. */
#ifndef DOMSH_HISTORY_H
#define DOMSH_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/err.h"
#include "store.h"
#include "../xml/tree.h"

#define HISTORY_MAX 50

struct hist_entry {
    unsigned seq;
    long long when;      /* epoch seconds of the change */
    char *summary;       /* one line, e.g. "attach-disk vdb" */
    bool has_xml;        /* false: the change created the domain */
};

/* keep OLD_XML (NULL: the change creates the domain) as the version
 * replaced by a change described by SUMMARY */
int history_record(struct store *st, const char *name, const char *old_xml,
                   const char *summary, struct err **e);
/* history_record after a successful save: a failure says the change
 * itself is done */
int history_keep(struct store *st, const char *name, const char *old_xml,
                 const char *summary, struct err **e);
/* store_save with history: keeps the current config of DOM's name (if
 * any and if it differs from DOM) as a change described by SUMMARY, then
 * saves DOM.  define and edit use this; the caller holds the lock. */
int history_save(struct store *st, const struct dnode *dom, const char *summary,
                 struct err **e);
/* history_save with the replaced text already at hand (OLD, NULL when
 * DOM is new): the device transaction uses this */
int history_commit(struct store *st, const struct dnode *dom, const char *old,
                   const char *summary, struct err **e);
/* every kept change of NAME, oldest first (none is not an error); not
 * "history_list": readline exports that name and would call this one */
int history_entries(struct store *st, const char *name, struct hist_entry **out, size_t *n,
                    struct err **e);
void history_free(struct hist_entry *v, size_t n);
/* the config as it was before change SEQ; ERR_NOT_FOUND if not kept */
char *history_load(struct store *st, const char *name, unsigned seq, struct err **e);
/* the directory CONFIG/history/NAME (caller frees) */
char *history_dir(struct store *st, const char *name);

/* unified diff (3 lines of context) of two texts; "" when equal */
char *text_diff(const char *a, const char *b, const char *label_a, const char *label_b);

#endif
