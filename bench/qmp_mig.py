#!/usr/bin/env python3
"""qmp_mig.py: the bare-QEMU peer of bench/save.sh, a QMP client doing by hand
what `domsh save` / `domsh restore` do through the supervisor.

  qmp_mig.py cont SOCK           qmp_capabilities + cont (boot the -S guest)
  qmp_mig.py save SOCK FILE      stop, bandwidth unlimited, getfd, migrate fd:,
                                 wait for MIGRATION completed, fdatasync, quit;
                                 prints the milliseconds from `stop` to completed
                                 and to the end of the fdatasync
  qmp_mig.py restore SOCK FILE   (QEMU started with -incoming defer -S) getfd,
                                 migrate-incoming fd:, wait completed, cont

and of bench/migrate.sh (live migration):

  qmp_mig.py out SOCK URI        bandwidth unlimited, migrate URI (live), wait
                                 completed; prints QEMU's total-time and downtime
                                 (ms, from query-migrate), then quits the source
  qmp_mig.py in SOCK URI         (-incoming defer -S) migrate-incoming URI, wait
                                 completed, cont
  qmp_mig.py watch SOCK          a second monitor of an emulator that domsh
                                 migrates: prints "ready", waits for MIGRATION
                                 completed, prints total-time and downtime
"""
import json
import os
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
        self.read()                                  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise SystemExit("qmp_mig.py: QEMU closed the monitor")
        return json.loads(line)

    def cmd(self, name, fd=None, **args):
        msg = json.dumps({"execute": name, "arguments": args}).encode() + b"\r\n"
        if fd is None:
            self.s.sendall(msg)
        else:
            socket.send_fds(self.s, [msg], [fd])
        while True:
            m = self.read()
            if "return" in m:
                return m["return"]
            if "error" in m:
                raise SystemExit("qmp_mig.py: %s: %s" % (name, m["error"]["desc"]))

    def wait_migration(self):
        while True:
            m = self.read()
            if m.get("event") == "MIGRATION":
                st = m["data"]["status"]
                if st == "completed":
                    return
                if st in ("failed", "cancelled"):
                    raise SystemExit("qmp_mig.py: migration " + st)


def live(q, verb, uri):
    if verb == "watch":
        print("ready", flush=True)
    elif verb == "in":
        q.cmd("migrate-incoming", uri=uri)
    else:
        q.cmd("migrate-set-parameters", **{"max-bandwidth": 1 << 40})
        q.cmd("migrate", uri=uri)
    q.wait_migration()
    if verb == "in":
        q.cmd("cont")
        return
    # QEMU says "completed" a moment before it computes total-time and
    # downtime (both 0 until then): ask again, briefly; "? ?" when the
    # emulator quit first (domsh finishes the source as soon as it can)
    figures = "? ?"
    try:
        for _ in range(50):
            info = q.cmd("query-migrate")
            if info.get("total-time"):
                figures = "%d %d" % (info["total-time"], info.get("downtime", -1))
                break
            time.sleep(0.02)
    except (OSError, SystemExit):
        pass
    print(figures, flush=True)
    if verb == "out":
        q.cmd("quit")


def main():
    verb, sock = sys.argv[1], sys.argv[2]
    q = Qmp(sock)
    if verb == "cont":
        q.cmd("cont")
        return
    q.cmd("migrate-set-capabilities", capabilities=[{"capability": "events", "state": True}])
    if verb in ("out", "in", "watch"):
        return live(q, verb, sys.argv[3] if len(sys.argv) > 3 else None)
    if verb == "save":
        fd = os.open(sys.argv[3], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        t0 = time.monotonic()
        q.cmd("stop")
        q.cmd("migrate-set-parameters", **{"max-bandwidth": 1 << 40})
        q.cmd("getfd", fd=fd, fdname="mig")
        q.cmd("migrate", uri="fd:mig")
        q.wait_migration()
        t1 = time.monotonic()
        os.fdatasync(fd)         # as durable as domsh's image (which also syncs its header)
        t2 = time.monotonic()
        os.close(fd)
        q.cmd("quit")
        print(int((t1 - t0) * 1000), int((t2 - t0) * 1000))
    else:
        fd = os.open(sys.argv[3], os.O_RDONLY)
        q.cmd("getfd", fd=fd, fdname="mig")
        q.cmd("migrate-incoming", uri="fd:mig")
        q.wait_migration()
        q.cmd("cont")
        os.close(fd)


main()
