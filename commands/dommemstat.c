/* dommemstat: a running domain's memory as its balloon driver reports it
 * (virsh words, KiB), plus the emulator's RSS. */
#include "../shell/shell.h"

#include <stdlib.h>

#include "../completion/completers.h"
#include "../core/runtime/stats.h"
#include "../shell/out.h"

enum { DOMMEMSTAT_OPT_DOMAIN, DOMMEMSTAT_OPT_PERIOD, DOMMEMSTAT_OPT_JSON };

static const struct opt_def dommemstat_opts[] = {
    [DOMMEMSTAT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                               .argname = "domain", .help = "domain name, id or uuid",
                               .complete = comp_domains, .complete_flags = ST_ACTIVE},
    [DOMMEMSTAT_OPT_PERIOD] = {.name = "period", .kind = OPT_INT, .flags = OPT_NAMED,
                               .argname = "seconds",
                               .help = "have the guest report every SECONDS (0: stop) first"},
    [DOMMEMSTAT_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                             .help = "one JSON object {actual, swap_in, ..., rss}"},
};

static int dommemstat_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    long long period = 0;
    int has = args_int(a, DOMMEMSTAT_OPT_PERIOD, &period, e);
    if (has < 0)
        return -1;
    if (has && (period < 0 || period > 86400))
        return err_set(e, ERR_ARGS, "period must be between 0 and 86400 seconds");
    if (has && stats_set_period(sh->store, a->dom_name, (int)period, e) < 0)
        return -1;
    struct dom_stats *s = stats_get(sh->store, a->dom_name, STATS_BALLOON, e);
    if (!s)
        return -1;
    const struct stat_guest_mem *g = &s->guest;
    const struct { const char *k; long long v; } f[] = {
        {"actual", (long long)s->balloon_current}, {"swap_in", g->swap_in},
        {"swap_out", g->swap_out}, {"major_fault", g->major_fault},
        {"minor_fault", g->minor_fault}, {"unused", g->unused}, {"available", g->available},
        {"usable", g->usable}, {"last_update", g->last_update}, {"disk_caches", g->disk_caches},
        {"rss", (long long)s->rss_kib},
    };
    struct json j = {0};
    bool json = args_bool(a, DOMMEMSTAT_OPT_JSON);
    if (json)
        json_obj_begin(&j, NULL);
    for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
        if (f[k].v >= 0 && json)
            json_int(&j, f[k].k, f[k].v);
        else if (f[k].v >= 0)
            fprintf(sh->out, "%s %lld\n", f[k].k, f[k].v);
    if (json) {
        json_obj_end(&j);
        json_print(&j, sh);
    }
    free(s);
    return 0;
}

const struct cmd_def cmd_dommemstat = {
    .name = "dommemstat", .group = "monitor", .summary = "memory statistics of a domain",
    .desc = "The balloon size, the guest's own memory statistics once it reports them "
            "(--period; they need the guest's virtio balloon driver) and the RSS of the "
            "emulator, in KiB.",
    .opts = dommemstat_opts, .nopts = NOPTS(dommemstat_opts),
    .target_opt = DOMMEMSTAT_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = dommemstat_run,
};
