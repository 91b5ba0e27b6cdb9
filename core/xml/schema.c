/* schema.c: the one table of the domain XML format: every element,
 * attribute and enum value of libvirt 0.7.1's formatdomain page, plus the
 * libvirt boilerplate (SE_OPAQUE) that a seed-scope tool accepts and keeps
 * verbatim.  The table is in pre-order (a parent before its subtree), and
 * each element's `children` list is its canonical output order, which is
 * libvirt's own formatting order. */
#include "schema.h"
#include "../base/mem.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARR(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ATTRS(...) ((const struct schema_attr[]){__VA_ARGS__, {NULL, V_NONE, NULL, NULL}})
#define NOATTRS ((const struct schema_attr[]){{NULL, V_NONE, NULL, NULL}})
#define ENUM(...) V_ENUM, ARR(__VA_ARGS__)
#define K(kind) kind, NULL

static const char *const chr_types[] = {"stdio", "file", "vc", "null", "pty", "dev", "pipe",
                                        "tcp", "udp", "unix", NULL};
static const char *const lifecycle[] = {"destroy", "restart", "preserve", "rename-restart", NULL};

/* element with no attributes: name, path, flags, text kind, doc */
#define LEAF(nm, pth, fl, kind, doc) {nm, pth, fl, K(kind), NOATTRS, ARR(NULL), doc}
#define OPAQUE(nm, pth, fl, doc) {nm, pth, (fl) | SE_OPAQUE, K(V_NONE), NOATTRS, ARR(NULL), doc}
/* the boilerplate children every device may carry */
#define DEV_TAIL(dev) \
    OPAQUE("alias", "domain/devices/" dev "/alias", 0, "device alias (libvirt boilerplate, kept verbatim)"), \
    OPAQUE("address", "domain/devices/" dev "/address", 0, "device address (libvirt boilerplate, kept verbatim)")

#define CHR_ATTRS \
    ATTRS({"type", V_ENUM, chr_types, "how the device is presented to the host"}, \
          {"tty", K(V_PATH), "the pseudo TTY allocated for a running pty device (live only)"})
#define CHR_SOURCE_ATTRS \
    ATTRS({"mode", ENUM("bind", "connect"), "listen (bind) or connect (connect) for tcp, udp and unix"}, \
          {"host", K(V_STRING), "host name or address for tcp and udp"}, \
          {"service", K(V_STRING), "port (service) for tcp and udp"}, \
          {"path", K(V_PATH), "file, device, pipe or socket path"})
#define CHR_COMMON(dev, what) \
    {dev, "domain/devices/" dev, SE_MULTI | SE_DEVICE, K(V_NONE), CHR_ATTRS, \
     ARR("source", "protocol", "target", "alias", "address"), what}, \
    {"source", "domain/devices/" dev "/source", SE_MULTI, K(V_NONE), CHR_SOURCE_ATTRS, ARR(NULL), \
     "host side of the character device (udp has a bind and a connect source)"}, \
    {"protocol", "domain/devices/" dev "/protocol", 0, K(V_NONE), \
     ATTRS({"type", ENUM("raw", "telnet"), "wire protocol of a tcp character device"}), ARR(NULL), \
     "protocol of a tcp character device"}

