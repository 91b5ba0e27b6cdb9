/* test_save.c: save, restore, managed save and their faults on the test
 * backend, through the real binary.  The fake guest keeps a counter
 * (console `inc`) and a boot id that a save carries and a restore brings
 * back; `slowmig MS` paces its migration so Ctrl-C and kill -9 land
 * mid-way. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "rt_helpers.h"

RT_SUITE(save, 60);

#define EXPECT_STATE(name, want) RT_EXPECT_STATE(&T, name, want)

/* a console command's answer line "KEY=VALUE" (caller frees VALUE) */
static char *guest_value(const char *name, const char *cmd, const char *key)
{
    char *err = NULL;
    int fd = rt_attach(&T, name, "", PROTO_ATT_NO_REPLAY, &err);
    cr_assert_geq(fd, 0, "attach to '%s' failed: %s", name, err ? err : "?");
    char *line = fmt("%s\r", cmd), *want = fmt("%s=", key);
    rt_send(fd, line);
    char *out = rt_read_until(fd, "\r\nfake# ", NULL);
    close(fd);
    char *p = strstr(out, want);
    cr_assert(p, "'%s' printed no '%s': '%s'", cmd, want, out);
    p += strlen(want);
    char *v = strndup(p, strcspn(p, "\r\n"));
    free(out);
    free(want);
    free(line);
    return v;
}

static void counter_is(const char *name, const char *want)
{
    char *v = guest_value(name, "counter", "counter");
    cr_assert_str_eq(v, want, "%s: counter %s, expected %s", name, v, want);
    free(v);
}

/* a running domain "vm" whose counter is 3 */
static void vm_at_three(void)
{
    rt_define(&T, "vm", NULL, NULL, NULL);
    free(rt_ok(&T, "start vm"));
    for (int i = 1; i <= 3; i++)
        rt_guest_line(&T, "vm", "inc", "counter=");
    counter_is("vm", "3");
}

/* without -q: the informational lines are printed */
static char *loud_ok(const char *line)
{
    const char *argv[] = { "-c", "test:///default", line, NULL };
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "'%s' failed (%d): %s", line, r.status, r.err);
    free(r.err);
    return r.out;
}

static struct run_result fails(const char *line, const char *want)
{
    struct run_result r = rt_run(&T, line);
    cr_assert_eq(r.status, 1, "'%s' should fail: %s", line, r.out);
    cr_assert(strstr(r.err, want), "'%s': expected '%s' in: %s", line, want, r.err);
    cr_assert_eq(strncmp(r.err, "error: ", 7), 0, "%s", r.err);
    return r;
}

static void expect_fail(const char *line, const char *want)
{
    struct run_result r = fails(line, want);
    run_free(&r);
}

Test(save, save_and_restore_bring_back_the_same_boot)
{
    vm_at_three();
    char *boot = guest_value("vm", "bootid", "boot_id");
    char *img = fmt("%s/vm.img", T.root);
    char *line = fmt("save vm %s --verbose", img);
    const char *argv[] = { "-c", "test:///default", line, NULL };
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Domain 'vm' saved to"), "%s", r.out);
    cr_assert(strstr(r.err, "Save: [100 %]"), "no progress on stderr: %s", r.err);
    run_free(&r);
    EXPECT_STATE("vm", "shut off (saved)");
    free(line);
    line = fmt("save-image-dumpxml %s", img);
    char *xml = rt_ok(&T, line);
    cr_assert(strstr(xml, "<name>vm</name>") && !strstr(xml, "/dev/pts/"), "%s", xml);
    free(line);
    line = fmt("restore %s", img);
    char *out = loud_ok(line);
    cr_assert(strstr(out, "Domain restored from"), "%s", out);
    EXPECT_STATE("vm", "running (restored)");
    counter_is("vm", "3");
    char *boot2 = guest_value("vm", "bootid", "boot_id");
    cr_assert_str_eq(boot, boot2, "the restored guest booted again");
    rt_guest_line(&T, "vm", "inc", "counter=4");
    free(boot);
    free(boot2);
    free(out);
    free(xml);
    free(line);
    free(img);
}

Test(save, paused_and_running_choose_the_restored_state)
{
    vm_at_three();
    char *img = fmt("%s/vm.img", T.root);
    rt_okf(&T, "save vm %s --paused", img);
    rt_okf(&T, "restore %s", img);
    EXPECT_STATE("vm", "paused (user)");
    free(rt_ok(&T, "resume vm"));
    counter_is("vm", "3");
    free(rt_ok(&T, "suspend vm"));
    rt_okf(&T, "save vm %s", img);
    rt_okf(&T, "restore %s --running", img);
    EXPECT_STATE("vm", "running (restored)");
    char *line = fmt("save vm %s --running --paused", img);
    expect_fail(line, "mutually exclusive");
    free(line);
    free(img);
}

/* the header's complete mark (offset 16) cleared, or the stream cut */
static void damage(const char *img, bool keep_mark, off_t cut)
{
    int fd = open(img, O_RDWR);
    cr_assert_geq(fd, 0);
    if (!keep_mark)
        cr_assert_eq(pwrite(fd, "\0\0\0\0", 4, 16), 4);
    if (cut)
        cr_assert_eq(ftruncate(fd, cut), 0);
    close(fd);
}

