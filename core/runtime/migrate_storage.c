/* migrate_storage.c: what --copy-storage-all copies and where to
 * (migrate_storage.h): the destination's XML, the disks, their images. */
#include "migrate_storage.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/mem.h"
#include "../base/qmp.h"
#include "../xml/domain.h"
#include "snapshot_disk.h"

/* a copy of dom with every disk's source file blanked: what must match */
static char *abi_text(const struct dnode *dom)
{
    struct dnode *c = dnode_clone(dom);
    struct dnode *devs = dnode_child(c, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        struct dnode *src = dnode_child(dnode_nth(devs, "disk", i), "source");
        if (src && dnode_attr(src, "file"))
            dnode_set_attr(src, "file", "");
    }
    char *text = dom_format(c, DOM_FMT_INACTIVE);
    dnode_free(c);
    return text;
}

/* the first line where a and b differ (1-based), its text in b */
static int first_difference(const char *a, const char *b, char *line, size_t n)
{
    size_t i = 0, start = 0;
    int no = 1;
    for (; a[i] && a[i] == b[i]; i++)
        if (a[i] == '\n')
            no++, start = i + 1;
    const char *l = b + start;
    l += strspn(l, " ");
    snprintf(line, n, "%.*s", (int)strcspn(l, "\n"), l);
    return no;
}

struct dnode *mig_dest_domain(const struct dnode *src, const char *xml_path, struct err **e)
{
    if (!xml_path)
        return dnode_clone(src);
    struct dnode *dst = dom_load_file(xml_path, NULL, e);
    if (!dst)
        return NULL;
    if (strcmp(dom_name(dst), dom_name(src)) != 0 || strcmp(dom_uuid(dst), dom_uuid(src)) != 0) {
        err_set(e, ERR_INVALID, "%s: the destination XML is not domain '%s' (name and uuid "
                "must match)", xml_path, dom_name(src));
        dnode_free(dst);
        return NULL;
    }
    AUTOFREE char *a = abi_text(src);
    AUTOFREE char *b = abi_text(dst);
    if (strcmp(a, b) != 0) {
        char line[160];
        int no = first_difference(a, b, line, sizeof(line));
        err_set(e, ERR_INVALID, "%s: the destination XML may change only disk source paths "
                "(anything else would not match the running guest): line %d of its "
                "canonical form differs: %s", xml_path, no, line);
        dnode_free(dst);
        return NULL;
    }
    return dst;
}

/* the disk of dom with target dev t, or NULL */
static const struct dnode *disk_of(const struct dnode *dom, const char *t)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        const struct dnode *d = dnode_nth(devs, "disk", i);
        const char *dev = dnode_attr(dnode_child(d, "target"), "dev");
        if (dev && strcmp(dev, t) == 0)
            return d;
    }
    return NULL;
}

/* realpath of a file that may not exist yet: its directory's, + its name */
static char *canonical(const char *file)
{
    char dir[PATH_MAX];
    AUTOFREE char *copy = xstrdup(file);
    char *slash = strrchr(copy, '/');
    const char *base = slash ? slash + 1 : copy;
    if (slash)
        *slash = '\0';
    if (!realpath(slash ? (*copy ? copy : "/") : ".", dir))
        return xstrdup(file);
    return xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base);
}

static int virtual_size(const char *file, long long *size, struct err **e)
{
    char *argv[] = { "qemu-img", "info", "-U", "--output=json", (char *)file, NULL };
    AUTOFREE char *json = NULL;
    if (rt_qemu_img_out(argv, &json, e) < 0)
        return -1;
    if (!qjson_num(json, "virtual-size", size))
        return err_set(e, ERR_INVALID, "qemu-img info: '%s' has no virtual size", file);
    return 0;
}

/* the destination's image: an existing one is used as it is (libvirt's
 * rule) if its size matches md->size, a missing one is made like the
 * source's */
static int dest_image(struct mig_disk *md, struct err **e)
{
    long long have;
    if (access(md->dst_file, F_OK) == 0) {
        if (virtual_size(md->dst_file, &have, e) < 0)
            return -1;
        if (have != md->size)
            return err_set(e, ERR_INVALID, "disk '%s': the destination image '%s' has %lld "
                           "bytes, the source's %lld", md->target, md->dst_file, have, md->size);
        return 0;
    }
    char size[32];
    snprintf(size, sizeof(size), "%lld", md->size);
    char *argv[] = { "qemu-img", "create", "-q", "-f", md->fmt, md->dst_file, size, NULL };
    if (rt_qemu_img_out(argv, NULL, e) < 0)
        return -1;
    md->created = true;
    return 0;
}

/* the entry of disk d in *out: 1, or 0 when it is not copied (read-only
 * or not a file: shared, as without the option); src_file is NULL when
 * src_side is false */
