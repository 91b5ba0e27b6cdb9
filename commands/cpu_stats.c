/* cpu-stats: CPU time of a running domain: the emulator's total, user and
 * system time, and each vCPU thread's time and run-queue wait. */
#include "../shell/shell.h"

#include <stdlib.h>

#include "../completion/completers.h"
#include "../core/runtime/stats.h"
#include "../shell/out.h"

enum { CPU_STATS_OPT_DOMAIN, CPU_STATS_OPT_TOTAL, CPU_STATS_OPT_JSON };

static const struct opt_def cpu_stats_opts[] = {
    [CPU_STATS_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                              .argname = "domain", .help = "domain name, id or uuid",
                              .complete = comp_domains, .complete_flags = ST_ACTIVE},
    [CPU_STATS_OPT_TOTAL] = {.name = "total", .kind = OPT_BOOL, .help = "only the total"},
    [CPU_STATS_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                            .help = "{cpu_time, user_time, system_time, vcpus: [...]} in ns"},
};

static void print_json(struct shell *sh, const struct dom_stats *s, bool total)
{
    struct json j = {0};
    json_obj_begin(&j, NULL);
    json_uint(&j, "cpu_time", s->cpu_time);
    json_uint(&j, "user_time", s->cpu_user);
    json_uint(&j, "system_time", s->cpu_system);
    if (!total) {
        json_arr_begin(&j, "vcpus");
        for (size_t i = 0; i < s->nvcpu; i++) {
            json_obj_begin(&j, NULL);
            json_uint(&j, "vcpu", i);
            json_uint(&j, "cpu_time", s->vcpu[i].time_ns);
            json_uint(&j, "wait_time", s->vcpu[i].wait_ns);
            json_obj_end(&j);
        }
        json_arr_end(&j);
    }
    json_obj_end(&j);
    json_print(&j, sh);
}

static int cpu_stats_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dom_stats *s = stats_get(sh->store, a->dom_name, STATS_CPU | STATS_VCPU, e);
    if (!s)
        return -1;
    bool total = args_bool(a, CPU_STATS_OPT_TOTAL);
    if (args_bool(a, CPU_STATS_OPT_JSON)) {
        print_json(sh, s, total);
        free(s);
        return 0;
    }
    for (size_t i = 0; !total && i < s->nvcpu; i++)
        fprintf(sh->out, "vCPU%zu:\n\tcpu_time %15.9f seconds\n\twait_time %14.9f seconds\n",
                i, (double)s->vcpu[i].time_ns / 1e9, (double)s->vcpu[i].wait_ns / 1e9);
    fprintf(sh->out, "Total:\n\tcpu_time %15.9f seconds\n\tuser_time %14.9f seconds\n"
            "\tsystem_time %12.9f seconds\n", (double)s->cpu_time / 1e9,
            (double)s->cpu_user / 1e9, (double)s->cpu_system / 1e9);
    free(s);
    return 0;
}

const struct cmd_def cmd_cpu_stats = {
    .name = "cpu-stats", .group = "monitor", .summary = "CPU time of a domain",
    .desc = "The emulator's CPU time (user and system), and unless --total each vCPU "
            "thread's CPU time and the time it waited for a host CPU (schedstat).",
    .opts = cpu_stats_opts, .nopts = NOPTS(cpu_stats_opts),
    .target_opt = CPU_STATS_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = cpu_stats_run,
};
