/* snapshot.c: <domainsnapshot> parse and format (snapshot.h). */
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/mem.h"
#include "domain.h"
#include "xml.h"

#define SNAP_XML_MAX (10u * 1024u * 1024u)

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

struct snap_disk *snapshot_add_disk(struct snapshot *s, const char *name, const char *snapshot,
                                    const char *driver, const char *file)
{
    s->disks = xrealloc(s->disks, (s->ndisks + 1) * sizeof(*s->disks));
    struct snap_disk *d = &s->disks[s->ndisks++];
    *d = (struct snap_disk){ dup_or_null(name), dup_or_null(snapshot), dup_or_null(driver),
                             dup_or_null(file) };
    return d;
}

void snapshot_free(struct snapshot *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->description);
    free(s->state);
    free(s->parent);
    free(s->memory);
    free(s->memory_file);
    for (size_t i = 0; i < s->ndisks; i++) {
        free(s->disks[i].name);
        free(s->disks[i].snapshot);
        free(s->disks[i].driver);
        free(s->disks[i].file);
    }
    free(s->disks);
    dnode_free(s->domain);
    free(s);
}

static int bad(const char *label, const struct dnode *n, const char *what, struct err **e)
{
    AUTOFREE char *where = dnode_where(n);
    return err_set(e, ERR_SCHEMA, "%s:%d: %s: %s", label, n->line, where, what);
}

/* only the attributes in allowed (NULL-terminated) */
static int attrs_ok(const char *label, const struct dnode *n, const char *const *allowed,
                    struct err **e)
{
    for (size_t i = 0; i < n->nattrs; i++) {
        size_t k = 0;
        while (allowed[k] && strcmp(allowed[k], n->attrs[i].name) != 0)
            k++;
        if (!allowed[k]) {
            AUTOFREE char *what = xasprintf("unknown attribute '%s'", n->attrs[i].name);
            return bad(label, n, what, e);
        }
    }
    return 0;
}

static int mode_ok(const char *label, const struct dnode *n, const char *v, struct err **e)
{
    if (!v || strcmp(v, "no") == 0 || strcmp(v, "internal") == 0 || strcmp(v, "external") == 0)
        return 0;
    AUTOFREE char *what = xasprintf("invalid value '%s' (expected no|internal|external)", v);
    return bad(label, n, what, e);
}

static int parse_disk(struct snapshot *s, const char *label, const struct dnode *n,
                      struct err **e)
{
    static const char *const attrs[] = { "name", "snapshot", "type", NULL };
    if (strcmp(n->name, "disk") != 0)
        return bad(label, n, "unknown element", e);
    if (attrs_ok(label, n, attrs, e) < 0 || mode_ok(label, n, dnode_attr(n, "snapshot"), e) < 0)
        return -1;
    if (!dnode_attr(n, "name"))
        return bad(label, n, "missing attribute 'name'", e);
    const struct dnode *drv = dnode_child(n, "driver"), *src = dnode_child(n, "source");
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i] != drv && n->kids[i] != src)
            return bad(label, n->kids[i], "unknown element", e);
    snapshot_add_disk(s, dnode_attr(n, "name"), dnode_attr(n, "snapshot"),
                      drv ? dnode_attr(drv, "type") : NULL, src ? dnode_attr(src, "file") : NULL);
    return 0;
}

static int parse_kid(struct snapshot *s, const char *label, struct dnode *root, size_t i,
                     struct err **e)
{
    struct dnode *n = root->kids[i];
    char **text = strcmp(n->name, "name") == 0 ? &s->name
                  : strcmp(n->name, "description") == 0 ? &s->description
                  : strcmp(n->name, "state") == 0 ? &s->state : NULL;
    if (text) {
        free(*text);
        *text = xstrdup(dnode_text(n));
    } else if (strcmp(n->name, "parent") == 0) {
        free(s->parent);
        s->parent = dup_or_null(dnode_path_text(n, "name"));
    } else if (strcmp(n->name, "creationTime") == 0) {
        s->creation_time = atoll(dnode_text(n));
    } else if (strcmp(n->name, "memory") == 0) {
        static const char *const attrs[] = { "snapshot", "file", NULL };
        if (attrs_ok(label, n, attrs, e) < 0 || mode_ok(label, n, dnode_attr(n, "snapshot"), e) < 0)
            return -1;
        s->memory = dup_or_null(dnode_attr(n, "snapshot"));
        s->memory_file = dup_or_null(dnode_attr(n, "file"));
    } else if (strcmp(n->name, "disks") == 0) {
        for (size_t k = 0; k < n->nkids; k++)
            if (parse_disk(s, label, n->kids[k], e) < 0)
                return -1;
    } else if (strcmp(n->name, "domain") == 0) {
        dnode_detach(n);
        s->domain = n;
        return 1;                /* root->kids shifted: same index again */
    } else if (strcmp(n->name, "active") != 0 && strcmp(n->name, "cookie") != 0) {
        return bad(label, n, "unknown element", e);
    }
    return 0;
}

struct snapshot *snapshot_parse(const char *xml, size_t len, const char *label, struct err **e)
{
    if (len > SNAP_XML_MAX) {
        err_set(e, ERR_XML, "%s: snapshot XML larger than %u bytes", label, SNAP_XML_MAX);
        return NULL;
    }
    struct dnode *root = xml_parse(xml, len, label, e);
    if (!root)
        return NULL;
    struct snapshot *s = xcalloc(1, sizeof(*s));
    int rc = strcmp(root->name, "domainsnapshot") == 0 ? 0
             : bad(label, root, "expected <domainsnapshot>", e);
    for (size_t i = 0; rc >= 0 && i < root->nkids;) {
        rc = parse_kid(s, label, root, i, e);
        i += rc == 1 ? 0 : 1;
    }
    dnode_free(root);
    if (rc < 0) {
        snapshot_free(s);
        return NULL;
    }
    return s;
}

static void add_text(struct dnode *root, const char *name, const char *text)
{
    if (text)
        dnode_set_text(dnode_add(root, name), text);
}

char *snapshot_format(const struct snapshot *s, bool with_domain)
{
    struct dnode *root = dnode_new("domainsnapshot");
    add_text(root, "name", s->name);
    add_text(root, "description", s->description);
    add_text(root, "state", s->state);
    if (s->parent)
        add_text(dnode_add(root, "parent"), "name", s->parent);
    if (s->creation_time) {
        char t[32];
        snprintf(t, sizeof(t), "%lld", s->creation_time);
        add_text(root, "creationTime", t);
    }
    if (s->memory) {
        struct dnode *m = dnode_add(root, "memory");
        dnode_set_attr(m, "snapshot", s->memory);
        dnode_set_attr(m, "file", s->memory_file);
    }
    struct dnode *disks = s->ndisks ? dnode_add(root, "disks") : NULL;
    for (size_t i = 0; i < s->ndisks; i++) {
        struct dnode *d = dnode_add(disks, "disk");
        dnode_set_attr(d, "name", s->disks[i].name);
        dnode_set_attr(d, "snapshot", s->disks[i].snapshot);
        if (s->disks[i].file)
            dnode_set_attr(d, "type", "file");
        if (s->disks[i].driver)
            dnode_set_attr(dnode_add(d, "driver"), "type", s->disks[i].driver);
        if (s->disks[i].file)
            dnode_set_attr(dnode_add(d, "source"), "file", s->disks[i].file);
    }
    if (with_domain && s->domain)
        dnode_append(root, dnode_clone(s->domain));
    char *out = dom_format_node(root, 0);
    dnode_free(root);
    return out;
}
