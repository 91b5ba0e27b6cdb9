/* dom_priv.h: shared between the dom_*.c steps (not a public contract).
 * Messages from the steps read "LABEL:LINE: PATH: what is wrong" when the
 * label and line are known. */
#ifndef DOMSH_DOM_PRIV_H
#define DOMSH_DOM_PRIV_H

#include "domain.h"
#include "schema.h"
#include "../base/mem.h"

struct dctx {
    const char *label;      /* file name or NULL */
    struct err **e;
    bool live;              /* a running definition: keep live-only data */
};

/* err_set with control characters (from input values) made blanks, so
 * that every message is one line */
int dom_err(struct err **e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* record "LABEL:LINE: PATH: MSG" for node n (n may be NULL); returns -1 */
int dom_fail(struct dctx *c, enum err_code code, const struct dnode *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

int dom_schema_check(const char *label, struct dnode *root, const struct schema_elem *se,
                     struct err **e);
/* give nodes added or moved by the steps their schema entries */
void dom_assign_schema(struct dnode *root);
int dom_postparse_ctx(struct dnode *dom, struct dctx *c);
int dom_validate_ctx(const struct dnode *dom, struct dctx *c);
/* defaults and rules of one device; dom gives the context (os type, ...),
 * may be NULL */
int dom_device_defaults(struct dnode *dev, const struct dnode *dom, struct dctx *c);
int dom_device_validate(const struct dnode *dev, const struct dnode *dom, struct dctx *c);

/* the value rules beside the schema (dom_rules.c), over a subtree whose
 * nodes carry their schema entries: checks (validate) and libvirt's
 * rewrites of spellings (postparse) */
int dom_rules_check(const struct dnode *n, struct dctx *c);
void dom_rules_rewrite(struct dnode *n);
/* libvirt reads "" at path (attr NULL: the text) as no value: the schema
 * check lets it through and the rewrite removes it */
bool dom_rules_empty_is_absent(const char *path, const char *attr);

/* "hvm" when the domain is fully virtualized */
bool dom_is_hvm(const struct dnode *dom);
/* an unsigned number in base (0: decimal, 0x hex or 0 octal, as libvirt
 * reads USB and PCI ids); false when malformed */
bool dom_parse_ull(const char *s, int base, unsigned long long *out);
/* libvirt's virDiskNameToIndex: hda -> 0, sdb -> 1, xvdaa -> 26; -1 */
int dom_disk_index(const char *name);

#endif
