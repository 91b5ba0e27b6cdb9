/* supervisor_life.c: the lifecycle engine.  State changes come from QMP
 * events only (SHUTDOWN, RESET, GUEST_PANICKED, STOP, RESUME), so the
 * status file says what the emulator did, whether a shell asked for it or
 * the guest did it on its own.  on_* actions:
 *   destroy         quit the emulator; final state shut off (shutdown|crashed)
 *   restart         fake reboot in the same process: system_reset + cont
 *   preserve        keep the stopped emulator: "in shutdown (preserved)" or
 *                   "crashed (panicked)" until destroy
 *   rename-restart  keep the crashed instance's evidence (live XML and the
 *                   console ring) as LOG/NAME-crashed-EPOCH.{xml,console.log},
 *                   then restart in place.  A daemonless store has no
 *                   place for an unpersisted renamed domain, so the name is
 *                   kept and the evidence renamed. */
#include "supervisor.h"
#include "../base/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


long long sup_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

void sup_log(struct sup *s, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t o = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
    o += (size_t)snprintf(line + o, sizeof(line) - o, ".%03ld+0000: supervisor: ",
                          ts.tv_nsec / 1000000L);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line + o, sizeof(line) - o - 1, fmt, ap);
    va_end(ap);
    o = n < 0 ? o : o + (size_t)n >= sizeof(line) - 1 ? sizeof(line) - 2 : o + (size_t)n;
    line[o++] = '\n';
    if (s->log_fd >= 0 && write(s->log_fd, line, o) < 0) {
        /* nowhere left to report it */
    }
}

/* fields 14.. of /proc/PID/stat after the ")" of comm */
static bool proc_stat_fields(pid_t pid, unsigned long long *utime, unsigned long long *stime,
                             unsigned long long *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    read_small(path, buf, sizeof(buf));
    char *p = strrchr(buf, ')');
    if (!p)
        return false;
    unsigned long long f[22] = {0};
    /* after ")": field 3 (state) is a char; fields 4..22 are numbers */
    int n = sscanf(p + 2, "%*c %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
                   "%llu %llu %llu %llu %llu %llu %llu %llu",
                   &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11], &f[12], &f[13],
                   &f[14], &f[15], &f[16], &f[17], &f[18], &f[19], &f[20], &f[21], &f[0]);
    if (n < 19)
        return false;
    *utime = f[14];
    *stime = f[15];
    *start = f[0];               /* field 22 */
    return true;
}

