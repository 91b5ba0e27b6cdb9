/* live_devices.h: changing a running domain's devices and memory.
 * The live XML before and after an edit are compared; what differs
 * becomes QMP commands sent through the domain's supervisor (the only QMP
 * client): hot-plug and unplug of disks and interfaces, media changes,
 * the balloon.  Anything else cannot change on a running domain and is
 * refused before a single command is sent. */
#ifndef DOMSH_LIVE_DEVICES_H
#define DOMSH_LIVE_DEVICES_H

#include <stdbool.h>

#include "../base/err.h"
#include "../store/store.h"
#include "../xml/tree.h"

/* make the running domain NAME match AFTER (its live XML was BEFORE);
 * aliases of BEFORE's devices are carried over into AFTER */
int rt_live_sync(struct store *st, const char *name, struct dnode *before, struct dnode *after,
                 struct err **e);

/* the qdev id qemu_argv gives DISK (virtio-disk1, ide0-1-0, ...; see
 * qemu_argv_disk.c), NULL for a bus it does not place; q35: the machine
 * is a q35 (AHCI ports instead of IDE bus/unit) */
char *rt_disk_alias(bool q35, const struct dnode *disk);

#endif
