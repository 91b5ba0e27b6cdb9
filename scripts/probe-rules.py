#!/usr/bin/env python3
"""probe-rules.py: compare domsh's define with libvirt's parser, value by value.

For every attribute and text value of the schema table (core/xml/schema.c,
listed by scripts/schema-dump.c), define a minimal domain holding a probe
value with `virsh -c test:///default` (the oracle: libvirt's parser) and with
build/domsh, then compare: one accepts and the other refuses, or both accept
and store different text.  Values that are not closed enums get a set of
awkward numbers and strings; enums get case and blank variants of their
values.  A developer tool (needs virsh and a built tree), not part of make
check: every rule it finds becomes a written-out case in tests/test_rules.c.

    scripts/probe-rules.py [-v] [--only SUBSTRING] [--domsh PATH]

-v lists the agreements too; --only probes the values whose PATH@ATTR
contains SUBSTRING; --domsh compares another build (default build/domsh).

Frugal: one virsh process and one domsh process for the whole run (commands
on stdin), files in a temporary directory that is removed afterwards.
"""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UUID = "c7a5fdbd-edaf-9455-926a-d65c16db1809"
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

# the generic probe values of a value that is not a closed enum
GENERIC = ["-1", "0", "1", "65536", "4294967296", "18446744073709551616", "0x10", "010",
           " 5", "5 ", "", "+5", "1.5", "\u00e9", "a,b", "a'b", 'a"b', "a b", "abc", "ABC",
           "/a/b", "a/b", "a;b", "a=b", "-a"]
# awkward but plausible values per kind (schema_kind_name's words)
BY_KIND = {
    "uuid": [UUID.upper(), UUID.replace("-", ""), "c7a5fdbdedaf9455-926a-d65c16db1809",
             "c7-a5fdbd-edaf-9455-926a-d65c16db1809", "{" + UUID + "}", UUID + "0"],
    "MAC address": ["52:54:00:AB:CD:EF", "52-54-00-ab-cd-ef", "5:4:0:a:b:c", "01:00:00:00:00:00",
                    "52:54:00:ab:cd", "52:54:00:ab:cd:ef:01", "525400abcdef", "00:00:00:00:00:00",
                    "ff:ff:ff:ff:ff:ff", "052:54:00:ab:cd:ef"],
    "domain name": ["web server", ".x", "-x", "x" * 256, "a\tb", "a\\b", "_x", "x."],
    "path": ["rel/path", "/a b", "/a,b", "./a", "~/a"],
    "unsigned integer": ["007", "0x1F", "-0", "99999999999"],
    "integer": ["-2", "65535", "65536", "5900", "-0", "0x1710"],
    "integer (decimal, 0x hex or 0 octal)": ["0xFFFF", "0XFF", "0x", "00", "-0x1", "0x1f", "8", "08",
                                              "65535", "255", "31", "7"],
}
# extra values per (path, attr): values whose rule is specific
EXTRA = {
    ("domain/memory", "unit"): ["KiB", "kib", "K", "k", "M", "mb", "MB", "GiB", "G", "bytes", "b",
                                "B", "KiB ", "KB", "kB", "iB", "T", "P", "E", "Z"],
    ("domain/os/type", "arch"): ["x86_64", "X86_64", "i686", "aarch64", "armv7l", "none", "ppc64le"],
    ("domain/os/type", "machine"): ["pc", "q35", "pc-i440fx-7.2", "PC", "pc,accel=kvm"],
    ("domain/devices/disk/driver", "name"): ["qemu", "QEMU", "tap", "file", "phy"],
    ("domain/devices/disk/driver", "type"): ["raw", "RAW", "qcow2", "aio", "luks", "vmdk", "none",
                                             "iso", "qcow3", "host_device"],
    ("domain/devices/disk/target", "dev"): ["hda", "sda", "vdb", "xvda", "fda", "ubda", "vdaa",
                                            "VDA", "vd", "hd1", "sdzz", "nvme0n1"],
    ("domain/devices/interface/model", "type"): ["e1000", "E1000", "virtio", "VIRTIO", "rtl8139",
                                                 "ne2k_pci", "a.b", "am79c973"],
    ("domain/devices/interface/source", "address"): ["230.0.0.1", "::1", "localhost", "1.2.3"],
    ("domain/devices/graphics", "listen"): ["127.0.0.1", "0.0.0.0", "::", "localhost"],
    ("domain/devices/graphics", "keymap"): ["en-us", "de", "EN-US", "fr-ch"],
    ("domain/devices/graphics", "autoport"): ["yes", "no", "YES", "No"],
    ("domain/devices/hostdev", "managed"): ["yes", "no", "YES", "No"],
    ("domain/devices/graphics", "display"): [":0", ":0.0", "localhost:10.0"],
}
for dev in ("serial", "parallel", "console"):
    EXTRA[("domain/devices/%s/source" % dev, "service")] = ["4555", "telnet", "65536", "0", "http"]
    EXTRA[("domain/devices/%s/source" % dev, "host")] = ["127.0.0.1", "::1", "localhost", "[::1]"]
    EXTRA[("domain/devices/%s/target" % dev, "port")] = ["-2", "3", "0x3", "2147483648", "-2147483649"]

