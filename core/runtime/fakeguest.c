/* fakeguest.c: a test double for QEMU + guest (see fakeguest.h).  One
 * poll loop, static buffers; events are written in QEMU's own JSON shape so
 * the supervisor's event code is the one that runs for QEMU. */
#include "fakeguest.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../base/qmp.h"
#include "fakeguest_block.h"
#include "fakeguest_mig.h"
#include "fakeguest_nbd.h"

#define FG_MAX_DEVS 8
#define FG_OUT_MAX 65536
#define FG_LINE_MAX 1024
#define FG_FLOOD_LINE 64

enum vm_state { VM_PRELAUNCH, VM_RUNNING, VM_PAUSED, VM_SHUTDOWN, VM_PANICKED, VM_INMIGRATE };

static const char *const vm_state_names[] = {
    [VM_PRELAUNCH] = "prelaunch", [VM_RUNNING] = "running", [VM_PAUSED] = "paused",
    [VM_SHUTDOWN] = "shutdown", [VM_PANICKED] = "guest-panicked", [VM_INMIGRATE] = "inmigrate",
};

struct fg_dev {
    int fd;                  /* our connection to the supervisor, -1 once closed */
    char out[FG_OUT_MAX];
    size_t out_len;
    char line[FG_LINE_MAX];
    size_t line_len;
    unsigned long long flood_left, flood_no;
};

struct fg {
    const struct fake_guest_opts *o;
    enum vm_state state;
    bool reset_pending;      /* system_reset while stopped: boot on cont */
    bool reboot_is_shutdown; /* set-action reboot=shutdown (on_reboot=destroy) */
    bool quit;
    unsigned long long actual_kib;   /* balloon size */
    int qmp_listen, sig_fd;
    struct qmp_conn qmp;     /* qmp.fd = -1 when no client */
    struct fg_dev dev[FG_MAX_DEVS];
    size_t ndev;
    struct fg_stats stats;   /* fakeguest_stats.c */
    struct fg_vmstate vm;    /* what a migration carries (fakeguest_mig.h) */
    struct fg_mig mig;
    struct fg_block block;   /* disks, snapshots, block jobs (fakeguest_block.h) */
    struct fg_nbd nbd;       /* NBD exports and mirrors (fakeguest_nbd.h) */
};

static void fg_event(struct fg *g, const char *name, const char *data)
{
    if (g->qmp.fd < 0)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char line[512];
    snprintf(line, sizeof(line),
             "{\"timestamp\": {\"seconds\": %ld, \"microseconds\": %ld}, \"event\": \"%s\"%s%s%s}",
             (long)tv.tv_sec, (long)tv.tv_usec, name, data ? ", \"data\": " : "",
             data ? data : "", "");
    qmp_send(g->qmp.fd, line);
}

static void dev_out(struct fg_dev *d, const char *s, size_t n)
{
    if (d->fd < 0)
        return;                  /* like QEMU: no client, output dropped */
    if (n > FG_OUT_MAX - d->out_len)
        n = FG_OUT_MAX - d->out_len;
    memcpy(d->out + d->out_len, s, n);
    d->out_len += n;
}

static void dev_puts(struct fg_dev *d, const char *s)
{
    dev_out(d, s, strlen(s));
}

static void fg_puts_all(struct fg *g, const char *s)
{
    for (size_t i = 0; i < g->ndev; i++)
        dev_puts(&g->dev[i], s);
}

/* a fresh boot: the counter restarts, and a new boot id says so */
static void fg_new_boot(struct fg *g)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(g->vm.boot_id, sizeof(g->vm.boot_id), "%lx-%lx-%x", (long)ts.tv_sec,
             (long)ts.tv_nsec, (unsigned)getpid());
    g->vm.counter = 0;
}

static void fg_boot(struct fg *g)
{
    char banner[256];
    fg_new_boot(g);
    snprintf(banner, sizeof(banner),
             "fake-guest %s: booting (memory %llu KiB)\r\nWelcome to fake-guest %s\r\nfake# ",
             g->o->name, g->o->mem_kib, g->o->name);
    for (size_t i = 0; i < g->ndev; i++) {
        g->dev[i].line_len = 0;
        g->dev[i].flood_left = 0;
    }
    fg_puts_all(g, banner);
    g->reset_pending = false;
}

