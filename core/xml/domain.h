/* domain.h: the domain XML pipeline on the tree model (tree.h):
 *   read (<= 10 MiB) -> xml_parse -> schema check  = dom_parse
 *   -> defaults (uuid, mac, currentMemory, ...)    = dom_postparse
 *      (libvirt's define-time defaults; like libvirt's inactive parse it
 *      drops live-only data: domain id, tty=, pty source paths, generated
 *      interface names; the live parse, dom_load_live, keeps them)
 *   -> semantic rules                               = dom_validate
 *   -> canonical text (2-space indent)              = dom_format
 * format(parse(x)) is a fixed point.  Errors name the file, line and element. */
#ifndef DOMSH_DOMAIN_H
#define DOMSH_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/err.h"
#include "tree.h"

#define DOM_MAX_XML (10u * 1024u * 1024u)

enum dom_fmt_flags {
    DOM_FMT_SECURE = 1u << 0,    /* keep graphics passwd (dumpxml --security-info) */
    DOM_FMT_INACTIVE = 1u << 1,  /* drop live-only data: id, tty, pty source paths */
};

/* which step failed: tests assert the stage */
enum dom_stage { DOM_STAGE_READ, DOM_STAGE_PARSE, DOM_STAGE_POSTPARSE, DOM_STAGE_VALIDATE };

/* read FILE (refusing > DOM_MAX_XML before parsing), then the three steps;
 * *stage (may be NULL) says where it failed */
struct dnode *dom_load_file(const char *path, enum dom_stage *stage, struct err **e);
struct dnode *dom_load_string(const char *xml, size_t len, const char *label,
                              enum dom_stage *stage, struct err **e);

/* a running definition (RUN/NAME/live.xml), as libvirt parses live XML
 * (no VIR_DOMAIN_DEF_PARSE_INACTIVE): the same steps, but the domain id,
 * pty source paths, generated interface names and an allocated VNC port
 * are kept, and each pty console's tty= is its source path */
struct dnode *dom_load_live(const char *xml, size_t len, const char *label, struct err **e);

struct dnode *dom_parse(const char *xml, size_t len, const char *label, struct err **e);
int dom_postparse(struct dnode *dom, struct err **e);
int dom_validate(const struct dnode *dom, struct err **e);
char *dom_format(const struct dnode *dom, unsigned flags);

/* a device fragment as written: well-formed, at most DOM_MAX_XML, and a
 * device element ("LABEL:LINE: <x> is not a device (expected one of ...)");
 * no schema check, no defaults (detach-device matches only what it gives) */
struct dnode *dom_parse_fragment(const char *xml, size_t len, const char *label,
                                 struct err **e);
/* a device fragment (<disk>, <interface>, ...) for attach-device and friends:
 * parsed, schema-checked against devices/<kind>, defaults applied in the
 * context of DOM (may be NULL) */
struct dnode *dom_parse_device(const char *xml, size_t len, const char *label,
                               const struct dnode *dom, struct err **e);
char *dom_format_node(const struct dnode *n, unsigned flags);  /* any subtree */

/* libvirt's test driver (test:///) names every interface without a
 * <target dev> "testnetN" (lowest free N) when a domain is defined; define
 * on test:/// calls this after dom_load_* so its output matches virsh */
void dom_test_ifnames(struct dnode *dom);

/* accessors on a validated tree */
const char *dom_name(const struct dnode *dom);
const char *dom_uuid(const struct dnode *dom);      /* canonical lower-case */
const char *dom_type(const struct dnode *dom);      /* domain/@type */
unsigned long long dom_memory_kib(const struct dnode *dom);
unsigned long long dom_current_memory_kib(const struct dnode *dom);
unsigned dom_vcpus(const struct dnode *dom);
const char *dom_os_type(const struct dnode *dom);

/* a domain name: what libvirt 9.0 accepts (anything but empty, '/' or a
 * newline; spaces, UTF-8 and punctuation are fine) that can also safely
 * name files: no control character, no leading '.' or '-', at most
 * DOM_NAME_MAX bytes, so that the longest file domsh derives from a name
 * (LOG/NAME-crashed-EPOCH.console.log, 31 bytes more) fits NAME_MAX (255) */
#define DOM_NAME_MAX 224
bool dom_name_valid(const char *name, struct err **e);
/* uuid: parse 36-char or 32-hex forms; format canonical lower-case */
bool uuid_parse(const char *s, unsigned char out[16]);
void uuid_format(const unsigned char in[16], char out[37]);
void uuid_generate(char out[37]);
void mac_generate(char out[18]);    /* 52:54:00:xx:xx:xx */

#endif
