/* supervisor_launch.c: from `domsh supervise SPEC` to a running guest:
 * read the launch spec from the sync socket (supervisor_spec.c), detach
 * (fds, cwd, subreaper), listen on every chardev socket, run the emulator
 * as our direct child, connect QMP, accept the chardevs' connections, run
 * the pre-`cont` QMP commands, `cont`, and answer the starting shell on
 * the sync socket: "ok ID" or "fail MESSAGE" (with the emulator's exit
 * status and the tail of its output). */
#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define FAIL_TAIL 1024

static bool sup_keeps_fd(const struct sup *s, int fd, int sync_fd)
{
    if (fd == sync_fd)
        return true;
    for (size_t i = 0; i < s->ndev; i++)
        if (fd == s->dev[i].master || fd == s->dev[i].slave)
            return true;
    return false;
}

static void close_other_fds(const struct sup *s, int sync_fd)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int self = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        int fd = atoi(de->d_name);
        if (fd > 2 && fd != self && !sup_keeps_fd(s, fd, sync_fd))
            close(fd);
    }
    closedir(d);
}

/* daemon hygiene: the shell already did fork + setsid + fork */
static int sup_detach(struct sup *s, int sync_fd)
{
    close_other_fds(s, sync_fd);
    if (chdir("/") < 0)
        return -1;
    umask(077);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* the emulator writes its stderr here directly, so the log is only
     * rotated between runs, at the console log's limit */
    struct stat sb;
    if (stat(s->log_path, &sb) == 0 && sb.st_size > (off_t)SUP_CONSOLE_LOG_MAX)
        sup_log_shift(s->log_path);
    s->log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null < 0 || s->log_fd < 0)
        return -1;
    dup2(null, 0);
    dup2(s->log_fd, 1);
    dup2(s->log_fd, 2);
    close(null);
    fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
    for (size_t i = 0; i < s->ndev; i++) {
        fcntl(s->dev[i].master, F_SETFD, FD_CLOEXEC);
        fcntl(s->dev[i].slave, F_SETFD, FD_CLOEXEC);
        fcntl(s->dev[i].master, F_SETFL, fcntl(s->dev[i].master, F_GETFL) | O_NONBLOCK);
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return s->sig_fd < 0 ? -1 : 0;
}

static int sup_spawn(struct sup *s)
{
    pid_t parent = getpid();
    s->argv[s->nargs] = NULL;
    s->qemu_pid = fork();
    if (s->qemu_pid < 0)
        return -1;
    if (s->qemu_pid > 0)
        return 0;
    if (s->title)                /* /proc/PID/cmdline: not a second supervisor */
        memset(s->title, ' ', strlen(s->title));
    /* the emulator dies with us: a killed supervisor leaves no orphan guest */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    execv(s->argv[0], s->argv);
    dprintf(2, "cannot execute '%s': %s\n", s->argv[0], strerror(errno));
    _exit(127);
}

/* reap the emulator if it has exited */
static bool sup_reap(struct sup *s)
{
    if (s->reaped)
        return true;
    if (waitpid(s->qemu_pid, &s->qemu_status, WNOHANG) == s->qemu_pid)
        s->reaped = true;
    return s->reaped;
}

/* wait until fd is readable (fd -1: just wait up to ms); 1 readable,
 * 0 emulator gone or stop asked, -1 timeout */
static int setup_wait(struct sup *s, int fd, long long deadline)
{
    long long left = deadline - sup_now_ms();
    if (left <= 0)
        return -1;
    struct pollfd p[2] = { { .fd = s->sig_fd, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
    int pr = poll(p, fd >= 0 ? 2 : 1, (int)(fd >= 0 ? left : 1));
    if (p[0].revents) {
        struct signalfd_siginfo si;
        while (read(s->sig_fd, &si, sizeof(si)) == sizeof(si))
            if (si.ssi_signo != SIGCHLD)
                return 0;
    }
    if (sup_reap(s))
        return 0;
    return pr > 0 && fd >= 0 && p[1].revents ? 1 : (fd >= 0 ? -1 : 1);
}

/* connect to the emulator's QMP socket in dir once it listens; woken by
 * inotify when a file appears there rather than by polling every ms, which
 * would take CPU from the emulator starting up on a busy host */
static int connect_retry(struct sup *s, const char *dir, const char *path, long long deadline)
{
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino >= 0 && inotify_add_watch(ino, dir, IN_CREATE) < 0) {
        close(ino);
        ino = -1;                /* then poll */
    }
    int fd;
    char ev[512] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        fd = unix_connect(path);
        if (fd >= 0 || (errno != ENOENT && errno != ECONNREFUSED))
            break;
        /* not there yet: wait for a new file; bound, not listening yet: 1 ms */
        int r = setup_wait(s, errno == ENOENT ? ino : -1, deadline);
        if (r == 0 || (r < 0 && sup_now_ms() >= deadline))
            break;
        while (ino >= 0 && read(ino, ev, sizeof(ev)) > 0)
            ;
    }
    if (ino >= 0)
        close(ino);
    return fd;
}