# disagreements domsh keeps on purpose: (path suffix, attr, values, reason)
KEPT = [
    ("domain/name", "#text", lambda v: v is not None and (v[:1] in ("-", ".") or len(v.encode()) > 255 or
     any(ord(ch) < 32 for ch in v)), "a name names files and is typed as an argument: no leading "
     "'-' or '.', no control character, at most 255 bytes (issue 10, item 6)"),
    ("domain/vcpu", "placement", [None], "libvirt 9.0 adds placement='static', boilerplate outside "
     "the 0.7.1 format that domsh keeps only when given"),
    ("domain/devices/hostdev", "managed", [None], "libvirt 9.0 adds managed='no'; domsh keeps the "
     "0.7.1 output, where no managed means no (the conformance facts ignore it)"),
    ("domain/os/type", "arch", ["", None], "libvirt's test driver fills in its own default arch (i686); "
     "domsh fills in none on define (the qemu backend uses the host's)"),
    ("", None, ["a'b"], "libvirt 9.0 writes this attribute unescaped (machine='a'b'), which is not "
     "XML; domsh escapes it"),
    ("interface/source", "port", ["-1", "-0", "65536"], "not a TCP/UDP port: QEMU's -netdev socket "
     "refuses it at start"),
    ("/source", "service", ["65536", "4294967296", "18446744073709551616"], "a numeric service "
     "over 65535 is no port: QEMU refuses the chardev at start"),
    ("serial/target", "port", ["-2"], "an ISA serial port is 0-3 (-1: the next free one); libvirt "
     "takes other negative numbers and dies on 2147483648 (-2147483648 as its int)"),
    ("graphics", "port", ["65536", "-2"], "not a TCP port (-1: allocate): QEMU's -vnc refuses it"),
    ("hostdev/source/vendor", "id", ["65536"], "QEMU's usb-host vendorid is 16 bits"),
    ("hostdev/source/product", "id", ["65536"], "QEMU's usb-host productid is 16 bits"),
    ("hostdev/source/address", "domain", ["65536"], "QEMU's vfio-pci host= parser caps the PCI "
     "domain at 0xffff (set_pci_host_devaddr)"),
]


def kept_reason(path, attr, value):
    for suffix, kattr, values, reason in KEPT:
        hit = values(value) if callable(values) else value in values
        if path.endswith(suffix) and kattr in (None, attr) and hit:
            return reason
    return None


DOM = ("<domain type='test'>%(name)s<uuid>" + UUID + "</uuid>%(top)s<memory>1024</memory>%(mem)s"
       "<os>%(os)s</os>%(tail)s<devices>%(dev)s</devices></domain>")
NAME = "<name>p</name>"


def dom(**kw):
    parts = {"name": NAME, "top": "", "mem": "", "os": "<type>hvm</type>", "tail": "", "dev": ""}
    parts.update(kw)
    return DOM % parts


