/* test_migjob.c: the migration job seen from other shells (domjobinfo,
 * domjobabort, migrate-setspeed/getspeed, migrate-setmaxdowntime/
 * getmaxdowntime, migrate-postcopy) and migrate's tuning options, on the
 * test backend through the real binary.  The guest "vm" has 4 GiB, so its
 * fake stream is 4 MiB: at `migrate-setspeed vm 2` a migration lasts about
 * 2 s, long enough to be looked at and aborted from another shell. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rt_helpers.h"

RT_SUITE_PAIR(migjob, 90);

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

/* a running "vm" of mib MiB (a fake stream of mib KiB) in T whose counter is 1 */
static void vm_of(int mib)
{
    char *path = fmt("%s/vm.xml", T.root);
    char *xml = fmt("<domain type='qemu'><name>vm</name><memory>%d</memory>"
                    "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>"
                    "<devices><serial type='pty'><target port='0'/></serial>"
                    "<console type='pty'><target type='serial' port='0'/></console>"
                    "</devices></domain>\n", mib * 1024);
    cr_assert_eq(write_text(path, xml), 0);
    rt_okf(&T, "define %s", path);
    free(rt_ok(&T, "start vm"));
    rt_guest_line(&T, "vm", "inc", "counter=1");
    free(xml);
    free(path);
}

static void big_vm(void)
{
    vm_of(4096);
}

/* `migrate vm` to D in the background, stderr to T/err */
static pid_t spawn_migrate(const char *opts)
{
    char *line = fmt("migrate vm test:///default --dest-root %s %s", D.root, opts);
    char *errf = fmt("%s/err", T.root);
    pid_t pid = rt_spawn(&T, line, errf);
    free(errf);
    free(line);
    return pid;
}

/* wait for the background shell: its exit status and stderr (caller frees) */
static char *finished(pid_t pid, int *status)
{
    int st;
    waitpid(pid, &st, 0);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    char *errf = fmt("%s/err", T.root);
    char *err = slurp(errf, NULL);
    free(errf);
    return err ? err : strdup("");
}

static char *job_until(struct rt *t, const char *args, const char *want)
{
    return rt_job_until(t, args, want);
}

static void says(const char *text, const char *want)
{
    cr_assert(strstr(text, want), "expected '%s' in:\n%s", want, text);
}

/* LINE succeeds in t and prints exactly want */
static void prints(struct rt *t, const char *line, const char *want)
{
    char *out = rt_ok(t, line);
    cr_assert_str_eq(out, want, "%s", line);
    free(out);
}

/* LINE succeeds in t and its output holds want */
static void shows(struct rt *t, const char *line, const char *want)
{
    char *out = rt_ok(t, line);
    says(out, want);
    free(out);
}

static void fails_with(struct rt *t, const char *line, const char *want)
{
    struct run_result r = rt_run(t, line);
    cr_assert(r.status == 1 && r.err && strstr(r.err, want), "%s: status %d, stderr: %s", line,
              r.status, r.err);
    run_free(&r);
}

/* the supervisor's log of T's vm says want */
static void logged(const char *want)
{
    char *log = fmt("%s/log/test/vm.log", T.root);
    char *text = slurp(log, NULL);
    cr_assert(text && strstr(text, want), "no '%s' in the log:\n%s", want, text);
    free(text);
    free(log);
}

/* the source runs on as it was (counter 1, then 2) and the destination has nothing */
static void source_runs_alone(void)
{
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
    rt_guest_line(&T, "vm", "inc", "counter=2");
    char *out = rt_ok(&D, "list --all");
    cr_assert(!strstr(out, " vm "), "the destination kept the domain:\n%s", out);
    free(out);
}

Test(migjob, nothing_running_and_bad_arguments)
{
    big_vm();
    prints(&T, "domjobinfo vm", "Job type:         None        \n");
    shows(&T, "domjobinfo vm --completed --json", "\"type\": \"None\"");
    fails_with(&T, "domjobinfo vm --keep-completed",
               "Option --keep-completed requires --completed");
    fails_with(&T, "domjobabort vm", "no job is active on the domain");
    fails_with(&T, "migrate-postcopy vm", "post-copy can only be started while outgoing "
                                          "migration is in progress");
    free(rt_ok(&T, "destroy vm"));
    fails_with(&T, "domjobinfo vm", "domain is not running");
    fails_with(&T, "domjobabort vm", "is not running");
    fails_with(&T, "migrate-getspeed vm", "is not running");
}

