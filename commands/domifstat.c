/* domifstat: a running domain's interface counters, from the host side of
 * its tap device (rx and tx as the guest sees them, like libvirt). */
#include "../shell/shell.h"

#include <stdlib.h>

#include "../completion/completers.h"
#include "../core/runtime/stats.h"
#include "../shell/out.h"

enum { DOMIFSTAT_OPT_DOMAIN, DOMIFSTAT_OPT_INTERFACE, DOMIFSTAT_OPT_JSON };

static const struct opt_def domifstat_opts[] = {
    [DOMIFSTAT_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                              .argname = "domain", .help = "domain name, id or uuid",
                              .complete = comp_domains, .complete_flags = ST_ACTIVE},
    [DOMIFSTAT_OPT_INTERFACE] = {.name = "interface", .kind = OPT_STRING,
                                 .flags = OPT_REQUIRED, .argname = "interface",
                                 .help = "host device (vnet0) or MAC address",
                                 .complete = comp_iface_macs},
    [DOMIFSTAT_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                            .help = "one JSON object {interface, rx_bytes, ...}"},
};

static int domifstat_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dom_stats *s = stats_get(sh->store, a->dom_name, STATS_NET, e);
    if (!s)
        return -1;
    const char *want = args_str(a, DOMIFSTAT_OPT_INTERFACE);
    const struct stat_net *n = stats_find_net(s, want);
    int rc = 0;
    if (!n)
        rc = err_set(e, ERR_NOT_FOUND, "domain '%s' has no interface '%s'", s->name, want);
    else if (!n->have_io)
        rc = err_set(e, ERR_UNSUPPORTED,
                     "interface '%s' of domain '%s' has no host device with counters", want,
                     s->name);
    if (rc == 0) {
        static const char *const keys[] = {"rx_bytes", "rx_packets", "rx_errs", "rx_drop",
                                           "tx_bytes", "tx_packets", "tx_errs", "tx_drop"};
        const unsigned long long v[] = {n->rx_bytes, n->rx_pkts, n->rx_errs, n->rx_drop,
                                        n->tx_bytes, n->tx_pkts, n->tx_errs, n->tx_drop};
        struct json j = {0};
        bool json = args_bool(a, DOMIFSTAT_OPT_JSON);
        if (json) {
            json_obj_begin(&j, NULL);
            json_str(&j, "interface", n->name);
        }
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            if (json)
                json_uint(&j, keys[k], v[k]);
            else
                fprintf(sh->out, "%s %s %llu\n", n->name, keys[k], v[k]);
        if (json) {
            json_obj_end(&j);
            json_print(&j, sh);
        }
    }
    free(s);
    return rc;
}

const struct cmd_def cmd_domifstat = {
    .name = "domifstat", .group = "monitor", .summary = "interface counters of a domain",
    .opts = domifstat_opts, .nopts = NOPTS(domifstat_opts),
    .target_opt = DOMIFSTAT_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = domifstat_run,
};
