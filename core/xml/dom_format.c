/* dom_format.c: canonical text of a domain tree: 2-space indent,
 * attributes in schema order, children in schema order (document order
 * within a kind), single-quoted attributes as libvirt writes them.  Opaque
 * (boilerplate) subtrees are written as parsed.  format(parse(x)) is a
 * fixed point because postparse is idempotent and this order is total. */
#include "dom_priv.h"
#include "../base/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fmt {
    struct buf b;
    unsigned flags;
};

static bool eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* live-only or secret attributes left out under flags */
static bool skip_attr(const struct dnode *n, const char *name, unsigned flags)
{
    if (!n->se)
        return false;
    if (strcmp(name, "passwd") == 0 && strcmp(n->name, "graphics") == 0)
        return !(flags & DOM_FMT_SECURE);
    if (!(flags & DOM_FMT_INACTIVE))
        return false;
    if (strcmp(name, "id") == 0 && !n->parent && strcmp(n->name, "domain") == 0)
        return true;
    if (strcmp(name, "tty") == 0)
        return true;
    /* a pty's path exists only while the domain runs */
    if (strcmp(name, "path") == 0 && strcmp(n->name, "source") == 0 && n->parent)
        return eq(dnode_attr(n->parent, "type"), "pty");
    return false;
}

static void put_attr(struct fmt *f, const char *name, const char *value)
{
    buf_addc(&f->b, ' ');
    buf_add(&f->b, name);
    buf_add(&f->b, "='");
    buf_add_xml(&f->b, value, true);
    buf_addc(&f->b, '\'');
}

static void put_attrs(struct fmt *f, const struct dnode *n)
{
    if (!n->se || (n->se->flags & SE_OPAQUE)) {
        for (size_t i = 0; i < n->nattrs; i++)
            put_attr(f, n->attrs[i].name, n->attrs[i].value);
        return;
    }
    bool vnc_auto = (f->flags & DOM_FMT_INACTIVE) && strcmp(n->name, "graphics") == 0 &&
                    eq(dnode_attr(n, "autoport"), "yes");
    for (const struct schema_attr *a = n->se->attrs; a->name; a++) {
        const char *v = dnode_attr(n, a->name);
        if (!v || skip_attr(n, a->name, f->flags))
            continue;
        put_attr(f, a->name, vnc_auto && strcmp(a->name, "port") == 0 ? "-1" : v);
    }
}

/* position of a child kind in the canonical order (unknown kinds last) */
static size_t rank_of(const struct schema_elem *se, const char *name)
{
    size_t r = 0;
    for (; se->children[r]; r++)
        if (strcmp(se->children[r], name) == 0)
            return r;
    return r;
}

static bool empty_source(const struct dnode *k, unsigned flags)
{
    if (!(flags & DOM_FMT_INACTIVE) || strcmp(k->name, "source") != 0 || k->nkids || !k->parent)
        return false;
    for (size_t i = 0; i < k->nattrs; i++)
        if (!skip_attr(k, k->attrs[i].name, flags))
            return false;
    return true;
}

static void put_node(struct fmt *f, const struct dnode *n, int depth);

static void put_kids(struct fmt *f, const struct dnode *n, int depth)
{
    if (!n->se || (n->se->flags & SE_OPAQUE) || n->nkids < 2) {
        for (size_t i = 0; i < n->nkids; i++)
            put_node(f, n->kids[i], depth);
        return;
    }
    size_t small[32];
    size_t *rank = n->nkids <= 32 ? small : xmalloc(n->nkids * sizeof(*rank));
    size_t maxr = 0;
    for (size_t i = 0; i < n->nkids; i++) {
        rank[i] = rank_of(n->se, n->kids[i]->name);
        if (rank[i] > maxr)
            maxr = rank[i];
    }
    for (size_t r = 0; r <= maxr; r++)
        for (size_t i = 0; i < n->nkids; i++)
            if (rank[i] == r)
                put_node(f, n->kids[i], depth);
    if (rank != small)
        free(rank);
}

static void put_node(struct fmt *f, const struct dnode *n, int depth)
{
    if (empty_source(n, f->flags))
        return;
    for (int i = 0; i < depth; i++)
        buf_add(&f->b, "  ");
    buf_addc(&f->b, '<');
    buf_add(&f->b, n->name);
    put_attrs(f, n);
    bool text = n->text && *n->text;
    if (!text && !n->nkids) {
        buf_add(&f->b, "/>\n");
        return;
    }
    buf_addc(&f->b, '>');
    if (text)
        buf_add_xml(&f->b, n->text, false);
    if (n->nkids) {
        buf_addc(&f->b, '\n');
        put_kids(f, n, depth + 1);
        for (int i = 0; i < depth; i++)
            buf_add(&f->b, "  ");
    }
    buf_add(&f->b, "</");
    buf_add(&f->b, n->name);
    buf_add(&f->b, ">\n");
}

char *dom_format_node(const struct dnode *n, unsigned flags)
{
    struct fmt f = {.flags = flags};
    put_node(&f, n, 0);
    return buf_steal(&f.b);
}

char *dom_format(const struct dnode *dom, unsigned flags)
{
    return dom_format_node(dom, flags);
}
