/* qemu_argv_priv.h: shared by the qemu_argv_*.c builders (not a public
 * interface).  One `struct qb` carries the domain, the launch paths, the
 * argv being built and what later parts need to know (USB controller,
 * boot indices, how many SCSI controllers exist). */
#ifndef DOMSH_QEMU_ARGV_PRIV_H
#define DOMSH_QEMU_ARGV_PRIV_H

#include "../base/buf.h"
#include "qemu_argv.h"

#define QB_MAX_BOOT 8

struct qb {
    const struct dnode *dom;
    const struct qemu_launch *l;
    struct strv *argv;
    struct err **e;
    const char *machine;        /* -machine type: pc, q35, pc-i440fx-7.2, ... */
    bool q35;                   /* AHCI instead of PIIX IDE, no implicit FDC */
    /* the disks in libvirt's order (qemu_disk_order) */
    const struct dnode **disk;
    size_t ndisk;
    /* <os><boot dev=...> resolved to the first matching device */
    const struct dnode *boot_dev[QB_MAX_BOOT];
    size_t nboot;
};

/* push one argument / a formatted one / "-opt" + formatted value */
void qb_arg(struct qb *q, const char *s);
void qb_argf(struct qb *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void qb_opt_take(struct qb *q, const char *opt, char *value);

/* keyval building: ",key=value" with the value escaped (',' -> ',,') */
void kv(struct buf *b, const char *key, const char *value);
void kvf(struct buf *b, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* bootindex for a device node (from <os><boot dev> or the device's own
 * <boot order>), 0 when it has none */
unsigned qb_bootindex(const struct qb *q, const struct dnode *dev);

/* the "devices/KIND" children of the domain, in document order */
const struct dnode *qb_dev(const struct qb *q, const char *kind, size_t i);

/* does the domain use the USB bus (usb disks, inputs, hostdevs, sound)? */
bool qb_needs_usb(const struct dnode *dom);

/* parts, in command-line order; each returns 0 or -1 with *q->e set */
int qb_disks(struct qb *q);
int qb_nets(struct qb *q);
int qb_chardevs(struct qb *q);
int qb_inputs(struct qb *q);
int qb_graphics(struct qb *q);
int qb_sounds(struct qb *q);
int qb_hostdevs(struct qb *q);

/* argv[0]: <emulator>, else qemu-system-x86_64 (qemu-system-i386 for i686) */
const char *qemu_emulator(const struct dnode *dom);

/* refuse a unix socket path longer than sun_path allows */
int qemu_check_sock_path(const char *path, struct err **e);

/* the disks of DOM in libvirt's order (virDomainDiskInsert): sorted by
 * target index within each bus, buses in order of first appearance;
 * returns a new array of *n nodes (caller frees the array) */
const struct dnode **qemu_disk_order(const struct dnode *dom, size_t *n);

/* disk helpers shared with the host check */
const char *qemu_disk_bus(const struct dnode *disk);      /* explicit or from the dev name */
const char *qemu_disk_device(const struct dnode *disk);   /* disk|cdrom|floppy */
/* "hdc" -> 2, "sdaa" -> 26; -1 when the name has no such prefix */
int qemu_disk_index(const char *dev);
/* the network's bridge for type='network' (only 'default' = virbr0), or NULL */
const char *qemu_network_bridge(const char *network);
/* the sound model's audio device: "ES1370", "intel-hda", NULL if unknown */
const char *qemu_sound_device(const char *model);
/* the NIC model's QEMU device name (virtio -> virtio-net-pci); NULL if unknown */
const char *qemu_nic_device(const char *model);

#endif
