/* schema.h: the one table of the domain XML format (libvirt 0.7.1's
 * formatdomain page, plus the libvirt boilerplate we keep verbatim).
 * Parser, validator, formatter, completion, device-set keys and the man
 * page all read it; nothing else lists element or attribute names. */
#ifndef DOMSH_SCHEMA_H
#define DOMSH_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

enum val_kind {
    V_NONE = 0,     /* no text content allowed (empty element / container) */
    V_STRING,       /* any text */
    V_ENUM,         /* one of values[] */
    V_UINT,         /* decimal unsigned integer (64 bit) */
    V_INT,          /* decimal signed integer (e.g. vnc port -1) */
    V_HEX,          /* integer in C notation: 0x1f, 017, 31 (usb/pci ids) */
    V_YESNO,        /* yes|no */
    V_UUID,         /* 36-char or 32-hex uuid */
    V_MAC,          /* xx:xx:xx:xx:xx:xx */
    V_PATH,         /* a host file path (completion offers files) */
    V_NAME,         /* a domain name */
    V_LAST
};

struct schema_attr {
    const char *name;
    enum val_kind kind;
    const char *const *values;  /* V_ENUM: NULL-terminated list */
    const char *doc;            /* one line, for completion and the man page */
};

#define SE_MULTI   0x01u   /* may occur more than once under its parent */
#define SE_OPAQUE  0x02u   /* libvirt boilerplate: any attrs/children, kept verbatim */
#define SE_DEVICE  0x04u   /* a device kind directly under <devices> */
#define SE_REQUIRED 0x08u  /* must be present under its parent */

struct schema_elem {
    const char *name;
    const char *path;                   /* "domain/devices/disk" */
    unsigned flags;                     /* SE_* */
    enum val_kind text;                 /* kind of text content */
    const char *const *text_values;     /* V_ENUM text: NULL-terminated */
    const struct schema_attr *attrs;    /* terminated by {NULL} */
    const char *const *children;        /* child names in canonical output order, NULL-terminated */
    const char *doc;
};

const struct schema_elem *schema_root(void);                 /* "domain" */
const struct schema_elem *schema_find(const char *path);     /* by full path */
const struct schema_elem *schema_child(const struct schema_elem *se, const char *name);
const struct schema_attr *schema_attr(const struct schema_elem *se, const char *name);
size_t schema_count(void);
const struct schema_elem *schema_at(size_t i);               /* every entry, table order */
/* names of the device kinds (<devices> children flagged SE_DEVICE), in order */
const char *const *schema_device_kinds(void);
/* true when v is acceptable for kind/values; sets *why to a static reason otherwise */
bool schema_value_ok(enum val_kind kind, const char *const *values, const char *v,
                     const char **why);
const char *schema_kind_name(enum val_kind kind);
/* a number of kind v (valid) as it is stored: decimal without blanks, '+'
 * or leading zeros (V_HEX keeps its base); NULL when v is stored as it is */
char *schema_value_canon(enum val_kind kind, const char *v);            /* "unsigned integer", ... */

#endif
