/* test_shape.c: on a qemu:// URI, define, edit and every config change
 * refuse what the qemu backend's start would refuse for the domain's shape
 * (issue 10, item 4), with start's own error line, exit status 1 and
 * nothing written; test:///default, like libvirt's test driver, checks no
 * backend shape and takes the same documents. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

struct shape_case {
    const char *type, *ostype, *devices;
    const char *error;       /* start's error line */
};

static const struct shape_case cases[] = {
    {"qemu", "hvm", "<disk type='file' device='cdrom'><source file='/a.iso'/>"
                    "<target dev='vdb' bus='virtio'/></disk>",
     "error: disk 'vdb': a cdrom cannot be on bus 'virtio'"},
    {"qemu", "hvm", "<disk type='file' device='disk'><source file='/a'/>"
                    "<target dev='hde' bus='ide'/></disk>",
     "error: disk 'hde': the IDE bus has 4 positions (hda-hdd)"},
    {"qemu", "hvm", "<serial type='pty'><target port='4'/></serial>",
     "error: serial port 4: the machine has serial ports 0-3"},
    {"qemu", "hvm", "<graphics type='vnc' port='5800' autoport='no'/>",
     "error: graphics vnc port 5800 is outside 5900-65535"},
    {"qemu", "hvm", "<interface type='user'><model type='tulip'/></interface>",
     "error: interface 0: model 'tulip' is not supported by the qemu backend"},
    {"qemu", "hvm", "<graphics type='vnc'/><graphics type='vnc'/>",
     "error: the qemu backend supports one <graphics type='vnc'>"},
    {"xen", "hvm", "", "error: domain type 'xen' is not supported by the qemu backend"},
    {"qemu", "linux", "", "error: os type 'linux' is not supported by the qemu backend; use 'hvm'"},
};

static char *root;

static void setup(void)
{
    root = tmp_root();
}

static void teardown(void)
{
    rm_rf(root);
    free(root);
}

static char *doc(const struct shape_case *c, const char *name)
{
    return fmt("<domain type='%s'><name>%s</name><memory>65536</memory><os><type "
               "arch='x86_64'>%s</type></os><devices>%s</devices></domain>",
               c->type, name, c->ostype, c->devices);
}

static struct run_result domsh(const char *uri, const char *line)
{
    const char *argv[] = {"-c", uri, line, NULL};
    return run_domsh(root, NULL, argv);
}

/* entries of DIR other than . and .. (0 when it does not exist) */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

TestSuite(shape, .init = setup, .fini = teardown);

Test(shape, define_refuses_what_start_would_and_writes_nothing)
{
    char *path = fmt("%s/s.xml", root), *line = fmt("define %s", path);
    char *qdir = fmt("%s/config/qemu", root);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *xml = doc(&cases[i], "s");
        cr_assert_eq(write_text(path, xml), 0);
        struct run_result r = domsh("qemu:///session", line);
        cr_assert_eq(r.status, 1, "case %zu defined: %s", i, r.out);
        char *want = fmt("%s\n", cases[i].error);
        cr_assert_str_eq(r.err, want, "case %zu", i);
        free(want);
        cr_assert_eq(entries(qdir), 0, "case %zu left something in %s", i, qdir);
        run_free(&r);
        r = domsh("test:///default", line);       /* no backend shape there */
        cr_assert_eq(r.status, 0, "case %zu: test:///default refused it: %s", i, r.err);
        run_free(&r);
        r = domsh("test:///default", "undefine s");
        run_free(&r);
        free(xml);
    }
    free(qdir);
    free(line);
    free(path);
}

/* the config-change engine and edit go through the same check: the
 * stored definition stays as it was */
Test(shape, config_changes_and_edit_are_refused_too)
{
    char *path = fmt("%s/s.xml", root), *line = fmt("define %s", path);
    struct shape_case ok = {"qemu", "hvm", "", NULL};
    char *xml = doc(&ok, "s");
    cr_assert_eq(write_text(path, xml), 0);
    struct run_result r = domsh("qemu:///session", line);
    cr_assert_eq(r.status, 0, "%s", r.err);
    run_free(&r);
    char *stored = fmt("%s/config/qemu/s.xml", root), *before = slurp(stored, NULL);
    r = domsh("qemu:///session", "attach-disk s /a.iso vdb --type cdrom --targetbus virtio --config");
    cr_assert_eq(r.status, 1, "attached: %s", r.out);
    cr_assert_str_eq(r.err, "error: failed to attach disk: disk 'vdb': a cdrom cannot be on "
                     "bus 'virtio'\n");
    run_free(&r);
    char *after = slurp(stored, NULL);
    cr_assert_str_eq(after, before);
    free(after);
    /* edit: the editor writes a second VNC; the edit is refused and kept nowhere */
    char *ed = fmt("%s/ed.sh", root);
    cr_assert_eq(write_text(ed, "#!/bin/sh\nsed -i 's|<devices/>|<devices><graphics type=\"vnc\"/>"
                                "<graphics type=\"vnc\"/></devices>|' \"$1\"\n"), 0);
    char *edit = fmt("EDITOR='sh %s' VISUAL='sh %s' DOMSH_ROOT='%s' '%s' -c qemu:///session "
                     "edit s </dev/null >/dev/null 2>%s/ed.err", ed, ed, root, domsh_bin(), root);
    cr_assert_neq(system(edit), 0, "edit accepted a second VNC");
    char *err_path = fmt("%s/ed.err", root), *err = slurp(err_path, NULL);
    cr_assert(err && strstr(err, "the qemu backend supports one <graphics type='vnc'>"), "%s", err);
    after = slurp(stored, NULL);
    cr_assert_str_eq(after, before);
    free(after);
    free(err);
    free(err_path);
    free(edit);
    free(ed);
    free(before);
    free(stored);
    free(xml);
    free(line);
    free(path);
}