Test(migjob, speed_and_downtime_are_kept_and_checked)
{
    big_vm();
    prints(&T, "migrate-getspeed vm", "8796093022207\n");      /* libvirt's "unlimited" */
    free(rt_ok(&T, "migrate-setspeed vm 5"));
    prints(&T, "migrate-getspeed vm", "5\n");
    prints(&T, "migrate-getspeed vm --postcopy", "0\n");      /* QEMU's: unlimited */
    free(rt_ok(&T, "migrate-setspeed vm 3 --postcopy"));
    prints(&T, "migrate-getspeed vm --postcopy", "3\n");
    prints(&T, "migrate-getspeed vm", "5\n");
    fails_with(&T, "migrate-setspeed vm 8796093022208",
               "bandwidth must be less than 8796093022208");
    fails_with(&T, "migrate-setspeed vm -1", "malformed or out of range");
    prints(&T, "migrate-getmaxdowntime vm", "300\n");      /* QEMU's default */
    free(rt_ok(&T, "migrate-setmaxdowntime vm 123"));
    prints(&T, "migrate-getmaxdowntime vm", "123\n");
    fails_with(&T, "migrate-setmaxdowntime vm 0", "migrate: Invalid downtime");
    fails_with(&T, "migrate-setmaxdowntime vm 3000000", "expects an integer in the range of 0 "
                                                       "to 2000000 milliseconds");
    prints(&T, "migrate-getmaxdowntime vm", "123\n");
}

Test(migjob, domjobinfo_follows_a_paced_migration_then_keeps_its_statistics)
{
    big_vm();
    free(rt_ok(&T, "migrate-setspeed vm 2"));
    long long t0 = now_ms();
    pid_t pid = spawn_migrate("--live");
    char *out = job_until(&T, "vm", "Memory processed:");
    says(out, "Job type:         Unbounded   \nOperation:        Outgoing migration\n");
    says(out, "Memory total:     4.000 MiB\n");
    says(out, "Page size:        4096         bytes\n");
    says(out, "Expected downtime:");
    free(out);
    out = rt_ok(&T, "domjobinfo vm --json");
    says(out, "\"operation\": \"Outgoing migration\"");
    says(out, "\"data_total\": ");
    says(out, "\"memory_total\": ");
    free(out);
    int st;
    char *err = finished(pid, &st);
    cr_assert_eq(st, 0, "%s", err);
    /* 4 MiB at 2 MiB/s: the speed set beforehand paced it */
    cr_assert_geq(now_ms() - t0, 1500, "the migration ignored migrate-setspeed");
    logged("migration-out: max-bandwidth 2097152 bytes/s");
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    out = rt_ok(&T, "domjobinfo vm --completed --keep-completed");
    says(out, "Job type:         Completed   \nOperation:        Outgoing migration\n");
    says(out, "Memory remaining: 0.000 B\n");
    says(out, "Total downtime:");
    free(out);
    shows(&T, "domjobinfo vm --completed", "Completed");     /* read once more, then gone */
    prints(&T, "domjobinfo vm --completed", "Job type:         None        \n");
    shows(&D, "domjobinfo vm --completed", "Operation:        Incoming migration\n");
    free(err);
}

Test(migjob, domjobabort_from_another_shell_cancels_the_migration)
{
    big_vm();
    free(rt_ok(&T, "migrate-setspeed vm 1"));
    pid_t pid = spawn_migrate("--live --verbose");
    free(job_until(&T, "vm", "Memory processed:"));
    free(rt_ok(&T, "domjobabort vm"));
    int st;
    char *err = finished(pid, &st);
    cr_assert_eq(st, 1, "%s", err);
    says(err, "error: Failed to migrate domain 'vm' to test:///default\n"
              "error: operation aborted: migration out job: canceled by client");
    source_runs_alone();
    /* virsh prints no figures for a canceled job without --anystats */
    prints(&T, "domjobinfo vm --completed --keep-completed", "Job type:         Cancelled   \n");
    char *out = rt_ok(&T, "domjobinfo vm --completed --anystats");
    says(out, "Operation:        Outgoing migration\n");
    says(out, "Error message:    operation aborted: migration out job: canceled by client\n");
    free(out);
    free(err);
}

