/* console: attach the terminal to a running domain's serial console,
 * through its supervisor (core/runtime/console.c does the session). */
#include "../shell/shell.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../completion/completers.h"
#include "../core/domains/domains.h"
#include "../core/base/rundir.h"
#include "../core/runtime/console.h"
#include "../core/xml/domain.h"

enum {
    CONSOLE_OPT_DOMAIN,
    CONSOLE_OPT_DEVNAME,
    CONSOLE_OPT_FORCE,
    CONSOLE_OPT_READONLY,
    CONSOLE_OPT_NO_REPLAY,
};

/* the pty-backed character devices of DOM (what a console can attach
 * to), from its live XML when it runs, else the persistent one */
static void push_devices(struct store *st, const char *name, struct strv *out)
{
    static const char *const kinds[] = { "console", "serial", "parallel" };
    struct err *e = NULL;
    struct dnode *dom = domains_load(st, name, DOMAINS_CURRENT, NULL, &e);
    err_free(e);
    const struct dnode *devs = dom ? dnode_child(dom, "devices") : NULL;
    for (size_t k = 0; devs && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        size_t n = dnode_count(devs, kinds[k]);
        for (size_t i = 0; i < n; i++) {
            const char *type = dnode_attr(dnode_nth(devs, kinds[k], i), "type");
            if (!type || strcmp(type, "pty") == 0)
                strv_push_take(out, xasprintf("%s%zu", kinds[k], i));
        }
    }
    dnode_free(dom);
}

static void comp_console_devices(struct shell *sh, const struct cmd_args *partial,
                                 unsigned flags, struct strv *out)
{
    const char *key = partial && partial->val ? partial->val[CONSOLE_OPT_DOMAIN] : NULL;
    struct err *e = NULL;
    if (!key || shell_connect(sh, &e) < 0) {
        err_free(e);
        return;
    }
    AUTOFREE char *name = domains_lookup(sh->store, key, &e);
    err_free(e);
    if (name)
        push_devices(sh->store, name, out);
}

static const struct opt_def console_opts[] = {
    [CONSOLE_OPT_DOMAIN] = OPT_DOMAIN(ST_ACTIVE),
    [CONSOLE_OPT_DEVNAME] = { "devname", OPT_STRING, 0, "device",
                              "character device: console0, serial0, parallel0, ... "
                              "(default: the first console)",
                              .complete = comp_console_devices },
    [CONSOLE_OPT_FORCE] = { "force", OPT_BOOL, 0, NULL,
                            "take the console over from the client that holds it" },
    [CONSOLE_OPT_READONLY] = { "readonly", OPT_BOOL, 0, NULL,
                               "watch only: keystrokes are not sent (any number of watchers)" },
    [CONSOLE_OPT_NO_REPLAY] = { "no-replay", OPT_BOOL, 0, NULL,
                                "do not replay the output kept while nobody was attached" },
};

static int run_console(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct console_opts o;
    console_opts_init(&o, a->dom_name, sh->escape);
    o.dev = args_str(a, CONSOLE_OPT_DEVNAME);
    o.force = args_bool(a, CONSOLE_OPT_FORCE);
    o.readonly = args_bool(a, CONSOLE_OPT_READONLY) || sh->readonly;  /* -r may watch */
    o.no_replay = args_bool(a, CONSOLE_OPT_NO_REPLAY);
    if (o.force && args_bool(a, CONSOLE_OPT_READONLY))
        return err_set(e, ERR_ARGS, "--force and --readonly are mutually exclusive");
    if (o.force && o.readonly)
        return err_set(e, ERR_READONLY, "--force is refused on a read-only connection (-r)");
    return console_run_print(sh->store, &o, sh->quiet ? NULL : sh->out, e);
}

const struct cmd_def cmd_console = {
    .name = "console",
    .group = "domain",
    .summary = "connect to the guest console",
    .desc = "Attach the terminal to a serial, console or parallel device of a running "
            "domain.  What the guest printed while nobody was attached (the last 64 KiB) "
            "is shown first.  The escape character (^], or the one given with -e) "
            "detaches wherever it is typed; the domain keeps running.  One client may "
            "type at a time: --force takes the console over (the other client is told), "
            "and --readonly watchers are unlimited.  The session ends with status 0 when "
            "the guest stops.",
    .opts = console_opts,
    .nopts = NOPTS(console_opts),
    .flags = 0,
    .target_opt = CONSOLE_OPT_DOMAIN,
    .target_states = ST_ACTIVE,
    .run = run_console,
};
