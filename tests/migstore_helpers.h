/* migstore_helpers.h: what the suites of `migrate --copy-storage-all`
 * share (test_migrate_storage.c to another root, test_migrate_ssh_storage.c
 * to another host): "vm" on a qcow2 and a raw image holding 0x11, and
 * looks at the images. */
#ifndef DOMSH_MIGSTORE_HELPERS_H
#define DOMSH_MIGSTORE_HELPERS_H

#include <stdbool.h>
#include <sys/types.h>

#include "rt_helpers.h"

/* the domain XML of vm with its disks (q.qcow2 vda, r.raw vdb) in root */
char *migstore_vm_xml(const char *root);
/* `qemu-io` finds pattern pat over the first 4 KiB of root/file */
bool migstore_holds(const char *root, const char *file, const char *pat);
bool migstore_exists_in(const char *root, const char *file);
/* vm running in t (counter 1) on images of t's root holding 0x11; the
 * destination's XML (its images in dst_root) written to dst_root/vm.xml */
void migstore_vm_running(struct rt *t, const char *dst_root);
/* after a failed migration of vm (counter 1): it runs alone in t (its
 * counter goes on), d has neither the domain nor the images made for it */
void migstore_source_alone(struct rt *t, struct rt *d);
/* the migration line then works (the copy paced at 5 ms a step): vm runs
 * in d, its counter at 3 */
void migstore_migrates_again(struct rt *t, struct rt *d, const char *line);
/* a copy started by start (the shell's pid, its stderr in errf) and hit
 * by Ctrl-C fails with "operation canceled" (failed checks that and what
 * is left) before the memory moved (t's log of vm has no migration-out);
 * the migration line then works */
void migstore_ctrl_c_then_again(struct rt *t, struct rt *d, pid_t (*start)(const char *errf),
                                void (*failed)(pid_t, const char *, const char *),
                                const char *line);

#endif
