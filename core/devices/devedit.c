/* devedit.c: making a config change safely.  A transaction holds the
 * domain lock, edits the loaded tree, then runs the edited text through
 * the whole define pipeline (parse, schema, defaults, validate) before
 * anything is written: a refused change leaves CONFIG/NAME.xml untouched.
 * After the atomic save the previous text goes to the history. */
#include "devices.h"

#include <stdlib.h>
#include <string.h>

#include "../xml/domain.h"
#include "../store/history.h"

int dev_scope(const struct scope_flags *f, enum scope_default def, bool active,
              const char *name, unsigned *out, struct err **e)
{
    if (f->current && f->live)
        return err_set(e, ERR_ARGS, "options --current and --live are mutually exclusive");
    if (f->current && f->config)
        return err_set(e, ERR_ARGS, "options --current and --config are mutually exclusive");
    if (f->current && f->persistent)
        return err_set(e, ERR_ARGS, "options --persistent and --current are mutually exclusive");
    unsigned m = 0;
    if (f->config || f->persistent)
        m |= SCOPE_CONFIG;
    if (f->live || (f->persistent && active))
        m |= SCOPE_LIVE;
    if (f->current || (!m && def == SCOPE_DEFAULT_CURRENT))
        m = active ? SCOPE_LIVE : SCOPE_CONFIG;
    if (!m)
        m = def == SCOPE_DEFAULT_CONFIG ? SCOPE_CONFIG : SCOPE_LIVE;
    if ((m & SCOPE_LIVE) && !active)
        return err_set(e, ERR_STATE,
                       "domain '%s' is not running: use --config to change its configuration",
                       name);
    *out = m;
    return 0;
}

int dev_txn_begin(struct dev_txn *t, struct store *st, const char *name, struct err **e)
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

int dev_txn_prepare(struct dev_txn *t, struct err **e)
{
    AUTOFREE char *text = dom_format(t->dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
    AUTOFREE char *label = xasprintf("%s.xml", t->name);
    struct dnode *fresh = dom_load_string(text, strlen(text), label, NULL, e);
    if (!fresh)
        return -1;
    dnode_free(t->dom);
    t->dom = fresh;
    free(t->new_text);
    t->new_text = dom_format(t->dom, DOM_FMT_SECURE | DOM_FMT_INACTIVE);
    return 0;
}

int dev_txn_commit(struct dev_txn *t, const char *summary, struct err **e)
{
    if (!t->new_text && dev_txn_prepare(t, e) < 0)
        return -1;
    if (strcmp(t->new_text, t->old_text) == 0)
        return 0;      /* nothing changed: nothing to keep or write */
    return history_commit(t->st, t->dom, t->old_text, summary, e);
}

void dev_txn_end(struct dev_txn *t)
{
    if (t->lock >= 0 && t->st)
        store_unlock(t->lock);
    t->lock = -1;
    dnode_free(t->dom);
    free(t->old_text);
    free(t->new_text);
    free(t->name);
    memset(t, 0, sizeof(*t));
    t->lock = -1;
}

struct dnode *dev_reparse(const struct dnode *dev, const struct dnode *dom, struct err **e)
{
    AUTOFREE char *text = dom_format_node(dev, DOM_FMT_SECURE);
    AUTOFREE char *label = xasprintf("<%s>", dev->name);
    return dom_parse_device(text, strlen(text), label, dom, e);
}
