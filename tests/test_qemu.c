/* test_qemu.c: the real QEMU.
 * qemu_accepts: command lines built by qemu_build_argv for XML that
 *   exercises every mapping that can run unprivileged on loopback are run
 *   with the real qemu-system-x86_64 (-S, nothing executes): QEMU must
 *   answer query-status over QMP (so every option parsed and every device
 *   was created) and exit 0 on `quit`.
 * qemu_smoke: the demo guest (packaged kernel + scripts/mkinitramfs.sh,
 *   TCG) through the real binary on qemu:///session: boot banner in the
 *   console log, suspend/resume, and the on_* actions for a guest poweroff,
 *   reboot and pvpanic crash (the initramfs's domsh_run= hook does them).
 * Each test has a hard timeout and its own directory; only the PID it
 * started is ever killed. */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/buf.h"
#include "../core/base/qmp.h"
#include "../core/xml/domain.h"
#include "../core/runtime/qemu_argv.h"
#include "helpers.h"

#define QEMU_WAIT_MS 20000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static pid_t spawn_logged(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* wait for PID until the deadline; SIGKILL it (ours) when it is late */
static int wait_deadline(pid_t pid, long long deadline)
{
    int st = 0;
    while (waitpid(pid, &st, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        usleep(10000);
    }
    return st;
}

static int qmp_connect(const char *path, long long deadline)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    while (now_ms() < deadline) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return fd;
        close(fd);
        usleep(10000);
    }
    return -1;
}

/* read until a line containing WANT arrives (QMP is line-delimited JSON) */
static bool qmp_expect(int fd, const char *want, long long deadline)
{
    char buf[65536];
    size_t len = 0;
    while (now_ms() < deadline && len < sizeof(buf) - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (n <= 0)
            return false;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, want))
            return true;
    }
    return false;
}

static bool qmp_cmd(int fd, const char *cmd, const char *want, long long deadline)
{
    return write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd) && qmp_expect(fd, want, deadline);
}

/* substitute @DIR@ in the XML template, build, run QEMU, talk QMP */
static void qemu_accepts(const char *dir, const char *xml_tmpl)
{
    struct buf x = {0};
    for (const char *p = xml_tmpl; *p; p++) {
        if (strncmp(p, "@DIR@", 5) == 0) {
            buf_add(&x, dir);
            p += 4;
        } else {
            buf_addc(&x, *p);
        }
    }
    struct err *e = NULL;
    struct dnode *dom = dom_load_string(buf_str(&x), x.len, "accept.xml", NULL, &e);
    cr_assert(dom, "load: %s", e ? e->msg : "?");
    char *qmp = fmt("%s/qmp.sock", dir);
    struct qemu_launch l = {.run_dir = dir, .qmp_path = qmp, .supervised = true};
    struct strv argv = {0};
    cr_assert_eq(qemu_build_argv(dom, &l, &argv, &e), 0, "build: %s", e ? e->msg : "?");
    cr_assert_eq(qemu_host_check(dom, &e), 0, "host check: %s", e ? e->msg : "?");
    /* the supervisor listens on the console sockets QEMU connects to (server=off) */
    struct qemu_chardev_list cl = {0};
    cr_assert_eq(qemu_list_chardevs(dom, &l, &cl, &e), 0, "chardevs: %s", e ? e->msg : "?");
    int lfd[16];
    cr_assert_leq(cl.n, 16);
    for (size_t i = 0; i < cl.n; i++)
        cr_assert_geq(lfd[i] = unix_listen(cl.v[i].sock_path, 0600), 0, "%s", cl.v[i].sock_path);
    char *log = fmt("%s/qemu.log", dir);
    long long deadline = now_ms() + QEMU_WAIT_MS;
    pid_t pid = spawn_logged(argv.v, log);
    int fd = qmp_connect(qmp, deadline);
    bool up = fd >= 0 && qmp_expect(fd, "\"QMP\"", deadline)
              && qmp_cmd(fd, "{\"execute\":\"qmp_capabilities\"}\n", "\"return\"", deadline)
              && qmp_cmd(fd, "{\"execute\":\"query-status\"}\n", "\"prelaunch\"", deadline);
    if (fd >= 0 && up)
        qmp_cmd(fd, "{\"execute\":\"quit\"}\n", "\"return\"", deadline);
    if (fd >= 0)
        close(fd);
    int st = wait_deadline(pid, up ? deadline : now_ms());
    for (size_t i = 0; i < cl.n; i++)
        close(lfd[i]);
    qemu_chardev_list_free(&cl);
    char *out = slurp(log, NULL);
    char *line = qemu_argv_shell(NULL, &argv, " ");
    cr_expect(up && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "QEMU refused (status %d): %s\ncommand: %s", st, out ? out : "", line);
    free(line);
    free(out);
    free(log);
    free(qmp);
    strv_free(&argv);
    dnode_free(dom);
    buf_free(&x);
}

