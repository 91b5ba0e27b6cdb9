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
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp_lib import Qmp  # noqa: E402


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
    q = Qmp(sock, "qmp_live.py")
    if verb == "cont":
        q.cmd("cont")
        return
    q.cmd("migrate-set-capabilities", capabilities=[{"capability": "events", "state": True}])
    live(q, verb, sys.argv[3] if len(sys.argv) > 3 else None)


main()
