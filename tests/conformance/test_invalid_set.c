/* test_invalid_set.c: libvirt's invalid/ set (SHARED/conformance/invalid),
 * at the library level: each file is refused at the stage that owns its
 * fault, with a one-line message naming the file.  check-invalid.sh
 * (test_conformance.c) checks the same files through the shell.  Our own
 * documents of the same classes are tests/data/invalid (make check). */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "../../core/base/mem.h"
#include "../helpers.h"
#include "../xml_expect.h"

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

Test(invalid_set, each_file_refused_at_its_stage)
{
    AUTOFREE char *tsv = fmt("%s/conformance/invalid/expect.tsv", shared_dir());
    AUTOFREE char *tmp = tmp_root();
    each_row(tsv, shared_row, tmp);
    rm_rf(tmp);
}

Test(invalid_set, xxe_and_bomb_refused_before_any_entity)
{
    AUTOFREE char *dir = fmt("%s/conformance/invalid", shared_dir());
    const char *files[] = {"xxe-etc-passwd.xml", "xml-bomb.xml"};
    for (size_t i = 0; i < 2; i++) {
        AUTOFREE char *path = fmt("%s/%s", dir, files[i]);
        expect_refused(path, "parse", "DOCTYPE is not allowed");
    }
}