static char *make_dir(void)
{
    char *dir = tmp_root();
    const char *files[] = {"a,b.img", "c d.iso", "v.img", "u.img", "f.img", "s.img"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char *p = fmt("%s/%s", dir, files[i]);
        int fd = open(p, O_WRONLY | O_CREAT, 0600);
        cr_assert(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
        close(fd);
        free(p);
    }
    char *cmd = fmt("qemu-img create -q -f qcow2 '%s/q,2.qcow2' 16M", dir);
    cr_assert_eq(system(cmd), 0, "qemu-img failed");
    free(cmd);
    char *pin = fmt("%s/pipe.in", dir), *pout = fmt("%s/pipe.out", dir);
    cr_assert(mkfifo(pin, 0600) == 0 && mkfifo(pout, 0600) == 0);
    free(pin);
    free(pout);
    return dir;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    close(fd);
    return ntohs(sa.sin_port);
}

/* a domain of MACHINE with OS and FEATURES markup and DEVICES, run in DIR */
static void accepts_in(const char *dir, const char *machine, const char *os, const char *features,
                       const char *devices)
{
    char *xml = fmt("<domain type='qemu'><name>accept</name><memory>65536</memory><vcpu>2</vcpu>"
                    "<os><type arch='x86_64' machine='%s'>hvm</type>%s</os>%s"
                    "<clock offset='localtime'/><on_reboot>destroy</on_reboot>"
                    "<devices>%s</devices></domain>", machine, os, features, devices);
    qemu_accepts(dir, xml);
    free(xml);
}

static void accepts(const char *machine, const char *os, const char *features, const char *devices)
{
    char *dir = make_dir();
    accepts_in(dir, machine, os, features, devices);
    rm_rf(dir);
    free(dir);
}

Test(qemu_accepts, disks_on_every_bus_and_boot_order, .timeout = 60)
{
    accepts("pc", "<boot dev='cdrom'/><boot dev='hd'/><boot dev='fd'/><boot dev='network'/>", "",
        "<disk type='file'><source file='@DIR@/a,b.img'/><target dev='hda' bus='ide'/></disk>"
        "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>"
        "<disk type='file'><driver name='qemu' type='qcow2'/><source file='@DIR@/q,2.qcow2'/>"
        "<target dev='sda' bus='scsi'/></disk>"
        "<disk type='file' device='cdrom'><source file='@DIR@/c d.iso'/><target dev='sdb' bus='scsi'/></disk>"
        "<disk type='file'><source file='@DIR@/s.img'/><target dev='sdi' bus='scsi'/></disk>"
        "<disk type='file'><source file='@DIR@/v.img'/><target dev='vda' bus='virtio'/>"
        "<readonly/><shareable/></disk>"
        "<disk type='file'><source file='@DIR@/u.img'/><target dev='sdc' bus='usb'/></disk>"
        "<disk type='file' device='floppy'><source file='@DIR@/f.img'/><target dev='fda'/></disk>"
        "<disk type='file' device='floppy'><target dev='fdb'/></disk>"
        "<interface type='user'><mac address='52:54:00:00:00:01'/></interface>");
}

Test(qemu_accepts, q35_ahci_and_floppy, .timeout = 60)
{
    accepts("q35", "<boot dev='fd'/>", "<features><acpi/><apic/><pae/></features>",
        "<disk type='file'><source file='@DIR@/a,b.img'/><target dev='hdf' bus='ide'/></disk>"
        "<disk type='file' device='cdrom'><source file='@DIR@/c d.iso'/><target dev='hda'/></disk>"
        "<disk type='file' device='floppy'><source file='@DIR@/f.img'/><target dev='fda'/></disk>");
}

/* a server netdev and a client connecting to it in the same QEMU */
Test(qemu_accepts, every_nic_model_and_socket_netdevs, .timeout = 60)
{
    int port = free_port();
    char *nets = fmt(
        "<interface type='user'><model type='virtio'/></interface>"
        "<interface type='user'><model type='e1000'/></interface>"
        "<interface type='user'/>"
        "<interface type='user'><model type='ne2k_pci'/></interface>"
        "<interface type='user'><model type='pcnet'/></interface>"
        "<interface type='user'><model type='i82551'/></interface>"
        "<interface type='user'><model type='i82557b'/></interface>"
        "<interface type='user'><model type='i82559er'/></interface>"
        "<interface type='user'><model type='ne2k_isa'/></interface>"
        "<interface type='server'><source address='127.0.0.1' port='%d'/></interface>"
        "<interface type='client'><source address='127.0.0.1' port='%d'/></interface>", port, port);
    accepts("pc", "<boot dev='network'/>", "", nets);
    free(nets);
}

static int listen_tcp(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 4) == 0);
    return fd;
}

