/* remote.c: the client side of a remote URI (see remote.h): the
 * connection's life (open on first use, notice a drop, reconnect) and
 * running a parsed command there. */
#include "remote_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../core/runtime/runtime.h"
#include "../core/store/store.h"

void remote_free(struct remote *r)
{
    if (!r)
        return;
    rconn_close(&r->conn);
    ruri_free(&r->uri);
    free(r);
}

/* the server said something while no command ran, or hung up: it is gone */
static bool dropped_while_idle(const struct rconn *c)
{
    struct pollfd p = {.fd = c->rfd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

int remote_connected(struct shell *sh, struct err **e)
{
    struct remote *r = sh->remote;
    if (rconn_is_open(&r->conn) && dropped_while_idle(&r->conn)) {
        struct err *gone = NULL;
        rconn_fail(&r->conn, &r->uri, "no command", &gone);
        err_free(gone);
    }
    if (rconn_is_open(&r->conn))
        return 0;
    if (rconn_open(&r->conn, &r->uri, e) < 0)
        return -1;
    if (r->was_open) {
        fflush(sh->out);
        fputs("Reconnected to the hypervisor\n", sh->err);
        fflush(sh->err);
    }
    r->was_open = true;
    return 0;
}

static struct remote *remote_new(const char *uri, bool open_now, struct err **e)
{
    struct remote *r = xcalloc(1, sizeof(*r));
    r->conn.wfd = r->conn.rfd = r->conn.efd = -1;
    if (ruri_parse(uri, &r->uri, e) < 0) {
        free(r);
        return NULL;
    }
    if (open_now && rconn_open(&r->conn, &r->uri, e) < 0) {
        remote_free(r);
        return NULL;
    }
    r->was_open = open_now;
    return r;
}

int shell_set_uri(struct shell *sh, const char *uri, bool open_now, struct err **e)
{
    if (uri && !*uri)
        uri = NULL;
    const char *effective = uri ? uri : getenv("DOMSH_DEFAULT_URI");
    struct remote *r = NULL;
    struct store *st = NULL;
    if (ruri_is_remote(effective) ? !(r = remote_new(effective, open_now, e))
                                  : !(st = rt_store_open(uri, NULL, e)))
        return -1;
    remote_free(sh->remote);
    store_close(sh->store);
    sh->remote = r;
    sh->store = st;
    free(sh->uri);
    sh->uri = uri ? xstrdup(uri) : NULL;
    return 0;
}

const char *shell_uri(struct shell *sh)
{
    if (sh->remote)
        return sh->remote->uri.canon;
    return sh->store ? sh->store->uri : "";
}

/* the words as sent: the word of a local-path option is marked (split out
 * of --name=VALUE), and its path pushed on files, in word order */
static void encode_words(const struct cmd_args *a, char *const *words, size_t n,
                         struct buf *payload, struct strv *files)
{
    AUTOFREE bool *is_file = xcalloc(n, sizeof(bool));
    for (size_t k = 0; k < a->cmd->nopts; k++)
        if ((a->cmd->opts[k].flags & OPT_LOCAL_PATH) && a->val[k] && a->src[k] < n)
            is_file[a->src[k]] = a->src[k] > 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_file[i]) {
            rstrv_encode(payload, words[i], strlen(words[i]));
            continue;
        }
        const char *path = words[i], *eq = strchr(words[i], '=');
        if (strncmp(words[i], "--", 2) == 0 && eq && (i == 0 || strcmp(words[i - 1], "--"))) {
            rstrv_encode(payload, words[i], (size_t)(eq - words[i]));
            path = eq + 1;
        }
        AUTOFREE char *marked = xasprintf("%c%s", RFILE_MARK, path);
        rstrv_encode(payload, marked, strlen(marked));
        strv_push(files, path);
    }
}

/* FILE frames with the content of path, then the empty one */
static int send_file(struct rconn *c, int fd)
{
    static char chunk[64 * 1024];
    ssize_t got;
    while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 || rconn_send(c, RF_FILE, chunk, (size_t)got) < 0)
            return -1;
    }
    return rconn_send(c, RF_FILE, "", 0);
}

/* every named local file is opened before anything is sent: a missing one
 * is a local error, and the remote side never sees half a request */