static int disk_entry(struct mig_storage *ms, const struct dnode *d, const struct dnode *dst,
                      bool src_side, struct mig_disk **out, struct err **e)
{
    const char *target, *file;
    if (!snap_writable_disk(d, &target, &file))
        return 0;
    if (ms->n == MIG_DISKS_MAX)
        return err_set(e, ERR_UNSUPPORTED, "more than %d disks to copy", MIG_DISKS_MAX);
    const struct dnode *dd = disk_of(dst, target);
    const char *dfile = dd ? dnode_attr(dnode_child(dd, "source"), "file") : NULL;
    if (!dfile)
        return err_set(e, ERR_INVALID, "disk '%s' has no source file in the destination XML",
                       target);
    struct mig_disk *md = *out = &ms->d[ms->n++];
    snprintf(md->target, sizeof(md->target), "%s", target);
    snprintf(md->fmt, sizeof(md->fmt), "%s", snap_disk_format(d));
    md->src_file = src_side ? xstrdup(file) : NULL;
    md->dst_file = xstrdup(dfile);
    return 1;
}

/* every copied disk of dom through each (stops at the first error) */
static int each_disk(struct mig_storage *ms, const struct dnode *dom, const struct dnode *dst,
                     bool src_side, int (*each)(struct mig_disk *, void *, struct err **),
                     void *arg, struct err **e)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "disk"); i++) {
        struct mig_disk *md = NULL;
        int rc = disk_entry(ms, dnode_nth(devs, "disk", i), dst, src_side, &md, e);
        if (rc < 0 || (rc == 1 && each(md, arg, e) < 0))
            return -1;
    }
    if (ms->n == 0)
        return err_set(e, ERR_INVALID, "--copy-storage-all: the domain has no writable disk "
                       "image to copy");
    return 0;
}

static int plan_local(struct mig_disk *md, void *same_host, struct err **e)
{
    AUTOFREE char *a = canonical(md->src_file);
    AUTOFREE char *b = canonical(md->dst_file);
    if (*(bool *)same_host && strcmp(a, b) == 0)
        return err_set(e, ERR_INVALID, "disk '%s': the destination would open the source's "
                       "own image '%s' (give the destination other paths with --xml FILE)",
                       md->target, md->src_file);
    if (virtual_size(md->src_file, &md->size, e) < 0)
        return -1;
    return dest_image(md, e);
}

int mig_storage_plan(struct mig_storage *ms, const struct dnode *src, const struct dnode *dst,
                     bool same_host, struct err **e)
{
    return each_disk(ms, src, dst, true, plan_local, &same_host, e);
}

static int plan_sized(struct mig_disk *md, void *unused, struct err **e)
{
    (void)unused;
    return virtual_size(md->src_file, &md->size, e);
}

int mig_storage_plan_source(struct mig_storage *ms, const struct dnode *src,
                            const struct dnode *dst, struct err **e)
{
    return each_disk(ms, src, dst, true, plan_sized, NULL, e);
}

char *mig_storage_sizes(const struct mig_storage *ms)
{
    struct buf b = {0};
    for (size_t k = 0; k < ms->n; k++)
        buf_printf(&b, "%s%s=%lld", k ? "," : "", ms->d[k].target, ms->d[k].size);
    return buf_steal(&b);
}

/* the size of target in "vda=N,vdb=N", or -1 */
static long long size_in(const char *sizes, const char *target)
{
    size_t n = strlen(target);
    for (const char *p = sizes; p && *p; p = strchr(p, ','), p = p ? p + 1 : NULL) {
        char *end;
        long long v = strncmp(p, target, n) == 0 && p[n] == '=' ? strtoll(p + n + 1, &end, 10)
                                                                 : -1;
        if (v >= 0 && end != p + n + 1 && (*end == ',' || *end == '\0'))
            return v;
    }
    return -1;
}

static int plan_remote_dest(struct mig_disk *md, void *sizes, struct err **e)
{
    md->size = size_in(sizes, md->target);
    if (md->size < 0)
        return err_set(e, ERR_INVALID, "--copy-storage: no size for disk '%s' in '%s'",
                       md->target, (const char *)sizes);
    return dest_image(md, e);
}

int mig_storage_plan_dest(struct mig_storage *ms, const struct dnode *dst, const char *sizes,
                          struct err **e)
{
    int rc = each_disk(ms, dst, dst, false, plan_remote_dest, (void *)sizes, e);
    size_t listed = 1;
    for (const char *c = sizes; *c; c++)
        listed += *c == ',';
    if (rc == 0 && listed != ms->n)
        return err_set(e, ERR_INVALID, "--copy-storage: '%s' lists %zu disks, the domain has "
                       "%zu to copy", sizes, listed, ms->n);
    return rc;
}

void mig_storage_remove_created(struct mig_storage *ms)
{
    for (size_t i = 0; i < ms->n; i++)
        if (ms->d[i].created && unlink(ms->d[i].dst_file) == 0)
            ms->d[i].created = false;
}

void mig_storage_signals(struct mig_storage *ms)
{
    ms->sig = rt_signals_take(&ms->old);
    ms->signals_taken = true;
}

void mig_storage_free(struct mig_storage *ms)
{
    if (ms->signals_taken)
        rt_signals_give_back(ms->sig, &ms->old);
    ms->signals_taken = false;
    ms->sig = -1;
    for (size_t i = 0; i < ms->n; i++) {
        free(ms->d[i].src_file);
        free(ms->d[i].dst_file);
    }
    free(ms->nbd_sock);
    ms->n = 0;
}
