/* sshd_helpers.c: see sshd_helpers.h. */
#include "sshd_helpers.h"

#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "rt_helpers.h"

#define SSHD "/usr/sbin/sshd"

bool sshd_available(void)
{
    return access(SSHD, X_OK) == 0 && access("/usr/bin/ssh-keygen", X_OK) == 0;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
              getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(fd);
    return ok;
}

static void keygen(const char *path)
{
    char *cmd = fmt("ssh-keygen -q -t ed25519 -N '' -C domsh-test -f '%s' </dev/null", path);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    free(cmd);
}

static void write_configs(struct sshd *s)
{
    const char *d = s->dir;
    char *path = fmt("%s/sshd_config", d);
    char *text = fmt("Port %d\nListenAddress 127.0.0.1\nHostKey %s/hostkey\n"
                     "PidFile %s/sshd.pid\nAuthorizedKeysFile %s/authorized_keys\n"
                     "UsePAM no\nStrictModes no\nPasswordAuthentication no\n"
                     "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
                     "SetEnv DOMSH_ROOT=%s\n", s->port, d, d, d, s->remote_root);
    cr_assert_eq(write_text(path, text), 0);
    free(path), free(text);
    path = fmt("%s/ssh_config", d);
    text = fmt("Host *\n  IdentityFile %s/userkey\n  IdentitiesOnly yes\n"
               "  UserKnownHostsFile %s/known_hosts\n  GlobalKnownHostsFile /dev/null\n"
               "  LogLevel ERROR\n", d, d);
    cr_assert_eq(write_text(path, text), 0);
    free(path), free(text);
    path = fmt("%s/ssh", d);
    text = fmt("#!/bin/sh\nunset SSH_AUTH_SOCK\nexec ssh -F '%s/ssh_config' \"$@\"\n", d);
    cr_assert_eq(write_text(path, text), 0);
    cr_assert_eq(chmod(path, 0755), 0);
    setenv("DOMSH_SSH", path, 1);
    free(path), free(text);
}

/* authorized_keys and known_hosts from the generated keys */
static void trust_keys(struct sshd *s)
{
    char *p = fmt("%s/userkey.pub", s->dir);
    char *user = slurp(p, NULL);
    free(p);
    p = fmt("%s/hostkey.pub", s->dir);
    char *host = slurp(p, NULL);
    free(p);
    cr_assert(user && host);
    p = fmt("%s/authorized_keys", s->dir);
    cr_assert_eq(write_text(p, user), 0);
    free(p);
    p = fmt("%s/known_hosts", s->dir);
    char *kh = fmt("[127.0.0.1]:%d %s", s->port, host);
    cr_assert_eq(write_text(p, kh), 0);
    free(p), free(kh), free(user), free(host);
}

void sshd_start(struct sshd *s, const char *dir)
{
    memset(s, 0, sizeof(*s));
    s->dir = fmt("%s/ssh", dir);
    s->remote_root = fmt("%s/remote", dir);
    cr_assert_eq(mkdir(s->dir, 0700), 0);
    cr_assert_eq(mkdir(s->remote_root, 0700), 0);
    if (geteuid() == 0)
        mkdir("/run/sshd", 0755);   /* sshd's compiled-in privilege separation dir */
    char *key = fmt("%s/hostkey", s->dir);
    keygen(key);
    free(key);
    key = fmt("%s/userkey", s->dir);
    keygen(key);
    free(key);
    s->port = free_port();
    s->uri = fmt("test+ssh://127.0.0.1:%d/default", s->port);
    write_configs(s);
    trust_keys(s);
    char *cfg = fmt("%s/sshd_config", s->dir), *log = fmt("%s/sshd.log", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        freopen(log, "w", stderr);
        execl(SSHD, SSHD, "-D", "-e", "-f", cfg, (char *)NULL);
        _exit(127);
    }
    free(cfg), free(log);
    for (int i = 0; i < 1000 && !port_open(s->port); i++)
        usleep(10000);
    cr_assert(port_open(s->port), "sshd did not listen on port %d", s->port);
}

void sshd_stop(struct sshd *s)
{
    struct rt remote = {.root = s->remote_root};
    s->remote_root = NULL;
    rt_teardown(&remote);   /* destroys what runs there, removes the root */
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    free(s->dir);
    free(s->uri);
    memset(s, 0, sizeof(*s));
}

