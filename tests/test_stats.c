/* test_stats.c: domstats and the one-domain statistics commands on the
 * test backend, whose fake guest answers query-blockstats with counters
 * that grow by a fixed step per query (fakeguest.h), so every field is
 * checked by value; /proc-derived ones (CPU, RSS, vCPU wait) by presence. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "rt_helpers.h"

static void define_stats_domain(struct rt *t)
{
    char *img0 = fmt("%s/d0.img", t->root), *img1 = fmt("%s/d1.qcow2", t->root);
    FILE *f = fopen(img0, "w");
    cr_assert(f);
    fseek(f, 1048575, SEEK_SET);
    fputc(0, f);
    fclose(f);
    /* a qcow2 header: magic, version, ..., virtual size 10 GiB at offset 24 */
    unsigned char hdr[72] = {'Q', 'F', 'I', 0xfb, 0, 0, 0, 3};
    hdr[24 + 3] = 0x02, hdr[24 + 4] = 0x80;      /* 0x0000000280000000 */
    f = fopen(img1, "w");
    cr_assert(f);
    fwrite(hdr, 1, sizeof(hdr), f);
    fclose(f);
    char *xml = fmt("<domain type='test'><name>st</name><memory>131072</memory>"
                    "<currentMemory>65536</currentMemory><vcpu>2</vcpu>"
                    "<os><type>hvm</type></os><devices>"
                    "<disk type='file' device='disk'><source file='%s'/>"
                    "<target dev='vda' bus='virtio'/></disk>"
                    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                    "<source file='%s'/><target dev='hdb' bus='ide'/></disk>"
                    "<interface type='user'><mac address='52:54:00:11:22:33'/></interface>"
                    "<serial type='pty'/></devices></domain>\n", img0, img1);
    char *path = fmt("%s/st.xml", t->root);
    cr_assert_eq(write_text(path, xml), 0);
    char *line = fmt("define %s", path);
    free(rt_ok(t, line));
    free(line);
    free(path);
    free(xml);
    free(img0);
    free(img1);
}

static void has_line(const char *out, const char *line)
{
    char *want = fmt("\n%s\n", line);
    cr_assert(strstr(out, want), "no line '%s' in:\n%s", line, out);
    free(want);
}

static void has_key(const char *out, const char *key)
{
    char *want = fmt("\n  %s=", key);
    cr_assert(strstr(out, want), "no field '%s' in:\n%s", key, out);
    free(want);
}

