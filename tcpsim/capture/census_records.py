"""What a whole-capture census hands out: conversations, census samples, anomalies, a summary.

Each is a plain record with its JSON object, the public contract of ``tcpsim import FILE --all
--format jsonl`` (README, "Whole captures"): the conversation and census lines are spelt as issue 14
spells them; anomaly and summary lines extend them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from ..core.states import State
from ..sim.trace import round_time

CENSUS_STATES = tuple(s.value for s in State if s not in (State.CLOSED, State.LISTEN))
"""The states a census counts, in the RFC's order: every state but CLOSED (no connection) and
LISTEN (a listener is not a connection, and a capture shows none that accepted nothing)."""

KINDS = (
    "close-wait",
    "time-wait-pile-up",
    "rst-storm",
    "retransmissions",
    "half-open",
    "syn-to-time-wait",
    "port-reuse",
)
"""The anomalies a census names, by the ``kind`` of their JSON lines."""

MATTERS = ("close-wait", "never-closed", "half-open", "reset", "retransmitting")
"""Why a conversation is among those that matter, in the order the text lists them."""


def _string(text: str) -> str:
    """A JSON string, as ``json.dumps(text, ensure_ascii=False)`` writes it (the same function)."""
    return encode_basestring(text)


def _strings(texts: list[str]) -> str:
    return "[" + ",".join([encode_basestring(text) for text in texts]) + "]"


_QUOTED_STATES = tuple((name, encode_basestring(name)) for name in CENSUS_STATES)


def _time(t: float) -> str:
    """A time as json writes :func:`round_time`'s float, refusing what it refuses (``allow_nan=False``)."""
    if not math.isfinite(t):
        raise ValueError(f"Out of range float values are not JSON compliant: {t!r}")
    return repr(round_time(t))


@dataclass(slots=True)
class ConversationRecord:
    """One conversation, as it ended (or as the capture left it)."""

    id: int
    """0-based, in order of first packet; a 4-tuple reused after its connection ended is a new one."""
    client: str
    """``IP:PORT`` (``[IPv6]:PORT``): the sender of the first SYN seen, else of the first packet."""
    server: str
    first: float
    """Seconds since the capture's first packet."""
    last: float
    packets: int
    states: dict[str, list[str]]
    """Every state each side entered, in order (``client``, ``server``)."""
    final: dict[str, str]
    """Each side's state at the end of the capture, or when the conversation was over."""
    notes: list[str]
    first_frame: int = 0
    last_frame: int = 0
    resets: int = 0
    retransmissions: int = 0
    lost: int = 0
    close_wait: float = 0.0
    """The longest time a side spent in CLOSE-WAIT (to the end of the capture, if it never left)."""
    matters: tuple[str, ...] = ()
    """Why it matters (:data:`MATTERS`), if it does."""
    octets: int = 0
    """Payload bytes both ways, retransmissions included (not in the JSON line, whose fields issue 14 spells)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "conversation",
            "id": self.id,
            "client": self.client,
            "server": self.server,
            "first": round_time(self.first),
            "last": round_time(self.last),
            "packets": self.packets,
            "states": {"client": self.states["client"], "server": self.states["server"]},
            "final": {"client": self.final["client"], "server": self.final["server"]},
            "notes": self.notes,
        }

    def json_line(self) -> str:
        """:meth:`to_json` as a line of JSON, spelt out for its fixed shape: the json module's general
        encoder took a tenth of a census's time, at a line every ten packets. The same text as
        ``json.dumps(to_json())`` with the writer's options, which the tests check."""
        states, final = self.states, self.final
        return (
            f'{{"type":"conversation","id":{self.id},"client":{_string(self.client)},'
            f'"server":{_string(self.server)},"first":{_time(self.first)},"last":{_time(self.last)},'
            f'"packets":{self.packets},"states":{{"client":{_strings(states["client"])},'
            f'"server":{_strings(states["server"])}}},"final":{{"client":{_string(final["client"])},'
            f'"server":{_string(final["server"])}}},"notes":{_strings(self.notes)}}}\n'
        )


