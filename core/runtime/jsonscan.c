/* jsonscan.c: see jsonscan.h. */
#include "jsonscan.h"

#include <stdlib.h>
#include <string.h>

static const char *blank(const char *p)
{
    while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static const char *string_end(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p == '"' ? p + 1 : NULL;
}

const char *jscan_end(const char *p)
{
    p = blank(p);
    if (!p || !*p)
        return NULL;
    if (*p == '"')
        return string_end(p);
    if (*p != '{' && *p != '[') {
        while (*p && !strchr(",}] \t\r\n", *p))
            p++;
        return p;
    }
    int depth = 0;
    while (*p) {
        if (*p == '"') {
            p = string_end(p);
            if (!p)
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[')
            depth++;
        else if ((*p == '}' || *p == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return NULL;
}

const char *jscan_key(const char *obj, const char *key)
{
    const char *p = blank(obj);
    if (!p || *p != '{')
        return NULL;
    size_t klen = strlen(key);
    p = blank(p + 1);
    while (p && *p == '"') {
        const char *kend = string_end(p);
        if (!kend)
            return NULL;
        bool match = (size_t)(kend - p - 2) == klen && strncmp(p + 1, key, klen) == 0;
        p = blank(kend);
        if (!p || *p != ':')
            return NULL;
        const char *v = blank(p + 1);
        if (match)
            return v;
        p = blank(jscan_end(v));
        if (p && *p == ',')
            p = blank(p + 1);
    }
    return NULL;
}

const char *jscan_nth(const char *arr, size_t i)
{
    const char *p = blank(arr);
    if (!p || *p != '[')
        return NULL;
    p = blank(p + 1);
    for (size_t k = 0; p && *p && *p != ']'; k++) {
        if (k == i)
            return p;
        p = blank(jscan_end(p));
        if (p && *p == ',')
            p = blank(p + 1);
    }
    return NULL;
}

bool jscan_num(const char *obj, const char *key, long long *out)
{
    const char *v = jscan_key(obj, key);
    char *end;
    if (!v)
        return false;
    long long n = strtoll(v, &end, 10);
    if (end == v)
        return false;
    *out = n;
    return true;
}

bool jscan_str(const char *obj, const char *key, char *out, size_t n)
{
    const char *v = jscan_key(obj, key);
    if (!v || *v != '"' || !n)
        return false;
    size_t o = 0;
    for (v++; *v && *v != '"' && o + 1 < n; v++) {
        if (*v == '\\' && v[1])
            v++;
        out[o++] = *v;
    }
    out[o] = '\0';
    return true;
}