static void fg_set_state(struct fg *g, enum vm_state s)
{
    bool was_running = g->state == VM_RUNNING;
    g->state = s;
    fgm_vcpus(&g->mig, s == VM_RUNNING);
    if (was_running && s != VM_RUNNING)
        fg_event(g, "STOP", NULL);
    else if (!was_running && s == VM_RUNNING)
        fg_event(g, "RESUME", NULL);
}

static void fg_poweroff(struct fg *g)
{
    fg_puts_all(g, "Power down.\r\n");
    fg_event(g, "SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");
    fg_set_state(g, VM_SHUTDOWN);
}

static void fg_reboot(struct fg *g)
{
    fg_puts_all(g, "Restarting system.\r\n");
    if (g->reboot_is_shutdown) {
        fg_event(g, "SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-reset\"}");
        fg_set_state(g, VM_SHUTDOWN);
        return;
    }
    fg_event(g, "RESET", "{\"guest\": true, \"reason\": \"guest-reset\"}");
    fg_boot(g);
}

static void fg_panic(struct fg *g)
{
    fg_puts_all(g, "Kernel panic - not syncing: fake-guest panic\r\n");
    fg_event(g, "GUEST_PANICKED", "{\"action\": \"pause\"}");
    fg_set_state(g, VM_PANICKED);
}

/* $((A op B)) with + - * / on integers; anything else is copied */
static void expand_words(const char *in, char *out, size_t n)
{
    size_t o = 0;
    while (*in && o + 1 < n) {
        long long a, b;
        char op;
        int used = 0;
        if (strncmp(in, "$((", 3) == 0 &&
            sscanf(in + 3, "%lld %c %lld))%n", &a, &op, &b, &used) == 3 && used > 0 &&
            strchr("+-*/", op) && !(op == '/' && b == 0)) {
            long long v = op == '+' ? a + b : op == '-' ? a - b : op == '*' ? a * b : a / b;
            o += (size_t)snprintf(out + o, n - o, "%lld", v);
            in += 3 + used;
            continue;
        }
        out[o++] = *in++;
    }
    out[o < n ? o : n - 1] = '\0';
}

/* the state a migration carries: `inc` (counter + 1), `counter`,
 * `bootid`, `slowmig MS` (pace of the next migrations, per 4 KiB);
 * `blockfail` (the next transaction fails), `slowblock MS` (pace of the
 * block jobs, fakeguest_block.h) */
static bool fg_state_line(struct fg *g, struct fg_dev *d, const char *line)
{
    char out[128];
    if (strcmp(line, "inc") == 0 || strcmp(line, "counter") == 0)
        snprintf(out, sizeof(out), "counter=%llu\r\n", line[0] == 'i' ? ++g->vm.counter
                                                                      : g->vm.counter);
    else if (strcmp(line, "bootid") == 0)
        snprintf(out, sizeof(out), "boot_id=%s\r\n", g->vm.boot_id);
    else if (strncmp(line, "slowmig ", 8) == 0)
        snprintf(out, sizeof(out), "slowmig=%u\r\n",
                 g->mig.delay_ms = (unsigned)strtoul(line + 8, NULL, 10));
    else if (strcmp(line, "blockfail") == 0)
        snprintf(out, sizeof(out), "blockfail=%d\r\n", g->block.fail_next = true);
    else if (strncmp(line, "slowblock ", 10) == 0)
        snprintf(out, sizeof(out), "slowblock=%u\r\n",
                 g->block.step_ms = (unsigned)strtoul(line + 10, NULL, 10));
    else
        return false;
    dev_puts(d, out);
    dev_puts(d, "fake# ");
    return true;
}