static const struct schema_elem table[] = {
    {"domain", "domain", SE_REQUIRED, K(V_NONE),
     ATTRS({"type", ENUM("qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware",
                         "hyperv", "vbox", "phyp", "vz", "bhyve", "hvf"),
            "hypervisor used to run the domain"},
           {"id", K(V_STRING), "unique identifier of a running domain (live only; ignored on "
                               "define, as libvirt ignores it)"}),
     ARR("name", "uuid", "description", "memory", "currentMemory", "memoryBacking", "vcpu",
         "bootloader", "bootloader_args", "os", "features", "clock", "on_poweroff", "on_reboot",
         "on_crash", "devices"),
     "a virtual machine"},
    LEAF("name", "domain/name", SE_REQUIRED, V_NAME, "short unique name of the domain"),
    LEAF("uuid", "domain/uuid", 0, V_UUID, "globally unique identifier (RFC 4122); generated when omitted"),
    LEAF("description", "domain/description", 0, V_STRING, "free-form human readable description"),
    {"memory", "domain/memory", SE_REQUIRED, K(V_UINT),
     ATTRS({"unit", K(V_STRING), "unit of the value: b, KiB (default), MiB, GiB, TiB, KB, MB, GB, TB, ..."}),
     ARR(NULL), "maximum memory allocation at boot time (stored in KiB)"},
    {"currentMemory", "domain/currentMemory", 0, K(V_UINT),
     ATTRS({"unit", K(V_STRING), "unit of the value: b, KiB (default), MiB, GiB, TiB, KB, MB, GB, TB, ..."}),
     ARR(NULL), "actual memory allocation (ballooning); defaults to memory"},
    {"memoryBacking", "domain/memoryBacking", 0, K(V_NONE), NOATTRS, ARR("hugepages"),
     "how guest memory is backed on the host"},
    LEAF("hugepages", "domain/memoryBacking/hugepages", 0, V_NONE,
         "allocate guest memory from hugepages"),
    {"vcpu", "domain/vcpu", 0, K(V_UINT),
     ATTRS({"placement", ENUM("static", "auto"), "vcpu placement (libvirt boilerplate)"}),
     ARR(NULL), "number of virtual CPUs (default 1)"},
    LEAF("bootloader", "domain/bootloader", 0, V_PATH, "host bootloader executable (e.g. pygrub)"),
    LEAF("bootloader_args", "domain/bootloader_args", 0, V_STRING, "arguments for the host bootloader"),
    {"os", "domain/os", SE_REQUIRED, K(V_NONE), NOATTRS,
     ARR("type", "loader", "kernel", "initrd", "cmdline", "boot"), "operating system booting"},
    {"type", "domain/os/type", SE_REQUIRED, ENUM("hvm", "xen", "linux"),
     ATTRS({"arch", K(V_STRING), "CPU architecture (e.g. x86_64)"},
           {"machine", K(V_STRING), "machine type (e.g. pc)"}),
     ARR(NULL), "hvm (full virtualization), xen or linux (Xen paravirtualized)"},
    LEAF("loader", "domain/os/loader", 0, V_PATH, "firmware blob used to boot the domain"),
    LEAF("kernel", "domain/os/kernel", 0, V_PATH, "kernel image for direct kernel boot"),
    LEAF("initrd", "domain/os/initrd", 0, V_PATH, "ramdisk image for direct kernel boot"),
    LEAF("cmdline", "domain/os/cmdline", 0, V_STRING, "kernel command line for direct kernel boot"),
    {"boot", "domain/os/boot", SE_MULTI, K(V_NONE),
     ATTRS({"dev", ENUM("fd", "hd", "cdrom", "network"), "boot device"}), ARR(NULL),
     "next BIOS boot device to try (repeat for a priority list); hvm default hd"},
    {"features", "domain/features", 0, K(V_NONE), NOATTRS, ARR("acpi", "apic", "pae", "hap"),
     "hypervisor features turned on"},
    LEAF("pae", "domain/features/pae", 0, V_NONE, "physical address extension (32-bit guests > 4 GB)"),
    LEAF("acpi", "domain/features/acpi", 0, V_NONE, "ACPI (power management, graceful shutdown)"),
    LEAF("apic", "domain/features/apic", 0, V_NONE, "APIC interrupt controller"),
    LEAF("hap", "domain/features/hap", 0, V_NONE, "hardware assisted paging"),
    {"clock", "domain/clock", 0, K(V_NONE),
     ATTRS({"offset", ENUM("utc", "localtime"), "guest clock relative to the host (default utc)"}),
     ARR(NULL), "time keeping"},
    {"on_poweroff", "domain/on_poweroff", 0, V_ENUM, lifecycle, NOATTRS, ARR(NULL),
     "action when the guest powers off (default destroy)"},
    {"on_reboot", "domain/on_reboot", 0, V_ENUM, lifecycle, NOATTRS, ARR(NULL),
     "action when the guest reboots (default restart)"},
    {"on_crash", "domain/on_crash", 0, V_ENUM, lifecycle, NOATTRS, ARR(NULL),
     "action when the guest crashes (default destroy)"},
    {"devices", "domain/devices", 0, K(V_NONE), NOATTRS,
     ARR("emulator", "disk", "controller", "interface", "serial", "parallel", "console", "input",
         "graphics", "sound", "audio", "video", "hostdev", "memballoon"),
     "devices provided to the guest"},
    LEAF("emulator", "domain/devices/emulator", 0, V_PATH, "device model emulator binary"),

    {"disk", "domain/devices/disk", SE_MULTI | SE_DEVICE, K(V_NONE),
     ATTRS({"type", ENUM("file", "block"), "source is a file or a block device (default file)"},
           {"device", ENUM("floppy", "disk", "cdrom"), "how the disk is exposed to the guest (default disk)"}),
     ARR("driver", "source", "target", "readonly", "shareable", "encryption", "alias", "address"),
     "hard drive, floppy disk or CDROM"},
    {"driver", "domain/devices/disk/driver", 0, K(V_NONE),
     ATTRS({"name", K(V_STRING), "backend driver name (e.g. qemu, tap)"},
           {"type", K(V_STRING), "backend driver sub-type (e.g. raw, qcow2, aio)"}),
     ARR(NULL), "hypervisor backend driver for the disk"},
    {"source", "domain/devices/disk/source", 0, K(V_NONE),
     ATTRS({"file", K(V_PATH), "host file holding the disk (type file)"},
           {"dev", K(V_PATH), "host block device (type block)"}),
     ARR(NULL), "host side of the disk"},
    {"target", "domain/devices/disk/target", 0, K(V_NONE),
     ATTRS({"dev", K(V_STRING), "logical device name in the guest (hda, sda, vda, xvda, fda)"},
           {"bus", ENUM("ide", "fdc", "scsi", "virtio", "xen", "usb", "uml"),
            "bus of the emulated disk (default from the device name)"}),
     ARR(NULL), "guest side of the disk"},
    LEAF("readonly", "domain/devices/disk/readonly", 0, V_NONE, "the guest cannot write (always on cdrom)"),
    LEAF("shareable", "domain/devices/disk/shareable", 0, V_NONE, "the disk may be shared between domains"),
    {"encryption", "domain/devices/disk/encryption", 0, K(V_NONE),
     ATTRS({"format", ENUM("default", "qcow"), "encryption format of the volume"}),
     ARR("secret"), "how the volume is encrypted"},
    {"secret", "domain/devices/disk/encryption/secret", SE_MULTI, K(V_NONE),
     ATTRS({"type", ENUM("passphrase"), "what the secret is used for"},
           {"uuid", K(V_UUID), "uuid of the libvirt secret holding the value"}),
     ARR(NULL), "a secret needed to decrypt the volume"},
    DEV_TAIL("disk"),

    {"controller", "domain/devices/controller", SE_MULTI | SE_OPAQUE, K(V_NONE), NOATTRS, ARR(NULL),
     "bus controller (libvirt boilerplate, kept verbatim)"},

    {"interface", "domain/devices/interface", SE_MULTI | SE_DEVICE, K(V_NONE),
     ATTRS({"type", ENUM("network", "bridge", "user", "ethernet", "mcast", "server", "client"),
            "how the interface is connected"}),
     ARR("mac", "source", "script", "target", "model", "alias", "address"), "network interface"},
    {"mac", "domain/devices/interface/mac", 0, K(V_NONE),
     ATTRS({"address", K(V_MAC), "MAC address (generated 52:54:00:xx:xx:xx when omitted)"}),
     ARR(NULL), "MAC address of the guest NIC"},
    {"source", "domain/devices/interface/source", 0, K(V_NONE),
     ATTRS({"network", K(V_STRING), "virtual network name (type network)"},
           {"bridge", K(V_STRING), "host bridge device (type bridge)"},
           {"address", K(V_STRING), "multicast group or server address (mcast, server, client)"},
           {"port", K(V_UINT), "port (mcast, server, client)"}),
     ARR(NULL), "host side of the interface"},
    {"script", "domain/devices/interface/script", 0, K(V_NONE),
     ATTRS({"path", K(V_PATH), "script run to attach the tap device (ethernet, bridge)"}),
     ARR(NULL), "interface set-up script"},
    {"target", "domain/devices/interface/target", 0, K(V_NONE),
     ATTRS({"dev", K(V_STRING), "name of the host tap device"}), ARR(NULL), "host tap device"},
    {"model", "domain/devices/interface/model", 0, K(V_NONE),
     ATTRS({"type", K(V_STRING), "emulated NIC model (ne2k_pci, rtl8139, e1000, virtio, ...)"}),
     ARR(NULL), "emulated NIC model"},
    DEV_TAIL("interface"),

    CHR_COMMON("serial", "serial port"),
    {"target", "domain/devices/serial/target", 0, K(V_NONE),
     ATTRS({"type", ENUM("isa-serial"), "guest side bus of the serial port (libvirt boilerplate)"},
           {"port", K(V_STRING), "port number (default, or negative: next free)"}),
     ARR("model"), "guest side of the serial port"},
    {"model", "domain/devices/serial/target/model", 0, K(V_NONE),
     ATTRS({"name", ENUM("isa-serial"), "serial device model (libvirt boilerplate)"}), ARR(NULL),
     "serial device model (libvirt boilerplate)"},
    DEV_TAIL("serial"),
    CHR_COMMON("parallel", "parallel port"),
    {"target", "domain/devices/parallel/target", 0, K(V_NONE),
     ATTRS({"port", K(V_STRING), "port number (default, or negative: next free)"}), ARR(NULL),
     "guest side of the parallel port"},
    DEV_TAIL("parallel"),
    CHR_COMMON("console", "primary console (the first serial port of an hvm guest)"),
    {"target", "domain/devices/console/target", 0, K(V_NONE),
     ATTRS({"type", ENUM("serial", "xen"), "console kind (libvirt boilerplate)"},
           {"port", K(V_STRING), "port number (default 0)"}),
     ARR(NULL), "guest side of the console"},
    DEV_TAIL("console"),

    {"input", "domain/devices/input", SE_MULTI | SE_DEVICE, K(V_NONE),
     ATTRS({"type", ENUM("mouse", "tablet", "keyboard"), "relative (mouse) or absolute (tablet) pointer"},
           {"bus", ENUM("xen", "ps2", "usb"), "bus of the input device (default ps2 for hvm, xen otherwise)"}),
     ARR("alias", "address"), "input device"},
    DEV_TAIL("input"),

    {"graphics", "domain/devices/graphics", SE_MULTI | SE_DEVICE, K(V_NONE),
     ATTRS({"type", ENUM("sdl", "vnc"), "local window (sdl) or VNC server (vnc)"},
           {"display", K(V_STRING), "sdl: X display to use"},
           {"xauth", K(V_PATH), "sdl: X authentication file"},
           {"fullscreen", K(V_YESNO), "sdl: start full screen"},
           {"port", K(V_INT), "vnc: TCP port (-1: allocate automatically)"},
           {"autoport", K(V_STRING), "vnc: allocate the port automatically (yes; anything else is no)"},
           {"listen", K(V_STRING), "vnc: address to listen on"},
           {"passwd", K(V_STRING), "vnc: password in clear text (shown with --security-info)"},
           {"keymap", K(V_STRING), "vnc: keymap (e.g. en-us)"}),
     ARR("listen", "alias", "address"), "graphical framebuffer"},
    OPAQUE("listen", "domain/devices/graphics/listen", SE_MULTI,
           "listen address element (libvirt boilerplate, kept verbatim)"),
    DEV_TAIL("graphics"),

    {"sound", "domain/devices/sound", SE_MULTI | SE_DEVICE, K(V_NONE),
     ATTRS({"model", ENUM("es1370", "sb16", "ac97", "pcspk"), "emulated sound card"}),
     ARR("alias", "address"), "sound card"},
    DEV_TAIL("sound"),
    OPAQUE("audio", "domain/devices/audio", SE_MULTI, "audio backend (libvirt boilerplate, kept verbatim)"),
    OPAQUE("video", "domain/devices/video", SE_MULTI, "video card (libvirt boilerplate, kept verbatim)"),

    {"hostdev", "domain/devices/hostdev", SE_MULTI | SE_DEVICE, K(V_NONE),
     ATTRS({"mode", ENUM("subsystem"), "passthrough mode (always subsystem)"},
           {"type", ENUM("usb", "pci"), "host USB or PCI device"},
           {"managed", K(V_STRING), "detach from the host driver automatically (yes; anything else is no)"}),
     ARR("source", "alias", "address"), "host USB or PCI device passed through to the guest"},
    {"source", "domain/devices/hostdev/source", 0, K(V_NONE), NOATTRS,
     ARR("vendor", "product", "address"), "the device as seen from the host"},
    {"vendor", "domain/devices/hostdev/source/vendor", 0, K(V_NONE),
     ATTRS({"id", K(V_HEX), "USB vendor id (decimal, 0x hex or 0 octal)"}), ARR(NULL), "USB vendor"},
    {"product", "domain/devices/hostdev/source/product", 0, K(V_NONE),
     ATTRS({"id", K(V_HEX), "USB product id (decimal, 0x hex or 0 octal)"}), ARR(NULL), "USB product"},
    {"address", "domain/devices/hostdev/source/address", 0, K(V_NONE),
     ATTRS({"domain", K(V_HEX), "pci: PCI domain (0 to 0xffff)"},
           {"bus", K(V_HEX), "usb: host bus number; pci: PCI bus (0 to 0xff)"},
           {"slot", K(V_HEX), "pci: PCI slot (0 to 0x1f)"},
           {"function", K(V_HEX), "pci: PCI function (0 to 7)"},
           {"device", K(V_HEX), "usb: device number on the host bus"}),
     ARR(NULL), "host address of the device"},
    DEV_TAIL("hostdev"),
    OPAQUE("memballoon", "domain/devices/memballoon", 0,
           "memory balloon device (libvirt boilerplate, kept verbatim)"),
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

const struct schema_elem *schema_root(void)
{
    return &table[0];
}

size_t schema_count(void)
{
    return NTABLE;
}

const struct schema_elem *schema_at(size_t i)
{
    return i < NTABLE ? &table[i] : NULL;
}

const struct schema_elem *schema_find(const char *path)
{
    for (size_t i = 0; i < NTABLE; i++)
        if (strcmp(table[i].path, path) == 0)
            return &table[i];
    return NULL;
}

/* the table is in pre-order, so a child comes after its parent; the name
 * is compared first because it rules out almost every entry cheaply */
const struct schema_elem *schema_child(const struct schema_elem *se, const char *name)
{
    if (!se || (se->flags & SE_OPAQUE))
        return NULL;
    size_t plen = strlen(se->path);
    for (const struct schema_elem *c = se + 1; c < table + NTABLE; c++) {
        if (c->name[0] != name[0] || strcmp(c->name, name) != 0)
            continue;
        if (strncmp(c->path, se->path, plen) == 0 && c->path[plen] == '/' &&
            strcmp(c->path + plen + 1, name) == 0)
            return c;
    }
    return NULL;
}

const struct schema_attr *schema_attr(const struct schema_elem *se, const char *name)
{
    for (const struct schema_attr *a = se ? se->attrs : NULL; a && a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

const char *const *schema_device_kinds(void)
{
    static const char *const kinds[] = {"disk", "interface", "serial", "parallel", "console",
                                        "input", "graphics", "sound", "hostdev", NULL};
    return kinds;
}

const char *schema_kind_name(enum val_kind kind)
{
    static const char *const names[V_LAST] = {
        [V_NONE] = "empty", [V_STRING] = "string", [V_ENUM] = "enum",
        [V_UINT] = "unsigned integer", [V_INT] = "integer",
        [V_HEX] = "integer (decimal, 0x hex or 0 octal)", [V_YESNO] = "yes|no",
        [V_UUID] = "uuid", [V_MAC] = "MAC address", [V_PATH] = "path", [V_NAME] = "domain name",
    };
    return kind < V_LAST ? names[kind] : "?";
}

/* numbers are read as libvirt reads them (virStrToLong_*): blanks and a
 * '+' before the digits are taken, anything after them is not */
static const char *number_start(const char *v, bool minus_ok)
{
    while (isspace((unsigned char)*v))
        v++;
    return *v == '+' || (minus_ok && *v == '-') ? v + 1 : v;
}

static bool uint_ok(const char *v, const char **why)
{
    if (!str_is_digits(number_start(v, false)))
        return *why = "not an unsigned decimal integer", false;
    errno = 0;
    (void)strtoull(v, NULL, 10);
    if (errno == ERANGE)
        return *why = "too large", false;
    return true;
}

static bool int_ok(const char *v, const char **why)
{
    if (!str_is_digits(number_start(v, true)))
        return *why = "not a decimal integer", false;
    errno = 0;
    long long x = strtoll(v, NULL, 10);
    if (errno == ERANGE || x > 2147483647LL || x < -2147483648LL)
        return *why = "out of range", false;
    return true;
}

/* ids and addresses (USB and PCI alike): decimal, 0x hex or 0 octal, as
 * libvirt reads them (strtoul base 0) */
static bool hex_ok(const char *v, const char **why)
{
    char *end;
    v = number_start(v, false);
    if (!isdigit((unsigned char)v[0]))
        return *why = "not a number (decimal, 0x hex or 0 octal)", false;
    errno = 0;
    (void)strtoull(v, &end, 0);
    if (*end)
        return *why = "not a number (decimal, 0x hex or 0 octal)", false;
    if (errno == ERANGE)
        return *why = "too large", false;
    return true;
}

char *schema_value_canon(enum val_kind kind, const char *v)
{
    char out[32];
    if (kind == V_UINT)
        snprintf(out, sizeof(out), "%llu", strtoull(v, NULL, 10));
    else if (kind == V_INT)
        snprintf(out, sizeof(out), "%lld", strtoll(v, NULL, 10));
    else if (kind == V_HEX)
        return number_start(v, false) == v ? NULL : xstrdup(number_start(v, false));
    else
        return NULL;
    return strcmp(out, v) == 0 ? NULL : xstrdup(out);
}

static bool mac_ok(const char *v)
{
    for (int i = 0; i < 6; i++) {
        int n = 0;
        while (isxdigit((unsigned char)*v) && n < 3)
            v++, n++;
        if (n < 1 || n > 2)
            return false;
        if (i < 5 && *v++ != ':')
            return false;
    }
    return *v == '\0';
}

static bool uuid_ok(const char *v)
{
    int hex = 0;
    for (; *v; v++) {
        if (isxdigit((unsigned char)*v))
            hex++;
        else if (*v != '-' || hex % 2)
            return false;
    }
    return hex == 32;
}

static bool enum_ok(const char *const *values, const char *v)
{
    for (; values && *values; values++)
        if (strcmp(*values, v) == 0)
            return true;
    return false;
}

bool schema_value_ok(enum val_kind kind, const char *const *values, const char *v,
                     const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    *why = NULL;
    switch (kind) {
    case V_NONE:
        return *v ? (*why = "no text allowed", false) : true;
    case V_STRING:
    case V_PATH:
    case V_NAME:      /* dom_validate applies the name rule, with libvirt's messages */
        return true;
    case V_ENUM:
        return enum_ok(values, v) ? true : (*why = "not one of the allowed values", false);
    case V_UINT:
        return uint_ok(v, why);
    case V_INT:
        return int_ok(v, why);
    case V_HEX:
        return hex_ok(v, why);
    case V_YESNO:
        return strcmp(v, "yes") == 0 || strcmp(v, "no") == 0 ? true : (*why = "expected yes or no", false);
    case V_UUID:
        return uuid_ok(v) ? true : (*why = "malformed uuid", false);
    case V_MAC:
        return mac_ok(v) ? true : (*why = "malformed MAC address", false);
    case V_LAST:
        break;
    }
    return *why = "unknown kind", false;
}
