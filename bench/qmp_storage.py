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
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp_lib import Qmp  # noqa: E402


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
        Qmp(sys.argv[2], "qmp_storage.py").cmd("cont")
        return
    src, dst = Qmp(sys.argv[2], "qmp_storage.py"), Qmp(sys.argv[3], "qmp_storage.py")
    move(src, dst, sys.argv[4], sys.argv[5], sys.argv[6])


main()
