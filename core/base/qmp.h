/* qmp.h: the few pieces of QMP the supervisor (client) and the fake guest
 * (server) need: a line reader over a socket and flat JSON lookups.  QMP
 * messages are one JSON object per line; we only ever look at a handful of
 * keys ("event", "reason", "return", "error"/"desc", "execute", "status",
 * "actual"), so a full JSON parser is not worth its memory in the
 * long-running supervisor. */
#ifndef DOMSH_QMP_H
#define DOMSH_QMP_H

#include <stdbool.h>
#include <stddef.h>

#define QMP_LINE_MAX 16384

struct qmp_conn {
    int fd;
    size_t len, consumed;
    char buf[QMP_LINE_MAX];
};

enum qmp_kind { QMP_OTHER, QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT, QMP_EXECUTE };

void qmp_init(struct qmp_conn *q, int fd);
/* one read(): >0 bytes, 0 EOF, -1 error/EAGAIN; an over-long line is dropped */
long qmp_fill(struct qmp_conn *q);
/* next complete line, NUL-terminated in place (valid until the next call), or NULL */
char *qmp_next_line(struct qmp_conn *q);
/* blocking write of TEXT plus "\r\n" */
int qmp_send(int fd, const char *text);
/* the same with passfd as SCM_RIGHTS (QMP `getfd`, `add-fd`) */
int qmp_send_fd(int fd, const char *text, int passfd);
/* qmp_fill that also takes a descriptor passed with the bytes: it
 * replaces *passed (the previous one is closed) */
long qmp_fill_fd(struct qmp_conn *q, int *passed);

/* one sendmsg() of up to n bytes carrying passfd as SCM_RIGHTS; bytes sent or -1 */
long send_with_fd(int sock, const void *data, size_t n, int passfd);
/* one recvmsg(); a received descriptor replaces *passed (CLOEXEC) */
long recv_with_fd(int sock, void *data, size_t n, int *passed);
/* the same with up to 32 descriptors: fds[0..*got) receives them (CLOEXEC,
 * those beyond max are closed) */
long send_with_fds(int sock, const void *data, size_t n, const int *fds, size_t nfds);
long recv_with_fds(int sock, void *data, size_t n, int *fds, size_t max, size_t *got);

enum qmp_kind qmp_kind(const char *line);
/* string value of the first "key": "value" in line (unescaped, truncated to
 * n-1); false when absent or not a string */
bool qjson_str(const char *line, const char *key, char *out, size_t n);
/* integer value of "key": N; false when absent */
bool qjson_num(const char *line, const char *key, long long *out);
/* number value (integer or not) of "key": N; false when absent */
bool qjson_double(const char *line, const char *key, double *out);
/* true when "key": true */
bool qjson_true(const char *line, const char *key);

/* connect a unix stream socket (no retry); fd or -1 with errno */
int unix_connect(const char *path);
/* bind + listen a unix stream socket at path (unlinking a stale one), mode */
int unix_listen(const char *path, int mode);

#endif
