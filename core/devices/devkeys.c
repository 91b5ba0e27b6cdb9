/* devkeys.c: KEY=VALUE on a device by schema path.  A key walks the
 * schema from the device element: "type" is an attribute of the device,
 * "source.file" the attribute file of child <source>, "serial" the text of
 * a text-valued child, "readonly" (yes/no) the presence of an empty child.
 * Every key comes from the schema table; nothing here lists names. */
#include "devices.h"

#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"

#define KEY_MAX_DEPTH 6

struct key_path {
    const struct schema_elem *se[KEY_MAX_DEPTH + 1];  /* se[0]: the device */
    char *step[KEY_MAX_DEPTH];                         /* child names */
    size_t depth;
    const char *attr;                                  /* DKEY_ATTR */
    struct dev_key info;
    char *buf;
};

static const struct schema_elem *device_schema(const char *kind, struct err **e)
{
    AUTOFREE char *path = xasprintf("domain/devices/%s", kind);
    const struct schema_elem *se = dev_kind_known(kind) ? schema_find(path) : NULL;
    if (!se)
        err_set(e, ERR_ARGS, "unknown device type '%s'", kind);
    return se;
}

static bool is_flag_elem(const struct schema_elem *c)
{
    return c->text == V_NONE && (!c->attrs || !c->attrs[0].name) &&
           (!c->children || !c->children[0]);
}

static const struct schema_elem *plain_child(const struct schema_elem *se, const char *name)
{
    const struct schema_elem *c = schema_child(se, name);
    return c && !(c->flags & SE_OPAQUE) ? c : NULL;
}

static int unknown_key(const char *kind, const char *key, struct err **e)
{
    return err_set(e, ERR_ARGS, "unknown key '%s' for device '%s'",
                   key, kind);
}

/* the last step: an attribute, a text child or a flag child */
static int resolve_last(struct key_path *kp, const char *kind, const char *key,
                        const char *last, struct err **e)
{
    const struct schema_elem *se = kp->se[kp->depth];
    const struct schema_attr *a = schema_attr(se, last);
    if (a) {
        kp->attr = a->name;
        kp->info = (struct dev_key){DKEY_ATTR, a->kind, a->values, a->doc};
        return 0;
    }
    const struct schema_elem *c = plain_child(se, last);
    if (!c || kp->depth >= KEY_MAX_DEPTH)
        return unknown_key(kind, key, e);
    kp->step[kp->depth++] = (char *)last;
    kp->se[kp->depth] = c;
    if (c->text != V_NONE) {
        kp->info = (struct dev_key){DKEY_TEXT, c->text, c->text_values, c->doc};
        return 0;
    }
    if (is_flag_elem(c)) {
        kp->info = (struct dev_key){DKEY_FLAG, V_YESNO, NULL, c->doc};
        return 0;
    }
    if (c->attrs && c->attrs[0].name)
        return err_set(e, ERR_ARGS, "key '%s' of device '%s' needs an attribute, e.g. '%s.%s'",
                       key, kind, key, c->attrs[0].name);
    return unknown_key(kind, key, e);
}

static int resolve(struct key_path *kp, const char *kind, const char *key, struct err **e)
{
    memset(kp, 0, sizeof(*kp));
    if (!(kp->se[0] = device_schema(kind, e)))
        return -1;
    if (!*key)
        return err_set(e, ERR_ARGS, "empty key for device '%s'", kind);
    kp->buf = xstrdup(key);
    char *part = kp->buf;
    for (char *dot; (dot = strchr(part, '.')); part = dot + 1) {
        *dot = '\0';
        const struct schema_elem *c = plain_child(kp->se[kp->depth], part);
        if (!c || kp->depth >= KEY_MAX_DEPTH - 1)
            return unknown_key(kind, key, e);
        kp->step[kp->depth++] = part;
        kp->se[kp->depth] = c;
    }
    return resolve_last(kp, kind, key, part, e);
}

static void key_path_free(struct key_path *kp)
{
    free(kp->buf);
}

int dev_key_info(const char *kind, const char *key, struct dev_key *out, struct err **e)
{
    struct key_path kp;
    int rc = resolve(&kp, kind, key, e);
    if (rc == 0)
        *out = kp.info;
    key_path_free(&kp);
    return rc;
}

static void list_keys(const struct schema_elem *se, const char *prefix, int depth,
                      struct strv *out)
{
    for (size_t i = 0; se->attrs && se->attrs[i].name; i++)
        strv_push_take(out, xasprintf("%s%s", prefix, se->attrs[i].name));
    for (size_t i = 0; se->children && se->children[i] && depth < KEY_MAX_DEPTH; i++) {
        const struct schema_elem *c = plain_child(se, se->children[i]);
        if (!c)
            continue;
        AUTOFREE char *p = xasprintf("%s%s", prefix, c->name);
        if (c->text != V_NONE || is_flag_elem(c))
            strv_push(out, p);
        AUTOFREE char *sub = xasprintf("%s.", p);
        list_keys(c, sub, depth + 1, out);
    }
}

