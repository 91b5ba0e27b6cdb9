/* test_rules.c: define refuses what libvirt 9.0's parser refuses for the
 * value's shape, and stores values the way libvirt does (issue 10, item
 * 4).  One case per rule of core/xml/dom_rules.c and per enum case rule,
 * each checked against `virsh -c test:///default define`: an XML snippet,
 * then the error line expected, or (accepted) a piece of the stored XML. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/xml/domain.h"
#include "helpers.h"

struct rule_case {
    const char *os_attrs, *devices;
    const char *error;       /* the error line ("rules.xml:1: PATH: ..."), NULL: accepted */
    const char *stored;      /* accepted: this text is in the formatted XML */
    const char *doc;         /* a whole document instead of os_attrs and devices */
    const char *absent;      /* accepted: this text is not in the formatted XML */
};

/* a whole document: head + body + tail */
#define DOC(head, body) "<domain type='test'" head "><name>r</name>" body "</domain>"
#define OS_HVM "<memory>1024</memory><os><type>hvm</type></os>"
#define DOC_OK(head, body, stored, absent) {"", "", NULL, stored, DOC(head, body), absent}
#define DOC_ERR(body, error) {"", "", error, NULL, DOC("", body), NULL}
#define DISK(drv) "<disk type='file' device='disk'>" drv "<source file='/a'/><target dev='vda'/></disk>"
#define HOSTDEV_USB(v, p) "<hostdev mode='subsystem' type='usb'><source><vendor id='" v "'/>" \
                          "<product id='" p "'/></source></hostdev>"

