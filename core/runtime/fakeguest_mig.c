/* fakeguest_mig.c: migration of the fake guest's state (fakeguest_mig.h). */
#include "fakeguest_mig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../base/mem.h"
#include "../base/qmp.h"

#define FGM_CHUNK 4096
#define FGM_MAGIC "DOMSH-FAKEGUEST-STATE 1\n"
#define FGM_MAX_STREAM (64u * 1024u * 1024u)
#define FGM_PAGE 4096
#define FGM_DOWNTIME_MAX 2000000     /* ms, QEMU's limit */
/* a socket with nothing to read (or no source yet): look again this much later */
#define FGM_WAIT_MS 5

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

void fgm_init(struct fg_mig *m)
{
    *m = (struct fg_mig){ .passed_fd = -1, .named_fd = -1, .listen_fd = -1,
                          .downtime_limit = 300, .max_bandwidth = 128LL << 20 };
    snprintf(m->status, sizeof(m->status), "none");
}

void fgm_vcpus(struct fg_mig *m, bool running)
{
    if (!running && !m->stop_ms)
        m->stop_ms = mono_ms();
    else if (running)
        m->stop_ms = 0;
}

static void reply(int fd, const char *ret)
{
    char line[1100];
    snprintf(line, sizeof(line), "{\"return\": %s}", ret);
    qmp_send(fd, line);
}

static void error(int fd, const char *desc)
{
    char line[1024];
    snprintf(line, sizeof(line), "{\"error\": {\"class\": \"GenericError\", \"desc\": \"%s\"}}",
             desc);
    qmp_send(fd, line);
}

static void set_status(struct fg_mig *m, int qmp_fd, const char *status)
{
    snprintf(m->status, sizeof(m->status), "%s", status);
    if (!m->events)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char line[256];
    snprintf(line, sizeof(line),
             "{\"timestamp\": {\"seconds\": %ld, \"microseconds\": %ld}, \"event\": "
             "\"MIGRATION\", \"data\": {\"status\": \"%s\"}}",
             (long)tv.tv_sec, (long)tv.tv_usec, status);
    qmp_send(qmp_fd, line);
}

static unsigned char pattern(const struct fg_vmstate *vm, size_t i)
{
    unsigned h = (unsigned)vm->counter * 2654435761u;
    for (const char *p = vm->boot_id; *p; p++)
        h = h * 31u + (unsigned char)*p;
    return (unsigned char)((i * 131u + h) >> 3);
}

static void build_stream(struct fg_mig *m, const struct fg_vmstate *vm)
{
    char head[512];
    int n = snprintf(head, sizeof(head), FGM_MAGIC "name %s\ncounter %llu\nboot_id %s\n"
                     "ram_kib %llu\n\n", vm->name, vm->counter, vm->boot_id, vm->ram_kib);
    size_t ram = (size_t)vm->ram_kib * 1024;
    m->len = (size_t)n + ram + 4;
    free(m->stream);
    m->stream = xmalloc(m->len);
    memcpy(m->stream, head, (size_t)n);
    for (size_t i = 0; i < ram; i++)
        m->stream[(size_t)n + i] = (char)pattern(vm, i);
    memcpy(m->stream + n + ram, "END\n", 4);
    m->pos = 0;
}

static void finish(struct fg_mig *m)
{
    if (m->named_fd >= 0)
        close(m->named_fd);
    m->named_fd = -1;
    if (m->listen_fd >= 0) {
        close(m->listen_fd);
        unlink(m->listen_path);
    }
    m->listen_fd = -1;
    free(m->stream);
    m->stream = NULL;
    m->len = m->cap = m->pos = 0;
    m->dir = FGM_NONE;
}

/* "unix:/PATH": out, connect; in, listen (QEMU binds before it answers,
 * so the socket is there once migrate-incoming returned); NULL or why not */
static const char *open_unix(struct fg_mig *m, const char *path, enum fgm_dir dir)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t len = strlen(path);
    if (len >= sizeof(sa.sun_path))
        return "Failed to connect socket: path too long";
    memcpy(sa.sun_path, path, len + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return "Failed to create socket";
    if (dir == FGM_OUT) {
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            close(fd);
            return "Failed to connect socket: Connection refused";
        }
        m->named_fd = fd;
        return NULL;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        close(fd);
        return "Failed to bind socket: Address already in use";
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    m->listen_fd = fd;
    memcpy(m->listen_path, path, len + 1);     /* as long as sun_path */
    return NULL;
}

