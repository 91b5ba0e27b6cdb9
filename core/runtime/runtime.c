/* runtime.c: reading the live state of domains (see runtime.h).
 * The supervisor writes RUN/NAME/status; this side only reads it and
 * decides whether it is still true: a status whose supervisor is gone
 * (dead pid, pid reused by another process, other boot) reads as
 * "shut off (crashed)", and so does one whose supervisor does not answer
 * on sup.sock (the socket dies with the process, even before it is
 * reaped).  A stale RUN/NAME is cleaned under the domain lock. */
#include "runtime.h"

#include "backend.h"
#include "../base/fsutil.h"
#include "../base/proto.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATUS_MAX 4096
#define SUP_STATUS_TIMEOUT_MS 200
#define KILL_WAIT_MS 5000

static void set_shutoff(struct dom_status *out, const char *reason)
{
    memset(out, 0, sizeof(*out));
    out->state = DOM_SHUTOFF;
    out->id = -1;
    snprintf(out->reason, sizeof(out->reason), "%s", reason);
}

/* field 22 of /proc/PID/stat: start time in clock ticks since boot; 0
 * when the process is gone or a zombie (killed, not yet reaped) */
static unsigned long long proc_start_ticks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    char text[STATUS_MAX + 1];
    /* comm may hold spaces: the fields start after the last ')' */
    char *p = read_small(path, text, sizeof(text)) > 0 ? strrchr(text, ')') : NULL;
    if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
        return 0;
    for (int field = 2; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

static bool same_boot(const char *boot_id)
{
    if (!*boot_id)
        return true;
    char cur[64];
    if (read_small("/proc/sys/kernel/random/boot_id", cur, sizeof(cur)) <= 0)
        return true;
    cur[strcspn(cur, "\n")] = '\0';
    return strcmp(cur, boot_id) == 0;
}

struct status_file {
    unsigned long long sup_start;
    char boot_id[40];
};

static void parse_line(char *line, struct dom_status *out, struct status_file *sf)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return;
    *eq = '\0';
    const char *k = line, *v = eq + 1;
    if (strcmp(k, "state") == 0)
        out->state = dom_state_from_key(v);
    else if (strcmp(k, "reason") == 0)
        snprintf(out->reason, sizeof(out->reason), "%s", v);
    else if (strcmp(k, "id") == 0)
        out->id = atoi(v);
    else if (strcmp(k, "sup_pid") == 0)
        out->sup_pid = (pid_t)atol(v);
    else if (strcmp(k, "qemu_pid") == 0)
        out->qemu_pid = (pid_t)atol(v);
    else if (strcmp(k, "sup_start") == 0)
        sf->sup_start = strtoull(v, NULL, 10);
    else if (strcmp(k, "boot_id") == 0)
        snprintf(sf->boot_id, sizeof(sf->boot_id), "%s", v);
    else if (strcmp(k, "cpu_time_ns") == 0)
        out->cpu_time_ns = strtoull(v, NULL, 10);
    else if (strcmp(k, "used_mem_kib") == 0)
        out->used_mem_kib = strtoull(v, NULL, 10);
}

static bool supervisor_alive(const struct dom_status *st, const struct status_file *sf)
{
    if (st->sup_pid <= 0 || !same_boot(sf->boot_id))
        return false;
    if (kill(st->sup_pid, 0) < 0 && errno == ESRCH)
        return false;
    unsigned long long start = proc_start_ticks(st->sup_pid);
    return start && (!sf->sup_start || start == sf->sup_start);
}

/* the supervisor's own answer (state, reason, CPU time, memory); false
 * when nobody listens on sup.sock any more (a dead supervisor) */
