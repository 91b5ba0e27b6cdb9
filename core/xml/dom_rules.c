/* dom_rules.c: the value rules libvirt 9.0's parser applies beyond the
 * schema's kinds, as a table beside the schema (schema.c): character sets,
 * closed lists that are not enums of the 0.7.1 format, ranges that QEMU
 * would refuse at start, and the spellings libvirt rewrites on define.
 * Each rule names an element path and an attribute (NULL: the element's
 * text), optionally only when another attribute of the element has a value
 * (a companion); checks run on the document as given (before the defaults,
 * which rewrite some values: a console becomes a copy of serial 0) and
 * again in dom_validate, rewrites in dom_postparse.  Found with
 * scripts/probe-rules.py, which defines every schema value with awkward
 * values on `virsh -c test:///default` (libvirt 9.0) and on domsh; the
 * messages are libvirt's where libvirt refuses the value itself. */
#include "dom_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum rule_kind {
    RULE_CHARSET,     /* every byte in chars */
    RULE_ONE_OF,      /* one of values, compared as libvirt does (case-sensitive) */
    RULE_MAX,         /* a number (decimal, 0x hex, 0 octal) of at most max */
    RULE_UINT32,      /* [-]digits within 32 bits (libvirt's virStrToLong_ui) */
    RULE_INT_RANGE,   /* a RULE_UINT32 value, read as libvirt's int, within [min, max] */
    RULE_NONZERO,     /* a number (decimal, 0x hex, 0 octal) other than 0 */
    RULE_NOT_EMPTY,   /* not "" */
    RULE_NEEDS,       /* the attribute must be there (a required companion) */
    RULE_YES_ELSE_NO, /* rewrite: libvirt reads "yes" as yes and anything else as no */
    RULE_PORT_INT,    /* rewrite: a RULE_UINT32 value is stored as libvirt's int; -1 is "unset" */
    RULE_EMPTY_UNSET, /* rewrite: "" is no value at all (libvirt reads it as absent) */
    RULE_UUID_CANON,  /* rewrite: a uuid is stored lower case with its four dashes */
    RULE_CANON,       /* rewrite: a value equal to one of values but for case takes its spelling */
    RULE_ALIAS,       /* rewrite: values[2k] is stored as values[2k+1] */
};

struct value_rule {
    const char *path, *attr;  /* attr NULL: the element's text */
    enum rule_kind kind;
    const char *chars;
    const char *const *values;
    unsigned long long max;
    long long min_int, max_int;
    const char *when_attr, *when_value;   /* only when this attribute has this value */
    const char *msg;          /* printf format; %s is the value */
};

#define ARR(...) ((const char *const[]){__VA_ARGS__, NULL})

/* virArch (src/util/virarch.c), "none" excluded as libvirt excludes it */
static const char *const archs[] = {
    "i686", "x86_64", "aarch64", "alpha", "armv6l", "armv7l", "armv7b", "cris", "lm32", "m68k",
    "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc", "parisc",
    "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390",
    "s390x", "sh4", "sh4eb", "sparc", "sparc64", "unicore32", "xtensa", "xtensaeb", NULL};

/* virStorageFileFormat as a <driver type> (not "none"; "aio" is Xen's old
 * spelling of raw, rewritten below) */
static const char *const disk_formats[] = {
    "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow",
    "qcow", "qcow2", "qed", "vmdk", "aio", NULL};

#define CHR_PORT(dev)                                                                    \
    {"domain/devices/" dev "/target", "port", RULE_UINT32,                               \
     .msg = "XML error: Invalid port number: %s"},                                       \
    {"domain/devices/" dev "/target", "port", RULE_PORT_INT, .msg = NULL}

/* libvirt reads an empty value of these as no value (virXPathString) */
#define EMPTY_UNSET(path, attr) {path, attr, RULE_EMPTY_UNSET, .msg = NULL}
#define USB_ADDR_32(attr)                                                                \
    {"domain/devices/hostdev/source/address", attr, RULE_MAX, .max = 0xffffffffULL,     \
     .msg = "XML error: Invalid value for attribute '" attr "' in element 'address': "  \
            "'%s'. Expected non-negative integer value"}
#define USB_ID_NONZERO(el)                                                               \
    {"domain/devices/hostdev/source/" el, "id", RULE_NONZERO,                            \
     .msg = "XML error: Invalid value for attribute 'id' in element '" el "': Zero is not permitted"}

/* virDomainNetModel: libvirt compares these without case and stores its own
 * spelling ("scm91c111" is libvirt's); any other model is kept as typed */
static const char *const nic_models[] = {
    "netfront", "rtl8139", "virtio", "e1000", "e1000e", "virtio-transitional",
    "virtio-non-transitional", "usb-net", "spapr-vlan", "lan9118", "scm91c111", "vlance",
    "vmxnet", "vmxnet2", "vmxnet3", "Am79C970A", "Am79C973", "82545EM", "82543GC", NULL};

