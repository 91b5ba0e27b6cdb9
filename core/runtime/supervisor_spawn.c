/* supervisor_spawn.c: the shell side of `start`.  Everything that needs
 * the XML model happens here (so the long-running supervisor never touches
 * libxml2): host checks, argv, one pty per console device, live.xml with
 * the pty paths, the launch spec.  The supervisor is started first
 * (posix_spawn of `domsh-supervisor SPEC --sync-fd N` in a new session; it
 * forks once more itself), so that
 * its start-up runs while this shell still parses the XML; it waits for
 * the spec on the sync socket (the ptys passed with it), runs QEMU at once
 * and answers on the same socket with one line. */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "../base/rundir.h"
#include "../base/buf.h"
#include "../base/qmp.h"
#include "../xml/domain.h"

extern char **environ;


struct pty_pair {
    int master, slave;
    char path[64];
};

static int open_pty(struct pty_pair *p, struct err **e)
{
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (p->master < 0 || grantpt(p->master) < 0 || unlockpt(p->master) < 0 ||
        ptsname_r(p->master, p->path, sizeof(p->path)) != 0)
        return err_sys(e, ERR_BACKEND, "cannot allocate a pty");
    p->slave = open(p->path, O_RDWR | O_NOCTTY);
    if (p->slave < 0)
        return err_sys(e, ERR_BACKEND, "cannot open '%s'", p->path);
    /* raw: guest bytes pass untouched, and nothing echoes back to the guest */
    struct termios t;
    if (tcgetattr(p->slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(p->slave, TCSANOW, &t);
    }
    return 0;
}

/* next domain id, shared by every domain of this store */
static int next_id(const struct store *st)
{
    AUTOFREE char *path = xasprintf("%s/.next-id", st->run_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return 1;
    flock(fd, LOCK_EX);
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    int id = n > 0 ? atoi(buf) : 0;
    if (id < 1)
        id = 1;
    int len = snprintf(buf, sizeof(buf), "%d\n", id + 1);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)len, 0) < 0)
        id = 1;
    close(fd);                   /* releases the flock */
    return id;
}

static const char *lifecycle(const struct dnode *dom, const char *el, const char *dflt)
{
    const char *v = dnode_path_text(dom, el);
    return v && *v ? v : dflt;
}

/* index of <console> c among the domain's consoles */
static size_t console_index(const struct dnode *dom, const struct dnode *c)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "console"); i++)
        if (dnode_nth(devs, "console", i) == c)
            return i;
    return 0;
}

static void publish_pty(struct dnode *n, const char *path, bool tty)
{
    dnode_set_attr(dnode_ensure(n, "source"), "path", path);
    if (tty)
        dnode_set_attr(n, "tty", path);
}

struct launch {
    struct strv argv, pre;
    struct qemu_chardev_list cl;
    struct pty_pair pty[16];
    size_t npty;
    char *run, *qmp;
    struct buf text;             /* the launch spec */
};

static void launch_free(struct launch *L)
{
    strv_free(&L->argv);
    strv_free(&L->pre);
    qemu_chardev_list_free(&L->cl);
    for (size_t i = 0; i < L->npty; i++) {
        close(L->pty[i].master);
        close(L->pty[i].slave);
    }
    free(L->run);
    free(L->qmp);
    buf_free(&L->text);
}

/* ptys for every bridged chardev, their paths published in the live tree */
static int make_ptys(struct launch *L, struct dnode *live, struct err **e)
{
    if (L->cl.n > sizeof(L->pty) / sizeof(L->pty[0]))
        return err_set(e, ERR_UNSUPPORTED, "too many console devices");
    for (size_t i = 0; i < L->cl.n; i++) {
        struct qemu_chardev *c = &L->cl.v[i];
        if (open_pty(&L->pty[i], e) < 0)
            return -1;
        L->npty++;
        struct dnode *node = (struct dnode *)c->node;
        publish_pty(node, L->pty[i].path, strcmp(node->name, "console") == 0);
        if (c->console && c->console != c->node)
            publish_pty((struct dnode *)c->console, L->pty[i].path, true);
    }
    return 0;
}

static bool has_vnc(const struct dnode *dom)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    for (size_t i = 0; devs && i < dnode_count(devs, "graphics"); i++) {
        const char *type = dnode_attr(dnode_nth(devs, "graphics", i), "type");
        if (type && strcmp(type, "vnc") == 0)
            return true;
    }
    return false;
}

static void spec_word(struct buf *b, const char *key, const char *v)
{
    buf_printf(b, "%s %s\n", key, v);
}

/* the spec; a `dev` line names its pty's descriptors by their index among
 * those passed with it (2i, 2i + 1) */
