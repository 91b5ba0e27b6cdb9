/* serve.h: `domsh --stdio URI`, the server side of remote URIs (serve.c). */
#ifndef DOMSH_SERVE_H
#define DOMSH_SERVE_H

#include "shell.h"

/* serve the protocol of core/remote/remote.h on stdin/stdout for the local
 * URI uri until EOF; the process exit status */
int serve_stdio(struct shell *sh, const char *uri);

#endif
