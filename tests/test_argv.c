/* test_argv.c: the XML -> QEMU command line mapping, xml2argv style:
 * every tests/data/argv/NAME.xml is loaded (parse, defaults, validate) and
 * built with the run dir /run/domsh/qemu/NAME; the result must equal
 * NAME.args (one option per line, shell-quoted), or, when NAME.err exists,
 * the build must fail with that message.  NAME starting with "nosup-" is
 * built unsupervised (plain pty chardevs).  REGENERATE=1 rewrites the
 * .args files.  Also: escaping, shell quoting, the supervised chardev
 * list and the host checks. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/xml/domain.h"
#include "../core/runtime/qemu_argv.h"
#include "helpers.h"

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static char *data_path(const char *name, const char *ext)
{
    return fmt("%s/tests/data/argv/%s%s", src_dir(), name, ext);
}

/* NAME.args text for a domain: env lines, then one option per line */
static char *argv_text(const struct dnode *dom, const char *name, struct err **e)
{
    char *run = fmt("/run/domsh/qemu/%s", name);
    char *qmp = fmt("%s/qmp.sock", run);
    struct qemu_launch l = {.run_dir = run, .qmp_path = qmp,
                            .supervised = strncmp(name, "nosup-", 6) != 0};
    struct strv argv = {0}, env = {0};
    char *text = NULL;
    if (qemu_build_argv(dom, &l, &argv, e) == 0) {
        qemu_build_env(dom, &env);
        char *body = qemu_argv_shell(&env, &argv, " \\\n");
        text = fmt("%s\n", body);
        free(body);
    }
    strv_free(&argv);
    strv_free(&env);
    free(run);
    free(qmp);
    return text;
}

static void check_one(const char *name)
{
    char *xml = data_path(name, ".xml"), *args = data_path(name, ".args");
    char *errf = data_path(name, ".err");
    struct err *e = NULL;
    struct dnode *dom = dom_load_file(xml, NULL, &e);
    cr_expect(dom, "%s: does not load: %s", name, e ? e->msg : "?");
    char *got = NULL, *want_err = NULL;
    if (!dom)
        goto out;
    got = argv_text(dom, name, &e);
    want_err = slurp(errf, NULL);
    if (want_err) {
        cr_expect(!got, "%s: built, but should fail with: %s", name, want_err);
        char *msg = fmt("%s\n", e ? e->msg : "");
        cr_expect_str_eq(msg, want_err, "%s: wrong error", name);
        free(msg);
    } else if (getenv("REGENERATE") && got) {
        cr_assert_eq(write_text(args, got), 0);
    } else {
        char *want = slurp(args, NULL);
        cr_expect(got, "%s: build failed: %s", name, e ? e->msg : "?");
        cr_expect(want, "%s: missing (REGENERATE=1 writes it)", args);
        if (got && want)
            cr_expect_str_eq(got, want, "%s: argv differs from %s", name, args);
        free(want);
    }
out:
    free(want_err);
    free(got);
    err_free(e);
    dnode_free(dom);
    free(xml);
    free(args);
    free(errf);
}

Test(argv, golden_files)
{
    char *dir = fmt("%s/tests/data/argv", src_dir());
    DIR *d = opendir(dir);
    cr_assert(d, "cannot open %s", dir);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".xml") != 0)
            continue;
        char *name = strndup(de->d_name, len - 4);
        check_one(name);
        free(name);
        n++;
    }
    closedir(d);
    free(dir);
    cr_expect_geq(n, 60, "only %d golden cases found", n);
}

Test(argv, escape_commas)
{
    char *s = qemu_escape("/a,b,,c");
    cr_expect_str_eq(s, "/a,,b,,,,c");
    free(s);
    s = qemu_escape("");
    cr_expect_str_eq(s, "");
    free(s);
}

Test(argv, shell_quoting_round_trips_through_sh)
{
    struct strv argv = {0};
    strv_push(&argv, "/bin/printf");
    strv_push(&argv, "[%s]");
    strv_push(&argv, "it's");
    strv_push(&argv, "a b,c=d");
    strv_push(&argv, "-x");
    strv_push(&argv, "");
    strv_push(&argv, "$HOME`x`\\");
    char *line = qemu_argv_shell(NULL, &argv, " ");
    char *root = tmp_root();
    char *path = fmt("%s/q.sh", root);
    cr_assert_eq(write_text(path, line), 0);
    char *out_path = fmt("%s/out", root);
    char *run = fmt("sh %s > %s", path, out_path);
    cr_assert_eq(system(run), 0);
    char *out = slurp(out_path, NULL);
    cr_expect_str_eq(out, "[it's][a b,c=d][-x][][$HOME`x`\\]");
    free(out);
    free(run);
    free(out_path);
    free(path);
    rm_rf(root);
    free(root);
    free(line);
    strv_free(&argv);
}

