/* qemu_host.c: what this host cannot run (runtime.md 1.4), checked by
 * `start` before anything is created, so a refusal is one precise line
 * and leaves nothing behind.  `define` never calls this: the XML may be
 * meant for another host.  KVM is decided by policy (a usable /dev/kvm and
 * a vmx/svm CPU flag), because QEMU's -accel kvm may open a /dev/kvm that
 * cannot run guests (runtime.md 1.3). */
#include "qemu_argv_priv.h"

#include "../xml/domain.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define HUGETLBFS_MAGIC_NR 0x958458f6
#define CAP_NET_ADMIN_BIT 12
#define BRIDGE_HELPER "/usr/lib/qemu/qemu-bridge-helper"
#define BRIDGE_CONF "/etc/qemu/bridge.conf"
#define QEMU_MODULE_DIR "/usr/lib/x86_64-linux-gnu/qemu"

static bool is(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static bool file_has_word(const char *path, const char *const words[])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[4096];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        for (char *tok = strtok(line, " \t\n"); tok && !found; tok = strtok(NULL, " \t\n"))
            for (size_t i = 0; words[i] && !found; i++)
                found = strcmp(tok, words[i]) == 0;
    fclose(f);
    return found;
}

static bool have_net_admin(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long caps = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "CapEff: %llx", &caps) == 1)
            break;
    if (f)
        fclose(f);
    return caps & (1ull << CAP_NET_ADMIN_BIT);
}

static unsigned long sysfs_hex(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long v = ~0ul;
    if (f && fscanf(f, "%lx", &v) != 1)
        v = ~0ul;
    if (f)
        fclose(f);
    return v;
}

static unsigned long num_attr(const struct dnode *n, const char *attr)
{
    const char *v = dnode_attr(n, attr);
    return v ? strtoul(v, NULL, 0) : 0;
}

int qemu_check_os(const struct dnode *dom, struct err **e)
{
    const char *type = dom_type(dom), *ostype = dnode_path_text(dom, "os/type");
    const char *machine = dnode_attr(dnode_path(dom, "os/type"), "machine");
    if (!is(type, "qemu") && !is(type, "kvm"))
        return err_set(e, ERR_UNSUPPORTED, "domain type '%s' is not supported by the qemu backend",
                       type ? type : "");
    if (dnode_child(dom, "bootloader"))
        return err_set(e, ERR_UNSUPPORTED, "a host <bootloader> (Xen pygrub) is not supported "
                       "by the qemu backend; use <os><kernel> or a BIOS boot");
    if (ostype && !is(ostype, "hvm"))
        return err_set(e, ERR_UNSUPPORTED, "os type '%s' is not supported by the qemu backend; "
                       "use 'hvm'", ostype);
    if (machine && strncmp(machine, "xen", 3) == 0)
        return err_set(e, ERR_UNSUPPORTED, "machine '%s' is not supported by the qemu backend",
                       machine);
    return 0;
}

static int check_kvm(const struct dnode *dom, struct err **e)
{
    if (!is(dom_type(dom), "kvm"))
        return 0;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, ERR_UNSUPPORTED, "KVM acceleration requested but not available; "
                       "use type='qemu' (/dev/kvm)");
    close(fd);
    static const char *const flags[] = {"vmx", "svm", NULL};
    if (!file_has_word("/proc/cpuinfo", flags))
        return err_set(e, ERR_UNSUPPORTED, "KVM acceleration requested but not available "
                       "(the CPU has no vmx/svm flag); use type='qemu'");
    return 0;
}

static int check_file(const char *what, const char *path, struct err **e)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return err_sys(e, ERR_NOT_FOUND, "%s '%s'", what, path);
    return 0;
}

static int check_paths(const struct dnode *dom, struct err **e)
{
    const char *em = qemu_emulator(dom);
    struct stat st;
    int rc = check_file("emulator", em, e);
    if (rc == 0 && (stat(em, &st) < 0 || !S_ISREG(st.st_mode) || access(em, X_OK) < 0))
        rc = err_set(e, ERR_UNSUPPORTED, "emulator '%s' is not executable", em);
    static const char *const os_files[] = {"kernel", "initrd", "loader"};
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        const char *p = dnode_path_text(dnode_child(dom, "os"), os_files[i]);
        if (p && *p)
            rc = check_file(os_files[i], p, e);
    }
    return rc;
}

