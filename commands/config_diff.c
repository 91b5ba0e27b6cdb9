/* config-diff: what change N did to the config (unified diff of the
 * version before N against the one after it); default the last change. */
#include "devcmd.h"

#include "../core/store/history.h"

#include <stdlib.h>

enum {
    CD_OPT_DOMAIN,
    CD_OPT_CHANGE,
};

/* index of change SEQ in h, or n */
static size_t find_seq(const struct hist_entry *h, size_t n, unsigned long long seq)
{
    for (size_t i = 0; i < n; i++)
        if (h[i].seq == seq)
            return i;
    return n;
}

static char *version_text(struct shell *sh, const char *name, const struct hist_entry *h,
                          size_t n, size_t i, struct err **e)
{
    if (i >= n)
        return store_load_text(sh->store, name, e);
    return h[i].has_xml ? history_load(sh->store, name, h[i].seq, e) : xstrdup("");
}

static int show_diff(struct shell *sh, const char *name, const struct hist_entry *h, size_t n,
                     size_t i, struct err **e)
{
    AUTOFREE char *before = version_text(sh, name, h, n, i, e);
    AUTOFREE char *after = before ? version_text(sh, name, h, n, i + 1, e) : NULL;
    if (!after)
        return -1;
    AUTOFREE char *la = xasprintf("%s.xml before change %u", name, h[i].seq);
    AUTOFREE char *lb = i + 1 < n ? xasprintf("%s.xml before change %u", name, h[i + 1].seq)
                                  : xasprintf("%s.xml (current)", name);
    AUTOFREE char *d = text_diff(before, after, la, lb);
    fputs(*d ? d : "no change\n", sh->out);
    return 0;
}

static int run_config_diff(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct hist_entry *h;
    size_t n;
    unsigned long long seq = 0;
    int given = args_uint(a, CD_OPT_CHANGE, &seq, e);
    if (given < 0 || history_entries(sh->store, a->dom_name, &h, &n, e) < 0)
        return -1;
    int rc = -1;
    size_t i = given ? find_seq(h, n, seq) : n ? n - 1 : 0;
    if (n == 0)
        err_set(e, ERR_NOT_FOUND, "domain '%s' has no config history yet", a->dom_name);
    else if (i >= n)
        err_set(e, ERR_NOT_FOUND, "domain '%s' has no change %llu (see config-history)",
                a->dom_name, seq);
    else
        rc = show_diff(sh, a->dom_name, h, n, i, e);
    history_free(h, n);
    return rc;
}

static const struct opt_def config_diff_opts[] = {
    [CD_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY | ST_PERSISTENT),
    [CD_OPT_CHANGE] = {"change", OPT_INT, 0, "N", "the change to show (default: the last one)",
                       .complete = comp_history_seqs},
};

const struct cmd_def cmd_config_diff = {
    .name = "config-diff",
    .group = "history",
    .summary = "show what a config change did",
    .desc = "Print a unified diff of the config before change N and after it (the next "
            "kept version, or the current config). Without N: the last change.",
    .opts = config_diff_opts,
    .nopts = NOPTS(config_diff_opts),
    .target_opt = CD_OPT_DOMAIN,
    .run = run_config_diff,
};
