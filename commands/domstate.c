/* domstate: the state word of a domain, optionally with its reason. */
#include "../core/runtime/runtime.h"
#include "../completion/completers.h"
#include "../shell/out.h"
#include "../shell/shell.h"

enum { DOMSTATE_OPT_DOMAIN, DOMSTATE_OPT_REASON, DOMSTATE_OPT_JSON };

static const struct opt_def domstate_opts[] = {
    [DOMSTATE_OPT_DOMAIN] = OPT_DOMAIN(0),
    [DOMSTATE_OPT_REASON] = {.name = "reason", .kind = OPT_BOOL, .help = "also print the reason"},
    [DOMSTATE_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                           .help = "one JSON object {name, state, reason}"},
};

static int domstate_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dom_status st;
    if (rt_status_read(sh->store, a->dom_name, &st, e) < 0)
        return -1;
    const char *state = dom_state_name(st.state);
    if (args_bool(a, DOMSTATE_OPT_JSON)) {
        struct json j = {0};
        json_obj_begin(&j, NULL);
        json_str(&j, "name", a->dom_name);
        json_str(&j, "state", state);
        json_str(&j, "reason", st.reason);
        json_obj_end(&j);
        json_print(&j, sh);
        return 0;
    }
    fprintf(sh->out, "%s%s%s", out_color_start(sh, out_state_color(state)), state,
            out_color_end(sh));
    if (args_bool(a, DOMSTATE_OPT_REASON))
        fprintf(sh->out, " (%s)", st.reason);
    fputc('\n', sh->out);
    return 0;
}

const struct cmd_def cmd_domstate = {
    .name = "domstate", .group = "domain", .summary = "domain state",
    .opts = domstate_opts, .nopts = NOPTS(domstate_opts),
    .target_opt = DOMSTATE_OPT_DOMAIN, .run = domstate_run,
};
