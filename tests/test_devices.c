/* test_devices.c: device selectors, schema keys, builders and matching
 * (unit), the device commands' effect on the config XML through the real
 * binary, golden <disk>/<interface> XML (REGENERATE=1 rewrites), refused
 * changes leaving the file byte-identical, and completion answers. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/devices/devices.h"
#include "../core/xml/domain.h"
#include "../shell/cmd.h"
#include "helpers.h"

static struct dnode *demo_dom(void)
{
    char *path = fmt("%s/tests/data/devices/demo.xml", src_dir());
    struct err *e = NULL;
    struct dnode *dom = dom_load_file(path, NULL, &e);
    cr_assert_not_null(dom, "%s", e ? e->msg : "");
    free(path);
    return dom;
}

static char *joined(const struct strv *sv)
{
    size_t len = 1;
    for (size_t i = 0; i < sv->n; i++)
        len += strlen(sv->v[i]) + 1;
    char *s = calloc(1, len);
    for (size_t i = 0; i < sv->n; i++) {
        strcat(s, sv->v[i]);
        if (i + 1 < sv->n)
            strcat(s, " ");
    }
    return s;
}

Test(devices, selectors_name_every_device)
{
    struct dnode *dom = demo_dom();
    struct strv sv = {0};
    cr_assert_eq(dev_list(dom, NULL, &sv, NULL), 0);
    char *all = joined(&sv);
    cr_assert_str_eq(all, "disk/vda disk/hdc interface/0 interface/1 serial/0 console/0 "
                          "input/0 graphics/vnc sound/0 hostdev/0");
    free(all);
    strv_free(&sv);
    cr_assert_eq(dev_list(dom, "interface", &sv, NULL), 0);
    cr_assert_eq(sv.n, 2);
    strv_free(&sv);
    struct err *e = NULL;
    cr_assert_eq(dev_list(dom, "nosuch", &sv, &e), -1);
    cr_assert_str_eq(e->msg, "unknown device type 'nosuch'");
    err_free(e);
    dnode_free(dom);
}

Test(devices, find_by_target_index_mac_and_type)
{
    struct dnode *dom = demo_dom();
    cr_assert_str_eq(dev_get(dev_find(dom, "disk/hdc", NULL), "target.dev"), "hdc");
    cr_assert_str_eq(dev_get(dev_find(dom, "disk/1", NULL), "target.dev"), "hdc");
    cr_assert_str_eq(dev_get(dev_find(dom, "interface/52:54:00:11:22:44", NULL), "source.network"),
                     "default");
    cr_assert_str_eq(dev_get(dev_find(dom, "interface/1", NULL), "source.network"), "default");
    cr_assert_str_eq(dev_get(dev_find(dom, "graphics/vnc", NULL), "autoport"), "yes");
    struct err *e = NULL;
    cr_assert_null(dev_find(dom, "disk/vdz", &e));
    cr_assert_str_eq(e->msg, "no device 'disk/vdz' in domain 'demo'");
    err_clear(&e);
    cr_assert_null(dev_find(dom, "vda", &e));
    cr_assert(strstr(e->msg, "expected TYPE/NAME"));
    err_clear(&e);
    cr_assert_null(dev_find(dom, "disc/vda", &e));
    cr_assert(strstr(e->msg, "unknown device type 'disc'"));
    err_free(e);
    dnode_free(dom);
}

static bool has(const struct strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

Test(devices, keys_come_from_the_schema)
{
    struct strv sv = {0};
    cr_assert_eq(dev_keys("disk", &sv, NULL), 0);
    const char *disk_keys[] = {"type", "device", "source.file", "source.dev", "target.dev",
                               "target.bus", "driver.name", "driver.type", "readonly",
                               "shareable"};
    for (size_t i = 0; i < sizeof(disk_keys) / sizeof(disk_keys[0]); i++)
        cr_assert(has(&sv, disk_keys[i]), "disk key %s", disk_keys[i]);
    cr_assert(!has(&sv, "alias"), "opaque boilerplate is not a key");
    strv_free(&sv);
    dev_keys("interface", &sv, NULL);
    cr_assert(has(&sv, "mac.address") && has(&sv, "model.type") && has(&sv, "source.bridge"));
    strv_free(&sv);
    dev_keys("graphics", &sv, NULL);
    cr_assert(has(&sv, "port") && has(&sv, "autoport"));
    strv_free(&sv);
    struct dev_key k;
    cr_assert_eq(dev_key_info("disk", "target.bus", &k, NULL), 0);
    cr_assert_eq(k.kind, V_ENUM);
    cr_assert_eq(dev_key_info("disk", "readonly", &k, NULL), 0);
    cr_assert_eq(k.what, DKEY_FLAG);
    struct err *e = NULL;
    cr_assert_eq(dev_key_info("disk", "target.nope", &k, &e), -1);
    cr_assert_str_eq(e->msg, "unknown key 'target.nope' for device 'disk'");
    err_clear(&e);
    cr_assert_eq(dev_key_info("disk", "source", &k, &e), -1);
    cr_assert(strstr(e->msg, "needs an attribute"));
    err_free(e);
}

Test(devices, set_creates_checks_and_removes)
{
    struct dnode *d = dnode_new("disk");
    struct err *e = NULL;
    cr_assert_eq(dev_assign(d, "target.bus=virtio", NULL), 0);
    cr_assert_eq(dev_assign(d, "source.file=/x.img", NULL), 0);
    cr_assert_eq(dev_assign(d, "readonly=yes", NULL), 0);
    /* children land in the schema's order, whatever the order of the keys */
    cr_assert_str_eq(d->kids[0]->name, "source");
    cr_assert_str_eq(d->kids[1]->name, "target");
    cr_assert_str_eq(dev_get(d, "readonly"), "yes");
    cr_assert_eq(dev_assign(d, "target.bus=floppy", &e), -1);
    cr_assert(strstr(e->msg, "invalid value 'floppy' for key 'target.bus': expected one of"));
    err_clear(&e);
    cr_assert_eq(dev_assign(d, "nokey", &e), -1);
    cr_assert_str_eq(e->msg, "expected KEY=VALUE, got 'nokey'");
    err_clear(&e);
    cr_assert_eq(dev_assign(d, "readonly=no", NULL), 0);
    cr_assert_null(dnode_child(d, "readonly"));
    cr_assert_eq(dev_assign(d, "target.bus=", NULL), 0);
    cr_assert_null(dnode_child(d, "target"), "an emptied element is pruned");
    cr_assert_str_eq(dev_get(d, "source.file"), "/x.img");
    dnode_free(d);
}

