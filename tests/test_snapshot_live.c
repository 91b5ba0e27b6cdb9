/* test_snapshot_live.c: disk snapshots of a running domain on the test
 * backend, whose fake guest runs a block layer on the real image files
 * (fakeguest_block.h): the test writes the "guest's" data into the active
 * image with qemu-io, the counter is the memory.  Internal (jobs) and
 * external (transaction, block-commit) snapshots, revert, delete, a failed
 * transaction and a killed shell. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_helpers.h"

RT_SUITE(snapshot_live, 60);

#define EXPECT_STATE(name, want) RT_EXPECT_STATE(&T, name, want)

static void ok(const char *line)
{
    free(rt_ok(&T, line));
}

static void out_has(const char *line, const char *want, bool has)
{
    char *out = rt_ok(&T, line);
    cr_assert(!strstr(out, want) == !has, "'%s' printed %s'%s': %s", line, has ? "no " : "",
              want, out);
    free(out);
}

static void sh(const char *cmd, const char *file)
{
    char *line = fmt(cmd, file);
    cr_assert_eq(system(line), 0, "'%s' failed", line);
    free(line);
}

/* the guest writes byte PAT over the first 4 KiB of FILE (FMT) */
static void guest_write(const char *fmt_, const char *pat, const char *file)
{
    char *cmd = fmt("qemu-io -f %s -c 'write -P %s 0 4k' %s >/dev/null", fmt_, pat, file);
    cr_assert_eq(system(cmd), 0, "'%s' failed", cmd);
    free(cmd);
}

static void holds(const char *fmt_, const char *pat, const char *file)
{
    char *cmd = fmt("qemu-io -f %s -r -U -c 'read -P %s 0 4k' %s 2>&1 | grep -q 'read 4096/4096'",
                    fmt_, pat, file);
    cr_assert_eq(system(cmd), 0, "%s does not hold %s", file, pat);
    free(cmd);
}

static void counter(const char *line, unsigned n)
{
    char *want = fmt("counter=%u\r\n", n);
    rt_guest_line(&T, "dd", line, want);
    free(want);
}

static char *q, *r;

/* vda qcow2, vdb raw; running, counter 1, both disks 0x11 */
static void running_disks(void)
{
    q = fmt("%s/q.qcow2", T.root);
    r = fmt("%s/r.raw", T.root);
    sh("qemu-img create -q -f qcow2 %s 16M", q);
    sh("qemu-img create -q -f raw %s 16M", r);
    char *xml = fmt("<domain type='test'><name>dd</name><memory>65536</memory><os><type>hvm"
                    "</type></os><devices><disk type='file' device='disk'><driver name='qemu' "
                    "type='qcow2'/><source file='%s'/><target dev='vda'/></disk>"
                    "<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                    "<source file='%s'/><target dev='vdb'/></disk><serial type='pty'/>"
                    "</devices></domain>", q, r);
    char *path = fmt("%s/dd.xml", T.root);
    cr_assert_eq(write_text(path, xml), 0);
    rt_okf(&T, "define %s", path);
    ok("start dd");
    counter("inc", 1);
    guest_write("qcow2", "0x11", q);
    guest_write("raw", "0x11", r);
    free(path);
    free(xml);
}

static void done(void)
{
    free(q);
    free(r);
}

Test(snapshot_live, internal_snapshot_reverts_disk_and_memory_in_place)
{
    running_disks();
    ok("snapshot-create-as dd i1 --diskspec vdb,snapshot=no");
    out_has("snapshot-dumpxml dd i1", "<memory snapshot='internal'/>", true);
    out_has("snapshot-dumpxml dd i1", "<disk name='vda' snapshot='internal'/>", true);
    out_has("snapshot-info dd i1", "internal", true);
    sh("qemu-img snapshot -l %s | grep -q ' i1 '", q);
    counter("inc", 2);
    guest_write("qcow2", "0x22", q);
    ok("snapshot-revert dd i1");
    EXPECT_STATE("dd", "running (booted)");   /* the same guest, never restarted */
    counter("counter", 1);
    holds("qcow2", "0x11", q);
    ok("snapshot-revert dd i1 --paused");
    EXPECT_STATE("dd", "paused (user)");
    ok("resume dd");
    /* from shut off: started paused from the snapshot's definition, loaded */
    ok("destroy dd");
    ok("snapshot-revert dd i1");
    EXPECT_STATE("dd", "running (unpaused)");
    counter("counter", 1);
    ok("snapshot-delete dd i1");
    sh("! qemu-img snapshot -l %s | grep -q ' i1 '", q);
    /* a raw disk cannot hold an internal snapshot */
    struct run_result res = rt_run(&T, "snapshot-create-as dd i2 --memspec snapshot=internal");
    cr_assert_eq(res.status, 1);
    cr_assert(strstr(res.err, "every snapshotted disk qcow2"), "%s", res.err);
    run_free(&res);
    done();
}