static struct dnode *load_xml(const char *xml)
{
    struct err *e = NULL;
    struct dnode *d = dom_load_string(xml, strlen(xml), "test.xml", NULL, &e);
    cr_assert(d, "load failed: %s", e ? e->msg : "?");
    return d;
}

static const char *const dom_head =
    "<domain type='%s'><name>t</name><memory>65536</memory>"
    "<os><type arch='x86_64' machine='pc'>hvm</type>%s</os><devices>%s</devices></domain>";

static char *host_check_msg(const char *type, const char *os, const char *devices)
{
    char *xml = fmt(dom_head, type, os, devices);
    struct dnode *d = load_xml(xml);
    struct err *e = NULL;
    char *msg = qemu_host_check(d, &e) < 0 ? strdup(e->msg) : NULL;
    err_free(e);
    dnode_free(d);
    free(xml);
    return msg;
}

Test(argv, chardev_list_supervised)
{
    char *xml = fmt(dom_head, "qemu", "",
                    "<serial type='pty'><target port='0'/></serial>"
                    "<serial type='file'><source path='/tmp/x'/><target port='1'/></serial>"
                    "<parallel type='pty'><target port='0'/></parallel>"
                    "<console type='pty'><target port='0'/></console>");
    struct dnode *d = load_xml(xml);
    struct qemu_launch l = {.run_dir = "/r/t", .qmp_path = "/r/t/qmp.sock", .supervised = true};
    struct qemu_chardev_list cl;
    struct err *e = NULL;
    cr_assert_eq(qemu_list_chardevs(d, &l, &cl, &e), 0);
    cr_assert_eq(cl.n, 2, "pty serial and pty parallel, not the file one");
    cr_expect_str_eq(cl.v[0].alias, "serial0");
    cr_expect_str_eq(cl.v[0].chardev_id, "charserial0");
    cr_expect_str_eq(cl.v[0].sock_path, "/r/t/charserial0.sock");
    cr_expect_str_eq(cl.v[0].node->name, "serial");
    cr_assert(cl.v[0].console, "the console is the alias of serial 0");
    cr_expect_str_eq(cl.v[0].console->name, "console");
    cr_expect_str_eq(cl.v[1].sock_path, "/r/t/charparallel0.sock");
    cr_expect_null(cl.v[1].console);
    qemu_chardev_list_free(&cl);
    l.supervised = false;
    cr_assert_eq(qemu_list_chardevs(d, &l, &cl, &e), 0);
    cr_expect_eq(cl.n, 0);
    qemu_chardev_list_free(&cl);
    dnode_free(d);
    free(xml);
}

/* post-parse defaults add the serial a lone console aliases (libvirt's
 * compat rule); the builder copes with the bare tree too */
Test(argv, console_without_serial_is_serial0)
{
    char *xml = fmt(dom_head, "qemu", "", "<console type='pty'><target port='0'/></console>");
    struct err *pe = NULL;
    struct dnode *d = dom_parse(xml, strlen(xml), "test.xml", &pe);
    cr_assert(d, "parse: %s", pe ? pe->msg : "?");
    struct qemu_launch l = {.run_dir = "/r/t", .qmp_path = "/r/t/qmp.sock", .supervised = true};
    struct qemu_chardev_list cl;
    struct err *e = NULL;
    cr_assert_eq(qemu_list_chardevs(d, &l, &cl, &e), 0);
    cr_assert_eq(cl.n, 1);
    cr_expect_str_eq(cl.v[0].alias, "serial0");
    cr_expect_str_eq(cl.v[0].node->name, "console");
    cr_expect_eq(cl.v[0].console, cl.v[0].node);
    qemu_chardev_list_free(&cl);
    dnode_free(d);
    free(xml);
}