Test(devices, target_names_and_next_free)
{
    const char *want[][2] = {{"0", "vda"}, {"25", "vdz"}, {"26", "vdaa"}, {"27", "vdab"},
                             {"701", "vdzz"}, {"702", "vdaaa"}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char *n = dev_target_name("vd", (unsigned)atoi(want[i][0]));
        cr_assert_str_eq(n, want[i][1]);
        free(n);
    }
    struct dnode *dom = demo_dom();
    char *vd = dev_next_target(dom, "vd"), *hd = dev_next_target(dom, "hd");
    cr_assert_str_eq(vd, "vdb");
    cr_assert_str_eq(hd, "hda");
    free(vd);
    free(hd);
    cr_assert_str_eq(dev_bus_prefix("scsi"), "sd");
    dnode_free(dom);
}

Test(devices, interface_builder_rules)
{
    struct err *e = NULL;
    struct iface_opts net = {.type = "network"};
    cr_assert_null(dev_build_iface(&net, &e));
    cr_assert(strstr(e->msg, "needs a SOURCE"));
    err_clear(&e);
    struct iface_opts user = {.type = "user", .source = "x"};
    cr_assert_null(dev_build_iface(&user, &e));
    cr_assert_str_eq(e->msg, "interface type 'user' takes no SOURCE");
    err_clear(&e);
    struct iface_opts mc = {.type = "mcast", .source = "5558"};
    cr_assert_null(dev_build_iface(&mc, &e));
    cr_assert(strstr(e->msg, "ADDRESS:PORT"));
    err_clear(&e);
    struct iface_opts srv = {.type = "server", .source = "5558"};
    struct dnode *d = dev_build_iface(&srv, NULL);
    cr_assert_str_eq(dev_get(d, "source.port"), "5558");
    cr_assert_null(dev_get(d, "source.address"));
    dnode_free(d);
}

