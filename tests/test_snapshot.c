/* test_snapshot.c: snapshots on the test backend through the real binary:
 * the fake guest's counter is what a snapshot captures and a revert brings
 * back; the tree, the metadata, bad input and an interrupted create. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/proto.h"
#include "rt_helpers.h"

RT_SUITE(snapshot, 60);

#define EXPECT_STATE(name, want) RT_EXPECT_STATE(&T, name, want)

static void ok(const char *line)
{
    free(rt_ok(&T, line));
}

static void out_is(const char *line, const char *want)
{
    char *out = rt_ok(&T, line);
    cr_assert_str_eq(out, want, "'%s' printed '%s', expected '%s'", line, out, want);
    free(out);
}

static void out_has(const char *line, const char *want)
{
    char *out = rt_ok(&T, line);
    cr_assert(strstr(out, want), "'%s' printed no '%s': %s", line, want, out);
    free(out);
}

static void fails(const char *line, const char *want)
{
    struct run_result r = rt_run(&T, line);
    cr_assert_eq(r.status, 1, "'%s' should fail: %s", line, r.out);
    cr_assert(strstr(r.err, want), "'%s': expected '%s' in: %s", line, want, r.err);
    run_free(&r);
}

static void inc_to(const char *name, int n)
{
    char *want = fmt("counter=%d", n);
    rt_guest_line(&T, name, "inc", want);
    free(want);
}

static void counter_is(const char *name, int n)
{
    char *want = fmt("counter=%d\r\n", n);
    rt_guest_line(&T, name, "counter", want);
    free(want);
}

static void running_vm(const char *name)
{
    rt_define(&T, name, NULL, NULL, NULL);
    char *line = fmt("start %s", name);
    ok(line);
    free(line);
}

Test(snapshot, revert_brings_back_the_counter)
{
    running_vm("vm");
    inc_to("vm", 1);
    inc_to("vm", 2);
    out_has("snapshot-create-as vm s1 --description 'two'", "");
    inc_to("vm", 3);
    ok("snapshot-create-as vm s2");
    inc_to("vm", 4);
    ok("snapshot-revert vm s1");
    EXPECT_STATE("vm", "running (restored)");
    counter_is("vm", 2);
    out_is("snapshot-current vm --name", "s1\n");
    ok("snapshot-revert vm s2");
    counter_is("vm", 3);
    out_has("snapshot-dumpxml vm s1", "<description>two</description>");
    out_has("snapshot-dumpxml vm s1", "<memory snapshot='external' file=");
}

Test(snapshot, the_tree_and_its_queries)
{
    running_vm("vm");
    ok("snapshot-create-as vm s1");
    ok("snapshot-create-as vm s2");
    ok("snapshot-revert vm s1");
    ok("snapshot-create-as vm s3");
    out_is("snapshot-list vm --tree", "s1\n  |\n  +- s2\n  |\n  +- s3\n");
    out_is("snapshot-list vm --name --roots", "s1\n");
    out_is("snapshot-list vm --name --leaves", "s2\ns3\n");
    out_is("snapshot-parent vm s3", "s1\n");
    out_is("snapshot-parent vm --current", "s1\n");
    fails("snapshot-parent vm s1", "has no parent");
    out_has("snapshot-info vm s1", "Children:       2");
    out_has("snapshot-info vm s1", "Descendants:    2");
    out_has("snapshot-info vm --current", "Name:           s3");
    out_has("snapshot-list vm --json", "\"name\": \"s3\",\n    \"parent\": \"s1\"");
    ok("snapshot-current vm s2");
    out_is("snapshot-current vm --name", "s2\n");
    ok("snapshot-delete vm s1");
    out_is("snapshot-list vm --name --roots", "s2\ns3\n");
    char *mem = fmt("%s/config/test/snapshot/vm/s1.mem", T.root);
    struct stat sb;
    cr_assert_neq(stat(mem, &sb), 0, "the memory image of a deleted snapshot stayed");
    free(mem);
    ok("snapshot-create-as vm s4");
    ok("snapshot-delete vm s2 --children");
    out_is("snapshot-list vm --name", "s3\n");
}

Test(snapshot, shut_off_and_paused_snapshots_revert_to_their_state)
{
    running_vm("vm");
    ok("suspend vm");
    ok("snapshot-create-as vm paused");
    ok("destroy vm");
    ok("snapshot-create-as vm off");
    out_has("snapshot-info vm off", "State:          shutoff");
    ok("snapshot-revert vm paused");
    EXPECT_STATE("vm", "paused (user)");
    ok("snapshot-revert vm off");
    EXPECT_STATE("vm", "shut off (destroyed)");
    ok("snapshot-revert vm paused --running");
    EXPECT_STATE("vm", "running (restored)");
}

Test(snapshot, revert_puts_back_the_config_and_history_says_so)
{
    running_vm("vm");
    ok("snapshot-create-as vm s1");
    char *path = fmt("%s/vm2.xml", T.root), *cfg = fmt("%s/config/test/vm.xml", T.root);
    char *before = slurp(cfg, NULL);
    char *xml = rt_ok(&T, "dumpxml vm --inactive");
    char *p = strstr(xml, "<on_poweroff>destroy</on_poweroff>");
    cr_assert(p, "%s", xml);
    memcpy(p, "<on_poweroff>restart</on_poweroff>", 34);
    cr_assert_eq(write_text(path, xml), 0);
    char *line = fmt("define %s", path);
    ok(line);
    ok("snapshot-revert vm s1");
    char *after = slurp(cfg, NULL);
    cr_assert_str_eq(before, after, "the config did not come back");
    out_has("config-history vm", "snapshot-revert s1");
    free(line);
    free(after);
    free(before);
    free(xml);
    free(cfg);
    free(path);
}

Test(snapshot, bad_input_changes_nothing)
{
    running_vm("vm");
    running_vm("other");
    inc_to("vm", 1);
    ok("snapshot-create-as vm s1");
    ok("snapshot-create-as other o1");
    fails("snapshot-create-as vm a/b", "invalid snapshot name 'a/b'");
    fails("snapshot-create-as vm s1", "snapshot 's1' already exists");
    fails("snapshot-create-as vm q --quiesce", "--quiesce needs a guest agent");
    fails("snapshot-revert vm o1", "no domain snapshot with matching name 'o1'");
    fails("snapshot-revert vm ../other/o1", "no domain snapshot with matching name");
    /* another domain's snapshot put in vm's directory by hand */
    char *cp = fmt("cp %s/config/test/snapshot/other/o1.xml %s/config/test/snapshot/vm/o1.xml",
                   T.root, T.root);
    cr_assert_eq(system(cp), 0);
    fails("snapshot-revert vm o1", "was taken of another domain");
    char *mem = fmt("%s/config/test/snapshot/vm/s1.mem", T.root);
    cr_assert_eq(unlink(mem), 0);
    inc_to("vm", 2);
    fails("snapshot-revert vm s1", "snapshot 's1': cannot open");
    EXPECT_STATE("vm", "running (booted)");
    counter_is("vm", 2);
    fails("snapshot-delete vm nope", "no domain snapshot with matching name 'nope'");
    ok("destroy vm");
    fails("undefine vm", "cannot delete inactive domain with snapshots");
    ok("undefine vm --snapshots-metadata");
    free(mem);
    free(cp);
}

