/* serve.c: `domsh --stdio URI` (hidden), the far side of a remote URI:
 * the protocol of core/remote/remote.h on stdin/stdout.  Each RUN goes
 * through this host's own dispatcher with the shell's stdout and stderr
 * streamed back as OUT/ERR frames (a line at a time), then EXIT.  Files
 * sent along are written to a private temp dir: a relative path keeps its
 * name (the command runs in that dir), any other becomes a temp path that
 * is mapped back to the user's path in what the command prints.  SIGHUP
 * and SIGPIPE are ignored, so a command whose connection drops still runs
 * to its end (store writes are atomic): nothing is left half-applied. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../completion/complete.h"
#include "../core/base/fsutil.h"
#include "../core/runtime/runtime.h"
#include "../core/remote/remote.h"
#include "../core/store/store.h"

struct server {
    struct shell *sh;
    int in, out;
    bool dead;              /* the channel broke: finish the command, then leave */
    struct buf reply;       /* the end of a reply, sent with EXIT in one write: ssh
                               without a tty leaves Nagle on, a second small write
                               would wait for the first one's ACK */
};

static void reply_add(struct server *srv, char type, const char *p, size_t n)
{
    unsigned char hdr[RFRAME_HDR];
    rframe_header(hdr, type, n);
    buf_addn(&srv->reply, (const char *)hdr, RFRAME_HDR);
    buf_addn(&srv->reply, p, n);
}

static void reply_flush(struct server *srv)
{
    if (srv->reply.len && !srv->dead && write_all(srv->out, srv->reply.s, srv->reply.len) < 0)
        srv->dead = true;
    buf_reset(&srv->reply);
}

/* a stream of the command (stdout or stderr) */
struct sink {
    struct server *srv;
    char type;
    bool closing;           /* the last output: kept for the reply's single write */
    struct buf pending;
    const struct strv *from, *to;   /* temp paths to show as the user's paths */
};

static void replace_paths(struct sink *s, struct buf *text)
{
    for (size_t i = 0; i < s->from->n; i++) {
        const char *from = s->from->v[i];
        char *hit;
        while ((hit = strstr(buf_str(text), from))) {
            struct buf out = {0};
            buf_addn(&out, text->s, (size_t)(hit - text->s));
            buf_add(&out, s->to->v[i]);
            buf_add(&out, hit + strlen(from));
            buf_free(text);
            *text = out;
        }
    }
}

static void sink_emit(struct sink *s, size_t upto)
{
    struct buf text = {0};
    buf_addn(&text, s->pending.s, upto);
    memmove(s->pending.s, s->pending.s + upto, s->pending.len - upto + 1);
    s->pending.len -= upto;
    replace_paths(s, &text);
    if (!s->closing)
        reply_flush(s->srv);   /* streamed: what came before goes first */
    for (size_t off = 0; off < text.len; off += RFRAME_MAX) {
        size_t n = text.len - off < RFRAME_MAX ? text.len - off : RFRAME_MAX;
        reply_add(s->srv, s->type, text.s + off, n);
    }
    if (!s->closing)
        reply_flush(s->srv);
    buf_free(&text);
}

static ssize_t sink_write(void *cookie, const char *p, size_t n)
{
    struct sink *s = cookie;
    buf_addn(&s->pending, p, n);
    size_t upto = s->pending.len;
    if (s->from->n) {   /* a path is replaced only within a whole line */
        char *nl = memrchr(s->pending.s, '\n', s->pending.len);
        upto = nl ? (size_t)(nl - s->pending.s) + 1 : 0;
    }
    if (upto)
        sink_emit(s, upto);
    return (ssize_t)n;
}

static int sink_close(void *cookie)
{
    struct sink *s = cookie;
    s->closing = true;
    if (s->pending.len)
        sink_emit(s, s->pending.len);
    buf_free(&s->pending);
    return 0;
}

static FILE *sink_open(struct sink *s)
{
    FILE *f = fopencookie(s, "w", (cookie_io_functions_t){.write = sink_write,
                                                          .close = sink_close});
    if (f)
        setvbuf(f, NULL, _IOFBF, 64 * 1024);
    return f;
}

/* ---- files sent along ---------------------------------------------- */

