/* test_qemu_copystore.c: `migrate --copy-storage-all` with the real QEMU
 * (TCG) and the busybox demo guest, whose qcow2 disk (vda) and raw disk
 * (vdb) are not shared: the destination (a second root of this host) gets
 * its own images, named by --xml and created by the migration, and the
 * disks are mirrored into them over NBD before the memory moves.  Markers
 * written onto the block devices before the migration are read back in the
 * guest afterwards (page cache dropped) and from the destination's images
 * on the host.  The same to "another host" (qemu+ssh://, a private sshd on
 * 127.0.0.1 whose sessions have their own root): the NBD stream goes
 * through a second SSH forward.  Hard timeouts; only this test's domains
 * are ever killed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo_guest.h"
#include "sshd_helpers.h"

TestSuite(qemu_copystore, .fini = demo_leftovers);

/* the first bytes of image FILE (format FMT) as the host reads them */
static char *image_head(const char *file, const char *fmt_name)
{
    char *cmd = fmt("qemu-img convert -U -f %s -O raw %s %s.head 2>&1 && head -c 16 %s.head; "
                    "rm -f %s.head", fmt_name, file, file, file, file);
    FILE *f = popen(cmd, "r");
    cr_assert(f, "popen %s", cmd);
    char *out = calloc(1, 64);
    size_t n = fread(out, 1, 63, f);
    out[n] = '\0';
    pclose(f);
    free(cmd);
    return out;
}

static void image_has(const char *file, const char *fmt_name, const char *word)
{
    char *head = image_head(file, fmt_name), *want = fmt("%s-MARK", word);
    cr_assert(strncmp(head, want, strlen(want)) == 0, "%s starts with '%s', not '%s'", file,
              head, want);
    free(want);
    free(head);
}

static void fails_with(const char *line, const char *want)
{
    struct run_result r = demo_q(line);
    cr_assert_neq(r.status, 0, "%s: succeeded", line);
    cr_assert(strstr(r.err, want), "%s: '%s' not in '%s'", line, want, r.err);
    run_free(&r);
}

#define DISKS "<disk type='file'><driver name='qemu' type='qcow2'/>"                      \
              "<source file='@/a.qcow2'/><target dev='vda' bus='virtio'/></disk>"         \
              "<disk type='file'><driver name='qemu' type='raw'/>"                        \
              "<source file='@/b.raw'/><target dev='vdb' bus='virtio'/></disk>"

/* the running XML with the disks in dst (a file in dst) */
static char *dest_xml(const char *src, const char *dst)
{
    char *path = fmt("%s/dest.xml", dst);
    char *cmd = fmt("cd %s && DOMSH_ROOT=%s %s -q -c qemu:///session dumpxml demo | "
                    "sed 's|%s/a.qcow2|%s/a.qcow2|; s|%s/b.raw|%s/b.raw|' > %s", src, src,
                    getenv("DOMSH_BIN"), src, dst, src, dst, path);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(cmd);
    return path;
}

Test(qemu_copystore, qcow2_and_raw_disks_move_with_the_guest, .timeout = 900)
{
    demo_define(DISKS, "qemu-img create -q -f qcow2 %s/a.qcow2 64M && "
                       "qemu-img create -q -f raw %s/b.raw 16M");
    demo_ok("start demo");
    demo_wait_booted();
    demo_disk_write("vda", "A1");
    demo_disk_write("vdb", "B1");
    char *src = demo_root, *dst = tmp_root();
    char *line = fmt("migrate --live demo qemu:///session --dest-root %s --copy-storage-all", dst);
    fails_with(line, "would open the source's own image");
    free(line);
    char *xml = dest_xml(src, dst);
    char *badxml = fmt("cp %s %s/bad.xml && sed -i 's|<vcpu[^<]*</vcpu>|<vcpu>2</vcpu>|' "
                       "%s/bad.xml", xml, dst, dst);
    cr_assert_eq(system(badxml), 0);
    line = fmt("migrate --live demo qemu:///session --dest-root %s --copy-storage-all "
               "--xml %s/bad.xml", dst, dst);
    fails_with(line, "may change only disk source paths");
    free(line);
    demo_expect_state("running (booted)");
    line = fmt("migrate --live demo qemu:///session --dest-root %s --copy-storage-all "
               "--xml %s --verbose", dst, xml);
    struct run_result r = demo_q(line);
    cr_assert_eq(r.status, 0, "%s: %s", line, r.err);
    cr_assert(strstr(r.err, "Storage copy: [100 %]"), "no storage progress: %s", r.err);
    run_free(&r);
    demo_expect_state("shut off (migrated)");
    demo_root = dst;
    demo_expect_state("running (migrated)");
    demo_disk_is("vda", "A1");
    demo_disk_is("vdb", "B1");
    demo_disk_write("vda", "A2");
    demo_ok("destroy demo");
    char *a = fmt("%s/a.qcow2", dst), *b = fmt("%s/b.raw", dst);
    image_has(a, "qcow2", "A2");
    image_has(b, "raw", "B1");
    demo_end();
    rm_rf(src);
    free(src);
    free(a);
    free(b);
    free(badxml);
    free(xml);
    free(line);
}

