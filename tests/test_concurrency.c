/* test_concurrency.c: 8 shells at once on the same and on different
 * domains (test:///default, the real binary).
 *  - lost updates: every shell adds its own disks to one shared domain,
 *    half with device-add, half with edit (EDITOR = a script), while each
 *    also redefines and edits a domain of its own.  An edit that loses
 *    the race must be refused ("changed by another shell"), never
 *    overwrite; at the end every disk a shell was told it added is there.
 *  - supervisors: 8 shells start and destroy the same domain at once,
 *    round after round, while a watcher counts supervisors and fake
 *    guests of that domain: never more than one. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../core/xml/domain.h"
#include "../core/xml/tree.h"
#include "helpers.h"
#include "rel_helpers.h"
#include "rt_helpers.h"

#define SHELLS 8
/* disks each shell adds to the shared domain; start/destroy races (fewer
 * under valgrind, where every domsh takes about a second) */
#define ADDS (getenv("DOMSH_VALGRIND") ? 2 : 4)
#define ROUNDS (getenv("DOMSH_VALGRIND") ? 2 : 6)

static const char *const uri[] = {"-q", "-c", "test:///default"};

/* a redefinition must carry the same uuid: derive it from the name */
static char *domain_xml(const char *name)
{
    unsigned h = 5381;
    for (const char *p = name; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return fmt("<domain type='test'><name>%s</name>"
               "<uuid>%08x-0000-4000-8000-000000000001</uuid><memory>65536</memory>"
               "<os><type>hvm</type></os><devices>"
               "<disk type='file' device='disk'><source file='/img/base.img'/>"
               "<target dev='vda' bus='virtio'/></disk></devices></domain>\n", name, h);
}

/* run domsh with the test URI and extra env; exit status, output in *out */
static int sh_run(const char *root, const char *const env[], const char *const words[],
                  char **out)
{
    const char *argv[16];
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        argv[n++] = uri[i];
    for (size_t i = 0; words[i] && n < 15; i++)
        argv[n++] = words[i];
    argv[n] = NULL;
    char *path = fmt("%s/out.%d", root, (int)getpid());
    FILE *f = fopen(path, "w+");
    pid_t pid = spawn_domsh(root, env, argv, fileno(f));
    int st = wait_status(pid);
    fclose(f);
    if (out)
        *out = slurp(path, NULL);
    unlink(path);
    free(path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* one disk, by device-add (locks, reads, writes in one step) */
static int add_by_device_add(const char *root, const char *dev, const char *file)
{
    char *src = fmt("source.file=%s", file), *tgt = fmt("target.dev=%s", dev);
    const char *w[] = {"device-add", "shared", "disk", src, tgt, NULL};
    int rc = sh_run(root, NULL, w, NULL);
    free(src);
    free(tgt);
    return rc == 0 ? 0 : -1;
}

/* one disk, by edit: the editor script inserts it; a refused edit
 * (another shell changed the domain meanwhile) is tried again */
static int add_by_edit(const char *root, const char *dev, const char *file, int *conflicts)
{
    char *e1 = fmt("EDITOR=%s/add-disk.sh", root), *e2 = fmt("DISK_DEV=%s", dev);
    char *e3 = fmt("DISK_FILE=%s", file);
    const char *env[] = {e1, e2, e3, NULL};
    const char *w[] = {"edit", "shared", NULL};
    int rc = -1;
    for (int attempt = 0; attempt < 200 && rc < 0; attempt++) {
        char *out = NULL;
        if (sh_run(root, env, w, &out) == 0)
            rc = 0;
        else if (out && strstr(out, "changed by another shell"))
            ++*conflicts;
        else
            attempt = 200;     /* any other failure is a real one */
        free(out);
    }
    free(e1), free(e2), free(e3);
    return rc;
}

/* a shell's own domain: redefine it and edit it (nobody else touches it) */
static int churn_own(const char *root, int id, int k)
{
    char *name = fmt("own%d", id), *file = fmt("%s/own%d.xml", root, id);
    char *xml = domain_xml(name);
    write_text(file, xml);
    const char *def[] = {"define", file, NULL};
    char *e1 = fmt("EDITOR=%s/add-disk.sh", root), *e2 = fmt("DISK_DEV=vdb");
    char *e3 = fmt("DISK_FILE=/img/own%d-%d.img", id, k);
    const char *env[] = {e1, e2, e3, NULL};
    const char *ed[] = {"edit", name, NULL};
    int rc = sh_run(root, NULL, def, NULL) == 0 && sh_run(root, env, ed, NULL) == 0 ? 0 : -1;
    free(name), free(file), free(xml), free(e1), free(e2), free(e3);
    return rc;
}

/* child: ADDS disks to "shared" + churn of its own domain; writes
 * "added conflicts errors" to its report file */
static void shell_worker(const char *root, int id)
{
    int added = 0, conflicts = 0, errors = 0;
    for (int k = 0; k < ADDS; k++) {
        char dev[8], *file = fmt("/img/s%d-%d.img", id, k);
        snprintf(dev, sizeof(dev), "vd%c%c", 'a' + id, 'a' + k);
        int rc = id % 2 ? add_by_edit(root, dev, file, &conflicts)
                        : add_by_device_add(root, dev, file);
        rc == 0 ? added++ : errors++;
        if (churn_own(root, id, k) < 0)
            errors++;
        free(file);
    }
    char *path = fmt("%s/report.%d", root, id), *line = fmt("%d %d %d\n", added, conflicts, errors);
    write_text(path, line);
    free(path), free(line);
    _exit(0);
}

static void write_editor(const char *root)
{
    char *path = fmt("%s/add-disk.sh", root);
    cr_assert_eq(write_text(path, "#!/bin/sh\n"
                                  "sed -i \"s|</devices>|<disk type='file' device='disk'>"
                                  "<source file='$DISK_FILE'/><target dev='$DISK_DEV' "
                                  "bus='virtio'/></disk></devices>|\" \"$1\"\n"), 0);
    chmod(path, 0755);
    free(path);
}

static void define_named(const char *root, const char *name)
{
    char *file = fmt("%s/%s.xml", root, name), *xml = domain_xml(name);
    cr_assert_eq(write_text(file, xml), 0);
    const char *w[] = {"define", file, NULL};
    char *out = NULL;
    cr_assert_eq(sh_run(root, NULL, w, &out), 0, "%s", out);
    free(out), free(file), free(xml);
}

Test(concurrency, eight_shells_no_lost_update, .timeout = 600)
{
    char *root = fast_root();
    write_editor(root);
    define_named(root, "shared");
    pid_t kids[SHELLS];
    for (int i = 0; i < SHELLS; i++) {
        kids[i] = fork();
        cr_assert(kids[i] >= 0);
        if (kids[i] == 0)
            shell_worker(root, i);
    }
    for (int i = 0; i < SHELLS; i++)
        wait_status(kids[i]);
    int added = 0, conflicts = 0, errors = 0;
    for (int i = 0; i < SHELLS; i++) {
        char *path = fmt("%s/report.%d", root, i), *rep = slurp(path, NULL);
        int a = 0, c = 0, er = 0;
        cr_assert(rep && sscanf(rep, "%d %d %d", &a, &c, &er) == 3, "shell %d reported nothing", i);
        added += a, conflicts += c, errors += er;
        free(path), free(rep);
    }
    cr_assert_eq(errors, 0, "%d operations failed for another reason than a detected conflict",
                 errors);
    /* every disk a shell was told it added is in the config, which parses */
    char *cfg = fmt("%s/config/test/shared.xml", root), *text = slurp(cfg, NULL);
    struct err *e = NULL;
    struct dnode *dom = dom_load_file(cfg, NULL, &e);
    cr_assert_not_null(dom, "%s", e ? e->msg : "");
    dnode_free(dom);
    int lost = 0;
    for (int i = 0; i < SHELLS; i++)
        for (int k = 0; k < ADDS; k++) {
            char *want = fmt("/img/s%d-%d.img", i, k);
            if (!strstr(text, want))
                lost++;
            free(want);
        }
    cr_log_info("concurrency: %d shells, %d disk additions to one domain (%d by edit), "
                "%d edit conflicts detected and retried, %d own-domain define+edit pairs, "
                "%d lost updates", SHELLS, added, SHELLS / 2 * ADDS, conflicts, SHELLS * ADDS,
                lost);
    cr_assert_eq(added, SHELLS * ADDS);
    cr_assert_eq(lost, 0, "%d of %d acknowledged disk additions were lost", lost, added);
    for (int i = 0; i < SHELLS; i++) {
        char *own = fmt("%s/config/test/own%d.xml", root, i);
        struct dnode *d = dom_load_file(own, NULL, &e);
        cr_assert_not_null(d, "%s", e ? e->msg : "");
        dnode_free(d);
        free(own);
    }
    free(cfg), free(text);
    rm_rf(root);
    free(root);
}

/* supervisors and fake guests of domain "race" in this root */
static void count_race(const char *root, int *sups, int *guests)
{
    char *launch = fmt("%s/run/test/race/launch", root);
    char *qmp = fmt("--qmp %s/run/test/race/qmp.sock", root);
    *sups = count_procs(launch);
    *guests = count_procs(qmp);
    free(launch), free(qmp);
}

/* 8 shells run the same command on "race" at once (released together);
 * returns how many succeeded, and the most supervisors / guests seen */
static int race(const char *root, const char *cmd, int *max_sups, int *max_guests)
{
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t kids[SHELLS];
    for (int i = 0; i < SHELLS; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) < 0)
                _exit(2);
            const char *w[] = {cmd, "race", NULL};
            _exit(sh_run(root, NULL, w, NULL) == 0 ? 0 : 1);
        }
    }
    close(go[0]);
    close(go[1]);     /* release them all */
    int ok = 0, done = 0;
    while (done < SHELLS) {
        int s, g;
        count_race(root, &s, &g);
        *max_sups = s > *max_sups ? s : *max_sups;
        *max_guests = g > *max_guests ? g : *max_guests;
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p > 0) {
            done++;
            ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
        } else {
            usleep(2000);
        }
    }
    return ok;
}

