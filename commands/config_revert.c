/* config-revert: put back the config as it was before change N.  The old
 * text is checked like define, written atomically and the revert itself
 * is recorded (so it can be reverted too). */
#include "devcmd.h"

#include "../core/store/history.h"
#include "../core/store/txn.h"

#include <string.h>

enum {
    CR_OPT_DOMAIN,
    CR_OPT_CHANGE,
    CR_OPT_DRY_RUN,
};

static int revert(struct shell *sh, struct store_txn *t, unsigned long long seq, bool dry,
                  struct err **e)
{
    AUTOFREE char *text = history_load(sh->store, t->name, (unsigned)seq, e);
    if (!text)
        return -1;
    AUTOFREE char *label = xasprintf("%s.xml before change %llu", t->name, seq);
    struct dnode *old = dom_load_string(text, strlen(text), label, NULL, e);
    if (!old)
        return -1;
    const char *name = dom_name(old);
    if (!name || strcmp(name, t->name) != 0) {
        dnode_free(old);
        return err_set(e, ERR_INVALID, "version before change %llu names domain '%s', not '%s'",
                       seq, name ? name : "", t->name);
    }
    dnode_free(t->dom);
    t->dom = old;
    if (store_txn_prepare(t, e) < 0)
        return -1;
    if (dry) {
        AUTOFREE char *d = text_diff(t->old_text, t->new_text, "current", label);
        fputs(*d ? d : "no change\n", sh->out);
        return 0;
    }
    AUTOFREE char *summary = xasprintf("config-revert %llu", seq);
    if (store_txn_commit(t, summary, e) < 0)
        return -1;
    shell_info(sh, "Domain '%s' config reverted to before change %llu", t->name, seq);
    return 0;
}

static int run_config_revert(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    unsigned long long seq = 0;
    if (args_uint(a, CR_OPT_CHANGE, &seq, e) < 0)
        return -1;
    struct store_txn t = STORE_TXN_INIT;
    int rc = -1;
    if (store_txn_begin(&t, sh->store, a->dom_name, e) == 0)
        rc = revert(sh, &t, seq, args_bool(a, CR_OPT_DRY_RUN), e);
    store_txn_end(&t);
    if (rc == 0 && devcmd_active(sh, a->dom_name))
        shell_info(sh, "the running domain keeps its current devices until it restarts");
    return rc;
}

static const struct opt_def config_revert_opts[] = {
    [CR_OPT_DOMAIN] = OPT_DOMAIN(ST_ANY | ST_PERSISTENT),
    [CR_OPT_CHANGE] = {"change", OPT_INT, OPT_REQUIRED, "N",
                       "go back to the config as it was before this change",
                       .complete = comp_history_seqs},
    DEVCMD_DRY_RUN_OPT(CR_OPT_DRY_RUN),
};

const struct cmd_def cmd_config_revert = {
    .name = "config-revert",
    .group = "history",
    .summary = "restore a domain's config from its history",
    .desc = "Restore the config as it was before change N (see config-history). The old "
            "version is checked like define and written atomically; the revert is itself "
            "a change in the history.",
    .opts = config_revert_opts,
    .nopts = NOPTS(config_revert_opts),
    .flags = CMD_READ_WRITE,
    .target_opt = CR_OPT_DOMAIN,
    .run = run_config_revert,
};
