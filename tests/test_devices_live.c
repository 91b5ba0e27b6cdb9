/* test_devices_live.c: live device changes through the supervisor: on
 * the test backend (fake guest: the live XML follows, the config does not)
 * and, when QEMU and the packaged kernel are here, on a real busybox guest
 * (hot-plugged disk in /proc/partitions, NIC in /sys/class/net). */
#include <criterion/criterion.h>

#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/base/mem.h"
#include "../core/base/proto.h"
#include "../shell/cmd.h"
#include "helpers.h"
#include "live_check.h"

/* ---- live changes on the test backend (fake guest, same supervisor) ---- */

static const char live_xml[] =
    "<domain type='qemu'><name>lv</name><memory>131072</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os><devices>"
    "<disk type='file' device='disk'><source file='/img/a.raw'/><target dev='vda' bus='virtio'/></disk>"
    "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
    "<interface type='user'><mac address='52:54:00:00:aa:01'/></interface>"
    "<serial type='pty'><target port='0'/></serial></devices></domain>\n";

static struct run_result on_test(const char *root, const char *line)
{
    return run_domsh(root, NULL, (const char *[]){"-c", "test:///default", line, NULL});
}

static char *test_ok(const char *root, const char *line)
{
    struct run_result r = on_test(root, line);
    cr_assert_eq(r.status, 0, "%s: %s", line, r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

Test(devices_live, hotplug_media_and_balloon_on_the_test_backend, .timeout = 60)
{
    if (!cmd_find("start"))
        cr_skip_test("needs the runtime (start)");
    char *root = tmp_root();
    char *xml = fmt("%s/lv.xml", root);
    write_text(xml, live_xml);
    char *def = fmt("define %s; start lv", xml);
    free(test_ok(root, def));
    char *config = fmt("%s/config/test/lv.xml", root);
    size_t n0, n1;
    char *before = slurp(config, &n0);

    char *out = test_ok(root, "attach-disk lv /img/b.raw vdb; attach-interface lv user --model virtio "
                              "--mac 52:54:00:00:aa:02; change-media lv hdc /img/cd.iso; setmem lv 64M");
    cr_assert(strstr(out, "Disk attached successfully") && strstr(out, "Successfully updated media."),
              "%s", out);
    free(out);
    out = test_ok(root, "domblklist lv; domiflist lv; dumpxml lv");
    cr_assert(strstr(out, " vdb      /img/b.raw") && strstr(out, " hdc      /img/cd.iso"), "%s", out);
    cr_assert(strstr(out, "52:54:00:00:aa:02") && strstr(out, "<alias name='net1'/>"), "%s", out);
    cr_assert(strstr(out, "<currentMemory unit='KiB'>65536</currentMemory>"), "%s", out);
    free(out);
    char *after = slurp(config, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0, "live-only changes keep the config");
    free(after);

    /* what cannot change live is refused, and nothing changes */
    struct run_result r = on_test(root, "device-set lv disk/vda target.bus=ide --live");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "cannot be changed on a running domain"), "%s", r.err);
    run_free(&r);
    r = on_test(root, "attach-disk lv /img/c.raw hdd --live");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "cannot be hot-plugged"), "%s", r.err);
    run_free(&r);
    r = on_test(root, "setvcpus lv 2");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "cannot change the vcpus of running domain 'lv': use --config"),
              "%s", r.err);
    run_free(&r);
    r = on_test(root, "setmaxmem lv 1G");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "cannot resize the maximum memory of running domain 'lv'"), "%s",
              r.err);
    run_free(&r);

    /* --persistent: both; detach by MAC and target */
    free(test_ok(root, "attach-disk lv /img/d.raw vdc --persistent; "
                       "detach-interface lv user --mac 52:54:00:00:aa:02; detach-disk lv vdb"));
    out = test_ok(root, "domblklist lv; domiflist lv; domblklist lv --inactive");
    cr_assert(!strstr(out, "/img/b.raw") && !strstr(out, "52:54:00:00:aa:02"), "%s", out);
    cr_assert(strstr(out, " vdc      /img/d.raw") && strstr(strstr(out, "vdc") + 3, " vdc "),
              "vdc is live and in the config: %s", out);
    free(out);
    free(test_ok(root, "destroy lv"));
    free(before);
    free(config);
    free(def);
    free(xml);
    rm_rf(root);
    free(root);
}

/* ---- QEMU: the guest sees hot-plugged devices -------------------------- */

struct guest {
    char *root;
    int con;                 /* console connection (frames) */
    struct frame_reader rd;
    struct buf out;          /* console output since the last mark */
};

/* read console output until it holds WANT (true) or SECS pass (false);
 * generous: TCG on a loaded host boots in seconds to minutes */
