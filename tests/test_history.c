/* test_history.c: the unified diff, the history store (record, list,
 * load, bounded count) and config-history / config-diff / config-revert
 * through the real binary (revert restores exactly and is recorded). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/store/history.h"
#include "helpers.h"

Test(textdiff, equal_texts_give_nothing)
{
    char *d = text_diff("a\nb\n", "a\nb\n", "x", "y");
    cr_assert_str_eq(d, "");
    free(d);
}

Test(textdiff, one_hunk_with_context)
{
    const char *a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
    const char *b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
    char *d = text_diff(a, b, "old", "new");
    cr_assert_str_eq(d, "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    free(d);
}

Test(textdiff, far_changes_make_two_hunks_and_edges_work)
{
    const char *a = "a\n1\n2\n3\n4\n5\n6\n7\n8\nz\n";
    const char *b = "A\n1\n2\n3\n4\n5\n6\n7\n8\n";
    char *d = text_diff(a, b, "o", "n");
    cr_assert_str_eq(d, "--- o\n+++ n\n@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n"
                        "@@ -7,4 +7,3 @@\n 6\n 7\n 8\n-z\n");
    free(d);
    d = text_diff("", "x\n", "o", "n");
    cr_assert_str_eq(d, "--- o\n+++ n\n@@ -0,0 +1,1 @@\n+x\n");
    free(d);
}

static struct store *tmp_store(char **root)
{
    *root = tmp_root();
    struct store *st = calloc(1, sizeof(*st));
    st->config_dir = fmt("%s/config", *root);
    mkdir(st->config_dir, 0700);
    return st;
}

static void free_store(struct store *st, char *root)
{
    rm_rf(root);
    free(root);
    free(st->config_dir);
    free(st);
}

Test(history, record_list_load)
{
    char *root;
    struct store *st = tmp_store(&root);
    cr_assert_eq(history_record(st, "d", NULL, "define", NULL), 0);
    cr_assert_eq(history_record(st, "d", "<v1/>\n", "edit\nwith newline", NULL), 0);
    struct hist_entry *h;
    size_t n;
    cr_assert_eq(history_entries(st, "d", &h, &n, NULL), 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].seq, 1);
    cr_assert(!h[0].has_xml);
    cr_assert_str_eq(h[1].summary, "edit with newline");
    cr_assert(h[1].has_xml && h[1].when > 0);
    history_free(h, n);
    char *v = history_load(st, "d", 2, NULL);
    cr_assert_str_eq(v, "<v1/>\n");
    free(v);
    struct err *e = NULL;
    cr_assert_null(history_load(st, "d", 1, &e));
    cr_assert(strstr(e->msg, "created the domain"));
    err_clear(&e);
    cr_assert_null(history_load(st, "d", 9, &e));
    cr_assert_eq(e->code, ERR_NOT_FOUND);
    err_free(e);
    cr_assert_eq(history_entries(st, "nobody", &h, &n, NULL), 0);
    cr_assert_eq(n, 0);
    history_free(h, n);
    free_store(st, root);
}

Test(history, keeps_at_most_history_max)
{
    char *root;
    struct store *st = tmp_store(&root);
    for (int i = 1; i <= HISTORY_MAX + 5; i++) {
        char *xml = fmt("<v%d/>\n", i);
        cr_assert_eq(history_record(st, "d", xml, "change", NULL), 0);
        free(xml);
    }
    struct hist_entry *h;
    size_t n;
    cr_assert_eq(history_entries(st, "d", &h, &n, NULL), 0);
    cr_assert_eq(n, HISTORY_MAX);
    cr_assert_eq(h[0].seq, 6);
    cr_assert_eq(h[n - 1].seq, HISTORY_MAX + 5);
    history_free(h, n);
    free_store(st, root);
}

/* ---- through the binary ---------------------------------------------- */

static char *run_ok(const char *root, const char *line)
{
    struct run_result r = run_line(root, line);
    cr_assert_eq(r.status, 0, "%s: %s", line, r.err);
    char *out = strdup(r.out);
    run_free(&r);
    return out;
}

Test(history_cmd, history_diff_and_exact_revert)
{
    char *root = tmp_root();
    char *def = fmt("define %s/tests/data/devices/demo.xml", src_dir());
    free(run_ok(root, def));
    char *config = fmt("%s/config/qemu/demo.xml", root);
    size_t n0, n1;
    char *v0 = slurp(config, &n0);
    free(run_ok(root, "device-set demo disk/vda target.bus=scsi"));
    free(run_ok(root, "attach-disk demo /img/b.raw vdb --config"));
    char *out = run_ok(root, "config-history demo");
    cr_assert(strstr(out, "device-set disk/vda target.bus=scsi"), "%s", out);
    cr_assert(strstr(out, "attach-disk vdb /img/b.raw"), "%s", out);
    free(out);
    /* the change numbers: the last two entries */
    char *json = run_ok(root, "config-history demo --json");
    char *p = strstr(json, "device-set disk/vda");
    cr_assert_not_null(p);
    char *c = p;
    while (c > json && strncmp(c, "\"change\": ", 10) != 0)
        c--;
    unsigned set_seq = (unsigned)atoi(c + 10);
    free(json);
    char *line = fmt("config-diff demo %u", set_seq);
    out = run_ok(root, line);
    cr_assert(strstr(out, "-      <target dev='vda' bus='virtio'/>\n"
                          "+      <target dev='vda' bus='scsi'/>\n"), "%s", out);
    free(out);
    free(line);
    line = fmt("config-revert demo %u", set_seq);
    free(run_ok(root, line));
    free(line);
    char *v1 = slurp(config, &n1);
    cr_assert(n0 == n1 && memcmp(v0, v1, n0) == 0, "revert restores the config exactly");
    out = run_ok(root, "config-history demo");
    cr_assert(strstr(out, "config-revert"), "the revert is recorded: %s", out);
    free(out);
    struct run_result r = run_line(root, "config-revert demo 999");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "has no config version 999"), "%s", r.err);
    run_free(&r);
    free(v0);
    free(v1);
    free(config);
    free(def);
    rm_rf(root);
    free(root);
}

Test(history_cmd, define_records_creation_and_redefinition)
{
    char *root = tmp_root();
    char *src = fmt("%s/tests/data/devices/demo.xml", src_dir());
    char *copy = fmt("%s/demo.xml", root);
    char *text = slurp(src, NULL);
    write_text(copy, text);
    char *line = fmt("define %s", copy);
    free(run_ok(root, line));
    char *vcpu = strstr(text, "<vcpu>1</vcpu>");
    cr_assert_not_null(vcpu);
    vcpu[6] = '4';
    write_text(copy, text);
    free(run_ok(root, line));
    free(run_ok(root, line));     /* the same again: no change, no entry */
    char *out = run_ok(root, "config-history demo --json");
    cr_assert(strstr(out, "\"change\": 1") && strstr(out, "\"revertible\": false"), "%s", out);
    cr_assert(strstr(out, "\"change\": 2") && !strstr(out, "\"change\": 3"), "%s", out);
    free(out);
    out = run_ok(root, "config-diff demo");
    cr_assert(strstr(out, "-  <vcpu>1</vcpu>\n+  <vcpu>4</vcpu>\n"), "%s", out);
    free(out);
    struct run_result r = run_line(root, "config-revert demo 1");
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "created the domain"), "%s", r.err);
    run_free(&r);
    free(line);
    free(text);
    free(copy);
    free(src);
    rm_rf(root);
    free(root);
}
