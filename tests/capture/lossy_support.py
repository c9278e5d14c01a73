"""Real Linux connections with one segment lost after the capture point, captured with tcpdump, with ``ss`` after.

A capture has one vantage point: a segment it shows may still be lost beyond it, and then the
capture alone shows the segment, not its loss (issue 14's "two readings"). To make that happen for
real, the client and the server are network namespaces joined through a third, a router: tcpdump
captures on the router's interface toward the sender of the segment to lose, and the router's
other interface drops it on its way out, for as long as it takes that first copy to go by; the
copies sent again then get through. (The drop is an HTB class whose queue holds nothing, chosen
by a u32 filter on the TCP flags: the kernels this runs on may have no tc drop action.)

- ``lost-syn-ack``: the server's first SYN,ACK (captured toward the server); the client sends its
  SYN again, the server its SYN,ACK, and both end ESTABLISHED.
- ``lost-final-ack``: the client closes first, the server then; the client's ACK of the server's
  FIN is lost (captured toward the client); the server sends its FIN again from LAST-ACK, the
  client, in TIME-WAIT, acknowledges it again, and the server is CLOSED.

``ss -tan`` is read in both namespaces once nothing is half-way (no LAST-ACK, SYN-SENT or
SYN-RECEIVED), then tcpdump is stopped. Needs root (namespaces, tc) and tcpdump; raises
:class:`~capture_support.CaptureUnavailable` otherwise. Run as a script to (re)make the shipped
captures::

    python tests/capture/lossy_support.py tests/capture/data
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from capture_support import SS_STATES, CaptureUnavailable, start_tcpdump, stop_tcpdump

LOSSES = ("lost-syn-ack", "lost-final-ack")
CLIENT, SERVER, PORT = "10.77.1.2", "10.77.2.2", 8080
SYN_ACK, PURE_ACK = 0x12, 0x10

SERVER_SCRIPT = f"""
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("{SERVER}", {PORT}))
s.listen(1)
print("listening", flush=True)
c, _ = s.accept()
assert c.recv(100) == b"hello"
c.sendall(b"world")
if sys.stdin.readline().strip() == "close":
    while c.recv(100):
        pass
    print("eof", flush=True)
    sys.stdin.readline()
    c.close()
    print("closed", flush=True)
    sys.stdin.readline()
"""
CLIENT_SCRIPT = f"""
import socket, sys
c = socket.create_connection(("{SERVER}", {PORT}), timeout=10)
c.sendall(b"hello")
assert c.recv(100) == b"world"
print(c.getsockname()[1], flush=True)
if sys.stdin.readline().strip() == "close":
    c.close()
    print("closed", flush=True)
    sys.stdin.readline()
"""


@dataclass
class LossyCapture:
    """A capture file and what ``ss -tan`` showed for its connection before tcpdump stopped."""

    path: str
    loss: str
    client: str
    server: str
    ss: dict[str, str]
    """client/server -> the state ``ss -tan`` showed in its namespace (CLOSED: not listed)."""
    ss_lines: list[str]


class Net:
    """Three namespaces: client (c0, 10.77.1.2) — (r0) router (r1) — (s1, 10.77.2.2) server."""

    def __init__(self) -> None:
        tag = f"tcpsim{os.getpid()}"
        self.c, self.r, self.s = f"{tag}c", f"{tag}r", f"{tag}s"
        self.made: list[str] = []

    def run(self, ns: str | None, *command: str) -> str:
        full = (["ip", "netns", "exec", ns] if ns else []) + list(command)
        done = subprocess.run(full, capture_output=True, text=True, timeout=20)
        if done.returncode:
            raise CaptureUnavailable(f"{' '.join(full)}: {done.stderr.strip()}")
        return done.stdout

    def __enter__(self) -> Net:
        if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("tc") or not shutil.which("ss"):
            raise CaptureUnavailable("needs root, ip, tc and ss")
        try:
            for ns in (self.c, self.r, self.s):
                self.run(None, "ip", "netns", "add", ns)
                self.made.append(ns)
            self.run(None, "ip", "link", "add", "c0", "netns", self.c, "type", "veth", "peer", "r0", "netns", self.r)
            self.run(None, "ip", "link", "add", "s1", "netns", self.s, "type", "veth", "peer", "r1", "netns", self.r)
            for ns, dev, addr in (
                (self.c, "c0", f"{CLIENT}/24"),
                (self.r, "r0", "10.77.1.1/24"),
                (self.r, "r1", "10.77.2.1/24"),
                (self.s, "s1", f"{SERVER}/24"),
            ):
                self.run(ns, "ip", "addr", "add", addr, "dev", dev)
                self.run(ns, "ip", "link", "set", dev, "up")
                self.run(ns, "ip", "link", "set", "lo", "up")
            self.run(self.c, "ip", "route", "add", "default", "via", "10.77.1.1")
            self.run(self.s, "ip", "route", "add", "default", "via", "10.77.2.1")
            self.run(self.r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            for dev in ("r0", "r1"):  # a class that passes everything, and one that drops everything
                self.run(self.r, "tc", "qdisc", "add", "dev", dev, "root", "handle", "1:", "htb", "default", "1")
                for cls in ("1:1", "1:2"):
                    self.run(
                        self.r, "tc", "class", "add", "dev", dev, "parent", "1:", "classid", cls, "htb", "rate", "1gbit"
                    )
                self.run(self.r, "tc", "qdisc", "add", "dev", dev, "parent", "1:2", "pfifo", "limit", "0")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for ns in self.made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)

    def drop(self, dev: str, flags: int, source: str) -> None:
        """Drop, on the router's ``dev`` on the way out, the TCP segments from ``source`` with exactly ``flags``."""
        self.run(self.r, "tc", "filter", "add", "dev", dev, "parent", "1:", "protocol", "ip", "prio", "1", "u32",
                 "match", "ip", "src", f"{source}/32", "match", "ip", "protocol", "6", "0xff",
                 "match", "u8", hex(flags), "0xff", "at", "33", "flowid", "1:2")  # fmt: skip

    def undrop(self, dev: str) -> None:
        self.run(self.r, "tc", "filter", "del", "dev", dev, "parent", "1:", "prio", "1")

    def dropped(self, dev: str) -> int:
        out = self.run(self.r, "tc", "-s", "qdisc", "show", "dev", dev)
        return sum(int(w.split()[0].rstrip(",")) for w in out.split("dropped ")[1:])

    def ss(self, ns: str) -> list[tuple[str, str, str]]:
        found = []
        for line in self.run(ns, "ss", "-tanH").splitlines():
            fields = line.split()
            if len(fields) >= 5 and fields[0] != "LISTEN":
                found.append((SS_STATES.get(fields[0], fields[0]), fields[3], fields[4]))
        return found

    def python(self, ns: str, script: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )


