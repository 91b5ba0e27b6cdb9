/* comp_devices.c: completion for device editing (see comp_devices.h).
 * Keys and values come from the schema table through core/devices/devices.h;
 * the domain's own devices give selectors, free targets and current
 * values.  Errors are dropped: completion offers what it can find. */
#include "comp_devices.h"

#include <stdlib.h>
#include <string.h>

#include "../core/domains/domains.h"
#include "../core/devices/devices.h"
#include "../core/xml/domain.h"
#include "../core/store/history.h"
#include "../shell/shell.h"
#include "completers.h"

/* the config of the domain the partial command names, or NULL */
static struct dnode *target_dom(struct shell *sh, const struct cmd_args *partial,
                                char **name_out)
{
    const struct cmd_def *c = partial ? partial->cmd : NULL;
    if (!c || c->target_opt < 0 || !partial->val || !partial->val[c->target_opt])
        return NULL;
    struct err *e = NULL;
    struct dnode *dom = NULL;
    if (shell_connect(sh, &e) == 0) {
        char *name = domains_lookup(sh->store, partial->val[c->target_opt], &e);
        dom = name ? store_load(sh->store, name, &e) : NULL;
        if (name_out)
            *name_out = name;
        else
            free(name);
    }
    err_free(e);
    return dom;
}

void comp_selectors(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                    struct strv *out)
{
    struct dnode *dom = target_dom(sh, partial, NULL);
    if (dom)
        dev_list(dom, NULL, out, NULL);
    dnode_free(dom);
}

void comp_dev_kinds(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                    struct strv *out)
{
    const char *const *k = schema_device_kinds();
    for (size_t i = 0; k && k[i]; i++)
        strv_push(out, k[i]);
}

void comp_next_target(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                      struct strv *out)
{
    static const char *const prefixes[] = {"vd", "sd", "hd", "fd", NULL};
    struct dnode *dom = target_dom(sh, partial, NULL);
    for (size_t i = 0; prefixes[i]; i++)
        strv_push_take(out, dom ? dev_next_target(dom, prefixes[i])
                                : dev_target_name(prefixes[i], 0));
    dnode_free(dom);
}

void comp_new_mac(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out)
{
    char mac[18];
    mac_generate(mac);
    strv_push(out, mac);
}

void comp_disk_names(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                     struct strv *out)
{
    struct dnode *dom = target_dom(sh, partial, NULL);
    struct dnode *devs = dom ? dev_container(dom) : NULL;
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        struct dnode *d = devs->kids[i];
        if (strcmp(d->name, "disk") != 0)
            continue;
        const char *t = dev_get(d, "target.dev");
        const char *f = dev_get(d, "source.file");
        const char *b = dev_get(d, "source.dev");
        const char *const names[] = {t, f, b};
        for (size_t k = 0; k < 3; k++)
            if (names[k] && *names[k])
                strv_push(out, names[k]);
    }
    dnode_free(dom);
}

void comp_history_seqs(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                       struct strv *out)
{
    AUTOFREE char *name = NULL;
    struct dnode *dom = target_dom(sh, partial, &name);
    struct hist_entry *h = NULL;
    size_t n = 0;
    if (name && history_entries(sh->store, name, &h, &n, NULL) == 0)
        for (size_t i = 0; i < n; i++)
            strv_push_take(out, xasprintf("%u", h[i].seq));
    history_free(h, n);
    dnode_free(dom);
}

/* the kind and (for a selector) the device the assignment applies to */
static char *assign_kind(const struct cmd_args *partial, unsigned opt, const struct dnode *dom,
                         const struct dnode **dev)
{
    const char *v = opt < partial->cmd->nopts && partial->val ? partial->val[opt] : NULL;
    if (!v)
        return NULL;
    const char *slash = strchr(v, '/');
    *dev = slash && dom ? dev_find(dom, v, NULL) : NULL;
    return slash ? xstrndup(v, (size_t)(slash - v)) : xstrdup(v);
}

/* "KEY=" for every key not given earlier on the line */
static void push_keys(const char *kind, const struct cmd_args *partial, struct strv *out)
{
    struct strv keys = {0};
    dev_keys(kind, &keys, NULL);
    for (size_t i = 0; i < keys.n; i++) {
        bool given = false;
        for (size_t k = 0; k + 1 < partial->argv.n && !given; k++) {
            AUTOFREE char *gk = dev_assign_key(partial->argv.v[k]);
            given = gk && strcmp(gk, keys.v[i]) == 0;
        }
        if (!given)
            strv_push_take(out, xasprintf("%s=", keys.v[i]));
    }
    strv_free(&keys);
}

/* files for a path value: comp_files on the value part, prefixed with KEY= */
static void push_files(struct shell *sh, const struct cmd_args *partial, const char *key,
                       const char *value, struct strv *vals)
{
    struct cmd_args sub = *partial;
    sub.argv = (struct strv){0};
    strv_push(&sub.argv, value);
    comp_files(sh, &sub, 0, vals);
    strv_free(&sub.argv);
}

static void push_values(struct shell *sh, const struct cmd_args *partial, const char *kind,
                        const char *key, const char *value, const struct dnode *dom,
                        const struct dnode *dev, struct strv *vals)
{
    struct dev_key info;
    if (dev_key_info(kind, key, &info, NULL) < 0)
        return;
    if (info.kind == V_YESNO) {
        strv_push(vals, "yes");
        strv_push(vals, "no");
    }
    for (size_t i = 0; info.kind == V_ENUM && info.values && info.values[i]; i++)
        strv_push(vals, info.values[i]);
    if (info.kind == V_PATH)
        push_files(sh, partial, key, value, vals);
    if (info.kind == V_MAC)
        comp_new_mac(sh, partial, 0, vals);
    if (strcmp(kind, "interface") == 0 && strcmp(key, "model.type") == 0 && vals->n == 0)
        comp_schema(sh, partial, CS_IFACE_MODEL, vals);
    if (strcmp(kind, "disk") == 0 && strcmp(key, "target.dev") == 0 && dom) {
        const char *bus = dev ? dev_get(dev, "target.bus") : NULL;
        const char *p = dev_bus_prefix(bus);
        strv_push_take(vals, dev_next_target(dom, p ? p : "vd"));
    }
    const char *cur = dev ? dev_get(dev, key) : NULL;
    if (cur && *cur)
        strv_push(vals, cur);
}

void comp_dev_assign(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                     struct strv *out)
{
    struct dnode *dom = target_dom(sh, partial, NULL);
    const struct dnode *dev = NULL;
    AUTOFREE char *kind = assign_kind(partial, flags, dom, &dev);
    const char *word = comp_word(partial);
    const char *eq = strchr(word, '=');
    if (kind && !eq) {
        push_keys(kind, partial, out);
    } else if (kind) {
        AUTOFREE char *key = xstrndup(word, (size_t)(eq - word));
        struct strv vals = {0};
        push_values(sh, partial, kind, key, eq + 1, dom, dev, &vals);
        strv_sort(&vals);
        strv_uniq(&vals);
        for (size_t i = 0; i < vals.n; i++)
            strv_push_take(out, xasprintf("%s=%s", key, vals.v[i]));
        strv_free(&vals);
    }
    dnode_free(dom);
}
