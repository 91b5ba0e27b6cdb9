/* domstats: statistics of domains under libvirt's field names
 * (core/runtime/stats.c gathers, stats_fields() names). */
#include "../shell/shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../completion/completers.h"
#include "../core/domains/domains.h"
#include "../core/runtime/stats.h"
#include "../shell/out.h"

#define DOMSTATS_TIMEOUT_MS 2000

enum {
    DOMSTATS_OPT_STATE,
    DOMSTATS_OPT_CPU,
    DOMSTATS_OPT_BALLOON,
    DOMSTATS_OPT_VCPU,
    DOMSTATS_OPT_INTERFACE,
    DOMSTATS_OPT_BLOCK,
    DOMSTATS_OPT_LIST_ACTIVE,
    DOMSTATS_OPT_LIST_INACTIVE,
    DOMSTATS_OPT_LIST_RUNNING,
    DOMSTATS_OPT_LIST_PAUSED,
    DOMSTATS_OPT_LIST_SHUTOFF,
    DOMSTATS_OPT_JSON,
    DOMSTATS_OPT_DOMAINS,
};

/* option -> group (the first six) or list mask (the next five) */
static const unsigned opt_bits[] = {
    STATS_STATE, STATS_CPU, STATS_BALLOON, STATS_VCPU, STATS_NET, STATS_BLOCK,
    STATS_LIST_ACTIVE, STATS_LIST_INACTIVE, STATS_LIST_RUNNING, STATS_LIST_PAUSED,
    STATS_LIST_SHUTOFF,
};

static const struct opt_def domstats_opts[] = {
    [DOMSTATS_OPT_STATE] = {.name = "state", .kind = OPT_BOOL, .help = "state.state, state.reason"},
    [DOMSTATS_OPT_CPU] = {.name = "cpu-total", .kind = OPT_BOOL,
                          .help = "cpu.time, cpu.user, cpu.system (ns)"},
    [DOMSTATS_OPT_BALLOON] = {.name = "balloon", .kind = OPT_BOOL,
                              .help = "balloon.current, .maximum, guest memory stats, .rss (KiB)"},
    [DOMSTATS_OPT_VCPU] = {.name = "vcpu", .kind = OPT_BOOL,
                           .help = "vcpu.current, .maximum, vcpu.N.state, .time, .wait (ns)"},
    [DOMSTATS_OPT_INTERFACE] = {.name = "interface", .kind = OPT_BOOL,
                                .help = "net.count, net.N.name, net.N.rx.bytes, ..."},
    [DOMSTATS_OPT_BLOCK] = {.name = "block", .kind = OPT_BOOL,
                            .help = "block.count, block.N.name, block.N.rd.reqs, ..."},
    [DOMSTATS_OPT_LIST_ACTIVE] = {.name = "list-active", .kind = OPT_BOOL,
                                  .help = "only running, paused, ... domains"},
    [DOMSTATS_OPT_LIST_INACTIVE] = {.name = "list-inactive", .kind = OPT_BOOL,
                                    .help = "only shut off domains"},
    [DOMSTATS_OPT_LIST_RUNNING] = {.name = "list-running", .kind = OPT_BOOL,
                                   .help = "only running domains"},
    [DOMSTATS_OPT_LIST_PAUSED] = {.name = "list-paused", .kind = OPT_BOOL,
                                  .help = "only paused domains"},
    [DOMSTATS_OPT_LIST_SHUTOFF] = {.name = "list-shutoff", .kind = OPT_BOOL,
                                   .help = "only shut off domains"},
    [DOMSTATS_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                           .help = "a JSON array of {\"name\": ..., FIELD: value, ...}"},
    [DOMSTATS_OPT_DOMAINS] = {.name = "domain", .kind = OPT_ARGV, .argname = "domain",
                              .help = "these domains (default: all)", .complete = comp_domains},
};

static void emit_text(void *ctx, const char *key, const char *val, bool num)
{
    fprintf(((struct shell *)ctx)->out, "  %s=%s\n", key, val);
}

static void emit_json(void *ctx, const char *key, const char *val, bool num)
{
    struct json *j = ctx;
    if (num)
        json_uint(j, key, strtoull(val, NULL, 10));
    else
        json_str(j, key, val);
}

static int names_of(struct shell *sh, const struct cmd_args *a, struct strv *names, struct err **e)
{
    unsigned mask = 0;
    for (int o = DOMSTATS_OPT_LIST_ACTIVE; o <= DOMSTATS_OPT_LIST_SHUTOFF; o++)
        mask |= args_bool(a, o) ? opt_bits[o] : 0;
    if (!a->argv.n)
        return stats_domains(sh->store, mask, names, e);
    if (mask)
        return err_set(e, ERR_ARGS, "--list-* options cannot be combined with domain names");
    for (size_t i = 0; i < a->argv.n; i++) {
        char *name = domains_lookup(sh->store, a->argv.v[i], e);
        if (!name)
            return -1;
        strv_push_take(names, name);
    }
    return 0;
}

static int domstats_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned groups = 0;
    for (int o = DOMSTATS_OPT_STATE; o <= DOMSTATS_OPT_BLOCK; o++)
        groups |= args_bool(a, o) ? opt_bits[o] : 0;
    groups = groups ? groups : STATS_ALL;
    struct strv names = {0};
    int rc = names_of(sh, a, &names, e);
    bool json = args_bool(a, DOMSTATS_OPT_JSON);
    struct json j = {0};
    struct dom_stats *s = xmalloc(sizeof(*s));
    if (json)
        json_arr_begin(&j, NULL);
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        if ((rc = stats_collect(sh->store, names.v[i], groups, DOMSTATS_TIMEOUT_MS, s, e)) < 0)
            break;
        if (s->no_answer)
            fprintf(sh->err, "warning: domain '%s': its supervisor did not answer in time\n",
                    s->name);
        if (json) {
            json_obj_begin(&j, NULL);
            json_str(&j, "name", s->name);
            stats_fields(s, groups, emit_json, &j);
            json_obj_end(&j);
        } else {
            fprintf(sh->out, "Domain: '%s'\n", s->name);
            stats_fields(s, groups, emit_text, sh);
            fputc('\n', sh->out);
        }
    }
    if (json) {
        json_arr_end(&j);
        if (rc == 0)
            json_print(&j, sh);
        else
            buf_free(&j.b);
    }
    free(s);
    strv_free(&names);
    return rc;
}

const struct cmd_def cmd_domstats = {
    .name = "domstats", .group = "monitor", .summary = "statistics of domains",
    .desc = "Prints libvirt's statistics fields of each domain (all of them, or the ones "
            "named): state, CPU time, balloon and guest memory, vCPU time and run-queue wait, "
            "interface and block counters.  Without a group option every group is printed.",
    .opts = domstats_opts, .nopts = NOPTS(domstats_opts),
    .target_opt = -1, .run = domstats_run,
};