static void start(struct fg_mig *m, int qmp_fd, const char *line, enum fgm_dir dir,
                  const struct fg_vmstate *vm)
{
    char uri[160];
    if (!qjson_str(line, "uri", uri, sizeof(uri)))
        return error(qmp_fd, "Parameter 'uri' is missing");
    if (strncmp(uri, "unix:/", 6) == 0) {
        const char *why = open_unix(m, uri + 5, dir);
        if (why)
            return error(qmp_fd, why);
    } else if (strncmp(uri, "fd:", 3) != 0) {
        return error(qmp_fd, "fake-guest migrates through fd: and unix: only");
    } else if (m->named_fd < 0 || strcmp(uri + 3, m->fdname) != 0) {
        return error(qmp_fd, "File descriptor named 'domsh-migration' has not been found");
    }
    m->dir = dir;
    m->error[0] = '\0';
    if (dir == FGM_OUT) {
        build_stream(m, vm);
    } else {
        free(m->stream);
        m->cap = 4096;
        m->stream = xmalloc(m->cap);
        m->len = m->pos = 0;
    }
    m->next_ms = m->start_ms = mono_ms();
    m->postcopy_active = false;
    reply(qmp_fd, "{}");
    set_status(m, qmp_fd, "setup");
    if (m->listen_fd < 0)
        set_status(m, qmp_fd, "active");
}

/* where pass 1 (header and RAM) ends: the "END\n" marker is pass 2 */
static size_t pass1_end(const struct fg_mig *m)
{
    return m->len > 4 ? m->len - 4 : 0;
}

/* QEMU's figures, "ram" first as QEMU sends them (the supervisor reads the
 * first "transferred", "total", ...) */
static void query(struct fg_mig *m, int qmp_fd)
{
    char ret[1024];
    if (strcmp(m->status, "none") == 0)
        return reply(qmp_fd, "{}");
    size_t total = m->len > m->pos ? m->len : m->pos;
    long long now = mono_ms(), elapsed = now - m->start_ms;
    bool done = strcmp(m->status, "completed") == 0;
    double mbps = elapsed > 0 ? (double)m->pos * 8.0 / 1000.0 / (double)elapsed : 0;
    size_t left = total > m->pos ? total - m->pos : 0;
    int n = snprintf(ret, sizeof(ret), "{\"status\": \"%s\", \"ram\": {\"total\": %zu, "
                     "\"remaining\": %zu, \"transferred\": %zu, \"duplicate\": 0, "
                     "\"normal\": %zu, \"normal-bytes\": %zu, \"dirty-pages-rate\": 0, "
                     "\"mbps\": %.6f, \"dirty-sync-count\": %d, \"postcopy-requests\": 0, "
                     "\"page-size\": %d}, \"total-time\": %lld, \"setup-time\": 0",
                     m->status, total, left, m->pos, m->pos / FGM_PAGE, m->pos, mbps,
                     m->pos >= pass1_end(m) && m->pos ? 2 : 1, FGM_PAGE, elapsed);
    if (done)
        n += snprintf(ret + n, sizeof(ret) - (size_t)n, ", \"downtime\": %lld",
                      m->stop_ms ? now - (m->stop_ms > m->start_ms ? m->stop_ms : m->start_ms)
                                 : 0);
    else if (m->max_bandwidth > 0)
        n += snprintf(ret + n, sizeof(ret) - (size_t)n, ", \"expected-downtime\": %lld",
                      (long long)left * 1000 / m->max_bandwidth);
    if (*m->error)
        n += snprintf(ret + n, sizeof(ret) - (size_t)n, ", \"error-desc\": \"%s\"", m->error);
    snprintf(ret + n, sizeof(ret) - (size_t)n, "}");
    reply(qmp_fd, ret);
}

/* "state" of {"capability": "NAME", "state": B} in a migrate-set-capabilities */
static bool capability(const char *line, const char *name, bool old)
{
    char key[64];
    snprintf(key, sizeof(key), "\"%s\"", name);
    const char *p = strstr(line, key);
    return p ? qjson_true(p, "state") : old;
}

static void set_parameters(struct fg_mig *m, int qmp_fd, const char *line)
{
    long long v;
    if (qjson_num(line, "downtime-limit", &v)) {
        if (v < 0 || v > FGM_DOWNTIME_MAX)
            return error(qmp_fd, "Parameter 'downtime_limit' expects an integer in the range "
                         "of 0 to 2000000 milliseconds");
        m->downtime_limit = v;
    }
    if (qjson_num(line, "max-bandwidth", &v)) {
        if (v < 0)
            return error(qmp_fd, "Parameter 'max_bandwidth' expects an integer in the range "
                         "of 0 to 18446744073709551615 bytes/second");
        m->max_bandwidth = v;
    }
    if (qjson_num(line, "max-postcopy-bandwidth", &v) && v >= 0)
        m->max_postcopy_bandwidth = v;
    reply(qmp_fd, "{}");
}