/* a running domain's disk is snapshotted (external: raw); one whose file
 * is missing fails with nothing left behind, unless left out */
Test(snapshot, a_missing_disk_fails_cleanly_unless_left_out)
{
    char *xml = fmt("<domain type='test'><name>d</name><memory>65536</memory><os><type>hvm</type>"
                    "</os><devices><disk type='file' device='disk'><source file='%s/d.img'/>"
                    "<target dev='vda'/></disk><serial type='pty'/></devices></domain>", T.root);
    char *path = fmt("%s/d.xml", T.root), *line = fmt("define %s", path);
    cr_assert_eq(write_text(path, xml), 0);
    ok(line);
    ok("start d");
    fails("snapshot-create-as d s1", "qemu-img create failed");
    out_is("snapshot-list d --name", "");
    ok("snapshot-create-as d s1 --diskspec vda,snapshot=no");
    out_is("snapshot-list d --name", "s1\n");
    free(line);
    free(path);
    free(xml);
}

Test(snapshot, create_from_xml_memspec_and_print_xml)
{
    running_vm("vm");
    char *path = fmt("%s/s.xml", T.root), *mem = fmt("%s/elsewhere.mem", T.root);
    char *xml = fmt("<domainsnapshot><name>fromxml</name><description>d</description>"
                    "<memory snapshot='external' file='%s'/></domainsnapshot>", mem);
    cr_assert_eq(write_text(path, xml), 0);
    char *line = fmt("snapshot-create vm %s", path);
    ok(line);
    struct stat sb;
    cr_assert_eq(stat(mem, &sb), 0, "the memory image is not where the XML said");
    cr_assert_eq(write_text(path, "<domainsnapshot><bogus/></domainsnapshot>"), 0);
    fails(line, "domainsnapshot/bogus: unknown element");
    out_is("snapshot-create-as vm x --description hi --print-xml",
           "<domainsnapshot>\n  <name>x</name>\n  <description>hi</description>\n"
           "</domainsnapshot>\n");
    fails("snapshot-info vm x", "no domain snapshot");
    free(line);
    line = fmt("snapshot-create-as vm viaspec --memspec file=%s/spec.mem", T.root);
    ok(line);
    out_has("snapshot-info vm viaspec", "spec.mem");
    free(line);
    free(xml);
    free(mem);
    free(path);
}

