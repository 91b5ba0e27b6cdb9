/* dom_parse.c: read a domain XML (size cap first), parse it (xml.c) and
 * check the tree against the schema table: every element, attribute, enum
 * value and number must be known and well-formed.  Anything unknown is an
 * error naming it and its line; nothing is silently dropped. */
#include "dom_priv.h"
#include "xml.h"

#include <stdio.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* uuids lose surrounding blanks, as libvirt's virUUIDParse skips them;
 * numbers keep theirs for the kind check (libvirt takes blanks before the
 * digits, not after), enums and strings are taken exactly */
static void trim_text(struct dnode *n)
{
    if (!n->text)
        return;
    char *s = n->text, *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    size_t lead = strspn(s, " \t\r\n");
    if (lead)
        memmove(s, s + lead, (size_t)(end - s) - lead + 1);
}

static void enum_list(const char *const *v, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (; v && *v && len + 1 < size; v++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "|" : "", *v);
}

static int bad_value(const char *label, const struct dnode *n, const char *attr,
                     enum val_kind kind, const char *const *values, const char *v,
                     const char *why, struct err **e)
{
    AUTOFREE char *where = dnode_where(n);
    char allowed[256];
    enum_list(values, allowed, sizeof(allowed));
    const char *what = attr ? "attribute" : "element";
    if (kind == V_ENUM)
        return dom_err(e, ERR_SCHEMA, "%s:%d: %s%s%s: invalid value '%s' (expected %s)",
                       label, n->line, where, attr ? "/@" : "", attr ? attr : "", v, allowed);
    return dom_err(e, ERR_SCHEMA, "%s:%d: %s%s%s: invalid value '%s' for %s of type %s: %s",
                   label, n->line, where, attr ? "/@" : "", attr ? attr : "", v, what,
                   schema_kind_name(kind), why);
}

static int check_attrs(const char *label, struct dnode *n, struct err **e)
{
    const struct schema_elem *se = n->se;
    for (size_t i = 0; i < n->nattrs; i++) {
        const struct dattr *a = &n->attrs[i];
        const struct schema_attr *sa = schema_attr(se, a->name);
        if (!sa) {
            AUTOFREE char *where = dnode_where(n);
            return dom_err(e, ERR_SCHEMA, "%s:%d: %s: unknown attribute '%s'", label, n->line,
                           where, a->name);
        }
        const char *why;
        if (!*a->value && dom_rules_empty_is_absent(se->path, a->name))
            continue;    /* the rewrite removes it */
        if (!schema_value_ok(sa->kind, sa->values, a->value, &why))
            return bad_value(label, n, a->name, sa->kind, sa->values, a->value, why, e);
        AUTOFREE char *canon = schema_value_canon(sa->kind, a->value);
        if (canon)
            dnode_set_attr(n, a->name, canon);
    }
    return 0;
}

static int check_text(const char *label, struct dnode *n, struct err **e)
{
    const struct schema_elem *se = n->se;
    if (se->text == V_UUID || se->text == V_NONE)
        trim_text(n);     /* a name keeps its blanks: libvirt's 'web ' is not 'web' */
    if (se->text == V_NONE) {
        if (n->text && *n->text) {
            AUTOFREE char *where = dnode_where(n);
            return dom_err(e, ERR_SCHEMA, "%s:%d: %s: unexpected text '%.40s'", label, n->line,
                           where, n->text);
        }
        free(n->text);
        n->text = NULL;
        return 0;
    }
    const char *why;
    const char *v = dnode_text(n);
    if (!*v && dom_rules_empty_is_absent(se->path, NULL))
        return 0;    /* the rewrite removes it */
    if (!schema_value_ok(se->text, se->text_values, v, &why))
        return bad_value(label, n, NULL, se->text, se->text_values, v, why, e);
    AUTOFREE char *canon = schema_value_canon(se->text, v);
    if (canon)
        dnode_set_text(n, canon);
    return 0;
}

/* required children are rare (name, memory, os, os/type): look for the
 * flagged entries in se's subtree, which is contiguous in the pre-order
 * table (a leaf ends the scan at once) */
static int check_required(const char *label, const struct dnode *n, struct err **e)
{
    const char *path = n->se->path;
    size_t plen = strlen(path);
    const struct schema_elem *end = schema_at(0) + schema_count();
    for (const struct schema_elem *ce = n->se + 1; ce < end; ce++) {
        if (strncmp(ce->path, path, plen) != 0 || ce->path[plen] != '/')
            break;
        if (!(ce->flags & SE_REQUIRED) || strchr(ce->path + plen + 1, '/') || dnode_child(n, ce->name))
            continue;
        AUTOFREE char *where = dnode_where(n);
        return dom_err(e, ERR_SCHEMA, "%s:%d: %s: missing <%s> element", label, n->line, where,
                       ce->name);
    }
    return 0;
}

static int check_node(const char *label, struct dnode *n, struct err **e);

