#!/usr/bin/env python3
"""qmp_storage.py: the QMP side of bench/migrate_storage.sh, what one would do
by hand over QMP for a live migration with non-shared storage (libvirt's
--copy-storage-all), beside what domsh does through its supervisors.

  qmp_storage.py cont SOCK       qmp_capabilities + cont (boot the -S guest)
  qmp_storage.py move SRC DST NBD MIG NODE
      SRC: the running guest's monitor; DST: a QEMU started with
      -incoming defer -S on its own image (node NODE).  The destination
      exports NODE over NBD on the unix socket NBD (nbd-server-start,
      block-export-add writable) and listens for the state on MIG; the
      source mirrors NODE into it (blockdev-add nbd, blockdev-mirror
      sync=full), waits for BLOCK_JOB_READY, migrates (live), and at
      completion cancels the ready mirror (a consistent end) and quits;
      the destination stops its NBD server and runs the guest.
"""
import json
import socket
import sys
import time


def connect(path):
    deadline = time.time() + 30
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.002)


class Qmp:
    def __init__(self, path):
        self.s = connect(path)
        self.f = self.s.makefile("rb")
        self.events = []
        self.read()                                  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise SystemExit("qmp_storage.py: QEMU closed the monitor")
        return json.loads(line)

    def cmd(self, execute, **args):
        self.s.sendall(json.dumps({"execute": execute, "arguments": args}).encode() + b"\r\n")
        while True:
            m = self.read()
            if "return" in m:
                return m["return"]
            if "error" in m:
                raise SystemExit("qmp_storage.py: %s: %s" % (execute, m["error"]["desc"]))
            self.events.append(m)

    def wait_event(self, name, ok):
        while True:
            m = self.events.pop(0) if self.events else self.read()
            if m.get("event") == name and ok(m.get("data", {})):
                return m["data"]
            if m.get("event") == "MIGRATION" and m["data"]["status"] in ("failed", "cancelled"):
                raise SystemExit("qmp_storage.py: migration " + m["data"]["status"])


def move(src, dst, nbd, mig, node):
    caps = [{"capability": "events", "state": True}]
    dst.cmd("migrate-set-capabilities", capabilities=caps)
    src.cmd("migrate-set-capabilities", capabilities=caps)
    dst.cmd("nbd-server-start", addr={"type": "unix", "data": {"path": nbd}})
    dst.cmd("block-export-add", type="nbd", id="e0", **{"node-name": node}, name="vda",
            writable=True)
    dst.cmd("migrate-incoming", uri="unix:" + mig)
    src.cmd("blockdev-add", driver="nbd", **{"node-name": "nbd0"},
            server={"type": "unix", "path": nbd}, export="vda")
    src.cmd("blockdev-mirror", **{"job-id": "m0"}, device=node, target="nbd0", sync="full")
    src.wait_event("BLOCK_JOB_READY", lambda d: d.get("device") == "m0")
    src.cmd("migrate-set-parameters", **{"max-bandwidth": 1 << 40})
    src.cmd("migrate", uri="unix:" + mig)
    src.wait_event("MIGRATION", lambda d: d["status"] == "completed")
    src.cmd("block-job-cancel", device="m0")
    src.wait_event("BLOCK_JOB_COMPLETED", lambda d: d.get("device") == "m0")
    dst.wait_event("MIGRATION", lambda d: d["status"] == "completed")
    dst.cmd("nbd-server-stop")
    dst.cmd("cont")
    src.cmd("quit")


def main():
    if sys.argv[1] == "cont":
        Qmp(sys.argv[2]).cmd("cont")
        return
    src, dst = Qmp(sys.argv[2]), Qmp(sys.argv[3])
    move(src, dst, sys.argv[4], sys.argv[5], sys.argv[6])


main()