Test(snapshot, completion_offers_snapshots_and_spec_keys)
{
    running_vm("vm");
    ok("snapshot-create-as vm alpha");
    ok("snapshot-create-as vm beta");
    const char *argv[] = {"-c", "test:///default", "complete", "--", "snapshot-revert", "vm", "",
                          NULL};
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert(strstr(r.out, "alpha\n") && strstr(r.out, "beta\n"), "%s", r.out);
    run_free(&r);
    const char *argv2[] = {"-c", "test:///default", "complete", "--", "snapshot-create-as", "vm",
                           "--memspec", "", NULL};
    r = run_domsh(T.root, NULL, argv2);
    cr_assert(strstr(r.out, "file=") && strstr(r.out, "snapshot=external"), "%s", r.out);
    run_free(&r);
}

Test(snapshot, kill_9_during_create_leaves_no_snapshot)
{
    running_vm("vm");
    rt_guest_line(&T, "vm", "slowmig 200", "slowmig=200");
    pid_t pid = fork();
    if (pid == 0) {
        setenv("DOMSH_ROOT", T.root, 1);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execl(domsh_bin(), domsh_bin(), "-q", "-c", "test:///default", "snapshot-create-as vm k",
              (char *)NULL);
        _exit(127);
    }
    EXPECT_STATE("vm", "paused (snapshot)");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    EXPECT_STATE("vm", "running (booted)");
    out_is("snapshot-list vm --name", "");
    fails("snapshot-revert vm k", "no domain snapshot");
    ok("snapshot-create-as vm k");
}

/* ---- disks of a shut off domain (qemu-img) ---- */

static void sh_ok(const char *f, const char *arg1, const char *arg2)
{
    char *cmd = fmt(f, arg1, arg2);
    cr_assert_eq(system(cmd), 0, "'%s' failed", cmd);
    free(cmd);
}