/* an ssh of ours whose argv has the word arg ("\0-T\0" style match) */
pid_t sshd_client_pid_with(const struct sshd *s, const char *arg)
{
    char *needle = fmt("%s/ssh_config", s->dir), word[64] = "";
    size_t wlen = strlen(arg) + 2;     /* "\0ARG\0" */
    cr_assert_lt(wlen, sizeof(word));
    memcpy(word + 1, arg, wlen - 1);
    DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t found = 0;
    while (!found && d && (de = readdir(d))) {
        char *p = fmt("/proc/%s/cmdline", de->d_name);
        size_t len = 0;
        char *cmd = atoi(de->d_name) > 0 ? slurp(p, &len) : NULL;
        free(p);
        if (cmd && len > 4 && strcmp(cmd, "ssh") == 0 && memmem(cmd, len, needle, strlen(needle)) &&
            memmem(cmd, len, word, wlen))
            found = atoi(de->d_name);
        free(cmd);
    }
    if (d)
        closedir(d);
    free(needle);
    return found;
}

pid_t sshd_client_pid(const struct sshd *s)
{
    /* "ssh\0-F\0DIR/ssh_config\0-T\0..." : the request channel, not a console */
    return sshd_client_pid_with(s, "-T");
}

/* pid, parent and command name of /proc/PID/stat; false when gone */
static bool proc_stat(pid_t pid, pid_t *ppid, char comm[32])
{
    char *p = fmt("/proc/%d/stat", (int)pid);
    char *text = slurp(p, NULL);
    free(p);
    const char *open = text ? strchr(text, '(') : NULL, *close = text ? strrchr(text, ')') : NULL;
    bool ok = open && close && close > open && sscanf(close + 1, " %*c %d", ppid) == 1;
    if (ok)
        snprintf(comm, 32, "%.*s", (int)(close - open - 1), open + 1);
    free(text);
    return ok;
}

size_t sshd_sessions(const struct sshd *s, pid_t *out, size_t max)
{
    pid_t known[4096], parent[4096];
    char comm[4096][32];
    size_t n = 0, found = 0;
    DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && n < 4096 && (de = readdir(d)))
        if (atoi(de->d_name) > 0 && proc_stat(atoi(de->d_name), &parent[n], comm[n]))
            known[n] = atoi(de->d_name), n++;
    if (d)
        closedir(d);
    /* descendants of the listener, in as many rounds as the tree is deep */
    bool in[4096] = {false};
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < n; i++) {
            bool under = parent[i] == s->pid;
            for (size_t j = 0; !under && j < n; j++)
                under = in[j] && known[j] == parent[i];
            if (under && !in[i])
                in[i] = grew = true;
        }
    }
    for (size_t i = 0; i < n && found < max; i++)
        if (in[i] && strcmp(comm[i], "sshd") == 0)
            out[found++] = known[i];
    return found;
}

/* argv of pid has the word w */
static bool argv_has(pid_t pid, const char *w)
{
    char *p = fmt("/proc/%d/cmdline", (int)pid);
    size_t len = 0;
    char *cmd = slurp(p, &len);
    free(p);
    bool has = false;
    for (size_t off = 0; cmd && off < len; off += strlen(cmd + off) + 1)
        has = has || strcmp(cmd + off, w) == 0;
    free(cmd);
    return has;
}

pid_t sshd_server_pid(const struct sshd *s)
{
    char *env = fmt("DOMSH_ROOT=%s", s->remote_root);
    DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t found = 0;
    while (!found && d && (de = readdir(d))) {
        pid_t pid = atoi(de->d_name), ppid;
        char comm[32];
        if (pid <= 0 || !argv_has(pid, "--stdio") || !proc_stat(pid, &ppid, comm) ||
            strcmp(comm, "domsh") != 0 || argv_has(ppid, "--stdio"))
            continue;
        char *p = fmt("/proc/%d/environ", (int)pid);
        size_t len = 0;
        char *envs = slurp(p, &len);
        free(p);
        if (envs && memmem(envs, len, env, strlen(env) + 1))
            found = pid;
        free(envs);
    }
    if (d)
        closedir(d);
    free(env);
    return found;
}