struct request {
    struct strv words;
    struct strv from, to;     /* temp path -> the user's path */
    struct strv made;         /* files and dirs created, in order */
    char dir[64];
    bool in_dir;              /* a relative file: run the command in dir */
};

static bool plain_relative(const char *path)
{
    if (!*path || path[0] == '/')
        return false;
    AUTOFREE char *copy = xstrdup(path);
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
        if (strcmp(c, "..") == 0 || strcmp(c, ".") == 0)
            return false;
    return true;
}

/* mkdir -p the parents of dir/rel, remembering what was made */
static void make_parents(struct request *rq, const char *rel)
{
    AUTOFREE char *copy = xstrdup(rel);
    for (char *p = strchr(copy, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        AUTOFREE char *d = xasprintf("%s/%s", rq->dir, copy);
        if (mkdir(d, 0700) == 0)
            strv_push(&rq->made, d);
        *p = '/';
    }
}

/* where the file for the user's path goes; the word the command gets */
static char *place_file(struct request *rq, const char *path, char **word)
{
    if (plain_relative(path)) {
        make_parents(rq, path);
        rq->in_dir = true;
        *word = xstrdup(path);
        return xasprintf("%s/%s", rq->dir, path);
    }
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *tmp = xasprintf("%s/%zu-%s", rq->dir, rq->from.n, *base ? base : "file");
    strv_push(&rq->from, tmp);
    strv_push(&rq->to, path);
    *word = xstrdup(tmp);
    return tmp;
}

/* FILE frames into dest until the empty one; -1 when the channel broke */
static int receive_file(struct server *srv, const char *dest)
{
    int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    struct buf chunk = {0};
    char type;
    int rc = -1;
    while (rframe_recv(srv->in, &type, &chunk) == 1 && type == RF_FILE) {
        if (chunk.len == 0) {
            rc = 0;
            break;
        }
        if (fd >= 0 && write(fd, chunk.s, chunk.len) != (ssize_t)chunk.len) {
            close(fd);
            fd = -1;   /* the command will report the short file */
        }
    }
    if (fd >= 0)
        close(fd);
    buf_free(&chunk);
    return rc;
}

static int receive_files(struct server *srv, struct request *rq)
{
    for (size_t i = 0; i < rq->words.n; i++) {
        if (rq->words.v[i][0] != RFILE_MARK)
            continue;
        if (!rq->dir[0]) {
            const char *t = getenv("TMPDIR");
            snprintf(rq->dir, sizeof(rq->dir), "%s/domsh-remote-XXXXXX",
                     t && *t == '/' && strlen(t) < 32 ? t : "/tmp");
            if (!mkdtemp(rq->dir))
                return -1;
        }
        char *word = NULL;
        AUTOFREE char *dest = place_file(rq, rq->words.v[i] + 1, &word);
        free(rq->words.v[i]);
        rq->words.v[i] = word;
        strv_push(&rq->made, dest);
        if (receive_file(srv, dest) < 0)
            return -1;
    }
    return 0;
}

static void request_free(struct request *rq)
{
    for (size_t i = rq->made.n; i-- > 0;)
        if (unlink(rq->made.v[i]) < 0)
            rmdir(rq->made.v[i]);
    if (rq->dir[0])
        rmdir(rq->dir);
    strv_free(&rq->words);
    strv_free(&rq->from);
    strv_free(&rq->to);
    strv_free(&rq->made);
}

/* ---- requests -------------------------------------------------------- */

/* the command with sh->out/err streamed back; 0, or -1 when the channel
 * broke (the command still ran to its end) */
static int run_request(struct server *srv, struct request *rq)
{
    struct shell *sh = srv->sh;
    const char *flags = rq->words.v[0];
    sh->quiet = strchr(flags, 'q') != NULL;
    sh->readonly = strchr(flags, 'r') != NULL;
    struct sink out = {.srv = srv, .type = RF_OUT, .from = &rq->from, .to = &rq->to};
    struct sink err = {.srv = srv, .type = RF_ERR, .from = &rq->from, .to = &rq->to};
    sh->out = sink_open(&out);
    sh->err = sink_open(&err);
    int cwd = rq->in_dir ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    int rc = 1;
    if (!sh->out || !sh->err || (rq->in_dir && (cwd < 0 || chdir(rq->dir) < 0)))
        fprintf(sh->err ? sh->err : stderr, "error: cannot set up the command: %s\n",
                strerror(errno));
    else {
        struct rintr_watch *w = rintr_watch_start(srv->in);
        sh->channel_events = w ? rintr_watch_events(w) : 0;
        rc = dispatch_one(sh, rq->words.v + 1, rq->words.n - 1);
        sh->channel_events = 0;
        rintr_watch_stop(w);     /* before EXIT: the next frame is the main loop's */
    }
    if (cwd >= 0) {
        (void)!fchdir(cwd);
        close(cwd);
    }
    if (sh->out)
        fclose(sh->out);
    if (sh->err)
        fclose(sh->err);
    sh->out = sh->err = NULL;
    char status[16];
    snprintf(status, sizeof(status), "%d", rc);
    reply_add(srv, RF_EXIT, status, strlen(status));
    reply_flush(srv);
    return srv->dead ? -1 : 0;
}

static int serve_run(struct server *srv, const struct buf *payload)
{
    struct request rq = {0};
    int rc = -1;
    if (rstrv_decode(payload->s, payload->len, &rq.words) == 0 && rq.words.n >= 2 &&
        receive_files(srv, &rq) == 0)
        rc = run_request(srv, &rq);
    request_free(&rq);
    return rc;
}

static int serve_complete(struct server *srv, const struct buf *payload)
{
    struct strv words = {0}, raw = {0};
    struct buf reply = {0};
    int rc = -1;
    if (rstrv_decode(payload->s, payload->len, &words) == 0 && words.n > 0) {
        complete_words(srv->sh, words.v, words.n, &raw);
        rstrv_encode_all(&reply, raw.v, raw.n);
        rc = rframe_send(srv->out, RF_LIST, reply.s, reply.len);
    }
    strv_free(&words);
    strv_free(&raw);
    buf_free(&reply);
    return rc;
}

/* HELLO both ways; our HELLO is sent even on a version mismatch, so the
 * shell can name both versions; then we leave */
static int handshake(struct server *srv, const char *uri)
{
    struct buf hello = {0};
    char type;
    int ver = -1;
    struct err *e = NULL;
    if (rframe_recv(srv->in, &type, &hello) != 1 || type != RF_HELLO ||
        sscanf(buf_str(&hello), RPROTO_MAGIC " %d", &ver) != 1) {
        buf_free(&hello);
        return -1;
    }
    buf_free(&hello);
    if (ruri_is_remote(uri))
        err_set(&e, ERR_ARGS, "domsh --stdio serves a local URI, not '%s'", uri);
    else
        srv->sh->store = rt_store_open(uri, NULL, &e);
    if (e) {
        rframe_send_str(srv->out, RF_FAIL, e->msg);
        err_free(e);
        return -1;
    }
    AUTOFREE char *mine = xasprintf(RPROTO_MAGIC " %d %s", RPROTO_VERSION, srv->sh->store->uri);
    if (rframe_send_str(srv->out, RF_HELLO, mine) < 0)
        return -1;
    return ver == RPROTO_VERSION ? 0 : -1;
}

static void on_intr(int sig)
{
    (void)sig;
}

/* the channel is our stdin/stdout; fd 0 becomes /dev/null and fd 1 our
 * stderr, so nothing a command or a child writes can corrupt a frame */
static void take_channel(struct server *srv)
{
    srv->in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    srv->out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        close(null);
    }
    dup2(STDERR_FILENO, STDOUT_FILENO);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    /* an INTR the running command does not take (it blocks SIGINT only
     * where it can stop cleanly) must not kill the server */
    struct sigaction sa = {.sa_handler = on_intr, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

int serve_stdio(struct shell *sh, const char *uri)
{
    struct server srv = {.sh = sh};
    take_channel(&srv);
    if (srv.in < 0 || srv.out < 0 || handshake(&srv, uri) < 0)
        return 1;
    sh->channel_in = srv.in;
    struct buf frame = {0};
    char type;
    int rc = 0;
    while (rc == 0 && rframe_recv(srv.in, &type, &frame) == 1) {
        if (type == RF_RUN)
            rc = serve_run(&srv, &frame);
        else if (type == RF_COMPLETE)
            rc = serve_complete(&srv, &frame);
        else
            rc = -1;
    }
    buf_free(&frame);
    buf_free(&srv.reply);
    sh->out = stdout;
    sh->err = stderr;
    return 0;
}
