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
};

#define DISK(drv) "<disk type='file' device='disk'>" drv "<source file='/a'/><target dev='vda'/></disk>"
#define HOSTDEV_USB(v, p) "<hostdev mode='subsystem' type='usb'><source><vendor id='" v "'/>" \
                          "<product id='" p "'/></source></hostdev>"

static const struct rule_case cases[] = {
    /* architectures: libvirt's list, case-sensitive */
    {" arch='X86_64'", "", "rules.xml:1: domain/os/type: unsupported configuration: Unknown "
                           "architecture X86_64", NULL},
    {" arch='none'", "", "rules.xml:1: domain/os/type: unsupported configuration: Unknown "
                         "architecture none", NULL},
    {" arch='ppc64le'", "", NULL, "<type arch='ppc64le'>hvm</type>"},
    /* disk formats: libvirt's list; 'aio' is stored as raw */
    {"", DISK("<driver name='qemu' type='qcow3'/>"), "rules.xml:1: domain/devices/disk/driver: "
         "unsupported configuration: unknown driver format value 'qcow3'", NULL},
    {"", DISK("<driver name='qemu' type='QCOW2'/>"), "rules.xml:1: domain/devices/disk/driver: "
         "unsupported configuration: unknown driver format value 'QCOW2'", NULL},
    {"", DISK("<driver name='qemu' type='luks'/>"), "rules.xml:1: domain/devices/disk/driver: "
         "unsupported configuration: unknown driver format value 'luks'", NULL},
    {"", DISK("<driver name='tap' type='aio'/>"), NULL, "<driver name='tap' type='raw'/>"},
    {"", DISK("<driver name='qemu' type='vmdk'/>"), NULL, "type='vmdk'"},
    /* NIC models: libvirt's character set (the model names a QEMU device) */
    {"", "<interface type='user'><model type='e1000,x=y'/></interface>",
     "rules.xml:1: domain/devices/interface/model: invalid argument: Model name contains invalid "
     "characters", NULL},
    {"", "<interface type='user'><model type='my model'/></interface>",
     "rules.xml:1: domain/devices/interface/model: invalid argument: Model name contains invalid "
     "characters", NULL},
    {"", "<interface type='user'><model type='virtio-net_PCI'/></interface>", NULL,
     "<model type='virtio-net_PCI'/>"},
    /* known NIC models compare without case and take libvirt's spelling */
    {"", "<interface type='user'><model type='E1000E'/></interface>", NULL,
     "<model type='e1000e'/>"},
    {"", "<interface type='user'><model type='am79c973'/></interface>", NULL,
     "<model type='Am79C973'/>"},
    {"", "<interface type='user'><model type='NE2K_PCI'/></interface>", NULL,
     "<model type='NE2K_PCI'/>"},
    /* USB ids: QEMU's 16 bits */
    {"", HOSTDEV_USB("0x10000", "1"), "rules.xml:1: domain/devices/hostdev/source/vendor: USB "
                                      "vendor id '0x10000' is out of range (at most 0xffff)", NULL},
    {"", HOSTDEV_USB("1", "65536"), "rules.xml:1: domain/devices/hostdev/source/product: USB "
                                    "product id '0x10000' is out of range (at most 0xffff)", NULL},
    {"", HOSTDEV_USB("0xffff", "0x1"), NULL, "<vendor id='0xffff'/>"},
    /* required companions */
    {"", DISK("<encryption format='qcow'><secret type='passphrase'/></encryption>"),
     "rules.xml:1: domain/devices/disk/encryption/secret: XML error: missing secret uuid or "
     "usage attribute", NULL},
    /* libvirt takes any target dev (VMware's '/dev/vmnet1' included) */
    {"", "<interface type='ethernet'><target dev='/dev/vmnet1'/></interface>", NULL,
     "<target dev='/dev/vmnet1'/>"},
    /* chardev ports: 32 bits as libvirt reads them; negative means the next free one */
    {"", "<serial type='pty'><target port='0x5'/></serial>", "rules.xml:1: domain/devices/serial/"
                                                           "target: XML error: Invalid port number: "
                                                           "0x5", NULL},
    {"", "<parallel type='pty'><target port='4294967296'/></parallel>", "rules.xml:1: domain/"
         "devices/parallel/target: XML error: Invalid port number: 4294967296", NULL},
    {"", "<serial type='pty'><target port='3'/></serial><serial type='pty'><target port='-1'/>"
         "</serial>", NULL, "<target port='4'/>"},
    /* yes, else no: as libvirt reads autoport and managed */
    {"", "<graphics type='vnc' autoport='YES' port='5901'/>", NULL,
     "<graphics type='vnc' port='5901' autoport='no'"},
    {"", "<hostdev mode='subsystem' type='pci' managed='maybe'><source><address domain='0' "
         "bus='0' slot='1' function='0'/></source></hostdev>", NULL, "managed='no'"},
    /* enumerations compare case-sensitively, as libvirt's do */
    {"", "<graphics type='VNC'/>", "rules.xml:1: domain/devices/graphics/@type: invalid value "
                                   "'VNC'", NULL},
    {"", "<graphics type='sdl' fullscreen='YES'/>", "rules.xml:1: domain/devices/graphics/"
                                                   "@fullscreen: invalid value 'YES'", NULL},
    {"", "<serial type='PTY'/>", "rules.xml:1: domain/devices/serial/@type: invalid value 'PTY'",
     NULL},
    {"", "<sound model='AC97'/>", "rules.xml:1: domain/devices/sound/@model: invalid value 'AC97'",
     NULL},
    {"", "<input type='MOUSE' bus='ps2'/>", "rules.xml:1: domain/devices/input/@type: invalid "
                                            "value 'MOUSE'", NULL},
    {"", DISK("<driver name='qemu' type='raw'/>") "<disk type='file'><source file='/b'/>"
         "<target dev='vdb' bus='VIRTIO'/></disk>",
     "rules.xml:1: domain/devices/disk[2]/target/@bus: invalid value 'VIRTIO'", NULL},
    /* ... and a MAC is stored in lower case, as libvirt stores it */
    {"", "<interface type='user'><mac address='52:54:00:AB:CD:EF'/></interface>", NULL,
     "<mac address='52:54:00:ab:cd:ef'/>"},
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
    char *xml = fmt("<domain type='test'><name>r</name><memory>1024</memory><os><type%s>hvm"
                    "</type></os><devices>%s</devices></domain>", c->os_attrs, c->devices);
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
