/* test_regress.c: every input a fuzzer crashed on (tests/data/regress/
 * TARGET-*) runs again through that target's own checks, compiled in
 * here: a regression aborts (criterion reports the crash) and, under
 * `make asan`, a leak or overflow fails it.  XML inputs also go through
 * the real binary's define. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "rel_helpers.h"

#define LLVMFuzzerTestOneInput fuzz_xml_one
#include "../fuzz/fuzz_xml.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_lex_one
#include "../fuzz/fuzz_lex.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_qmp_one
#include "../fuzz/fuzz_qmp.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_proto_one
#include "../fuzz/fuzz_proto.c"
#undef LLVMFuzzerTestOneInput

static const struct {
    const char *prefix;
    int (*one)(const uint8_t *data, size_t size);
} targets[] = {
    {"xml-", fuzz_xml_one}, {"lex-", fuzz_lex_one}, {"qmp-", fuzz_qmp_one},
    {"proto-", fuzz_proto_one},
};

/* run each regression file through its target; returns how many ran */
static int run_all(const char *dir, const char *store)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "no %s", dir);
    int ran = 0;
    for (struct dirent *de; (de = readdir(d));) {
        for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
            if (strncmp(de->d_name, targets[t].prefix, strlen(targets[t].prefix)) != 0)
                continue;
            char *path = fmt("%s/%s", dir, de->d_name);
            size_t len = 0;
            char *data = slurp(path, &len);
            cr_assert_not_null(data, "cannot read %s", path);
            targets[t].one((const uint8_t *)data, len);
            if (t == 0) {
                const char *argv[] = {"-c", "qemu:///session", "define", path, NULL};
                struct run_result r = run_domsh(store, NULL, argv);
                cr_expect(r.status == 0 || r.status == 1, "%s: define exited %d: %s", path,
                          r.status, r.err);
                run_free(&r);
            }
            free(data);
            free(path);
            ran++;
        }
    }
    closedir(d);
    return ran;
}

Test(regress, fuzz_crashes_stay_fixed)
{
    char *dir = fmt("%s/tests/data/regress", src_dir());
    char *store = fast_root();
    int ran = run_all(dir, store);
    cr_assert_gt(ran, 0, "no regression input in %s", dir);
    rm_rf(store);
    free(store);
    free(dir);
}
