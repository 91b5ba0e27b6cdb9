/* buf.h: a growable string buffer with an indent level (for XML, tables). */
#ifndef DOMSH_BUF_H
#define DOMSH_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *s;        /* always NUL-terminated once anything was added */
    size_t len, cap;
    int indent;     /* spaces written by buf_indent_line() */
};

void buf_addn(struct buf *b, const char *s, size_t n);
void buf_add(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* XML-escape s: & < > always, ' and " too when in_attr */
void buf_add_xml(struct buf *b, const char *s, bool in_attr);
/* JSON string literal with quotes */
void buf_add_json_str(struct buf *b, const char *s);
/* s in single quotes for a POSIX shell (a ' becomes '\\'') */
void buf_add_sh_quoted(struct buf *b, const char *s);
void buf_indent_line(struct buf *b);            /* writes b->indent spaces */
const char *buf_str(struct buf *b);              /* "" when empty */
char *buf_steal(struct buf *b);                  /* caller frees; b reset */
void buf_reset(struct buf *b);                   /* len = 0, keep memory */
void buf_free(struct buf *b);

#endif
