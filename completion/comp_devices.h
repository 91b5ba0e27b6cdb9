/* comp_devices.h: completers of the device and config-history commands.
 * Options name their helpers in complete_flags where a completer must
 * read another option (the index of the SELECTOR or TYPE option). */
#ifndef DOMSH_COMP_DEVICES_H
#define DOMSH_COMP_DEVICES_H

#include "../shell/cmd.h"

/* selectors of the target domain's devices: disk/vda, interface/0 ... */
void comp_selectors(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                    struct strv *out);
/* device kinds of the schema (disk, interface, ...) */
void comp_dev_kinds(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                    struct strv *out);
/* KEY=VALUE words: keys of the device kind (flags = index of the option
 * holding a selector or a kind) not yet on the line, as "KEY="; after '='
 * the values: schema enums, yes/no, files for paths, the next free target
 * for target.dev, a fresh MAC for mac.address, and the current value */
void comp_dev_assign(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                     struct strv *out);
/* next free disk targets of the target domain (vdb, sdb, hdb, fdb) */
void comp_next_target(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                      struct strv *out);
/* a fresh MAC address */
void comp_new_mac(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out);
/* disk targets and source paths (detach-disk, change-media) */
void comp_disk_names(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                     struct strv *out);
/* kept config versions of the target domain */
void comp_history_seqs(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                       struct strv *out);

#endif
