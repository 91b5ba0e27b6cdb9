/* rt_helpers.c: see rt_helpers.h. */
#include "rt_helpers.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/base/proto.h"

#define WAIT_MS 10000

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

void rt_setup(struct rt *t)
{
    t->root = tmp_root();
}

bool pid_alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* destroy every domain this root runs; kill -9 (by recorded PID) what
 * did not stop, then remove the root */
void rt_teardown(struct rt *t)
{
    char *run = fmt("%s/run/test", t->root);
    DIR *d = opendir(run);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        long sup = rt_status_num(t, de->d_name, "sup_pid");
        long emu = rt_status_num(t, de->d_name, "qemu_pid");
        char *line = fmt("destroy %s", de->d_name);
        struct run_result r = rt_run(t, line);
        run_free(&r);
        free(line);
        for (int i = 0; i < 100 && sup > 0 && pid_alive((pid_t)sup); i++)
            usleep(10000);
        if (sup > 0 && pid_alive((pid_t)sup))
            kill((pid_t)sup, SIGKILL);
        if (emu > 0 && pid_alive((pid_t)emu))
            kill((pid_t)emu, SIGKILL);
    }
    if (d)
        closedir(d);
    free(run);
    rm_rf(t->root);
    free(t->root);
}

pid_t rt_spawn(struct rt *t, const char *line, const char *errfile)
{
    return rt_spawn_out(t, line, NULL, errfile);
}

pid_t rt_spawn_out(struct rt *t, const char *line, const char *outfile, const char *errfile)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setenv("DOMSH_ROOT", t->root, 1);
        int in = open("/dev/null", O_RDONLY);
        int out = outfile ? open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0600) : in;
        int err = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execl(domsh_bin(), domsh_bin(), "-q", "-c", "test:///default", line, (char *)NULL);
        _exit(127);
    }
    return pid;
}

struct run_result rt_run(struct rt *t, const char *line)
{
    const char *argv[] = { "-q", "-c", "test:///default", line, NULL };
    return run_domsh(t->root, NULL, argv);
}

char *rt_ok(struct rt *t, const char *line)
{
    struct run_result r = rt_run(t, line);
    cr_assert_eq(r.status, 0, "'%s' failed (%d): %s", line, r.status, r.err);
    free(r.err);
    return r.out;
}

void rt_okf(struct rt *t, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *line = NULL;
    cr_assert_geq(vasprintf(&line, f, ap), 0);
    va_end(ap);
    free(rt_ok(t, line));
    free(line);
}

void rt_define_xml(struct rt *t, const char *name, const char *xml)
{
    char *path = fmt("%s/%s.xml", t->root, name);
    cr_assert_eq(write_text(path, xml), 0);
    char *line = fmt("define %s", path);
    free(rt_ok(t, line));
    free(line);
    free(path);
}

void rt_define(struct rt *t, const char *name, const char *on_poweroff, const char *on_reboot,
               const char *on_crash)
{
    char *po = on_poweroff ? fmt("<on_poweroff>%s</on_poweroff>", on_poweroff) : strdup("");
    char *rb = on_reboot ? fmt("<on_reboot>%s</on_reboot>", on_reboot) : strdup("");
    char *cr = on_crash ? fmt("<on_crash>%s</on_crash>", on_crash) : strdup("");
    char *xml = fmt("<domain type='qemu'>\n  <name>%s</name>\n  <memory>65536</memory>\n"
                    "  <vcpu>1</vcpu>\n  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n"
                    "  </os>\n  %s%s%s\n  <devices>\n"
                    "    <serial type='pty'><target port='0'/></serial>\n"
                    "    <console type='pty'><target type='serial' port='0'/></console>\n"
                    "  </devices>\n</domain>\n", name, po, rb, cr);
    rt_define_xml(t, name, xml);
    free(xml);
    free(po);
    free(rb);
    free(cr);
}

char *rt_state(struct rt *t, const char *name)
{
    char *line = fmt("domstate --reason %s", name);
    char *out = rt_ok(t, line);
    free(line);
    out[strcspn(out, "\n")] = '\0';
    return out;
}

