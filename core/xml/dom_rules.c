/* dom_rules.c: the value rules libvirt 9.0's parser applies beyond the
 * schema's kinds, as a table beside the schema (schema.c): character sets,
 * closed lists that are not enums of the 0.7.1 format, ranges that QEMU
 * would refuse at start, and the spellings libvirt rewrites on define.
 * Each rule names an element path and an attribute; checks run in
 * dom_validate (and on device fragments), rewrites in dom_postparse.
 * Found with `virsh -c test:///default define` (libvirt 9.0); the
 * messages are libvirt's where libvirt refuses the value itself. */
#include "dom_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum rule_kind {
    RULE_CHARSET,     /* every byte in chars */
    RULE_ONE_OF,      /* one of values, compared as libvirt does (case-sensitive) */
    RULE_MAX,         /* a number (decimal, 0x hex, 0 octal) of at most max */
    RULE_UINT32,      /* [-]digits within 32 bits (libvirt's virStrToLong_ui) */
    RULE_NEEDS,       /* the attribute must be there (a required companion) */
    RULE_YES_ELSE_NO, /* rewrite: libvirt reads "yes" as yes and anything else as no */
    RULE_NEGATIVE_UNSET, /* rewrite: a RULE_UINT32 value negative as an int means "unset" */
    RULE_CANON,       /* rewrite: a value equal to one of values but for case takes its spelling */
    RULE_ALIAS,       /* rewrite: values[2k] is stored as values[2k+1] */
};

struct value_rule {
    const char *path, *attr;
    enum rule_kind kind;
    const char *chars;
    const char *const *values;
    unsigned long long max;
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
    {"domain/devices/" dev "/target", "port", RULE_NEGATIVE_UNSET, .msg = NULL}

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
    {"domain/devices/disk/encryption/secret", "uuid", RULE_NEEDS,
     .msg = "XML error: missing secret uuid or usage attribute"},
    CHR_PORT("serial"), CHR_PORT("parallel"), CHR_PORT("console"),
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

/* virStrToLong_ui: decimal, a leading '-' allowed (it wraps), 32 bits */
static bool uint32_ok(const char *v, long long *as_int)
{
    bool neg = *v == '-';
    const char *d = v + neg;
    if (!*d || d[strspn(d, "0123456789")] || strlen(d) > 10)
        return false;
    unsigned long long n = strtoull(d, NULL, 10);
    if (n > 4294967295ULL)
        return false;
    unsigned int u = neg ? (unsigned int)-n : (unsigned int)n;
    if (as_int)
        *as_int = u > 2147483647U ? (long long)u - 4294967296LL : (long long)u;
    return true;
}

static bool rule_holds(const struct value_rule *r, const char *v)
{
    unsigned long long n;
    switch (r->kind) {
    case RULE_UINT32:
        return uint32_ok(v, NULL);
    case RULE_NEEDS:
    case RULE_NEGATIVE_UNSET:
    case RULE_CANON:
    case RULE_CHARSET:
        return v[strspn(v, r->chars)] == '\0';
    case RULE_ONE_OF:
        return one_of(r->values, v);
    case RULE_MAX:
        return !dom_parse_ull(v, 0, &n) || n <= r->max;   /* malformed: the schema said so */
    case RULE_YES_ELSE_NO:
    case RULE_ALIAS:
        break;
    }
    return true;
}

static void rule_rewrite(const struct value_rule *r, struct dnode *n, const char *v)
{
    long long as_int;
    if (r->kind == RULE_NEGATIVE_UNSET && uint32_ok(v, &as_int) && as_int < 0)
        dnode_set_attr(n, r->attr, NULL);
    for (size_t i = 0; r->kind == RULE_CANON && r->values[i]; i++)
        if (strcasecmp(v, r->values[i]) == 0 && strcmp(v, r->values[i]) != 0) {
            dnode_set_attr(n, r->attr, r->values[i]);
            return;
        }
    if (r->kind == RULE_YES_ELSE_NO && strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
        dnode_set_attr(n, r->attr, "no");
    for (size_t i = 0; r->kind == RULE_ALIAS && r->values[i]; i += 2)
        if (strcmp(v, r->values[i]) == 0) {
            dnode_set_attr(n, r->attr, r->values[i + 1]);
            return;
        }
}

int dom_rules_check(const struct dnode *n, struct dctx *c)
{
    for (size_t i = 0; n->se && i < NRULES; i++) {
        const struct value_rule *r = &rules[i];
        if (!r->msg || strcmp(r->path, n->se->path) != 0)
            continue;
        const char *v = dnode_attr(n, r->attr);
        if (r->kind == RULE_NEEDS ? !v : v && !rule_holds(r, v))
            return dom_fail(c, ERR_INVALID, n, r->msg, v);
    }
    for (size_t i = 0; i < n->nkids; i++)
        if (dom_rules_check(n->kids[i], c) < 0)
            return -1;
    return 0;
}

void dom_rules_rewrite(struct dnode *n)
{
    for (size_t i = 0; n->se && i < NRULES; i++) {
        const struct value_rule *r = &rules[i];
        const char *v = r->msg ? NULL : dnode_attr(n, r->attr);
        if (v && strcmp(r->path, n->se->path) == 0)
            rule_rewrite(r, n, v);
    }
    for (size_t i = 0; i < n->nkids; i++)
        dom_rules_rewrite(n->kids[i]);
}
