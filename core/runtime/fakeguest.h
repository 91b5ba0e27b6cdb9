/* fakeguest.h: the test backend's "emulator" (`domsh fake-guest`).
 *
 * It behaves like `qemu-system-* -S -no-shutdown` as far as the supervisor
 * can tell: a QMP server socket (greeting, qmp_capabilities, cont, stop,
 * system_powerdown, system_reset, quit, query-status, query-balloon,
 * set-action) and one unix server socket per character device, like QEMU's
 * `socket,server=on,wait=off` chardev (output is dropped while no client is
 * connected).  After `cont` it prints a banner and a prompt and echoes what
 * it is sent; the lines `poweroff`, `reboot`, `panic` raise the events QEMU
 * raises for a guest doing that (SHUTDOWN guest-shutdown, RESET or
 * SHUTDOWN guest-reset, GUEST_PANICKED); `flood N` prints N lines of 64
 * bytes; `echo WORDS` prints WORDS with $((A op B)) expanded; ACPI
 * powerdown powers the guest off.  Migration (save/restore): fakeguest_mig.h;
 * the console commands `inc`, `counter`, `bootid` show the state it carries. */
#ifndef DOMSH_FAKEGUEST_H
#define DOMSH_FAKEGUEST_H

#include <stdbool.h>
#include <stddef.h>

struct fake_guest_opts {
    const char *name;
    const char *qmp_path;
    unsigned long long mem_kib;
    char *const *chardevs;     /* socket paths, one per device */
    size_t nchardevs;
    bool incoming;             /* wait for migrate-incoming (QEMU's -incoming defer) */
};

/* runs until quit / SIGTERM; returns the process exit status */
int fake_guest_main(const struct fake_guest_opts *o);

#endif