static int listen_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un su = {.sun_family = AF_UNIX};
    snprintf(su.sun_path, sizeof(su.sun_path), "%s", path);
    cr_assert(bind(fd, (struct sockaddr *)&su, sizeof(su)) == 0 && listen(fd, 4) == 0);
    return fd;
}

Test(qemu_accepts, every_chardev_type, .timeout = 60)
{
    char *dir = make_dir();
    int tcp = free_port(), tcp2 = free_port(), udp = free_port();
    char *peer = fmt("%s/peer.sock", dir);
    int lfd = listen_tcp(tcp2), ufd = listen_unix(peer);   /* for the "connect" chardevs */
    char *chr = fmt(
        "<serial type='pty'><target port='0'/></serial>"
        "<serial type='file'><source path='@DIR@/ser,1 log'/><target port='1'/></serial>"
        "<serial type='tcp'><source mode='bind' host='127.0.0.1' service='%d'/>"
        "<protocol type='telnet'/><target port='2'/></serial>"
        "<serial type='udp'><source mode='bind' host='127.0.0.1' service='%d'/>"
        "<source mode='connect' host='127.0.0.1' service='9'/><target port='3'/></serial>"
        "<console type='pty'><target port='0'/></console>"
        "<parallel type='tcp'><source mode='connect' host='127.0.0.1' service='%d'/>"
        "<protocol type='raw'/><target port='0'/></parallel>"
        "<parallel type='unix'><source mode='connect' path='@DIR@/peer.sock'/><target port='1'/></parallel>"
        "<parallel type='pipe'><source path='@DIR@/pipe'/><target port='2'/></parallel>",
        tcp, udp, tcp2);
    accepts_in(dir, "pc", "", "", chr);
    accepts_in(dir, "pc", "", "",
        "<serial type='stdio'><target port='0'/></serial>"
        "<serial type='null'><target port='1'/></serial>"
        "<serial type='vc'><target port='2'/></serial>"
        "<serial type='dev'><source path='/dev/null'/><target port='3'/></serial>"
        "<parallel type='unix'><source mode='bind' path='@DIR@/bind,x.sock'/></parallel>"
        "<parallel type='file'><source path='@DIR@/lp.log'/></parallel>");
    close(lfd);
    close(ufd);
    free(chr);
    free(peer);
    rm_rf(dir);
    free(dir);
}

