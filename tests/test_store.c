/* test_store.c: the durable store (atomic writes, locks, name rules,
 * duplicates) and the runtime status reader. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/domains/domains.h"
#include "../core/runtime/runtime.h"
#include "../core/store/store.h"
#include "helpers.h"

/* a formatted string in the caller's buffer: nothing to free */
#define SF(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)

/* ---- runtime status ------------------------------------------------- */

static unsigned long long my_start_ticks(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    char *text = slurp(path, NULL);
    char *p = strrchr(text, ')');
    for (int f = 2; f < 22; f++)
        p = strchr(p + 1, ' ');
    unsigned long long t = strtoull(p + 1, NULL, 10);
    free(text);
    return t;
}

static void write_status(const char *run, const char *name, const char *body)
{
    char *dir = fmt("%s/%s", run, name);
    mkdir(run, 0700);
    mkdir(dir, 0700);
    char *path = fmt("%s/status", dir);
    cr_assert_eq(write_text(path, body), 0);
    free(path);
    free(dir);
}

Test(runtime, state_names)
{
    cr_assert_str_eq(dom_state_name(DOM_SHUTOFF), "shut off");
    cr_assert_str_eq(dom_state_name(DOM_RUNNING), "running");
    cr_assert_str_eq(dom_state_name(DOM_PAUSED), "paused");
    cr_assert(dom_state_active(DOM_RUNNING));
    cr_assert(dom_state_active(DOM_PAUSED));
    cr_assert(!dom_state_active(DOM_SHUTOFF));
}

