/* rel_helpers.c: see rel_helpers.h. */
#include "rel_helpers.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

char *fast_root(void)
{
    if (access("/dev/shm", W_OK) == 0) {
        char *p = fmt("/dev/shm/domsh-test.XXXXXX");
        if (mkdtemp(p))
            return p;
        free(p);
    }
    return tmp_root();
}

pid_t spawn_domsh(const char *root, const char *const env[], const char *const argv[],
                  int out_fd)
{
    pid_t pid = fork();
    if (pid != 0) {
        if (pid > 0)
            setpgid(pid, pid);
        return pid;
    }
    setpgid(0, 0);
    setenv("DOMSH_ROOT", root, 1);
    unsetenv("VISUAL");
    for (size_t i = 0; env && env[i]; i++)
        putenv((char *)env[i]);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(out_fd >= 0 ? out_fd : null, 1);
    dup2(out_fd >= 0 ? out_fd : null, 2);
    size_t n = 0;
    while (argv[n])
        n++;
    char **av = calloc(n + 2, sizeof(char *));
    av[0] = (char *)domsh_bin();
    memcpy(av + 1, argv, n * sizeof(char *));
    execv(av[0], av);
    _exit(127);
}

int wait_status(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

/* /proc/PID/FILE into buf (NUL-terminated); bytes read, 0 when gone */
static size_t read_proc(const char *pid, const char *file, char *buf, size_t size)
{
    char path[300];
    snprintf(path, sizeof(path), "/proc/%s/%s", pid, file);
    int fd = open(path, O_RDONLY);
    ssize_t r = fd < 0 ? 0 : read(fd, buf, size - 1);
    if (fd >= 0)
        close(fd);
    buf[r > 0 ? r : 0] = '\0';
    return r > 0 ? (size_t)r : 0;
}

static bool cmdline_has(const char *pid, const char *needle)
{
    char buf[4096];
    size_t n = read_proc(pid, "cmdline", buf, sizeof(buf));
    for (size_t i = 0; i < n; i++)
        if (!buf[i])
            buf[i] = ' ';
    return strstr(buf, needle) != NULL;
}

/* a child forked by a matching process, before its exec, still shows the
 * parent's command line: it is not another instance */
static bool parent_matches(const char *pid, const char *needle)
{
    char buf[512];
    read_proc(pid, "stat", buf, sizeof(buf));
    const char *p = strrchr(buf, ')');
    int ppid = 0;
    if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1 || ppid <= 1)
        return false;
    char ps[16];
    snprintf(ps, sizeof(ps), "%d", ppid);
    return cmdline_has(ps, needle);
}

int count_procs(const char *needle)
{
    DIR *d = opendir("/proc");
    int count = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && cmdline_has(de->d_name, needle) &&
            !parent_matches(de->d_name, needle))
            count++;
    if (d)
        closedir(d);
    return count;
}

long usec_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000L + (t.tv_nsec - t0->tv_nsec) / 1000;
}