Test(qemu_accepts, kernel_boot_paths_with_commas, .timeout = 60)
{
    char *dir = make_dir();
    char *kernel = fmt("%s/vm,linuz -x", dir), *initrd = fmt("%s/-init,rd", dir);
    glob_t g;
    cr_assert(glob("/boot/vmlinuz-*", 0, NULL, &g) == 0, "no /boot/vmlinuz-* (linux-image-amd64)");
    cr_assert(symlink(g.gl_pathv[0], kernel) == 0 && symlink("/bin/sh", initrd) == 0);
    globfree(&g);
    char *os = fmt("<kernel>%s</kernel><initrd>%s</initrd><cmdline>console=ttyS0,115200 a='b c'"
                   "</cmdline>", kernel, initrd);
    accepts_in(dir, "pc", os, "", "");
    free(os);
    free(kernel);
    free(initrd);
    rm_rf(dir);
    free(dir);
}

Test(qemu_accepts, graphics_input_sound_hostless, .timeout = 60)
{
    accepts("pc", "", "",
        "<input type='tablet' bus='usb'/><input type='mouse' bus='usb'/>"
        "<input type='keyboard' bus='usb'/><input type='mouse' bus='ps2'/>"
        "<graphics type='vnc' autoport='yes' passwd='pw' keymap='de'/>"
        "<sound model='es1370'/><sound model='sb16'/><sound model='ac97'/><sound model='pcspk'/>"
        "<video><model type='cirrus'/></video><memballoon model='none'/>");
    accepts("pc", "", "", "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/>"
                          "<video><model type='vga'/></video>");
}

/* ---- qemu_smoke ---- */

#define BANNER "domsh guest ready"
#define SMOKE_WAIT_MS 240000    /* a loaded 2-core host boots the guest in 40 s */

struct smoke {
    char *root, *name;
};

static struct run_result qrun(const struct smoke *g, const char *cmd)
{
    char *line = fmt("%s %s", cmd, g->name);
    const char *argv[] = {"-q", "-c", "qemu:///session", line, NULL};
    struct run_result r = run_domsh(g->root, NULL, argv);
    free(line);
    return r;
}

static void qok(const struct smoke *g, const char *cmd)
{
    struct run_result r = qrun(g, cmd);
    cr_assert_eq(r.status, 0, "'%s %s' failed: %s", cmd, g->name, r.err);
    run_free(&r);
}

static char *qstate(const struct smoke *g)
{
    struct run_result r = qrun(g, "domstate --reason");
    char *s = strdup(r.out ? r.out : "");
    s[strcspn(s, "\n")] = '\0';
    run_free(&r);
    return s;
}

/* poll domstate until it says WANT (hard limit; not a timing assertion) */
static void expect_state(const struct smoke *g, const char *want)
{
    long long deadline = now_ms() + SMOKE_WAIT_MS;
    char *s = qstate(g);
    while (strcmp(s, want) != 0 && now_ms() < deadline) {
        free(s);
        usleep(100000);
        s = qstate(g);
    }
    cr_expect_str_eq(s, want, "%s: state '%s', expected '%s'", g->name, s, want);
    free(s);
}

/* whole lines holding WHAT: the guest's output reaches the log in pieces,
 * so a line counts only once its newline is there */
static size_t count_in(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text; p && (p = strstr(p, what)); p += strlen(what))
        n += strchr(p, '\n') != NULL;
    return n;
}