/* send cmd (NULL: wait for the greeting) and wait for its answer; events
 * seen meanwhile are not interesting before the guest runs.  The answer
 * line stays readable in s->qmp until the next read: *answer points to it */
static int qmp_sync_line(struct sup *s, const char *cmd, char *errbuf, size_t n,
                         long long deadline, const char **answer)
{
    if (cmd && qmp_send(s->qmp.fd, cmd) < 0)
        return -1;
    for (;;) {
        char *line;
        while ((line = qmp_next_line(&s->qmp))) {
            enum qmp_kind k = qmp_kind(line);
            if (k == QMP_RETURN || (k == QMP_GREETING && !cmd)) {
                if (answer)
                    *answer = line;
                return 0;
            }
            if (k == QMP_ERROR) {
                if (!qjson_str(line, "desc", errbuf, n))
                    snprintf(errbuf, n, "%s", line);
                return -1;
            }
        }
        if (setup_wait(s, s->qmp.fd, deadline) <= 0 || qmp_fill(&s->qmp) <= 0)
            return -1;
    }
}

static int qmp_sync(struct sup *s, const char *cmd, char *errbuf, size_t n, long long deadline)
{
    return qmp_sync_line(s, cmd, errbuf, n, deadline, NULL);
}

/* the emulator's output since launch, minus QEMU's pty notices, last bytes */
static void log_tail(const struct sup *s, off_t from, char *out, size_t n)
{
    char buf[4 * FAIL_TAIL];
    off_t end = lseek(s->log_fd, 0, SEEK_END);
    off_t start = end - from > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : from;
    int fd = open(s->log_path, O_RDONLY | O_CLOEXEC);
    ssize_t len = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, start) : -1;
    if (fd >= 0)
        close(fd);
    buf[len > 0 ? len : 0] = '\0';
    size_t o = 0;
    out[0] = '\0';
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strstr(l, "char device redirected to"))
            continue;
        o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? "\n" : "", l);
        if (o >= n)
            o = n - 1;
    }
    if (strlen(out) > FAIL_TAIL)
        memmove(out, out + strlen(out) - FAIL_TAIL, FAIL_TAIL + 1);
}

static void fail_message(struct sup *s, off_t log_from, const char *what, char *out, size_t n)
{
    if (!s->reaped) {
        kill(s->qemu_pid, SIGKILL);
        waitpid(s->qemu_pid, &s->qemu_status, 0);
        s->reaped = true;
    }
    char tail[FAIL_TAIL + 1];
    log_tail(s, log_from, tail, sizeof(tail));
    int st = s->qemu_status;
    const char *emu = strrchr(s->argv[0], '/') ? strrchr(s->argv[0], '/') + 1 : s->argv[0];
    int o;
    if (WIFEXITED(st) && *what == '\0')
        o = snprintf(out, n, "%s exited with status %d", emu, WEXITSTATUS(st));
    else if (WIFSIGNALED(st) && *what == '\0')
        o = snprintf(out, n, "%s was killed by signal %d", emu, WTERMSIG(st));
    else
        o = snprintf(out, n, "%s", what);
    if (*tail && o > 0 && (size_t)o < n)
        snprintf(out + o, n - (size_t)o, ": %s", tail);
}

/* the emulator's chardevs are clients (server=off) of sockets we listen
 * on before it runs: it connects while it initialises (and exits if it
 * cannot), before the guest can print, and the kernel queues what it
 * writes until we accept, so no output is lost and no query-chardev
 * round trip is needed before `cont` */
