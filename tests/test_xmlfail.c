/* test_xmlfail.c: inputs that must be refused, with the stage (enum
 * dom_stage) that refuses them and a one-line message.  Data:
 * tests/data/xmlfail/expect.tsv (ours) and the shared conformance
 * invalid/ set (shared_dir()/conformance/invalid/expect.tsv). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "../core/base/mem.h"
#include "helpers.h"

static const char *const stage_names[] = {"read", "parse", "postparse", "validate"};

static void expect_refused(const char *path, const char *stage, const char *text)
{
    struct err *e = NULL;
    enum dom_stage got = DOM_STAGE_READ;
    struct dnode *d = dom_load_file(path, &got, &e);
    cr_assert_null(d, "%s: accepted, expected a %s error", path, stage);
    cr_assert(e && e->msg, "%s: refused without a message", path);
    cr_expect_null(strchr(e->msg, '\n'), "%s: message is not one line: %s", path, e->msg);
    if (stage)
        cr_expect_str_eq(stage_names[got], stage, "%s: refused at stage %s (%s)", path,
                         stage_names[got], e->msg);
    if (text)
        cr_expect(strstr(e->msg, text), "%s: message '%s' lacks '%s'", path, e->msg, text);
    /* messages name the file they are about */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    cr_expect(strstr(e->msg, base), "%s: message does not name the file: %s", path, e->msg);
    err_free(e);
}

/* rows of "file<TAB>col2<TAB>col3", '#' comments skipped */
static void each_row(const char *tsv, void (*fn)(const char *dir, char **cols, void *arg), void *arg)
{
    AUTOFREE char *text = slurp(tsv, NULL);
    cr_assert(text, "cannot read %s", tsv);
    AUTOFREE char *dir = xstrdup(tsv);
    *strrchr(dir, '/') = '\0';
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0])
            continue;
        char *cols[4] = {line, NULL, NULL, NULL};
        for (int i = 1; i < 4 && cols[i - 1]; i++) {
            char *tab = strchr(cols[i - 1], '\t');
            if (tab) {
                *tab = '\0';
                cols[i] = tab + 1;
            }
        }
        fn(dir, cols, arg);
    }
}

static void own_row(const char *dir, char **cols, void *arg)
{
    AUTOFREE char *path = fmt("%s/%s", dir, cols[0]);
    expect_refused(path, cols[1], cols[2]);
    (*(int *)arg)++;
}

Test(xmlfail, own_cases)
{
    AUTOFREE char *tsv = fmt("%s/tests/data/xmlfail/expect.tsv", src_dir());
    int n = 0;
    each_row(tsv, own_row, &n);
    cr_expect_geq(n, 40, "only %d cases", n);
}

/* the stage each shared invalid/ file is refused at; duplicates of names
 * or uuids are the store's business and accepted here */
static const char *shared_stage(const char *file)
{
    static const char *const validate[] = {
        "bad-hostdev-pci-slot.xml", "disk-without-source.xml", "duplicate-target-dev.xml",
        "huge-vcpu.xml", "vcpu-zero.xml", "serial-tcp-missing-host.xml", "empty-name.xml",
        "from-tests/", NULL};
    if (strncmp(file, "duplicate-name", 14) == 0 || strcmp(file, "duplicate-uuid.xml") == 0)
        return NULL;
    if (strcmp(file, "bad-memory-unit.xml") == 0 || strcmp(file, "huge-memory-unit.xml") == 0)
        return "postparse";
    if (strcmp(file, "big-50mb.xml") == 0)
        return "read";
    for (const char *const *v = validate; *v; v++)
        if (strncmp(file, *v, strlen(*v)) == 0)
            return "validate";
    return "parse";
}

static void shared_row(const char *dir, char **cols, void *arg)
{
    const char *stage = shared_stage(cols[0]);
    if (!stage)
        return;
    AUTOFREE char *path = NULL;
    if (strcmp(cols[0], "big-50mb.xml") == 0) {
        path = fmt("%s/big-50mb.xml", (const char *)arg);
        AUTOFREE char *cmd = fmt("sh '%s/gen-big.sh' '%s' >/dev/null", dir, path);
        cr_assert_eq(system(cmd), 0, "gen-big.sh failed");
    } else {
        path = fmt("%s/%s", dir, cols[0]);
    }
    expect_refused(path, stage, NULL);
}

Test(xmlfail, shared_invalid_set)
{
    AUTOFREE char *tsv = fmt("%s/conformance/invalid/expect.tsv", shared_dir());
    AUTOFREE char *tmp = tmp_root();
    each_row(tsv, shared_row, tmp);
    rm_rf(tmp);
}

Test(xmlfail, xxe_and_bomb_refused_before_any_entity)
{
    AUTOFREE char *dir = fmt("%s/conformance/invalid", shared_dir());
    const char *files[] = {"xxe-etc-passwd.xml", "xml-bomb.xml"};
    for (size_t i = 0; i < 2; i++) {
        AUTOFREE char *path = fmt("%s/%s", dir, files[i]);
        expect_refused(path, "parse", "DOCTYPE is not allowed");
    }
}

Test(xmlfail, string_over_the_cap)
{
    size_t n = DOM_MAX_XML + 1;
    char *big = xmalloc(n);
    memset(big, ' ', n);
    struct err *e = NULL;
    enum dom_stage st;
    cr_expect_null(dom_load_string(big, n, "big", &st, &e));
    cr_expect_eq(st, DOM_STAGE_PARSE);
    cr_expect(e && strstr(e->msg, "too large"), "%s", e ? e->msg : "");
    err_free(e);
    free(big);
}

Test(xmlfail, device_fragment_rules)
{
    struct err *e = NULL;
    const char *notdev = "<memory>1</memory>";
    cr_expect_null(dom_parse_device(notdev, strlen(notdev), "frag", NULL, &e));
    cr_expect(e && strstr(e->msg, "is not a device"), "%s", e ? e->msg : "");
    err_clear(&e);
    const char *bad = "<disk type='file'><source file='/a'/><target dev='vda' bus='floppy'/></disk>";
    cr_expect_null(dom_parse_device(bad, strlen(bad), "frag", NULL, &e));
    cr_expect(e && strstr(e->msg, "frag:1:") && strstr(e->msg, "'floppy'"), "%s", e ? e->msg : "");
    err_free(e);
}
