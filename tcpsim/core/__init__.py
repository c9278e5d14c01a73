"""The protocol core: one RFC 9293 endpoint, sans-IO and clock-free.

Nothing in this package knows about time passing, the network, scenarios or the UI; it takes
events with ``now`` and returns actions. See :mod:`tcpsim.core.tcb`.
"""

from .actions import Action, Deliver, Discard, Send, Signal, StateChanged, TimerChanged, UserError
from .segment import Flags, Segment, format_flags, parse_flags
from .seq import Seq
from .states import DESCRIPTIONS, State, parse_state
from .tcb import Endpoint, EndpointConfig
from .transitions import DIAGRAM, TRANSITIONS, Event, IllegalTransition, Transition

__all__ = [
    "DESCRIPTIONS",
    "DIAGRAM",
    "TRANSITIONS",
    "Action",
    "Deliver",
    "Discard",
    "Endpoint",
    "EndpointConfig",
    "Event",
    "Flags",
    "IllegalTransition",
    "Segment",
    "Send",
    "Seq",
    "Signal",
    "State",
    "StateChanged",
    "TimerChanged",
    "Transition",
    "UserError",
    "format_flags",
    "parse_flags",
    "parse_state",
]