/* wait until LOG/NAME.console.log holds N banners; returns the log text */
static char *wait_banners(const struct smoke *g, size_t n)
{
    char *path = fmt("%s/log/qemu/%s.console.log", g->root, g->name);
    long long deadline = now_ms() + SMOKE_WAIT_MS;
    char *text = slurp(path, NULL);
    while (count_in(text, BANNER) < n && now_ms() < deadline) {
        free(text);
        usleep(100000);
        text = slurp(path, NULL);
    }
    cr_assert_geq(count_in(text, BANNER), n, "%s: %zu banner(s) expected in %s:\n%s", g->name, n,
                  path, text ? text : "(no file)");
    free(path);
    return text;
}

static long status_num(const struct smoke *g, const char *key)
{
    char *path = fmt("%s/run/qemu/%s/status", g->root, g->name);
    char *text = slurp(path, NULL), *want = fmt("\n%s=", key);
    char *buf = text ? fmt("\n%s", text) : NULL;
    char *p = buf ? strstr(buf, want) : NULL;
    long v = p ? strtol(p + strlen(want), NULL, 10) : -1;
    free(buf);
    free(want);
    free(text);
    free(path);
    return v;
}

/* define NAME: the demo guest with on_* actions, a domsh_run= action
 * (NULL: none) and extra devices */
static void smoke_define(struct smoke *g, const char *name, const char *const on[3],
                         const char *run, const char *devices)
{
    g->root = tmp_root();
    g->name = strdup(name);
    setenv("DOMSH_ROOT", g->root, 1);
    char *initrd = fmt("%s/initramfs.img", g->root);
    char *mk = fmt("sh '%s/scripts/mkinitramfs.sh' '%s' >/dev/null", src_dir(), initrd);
    cr_assert_eq(system(mk), 0, "mkinitramfs.sh failed");
    glob_t gl;
    cr_assert(glob("/boot/vmlinuz-*", 0, NULL, &gl) == 0, "no /boot/vmlinuz-*");
    char *run_arg = run ? fmt(" domsh_run=%s", run) : strdup("");
    char *xml = fmt("<domain type='qemu'><name>%s</name><memory>131072</memory><vcpu>1</vcpu>"
                    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel>"
                    "<initrd>%s</initrd><cmdline>console=ttyS0 quiet panic=-1%s</cmdline></os>"
                    "<features><acpi/></features><on_poweroff>%s</on_poweroff>"
                    "<on_reboot>%s</on_reboot><on_crash>%s</on_crash><devices>"
                    "<serial type='pty'><target port='0'/></serial>"
                    "<console type='pty'><target port='0'/></console>%s</devices></domain>",
                    name, gl.gl_pathv[gl.gl_pathc - 1], initrd, run_arg, on[0], on[1], on[2],
                    devices ? devices : "");
    char *path = fmt("%s/%s.xml", g->root, name);
    cr_assert_eq(write_text(path, xml), 0);
    const char *argv[] = {"-q", "-c", "qemu:///session", "define", path, NULL};
    struct run_result r = run_domsh(g->root, NULL, argv);
    cr_assert_eq(r.status, 0, "define: %s", r.err);
    run_free(&r);
    globfree(&gl);
    free(path);
    free(xml);
    free(run_arg);
    free(mk);
    free(initrd);
}

/* destroy whatever still runs, then kill (by the PIDs this test's domain
 * recorded) what did not stop, and remove the root */
static void smoke_end(struct smoke *g)
{
    struct run_result r = qrun(g, "destroy");
    run_free(&r);
    long pids[2] = {status_num(g, "qemu_pid"), status_num(g, "sup_pid")};
    for (size_t i = 0; i < 2; i++)
        if (pids[i] > 0)
            kill((pid_t)pids[i], SIGKILL);
    rm_rf(g->root);
    free(g->root);
    free(g->name);
}

static const char *const keep[3] = {"destroy", "restart", "destroy"};

