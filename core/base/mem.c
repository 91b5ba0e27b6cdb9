/* mem.c: allocation helpers that abort on OOM (see mem.h). */
#include "mem.h"

#include <ctype.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("domsh: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

void xgrow(void *pp, size_t *cap, size_t need, size_t elem)
{
    void **p = pp;
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > (size_t)-1 / elem)
        oom();
    *p = xrealloc(*p, ncap * elem);
    *cap = ncap;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    n = strnlen(s, n);   /* strndup semantics: never read past the NUL */
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        oom();
    char *p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void autofree_cleanup(void *pp)
{
    free(*(void **)pp);
}

void strv_push_take(struct strv *sv, char *s)
{
    xgrow(&sv->v, &sv->cap, sv->n + 2, sizeof(char *));
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

void strv_push(struct strv *sv, const char *s)
{
    strv_push_take(sv, xstrdup(s));
}

void strv_free(struct strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

/* the first 8 bytes of a string, big endian (shorter ones padded with
 * 0): keys compare as strcmp does on those bytes */
struct keyed {
    uint64_t key;
    char *s;
};

static int cmp_keyed(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if ((a->key & 0xff) == 0)        /* a NUL among the first 8: equal */
        return 0;
    return strcmp(a->s + 8, b->s + 8);
}

/* thousands of names (list, complete): input already in order (a listing
 * merged in order) or in reverse (readdir on tmpfs: newest first, so a
 * directory filled in order) costs one pass; else (ext4: hash order) a
 * sort on 8-byte keys, strcmp only past equal prefixes */
void strv_sort(struct strv *sv)
{
    size_t i = 1;
    while (i < sv->n && strcmp(sv->v[i - 1], sv->v[i]) <= 0)
        i++;
    if (i >= sv->n)
        return;
    if (i == 1) {                /* newest first (tmpfs): maybe all reversed */
        while (i < sv->n && strcmp(sv->v[i - 1], sv->v[i]) > 0)
            i++;
        for (size_t a = 0, b = sv->n - 1; i >= sv->n && a < b; a++, b--) {
            char *t = sv->v[a];
            sv->v[a] = sv->v[b];
            sv->v[b] = t;
        }
        if (i >= sv->n)
            return;
    }
    struct keyed *k = xmalloc(sv->n * sizeof(*k));
    for (i = 0; i < sv->n; i++) {
        uint64_t key = 0;
        const unsigned char *s = (const unsigned char *)sv->v[i];
        for (size_t j = 0; j < 8 && s[j]; j++)
            key |= (uint64_t)s[j] << (56 - 8 * j);
        k[i] = (struct keyed){.key = key, .s = sv->v[i]};
    }
    qsort(k, sv->n, sizeof(*k), cmp_keyed);
    for (i = 0; i < sv->n; i++)
        sv->v[i] = k[i].s;
    free(k);
}

void strv_uniq(struct strv *sv)
{
    size_t w = 0;
    for (size_t i = 0; i < sv->n; i++) {
        if (w && strcmp(sv->v[w - 1], sv->v[i]) == 0) {
            free(sv->v[i]);
            continue;
        }
        sv->v[w++] = sv->v[i];
    }
    sv->n = w;
    if (sv->v)
        sv->v[w] = NULL;
}

bool str_is_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}