static int format_spec(struct store *st, struct launch *L, const struct dnode *dom, int id,
                       unsigned flags, struct err **e)
{
    const char *name = dom_name(dom);
    struct buf b = {0};
    spec_word(&b, "name", name);
    spec_word(&b, "uri", st->uri);
    buf_printf(&b, "id %d\ntransient %d\npaused %d\nmem_kib %llu\n", id,
               !!(flags & START_TRANSIENT), !!(flags & START_PAUSED),
               dom_current_memory_kib(dom));
    spec_word(&b, "run_dir", L->run);
    buf_printf(&b, "log %s/%s.log\nconsole_log %s/%s.console.log\n", st->log_dir, name,
               st->log_dir, name);
    spec_word(&b, "on_poweroff", lifecycle(dom, "on_poweroff", "destroy"));
    spec_word(&b, "on_reboot", lifecycle(dom, "on_reboot", "restart"));
    spec_word(&b, "on_crash", lifecycle(dom, "on_crash", "destroy"));
    for (size_t i = 0; i < L->cl.n; i++) {
        struct qemu_chardev *c = &L->cl.v[i];
        buf_printf(&b, "dev %s %s %zu %zu\n", c->alias, c->sock_path, 2 * i, 2 * i + 1);
        if (c->console)
            buf_printf(&b, "alias console%zu %s\n", console_index(dom, c->console), c->alias);
    }
    for (size_t i = 0; i < L->pre.n; i++)
        spec_word(&b, "qmp_pre", L->pre.v[i]);
    if (has_vnc(dom))
        spec_word(&b, "vnc_query", "1");
    if (flags & START_INCOMING)
        spec_word(&b, "incoming", "1");
    for (size_t i = 0; i < L->argv.n; i++) {
        if (strchr(L->argv.v[i], '\n')) {
            buf_free(&b);
            return err_set(e, ERR_INVALID, "emulator argument with a newline: '%s'",
                           L->argv.v[i]);
        }
        spec_word(&b, "arg", L->argv.v[i]);
    }
    L->text = b;
    return 0;
}

/* the spec and the ptys in one go, then EOF: the supervisor runs QEMU */
static int send_spec(int sock, struct launch *L, struct err **e)
{
    int fds[2 * sizeof(L->pty) / sizeof(L->pty[0])];
    for (size_t i = 0; i < L->npty; i++) {
        fds[2 * i] = L->pty[i].master;
        fds[2 * i + 1] = L->pty[i].slave;
    }
    size_t off = 0;
    while (off < L->text.len) {
        long n = send_with_fds(sock, L->text.s + off, L->text.len - off, fds,
                               off ? 0 : 2 * L->npty);
        if (n <= 0)
            return err_sys(e, ERR_BACKEND, "cannot hand the launch spec to the supervisor");
        off += (size_t)n;
    }
    shutdown(sock, SHUT_WR);
    return 0;
}

static int mkdir_0700(const char *path, struct err **e)
{
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return err_sys(e, ERR_IO, "cannot create '%s'", path);
    return 0;
}

/* the small static supervisor next to domsh (or in PREFIX/libexec/domsh
 * for an installed domsh), else NULL: `domsh supervise` runs the same code */
static char *find_helper(const char *exe)
{
    AUTOFREE char *dir = xstrdup(exe);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    char *cand[] = { xasprintf("%s/domsh-supervisor", dir),
                     xasprintf("%s/../libexec/domsh/domsh-supervisor", dir) };
    char *found = NULL;
    for (size_t i = 0; i < 2; i++) {
        if (!found && access(cand[i], X_OK) == 0)
            found = cand[i];
        else
            free(cand[i]);
    }
    return found;
}

/* posix_spawn (vfork-like: no copy of this process, the supervisor's exec
 * runs at once) in a new session; the supervisor forks once more itself,
 * so that it is no session leader and not our child, and that first
 * process (pre->middle) is reaped by backend_early_drop */
int backend_spawn_early(const struct store *st, const char *name, struct sup_early *pre,
                        struct err **e)
{
    *pre = (struct sup_early){ .sock = -1, .middle = -1 };
    AUTOFREE char *exe = self_exe(e);
    if (!exe)
        return -1;
    AUTOFREE char *helper = find_helper(exe);
    AUTOFREE char *spec = xasprintf("%s/%s/" RUNF_LAUNCH, st->run_dir, name);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return err_sys(e, ERR_BACKEND, "cannot create a socket pair");
    char fdarg[16];
    snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
    char *const big[] = { exe, "-q", "supervise", spec, "--sync-fd", fdarg, NULL };
    char *const small[] = { helper, spec, "--sync-fd", fdarg, NULL };
    char *const *args = helper ? small : big;
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
    fcntl(sv[1], F_SETFD, 0);            /* the supervisor's end only */
    pid_t pid;
    int rc = posix_spawn(&pid, args[0], NULL, &at, args, environ);
    posix_spawnattr_destroy(&at);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        errno = rc;
        return err_sys(e, ERR_BACKEND, "cannot execute '%s'", args[0]);
    }
    *pre = (struct sup_early){ .sock = sv[0], .middle = pid };
    return 0;
}

