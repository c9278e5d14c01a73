"""What the core asks its host to do, or tells it happened, in reply to one event.

The core never sends, sleeps or prints: every call returns a list of these, in the order they
happened, and the host (the simulation, or a test) carries them out. Timers are absolute deadlines
in the host's clock, which the core only ever receives as ``now``. Actions are values, never
changed once made; like :class:`~tcpsim.core.segment.Segment` they are not frozen dataclasses only
because those cost four times as much to build, and every event builds several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .segment import Segment
from .states import State

TimerName = Literal["rto", "2msl", "delack", "finwait2"]
"""``rto`` and ``2msl`` are RFC 9293's; ``delack`` (a delayed ACK) and ``finwait2`` (FIN-WAIT-2's end
after close()) run only under a stack personality that has them."""
TimerAction = Literal["set", "restart", "cancel", "expire"]


@dataclass(slots=True, unsafe_hash=True)
class StateChanged:
    """The endpoint moved along an arrow of the state diagram."""

    old: State
    new: State
    event: str
    rule: str


@dataclass(slots=True, unsafe_hash=True)
class Send:
    """Put this segment on the wire now."""

    segment: Segment
    rule: str
    retransmission: bool = False


@dataclass(slots=True, unsafe_hash=True)
class TimerChanged:
    """A timer was set, moved, cancelled, or has expired. ``deadline`` is absolute (host clock)."""

    name: TimerName
    action: TimerAction
    deadline: float | None
    rule: str = ""
    """Set when a stack personality's rule decided the deadline (Linux's 60 s TIME-WAIT…)."""


@dataclass(slots=True, unsafe_hash=True)
class Deliver:
    """These bytes were handed to the application, in order and exactly once."""

    data: bytes


@dataclass(slots=True, unsafe_hash=True)
class UserError:
    """A user call was refused, with the RFC's error string ("error: connection closing")."""

    call: str
    message: str


@dataclass(slots=True, unsafe_hash=True)
class Signal:
    """An asynchronous report to the user (RFC 9293 §3.9.1.8): "connection reset", "closing"…"""

    message: str
    rule: str


@dataclass(slots=True, unsafe_hash=True)
class Discard:
    """An arriving segment was dropped by the endpoint, and why: a learner's "why was this ignored"."""

    segment: Segment
    reason: str
    rule: str


Action = StateChanged | Send | TimerChanged | Deliver | UserError | Signal | Discard
