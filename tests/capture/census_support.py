"""Many real Linux connections at once on loopback, captured with tcpdump, with ``ss -tan`` at the end.

The whole-capture census (``tcpsim import FILE --all``) must end where the kernel is: for each host
address, as many sockets in each state as ``ss -tan`` lists, and each conversation's two ends in
the states ``ss`` shows for them. So this helper makes a capture as a busy server's would be:

- two servers (127.0.0.1 and 127.0.0.2) and clients on two other addresses (127.0.0.3, 127.0.0.4),
  so that the census's hosts are told apart;
- connections already open when tcpdump starts (the capture starts in the middle of them) and
  connections still open when it stops (it ends in the middle of them);
- every way of ending at once, interleaved: either side closing first, a reset, an application that
  never closes (CLOSE-WAIT, its peer in FIN-WAIT-2), a half-close, connections left open;
- a 4-tuple used again by a new connection after the old one is gone (a reset, then the same
  client port again), and a SYN to a server's TIME-WAIT from the client port it was with.

``ss`` is read once nothing is half-way through a close (no FIN-WAIT-1, LAST-ACK or CLOSING), then
tcpdump is stopped: nothing is sent between the two. Run as a script to see one::

    python tests/capture/census_support.py /tmp/census.pcap
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from capture_support import SS_STATES, CaptureUnavailable, start_tcpdump, stop_tcpdump

SERVERS = ("127.0.0.1", "127.0.0.2")
CLIENTS = ("127.0.0.3", "127.0.0.4")
KINDS = (
    "client-closes",  # client TIME-WAIT, server CLOSED
    "server-closes",  # server TIME-WAIT, client CLOSED
    "client-resets",  # both CLOSED
    "server-keeps",  # the client closes, the server's application never does: CLOSE-WAIT / FIN-WAIT-2
    "client-keeps",  # the server closes, the client's never does: FIN-WAIT-2 / CLOSE-WAIT
    "half-close",  # the client shuts down its sending side, the server answers and closes
    "stays-open",  # ESTABLISHED at the end of the capture
)
PASSING = {"FIN-WAIT-1", "LAST-ACK", "CLOSING", "SYN-SENT", "SYN-RECEIVED"}


@dataclass
class Conn:
    kind: str
    client: socket.socket
    server: socket.socket
    caddr: str
    saddr: str


@dataclass
class CensusCapture:
    """A capture file and what ``ss -tan`` listed for its connections just before tcpdump stopped."""

    path: str
    ports: tuple[int, ...]
    """The servers' ports (the capture holds these conversations only)."""
    sockets: list[tuple[str, str, str]] = field(default_factory=list)
    """(state in RFC spelling, local IP:PORT, peer IP:PORT) of every socket on those ports, but listeners."""

    def counts(self) -> dict[str, dict[str, int]]:
        """host → state → sockets: the census the capture must end with."""
        out: dict[str, dict[str, int]] = {}
        for state, local, _peer in self.sockets:
            host = local.rsplit(":", 1)[0]
            states = out.setdefault(host, {})
            states[state] = states.get(state, 0) + 1
        return out

    def state_of(self, local: str, peer: str) -> str:
        for state, lo, pe in self.sockets:
            if lo == local and pe == peer:
                return state
        return "CLOSED"


def _ss(ports: tuple[int, ...]) -> list[tuple[str, str, str]]:
    out = subprocess.run(["ss", "-tanH"], capture_output=True, text=True, timeout=10, check=True).stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 5 or fields[0] == "LISTEN":
            continue
        local, peer = fields[3], fields[4]
        servers = {f"{host}:{port}" for host in SERVERS for port in ports}
        if local in servers or peer in servers:
            found.append((SS_STATES.get(fields[0], fields[0]), local, peer))
    return sorted(found)


