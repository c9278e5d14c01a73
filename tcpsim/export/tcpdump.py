"""A trace as tcpdump prints a capture (``tcpdump -n -S``): one line per segment, absolute numbers.

    0.100000 IP 10.0.0.2.80 > 10.0.0.1.49152: Flags [S.], seq 5000, ack 1001, win 65535, length 0

Times are simulated seconds. Everything else that tcpdump cannot see but a learner wants beside
it (state changes, segments lost, duplicated or delayed by the network, injected segments,
retransmissions, the scenario's expectations) is a comment line starting with ``# ``, so that the
segment lines stay exactly tcpdump's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..core.segment import Flags, Segment
from ..escape import visible
from ..scenario.expect import ExpectEvent
from ..scenario.model import Scenario
from ..sim.trace import ArriveEvent, DelayEvent, DropEvent, DuplicateEvent, SendEvent, StateEvent, TraceEvent
from .capture import addresses, check_capture_point

# tcpdump's own order and letters (print-tcp.c, tcp_flag_values); URG, ECE and CWR are not modelled.
_FLAG_LETTERS = ((Flags.FIN, "F"), (Flags.SYN, "S"), (Flags.RST, "R"), (Flags.PSH, "P"), (Flags.ACK, "."))


def tcpdump_flags(flags: int) -> str:
    """``SYN,ACK`` → ``S.``; no flags at all → ``none``, as tcpdump writes them."""
    return "".join(letter for flag, letter in _FLAG_LETTERS if flags & flag) or "none"


def _numbers(seg: Segment) -> str:
    """``Flags [P.], seq 1001:1006, ack 5001``: tcpdump leaves seq out of a bare ACK."""
    text = f"Flags [{tcpdump_flags(seg.flags)}]"
    length = len(seg.data)
    if length or seg.flags & (Flags.SYN | Flags.FIN | Flags.RST):
        text += f", seq {seg.seq}"
        if length:
            text += f":{(seg.seq + length) % 2**32}"
    if seg.flags & Flags.ACK:
        text += f", ack {seg.ack}"
    return text


def tcpdump_line(t: float, seg: Segment, src: str, dst: str) -> str:
    """One segment as tcpdump prints it, time first."""
    return f"{t:.6f} IP {src}.{seg.sport} > {dst}.{seg.dport}: {_numbers(seg)}, win {seg.wnd}, length {len(seg.data)}"


def _describe_check(e: ExpectEvent) -> tuple[str, str]:
    """What an expectation wanted, and what was there."""
    if e.check == "state":
        return f"{e.endpoint} is {e.expected}", f"it is {e.actual}"
    if e.check == "received":
        return f"{e.endpoint} has received {e.expected!r}", f"it has received {e.actual!r}"
    who = f" by {e.endpoint}" if e.endpoint else ""
    return f"the last segment sent{who} is {_fields(e.expected)}", f"it is {_fields(e.actual)}"


def _fields(fields: dict[str, Any] | None) -> str:
    if not fields:
        return "(none)"
    return " ".join(f"{k}={v!r}" if k == "data" else f"{k}={v}" for k, v in fields.items())


def tcpdump_lines(
    trace: Iterable[TraceEvent], scenario: Scenario | None = None, capture_point: str = "sender"
) -> Iterator[str]:
    """The lines (without newlines) of the tcpdump view of a trace, seen from ``capture_point``."""
    return _lines(trace, scenario, check_capture_point(capture_point))


def _lines(trace: Iterable[TraceEvent], scenario: Scenario | None, point: str) -> Iterator[str]:
    addr = addresses(scenario)
    sent: dict[int, SendEvent] = {}
    title = f"{visible(scenario.name)}: " if scenario is not None else ""
    where = "at the sender, as each segment leaves" if point == "sender" else "at the receiver, as segments arrive"
    yield f"# tcpsim: {title}captured {where}; times are simulated seconds"

    def packet(t: float, send: SendEvent, copy: bool = False) -> Iterator[str]:
        if send.injected:
            yield f"# {t:.6f} injected by the scenario, as if from the {send.endpoint}"
        elif send.retransmission and not copy:
            yield f"# {t:.6f} retransmission by the {send.endpoint}"
        if copy:
            yield f"# {t:.6f} the network's second copy of the segment sent at {send.t:.6f}"
        receiver = "server" if send.endpoint == "client" else "client"
        yield tcpdump_line(t, send.segment, addr[send.endpoint], addr[receiver])

    def about(sid: int) -> str:
        send = sent.get(sid)
        if send is None:
            return f"segment #{sid}"
        return f"the {send.endpoint}'s {_numbers(send.segment)} sent at {send.t:.6f}"

    for e in trace:
        if isinstance(e, SendEvent):
            sent[e.id] = e
            if point == "sender":
                yield from packet(e.t, e)
        elif isinstance(e, ArriveEvent):
            if point == "receiver" and e.id in sent:
                yield from packet(e.t, sent[e.id], e.copy)
        elif isinstance(e, StateEvent):
            yield f"# {e.t:.6f} {e.endpoint}: {e.old} -> {e.new} ({e.event})"
        elif isinstance(e, DropEvent):
            yield f"# {e.t:.6f} lost on the wire: {about(e.id)}"
        elif isinstance(e, DuplicateEvent):
            yield f"# {e.t:.6f} duplicated by the network: {about(e.id)}"
        elif isinstance(e, DelayEvent):
            yield f"# {e.t:.6f} delayed {e.by:g}s by the network: {about(e.id)}"
        elif isinstance(e, ExpectEvent):
            wanted, seen = _describe_check(e)
            if e.ok:
                yield f"# {e.t:.6f} expect #{e.index} ok: {wanted}"
            else:
                yield f"# {e.t:.6f} expect #{e.index} FAILED: expected {wanted}, but {seen}"


def write_tcpdump(
    trace: Iterable[TraceEvent], scenario: Scenario | None, out: IO[str], capture_point: str = "sender"
) -> None:
    """Write the tcpdump view of a trace to a text stream."""
    for line in tcpdump_lines(trace, scenario, capture_point):
        out.write(line + "\n")
