/* test_schema.c: self-checks of the schema table, the value checkers, the
 * uuid/mac/name helpers, device fragments and xml_xpath. */
#include <criterion/criterion.h>

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/xml/schema.h"
#include "../core/xml/xml.h"
#include "helpers.h"

Test(schema, paths_unique_and_parents_list_their_children)
{
    cr_assert_gt(schema_count(), 60);
    cr_expect_eq(schema_root(), schema_at(0));
    cr_expect_str_eq(schema_root()->path, "domain");
    for (size_t i = 0; i < schema_count(); i++) {
        const struct schema_elem *se = schema_at(i);
        cr_expect_eq(schema_find(se->path), se, "path '%s' is not unique", se->path);
        const char *slash = strrchr(se->path, '/');
        cr_expect_str_eq(slash ? slash + 1 : se->path, se->name, "%s: name and path disagree", se->path);
        if (!slash)
            continue;
        char *parent_path = strndup(se->path, (size_t)(slash - se->path));
        const struct schema_elem *parent = schema_find(parent_path);
        cr_assert(parent, "%s has no parent entry", se->path);
        cr_expect_eq(schema_child(parent, se->name), se, "%s: schema_child disagrees", se->path);
        bool listed = false;
        for (const char *const *c = parent->children; *c; c++)
            listed |= strcmp(*c, se->name) == 0;
        cr_expect(listed, "%s is not in the children list of %s", se->name, parent_path);
        free(parent_path);
    }
}

Test(schema, children_resolve_enums_nonempty_docs_present)
{
    for (size_t i = 0; i < schema_count(); i++) {
        const struct schema_elem *se = schema_at(i);
        cr_expect(se->doc && *se->doc, "%s has no doc", se->path);
        for (const char *const *c = se->children; *c; c++)
            cr_expect(schema_child(se, *c), "%s: child '%s' has no entry", se->path, *c);
        if (se->text == V_ENUM)
            cr_expect(se->text_values && se->text_values[0], "%s: empty enum", se->path);
        for (const struct schema_attr *a = se->attrs; a->name; a++) {
            cr_expect(a->doc && *a->doc, "%s/@%s has no doc", se->path, a->name);
            if (a->kind == V_ENUM)
                cr_expect(a->values && a->values[0], "%s/@%s: empty enum", se->path, a->name);
            cr_expect_eq(schema_attr(se, a->name), a);
        }
        if (se->flags & SE_OPAQUE)
            cr_expect_null(se->children[0], "%s: opaque entries have no listed children", se->path);
    }
}

Test(schema, device_kinds_are_the_flagged_devices_children)
{
    const struct schema_elem *devs = schema_find("domain/devices");
    const char *const *kinds = schema_device_kinds();
    size_t k = 0;
    for (const char *const *c = devs->children; *c; c++) {
        const struct schema_elem *se = schema_child(devs, *c);
        if (!(se->flags & SE_DEVICE))
            continue;
        cr_assert(kinds[k], "device kind '%s' missing from schema_device_kinds()", *c);
        cr_expect_str_eq(kinds[k], *c);
        k++;
    }
    cr_expect_null(kinds[k], "extra device kind '%s'", kinds[k] ? kinds[k] : "");
}

