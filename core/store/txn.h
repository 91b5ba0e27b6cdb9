/* txn.h: the config transaction, the one way a command changes a defined
 * domain's CONFIG/NAME.xml after define.  It holds the domain lock from
 * begin to end, edits the loaded tree, runs the edited text through the
 * whole define pipeline (parse, schema, defaults, validate) before
 * anything is written, then saves atomically and keeps the replaced text
 * in the history.  A refused change leaves every file as it was.
 * Store layer: it may call core/xml and core/base. */
#ifndef DOMSH_TXN_H
#define DOMSH_TXN_H

#include "../base/err.h"
#include "store.h"
#include "../xml/tree.h"

struct store_txn {
    struct store *st;
    char *name;
    int lock;                /* -1 when not held */
    char *old_text;          /* CONFIG/NAME.xml as it was */
    struct dnode *dom;       /* edit this */
    char *new_text;          /* set by store_txn_prepare */
};
#define STORE_TXN_INIT {.lock = -1}

/* lock NAME and load its config */
int store_txn_begin(struct store_txn *t, struct store *st, const char *name, struct err **e);
/* format the edited tree and run it through the whole define pipeline;
 * t->new_text gets the canonical text, t->dom is replaced by the
 * re-loaded tree.  Nothing is written. */
int store_txn_prepare(struct store_txn *t, struct err **e);
/* save atomically and record the old text in the history with SUMMARY
 * (nothing when the text did not change) */
int store_txn_commit(struct store_txn *t, const char *summary, struct err **e);
/* unlock and free (also after a failed begin) */
void store_txn_end(struct store_txn *t);

#endif