Test(save, partial_or_foreign_images_are_refused_and_nothing_changes)
{
    vm_at_three();
    char *img = fmt("%s/vm.img", T.root), *cfg = fmt("%s/config/test/vm.xml", T.root);
    char *line = fmt("save vm %s", img);
    free(rt_ok(&T, line));
    char *before = slurp(cfg, NULL);
    char *copy = fmt("cp %s %s.cut && cp %s %s.nomark", img, img, img, img);
    cr_assert_eq(system(copy), 0);
    char *cut = fmt("%s.cut", img), *nomark = fmt("%s.nomark", img);
    damage(cut, true, 5000);
    damage(nomark, false, 0);
    free(line);
    line = fmt("restore %s", nomark);
    expect_fail(line, "is incomplete (the save was interrupted or ran out of space)");
    free(line);
    line = fmt("restore %s", cut);
    expect_fail(line, "is truncated or corrupt");
    free(line);
    line = fmt("restore %s", cfg);
    expect_fail(line, "is not a domsh save image");
    free(line);
    line = fmt("save-image-dumpxml %s", nomark);
    expect_fail(line, "is incomplete");
    EXPECT_STATE("vm", "shut off (saved)");
    char *after = slurp(cfg, NULL);
    cr_assert_str_eq(before, after, "the config changed");
    struct stat sb;
    char *run = fmt("%s/run/test/vm/sup.sock", T.root);
    cr_assert_neq(stat(run, &sb), 0, "something runs after a refused restore");
    free(run);
    free(line);
    line = fmt("restore %s", img);
    free(rt_ok(&T, line));
    counter_is("vm", "3");
    free(line);
    free(copy);
    free(cut);
    free(nomark);
    free(before);
    free(after);
    free(cfg);
    free(img);
}

Test(save, managedsave_then_start_resumes_and_force_boot_discards)
{
    vm_at_three();
    char *out = loud_ok("managedsave vm");
    cr_assert(strstr(out, "Domain 'vm' state saved"), "%s", out);
    free(out);
    EXPECT_STATE("vm", "shut off (saved)");
    out = rt_ok(&T, "dominfo vm");
    cr_assert(strstr(out, "Managed save:   yes"), "%s", out);
    free(out);
    out = rt_ok(&T, "list --all --managed-save");
    cr_assert(strstr(out, "saved"), "%s", out);
    free(out);
    out = rt_ok(&T, "list --all --name --with-managed-save");
    cr_assert_str_eq(out, "vm\n");
    free(out);
    out = rt_ok(&T, "managedsave-dumpxml vm");
    cr_assert(strstr(out, "<name>vm</name>"), "%s", out);
    free(out);
    expect_fail("undefine vm", "Refusing to undefine while domain managed save image exists");
    free(rt_ok(&T, "start vm"));
    EXPECT_STATE("vm", "running (restored)");
    counter_is("vm", "3");
    out = rt_ok(&T, "dominfo vm");
    cr_assert(strstr(out, "Managed save:   no"), "the image is still there: %s", out);
    free(out);
    free(rt_ok(&T, "managedsave vm"));
    free(rt_ok(&T, "start vm --force-boot"));
    EXPECT_STATE("vm", "running (booted)");
    counter_is("vm", "0");
    out = loud_ok("managedsave-remove vm");
    cr_assert(strstr(out, "has no manage save image"), "%s", out);
    free(out);
}

Test(save, broken_managed_save_is_reported_and_force_boot_boots)
{
    vm_at_three();
    free(rt_ok(&T, "managedsave vm"));
    char *img = fmt("%s/config/test/save/vm.save", T.root);
    damage(img, false, 0);
    expect_fail("start vm", "'start --force-boot' discards it");
    EXPECT_STATE("vm", "shut off (saved)");
    free(rt_ok(&T, "start --force-boot vm"));
    EXPECT_STATE("vm", "running (booted)");
    struct stat sb;
    cr_assert_neq(stat(img, &sb), 0, "--force-boot kept the image");
    free(rt_ok(&T, "managedsave vm"));
    char *out = loud_ok("undefine vm --managed-save");
    cr_assert(strstr(out, "undefined"), "%s", out);
    cr_assert_neq(stat(img, &sb), 0);
    free(out);
    free(img);
}

Test(save, restore_refuses_a_running_domain_and_another_uuid)
{
    vm_at_three();
    char *img = fmt("%s/vm.img", T.root);
    rt_okf(&T, "save vm %s", img);
    free(rt_ok(&T, "start vm --force-boot"));
    char *line = fmt("restore %s", img);
    expect_fail(line, "domain 'vm' is already active");
    free(rt_ok(&T, "destroy vm"));
    free(rt_ok(&T, "undefine vm"));
    rt_define(&T, "vm", "destroy", NULL, NULL);     /* same name, new uuid */
    expect_fail(line, "is already defined with uuid");
    free(rt_ok(&T, "undefine vm"));
    free(rt_ok(&T, line));                          /* now a transient domain */
    char *out = rt_ok(&T, "dominfo vm");
    cr_assert(strstr(out, "Persistent:     no"), "%s", out);
    counter_is("vm", "3");
    free(out);
    free(line);
    free(img);
}

