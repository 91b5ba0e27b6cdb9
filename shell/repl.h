/* repl.h: the interactive readline loop (stdin is a terminal). */
#ifndef DOMSH_REPL_H
#define DOMSH_REPL_H

#include "shell.h"

/* run until quit/exit/EOF; returns the process exit status */
int repl_run(struct shell *sh);

#endif
