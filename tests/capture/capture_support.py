"""Real Linux connections on loopback, captured with tcpdump, with what ``ss`` says right after.

Each exchange is a Python socket server and client on 127.0.0.1: the client sends, the server
answers, and then one of them closes first (or the client resets the connection with
SO_LINGER 0). While tcpdump captures, ``ss -tan`` is read for the port pair once the close has
settled, so a test can check that the import infers the states Linux itself reports.

Run as a script to (re)make the small captures shipped in ``tests/capture/data``::

    python tests/capture/capture_support.py tests/capture/data
"""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

EXCHANGES = ("client-closes", "server-closes", "client-resets")
SS_STATES = {"ESTAB": "ESTABLISHED", "SYN-RECV": "SYN-RECEIVED", "UNCONN": "CLOSED", "CLOSE": "CLOSED"}


class CaptureUnavailable(Exception):
    """tcpdump cannot capture here (not root, no loopback access…): the caller skips."""


@dataclass
class LiveCapture:
    """A capture file and what ``ss`` showed for its connection right after the close."""

    path: str
    exchange: str
    client: str
    """``127.0.0.1:PORT``"""
    server: str
    ss: dict[str, str]
    """client/server -> the state ``ss -tan`` showed (CLOSED when the socket was not listed)."""
    ss_lines: list[str]


def ss_states(client: str, server: str) -> tuple[dict[str, str], list[str]]:
    """The states ``ss -tan`` shows for both ends of one connection (CLOSED: not listed)."""
    out = subprocess.run(["ss", "-tanH"], capture_output=True, text=True, timeout=10, check=True).stdout
    states = {"client": "CLOSED", "server": "CLOSED"}
    lines = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 5:
            continue
        state, local, peer = fields[0], fields[3], fields[4]
        if {local, peer} == {client, server}:
            lines.append(" ".join(fields[:5]))
            states["client" if local == client else "server"] = SS_STATES.get(state, state)
    return states, lines


def _settled(client: str, server: str, deadline: float) -> tuple[dict[str, str], list[str]]:
    """Read ss until no end of the connection is half-way through closing (or the time is up)."""
    passing = {"FIN-WAIT-1", "FIN-WAIT-2", "LAST-ACK", "CLOSING", "CLOSE-WAIT", "ESTABLISHED"}
    while True:
        states, lines = ss_states(client, server)
        if not passing & set(states.values()) or time.monotonic() > deadline:
            return states, lines
        time.sleep(0.02)


def _exchange(kind: str, server_sock: socket.socket) -> tuple[str, str]:
    """Run one connection to ``server_sock``; returns the client's and the server's address:port."""
    port = server_sock.getsockname()[1]
    got_hello = threading.Event()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            conn, _ = server_sock.accept()
            with conn:
                conn.settimeout(5)
                assert conn.recv(100) == b"hello"
                got_hello.set()
                if kind == "client-closes":
                    conn.sendall(b"world")
                    while conn.recv(100):
                        pass
                elif kind == "server-closes":
                    conn.sendall(b"bye")
                else:
                    try:
                        while conn.recv(100):
                            pass
                    except ConnectionResetError:
                        pass
        except BaseException as exc:  # reported by the caller
            errors.append(exc)
            got_hello.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    cport = client.getsockname()[1]
    client.sendall(b"hello")
    if kind == "client-closes":
        assert client.recv(100) == b"world"
        client.close()
    elif kind == "server-closes":
        while client.recv(100):
            pass
        client.close()
    else:
        got_hello.wait(5)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    thread.join(5)
    if errors:
        raise errors[0]
    return f"127.0.0.1:{cport}", f"127.0.0.1:{port}"


def start_tcpdump(command: list[str], interface: str) -> subprocess.Popen[str]:
    """Run tcpdump and wait until it says it is listening (a capture started before that misses
    the first packets); raises :class:`CaptureUnavailable` with tcpdump's own words."""
    try:
        dump = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        raise CaptureUnavailable(f"cannot run tcpdump: {exc}") from None
    ready = threading.Event()
    messages: list[str] = []

    def watch() -> None:
        assert dump.stderr is not None
        for line in dump.stderr:
            messages.append(line)
            if "listening on" in line:
                ready.set()
        ready.set()

    threading.Thread(target=watch, daemon=True).start()
    if not ready.wait(10) or dump.poll() is not None:
        stop_tcpdump(dump)
        raise CaptureUnavailable(f"tcpdump does not capture on {interface}: {''.join(messages).strip()}")
    return dump


def stop_tcpdump(dump: subprocess.Popen[str]) -> None:
    """End tcpdump (it flushes what it captured on SIGTERM), for sure."""
    if dump.poll() is None:
        dump.terminate()
        try:
            dump.wait(10)
        except subprocess.TimeoutExpired:
            dump.kill()
            dump.wait(5)


def capture(kind: str, path: Path, tcpdump: str, interface: str = "lo") -> LiveCapture:
    """Capture one exchange on loopback into ``path``; raises :class:`CaptureUnavailable`."""
    if shutil.which("ss") is None:
        raise CaptureUnavailable("ss (iproute2) is not installed")
    server_sock = socket.socket()
    server_sock.bind(("127.0.0.1", 0))
    server_sock.listen(1)
    port = server_sock.getsockname()[1]
    command = [tcpdump, "-i", interface, "-U", "--immediate-mode", "-n", "-w", str(path), f"tcp port {port}"]
    try:
        dump = start_tcpdump(command, interface)
    except CaptureUnavailable:
        server_sock.close()
        raise
    try:
        client, server = _exchange(kind, server_sock)
        states, lines = _settled(client, server, time.monotonic() + 3)
        time.sleep(0.2)  # let tcpdump write the last packets
    finally:
        server_sock.close()
        stop_tcpdump(dump)
    return LiveCapture(str(path), kind, client, server, states, lines)


def main(directory: str) -> None:
    """Make the shipped captures: pcap from ``-i lo`` (Ethernet), pcapng from ``-i any`` (SLL2)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tcpdump = shutil.which("tcpdump") or sys.exit("tcpdump is needed")
    editcap = shutil.which("editcap")
    expected = {}
    for kind in EXCHANGES:
        for interface, ext in (("lo", "pcap"), ("any", "pcapng")):
            name = f"linux-{kind}-{interface}.{ext}"
            raw = out / (name if ext == "pcap" else f"{name}.tmp.pcap")
            live = capture(kind, raw, tcpdump, interface)
            if ext == "pcapng":
                if editcap is None:
                    sys.exit("editcap (Wireshark) is needed to write pcapng")
                subprocess.run([editcap, "-F", "pcapng", str(raw), str(out / name)], check=True)
                raw.unlink()
            record = asdict(live)
            record["path"] = name
            expected[name] = record
    (out / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).parent / "data"))