static void fg_exec_line(struct fg *g, struct fg_dev *d, const char *line)
{
    char out[FG_LINE_MAX + 64];
    if (fg_state_line(g, d, line))
        return;
    if (strcmp(line, "poweroff") == 0)
        return fg_poweroff(g);
    if (strcmp(line, "reboot") == 0)
        return fg_reboot(g);
    if (strcmp(line, "panic") == 0)
        return fg_panic(g);
    if (strncmp(line, "flood ", 6) == 0) {
        d->flood_left = strtoull(line + 6, NULL, 10);
        d->flood_no = 0;
        if (d->flood_left)
            return;              /* lines and the prompt come from fg_flood() */
    } else if (strncmp(line, "echo ", 5) == 0 || strcmp(line, "echo") == 0) {
        expand_words(line[4] ? line + 5 : "", out, sizeof(out) - 2);
        strcat(out, "\r\n");
        dev_puts(d, out);
    } else if (*line) {
        snprintf(out, sizeof(out), "%s\r\n", line);
        dev_puts(d, out);
    }
    dev_puts(d, "fake# ");
}

/* keep the output buffer topped up while a flood runs */
static void fg_flood(struct fg_dev *d)
{
    while (d->flood_left && FG_OUT_MAX - d->out_len >= FG_FLOOD_LINE + 8) {
        char l[FG_FLOOD_LINE + 16];   /* "flood NNNNNNNN " + 47 + "\r\n" = 64 */
        snprintf(l, sizeof(l), "flood %08llu %.47s\r\n", ++d->flood_no % 100000000ULL,
                 "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJK");
        dev_out(d, l, FG_FLOOD_LINE);
        if (--d->flood_left == 0)
            dev_puts(d, "flood done\r\nfake# ");
    }
}

static void fg_input(struct fg *g, struct fg_dev *d, const char *s, size_t n)
{
    for (size_t i = 0; i < n && g->state == VM_RUNNING; i++) {
        char c = s[i];
        if (c == '\r' || c == '\n') {
            if (c == '\n' && i > 0 && s[i - 1] == '\r')
                continue;
            dev_puts(d, "\r\n");
            d->line[d->line_len] = '\0';
            d->line_len = 0;
            fg_exec_line(g, d, d->line);
        } else if (c == 0x7f || c == '\b') {
            if (d->line_len) {
                d->line_len--;
                dev_puts(d, "\b \b");
            }
        } else if (c == 0x03) {
            d->line_len = 0;
            dev_puts(d, "^C\r\nfake# ");
        } else if (d->line_len + 1 < FG_LINE_MAX) {
            d->line[d->line_len++] = c;
            dev_out(d, &c, 1);
        }
    }
}

static void qmp_reply(struct fg *g, const char *ret)
{
    char line[4200];
    snprintf(line, sizeof(line), "{\"return\": %s}", ret);
    qmp_send(g->qmp.fd, line);
}

static void qmp_error(struct fg *g, const char *cls, const char *desc)
{
    char line[512];
    snprintf(line, sizeof(line), "{\"error\": {\"class\": \"%s\", \"desc\": \"%s\"}}", cls, desc);
    qmp_send(g->qmp.fd, line);
}

static void fg_cont(struct fg *g)
{
    if ((g->state == VM_SHUTDOWN || g->state == VM_PANICKED) && !g->reset_pending)
        return qmp_error(g, "GenericError", "Resetting the Virtual Machine is required");
    if (g->state == VM_INMIGRATE)
        return qmp_error(g, "GenericError", "Guest is waiting for an incoming migration");
    if (fgm_finishing(&g->mig))
        return qmp_error(g, "GenericError", "Migration is not finalized yet");
    bool boot = g->state == VM_PRELAUNCH || g->reset_pending;
    fg_set_state(g, VM_RUNNING);
    if (boot)
        fg_boot(g);
    qmp_reply(g, "{}");
}

