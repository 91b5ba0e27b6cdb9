/* completers.c: the reusable value completers (see completers.h).
 * Errors are deliberately dropped: completion offers what it can find. */
#include "completers.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/domains/domains.h"
#include "../core/xml/schema.h"
#include "../core/store/store.h"
#include "../core/xml/tree.h"
#include "../shell/shell.h"

const char *comp_word(const struct cmd_args *partial)
{
    if (!partial || partial->completing < 0)
        return "";
    const struct opt_def *o = &partial->cmd->opts[partial->completing];
    if (o->kind == OPT_ARGV)
        return partial->argv.n ? partial->argv.v[partial->argv.n - 1] : "";
    const char *v = partial->val ? partial->val[partial->completing] : NULL;
    return v ? v : "";
}

static struct store *comp_store(struct shell *sh)
{
    struct err *e = NULL;
    if (shell_connect(sh, &e) < 0) {
        err_free(e);
        return NULL;
    }
    return sh->store;
}

/* core/domains lists in one pass; only domains in RUN/ have their
 * status read, so `start <TAB>` lists the store once and `destroy <TAB>`
 * does not list it at all, even with thousands of defined domains */
void comp_domains(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out)
{
    struct store *st = comp_store(sh);
    struct domain_set set;
    if (!st || domains_list(st, flags & (ST_ANY | ST_PERSISTENT), &set, NULL) < 0)
        return;
    for (size_t i = 0; i < set.n; i++)
        strv_push_take(out, steal_ptr(&set.v[i].name));
    domain_set_free(&set);
}

void comp_files(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                struct strv *out)
{
    const char *word = comp_word(partial);
    const char *slash = strrchr(word, '/');
    AUTOFREE char *dir = slash ? xstrndup(word, (size_t)(slash - word) + 1) : xstrdup("");
    const char *base = slash ? slash + 1 : word;
    DIR *d = opendir(*dir ? dir : ".");
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (de->d_name[0] == '.' && base[0] != '.')
            continue;
        if (strncmp(de->d_name, base, strlen(base)) != 0)
            continue;
        AUTOFREE char *path = xasprintf("%s%s", dir, de->d_name);
        struct stat sb;
        bool is_dir = stat(*path ? path : ".", &sb) == 0 && S_ISDIR(sb.st_mode);
        if (is_dir)
            strv_push_take(out, xasprintf("%s/", path));
        else if (!(flags & COMP_FILES_DIRS))
            strv_push(out, path);
    }
    closedir(d);
}

void comp_choices(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out)
{
    if (!partial || partial->completing < 0)
        return;
    const char *const *c = partial->cmd->opts[partial->completing].choices;
    for (size_t i = 0; c && c[i]; i++)
        strv_push(out, c[i]);
}

void comp_uris(struct shell *sh, const struct cmd_args *partial, unsigned flags,
               struct strv *out)
{
    static const char *const uris[] = {
        "qemu:///session", "qemu:///system", "test:///default", NULL
    };
    for (size_t i = 0; uris[i]; i++)
        strv_push(out, uris[i]);
}

void comp_commands(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                   struct strv *out)
{
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        if (c->flags & CMD_HIDDEN)
            continue;
        strv_push(out, c->name);
        for (size_t k = 0; c->aliases && c->aliases[k]; k++)
            strv_push(out, c->aliases[k]);
        if ((flags & COMP_CMD_GROUPS) && c->group)
            strv_push(out, c->group);
    }
}

void comp_schema_values(const char *path, const char *attr, struct strv *out)
{
    const struct schema_elem *se = schema_find(path);
    if (!se)
        return;
    enum val_kind kind = se->text;
    const char *const *values = se->text_values;
    if (attr) {
        const struct schema_attr *sa = schema_attr(se, attr);
        if (!sa)
            return;
        kind = sa->kind;
        values = sa->values;
    }
    if (kind == V_YESNO) {
        strv_push(out, "no");
        strv_push(out, "yes");
    }
    for (size_t i = 0; kind == V_ENUM && values && values[i]; i++)
        strv_push(out, values[i]);
}

