/* domjobinfo: the running (or last finished) save, snapshot or migration
 * of a domain, in virsh's layout. */
#include "../core/runtime/migjob.h"
#include "../completion/completers.h"
#include "../shell/out.h"
#include "../shell/shell.h"

enum { JI_OPT_DOMAIN, JI_OPT_COMPLETED, JI_OPT_KEEP, JI_OPT_ANYSTATS, JI_OPT_JSON };

static const struct opt_def domjobinfo_opts[] = {
    [JI_OPT_DOMAIN] = OPT_DOMAIN(0),
    [JI_OPT_COMPLETED] = {.name = "completed", .kind = OPT_BOOL,
                          .help = "return statistics of a recently completed job"},
    [JI_OPT_KEEP] = {.name = "keep-completed", .kind = OPT_BOOL,
                     .help = "don't destroy statistics of a recently completed job when reading"},
    [JI_OPT_ANYSTATS] = {.name = "anystats", .kind = OPT_BOOL,
                         .help = "print statistics for any kind of job (even failed ones)"},
    [JI_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                     .help = "one JSON object with libvirt's statistics names"},
};

/* virsh's vshPrettyCapacity: B, KiB, MiB, ... */
static double capacity(long long v, const char **unit)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double d = (double)v;
    size_t u = 0;
    while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        d /= 1024;
        u++;
    }
    *unit = units[u];
    return d;
}

static void print_capacity(struct shell *sh, const char *label, long long v, const char *per)
{
    const char *unit;
    double d = capacity(v, &unit);
    fprintf(sh->out, "%-17s %-.3lf %s%s\n", label, d, unit, per);
}

/* a figure the job reported, with its suffix (NULL: none) */
static void print_num(struct shell *sh, const struct rt_job *j, enum rt_job_field f,
                      const char *label, const char *suffix)
{
    if (j->v[f] < 0)
        return;
    if (suffix)
        fprintf(sh->out, "%-17s %-12lld %s\n", label, j->v[f], suffix);
    else
        fprintf(sh->out, "%-17s %-12lld\n", label, j->v[f]);
}

static void print_memory(struct shell *sh, const struct rt_job *j)
{
    long long p = j->v[RJ_MEM_PROCESSED], r = j->v[RJ_MEM_REMAINING], t = j->v[RJ_MEM_TOTAL];
    if (p <= 0 && r <= 0 && t <= 0)
        return;
    /* no storage is copied yet: the data are the memory */
    static const char *const labels[2][3] = {
        { "Data processed:", "Data remaining:", "Data total:" },
        { "Memory processed:", "Memory remaining:", "Memory total:" },
    };
    for (int k = 0; k < 2; k++) {
        print_capacity(sh, labels[k][0], p > 0 ? p : 0, "");
        print_capacity(sh, labels[k][1], r > 0 ? r : 0, "");
        print_capacity(sh, labels[k][2], t > 0 ? t : 0, "");
    }
    if (j->v[RJ_MEM_BPS] > 0)
        print_capacity(sh, "Memory bandwidth:", j->v[RJ_MEM_BPS], "/s");
}

static void print_text(struct shell *sh, const struct rt_job *j)
{
    fprintf(sh->out, "%-17s %-12s\n", "Operation:", j->operation);
    print_num(sh, j, RJ_TIME_ELAPSED, "Time elapsed:", "ms");
    print_memory(sh, j);
    print_num(sh, j, RJ_DIRTY_RATE, "Dirty rate:", "pages/s");
    print_num(sh, j, RJ_PAGE_SIZE, "Page size:", "bytes");
    print_num(sh, j, RJ_ITERATION, "Iteration:", NULL);
    print_num(sh, j, RJ_POSTCOPY_REQS, "Postcopy requests:", NULL);
    print_num(sh, j, RJ_CONSTANT, "Constant pages:", NULL);
    print_num(sh, j, RJ_NORMAL, "Normal pages:", NULL);
    if (j->v[RJ_NORMAL_BYTES] >= 0)
        print_capacity(sh, "Normal data:", j->v[RJ_NORMAL_BYTES], "");
    print_num(sh, j, RJ_DOWNTIME,
              j->type == RT_JOB_COMPLETED ? "Total downtime:" : "Expected downtime:", "ms");
    print_num(sh, j, RJ_SETUP_TIME, "Setup time:", "ms");
    if (j->v[RJ_THROTTLE] >= 0)
        fprintf(sh->out, "%-17s %-13lld\n", "Auto converge throttle:", j->v[RJ_THROTTLE]);
    if (*j->errmsg)
        fprintf(sh->out, "%-17s %s\n", "Error message:", j->errmsg);
}

static void print_json(struct shell *sh, const struct rt_job *j, bool stats)
{
    struct json js = {0};
    json_obj_begin(&js, NULL);
    json_str(&js, "type", rt_job_type_name(j->type));
    if (j->type != RT_JOB_NONE)
        json_str(&js, "operation", j->operation);
    static const char *const data_keys[] = { "data_processed", "data_remaining", "data_total" };
    for (int f = 0; stats && f < RJ_LAST; f++) {
        if (j->v[f] < 0)
            continue;
        if (f >= RJ_MEM_PROCESSED && f <= RJ_MEM_TOTAL)     /* no storage copied: the same */
            json_int(&js, data_keys[f - RJ_MEM_PROCESSED], j->v[f]);
        json_int(&js, rt_job_key((enum rt_job_field)f), j->v[f]);
    }
    if (stats && *j->errmsg)
        json_str(&js, "errmsg", j->errmsg);
    json_obj_end(&js);
    json_print(&js, sh);
}

static int domjobinfo_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    bool completed = args_bool(a, JI_OPT_COMPLETED);
    if (args_bool(a, JI_OPT_KEEP) && !completed)
        return err_set(e, ERR_ARGS, "Option --keep-completed requires --completed");
    struct rt_job j;
    unsigned flags = (completed ? RT_JOB_COMPLETED_STATS : 0) |
                     (args_bool(a, JI_OPT_KEEP) ? RT_JOB_KEEP_COMPLETED : 0);
    if (rt_job_info(sh->store, a->dom_name, flags, &j, e) < 0)
        return -1;
    /* virsh shows the figures of a running job, or of a completed one
     * asked for with --completed; a failed or canceled one with --anystats */
    bool stats = j.type == RT_JOB_UNBOUNDED || (completed && j.type == RT_JOB_COMPLETED) ||
                 (args_bool(a, JI_OPT_ANYSTATS) && j.type != RT_JOB_NONE);
    if (args_bool(a, JI_OPT_JSON)) {
        print_json(sh, &j, stats);
        return 0;
    }
    fprintf(sh->out, "%-17s %-12s\n", "Job type:", rt_job_type_name(j.type));
    if (stats)
        print_text(sh, &j);
    return 0;
}

const struct cmd_def cmd_domjobinfo = {
    .name = "domjobinfo", .group = "domain", .summary = "domain job information",
    .desc = "Prints the save, managed save, snapshot, restore or migration running on the "
            "domain, from any shell: its operation, time elapsed, memory processed, remaining "
            "and total, bandwidth, dirty rate, iteration and expected downtime, as the "
            "emulator last reported them (at most 200 ms ago).  \"Job type: None\" when "
            "nothing runs.  --completed prints the last finished job instead (kept after a "
            "save or a migration has ended the domain), once unless --keep-completed.",
    .opts = domjobinfo_opts, .nopts = NOPTS(domjobinfo_opts),
    .target_opt = JI_OPT_DOMAIN, .run = domjobinfo_run,
};