/* the overlays are the active images now: where the guest wrote */
static void external_create(void)
{
    ok("snapshot-create-as dd e1");
    char *oq = fmt("%s/q.e1", T.root), *orw = fmt("%s/r.e1", T.root);
    out_has("domblklist dd", oq, true);
    out_has("domblklist dd", orw, true);
    out_has("dumpxml dd --inactive", orw, true);
    out_has("config-history dd", "snapshot-create e1", true);
    out_has("snapshot-info dd e1", "external", true);
    guest_write("qcow2", "0x22", oq);
    guest_write("qcow2", "0x22", orw);
    holds("raw", "0x11", r);
    counter("inc", 2);
    free(oq);
    free(orw);
}

/* the listener saw each disk's commit ready and completed */
static void events_heard(pid_t ev, const char *file)
{
    char *text = NULL;
    for (int i = 0; i < 100; i++, usleep(100 * 1000)) {
        free(text);
        text = slurp(file, NULL);
        if (text && strstr(text, "Block Commit for") && strstr(text, "completed\n"))
            break;
    }
    kill(ev, SIGINT);
    waitpid(ev, NULL, 0);
    cr_assert(text && strstr(text, "event 'block-job' for domain 'dd': Block Commit for ") &&
              strstr(text, " ready\n") && strstr(text, " completed\n"), "%s", text);
    free(text);
}

Test(snapshot_live, external_snapshot_switches_every_disk_reverts_and_merges)
{
    running_disks();
    external_create();
    ok("snapshot-revert dd e1");
    EXPECT_STATE("dd", "running (restored)");
    counter("counter", 1);
    /* a fresh overlay under the snapshot's name, the discarded one removed */
    char *oq = fmt("%s/q.e1", T.root), *orw = fmt("%s/r.e1", T.root);
    out_has("domblklist dd", orw, true);
    holds("qcow2", "0x11", oq);
    holds("qcow2", "0x11", orw);
    guest_write("qcow2", "0x33", oq);
    guest_write("qcow2", "0x33", orw);
    /* the merge is heard as block jobs (ready, then completed) */
    char *evf = fmt("%s/events", T.root);
    pid_t ev = rt_spawn_out(&T, "event dd --all --loop --timeout 30", evf, "/dev/null");
    usleep(500 * 1000);
    ok("snapshot-delete dd e1");
    EXPECT_STATE("dd", "running (restored)");
    out_has("domblklist dd", orw, false);
    out_has("domblklist dd", r, true);
    out_has("dumpxml dd --inactive", r, true);
    holds("qcow2", "0x33", q);
    holds("raw", "0x33", r);
    cr_assert(access(oq, F_OK) != 0 && access(orw, F_OK) != 0, "merged overlays were left");
    events_heard(ev, evf);
    free(evf);
    free(oq);
    free(orw);
    done();
}

Test(snapshot_live, disk_only_snapshot_keeps_no_memory)
{
    running_disks();
    ok("snapshot-create-as dd d1 --disk-only");
    out_has("snapshot-info dd d1", "disk-snapshot", true);
    char *mem = fmt("%s/config/test/snapshot/dd/d1.mem", T.root);
    cr_assert(access(mem, F_OK) != 0, "a disk-only snapshot wrote memory");
    EXPECT_STATE("dd", "running (booted)");   /* never stopped */
    ok("snapshot-delete dd d1");
    out_has("domblklist dd", r, true);
    free(mem);
    done();
}

Test(snapshot_live, failed_transaction_leaves_every_disk_and_no_metadata)
{
    running_disks();
    char *cfg = fmt("%s/config/test/dd.xml", T.root);
    char *before = slurp(cfg, NULL);
    rt_guest_line(&T, "dd", "blockfail", "blockfail=1");
    struct run_result res = rt_run(&T, "snapshot-create-as dd e1");
    cr_assert_eq(res.status, 1);
    cr_assert(strstr(res.err, "did not switch"), "%s", res.err);
    cr_assert(!strchr(res.err, '\n') || strchr(res.err, '\n')[1] == '\0', "not one line: %s",
              res.err);
    run_free(&res);
    out_has("snapshot-list dd --name", "e1", false);
    out_has("domblklist dd", q, true);
    out_has("domblklist dd", r, true);
    char *after = slurp(cfg, NULL), *oq = fmt("%s/q.e1", T.root);
    char *mem = fmt("%s/config/test/snapshot/dd/e1.mem", T.root);
    cr_assert_str_eq(before, after, "the config changed");
    cr_assert(access(oq, F_OK) != 0 && access(mem, F_OK) != 0, "overlay or memory left");
    EXPECT_STATE("dd", "running (unpaused)");
    ok("snapshot-create-as dd e1");   /* and the next try works */
    free(mem);
    free(oq);
    free(after);
    free(before);
    free(cfg);
    done();
}

/* `domsh LINE` in the background, its errors dropped */
static pid_t spawn_domsh(const char *line)
{
    return rt_spawn(&T, line, "/dev/null");
}

static void wait_file(const char *path)
{
    for (int i = 0; i < 1000 && access(path, F_OK) != 0; i++)
        usleep(10000);
    cr_assert(access(path, F_OK) == 0, "%s never appeared", path);
}