@dataclass(slots=True)
class Sample:
    """A host's endpoints per state at one moment: ``ss -s`` of the past."""

    t: float
    host: str
    counts: dict[str, int]
    """State (RFC spelling) → endpoints in it, states with none left out (all of them: the host
    had some at the sample before and has none now)."""

    def to_json(self) -> dict[str, Any]:
        counts = {name: self.counts[name] for name in CENSUS_STATES if self.counts.get(name)}
        return {"type": "census", "t": round_time(self.t), "host": self.host, "counts": counts}

    def json_line(self) -> str:
        """:meth:`to_json` as a line of JSON, spelt out (see :meth:`ConversationRecord.json_line`)."""
        counts = self.counts
        inner = ",".join([f"{quoted}:{counts[name]}" for name, quoted in _QUOTED_STATES if counts.get(name)])
        return f'{{"type":"census","t":{_time(self.t)},"host":{_string(self.host)},"counts":{{{inner}}}}}\n'


@dataclass(slots=True)
class Anomaly:
    """Something the capture shows that people debugging it want named, with the packets that show it."""

    kind: str
    """One of :data:`KINDS`."""
    t: float
    """When it shows first, in seconds since the capture's first packet."""
    text: str
    """What it is, in plain words."""
    packets: list[int]
    """Frame numbers of the packets that show it (the first few, when there are many)."""
    conversations: list[int] = field(default_factory=list)
    host: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "anomaly", "kind": self.kind, "t": round_time(self.t), "text": self.text}
        if self.host:
            out["host"] = self.host
        out["packets"] = self.packets
        out["conversations"] = self.conversations
        return out


@dataclass(slots=True)
class Summary:
    """The whole capture, once read."""

    path: str
    format: str
    packets: int
    """Frames in the file (read up to where it breaks, if it does)."""
    tcp: int
    """TCP segments among them."""
    conversations: int
    end: float
    """The last packet's time, in seconds since the first."""
    interval: float
    msl: float
    stack: str
    skipped: dict[str, int] = field(default_factory=dict)
    """Frames that are not TCP segments, by reason."""
    frame_notes: list[str] = field(default_factory=list)
    """Frames left out or read with an assumption (not decodable…), the first few."""
    anomalies: dict[str, int] = field(default_factory=dict)
    """How many of each kind."""
    matters: dict[str, int] = field(default_factory=dict)
    """How many conversations matter, by reason."""
    peaks: dict[str, dict[str, tuple[int, float]]] = field(default_factory=dict)
    """host → state → (the most endpoints at a sample, the first sample with that many)."""
    broken: str | None = None
    """Where the file breaks (truncated or corrupt), if it does: the census covers what comes before."""
    backwards: int = 0
    """Packets stamped before the packet before them (taken at that one's time)."""
    two_msl: float = 0.0
    """How long a TIME-WAIT lasts here: 2·MSL, or the stack's own length (Linux: 60 s)."""
    quiet: int = 0
    """Census times left out in long stretches without any event (each would repeat the one before)."""
    readings: int = 0
    """Places where the packets fit two readings (the ACK lost before or after the capture point):
    each said in its conversation's notes, with the reading taken and what the other changes."""

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "summary",
            "packets": self.packets,
            "tcp": self.tcp,
            "conversations": self.conversations,
            "end": round_time(self.end),
            "interval": self.interval,
            "msl": self.msl,
            "stack": self.stack,
            "time_wait": self.two_msl,
            "skipped": dict(sorted(self.skipped.items())),
            "anomalies": {kind: self.anomalies[kind] for kind in KINDS if self.anomalies.get(kind)},
            "matters": {why: self.matters[why] for why in MATTERS if self.matters.get(why)},
            "peaks": {
                host: {state: {"n": n, "t": round_time(t)} for state, (n, t) in states.items()}
                for host, states in self.peaks.items()
            },
            "quiet": self.quiet,
            "two_readings": self.readings,
            "broken": self.broken,
        }
