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
from ..i18n import N_, _
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


ENDPOINTS = {"client": N_("client"), "server": N_("server")}
"""An endpoint's name as the comment lines say it (the format lines stay tcpdump's own)."""


def tcpdump_line(t: float, seg: Segment, src: str, dst: str) -> str:
    """One segment as tcpdump prints it, time first."""
    return f"{t:.6f} IP {src}.{seg.sport} > {dst}.{seg.dport}: {_numbers(seg)}, win {seg.wnd}, length {len(seg.data)}"


def _describe_check(e: ExpectEvent) -> tuple[str, str]:
    """What an expectation wanted, and what was there."""
    who = _(ENDPOINTS[e.endpoint]) if e.endpoint else ""
    if e.check == "state":
        return _("{endpoint} is {state}").format(endpoint=who, state=e.expected), _("it is {state}").format(
            state=e.actual
        )
    if e.check == "received":
        return (
            _("{endpoint} has received {data}").format(endpoint=who, data=repr(e.expected)),
            _("it has received {data}").format(data=repr(e.actual)),
        )
    wanted = (
        _("the last segment sent by {endpoint} is {fields}").format(endpoint=who, fields=_fields(e.expected))
        if e.endpoint
        else _("the last segment sent is {fields}").format(fields=_fields(e.expected))
    )
    return wanted, _("it is {fields}").format(fields=_fields(e.actual))


def _fields(fields: dict[str, Any] | None) -> str:
    if not fields:
        return _("(none)")
    return " ".join(f"{k}={v!r}" if k == "data" else f"{k}={v}" for k, v in fields.items())


def tcpdump_lines(
    trace: Iterable[TraceEvent], scenario: Scenario | None = None, capture_point: str = "sender"
) -> Iterator[str]:
    """The lines (without newlines) of the tcpdump view of a trace, seen from ``capture_point``."""
    return _lines(trace, scenario, check_capture_point(capture_point))


def _lines(trace: Iterable[TraceEvent], scenario: Scenario | None, point: str) -> Iterator[str]:
    addr = addresses(scenario)
    sent: dict[int, SendEvent] = {}
    where = (
        _("at the sender, as each segment leaves") if point == "sender" else _("at the receiver, as segments arrive")
    )
    if scenario is not None:
        title = _("# tcpsim: {title}: captured {where}; times are simulated seconds")
        yield title.format(title=visible(_(scenario.name)), where=where)
    else:
        yield _("# tcpsim: captured {where}; times are simulated seconds").format(where=where)

    def packet(t: float, send: SendEvent, copy: bool = False) -> Iterator[str]:
        if send.injected:
            yield _("# {t} injected by the scenario, as if from the {endpoint}").format(
                t=f"{t:.6f}", endpoint=_(ENDPOINTS[send.endpoint])
            )
        elif send.retransmission and not copy:
            yield _("# {t} retransmission by the {endpoint}").format(t=f"{t:.6f}", endpoint=_(ENDPOINTS[send.endpoint]))
        if copy:
            yield _("# {t} the network's second copy of the segment sent at {sent}").format(
                t=f"{t:.6f}", sent=f"{send.t:.6f}"
            )
        receiver = "server" if send.endpoint == "client" else "client"
        yield tcpdump_line(t, send.segment, addr[send.endpoint], addr[receiver])

    def about(sid: int) -> str:
        send = sent.get(sid)
        if send is None:
            return _("segment #{id}").format(id=sid)
        return _("the {endpoint}'s {numbers} sent at {t}").format(
            endpoint=_(ENDPOINTS[send.endpoint]), numbers=_numbers(send.segment), t=f"{send.t:.6f}"
        )

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
            yield _("# {t} lost on the wire: {segment}").format(t=f"{e.t:.6f}", segment=about(e.id))
        elif isinstance(e, DuplicateEvent):
            yield _("# {t} duplicated by the network: {segment}").format(t=f"{e.t:.6f}", segment=about(e.id))
        elif isinstance(e, DelayEvent):
            yield _("# {t} delayed {by}s by the network: {segment}").format(
                t=f"{e.t:.6f}", by=f"{e.by:g}", segment=about(e.id)
            )
        elif isinstance(e, ExpectEvent):
            wanted, seen = _describe_check(e)
            if e.ok:
                yield _("# {t} expect #{index} ok: {wanted}").format(t=f"{e.t:.6f}", index=e.index, wanted=wanted)
            else:
                yield _("# {t} expect #{index} FAILED: expected {wanted}, but {seen}").format(
                    t=f"{e.t:.6f}", index=e.index, wanted=wanted, seen=seen
                )


def write_tcpdump(
    trace: Iterable[TraceEvent], scenario: Scenario | None, out: IO[str], capture_point: str = "sender"
) -> None:
    """Write the tcpdump view of a trace to a text stream."""
    for line in tcpdump_lines(trace, scenario, capture_point):
        out.write(line + "\n")
