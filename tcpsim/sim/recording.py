"""From what an endpoint asked for to the trace record that says so: one mapping for every host.

The core answers each event with :mod:`tcpsim.core.actions`; a host carries them out and writes
the trace. What it does with a :class:`~tcpsim.core.actions.Send` is its own (the world puts it on
the wire, the capture observer waits to see it in the capture), and so is scheduling a timer; what
every other action becomes in the trace is the same everywhere, and is written here once: the
world's :meth:`~tcpsim.sim.world.World._apply` and the capture observer both call it.
"""

from __future__ import annotations

from ..core import actions as act
from .trace import DeliverEvent, DiscardEvent, ErrorEvent, SignalEvent, StateEvent, TimerEvent, TraceEvent


def trace_record(now: float, name: str, action: act.Action, arriving: int = 0, rule: str = "") -> TraceEvent:
    """The record of ``action`` (anything but a send) taken by endpoint ``name`` at ``now``.

    ``arriving``: the id of the segment being processed, for a discard; ``rule``: what made a state
    change happen when the host forced it (an observer's inference), instead of the RFC's rule.
    Most frequent first: timers are set, moved and cancelled on almost every event.
    """
    if isinstance(action, act.TimerChanged):
        return TimerEvent(now, name, action.name, action.action, action.deadline, action.rule)
    if isinstance(action, act.StateChanged):
        # _value_ is the plain attribute behind Enum.value (a descriptor call costs ~0.4 µs)
        return StateEvent(now, name, action.old._value_, action.new._value_, action.event, rule or action.rule)
    if isinstance(action, act.Deliver):
        return DeliverEvent(now, name, action.data)
    if isinstance(action, act.Discard):
        return DiscardEvent(now, name, arriving, action.reason, action.rule)
    if isinstance(action, act.Signal):
        return SignalEvent(now, name, action.message, action.rule)
    if isinstance(action, act.UserError):
        return ErrorEvent(now, name, action.call, action.message)
    raise TypeError(f"no trace record for {action!r}")
