/* qemu_version.c: the version of the qemu-system-x86_64 on PATH, probed
 * once per binary: `qemu-system-x86_64 --version` costs a QEMU start-up
 * (tens of ms), so the answer is kept in RUN/.qemu-version keyed by the
 * binary's path, inode, size and mtime (an upgrade changes them; the run
 * dir is emptied at boot), the way libvirt caches QEMU's capabilities. */
#include "runtime.h"

#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define QEMU_BIN "qemu-system-x86_64"

extern char **environ;

/* the binary execvp would run, and its identity */
static bool find_qemu(char *path, size_t n, struct stat *sb)
{
    const char *p = getenv("PATH");
    for (p = p && *p ? p : "/usr/local/bin:/usr/bin:/bin"; *p;) {
        size_t len = strcspn(p, ":");
        snprintf(path, n, "%.*s/%s", (int)len, len ? p : ".", QEMU_BIN);
        if (stat(path, sb) == 0 && S_ISREG(sb->st_mode) && access(path, X_OK) == 0)
            return true;
        p += len + (p[len] == ':');
    }
    return false;
}

/* "7.2.9" from `PATH --version` */
static bool probe(const char *path, char *out, size_t size)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)path, (char *)"--version", NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    char text[512] = "";
    ssize_t n = rc == 0 ? read(fds[0], text, sizeof(text) - 1) : -1;
    close(fds[0]);
    if (rc == 0)
        waitpid(pid, NULL, 0);
    text[n > 0 ? n : 0] = '\0';
    const char *v = strstr(text, "version ");
    if (!v)
        return false;
    v += strlen("version ");
    snprintf(out, size, "%.*s", (int)strspn(v, "0123456789."), v);
    return *out != '\0';
}

static char *cache_key(const char *path, const struct stat *sb)
{
    return xasprintf("%s %llu %lld %lld.%09ld ", path, (unsigned long long)sb->st_ino,
                     (long long)sb->st_size, (long long)sb->st_mtim.tv_sec, sb->st_mtim.tv_nsec);
}

bool rt_qemu_version(struct store *st, char *out, size_t size)
{
    char path[PATH_MAX];
    struct stat sb;
    if (!find_qemu(path, sizeof(path), &sb))
        return false;
    AUTOFREE char *key = cache_key(path, &sb);
    AUTOFREE char *cache = xasprintf("%s/.qemu-version", st->run_dir);
    AUTOFREE char *text = read_file_max(cache, 8192, NULL, NULL);
    if (text && strncmp(text, key, strlen(key)) == 0) {
        const char *v = text + strlen(key);
        snprintf(out, size, "%.*s", (int)strspn(v, "0123456789."), v);
        if (*out)
            return true;
    }
    if (!probe(path, out, size))
        return false;
    /* best effort: a cache that cannot be written only costs the next probe */
    AUTOFREE char *dir = xstrdup(st->run_dir);
    for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(dir, 0700);        /* every parent; errors show at the open below */
        *s = '/';
    }
    mkdir(dir, 0700);
    AUTOFREE char *line = xasprintf("%s%s\n", key, out);
    AUTOFREE char *tmp = xasprintf("%s.%d", cache, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line);
    if (fd >= 0)
        close(fd);
    if (!ok || rename(tmp, cache) < 0)
        unlink(tmp);
    return true;
}