static int open_files(const struct strv *files, int *fds, struct err **e)
{
    for (size_t i = 0; i < files->n; i++) {
        fds[i] = open(files->v[i], O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            err_sys(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot read '%s'",
                    files->v[i]);
            while (i-- > 0)
                close(fds[i]);
            return -1;
        }
    }
    return 0;
}

static int send_run(struct shell *sh, const struct cmd_args *a, char *const *words, size_t n,
                    struct err **e)
{
    struct rconn *c = &sh->remote->conn;
    struct buf payload = {0};
    struct strv files = {0};
    char flags[3] = {0}, *fp = flags;
    if (sh->quiet)
        *fp++ = 'q';
    if (sh->readonly)
        *fp++ = 'r';
    rstrv_encode(&payload, flags, strlen(flags));
    encode_words(a, words, n, &payload, &files);
    AUTOFREE int *fds = xcalloc(files.n + 1, sizeof(int));
    int rc = open_files(&files, fds, e);
    if (rc == 0) {
        rc = rconn_send(c, RF_RUN, payload.s, payload.len);
        for (size_t i = 0; i < files.n; i++) {
            if (rc == 0)
                rc = send_file(c, fds[i]);
            close(fds[i]);
        }
        if (rc < 0)
            rc = 1;   /* the connection failed: the caller diagnoses */
    }
    buf_free(&payload);
    strv_free(&files);
    return rc;
}

/* Ctrl-C while the command runs there: its SIGINT, read from a signalfd,
 * becomes one INTR frame, and the server stops the command as a local
 * Ctrl-C would; we go on relaying until its EXIT */
static int intr_begin(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, old);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void intr_end(int fd, const sigset_t *old)
{
    if (fd >= 0)
        close(fd);
    sigprocmask(SIG_SETMASK, old, NULL);
}

static void intr_forward(struct rconn *c, int fd)
{
    struct signalfd_siginfo si;
    while (read(fd, &si, sizeof(si)) == sizeof(si))
        ;
    rconn_send(c, RF_INTR, "", 0);
}

/* relay OUT/ERR until EXIT; the exit status, or -1 when the connection broke */
static int relay_output(struct shell *sh, struct buf *capture)
{
    struct buf f = {0};
    char type;
    int rc = -1, got;
    sigset_t old;
    int intr = intr_begin(&old);
    while ((got = rconn_recv_or(&sh->remote->conn, intr, &type, &f)) >= 1) {
        if (got == 2)
            intr_forward(&sh->remote->conn, intr);
        else if (type == RF_OUT && capture)
            buf_addn(capture, f.s, f.len);
        else if (type == RF_OUT)
            fwrite(f.s, 1, f.len, sh->out);
        else if (type == RF_ERR) {
            fflush(sh->out);
            fwrite(f.s, 1, f.len, sh->err);
            fflush(sh->err);
        } else if (type == RF_EXIT) {
            rc = atoi(buf_str(&f)) == 0 ? 0 : 1;
            break;
        } else
            break;   /* a frame out of place: treat as a broken connection */
    }
    intr_end(intr, &old);
    buf_free(&f);
    return rc;
}

static int run_there(struct shell *sh, const struct cmd_args *a, char *const *words, size_t n,
                     struct buf *capture, struct err **e)
{
    if (remote_connected(sh, e) < 0)
        return -1;
    int sent = send_run(sh, a, words, n, e);
    if (sent < 0)
        return -1;
    int rc = sent == 0 ? relay_output(sh, capture) : -1;
    if (rc < 0) {
        AUTOFREE char *during = xasprintf("'%s'", words[0]);
        return rconn_fail(&sh->remote->conn, &sh->remote->uri, during, e);
    }
    return rc == 0 ? 0 : CMD_FAILED_PRINTED;
}

int remote_run(struct shell *sh, const struct cmd_args *a, char *const *words, size_t n,
               struct err **e)
{
    return run_there(sh, a, words, n, NULL, e);
}

int remote_capture(struct shell *sh, char *const *words, size_t n, struct buf *out,
                   struct err **e)
{
    const struct cmd_def *cmd = cmd_find(words[0]);
    struct cmd_args a;
    if (!cmd || args_parse(cmd, words, n, false, &a, e) < 0)
        return -1;
    int rc = run_there(sh, &a, words, n, out, e);
    args_free(&a);
    return rc;
}