static int check_kids(const char *label, struct dnode *n, struct err **e)
{
    for (size_t i = 0; i < n->nkids; i++) {
        struct dnode *k = n->kids[i];
        k->se = schema_child(n->se, k->name);
        if (!k->se) {
            AUTOFREE char *where = dnode_where(n);
            return dom_err(e, ERR_SCHEMA, "%s:%d: unknown element '%s' in %s", label, k->line,
                           k->name, where);
        }
        if (!(k->se->flags & SE_MULTI) && dnode_child(n, k->name) != k) {
            AUTOFREE char *where = dnode_where(k);
            return dom_err(e, ERR_SCHEMA, "%s:%d: %s: element <%s> may appear only once", label,
                           k->line, where, k->name);
        }
        if (check_node(label, k, e) < 0)
            return -1;
    }
    return 0;
}

static int check_node(const char *label, struct dnode *n, struct err **e)
{
    if (n->se->flags & SE_OPAQUE)
        return 0;     /* boilerplate: kept verbatim, not interpreted */
    if (check_attrs(label, n, e) < 0 || check_text(label, n, e) < 0)
        return -1;
    if (check_kids(label, n, e) < 0)
        return -1;
    return check_required(label, n, e);
}

void dom_assign_schema(struct dnode *n)
{
    if (!n->se || (n->se->flags & SE_OPAQUE))
        return;
    size_t plen = strlen(n->se->path);
    for (size_t i = 0; i < n->nkids; i++) {
        struct dnode *k = n->kids[i];
        if (!k->se || strcmp(k->se->name, k->name) != 0 ||
            strncmp(k->se->path, n->se->path, plen) != 0 || k->se->path[plen] != '/')
            k->se = schema_child(n->se, k->name);
        dom_assign_schema(k);
    }
}

/* the schema check on a parsed tree whose root matches se */
int dom_schema_check(const char *label, struct dnode *root, const struct schema_elem *se,
                        struct err **e)
{
    if (strcmp(root->name, se->name) != 0)
        return dom_err(e, ERR_SCHEMA, "%s:%d: expecting root element <%s>, not <%s>", label,
                       root->line, se->name, root->name);
    root->se = se;
    return check_node(label, root, e);
}

struct dnode *dom_parse(const char *xml, size_t len, const char *label, struct err **e)
{
    if (!label)
        label = "(domain)";
    if (len > DOM_MAX_XML) {
        dom_err(e, ERR_XML, "%s: document too large (%zu bytes, the limit is %u)", label, len,
                DOM_MAX_XML);
        return NULL;
    }
    struct dnode *root = xml_parse(xml, len, label, e);
    if (!root)
        return NULL;
    if (dom_schema_check(label, root, schema_root(), e) < 0) {
        dnode_free(root);
        return NULL;
    }
    return root;
}

/* read at most DOM_MAX_XML bytes; a bigger file is refused before parsing */
static char *read_capped(const char *path, size_t *len, struct err **e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err_sys(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot read '%s'", path);
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (unsigned long long)sb.st_size > DOM_MAX_XML) {
        close(fd);
        dom_err(e, ERR_XML, "%s: file too large (%lld bytes, the limit is %u)", path,
                (long long)sb.st_size, DOM_MAX_XML);
        return NULL;
    }
    size_t cap = S_ISREG(sb.st_mode) && sb.st_size > 0 ? (size_t)sb.st_size + 1 : 65536, n = 0;
    char *data = xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > DOM_MAX_XML)
                break;
            cap *= 2;
            data = xrealloc(data, cap + 1);
        }
        ssize_t r = read(fd, data + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err_sys(e, ERR_IO, "cannot read '%s'", path);
            close(fd);
            free(data);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > DOM_MAX_XML) {
        free(data);
        dom_err(e, ERR_XML, "%s: file too large (more than %u bytes)", path, DOM_MAX_XML);
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

static struct dnode *load_string(const char *xml, size_t len, const char *label, bool live,
                                 enum dom_stage *stage, struct err **e)
{
    enum dom_stage dummy;
    if (!stage)
        stage = &dummy;
    *stage = DOM_STAGE_PARSE;
    struct dnode *dom = dom_parse(xml, len, label, e);
    if (!dom)
        return NULL;
    struct dctx c = {.label = label, .e = e, .live = live};
    *stage = DOM_STAGE_VALIDATE;    /* the value rules see the document as given */
    if (dom_rules_check(dom, &c) < 0)
        goto fail;
    *stage = DOM_STAGE_POSTPARSE;
    if (dom_postparse_ctx(dom, &c) < 0)
        goto fail;
    *stage = DOM_STAGE_VALIDATE;
    if (dom_validate_ctx(dom, &c) < 0)
        goto fail;
    return dom;
fail:
    dnode_free(dom);
    return NULL;
}

struct dnode *dom_load_string(const char *xml, size_t len, const char *label,
                              enum dom_stage *stage, struct err **e)
{
    return load_string(xml, len, label, false, stage, e);
}

struct dnode *dom_load_live(const char *xml, size_t len, const char *label, struct err **e)
{
    return load_string(xml, len, label, true, NULL, e);
}

struct dnode *dom_load_file(const char *path, enum dom_stage *stage, struct err **e)
{
    if (stage)
        *stage = DOM_STAGE_READ;
    size_t len = 0;
    AUTOFREE char *data = read_capped(path, &len, e);
    if (!data)
        return NULL;
    return dom_load_string(data, len, path, stage, e);
}
