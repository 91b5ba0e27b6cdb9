/* err.c: the error object (see err.h). */
#include "err.h"
#include "mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const code_names[] = {
    [ERR_OK] = "ok",
    [ERR_INTERNAL] = "internal",
    [ERR_ARGS] = "args",
    [ERR_XML] = "xml",
    [ERR_SCHEMA] = "schema",
    [ERR_INVALID] = "invalid",
    [ERR_NOT_FOUND] = "not-found",
    [ERR_EXISTS] = "exists",
    [ERR_IO] = "io",
    [ERR_BUSY] = "busy",
    [ERR_STATE] = "state",
    [ERR_UNSUPPORTED] = "unsupported",
    [ERR_READONLY] = "readonly",
    [ERR_BACKEND] = "backend",
    [ERR_TIMEOUT] = "timeout",
};
_Static_assert(sizeof(code_names) / sizeof(code_names[0]) == ERR_LAST,
               "code_names out of step with enum err_code");

const char *err_code_name(enum err_code code)
{
    return code < ERR_LAST ? code_names[code] : "?";
}

int err_setv(struct err **e, enum err_code code, const char *fmt, va_list ap)
{
    if (!e || *e)
        return -1;
    *e = xcalloc(1, sizeof(**e));
    (*e)->code = code;
    (*e)->msg = xvasprintf(fmt, ap);
    return -1;
}

int err_set(struct err **e, enum err_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_setv(e, code, fmt, ap);
    va_end(ap);
    return -1;
}

int err_sys(struct err **e, enum err_code code, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    AUTOFREE char *what = xvasprintf(fmt, ap);
    va_end(ap);
    return err_set(e, code, "%s: %s", what, strerror(saved));
}

void err_prefix(struct err **e, const char *fmt, ...)
{
    if (!e || !*e)
        return;
    va_list ap;
    va_start(ap, fmt);
    AUTOFREE char *pre = xvasprintf(fmt, ap);
    va_end(ap);
    char *msg = xasprintf("%s%s", pre, (*e)->msg);
    free((*e)->msg);
    (*e)->msg = msg;
}

void err_free(struct err *e)
{
    if (!e)
        return;
    free(e->msg);
    free(e);
}

void err_clear(struct err **e)
{
    err_free(*e);
    *e = NULL;
}