Test(runtime, status_from_file)
{
    char *root = tmp_root();
    char *run = fmt("%s/run", root);
    struct store st = {.run_dir = run, .config_dir = root, .log_dir = root};
    struct dom_status s;

    /* nothing runs: shut off, never an error */
    cr_assert_eq(rt_status_read(&st, "ghost", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert_eq(s.id, -1);

    /* a live supervisor (this process) */
    char *body = fmt("state=running\nreason=booted\nid=7\nsup_pid=%d\nsup_start=%llu\n",
                     (int)getpid(), my_start_ticks(getpid()));
    write_status(run, "alive", body);
    cr_assert_eq(rt_status_read(&st, "alive", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_RUNNING);
    cr_assert_str_eq(s.reason, "booted");
    cr_assert_eq(s.id, 7);

    /* same pid, other start time: the pid was reused */
    free(body);
    body = fmt("state=paused\nid=8\nsup_pid=%d\nsup_start=1\n", (int)getpid());
    write_status(run, "reused", body);
    cr_assert_eq(rt_status_read(&st, "reused", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert_str_eq(s.reason, "crashed");

    /* a dead supervisor */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    free(body);
    body = fmt("state=running\nid=9\nsup_pid=%d\n", (int)child);
    write_status(run, "dead", body);
    cr_assert_eq(rt_status_read(&st, "dead", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert_str_eq(s.reason, "crashed");
    cr_assert_eq(s.id, -1);

    struct strv active = {0};
    cr_assert_eq(rt_list_active(&st, &active, NULL), 0);
    cr_assert_eq(active.n, 1);
    cr_assert_str_eq(active.v[0], "alive");
    strv_free(&active);

    free(body);
    free(run);
    rm_rf(root);
    free(root);
}

/* a supervisor that exited (its pid is free) */
static pid_t dead_pid(void)
{
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    return child;
}

/* the read never writes; the repair leaves "shut off (crashed)" for a
 * persistent domain and nothing for a transient one */
Test(runtime, read_is_pure_repair_cleans)
{
    char *root = tmp_root();
    char *run = fmt("%s/run", root);
    struct store st = {.run_dir = run, .config_dir = root, .log_dir = root};
    char *def = fmt("%s/kept.xml", root);
    char *body = fmt("state=running\nid=3\nsup_pid=%d\n", (int)dead_pid());
    cr_assert_eq(write_text(def, "<domain/>"), 0);
    write_status(run, "kept", body);
    write_status(run, "gone", body);
    char *kept_status = fmt("%s/kept/status", run), *gone_dir = fmt("%s/gone", run);

    struct dom_status s;
    cr_assert_eq(rt_status_read(&st, "kept", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert_str_eq(s.reason, "crashed");
    cr_assert(s.stale);
    char *text = slurp(kept_status, NULL);
    cr_assert_str_eq(text, body, "the read rewrote the status");
    free(text);

    cr_assert_eq(rt_status_repair(&st, "kept", &s, NULL), 0);
    cr_assert_eq(s.state, DOM_SHUTOFF);
    cr_assert(!s.stale);
    text = slurp(kept_status, NULL);
    cr_assert_str_eq(text, "state=shutoff\nreason=crashed\nid=-1\n");
    free(text);
    cr_assert_eq(rt_status_repair(&st, "gone", &s, NULL), 0);
    struct stat sb;
    cr_assert_neq(stat(gone_dir, &sb), 0, "a stale transient domain left RUN/NAME");

    free(kept_status);
    free(gone_dir);
    free(def);
    free(body);
    free(run);
    rm_rf(root);
    free(root);
}

Test(domains, state_class)
{
    cr_assert_eq(domains_state_class(DOM_NOSTATE), ST_SHUTOFF);
    cr_assert_eq(domains_state_class(DOM_SHUTOFF), ST_SHUTOFF);
    cr_assert_eq(domains_state_class(DOM_RUNNING), ST_RUNNING);
    cr_assert_eq(domains_state_class(DOM_BLOCKED), ST_RUNNING);
    cr_assert_eq(domains_state_class(DOM_PAUSED), ST_PAUSED);
    cr_assert_eq(domains_state_class(DOM_SHUTDOWN), ST_OTHER);
    cr_assert_eq(domains_state_class(DOM_CRASHED), ST_OTHER);
    cr_assert_eq(domains_state_class(DOM_PMSUSPENDED), ST_OTHER);
}

static void expect_names(struct store *st, unsigned want, const char *names)
{
    struct domain_set set;
    cr_assert_eq(domains_list(st, want, &set, NULL), 0);
    char got[256] = "";
    for (size_t i = 0; i < set.n; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
                 set.v[i].name);
    cr_assert_str_eq(got, names, "want 0x%x", want);
    domain_set_free(&set);
}

/* defined a, b; running transient "alive" (this process); b and the
 * transient "gone" with a dead supervisor */
Test(domains, list_defined_and_running)
{
    char *root = tmp_root();
    char *run = fmt("%s/run", root);
    struct store st = {.run_dir = run, .config_dir = root, .log_dir = root};
    char *fa = fmt("%s/a.xml", root), *fb = fmt("%s/b.xml", root);
    char *live = fmt("state=running\nid=7\nsup_pid=%d\nsup_start=%llu\n", (int)getpid(),
                     my_start_ticks(getpid()));
    char *dead = fmt("state=paused\nid=8\nsup_pid=%d\n", (int)dead_pid());
    cr_assert_eq(write_text(fa, "<domain/>"), 0);
    cr_assert_eq(write_text(fb, "<domain/>"), 0);
    write_status(run, "alive", live);
    write_status(run, "b", dead);
    write_status(run, "gone", dead);

    expect_names(&st, ST_ANY, "a alive b");
    expect_names(&st, 0, "a alive b");
    expect_names(&st, ST_ACTIVE, "alive");
    expect_names(&st, ST_RUNNING | ST_PERSISTENT, "");
    expect_names(&st, ST_SHUTOFF, "a b");
    expect_names(&st, ST_ANY | ST_PERSISTENT, "a b");
    struct domain_set set;
    cr_assert_eq(domains_list(&st, ST_ANY, &set, NULL), 0);
    cr_assert_eq(set.v[1].st->id, 7);
    cr_assert(!set.v[1].persistent && set.v[0].persistent && set.v[2].persistent);
    cr_assert_str_eq(set.v[2].st->reason, "crashed");
    domain_set_free(&set);
    char *name = domains_lookup(&st, "7", NULL);
    cr_assert_str_eq(name, "alive");
    free(name);
    char *gone = fmt("%s/gone/status", run), *text = slurp(gone, NULL);
    cr_assert_str_eq(text, dead, "listing wrote RUN/");

    free(text);
    free(gone);
    free(fa);
    free(fb);
    free(live);
    free(dead);
    free(run);
    rm_rf(root);
    free(root);
}

/* ---- the store ------------------------------------------------------ */

#include <errno.h>
#include <fcntl.h>
#include <time.h>

#include "../core/xml/domain.h"

#define U1 "0f9a7c36-5a0e-4c43-a2b8-6b1f1d2e3c41"
#define U2 "1e8b6d47-6b1f-4d54-b3c9-7c2e2e3f4d52"

static struct store *open_test_store(char **root)
{
    *root = tmp_root();
    setenv("DOMSH_ROOT", *root, 1);
    struct err *e = NULL;
    struct store *st = store_open("test:///default", &e);
    cr_assert_not_null(st, "%s", e ? e->msg : "");
    return st;
}

static struct dnode *mkdom(const char *name, const char *uuid)
{
    char *xml = fmt("<domain type='qemu'><name>%s</name><uuid>%s</uuid><memory>1024</memory>"
                    "<os><type>hvm</type></os></domain>", name, uuid);
    struct err *e = NULL;
    struct dnode *d = dom_load_string(xml, strlen(xml), "test", NULL, &e);
    cr_assert_not_null(d, "%s", e ? e->msg : "");
    free(xml);
    return d;
}

static int save(struct store *st, const char *name, const char *uuid, struct err **e)
{
    struct dnode *d = mkdom(name, uuid);
    int rc = store_save(st, d, e);
    dnode_free(d);
    return rc;
}

Test(store, roots)
{
    char pb[512];
    char *root;
    struct store *st = open_test_store(&root);
    cr_assert_str_eq(st->uri, "test:///default");
    cr_assert_str_eq(store_driver_name(st), "test");
    cr_assert_str_eq(st->config_dir, SF(pb, "%s/config/test", root));
    cr_assert_str_eq(st->run_dir, SF(pb, "%s/run/test", root));
    cr_assert_str_eq(st->log_dir, SF(pb, "%s/log/test", root));
    store_close(st);

    struct err *e = NULL;
    cr_assert_null(store_open("xen:///", &e));
    cr_assert_eq(e->code, ERR_ARGS);
    cr_assert(strstr(e->msg, "'xen:///'"));
    err_clear(&e);

    setenv("DOMSH_DEFAULT_URI", "qemu:///system", 1);
    st = store_open(NULL, &e);
    cr_assert_str_eq(st->uri, "qemu:///system");
    cr_assert_str_eq(st->config_dir, SF(pb, "%s/config/qemu", root));
    store_close(st);
    unsetenv("DOMSH_DEFAULT_URI");

    unsetenv("DOMSH_ROOT");
    if (getuid() == 0) {
        st = store_open("qemu:///system", &e);
        cr_assert_str_eq(st->config_dir, "/etc/domsh/qemu");
        cr_assert_str_eq(st->run_dir, "/run/domsh/qemu");
        cr_assert_str_eq(st->log_dir, "/var/log/domsh/qemu");
        store_close(st);
    }
    rm_rf(root);
    free(root);
}

Test(store, atomic_write_leaves_no_temp)
{
    char pb[512];
    char *root = tmp_root();
    char *path = fmt("%s/f.xml", root);
    struct err *e = NULL;
    cr_assert_eq(write_file_atomic(path, "old\n", 4, 0600, &e), 0);
    cr_assert_eq(write_file_atomic(path, "new\n", 4, 0600, &e), 0);
    char *text = slurp(path, NULL);
    cr_assert_str_eq(text, "new\n");
    free(text);
    struct stat sb;
    cr_assert_neq(stat(SF(pb, "%s.new", path), &sb), 0);
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0600);
    /* a write into a missing directory fails cleanly */
    cr_assert_eq(write_file_atomic(SF(pb, "%s/no/such", root), "x", 1, 0600, &e), -1);
    cr_assert_eq(e->code, ERR_IO);
    err_clear(&e);
    /* read_file_max refuses big files */
    cr_assert_null(read_file_max(path, 2, NULL, &e));
    cr_assert(strstr(e->msg, "larger than"));
    err_clear(&e);
    rm_rf(root);
    free(root);
    free(path);
}

/* a writer killed at random moments leaves the old or the new file, whole */
Test(store, crash_leaves_old_or_new)
{
    char *root = tmp_root();
    char *path = fmt("%s/f.xml", root);
    size_t big = 256 * 1024;
    char *a = malloc(big), *b = malloc(big);
    memset(a, 'a', big);
    memset(b, 'b', big);
    cr_assert_eq(write_file_atomic(path, a, big, 0600, NULL), 0);
    srand((unsigned)getpid());
    for (int round = 0; round < 12; round++) {
        pid_t pid = fork();
        if (pid == 0) {
            for (int i = 0;; i++)
                write_file_atomic(path, i % 2 ? a : b, big, 0600, NULL);
        }
        struct timespec ts = {0, (rand() % 4000 + 200) * 1000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        size_t len = 0;
        char *text = slurp(path, &len);
        cr_assert_eq(len, big, "round %d: torn file of %zu bytes", round, len);
        cr_assert(memcmp(text, a, big) == 0 || memcmp(text, b, big) == 0, "round %d: mixed", round);
        free(text);
    }
    free(a);
    free(b);
    rm_rf(root);
    free(root);
    free(path);
}

Test(store, locks)
{
    char *root;
    struct store *st = open_test_store(&root);
    struct err *e = NULL;
    int fd = store_lock(st, "vm", false, &e);
    cr_assert_geq(fd, 0, "%s", e ? e->msg : "");
    /* a second lock (another open file description) is refused without waiting */
    cr_assert_eq(store_lock(st, "vm", false, &e), -1);
    cr_assert_eq(e->code, ERR_BUSY);
    cr_assert_str_eq(e->msg, "another shell is changing domain 'vm'");
    err_clear(&e);
    /* another domain is independent */
    int other = store_lock(st, "vm2", false, &e);
    cr_assert_geq(other, 0);
    store_unlock(other);
    store_unlock(fd);
    fd = store_lock(st, "vm", false, &e);
    cr_assert_geq(fd, 0);
    store_unlock(fd);
    store_close(st);
    rm_rf(root);
    free(root);
}

Test(store, name_rules)
{
    char *root;
    struct store *st = open_test_store(&root);
    static const char *const bad[] = {"", "../x", "a/b", ".hidden", "-x", "a\nb", "a\x01"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err *e = NULL;
        cr_assert_eq(store_lock(st, bad[i], false, &e), -1, "'%s'", bad[i]);
        err_free(e);
        cr_assert(!store_exists(st, bad[i]));
        cr_assert(!dom_name_valid(bad[i], NULL), "'%s'", bad[i]);
    }
    static const char *const good[] = {"a", "vm-1", "A.b_c+d", "x-", "sp ace", "a*", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        cr_assert(dom_name_valid(good[i], NULL), "'%s'", good[i]);
    store_close(st);
    rm_rf(root);
    free(root);
}

Test(store, save_list_lookup_remove)
{
    char pb[512];
    char *root;
    struct store *st = open_test_store(&root);
    struct err *e = NULL;
    cr_assert_eq(save(st, "beta", U2, &e), 0, "%s", e ? e->msg : "");
    cr_assert_eq(save(st, "alpha", U1, &e), 0);
    struct strv names = {0};
    cr_assert_eq(store_list(st, &names, &e), 0);
    cr_assert_eq(names.n, 2);
    cr_assert_str_eq(names.v[0], "alpha");
    cr_assert_str_eq(names.v[1], "beta");
    strv_free(&names);

    char *n = domains_lookup(st, "0F9A7C365A0E4C43A2B86B1F1D2E3C41", &e);
    cr_assert_str_eq(n, "alpha");
    free(n);
    n = domains_lookup(st, "beta", &e);
    cr_assert_str_eq(n, "beta");
    free(n);
    cr_assert_null(domains_lookup(st, "gamma", &e));
    cr_assert_eq(e->code, ERR_NOT_FOUND);
    err_clear(&e);

    char uuid[37];
    cr_assert(store_uuid(st, "beta", uuid));
    cr_assert_str_eq(uuid, U2);
    char *text = store_load_text(st, "alpha", &e);
    cr_assert(strstr(text, "<name>alpha</name>"));
    free(text);

    cr_assert_eq(store_set_autostart(st, "alpha", true, &e), 0);
    cr_assert(store_autostart(st, "alpha"));
    cr_assert_eq(store_remove(st, "alpha", &e), 0);
    cr_assert(!store_exists(st, "alpha"));
    cr_assert(!store_autostart(st, "alpha"));
    cr_assert_null(store_name_by_uuid(st, U1));
    struct stat sb;
    cr_assert_neq(lstat(SF(pb, "%s/%s.uuid", st->config_dir, U1), &sb), 0);
    cr_assert_eq(store_remove(st, "alpha", &e), -1);
    cr_assert_eq(e->code, ERR_NOT_FOUND);
    err_clear(&e);
    store_close(st);
    rm_rf(root);
    free(root);
}

Test(store, duplicates)
{
    char pb[512];
    char *root;
    struct store *st = open_test_store(&root);
    struct err *e = NULL;
    cr_assert_eq(save(st, "alpha", U1, &e), 0);
    cr_assert_eq(save(st, "alpha", U2, &e), -1);
    cr_assert_eq(e->code, ERR_EXISTS);
    cr_assert_str_eq(e->msg, "operation failed: domain 'alpha' already exists with uuid " U1);
    err_clear(&e);
    cr_assert_eq(save(st, "beta", U1, &e), -1);
    cr_assert_str_eq(e->msg, "operation failed: domain 'alpha' is already defined with uuid " U1);
    err_clear(&e);
    cr_assert(!store_exists(st, "beta"));
    /* same name and uuid: update */
    cr_assert_eq(save(st, "alpha", U1, &e), 0);
    /* a stale uuid link (crash between link and XML) does not block */
    cr_assert_eq(symlink("ghost", SF(pb, "%s/%s.uuid", st->config_dir, U2)), 0);
    cr_assert_eq(save(st, "gamma", U2, &e), 0, "%s", e ? e->msg : "");
    char *owner = store_name_by_uuid(st, U2);
    cr_assert_str_eq(owner, "gamma");
    free(owner);
    /* no temp files left in the config dir */
    struct strv names = {0};
    store_list(st, &names, NULL);
    cr_assert_eq(names.n, 2);
    strv_free(&names);
    cr_assert_neq(access(SF(pb, "%s/alpha.xml.new", st->config_dir), F_OK), 0);
    store_close(st);
    rm_rf(root);
    free(root);
}

static int cmp_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* strv_sort (8-byte keys, in-order and reverse-order shortcuts) orders as
 * strcmp does: random names sharing prefixes, shorter and longer than the
 * key, bytes above 0x7f; then the same names in order and reversed */
Test(store, strv_sort_orders_as_strcmp)
{
    static const char alphabet[] = {'a', 'b', 'd', '0', '9', '-', (char)0xc3, (char)0xa9};
    srand(15);
    for (int round = 0; round < 3; round++) {
        struct strv sv = {0};
        char **want = calloc(2000, sizeof(char *));
        for (int i = 0; i < 2000; i++) {
            char s[16];
            int len = rand() % 14, k = 0;
            for (; k < len; k++)
                s[k] = alphabet[rand() % (k < 6 ? 2 : (int)sizeof(alphabet))];
            s[k] = '\0';
            strv_push(&sv, s);
            want[i] = sv.v[i];
        }
        qsort(want, 2000, sizeof(char *), cmp_strcmp);
        if (round == 1)          /* already in order */
            memcpy(sv.v, want, 2000 * sizeof(char *));
        for (int i = 0; round == 2 && i < 2000; i++)   /* reversed */
            sv.v[i] = want[1999 - i];
        strv_sort(&sv);
        for (int i = 0; i < 2000; i++)
            cr_assert_str_eq(sv.v[i], want[i], "round %d, item %d", round, i);
        free(want);
        strv_free(&sv);
    }
}

static char *listed(struct store *st)
{
    struct strv names = {0};
    struct err *e = NULL;
    cr_assert_eq(store_list(st, &names, &e), 0, "%s", e ? e->msg : "");
    char *out = strdup("");
    for (size_t i = 0; i < names.n; i++) {
        char *more = fmt("%s%s%s", out, i ? " " : "", names.v[i]);
        free(out);
        out = more;
    }
    strv_free(&names);
    return out;
}

static void expect_listed(struct store *st, const char *want)
{
    char *got = listed(st);
    cr_assert_str_eq(got, want);
    free(got);
}

/* the kept listing (RUN/.names, names.c) is reused while CONFIG stands
 * still, and every change shows at once, also one made in the same
 * second the listing was kept */
Test(store, kept_listing_follows_every_change, .timeout = 60)
{
    char pb[512];
    char *root;
    struct store *st = open_test_store(&root);
    struct err *e = NULL;
    cr_assert_eq(save(st, "beta", U2, &e), 0);
    cr_assert_eq(save(st, "alpha", U1, &e), 0);
    cr_assert_eq(mkdir_p(st->run_dir, 0700, &e), 0);
    char *kept = SF(pb, "%s/.names", st->run_dir);
    expect_listed(st, "alpha beta");
    cr_assert_neq(access(kept, F_OK), 0, "kept a listing of a directory changed just now");
    sleep(3);                       /* CONFIG settles */
    expect_listed(st, "alpha beta");
    char *text = slurp(kept, NULL);
    cr_assert_not_null(text, "no listing kept for a settled directory");
    /* reused: the same stamp with other names is believed */
    char *nl = strchr(text, '\n');
    nl[1] = '\0';
    char *forged = fmt("%sonly-in-the-kept-listing\n", text);
    cr_assert_eq(write_text(kept, forged), 0);
    expect_listed(st, "only-in-the-kept-listing");
    /* any change moves CONFIG's times: the listing is read again, and
     * not kept while the directory is this fresh */
    cr_assert_eq(save(st, "gamma", "7d5e3a10-4bb1-4c2d-9a3e-5f6a7b8c9d0e", &e), 0);
    expect_listed(st, "alpha beta gamma");
    cr_assert_eq(store_remove(st, "alpha", &e), 0);
    expect_listed(st, "beta gamma");
    char *after = slurp(kept, NULL);
    cr_assert_str_eq(after, forged, "rewrote the listing of a fresh directory");
    /* a stamp of another state is ignored */
    cr_assert_eq(write_text(kept, "domsh-names 1 0 0 0.0 0.0 /elsewhere\nzzz\n"), 0);
    expect_listed(st, "beta gamma");
    free(after);
    free(forged);
    free(text);
    store_close(st);
    rm_rf(root);
    free(root);
}
