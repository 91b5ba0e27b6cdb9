/* qemu_argv_disk.c: <disk> -> a -blockdev pair (protocol node + format
 * node, keyval syntax so paths are escaped with ',,') and a -device on
 * the disk's bus, with libvirt's aliases (ide0-1-0, scsi0-0-2-0,
 * virtio-disk0, usb-disk0, fdc0-0-0).  An empty cdrom or floppy gets the
 * device without a drive (empty tray). */
#include "qemu_argv_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define SCSI_TARGETS 7   /* lsi53c895a: ids 0-6 (7 is the controller) */

static const char *const disk_prefixes[][2] = {
    {"xvd", "xen"}, {"hd", "ide"}, {"sd", "scsi"}, {"vd", "virtio"},
    {"fd", "fdc"}, {"ub", "usb"},
};

static size_t prefix_len(const char *dev, const char **bus)
{
    for (size_t i = 0; dev && i < sizeof(disk_prefixes) / sizeof(disk_prefixes[0]); i++) {
        size_t n = strlen(disk_prefixes[i][0]);
        if (strncmp(dev, disk_prefixes[i][0], n) == 0) {
            if (bus)
                *bus = disk_prefixes[i][1];
            return n;
        }
    }
    return 0;
}

int qemu_disk_index(const char *dev)
{
    size_t n = prefix_len(dev, NULL);
    if (n == 0 || !dev[n])
        return -1;
    long idx = 0;
    for (const char *p = dev + n; *p; p++) {
        if (!islower((unsigned char)*p) || idx > 100000)
            return -1;
        idx = idx * 26 + (*p - 'a' + 1);      /* a=1 .. z=26, aa=27: like virDiskNameToIndex */
    }
    return (int)idx - 1;
}

const char *qemu_disk_device(const struct dnode *disk)
{
    const char *d = dnode_attr(disk, "device");
    return d ? d : "disk";
}

const char *qemu_disk_bus(const struct dnode *disk)
{
    const struct dnode *t = dnode_child(disk, "target");
    const char *bus = dnode_attr(t, "bus");
    if (bus)
        return bus;
    if (strcmp(qemu_disk_device(disk), "floppy") == 0)
        return "fdc";
    bus = "ide";
    prefix_len(dnode_attr(t, "dev"), &bus);
    return bus;
}

/* driver type -> QEMU format driver; xen's tap "aio" and "iso" are raw */
static const char *format_driver(const char *t)
{
    static const char *const same[] = {
        "raw", "qcow2", "qcow", "vmdk", "vpc", "vdi", "bochs", "cloop", "dmg",
        "parallels", "qed", "vhdx", NULL,
    };
    if (!t || strcmp(t, "aio") == 0 || strcmp(t, "iso") == 0)
        return "raw";
    for (size_t i = 0; same[i]; i++)
        if (strcmp(t, same[i]) == 0)
            return same[i];
    return NULL;
}

struct disk_ctx {
    const struct dnode *d;
    const char *dev, *bus, *device;
    int idx;
    bool ro;
    char alias[32];
};

static int disk_err(struct qb *q, const struct disk_ctx *c, const char *what)
{
    return err_set(q->e, ERR_UNSUPPORTED, "disk '%s': %s", c->dev, what);
}

static int blockdev_pair(struct qb *q, const struct disk_ctx *c, const char *src)
{
    const struct dnode *drv = dnode_child(c->d, "driver");
    const char *fmt = format_driver(dnode_attr(drv, "type"));
    if (!fmt)
        return err_set(q->e, ERR_UNSUPPORTED, "disk '%s': format '%s' is not supported",
                       c->dev, dnode_attr(drv, "type"));
    const char *type = dnode_attr(c->d, "type");
    bool block = type && strcmp(type, "block") == 0;
    struct buf b = {0};
    kv(&b, "driver", !block ? "file" : strcmp(c->device, "cdrom") == 0 ? "host_cdrom" : "host_device");
    kv(&b, "filename", src);
    kvf(&b, "node-name", "drive-%s-storage", c->alias);
    buf_add(&b, ",auto-read-only=on,discard=unmap");
    qb_opt_take(q, "-blockdev", buf_steal(&b));
    kvf(&b, "node-name", "drive-%s-format", c->alias);
    buf_printf(&b, ",read-only=%s", c->ro ? "on" : "off");
    kv(&b, "driver", fmt);
    kvf(&b, "file", "drive-%s-storage", c->alias);
    qb_opt_take(q, "-blockdev", buf_steal(&b));
    return 0;
}

