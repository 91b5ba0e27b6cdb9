/* test_qemu_save.c: save, restore, managed save and snapshots with the real
 * QEMU (TCG) and the busybox demo guest.  A marker written into the
 * guest's RAM-backed root file system over the console must survive a save
 * and restore, come back on a snapshot revert, and a managed save + start
 * must resume the same boot (/proc/uptime goes on, the kernel did not boot
 * again).  Hard timeouts; only this test's domain is ever killed (by the
 * PIDs it recorded). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_guest.h"

/* a failed assertion leaves a test before its demo_end() */
TestSuite(qemu_save, .fini = demo_leftovers);


static void marker_is(const char *want)
{
    char *expect = fmt("MARK=%s\r\n", want);
    free(demo_console_line("echo MARK=$(cat /marker)", expect));
    free(expect);
}

Test(qemu_save, marker_survives_save_restore_managedsave_and_snapshot_revert, .timeout = 600)
{
    demo_define(NULL, NULL);
    demo_ok("start demo");
    demo_wait_booted();
    free(demo_console_line("echo one > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    char *img = fmt("%s/demo.img", demo_root), *line = fmt("save demo %s", img);
    demo_ok(line);
    demo_expect_state("shut off (saved)");
    free(line);
    line = fmt("restore %s", img);
    demo_ok(line);
    demo_expect_state("running (restored)");
    marker_is("one");
    double up = demo_uptime();
    demo_ok("managedsave demo");
    demo_expect_state("shut off (saved)");
    demo_ok("start demo");
    demo_expect_state("running (restored)");
    double up2 = demo_uptime();
    cr_assert_geq(up2, up, "uptime went back (%.2f -> %.2f): the guest booted again", up, up2);
    marker_is("one");
    demo_ok("snapshot-create-as demo s1");
    free(demo_console_line("echo two > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    marker_is("two");
    demo_ok("snapshot-revert demo s1");
    demo_expect_state("running (restored)");
    marker_is("one");
    demo_ok("snapshot-delete demo s1");
    free(line);
    free(img);
    demo_end();
}

/* live migration to a second store of this host (--dest-root): the same
 * boot goes on there, with the marker in its RAM */
Test(qemu_save, live_migration_to_another_root_keeps_the_boot, .timeout = 600)
{
    demo_define(NULL, NULL);
    demo_ok("start demo");
    demo_wait_booted();
    free(demo_console_line("echo mig > /marker; echo W\"\"-DONE", "W-DONE\r\n"));
    double up = demo_uptime();
    char *src = demo_root, *dst = tmp_root();
    char *line = fmt("migrate --live demo qemu:///session --dest-root %s --verbose", dst);
    demo_ok(line);
    demo_expect_state("shut off (migrated)");
    demo_root = dst;                  /* the helpers now look at the destination */
    demo_expect_state("running (migrated)");
    marker_is("mig");
    double up2 = demo_uptime();
    cr_assert_geq(up2, up, "uptime went back (%.2f -> %.2f): the guest booted again", up, up2);
    demo_end();
    rm_rf(src);                  /* its emulator and supervisor are gone: no pid to kill */
    free(src);
    free(line);
}