Test(concurrency, never_two_supervisors_for_one_domain, .timeout = 600)
{
    struct rt t = {.root = fast_root()};
    define_named(t.root, "race");
    int max_sups = 0, max_guests = 0, starts = 0;
    for (int r = 0; r < ROUNDS; r++) {
        int ok = race(t.root, "start", &max_sups, &max_guests);
        cr_assert_eq(ok, 1, "round %d: %d of %d concurrent starts succeeded", r, ok, SHELLS);
        starts += ok;
        int s, g;
        count_race(t.root, &s, &g);
        cr_assert_eq(s, 1, "round %d: %d supervisors after the start race", r, s);
        race(t.root, "destroy", &max_sups, &max_guests);
        char *st = rt_state(&t, "race");
        cr_assert(strncmp(st, "shut off", 8) == 0, "round %d: %s after the destroy race", r, st);
        free(st);
        for (int i = 0; i < 100 && (count_race(t.root, &s, &g), s + g > 0); i++)
            usleep(10000);
        cr_assert_eq(s + g, 0, "round %d: %d supervisors, %d guests left after destroy", r, s, g);
    }
    cr_log_info("concurrency: %d rounds of %d concurrent start then destroy: %d starts won, "
                "at most %d supervisor(s) and %d guest(s) seen at once",
                ROUNDS, SHELLS, starts, max_sups, max_guests);
    cr_assert_leq(max_sups, 1);
    cr_assert_leq(max_guests, 1);
    rt_teardown(&t);
}