Test(migjob, a_save_is_a_job_too_and_ignores_the_migration_speed)
{
    big_vm();
    free(rt_ok(&T, "migrate-setspeed vm 1"));
    char *img = fmt("%s/vm.img", T.root);
    rt_okf(&T, "save vm %s", img);
    logged("save: max-bandwidth 1099511627776 bytes/s");     /* unlimited, not 1 MiB/s */
    shows(&T, "domjobinfo vm --completed", "Job type:         Completed   \nOperation:        Save        \n");
    rt_okf(&T, "restore %s", img);
    rt_guest_line(&T, "vm", "slowmig 100", "slowmig=100");
    char *errf = fmt("%s/err", T.root), *line = fmt("save vm %s", img);
    pid_t pid = rt_spawn(&T, line, errf);
    char *out = job_until(&T, "vm", "Operation:        Save");
    free(out);
    free(rt_ok(&T, "domjobabort vm"));
    int st;
    char *err = finished(pid, &st);
    cr_assert_eq(st, 1, "%s", err);
    says(err, "operation aborted: domain save job: canceled by client");
    RT_EXPECT_STATE(&T, "vm", "running (restored)");
    rt_guest_line(&T, "vm", "counter", "counter=1");
    cr_assert(access(img, F_OK) != 0, "the aborted save left its image");
    free(err);
    free(line);
    free(errf);
    free(img);
}

/* the migration ended well: the guest runs in D with its counter */
static void arrived(pid_t pid)
{
    int st;
    char *err = finished(pid, &st);
    cr_assert_eq(st, 0, "%s", err);
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=1");
    free(err);
}

Test(migjob, postcopy_needs_postcopy_then_cannot_be_aborted)
{
    vm_of(64);                                   /* 17 steps of 150 ms */
    rt_guest_line(&T, "vm", "slowmig 150", "slowmig=150");
    pid_t pid = spawn_migrate("--live");          /* without --postcopy */
    free(job_until(&T, "vm", "Memory processed:"));
    fails_with(&T, "migrate-postcopy vm", "requires migration to be started with --postcopy");
    free(rt_ok(&T, "domjobabort vm"));
    int st;
    free(finished(pid, &st));
    cr_assert_eq(st, 1);
    RT_EXPECT_STATE(&T, "vm", "running (booted)");
    pid = spawn_migrate("--live --postcopy");
    free(job_until(&T, "vm", "Memory processed:"));
    free(rt_ok(&T, "migrate-postcopy vm"));
    free(rt_ok(&T, "migrate-postcopy vm"));       /* asked twice: once is enough */
    /* the guest runs in the destination from the switch on: no abort */
    fails_with(&T, "domjobabort vm", "cannot abort migration in post-copy mode");
    arrived(pid);
    logged("switching the migration to post-copy");
}

Test(migjob, postcopy_after_precopy_switches_after_the_first_pass)
{
    vm_of(16);                                   /* pass 1: 5 steps; pass 2 one more */
    rt_guest_line(&T, "vm", "slowmig 300", "slowmig=300");
    arrived(spawn_migrate("--live --postcopy --postcopy-after-precopy"));
    logged("switching the migration to post-copy");
}

Test(migjob, timeout_postcopy_switches_a_slow_migration)
{
    big_vm();
    free(rt_ok(&T, "migrate-setspeed vm 1"));    /* 4 s */
    arrived(spawn_migrate("--live --postcopy --timeout 1 --timeout-postcopy "
                          "--postcopy-bandwidth 64"));
    logged("migration-out: max-bandwidth 1048576 bytes/s, post-copy 67108864");
    logged("switching the migration to post-copy");      /* by the timer: nothing else asked */
}