/* the typical QEMU/KVM NIC models listed by the 0.7.1 format page; the
 * schema leaves <model type=> free because the hypervisor defines it */
static const char *const typical_nic_models[] = {
    "e1000", "i82551", "i82557b", "i82559er", "ne2k_isa", "ne2k_pci",
    "pcnet", "rtl8139", "virtio", NULL
};

/* disk backend driver names libvirt knows (qemu for QEMU; file, phy, tap,
 * tap2 for Xen); the schema keeps <driver name=> free text */
static const char *const disk_drivers[] = { "file", "phy", "qemu", "tap", "tap2", NULL };

static const struct {
    const char *path, *attr;
    const char *const *fallback;    /* when the schema has no enum */
} schema_keys[CS_LAST] = {
    [CS_DOMAIN_TYPE] = { "domain", "type", NULL },
    [CS_DISK_TYPE] = { "domain/devices/disk", "type", NULL },
    [CS_DISK_DEVICE] = { "domain/devices/disk", "device", NULL },
    [CS_DISK_BUS] = { "domain/devices/disk/target", "bus", NULL },
    [CS_DISK_DRIVER] = { "domain/devices/disk/driver", "name", disk_drivers },
    [CS_IFACE_TYPE] = { "domain/devices/interface", "type", NULL },
    [CS_IFACE_MODEL] = { "domain/devices/interface/model", "type", typical_nic_models },
    [CS_GRAPHICS_TYPE] = { "domain/devices/graphics", "type", NULL },
    [CS_INPUT_TYPE] = { "domain/devices/input", "type", NULL },
    [CS_INPUT_BUS] = { "domain/devices/input", "bus", NULL },
    [CS_CHR_TYPE] = { "domain/devices/serial", "type", NULL },
    [CS_HOSTDEV_TYPE] = { "domain/devices/hostdev", "type", NULL },
    [CS_SOUND_MODEL] = { "domain/devices/sound", "model", NULL },
    [CS_LIFECYCLE_ACTION] = { "domain/on_poweroff", NULL, NULL },
    [CS_OS_TYPE] = { "domain/os/type", NULL, NULL },
};

void comp_schema(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                 struct strv *out)
{
    if (flags >= CS_LAST)
        return;
    size_t before = out->n;
    comp_schema_values(schema_keys[flags].path, schema_keys[flags].attr, out);
    const char *const *fb = schema_keys[flags].fallback;
    for (size_t i = 0; out->n == before && fb && fb[i]; i++)
        strv_push(out, fb[i]);
}

/* the persistent XML of the domain the partial command names */
static struct dnode *comp_target_dom(struct shell *sh, const struct cmd_args *partial)
{
    const struct cmd_def *c = partial ? partial->cmd : NULL;
    if (!c || c->target_opt < 0 || !partial->val || !partial->val[c->target_opt])
        return NULL;
    struct store *st = comp_store(sh);
    if (!st)
        return NULL;
    struct err *e = NULL;
    AUTOFREE char *name = domains_lookup(st, partial->val[c->target_opt], &e);
    struct dnode *dom = name ? store_load(st, name, &e) : NULL;
    err_free(e);
    return dom;
}

/* push attribute ATTR of child SUB of every <devices>/KIND */
static void push_device_attr(struct shell *sh, const struct cmd_args *partial,
                             const char *kind, const char *sub, const char *attr,
                             struct strv *out)
{
    struct dnode *dom = comp_target_dom(sh, partial);
    struct dnode *devs = dom ? dnode_child(dom, "devices") : NULL;
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        struct dnode *k = devs->kids[i];
        if (strcmp(k->name, kind) != 0)
            continue;
        const char *v = dnode_attr(dnode_child(k, sub), attr);
        if (v && *v)
            strv_push(out, v);
    }
    dnode_free(dom);
}

void comp_disk_targets(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                       struct strv *out)
{
    push_device_attr(sh, partial, "disk", "target", "dev", out);
}

void comp_iface_macs(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                     struct strv *out)
{
    push_device_attr(sh, partial, "interface", "mac", "address", out);
}
