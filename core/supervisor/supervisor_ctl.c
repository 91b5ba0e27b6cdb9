/* supervisor_ctl.c: sup.sock clients: accept, read frames, dispatch to
 * the lifecycle (CMD) or console (ATTACH, DATA, RESIZE, DETACH) code. */
#include "supervisor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void sup_accept(struct sup *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    for (int i = 0; i < SUP_MAX_CLIENTS; i++) {
        struct sup_client *c = &s->client[i];
        if (c->fd >= 0)
            continue;
        c->fd = fd;
        c->dev = -1;
        c->flags = 0;
        c->wait_exit = false;
        c->subscribed = false;
        c->passed_fd = -1;
        c->rd.len = c->rd.consumed = 0;
        return;
    }
    proto_send_str(fd, PROTO_ERR, "too many clients of this domain's supervisor");
    close(fd);
}

void sup_client_close(struct sup *s, int ci)
{
    struct sup_client *c = &s->client[ci];
    if (c->fd < 0)
        return;
    close(c->fd);
    c->fd = -1;
    c->subscribed = false;
    if (c->dev >= 0 && s->dev[c->dev].rw_client == ci)
        s->dev[c->dev].rw_client = -1;
    int dev = c->dev;
    c->dev = -1;
    if (dev >= 0)
        sup_emit(s, "console", "detached %s", s->dev[dev].name);
    if (c->passed_fd >= 0)
        close(c->passed_fd);
    c->passed_fd = -1;
    sup_mig_client_gone(s, ci);
    sup_job_client_gone(s, ci);
    for (size_t i = 0; i < s->npending; i++)
        if (s->pending[i].client == ci)
            s->pending[i].client = -1;
}

void sup_reply(struct sup *s, int ci, enum proto_type type, const char *text)
{
    struct sup_client *c = &s->client[ci];
    if (c->fd < 0)
        return;
    if (proto_send_str(c->fd, type, text) < 0)
        sup_client_close(s, ci);
}

static void sup_frame(struct sup *s, int ci, const struct frame *f)
{
    char cmd[QMP_LINE_MAX];   /* "qmp {...}" carries a whole QMP command */
    switch (f->type) {
    case PROTO_CMD:
        if (f->len >= sizeof(cmd)) {
            sup_reply(s, ci, PROTO_ERR, "supervisor command too long");
            break;
        }
        snprintf(cmd, sizeof(cmd), "%.*s", (int)f->len, f->payload);
        sup_command(s, ci, cmd);
        break;
    case PROTO_ATTACH:
        if (s->client[ci].dev >= 0 || sup_attach(s, ci, f->payload, f->len) < 0)
            sup_client_close(s, ci);
        else if (s->client[ci].fd >= 0 && s->client[ci].dev >= 0)
            sup_emit(s, "console", "attached %s", s->dev[s->client[ci].dev].name);
        break;
    case PROTO_DATA:
        sup_client_data(s, ci, f->payload, f->len);
        break;
    case PROTO_RESIZE:
        sup_client_resize(s, ci, f->payload, f->len);
        break;
    case PROTO_DETACH:
        sup_client_close(s, ci);
        break;
    default:
        sup_reply(s, ci, PROTO_ERR, "unknown frame type");
        sup_client_close(s, ci);
        break;
    }
}

void sup_client_io(struct sup *s, int ci)
{
    struct sup_client *c = &s->client[ci];
    long n = frame_fill_fd(&c->rd, c->fd, &c->passed_fd);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {
        sup_client_close(s, ci);
        return;
    }
    struct frame f;
    while (s->client[ci].fd >= 0 && frame_next(&c->rd, &f))
        sup_frame(s, ci, &f);
}
