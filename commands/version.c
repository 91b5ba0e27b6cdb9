/* version: the versions of domsh and of the hypervisor behind the URI. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/store/store.h"
#include "../shell/out.h"
#include "../shell/shell.h"

extern char **environ;

enum { VERSION_OPT_JSON };

static const struct opt_def version_opts[] = {
    [VERSION_OPT_JSON] = {.name = "json", .kind = OPT_BOOL,
                          .help = "one JSON object {library, api, api_version, hypervisor, "
                                  "hypervisor_version}"},
};

/* "7.2.9" from `qemu-system-x86_64 --version`; false when QEMU is missing */
static bool qemu_version(char *out, size_t size)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)"qemu-system-x86_64", (char *)"--version", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char text[512] = "";
    ssize_t n = rc == 0 ? read(fds[0], text, sizeof(text) - 1) : -1;
    close(fds[0]);
    if (rc == 0)
        waitpid(pid, NULL, 0);
    text[n > 0 ? n : 0] = '\0';
    const char *v = strstr(text, "version ");
    if (!v)
        return false;
    v += strlen("version ");
    snprintf(out, size, "%.*s", (int)strspn(v, "0123456789."), v);
    return *out != '\0';
}

static int version_run(struct shell *sh, const struct cmd_args *a, struct err **e)
{
    bool test = sh->store->driver == DRIVER_TEST;
    const char *api = test ? "TEST" : "QEMU";
    char hv[64] = DOMSH_VERSION;
    bool have_hv = test || qemu_version(hv, sizeof(hv));
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