/* the destination started (the copy comes next) within a minute */
static void dest_started(const char *dst)
{
    char *src = demo_root, *st = NULL;
    demo_root = (char *)dst;
    for (int i = 0; i < 600; i++, usleep(100000)) {
        struct run_result r = demo_q("domstate demo --reason");
        bool yes = r.status == 0 && strstr(r.out, "paused (incoming)");
        run_free(&r);
        if (yes)
            break;
    }
    st = demo_state();
    demo_root = src;
    cr_assert_str_eq(st, "paused (incoming)");
    free(st);
}

/* domjobabort while the disk is copied (kept slow by --bandwidth 1, which
 * paces the mirror as libvirt does): the source runs on, the destination
 * and its new image are gone, and the same migration then works (the
 * mirror's job and nbd node names are free again) */
Test(qemu_copystore, domjobabort_in_the_copy_then_a_migration_that_works, .timeout = 900)
{
    demo_define("<disk type='file'><driver name='qemu' type='qcow2'/>"
                "<source file='@/a.qcow2'/><target dev='vda' bus='virtio'/></disk>",
                "qemu-img create -q -f qcow2 %s/a.qcow2 64M && qemu-io -f qcow2 -c "
                "'write -P 0x5a 1M 24M' %s/a.qcow2 >/dev/null");
    demo_ok("start demo");
    demo_wait_booted();
    demo_disk_write("vda", "A1");
    char *src = demo_root, *dst = tmp_root(), *xml = dest_xml(src, dst);
    char *errf = fmt("%s/err", src), *a = fmt("%s/a.qcow2", dst);
    char *line = fmt("migrate --live demo qemu:///session --dest-root %s --copy-storage-all "
                     "--xml %s --bandwidth 1", dst, xml);
    pid_t pid = demo_spawn(line, errf);
    dest_started(dst);
    sleep(2);
    demo_ok("domjobabort demo");
    int st;
    waitpid(pid, &st, 0);
    char *err = slurp(errf, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1 && strstr(err, "operation aborted"),
              "%s", err);
    free(err);
    demo_expect_state("running (booted)");
    demo_disk_is("vda", "A1");
    cr_assert_neq(access(a, F_OK), 0, "the image made for the migration is left");
    free(line);
    line = fmt("migrate --live demo qemu:///session --dest-root %s --copy-storage-all "
               "--xml %s", dst, xml);
    demo_ok(line);
    demo_root = dst;
    demo_expect_state("running (migrated)");
    demo_disk_is("vda", "A1");
    demo_end();
    rm_rf(src);
    free(src);
    free(line);
    free(errf);
    free(a);
    free(xml);
}

static struct sshd copy_sshd;

/* the suite's clean-up (whichever root the test looked at last), then sshd's */
static void copy_sshd_fini(void)
{
    demo_leftovers();
    if (copy_sshd.dir)
        sshd_stop(&copy_sshd);
}

/* to another host: the qcow2 disk is mirrored through a second SSH
 * forward into the image the destination host made; the marker written
 * before is read there in the guest (cache dropped) and from the image */
Test(qemu_copystore, a_qcow2_disk_moves_to_another_host_over_ssh, .timeout = 900,
     .fini = copy_sshd_fini)
{
    if (!sshd_available())
        cr_skip_test("openssh-server is not installed (scripts/deps.sh installs it)");
    demo_define("<disk type='file'><driver name='qemu' type='qcow2'/>"
                "<source file='@/a.qcow2'/><target dev='vda' bus='virtio'/></disk>",
                "qemu-img create -q -f qcow2 %s/a.qcow2 64M%.0s");
    sshd_start(&copy_sshd, demo_root);
    demo_ok("start demo");
    demo_wait_booted();
    demo_disk_write("vda", "S1");
    char *src = demo_root, *dst = strdup(copy_sshd.remote_root), *xml = dest_xml(src, dst);
    char *line = fmt("migrate --live demo qemu+ssh://127.0.0.1:%d/session --copy-storage-all "
                     "--xml %s --verbose", copy_sshd.port, xml);
    struct run_result r = demo_q(line);
    cr_assert_eq(r.status, 0, "%s: %s", line, r.err);
    cr_assert(strstr(r.err, "Storage copy: [100 %]"), "no storage progress: %s", r.err);
    run_free(&r);
    demo_expect_state("shut off (migrated)");
    demo_root = dst;             /* the helpers now look at the other host */
    demo_expect_state("running (migrated)");
    demo_disk_is("vda", "S1");
    demo_ok("destroy demo");
    char *a = fmt("%s/a.qcow2", dst);
    image_has(a, "qcow2", "S1");
    demo_end();                  /* demo_root is NULL again */
    sshd_stop(&copy_sshd);
    rm_rf(src);
    free(src);
    free(a);
    free(xml);
    free(line);
}