Test(devices, scope_follows_virsh)
{
    unsigned m = 0;
    struct err *e = NULL;
    struct scope_flags none = {0}, cfg = {.config = true}, pers = {.persistent = true},
                       cur = {.current = true}, cur_live = {.current = true, .live = true};
    cr_assert_eq(dev_scope(&none, SCOPE_DEFAULT_LIVE, true, "d", &m, NULL), 0);
    cr_assert_eq(m, SCOPE_LIVE, "no flag on a running domain: live only");
    cr_assert_eq(dev_scope(&none, SCOPE_DEFAULT_LIVE, false, "d", &m, &e), -1);
    cr_assert_eq(e->code, ERR_STATE);
    err_clear(&e);
    cr_assert_eq(dev_scope(&pers, SCOPE_DEFAULT_LIVE, true, "d", &m, NULL), 0);
    cr_assert_eq(m, SCOPE_LIVE | SCOPE_CONFIG);
    cr_assert_eq(dev_scope(&pers, SCOPE_DEFAULT_LIVE, false, "d", &m, NULL), 0);
    cr_assert_eq(m, SCOPE_CONFIG);
    cr_assert_eq(dev_scope(&cfg, SCOPE_DEFAULT_LIVE, true, "d", &m, NULL), 0);
    cr_assert_eq(m, SCOPE_CONFIG);
    cr_assert_eq(dev_scope(&cur, SCOPE_DEFAULT_LIVE, false, "d", &m, NULL), 0);
    cr_assert_eq(m, SCOPE_CONFIG);
    cr_assert_eq(dev_scope(&none, SCOPE_DEFAULT_CONFIG, true, "d", &m, NULL), 0);
    cr_assert_eq(m, SCOPE_CONFIG);
    cr_assert_eq(dev_scope(&cur_live, SCOPE_DEFAULT_LIVE, true, "d", &m, &e), -1);
    cr_assert_str_eq(e->msg, "options --current and --live are mutually exclusive");
    err_free(e);
}

Test(devices, match_by_partial_fragment)
{
    struct dnode *dom = demo_dom();
    struct dnode *frag = dnode_new("interface");
    dnode_set_attr(dnode_add(frag, "mac"), "address", "52:54:00:11:22:44");
    struct dnode **found;
    size_t n;
    dev_match(dom, frag, &found, &n);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(dnode_attr(found[0], "type"), "network");
    free(found);
    dnode_free(frag);
    frag = dnode_new("disk");
    dnode_set_attr(frag, "type", "file");
    dev_match(dom, frag, &found, &n);
    cr_assert_eq(n, 2);
    free(found);
    dnode_free(frag);
    dnode_free(dom);
}

/* ---- through the binary ---------------------------------------------- */

struct fixture {
    char *root, *config;
};

static struct fixture setup(void)
{
    struct fixture f = {tmp_root(), NULL};
    char *line = fmt("define %s/tests/data/devices/demo.xml", src_dir());
    struct run_result r = run_line(f.root, line);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    free(line);
    f.config = fmt("%s/config/qemu/demo.xml", f.root);
    return f;
}

static void teardown(struct fixture *f)
{
    rm_rf(f->root);
    free(f->root);
    free(f->config);
}

