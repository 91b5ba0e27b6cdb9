/* test_names.c: domain names as libvirt allows them (issue 10, item 6):
 * blanks, UTF-8 and punctuation work end to end; '/', control characters,
 * a leading '.' or '-' and over-long names are refused with one clear
 * line.  The quoting of completion is in test_complete.c. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/xml/domain.h"
#include "helpers.h"
#include "live_check.h"

#define TEST_URI "test:///default"

static const char name_xml[] =
    "<domain type='test'><name>%s</name><memory>65536</memory><os><type>hvm</type></os>"
    "<devices><serial type='pty'/><console type='pty'/></devices></domain>\n";

static char *root;

static void fini(void)
{
    if (root) {
        struct run_result r = run_domsh(root, NULL, (const char *[]){"-c", TEST_URI,
                                        "destroy 'web server 1'", NULL});
        run_free(&r);
        rm_rf(root);
    }
    free(root);
    root = NULL;
}

TestSuite(names, .fini = fini, .timeout = 120);

static struct run_result define_named(const char *xml_name)
{
    char *xml = fmt(name_xml, xml_name), *path = fmt("%s/in.xml", root);
    write_text(path, xml);
    struct run_result r = run_domsh(root, NULL, (const char *[]){"-c", TEST_URI, "define",
                                    path, NULL});
    free(path);
    free(xml);
    return r;
}

Test(names, web_server_1_end_to_end)
{
    root = tmp_root();
    struct run_result r = define_named("web server 1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *said = fmt("Domain 'web server 1' defined from %s/in.xml\n\n", root);
    cr_assert_str_eq(r.out, said);
    free(said);
    run_free(&r);
    char *out = live_ok(root, TEST_URI, "start 'web server 1'; list");
    cr_assert(strstr(out, " web server 1   running"), "%s", out);
    free(out);
    char *seen = NULL;
    cr_assert(live_console(root, TEST_URI, "web server 1", "echo n-$((6*7))", "n-42", &seen),
              "%s", seen);
    free(seen);
    out = live_ok(root, TEST_URI, "complete -- 'destroy web'; ttyconsole 'web server 1'");
    cr_assert(strncmp(out, "'web server 1'\n/dev/pts/", strlen("'web server 1'\n/dev/pts/")) == 0,
              "%s", out);
    free(out);
    /* a config change: the history directory is named after the domain */
    free(live_ok(root, TEST_URI, "attach-disk 'web server 1' /img/x.raw vdb --config; "
                                 "config-history 'web server 1'"));
    char *hist = fmt("%s/config/test/history/web server 1", root);
    struct stat sb;
    cr_assert(stat(hist, &sb) == 0 && S_ISDIR(sb.st_mode), "%s", hist);
    free(live_ok(root, TEST_URI, "destroy 'web server 1'; undefine 'web server 1'"));
    out = live_ok(root, TEST_URI, "list --all --name");
    cr_assert_str_eq(out, "");
    free(out);
    free(hist);
}

/* names libvirt 9.0 accepts (virsh -c test:///default define) */
Test(names, accepted_as_libvirt_does)
{
    root = tmp_root();
    static const char *const ok[] = {"caf\xc3\xa9 \xe6\xbc\xa2\xe5\xad\x97", "a'b", "a\"b&amp;c",
                                     "$x;y|z*?[]", "1234", "trail ", "a:b,c=d", "~home",
                                     "a\\b", "x..y"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct run_result r = define_named(ok[i]);
        cr_expect_eq(r.status, 0, "'%s': %s", ok[i], r.err);
        run_free(&r);
    }
    char *names = live_ok(root, TEST_URI, "list --all --name");
    cr_expect(strstr(names, "a\"b&c\n") && strstr(names, "trail \n"), "%s", names);
    free(names);
}

/* refused, with the line libvirt prints where libvirt refuses too */
Test(names, refused_with_one_clear_line)
{
    root = tmp_root();
    char *too_long = calloc(1, DOM_NAME_MAX + 2);
    memset(too_long, 'n', DOM_NAME_MAX + 1);
    const struct { const char *name, *err; } bad[] = {
        {"", "missing name information"},
        {"a/b", "name a/b cannot contain '/'"},
        {"a&#10;b", "invalid char in name: control character 0x0a"},
        {"a&#9;b", "invalid char in name: control character 0x09"},
        {".hidden", "domain name '.hidden' must not start with '.'"},
        {"-rf", "domain name '-rf' must not start with '-'"},
        {too_long, "bytes long (at most 224: it names files)"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct run_result r = define_named(bad[i].name);
        cr_expect_eq(r.status, 1, "'%s' accepted", bad[i].name);
        cr_expect(strncmp(r.err, "error: ", 7) == 0 && strstr(r.err, bad[i].err) &&
                  strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                  "'%s': %s", bad[i].name, r.err);
        run_free(&r);
    }
    char *names = live_ok(root, TEST_URI, "list --all --name");
    cr_expect_str_eq(names, "");
    free(names);
    free(too_long);
}
