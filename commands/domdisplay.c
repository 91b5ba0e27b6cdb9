/* domdisplay: the URI of a running domain's graphical display:
 * vnc://HOST:PORT, or vnc+unix://PATH for the default unix socket. */
#include "../core/runtime/runtime.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { DOMDISPLAY_OPT_DOMAIN };

static const struct opt_def domdisplay_opts[] = {
    [DOMDISPLAY_OPT_DOMAIN] = OPT_DOMAIN(ST_ACTIVE),
};

static int domdisplay_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct rt_vnc v;
    if (rt_vnc_display(sh->store, a->dom_name, &v, e) < 0) {
        err_clear(e);
        return err_set(e, ERR_NOT_FOUND, "no graphical display found for domain '%s'",
                       a->dom_name);
    }
    if (v.display < 0)
        fprintf(sh->out, "vnc+unix://%s\n", v.unix_path);
    else
        fprintf(sh->out, "vnc://%s:%d\n", v.host, 5900 + v.display);
    return 0;
}

const struct cmd_def cmd_domdisplay = {
    .name = "domdisplay", .group = "domain", .summary = "domain display connection URI",
    .opts = domdisplay_opts, .nopts = NOPTS(domdisplay_opts),
    .target_opt = DOMDISPLAY_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = domdisplay_run,
};