/* the device driver and its bus address; fills c->alias */
static int disk_frontend(struct qb *q, struct disk_ctx *c, struct buf *b)
{
    bool cd = strcmp(c->device, "cdrom") == 0;
    int i = c->idx;
    if (strcmp(c->bus, "ide") == 0) {
        int max = q->q35 ? 6 : 4;
        if (i >= max)
            return disk_err(q, c, q->q35 ? "the q35 AHCI bus has 6 ports (hda-hdf)"
                                         : "the IDE bus has 4 positions (hda-hdd)");
        if (c->ro && !cd)
            return disk_err(q, c, "an IDE hard disk cannot be read-only");
        int bus = q->q35 ? i : i / 2, unit = q->q35 ? 0 : i % 2;
        snprintf(c->alias, sizeof(c->alias), "ide0-%d-%d", bus, unit);
        buf_printf(b, "%s,bus=ide.%d,unit=%d", cd ? "ide-cd" : "ide-hd", bus, unit);
    } else if (strcmp(c->bus, "scsi") == 0) {
        snprintf(c->alias, sizeof(c->alias), "scsi%d-0-%d-0", i / SCSI_TARGETS, i % SCSI_TARGETS);
        buf_printf(b, "%s,bus=scsi%d.0,scsi-id=%d,lun=0", cd ? "scsi-cd" : "scsi-hd",
                   i / SCSI_TARGETS, i % SCSI_TARGETS);
    } else if (strcmp(c->bus, "virtio") == 0) {
        if (cd)
            return disk_err(q, c, "a cdrom cannot be on bus 'virtio'");
        snprintf(c->alias, sizeof(c->alias), "virtio-disk%d", i);
        buf_add(b, "virtio-blk-pci");
    } else if (strcmp(c->bus, "usb") == 0) {
        snprintf(c->alias, sizeof(c->alias), "usb-disk%d", i);
        buf_printf(b, "usb-storage,bus=usb.0,removable=%s", cd ? "on" : "off");
    } else if (strcmp(c->bus, "fdc") == 0) {
        if (i > 1)
            return disk_err(q, c, "the floppy controller has 2 drives (fda, fdb)");
        snprintf(c->alias, sizeof(c->alias), "fdc0-0-%d", i);
        buf_printf(b, "floppy,unit=%d", i);
    } else {
        return err_set(q->e, ERR_UNSUPPORTED,
                       "disk '%s': bus '%s' is not supported by the qemu backend", c->dev, c->bus);
    }
    return 0;
}

static int disk_check_kind(struct qb *q, const struct disk_ctx *c)
{
    bool fd = strcmp(c->device, "floppy") == 0, fdc = strcmp(c->bus, "fdc") == 0;
    if (fd != fdc)
        return disk_err(q, c, fd ? "a floppy must be on bus 'fdc'"
                                 : "bus 'fdc' can only hold a floppy");
    if (c->idx < 0)
        return disk_err(q, c, "target name does not give a position on its bus "
                              "(use hdX, sdX, vdX or fdX)");
    if (dnode_child(c->d, "encryption"))
        return disk_err(q, c, "encrypted volumes are not supported by the qemu backend");
    return 0;
}