void sup_write_status(struct sup *s)
{
    unsigned long long u, st, start = 0;
    proc_stat_fields(getpid(), &u, &st, &start);
    char boot_id[64], text[1024], path[SUP_PATH + 16];
    read_small("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
    boot_id[strcspn(boot_id, "\n")] = '\0';
    bool live = s->state != DOM_SHUTOFF;
    int n = snprintf(text, sizeof(text),
                     "state=%s\nreason=%s\nid=%d\nsup_pid=%d\nsup_start=%llu\nqemu_pid=%d\n"
                     "boot_id=%s\nsince=%lld\n",
                     dom_state_key(s->state), s->reason, live ? s->id : -1, (int)getpid(), start,
                     live ? (int)s->qemu_pid : 0, boot_id, (long long)time(NULL));
    snprintf(path, sizeof(path), "%s/" RUNF_STATUS, s->run_dir);
    if (write_file_atomic_nosync(path, text, (size_t)n, 0600, NULL) < 0)
        sup_log(s, "cannot write the status file: %s", strerror(errno));
}

void sup_set_state(struct sup *s, enum dom_state st, const char *reason)
{
    if (s->state == st && strcmp(s->reason, reason) == 0)
        return;
    enum dom_state old = s->state;
    s->state = st;
    snprintf(s->reason, sizeof(s->reason), "%s", reason);
    sup_log(s, "state %s (%s)", dom_state_key(st), reason);
    sup_write_status(s);
    if (old != st)
        sup_lifecycle(s, old, st, reason);
}

void sup_status_text(struct sup *s, char *out, size_t n)
{
    unsigned long long u = 0, st = 0, start;
    if (!s->reaped)
        proc_stat_fields(s->qemu_pid, &u, &st, &start);
    long tck = sysconf(_SC_CLK_TCK);
    unsigned long long cpu_ns = (u + st) * (1000000000ULL / (unsigned long long)(tck > 0 ? tck : 100));
    snprintf(out, n, "state=%s reason=%s id=%d qemu_pid=%d cpu_time_ns=%llu used_mem_kib=%llu",
             dom_state_key(s->state), s->reason, s->id, (int)s->qemu_pid, cpu_ns, s->mem_kib);
}

void sup_qmp_send(struct sup *s, const char *cmd_json, int client, const char *what)
{
    sup_qmp_send_fd(s, cmd_json, -1, client, what);
}

void sup_qmp_send_fd(struct sup *s, const char *cmd_json, int passfd, int client,
                     const char *what)
{
    if (s->npending == SUP_PENDING || s->qmp.fd < 0 ||
        (passfd >= 0 ? qmp_send_fd(s->qmp.fd, cmd_json, passfd) : qmp_send(s->qmp.fd, cmd_json)) < 0) {
        if (strncmp(what, "mig-", 4) == 0)
            return sup_mig_answer(s, what, false, "{\"error\": {\"desc\": \"the emulator's monitor is not available\"}}");
        if (strncmp(what, "job-", 4) == 0)
            return sup_job_answer(s, what, false, "{\"error\": {\"desc\": \"the emulator's monitor is not available\"}}");
        if (client >= 0)
            sup_reply(s, client, PROTO_ERR, "the emulator's monitor is not available");
        return;
    }
    struct sup_pending *p = &s->pending[s->npending++];
    p->client = client;
    snprintf(p->what, sizeof(p->what), "%s", what);
    p->dev_id[0] = '\0';
}

/* a return/error: answers the oldest command in flight */
static void sup_qmp_answer(struct sup *s, const char *line, bool ok)
{
    if (!s->npending)
        return;
    struct sup_pending p = s->pending[0];
    memmove(s->pending, s->pending + 1, --s->npending * sizeof(s->pending[0]));
    char desc[256] = "";
    if (strncmp(p.what, "mig-", 4) == 0)
        return sup_mig_answer(s, p.what, ok, line);
    if (strncmp(p.what, "job-", 4) == 0)
        return sup_job_answer(s, p.what, ok, line);
    if (!ok && !qjson_str(line, "desc", desc, sizeof(desc)))
        snprintf(desc, sizeof(desc), "%s failed", p.what);
    if (!ok)
        sup_log(s, "%s: %s", p.what, desc);
    if (ok && *p.dev_id)
        sup_emit(s, "device-added", "%s", p.dev_id);
    /* a raw "qmp" command gets QEMU's answer (statistics read it) */
    if (p.client >= 0)
        sup_reply(s, p.client, ok ? PROTO_OK : PROTO_ERR,
                  !ok ? desc : strcmp(p.what, "qmp") == 0 ? line : "");
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    char buf[8192];
    ssize_t n = 0;
    while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n) {
            n = -1;
            break;
        }
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return in < 0 || out < 0 || n < 0 ? -1 : 0;
}