static bool supervisor_answers(struct store *st, const char *name, struct dom_status *out,
                               struct status_file *sf)
{
    AUTOFREE char *sock = rt_sock_path(st, name);
    AUTOFREE char *reply = NULL;
    struct err *e = NULL;
    struct stat sb;
    if (stat(sock, &sb) < 0)
        return true;             /* not listening yet: the pid check stands */
    int rc = sup_request(sock, "status", SUP_STATUS_TIMEOUT_MS, &reply, &e);
    bool refused = rc < 0 && e && e->code == ERR_STATE;
    err_free(e);
    if (rc < 0)
        return !refused;         /* busy or slow: the status file stands */
    for (char *save = NULL, *w = strtok_r(reply, " ", &save); w; w = strtok_r(NULL, " ", &save))
        parse_line(w, out, sf);
    return true;
}

/* RUN/NAME/status as the supervisor last wrote it; false when absent
 * (out is then "shut off", reason unknown or crashed) */
static bool read_status(struct store *st, const char *name, struct dom_status *out,
                        struct status_file *sf)
{
    AUTOFREE char *path = xasprintf("%s/%s/" RUNF_STATUS, st->run_dir, name);
    char text[STATUS_MAX + 1];
    if (read_small(path, text, sizeof(text)) < 0) {
        bool missing = errno == ENOENT || errno == ENOTDIR;
        set_shutoff(out, missing ? "unknown" : "crashed");
        return false;
    }
    memset(out, 0, sizeof(*out));
    memset(sf, 0, sizeof(*sf));
    out->id = -1;
    snprintf(out->reason, sizeof(out->reason), "unknown");
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        parse_line(l, out, sf);
    if (!dom_state_active(out->state)) {
        char reason[sizeof(out->reason)];
        memcpy(reason, out->reason, sizeof(reason));
        set_shutoff(out, reason);
    }
    return true;
}

/* RUN/NAME emptied; a persistent domain keeps "shut off (REASON)" there,
 * a transient one nothing */
static void write_final_status(struct store *st, const char *name, const char *reason)
{
    rt_clean(st, name);
    if (!store_exists(st, name))
        return;
    AUTOFREE char *dir = xasprintf("%s/%s", st->run_dir, name);
    AUTOFREE char *path = xasprintf("%s/" RUNF_STATUS, dir);
    AUTOFREE char *final = xasprintf("state=shutoff\nreason=%s\nid=-1\n", reason);
    if (mkdir(dir, 0700) == 0)
        write_file_atomic(path, final, strlen(final), 0600, NULL);
}

/* the status looked stale: under the domain lock (skipped when another
 * shell holds it, e.g. a start in progress) read it again, since the
 * supervisor may just have written its final state and exited; if it is
 * still stale keep only "shut off (crashed)" for a persistent domain,
 * nothing for a transient one */
static void clean_stale(struct store *st, const char *name, struct dom_status *out)
{
    int lock = store_lock(st, name, false, NULL);
    struct status_file sf;
    bool have = read_status(st, name, out, &sf);
    if (have && dom_state_active(out->state) && supervisor_alive(out, &sf) &&
        supervisor_answers(st, name, out, &sf)) {
        store_unlock(lock);      /* a new supervisor started meanwhile */
        return;
    }
    if (!have || !dom_state_active(out->state) || lock < 0) {
        bool stale = dom_state_active(out->state);
        if (stale)
            set_shutoff(out, "crashed");
        out->stale = stale;      /* left for the shell holding the lock */
        store_unlock(lock);
        return;
    }
    set_shutoff(out, "crashed");
    write_final_status(st, name, "crashed");
    store_unlock(lock);
}

/* the status file, believed only while its supervisor lives and answers */
static bool status_checked(struct store *st, const char *name, struct dom_status *out)
{
    struct status_file sf;
    if (!read_status(st, name, out, &sf) || !dom_state_active(out->state))
        return true;
    return supervisor_alive(out, &sf) && supervisor_answers(st, name, out, &sf);
}

