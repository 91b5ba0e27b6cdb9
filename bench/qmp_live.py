#!/usr/bin/env python3
"""qmp_live.py: the QMP side of bench/migrate.sh (live migration), what one
would do by hand over QMP beside what domsh does through its supervisor.

  qmp_live.py cont SOCK          qmp_capabilities + cont (boot the -S guest)
  qmp_live.py out SOCK URI       bandwidth unlimited, migrate URI (live), wait
                                 completed; prints QEMU's total-time and downtime
                                 (ms, from query-migrate), then quits the source
  qmp_live.py in SOCK URI        (-incoming defer -S) migrate-incoming URI, wait
                                 completed, cont
  qmp_live.py watch SOCK         a second monitor of an emulator that domsh
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
            raise SystemExit("qmp_live.py: QEMU closed the monitor")
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
                raise SystemExit("qmp_live.py: %s: %s" % (name, m["error"]["desc"]))

    def wait_migration(self):
        while True:
            m = self.read()
            if m.get("event") == "MIGRATION":
                st = m["data"]["status"]
                if st == "completed":
                    return
                if st in ("failed", "cancelled"):
                    raise SystemExit("qmp_live.py: migration " + st)


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
    live(q, verb, sys.argv[3] if len(sys.argv) > 3 else None)


main()
