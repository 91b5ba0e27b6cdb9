/* test_crash.c: crash consistency of the store.  domsh is SIGKILLed at
 * random moments while it defines, edits (EDITOR = a script), changes a
 * device or undefines one domain; after every kill the config file must
 * parse and be byte-identical to the version before or after the
 * interrupted command (or be absent when one of the two is "undefined"),
 * the untouched neighbour must be unchanged, and no leftover (.new, lock,
 * stale uuid link) may be taken for a domain.  The store lives on tmpfs
 * when there is one: a process kill needs rename atomicity, not fsync.
 * DOMSH_CRASH_SEED=N replays one sequence. */
#include <criterion/criterion.h>

#include <dirent.h>
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

#define TRIALS_FULL 520
#define TRIALS (getenv("DOMSH_VALGRIND") ? 40 : TRIALS_FULL)   /* valgrind: ~1 s a run */
#define ABSENT (-1)
#define NSTATES 4    /* bit 0: memory 1 or 2 GiB; bit 1: disk x.img or y.img */

enum op { OP_DEFINE, OP_EDIT, OP_DEVSET, OP_UNDEFINE, OP_LAST };
static const char *const op_names[] = {"define", "edit", "device-set", "undefine"};

struct crash {
    char *root, *cfg, *xml, *edit_script, *tmp;
    char *file[NSTATES];     /* the XML defining each state */
    char *text[NSTATES];     /* its canonical stored text */
    long dur_us[OP_LAST];    /* how long each command takes, unkilled */
};

static char *state_xml(int s)
{
    return fmt("<domain type='qemu'>\n  <name>c1</name>\n"
               "  <uuid>7c0a61a4-3d1e-4f55-9a57-0c3b2f1e5d01</uuid>\n"
               "  <memory unit='KiB'>%s</memory>\n  <vcpu>1</vcpu>\n"
               "  <os><type>hvm</type></os>\n  <devices>\n"
               "    <disk type='file' device='disk'><source file='/var/lib/%s.img'/>"
               "<target dev='vda' bus='virtio'/></disk>\n  </devices>\n</domain>\n",
               s & 1 ? "2097152" : "1048576", s & 2 ? "y" : "x");
}

/* words of op applied to state s (any state for define); *next gets the
 * state it leads to */
static void op_argv(const struct crash *c, enum op op, int s, int target, const char *av[5],
                    int *next)
{
    memset(av, 0, 5 * sizeof(*av));
    av[0] = op_names[op];
    av[1] = "c1";
    if (op == OP_DEFINE) {
        av[1] = c->file[target];
        *next = target;
    } else if (op == OP_EDIT) {
        *next = s ^ 1;
    } else if (op == OP_DEVSET) {
        av[2] = "disk/vda";
        av[3] = s & 2 ? "source.file=/var/lib/x.img" : "source.file=/var/lib/y.img";
        *next = s ^ 2;
    } else {
        *next = ABSENT;
    }
}

/* run domsh (its own process group, so the editor dies with it); kill the
 * group after delay_us (< 0: never); returns the wait status */
static int spawn(const struct crash *c, const char *const av[5], long delay_us)
{
    char *editor = fmt("EDITOR=%s", c->edit_script), *tmpdir = fmt("TMPDIR=%s", c->tmp);
    const char *env[] = {editor, tmpdir, NULL};
    const char *argv[] = {"-c", "qemu:///session", av[0], av[1], av[2], av[3], NULL};
    pid_t pid = spawn_domsh(c->root, env, argv, -1);
    cr_assert(pid > 0);
    if (delay_us >= 0) {
        struct timespec ts = {delay_us / 1000000, (delay_us % 1000000) * 1000};
        nanosleep(&ts, NULL);
        kill(-pid, SIGKILL);
    }
    free(editor);
    free(tmpdir);
    return wait_status(pid);
}

static char *stored(const struct crash *c)
{
    return slurp(c->xml, NULL);
}

static int match_state(const struct crash *c, const char *text)
{
    if (!text)
        return ABSENT;
    for (int s = 0; s < NSTATES; s++)
        if (strcmp(text, c->text[s]) == 0)
            return s;
    return -2;
}

static void setup(struct crash *c)
{
    c->root = fast_root();
    c->cfg = fmt("%s/config/qemu", c->root);
    c->xml = fmt("%s/c1.xml", c->cfg);
    c->tmp = fmt("%s/tmp", c->root);
    mkdir(c->tmp, 0700);
    c->edit_script = fmt("%s/swap-memory.sh", c->root);
    cr_assert_eq(write_text(c->edit_script,
                            "#!/bin/sh\nsed -i -e s/1048576/M1/ -e s/2097152/1048576/ "
                            "-e s/M1/2097152/ \"$1\"\n"), 0);
    chmod(c->edit_script, 0755);
    char *other = fmt("%s/other.xml", c->root);
    cr_assert_eq(write_text(other, "<domain type='qemu'><name>other</name><memory>65536</memory>"
                                   "<os><type>hvm</type></os></domain>\n"), 0);
    const char *def_other[5] = {"define", other};
    cr_assert_eq(spawn(c, def_other, -1), 0);
    free(other);
    for (int s = 0; s < NSTATES; s++) {
        c->file[s] = fmt("%s/state%d.xml", c->root, s);
        char *x = state_xml(s);
        cr_assert_eq(write_text(c->file[s], x), 0);
        free(x);
        const char *av[5];
        int next;
        op_argv(c, OP_DEFINE, 0, s, av, &next);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cr_assert_eq(spawn(c, av, -1), 0, "define of state %d failed", s);
        c->dur_us[OP_DEFINE] = usec_since(&t0);
        c->text[s] = stored(c);
        cr_assert_not_null(c->text[s]);
    }
}

