/* test_xml2xml.c: data-driven pipeline tests.  For every
 * tests/data/xml2xml/NAME.xml the canonical output (parse, defaults,
 * validate, format with DOM_FMT_SECURE) must equal NAME.out.xml, and
 * formatting that output again must give the same bytes (fixed point).
 * REGENERATE=1 rewrites the .out.xml files. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/base/mem.h"
#include "helpers.h"

static char *format_file(const char *path, unsigned flags)
{
    struct err *e = NULL;
    enum dom_stage stage;
    struct dnode *d = dom_load_file(path, &stage, &e);
    cr_assert(d, "%s: %s", path, e ? e->msg : "?");
    char *s = dom_format(d, flags);
    dnode_free(d);
    return s;
}

static char *format_text(const char *text, unsigned flags)
{
    struct err *e = NULL;
    struct dnode *d = dom_load_string(text, strlen(text), "reformat", NULL, &e);
    cr_assert(d, "re-parsing the output failed: %s", e ? e->msg : "?");
    char *s = dom_format(d, flags);
    dnode_free(d);
    return s;
}

static void list_inputs(const char *dir, struct strv *out)
{
    DIR *d = opendir(dir);
    cr_assert(d, "cannot open %s", dir);
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".xml") == 0 &&
            !(n > 8 && strcmp(de->d_name + n - 8, ".out.xml") == 0))
            strv_push_take(out, xstrndup(de->d_name, n - 4));
    }
    closedir(d);
    strv_sort(out);
}

Test(xml2xml, golden_pairs)
{
    AUTOFREE char *dir = fmt("%s/tests/data/xml2xml", src_dir());
    struct strv names = {0};
    list_inputs(dir, &names);
    cr_assert_geq(names.n, 15, "expected the xml2xml data set, found %zu files", names.n);
    bool regen = getenv("REGENERATE") && *getenv("REGENERATE") == '1';
    for (size_t i = 0; i < names.n; i++) {
        AUTOFREE char *in = fmt("%s/%s.xml", dir, names.v[i]);
        AUTOFREE char *want_path = fmt("%s/%s.out.xml", dir, names.v[i]);
        AUTOFREE char *got = format_file(in, DOM_FMT_SECURE);
        if (regen)
            cr_assert_eq(write_text(want_path, got), 0);
        AUTOFREE char *want = slurp(want_path, NULL);
        cr_assert(want, "%s missing (run with REGENERATE=1)", want_path);
        cr_expect_str_eq(got, want, "%s: output differs from %s.out.xml", names.v[i], names.v[i]);
        AUTOFREE char *again = format_text(got, DOM_FMT_SECURE);
        cr_expect_str_eq(again, got, "%s: format(parse(x)) is not a fixed point", names.v[i]);
    }
    strv_free(&names);
}

static bool matches(const char *text, const char *re)
{
    regex_t r;
    cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
    bool ok = regexec(&r, text, 0, NULL, 0) == 0;
    regfree(&r);
    return ok;
}

Test(xml2xml, generated_uuid_and_macs)
{
    const char *xml = "<domain type='kvm'><name>gen</name><memory>1024</memory>"
                      "<os><type>hvm</type></os><devices><interface type='user'/>"
                      "<interface type='network'><source network='default'/></interface>"
                      "</devices></domain>";
    struct err *e = NULL;
    struct dnode *a = dom_load_string(xml, strlen(xml), "gen", NULL, &e);
    struct dnode *b = dom_load_string(xml, strlen(xml), "gen", NULL, &e);
    cr_assert(a && b, "%s", e ? e->msg : "");
    cr_assert(matches(dom_uuid(a), "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"),
              "uuid %s", dom_uuid(a));
    cr_expect_str_neq(dom_uuid(a), dom_uuid(b), "two generated uuids are equal");
    AUTOFREE char *s = dom_format(a, 0);
    cr_assert(matches(s, "<mac address='52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}'/>"), "%s", s);
    AUTOFREE char *again = format_text(s, 0);
    cr_expect_str_eq(again, s, "generated values must survive a round trip");
    dnode_free(a);
    dnode_free(b);
}

Test(xml2xml, format_flags)
{
    const char *xml = "<domain type='qemu' id='7'><name>live</name><memory>1024</memory>"
                      "<os><type>hvm</type></os><devices>"
                      "<serial type='pty' tty='/dev/pts/5'><source path='/dev/pts/5'/></serial>"
                      "<graphics type='vnc' port='5901' autoport='yes' passwd='pw'/></devices></domain>";
    struct err *e = NULL;
    struct dnode *d = dom_parse(xml, strlen(xml), "live", &e);
    cr_assert(d, "%s", e ? e->msg : "");
    /* a live tree (as the runtime writes it) keeps its live data ... */
    AUTOFREE char *live = dom_format(d, DOM_FMT_SECURE);
    cr_expect(strstr(live, "id='7'") && strstr(live, "tty='/dev/pts/5'") &&
              strstr(live, "path='/dev/pts/5'") && strstr(live, "passwd='pw'"), "%s", live);
    /* ... which --inactive drops, and passwd needs --security-info */
    AUTOFREE char *inactive = dom_format(d, DOM_FMT_INACTIVE);
    cr_expect(!strstr(inactive, "id=") && !strstr(inactive, "tty=") && !strstr(inactive, "/dev/pts") &&
              !strstr(inactive, "passwd") && strstr(inactive, "port='-1'"), "%s", inactive);
    dnode_free(d);
}

Test(xml2xml, accessors)
{
    AUTOFREE char *in = fmt("%s/tests/data/xml2xml/lifecycle-given.xml", src_dir());
    struct err *e = NULL;
    struct dnode *d = dom_load_file(in, NULL, &e);
    cr_assert(d, "%s", e ? e->msg : "");
    cr_expect_str_eq(dom_name(d), "lifecycle-given");
    cr_expect_str_eq(dom_uuid(d), "c7a5fdbd-edaf-9455-926a-d65c16db1809");
    cr_expect_str_eq(dom_type(d), "qemu");
    cr_expect_str_eq(dom_os_type(d), "hvm");
    cr_expect_eq(dom_memory_kib(d), 219136);
    cr_expect_eq(dom_current_memory_kib(d), 100000);
    cr_expect_eq(dom_vcpus(d), 4);
    dnode_free(d);
}

Test(xml2xml, test_driver_interface_names)
{
    const char *xml = "<domain type='qemu'><name>nets</name><memory>1024</memory>"
                      "<os><type>hvm</type></os><devices>"
                      "<interface type='user'><target dev='vnet0'/></interface>"
                      "<interface type='user'><target dev='testnet1'/></interface>"
                      "<interface type='user'/><interface type='user'><target dev='mine'/></interface>"
                      "</devices></domain>";
    struct err *e = NULL;
    struct dnode *d = dom_load_string(xml, strlen(xml), "nets", NULL, &e);
    cr_assert(d, "%s", e ? e->msg : "");
    dom_test_ifnames(d);
    const char *want[] = {"testnet0", "testnet1", "testnet2", "mine"};
    const struct dnode *devs = dnode_child(d, "devices");
    for (size_t i = 0; i < 4; i++) {
        const struct dnode *t = dnode_child(dnode_nth(devs, "interface", i), "target");
        cr_expect_str_eq(dnode_attr(t, "dev"), want[i], "interface %zu", i);
        cr_expect(t->se, "new target %zu has no schema entry", i);
    }
    dnode_free(d);
}
