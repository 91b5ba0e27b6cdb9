/* uri.c: remote URIs, DRIVER+ssh://[user@]host[:port]/PATH[?query].
 * DRIVER/PATH must name a local URI of the far side (qemu:///system,
 * qemu:///session, test:///default); the query takes libvirt's keyfile=,
 * no_verify=, no_tty= and our domsh= (the remote program's absolute path). */
#include "remote.h"

#include <stdlib.h>
#include <string.h>

static const char *const remote_local[][2] = {
    {"qemu+ssh", "system"}, {"qemu+ssh", "session"}, {"test+ssh", "default"},
};

bool ruri_is_remote(const char *uri)
{
    const char *p = uri ? strstr(uri, "+ssh://") : NULL;
    return p && p > uri && !memchr(uri, '/', (size_t)(p - uri));
}

static int bad(struct err **e, const char *uri, const char *why)
{
    return err_set(e, ERR_ARGS, "invalid remote URI '%s': %s", uri, why);
}

static int parse_bool(const char *uri, const char *key, const char *v, bool *out,
                      struct err **e)
{
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
        AUTOFREE char *why = xasprintf("%s= takes 0 or 1, not '%s'", key, v);
        return bad(e, uri, why);
    }
    *out = v[0] == '1';
    return 0;
}

static int parse_param(const char *uri, char *kv, struct ruri *u, struct err **e)
{
    char *eq = strchr(kv, '=');
    if (!eq) {
        AUTOFREE char *why = xasprintf("parameter '%s' has no value", kv);
        return bad(e, uri, why);
    }
    *eq = '\0';
    const char *v = eq + 1;
    if (strcmp(kv, "keyfile") == 0 && *v) {
        free(u->keyfile);
        u->keyfile = xstrdup(v);
    } else if (strcmp(kv, "domsh") == 0 && v[0] == '/') {
        free(u->domsh);
        u->domsh = xstrdup(v);
    } else if (strcmp(kv, "domsh") == 0) {
        return bad(e, uri, "domsh= takes an absolute path");
    } else if (strcmp(kv, "no_verify") == 0) {
        return parse_bool(uri, kv, v, &u->no_verify, e);
    } else if (strcmp(kv, "no_tty") == 0) {
        return parse_bool(uri, kv, v, &u->no_tty, e);
    } else {
        AUTOFREE char *why = xasprintf("unknown parameter '%s' (known: keyfile, no_verify, "
                                       "no_tty, domsh)", kv);
        return bad(e, uri, why);
    }
    return 0;
}

static int parse_query(const char *uri, const char *q, struct ruri *u, struct err **e)
{
    AUTOFREE char *copy = xstrdup(q);
    char *save = NULL;
    for (char *kv = strtok_r(copy, "&", &save); kv; kv = strtok_r(NULL, "&", &save))
        if (parse_param(uri, kv, u, e) < 0)
            return -1;
    return 0;
}

/* "[user@]host[:port]" */
static int parse_authority(const char *uri, const char *s, size_t n, struct ruri *u,
                           struct err **e)
{
    AUTOFREE char *auth = xstrndup(s, n);
    char *host = auth, *at = strrchr(auth, '@');
    if (at) {
        *at = '\0';
        if (!*auth)
            return bad(e, uri, "empty user name");
        u->user = xstrdup(auth);
        host = at + 1;
    }
    char *colon = strrchr(host, ':');
    if (colon && !strchr(colon, ']')) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || port < 1 || port > 65535)
            return bad(e, uri, "the port must be 1-65535");
        u->port = (int)port;
        *colon = '\0';
    }
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        host++;
        host[strlen(host) - 1] = '\0';
    }
    if (!*host || host[0] == '-' || strpbrk(host, " \t/\\'\"`$;&|"))
        return bad(e, uri, "no valid host name");
    u->host = xstrdup(host);
    return 0;
}

static int parse_driver(const char *uri, const char *scheme, size_t slen, const char *path,
                        struct ruri *u, struct err **e)
{
    for (size_t i = 0; i < sizeof(remote_local) / sizeof(remote_local[0]); i++) {
        if (strlen(remote_local[i][0]) != slen || strncmp(scheme, remote_local[i][0], slen) != 0 ||
            strcmp(path, remote_local[i][1]) != 0)
            continue;
        u->local_uri = xasprintf("%.*s:///%s", (int)(slen - 4), scheme, path);
        return 0;
    }
    return bad(e, uri, "known: qemu+ssh://HOST/system, qemu+ssh://HOST/session, "
                       "test+ssh://HOST/default");
}

int ruri_parse(const char *uri, struct ruri *u, struct err **e)
{
    memset(u, 0, sizeof(*u));
    const char *sep = strstr(uri, "://");
    const char *auth = sep ? sep + 3 : NULL;
    const char *slash = auth ? strchr(auth, '/') : NULL;
    if (!ruri_is_remote(uri) || !slash || slash == auth)
        return bad(e, uri, "expected DRIVER+ssh://[USER@]HOST[:PORT]/PATH");
    const char *q = strchr(slash, '?');
    AUTOFREE char *path = xstrndup(slash + 1, q ? (size_t)(q - slash - 1) : strlen(slash + 1));
    if (parse_authority(uri, auth, (size_t)(slash - auth), u, e) < 0 ||
        parse_driver(uri, uri, (size_t)(sep - uri), path, u, e) < 0 ||
        (q && parse_query(uri, q + 1, u, e) < 0)) {
        ruri_free(u);
        return -1;
    }
    AUTOFREE char *port = u->port ? xasprintf(":%d", u->port) : xstrdup("");
    bool v6 = strchr(u->host, ':') != NULL;
    u->canon = xasprintf("%.*s://%s%s%s%s%s%s/%s", (int)(sep - uri), uri, u->user ? u->user : "",
                         u->user ? "@" : "", v6 ? "[" : "", u->host, v6 ? "]" : "", port, path);
    return 0;
}

void ruri_free(struct ruri *u)
{
    free(u->user);
    free(u->host);
    free(u->local_uri);
    free(u->canon);
    free(u->keyfile);
    free(u->domsh);
    memset(u, 0, sizeof(*u));
}