bool rt_wait_state(struct rt *t, const char *name, const char *want, char **seen)
{
    long long deadline = ms_now() + WAIT_MS;
    for (;;) {
        char *s = rt_state(t, name);
        if (strcmp(s, want) == 0) {
            free(s);
            return true;
        }
        if (ms_now() > deadline) {
            *seen = s;
            return false;
        }
        free(s);
        usleep(10000);
    }
}

char *rt_run_path(struct rt *t, const char *name, const char *file)
{
    return fmt("%s/run/test/%s/%s", t->root, name, file);
}

long rt_status_num(struct rt *t, const char *name, const char *key)
{
    char *path = rt_run_path(t, name, "status");
    char *text = slurp(path, NULL);
    free(path);
    if (!text)
        return -1;
    char *k = fmt("\n%s=", key);
    char *p = strncmp(text, k + 1, strlen(k + 1)) == 0 ? text - 1 : strstr(text, k);
    long v = p ? atol(p + strlen(k)) : -1;
    free(k);
    free(text);
    return v;
}

int rt_attach(struct rt *t, const char *name, const char *dev, unsigned flags, char **errmsg)
{
    char *sock = rt_run_path(t, name, "sup.sock");
    struct err *e = NULL;
    int fd = console_attach_fd(sock, dev, flags, &e);
    free(sock);
    if (errmsg)
        *errmsg = e && e->msg ? strdup(e->msg) : NULL;
    err_free(e);
    return fd;
}

void rt_send(int fd, const char *text)
{
    cr_assert_eq(proto_send_str(fd, PROTO_DATA, text), 0);
}

char *rt_read_until(int fd, const char *want, int *last_type)
{
    static struct frame_reader rd;
    rd.len = rd.consumed = 0;
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    long long deadline = ms_now() + WAIT_MS;
    int last = 0;
    while (ms_now() < deadline && !(want && strstr(out, want)) && last != PROTO_EXIT) {
        struct frame f;
        while (frame_next(&rd, &f)) {
            last = f.type;
            if (f.type != PROTO_DATA)
                continue;
            if (len + f.len + 1 > cap)
                out = realloc(out, cap = (len + f.len + 1) * 2);
            memcpy(out + len, f.payload, f.len);
            out[len += f.len] = '\0';
        }
        if ((want && strstr(out, want)) || last == PROTO_EXIT || last == PROTO_DETACH)
            break;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 100) > 0 && frame_fill(&rd, fd) <= 0)
            break;
    }
    if (last_type)
        *last_type = last;
    return out;
}

void rt_guest_line(struct rt *t, const char *name, const char *line, const char *want)
{
    char *err = NULL;
    int fd = rt_attach(t, name, "", PROTO_ATT_NO_REPLAY, &err);
    cr_assert_geq(fd, 0, "attach to '%s' failed: %s", name, err ? err : "?");
    char *text = fmt("%s\r", line);
    rt_send(fd, text);
    char *out = rt_read_until(fd, want, NULL);
    cr_assert(!want || strstr(out, want), "'%s' did not print '%s': got '%s'", line, want, out);
    free(out);
    free(text);
    close(fd);
}

void rt_state_starts(struct rt *t, const char *name, const char *prefix)
{
    char *s = rt_state(t, name);
    for (int i = 0; i < 600 && strncmp(s, prefix, strlen(prefix)) != 0; i++, usleep(100000)) {
        free(s);
        s = rt_state(t, name);
    }
    cr_assert(strncmp(s, prefix, strlen(prefix)) == 0, "%s: '%s', expected '%s...'", name, s,
              prefix);
    free(s);
}

char *rt_job_until(struct rt *t, const char *args, const char *want)
{
    char *line = fmt("domjobinfo %s", args), *out = NULL;
    for (int i = 0; i < 1000; i++, usleep(10000)) {
        struct run_result r = rt_run(t, line);
        free(out);
        out = strdup(r.out ? r.out : "");
        run_free(&r);
        if (strstr(out, want))
            break;
    }
    cr_assert(strstr(out, want), "domjobinfo %s never said '%s':\n%s", args, want, out);
    free(line);
    return out;
}

void rt_kill_after_the_switch(struct rt *t, pid_t shell)
{
    free(rt_job_until(t, "vm", "Memory processed:"));
    free(rt_ok(t, "migrate-postcopy vm"));
    kill(shell, SIGKILL);
    waitpid(shell, NULL, 0);
}
