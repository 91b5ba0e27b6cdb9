/* test_uuid_race.c: uuids stay unique under concurrency (issue 10, item
 * 5).  Each round, 8 shells define 8 different names with one uuid at the
 * same moment (released together from a pipe): exactly one succeeds, the
 * other 7 get libvirt's duplicate-uuid error, and the store holds the
 * winner only: one XML, its uuid link, no temporary file. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

#define SHELLS 8
#define ROUNDS (getenv("DOMSH_VALGRIND") ? 4 : 50)

static void racer(const char *root, int fd_go, const char *xml, const char *err_path)
{
    char go;
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = open("/dev/null", O_RDWR);
    if (err < 0 || null < 0 || dup2(null, 1) < 0 || dup2(err, 2) < 0)
        _exit(126);
    setenv("DOMSH_ROOT", root, 1);
    if (read(fd_go, &go, 1) < 0)    /* EOF when the parent lets everyone go */
        _exit(126);
    execl(domsh_bin(), "domsh", "-q", "-c", "test:///default", "define", xml, (char *)NULL);
    _exit(127);
}

/* the names of CONFIG/ entries matching a round, as "a b c " */
static char *config_entries(const char *root, int round)
{
    char *dir = fmt("%s/config/test", root), *prefix = fmt("r%d-", round);
    char *all = strdup("");
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 && !strstr(de->d_name, ".new"))
            continue;
        char *more = fmt("%s%s ", all, de->d_name);
        free(all);
        all = more;
    }
    if (d)
        closedir(d);
    free(prefix);
    free(dir);
    return all;
}

static void one_round(const char *root, int round)
{
    char *uuid = fmt("%08x-5a5a-4000-8000-00000000abcd", round);
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t pid[SHELLS];
    for (int s = 0; s < SHELLS; s++) {
        char *xml = fmt("%s/r%d-s%d.in", root, round, s), *err = fmt("%s/err.%d", root, s);
        char *text = fmt("<domain type='test'><name>r%d-s%d</name><uuid>%s</uuid>"
                         "<memory>65536</memory><os><type>hvm</type></os></domain>\n",
                         round, s, uuid);
        write_text(xml, text);
        pid[s] = fork();
        cr_assert_geq(pid[s], 0);
        if (pid[s] == 0) {
            close(go[1]);
            racer(root, go[0], xml, err);
        }
        free(text);
        free(err);
        free(xml);
    }
    close(go[0]);
    close(go[1]);     /* everyone reads EOF at once */
    int winners = 0, winner = -1;
    for (int s = 0; s < SHELLS; s++) {
        int status;
        cr_assert_eq(waitpid(pid[s], &status, 0), pid[s]);
        cr_assert(WIFEXITED(status), "shell %d killed", s);
        char *err_path = fmt("%s/err.%d", root, s);
        char *err = slurp(err_path, NULL);
        if (WEXITSTATUS(status) == 0) {
            winners++;
            winner = s;
        } else {
            cr_expect_eq(WEXITSTATUS(status), 1, "round %d shell %d: %s", round, s, err);
            char *want = fmt("error: operation failed: domain 'r%d-s", round);
            char *tail = fmt("' is already defined with uuid %s\n", uuid);
            cr_expect(err && strncmp(err, want, strlen(want)) == 0 && strstr(err, tail) &&
                      strchr(err, '\n')[1] == '\0', "round %d shell %d: %s", round, s, err);
            free(tail);
            free(want);
        }
        free(err);
        free(err_path);
    }
    cr_assert_eq(winners, 1, "round %d: %d shells defined uuid %s", round, winners, uuid);
    char *entries = config_entries(root, round);
    char *want = fmt("r%d-s%d.xml ", round, winner);
    /* the losers' name locks may stay (as after any refused define); no XML */
    cr_assert(strstr(entries, want) && !strstr(entries, ".new"), "round %d: %s", round, entries);
    for (int s = 0; s < SHELLS; s++) {
        char *loser = fmt("r%d-s%d.xml", round, s);
        cr_assert(s == winner || !strstr(entries, loser), "round %d: %s", round, entries);
        free(loser);
    }
    char *link = fmt("%s/config/test/%s.uuid", root, uuid), target[64] = "";
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    char *winner_name = fmt("r%d-s%d", round, winner);
    cr_assert(n > 0 && strcmp(target, winner_name) == 0, "round %d: link -> '%s'", round, target);
    free(winner_name);
    free(link);
    free(want);
    free(entries);
    free(uuid);
}

Test(uuid_race, eight_shells_one_uuid, .timeout = 300)
{
    char *root = tmp_root();
    for (int r = 0; r < ROUNDS; r++)
        one_round(root, r);
    struct run_result l = run_domsh(root, NULL, (const char *[]){"-q", "-c", "test:///default",
                                    "list", "--all", "--name", NULL});
    size_t lines = 0;
    for (const char *p = l.out; *p; p++)
        lines += *p == '\n';
    cr_expect_eq(lines, (size_t)ROUNDS, "one domain per round:\n%s", l.out);
    run_free(&l);
    rm_rf(root);
    free(root);
}