/* time each command once, unkilled (state 3 -> 2 -> 0 -> absent) */
static void calibrate(struct crash *c, int *s)
{
    for (enum op op = OP_EDIT; op < OP_LAST; op++) {
        const char *av[5];
        int next;
        op_argv(c, op, *s, 0, av, &next);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cr_assert_eq(spawn(c, av, -1), 0, "%s failed unkilled", op_names[op]);
        c->dur_us[op] = usec_since(&t0);
        char *now = stored(c);
        cr_assert_eq(match_state(c, now), next, "%s did not reach its state", op_names[op]);
        free(now);
        *s = next;
    }
}

static void teardown(struct crash *c)
{
    rm_rf(c->root);
    for (int s = 0; s < NSTATES; s++) {
        free(c->file[s]);
        free(c->text[s]);
    }
    free(c->root), free(c->cfg), free(c->xml), free(c->edit_script), free(c->tmp);
}

/* nothing in the config dir may pass for a domain but c1 and other */
static void check_no_phantom(const struct crash *c, int s)
{
    DIR *d = opendir(c->cfg);
    cr_assert_not_null(d);
    for (struct dirent *de; (de = readdir(d));) {
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".xml") == 0)
            cr_assert(strcmp(de->d_name, "other.xml") == 0 ||
                      (strcmp(de->d_name, "c1.xml") == 0 && s != ABSENT),
                      "unexpected '%s' in the config dir", de->d_name);
    }
    closedir(d);
    const char *argv[] = {"-c", "qemu:///session", "list", "--all", "--name", NULL};
    struct run_result r = run_domsh(c->root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, s == ABSENT ? "other\n\n" : "c1\nother\n\n");
    run_free(&r);
}

Test(crash, sigkill_at_random_moments_leaves_old_or_new, .timeout = 600)
{
    struct crash c = {0};
    setup(&c);
    char *other_path = fmt("%s/other.xml", c.cfg);
    char *other_before = slurp(other_path, NULL);
    int s = NSTATES - 1;
    calibrate(&c, &s);
    const char *seed_env = getenv("DOMSH_CRASH_SEED");
    long seed = seed_env ? atol(seed_env) : (long)time(NULL);
    srand48(seed);
    int killed = 0, completed = 0, corrupt = 0, per_op[OP_LAST] = {0};
    for (int t = 0; t < TRIALS; t++) {
        enum op op = s == ABSENT ? OP_DEFINE : (enum op)(lrand48() % OP_LAST);
        int target = (int)(lrand48() % NSTATES), next;
        if (op == OP_DEFINE && target == s)
            target = (target + 1) % NSTATES;
        const char *av[5];
        op_argv(&c, op, s, target, av, &next);
        long delay = lrand48() % (c.dur_us[op] * 3 / 4 + 1);   /* mostly mid-command */
        int st = spawn(&c, av, delay);
        per_op[op]++;
        if (WIFSIGNALED(st))
            killed++;
        else
            completed++;
        char *now = stored(&c);
        int got = match_state(&c, now);
        if (got != s && got != next) {
            corrupt++;
            cr_log_error("seed %ld trial %d: %s from state %d (to %d) left state %d:\n%s",
                         seed, t, op_names[op], s, next, got, now ? now : "(absent)");
        } else if (now) {
            struct err *e = NULL;
            struct dnode *dom = dom_load_file(c.xml, NULL, &e);
            cr_assert_not_null(dom, "seed %ld trial %d: %s", seed, t, e ? e->msg : "");
            dnode_free(dom);
        }
        free(now);
        if (got == s || got == next)
            s = got;
        if (t % 64 == 0 || t == TRIALS - 1)
            check_no_phantom(&c, s);
    }
    char *other_after = slurp(other_path, NULL);
    cr_assert_str_eq(other_after, other_before, "the untouched domain changed");
    free(other_after);
    free(other_before);
    free(other_path);
    /* the store still works after all those kills */
    const char *av[5];
    int next;
    op_argv(&c, s == ABSENT ? OP_DEFINE : OP_EDIT, s, 0, av, &next);
    cr_assert_eq(spawn(&c, av, -1), 0);
    cr_log_info("crash: seed %ld: %d trials (define %d, edit %d, device-set %d, undefine %d), "
                "%d killed mid-command, %d completed, %d corrupt or lost configs",
                seed, TRIALS, per_op[0], per_op[1], per_op[2], per_op[3], killed, completed,
                corrupt);
    cr_assert_eq(corrupt, 0, "seed %ld: %d corrupt or lost configs", seed, corrupt);
    cr_assert_gt(killed, TRIALS / 4, "too few kills landed mid-command (%d)", killed);
    teardown(&c);
}
