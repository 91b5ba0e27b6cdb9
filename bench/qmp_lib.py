"""qmp_lib.py: the small QMP client of the bench scripts (qmp_live.py,
qmp_storage.py): connect to a monitor socket, run commands, wait for events
(those that come while a command waits for its answer are kept)."""
import json
import socket
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
    def __init__(self, path, who="qmp"):
        self.who = who
        self.s = connect(path)
        self.f = self.s.makefile("rb")
        self.events = []
        self.read()                                  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise SystemExit("%s: QEMU closed the monitor" % self.who)
        return json.loads(line)

    def cmd(self, execute, fd=None, **args):
        msg = json.dumps({"execute": execute, "arguments": args}).encode() + b"\r\n"
        if fd is None:
            self.s.sendall(msg)
        else:
            socket.send_fds(self.s, [msg], [fd])
        while True:
            m = self.read()
            if "return" in m:
                return m["return"]
            if "error" in m:
                raise SystemExit("%s: %s: %s" % (self.who, execute, m["error"]["desc"]))
            self.events.append(m)

    def wait_event(self, name, ok):
        """the data of the first event NAME for which ok(data); a failed or
        cancelled migration ends the run"""
        while True:
            m = self.events.pop(0) if self.events else self.read()
            if m.get("event") == name and ok(m.get("data", {})):
                return m["data"]
            if m.get("event") == "MIGRATION" and m["data"]["status"] in ("failed", "cancelled"):
                raise SystemExit("%s: migration %s" % (self.who, m["data"]["status"]))

    def wait_migration(self):
        self.wait_event("MIGRATION", lambda d: d["status"] == "completed")