def _listeners() -> tuple[list[socket.socket], tuple[int, ...]]:
    """A listener on each server address, on ports that no socket uses yet. A port the kernel hands
    out again can still have TIME-WAITs of an earlier run on it (the listener's SO_REUSEADDR lets it
    bind): ss would list them with this run's, and the census of the capture rightly would not (a
    full suite saw TIME-WAIT 8 in ss and 7 in the census)."""
    for _attempt in range(50):
        listeners = []
        for host in SERVERS:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))
            sock.listen(256)
            listeners.append(sock)
        ports = tuple(sock.getsockname()[1] for sock in listeners)
        if not _ss(ports):
            return listeners, ports
        for sock in listeners:
            sock.close()
    raise CaptureUnavailable("no pair of free server ports on loopback after 50 tries")


def _connect(listener: socket.socket, source: str, port: int = 0) -> tuple[socket.socket, socket.socket]:
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    client.settimeout(5)
    client.bind((source, port))
    client.connect(listener.getsockname())
    server, _ = listener.accept()
    server.settimeout(5)
    return client, server


def _name(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"


def _exchange(conn: Conn) -> None:
    conn.client.sendall(b"hello")
    assert conn.server.recv(100) == b"hello"
    conn.server.sendall(b"world")
    assert conn.client.recv(100) == b"world"


def _reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(100):
            pass
    except ConnectionResetError:
        pass


def _first_step(conn: Conn, kept: list[socket.socket]) -> None:
    kind = conn.kind
    if kind in ("client-closes", "server-keeps"):
        conn.client.close()
    elif kind in ("server-closes", "client-keeps"):
        conn.server.close()
    elif kind == "client-resets":
        _reset(conn.client)
    elif kind == "half-close":
        conn.client.shutdown(socket.SHUT_WR)
    else:
        kept.extend((conn.client, conn.server))


def _second_step(conn: Conn, kept: list[socket.socket]) -> None:
    kind = conn.kind
    if kind == "client-closes":
        _drain(conn.server)
        conn.server.close()
    elif kind == "server-closes":
        _drain(conn.client)
        conn.client.close()
    elif kind == "client-resets":
        _drain(conn.server)
        conn.server.close()
    elif kind == "server-keeps":
        _drain(conn.server)
        kept.append(conn.server)  # the application never closes it
    elif kind == "client-keeps":
        _drain(conn.client)
        kept.append(conn.client)
    elif kind == "half-close":
        _drain(conn.server)
        conn.server.sendall(b"answer")
        conn.server.close()
        _drain(conn.client)
        conn.client.close()


def _start_tcpdump(path: Path, ports: tuple[int, ...], tcpdump: str) -> subprocess.Popen[str]:
    expression = " or ".join(f"tcp port {p}" for p in ports)
    # A 32 MiB buffer and short snapshots: a busy machine's tcpdump falls behind, and the kernel
    # drops what does not fit (600 packets in a tenth of a second).
    buffer = ["-B", "32768", "-s", "512"]
    command = [tcpdump, "-i", "lo", *buffer, "-U", "--immediate-mode", "-n", "-w", str(path), expression]
    return start_tcpdump(command, "lo")


def _written(path: Path) -> None:
    """Wait until tcpdump has written what it captured, the file not growing for a second: on a
    busy machine it is seconds behind, and stopped early it would leave the rest out."""
    size, still = -1, time.monotonic()
    deadline = still + 20
    while time.monotonic() < deadline:
        now = path.stat().st_size if path.exists() else 0
        if now != size:
            size, still = now, time.monotonic()
        elif time.monotonic() - still > 1.0:
            return
        time.sleep(0.05)


def capture_many(
    path: Path, tcpdump: str, *, per_kind: int = 4, before: int = 6, seed: int = 1, pace: float = 0.0
) -> CensusCapture:
    """Capture ``per_kind`` connections of each kind and ``before`` opened before the capture
    (besides the two reused 4-tuples) into ``path``, ``pace`` seconds between one connection's
    step and the next's (spread over time as a busy server's are; 0: as fast as they go); raises
    :class:`CaptureUnavailable`."""
    if shutil.which("ss") is None:
        raise CaptureUnavailable("ss (iproute2) is not installed")
    rng = random.Random(seed)
    listeners, ports = _listeners()
    opened: list[socket.socket] = []
    kept: list[socket.socket] = []

    def connect(kind: str, i: int) -> Conn:
        listener = listeners[i % 2]
        client, server = _connect(listener, CLIENTS[(i // 2) % 2])
        opened.extend((client, server))
        return Conn(kind, client, server, _name(client), _name(server))

    dump = None
    try:
        # The middle of a connection: these are open before tcpdump starts.
        early = [connect(KINDS[i % len(KINDS)], i) for i in range(before)]
        dump = _start_tcpdump(path, ports, tcpdump)
        conns = early
        for i in range(per_kind):
            for kind in KINDS:
                conns.append(connect(kind, i))
                time.sleep(pace)
        for conn in conns:
            _exchange(conn)
            time.sleep(pace)
        order = list(conns)
        rng.shuffle(order)
        for conn in order:
            _first_step(conn, kept)
            time.sleep(pace)
        rng.shuffle(order)
        for conn in order:
            _second_step(conn, kept)
            time.sleep(pace)
        _reuse(listeners[0], opened)
        _syn_to_time_wait(listeners[1], opened, kept)
        deadline = time.monotonic() + 5
        while True:
            sockets = _ss(ports)
            if not PASSING & {state for state, _l, _p in sockets} or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        sockets = _ss(ports)  # nothing is sent from here on
        _written(path)
    finally:
        if dump is not None:
            stop_tcpdump(dump)
        for sock in [*opened, *listeners]:
            sock.close()
    return CensusCapture(str(path), ports, sockets)


def _reuse(listener: socket.socket, opened: list[socket.socket]) -> None:
    """A connection reset, then a new one from the same client port: the same 4-tuple, a new conversation."""
    client, server = _connect(listener, CLIENTS[0])
    port = client.getsockname()[1]
    client.sendall(b"first")
    assert server.recv(100) == b"first"
    _reset(client)
    _drain(server)
    server.close()
    client, server = _connect(listener, CLIENTS[0], port)
    opened.extend((client, server))
    client.sendall(b"second")
    assert server.recv(100) == b"second"
    client.close()
    _drain(server)
    server.close()


def _syn_to_time_wait(listener: socket.socket, opened: list[socket.socket], kept: list[socket.socket]) -> None:
    """The server closes first (TIME-WAIT on it), then the client connects again from its port: Linux
    takes the SYN to the TIME-WAIT (its sequence number is above the old connection's) and the new
    connection stays open."""
    client, server = _connect(listener, CLIENTS[1])
    port = client.getsockname()[1]
    server.close()
    _drain(client)
    client.close()
    time.sleep(0.05)
    client, server = _connect(listener, CLIENTS[1], port)
    opened.extend((client, server))
    kept.extend((client, server))
    client.sendall(b"again")
    assert server.recv(100) == b"again"


def recorded(path: Path) -> CensusCapture:
    """A capture made by this script's ``--record``, with what ``ss`` listed when it was made."""
    saved = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return CensusCapture(str(path), tuple(saved["ports"]), [tuple(line) for line in saved["sockets"]])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Capture many connections on loopback, and ss -tan at the end.")
    parser.add_argument("out", nargs="?", default="census.pcap", type=Path)
    parser.add_argument("--per-kind", type=int, default=4, help="connections of each kind (default 4)")
    parser.add_argument("--pace", type=float, default=0.0, help="seconds between one connection's step and the next")
    parser.add_argument("--record", action="store_true", help="write OUT.json beside OUT: the ports and ss's sockets")
    args = parser.parse_args()
    tool = shutil.which("tcpdump") or sys.exit("tcpdump is needed")
    result = capture_many(args.out, tool, per_kind=args.per_kind, pace=args.pace)
    for line in result.sockets:
        print(*line)
    print(result.counts())
    if args.record:
        saved = {"ports": list(result.ports), "sockets": [list(line) for line in result.sockets]}
        args.out.with_suffix(".json").write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