def _line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line:
        raise CaptureUnavailable(f"a socket script ended early (exit code {process.wait(5)})")
    return line


def _say(process: subprocess.Popen[str], text: str) -> None:
    assert process.stdin is not None
    process.stdin.write(text + "\n")
    process.stdin.flush()


def capture(loss: str, path: Path, tcpdump: str) -> LossyCapture:
    """Capture one connection that loses ``loss`` (one of :data:`LOSSES`) into ``path``."""
    with Net() as net:
        toward = "r1" if loss == "lost-syn-ack" else "r0"
        command = ["ip", "netns", "exec", net.r, tcpdump, "-i", toward, "-U", "--immediate-mode", "-n"]
        dump = start_tcpdump([*command, "-w", str(path), f"tcp port {PORT}"], toward)
        server = client = None
        try:
            server = net.python(net.s, SERVER_SCRIPT)
            _line(server)  # listening
            if loss == "lost-syn-ack":
                net.drop("r0", SYN_ACK, SERVER)
                client = net.python(net.c, CLIENT_SCRIPT)
                deadline = time.monotonic() + 5
                while not net.dropped("r0") and time.monotonic() < deadline:
                    time.sleep(0.01)
                net.undrop("r0")
                cport = _line(client)
            else:
                client = net.python(net.c, CLIENT_SCRIPT)
                cport = _line(client)
                _say(server, "close")
                _say(client, "close")
                _line(client)  # closed
                _line(server)  # eof: the client's FIN has arrived, and the server has acknowledged it
                time.sleep(0.2)
                net.drop("r1", PURE_ACK, CLIENT)
                _say(server, "close")
                _line(server)  # closed: its FIN is sent
                deadline = time.monotonic() + 5
                while not net.dropped("r1") and time.monotonic() < deadline:
                    time.sleep(0.01)
                net.undrop("r1")
            deadline = time.monotonic() + 10
            passing = {"LAST-ACK", "SYN-SENT", "SYN-RECEIVED", "FIN-WAIT-1", "CLOSING"}
            while True:
                sockets = net.ss(net.c) + net.ss(net.s)
                if not passing & {state for state, _l, _p in sockets} or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            time.sleep(0.2)  # let tcpdump write the last packets
        finally:
            stop_tcpdump(dump)
            for process in (client, server):
                if process is not None:
                    process.kill()
                    process.wait(5)
    caddr, saddr = f"{CLIENT}:{cport}", f"{SERVER}:{PORT}"
    states = {"client": "CLOSED", "server": "CLOSED"}
    lines = []
    for state, local, peer in sockets:
        if {local, peer} == {caddr, saddr}:
            states["client" if local == caddr else "server"] = state
            lines.append(f"{state} {local} {peer}")
    return LossyCapture(str(path), loss, caddr, saddr, states, lines)


def main(directory: str) -> None:
    """Make the shipped captures and ``lossy.json``, what ``ss`` said for each."""
    out = Path(directory)
    tcpdump = shutil.which("tcpdump") or sys.exit("tcpdump is needed")
    expected = {}
    for loss in LOSSES:
        name = f"linux-{loss}.pcap"
        record = asdict(capture(loss, out / name, tcpdump))
        record["path"] = name
        expected[name] = record
    (out / "lossy.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent / "data"))