def chardev(kind):
    """the templates of serial, parallel and console"""
    t = {
        "domain/devices/%s" % kind: dom(dev="<%s@type=pty@@tty=/dev/pts/3@/>" % kind),
        "domain/devices/%s/source" % kind: dom(
            dev="<%s type='tcp'><source@mode=bind@@host=127.0.0.1@@service=4555@/></%s>" % (kind, kind)),
        ("domain/devices/%s/source" % kind, "path"): dom(
            dev="<%s type='unix'><source mode='bind'@path=/tmp/s@/></%s>" % (kind, kind)),
        "domain/devices/%s/protocol" % kind: dom(
            dev="<%s type='tcp'><source mode='bind' host='127.0.0.1' service='4555'/>"
                "<protocol@type=telnet@/></%s>" % (kind, kind)),
    }
    if kind == "serial":
        t["domain/devices/serial/target"] = dom(dev="<serial type='pty'><target@type=isa-serial@@port=1@/></serial>")
        t["domain/devices/serial/target/model"] = dom(
            dev="<serial type='pty'><target type='isa-serial' port='0'><model@name=isa-serial@/></target></serial>")
    elif kind == "parallel":
        t["domain/devices/parallel/target"] = dom(dev="<parallel type='pty'><target@port=1@/></parallel>")
    else:
        t["domain/devices/console/target"] = dom(dev="<console type='pty'><target@type=serial@@port=0@/></console>")
    return t


