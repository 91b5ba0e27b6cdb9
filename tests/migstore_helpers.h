/* migstore_helpers.h: what the suites of `migrate --copy-storage-all`
 * share (test_migrate_storage.c to another root, test_migrate_ssh_storage.c
 * to another host): "vm" on a qcow2 and a raw image holding 0x11, and
 * looks at the images. */
#ifndef DOMSH_MIGSTORE_HELPERS_H
#define DOMSH_MIGSTORE_HELPERS_H

#include <stdbool.h>

#include "rt_helpers.h"

/* the domain XML of vm with its disks (q.qcow2 vda, r.raw vdb) in root */
char *migstore_vm_xml(const char *root);
/* `qemu-io` finds pattern pat over the first 4 KiB of root/file */
bool migstore_holds(const char *root, const char *file, const char *pat);
bool migstore_exists_in(const char *root, const char *file);
/* vm running in t (counter 1) on images of t's root holding 0x11; the
 * destination's XML (its images in dst_root) written to dst_root/vm.xml */
void migstore_vm_running(struct rt *t, const char *dst_root);

#endif
