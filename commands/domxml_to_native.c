/* domxml-to-native: the QEMU command line `start` runs for a domain, as
 * one line of POSIX shell text that can be pasted (environment first).
 * It uses the same builder and the same run-dir paths as `start` (QMP and
 * chardev sockets under RUN/NAME, pty consoles as the unix sockets the
 * supervisor bridges), so what is shown is what runs.  A VNC password is
 * never on the command line (the supervisor sets it over QMP). */
#include <stdlib.h>

#include "../core/base/rundir.h"
#include "../core/xml/domain.h"
#include "../core/runtime/qemu_argv.h"
#include "../core/store/store.h"
#include "../completion/completers.h"
#include "../shell/shell.h"

enum { D2N_OPT_FORMAT, D2N_OPT_XML, D2N_OPT_DOMAIN };

static const char *const d2n_formats[] = {"qemu-argv", NULL};

static const struct opt_def d2n_opts[] = {
    [D2N_OPT_FORMAT] = {.name = "format", .kind = OPT_STRING, .flags = OPT_REQUIRED,
                        .argname = "format", .help = "target format",
                        .choices = d2n_formats, .complete = comp_choices},
    [D2N_OPT_XML] = {.name = "xml", .kind = OPT_STRING, .flags = OPT_LOCAL_PATH, .argname = "file",
                     .help = "file containing an XML domain description",
                     .complete = comp_files},
    [D2N_OPT_DOMAIN] = {.name = "domain", .kind = OPT_STRING, .flags = OPT_NAMED,
                        .argname = "domain", .help = "a defined domain (name, id or uuid) "
                        "instead of a file", .complete = comp_domains},
};

static struct dnode *load_domain(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    const char *file = args_str(a, D2N_OPT_XML);
    if (file && a->dom_name) {
        err_set(e, ERR_ARGS, "options --xml and --domain are mutually exclusive");
        return NULL;
    }
    if (!file && !a->dom_name) {
        err_set(e, ERR_ARGS, "an XML file or --domain is required");
        return NULL;
    }
    return file ? dom_load_file(file, NULL, e) : store_load(sh->store, a->dom_name, e);
}

static int d2n_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    struct dnode *dom = load_domain(sh, a, e);
    if (!dom)
        return -1;
    AUTOFREE char *run = xasprintf("%s/%s", sh->store->run_dir, dom_name(dom));
    AUTOFREE char *qmp = xasprintf("%s/" RUNF_QMP_SOCK, run);
    struct qemu_launch l = {.run_dir = run, .qmp_path = qmp, .supervised = true};
    struct strv argv = {0}, env = {0};
    int rc = qemu_build_argv(dom, &l, &argv, e);
    if (rc == 0) {
        qemu_build_env(dom, &env);
        AUTOFREE char *line = qemu_argv_shell(&env, &argv, " ");
        fprintf(sh->out, "%s\n", line);
    }
    strv_free(&argv);
    strv_free(&env);
    dnode_free(dom);
    return rc;
}

const struct cmd_def cmd_domxml_to_native = {
    .name = "domxml-to-native", .group = "domain",
    .summary = "convert domain XML to a native QEMU command line",
    .desc = "Prints the exact QEMU command line that start runs for the XML file or the "
            "defined domain: one line, shell-quoted so that it can be pasted, environment "
            "variables first. Sockets are in the domain's run directory, and pty consoles "
            "appear as the unix sockets the supervisor bridges.",
    .opts = d2n_opts, .nopts = NOPTS(d2n_opts),
    .target_opt = D2N_OPT_DOMAIN, .run = d2n_run,
};