DISK = "<disk type='file' device='disk'>%s<source file='/a'/><target dev='vda'/></disk>"
# one minimal domain per element (or per element and attribute where the
# context differs); @attr=default@ is where the probed attribute goes (the
# default when another one is probed), @=default@ the element's text
TEMPLATES = {
    "domain": "<domain@type=test@@id=5@><name>p</name><uuid>" + UUID + "</uuid><memory>1024</memory>"
              "<os><type>hvm</type></os></domain>",
    "domain/name": dom(name="<name>@=p@</name>"),
    "domain/uuid": "<domain type='test'><name>p</name><uuid>@=" + UUID + "@</uuid><memory>1024</memory>"
                   "<os><type>hvm</type></os></domain>",
    "domain/description": dom(top="<description>@=text@</description>"),
    "domain/memory": "<domain type='test'><name>p</name><uuid>" + UUID + "</uuid><memory@unit=KiB@>@=1024@"
                     "</memory><os><type>hvm</type></os></domain>",
    "domain/currentMemory": dom(mem="<currentMemory@unit=KiB@>@=512@</currentMemory>"),
    "domain/vcpu": dom(mem="<vcpu@placement=static@>@=2@</vcpu>"),
    "domain/bootloader": dom(mem="<bootloader>@=/usr/bin/pygrub@</bootloader>"),
    "domain/bootloader_args": dom(mem="<bootloader>/usr/bin/pygrub</bootloader>"
                                      "<bootloader_args>@=-q@</bootloader_args>"),
    "domain/os/type": dom(os="<type@arch=x86_64@@machine=pc@>@=hvm@</type>"),
    "domain/os/boot": dom(os="<type>hvm</type><boot@dev=hd@/>"),
    "domain/clock": dom(tail="<clock@offset=utc@/>"),
    "domain/devices/emulator": dom(dev="<emulator>@=/usr/bin/qemu-system-x86_64@</emulator>"),
    "domain/devices/disk": dom(dev="<disk@type=file@@device=disk@><source file='/a'/><target dev='vda'/></disk>"),
    "domain/devices/disk/driver": dom(dev=DISK % "<driver@name=qemu@@type=raw@/>"),
    "domain/devices/disk/source": dom(dev="<disk type='file' device='disk'><source@file=/a@/><target dev='vda'/></disk>"),
    ("domain/devices/disk/source", "dev"): dom(
        dev="<disk type='block' device='disk'><source@dev=/dev/sdb@/><target dev='vda'/></disk>"),
    "domain/devices/disk/target": dom(dev="<disk type='file' device='disk'><source file='/a'/><target@dev=vda@@bus=virtio@/></disk>"),
    "domain/devices/disk/encryption": dom(
        dev="<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><encryption@format=qcow@>"
            "<secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption></disk>"),
    "domain/devices/disk/encryption/secret": dom(
        dev="<disk type='file' device='disk'><source file='/a'/><target dev='vda'/><encryption format='qcow'>"
            "<secret@type=passphrase@@uuid=0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f@/></encryption></disk>"),
    "domain/devices/interface": dom(dev="<interface@type=user@/>"),
    "domain/devices/interface/mac": dom(dev="<interface type='user'><mac@address=52:54:00:11:22:33@/></interface>"),
    ("domain/devices/interface/source", "network"): dom(
        dev="<interface type='network'><source@network=default@/></interface>"),
    ("domain/devices/interface/source", "bridge"): dom(
        dev="<interface type='bridge'><source@bridge=br0@/></interface>"),
    "domain/devices/interface/source": dom(
        dev="<interface type='mcast'><source@address=230.0.0.1@@port=5558@/></interface>"),
    "domain/devices/interface/script": dom(dev="<interface type='ethernet'><script@path=/etc/qemu-ifup@/></interface>"),
    "domain/devices/interface/target": dom(dev="<interface type='ethernet'><target@dev=tap0@/></interface>"),
    "domain/devices/interface/model": dom(dev="<interface type='user'><model@type=e1000@/></interface>"),
    "domain/devices/input": dom(dev="<input@type=mouse@@bus=ps2@/>"),
    "domain/devices/graphics": dom(
        dev="<graphics@type=vnc@@port=5901@@autoport=no@@listen=127.0.0.1@@passwd=secret@@keymap=en-us@/>"),
    ("domain/devices/graphics", "display"): dom(dev="<graphics type='sdl'@display=:0@/>"),
    ("domain/devices/graphics", "xauth"): dom(dev="<graphics type='sdl'@xauth=/root/.Xauthority@/>"),
    ("domain/devices/graphics", "fullscreen"): dom(dev="<graphics type='sdl'@fullscreen=yes@/>"),
    "domain/devices/sound": dom(dev="<sound@model=ac97@/>"),
    "domain/devices/hostdev": dom(
        dev="<hostdev@mode=subsystem@@type=usb@@managed=yes@><source><vendor id='0x1234'/>"
            "<product id='0x5678'/></source></hostdev>"),
    "domain/devices/hostdev/source/vendor": dom(
        dev="<hostdev mode='subsystem' type='usb'><source><vendor@id=0x1234@/><product id='0x5678'/></source></hostdev>"),
    "domain/devices/hostdev/source/product": dom(
        dev="<hostdev mode='subsystem' type='usb'><source><vendor id='0x1234'/><product@id=0x5678@/></source></hostdev>"),
    "domain/devices/hostdev/source/address": dom(
        dev="<hostdev mode='subsystem' type='pci' managed='yes'><source><address@domain=0x0000@@bus=0x00@"
            "@slot=0x01@@function=0x0@/></source></hostdev>"),
    ("domain/devices/hostdev/source/address", "device"): dom(
        dev="<hostdev mode='subsystem' type='usb'><source><address@bus=1@@device=2@/></source></hostdev>"),
}
for _k in ("serial", "parallel", "console"):
    TEMPLATES.update(chardev(_k))
# texts: element, default, what goes before it in <os> (None: a lifecycle action)
for _k, _default, _before in (("loader", "/usr/share/bios.bin", ""), ("kernel", "/boot/vmlinuz", ""),
                              ("initrd", "/boot/initrd", "<kernel>/k</kernel>"),
                              ("cmdline", "console=ttyS0", "<kernel>/k</kernel>"),
                              ("on_poweroff", "destroy", None), ("on_reboot", "restart", None),
                              ("on_crash", "destroy", None)):
    _text = "<%s>@=%s@</%s>" % (_k, _default, _k)
    TEMPLATES["domain/" + _k if _before is None else "domain/os/" + _k] = \
        dom(tail=_text) if _before is None else dom(os="<type>hvm</type>" + _before + _text)
