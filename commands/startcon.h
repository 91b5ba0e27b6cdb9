/* startcon.h: `start --console` / `create --console`: attach the terminal
 * to the guest console right after the supervisor answered, so the first
 * boot line is on screen (the console ring replays it). */
#ifndef DOMSH_STARTCON_H
#define DOMSH_STARTCON_H

#include "../shell/shell.h"

/* before starting: refuse without a terminal, so nothing is started for a
 * console that cannot run */
int startcon_check(struct err **e);
/* attach to NAME's default console until the escape or the guest stops */
int startcon_attach(struct shell *sh, const char *name, struct err **e);

#endif