Test(migjob, tuning_options_follow_virsh_rules)
{
    vm_of(64);
    static const char *const cases[][2] = {
        { "--live --timeout-postcopy --postcopy", "Unexpected --timeout-* option without --timeout" },
        { "--live --timeout 5 --timeout-suspend --timeout-postcopy --postcopy",
          "--timeout-suspend and --timeout-postcopy are mutually exclusive" },
        { "--live --postcopy-after-precopy", "--postcopy-after-precopy requires --postcopy" },
        { "--live --timeout 5 --timeout-postcopy", "--timeout-postcopy requires --postcopy" },
        { "--postcopy", "post-copy migration is not supported with non-live or paused" },
        { "--live --bandwidth 8796093022208", "bandwidth must be less than 8796093022208" },
        { "--live --bandwidth x", "malformed or out of range" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *line = fmt("migrate vm test:///default --dest-root %s %s", D.root, cases[i][0]);
        fails_with(&T, line, cases[i][1]);
        free(line);
    }
    /* the same rules for another host, before any connection */
    fails_with(&T, "migrate vm test+ssh://nowhere.invalid/default --postcopy",
               "post-copy migration is not supported with non-live or paused migration");
    free(rt_ok(&T, "suspend vm"));
    char *line = fmt("migrate vm test:///default --dest-root %s --live --postcopy", D.root);
    fails_with(&T, line, "not supported with non-live or paused migration");
    free(line);
    RT_EXPECT_STATE(&T, "vm", "paused (user)");
    free(rt_ok(&T, "resume vm"));
    /* --auto-converge and --bandwidth reach the emulator: the migration works */
    arrived(spawn_migrate("--live --auto-converge --bandwidth 64 --timeout 30 --timeout-suspend"));
}

/* `complete -- LINE` in T (caller frees) */
static char *completions(const char *line)
{
    const char *argv[] = { "-q", "-c", "test:///default", "complete", "--", line, NULL };
    struct run_result r = run_domsh(T.root, NULL, argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *out = strdup(r.out ? r.out : "");
    run_free(&r);
    return out;
}

Test(migjob, completion_offers_domains_by_state_and_the_new_options)
{
    vm_of(64);
    rt_define(&T, "off", NULL, NULL, NULL);
    static const char *const running_only[] = { "domjobabort ", "migrate-setspeed ",
                                                 "migrate-getspeed ", "migrate-postcopy ",
                                                 "migrate-setmaxdowntime ",
                                                 "migrate-getmaxdowntime " };
    for (size_t i = 0; i < sizeof(running_only) / sizeof(running_only[0]); i++) {
        char *out = completions(running_only[i]);
        cr_assert_str_eq(out, "vm\n", "'%s' offered:\n%s", running_only[i], out);
        free(out);
    }
    char *out = completions("domjobinfo ");      /* --completed works on any domain */
    cr_assert_str_eq(out, "off\nvm\n");
    free(out);
    out = completions("domjobinfo vm --c");
    cr_assert_str_eq(out, "--completed\n");
    free(out);
    out = completions("migrate vm qemu:///session --postcopy-a");
    cr_assert_str_eq(out, "--postcopy-after-precopy\n");
    free(out);
}

/* the migrating shell killed with SIGKILL: before the switch to post-copy
 * the source cancels and runs on (the broken stream fails the
 * destination); after it, both supervisors carry the migration to its end
 * and the source quits by itself */
Test(migjob, kill_9_of_the_shell_before_and_after_the_postcopy_switch)
{
    vm_of(64);
    rt_guest_line(&T, "vm", "slowmig 150", "slowmig=150");
    pid_t pid = spawn_migrate("--live --postcopy");
    free(job_until(&T, "vm", "Memory processed:"));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    for (int i = 0; i < 1000; i++, usleep(10000)) {     /* the destination goes */
        struct run_result r = rt_run(&D, "list --all");
        bool gone = r.out && !strstr(r.out, " vm ");
        run_free(&r);
        if (gone)
            break;
    }
    source_runs_alone();                         /* counter 2 from here */
    rt_kill_after_the_switch(&T, spawn_migrate("--live --postcopy"));
    RT_EXPECT_STATE(&D, "vm", "running (migrated)");
    RT_EXPECT_STATE(&T, "vm", "shut off (migrated)");
    rt_guest_line(&D, "vm", "counter", "counter=2");
    logged("requester went away (post-copy enabled): going on");
}