TEMPLATES[("domain/devices/hostdev/source/address", "bus")] = None   # probed in both contexts below
USB_BUS = ("domain/devices/hostdev/source/address", "bus", "usb")


def fill(template, attr, value):
    """the template with value as attr (or as the text when attr is #text)"""
    def sub(m):
        name, default = m.group(1), m.group(2)
        if name == "" and attr == "#text":
            return escape(value)
        if name == "":
            return default or ""
        if name == attr:
            return ' %s="%s"' % (name, escape(value, {'"': "&quot;"})) if value is not None else ""
        return " %s='%s'" % (name, default) if default is not None else ""
    return re.sub(r"@([A-Za-z_]*)(?:=([^@]*))?@", sub, template)


def schema_values():
    exe = os.path.join(TMP, "schema-dump")
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-o", exe,
                    os.path.join(SRC, "scripts/schema-dump.c"),
                    os.path.join(SRC, "build/libdomsh.a")], check=True)
    out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def enum_variants(values):
    out = []
    for v in values:
        out += [v.upper(), v.capitalize(), " " + v, v + " "]
    return [v for i, v in enumerate(out) if v not in out[:i] and v not in values] + values[:1]


def probes_for(path, attr, kind, values):
    """(context label, template, probe values) of one schema value"""
    key = (path, attr)
    if key == USB_BUS[:2]:
        tpls = [("pci", TEMPLATES["domain/devices/hostdev/source/address"]),
                ("usb", TEMPLATES[("domain/devices/hostdev/source/address", "device")])]
    else:
        t = TEMPLATES.get(key) or TEMPLATES.get(path)
        tpls = [("", t)] if t else []
    if kind in ("enum", "yes|no"):
        vals = enum_variants(values.split("|") if values else ["yes", "no"])
    else:
        vals = GENERIC + BY_KIND.get(kind, []) + EXTRA.get(key, [])
    vals = [v for i, v in enumerate(vals) if v not in vals[:i]]
    if attr != "#text":
        vals.append(None)    # left out: is it required?
    return [(ctx, t, vals) for ctx, t in tpls]