Test(stats, domstats_fields, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    define_stats_domain(&t);
    char *out = rt_ok(&t, "domstats st");
    has_line(out, "  state.state=5");
    has_line(out, "  state.reason=0");
    has_line(out, "  block.1.capacity=10737418240");
    cr_assert(!strstr(out, "cpu.time"), "%s", out);
    free(out);
    free(rt_ok(&t, "start st"));
    out = rt_ok(&t, "domstats st");
    cr_assert(strncmp(out, "Domain: 'st'\n", 13) == 0, "%s", out);
    static const char *const lines[] = {
        "state.state=1", "state.reason=1", "balloon.current=65536", "balloon.maximum=131072",
        "vcpu.current=2", "vcpu.maximum=2", "vcpu.0.state=1", "net.count=1",
        "block.count=2", "block.0.name=vda", "block.0.rd.reqs=10", "block.0.rd.bytes=40960",
        "block.0.rd.times=1000000", "block.0.wr.reqs=5", "block.0.wr.bytes=20480",
        "block.0.wr.times=1000000", "block.0.fl.reqs=1", "block.0.fl.times=50000",
        "block.0.capacity=1048576", "block.0.physical=1048576", "block.1.name=hdb",
        "block.1.rd.reqs=11", "block.1.rd.bytes=45056", "block.1.rd.times=1100000",
        "block.1.wr.reqs=6", "block.1.wr.bytes=24576", "block.1.wr.times=1200000",
        "block.1.fl.reqs=1", "block.1.capacity=10737418240", "block.1.physical=72",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        char *l = fmt("  %s", lines[i]);
        has_line(out, l);
        free(l);
    }
    static const char *const keys[] = {"cpu.time", "cpu.user", "cpu.system", "balloon.rss",
                                       "vcpu.0.time", "vcpu.0.wait", "block.0.allocation",
                                       "block.0.path"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        has_key(out, keys[i]);
    free(out);
    /* the second query: every block counter one step further */
    out = rt_ok(&t, "domstats --block --json st");
    cr_assert(strstr(out, "\"name\": \"st\""), "%s", out);
    cr_assert(strstr(out, "\"block.0.rd.reqs\": 20,"), "%s", out);
    cr_assert(!strstr(out, "state.state"), "%s", out);
    free(out);
    out = rt_ok(&t, "domstats --list-inactive");
    cr_assert_str_eq(out, "");
    free(out);
    rt_teardown(&t);
}

Test(stats, one_domain_commands, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    define_stats_domain(&t);
    free(rt_ok(&t, "start st"));
    char *out = rt_ok(&t, "domblkstat st vda");
    cr_assert_str_eq(out, "vda rd_req 10\nvda rd_bytes 40960\nvda wr_req 5\nvda wr_bytes 20480\n"
                          "vda flush_operations 1\nvda rd_total_times 1000000\n"
                          "vda wr_total_times 1000000\nvda flush_total_times 50000\n");
    free(out);
    out = rt_ok(&t, "domblkstat st hdb --human");
    cr_assert(strstr(out, "Device: hdb\n number of read operations:      22\n"), "%s", out);
    free(out);
    out = rt_ok(&t, "dommemstat st");
    cr_assert(strncmp(out, "actual 65536\nrss ", 17) == 0, "%s", out);
    free(out);
    out = rt_ok(&t, "dommemstat st --period 5");
    cr_assert(strncmp(out, "actual 65536\nswap_in 0\nswap_out 0\nmajor_fault 7\nminor_fault 1234\n"
                           "unused 16384\navailable 65536\nusable 32768\nlast_update 1700000000\n"
                           "disk_caches 8192\nrss ", 150) == 0, "%s", out);
    free(out);
    out = rt_ok(&t, "domblkinfo st hdb");
    /* allocation depends on the file system: only its place is checked */
    cr_assert(strncmp(out, "Capacity:       10737418240\nAllocation:     ", 44) == 0, "%s", out);
    cr_assert(strstr(out, "\nPhysical:       72\n"), "%s", out);
    free(out);
    out = rt_ok(&t, "cpu-stats st");
    cr_assert(strstr(out, "vCPU0:\n\tcpu_time ") && strstr(out, "\twait_time "), "%s", out);
    cr_assert(strstr(out, "Total:\n\tcpu_time "), "%s", out);
    free(out);
    struct run_result r = rt_run(&t, "domblkstat st nosuch");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: domain 'st' has no disk 'nosuch'\n");
    run_free(&r);
    r = rt_run(&t, "domifstat st 52:54:00:11:22:33");
    cr_assert_eq(r.status, 1);
    cr_assert_str_eq(r.err, "error: interface '52:54:00:11:22:33' of domain 'st' has no host "
                            "device with counters\n");
    run_free(&r);
    r = rt_run(&t, "dommemstat st --period -1");
    cr_assert_eq(r.status, 1);
    run_free(&r);
    free(rt_ok(&t, "destroy st"));
    r = rt_run(&t, "domblkstat st");
    cr_assert_eq(r.status, 1);
    run_free(&r);
    rt_teardown(&t);
}

/* what `complete -- LINE` offers (caller frees) */
static char *completions(struct rt *t, const char *line)
{
    const char *argv[] = {"-q", "-c", "test:///default", "complete", "--", line, NULL};
    struct run_result r = run_domsh(t->root, NULL, argv);
    cr_assert_eq(r.status, 0, "complete '%s': %s", line, r.err);
    free(r.err);
    return r.out;
}

Test(stats, completion, .timeout = 60)
{
    struct rt t;
    rt_setup(&t);
    define_stats_domain(&t);
    char *out = completions(&t, "event --event ");
    cr_assert_str_eq(out, "balloon-change\nblock-job\nconsole\ndevice-added\ndevice-removed\n"
                          "lifecycle\nreboot\n");
    free(out);
    out = completions(&t, "domstats --b");
    cr_assert_str_eq(out, "--balloon\n--block\n");
    free(out);
    out = completions(&t, "domblkinfo st ");
    cr_assert(strstr(out, "vda\n") && strstr(out, "hdb\n"), "%s", out);
    free(out);
    out = completions(&t, "domifstat st ");
    cr_assert_str_eq(out, "52:54:00:11:22:33\n");
    free(out);
    rt_teardown(&t);
}