static void save_crash_evidence(struct sup *s)
{
    char from[SUP_PATH + 16], to[2 * SUP_PATH], dir[SUP_PATH];
    long long now = (long long)time(NULL);
    snprintf(dir, sizeof(dir), "%s", s->log_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    snprintf(from, sizeof(from), "%s/" RUNF_LIVE, s->run_dir);
    snprintf(to, sizeof(to), "%s/%s-crashed-%lld.xml", dir, s->name, now);
    if (copy_file(from, to) < 0)
        sup_log(s, "cannot keep '%s': %s", to, strerror(errno));
    snprintf(to, sizeof(to), "%s/%s-crashed-%lld.console.log", dir, s->name, now);
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    for (size_t i = 0; fd >= 0 && i < s->ndev; i++) {
        struct sup_dev *d = &s->dev[i];
        size_t first = (d->ring_head + SUP_RING - d->ring_len) % SUP_RING;
        size_t a = d->ring_len < SUP_RING - first ? d->ring_len : SUP_RING - first;
        if (write(fd, d->ring + first, a) < 0 || write(fd, d->ring, d->ring_len - a) < 0)
            break;
    }
    if (fd >= 0)
        close(fd);
    sup_log(s, "rename-restart: crashed instance saved as %s-crashed-%lld", s->name, now);
}

static void sup_apply(struct sup *s, enum sup_action act, const char *why)
{
    sup_log(s, "%s: applying %s", why, sup_action_name(act));
    switch (act) {
    case ACT_DESTROY:
        snprintf(s->final_reason, sizeof(s->final_reason), "%s",
                 strcmp(why, "crash") == 0 ? "crashed" : "shutdown");
        sup_qmp_send(s, "{\"execute\": \"quit\"}", -1, "quit");
        s->kill_deadline_ms = sup_now_ms() + 5000;
        break;
    case ACT_RENAME_RESTART:
        save_crash_evidence(s);
        /* fall through */
    case ACT_RESTART:
        sup_qmp_send(s, "{\"execute\": \"system_reset\"}", -1, "system_reset");
        sup_qmp_send(s, "{\"execute\": \"cont\"}", -1, "cont");
        snprintf(s->reason, sizeof(s->reason), "restarting");
        break;
    case ACT_PRESERVE:
        break;
    }
}

static void sup_event(struct sup *s, const char *line)
{
    char ev[32] = "", reason[48] = "";
    qjson_str(line, "event", ev, sizeof(ev));
    qjson_str(line, "reason", reason, sizeof(reason));
    sup_publish_qmp_event(s, ev, line);
    if (strcmp(ev, "SHUTDOWN") == 0) {
        if (strncmp(reason, "host-", 5) == 0 || strcmp(reason, "guest-panic") == 0) {
            if (!*s->final_reason)
                snprintf(s->final_reason, sizeof(s->final_reason), "%s",
                         *reason == 'g' ? "crashed" : "destroyed");
            return;              /* the emulator is on its way out */
        }
        bool reboot = strcmp(reason, "guest-reset") == 0 || s->reboot_requested;
        s->reboot_requested = false;
        sup_set_state(s, DOM_SHUTDOWN, reboot && s->on_reboot == ACT_PRESERVE ? "preserved"
                                       : !reboot && s->on_poweroff == ACT_PRESERVE ? "preserved"
                                                                                   : "user");
        sup_apply(s, reboot ? s->on_reboot : s->on_poweroff, reboot ? "reboot" : "poweroff");
    } else if (strcmp(ev, "GUEST_PANICKED") == 0) {
        sup_set_state(s, DOM_CRASHED, "panicked");
        sup_apply(s, s->on_crash, "crash");
    } else if (strcmp(ev, "STOP") == 0) {
        if (s->state == DOM_RUNNING)
            sup_set_state(s, DOM_PAUSED, "user");
    } else if (strcmp(ev, "RESUME") == 0) {
        bool restarted = strcmp(s->reason, "restarting") == 0;
        sup_set_state(s, DOM_RUNNING, restarted ? "booted" : s->arrived_held ? "migrated"
                                                                         : "unpaused");
        s->arrived_held = false;
    } else if (strcmp(ev, "BALLOON_CHANGE") == 0) {
        long long actual;
        if (qjson_num(line, "actual", &actual) && actual > 0)
            s->mem_kib = (unsigned long long)actual / 1024;   /* dominfo's used memory */
    } else if (strcmp(ev, "MIGRATION") == 0) {
        sup_mig_event(s, line);
    } else if (strcmp(ev, "JOB_STATUS_CHANGE") == 0) {
        sup_job_event(s, line);
    } else if (strcmp(ev, "RESET") == 0 || strcmp(ev, "POWERDOWN") == 0) {
        sup_log(s, "event %s%s%s", ev, *reason ? " " : "", reason);
    }
}

void sup_qmp_line(struct sup *s, const char *line)
{
    switch (qmp_kind(line)) {
    case QMP_EVENT:
        sup_event(s, line);
        break;
    case QMP_RETURN:
        sup_qmp_answer(s, line, true);
        break;
    case QMP_ERROR:
        sup_qmp_answer(s, line, false);
        break;
    default:
        break;
    }
}

void sup_destroy(struct sup *s, int client, bool graceful)
{
    if (client >= 0)
        s->client[client].wait_exit = true;
    if (s->destroying)
        return;
    s->destroying = true;
    snprintf(s->final_reason, sizeof(s->final_reason), "destroyed");
    sup_log(s, "destroy requested%s", graceful ? " (graceful)" : "");
    if (!s->reaped)
        kill(s->qemu_pid, SIGTERM);
    s->kill_deadline_ms = sup_now_ms() + (graceful ? 10000 : 1000);
}

static bool sup_is_up(struct sup *s, int client)
{
    if (s->state == DOM_RUNNING || s->state == DOM_PAUSED)
        return true;
    sup_reply(s, client, PROTO_ERR, "Requested operation is not valid: domain is not running");
    return false;
}

void sup_command(struct sup *s, int client, const char *cmd)
{
    char text[256];
    if (s->job.active && strncmp(cmd, "migrate-out ", 12) == 0)
        return sup_reply(s, client, PROTO_ERR, "a block job of this domain is running");
    if (sup_mig_command(s, client, cmd) || sup_job_command(s, client, cmd))
        return;
    if (strcmp(cmd, "status") == 0) {
        sup_status_text(s, text, sizeof(text));
        sup_reply(s, client, PROTO_OK, text);
    } else if (strcmp(cmd, "destroy") == 0 || strcmp(cmd, "destroy-graceful") == 0) {
        sup_destroy(s, client, cmd[7] == '-');
    } else if (s->destroying) {
        sup_reply(s, client, PROTO_ERR, "Requested operation is not valid: domain is being destroyed");
    } else if (strcmp(cmd, "shutdown") == 0 || strcmp(cmd, "reboot") == 0) {
        if (!sup_is_up(s, client))
            return;
        s->reboot_requested = *cmd == 'r';
        sup_qmp_send(s, "{\"execute\": \"system_powerdown\"}", client, "system_powerdown");
    } else if (strcmp(cmd, "reset") == 0) {
        sup_qmp_send(s, "{\"execute\": \"system_reset\"}", client, "system_reset");
    } else if (strcmp(cmd, "suspend") == 0) {
        if (s->state != DOM_RUNNING)
            return sup_reply(s, client, PROTO_ERR,
                             "Requested operation is not valid: domain is not running");
        sup_qmp_send(s, "{\"execute\": \"stop\"}", client, "stop");
    } else if (strcmp(cmd, "resume") == 0) {
        if (s->state != DOM_PAUSED)
            return sup_reply(s, client, PROTO_ERR,
                             "Requested operation is not valid: domain is not paused");
        sup_qmp_send(s, "{\"execute\": \"cont\"}", client, "cont");
    } else if (strncmp(cmd, "qmp {", 5) == 0) {
        /* one raw QMP command: the shell's live device changes (commands/devlive.c) */
        sup_qmp_send(s, cmd + 4, client, "qmp");
        sup_note_device_add(s, cmd + 4);
    } else if (strncmp(cmd, "events ", 7) == 0) {
        sup_subscribe(s, client, cmd + 7);
    } else {
        snprintf(text, sizeof(text), "unknown supervisor command '%.64s'", cmd);
        sup_reply(s, client, PROTO_ERR, text);
    }
}
