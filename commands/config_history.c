/* config-history: the kept changes of a domain's config, oldest first.
 * Change N kept the config as it was before it: config-diff DOM N shows
 * what N changed, config-revert DOM N goes back to before N. */
#include "devcmd.h"

#include "../core/store/history.h"
#include "../shell/out.h"

#include <time.h>

#include "../core/base/buf.h"

enum {
    CH_OPT_DOMAIN,
    CH_OPT_JSON,
};

static void print_json(struct shell *sh, const struct hist_entry *h, size_t n)
{
    struct buf b = {0};
    buf_add(&b, "[");
    for (size_t i = 0; i < n; i++) {
        buf_printf(&b, "%s\n {\"change\": %u, \"time\": %lld, \"summary\": ", i ? "," : "",
                   h[i].seq, h[i].when);
        buf_add_json_str(&b, h[i].summary);
        buf_printf(&b, ", \"revertible\": %s}", h[i].has_xml ? "true" : "false");
    }
    buf_add(&b, n ? "\n]\n" : "]\n");
    fputs(buf_str(&b), sh->out);
    buf_free(&b);
}

static int run_config_history(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct hist_entry *h;
    size_t n;
    if (history_entries(sh->store, a->dom_name, &h, &n, e) < 0)
        return -1;
    if (args_bool(a, CH_OPT_JSON)) {
        print_json(sh, h, n);
        history_free(h, n);
        return 0;
    }
    static const char *const head[] = {"Change", "Time", "Summary"};
    struct table t;
    table_init_full(&t, 3, head);
    for (size_t i = 0; i < n; i++) {
        char num[16], when[32];
        time_t tt = (time_t)h[i].when;
        struct tm tm;
        snprintf(num, sizeof(num), "%u", h[i].seq);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
        const char *row[] = {num, when, h[i].summary};
        table_add_row(&t, row, -1, COLOR_NONE);
    }
    table_print(&t, sh);
    table_free(&t);
    history_free(h, n);
    return 0;
}

static const struct opt_def config_history_opts[] = {
    [CH_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY | ST_PERSISTENT),
    [CH_OPT_JSON] = {"json", OPT_BOOL, 0, NULL,
                     "print a JSON array of {change, time, summary, revertible}"},
};

const struct cmd_def cmd_config_history = {
    .name = "config-history",
    .group = "history",
    .summary = "list the kept changes of a domain's config",
    .desc = "Every change to the config (define, edit, device commands, set*, config-revert) "
            "keeps the version it replaced. Change N kept the config as it was before N; "
            "config-diff shows a change, config-revert goes back to before it.",
    .opts = config_history_opts,
    .nopts = NOPTS(config_history_opts),
    .target_opt = CH_OPT_DOMAIN,
    .run = run_config_history,
};