static char *run_ok(struct fixture *f, const char *line)
{
    struct run_result r = run_line(f->root, line);
    cr_assert_eq(r.status, 0, "%s: %s", line, r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

/* a refused change: exit 1, one error line, config byte-identical */
static void refused(struct fixture *f, const char *line, const char *msg_part)
{
    size_t n0, n1;
    char *before = slurp(f->config, &n0);
    struct run_result r = run_line(f->root, line);
    char *after = slurp(f->config, &n1);
    cr_assert_eq(r.status, 1, "%s", line);
    cr_assert(strncmp(r.err, "error: ", 7) == 0 && strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
              "one error line for %s: %s", line, r.err);
    cr_assert(strstr(r.err, msg_part), "%s: %s", line, r.err);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0, "%s changed the config", line);
    free(before);
    free(after);
    run_free(&r);
}

Test(devices_cmd, device_set_changes_the_config)
{
    struct fixture f = setup();
    free(run_ok(&f, "device-set demo disk/vda source.file=/img/new.qcow2 driver.type=qcow2 "
                    "target.bus=scsi"));
    char *xml = run_ok(&f, "device-show demo disk/vda");
    cr_assert(strstr(xml, "<source file='/img/new.qcow2'/>"), "%s", xml);
    cr_assert(strstr(xml, "<driver name='qemu' type='qcow2'/>"), "%s", xml);
    cr_assert(strstr(xml, "<target dev='vda' bus='scsi'/>"), "%s", xml);
    free(xml);
    xml = run_ok(&f, "device-set demo graphics/vnc port=5999");   /* autoport=yes resets it */
    cr_assert(strstr(xml, "no change: the config of domain 'demo' already says that"), "%s", xml);
    free(xml);
    free(run_ok(&f, "device-set demo graphics/vnc port=5901 autoport=no"));
    xml = run_ok(&f, "device-show demo graphics/vnc");
    cr_assert(strstr(xml, "port='5901' autoport='no'"), "%s", xml);
    free(xml);
    free(run_ok(&f, "device-set demo interface/0 model.type=e1000 mac.address=52:54:00:ab:cd:ef"));
    xml = run_ok(&f, "device-show demo interface/52:54:00:ab:cd:ef");
    cr_assert(strstr(xml, "<model type='e1000'/>"), "%s", xml);
    free(xml);
    teardown(&f);
}

Test(devices_cmd, bad_changes_leave_the_file_byte_identical)
{
    struct fixture f = setup();
    refused(&f, "device-set demo disk/vda target.nope=1", "unknown key 'target.nope'");
    refused(&f, "device-set demo disk/vda target.bus=floppy", "invalid value 'floppy'");
    refused(&f, "device-set demo disk/vda target.dev=hdc", "hdc");
    refused(&f, "device-set demo disk/vdz target.bus=ide", "no device 'disk/vdz'");
    refused(&f, "attach-disk demo /img/x.raw hdc --config", "hdc");
    refused(&f, "attach-disk demo /img/x.raw vdb", "not running");
    refused(&f, "device-add demo disk source.file=/x target.dev=vda", "vda");
    refused(&f, "attach-interface demo network --config", "needs a SOURCE");
    refused(&f, "detach-disk demo vdz --config", "no disk found whose source path or target is vdz");
    refused(&f, "detach-interface demo bridge --config", "no interface found whose type is bridge");
    refused(&f, "change-media demo vda /x.iso --config", "not removable");
    refused(&f, "change-media demo hdc /x.iso --insert --config", "already has media");
    refused(&f, "setmem demo 1G --config", "higher than max memory");
    refused(&f, "device-set demo disk/vda --current --config target.bus=ide", "mutually exclusive");
    teardown(&f);
}

Test(devices_cmd, dry_run_prints_a_diff_and_writes_nothing)
{
    struct fixture f = setup();
    size_t n0, n1;
    char *before = slurp(f.config, &n0);
    char *out = run_ok(&f, "device-set demo disk/vda target.bus=ide --dry-run");
    cr_assert(strstr(out, "-      <target dev='vda' bus='virtio'/>\n"
                          "+      <target dev='vda' bus='ide'/>\n"), "%s", out);
    char *after = slurp(f.config, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0);
    free(out);
    free(before);
    free(after);
    teardown(&f);
}

Test(devices_cmd, attach_detach_and_lists)
{
    struct fixture f = setup();
    char *out = run_ok(&f, "attach-disk demo /img/b.raw vdb --config");
    cr_assert(strstr(out, "Disk attached successfully"));
    free(out);
    free(run_ok(&f, "attach-interface demo bridge br0 --mac 52:54:00:00:00:09 --config"));
    out = run_ok(&f, "domblklist demo");
    cr_assert(strstr(out, " vdb      /img/b.raw"), "%s", out);
    free(out);
    out = run_ok(&f, "domiflist demo --json");
    cr_assert(strstr(out, "{\"interface\": null, \"type\": \"bridge\", \"source\": \"br0\", "
                          "\"model\": null, \"mac\": \"52:54:00:00:00:09\"}"), "%s", out);
    free(out);
    out = run_ok(&f, "detach-disk demo /img/b.raw --config");
    cr_assert(strstr(out, "Disk detached successfully"));
    free(out);
    refused(&f, "detach-interface demo network --mac 52:54:00:99:99:99 --config",
            "no interface with MAC address 52:54:00:99:99:99 was found");
    free(run_ok(&f, "detach-interface demo bridge --config"));
    out = run_ok(&f, "device-list demo --type disk");
    cr_assert(!strstr(out, "vdb") && strstr(out, "disk/vda"), "%s", out);
    free(out);
    free(run_ok(&f, "change-media demo hdc --eject --config"));
    out = run_ok(&f, "domblklist demo --details");
    cr_assert(strstr(out, " file   cdrom    hdc      -"), "%s", out);
    free(out);
    free(run_ok(&f, "setmaxmem demo 65536 --config; setvcpus demo 3 --config"));
    out = run_ok(&f, "dumpxml demo --inactive");
    cr_assert(strstr(out, "<memory unit='KiB'>65536</memory>"), "%s", out);
    cr_assert(strstr(out, "<currentMemory unit='KiB'>65536</currentMemory>"), "%s", out);
    cr_assert(strstr(out, "<vcpu>3</vcpu>"), "%s", out);
    free(out);
    teardown(&f);
}

Test(devices_cmd, fragments_attach_detach_update)
{
    struct fixture f = setup();
    char *frag = fmt("%s/frag.xml", f.root);
    write_text(frag, "<disk type='file'><source file='/img/q.raw'/><target dev='vdq'/></disk>\n");
    char *line = fmt("attach-device demo %s --config", frag);
    free(run_ok(&f, line));
    free(line);
    write_text(frag, "<disk type='file'><driver name='qemu' type='qcow2'/>"
                     "<source file='/img/q.qcow2'/><target dev='vdq'/></disk>\n");
    line = fmt("update-device demo %s", frag);
    free(run_ok(&f, line));
    free(line);
    char *out = run_ok(&f, "device-show demo disk/vdq");
    cr_assert(strstr(out, "/img/q.qcow2") && strstr(out, "bus='virtio'"), "%s", out);
    free(out);
    write_text(frag, "<disk type='file'/>\n");
    line = fmt("detach-device demo %s --config", frag);
    refused(&f, line, "3 devices match");
    free(line);
    write_text(frag, "<domain/>\n");
    const char *verbs[] = {"attach-device", "update-device", "detach-device"};
    for (size_t i = 0; i < 3; i++) {
        line = fmt("%s demo %s --config", verbs[i], frag);
        refused(&f, line, "<domain> is not a device");
        free(line);
    }
    write_text(frag, "<disk><target dev='vdq'/></disk>\n");
    line = fmt("detach-device demo %s --config", frag);
    free(run_ok(&f, line));
    free(line);
    free(frag);
    teardown(&f);
}

/* golden <disk>/<interface> XML of attach-disk/attach-interface --print-xml */
Test(devices_cmd, golden_print_xml)
{
    struct fixture f = setup();
    char *list = fmt("%s/tests/data/devices/golden.tsv", src_dir());
    char *text = slurp(list, NULL);
    cr_assert_not_null(text);
    bool regen = getenv("REGENERATE") != NULL;
    int n = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || !tab)
            continue;
        *tab = '\0';
        char *out = run_ok(&f, tab + 1);
        size_t len = strlen(out);      /* one final newline, whatever the shell adds */
        while (len > 1 && out[len - 1] == '\n' && out[len - 2] == '\n')
            out[--len] = '\0';
        char *path = fmt("%s/tests/data/devices/%s.xml", src_dir(), line);
        if (regen)
            write_text(path, out);
        char *want = slurp(path, NULL);
        cr_assert_not_null(want, "missing %s (REGENERATE=1 writes it)", path);
        cr_assert_str_eq(out, want, "%s", line);
        free(want);
        free(path);
        free(out);
        n++;
    }
    cr_assert_geq(n, 19);
    free(text);
    free(list);
    teardown(&f);
}

