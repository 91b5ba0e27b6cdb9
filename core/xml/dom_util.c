/* dom_util.c: names, uuids, MACs, number helpers, error formatting and the
 * accessors of domain.h. */
#include "dom_priv.h"
#include "../base/buf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int dom_err(struct err **e, enum err_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    AUTOFREE char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)      /* values from the input may hold newlines */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    return err_set(e, code, "%s", msg);
}

int dom_fail(struct dctx *c, enum err_code code, const struct dnode *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    AUTOFREE char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    AUTOFREE char *where = n ? dnode_where(n) : NULL;
    struct buf b = {0};
    if (c->label)
        buf_printf(&b, "%s:", c->label);
    if (n && n->line > 0)
        buf_printf(&b, c->label ? "%d:" : "line %d:", n->line);
    if (b.len)
        buf_addc(&b, ' ');
    if (where)
        buf_printf(&b, "%s: ", where);
    buf_add(&b, msg);
    AUTOFREE char *all = buf_steal(&b);
    return dom_err(c->e, code, "%s", all);
}

bool dom_is_hvm(const struct dnode *dom)
{
    const char *t = dom ? dnode_path_text(dom, "os/type") : NULL;
    return t && strcmp(t, "hvm") == 0;
}

bool dom_parse_ull(const char *s, int base, unsigned long long *out)
{
    char *end;
    if (!s || !isxdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    *out = strtoull(s, &end, base);
    return errno == 0 && *end == '\0' && end != s;
}

int dom_disk_index(const char *name)
{
    static const char *const prefixes[] = {"fd", "hd", "vd", "sd", "xvd", "ubd"};
    const char *p = NULL;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]) && !p; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            p = name + strlen(prefixes[i]);
    if (!p || !islower((unsigned char)*p))
        return -1;
    long idx = 0;
    for (int i = 0; islower((unsigned char)*p); p++, i++) {
        idx = (idx + (i < 1 ? 0 : 1)) * 26 + (*p - 'a');
        if (idx > 1000000)
            return -1;
    }
    for (const char *d = p; *d; d++)
        if (!isdigit((unsigned char)*d))
            return -1;
    return (int)idx;
}

bool dom_name_valid(const char *name, struct err **e)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0)
        return dom_err(e, ERR_INVALID, "missing name information"), false;
    if (strchr(name, '/'))    /* libvirt's own rule and message */
        return dom_err(e, ERR_INVALID, "name %s cannot contain '/'", name), false;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return dom_err(e, ERR_INVALID, "invalid char in name: control character 0x%02x "
                           "(in '%s')", (unsigned char)*p, name), false;
    if (name[0] == '.' || name[0] == '-')
        return dom_err(e, ERR_INVALID, "domain name '%s' must not start with '%c' (it names "
                       "files and is typed as an argument)", name, name[0]), false;
    if (len > DOM_NAME_MAX)
        return dom_err(e, ERR_INVALID, "domain name '%.40s...' is %zu bytes long (at most %d: "
                       "it names files)", name, len, DOM_NAME_MAX), false;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* as libvirt's virUUIDParse: 32 hex digits, '-' allowed between bytes,
 * surrounding blanks ignored */
bool uuid_parse(const char *s, unsigned char out[16])
{
    if (!s)
        return false;
    while (isspace((unsigned char)*s))
        s++;
    for (int i = 0; i < 16; i++) {
        while (*s == '-')
            s++;
        int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
        s += 2;
    }
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

void uuid_format(const unsigned char in[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], in[9], in[10],
             in[11], in[12], in[13], in[14], in[15]);
}

static void random_bytes(unsigned char *p, size_t n)
{
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            abort();   /* no entropy source at all: nothing sane to do */
        p += r;
        n -= (size_t)r;
    }
}

void uuid_generate(char out[37])
{
    unsigned char u[16];
    random_bytes(u, sizeof(u));
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);   /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    uuid_format(u, out);
}

void mac_generate(char out[18])
{
    unsigned char m[3];
    random_bytes(m, sizeof(m));
    snprintf(out, 18, "52:54:00:%02x:%02x:%02x", m[0], m[1], m[2]);
}

const char *dom_name(const struct dnode *dom)
{
    return dnode_path_text(dom, "name");
}

const char *dom_uuid(const struct dnode *dom)
{
    return dnode_path_text(dom, "uuid");
}

const char *dom_type(const struct dnode *dom)
{
    return dnode_attr(dom, "type");
}

const char *dom_os_type(const struct dnode *dom)
{
    return dnode_path_text(dom, "os/type");
}

/* after postparse memory is in KiB */
unsigned long long dom_memory_kib(const struct dnode *dom)
{
    const char *t = dnode_path_text(dom, "memory");
    return t ? strtoull(t, NULL, 10) : 0;
}

unsigned long long dom_current_memory_kib(const struct dnode *dom)
{
    const char *t = dnode_path_text(dom, "currentMemory");
    return t ? strtoull(t, NULL, 10) : dom_memory_kib(dom);
}

unsigned dom_vcpus(const struct dnode *dom)
{
    const char *t = dnode_path_text(dom, "vcpu");
    return t ? (unsigned)strtoul(t, NULL, 10) : 1;
}
