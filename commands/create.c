/* create: start a transient domain from an XML file (nothing is defined;
 * once it stops, it is gone). */
#include <string.h>
#include <unistd.h>

#include "../core/runtime/backend.h"
#include "../core/runtime/console.h"
#include "../core/xml/domain.h"
#include "../core/runtime/runtime.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { CREATE_OPT_FILE, CREATE_OPT_CONSOLE, CREATE_OPT_PAUSED };

static const struct opt_def create_opts[] = {
    [CREATE_OPT_FILE] = {.name = "file", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                         .argname = "file", .help = "file containing an XML domain description",
                         .complete = comp_files},
    [CREATE_OPT_CONSOLE] = {.name = "console", .kind = OPT_BOOL,
                            .help = "attach to the console once the guest runs"},
    [CREATE_OPT_PAUSED] = {.name = "paused", .kind = OPT_BOOL,
                           .help = "leave the guest paused (resume starts it)"},
};

/* a defined domain of that name is fine only if it is the same domain */
static int check_name(struct shell *sh, const struct dnode *dom, struct err **e)
{
    const char *name = dom_name(dom);
    struct dom_status ds;
    if (rt_status_repair(sh->store, name, &ds, e) < 0)
        return -1;
    if (dom_state_active(ds.state))
        return err_set(e, ERR_STATE, "domain '%s' is already running", name);
    AUTOFREE char *owner = store_name_by_uuid(sh->store, dom_uuid(dom));
    if (owner && strcmp(owner, name) != 0)
        return err_set(e, ERR_EXISTS, "domain '%s' already exists with uuid %s", owner,
                       dom_uuid(dom));
    if (!owner && store_exists(sh->store, name))
        return err_set(e, ERR_EXISTS, "domain '%s' already exists with another uuid", name);
    return 0;
}

static int create_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, CREATE_OPT_FILE);
    bool console = args_bool(a, CREATE_OPT_CONSOLE);
    /* no terminal for the console: refuse before anything runs */
    if (console && console_check_tty(STDIN_FILENO, STDOUT_FILENO, e) < 0)
        return -1;
    struct dnode *dom = dom_load_file(file, NULL, e);
    if (!dom)
        return -1;
    const char *name = dom_name(dom);
    unsigned flags = START_TRANSIENT | (args_bool(a, CREATE_OPT_PAUSED) ? START_PAUSED : 0);
    int id, lock = store_lock(sh->store, name, false, e);
    int rc = lock < 0 ? -1 : check_name(sh, dom, e);
    if (rc == 0)
        rc = backend_start(sh->store, dom, flags, &id, e);
    store_unlock(lock);
    if (rc == 0)
        shell_info(sh, "Domain '%s' created from %s", name, file);
    AUTOFREE char *started = rc == 0 && console ? xstrdup(name) : NULL;
    dnode_free(dom);
    return started ? console_after_start(sh->store, started, sh->escape,
                                         sh->quiet ? NULL : sh->out, e) : rc;
}

const struct cmd_def cmd_create = {
    .name = "create", .group = "domain", .summary = "create a domain from an XML file",
    .desc = "Starts a transient domain: it runs like a started one (console, lifecycle "
            "commands) but is not defined, and disappears once it stops.",
    .opts = create_opts, .nopts = NOPTS(create_opts), .flags = CMD_READ_WRITE,
    .target_opt = -1, .run = create_run,
};