static void query_parameters(struct fg_mig *m, int qmp_fd)
{
    char ret[256];
    snprintf(ret, sizeof(ret), "{\"downtime-limit\": %lld, \"max-bandwidth\": %lld, "
             "\"max-postcopy-bandwidth\": %lld}", m->downtime_limit, m->max_bandwidth,
             m->max_postcopy_bandwidth);
    reply(qmp_fd, ret);
}

/* like QEMU: the source's vCPUs stop, the rest goes at once */
static void start_postcopy(struct fg_mig *m, int qmp_fd)
{
    if (!m->postcopy)
        return error(qmp_fd, "Enable postcopy with migrate_set_capability before the start "
                     "of migration");
    if (m->dir != FGM_OUT)
        return error(qmp_fd, "Postcopy must be started after migration has been started");
    m->postcopy_active = true;
    m->pc_start_ms = mono_ms();
    m->pc_start_pos = m->pos;
    m->stop_guest = true;
    reply(qmp_fd, "{}");
    set_status(m, qmp_fd, "postcopy-active");
}

static void getfd(struct fg_mig *m, int qmp_fd, const char *line)
{
    if (m->passed_fd < 0)
        return error(qmp_fd, "No file descriptor supplied via SCM_RIGHTS");
    if (!qjson_str(line, "fdname", m->fdname, sizeof(m->fdname)))
        return error(qmp_fd, "Parameter 'fdname' is missing");
    if (m->named_fd >= 0)
        close(m->named_fd);
    m->named_fd = m->passed_fd;
    m->passed_fd = -1;
    reply(qmp_fd, "{}");
}

bool fgm_qmp(struct fg_mig *m, int qmp_fd, const char *cmd, const char *line,
             const struct fg_vmstate *vm, bool incoming)
{
    if (strcmp(cmd, "getfd") == 0)
        getfd(m, qmp_fd, line);
    else if (strcmp(cmd, "migrate-set-capabilities") == 0) {
        m->events = capability(line, "events", m->events);
        m->postcopy = capability(line, "postcopy-ram", m->postcopy);
        m->auto_converge = capability(line, "auto-converge", m->auto_converge);
        reply(qmp_fd, "{}");
    } else if (strcmp(cmd, "migrate-set-parameters") == 0)
        set_parameters(m, qmp_fd, line);
    else if (strcmp(cmd, "query-migrate-parameters") == 0)
        query_parameters(m, qmp_fd);
    else if (strcmp(cmd, "migrate-start-postcopy") == 0)
        start_postcopy(m, qmp_fd);
    else if (strcmp(cmd, "query-migrate") == 0)
        query(m, qmp_fd);
    else if (strcmp(cmd, "migrate") == 0 || strcmp(cmd, "migrate-incoming") == 0) {
        bool in = cmd[7] == '-';
        if (m->dir != FGM_NONE)
            error(qmp_fd, "There's a migration process in progress");
        else if (in != incoming)
            error(qmp_fd, in ? "'-incoming' was not specified on the command line"
                             : "Guest is waiting for an incoming migration");
        else
            start(m, qmp_fd, line, in ? FGM_IN : FGM_OUT, vm);
    } else if (strcmp(cmd, "migrate_cancel") == 0) {
        if (m->dir == FGM_OUT) {
            size_t len = m->len, pos = m->pos;
            finish(m);
            m->len = len;        /* query-migrate still reports how far it went */
            m->pos = pos;
            set_status(m, qmp_fd, "cancelled");
        }
        reply(qmp_fd, "{}");
    } else {
        return false;
    }
    return true;
}

static int parse_stream(struct fg_mig *m, struct fg_vmstate *vm)
{
    static const char magic[] = FGM_MAGIC;
    if (m->len < sizeof(magic) - 1 || memcmp(m->stream, magic, sizeof(magic) - 1) != 0)
        return -1;
    char *body = memmem(m->stream, m->len, "\n\n", 2);
    unsigned long long counter, ram;
    char boot[40];
    if (!body)
        return -1;
    *body = '\0';
    const char *c = strstr(m->stream, "\ncounter "), *b = strstr(m->stream, "\nboot_id "),
               *r = strstr(m->stream, "\nram_kib ");
    if (!c || !b || !r || sscanf(c, "\ncounter %llu", &counter) != 1 ||
        sscanf(b, "\nboot_id %39s", boot) != 1 || sscanf(r, "\nram_kib %llu", &ram) != 1)
        return -1;
    size_t off = (size_t)(body - m->stream) + 2;
    if (ram > FGM_MAX_STREAM / 1024)
        return -1;
    ram *= 1024;
    if (m->len != off + ram + 4 || memcmp(m->stream + off + ram, "END\n", 4) != 0)
        return -1;
    struct fg_vmstate got = { .name = vm->name, .counter = counter, .ram_kib = ram / 1024 };
    snprintf(got.boot_id, sizeof(got.boot_id), "%s", boot);
    for (size_t i = 0; i < ram; i++)
        if ((unsigned char)m->stream[off + i] != pattern(&got, i))
            return -1;
    *vm = got;
    return 0;
}

