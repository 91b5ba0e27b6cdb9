/* devbuild.c: building devices from command options (attach-disk,
 * attach-interface), naming free disk targets, and finding the devices a
 * fragment describes (detach-device, update-device).  Builders go through
 * dev_set() so every value is checked and placed by the schema. */
#include "devices.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../base/buf.h"

char *dev_target_name(const char *prefix, unsigned idx)
{
    char letters[16];
    size_t n = 0;
    long long i = idx;
    do {
        letters[n++] = (char)('a' + i % 26);
        i = i / 26 - 1;
    } while (i >= 0 && n < sizeof(letters));
    struct buf b = {0};
    buf_add(&b, prefix);
    while (n > 0)
        buf_addc(&b, letters[--n]);
    return buf_steal(&b);
}

static bool target_used(const struct dnode *dom, const char *name)
{
    const struct dnode *devs = dev_container(dom);
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const char *t = strcmp(devs->kids[i]->name, "disk") == 0
                            ? dnode_attr(dnode_child(devs->kids[i], "target"), "dev")
                            : NULL;
        if (t && strcmp(t, name) == 0)
            return true;
    }
    return false;
}

char *dev_next_target(const struct dnode *dom, const char *prefix)
{
    for (unsigned i = 0;; i++) {
        char *name = dev_target_name(prefix, i);
        if (!target_used(dom, name))
            return name;
        free(name);
    }
}

const char *dev_bus_prefix(const char *bus)
{
    static const char *const map[][2] = {
        {"virtio", "vd"}, {"scsi", "sd"}, {"usb", "sd"}, {"sata", "sd"},
        {"ide", "hd"},    {"xen", "xvd"}, {"fdc", "fd"},
    };
    for (size_t i = 0; bus && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], bus) == 0)
            return map[i][1];
    return NULL;
}

/* apply KEY=VALUE pairs (NULL values skipped) to a new element */
static struct dnode *build(const char *kind, const char *const kv[][2], size_t n,
                           struct err **e)
{
    struct dnode *d = dnode_new(kind);
    for (size_t i = 0; i < n; i++)
        if (kv[i][1] && dev_set(d, kv[i][0], kv[i][1], e) < 0) {
            dnode_free(d);
            return NULL;
        }
    return d;
}

static const char *disk_type(const struct disk_opts *o)
{
    struct stat sb;
    if (o->sourcetype)
        return o->sourcetype;
    return stat(o->source, &sb) == 0 && S_ISBLK(sb.st_mode) ? "block" : "file";
}

struct dnode *dev_build_disk(const struct disk_opts *o, struct err **e)
{
    if (o->mode && strcmp(o->mode, "readonly") != 0 && strcmp(o->mode, "shareable") != 0) {
        err_set(e, ERR_ARGS, "no support for %s in command 'attach-disk'", o->mode);
        return NULL;
    }
    const char *type = disk_type(o);
    if (strcmp(type, "file") != 0 && strcmp(type, "block") != 0) {
        err_set(e, ERR_ARGS, "unknown source type '%s': expected file or block", type);
        return NULL;
    }
    bool block = strcmp(type, "block") == 0;
    const char *const kv[][2] = {
        {"type", type},
        {"device", o->device ? o->device : "disk"},
        {"driver.name", o->driver},
        {"driver.type", o->subdriver},
        {block ? "source.dev" : "source.file", o->source && *o->source ? o->source : NULL},
        {"target.dev", o->target},
        {"target.bus", o->bus},
        {"readonly", o->mode && strcmp(o->mode, "readonly") == 0 ? "yes" : NULL},
        {"shareable", o->mode && strcmp(o->mode, "shareable") == 0 ? "yes" : NULL},
    };
    return build("disk", kv, sizeof(kv) / sizeof(kv[0]), e);
}

/* "ADDR:PORT" or "PORT" into address and port (caller frees *addr) */
static int split_host_port(const struct iface_opts *o, char **addr, const char **port,
                           struct err **e)
{
    const char *colon = o->source ? strrchr(o->source, ':') : NULL;
    *addr = colon ? xstrndup(o->source, (size_t)(colon - o->source)) : NULL;
    *port = colon ? colon + 1 : o->source;
    bool need_addr = strcmp(o->type, "server") != 0;
    if (!o->source || !**port || (need_addr && (!*addr || !**addr))) {
        free(*addr);
        *addr = NULL;
        return err_set(e, ERR_ARGS, "interface type '%s' needs SOURCE as %s", o->type,
                       need_addr ? "ADDRESS:PORT" : "[ADDRESS:]PORT");
    }
    if (*addr && !**addr) {
        free(*addr);
        *addr = NULL;
    }
    return 0;
}

static bool type_is(const struct iface_opts *o, const char *t)
{
    return strcmp(o->type, t) == 0;
}

