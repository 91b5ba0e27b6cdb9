/* buf.c: growable string buffer (see buf.h). */
#include "buf.h"
#include "mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_addn(struct buf *b, const char *s, size_t n)
{
    xgrow(&b->s, &b->cap, b->len + n + 1, 1);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void buf_add(struct buf *b, const char *s)
{
    buf_addn(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
    buf_addn(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[256];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap2);
    va_end(ap2);
    if (n >= 0 && (size_t)n < sizeof(tmp)) {
        buf_addn(b, tmp, (size_t)n);
    } else if (n >= 0) {
        char *p = xvasprintf(fmt, ap);
        buf_addn(b, p, (size_t)n);
        free(p);
    }
    va_end(ap);
}

void buf_add_xml(struct buf *b, const char *s, bool in_attr)
{
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '\'': rep = in_attr ? "&apos;" : NULL; break;
        case '"': rep = in_attr ? "&quot;" : NULL; break;
        case '\n': rep = in_attr ? "&#10;" : NULL; break;
        case '\t': rep = in_attr ? "&#9;" : NULL; break;
        case '\r': rep = "&#13;"; break;
        default: break;
        }
        if (!rep)
            continue;
        buf_addn(b, run, (size_t)(s - run));
        buf_add(b, rep);
        run = s + 1;
    }
    buf_addn(b, run, (size_t)(s - run));
}

void buf_add_json_str(struct buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_addc(b, '\\');
            buf_addc(b, (char)c);
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_addc(b, (char)c);
        }
    }
    buf_addc(b, '"');
}

void buf_indent_line(struct buf *b)
{
    for (int i = 0; i < b->indent; i++)
        buf_addc(b, ' ');
}

const char *buf_str(struct buf *b)
{
    return b->s ? b->s : "";
}

char *buf_steal(struct buf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void buf_free(struct buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void buf_add_sh_quoted(struct buf *b, const char *s)
{
    buf_addc(b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            buf_add(b, "'\\''");
        else
            buf_addc(b, *p);
    }
    buf_addc(b, '\'');
}
