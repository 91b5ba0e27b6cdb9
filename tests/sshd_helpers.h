/* sshd_helpers.h: a real OpenSSH server for the remote tests, private to
 * one test: its own host key, user key, known_hosts, sshd_config and ssh
 * config in DIR, listening on 127.0.0.1 at a free port, sessions getting
 * DOMSH_ROOT=DIR/remote (the "remote host" has its own store).  Needs no
 * system configuration (no PAM, -f/-h of our own, PidFile in DIR); as root
 * only the privilege separation dir /run/sshd must exist (made if missing).
 * $DOMSH_SSH is set to a wrapper running `ssh -F DIR/ssh_config`. */
#ifndef DOMSH_SSHD_HELPERS_H
#define DOMSH_SSHD_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sshd {
    char *dir;
    char *remote_root;   /* DIR/remote: DOMSH_ROOT of the ssh sessions */
    char *uri;           /* test+ssh://127.0.0.1:PORT/default */
    int port;
    pid_t pid;
};

/* false (and a criterion skip message) when sshd is not installed */
bool sshd_available(void);
void sshd_start(struct sshd *s, const char *dir);
/* stop sshd (by its PID), destroy what runs in the remote root */
void sshd_stop(struct sshd *s);
/* the pid of the shell's `ssh ... --stdio` client, 0 when none */
pid_t sshd_client_pid(const struct sshd *s);
/* the pid of an ssh client of this sshd with the word arg in its argv
 * ("-N": a forward, "--stdio": a request channel), 0 when none */
pid_t sshd_client_pid_with(const struct sshd *s, const char *arg);
/* the sshd processes serving this sshd's connections (its descendants
 * named sshd, the listener left out): up to max pids in out, their count */
size_t sshd_sessions(const struct sshd *s, pid_t *out, size_t max);
/* the `domsh --stdio` a session of this sshd runs (its fork for a
 * migration left out), 0 when none */
pid_t sshd_server_pid(const struct sshd *s);

#endif