struct dnode *dev_build_iface(const struct iface_opts *o, struct err **e)
{
    AUTOFREE char *addr = NULL;
    const char *port = NULL, *network = NULL, *bridge = NULL;
    if (type_is(o, "network") || type_is(o, "bridge")) {
        if (!o->source || !*o->source) {
            err_set(e, ERR_ARGS, "interface type '%s' needs a SOURCE (the %s name)", o->type,
                    o->type);
            return NULL;
        }
        *(type_is(o, "network") ? &network : &bridge) = o->source;
    } else if (type_is(o, "mcast") || type_is(o, "server") || type_is(o, "client")) {
        if (split_host_port(o, &addr, &port, e) < 0)
            return NULL;
    } else if (o->source && *o->source && (type_is(o, "user") || type_is(o, "ethernet"))) {
        err_set(e, ERR_ARGS, "interface type '%s' takes no SOURCE", o->type);
        return NULL;
    }
    const char *const kv[][2] = {
        {"type", o->type},       {"mac.address", o->mac},
        {"source.network", network}, {"source.bridge", bridge},
        {"source.address", addr},    {"source.port", port},
        {"target.dev", o->target},   {"script.path", o->script},
        {"model.type", o->model},
    };
    return build("interface", kv, sizeof(kv) / sizeof(kv[0]), e);
}

static bool value_eq(const struct dnode *el, const char *a, const char *b)
{
    if (strcmp(el->name, "mac") == 0 || strcmp(el->name, "uuid") == 0)
        return strcasecmp(a, b) == 0;
    return strcmp(a, b) == 0;
}

/* every attribute, text and child of F is in D */
static bool subset(const struct dnode *f, const struct dnode *d)
{
    for (size_t i = 0; i < f->nattrs; i++) {
        const char *v = dnode_attr(d, f->attrs[i].name);
        if (!v || !value_eq(f, f->attrs[i].value, v))
            return false;
    }
    if (f->text && *f->text && (!d->text || !value_eq(f, f->text, d->text)))
        return false;
    for (size_t i = 0; i < f->nkids; i++) {
        bool hit = false;
        for (size_t k = 0; k < d->nkids && !hit; k++)
            hit = strcmp(d->kids[k]->name, f->kids[i]->name) == 0 &&
                  subset(f->kids[i], d->kids[k]);
        if (!hit)
            return false;
    }
    return true;
}

int dev_match(const struct dnode *dom, const struct dnode *frag,
              struct dnode ***found, size_t *nfound)
{
    const struct dnode *devs = dev_container(dom);
    size_t cap = 0;
    *found = NULL;
    *nfound = 0;
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        struct dnode *d = devs->kids[i];
        if (strcmp(d->name, frag->name) == 0 && subset(frag, d)) {
            xgrow(found, &cap, *nfound + 1, sizeof(**found));
            (*found)[(*nfound)++] = d;
        }
    }
    return 0;
}

/* the devices of DEV's kind whose KEY equals DEV's (all when DEV has none) */
static struct dnode *unique_by(const struct dnode *dom, const struct dnode *dev,
                               const char *key, struct err **e)
{
    const char *want = dev_get(dev, key);
    const struct dnode *devs = dev_container(dom);
    struct dnode *hit = NULL;
    size_t n = 0;
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        struct dnode *d = devs->kids[i];
        const char *v = strcmp(d->name, dev->name) == 0 ? dev_get(d, key) : NULL;
        if (strcmp(d->name, dev->name) == 0 && (!want || (v && value_eq(d, want, v)))) {
            hit = d;
            n++;
        }
    }
    if (n == 1)
        return hit;
    if (n == 0 && want)
        err_set(e, ERR_NOT_FOUND, "no %s with %s '%s' in the domain", dev->name, key, want);
    else if (n == 0)
        err_set(e, ERR_NOT_FOUND, "the domain has no %s device", dev->name);
    else
        err_set(e, ERR_INVALID, "the domain has %zu %s devices: give %s to pick one", n,
                dev->name, key ? key : "a selector");
    return NULL;
}

struct dnode *dev_match_update(const struct dnode *dom, const struct dnode *dev,
                               struct err **e)
{
    const char *key = NULL;
    if (strcmp(dev->name, "disk") == 0)
        key = "target.dev";
    else if (strcmp(dev->name, "interface") == 0)
        key = "mac.address";
    else if (strcmp(dev->name, "graphics") == 0)
        key = "type";
    if (!key) {
        /* no identity: only the sole device of its kind can be updated */
        const struct dnode *devs = dev_container(dom);
        struct dnode *hit = NULL;
        size_t n = 0;
        for (size_t i = 0; devs && i < devs->nkids; i++)
            if (strcmp(devs->kids[i]->name, dev->name) == 0) {
                hit = devs->kids[i];
                n++;
            }
        if (n == 1)
            return hit;
        if (n == 0)
            err_set(e, ERR_NOT_FOUND, "the domain has no %s device", dev->name);
        else
            err_set(e, ERR_INVALID, "the domain has %zu %s devices: use device-set with a selector",
                    n, dev->name);
        return NULL;
    }
    return unique_by(dom, dev, key, e);
}
