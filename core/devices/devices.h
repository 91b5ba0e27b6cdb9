/* devices.h: device editing on the domain tree (tree.h), driven by the
 * schema table (schema.h).
 *   selectors   disk/vda, graphics/vnc, interface/0 ... (devices.c)
 *   KEY=VALUE   source.file=/x, target.bus=virtio, readonly=yes: paths
 *               through the schema from a device element (devkeys.c)
 *   builders    <disk>/<interface> for attach-disk/attach-interface,
 *               next free target, fragment matching for detach (devbuild.c)
 *   changes     virsh's --config/--live scope, fragments checked like
 *               define, devices built once and inserted (devedit.c) */
#ifndef DOMSH_DEVICES_H
#define DOMSH_DEVICES_H

#include <stdbool.h>

#include "../base/err.h"
#include "../base/mem.h"
#include "../xml/schema.h"
#include "../store/store.h"
#include "../xml/tree.h"

/* ---- selectors (devices.c) ---- */

/* <devices> of dom, or NULL */
struct dnode *dev_container(const struct dnode *dom);
/* true when n is a device kind directly under <devices> (SE_DEVICE) */
bool dev_kind_known(const char *kind);
bool dev_is_device(const struct dnode *n);
/* "disk/vda", "graphics/vnc", "interface/0"; caller frees */
char *dev_selector(const struct dnode *dev);
/* selectors of every device (of KIND when not NULL) in document order;
 * an unknown KIND is ERR_ARGS */
int dev_list(const struct dnode *dom, const char *kind, struct strv *out, struct err **e);
/* the device named by SEL: KIND/TARGET (disk), KIND/TYPE (graphics),
 * KIND/MAC (interface), KIND/N (any); ERR_NOT_FOUND names the selector */
struct dnode *dev_find(const struct dnode *dom, const char *sel, struct err **e);
/* the disk whose target dev or source path is NAME; ERR_NOT_FOUND with
 * virsh's "no disk found whose source path or target is NAME" */
struct dnode *dev_find_disk(const struct dnode *dom, const char *name, struct err **e);
/* insert DEV under <devices> after the last device of its kind (or by the
 * schema's child order when there is none); returns dev */
struct dnode *dev_insert(struct dnode *dom, struct dnode *dev);
/* insert KID under PARENT at its place in the schema's child order */
struct dnode *dnode_insert_ordered(struct dnode *parent, const struct schema_elem *pse,
                                   struct dnode *kid);

/* ---- KEY=VALUE by schema path (devkeys.c) ---- */

enum dev_key_what { DKEY_ATTR, DKEY_TEXT, DKEY_FLAG };

struct dev_key {
    enum dev_key_what what;
    enum val_kind kind;              /* DKEY_FLAG: V_YESNO */
    const char *const *values;       /* V_ENUM */
    const char *doc;
};

/* every key of device KIND, in schema order ("type", "source.file", ...) */
int dev_keys(const char *kind, struct strv *out, struct err **e);
/* describe KEY of KIND; ERR_ARGS "unknown key 'K' for device 'KIND'" */
int dev_key_info(const char *kind, const char *key, struct dev_key *out, struct err **e);
/* the current value of KEY on DEV, or NULL when unset (flags: "yes"/NULL) */
const char *dev_get(const struct dnode *dev, const char *key);
/* set KEY=VALUE on DEV (VALUE "" removes it and prunes empty elements);
 * the value is checked against the schema kind */
int dev_set(struct dnode *dev, const char *key, const char *value, struct err **e);
/* "KEY=VALUE" form of dev_set */
int dev_assign(struct dnode *dev, const char *assignment, struct err **e);
/* the key part of "KEY=VALUE" (caller frees), NULL when there is no '=' */
char *dev_assign_key(const char *assignment);

/* ---- builders and matching (devbuild.c) ---- */

/* "vda" for ("vd", 0), "vdaa" for ("vd", 26) ... ; caller frees */
char *dev_target_name(const char *prefix, unsigned idx);
/* first unused disk target with PREFIX (vd, sd, hd, fd, xvd) in DOM */
char *dev_next_target(const struct dnode *dom, const char *prefix);
/* the prefix of a bus for next-target ("virtio" -> "vd"), NULL if unknown */
const char *dev_bus_prefix(const char *bus);

struct disk_opts {
    const char *source, *target, *bus, *driver, *subdriver;
    const char *device;      /* disk|cdrom|floppy (NULL: disk) */
    const char *mode;        /* readonly|shareable|NULL */
    const char *sourcetype;  /* file|block|NULL: stat() decides */
};
/* a <disk> element for attach-disk (not yet validated) */
struct dnode *dev_build_disk(const struct disk_opts *o, struct err **e);

struct iface_opts {
    const char *type, *source, *target, *mac, *script, *model;
};
/* an <interface> for attach-interface: network, bridge, user, ethernet,
 * mcast, server, client (SOURCE "ADDR:PORT" for the last three) */
struct dnode *dev_build_iface(const struct iface_opts *o, struct err **e);

/* devices of DOM that FRAG (a raw parsed fragment) describes: a device
 * matches when every attribute and child given in FRAG is present with
 * the same value (disks by target, interfaces by MAC first) */
int dev_match(const struct dnode *dom, const struct dnode *frag,
              struct dnode ***found, size_t *nfound);
/* the one device to replace for update-device: same kind and identity
 * (disk target, interface MAC, graphics type, else the only one) */
struct dnode *dev_match_update(const struct dnode *dom, const struct dnode *dev,
                               struct err **e);

/* ---- changes: scope and transactions (devedit.c) ---- */

#define SCOPE_CONFIG 0x1u
#define SCOPE_LIVE   0x2u

/* how a command treats "no scope flag" */
enum scope_default {
    SCOPE_DEFAULT_LIVE,      /* attach/detach/setmem: live only, like virDomainAttachDevice */
    SCOPE_DEFAULT_CURRENT,   /* live if running, else config */
    SCOPE_DEFAULT_CONFIG,    /* device-set/add/rm: the config, like virt-xml */
};

struct scope_flags {
    bool config, live, current, persistent;
};

/* virsh's rules: --current excludes --live/--config, --persistent excludes
 * --current and adds live on an active domain; nothing given = DEF.  A
 * live scope on an inactive domain is ERR_STATE. */
int dev_scope(const struct scope_flags *f, enum scope_default def, bool active,
              const char *name, unsigned *out, struct err **e);

/* reload a device fragment from text in the context of DOM (schema check,
 * defaults): used by builders so attach-disk/interface obey define's rules */
struct dnode *dev_reparse(const struct dnode *dev, const struct dnode *dom, struct err **e);

/* a device to add: built once (in the context of the first domain it is
 * added to, so defaults such as a drawn MAC are the same in the config
 * and the live copy), then inserted as a copy */
struct dev_new {
    struct dnode *(*build)(const void *opts, struct err **e);   /* unchecked element */
    const void *opts;
    struct dnode *built;
    char *selector;          /* of the last inserted copy */
};
/* a change's edit (change.h): insert the device */
int dev_new_edit(struct dnode *dom, void *ctx, struct err **e);
/* the checked element as XML (--print-xml: nothing changed); caller frees */
char *dev_new_format(struct dev_new *n, struct err **e);
void dev_new_free(struct dev_new *n);

/* a device fragment file for attach/detach/update-device: read (capped
 * at DOM_MAX_XML), parsed as written and checked to be a device element
 * (dom_parse_fragment: one message for all three); *text (may be NULL)
 * gets the file's text for a later define-like parse */
struct dnode *dev_fragment_load(const char *path, char **text, struct err **e);

#endif
