/* test_qemu_snapdisk.c: disk snapshots of a running guest with the real
 * QEMU (TCG) and the busybox demo guest, which has a qcow2 disk (vda) and
 * a raw one (vdb).  Its root file system is in RAM, so the state of a disk
 * is shown by a marker written onto the block device itself (dd, then
 * sync) and read back with the guest's page cache dropped.  Internal
 * (snapshot-save/load/delete jobs) and external (overlays, block-commit)
 * snapshots are taken, the markers changed, the snapshots reverted, and an
 * external snapshot deleted while the guest runs: `qemu-img info
 * --backing-chain` then shows the chain merged.  Hard timeouts; only this
 * test's domain is ever killed (by the PIDs it recorded). */
#include <criterion/criterion.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "helpers.h"

#define BOOT_WAIT_MS 240000      /* a loaded 2-core host boots the guest in 40 s */
#define LINE_WAIT_MS 60000

static char *root;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static struct run_result q(const char *line)
{
    const char *argv[] = {"-q", "-c", "qemu:///session", line, NULL};
    return run_domsh(root, NULL, argv);
}

static void qok(const char *line)
{
    struct run_result r = q(line);
    cr_assert_eq(r.status, 0, "'%s' failed: %s", line, r.err);
    run_free(&r);
}

static char *state(void)
{
    struct run_result r = q("domstate demo --reason");
    char *s = strdup(r.out ? r.out : "");
    s[strcspn(s, "\n")] = '\0';
    run_free(&r);
    return s;
}

/* type LINE on the console; return the output until WANT (NULL: nothing) */
static char *console_line(const char *line, const char *want)
{
    char *sock = fmt("%s/run/qemu/demo/sup.sock", root);
    struct err *e = NULL;
    int fd = console_attach_fd(sock, "", PROTO_ATT_NO_REPLAY, &e);
    cr_assert_geq(fd, 0, "console: %s", e ? e->msg : "?");
    char *text = fmt("%s\r", line);
    cr_assert_eq(proto_send_str(fd, PROTO_DATA, text), 0);
    static struct frame_reader rd;
    rd.len = rd.consumed = 0;
    size_t len = 0, cap = 1 << 16;
    char *out = calloc(1, cap);
    long long deadline = now_ms() + LINE_WAIT_MS;
    while (want && !strstr(out, want) && now_ms() < deadline) {
        struct frame f;
        while (frame_next(&rd, &f))
            if (f.type == PROTO_DATA && len + f.len + 1 < cap) {
                memcpy(out + len, f.payload, f.len);
                out[len += f.len] = '\0';
            }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (!strstr(out, want) && poll(&p, 1, 200) > 0 && frame_fill(&rd, fd) <= 0)
            break;
    }
    cr_assert(!want || strstr(out, want), "'%s' did not print '%s': '%s'", line, want, out);
    close(fd);
    free(text);
    free(sock);
    err_free(e);
    return out;
}

static void wait_booted(void)
{
    char *log = fmt("%s/log/qemu/demo.console.log", root);
    long long deadline = now_ms() + BOOT_WAIT_MS;
    char *text = NULL;
    do {
        free(text);
        usleep(200000);
        text = slurp(log, NULL);
    } while (!(text && strstr(text, "demo# ")) && now_ms() < deadline);
    cr_assert(text && strstr(text, "demo# "), "the demo guest did not reach its shell: %s",
              text ? text : "(no log)");
    free(text);
    free(log);
}



/* the marker WORD onto DEV's first sector */
static void disk_write(const char *dev, const char *word)
{
    char *line = fmt("echo %s-MARK > /tmp/m; dd if=/tmp/m of=/dev/%s bs=512 count=1 conv=sync "
                     "2>/dev/null; sync; echo W\"\"-DONE", word, dev);
    free(console_line(line, "W-DONE\r\n"));
    free(line);
}

/* DEV's first sector holds WORD (read from the disk, not the page cache) */
static void disk_is(const char *dev, const char *word)
{
    char *line = fmt("echo 3 > /proc/sys/vm/drop_caches; echo G\"\"OT=$(dd if=/dev/%s bs=512 "
                     "count=1 2>/dev/null | head -c 12)", dev);
    char *want = fmt("GOT=%s-MARK", word);
    free(console_line(line, want));
    free(want);
    free(line);
}

static char *run_out(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    cr_assert(f, "popen %s", cmd);
    char *out = calloc(1, 65536);
    size_t n = fread(out, 1, 65535, f);
    out[n] = '\0';
    pclose(f);
    return out;
}