Test(argv, socket_path_too_long)
{
    char *xml = fmt(dom_head, "qemu", "", "<serial type='pty'/>");
    struct dnode *d = load_xml(xml);
    char run[200];
    memset(run, 'r', sizeof(run) - 1);
    run[0] = '/';
    run[sizeof(run) - 1] = '\0';
    struct qemu_launch l = {.run_dir = run, .qmp_path = "/tmp/q.sock", .supervised = true};
    struct strv argv = {0};
    struct err *e = NULL;
    cr_assert_eq(qemu_build_argv(d, &l, &argv, &e), -1);
    cr_expect(strstr(e->msg, "is too long (216 bytes, at most 107)"), "%s", e->msg);
    cr_expect_eq(argv.n, 0, "nothing left in argv on failure");
    err_free(e);
    dnode_free(d);
    free(xml);
}

Test(argv, qmp_path_with_commas_is_escaped)
{
    char *xml = fmt(dom_head, "qemu", "", "");
    struct dnode *d = load_xml(xml);
    struct qemu_launch l = {.run_dir = "/r,x", .qmp_path = "/r,x/qmp.sock"};
    struct strv argv = {0};
    struct err *e = NULL;
    cr_assert_eq(qemu_build_argv(d, &l, &argv, &e), 0);
    bool found = false;
    for (size_t i = 0; i < argv.n; i++)
        found |= strcmp(argv.v[i], "socket,id=charmonitor,path=/r,,x/qmp.sock,server=on,wait=off") == 0;
    cr_expect(found, "QMP chardev path not escaped");
    strv_free(&argv);
    dnode_free(d);
    free(xml);
}

