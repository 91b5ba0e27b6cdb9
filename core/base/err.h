/* err.h: errors are recorded where they happen and printed once.
 * A function that fails calls err_set() (which returns -1) and returns -1 or
 * NULL; the dispatcher prints "error: MSG" once.  The first error recorded
 * wins: later err_set() calls on an already-set error are ignored, so a
 * caller can add no context by accident.  Use err_prefix() to add context
 * deliberately ("FILE:LINE: ..."). */
#ifndef DOMSH_ERR_H
#define DOMSH_ERR_H

#include <stdarg.h>

enum err_code {
    ERR_OK = 0,
    ERR_INTERNAL,     /* a bug or an unexpected system failure */
    ERR_ARGS,         /* bad command line: unknown option, missing value */
    ERR_XML,          /* not well-formed XML, DOCTYPE, too big */
    ERR_SCHEMA,       /* unknown element/attribute, bad value for its type */
    ERR_INVALID,      /* semantic rule broken (duplicate target, ...) */
    ERR_NOT_FOUND,    /* no such domain / device / file */
    ERR_EXISTS,       /* duplicate name or uuid */
    ERR_IO,           /* read/write/fsync failed */
    ERR_BUSY,         /* lock held by another shell, console in use */
    ERR_STATE,        /* wrong domain state for this operation */
    ERR_UNSUPPORTED,  /* backend or host cannot do it */
    ERR_READONLY,     /* -r given and the command changes something */
    ERR_BACKEND,      /* hypervisor / supervisor failure */
    ERR_TIMEOUT,      /* no answer in time (a wedged supervisor) */
    ERR_LAST
};

struct err {
    enum err_code code;
    char *msg;
};

/* record an error in *e (allocating it) unless one is already there; -1 */
int err_set(struct err **e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_setv(struct err **e, enum err_code code, const char *fmt, va_list ap);
/* record errno's text: "<what>: strerror(errno)"; returns -1 */
int err_sys(struct err **e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* prepend "PREFIX" to an existing message (no-op when e or *e is NULL) */
void err_prefix(struct err **e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void err_free(struct err *e);
/* free *e and set it to NULL */
void err_clear(struct err **e);
const char *err_code_name(enum err_code code);

#endif
