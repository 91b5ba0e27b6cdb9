/* txn.c: the config transaction (txn.h). */
#include "txn.h"

#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "../xml/domain.h"

int store_txn_begin(struct store_txn *t, struct store *st, const char *name, struct err **e)
{
    memset(t, 0, sizeof(*t));
    t->st = st;
    t->name = xstrdup(name);
    t->lock = store_lock(st, name, true, e);
    if (t->lock < 0)
        return -1;
    t->old_text = store_load_text(st, name, e);
    if (!t->old_text)
        return -1;
    t->dom = store_load(st, name, e);
    return t->dom ? 0 : -1;
}

int store_txn_prepare(struct store_txn *t, struct err **e)
{
    AUTOFREE char *text = dom_format(t->dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
    AUTOFREE char *label = xasprintf("%s.xml", t->name);
    struct dnode *fresh = dom_load_string(text, strlen(text), label, NULL, e);
    if (!fresh)
        return -1;
    if (t->st->check_shape && t->st->check_shape(fresh, e) < 0) {
        dnode_free(fresh);
        return -1;
    }
    dnode_free(t->dom);
    t->dom = fresh;
    free(t->new_text);
    t->new_text = dom_format(t->dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
    return 0;
}

int store_txn_commit(struct store_txn *t, const char *summary, struct err **e)
{
    if (!t->new_text && store_txn_prepare(t, e) < 0)
        return -1;
    if (strcmp(t->new_text, t->old_text) == 0)
        return 0;      /* nothing changed: nothing to keep or write */
    return history_commit(t->st, t->dom, t->old_text, summary, e);
}

void store_txn_end(struct store_txn *t)
{
    if (t->lock >= 0 && t->st)
        store_unlock(t->lock);
    dnode_free(t->dom);
    free(t->old_text);
    free(t->new_text);
    free(t->name);
    memset(t, 0, sizeof(*t));
    t->lock = -1;
}
