/* demo_guest.h: the busybox demo guest under QEMU (TCG) for the QEMU tests:
 * a store of its own (demo_root), the domain "demo" defined with the host's
 * kernel and a fresh initramfs, its console driven over sup.sock, hard
 * timeouts, and only this test's processes killed at the end. */
#ifndef DOMSH_TEST_DEMO_GUEST_H
#define DOMSH_TEST_DEMO_GUEST_H

#include <sys/types.h>

#include "helpers.h"

extern char *demo_root;

/* `domsh -q -c qemu:///session LINE` in demo_root; demo_ok asserts it worked */
struct run_result demo_q(const char *line);
void demo_ok(const char *line);
/* demo_q(LINE) in the background, stderr to errfile: its pid */
pid_t demo_spawn(const char *line, const char *errfile);
/* domstate demo --reason (caller frees); demo_expect_state asserts it */
char *demo_state(void);
void demo_expect_state(const char *want);
/* type LINE on the console; the output until WANT (NULL: nothing), caller frees */
char *demo_console_line(const char *line, const char *want);
void demo_wait_booted(void);
/* the guest's /proc/uptime (seconds): it goes on while the same boot runs */
double demo_uptime(void);
void demo_expect_same_boot(double up);
/* the marker WORD onto DEV's first sector (dd, then sync); that the
 * first sector holds it, read with the guest's page cache dropped */
void demo_disk_write(const char *dev, const char *word);
void demo_disk_is(const char *dev, const char *word);
/* a new demo_root with "demo" defined; DISKS (XML, may be NULL, '@' stands
 * for demo_root) go in its <devices>; IMAGES (may be NULL) is a shell command run first, with two
 * %s for demo_root */
void demo_define(const char *disks, const char *images);
/* destroy demo, kill what is left of it, remove demo_root */
void demo_end(void);
/* demo_end if a test left before it (a suite's .fini: a failed assertion
 * must not leave its guest and supervisor running) */
void demo_leftovers(void);

#endif