void backend_early_drop(struct sup_early *pre)
{
    if (pre->sock >= 0)
        close(pre->sock);    /* a supervisor still waiting for its spec exits */
    if (pre->middle > 0)
        waitpid(pre->middle, NULL, 0);
    *pre = (struct sup_early){ .sock = -1, .middle = -1 };
}

/* the supervisor's answer: "ok ID" or "fail MESSAGE" (until EOF) */
static int read_answer(int fd, const char *name, const struct store *st, struct err **e)
{
    struct buf b = {0};
    char chunk[1024];
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, START_WAIT_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        ssize_t n = pr > 0 ? read(fd, chunk, sizeof(chunk)) : -1;
        if (n <= 0)
            break;
        buf_addn(&b, chunk, (size_t)n);
    }
    int rc = -1;
    const char *s = buf_str(&b);
    if (strncmp(s, "ok ", 3) == 0)
        rc = 0;
    else if (strncmp(s, "fail ", 5) == 0)
        err_set(e, ERR_BACKEND, "Failed to start domain '%s'\nerror: %s", name, s + 5);
    else
        err_set(e, ERR_BACKEND,
                "Failed to start domain '%s'\nerror: the supervisor exited without an answer "
                "(see '%s/%s.log')", name, st->log_dir, name);
    buf_free(&b);
    return rc;
}

static int launch_prepare(struct store *st, struct launch *L, struct dnode *live, unsigned flags,
                          int id, struct err **e)
{
    const struct backend_ops *b = backend_for(st);
    struct qemu_launch ql = { .run_dir = L->run, .qmp_path = L->qmp, .supervised = true,
                              .incoming = !!(flags & START_INCOMING) };
    if (b->build_argv(live, &ql, &L->argv, &L->pre, e) < 0 ||
        qemu_list_chardevs(live, &ql, &L->cl, e) < 0 || make_ptys(L, live, e) < 0)
        return -1;
    char idtext[16];
    snprintf(idtext, sizeof(idtext), "%d", id);
    dnode_set_attr(live, "id", idtext);
    AUTOFREE char *xml = dom_format(live, 0);
    AUTOFREE char *live_path = xasprintf("%s/" RUNF_LIVE, L->run);
    if (write_file_atomic_nosync(live_path, xml, strlen(xml), 0600, e) < 0)
        return -1;
    return format_spec(st, L, live, id, flags, e);
}

int backend_start_early(struct store *st, const struct dnode *dom, unsigned flags, int *id,
                        struct sup_early *pre, struct err **e)
{
    const struct backend_ops *b = backend_for(st);
    const char *name = dom_name(dom);
    if ((b->host_check && b->host_check(dom, e) < 0) || mkdir_p(st->run_dir, 0700, e) < 0 ||
        mkdir_p(st->log_dir, 0700, e) < 0) {
        backend_early_drop(pre);
        return -1;
    }
    rt_clean(st, name);
    struct launch L = { .run = xasprintf("%s/%s", st->run_dir, name) };
    L.qmp = xasprintf("%s/" RUNF_QMP_SOCK, L.run);
    struct dnode *live = dnode_clone(dom);
    int rc = -1;
    *id = next_id(st);
    if (mkdir_0700(L.run, e) == 0 && launch_prepare(st, &L, live, flags, *id, e) == 0 &&
        send_spec(pre->sock, &L, e) == 0)
        rc = read_answer(pre->sock, name, st, e);
    backend_early_drop(pre);
    if (rc < 0)
        rt_clean(st, name);
    dnode_free(live);
    launch_free(&L);
    return rc;
}

int backend_start(struct store *st, const struct dnode *dom, unsigned flags, int *id,
                  struct err **e)
{
    struct sup_early pre;
    if (backend_spawn_early(st, dom_name(dom), &pre, e) < 0)
        return -1;
    return backend_start_early(st, dom, flags, id, &pre, e);
}

int backend_start_defined(struct store *st, const char *name, unsigned flags, int *id,
                          struct err **e)
{
    struct sup_early pre;
    if (backend_spawn_early(st, name, &pre, e) < 0)
        return -1;
    struct dnode *dom = store_load(st, name, e);    /* while the supervisor starts */
    if (!dom) {
        backend_early_drop(&pre);
        return -1;
    }
    int rc = backend_start_early(st, dom, flags, id, &pre, e);
    dnode_free(dom);
    return rc;
}