static int disk_one(struct qb *q, const struct dnode *d)
{
    struct disk_ctx c = {.d = d, .device = qemu_disk_device(d), .bus = qemu_disk_bus(d)};
    c.dev = dnode_attr(dnode_child(d, "target"), "dev");
    c.dev = c.dev ? c.dev : "";
    c.idx = qemu_disk_index(c.dev);
    c.ro = strcmp(c.device, "cdrom") == 0 || dnode_child(d, "readonly") != NULL;
    const struct dnode *s = dnode_child(d, "source");
    const char *src = dnode_attr(s, "file") ? dnode_attr(s, "file") : dnode_attr(s, "dev");
    if (disk_check_kind(q, &c) < 0)
        return -1;
    if (!src && strcmp(c.device, "disk") == 0)
        return disk_err(q, &c, "a hard disk needs a <source>");
    struct buf b = {0};
    if (disk_frontend(q, &c, &b) < 0) {
        buf_free(&b);
        return -1;
    }
    if (src && blockdev_pair(q, &c, src) < 0) {
        buf_free(&b);
        return -1;
    }
    if (src)
        kvf(&b, "drive", "drive-%s-format", c.alias);
    kv(&b, "id", c.alias);
    unsigned boot = qb_bootindex(q, d);
    if (boot && strcmp(c.bus, "fdc") == 0 && !q->q35)     /* q35: on the isa-fdc */
        qb_opt_take(q, "-global", xasprintf("isa-fdc.bootindex%c=%u", 'A' + c.idx, boot));
    else if (boot && strcmp(c.bus, "fdc") != 0)
        buf_printf(&b, ",bootindex=%u", boot);
    if (dnode_child(d, "shareable"))
        buf_add(&b, ",share-rw=on");
    qb_opt_take(q, "-device", buf_steal(&b));
    return 0;
}

const struct dnode **qemu_disk_order(const struct dnode *dom, size_t *n)
{
    const struct dnode *devs = dnode_child(dom, "devices"), *d;
    const struct dnode **v = xcalloc(dnode_count(devs, "disk") + 1, sizeof(*v));
    *n = 0;
    for (size_t i = 0; (d = dnode_nth(devs, "disk", i)); i++) {
        const char *bus = qemu_disk_bus(d);
        int idx = qemu_disk_index(dnode_attr(dnode_child(d, "target"), "dev"));
        long ins = -1;                      /* libvirt's insertAt */
        for (size_t k = *n; k-- > 0;) {
            if (strcmp(qemu_disk_bus(v[k]), bus) != 0)
                continue;
            if (qemu_disk_index(dnode_attr(dnode_child(v[k], "target"), "dev")) > idx)
                ins = (long)k;
            else if (ins == -1)
                ins = (long)k + 1;
        }
        size_t at = ins < 0 ? *n : (size_t)ins;
        memmove(v + at + 1, v + at, (*n - at) * sizeof(*v));
        v[at] = d;
        (*n)++;
    }
    return v;
}

/* controllers the disks need: lsi per 7 SCSI targets; on q35 an isa-fdc
 * (carrying the floppies' boot indexes, as libvirt does) */
static void disk_controllers(struct qb *q)
{
    int scsi = 0;
    unsigned fd_boot[2] = {0, 0};
    bool floppy = false;
    for (size_t i = 0; i < q->ndisk; i++) {
        const struct dnode *d = q->disk[i];
        int idx = qemu_disk_index(dnode_attr(dnode_child(d, "target"), "dev"));
        if (strcmp(qemu_disk_bus(d), "scsi") == 0 && idx >= 0 && idx / SCSI_TARGETS + 1 > scsi)
            scsi = idx / SCSI_TARGETS + 1;
        if (strcmp(qemu_disk_bus(d), "fdc") == 0) {
            floppy = true;
            if (idx == 0 || idx == 1)
                fd_boot[idx] = qb_bootindex(q, d);
        }
    }
    for (int i = 0; i < scsi; i++)
        qb_opt_take(q, "-device", xasprintf("lsi,id=scsi%d", i));
    if (!floppy || !q->q35)
        return;
    struct buf b = {0};
    buf_add(&b, "isa-fdc,id=fdc0");
    for (int i = 0; i < 2; i++)
        if (fd_boot[i])
            buf_printf(&b, ",bootindex%c=%u", 'A' + i, fd_boot[i]);
    qb_opt_take(q, "-device", buf_steal(&b));
}

int qb_disks(struct qb *q)
{
    disk_controllers(q);
    for (size_t i = 0; i < q->ndisk; i++)
        if (disk_one(q, q->disk[i]) < 0)
            return -1;
    return 0;
}