int dev_keys(const char *kind, struct strv *out, struct err **e)
{
    const struct schema_elem *se = device_schema(kind, e);
    if (!se)
        return -1;
    list_keys(se, "", 0, out);
    return 0;
}

/* the element holding the key's value, or NULL when a step is missing */
static struct dnode *walk(const struct key_path *kp, const struct dnode *dev)
{
    const struct dnode *cur = dev;
    for (size_t i = 0; cur && i < kp->depth; i++)
        cur = dnode_child(cur, kp->step[i]);
    return (struct dnode *)cur;
}

const char *dev_get(const struct dnode *dev, const char *key)
{
    struct key_path kp;
    const char *v = NULL;
    if (resolve(&kp, dev->name, key, NULL) == 0) {
        const struct dnode *n = walk(&kp, dev);
        if (n && kp.info.what == DKEY_ATTR)
            v = dnode_attr(n, kp.attr);
        else if (n && kp.info.what == DKEY_TEXT)
            v = n->text;
        else if (n)
            v = "yes";
    }
    key_path_free(&kp);
    return v;
}

/* drop elements left empty by a removal, up to (not including) the device */
static void prune(struct dnode *n, const struct dnode *dev)
{
    while (n && n != dev && n->nattrs == 0 && n->nkids == 0 && !(n->text && *n->text)) {
        struct dnode *p = n->parent;
        dnode_remove(n);
        n = p;
    }
}

static int remove_key(const struct key_path *kp, struct dnode *dev)
{
    struct dnode *n = walk(kp, dev);
    if (!n || n == dev) {
        if (n && kp->info.what == DKEY_ATTR)
            dnode_set_attr(n, kp->attr, NULL);
        return 0;
    }
    if (kp->info.what == DKEY_FLAG) {
        struct dnode *p = n->parent;
        dnode_remove(n);
        n = p;
    } else if (kp->info.what == DKEY_ATTR) {
        dnode_set_attr(n, kp->attr, NULL);
    } else {
        dnode_set_text(n, NULL);
    }
    prune(n, dev);
    return 0;
}

static int check_value(const struct key_path *kp, const char *key, const char *value,
                       struct err **e)
{
    const char *why = NULL;
    if (schema_value_ok(kp->info.kind, kp->info.values, value, &why))
        return 0;
    if (kp->info.kind != V_ENUM || !kp->info.values)
        return err_set(e, ERR_SCHEMA, "invalid value '%s' for key '%s': %s", value, key,
                       why ? why : "not allowed");
    struct buf b = {0};
    for (size_t i = 0; kp->info.values[i]; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", kp->info.values[i]);
    err_set(e, ERR_SCHEMA, "invalid value '%s' for key '%s': expected one of %s", value, key,
            buf_str(&b));
    buf_free(&b);
    return -1;
}

static int set_resolved(const struct key_path *kp, struct dnode *dev, const char *key,
                        const char *value, struct err **e)
{
    bool flag_off = kp->info.what == DKEY_FLAG && value && strcmp(value, "no") == 0;
    if (!value || !*value || flag_off)
        return value && *value && check_value(kp, key, value, e) < 0 ? -1 : remove_key(kp, dev);
    if (check_value(kp, key, value, e) < 0)
        return -1;
    struct dnode *cur = dev;
    for (size_t i = 0; i < kp->depth; i++) {
        struct dnode *c = dnode_child(cur, kp->step[i]);
        cur = c ? c : dnode_insert_ordered(cur, kp->se[i], dnode_new(kp->step[i]));
    }
    if (kp->info.what == DKEY_ATTR)
        dnode_set_attr(cur, kp->attr, value);
    else if (kp->info.what == DKEY_TEXT)
        dnode_set_text(cur, value);
    return 0;
}

int dev_set(struct dnode *dev, const char *key, const char *value, struct err **e)
{
    struct key_path kp;
    int rc = resolve(&kp, dev->name, key, e);
    if (rc == 0)
        rc = set_resolved(&kp, dev, key, value, e);
    key_path_free(&kp);
    return rc;
}

char *dev_assign_key(const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    return eq ? xstrndup(assignment, (size_t)(eq - assignment)) : NULL;
}

int dev_assign(struct dnode *dev, const char *assignment, struct err **e)
{
    AUTOFREE char *key = dev_assign_key(assignment);
    if (!key)
        return err_set(e, ERR_ARGS, "expected KEY=VALUE, got '%s'", assignment);
    return dev_set(dev, key, strchr(assignment, '=') + 1, e);
}
