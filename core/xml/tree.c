/* tree.c: the generic element tree (see tree.h). */
#include "tree.h"
#include "../base/buf.h"
#include "../base/mem.h"

#include <stdlib.h>
#include <string.h>

struct dnode *dnode_new(const char *name)
{
    struct dnode *n = xcalloc(1, sizeof(*n));
    n->name = xstrdup(name);
    return n;
}

void dnode_free(struct dnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        dnode_free(n->kids[i]);
    for (size_t i = 0; i < n->nattrs; i++) {
        free(n->attrs[i].name);
        free(n->attrs[i].value);
    }
    free(n->kids);
    free(n->attrs);
    free(n->text);
    free(n->name);
    free(n);
}

struct dnode *dnode_clone(const struct dnode *n)
{
    struct dnode *c = dnode_new(n->name);
    c->line = n->line;
    c->se = n->se;
    if (n->text)
        c->text = xstrdup(n->text);
    for (size_t i = 0; i < n->nattrs; i++)
        dnode_set_attr(c, n->attrs[i].name, n->attrs[i].value);
    for (size_t i = 0; i < n->nkids; i++)
        dnode_append(c, dnode_clone(n->kids[i]));
    return c;
}

static struct dattr *find_attr(const struct dnode *n, const char *name)
{
    for (size_t i = 0; i < n->nattrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

const char *dnode_attr(const struct dnode *n, const char *name)
{
    if (!n)
        return NULL;
    struct dattr *a = find_attr(n, name);
    return a ? a->value : NULL;
}

void dnode_set_attr(struct dnode *n, const char *name, const char *value)
{
    struct dattr *a = find_attr(n, name);
    if (!value) {
        if (!a)
            return;
        free(a->name);
        free(a->value);
        size_t i = (size_t)(a - n->attrs);
        memmove(a, a + 1, (n->nattrs - i - 1) * sizeof(*a));
        n->nattrs--;
        return;
    }
    if (a) {
        char *v = xstrdup(value);
        free(a->value);
        a->value = v;
        return;
    }
    xgrow(&n->attrs, &n->cap_attrs, n->nattrs + 1, sizeof(*n->attrs));
    n->attrs[n->nattrs].name = xstrdup(name);
    n->attrs[n->nattrs].value = xstrdup(value);
    n->nattrs++;
}

const char *dnode_text(const struct dnode *n)
{
    return n && n->text ? n->text : "";
}

void dnode_set_text(struct dnode *n, const char *text)
{
    char *t = text ? xstrdup(text) : NULL;
    free(n->text);
    n->text = t;
}

struct dnode *dnode_nth(const struct dnode *n, const char *name, size_t i)
{
    if (!n)
        return NULL;
    for (size_t k = 0; k < n->nkids; k++)
        if (strcmp(n->kids[k]->name, name) == 0 && i-- == 0)
            return n->kids[k];
    return NULL;
}

struct dnode *dnode_child(const struct dnode *n, const char *name)
{
    return dnode_nth(n, name, 0);
}

size_t dnode_count(const struct dnode *n, const char *name)
{
    size_t c = 0;
    for (size_t k = 0; n && k < n->nkids; k++)
        c += strcmp(n->kids[k]->name, name) == 0;
    return c;
}

struct dnode *dnode_path(const struct dnode *n, const char *path)
{
    while (n && *path) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        char name[64];
        if (len >= sizeof(name))
            return NULL;
        memcpy(name, path, len);
        name[len] = '\0';
        n = dnode_child(n, name);
        path += len + (slash != NULL);
    }
    return (struct dnode *)n;
}

const char *dnode_path_text(const struct dnode *n, const char *path)
{
    struct dnode *c = dnode_path(n, path);
    return c ? dnode_text(c) : NULL;
}

struct dnode *dnode_insert(struct dnode *parent, size_t pos, struct dnode *kid)
{
    if (pos > parent->nkids)
        pos = parent->nkids;
    xgrow(&parent->kids, &parent->cap_kids, parent->nkids + 1, sizeof(*parent->kids));
    memmove(parent->kids + pos + 1, parent->kids + pos,
            (parent->nkids - pos) * sizeof(*parent->kids));
    parent->kids[pos] = kid;
    parent->nkids++;
    kid->parent = parent;
    return kid;
}

struct dnode *dnode_append(struct dnode *parent, struct dnode *kid)
{
    return dnode_insert(parent, parent->nkids, kid);
}

struct dnode *dnode_add(struct dnode *parent, const char *name)
{
    return dnode_append(parent, dnode_new(name));
}

struct dnode *dnode_ensure(struct dnode *parent, const char *name)
{
    struct dnode *c = dnode_child(parent, name);
    return c ? c : dnode_add(parent, name);
}

size_t dnode_index(const struct dnode *kid)
{
    const struct dnode *p = kid->parent;
    for (size_t i = 0; p && i < p->nkids; i++)
        if (p->kids[i] == kid)
            return i;
    return (size_t)-1;
}

void dnode_detach(struct dnode *kid)
{
    struct dnode *p = kid->parent;
    if (!p)
        return;
    size_t i = dnode_index(kid);
    memmove(p->kids + i, p->kids + i + 1, (p->nkids - i - 1) * sizeof(*p->kids));
    p->nkids--;
    kid->parent = NULL;
}

void dnode_remove(struct dnode *kid)
{
    dnode_detach(kid);
    dnode_free(kid);
}

static void where_rec(struct buf *b, const struct dnode *n)
{
    if (n->parent) {
        where_rec(b, n->parent);
        buf_addc(b, '/');
    }
    buf_add(b, n->name);
    if (n->parent && dnode_count(n->parent, n->name) > 1) {
        size_t idx = 0;
        for (size_t i = 0; i < n->parent->nkids && n->parent->kids[i] != n; i++)
            idx += strcmp(n->parent->kids[i]->name, n->name) == 0;
        buf_printf(b, "[%zu]", idx + 1);
    }
}

char *dnode_where(const struct dnode *n)
{
    struct buf b = {0};
    where_rec(&b, n);
    return buf_steal(&b);
}
