/* registry.c: the command table.  The list of commands is generated at
 * build time from the `const struct cmd_def cmd_*` definitions in
 * commands/ (see the Makefile rule for registry.inc), so adding a command
 * is adding its file; the table is sorted by symbol name. */
#include "../shell/cmd.h"

#include <string.h>

#include "registry_decl.inc"

const struct cmd_def *const cmd_table[] = {
#include "registry.inc"
    NULL
};

const size_t cmd_table_len = sizeof(cmd_table) / sizeof(cmd_table[0]) - 1;

const struct cmd_def *cmd_find(const char *name)
{
    for (size_t i = 0; i < cmd_table_len; i++) {
        const struct cmd_def *c = cmd_table[i];
        if (strcmp(c->name, name) == 0)
            return c;
        for (size_t k = 0; c->aliases && c->aliases[k]; k++)
            if (strcmp(c->aliases[k], name) == 0)
                return c;
    }
    return NULL;
}