static void define_demo(void)
{
    root = tmp_root();
    char *initrd = fmt("%s/initramfs.img", root);
    char *mk = fmt("sh '%s/scripts/mkinitramfs.sh' '%s' >/dev/null", src_dir(), initrd);
    cr_assert_eq(system(mk), 0, "mkinitramfs.sh failed");
    char *img = fmt("qemu-img create -q -f qcow2 %s/a.qcow2 16M && "
                    "qemu-img create -q -f raw %s/b.raw 16M", root, root);
    cr_assert_eq(system(img), 0, "qemu-img failed");
    glob_t gl;
    cr_assert(glob("/boot/vmlinuz-*", 0, NULL, &gl) == 0, "no /boot/vmlinuz-*");
    char *xml = fmt("<domain type='qemu'><name>demo</name><memory>131072</memory><vcpu>1</vcpu>"
                    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel>"
                    "<initrd>%s</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>"
                    "<features><acpi/></features><devices>"
                    "<disk type='file'><driver name='qemu' type='qcow2'/>"
                    "<source file='%s/a.qcow2'/><target dev='vda' bus='virtio'/></disk>"
                    "<disk type='file'><driver name='qemu' type='raw'/>"
                    "<source file='%s/b.raw'/><target dev='vdb' bus='virtio'/></disk>"
                    "<serial type='pty'/><console type='pty'/></devices></domain>",
                    gl.gl_pathv[gl.gl_pathc - 1], initrd, root, root);
    char *path = fmt("%s/demo.xml", root), *line = fmt("define %s", path);
    cr_assert_eq(write_text(path, xml), 0);
    qok(line);
    globfree(&gl);
    free(line);
    free(path);
    free(xml);
    free(img);
    free(mk);
    free(initrd);
}

static long status_num(const char *key)
{
    char *path = fmt("%s/run/qemu/demo/status", root);
    char *text = slurp(path, NULL), *k = fmt("%s=", key);
    char *p = text ? strstr(text, k) : NULL;
    long v = p ? atol(p + strlen(k)) : -1;
    free(k);
    free(text);
    free(path);
    return v;
}

static void end(void)
{
    struct run_result r = q("destroy demo");
    run_free(&r);
    long pids[2] = {status_num("qemu_pid"), status_num("sup_pid")};
    for (size_t i = 0; i < 2; i++)
        if (pids[i] > 0)
            kill((pid_t)pids[i], SIGKILL);
    rm_rf(root);
    free(root);
}

static void expect_state(const char *want)
{
    char *s = state();
    cr_assert_str_eq(s, want);
    free(s);
}

static void contains(const char *text, const char *want, const char *what)
{
    cr_assert(text && strstr(text, want), "%s: '%s' not in '%s'", what, want, text);
}

static void lacks(const char *text, const char *no, const char *what)
{
    cr_assert(text && !strstr(text, no), "%s: '%s' in '%s'", what, no, text);
}

/* internal: vdb left out, so every snapshotted disk is qcow2 */
static void internal_snapshot(void)
{
    qok("snapshot-create-as demo i1 --diskspec vdb,snapshot=no");
    struct run_result r = q("snapshot-dumpxml demo i1");
    contains(r.out, "<memory snapshot='internal'/>", "i1");
    run_free(&r);
    disk_write("vda", "A2");
    disk_is("vda", "A2");
    qok("snapshot-revert demo i1");
    expect_state("running (unpaused)");
    disk_is("vda", "A1");
    qok("snapshot-delete demo i1");
    char *cmd = fmt("qemu-img info -U %s/a.qcow2", root);
    char *info = run_out(cmd);
    lacks(info, "i1", "internal snapshot deleted");
    free(info);
    free(cmd);
}

/* external: both disks switch to overlays, memory in a file */
static void external_snapshot(void)
{
    qok("snapshot-create-as demo e1");
    struct run_result r = q("domblklist demo");
    char *ova = fmt("%s/a.e1", root), *ovb = fmt("%s/b.e1", root);
    contains(r.out, ova, "domblklist after e1");
    contains(r.out, ovb, "domblklist after e1");
    run_free(&r);
    r = q("dumpxml demo --inactive");
    contains(r.out, ova, "the persistent definition follows");
    run_free(&r);
    disk_write("vda", "A3");
    disk_write("vdb", "B3");
    qok("snapshot-revert demo e1");
    expect_state("running (restored)");
    disk_is("vda", "A1");
    disk_is("vdb", "B1");
    disk_write("vda", "A4");
    disk_write("vdb", "B4");
    qok("snapshot-delete demo e1");
    expect_state("running (restored)");
    char *cmd = fmt("qemu-img info -U --backing-chain %s/b.raw; ls %s", root, root);
    char *info = run_out(cmd);
    lacks(info, "b.e1", "overlay of vdb merged and removed");
    free(info);
    free(cmd);
    cmd = fmt("qemu-img info -U --backing-chain %s/a.qcow2; ls %s", root, root);
    info = run_out(cmd);
    lacks(info, "a.e1", "overlay of vda merged and removed");
    free(info);
    free(cmd);
    r = q("domblklist demo");
    char *base = fmt("%s/b.raw", root);
    contains(r.out, base, "domblklist after the merge");
    run_free(&r);
    disk_is("vda", "A4");
    disk_is("vdb", "B4");
    free(base);
    free(ova);
    free(ovb);
}

Test(qemu_snapdisk, internal_and_external_snapshots_of_running_disks, .timeout = 900)
{
    define_demo();
    qok("start demo");
    wait_booted();
    disk_write("vda", "A1");
    disk_write("vdb", "B1");
    disk_is("vda", "A1");
    internal_snapshot();
    external_snapshot();
    qok("destroy demo");
    /* offline, the merged chain boots from the bases */
    char *cmd = fmt("qemu-img info --backing-chain %s/a.qcow2", root);
    char *info = run_out(cmd);
    lacks(info, "backing file", "vda has no backing file");
    free(info);
    free(cmd);
    end();
}