Test(argv, host_check_refusals)
{
    struct { const char *type, *os, *devices, *want; } cases[] = {
        {"xen", "", "", "domain type 'xen' is not supported by the qemu backend"},
        {"lxc", "", "", "domain type 'lxc' is not supported by the qemu backend"},
        {"qemu", "", "<emulator>/nonexistent/qemu</emulator>",
         "emulator '/nonexistent/qemu': No such file or directory"},
        {"qemu", "", "<emulator>/</emulator>", "emulator '/' is not executable"},
        {"qemu", "<kernel>/nonexistent/vmlinuz</kernel>", "",
         "kernel '/nonexistent/vmlinuz': No such file or directory"},
        {"qemu", "", "<disk type='file'><source file='/nonexistent.img'/><target dev='vda'/></disk>",
         "disk 'vda': source '/nonexistent.img': No such file or directory"},
        {"qemu", "", "<interface type='bridge'><source bridge='nosuchbr9'/></interface>",
         "interface type 'bridge': bridge 'nosuchbr9' does not exist"},
        {"qemu", "", "<interface type='network'><source network='lan'/></interface>",
         "interface 0: network 'lan' is unknown (domsh has no network driver: only 'default' = bridge virbr0)"},
        {"qemu", "", "<hostdev mode='subsystem' type='pci'><source><address bus='0x06' slot='0x02' "
                     "function='0x0'/></source></hostdev>",
         "PCI passthrough of 0000:06:02.0 needs vfio and KVM"},
        {"qemu", "", "<hostdev mode='subsystem' type='usb'><source><address bus='99' device='99'/>"
                     "</source></hostdev>",
         "USB device 99:99 is not present on this host"},
        {"qemu", "", "<hostdev mode='subsystem' type='usb'><source><vendor id='0xfffe'/>"
                     "<product id='0xfffd'/></source></hostdev>",
         "USB device fffe:fffd is not present on this host"},
        {"qemu", "", "<serial type='stdio'/><parallel type='stdio'/>",
         "only one character device can be of type 'stdio'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *msg = host_check_msg(cases[i].type, cases[i].os, cases[i].devices);
        cr_expect(msg && strcmp(msg, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i,
                  msg ? msg : "(accepted)", cases[i].want);
        free(msg);
    }
}

Test(argv, host_check_accepts_a_plain_guest)
{
    char *msg = host_check_msg("qemu", "", "<serial type='pty'/><interface type='user'/>"
                               "<graphics type='vnc'/><input type='tablet' bus='usb'/>");
    cr_expect_null(msg, "refused: %s", msg);
    free(msg);
}

Test(argv, host_check_sdl_needs_display)
{
    unsetenv("DISPLAY");
    char *msg = host_check_msg("qemu", "", "<graphics type='sdl'/>");
    cr_expect_str_eq(msg ? msg : "", "graphics type 'sdl' needs an X display ($DISPLAY is not set "
                     "and no display= is given)");
    free(msg);
}

/* KVM is policy: a /dev/kvm we can open and a CPU with vmx/svm */
Test(argv, host_check_kvm_policy)
{
    char *msg = host_check_msg("kvm", "", "");
    char *cpu = slurp("/proc/cpuinfo", NULL);
    bool vt = cpu && (strstr(cpu, " vmx") || strstr(cpu, " svm"));
    if (access("/dev/kvm", R_OK | W_OK) == 0 && vt)
        cr_expect_null(msg, "refused on a KVM host: %s", msg);
    else
        cr_expect(msg && strstr(msg, "KVM acceleration requested but not available")
                  && strstr(msg, "use type='qemu'"), "got: %s", msg ? msg : "(accepted)");
    free(cpu);
    free(msg);
}

/* ---- domxml-to-native through the real binary ---- */

/* the words a POSIX shell makes of LINE, NUL-separated */
static char *shell_words(const char *root, const char *line)
{
    char *script = fmt("%s/words.sh", root), *out = fmt("%s/words.out", root);
    char *text = fmt("set -- %s\nfor a do printf '%%s\\0' \"$a\"; done > '%s'\n", line, out);
    cr_assert_eq(write_text(script, text), 0);
    char *cmd = fmt("sh '%s'", script);
    cr_assert_eq(system(cmd), 0, "sh could not run: %s", line);
    size_t len = 0;
    char *words = slurp(out, &len);
    char *joined = calloc(1, len + 1);
    for (size_t i = 0; i < len; i++)
        joined[i] = words[i] ? words[i] : '\n';
    free(words);
    free(cmd);
    free(text);
    free(out);
    free(script);
    return joined;
}

static char *argv_lines(const char *root, const char *xml_path, const char *name)
{
    struct err *e = NULL;
    struct dnode *d = dom_load_file(xml_path, NULL, &e);
    cr_assert(d, "%s", e ? e->msg : "?");
    char *run = fmt("%s/run/qemu/%s", root, name), *qmp = fmt("%s/qmp.sock", run);
    struct qemu_launch l = {.run_dir = run, .qmp_path = qmp, .supervised = true};
    struct strv argv = {0};
    cr_assert_eq(qemu_build_argv(d, &l, &argv, &e), 0);
    struct buf b = {0};
    for (size_t i = 0; i < argv.n; i++)
        buf_printf(&b, "%s\n", argv.v[i]);
    strv_free(&argv);
    dnode_free(d);
    free(run);
    free(qmp);
    return buf_steal(&b);
}

Test(argv, domxml_to_native_prints_what_start_runs)
{
    char *root = tmp_root();
    char *xml = data_path("disk-path-commas", ".xml");
    const char *argv1[] = {"-q", "-c", "qemu:///session", "domxml-to-native", "qemu-argv", xml, NULL};
    struct run_result r = run_domsh(root, NULL, argv1);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 1, "one line: %s", r.out);
    char *want = argv_lines(root, xml, "disk-path-commas");
    char *got = shell_words(root, r.out);
    cr_expect_str_eq(got, want, "pasting the line into sh must give the argv back");
    free(got);
    run_free(&r);

    const char *def[] = {"-c", "qemu:///session", "define", xml, NULL};
    r = run_domsh(root, NULL, def);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    const char *argv2[] = {"-q", "-c", "qemu:///session", "domxml-to-native", "--format", "qemu-argv",
                           "--domain", "disk-path-commas", NULL};
    r = run_domsh(root, NULL, argv2);
    cr_assert_eq(r.status, 0, "%s", r.err);
    got = shell_words(root, r.out);
    cr_expect_str_eq(got, want);
    free(got);
    run_free(&r);
    free(want);
    free(xml);
    rm_rf(root);
    free(root);
}

Test(argv, domxml_to_native_errors)
{
    char *root = tmp_root();
    const char *none[] = {"domxml-to-native", "qemu-argv", NULL};
    struct run_result r = run_domsh(root, NULL, none);
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.err, "error: an XML file or --domain is required\n");
    run_free(&r);
    const char *fmt_bad[] = {"domxml-to-native", "xen-xm", "/dev/null", NULL};
    r = run_domsh(root, NULL, fmt_bad);
    cr_expect_eq(r.status, 1);
    cr_expect(strstr(r.err, "xen-xm"), "%s", r.err);
    run_free(&r);
    char *xml = data_path("err-disk-bus-xen", ".xml");
    const char *bad[] = {"-q", "domxml-to-native", "qemu-argv", xml, NULL};
    r = run_domsh(root, NULL, bad);
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.err, "error: disk 'xvda': bus 'xen' is not supported by the qemu backend\n");
    cr_expect_str_eq(r.out, "");
    run_free(&r);
    free(xml);
    rm_rf(root);
    free(root);
}
