/* test_corpus.c: the project's own XML corpus (tests/data/) covers the
 * format.  Every element, attribute and enumerated value of the schema
 * table (core/xml/schema.c, i.e. libvirt 0.7.1's formatdomain page plus
 * the boilerplate we keep) occurs in at least one input of the round-trip
 * pairs tests/data/xml2xml/NAME.xml -> NAME.out.xml (checked byte for
 * byte by xml2xml/golden_pairs).  A new schema entry without a document
 * fails here, naming what is missing. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/buf.h"
#include "../core/base/mem.h"
#include "../core/xml/domain.h"
#include "../core/xml/schema.h"
#include "helpers.h"

/* "domain/devices/disk", "domain/devices/disk/@bus", "...@bus=ide",
 * "domain/os/type=hvm": one key per schema fact */
static void note(struct strv *seen, const char *path, const char *attr, const char *value)
{
    struct buf b = {0};
    buf_add(&b, path);
    if (attr)
        buf_printf(&b, "/@%s", attr);
    if (value)
        buf_printf(&b, "=%s", value);
    strv_push_take(seen, buf_steal(&b));
}

static void walk(const struct dnode *n, struct strv *seen)
{
    const struct schema_elem *se = n->se;
    if (!se)
        return;     /* inside an opaque subtree: kept verbatim, not the format's */
    note(seen, se->path, NULL, NULL);
    if (se->text == V_ENUM && n->text)
        note(seen, se->path, NULL, n->text);
    for (size_t i = 0; i < n->nattrs; i++) {
        note(seen, se->path, n->attrs[i].name, NULL);
        const struct schema_attr *a = schema_attr(se, n->attrs[i].name);
        if (a && a->kind == V_ENUM)
            note(seen, se->path, a->name, n->attrs[i].value);
    }
    for (size_t i = 0; i < n->nkids; i++)
        walk(n->kids[i], seen);
}

/* what the inputs of the round-trip pairs contain (each must load) */
static void corpus_facts(struct strv *seen, size_t *ndocs)
{
    AUTOFREE char *dir = fmt("%s/tests/data/xml2xml", src_dir());
    DIR *d = opendir(dir);
    cr_assert(d, "cannot open %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0 ||
            (len > 8 && strcmp(de->d_name + len - 8, ".out.xml") == 0))
            continue;
        AUTOFREE char *path = fmt("%s/%s", dir, de->d_name);
        struct err *e = NULL;
        /* dom_parse, not dom_load_file: the facts of the document as
         * written, before defaults add what it leaves out */
        AUTOFREE char *text = slurp(path, NULL);
        cr_assert(text, "cannot read %s", path);
        struct dnode *dom = dom_parse(text, strlen(text), path, &e);
        cr_assert(dom, "%s: %s", path, e ? e->msg : "?");
        walk(dom, seen);
        dnode_free(dom);
        (*ndocs)++;
    }
    closedir(d);
    strv_sort(seen);
    strv_uniq(seen);
}

static bool has(const struct strv *seen, const char *key)
{
    for (size_t i = 0; i < seen->n; i++)
        if (strcmp(seen->v[i], key) == 0)
            return true;
    return false;
}

static void want(const struct strv *seen, struct buf *missing, size_t *nwanted, const char *path,
                 const char *attr, const char *value)
{
    struct strv one = {0};
    note(&one, path, attr, value);
    (*nwanted)++;
    if (!has(seen, one.v[0]))
        buf_printf(missing, "  %s\n", one.v[0]);
    strv_free(&one);
}

/* every fact of one schema entry: the element, its enum text values, each
 * attribute and each of an enum attribute's values */
static void want_entry(const struct schema_elem *se, const struct strv *seen, struct buf *missing,
                       size_t *nwanted)
{
    want(seen, missing, nwanted, se->path, NULL, NULL);
    for (const char *const *v = se->text == V_ENUM ? se->text_values : NULL; v && *v; v++)
        want(seen, missing, nwanted, se->path, NULL, *v);
    for (const struct schema_attr *a = se->attrs; a && a->name; a++) {
        want(seen, missing, nwanted, se->path, a->name, NULL);
        for (const char *const *v = a->kind == V_ENUM ? a->values : NULL; v && *v; v++)
            want(seen, missing, nwanted, se->path, a->name, *v);
    }
}

Test(corpus, every_element_attribute_and_value_has_a_document)
{
    struct strv seen = {0};
    size_t ndocs = 0, nwanted = 0;
    corpus_facts(&seen, &ndocs);
    struct buf missing = {0};
    buf_add(&missing, "");
    for (size_t i = 0; i < schema_count(); i++)
        want_entry(schema_at(i), &seen, &missing, &nwanted);
    cr_log_info("corpus: %zu documents cover %zu schema facts", ndocs, nwanted);
    cr_expect_gt(nwanted, 250, "the schema table looks truncated (%zu facts)", nwanted);
    cr_expect_str_eq(missing.s, "", "schema facts no tests/data/xml2xml input contains:\n%s",
                     missing.s);
    buf_free(&missing);
    strv_free(&seen);
}

/* ---- documents define must refuse: tests/data/invalid ------------------ */

static char *read_all(FILE *p)
{
    struct buf b = {0};
    buf_add(&b, "");
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
        buf_addn(&b, chunk, n);
    return buf_steal(&b);
}

/* the real binary run from DIR on test:///default: everything it printed
 * (stdout and stderr), then "status N" */
