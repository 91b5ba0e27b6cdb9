/* supervisor_loop.c: the poll loop and the way out.  Runs until the
 * emulator is reaped; then records the final state, tells attached
 * consoles and waiting destroys, removes the live files and exits. */
#include "supervisor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* poll slots: fixed ones, then 2 per device, then 1 per client */
enum { SLOT_SIG, SLOT_QMP, SLOT_LISTEN, SLOT_WATCH, SLOT_DEVS };
#define SLOT_CLIENTS (SLOT_DEVS + 2 * SUP_MAX_DEVS)
#define NSLOTS (SLOT_CLIENTS + SUP_MAX_CLIENTS)

static void sup_signals(struct sup *s)
{
    struct signalfd_siginfo si;
    while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            int st;
            pid_t pid;
            /* we are a subreaper: reap whatever was left to us too */
            while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                if (pid == s->qemu_pid) {
                    s->qemu_status = st;
                    s->reaped = true;
                }
        } else if (!s->destroying) {
            sup_log(s, "signal %u: destroying the domain", si.ssi_signo);
            sup_destroy(s, -1, true);
        }
    }
}

static void sup_qmp_io(struct sup *s)
{
    long n = qmp_fill(&s->qmp);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {                /* monitor EOF: the emulator is exiting */
        close(s->qmp.fd);
        s->qmp.fd = -1;
        while (s->npending) {
            struct sup_pending p = s->pending[--s->npending];
            if (p.client >= 0)
                sup_reply(s, p.client, PROTO_ERR, "the emulator's monitor closed");
        }
        return;
    }
    char *line;
    while (s->qmp.fd >= 0 && (line = qmp_next_line(&s->qmp)))
        sup_qmp_line(s, line);
}

static nfds_t fill_slots(struct sup *s, struct pollfd *p)
{
    p[SLOT_SIG] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
    p[SLOT_QMP] = (struct pollfd){ .fd = s->qmp.fd, .events = POLLIN };
    p[SLOT_LISTEN] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
    p[SLOT_WATCH] = (struct pollfd){ .fd = s->pty_watch_fd, .events = POLLIN };
    for (size_t i = 0; i < SUP_MAX_DEVS; i++) {
        if (i < s->ndev) {
            sup_console_slots(&s->dev[i], &p[SLOT_DEVS + 2 * i], &p[SLOT_DEVS + 2 * i + 1]);
            continue;
        }
        p[SLOT_DEVS + 2 * i] = (struct pollfd){ .fd = -1 };
        p[SLOT_DEVS + 2 * i + 1] = (struct pollfd){ .fd = -1 };
    }
    for (size_t i = 0; i < SUP_MAX_CLIENTS; i++)
        p[SLOT_CLIENTS + i] = (struct pollfd){ .fd = s->client[i].fd, .events = POLLIN };
    return NSLOTS;
}

static int poll_timeout(struct sup *s)
{
    long long next = s->kill_deadline_ms, mig = sup_mig_next_ms(s), job = sup_job_next_ms(s);
    if (mig && (!next || mig < next))
        next = mig;
    if (job && (!next || job < next))
        next = job;
    int console = sup_console_timeout(s);
    if (!next)
        return console;
    long long left = next - sup_now_ms();
    int ms = left > 0 ? (int)left : 0;
    return console >= 0 && console < ms ? console : ms;
}

static void check_kill_deadline(struct sup *s)
{
    if (s->kill_deadline_ms && sup_now_ms() >= s->kill_deadline_ms && !s->reaped) {
        sup_log(s, "the emulator did not stop in time: SIGKILL");
        kill(s->qemu_pid, SIGKILL);
        s->kill_deadline_ms = 0;
    }
}

void sup_loop(struct sup *s)
{
    struct pollfd p[NSLOTS];
    while (!s->reaped) {
        nfds_t n = fill_slots(s, p);
        if (poll(p, n, poll_timeout(s)) < 0 && errno != EINTR)
            break;
        check_kill_deadline(s);
        sup_console_tick(s);
        if (p[SLOT_WATCH].revents)
            sup_console_watch(s);
        sup_mig_tick(s);
        sup_job_tick(s);
        if (p[SLOT_SIG].revents)
            sup_signals(s);
        if (p[SLOT_QMP].revents && s->qmp.fd >= 0)
            sup_qmp_io(s);
        for (size_t i = 0; i < s->ndev; i++) {
            if (p[SLOT_DEVS + 2 * i].revents && s->dev[i].qfd >= 0)
                sup_guest_output(s, &s->dev[i]);
            if (p[SLOT_DEVS + 2 * i + 1].revents)
                sup_pty_event(s, &s->dev[i], p[SLOT_DEVS + 2 * i + 1].revents);
        }
        if (p[SLOT_LISTEN].revents)
            sup_accept(s);
        for (int i = 0; i < SUP_MAX_CLIENTS; i++)
            if (p[SLOT_CLIENTS + i].revents && s->client[i].fd == p[SLOT_CLIENTS + i].fd)
                sup_client_io(s, i);
    }
    sup_finish(s);
}

/* the last bytes the guest wrote before the emulator went away */
static void drain_consoles(struct sup *s)
{
    for (size_t i = 0; i < s->ndev; i++)
        for (int guard = 0; s->dev[i].qfd >= 0 && guard < 64; guard++) {
            struct pollfd p = { .fd = s->dev[i].qfd, .events = POLLIN };
            if (poll(&p, 1, 0) <= 0)
                break;
            sup_guest_output(s, &s->dev[i]);
        }
}

static void remove_live_files(struct sup *s)
{
    static const char *const files[] = { RUNF_SUP_SOCK, RUNF_QMP_SOCK, RUNF_LIVE, RUNF_LAUNCH,
                                         RUNF_VNC_SOCK, RUNF_VNC_DISPLAY };
    char path[SUP_PATH + 32];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", s->run_dir, files[i]);
        unlink(path);
    }
    for (size_t i = 0; i < s->ndev; i++)
        unlink(s->dev[i].sock);
    if (s->transient) {          /* a transient domain leaves nothing behind */
        snprintf(path, sizeof(path), "%s/" RUNF_STATUS, s->run_dir);
        unlink(path);
        rmdir(s->run_dir);
    }
}

static const char *exit_reason(struct sup *s)
{
    if (*s->final_reason)
        return s->final_reason;
    int st = s->qemu_status;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "shutdown" : "crashed";
}

void sup_finish(struct sup *s)
{
    drain_consoles(s);
    sup_console_log_flush(s);
    int st = s->qemu_status;
    if (WIFSIGNALED(st))
        sup_log(s, "the emulator was killed by signal %d", WTERMSIG(st));
    else
        sup_log(s, "the emulator exited with status %d", WEXITSTATUS(st));
    sup_mig_end(s, "the emulator exited");
    sup_job_end(s, "the emulator exited");
    sup_set_state(s, DOM_SHUTOFF, exit_reason(s));
    remove_live_files(s);
    sup_console_exit(s, "domain shut off");
    for (int i = 0; i < SUP_MAX_CLIENTS; i++) {
        if (s->client[i].fd >= 0 && s->client[i].wait_exit)
            sup_reply(s, i, PROTO_OK, "");
        sup_client_close(s, i);
    }
    sup_log(s, "supervisor exits");
}
