/* lifecycle: the plain lifecycle commands reboot, reset, resume, shutdown
 * and suspend.  Each is one request to the domain's supervisor through
 * the backend; they differ only in the operation, the states they accept
 * and the line they print, so they share one handler that switches on the
 * command (tmux's cmd-select-pane.c does the same).  One cmd_def each, one
 * man fragment each (man/cmds/NAME.1in). */
#include "../core/runtime/backend.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { LIFECYCLE_OPT_DOMAIN };

static const struct opt_def active_opts[] = {
    [LIFECYCLE_OPT_DOMAIN] = OPT_DOMAIN(ST_ACTIVE),
};
static const struct opt_def running_opts[] = {
    [LIFECYCLE_OPT_DOMAIN] = OPT_DOMAIN(ST_RUNNING),
};
static const struct opt_def paused_opts[] = {
    [LIFECYCLE_OPT_DOMAIN] = OPT_DOMAIN(ST_PAUSED),
};

extern const struct cmd_def cmd_reboot, cmd_reset, cmd_resume, cmd_shutdown, cmd_suspend;

static int lifecycle_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    static const struct {
        const struct cmd_def *cmd;
        enum backend_op op;
        const char *done;        /* "Domain 'NAME' <done>" once asked */
    } ops[] = {
        {&cmd_reboot, BOP_REBOOT, "is being rebooted"},
        {&cmd_reset, BOP_RESET, "was reset"},
        {&cmd_resume, BOP_RESUME, "resumed"},
        {&cmd_shutdown, BOP_SHUTDOWN, "is being shutdown"},
        {&cmd_suspend, BOP_SUSPEND, "suspended"},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (a->cmd != ops[i].cmd)
            continue;
        if (backend_call(sh->store, ops[i].op, a->dom_name, e) < 0)
            return -1;
        shell_info(sh, "Domain '%s' %s", a->dom_name, ops[i].done);
        return 0;
    }
    return err_set(e, ERR_INTERNAL, "command '%s' is not a lifecycle command", a->cmd->name);
}

const struct cmd_def cmd_reboot = {
    .name = "reboot", .group = "domain",
    .summary = "reboot a domain (ACPI power button, then restart in place)",
    .opts = active_opts, .nopts = NOPTS(active_opts), .flags = CMD_READ_WRITE,
    .target_opt = LIFECYCLE_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = lifecycle_run,
};

const struct cmd_def cmd_reset = {
    .name = "reset", .group = "domain",
    .summary = "reset a domain (hard reset, like the reset button)",
    .opts = active_opts, .nopts = NOPTS(active_opts), .flags = CMD_READ_WRITE,
    .target_opt = LIFECYCLE_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = lifecycle_run,
};

const struct cmd_def cmd_resume = {
    .name = "resume", .group = "domain", .summary = "resume a suspended domain",
    .opts = paused_opts, .nopts = NOPTS(paused_opts), .flags = CMD_READ_WRITE,
    .target_opt = LIFECYCLE_OPT_DOMAIN, .target_states = ST_PAUSED, .run = lifecycle_run,
};

const struct cmd_def cmd_shutdown = {
    .name = "shutdown", .group = "domain",
    .summary = "gracefully shut down a domain (ACPI power button)",
    .opts = active_opts, .nopts = NOPTS(active_opts), .flags = CMD_READ_WRITE,
    .target_opt = LIFECYCLE_OPT_DOMAIN, .target_states = ST_ACTIVE, .run = lifecycle_run,
};

const struct cmd_def cmd_suspend = {
    .name = "suspend", .group = "domain", .summary = "suspend (pause) a running domain",
    .opts = running_opts, .nopts = NOPTS(running_opts), .flags = CMD_READ_WRITE,
    .target_opt = LIFECYCLE_OPT_DOMAIN, .target_states = ST_RUNNING, .run = lifecycle_run,
};
