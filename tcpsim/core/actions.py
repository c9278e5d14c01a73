"""What the core asks its host to do, or tells it happened, in reply to one event.

The core never sends, sleeps or prints: every call returns a list of these, in the order they
happened, and the host (the simulation, or a test) carries them out. Timers are absolute deadlines
in the host's clock, which the core only ever receives as ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .segment import Segment
from .states import State

TimerName = Literal["rto", "2msl"]
TimerAction = Literal["set", "restart", "cancel", "expire"]


@dataclass(frozen=True, slots=True)
class StateChanged:
    """The endpoint moved along an arrow of the state diagram."""

    old: State
    new: State
    event: str
    rule: str


@dataclass(frozen=True, slots=True)
class Send:
    """Put this segment on the wire now."""

    segment: Segment
    rule: str
    retransmission: bool = False


@dataclass(frozen=True, slots=True)
class TimerChanged:
    """A timer was set, moved, cancelled, or has expired. ``deadline`` is absolute (host clock)."""

    name: TimerName
    action: TimerAction
    deadline: float | None


@dataclass(frozen=True, slots=True)
class Deliver:
    """These bytes were handed to the application, in order and exactly once."""

    data: bytes


@dataclass(frozen=True, slots=True)
class UserError:
    """A user call was refused, with the RFC's error string ("error: connection closing")."""

    call: str
    message: str


@dataclass(frozen=True, slots=True)
class Signal:
    """An asynchronous report to the user (RFC 9293 §3.9.1.8): "connection reset", "closing"…"""

    message: str
    rule: str


@dataclass(frozen=True, slots=True)
class Discard:
    """An arriving segment was dropped by the endpoint, and why: a learner's "why was this ignored"."""

    segment: Segment
    reason: str
    rule: str


Action = StateChanged | Send | TimerChanged | Deliver | UserError | Signal | Discard
