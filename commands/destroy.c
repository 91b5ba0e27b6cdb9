/* destroy: stop a running domain now (the supervisor kills the emulator,
 * reaps it and records "shut off (destroyed)" before answering). */
#include "../core/runtime/backend.h"
#include "../core/runtime/runtime.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { DESTROY_OPT_DOMAIN, DESTROY_OPT_GRACEFUL };

static const struct opt_def destroy_opts[] = {
    [DESTROY_OPT_DOMAIN] = OPT_DOMAIN(ST_ACTIVE),
    [DESTROY_OPT_GRACEFUL] = {.name = "graceful", .kind = OPT_BOOL,
                              .help = "SIGTERM and wait up to 10 s before SIGKILL (default 1 s)"},
};

static int destroy_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    enum backend_op op = args_bool(a, DESTROY_OPT_GRACEFUL) ? BOP_DESTROY_GRACEFUL : BOP_DESTROY;
    int lock = store_lock(sh->store, a->dom_name, true, e);
    if (lock < 0)
        return -1;
    struct dom_status ds;     /* the dispatcher's state check repaired a stale status */
    int rc = rt_status_read(sh->store, a->dom_name, &ds, e);
    if (rc == 0 && !dom_state_active(ds.state))
        rc = err_set(e, ERR_STATE, "domain '%s' is not running", a->dom_name);
    /* the state check and the call are one step under the lock */
    if (rc == 0)
        rc = backend_call(sh->store, op, a->dom_name, e);
    store_unlock(lock);
    if (rc < 0)
        return -1;
    shell_info(sh, "Domain '%s' destroyed", a->dom_name);
    return 0;
}

const struct cmd_def cmd_destroy = {
    .name = "destroy", .group = "domain", .summary = "destroy (stop) a domain",
    .opts = destroy_opts, .nopts = NOPTS(destroy_opts), .flags = CMD_READ_WRITE,
    .target_opt = DESTROY_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = destroy_run,
};
