/* devices.c: device selectors.  A selector names one device of a domain
 * in a form a user can type and completion can offer: disks by target
 * (disk/vda), graphics by type (graphics/vnc) when that is unique, every
 * other device by its index among devices of its kind (interface/0).
 * Lookups also accept KIND/N for every kind and KIND/MAC for interfaces. */
#include "devices.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../xml/domain.h"

struct dnode *dev_container(const struct dnode *dom)
{
    return dnode_child(dom, "devices");
}

bool dev_kind_known(const char *kind)
{
    const char *const *k = schema_device_kinds();
    for (size_t i = 0; k && k[i]; i++)
        if (strcmp(k[i], kind) == 0)
            return true;
    return false;
}

bool dev_is_device(const struct dnode *n)
{
    return n && n->parent && strcmp(n->parent->name, "devices") == 0 &&
           dev_kind_known(n->name);
}

/* index of dev among the devices of its kind */
static size_t kind_index(const struct dnode *dev)
{
    size_t idx = 0;
    const struct dnode *p = dev->parent;
    for (size_t i = 0; p && i < p->nkids && p->kids[i] != dev; i++)
        idx += strcmp(p->kids[i]->name, dev->name) == 0;
    return idx;
}

/* how many devices of dev's kind carry attribute ATTR = VALUE */
static size_t count_with_attr(const struct dnode *dev, const char *attr, const char *value)
{
    size_t c = 0;
    const struct dnode *p = dev->parent;
    for (size_t i = 0; p && i < p->nkids; i++) {
        const struct dnode *k = p->kids[i];
        const char *v = strcmp(k->name, dev->name) == 0 ? dnode_attr(k, attr) : NULL;
        c += v && strcmp(v, value) == 0;
    }
    return c;
}

static const char *disk_target(const struct dnode *dev)
{
    return dnode_attr(dnode_child(dev, "target"), "dev");
}

char *dev_selector(const struct dnode *dev)
{
    if (strcmp(dev->name, "disk") == 0) {
        const char *t = disk_target(dev);
        if (t && *t)
            return xasprintf("disk/%s", t);
    }
    if (strcmp(dev->name, "graphics") == 0) {
        const char *type = dnode_attr(dev, "type");
        if (type && *type && count_with_attr(dev, "type", type) == 1)
            return xasprintf("graphics/%s", type);
    }
    return xasprintf("%s/%zu", dev->name, kind_index(dev));
}

int dev_list(const struct dnode *dom, const char *kind, struct strv *out, struct err **e)
{
    if (kind && !dev_kind_known(kind))
        return err_set(e, ERR_ARGS, "unknown device type '%s'", kind);
    const struct dnode *devs = dev_container(dom);
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *d = devs->kids[i];
        if (dev_is_device(d) && (!kind || strcmp(d->name, kind) == 0))
            strv_push_take(out, dev_selector(d));
    }
    return 0;
}

/* does NAME (after "KIND/") name dev other than by index? */
static bool name_matches(const struct dnode *dev, const char *name)
{
    if (strcmp(dev->name, "disk") == 0) {
        const char *t = disk_target(dev);
        return t && strcmp(t, name) == 0;
    }
    if (strcmp(dev->name, "graphics") == 0) {
        const char *t = dnode_attr(dev, "type");
        return t && strcmp(t, name) == 0;
    }
    if (strcmp(dev->name, "interface") == 0) {
        const char *mac = dnode_attr(dnode_child(dev, "mac"), "address");
        const char *tgt = dnode_attr(dnode_child(dev, "target"), "dev");
        return (mac && strcasecmp(mac, name) == 0) || (tgt && strcmp(tgt, name) == 0);
    }
    return false;
}

static int split_selector(const char *sel, char **kind, const char **rest, struct err **e)
{
    const char *slash = strchr(sel, '/');
    if (!slash || slash == sel || !slash[1])
        return err_set(e, ERR_ARGS, "invalid device selector '%s': expected TYPE/NAME, e.g. disk/vda",
                       sel);
    *kind = xstrndup(sel, (size_t)(slash - sel));
    *rest = slash + 1;
    if (!dev_kind_known(*kind)) {
        err_set(e, ERR_ARGS, "invalid device selector '%s': unknown device type '%s'", sel, *kind);
        free(*kind);
        *kind = NULL;
        return -1;
    }
    return 0;
}

struct dnode *dev_find(const struct dnode *dom, const char *sel, struct err **e)
{
    AUTOFREE char *kind = NULL;
    const char *rest = NULL;
    if (split_selector(sel, &kind, &rest, e) < 0)
        return NULL;
    const struct dnode *devs = dev_container(dom);
    bool by_index = str_is_digits(rest);
    unsigned long want = by_index ? strtoul(rest, NULL, 10) : 0;
    size_t idx = 0;
    struct dnode *found = NULL;
    for (size_t i = 0; devs && i < devs->nkids && !found; i++) {
        struct dnode *d = devs->kids[i];
        if (strcmp(d->name, kind) != 0)
            continue;
        if (by_index ? idx == want : name_matches(d, rest))
            found = d;
        idx++;
    }
    if (!found) {
        const char *name = dom_name(dom);
        err_set(e, ERR_NOT_FOUND, "no device '%s' in domain '%s'", sel, name ? name : "?");
    }
    return found;
}

static size_t child_order(const struct schema_elem *pse, const char *name)
{
    for (size_t i = 0; pse && pse->children && pse->children[i]; i++)
        if (strcmp(pse->children[i], name) == 0)
            return i;
    return (size_t)-1;
}

struct dnode *dnode_insert_ordered(struct dnode *parent, const struct schema_elem *pse,
                                   struct dnode *kid)
{
    size_t mine = child_order(pse, kid->name);
    if (mine == (size_t)-1)
        return dnode_append(parent, kid);
    size_t pos = 0;
    for (size_t i = 0; i < parent->nkids; i++) {
        size_t o = child_order(pse, parent->kids[i]->name);
        if (o != (size_t)-1 && o <= mine)
            pos = i + 1;
    }
    return dnode_insert(parent, pos, kid);
}

struct dnode *dev_insert(struct dnode *dom, struct dnode *dev)
{
    struct dnode *devs = dev_container(dom);
    if (!devs)
        devs = dnode_insert_ordered(dom, schema_root(), dnode_new("devices"));
    size_t last = (size_t)-1;
    for (size_t i = 0; i < devs->nkids; i++)
        if (strcmp(devs->kids[i]->name, dev->name) == 0)
            last = i;
    if (last != (size_t)-1)
        return dnode_insert(devs, last + 1, dev);
    return dnode_insert_ordered(devs, schema_find("domain/devices"), dev);
}

static bool disk_named(const struct dnode *d, const char *name)
{
    static const char *const keys[] = {"target.dev", "source.file", "source.dev"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = dev_get(d, keys[i]);
        if (v && strcmp(v, name) == 0)
            return true;
    }
    return false;
}

struct dnode *dev_find_disk(const struct dnode *dom, const char *name, struct err **e)
{
    struct dnode *devs = dev_container(dom);
    for (size_t i = 0; devs && i < devs->nkids; i++)
        if (strcmp(devs->kids[i]->name, "disk") == 0 && disk_named(devs->kids[i], name))
            return devs->kids[i];
    err_set(e, ERR_NOT_FOUND, "no disk found whose source path or target is %s", name);
    return NULL;
}