static int listen_chardevs(struct sup *s, char *why, size_t n)
{
    for (size_t i = 0; i < s->ndev; i++) {
        s->dev[i].qfd = unix_listen(s->dev[i].sock, 0600);
        if (s->dev[i].qfd < 0) {
            snprintf(why, n, "cannot listen on '%.300s': %s", s->dev[i].sock, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* each listener is replaced by the emulator's connection */
static int accept_chardevs(struct sup *s, long long deadline)
{
    for (size_t i = 0; i < s->ndev; i++) {
        struct sup_dev *d = &s->dev[i];
        int fd = setup_wait(s, d->qfd, deadline) > 0
                     ? accept4(d->qfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK) : -1;
        close(d->qfd);
        d->qfd = fd;
        if (fd < 0)
            return -1;
    }
    return 0;
}

static int sup_setup_console(struct sup *s, long long deadline)
{
    if (accept_chardevs(s, deadline) < 0)
        return -1;
    s->console_log_fd = s->ndev ? open(s->console_log_path,
                                       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
    struct stat sb;
    s->console_log_size = s->console_log_fd >= 0 && fstat(s->console_log_fd, &sb) == 0
                              ? (long long)sb.st_size : 0;
    sup_console_init(s);
    return 0;
}

/* the display QEMU picked for an autoport VNC server */
static void record_vnc(struct sup *s, long long deadline)
{
    const char *ans = NULL;
    char why[128], family[16], host[128], service[SUP_PATH], text[2 * SUP_PATH],
        path[SUP_PATH + 16];
    if (qmp_sync_line(s, "{\"execute\": \"query-vnc\"}", why, sizeof(why), deadline, &ans) < 0 ||
        !qjson_str(ans, "family", family, sizeof(family)) ||
        !qjson_str(ans, "host", host, sizeof(host)) ||
        !qjson_str(ans, "service", service, sizeof(service)))
        return;
    int n = snprintf(text, sizeof(text), "family=%s\nhost=%s\nservice=%s\n", family, host,
                     service);
    snprintf(path, sizeof(path), "%s/" RUNF_VNC_DISPLAY, s->run_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0 && write(fd, text, (size_t)n) != n)
        sup_log(s, "cannot write '%s'", path);
    if (fd >= 0)
        close(fd);
}

/* listen under a temporary name, then rename: a listener woken by
 * inotify on sup.sock never finds it bound but not yet listening */
static int listen_sup_sock(struct sup *s, char *why, size_t n)
{
    char final[SUP_PATH + 16], path[SUP_PATH + 16];
    snprintf(final, sizeof(final), "%s/" RUNF_SUP_SOCK, s->run_dir);
    snprintf(path, sizeof(path), "%s/" RUNF_SUP_SOCK ".new", s->run_dir);
    s->listen_fd = unix_listen(path, 0600);
    if (s->listen_fd < 0 || rename(path, final) < 0) {
        snprintf(why, n, "cannot listen on '%.300s': %s", final, strerror(errno));
        return -1;
    }
    return 0;
}

/* QMP, consoles, sup.sock, then `cont`; what failed goes into why */
static int sup_setup(struct sup *s, char *why, size_t n)
{
    long long deadline = sup_now_ms() + SUP_SETUP_TIMEOUT_MS;
    char path[SUP_PATH + 16];
    snprintf(path, sizeof(path), "%s/" RUNF_QMP_SOCK, s->run_dir);
    int fd = connect_retry(s, s->run_dir, path, deadline);
    if (fd < 0)
        return -1;
    qmp_init(&s->qmp, fd);
    if (qmp_sync(s, NULL, why, n, deadline) < 0 ||
        qmp_send(fd, "{\"execute\": \"qmp_capabilities\"}") < 0)
        return -1;
    /* QEMU greets as soon as its monitor exists but answers only once its
     * main loop runs, after building the machine: the consoles (connected
     * by then) and sup.sock are set up meanwhile, off the path to `cont` */
    if (sup_setup_console(s, deadline) < 0 || listen_sup_sock(s, why, n) < 0 ||
        qmp_sync(s, NULL, why, n, deadline) < 0)      /* qmp_capabilities' answer */
        return -1;
    if (s->on_reboot != ACT_RESTART &&
        qmp_sync(s, "{\"execute\": \"set-action\", \"arguments\": {\"reboot\": \"shutdown\"}}",
                 why, n, deadline) < 0)
        return -1;
    for (size_t i = 0; i < s->npre; i++)
        if (qmp_sync(s, s->qmp_pre[i], why, n, deadline) < 0)
            return -1;
    if (s->vnc_query)
        record_vnc(s, deadline);
    if (!s->start_paused && !s->incoming && qmp_sync(s, "{\"execute\": \"cont\"}", why, n, deadline) < 0)
        return -1;
    return 0;
}

/* s is a zeroed static: only non-zero fields are set, so the untouched
 * parts of its big buffers never become resident */
static void sup_init(struct sup *s)
{
    s->sig_fd = s->listen_fd = s->log_fd = s->console_log_fd = s->pty_watch_fd = -1;
    s->qmp.fd = -1;
    s->on_poweroff = ACT_DESTROY;
    s->on_reboot = ACT_RESTART;
    s->on_crash = ACT_DESTROY;
    for (size_t i = 0; i < SUP_MAX_CLIENTS; i++)
        s->client[i].fd = -1;
}

static void sync_reply(int sync_fd, const char *fmt, const char *arg)
{
    dprintf(sync_fd, fmt, arg);
    close(sync_fd);
}

int supervisor_main(const char *spec_path, int sync_fd)
{
    return supervisor_run(spec_path, sync_fd, NULL);
}

/* the shell spawned us in a new session: fork once more, so that the
 * supervisor is no session leader (no controlling tty ever) and not the
 * shell's child; the shell reaps this first process.  Our title is blank
 * across the fork, so no two processes ever show the launch spec */
static int sup_daemonize(char *title)
{
    size_t n = title ? strlen(title) : 0;
    char saved[SUP_PATH];
    if (n >= sizeof(saved))
        n = 0;
    memcpy(saved, title ? title : "", n);
    memset(title ? title : saved, ' ', n);
    pid_t pid = fork();
    if (pid > 0)
        _exit(0);
    memcpy(title ? title : saved, saved, n);    /* child, or no fork: as it was */
    return pid < 0 ? -1 : 0;
}

int supervisor_run(const char *spec_path, int sync_fd, char *title)
{
    static struct sup s;         /* every buffer is in here, allocated once */
    if (sup_daemonize(title) < 0) {    /* the shell would wait for us */
        sync_reply(sync_fd, "fail %s", "the supervisor cannot fork");
        return 1;
    }
    sup_init(&s);
    s.title = title;
    int got = sup_read_spec(&s, sync_fd);
    if (got == 0)                /* the shell gave up before sending it */
        return 0;
    if (got < 0) {
        sync_reply(sync_fd, "fail %s", "the supervisor cannot read its launch spec");
        return 1;
    }
    if (sup_detach(&s, sync_fd) < 0) {
        sync_reply(sync_fd, "fail %s", "the supervisor cannot set itself up");
        return 1;
    }
    char job_done[SUP_PATH + 32];    /* a new life: the last one's finished job is not ours */
    snprintf(job_done, sizeof(job_done), "%s/" RUNF_JOB_DONE, s.run_dir);
    unlink(job_done);
    off_t log_from = lseek(s.log_fd, 0, SEEK_END);
    sup_log(&s, "starting domain '%s' (%s)", s.name, s.argv[0]);
    char why[512] = "", msg[2048];
    if (listen_chardevs(&s, why, sizeof(why)) < 0) {
        sync_reply(sync_fd, "fail %s", why);
        return 1;
    }
    if (sup_spawn(&s) < 0) {
        sync_reply(sync_fd, "fail %s", "cannot fork the emulator");
        return 1;
    }
    sup_keep_spec(&s, spec_path);    /* while the emulator starts */
    if (sup_setup(&s, why, sizeof(why)) < 0) {
        fail_message(&s, log_from, why, msg, sizeof(msg));
        sup_log(&s, "start failed: %s", msg);
        sync_reply(sync_fd, "fail %s", msg);
        return 1;
    }
    if (s.incoming)
        sup_mig_incoming_ready(&s);
    else if (s.start_paused)
        sup_set_state(&s, DOM_PAUSED, "user");
    else
        sup_set_state(&s, DOM_RUNNING, "booted");
    char ok[32];
    snprintf(ok, sizeof(ok), "%d", s.id);
    sync_reply(sync_fd, "ok %s", ok);
    sup_loop(&s);
    return 0;
}