/* does FILE (FMT) hold byte PATTERN at offset 0 (4 KiB) */
static bool holds(const char *file, const char *fmt_, const char *pattern)
{
    char *cmd = fmt("qemu-io -f %s -r -c 'read -P %s 0 4k' %s 2>&1 | grep -q 'read 4096/4096'",
                    fmt_, pattern, file);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

static void disk_domain(void)
{
    sh_ok("qemu-img create -q -f qcow2 %s/q.qcow2 16M && qemu-img create -q -f raw %s/r.raw 16M",
          T.root, T.root);
    char *xml = fmt("<domain type='test'><name>dd</name><memory>65536</memory><os><type>hvm</type>"
                    "</os><devices><disk type='file' device='disk'><driver name='qemu' "
                    "type='qcow2'/><source file='%s/q.qcow2'/><target dev='vda'/></disk>"
                    "<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                    "<source file='%s/r.raw'/><target dev='vdb'/></disk></devices></domain>",
                    T.root, T.root);
    char *path = fmt("%s/dd.xml", T.root);
    cr_assert_eq(write_text(path, xml), 0);
    rt_okf(&T, "define %s", path);
    free(path);
    free(xml);
}

Test(snapshot, shut_off_disks_internal_and_external_revert_and_merge)
{
    disk_domain();
    char *q = fmt("%s/q.qcow2", T.root), *r = fmt("%s/r.raw", T.root), *ov = fmt("%s/r.s1", T.root);
    sh_ok("qemu-io -f qcow2 -c 'write -P 0x11 0 4k' %s >/dev/null && "
          "qemu-io -f raw -c 'write -P 0x11 0 4k' %s >/dev/null", q, r);
    ok("snapshot-create-as dd s1");
    out_has("domblklist dd", ov);                /* raw: an external overlay */
    out_has("snapshot-dumpxml dd s1", "<disk name='vda' snapshot='internal'/>");
    sh_ok("qemu-img snapshot -l %s | grep -q ' s1 '%s", q, "");
    sh_ok("qemu-io -f qcow2 -c 'write -P 0x22 0 4k' %s >/dev/null && "
          "qemu-io -f qcow2 -c 'write -P 0x22 0 4k' %s >/dev/null", q, ov);
    cr_assert(holds(r, "raw", "0x11"), "the base changed under its overlay");
    ok("snapshot-revert dd s1");
    cr_assert(holds(q, "qcow2", "0x11"), "the internal snapshot did not come back");
    /* the discarded overlay (0x22) is removed, a fresh one takes its name */
    char *bl = rt_ok(&T, "domblklist dd");
    cr_assert(strstr(bl, ov), "no fresh overlay after revert: %s", bl);
    char *afile = strdup(ov);
    cr_assert(holds(afile, "qcow2", "0x11"), "the reverted vdb does not read the snapshot's data");
    out_has("dumpxml dd --inactive", ov);        /* same file name: no config change */
    free(bl);
    /* an external snapshot whose overlay is active merges back on delete */
    ok("snapshot-create-as dd s2 --diskspec vda,snapshot=no --diskspec vdb,snapshot=external");
    char *ov2 = fmt("%s/r.s2", T.root);
    out_has("domblklist dd", ov2);
    sh_ok("qemu-io -f qcow2 -c 'write -P 0x33 0 4k' %s >/dev/null%s", ov2, "");
    ok("snapshot-delete dd s2");
    out_has("domblklist dd", afile);
    cr_assert(access(ov2, F_OK) != 0, "the merged overlay was left");
    cr_assert(holds(afile, "qcow2", "0x33"), "the overlay's data did not reach its base");
    ok("snapshot-delete dd s1");
    sh_ok("! qemu-img snapshot -l %s | grep -q ' s1 '%s", q, "");
    free(afile);
    free(ov2);
    free(ov);
    free(r);
    free(q);
}

Test(snapshot, revert_with_a_missing_disk_file_changes_nothing)
{
    disk_domain();
    ok("snapshot-create-as dd s1");
    char *cfg = fmt("%s/config/test/dd.xml", T.root), *r = fmt("%s/r.raw", T.root);
    char *before = slurp(cfg, NULL);
    cr_assert_eq(unlink(r), 0);
    fails("snapshot-revert dd s1", "disk 'vdb' needs");
    char *after = slurp(cfg, NULL);
    cr_assert_str_eq(before, after, "a refused revert changed the config");
    free(after);
    free(before);
    free(r);
    free(cfg);
}

/* a snapshot taken while shut off is deleted while the domain runs: its
 * internal snapshot by a snapshot-delete job, its overlay (the running
 * disk's active image) merged by a block-commit job (more running cases
 * in test_snapshot_live.c) */
Test(snapshot, offline_snapshot_deleted_while_running)
{
    disk_domain();
    char *q = fmt("%s/q.qcow2", T.root), *r = fmt("%s/r.raw", T.root), *ov = fmt("%s/r.s1", T.root);
    ok("snapshot-create-as dd s1");
    ok("start dd");
    sh_ok("qemu-io -f qcow2 -c 'write -P 0x44 0 4k' %s >/dev/null%s", ov, "");
    ok("snapshot-delete dd s1");
    out_is("snapshot-list dd --name", "");
    sh_ok("! qemu-img snapshot -l %s | grep -q ' s1 '%s", q, "");
    out_has("domblklist dd", r);
    out_has("dumpxml dd --inactive", r);
    cr_assert(access(ov, F_OK) != 0, "the merged overlay was left");
    cr_assert(holds(r, "raw", "0x44"), "the overlay's data did not reach its base");
    free(ov);
    free(r);
    free(q);
}
