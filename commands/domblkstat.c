/* domblkstat: a running domain's block device counters (virsh words). */
#include "../shell/shell.h"

#include <stdlib.h>

#include <string.h>

#include "../completion/completers.h"
#include "../core/runtime/stats.h"
#include "../shell/out.h"

enum { DOMBLKSTAT_OPT_DOMAIN, DOMBLKSTAT_OPT_DEVICE, DOMBLKSTAT_OPT_HUMAN, DOMBLKSTAT_OPT_JSON };

static const struct opt_def domblkstat_opts[] = {
    [DOMBLKSTAT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                               .argname = "domain", .help = "domain name, id or uuid",
                               .complete = comp_domains, .complete_flags = ST_ACTIVE},
    [DOMBLKSTAT_OPT_DEVICE] = {.name = "device", .kind = OPT_STRING, .argname = "device",
                               .help = "target (vda) or source path (default: every disk)",
                               .complete = comp_disk_targets},
    [DOMBLKSTAT_OPT_HUMAN] = {.name = "human", .kind = OPT_BOOL,
                              .help = "described in words, one counter a line"},
    [DOMBLKSTAT_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                             .help = "a JSON array of {device, rd_req, rd_bytes, ...}"},
};

static void print_one(struct shell *sh, const struct stat_block *b, bool human, struct json *j)
{
    static const char *const keys[] = {"rd_req", "rd_bytes", "wr_req", "wr_bytes",
                                       "flush_operations", "rd_total_times", "wr_total_times",
                                       "flush_total_times"};
    static const char *const words[] = {
        "number of read operations:", "number of bytes read:", "number of write operations:",
        "number of bytes written:", "number of flush operations:",
        "total duration of reads (ns):", "total duration of writes (ns):",
        "total duration of flushes (ns):"};
    const unsigned long long v[] = {b->rd_reqs, b->rd_bytes, b->wr_reqs, b->wr_bytes,
                                    b->fl_reqs, b->rd_times, b->wr_times, b->fl_times};
    if (j) {
        json_obj_begin(j, NULL);
        json_str(j, "device", b->name);
    } else if (human) {
        fprintf(sh->out, "Device: %s\n", b->name);
    }
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        if (j)
            json_uint(j, keys[k], v[k]);
        else if (human)
            fprintf(sh->out, " %-31s %llu\n", words[k], v[k]);
        else
            fprintf(sh->out, "%s %s %llu\n", b->name, keys[k], v[k]);
    }
    if (j)
        json_obj_end(j);
}

static int domblkstat_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dom_stats *s = stats_get(sh->store, a->dom_name, STATS_BLOCK, e);
    if (!s)
        return -1;
    const char *dev = args_str(a, DOMBLKSTAT_OPT_DEVICE);
    const struct stat_block *only = dev ? stats_find_block(s, dev) : NULL;
    int rc = 0;
    if (dev && !only)
        rc = err_set(e, ERR_NOT_FOUND, "domain '%s' has no disk '%s'", s->name, dev);
    else if (only && !only->have_io)
        rc = err_set(e, ERR_UNSUPPORTED, "disk '%s' of domain '%s' has no counters (no medium?)",
                     dev, s->name);
    struct json j = {0};
    bool json = args_bool(a, DOMBLKSTAT_OPT_JSON);
    if (rc == 0 && json)
        json_arr_begin(&j, NULL);
    for (size_t i = 0; rc == 0 && i < s->nblock; i++)
        if ((!only || only == &s->block[i]) && s->block[i].have_io)
            print_one(sh, &s->block[i], args_bool(a, DOMBLKSTAT_OPT_HUMAN), json ? &j : NULL);
    if (rc == 0 && json) {
        json_arr_end(&j);
        json_print(&j, sh);
    }
    free(s);
    return rc;
}

const struct cmd_def cmd_domblkstat = {
    .name = "domblkstat", .group = "monitor", .summary = "block device counters of a domain",
    .opts = domblkstat_opts, .nopts = NOPTS(domblkstat_opts),
    .target_opt = DOMBLKSTAT_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = domblkstat_run,
};
