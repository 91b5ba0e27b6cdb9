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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_guest.h"

/* a failed assertion leaves a test before its demo_end() */
TestSuite(qemu_snapdisk, .fini = demo_leftovers);

/* `qemu-img info ARGS demo_root/FILE; ls demo_root` prints no NO */
static void image_lacks(const char *args, const char *file, const char *no, const char *what)
{
    char *cmd = fmt("qemu-img info %s %s/%s; ls %s", args, demo_root, file, demo_root);
    FILE *f = popen(cmd, "r");
    cr_assert(f, "popen %s", cmd);
    char *out = calloc(1, 65536);
    size_t n = fread(out, 1, 65535, f);
    out[n] = '\0';
    pclose(f);
    cr_assert(!strstr(out, no), "%s: '%s' in '%s'", what, no, out);
    free(out);
    free(cmd);
}

static void contains(const char *text, const char *want, const char *what)
{
    cr_assert(text && strstr(text, want), "%s: '%s' not in '%s'", what, want, text);
}


/* internal: vdb left out, so every snapshotted disk is qcow2 */
static void internal_snapshot(void)
{
    double up = demo_uptime();
    demo_ok("snapshot-create-as demo i1 --diskspec vdb,snapshot=no");
    struct run_result r = demo_q("snapshot-dumpxml demo i1");
    contains(r.out, "<memory snapshot='internal'/>", "i1");
    run_free(&r);
    demo_disk_write("vda", "A2");
    demo_disk_is("vda", "A2");
    demo_ok("snapshot-revert demo i1");
    demo_expect_state("running (unpaused)");
    demo_disk_is("vda", "A1");
    /* from shut off: the snapshot's boot goes on (started paused, loaded) */
    demo_ok("destroy demo");
    demo_ok("snapshot-revert demo i1");
    demo_disk_is("vda", "A1");
    demo_expect_same_boot(up);
    demo_ok("snapshot-delete demo i1");
    image_lacks("-U", "a.qcow2", " i1 ", "internal snapshot deleted");
}

/* external: both disks switch to overlays, memory in a file */
static void external_snapshot(void)
{
    demo_ok("snapshot-create-as demo e1");
    struct run_result r = demo_q("domblklist demo");
    char *ova = fmt("%s/a.e1", demo_root), *ovb = fmt("%s/b.e1", demo_root);
    contains(r.out, ova, "domblklist after e1");
    contains(r.out, ovb, "domblklist after e1");
    run_free(&r);
    r = demo_q("dumpxml demo --inactive");
    contains(r.out, ova, "the persistent definition follows");
    run_free(&r);
    demo_disk_write("vda", "A3");
    demo_disk_write("vdb", "B3");
    demo_ok("snapshot-revert demo e1");
    demo_expect_state("running (restored)");
    demo_disk_is("vda", "A1");
    demo_disk_is("vdb", "B1");
    demo_disk_write("vda", "A4");
    demo_disk_write("vdb", "B4");
    demo_ok("snapshot-delete demo e1");
    demo_expect_state("running (restored)");
    image_lacks("-U --backing-chain", "b.raw", "b.e1", "overlay of vdb merged and removed");
    image_lacks("-U --backing-chain", "a.qcow2", "a.e1", "overlay of vda merged and removed");
    r = demo_q("domblklist demo");
    char *base = fmt("%s/b.raw", demo_root);
    contains(r.out, base, "domblklist after the merge");
    run_free(&r);
    demo_disk_is("vda", "A4");
    demo_disk_is("vdb", "B4");
    free(base);
    free(ova);
    free(ovb);
}

Test(qemu_snapdisk, internal_and_external_snapshots_of_running_disks, .timeout = 900)
{
    demo_define("<disk type='file'><driver name='qemu' type='qcow2'/>"
                "<source file='@/a.qcow2'/><target dev='vda' bus='virtio'/></disk>"
                "<disk type='file'><driver name='qemu' type='raw'/>"
                "<source file='@/b.raw'/><target dev='vdb' bus='virtio'/></disk>",
                "qemu-img create -q -f qcow2 %s/a.qcow2 16M && "
                "qemu-img create -q -f raw %s/b.raw 16M");
    demo_ok("start demo");
    demo_wait_booted();
    demo_disk_write("vda", "A1");
    demo_disk_write("vdb", "B1");
    demo_disk_is("vda", "A1");
    internal_snapshot();
    external_snapshot();
    demo_ok("destroy demo");
    /* offline, the merged chain boots from the bases */
    image_lacks("--backing-chain", "a.qcow2", "backing file", "vda has no backing file");
    demo_end();
}
