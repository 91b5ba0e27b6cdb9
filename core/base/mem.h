/* mem.h: abort-on-OOM allocation and scope cleanup.
 * Allocation never fails for callers: OOM aborts, so command code has no
 * OOM branches.  AUTOFREE frees a char * (or any malloc'd pointer) at scope
 * exit; steal_ptr() moves ownership out on the success path. */
#ifndef DOMSH_MEM_H
#define DOMSH_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* grow *p (array of elem-size items) so that it holds at least need items */
void xgrow(void *pp, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

void autofree_cleanup(void *pp);
#define AUTOFREE __attribute__((cleanup(autofree_cleanup)))

/* return *pp and set it to NULL */
#define steal_ptr(pp) steal_ptr_impl((void **)(pp))
static inline void *steal_ptr_impl(void **pp)
{
    void *p = *pp;
    *pp = NULL;
    return p;
}

/* NULL-terminated string vector */
struct strv {
    char **v;
    size_t n, cap;
};
void strv_push(struct strv *sv, const char *s);       /* copies s */
void strv_push_take(struct strv *sv, char *s);        /* takes s */
void strv_free(struct strv *sv);                      /* frees items, resets */
void strv_sort(struct strv *sv);
void strv_uniq(struct strv *sv);                      /* sorted input */

/* S is one or more decimal digits, nothing else */
bool str_is_digits(const char *s);

#endif