static char *domsh_in(const char *dir, const char *root, const char *line)
{
    AUTOFREE char *cmd = fmt("cd '%s' && DOMSH_ROOT='%s' '%s' -q -c test:///default '%s' 2>&1; "
                             "echo \"status $?\"", dir, root, domsh_bin(), line);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char *out = read_all(p);
    pclose(p);
    return out;
}

/* every path under root and every file's checksum; lock files are left
 * out: empty, they hold no config or state, and taking one is no write */
static char *store_snapshot(const char *root)
{
    AUTOFREE char *cmd = fmt("cd '%s' && { find . ! -name '*.lock' ! -path '*/.locks*' | LC_ALL=C sort; "
                             "find . -type f ! -name '*.lock' ! -path '*/.locks/*' -exec cksum {} + | "
                             "LC_ALL=C sort; }", root);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char *out = read_all(p);
    pclose(p);
    return out;
}

/* the store must be as it was: the refused document left nothing */
static void refused(const char *dir, const char *root, const char *file, const char *want)
{
    AUTOFREE char *before = store_snapshot(root);
    AUTOFREE char *line = fmt("define %s", file);
    AUTOFREE char *got = domsh_in(dir, root, line);
    AUTOFREE char *expect = fmt("%s\nstatus 1\n", want);
    cr_expect_str_eq(got, expect, "%s", file);
    AUTOFREE char *after = store_snapshot(root);
    cr_expect_str_eq(after, before, "%s: refused, but the store changed", file);
}

/* FIRST is defined in the same session, then FILE (same name) refused:
 * nothing of FILE (its uuid) anywhere in the store */
static void refused_after(const char *dir, const char *root, const char *first, const char *file,
                          const char *want)
{
    AUTOFREE char *line = fmt("define %s; define %s", first, file);
    AUTOFREE char *got = domsh_in(dir, root, line);
    AUTOFREE char *expect = fmt("%s\nstatus 1\n", want);
    cr_expect_str_eq(got, expect, "%s after %s", file, first);
    AUTOFREE char *path = fmt("%s/%s", dir, file);
    AUTOFREE char *text = slurp(path, NULL);
    char *u = text ? strstr(text, "<uuid>") : NULL;
    cr_assert(u, "%s has no <uuid>", file);
    AUTOFREE char *uuid = xstrndup(u + 6, 36);
    AUTOFREE char *grep = fmt("grep -rqi '%s' '%s'", uuid, root);
    cr_expect_neq(system(grep), 0, "%s: its uuid %s was written to the store", file, uuid);
}

struct invalid_row {
    char *file, *first, *message;
};

static size_t invalid_rows(const char *tsv, struct invalid_row *rows, size_t cap)
{
    char *text = slurp(tsv, NULL), *save = NULL;
    cr_assert(text, "cannot read %s", tsv);
    size_t n = 0;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char *t1 = strchr(l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (l[0] == '#')
            continue;
        cr_assert(t2 && n < cap, "%s: bad row '%s'", tsv, l);
        rows[n++] = (struct invalid_row){xstrndup(l, (size_t)(t1 - l)),
                                         xstrndup(t1 + 1, (size_t)(t2 - t1 - 1)), xstrdup(t2 + 1)};
    }
    free(text);
    return n;
}

/* every document of the directory is a row (or the setup's resident.xml,
 * or the first of a pair) */
static void rows_cover_directory(const char *dir, const struct invalid_row *rows, size_t n)
{
    DIR *d = opendir(dir);
    cr_assert(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0 || strcmp(de->d_name, "resident.xml") == 0)
            continue;
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(rows[i].file, de->d_name) == 0 || strcmp(rows[i].first, de->d_name) == 0;
        cr_expect(found, "%s/%s has no row in expect.tsv", dir, de->d_name);
    }
    closedir(d);
}

/* over the 10 MiB limit: refused before it is parsed */
static void too_big_refused(const char *root)
{
    AUTOFREE char *dir = tmp_root();
    AUTOFREE char *path = fmt("%s/too-big.xml", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("<domain type='kvm'><name>too-big</name><memory>65536</memory><os><type>hvm</type></os>"
          "<description>", f);
    for (int i = 0; i < 12 * 1024; i++)
        fprintf(f, "%01023d\n", i);
    fputs("</description></domain>\n", f);
    long size = ftell(f);
    fclose(f);
    AUTOFREE char *want = fmt("error: too-big.xml: file too large (%ld bytes, the limit is %u)", size,
                              DOM_MAX_XML);
    refused(dir, root, "too-big.xml", want);
    rm_rf(dir);
}

Test(corpus, invalid_documents_refused_exactly, .timeout = 300)
{
    AUTOFREE char *dir = fmt("%s/tests/data/invalid", src_dir());
    AUTOFREE char *tsv = fmt("%s/expect.tsv", dir);
    struct invalid_row rows[128];
    size_t n = invalid_rows(tsv, rows, 128);
    cr_assert_geq(n, 47, "expected a row per error class, found %zu", n);
    rows_cover_directory(dir, rows, n);
    AUTOFREE char *root = tmp_root();
    AUTOFREE char *setup = domsh_in(dir, root, "define resident.xml");
    cr_assert_str_eq(setup, "status 0\n");
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].first, "-") == 0)
            refused(dir, root, rows[i].file, rows[i].message);
        else
            refused_after(dir, root, rows[i].first, rows[i].file, rows[i].message);
        free(rows[i].file), free(rows[i].first), free(rows[i].message);
    }
    too_big_refused(root);
    rm_rf(root);
}