static const struct rule_case cases[] = {
    /* architectures: libvirt's list, case-sensitive */
    {" arch='X86_64'", "", "rules.xml:1: domain/os/type: unsupported configuration: Unknown "
                           "architecture X86_64", NULL, NULL, NULL},
    {" arch='none'", "", "rules.xml:1: domain/os/type: unsupported configuration: Unknown "
                         "architecture none", NULL, NULL, NULL},
    {" arch='ppc64le'", "", NULL, "<type arch='ppc64le'>hvm</type>", NULL, NULL},
    /* disk formats: libvirt's list; 'aio' is stored as raw */
    {"", DISK("<driver name='qemu' type='qcow3'/>"), "rules.xml:1: domain/devices/disk/driver: "
         "unsupported configuration: unknown driver format value 'qcow3'", NULL, NULL, NULL},
    {"", DISK("<driver name='qemu' type='QCOW2'/>"), "rules.xml:1: domain/devices/disk/driver: "
         "unsupported configuration: unknown driver format value 'QCOW2'", NULL, NULL, NULL},
    {"", DISK("<driver name='qemu' type='luks'/>"), "rules.xml:1: domain/devices/disk/driver: "
         "unsupported configuration: unknown driver format value 'luks'", NULL, NULL, NULL},
    {"", DISK("<driver name='tap' type='aio'/>"), NULL, "<driver name='tap' type='raw'/>", NULL, NULL},
    {"", DISK("<driver name='qemu' type='vmdk'/>"), NULL, "type='vmdk'", NULL, NULL},
    /* NIC models: libvirt's character set (the model names a QEMU device) */
    {"", "<interface type='user'><model type='e1000,x=y'/></interface>",
     "rules.xml:1: domain/devices/interface/model: invalid argument: Model name contains invalid "
     "characters", NULL, NULL, NULL},
    {"", "<interface type='user'><model type='my model'/></interface>",
     "rules.xml:1: domain/devices/interface/model: invalid argument: Model name contains invalid "
     "characters", NULL, NULL, NULL},
    {"", "<interface type='user'><model type='virtio-net_PCI'/></interface>", NULL,
     "<model type='virtio-net_PCI'/>", NULL, NULL},
    /* known NIC models compare without case and take libvirt's spelling */
    {"", "<interface type='user'><model type='E1000E'/></interface>", NULL,
     "<model type='e1000e'/>", NULL, NULL},
    {"", "<interface type='user'><model type='am79c973'/></interface>", NULL,
     "<model type='Am79C973'/>", NULL, NULL},
    {"", "<interface type='user'><model type='NE2K_PCI'/></interface>", NULL,
     "<model type='NE2K_PCI'/>", NULL, NULL},
    /* USB ids: QEMU's 16 bits */
    {"", HOSTDEV_USB("0x10000", "1"), "rules.xml:1: domain/devices/hostdev/source/vendor: USB "
                                      "vendor id '0x10000' is out of range (at most 0xffff)", NULL, NULL, NULL},
    {"", HOSTDEV_USB("1", "65536"), "rules.xml:1: domain/devices/hostdev/source/product: USB "
                                    "product id '65536' is out of range (at most 0xffff)", NULL, NULL, NULL},
    {"", HOSTDEV_USB("0xffff", "0x1"), NULL, "<vendor id='0xffff'/>", NULL, NULL},
    /* required companions */
    {"", DISK("<encryption><secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>"
              "</encryption>"), "rules.xml:1: domain/devices/disk/encryption: XML error: unknown "
                                "volume encryption format", NULL, NULL, NULL},
    {"", DISK("<encryption format='qcow'><secret type='passphrase'/></encryption>"),
     "rules.xml:1: domain/devices/disk/encryption/secret: XML error: missing secret uuid or "
     "usage attribute", NULL, NULL, NULL},
    /* libvirt takes any target dev (VMware's '/dev/vmnet1' included) */
    {"", "<interface type='ethernet'><target dev='/dev/vmnet1'/></interface>", NULL,
     "<target dev='/dev/vmnet1'/>", NULL, NULL},
    /* chardev ports: 32 bits as libvirt reads them; negative means the next free one */
    {"", "<serial type='pty'><target port='0x5'/></serial>", "rules.xml:1: domain/devices/serial/"
                                                           "target: XML error: Invalid port number: "
                                                           "0x5", NULL, NULL, NULL},
    {"", "<parallel type='pty'><target port='4294967296'/></parallel>", "rules.xml:1: domain/"
         "devices/parallel/target: XML error: Invalid port number: 4294967296", NULL, NULL, NULL},
    {"", "<serial type='pty'><target port='3'/></serial><serial type='pty'><target port='-1'/>"
         "</serial>", NULL, "<target port='4'/>", NULL, NULL},
    /* yes, else no: as libvirt reads autoport and managed */
    {"", "<graphics type='vnc' autoport='YES' port='5901'/>", NULL,
     "<graphics type='vnc' port='5901' autoport='no'", NULL, NULL},
    {"", "<hostdev mode='subsystem' type='pci' managed='maybe'><source><address domain='0' "
         "bus='0' slot='1' function='0'/></source></hostdev>", NULL, "managed='no'", NULL, NULL},
    /* enumerations compare case-sensitively, as libvirt's do */
    {"", "<graphics type='VNC'/>", "rules.xml:1: domain/devices/graphics/@type: invalid value "
                                   "'VNC'", NULL, NULL, NULL},
    {"", "<graphics type='sdl' fullscreen='YES'/>", "rules.xml:1: domain/devices/graphics/"
                                                   "@fullscreen: invalid value 'YES'", NULL, NULL, NULL},
    {"", "<serial type='PTY'/>", "rules.xml:1: domain/devices/serial/@type: invalid value 'PTY'",
     NULL, NULL, NULL},
    {"", "<sound model='AC97'/>", "rules.xml:1: domain/devices/sound/@model: invalid value 'AC97'",
     NULL, NULL, NULL},
    {"", "<input type='MOUSE' bus='ps2'/>", "rules.xml:1: domain/devices/input/@type: invalid "
                                            "value 'MOUSE'", NULL, NULL, NULL},
    {"", DISK("<driver name='qemu' type='raw'/>") "<disk type='file'><source file='/b'/>"
         "<target dev='vdb' bus='VIRTIO'/></disk>",
     "rules.xml:1: domain/devices/disk[2]/target/@bus: invalid value 'VIRTIO'", NULL, NULL, NULL},
    /* ... and a MAC is stored in lower case, as libvirt stores it */
    {"", "<interface type='user'><mac address='52:54:00:AB:CD:EF'/></interface>", NULL,
     "<mac address='52:54:00:ab:cd:ef'/>", NULL, NULL},

    /* found by scripts/probe-rules.py.  Numbers as libvirt's virStrToLong
     * reads them: blanks and '+' before the digits, nothing after; stored
     * in decimal (the leading 0 of '010' is not octal) */
    DOC_OK("", "<memory> 2048</memory><os><type>hvm</type></os>", "<memory unit='KiB'>2048</memory>",
           NULL),
    DOC_OK("", "<memory>+2048</memory><os><type>hvm</type></os>", "<memory unit='KiB'>2048</memory>",
           NULL),
    DOC_ERR("<memory>2048 </memory><os><type>hvm</type></os>", "rules.xml:1: domain/memory: invalid "
            "value '2048 ' for element of type unsigned integer: not an unsigned decimal integer"),
    DOC_OK("", OS_HVM "<vcpu>010</vcpu>", "<vcpu>10</vcpu>", NULL),
    {"", "<graphics type='vnc' port='+5901' autoport='no'/>", NULL, "port='5901'", NULL, NULL},
    {"", "<interface type='mcast'><source address='230.0.0.1' port='010'/></interface>", NULL,
     "<source address='230.0.0.1' port='10'/>", NULL, NULL},
    {"", HOSTDEV_USB(" 0x1234", "+0x10"), NULL, "<vendor id='0x1234'/>", NULL, NULL},
    {"", "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='+1' slot='2' "
         "function='0'/></source></hostdev>", NULL, "bus='0x01'", NULL, NULL},
    {"", "<parallel type='pty'><target port=' 5'/></parallel>", NULL, "<target port='5'/>", NULL, NULL},
    /* a running domain's id is ignored on define, whatever it is */
    DOC_OK(" id='x1'", OS_HVM, "<domain type='test'>", "id="),
    /* enumerations are taken exactly: no blanks around them */
    DOC_ERR("<memory>1024</memory><os><type> hvm</type></os>", "rules.xml:1: domain/os/type: "
            "invalid value ' hvm' (expected hvm|xen|linux)"),
    DOC_ERR(OS_HVM "<on_crash>destroy </on_crash>", "rules.xml:1: domain/on_crash: invalid value "
            "'destroy ' (expected destroy|restart|preserve|rename-restart)"),
    /* an empty value is no value, as libvirt reads these (one case per entry) */
    DOC_OK("", "<uuid></uuid>" OS_HVM, "<uuid>", "<uuid></uuid>"),
    DOC_OK("", "<description></description>" OS_HVM, "<name>r</name>", "<description"),
    DOC_OK("", "<memory unit=''>1024</memory><os><type>hvm</type></os>",
           "<memory unit='KiB'>1024</memory>", NULL),
    DOC_OK("", "<memory>2048</memory><currentMemory></currentMemory><os><type>hvm</type></os>",
           "<currentMemory unit='KiB'>2048</currentMemory>", NULL),
    DOC_OK("", "<memory>2048</memory><currentMemory unit=''>1024</currentMemory><os><type>hvm"
               "</type></os>", "<currentMemory unit='KiB'>1024</currentMemory>", NULL),
    DOC_OK("", "<memory>1024</memory><bootloader></bootloader><os><type>hvm</type></os>",
           "<boot dev='hd'/>", "<bootloader"),
    DOC_OK("", "<memory>1024</memory><bootloader>/bin/pygrub</bootloader><bootloader_args>"
               "</bootloader_args><os><type>hvm</type></os>", "<bootloader>", "<bootloader_args"),
    {" arch=''", "", NULL, "<type>hvm</type>", NULL, "arch="},
    {" machine=''", "", NULL, "<type>hvm</type>", NULL, "machine="},
    DOC_OK("", "<memory>1024</memory><os><type>hvm</type><kernel></kernel></os>", "<os>", "<kernel"),
    DOC_OK("", "<memory>1024</memory><os><type>hvm</type><kernel>/k</kernel><initrd></initrd></os>",
           "<kernel>/k</kernel>", "<initrd"),
    DOC_OK("", "<memory>1024</memory><os><type>hvm</type><kernel>/k</kernel><cmdline></cmdline>"
               "</os>", "<kernel>/k</kernel>", "<cmdline"),
    {"", "<emulator></emulator>", NULL, "<devices/>", NULL, "<emulator"},
    {"", "<disk type='file' device='disk'><source file=''/><target dev='vda'/></disk>",
     "rules.xml:1: domain/devices/disk: missing source information for device 'vda'", NULL, NULL, NULL},
    {"", "<disk type='block' device='disk'><source dev=''/><target dev='vda'/></disk>",
     "rules.xml:1: domain/devices/disk: missing source information for device 'vda'", NULL, NULL, NULL},
    {"", "<interface type='ethernet'><script path=''/></interface>", NULL, "<interface", NULL,
     "<script"},
    {"", "<interface type='user'><model type=''/></interface>", NULL, "<interface", NULL, "<model"},
    {"", "<graphics type='vnc' listen=''/>", NULL, "<graphics type='vnc'", NULL, "listen"},
    /* ... but not a loader's */
    DOC_ERR("<memory>1024</memory><os><type>hvm</type><loader></loader></os>", "rules.xml:1: "
            "domain/os/loader: no loader path specified and firmware auto selection disabled"),
    /* a secret's uuid is stored as libvirt stores uuids */
    {"", DISK("<encryption format='qcow'><secret type='passphrase' "
              "uuid='0A81F5B284037B23C8D621CCC2F80D6F'/></encryption>"), NULL,
     "uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'", NULL, NULL},
    /* USB: a vendor id is never 0 (a product id may be); host addresses are 32 bits */
    {"", HOSTDEV_USB("0", "1"), "rules.xml:1: domain/devices/hostdev/source/vendor: XML error: "
                               "Invalid value for attribute 'id' in element 'vendor': Zero is not "
                               "permitted", NULL, NULL, NULL},
    {"", HOSTDEV_USB("1", "0"), NULL, "<product id='0x0000'/>", NULL, NULL},
    {"", "<hostdev mode='subsystem' type='usb'><source><address bus='4294967296' device='1'/>"
         "</source></hostdev>", "rules.xml:1: domain/devices/hostdev/source/address: XML error: "
         "Invalid value for attribute 'bus' in element 'address': '4294967296'. Expected "
         "non-negative integer value", NULL, NULL, NULL},
    {"", "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='4294967296'/>"
         "</source></hostdev>", "rules.xml:1: domain/devices/hostdev/source/address: XML error: "
         "Invalid value for attribute 'device' in element 'address': '4294967296'. Expected "
         "non-negative integer value", NULL, NULL, NULL},
    /* chardev ports: an ISA serial port is one of four; elsewhere any int,
     * stored as libvirt's int (only -1 means the next free one) */
    {"", "<serial type='pty'><target type='isa-serial' port='4'/></serial>", "rules.xml:1: "
         "domain/devices/serial/target: internal error: Maximum supported number of ISA serial "
         "ports is '4'", NULL, NULL, NULL},
    {"", "<serial type='pty'><target type='isa-serial' port='2147483648'/></serial>",
     "rules.xml:1: domain/devices/serial/target: internal error: Maximum supported number of ISA "
     "serial ports is '4'", NULL, NULL, NULL},
    {"", "<serial type='pty'><target port='4'/></serial>", NULL, "<target port='4'/>", NULL, NULL},
    {"", "<parallel type='pty'><target port='-2'/></parallel>", NULL, "<target port='-2'/>", NULL, NULL},
    {"", "<parallel type='pty'><target port='2147483648'/></parallel>", NULL,
     "<target port='-2147483648'/>", NULL, NULL},
    /* a console's own port is checked before it becomes a copy of serial 0 */
    {"", "<console type='pty'><target type='serial' port='0x3'/></console>", "rules.xml:1: "
         "domain/devices/console/target: XML error: Invalid port number: 0x3", NULL, NULL, NULL},
    /* a hard disk is not named like a floppy */
    {"", "<disk type='file' device='disk'><source file='/a'/><target dev='fda' bus='virtio'/></disk>",
     "rules.xml:1: domain/devices/disk/target: internal error: Invalid harddisk device name: fda",
     NULL, NULL, NULL},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* one test per case; the parameter is its index (criterion re-executes the
 * binary, so pointers into this one's data cannot be parameters) */
ParameterizedTestParameters(rules, libvirt_value_rules)
{
    static size_t index[NCASES];
    for (size_t i = 0; i < NCASES; i++)
        index[i] = i;
    return cr_make_param_array(size_t, index, NCASES);
}

ParameterizedTest(size_t *i, rules, libvirt_value_rules)
{
    const struct rule_case *c = &cases[*i];
    char *xml = c->doc ? fmt("%s", c->doc)
                       : fmt("<domain type='test'><name>r</name><memory>1024</memory><os><type%s>"
                             "hvm</type></os><devices>%s</devices></domain>", c->os_attrs,
                             c->devices);
    struct err *e = NULL;
    struct dnode *dom = dom_load_string(xml, strlen(xml), "rules.xml", NULL, &e);
    if (c->error) {
        cr_assert_null(dom, "accepted: %s", xml);
        cr_assert(strncmp(e->msg, c->error, strlen(c->error)) == 0 && !strchr(e->msg, '\n'),
                  "%s\n  got: %s\n want: %s", xml, e->msg, c->error);
    } else {
        cr_assert(dom, "%s: %s", xml, e ? e->msg : "");
        char *out = dom_format(dom, DOM_FMT_INACTIVE);
        cr_assert(strstr(out, c->stored), "%s\n  stored:\n%s\n  lacks: %s", xml, out, c->stored);
        cr_assert(!c->absent || !strstr(out, c->absent), "%s\n  stored:\n%s\n  has: %s", xml, out,
                  c->absent);
        free(out);
    }
    dnode_free(dom);
    err_free(e);
    free(xml);
}

/* a refused device fragment (attach-device) goes through the same rules */
Test(rules, device_fragments_too)
{
    static const char frag[] = "<interface type='user'><model type='a.b'/></interface>";
    struct err *e = NULL;
    struct dnode *d = dom_parse_device(frag, strlen(frag), "frag.xml", NULL, &e);
    cr_assert_null(d);
    cr_assert(strstr(e->msg, "frag.xml:1: interface/model: invalid argument: "
                             "Model name contains invalid characters"), "%s", e->msg);
    err_free(e);
}