/* ---- completion through `domsh complete` ------------------------------ */

static char *complete(struct fixture *f, const char *const *words)
{
    const char *argv[16] = {"-q", "complete", "--"};
    size_t n = 3;
    for (; *words && n < 15; words++)
        argv[n++] = *words;
    argv[n] = NULL;
    struct run_result r = run_domsh(f->root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

Test(devices_complete, selectors_keys_and_values)
{
    if (!cmd_find("complete"))
        cr_skip_test("the completion engine (hidden 'complete' command) is not built in");
    struct fixture f = setup();
    char *out = complete(&f, (const char *[]){"device-set", "demo", "", NULL});
    cr_assert(strstr(out, "disk/vda\n") && strstr(out, "disk/hdc\n") &&
              strstr(out, "interface/0\n") && strstr(out, "graphics/vnc\n"), "%s", out);
    free(out);
    out = complete(&f, (const char *[]){"device-set", "demo", "disk/vda", "", NULL});
    cr_assert(strstr(out, "source.file=\n") && strstr(out, "target.bus=\n") &&
              strstr(out, "driver.type=\n") && strstr(out, "readonly=\n"), "%s", out);
    cr_assert(!strstr(out, "mac.address="), "interface keys are not disk keys: %s", out);
    free(out);
    out = complete(&f, (const char *[]){"device-set", "demo", "disk/vda", "target.bus=ide", "t",
                                        NULL});
    cr_assert(strstr(out, "target.dev=\n") && !strstr(out, "target.bus="),
              "keys already given are not offered: %s", out);
    free(out);
    out = complete(&f, (const char *[]){"device-set", "demo", "disk/vda", "target.bus=", NULL});
    cr_assert(strstr(out, "target.bus=virtio\n") && strstr(out, "target.bus=ide\n") &&
              strstr(out, "target.bus=scsi\n"), "%s", out);
    free(out);
    out = complete(&f, (const char *[]){"device-set", "demo", "disk/vda", "readonly=", NULL});
    cr_assert(strstr(out, "readonly=yes\n") && strstr(out, "readonly=no\n"), "%s", out);
    free(out);
    out = complete(&f, (const char *[]){"device-add", "demo", "disk", "target.dev=", NULL});
    cr_assert_str_eq(out, "target.dev=vdb\n");
    free(out);
    out = complete(&f, (const char *[]){"device-set", "demo", "interface/0", "mac.address=",
                                        NULL});
    cr_assert(strstr(out, "mac.address=52:54:00:11:22:33\n") &&
              strstr(out, "mac.address=52:54:00:"), "%s", out);
    free(out);
    out = complete(&f, (const char *[]){"attach-disk", "demo", "/img/x.raw", "", NULL});
    cr_assert(strstr(out, "vdb\n") && strstr(out, "hda\n"), "%s", out);
    free(out);
    teardown(&f);
}

/* ---- TAB in a real terminal (tmux) ------------------------------------ */

/* tmux on the test's private socket; output of the command (caller frees) */
static char *tmux_run(const char *sock, const char *args)
{
    char *cmd = fmt("tmux -S '%s' -f /dev/null %s 2>/dev/null", sock, args);
    FILE *p = popen(cmd, "r");
    free(cmd);
    cr_assert_not_null(p);
    char *out = calloc(1, 1 << 16);
    size_t n = fread(out, 1, (1 << 16) - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

/* the pane once it shows every one of WANT (NULL-terminated), or after 10 s */
static char *pane_with(const char *sock, const char *const *want)
{
    for (int tries = 0;; tries++) {
        char *s = tmux_run(sock, "capture-pane -p -t dev");
        bool all = true;
        for (size_t i = 0; want[i] && all; i++)
            all = strstr(s, want[i]) != NULL;
        if (all || tries > 200)
            return s;
        free(s);
        usleep(50 * 1000);
    }
}

static void tab_shows(const char *sock, const char *typed, const char *const *want)
{
    free(tmux_run(sock, "send-keys -t dev C-u"));
    char *q = fmt("send-keys -t dev -l '%s'", typed);
    free(tmux_run(sock, q));
    free(q);
    free(tmux_run(sock, "send-keys -t dev Tab Tab"));
    char *s = pane_with(sock, want);
    for (size_t i = 0; want[i]; i++)
        cr_expect(strstr(s, want[i]), "'%s<TAB>' does not offer '%s':\n%s", typed, want[i], s);
    free(s);
    free(tmux_run(sock, "send-keys -t dev C-u C-l"));
}

Test(devices_tmux, tab_completes_selectors_keys_and_values, .timeout = 120)
{
    if (!cmd_find("complete") || system("command -v tmux >/dev/null 2>&1") != 0)
        cr_skip_test("needs the completion engine and tmux");
    struct fixture f = setup();
    char *sock = fmt("%s/tmux.sock", f.root);
    char *start = fmt("new-session -d -s dev -x 160 -y 40 \"env DOMSH_ROOT='%s' HOME='%s' "
                      "XDG_STATE_HOME='%s' INPUTRC=/dev/null TERM=xterm '%s'; sleep 600\"",
                      f.root, f.root, f.root, domsh_bin());
    free(tmux_run(sock, start));
    free(start);
    free(pane_with(sock, (const char *[]){"domsh # ", NULL}));
    tab_shows(sock, "device-set demo ", (const char *[]){"disk/vda", "interface/0", "graphics/vnc", NULL});
    tab_shows(sock, "device-set demo disk/vda ",
              (const char *[]){"source.file=", "target.bus=", "driver.type=", NULL});
    tab_shows(sock, "device-set demo disk/vda target.bus=",
              (const char *[]){"virtio", "scsi", "ide", NULL});
    free(tmux_run(sock, "kill-server"));
    free(sock);
    teardown(&f);
}
