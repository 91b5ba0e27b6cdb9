/* vncdisplay: where a running domain's VNC server listens, as QEMU
 * reported it at start (query-vnc): HOST:DISPLAY, or unix:PATH. */
#include "../core/runtime/runtime.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { VNCDISPLAY_OPT_DOMAIN };

static const struct opt_def vncdisplay_opts[] = {
    [VNCDISPLAY_OPT_DOMAIN] = OPT_DOMAIN(ST_ACTIVE),
};

static int vncdisplay_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct rt_vnc v;
    if (rt_vnc_display(sh->store, a->dom_name, &v, e) < 0)
        return -1;
    if (v.display < 0)
        fprintf(sh->out, "unix:%s\n", v.unix_path);
    else
        fprintf(sh->out, "%s:%d\n", v.host, v.display);
    return 0;
}

const struct cmd_def cmd_vncdisplay = {
    .name = "vncdisplay", .group = "domain", .summary = "vnc display",
    .opts = vncdisplay_opts, .nopts = NOPTS(vncdisplay_opts),
    .target_opt = VNCDISPLAY_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = vncdisplay_run,
};
