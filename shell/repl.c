/* repl.c: the interactive loop: read a line with readline, run it. */
#include "repl.h"

#include <stdio.h>
#include <stdlib.h>

#include <readline/history.h>
#include <readline/readline.h>

int repl_run(struct shell *sh)
{
    if (!sh->quiet)
        fprintf(sh->out, "Welcome to domsh, the virtual machine shell.\n"
                         "Type 'help' for help with commands, 'quit' to quit.\n\n");
    while (!sh->quit) {
        char *line = readline("domsh # ");
        if (!line) {
            fputc('\n', sh->out);
            break;
        }
        if (*line)
            add_history(line);
        dispatch_line(sh, line);
        free(line);
    }
    return 0;
}
