/* tree.h: the in-memory domain model: a tree of elements checked against
 * the schema table (core/schema.c).  Parse, defaults, validate, format,
 * device editing and the QEMU argv builder all work on this tree, so one
 * schema table can drive every step.  Attributes keep document order as
 * parsed; the formatter reorders them by the schema. */
#ifndef DOMSH_TREE_H
#define DOMSH_TREE_H

#include <stdbool.h>
#include <stddef.h>

struct schema_elem;

struct dattr {
    char *name;
    char *value;
};

struct dnode {
    char *name;
    struct dattr *attrs;
    size_t nattrs, cap_attrs;
    char *text;                 /* text content (trimmed for leaf values); NULL if none */
    struct dnode **kids;
    size_t nkids, cap_kids;
    struct dnode *parent;
    int line;                   /* source line, 0 when built in memory */
    const struct schema_elem *se;  /* set by the schema check; NULL inside opaque subtrees */
};

struct dnode *dnode_new(const char *name);
void dnode_free(struct dnode *n);
struct dnode *dnode_clone(const struct dnode *n);   /* deep copy, parent NULL */

const char *dnode_attr(const struct dnode *n, const char *name);
void dnode_set_attr(struct dnode *n, const char *name, const char *value); /* NULL removes */
const char *dnode_text(const struct dnode *n);   /* "" never NULL when n != NULL */
void dnode_set_text(struct dnode *n, const char *text);

struct dnode *dnode_child(const struct dnode *n, const char *name);        /* first */
struct dnode *dnode_nth(const struct dnode *n, const char *name, size_t i);
size_t dnode_count(const struct dnode *n, const char *name);
/* "os/type", "devices/emulator": first match along the path, or NULL */
struct dnode *dnode_path(const struct dnode *n, const char *path);
/* text of the child at path, or NULL */
const char *dnode_path_text(const struct dnode *n, const char *path);

struct dnode *dnode_append(struct dnode *parent, struct dnode *kid);      /* returns kid */
struct dnode *dnode_insert(struct dnode *parent, size_t pos, struct dnode *kid);
struct dnode *dnode_add(struct dnode *parent, const char *name);          /* new child */
struct dnode *dnode_ensure(struct dnode *parent, const char *name);       /* first or new */
void dnode_detach(struct dnode *kid);                                     /* no free */
void dnode_remove(struct dnode *kid);                                     /* detach + free */
size_t dnode_index(const struct dnode *kid);                              /* in parent->kids */

/* "domain/devices/disk[2]" for messages; caller frees */
char *dnode_where(const struct dnode *n);

#endif