Test(save, save_image_define_replaces_the_xml_atomically)
{
    vm_at_three();
    char *img = fmt("%s/vm.img", T.root);
    rt_okf(&T, "save vm %s", img);
    char *line = fmt("save-image-dumpxml %s", img);
    char *xml = rt_ok(&T, line);
    char *p = strstr(xml, "<on_poweroff>destroy</on_poweroff>");
    cr_assert(p, "%s", xml);
    memcpy(p, "<on_poweroff>restart</on_poweroff>", 34);   /* "destroy" -> "restart": same length */
    char *nx = fmt("%s/new.xml", T.root), *other = fmt("%s/other.xml", T.root);
    cr_assert_eq(write_text(nx, xml), 0);
    free(line);
    line = fmt("save-image-define %s %s", img, nx);
    char *out = loud_ok(line);
    cr_assert(strstr(out, "updated"), "%s", out);
    free(out);
    free(line);
    line = fmt("save-image-dumpxml %s", img);
    out = rt_ok(&T, line);
    cr_assert(strstr(out, "<on_poweroff>restart</on_poweroff>"), "%s", out);
    free(out);
    cr_assert_eq(write_text(other, "<domain type='test'><name>vm</name><memory>1024</memory>"
                            "<os><type>hvm</type></os></domain>"), 0);
    free(line);
    line = fmt("save-image-define %s %s", img, other);
    expect_fail(line, "name and uuid must match");
    rt_okf(&T, "restore %s", img);
    counter_is("vm", "3");
    free(line);
    free(nx);
    free(other);
    free(xml);
    free(img);
}

Test(save, managedsave_all_then_autostart_all_brings_everyone_back)
{
    vm_at_three();
    rt_define(&T, "b", NULL, NULL, NULL);
    rt_define(&T, "auto", NULL, NULL, NULL);
    free(rt_ok(&T, "start b"));
    rt_guest_line(&T, "b", "inc", "counter=1");
    free(rt_ok(&T, "autostart auto"));
    expect_fail("managedsave --all vm", "--all takes no domain");
    char *out = loud_ok("managedsave --all");
    cr_assert(strstr(out, "Domain 'vm' state saved") && strstr(out, "Domain 'b' state saved"),
              "%s", out);
    free(out);
    EXPECT_STATE("vm", "shut off (saved)");
    EXPECT_STATE("b", "shut off (saved)");
    free(rt_ok(&T, "start --autostart-all"));
    EXPECT_STATE("vm", "running (restored)");
    EXPECT_STATE("b", "running (restored)");
    EXPECT_STATE("auto", "running (booted)");
    counter_is("vm", "3");
    counter_is("b", "1");
    out = rt_ok(&T, "list --all --name --with-managed-save");
    cr_assert_str_eq(out, "");
    free(out);
}

Test(save, managedsave_all_timeout_cancels_and_reports)
{
    vm_at_three();
    rt_guest_line(&T, "vm", "slowmig 200", "slowmig=200");
    struct run_result r = fails("managedsave --all --timeout 1", "cannot save every domain: 'vm'");
    cr_assert(strstr(r.err, "operation canceled"), "%s", r.err);
    run_free(&r);
    EXPECT_STATE("vm", "running (booted)");
    counter_is("vm", "3");
}

Test(save, xml_option_keeps_or_runs_an_updated_definition)
{
    vm_at_three();
    char *xml = rt_ok(&T, "dumpxml vm --inactive");
    char *p = strstr(xml, "<on_poweroff>destroy</on_poweroff>");
    cr_assert(p, "%s", xml);
    memcpy(p, "<on_poweroff>restart</on_poweroff>", 34);
    char *nx = fmt("%s/new.xml", T.root), *other = fmt("%s/other.xml", T.root);
    char *img = fmt("%s/vm.img", T.root);
    cr_assert_eq(write_text(nx, xml), 0);
    cr_assert_eq(write_text(other, "<domain type='test'><name>vm</name><memory>1024</memory>"
                            "<os><type>hvm</type></os></domain>"), 0);
    char *line = fmt("save vm %s --xml %s", img, other);
    expect_fail(line, "name and uuid must match");
    EXPECT_STATE("vm", "running (booted)");
    rt_okf(&T, "save vm %s --xml %s", img, nx);
    free(line);
    line = fmt("save-image-dumpxml %s", img);
    char *out = rt_ok(&T, line);
    cr_assert(strstr(out, "<on_poweroff>restart</on_poweroff>"), "%s", out);
    free(line);
    line = fmt("restore %s --xml %s", img, other);
    expect_fail(line, "name and uuid must match");
    rt_okf(&T, "restore %s --xml %s", img, nx);
    counter_is("vm", "3");
    free(out);
    free(line);
    free(img);
    free(other);
    free(nx);
    free(xml);
}