Test(schema, seed_enums_complete)
{
    struct { const char *path, *attr, *values; } want[] = {
        {"domain/os/boot", "dev", "fd hd cdrom network"},
        {"domain/devices/disk", "device", "floppy disk cdrom"},
        {"domain/devices/disk/target", "bus", "ide fdc scsi virtio xen usb uml"},
        {"domain/devices/interface", "type", "network bridge user ethernet mcast server client"},
        {"domain/devices/serial", "type", "stdio file vc null pty dev pipe tcp udp unix"},
        {"domain/devices/console/source", "mode", "bind connect"},
        {"domain/devices/sound", "model", "es1370 sb16 ac97 pcspk"},
        {"domain/devices/graphics", "type", "sdl vnc"},
        {"domain/devices/input", "bus", "xen ps2 usb"},
        {"domain/clock", "offset", "utc localtime"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct schema_attr *a = schema_attr(schema_find(want[i].path), want[i].attr);
        cr_assert(a, "%s/@%s missing", want[i].path, want[i].attr);
        char *copy = strdup(want[i].values), *save = NULL;
        for (char *v = strtok_r(copy, " ", &save); v; v = strtok_r(NULL, " ", &save))
            cr_expect(schema_value_ok(a->kind, a->values, v, NULL), "%s/@%s lacks '%s'",
                      want[i].path, want[i].attr, v);
        free(copy);
    }
    const struct schema_elem *crash = schema_find("domain/on_crash");
    cr_expect(schema_value_ok(crash->text, crash->text_values, "rename-restart", NULL));
}

Test(schema, value_checkers)
{
    struct { enum val_kind k; const char *v; bool ok; } t[] = {
        {V_UINT, "0", true}, {V_UINT, "18446744073709551615", true},
        {V_UINT, "18446744073709551616", false}, {V_UINT, "-1", false}, {V_UINT, "1k", false},
        {V_UINT, "", false}, {V_INT, "-1", true}, {V_INT, "5900", true}, {V_INT, "x", false},
        {V_INT, "2147483648", false}, {V_HEX, "0x1f", true}, {V_HEX, "017", true},
        {V_HEX, "1f", false}, {V_HEX, "010", true}, {V_HEX, "0xzz", false}, {V_HEX, "", false}, {V_YESNO, "yes", true},
        {V_YESNO, "on", false}, {V_UUID, "4dea22b31d52d8f32516782e98ab3fa0", true},
        {V_UUID, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0", true}, {V_UUID, "not-a-uuid", false},
        {V_MAC, "52:54:00:ab:cd:ef", true}, {V_MAC, "52:54:00:ab:cd:1", true},
        {V_MAC, "52:54:00:zz:00:01", false}, {V_MAC, "52:54:00:ab:cd", false},
        {V_NAME, " ", true}, {V_NONE, "", true}, {V_NONE, "x", false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        const char *why = NULL;
        bool ok = schema_value_ok(t[i].k, NULL, t[i].v, &why);
        cr_expect_eq(ok, t[i].ok, "%s '%s': got %d", schema_kind_name(t[i].k), t[i].v, ok);
        cr_expect(ok || (why && *why), "no reason given for '%s'", t[i].v);
    }
}

Test(schema, uuid_mac_name_helpers)
{
    unsigned char u[16];
    char s[37];
    cr_assert(uuid_parse("4DEA22B31D52D8F32516782E98AB3FA0", u));
    uuid_format(u, s);
    cr_expect_str_eq(s, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    cr_expect(!uuid_parse("4dea22b3-1d52-d8f3-2516-782e98ab3fa", u));
    cr_expect(!uuid_parse("4dea22b3-1d52-d8f3-2516-782e98ab3fa0ff", u));
    char m[18];
    mac_generate(m);
    regex_t r;
    regcomp(&r, "^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$", REG_EXTENDED | REG_NOSUB);
    cr_expect_eq(regexec(&r, m, 0, NULL, 0), 0, "mac %s", m);
    regfree(&r);
    const char *good[] = {"a", "QEMUGuest1", "x_y.z+w-1", "0abc", "sp ace", "ünï", "a'b\"c$d*e"};
    const char *bad[] = {"", ".hidden", "-opt", "foo/bar", "tab\there", "del\x7f"};
    for (size_t i = 0; i < 7; i++)
        cr_expect(dom_name_valid(good[i], NULL), "'%s' refused", good[i]);
    for (size_t i = 0; i < 6; i++) {
        struct err *e = NULL;
        cr_expect(!dom_name_valid(bad[i], &e), "'%s' accepted", bad[i]);
        cr_expect(e && e->msg, "no message for '%s'", bad[i]);
        err_free(e);
    }
    char longest[DOM_NAME_MAX + 2];
    memset(longest, 'a', DOM_NAME_MAX + 1);
    longest[DOM_NAME_MAX + 1] = '\0';
    cr_expect(!dom_name_valid(longest, NULL));
    longest[DOM_NAME_MAX] = '\0';
    cr_expect(dom_name_valid(longest, NULL));
}

Test(schema, device_fragment_defaults_in_context)
{
    const char *dom_xml = "<domain type='qemu'><name>ctx</name><memory>1024</memory>"
                          "<os><type>hvm</type></os><devices><serial type='pty'><target port='3'/>"
                          "</serial></devices></domain>";
    struct err *e = NULL;
    struct dnode *dom = dom_load_string(dom_xml, strlen(dom_xml), "ctx", NULL, &e);
    cr_assert(dom, "%s", e ? e->msg : "");
    const char *frag = "<serial type='tcp'><source host='h' service='9'/></serial>";
    struct dnode *dev = dom_parse_device(frag, strlen(frag), "frag", dom, &e);
    cr_assert(dev, "%s", e ? e->msg : "");
    char *s = dom_format_node(dev, 0);
    cr_expect_str_eq(s, "<serial type='tcp'>\n  <source mode='connect' host='h' service='9'/>\n"
                        "  <protocol type='raw'/>\n  <target port='4'/>\n</serial>\n");
    free(s);
    dnode_free(dev);
    const char *disk = "<disk device='cdrom'><target dev='sdc'/></disk>";
    dev = dom_parse_device(disk, strlen(disk), "frag", dom, &e);
    cr_assert(dev, "%s", e ? e->msg : "");
    s = dom_format_node(dev, 0);
    cr_expect_str_eq(s, "<disk type='file' device='cdrom'>\n  <target dev='sdc' bus='scsi'/>\n"
                        "  <readonly/>\n</disk>\n");
    free(s);
    dnode_free(dev);
    dnode_free(dom);
}

Test(schema, xpath_like_virsh)
{
    const char *xml = "<domain type='test'><name>x</name><devices><disk/><disk/></devices></domain>";
    struct strv out = {0};
    cr_assert_eq(xml_xpath(xml, "//name", &out, NULL), 0);
    cr_assert_eq(out.n, 1);
    cr_expect_str_eq(out.v[0], "<name>x</name>");
    strv_free(&out);
    cr_assert_eq(xml_xpath(xml, "/domain/@type", &out, NULL), 0);
    cr_expect_str_eq(out.v[0], " type=\"test\"");
    strv_free(&out);
    cr_assert_eq(xml_xpath(xml, "//disk", &out, NULL), 0);
    cr_expect_eq(out.n, 2);
    strv_free(&out);
    struct err *e = NULL;
    cr_expect_eq(xml_xpath(xml, "string(//name)", &out, &e), -1);
    cr_expect(e && strstr(e->msg, "string(//name)"));
    err_clear(&e);
    cr_expect_eq(xml_xpath(xml, "//[", &out, &e), -1);
    err_free(e);
}
