/* qemu_argv.h: domain XML (a validated dnode tree) -> QEMU 7.2 command line.
 * The mapping follows runtime.md section 1.2.  The result is an argv array
 * (argv[0] = the emulator), never a shell string; option values that
 * contain ',' are escaped as ',,' so any path reaches QEMU as one literal
 * value.  `start` (through the supervisor) and `domxml-to-native
 * qemu-argv` call the same builder, so what is shown is what runs.
 *
 * Every command line carries -nodefaults -no-user-config -S -no-shutdown,
 * a QMP monitor on l->qmp_path (chardev id "charmonitor"), -device pvpanic
 * (GUEST_PANICKED for on_crash) and, when on_reboot is destroy or
 * preserve, -action reboot=shutdown (a guest reboot arrives as SHUTDOWN
 * with reason guest-reset).  A VNC passwd= gives `-vnc ...,password=on`:
 * the supervisor sets the password over QMP (set_password vnc) before
 * `cont`; it is never on the command line.  QEMU's stdin should be /dev/null and its
 * stdout/stderr the domain log: a 'stdio' chardev writes there. */
#ifndef DOMSH_QEMU_ARGV_H
#define DOMSH_QEMU_ARGV_H

#include <stdbool.h>
#include <stddef.h>

#include "../base/err.h"
#include "../base/mem.h"
#include "../xml/tree.h"

/* sockets the builder names inside l->run_dir */
#define QEMU_VNC_SOCK "vnc.sock"         /* -vnc unix:RUN/NAME/vnc.sock */
#define QEMU_SOCK_MAX 107                /* sun_path limit (without NUL) */

struct qemu_launch {
    const char *run_dir;   /* RUN/NAME: sockets go here */
    const char *qmp_path;  /* unix socket for QMP */
    bool supervised;       /* true: pty chardevs become unix client sockets
                            * RUN/NAME/char<alias>.sock (server=off) that
                            * the supervisor listens on before QEMU runs;
                            * false: plain `-chardev pty` */
    bool incoming;         /* `-incoming defer`: the guest's state comes by migration */
};

/* the full command line; argv[0] = emulator (<devices><emulator>, else
 * /usr/bin/qemu-system-x86_64 for os arch x86_64/i686 or none).
 * Fails (argv left empty) on what QEMU cannot express at all; host
 * conditions are qemu_host_check's business. */
int qemu_build_argv(const struct dnode *dom, const struct qemu_launch *l,
                    struct strv *argv, struct err **e);

/* environment QEMU needs besides the caller's, as "KEY=VALUE" items (SDL
 * display= -> DISPLAY, xauth= -> XAUTHORITY); usually empty */
void qemu_build_env(const struct dnode *dom, struct strv *env);

/* what this host cannot run (runtime.md 1.4), checked at start before
 * anything is created: domain type other than qemu/kvm, bootloader, KVM
 * without a usable /dev/kvm, SDL without $DISPLAY, bridge/network/
 * ethernet interfaces without the privileges they need, PCI hostdev
 * without vfio, a missing or non-executable emulator, ...
 * One precise error line; nothing is written. */
int qemu_host_check(const struct dnode *dom, struct err **e);
/* the part of it that is the domain's shape, not the host's: domain type,
 * os type, a Xen bootloader or machine (refused at define too) */
int qemu_check_os(const struct dnode *dom, struct err **e);

/* The chardevs the supervisor bridges (only with l->supervised): each
 * pty <serial>/<parallel>/<console> that has its own QEMU chardev.  A
 * <console> that is the alias of serial 0 (libvirt's compat console) has
 * no chardev of its own: it appears as `console` on serial 0's entry, and
 * the supervisor publishes the same pty path on both (plus tty= on the
 * console).  A <console> with no <serial> at all becomes serial 0 itself
 * (node = the console, console = the console). */
struct qemu_chardev {
    char *alias;               /* device alias: "serial0", "parallel0" */
    char *chardev_id;          /* QEMU chardev id: "charserial0" */
    char *sock_path;           /* RUN/NAME/charserial0.sock */
    const struct dnode *node;  /* the <serial>/<parallel>/<console> element */
    const struct dnode *console; /* the <console> sharing it, or NULL */
};

struct qemu_chardev_list {
    struct qemu_chardev *v;
    size_t n;
};

int qemu_list_chardevs(const struct dnode *dom, const struct qemu_launch *l,
                       struct qemu_chardev_list *out, struct err **e);
void qemu_chardev_list_free(struct qemu_chardev_list *cl);

/* the command line as POSIX shell text that can be pasted: ENV items
 * (may be NULL) first, each "-option value" group separated by SEP (" "
 * for one line, " \\\n" for one option per line); caller frees */
char *qemu_argv_shell(const struct strv *env, const struct strv *argv, const char *sep);

/* ',' -> ',,' (QEMU option value escaping); caller frees */
char *qemu_escape(const char *value);

#endif
