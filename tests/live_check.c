/* live_check.c: see live_check.h. */
#include "live_check.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

char *live_ok(const char *root, const char *uri, const char *line)
{
    const char *with_uri[] = {"-q", "-c", uri, line, NULL}, *plain[] = {"-q", line, NULL};
    struct run_result r = run_domsh(root, NULL, uri ? with_uri : plain);
    cr_assert_eq(r.status, 0, "%s: %s", line, r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* read the pty into *screen until it holds WANT or SECS pass */
static bool screen_wait(int fd, char **screen, size_t *len, const char *want, int secs)
{
    long end = now_ms() + secs * 1000L;
    while (!strstr(*screen, want) && now_ms() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0)
            return false;
        *screen = realloc(*screen, *len + (size_t)n + 1);
        memcpy(*screen + *len, chunk, (size_t)n);
        *len += (size_t)n;
        (*screen)[*len] = '\0';
    }
    return strstr(*screen, want) != NULL;
}

static int wait_exit(pid_t pid, int secs)
{
    int status;
    for (long end = now_ms() + secs * 1000L; now_ms() < end; usleep(20000))
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static void exec_console(const char *root, const char *uri, const char *name)
{
    setenv("DOMSH_ROOT", root, 1);
    if (uri)
        execl(domsh_bin(), "domsh", "-c", uri, "console", name, (char *)NULL);
    else
        execl(domsh_bin(), "domsh", "console", name, (char *)NULL);
    _exit(127);
}

bool live_console(const char *root, const char *uri, const char *name, const char *line,
                  const char *want, char **seen)
{
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    int fd;
    pid_t pid = forkpty(&fd, NULL, NULL, &ws);
    cr_assert_geq(pid, 0, "forkpty: %s", strerror(errno));
    if (pid == 0)
        exec_console(root, uri, name);
    char *screen = calloc(1, 1);
    size_t len = 0;
    bool ok = screen_wait(fd, &screen, &len, "Escape character", 30);
    if (ok) {
        char *typed = fmt("%s\r", line);
        ok = write(fd, typed, strlen(typed)) == (ssize_t)strlen(typed) &&
             screen_wait(fd, &screen, &len, want, 60);
        free(typed);
    }
    ok = ok && write(fd, "\035", 1) == 1;
    int rc = wait_exit(pid, ok ? 20 : 1);
    close(fd);
    if (seen)
        *seen = screen;
    else
        free(screen);
    return ok && rc == 0;
}

void live_check_state(const char *root, const char *uri, const char *name, int id,
                      const char *pty, const char *after)
{
    char *line = fmt("dumpxml '%s'", name);
    char *xml = live_ok(root, uri, line);
    char *want_id = fmt(" id='%d'>", id), *want_src = fmt("<source path='%s'/>", pty);
    char *want_tty = fmt("<console type='pty' tty='%s'>", pty);
    cr_assert(strstr(xml, want_id), "after %s: dumpxml lost the id:\n%s", after, xml);
    cr_assert(strstr(xml, want_src) && strstr(strstr(xml, want_src) + 1, want_src),
              "after %s: dumpxml lost the pty paths of serial and console:\n%s", after, xml);
    cr_assert(strstr(xml, want_tty), "after %s: dumpxml lost the console tty:\n%s", after, xml);
    free(line);
    line = fmt("dominfo '%s'", name);
    char *info = live_ok(root, uri, line);
    char *want_info = fmt("Id:             %d\n", id);
    cr_assert(strstr(info, want_info) && strstr(info, "State:          running\n"),
              "after %s: dominfo:\n%s", after, info);
    free(line);
    line = fmt("ttyconsole '%s'", name);
    char *tty = live_ok(root, uri, line);
    char *want_pty = fmt("%s\n", pty);
    cr_assert_str_eq(tty, want_pty, "after %s: ttyconsole", after);
    free(line);
    line = fmt("complete -- console '%s' ''", name);
    char *devs = live_ok(root, uri, line);
    cr_assert(strstr(devs, "console0\n") && strstr(devs, "serial0\n"),
              "after %s: console devices: %s", after, devs);
    free(devs);
    free(line);
    free(want_pty);
    free(tty);
    free(want_info);
    free(info);
    free(want_tty);
    free(want_src);
    free(want_id);
    free(xml);
}

/* the id and pty a running domain shows now */
static void current_state(const char *root, const char *uri, const char *name, int *id,
                          char **pty)
{
    char *line = fmt("domid '%s'", name);
    char *out = live_ok(root, uri, line);
    *id = atoi(out);
    free(out);
    free(line);
    line = fmt("ttyconsole '%s'", name);
    *pty = live_ok(root, uri, line);
    (*pty)[strcspn(*pty, "\n")] = '\0';
    free(line);
    cr_assert(*id > 0 && strncmp(*pty, "/dev/pts/", 9) == 0, "id %d, pty '%s'", *id, *pty);
}

void live_check_changes(const char *root, const char *uri, const char *name,
                        const char *const *changes, const char *console_line,
                        const char *console_want)
{
    int id;
    char *pty;
    current_state(root, uri, name, &id, &pty);
    live_check_state(root, uri, name, id, pty, "start");
    for (const char *const *c = changes; *c; c++) {
        free(live_ok(root, uri, *c));
        live_check_state(root, uri, name, id, pty, *c);
        char *seen = NULL;
        cr_assert(!console_line || live_console(root, uri, name, console_line, console_want, &seen),
                  "after %s: console:\n%s", *c, seen ? seen : "");
        free(seen);
    }
    free(pty);
}
