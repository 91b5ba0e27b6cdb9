/* devedit.c: what a device change decides before it runs: virsh's scope
 * rules, and device elements checked and defaulted like define (the
 * transaction itself is core/store/txn.c, the engine core/domains/change.c). */
#include "devices.h"

#include <stdlib.h>
#include <string.h>

#include "../xml/domain.h"

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

struct dnode *dev_reparse(const struct dnode *dev, const struct dnode *dom, struct err **e)
{
    AUTOFREE char *text = dom_format_node(dev, DOM_FMT_SECURE);
    AUTOFREE char *label = xasprintf("<%s>", dev->name);
    return dom_parse_device(text, strlen(text), label, dom, e);
}

static struct dnode *new_built(struct dev_new *n, const struct dnode *dom, struct err **e)
{
    if (!n->built) {
        struct dnode *raw = n->build(n->opts, e);
        n->built = raw ? dev_reparse(raw, dom, e) : NULL;
        dnode_free(raw);
    }
    return n->built;
}

int dev_new_edit(struct dnode *dom, void *ctx, struct err **e)
{
    struct dev_new *n = ctx;
    if (!new_built(n, dom, e))
        return -1;
    struct dnode *d = dev_insert(dom, dnode_clone(n->built));
    free(n->selector);
    n->selector = dev_selector(d);
    return 0;
}

char *dev_new_format(struct dev_new *n, struct err **e)
{
    return new_built(n, NULL, e) ? dom_format_node(n->built, DOM_FMT_SECURE) : NULL;
}

void dev_new_free(struct dev_new *n)
{
    dnode_free(n->built);
    free(n->selector);
    n->built = NULL;
    n->selector = NULL;
}

struct dnode *dev_fragment_load(const char *path, char **text, struct err **e)
{
    AUTOFREE char *raw = read_file_max(path, DOM_MAX_XML, NULL, e);
    struct dnode *frag = raw ? dom_parse_fragment(raw, strlen(raw), path, e) : NULL;
    if (frag && text)
        *text = steal_ptr(&raw);
    return frag;
}