/* the next snapshot command's warning */
static void next_command_says(const char *line, const char *want)
{
    struct run_result res = rt_run(&T, line);
    cr_assert_eq(res.status, 0, "%s", res.err);
    cr_assert(strstr(res.err, want), "'%s' did not say '%s': %s", line, want, res.err);
    run_free(&res);
}

/* the shell killed while it saves the memory (overlays made, journal
 * pending, disks not switched): the next snapshot command undoes it */
Test(snapshot_live, kill_9_before_the_switch_is_undone_by_the_next_command)
{
    running_disks();
    rt_guest_line(&T, "dd", "slowmig 200", "slowmig=200");
    pid_t pid = spawn_domsh("snapshot-create-as dd k");
    EXPECT_STATE("dd", "paused (snapshot)");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    EXPECT_STATE("dd", "running (booted)");
    char *oq = fmt("%s/q.k", T.root), *pending = fmt("%s/config/test/snapshot/dd/k.pending", T.root);
    cr_assert(access(pending, F_OK) == 0, "no journal of the interrupted create");
    rt_guest_line(&T, "dd", "slowmig 0", "slowmig=0");
    next_command_says("snapshot-create-as dd k2 --disk-only",
                      "snapshot-create of 'k' was interrupted before the disks switched: undone");
    cr_assert(access(pending, F_OK) != 0 && access(oq, F_OK) != 0, "the journal or overlay stayed");
    out_has("snapshot-list dd --name", "k\n", false);
    free(pending);
    free(oq);
    done();
}

/* the shell killed during the merge: before the switch-over the job is
 * canceled (the guest stays on its overlay, the snapshot stays); after
 * it, the next command moves the definitions to the base */
Test(snapshot_live, kill_9_during_a_merge_leaves_disks_and_definitions_agreeing)
{
    running_disks();
    ok("snapshot-create-as dd e1 --disk-only");
    char *orw = fmt("%s/r.e1", T.root), *j = fmt("%s/config/test/snapshot/dd/e1.merging", T.root);
    rt_guest_line(&T, "dd", "slowblock 1000", "slowblock=1000");
    pid_t pid = spawn_domsh("snapshot-delete dd e1");
    wait_file(j);
    usleep(300000);              /* the commit job runs, not ready yet */
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    next_command_says("snapshot-create-as dd x1 --disk-only --diskspec vda,snapshot=no",
                      "snapshot-delete of 'e1' was interrupted: nothing was merged");
    out_has("snapshot-list dd --name", "e1", true);
    ok("snapshot-delete dd x1");
    out_has("domblklist dd", orw, true);
    /* now past the switch-over: ready at 1 s, complete 1 s later */
    pid = spawn_domsh("snapshot-delete dd e1");
    wait_file(j);
    usleep(1500000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    usleep(1000000);             /* the emulator finishes the commit on its own */
    next_command_says("snapshot-create-as dd x2 --disk-only --diskspec vda,snapshot=no "
                      "--diskspec vdb,snapshot=no",
                      "snapshot-delete of 'e1' was interrupted: its merge had finished");
    /* vda's commit (the first) finished: its definitions are on the base;
     * vdb's never started: still on its overlay, which the next delete merges */
    char *oq = fmt("%s/q.e1", T.root);
    out_has("domblklist dd", q, true);
    out_has("dumpxml dd --inactive", q, true);
    out_has("domblklist dd", orw, true);
    cr_assert(access(oq, F_OK) != 0, "the merged overlay stayed");
    rt_guest_line(&T, "dd", "slowblock 5", "slowblock=5");
    ok("snapshot-delete dd e1");
    out_has("domblklist dd", r, true);
    out_has("dumpxml dd --inactive", r, true);
    cr_assert(access(orw, F_OK) != 0, "the merged overlay stayed");
    free(oq);
    free(j);
    free(orw);
    done();
}

/* a writable disk that is not a file cannot be snapshotted: refused, not
 * silently skipped (its data would not go back with the rest) */
Test(snapshot_live, a_writable_block_disk_is_refused_unless_left_out)
{
    char *xml = fmt("<domain type='test'><name>b</name><memory>65536</memory><os><type>hvm"
                    "</type></os><devices><disk type='block' device='disk'><source dev='%s/blk'/>"
                    "<target dev='vdc'/></disk><serial type='pty'/></devices></domain>", T.root);
    char *path = fmt("%s/b.xml", T.root);
    cr_assert_eq(write_text(path, xml), 0);
    rt_okf(&T, "define %s", path);
    ok("start b");
    struct run_result res = rt_run(&T, "snapshot-create-as b s1");
    cr_assert_eq(res.status, 1);
    cr_assert(strstr(res.err, "disk 'vdc' is writable and not a file"), "%s", res.err);
    run_free(&res);
    out_has("snapshot-list b --name", "s1", false);
    ok("snapshot-create-as b s1 --diskspec vdc,snapshot=no");
    out_has("snapshot-list b --name", "s1", true);
    free(path);
    free(xml);
}
