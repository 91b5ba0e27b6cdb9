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