int rt_status_read(struct store *st, const char *name, struct dom_status *out, struct err **e)
{
    /* a second look: the supervisor may just have written its final
     * state and exited between the file and the pid check */
    if (status_checked(st, name, out) || status_checked(st, name, out))
        return 0;
    set_shutoff(out, "crashed");
    out->stale = true;
    return 0;
}

int rt_status_repair(struct store *st, const char *name, struct dom_status *out,
                     struct err **e)
{
    if (rt_status_read(st, name, out, e) == 0 && out->stale)
        clean_stale(st, name, out);
    return 0;
}

/* gone, or a zombie waiting for init */
static bool proc_gone(pid_t pid)
{
    return pid <= 0 || proc_start_ticks(pid) == 0;
}

int rt_kill_supervisor(struct store *st, const char *name, struct err **e)
{
    struct dom_status ds;
    struct status_file sf;
    if (!read_status(st, name, &ds, &sf) || !dom_state_active(ds.state))
        return 0;
    bool ours = supervisor_alive(&ds, &sf);
    if (ours)
        kill(ds.sup_pid, SIGKILL);
    /* the emulator follows through PR_SET_PDEATHSIG; wait for both */
    for (int i = 0; i < KILL_WAIT_MS / 10; i++) {
        if ((!ours || proc_gone(ds.sup_pid)) && proc_gone(ds.qemu_pid))
            break;
        usleep(10000);
    }
    if (ours && !proc_gone(ds.sup_pid))
        return err_set(e, ERR_BACKEND, "the supervisor (pid %d) did not die on SIGKILL",
                       (int)ds.sup_pid);
    write_final_status(st, name, "destroyed");
    return 0;
}

char *rt_live_path(const struct store *st, const char *name)
{
    return xasprintf("%s/%s/" RUNF_LIVE, st->run_dir, name);
}

bool rt_active(struct store *st, const char *name)
{
    struct dom_status s;
    return rt_status_read(st, name, &s, NULL) == 0 && dom_state_active(s.state);
}

int rt_list_run(struct store *st, struct strv *names, struct err **e)
{
    return dir_list(st->run_dir, NULL, names, e);
}

int rt_list_active(struct store *st, struct strv *names, struct err **e)
{
    struct strv run = {0};
    if (rt_list_run(st, &run, e) < 0)
        return -1;
    for (size_t i = 0; i < run.n; i++) {
        struct dom_status s;
        if (rt_status_read(st, run.v[i], &s, NULL) == 0 && dom_state_active(s.state))
            strv_push_take(names, steal_ptr(&run.v[i]));
    }
    strv_free(&run);
    return 0;
}

int rt_vnc_display(struct store *st, const char *name, struct rt_vnc *out, struct err **e)
{
    AUTOFREE char *path = xasprintf("%s/%s/" RUNF_VNC_DISPLAY, st->run_dir, name);
    char text[STATUS_MAX + 1];
    read_small(path, text, sizeof(text));
    char family[16] = "", service[256] = "";
    memset(out, 0, sizeof(*out));
    out->display = -1;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "family=", 7) == 0)
            snprintf(family, sizeof(family), "%s", l + 7);
        else if (strncmp(l, "host=", 5) == 0)
            snprintf(out->host, sizeof(out->host), "%s", l + 5);
        else if (strncmp(l, "service=", 8) == 0)
            snprintf(service, sizeof(service), "%s", l + 8);
    }
    if (strcmp(family, "unix") == 0 && *service) {
        snprintf(out->unix_path, sizeof(out->unix_path), "%s", service);
        return 0;
    }
    long port = atol(service);
    if (!*family || port < 5900)
        return err_set(e, ERR_NOT_FOUND, "Failed to get VNC port. Is this domain using VNC?");
    out->display = (int)(port - 5900);
    return 0;
}

struct store *rt_store_open(const char *uri, const char *root, struct err **e)
{
    struct store *st = root ? store_open_at(uri, root, e) : store_open(uri, e);
    if (st)
        st->check_shape = backend_for(st)->check_shape;
    return st;
}