static int check_disks(const struct dnode *dom, struct err **e)
{
    const struct dnode *d;
    for (size_t i = 0; (d = dnode_nth(dnode_child(dom, "devices"), "disk", i)); i++) {
        const struct dnode *s = dnode_child(d, "source");
        const char *src = dnode_attr(s, "file") ? dnode_attr(s, "file") : dnode_attr(s, "dev");
        struct stat st;
        if (src && stat(src, &st) < 0)
            return err_sys(e, ERR_NOT_FOUND, "disk '%s': source '%s'",
                           dnode_attr(dnode_child(d, "target"), "dev"), src);
    }
    if (dnode_path(dom, "memoryBacking/hugepages")) {
        struct statfs fs;
        if (statfs("/dev/hugepages", &fs) < 0 || (unsigned long)fs.f_type != HUGETLBFS_MAGIC_NR)
            return err_set(e, ERR_UNSUPPORTED,
                           "memoryBacking hugepages needs hugetlbfs mounted on /dev/hugepages");
    }
    return 0;
}

static int check_bridge(const char *type, const char *br, struct err **e)
{
    AUTOFREE char *sys = xasprintf("/sys/class/net/%s/bridge", br);
    struct stat st;
    if (strchr(br, '/') || stat(sys, &st) < 0)
        return err_set(e, ERR_UNSUPPORTED, "interface type '%s': bridge '%s' does not exist",
                       type, br);
    if (access(BRIDGE_HELPER, X_OK) < 0)
        return err_set(e, ERR_UNSUPPORTED, "interface type '%s' needs %s (install qemu-system-common)",
                       type, BRIDGE_HELPER);
    if (stat(BRIDGE_HELPER, &st) == 0 && !(st.st_mode & S_ISUID) && !have_net_admin())
        return err_set(e, ERR_UNSUPPORTED, "interface type '%s' needs root or a setuid %s",
                       type, BRIDGE_HELPER);
    const char *const allow[] = {br, "all", NULL};
    if (!file_has_word(BRIDGE_CONF, allow))
        return err_set(e, ERR_UNSUPPORTED, "interface type '%s' needs a qemu-bridge-helper ACL "
                       "for '%s' (add 'allow %s' to %s)", type, br, br, BRIDGE_CONF);
    return 0;
}

static int check_net(const struct dnode *n, size_t i, struct err **e)
{
    const char *type = dnode_attr(n, "type");
    const struct dnode *src = dnode_child(n, "source");
    if (is(type, "bridge") && dnode_attr(src, "bridge"))
        return check_bridge(type, dnode_attr(src, "bridge"), e);
    if (is(type, "network")) {
        const char *br = qemu_network_bridge(dnode_attr(src, "network"));
        if (!br)
            return err_set(e, ERR_UNSUPPORTED, "interface %zu: network '%s' is unknown (domsh has "
                           "no network driver: only 'default' = bridge virbr0)", i,
                           dnode_attr(src, "network") ? dnode_attr(src, "network") : "");
        return check_bridge(type, br, e);
    }
    if (is(type, "ethernet")) {
        if (!have_net_admin())
            return err_set(e, ERR_UNSUPPORTED,
                           "interface type 'ethernet' needs CAP_NET_ADMIN (run as root)");
        if (access("/dev/net/tun", R_OK | W_OK) < 0)
            return err_sys(e, ERR_UNSUPPORTED, "interface type 'ethernet' needs /dev/net/tun");
    }
    return 0;
}