static const struct value_rule rules[] = {
    {"domain/os/type", "arch", RULE_ONE_OF, .values = archs,
     .msg = "unsupported configuration: Unknown architecture %s"},
    {"domain/devices/disk/driver", "type", RULE_ONE_OF, .values = disk_formats,
     .msg = "unsupported configuration: unknown driver format value '%s'"},
    {"domain/devices/disk/driver", "type", RULE_ALIAS, .values = ARR("aio", "raw")},
    /* libvirt's NET_MODEL_CHARS: the model becomes a QEMU device name */
    {"domain/devices/interface/model", "type", RULE_CHARSET,
     .chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
     .msg = "invalid argument: Model name contains invalid characters"},
    {"domain/devices/interface/model", "type", RULE_CANON, .values = nic_models, .msg = NULL},
    /* libvirt takes any number here; QEMU's usb-host refuses ids over 16 bits */
    {"domain/devices/hostdev/source/vendor", "id", RULE_MAX, .max = 0xffff,
     .msg = "USB vendor id '%s' is out of range (at most 0xffff)"},
    {"domain/devices/hostdev/source/product", "id", RULE_MAX, .max = 0xffff,
     .msg = "USB product id '%s' is out of range (at most 0xffff)"},
    {"domain/devices/disk/encryption", "format", RULE_NEEDS,
     .msg = "XML error: unknown volume encryption format"},
    {"domain/devices/disk/encryption/secret", "uuid", RULE_NEEDS,
     .msg = "XML error: missing secret uuid or usage attribute"},
    CHR_PORT("serial"), CHR_PORT("parallel"), CHR_PORT("console"),
    /* an ISA serial port is one of the four a PC has (-1: the next free one);
     * libvirt takes other negative numbers, and dies on 2147483648 (its int
     * -2147483648): refused */
    {"domain/devices/serial/target", "port", RULE_INT_RANGE, .min_int = -1, .max_int = 3,
     .when_attr = "type", .when_value = "isa-serial",
     .msg = "internal error: Maximum supported number of ISA serial ports is '4'"},
    USB_ID_NONZERO("vendor"),     /* a product id may be 0 */
    USB_ADDR_32("bus"), USB_ADDR_32("device"),
    {"domain/os/loader", NULL, RULE_NOT_EMPTY,
     .msg = "no loader path specified and firmware auto selection disabled"},
    {"domain/devices/disk/encryption/secret", "uuid", RULE_UUID_CANON, .msg = NULL},
    EMPTY_UNSET("domain/uuid", NULL), EMPTY_UNSET("domain/description", NULL),
    EMPTY_UNSET("domain/memory", "unit"), EMPTY_UNSET("domain/currentMemory", NULL),
    EMPTY_UNSET("domain/currentMemory", "unit"), EMPTY_UNSET("domain/bootloader", NULL),
    EMPTY_UNSET("domain/bootloader_args", NULL), EMPTY_UNSET("domain/os/type", "arch"),
    EMPTY_UNSET("domain/os/type", "machine"), EMPTY_UNSET("domain/os/kernel", NULL),
    EMPTY_UNSET("domain/os/initrd", NULL), EMPTY_UNSET("domain/os/cmdline", NULL),
    EMPTY_UNSET("domain/devices/emulator", NULL), EMPTY_UNSET("domain/devices/disk/source", "file"),
    EMPTY_UNSET("domain/devices/disk/source", "dev"),
    EMPTY_UNSET("domain/devices/interface/script", "path"),
    EMPTY_UNSET("domain/devices/interface/model", "type"),
    EMPTY_UNSET("domain/devices/graphics", "listen"),
    {"domain/devices/graphics", "autoport", RULE_YES_ELSE_NO, .msg = NULL},
    {"domain/devices/hostdev", "managed", RULE_YES_ELSE_NO, .msg = NULL},
};

#define NRULES (sizeof(rules) / sizeof(rules[0]))

static bool one_of(const char *const *values, const char *v)
{
    for (; *values; values++)
        if (strcmp(*values, v) == 0)
            return true;
    return false;
}

/* virStrToLong_ui: blanks, a sign ('-' wraps), decimal digits, 32 bits;
 * *as_int is the value as libvirt then keeps it in an int */
static bool uint32_ok(const char *v, long long *as_int)
{
    while (isspace((unsigned char)*v))
        v++;
    bool neg = *v == '-';
    const char *d = v + (*v == '-' || *v == '+');
    if (!*d || d[strspn(d, "0123456789")])
        return false;
    d += strspn(d, "0") - (d[strspn(d, "0")] == '\0');    /* leading zeros */
    unsigned long long n = strlen(d) <= 10 ? strtoull(d, NULL, 10) : ~0ULL;
    if (n > 4294967295ULL)
        return false;
    unsigned int u = neg ? (unsigned int)-n : (unsigned int)n;
    if (as_int)
        *as_int = u > 2147483647U ? (long long)u - 4294967296LL : (long long)u;
    return true;
}

/* the rule's value on n: an attribute, or the text (NULL when the rule
 * does not apply: another path, or its companion attribute differs) */
