/* textdiff.c: a unified line diff (for config-diff and --dry-run).
 * Domain configs are a few hundred lines, so the classic LCS table is
 * plenty; above DIFF_MAX_CELLS the whole text is shown as replaced. */
#include "history.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/mem.h"

#define DIFF_CONTEXT 3
#define DIFF_MAX_CELLS (16u * 1024u * 1024u)

struct lines {
    const char **p;
    size_t *len;
    size_t n;
};

static void split_lines(const char *s, struct lines *l)
{
    size_t cap = 0;
    memset(l, 0, sizeof(*l));
    size_t cap2 = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        xgrow(&l->p, &cap, l->n + 1, sizeof(*l->p));
        xgrow(&l->len, &cap2, l->n + 1, sizeof(*l->len));
        l->p[l->n] = s;
        l->len[l->n++] = len;
        s += len + (nl != NULL);
    }
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/* edit script: ' ' keep, '-' delete from a, '+' add from b */
static char *edit_script(const struct lines *a, const struct lines *b, size_t *nops)
{
    size_t n = a->n, m = b->n;
    char *ops = xmalloc(n + m + 1);
    *nops = 0;
    if ((n + 1) * (m + 1) > DIFF_MAX_CELLS) {
        memset(ops, '-', n);
        memset(ops + n, '+', m);
        *nops = n + m;
        return ops;
    }
    uint32_t *L = xcalloc((n + 1) * (m + 1), sizeof(*L));   /* LCS of suffixes */
#define AT(i, j) L[(i) * (m + 1) + (j)]
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            AT(i, j) = line_eq(a, i, b, j) ? AT(i + 1, j + 1) + 1
                       : AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j) : AT(i, j + 1);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && line_eq(a, i, b, j)) {
            ops[(*nops)++] = ' ';
            i++, j++;
        } else if (i < n && (j == m || AT(i + 1, j) >= AT(i, j + 1))) {
            ops[(*nops)++] = '-';
            i++;
        } else {
            ops[(*nops)++] = '+';
            j++;
        }
    }
#undef AT
    free(L);
    return ops;
}

/* print ops[from, to) as one hunk; ai/bi are the line indexes at from */
static void hunk(struct buf *out, const char *ops, size_t from, size_t to, size_t ai,
                 size_t bi, const struct lines *a, const struct lines *b)
{
    size_t ac = 0, bc = 0;
    for (size_t k = from; k < to; k++) {
        ac += ops[k] != '+';
        bc += ops[k] != '-';
    }
    buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ac ? ai + 1 : ai, ac, bc ? bi + 1 : bi, bc);
    for (size_t k = from; k < to; k++) {
        const struct lines *src = ops[k] == '+' ? b : a;
        size_t idx = ops[k] == '+' ? bi++ : ai++;
        if (ops[k] == ' ')
            bi++;
        buf_addc(out, ops[k]);
        buf_addn(out, src->p[idx], src->len[idx]);
        buf_addc(out, '\n');
    }
}

static void emit_hunks(struct buf *out, const char *ops, size_t nops, const struct lines *a,
                       const struct lines *b)
{
    size_t ai = 0, bi = 0, k = 0;
    while (k < nops) {
        size_t first = k;
        while (first < nops && ops[first] == ' ')
            first++;
        if (first == nops)
            break;
        size_t from = first > DIFF_CONTEXT ? first - DIFF_CONTEXT : 0;
        if (from < k)
            from = k;
        for (; k < from; k++)     /* skip unchanged lines before the hunk */
            ai++, bi++;
        size_t end = first, quiet = 0;
        while (end < nops && quiet <= 2 * DIFF_CONTEXT) {
            quiet = ops[end] == ' ' ? quiet + 1 : 0;
            end++;
        }
        size_t to = end - (quiet > DIFF_CONTEXT ? quiet - DIFF_CONTEXT : 0);
        hunk(out, ops, from, to, ai, bi, a, b);
        for (; k < to; k++) {
            ai += ops[k] != '+';
            bi += ops[k] != '-';
        }
    }
}

char *text_diff(const char *a, const char *b, const char *label_a, const char *label_b)
{
    struct lines la, lb;
    split_lines(a, &la);
    split_lines(b, &lb);
    size_t nops;
    char *ops = edit_script(&la, &lb, &nops);
    struct buf out = {0};
    bool same = memchr(ops, '-', nops) == NULL && memchr(ops, '+', nops) == NULL;
    if (!same) {
        buf_printf(&out, "--- %s\n+++ %s\n", label_a, label_b);
        emit_hunks(&out, ops, nops, &la, &lb);
    }
    free(ops);
    free(la.p);
    free(la.len);
    free(lb.p);
    free(lb.len);
    char *s = buf_steal(&out);
    return s ? s : xstrdup("");
}