static int check_pci(const struct dnode *dom, const struct dnode *addr, struct err **e)
{
    AUTOFREE char *name = xasprintf("%04lx:%02lx:%02lx.%lx", num_attr(addr, "domain"),
                                    num_attr(addr, "bus"), num_attr(addr, "slot"),
                                    num_attr(addr, "function"));
    if (!is(dom_type(dom), "kvm") || access("/dev/vfio/vfio", R_OK | W_OK) < 0)
        return err_set(e, ERR_UNSUPPORTED, "PCI passthrough of %s needs vfio and KVM", name);
    AUTOFREE char *drv = xasprintf("/sys/bus/pci/devices/%s/driver", name);
    char link[256] = "";
    ssize_t n = readlink(drv, link, sizeof(link) - 1);
    const char *base = n > 0 ? strrchr(link, '/') : NULL;
    if (n < 0 || !base || strcmp(base + 1, "vfio-pci") != 0)
        return err_set(e, ERR_UNSUPPORTED, "PCI passthrough of %s needs it bound to vfio-pci", name);
    return 0;
}

/* vendor:product present under /sys/bus/usb/devices */
static bool usb_present(unsigned long ven, unsigned long prod)
{
    DIR *d = opendir("/sys/bus/usb/devices");
    struct dirent *de;
    bool found = false;
    while (d && !found && (de = readdir(d))) {
        AUTOFREE char *vp = xasprintf("/sys/bus/usb/devices/%s/idVendor", de->d_name);
        AUTOFREE char *pp = xasprintf("/sys/bus/usb/devices/%s/idProduct", de->d_name);
        found = sysfs_hex(vp) == ven && sysfs_hex(pp) == prod;
    }
    if (d)
        closedir(d);
    return found;
}

static int check_usb(const struct dnode *src, struct err **e)
{
    const struct dnode *addr = dnode_child(src, "address");
    if (addr) {
        unsigned long bus = num_attr(addr, "bus"), dev = num_attr(addr, "device");
        AUTOFREE char *p = xasprintf("/dev/bus/usb/%03lu/%03lu", bus, dev);
        return access(p, F_OK) == 0 ? 0
            : err_set(e, ERR_NOT_FOUND, "USB device %lu:%lu is not present on this host", bus, dev);
    }
    unsigned long ven = num_attr(dnode_child(src, "vendor"), "id");
    unsigned long prod = num_attr(dnode_child(src, "product"), "id");
    if (!usb_present(ven, prod))
        return err_set(e, ERR_NOT_FOUND, "USB device %04lx:%04lx is not present on this host",
                       ven, prod);
    return 0;
}

static int check_devices(const struct dnode *dom, struct err **e)
{
    const struct dnode *devs = dnode_child(dom, "devices");
    size_t nstdio = 0, nnet = 0;
    for (size_t i = 0; devs && i < devs->nkids; i++) {
        const struct dnode *k = devs->kids[i];
        const char *type = dnode_attr(k, "type");
        int rc = 0;
        if (is(k->name, "interface"))
            rc = check_net(k, nnet++, e);
        else if (is(k->name, "hostdev") && is(type, "pci"))
            rc = check_pci(dom, dnode_path(k, "source/address"), e);
        else if (is(k->name, "hostdev") && is(type, "usb"))
            rc = check_usb(dnode_child(k, "source"), e);
        else if (is(k->name, "graphics") && is(type, "sdl")) {
            if (!dnode_attr(k, "display") && !getenv("DISPLAY"))
                rc = err_set(e, ERR_UNSUPPORTED, "graphics type 'sdl' needs an X display "
                             "($DISPLAY is not set and no display= is given)");
            else if (access(QEMU_MODULE_DIR "/ui-sdl.so", R_OK) < 0)
                rc = err_set(e, ERR_UNSUPPORTED, "graphics type 'sdl' needs QEMU's SDL display "
                             "(install qemu-system-gui)");
        } else if ((is(k->name, "serial") || is(k->name, "parallel")
                    || (is(k->name, "console") && !dnode_child(devs, "serial")))
                   && is(type, "stdio") && ++nstdio > 1)
            rc = err_set(e, ERR_UNSUPPORTED, "only one character device can be of type 'stdio'");
        if (rc < 0)
            return -1;
    }
    return 0;
}

int qemu_host_check(const struct dnode *dom, struct err **e)
{
    if (qemu_check_os(dom, e) < 0 || check_kvm(dom, e) < 0 || check_paths(dom, e) < 0
        || check_disks(dom, e) < 0 || check_devices(dom, e) < 0)
        return -1;
    return 0;
}