static void fg_system_reset(struct fg *g)
{
    fg_event(g, "RESET", "{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
    if (g->state == VM_RUNNING)
        fg_boot(g);
    else
        g->reset_pending = true;
    qmp_reply(g, "{}");
}

static void fg_powerdown(struct fg *g)
{
    fg_event(g, "POWERDOWN", NULL);
    qmp_reply(g, "{}");
    if (g->state == VM_RUNNING) {     /* the guest's ACPI handler */
        fg_puts_all(g, "ACPI: power button pressed\r\n");
        fg_poweroff(g);
    }
}

static void fg_query(struct fg *g, const char *cmd)
{
    char ret[256];
    if (strcmp(cmd, "query-status") == 0)
        snprintf(ret, sizeof(ret), "{\"status\": \"%s\", \"singlestep\": false, \"running\": %s}",
                 vm_state_names[g->state], g->state == VM_RUNNING ? "true" : "false");
    else
        snprintf(ret, sizeof(ret), "{\"actual\": %llu}", g->actual_kib * 1024ULL);
    qmp_reply(g, ret);
}

/* like QEMU: a client chardev reads "disconnected:" once its server is gone */
static void fg_query_chardev(struct fg *g)
{
    char ret[4096];
    size_t o = (size_t)snprintf(ret, sizeof(ret), "[");
    for (size_t i = 0; i < g->ndev && o < sizeof(ret); i++)
        o += (size_t)snprintf(ret + o, sizeof(ret) - o,
                              "%s{\"frontend-open\": true, \"filename\": \"%sunix:%s\"}",
                              i ? ", " : "", g->dev[i].fd < 0 ? "disconnected:" : "",
                              g->o->chardevs[i]);
    if (o < sizeof(ret))
        snprintf(ret + o, sizeof(ret) - o, "]");
    qmp_reply(g, ret);
}

/* the QMP commands of live device changes (commands/devlive.c) */
static bool fg_device_command(const char *cmd)
{
    static const char *const known[] = {
        "blockdev-add", "blockdev-del", "device_add", "device_del", "netdev_add",
        "netdev_del", "blockdev-change-medium", "eject", "balloon", NULL,
    };
    for (size_t i = 0; known[i]; i++)
        if (strcmp(cmd, known[i]) == 0)
            return true;
    return false;
}

/* like QEMU once the guest has let the device go (at once here) */
static void fg_device_deleted(struct fg *g, const char *line)
{
    char id[64], data[192];
    if (!qjson_str(line, "id", id, sizeof(id)))
        return;
    snprintf(data, sizeof(data), "{\"device\": \"%s\", \"path\": \"/machine/peripheral/%s\"}",
             id, id);
    fg_event(g, "DEVICE_DELETED", data);
}

/* like QEMU: the guest's balloon driver reports the new size */
static void fg_balloon(struct fg *g, const char *line)
{
    long long bytes;
    if (!qjson_num(line, "value", &bytes) || bytes <= 0)
        return qmp_error(g, "GenericError", "Parameter 'value' is missing");
    g->actual_kib = (unsigned long long)bytes / 1024;
    qmp_reply(g, "{}");
    char data[64];
    snprintf(data, sizeof(data), "{\"actual\": %lld}", bytes);
    fg_event(g, "BALLOON_CHANGE", data);
}

static void fg_qmp_line(struct fg *g, const char *line)
{
    char cmd[64], v[32], ret[4096];
    if (!qjson_str(line, "execute", cmd, sizeof(cmd)))
        return qmp_error(g, "GenericError", "QMP input must be a JSON object");
    if (fg_stats_reply(&g->stats, cmd, line, g->actual_kib, ret, sizeof(ret)))
        qmp_reply(g, ret);
    else if (strcmp(cmd, "qmp_capabilities") == 0)
        qmp_reply(g, "{}");
    else if (strcmp(cmd, "cont") == 0)
        fg_cont(g);
    else if (strcmp(cmd, "stop") == 0) {
        if (g->state == VM_RUNNING)
            fg_set_state(g, VM_PAUSED);
        qmp_reply(g, "{}");
    } else if (strcmp(cmd, "system_powerdown") == 0)
        fg_powerdown(g);
    else if (strcmp(cmd, "system_reset") == 0)
        fg_system_reset(g);
    else if (strcmp(cmd, "quit") == 0) {
        qmp_reply(g, "{}");
        fg_event(g, "SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
        g->quit = true;
    } else if (strcmp(cmd, "query-status") == 0 || strcmp(cmd, "query-balloon") == 0)
        fg_query(g, cmd);
    else if (strcmp(cmd, "query-chardev") == 0)
        fg_query_chardev(g);
    else if (strcmp(cmd, "set-action") == 0) {
        if (qjson_str(line, "reboot", v, sizeof(v)))
            g->reboot_is_shutdown = strcmp(v, "shutdown") == 0;
        qmp_reply(g, "{}");
    } else if (strcmp(cmd, "balloon") == 0) {
        fg_balloon(g, line);
    } else if (fgm_qmp(&g->mig, g->qmp.fd, cmd, line, &g->vm, g->state == VM_INMIGRATE)) {
        /* migration: fakeguest_mig.c */
        if (g->mig.stop_guest && g->state == VM_RUNNING)
            fg_set_state(g, VM_PAUSED);      /* the switch to post-copy */
        g->mig.stop_guest = false;
    } else if (fgn_qmp(&g->nbd, &g->block, g->qmp.fd, cmd, line) ||
               fgb_qmp(&g->block, g->qmp.fd, cmd, line)) {
        /* disks, snapshots, block jobs: fakeguest_block.c */
    } else if (fg_device_command(cmd)) {
        qmp_reply(g, "{}");      /* hot-plug, media, balloon: the shell keeps the live XML */
        if (strcmp(cmd, "device_del") == 0)
            fg_device_deleted(g, line);
    } else {
        char desc[128];
        snprintf(desc, sizeof(desc), "The command %s has not been found", cmd);
        qmp_error(g, "CommandNotFound", desc);
    }
}

static const char qmp_greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
    "\"package\": \"domsh fake-guest\"}, \"capabilities\": [\"oob\"]}}";

static void fg_accept(struct fg *g, int lfd, int *slot)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (*slot >= 0) {            /* one client at a time, like QEMU */
        close(fd);
        return;
    }
    *slot = fd;
    if (slot == &g->qmp.fd) {
        qmp_init(&g->qmp, fd);
        qmp_send(fd, qmp_greeting);
    }
}

static void fg_dev_io(struct fg *g, struct fg_dev *d, short rev)
{
    if (rev & POLLOUT) {
        ssize_t w = write(d->fd, d->out, d->out_len);
        if (w > 0) {
            memmove(d->out, d->out + w, d->out_len - (size_t)w);
            d->out_len -= (size_t)w;
        }
    }
    if (rev & (POLLIN | POLLHUP | POLLERR)) {
        char buf[4096];
        ssize_t n = read(d->fd, buf, sizeof(buf));
        if (n <= 0) {
            close(d->fd);
            d->fd = -1;
            d->out_len = 0;
            return;
        }
        fg_input(g, d, buf, (size_t)n);
    }
}

static void fg_qmp_io(struct fg *g)
{
    if (qmp_fill_fd(&g->qmp, &g->mig.passed_fd) <= 0) {
        close(g->qmp.fd);
        g->qmp.fd = -1;
        return;
    }
    char *line;
    while (g->qmp.fd >= 0 && (line = qmp_next_line(&g->qmp)))
        fg_qmp_line(g, line);
}

static void fg_signal(struct fg *g)
{
    struct signalfd_siginfo si;
    if (read(g->sig_fd, &si, sizeof(si)) != sizeof(si))
        return;
    fg_event(g, "SHUTDOWN", "{\"guest\": false, \"reason\": \"host-signal\"}");
    g->quit = true;
}

/* like QEMU: the end of an outgoing migration leaves the vCPUs stopped; an
 * incoming one leaves the restored guest paused until `cont` */
static void fg_migration_step(struct fg *g)
{
    enum fgm_done d = fgm_step(&g->mig, g->qmp.fd, &g->vm);
    if (d == FGM_OUT_DONE && g->state == VM_RUNNING)
        fg_set_state(g, VM_PAUSED);
    else if (d == FGM_IN_DONE)
        g->state = VM_PAUSED;
}

/* poll slots: 0 signals, 1 qmp listener, 2 qmp client, then the
 * devices, then the NBD server's */
static void fg_loop(struct fg *g)
{
    struct pollfd p[3 + FG_MAX_DEVS + FGN_POLLFDS];
    while (!g->quit) {
        for (size_t i = 0; i < g->ndev; i++)
            fg_flood(&g->dev[i]);
        p[0] = (struct pollfd){ .fd = g->sig_fd, .events = POLLIN };
        p[1] = (struct pollfd){ .fd = g->qmp_listen, .events = POLLIN };
        p[2] = (struct pollfd){ .fd = g->qmp.fd, .events = POLLIN };
        for (size_t i = 0; i < g->ndev; i++) {
            struct fg_dev *d = &g->dev[i];
            short ev = (short)((g->state == VM_RUNNING ? POLLIN : 0) | (d->out_len ? POLLOUT : 0));
            p[3 + i] = (struct pollfd){ .fd = d->fd, .events = ev };
        }
        struct pollfd *np = p + 3 + g->ndev;
        size_t nn = fgn_pollfds(&g->nbd, np);
        int mt = fgm_timeout(&g->mig), bt = fgb_timeout(&g->block), nt = fgn_timeout(&g->nbd);
        bt = bt < 0 || (nt >= 0 && nt < bt) ? nt : bt;
        if (poll(p, 3 + g->ndev + nn, mt < 0 || (bt >= 0 && bt < mt) ? bt : mt) < 0 &&
            errno != EINTR)
            return;
        fgn_serve(&g->nbd, np, nn);
        fg_migration_step(g);
        fgn_step(&g->nbd, g->qmp.fd, g->block.step_ms);
        if (fgb_step(&g->block, g->qmp.fd, &g->vm.counter) && g->state == VM_PRELAUNCH)
            g->state = VM_PAUSED;        /* like -loadvm: cont continues, no new boot */
        if (p[0].revents)
            fg_signal(g);
        if (p[1].revents)
            fg_accept(g, g->qmp_listen, &g->qmp.fd);
        if (p[2].revents && g->qmp.fd >= 0)
            fg_qmp_io(g);
        for (size_t i = 0; i < g->ndev; i++)
            if (p[3 + i].revents && g->dev[i].fd >= 0)
                fg_dev_io(g, &g->dev[i], p[3 + i].revents);
    }
}

int fake_guest_main(const struct fake_guest_opts *o)
{
    static struct fg g;          /* ~0.5 MiB of zeroed buffers, off the stack */
    g.o = o;
    g.qmp.fd = -1;
    g.actual_kib = o->mem_kib;
    fg_stats_init(&g.stats, o->disks, o->mem_kib);
    fgb_init(&g.block, o->disks, o->disk_files);
    fgm_init(&g.mig);
    fgn_init(&g.nbd);
    g.vm.name = o->name;
    g.vm.ram_kib = o->mem_kib / 1024;   /* a KiB of "RAM" per MiB of guest memory */
    if (o->incoming)
        g.state = VM_INMIGRATE;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    g.sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (o->nchardevs > FG_MAX_DEVS) {
        fprintf(stderr, "fake-guest: at most %d character devices\n", FG_MAX_DEVS);
        return 1;
    }
    /* like QEMU's server=off chardevs: connected while starting up, or no start */
    for (size_t i = 0; i < o->nchardevs; i++, g.ndev++) {
        g.dev[i].fd = unix_connect(o->chardevs[i]);
        if (g.dev[i].fd < 0) {
            fprintf(stderr, "fake-guest: cannot connect to '%s': %s\n", o->chardevs[i],
                    strerror(errno));
            return 1;
        }
    }
    g.qmp_listen = unix_listen(o->qmp_path, 0600);
    if (g.qmp_listen < 0) {
        fprintf(stderr, "fake-guest: cannot listen on '%s': %s\n", o->qmp_path, strerror(errno));
        return 1;
    }
    fg_loop(&g);
    fgn_end(&g.nbd);
    unlink(o->qmp_path);
    return 0;
}
