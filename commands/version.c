/* version: the versions of domsh and of the hypervisor behind the URI. */
#include <stdio.h>

#include "../core/runtime/runtime.h"
#include "../shell/out.h"
#include "../shell/shell.h"

enum { VERSION_OPT_JSON };

static const struct opt_def version_opts[] = {
    [VERSION_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                          .help = "one JSON object {library, api, api_version, hypervisor, "
                                  "hypervisor_version}"},
};

static int version_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    bool test = sh->store->driver == DRIVER_TEST;
    const char *api = test ? "TEST" : "QEMU";
    char hv[64] = DOMSH_VERSION;
    bool have_hv = test || rt_qemu_version(sh->store, hv, sizeof(hv));
    if (args_bool(a, VERSION_OPT_JSON)) {
        struct json j = {0};
        json_obj_begin(&j, NULL);
        json_str(&j, "library", DOMSH_VERSION);
        json_str(&j, "api", api);
        json_str(&j, "api_version", DOMSH_VERSION);
        json_str(&j, "hypervisor", api);
        json_str(&j, "hypervisor_version", have_hv ? hv : NULL);
        json_obj_end(&j);
        json_print(&j, sh);
        return 0;
    }
    fprintf(sh->out, "Compiled against library: domsh %s\n", DOMSH_VERSION);
    fprintf(sh->out, "Using library: domsh %s\n", DOMSH_VERSION);
    fprintf(sh->out, "Using API: %s %s\n", api, DOMSH_VERSION);
    if (have_hv)
        fprintf(sh->out, "Running hypervisor: %s %s\n", api, hv);
    return 0;
}

const struct cmd_def cmd_version = {
    .name = "version", .group = "host", .summary = "show version",
    .desc = "The domsh version and, for qemu:///, the version of qemu-system-x86_64.",
    .opts = version_opts, .nopts = NOPTS(version_opts), .target_opt = -1, .run = version_run,
};
