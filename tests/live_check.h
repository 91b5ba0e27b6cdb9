/* live_check.h: what every reader shows of a running domain (issue 10,
 * item 3): after any live change, dumpxml still has the domain id, the pty
 * source paths and the console tty=, dominfo the id and "running",
 * ttyconsole the pty, and the console command reaches the guest.  Used on
 * the test backend (test_live_state.c) and on QEMU (test_devices_live.c). */
#ifndef DOMSH_LIVE_CHECK_H
#define DOMSH_LIVE_CHECK_H

#include <stdbool.h>

/* `domsh -q [-c URI] LINE` in ROOT (uri NULL: the default), asserting
 * status 0; returns stdout (caller frees) */
char *live_ok(const char *root, const char *uri, const char *line);

/* `domsh [-c URI] console NAME` on a pty of its own: wait for the banner,
 * type LINE, wait for WANT, detach with ^]; true when domsh then exits 0.
 * *seen (may be NULL) gets the whole screen (caller frees) */
bool live_console(const char *root, const char *uri, const char *name, const char *line,
                  const char *want, char **seen);

/* assert the readers show running domain NAME with id ID and console pty
 * PTY; after names the change just made (for messages) */
void live_check_state(const char *root, const char *uri, const char *name, int id,
                      const char *pty, const char *after);

/* run each line of CHANGES (NULL-terminated; each must succeed), then
 * live_check_state with the id and pty the domain had before the first;
 * the console is tried after every change when CONSOLE_LINE is given */
void live_check_changes(const char *root, const char *uri, const char *name,
                        const char *const *changes, const char *console_line,
                        const char *console_want);

#endif