Test(qemu_smoke, demo_boots_suspends_resumes_and_destroys_at_once, .timeout = 300)
{
    struct smoke g;
    smoke_define(&g, "demo", keep, NULL, NULL);
    qok(&g, "start");
    expect_state(&g, "running (booted)");
    char *log = wait_banners(&g, 1);
    free(log);
    qok(&g, "suspend");
    expect_state(&g, "paused (user)");
    qok(&g, "resume");
    expect_state(&g, "running (unpaused)");
    long qemu = status_num(&g, "qemu_pid");
    cr_assert_gt(qemu, 0);
    qok(&g, "destroy");
    /* destroy returns once QEMU is gone: no waiting here */
    cr_expect(kill((pid_t)qemu, 0) < 0 && errno == ESRCH, "QEMU %ld still exists after destroy", qemu);
    char *s = qstate(&g);
    cr_expect_str_eq(s, "shut off (destroyed)");
    free(s);
    smoke_end(&g);
}

Test(qemu_smoke, guest_poweroff_with_on_poweroff_destroy, .timeout = 300)
{
    struct smoke g;
    smoke_define(&g, "off", keep, "poweroff", NULL);
    qok(&g, "start");
    expect_state(&g, "shut off (shutdown)");
    smoke_end(&g);
}

Test(qemu_smoke, guest_reboot_with_on_reboot_restart_keeps_running, .timeout = 300)
{
    struct smoke g;
    smoke_define(&g, "rbt", keep, "reboot", NULL);
    qok(&g, "start");
    char *log = wait_banners(&g, 2);      /* booted again after the guest's reboot -f */
    free(log);
    expect_state(&g, "running (booted)");
    smoke_end(&g);
}

Test(qemu_smoke, guest_reboot_with_on_reboot_destroy_ends_it, .timeout = 300)
{
    struct smoke g;
    const char *const on[3] = {"destroy", "destroy", "destroy"};
    smoke_define(&g, "rbd", on, "reboot", NULL);
    qok(&g, "start");
    expect_state(&g, "shut off (shutdown)");
    smoke_end(&g);
}

Test(qemu_smoke, pvpanic_with_on_crash_preserve_stays_crashed, .timeout = 300)
{
    struct smoke g;
    const char *const on[3] = {"destroy", "restart", "preserve"};
    smoke_define(&g, "pan", on, "panic", NULL);
    qok(&g, "start");
    expect_state(&g, "crashed (panicked)");
    long qemu = status_num(&g, "qemu_pid");
    cr_expect(qemu > 0 && kill((pid_t)qemu, 0) == 0, "preserve keeps QEMU for inspection");
    smoke_end(&g);
}

Test(qemu_smoke, qcow2_disk_and_user_nic_boot, .timeout = 300)
{
    struct smoke g;
    char *root = tmp_root();
    char *img = fmt("%s/disk,1.qcow2", root);
    char *cmd = fmt("qemu-img create -q -f qcow2 '%s' 64M", img);
    cr_assert_eq(system(cmd), 0, "qemu-img create failed");
    char *dev = fmt("<disk type='file'><driver name='qemu' type='qcow2'/><source file='%s'/>"
                    "<target dev='vda' bus='virtio'/></disk>"
                    "<interface type='user'><model type='virtio'/></interface>", img);
    smoke_define(&g, "disk", keep, NULL, dev);
    qok(&g, "start");
    char *log = wait_banners(&g, 1);
    cr_expect(strstr(log, "disks: vda") && strstr(log, "nics: eth0"),
              "the guest should see vda and eth0:\n%s", log);
    free(log);
    /* the guest read its disk (the partition table, at least): QEMU counted it */
    struct run_result st = qrun(&g, "domstats --block");
    const char *rd = strstr(st.out, "block.0.rd.bytes=");
    cr_expect(st.status == 0 && strstr(st.out, "block.0.name=vda") && rd &&
              strtoull(rd + 17, NULL, 10) > 0, "domstats --block:\n%s%s", st.out, st.err);
    run_free(&st);
    smoke_end(&g);
    rm_rf(root);
    free(root);
    free(img);
    free(cmd);
    free(dev);
}
