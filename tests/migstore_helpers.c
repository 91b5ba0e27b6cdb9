/* migstore_helpers.c: see migstore_helpers.h. */
#include "migstore_helpers.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

char *migstore_vm_xml(const char *root)
{
    return fmt("<domain type='test'><name>vm</name><uuid>1d4e7d40-5a2c-4b60-8a1e-2d2b1c0e9f01"
               "</uuid><memory>65536</memory><os><type>hvm</type></os><devices>"
               "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
               "<source file='%s/q.qcow2'/><target dev='vda'/></disk>"
               "<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
               "<source file='%s/r.raw'/><target dev='vdb'/></disk><serial type='pty'/>"
               "</devices></domain>", root, root);
}

bool migstore_holds(const char *root, const char *file, const char *pat)
{
    const char *f = strstr(file, "qcow2") ? "qcow2" : "raw";
    char *cmd = fmt("qemu-io -f %s -r -U -c 'read -P %s 0 4k' %s/%s 2>&1 | "
                    "grep -q 'read 4096/4096'", f, pat, root, file);
    bool ok = system(cmd) == 0;
    free(cmd);
    return ok;
}

bool migstore_exists_in(const char *root, const char *file)
{
    char *path = fmt("%s/%s", root, file);
    bool yes = access(path, F_OK) == 0;
    free(path);
    return yes;
}

void migstore_vm_running(struct rt *t, const char *dst_root)
{
    char *cmd = fmt("(qemu-img create -q -f qcow2 %s/q.qcow2 16M && qemu-img create -q -f raw "
                    "%s/r.raw 4M && qemu-io -f qcow2 -c 'write -P 0x11 0 4k' %s/q.qcow2 && "
                    "qemu-io -f raw -c 'write -P 0x11 0 4k' %s/r.raw) >/dev/null", t->root,
                    t->root, t->root, t->root);
    cr_assert_eq(system(cmd), 0, "'%s' failed", cmd);
    char *xml = migstore_vm_xml(t->root);
    rt_define_xml(t, "vm", xml);
    free(rt_ok(t, "start vm"));
    rt_guest_line(t, "vm", "inc", "counter=1");
    free(xml);
    xml = migstore_vm_xml(dst_root);
    char *path = fmt("%s/vm.xml", dst_root);
    cr_assert_eq(write_text(path, xml), 0);
    free(xml);
    free(path);
    free(cmd);
}

void migstore_ctrl_c_then_again(struct rt *t, struct rt *d, pid_t (*start)(const char *errf),
                                void (*failed)(pid_t, const char *, const char *),
                                const char *line)
{
    char *errf = fmt("%s/err", t->root);
    pid_t pid = start(errf);
    kill(pid, SIGINT);
    failed(pid, errf, "operation canceled");
    char *logf = fmt("%s/log/test/vm.log", t->root), *log = slurp(logf, NULL);
    cr_assert(log && !strstr(log, "migration-out"), "the memory moved: not canceled in the "
              "copy: %s", log);
    /* the mirrors and their nbd nodes are gone: the same names work again */
    migstore_migrates_again(t, d, line);
    free(log);
    free(logf);
    free(errf);
}

void migstore_source_alone(struct rt *t, struct rt *d)
{
    rt_state_starts(t, "vm", "running");
    rt_guest_line(t, "vm", "inc", "counter=2");
    char *out = rt_ok(d, "list --all");
    cr_assert(!strstr(out, " vm "), "%s", out);
    free(out);
    cr_assert(!migstore_exists_in(d->root, "q.qcow2") && !migstore_exists_in(d->root, "r.raw"),
              "the images made for the migration are left");
}

void migstore_migrates_again(struct rt *t, struct rt *d, const char *line)
{
    rt_guest_line(t, "vm", "slowblock 5", "slowblock=5");
    free(rt_ok(t, line));
    RT_EXPECT_STATE(d, "vm", "running (migrated)");
    rt_guest_line(d, "vm", "inc", "counter=3");
}
