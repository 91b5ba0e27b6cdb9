/* completers.h: reusable value completers for opt_def.complete.
 * A completer pushes EVERY candidate for the option under the cursor; the
 * engine (complete.c) keeps the prefix matches, sorts, and quotes them with
 * lex_quote().  A completer prints nothing and never fails: on any error it
 * simply offers nothing (never local files as a fallback).
 *
 * Use in a command's option table, e.g.
 *   [START_OPT_DOMAIN] = { "domain", OPT_STRING, OPT_REQUIRED, "domain",
 *       "domain name, id or uuid", .complete = comp_domains,
 *       .complete_flags = ST_SHUTOFF },
 *   [DEFINE_OPT_FILE] = { ..., .complete = comp_files },
 *   [X_OPT_BUS] = { ..., .complete = comp_schema, .complete_flags = CS_DISK_BUS },
 *   [X_OPT_MODE] = { ..., .choices = modes, .complete = comp_choices }, */
#ifndef DOMSH_COMPLETERS_H
#define DOMSH_COMPLETERS_H

#include "../shell/cmd.h"

/* the raw (unquoted) text of the word being completed, "" when none */
const char *comp_word(const struct cmd_args *partial);

/* domain names.  flags: ST_* states to offer (ST_SHUTOFF for start,
 * ST_RUNNING for destroy/console/shutdown/suspend, ST_PAUSED for resume, ...),
 * optionally | ST_PERSISTENT to offer only persistent (defined) domains.
 * flags 0 or ST_ANY: every domain, persistent or transient. */
void comp_domains(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out);

#define COMP_FILES_DIRS 0x01u   /* flags for comp_files: directories only */
/* files and directories matching the word's directory part (dirs get a
 * trailing '/' so completion can go on); only for options that take a path */
void comp_files(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                struct strv *out);

/* the option's own opt_def.choices (the values the parser accepts) */
void comp_choices(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                  struct strv *out);

/* connection URIs: qemu:///system, qemu:///session, test:///default */
void comp_uris(struct shell *sh, const struct cmd_args *partial, unsigned flags,
               struct strv *out);

/* command names and aliases (hidden commands excluded); for help: also
 * the group names (flags COMP_CMD_GROUPS) */
#define COMP_CMD_GROUPS 0x01u
void comp_commands(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                   struct strv *out);

/* enum values of the domain XML schema (core/xml/schema.h).  flags selects the
 * element/attribute (CS_*); a yes/no attribute offers yes and no. */
enum comp_schema_key {
    CS_DOMAIN_TYPE,        /* <domain type=> kvm, qemu, ... */
    CS_DISK_TYPE,          /* <disk type=> file, block */
    CS_DISK_DEVICE,        /* <disk device=> disk, cdrom, floppy */
    CS_DISK_BUS,           /* <disk><target bus=> ide, scsi, virtio, ... */
    CS_DISK_DRIVER,        /* <disk><driver name=> (free text: the known names) */
    CS_IFACE_TYPE,         /* <interface type=> network, bridge, user, ... */
    CS_IFACE_MODEL,        /* <interface><model type=> (schema enum, else the
                            * typical QEMU models the format page lists) */
    CS_GRAPHICS_TYPE,      /* <graphics type=> vnc, sdl */
    CS_INPUT_TYPE,         /* <input type=> mouse, tablet */
    CS_INPUT_BUS,          /* <input bus=> ps2, usb, xen */
    CS_CHR_TYPE,           /* <serial type=> pty, file, tcp, ... */
    CS_HOSTDEV_TYPE,       /* <hostdev type=> usb, pci */
    CS_SOUND_MODEL,        /* <sound model=> */
    CS_LIFECYCLE_ACTION,   /* <on_poweroff> destroy, restart, ... */
    CS_OS_TYPE,            /* <os><type> hvm, linux */
    CS_LAST
};
void comp_schema(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                 struct strv *out);
/* push the enum values of PATH's attribute ATTR (NULL: its text) */
void comp_schema_values(const char *path, const char *attr, struct strv *out);

/* device names of the domain named by the command's target option (or
 * its first positional option): disk targets (vda, hdc) and interface
 * MAC addresses, from the persistent XML */
void comp_disk_targets(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                       struct strv *out);
void comp_iface_macs(struct shell *sh, const struct cmd_args *partial, unsigned flags,
                     struct strv *out);

#endif