static const char *rule_value(const struct value_rule *r, const struct dnode *n)
{
    if (!n->se || strcmp(r->path, n->se->path) != 0)
        return NULL;
    if (r->when_attr) {
        const char *w = dnode_attr(n, r->when_attr);
        if (!w || strcmp(w, r->when_value) != 0)
            return NULL;
    }
    return r->attr ? dnode_attr(n, r->attr) : n->text ? n->text : "";
}

static bool rule_holds(const struct value_rule *r, const char *v)
{
    unsigned long long n;
    long long i;
    switch (r->kind) {
    case RULE_UINT32:
        return uint32_ok(v, NULL);
    case RULE_INT_RANGE:
        return !uint32_ok(v, &i) || (i >= r->min_int && i <= r->max_int);
    case RULE_NONZERO:
        return !dom_parse_ull(v, 0, &n) || n != 0;   /* malformed: the schema said so */
    case RULE_NOT_EMPTY:
        return *v != '\0';
    case RULE_CHARSET:
        return v[strspn(v, r->chars)] == '\0';
    case RULE_ONE_OF:
        return one_of(r->values, v);
    case RULE_MAX:
        return !dom_parse_ull(v, 0, &n) || n <= r->max;
    default:
        return true;
    }
}

/* an element left with nothing to say (no attribute, child or text) goes */
static bool drop_if_empty(struct dnode *n)
{
    if (n->nattrs || n->nkids || (n->text && *n->text) || !n->parent)
        return false;
    dnode_remove(n);
    return true;
}

static void set_value(const struct value_rule *r, struct dnode *n, const char *v)
{
    if (r->attr)
        dnode_set_attr(n, r->attr, v);
    else
        dnode_set_text(n, v);
}

/* libvirt's spelling of v; true when n itself was removed */
static bool rule_rewrite(const struct value_rule *r, struct dnode *n, const char *v)
{
    long long as_int;
    unsigned char raw[16];
    char out[40];
    if (r->kind == RULE_PORT_INT && uint32_ok(v, &as_int)) {
        snprintf(out, sizeof(out), "%lld", as_int);
        dnode_set_attr(n, r->attr, as_int == -1 ? NULL : out);
    }
    if (r->kind == RULE_UUID_CANON && uuid_parse(v, raw)) {
        uuid_format(raw, out);
        set_value(r, n, out);
    }
    if (r->kind == RULE_EMPTY_UNSET && !*v) {
        if (r->attr)
            dnode_set_attr(n, r->attr, NULL);
        else
            dnode_set_text(n, NULL);
        return drop_if_empty(n);
    }
    for (size_t i = 0; r->kind == RULE_CANON && r->values[i]; i++)
        if (strcasecmp(v, r->values[i]) == 0 && strcmp(v, r->values[i]) != 0) {
            dnode_set_attr(n, r->attr, r->values[i]);
            return false;
        }
    if (r->kind == RULE_YES_ELSE_NO && strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
        dnode_set_attr(n, r->attr, "no");
    for (size_t i = 0; r->kind == RULE_ALIAS && r->values[i]; i += 2)
        if (strcmp(v, r->values[i]) == 0) {
            dnode_set_attr(n, r->attr, r->values[i + 1]);
            return false;
        }
    return false;
}

bool dom_rules_empty_is_absent(const char *path, const char *attr)
{
    for (size_t i = 0; i < NRULES; i++)
        if (rules[i].kind == RULE_EMPTY_UNSET && strcmp(rules[i].path, path) == 0 &&
            (attr && rules[i].attr ? strcmp(attr, rules[i].attr) == 0 : attr == rules[i].attr))
            return true;
    return false;
}

int dom_rules_check(const struct dnode *n, struct dctx *c)
{
    for (size_t i = 0; n->se && i < NRULES; i++) {
        const struct value_rule *r = &rules[i];
        if (!r->msg)
            continue;
        const char *v = rule_value(r, n);
        if (v && !*v && dom_rules_empty_is_absent(r->path, r->attr))
            continue;    /* no value: the rewrite removes it */
        if (r->kind == RULE_NEEDS ? !v && strcmp(r->path, n->se->path) == 0 : v && !rule_holds(r, v))
            return dom_fail(c, ERR_INVALID, n, r->msg, v);
    }
    for (size_t i = 0; i < n->nkids; i++)
        if (dom_rules_check(n->kids[i], c) < 0)
            return -1;
    return 0;
}

/* true when n was removed (an element whose only content was "") */
static bool rewrite_node(struct dnode *n)
{
    for (size_t i = 0; n->se && i < NRULES; i++) {
        const struct value_rule *r = &rules[i];
        const char *v = r->msg ? NULL : rule_value(r, n);
        if (v && rule_rewrite(r, n, v))
            return true;
    }
    for (size_t i = 0; i < n->nkids;)
        if (!rewrite_node(n->kids[i]))
            i++;
    return false;
}

void dom_rules_rewrite(struct dnode *n)
{
    rewrite_node(n);
}
