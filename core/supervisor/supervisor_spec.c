/* supervisor_spec.c: the launch spec, "KEY VALUE" lines written by the
 * starting shell (supervisor_spawn.c) on the sync socket, with the ptys'
 * descriptors passed on its first bytes (SCM_RIGHTS); a `dev` line names
 * them by their index there.  The socket is where the answer goes too. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const action_names[] = {
    [ACT_DESTROY] = "destroy", [ACT_RESTART] = "restart",
    [ACT_PRESERVE] = "preserve", [ACT_RENAME_RESTART] = "rename-restart",
};

const char *sup_action_name(enum sup_action a)
{
    return action_names[a];
}

bool sup_action_parse(const char *word, enum sup_action *out)
{
    for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
        if (strcmp(word, action_names[i]) == 0) {
            *out = (enum sup_action)i;
            return true;
        }
    return false;
}

/* copy a spec word into the static arg buffer */
static char *spec_keep(struct sup *s, const char *v)
{
    size_t n = strlen(v) + 1;
    if (s->argbuf_len + n > sizeof(s->argbuf))
        return NULL;
    char *p = memcpy(s->argbuf + s->argbuf_len, v, n);
    s->argbuf_len += n;
    return p;
}

static int spec_dev(struct sup *s, const char *v)
{
    struct sup_dev *d = &s->dev[s->ndev];
    int at = 0, tail = 0, m, sl;
    /* "ALIAS SOCK MASTER SLAVE", the pty's descriptors by their index among
     * those passed: the socket path (RUN/NAME/...) may hold blanks, as a
     * domain name may, so it is everything between the alias and the two
     * numbers at the end */
    const char *end = v + strlen(v);
    for (int blanks = 0; end > v && blanks < 2; end--)
        blanks += end[-1] == ' ';
    if (s->ndev == SUP_MAX_DEVS || sscanf(v, "%31s %n", d->name, &at) != 1 || end <= v + at ||
        sscanf(end + 1, "%d %d%n", &m, &sl, &tail) != 2 || end[1 + tail] ||
        m < 0 || sl < 0 || (size_t)m >= s->nspec_fd || (size_t)sl >= s->nspec_fd ||
        snprintf(d->sock, sizeof(d->sock), "%.*s", (int)(end - v - at), v + at) >=
            (int)sizeof(d->sock))
        return -1;
    d->master = s->spec_fd[m];
    d->slave = s->spec_fd[sl];
    d->qfd = -1;
    d->rw_client = -1;
    d->watch = -1;
    s->ndev++;
    return 0;
}

static int spec_alias(struct sup *s, const char *v)
{
    char target[32];
    struct sup_alias *a = &s->alias[s->nalias];
    if (s->nalias == SUP_MAX_ALIASES || sscanf(v, "%31s %31s", a->name, target) != 2)
        return -1;
    for (size_t i = 0; i < s->ndev; i++)
        if (strcmp(s->dev[i].name, target) == 0) {
            a->dev = (int)i;
            s->nalias++;
            return 0;
        }
    return -1;
}

#define COPY(dst, v) (snprintf(dst, sizeof(dst), "%s", v) >= (int)sizeof(dst) ? -1 : 0)

static int spec_item(struct sup *s, const char *k, const char *v)
{
    if (strcmp(k, "name") == 0)
        return COPY(s->name, v);
    if (strcmp(k, "uri") == 0)
        return COPY(s->uri, v);
    if (strcmp(k, "run_dir") == 0)
        return COPY(s->run_dir, v);
    if (strcmp(k, "log") == 0)
        return COPY(s->log_path, v);
    if (strcmp(k, "console_log") == 0)
        return COPY(s->console_log_path, v);
    if (strcmp(k, "id") == 0)
        return (s->id = atoi(v)) > 0 ? 0 : -1;
    if (strcmp(k, "transient") == 0)
        return (s->transient = *v == '1'), 0;
    if (strcmp(k, "paused") == 0)
        return (s->start_paused = *v == '1'), 0;
    if (strcmp(k, "incoming") == 0)
        return (s->incoming = *v == '1'), 0;
    if (strcmp(k, "vnc_query") == 0)
        return (s->vnc_query = *v == '1'), 0;
    if (strcmp(k, "mem_kib") == 0)
        return (s->mem_kib = strtoull(v, NULL, 10)), 0;
    if (strcmp(k, "on_poweroff") == 0)
        return sup_action_parse(v, &s->on_poweroff) ? 0 : -1;
    if (strcmp(k, "on_reboot") == 0)
        return sup_action_parse(v, &s->on_reboot) ? 0 : -1;
    if (strcmp(k, "on_crash") == 0)
        return sup_action_parse(v, &s->on_crash) ? 0 : -1;
    if (strcmp(k, "dev") == 0)
        return spec_dev(s, v);
    if (strcmp(k, "alias") == 0)
        return spec_alias(s, v);
    if (strcmp(k, "arg") == 0) {
        if (s->nargs == SUP_MAX_ARGS || !(s->argv[s->nargs] = spec_keep(s, v)))
            return -1;
        s->nargs++;
        return 0;
    }
    if (strcmp(k, "qmp_pre") == 0) {
        if (s->npre == SUP_MAX_PRE || !(s->qmp_pre[s->npre] = spec_keep(s, v)))
            return -1;
        s->npre++;
        return 0;
    }
    return -1;
}

static char spec_text[SUP_ARGBUF];
static size_t spec_len;

/* everything the shell sends, up to its shutdown(SHUT_WR): 1 read, 0 nothing
 * at all (the shell gave up before its spec: leave quietly), -1 error */
static int spec_receive(int sock, int *fds, size_t max, size_t *nfds)
{
    *nfds = 0;
    for (;;) {
        size_t got;
        if (spec_len == sizeof(spec_text))
            return -1;
        long n = recv_with_fds(sock, spec_text + spec_len, sizeof(spec_text) - spec_len,
                               fds + *nfds, max - *nfds, &got);
        *nfds += got;
        if (n < 0)
            return -1;
        if (n == 0)
            return spec_len ? 1 : 0;
        spec_len += (size_t)n;
    }
}

int sup_read_spec(struct sup *s, int sock)
{
    size_t nfds;
    int rc = spec_receive(sock, s->spec_fd, SUP_MAX_DEVS * 2, &nfds);
    s->nspec_fd = nfds;
    if (rc <= 0)
        return rc;
    static char text[SUP_ARGBUF + 1];    /* cut into words; spec_text stays whole */
    memcpy(text, spec_text, spec_len);
    text[spec_len] = '\0';
    int lineno = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *sp = strchr(line, ' ');
        if (!sp)
            sp = line + strlen(line);
        else
            *sp++ = '\0';
        if (spec_item(s, line, sp) < 0) {
            fprintf(stderr, "supervisor: launch spec line %d: bad item '%s'\n", lineno, line);
            return -1;
        }
    }
    if (!*s->name || !*s->run_dir || !*s->log_path || !s->nargs)
        return -1;
    return 1;
}

/* the spec as received, kept in RUN/NAME/launch for whoever debugs a start */
void sup_keep_spec(struct sup *s, const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, spec_text, spec_len) != (ssize_t)spec_len)
        sup_log(s, "cannot write '%s'", path);
    close(fd);
}