static enum fgm_done fail(struct fg_mig *m, int qmp_fd, const char *why)
{
    snprintf(m->error, sizeof(m->error), "%s", why);
    finish(m);
    set_status(m, qmp_fd, "failed");
    return FGM_FAILED;
}

/* incoming "unix:": the source's connection, when it came */
static enum fgm_done accept_source(struct fg_mig *m, int qmp_fd)
{
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0 && (errno == EAGAIN || errno == EINTR)) {
        m->next_ms = mono_ms() + FGM_WAIT_MS;
        return FGM_BUSY;
    }
    if (fd < 0)
        return fail(m, qmp_fd, "fake-guest: cannot accept the migration stream");
    close(m->listen_fd);
    unlink(m->listen_path);
    m->listen_fd = -1;
    m->named_fd = fd;
    set_status(m, qmp_fd, "active");
    return FGM_BUSY;
}

static enum fgm_done step_in(struct fg_mig *m, int qmp_fd, struct fg_vmstate *vm)
{
    if (m->listen_fd >= 0)
        return accept_source(m, qmp_fd);
    if (m->cap - m->len < FGM_CHUNK) {
        if (m->cap >= FGM_MAX_STREAM)
            return fail(m, qmp_fd, "fake-guest: migration stream too big");
        m->cap *= 2;
        m->stream = xrealloc(m->stream, m->cap);
    }
    ssize_t n = read(m->named_fd, m->stream + m->len, FGM_CHUNK);
    if (n < 0 && errno == EAGAIN)
        m->next_ms = mono_ms() + FGM_WAIT_MS;    /* a socket: the source is behind */
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return FGM_BUSY;
    if (n < 0)
        return fail(m, qmp_fd, "fake-guest: cannot read the migration stream");
    m->len += (size_t)n;
    m->pos = m->len;
    if (n > 0)
        return FGM_BUSY;
    if (parse_stream(m, vm) < 0)
        return fail(m, qmp_fd, "load of migration failed: Invalid argument");
    finish(m);
    set_status(m, qmp_fd, "completed");
    return FGM_IN_DONE;
}

enum fgm_done fgm_step(struct fg_mig *m, int qmp_fd, struct fg_vmstate *vm)
{
    if (m->dir == FGM_NONE || mono_ms() < m->next_ms)
        return FGM_BUSY;
    m->next_ms = mono_ms() + m->delay_ms;
    if (m->dir == FGM_IN)
        return step_in(m, qmp_fd, vm);
    size_t end = m->pos < pass1_end(m) ? pass1_end(m) : m->len;   /* a pass per step at most */
    size_t n = end - m->pos < FGM_CHUNK ? end - m->pos : FGM_CHUNK;
    /* due when the chunk's end is, at the bandwidth of the phase: post-copy
     * has its own (max-postcopy-bandwidth, 0: none) */
    long long bw = m->postcopy_active ? m->max_postcopy_bandwidth : m->max_bandwidth;
    long long since = m->postcopy_active ? m->pc_start_ms : m->start_ms;
    size_t from = m->postcopy_active ? m->pc_start_pos : 0;
    if (bw > 0) {
        long long due = since + (long long)((m->pos + n - from) * 1000 / (size_t)bw);
        if (due > m->next_ms)
            m->next_ms = due;
    }
    ssize_t w = write(m->named_fd, m->stream + m->pos, n);
    if (w < 0 && errno == EINTR)
        return FGM_BUSY;
    if (w <= 0) {
        char why[128];
        snprintf(why, sizeof(why), "Unable to write to file: %s", strerror(errno));
        return fail(m, qmp_fd, why);
    }
    m->pos += (size_t)w;
    if (m->pos < m->len)
        return FGM_BUSY;
    size_t total = m->len;
    finish(m);
    m->len = m->pos = total;     /* query-migrate reports the totals */
    m->finishing_until_ms = mono_ms() + FGM_FINISH_MS;
    set_status(m, qmp_fd, "completed");
    return FGM_OUT_DONE;
}

bool fgm_finishing(const struct fg_mig *m)
{
    return mono_ms() < m->finishing_until_ms;
}

int fgm_timeout(const struct fg_mig *m)
{
    if (m->dir == FGM_NONE)
        return -1;
    long long left = m->next_ms - mono_ms();
    return left > 0 ? (int)left : 0;
}
