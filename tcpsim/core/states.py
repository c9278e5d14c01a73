"""The eleven connection states of RFC 9293 §3.3.2, with a plain-language line for each.

The descriptions are tcpsim's own words, written for a learner watching one endpoint: what the
endpoint has done, and what it is waiting for. The CLI prints them and the UI shows them, in the
user's language: they are marked for translation here (:func:`~tcpsim.i18n.N_` changes nothing)
and translated where they are shown, with ``_(state.description)``.
"""

from __future__ import annotations

from enum import Enum

from ..i18n import N_


class State(Enum):
    """A connection state, valued by its RFC spelling so that it prints and parses as the RFC does."""

    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"

    # Members are singletons compared by identity, so identity is a valid hash, and much cheaper
    # than Enum's own (a Python-level hash of the name): the transition table is a dict keyed by
    # states, looked up on every state change.
    __hash__ = object.__hash__

    def __str__(self) -> str:
        return self.value

    @property
    def synchronized(self) -> bool:
        """RFC 9293 §3.5.2: states in which both sides' sequence numbers are known."""
        return self not in (State.CLOSED, State.LISTEN, State.SYN_SENT, State.SYN_RECEIVED)

    @property
    def phase(self) -> str:
        """One of ``opening``, ``established``, ``closing``, ``closed``: the UI colours by it."""
        return _PHASE[self]

    @property
    def description(self) -> str:
        """What this state means for the endpoint in it, in one line."""
        return DESCRIPTIONS[self]


def parse_state(text: str) -> State:
    """Accept the RFC spelling in any case, with ``-``, ``_`` or a space (``time_wait`` too)."""
    key = text.strip().upper().replace("_", "-").replace(" ", "-")
    for state in State:
        if state.value == key:
            return state
    raise ValueError(f"unknown state {text!r}")


_PHASE: dict[State, str] = {
    State.CLOSED: "closed",
    State.LISTEN: "opening",
    State.SYN_SENT: "opening",
    State.SYN_RECEIVED: "opening",
    State.ESTABLISHED: "established",
    State.FIN_WAIT_1: "closing",
    State.FIN_WAIT_2: "closing",
    State.CLOSE_WAIT: "closing",
    State.CLOSING: "closing",
    State.LAST_ACK: "closing",
    State.TIME_WAIT: "closing",
}

DESCRIPTIONS: dict[State, str] = {
    State.CLOSED: N_("No connection: nothing is remembered, and any segment that arrives is answered with a RST."),
    State.LISTEN: N_("Waiting for a SYN from any peer; nothing has been sent yet."),
    State.SYN_SENT: N_("Sent a SYN; waiting for the peer's SYN and for it to acknowledge ours."),
    State.SYN_RECEIVED: N_("Received a SYN and answered with SYN,ACK; waiting for the ACK of our SYN."),
    State.ESTABLISHED: N_("The connection is open: data flows both ways and each side acknowledges what it gets."),
    State.FIN_WAIT_1: N_("We closed and sent a FIN; waiting for its ACK, or for the peer's FIN."),
    State.FIN_WAIT_2: N_("Our FIN is acknowledged; we can still receive, waiting for the peer to close too."),
    State.CLOSE_WAIT: N_("The peer has closed its side; waiting for our own application to call close."),
    State.CLOSING: N_("Both sides sent a FIN at once; waiting for the ACK of ours."),
    State.LAST_ACK: N_("We closed after the peer did and sent our FIN; waiting for its final ACK."),
    State.TIME_WAIT: N_(
        "Both FINs are acknowledged; waiting 2·MSL so a lost last ACK can be resent and old segments die out."
    ),
}