static bool console_wait(struct guest *g, const char *want, int secs)
{
    for (int waited = 0; waited < secs * 1000; waited += 100) {
        if (g->out.len && strstr(buf_str(&g->out), want))
            return true;
        struct pollfd p = {g->con, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        if (frame_fill(&g->rd, g->con) <= 0)
            return false;
        struct frame f;
        while (frame_next(&g->rd, &f))
            if (f.type == PROTO_DATA)
                buf_addn(&g->out, f.payload, f.len);
    }
    return false;
}

/* type a line and wait for WANT in what follows */
static bool guest_run(struct guest *g, const char *line, const char *want)
{
    buf_reset(&g->out);
    char *l = fmt("%s\r", line);
    proto_send(g->con, PROTO_DATA, l, strlen(l));
    free(l);
    return console_wait(g, want, 20);
}

/* poll the guest with LINE until its output holds WANT */
static bool guest_until(struct guest *g, const char *line, const char *want)
{
    for (int i = 0; i < 6; i++) {
        if (guest_run(g, line, want))
            return true;
        sleep(1);
    }
    return false;
}

static char *kernel_path(void)
{
    glob_t gl;
    char *k = NULL;
    if (glob("/boot/vmlinuz-*", 0, NULL, &gl) == 0 && gl.gl_pathc)
        k = strdup(gl.gl_pathv[gl.gl_pathc - 1]);
    globfree(&gl);
    return k;
}

static void qemu_ok(const char *root, const char *line)
{
    struct run_result r = run_line(root, line);
    cr_assert_eq(r.status, 0, "%s: %s", line, r.err);
    run_free(&r);
}

static char *qemu_root;   /* for the suite's fini: the guest never outlives a failed test */

static void qemu_fini(void)
{
    if (!qemu_root)
        return;
    struct run_result r = run_line(qemu_root, "destroy demo");
    run_free(&r);
    rm_rf(qemu_root);
    free(qemu_root);
    qemu_root = NULL;
}

TestSuite(devices_qemu, .fini = qemu_fini, .timeout = 600);

/* define and start the busybox demo guest; skips when the host cannot */
static void boot_guest(struct guest *g)
{
    char *kernel = kernel_path();
    if (!cmd_find("start") || access("/usr/bin/qemu-system-x86_64", X_OK) != 0 || !kernel)
        cr_skip_test("needs the runtime, qemu-system-x86_64 and /boot/vmlinuz-*");
    g->root = qemu_root = tmp_root();
    char *mk = fmt("sh '%s/scripts/mkinitramfs.sh' '%s/initrd.img' >/dev/null 2>&1 && "
                   "qemu-img create -q -f raw '%s/extra.img' 16M && "
                   "qemu-img create -q -f raw '%s/cd1.iso' 1M && cp '%s/cd1.iso' '%s/cd2.iso'",
                   src_dir(), g->root, g->root, g->root, g->root, g->root);
    if (system(mk) != 0)
        cr_skip_test("cannot build the busybox initramfs (busybox-static, modules)");
    free(mk);
    char *xml = fmt("<domain type='qemu'><name>demo</name><memory>131072</memory><vcpu>1</vcpu>"
                    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel>"
                    "<initrd>%s/initrd.img</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline>"
                    "</os><features><acpi/></features><devices>"
                    "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
                    "<interface type='user'><mac address='52:54:00:d0:00:01'/><model type='virtio'/>"
                    "</interface><serial type='pty'><target port='0'/></serial></devices></domain>\n",
                    kernel, g->root);
    char *path = fmt("%s/demo.xml", g->root);
    write_text(path, xml);
    char *line = fmt("define %s; start demo", path);
    qemu_ok(g->root, line);
    char *sock = fmt("%s/run/qemu/demo/sup.sock", g->root);
    struct err *e = NULL;
    g->con = console_attach_fd(sock, "", PROTO_ATT_FORCE, &e);
    cr_assert_geq(g->con, 0, "%s", e ? e->msg : "");
    cr_assert(console_wait(g, "demo# ", 300), "the guest gave no prompt:\n%s", buf_str(&g->out));
    free(sock);
    free(line);
    free(path);
    free(xml);
    free(kernel);
}

Test(devices_qemu, guest_sees_hotplugged_disk_and_nic)
{
    struct guest g = {0};
    boot_guest(&g);
    guest_run(&g, "", "demo# ");     /* answer the shell's first prompt */
    char *attach = fmt("attach-disk demo %s/extra.img vdb --live", g.root);
    qemu_ok(g.root, attach);
    cr_expect(guest_until(&g, "grep -c vd /proc/partitions", "\r\n1\r\n"),
              "no disk in the guest:\n%s", buf_str(&g.out));
    qemu_ok(g.root, "detach-disk demo vdb --live");
    cr_expect(guest_until(&g, "grep -c vd /proc/partitions", "\r\n0\r\n"),
              "the disk stayed:\n%s", buf_str(&g.out));
    qemu_ok(g.root, "attach-interface demo user --live --model virtio");
    cr_expect(guest_until(&g, "ls /sys/class/net", "eth1"), "no second NIC:\n%s",
              buf_str(&g.out));
    close(g.con);
    buf_free(&g.out);
    free(attach);
}

/* issue 10, item 3: the running guest's id, pty paths and console survive
 * every live change (the test backend's side is test_live_state.c) */
Test(devices_qemu, live_changes_keep_id_ptys_and_console)
{
    struct guest g = {0};
    boot_guest(&g);
    close(g.con);     /* the console command takes the device over below */
    buf_free(&g.out);
    char *changes[] = {
        fmt("attach-disk demo %s/extra.img vdb", g.root),
        xstrdup("detach-disk demo vdb"),
        xstrdup("attach-interface demo user --model virtio --mac 52:54:00:d0:00:02"),
        xstrdup("detach-interface demo user --mac 52:54:00:d0:00:02"),
        fmt("change-media demo hdc %s/cd1.iso", g.root),
        xstrdup("setmem demo 96M"),
        fmt("device-set demo disk/hdc source.file=%s/cd2.iso --live", g.root),
        NULL,
    };
    live_check_changes(g.root, NULL, "demo", (const char *const *)changes, "echo live-$((6*7))",
                       "live-42");
    for (char **c = changes; *c; c++)
        free(*c);
}