def run_batch(argv, files, lookup, env=None):
    """define every file, a few hundred per process (the commands are one
    argument, as `virsh 'a; b'`); per file: (error text or None, stored xml)"""
    out, start = {}, 0
    while start < len(files):
        cmds, i = [], start
        while i < len(files) and sum(len(c) + 2 for c in cmds) < 100000:
            cmds += ["echo @@PROBE %d" % i, "define %s" % files[i], "dumpxml %s" % lookup[i],
                     "undefine %s" % lookup[i]]
            i += 1
        cmds.append("echo @@PROBE end")
        res = subprocess.run(["stdbuf", "-o0", "-e0"] + argv + ["; ".join(cmds)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        if os.environ.get("PROBE_RAW"):
            with open("%s.%s.%d" % (os.environ["PROBE_RAW"], os.path.basename(argv[0]), start), "w") as fh:
                fh.write(res.stdout)
        last = parse_batch(res.stdout, out)
        if last is not None and last + 1 < i:
            # the process died on probe `last` (libvirt aborts on a few
            # values): record it and go on with the next one
            tail = [l for l in res.stdout.splitlines() if l.strip()][-1:]
            out[last] = ("virsh died: " + (tail[0] if tail else "?"), None)
            i = last + 1
        start = i
    return out


def parse_batch(text, out):
    """record each probe of the output; the last index seen when the end
    marker is missing (None when the batch ran to its end)"""
    chunks = re.split(r"@@PROBE (\d+|end)\n?", text)
    last = None
    for i in range(1, len(chunks) - 1, 2):
        if chunks[i] == "end":
            return None
        last = int(chunks[i])
        part = chunks[i + 1]
        m = re.search(r"^<domain.*?^</domain>", part, flags=re.M | re.S)
        errs = [l[7:] for l in part.splitlines() if l.startswith("error: ")]
        errs = [e for e in errs if not e.startswith("Failed to define domain")]
        out[int(chunks[i])] = (None if m else (errs[0] if errs else "?"), m.group(0) if m else None)
    return last


def stored_value(xml, path, attr):
    """the stored text of path/@attr (None: not there)"""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return "<unparsable>"
    el = root if path == "domain" else root.find(path[len("domain/"):])
    if el is None:
        return None
    return (el.text or "") if attr == "#text" else el.get(attr)


def main():
    verbose = "-v" in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    entries, probes, unprobed = schema_values(), [], []
    for path, attr, kind, values in entries:
        if only and only not in path + "@" + attr:
            continue
        ps = probes_for(path, attr, kind, values)
        if not ps:
            unprobed.append("%s@%s" % (path, attr))
        for ctx, t, vals in ps:
            for v in vals:
                probes.append((path, attr, kind, ctx, v, fill(t, attr, v)))
    files, lookup = [], []
    for i, p in enumerate(probes):
        f = os.path.join(TMP, "p%d.xml" % i)
        with open(f, "w") as fh:
            fh.write(p[5])
        files.append(f)
        lookup.append("p" if p[0] == "domain/uuid" else UUID)    # the name may be the probe
    virsh = run_batch(["virsh", "-q", "-c", "test:///default"], files, lookup)
    env = dict(os.environ, DOMSH_ROOT=os.path.join(TMP, "root"))
    exe = sys.argv[sys.argv.index("--domsh") + 1] if "--domsh" in sys.argv else \
        os.path.join(SRC, "build/domsh")
    domsh = run_batch([exe, "-q", "-c", "test:///default"], files, lookup, env)
    report(probes, virsh, domsh, entries, unprobed, verbose)


def generated(path, value, stored):
    """a value each side makes up when there is none: a uuid, a MAC"""
    if path == "domain/uuid" and value == "":
        return re.match(UUID_RE, stored or "")
    return path.endswith("/mac") and value is None and re.match("^52:54:00(:[0-9a-f]{2}){3}$", stored or "")


def report(probes, virsh, domsh, entries, unprobed, verbose):
    diffs, kept, died = 0, 0, 0
    attrs = set()
    for i, (path, attr, kind, ctx, v, xml) in enumerate(probes):
        attrs.add((path, attr))
        (ve, vx), (de, dx) = virsh.get(i, ("lost", None)), domsh.get(i, ("lost", None))
        died += ve is not None and ve.startswith("virsh died")
        where = "%s@%s%s %r" % (path, attr, " (%s)" % ctx if ctx else "", v)
        if (ve is None) != (de is None):
            line = "virsh %s; domsh %s" % ("accepts" if ve is None else "refuses: " + ve,
                                           "accepts" if de is None else "refuses: " + de)
        elif ve is None:
            sv, sd = stored_value(vx, path, attr), stored_value(dx, path, attr)
            if generated(path, v, sv) and generated(path, v, sd):
                sv = sd = "(generated)"
            line = "stored virsh %r, domsh %r" % (sv, sd) if sv != sd else None
            if verbose and not line:
                print("same %s: both store %r" % (where, sv))
        else:
            line = None
            if verbose:
                print("same %s: both refuse (virsh: %s | domsh: %s)" % (where, ve, de))
        if line:
            diffs += 1
            reason = kept_reason(path, attr, v)
            kept += reason is not None
            print("%s %s: %s%s" % ("KEPT" if reason else "DIFF", where, line,
                                   " -- " + reason if reason else ""))
    print("probed %d schema values (%d in the table, %d without a template: %s), %d probes "
          "(libvirt died on %d), %d disagreements: %d kept on purpose, %d open"
          % (len(attrs), len(entries), len(unprobed), ", ".join(unprobed) or "-", len(probes), died,
             diffs, kept, diffs - kept))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="probe-rules.") as TMP:
        main()
