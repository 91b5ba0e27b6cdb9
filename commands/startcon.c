/* startcon.c: see startcon.h. */
#include "startcon.h"

#include <unistd.h>

#include "../core/console.h"

int startcon_check(struct err **e)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return err_set(e, ERR_STATE, "Cannot run interactive console without a controlling TTY");
    return 0;
}

int startcon_attach(struct shell *sh, const char *name, struct err **e)
{
    struct console_opts o = {
        .name = name,
        .escape = sh->escape,
        .in_fd = STDIN_FILENO,
        .out_fd = STDOUT_FILENO,
    };
    enum console_end end;
    AUTOFREE char *msg = NULL;
    fflush(sh->out);
    if (console_run(sh->store, &o, &end, &msg, e) < 0)
        return -1;
    if (end == CONSOLE_END_GUEST)
        shell_info(sh, "Console of domain '%s' closed: %s", name,
                   msg && *msg ? msg : "the guest stopped");
    return 0;
}
