"""The state diagram of RFC 9293 §3.3.2 (Figure 5) as data.

Every state change the endpoint makes is looked up here by (from, event, to); a change that is not
in this table is a bug and raises :class:`IllegalTransition` instead of happening. The UI draws its
state diagram from the same table, so the picture and the machine cannot disagree.

``kind`` says where a row comes from:

* ``diagram`` — drawn in Figure 5;
* ``note`` — stated in the notes under Figure 5 or in §3.10 but left out of the figure for
  legibility (note 2: FIN-WAIT-1 straight to TIME-WAIT; note 3: RST and ABORT from any state;
  §3.8.3: giving up after too many retransmissions);
* ``whatif`` — only with the ``time_wait = false`` switch, which imitates a stack that skips
  TIME-WAIT; these are deliberately *not* RFC behaviour;
* ``stack`` — only under a stack personality (:mod:`tcpsim.core.personality`) whose rule takes an
  arrow RFC 9293 does not draw: Linux deleting a connection closed with unread data, RFC 793's RST
  for a SYN in the window, a SYN reopening TIME-WAIT (which RFC 9293 §3.6.1 allows as MAY-2)… The
  row's ``rule`` says what the arrow is; the state change itself carries the personality's rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ..i18n import N_
from .states import State
from .templates import (
    ABORT_DELETE,
    ABORT_RST,
    DATA_AFTER_CLOSE,
    GIVE_UP,
    RST_CLOSED,
    RST_RESET,
    SYN_IN_WINDOW_793,
    UNREAD_CLOSE,
)

Kind = Literal["diagram", "note", "whatif", "stack"]

CLOSED = State.CLOSED
LISTEN = State.LISTEN
SYN_SENT = State.SYN_SENT
SYN_RECEIVED = State.SYN_RECEIVED
ESTABLISHED = State.ESTABLISHED
FIN_WAIT_1 = State.FIN_WAIT_1
FIN_WAIT_2 = State.FIN_WAIT_2
CLOSE_WAIT = State.CLOSE_WAIT
CLOSING = State.CLOSING
LAST_ACK = State.LAST_ACK
TIME_WAIT = State.TIME_WAIT


class Event:
    """Event names, spelt as Figure 5 labels its arrows."""

    PASSIVE_OPEN: Final = "passive OPEN"
    ACTIVE_OPEN: Final = "active OPEN"
    SEND: Final = "SEND"
    CLOSE: Final = "CLOSE"
    ABORT: Final = "ABORT"
    RCV_SYN: Final = "rcv SYN"
    RCV_SYN_ACK: Final = "rcv SYN,ACK"
    RCV_ACK_OF_SYN: Final = "rcv ACK of SYN"
    RCV_FIN: Final = "rcv FIN"
    RCV_ACK_OF_FIN: Final = "rcv ACK of FIN"
    RCV_FIN_ACK_OF_FIN: Final = "rcv FIN + ACK of FIN"
    RCV_RST: Final = "rcv RST"
    TIMEOUT_2MSL: Final = "Timeout=2MSL"
    GIVE_UP: Final = "retransmission limit"
    # Events of the ``stack`` rows only: what some stacks react to and RFC 9293 does not.
    RCV_DATA_AFTER_CLOSE: Final = "rcv data after close()"
    TIMEOUT_FIN_WAIT_2: Final = "Timeout=tcp_fin_timeout"


@dataclass(frozen=True, slots=True)
class Transition:
    """One arrow of the state diagram."""

    source: State
    event: str
    target: State
    action: str
    """What is sent or done on the way, as Figure 5 writes it below the line ("snd SYN,ACK")."""
    rule: str
    """The RFC 9293 section and step that makes this happen, for traces and the event log."""
    kind: Kind = "diagram"


class IllegalTransition(Exception):
    """The core tried a state change that RFC 9293 does not have: always a bug in tcpsim."""


_E = Event
_SYNCHRONIZED_RESET = (ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT)
_RST_SENDING_ABORT = (SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT)
_UNREAD_CLOSE = (ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK)
_SYN_RESET = (SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT)

TRANSITIONS: tuple[Transition, ...] = (
    # --- Figure 5 -------------------------------------------------------------------------
    Transition(CLOSED, _E.PASSIVE_OPEN, LISTEN, "create TCB", N_("3.10.1 OPEN: passive, enter LISTEN")),
    Transition(CLOSED, _E.ACTIVE_OPEN, SYN_SENT, "snd SYN", N_("3.10.1 OPEN: active, send SYN")),
    Transition(LISTEN, _E.RCV_SYN, SYN_RECEIVED, "snd SYN,ACK", N_("3.10.7.2 third: SYN in LISTEN, send SYN,ACK")),
    Transition(
        LISTEN,
        _E.ACTIVE_OPEN,
        SYN_SENT,
        "snd SYN",
        N_("3.10.1 OPEN in LISTEN: change from passive to active, send SYN"),
    ),
    Transition(LISTEN, _E.CLOSE, CLOSED, "delete TCB", N_("3.10.4 CLOSE in LISTEN: delete TCB")),
    Transition(
        SYN_SENT, _E.RCV_SYN, SYN_RECEIVED, "snd SYN,ACK", N_("3.10.7.3 fourth: SYN without ACK, simultaneous open")
    ),
    Transition(SYN_SENT, _E.RCV_SYN_ACK, ESTABLISHED, "snd ACK", N_("3.10.7.3 fourth: SYN,ACK acknowledges our SYN")),
    Transition(SYN_SENT, _E.CLOSE, CLOSED, "delete TCB", N_("3.10.4 CLOSE in SYN-SENT: delete TCB")),
    Transition(SYN_RECEIVED, _E.RCV_RST, LISTEN, "", N_("3.10.7.4 second: RST in SYN-RECEIVED after passive OPEN")),
    Transition(SYN_RECEIVED, _E.RCV_ACK_OF_SYN, ESTABLISHED, "", N_("3.10.7.4 fifth: ACK of our SYN in SYN-RECEIVED")),
    Transition(SYN_RECEIVED, _E.CLOSE, FIN_WAIT_1, "snd FIN", N_("3.10.4 CLOSE in SYN-RECEIVED: send FIN")),
    Transition(ESTABLISHED, _E.CLOSE, FIN_WAIT_1, "snd FIN", N_("3.10.4 CLOSE in ESTABLISHED: send FIN")),
    Transition(ESTABLISHED, _E.RCV_FIN, CLOSE_WAIT, "snd ACK", N_("3.10.7.4 eighth: FIN in ESTABLISHED")),
    Transition(FIN_WAIT_1, _E.RCV_ACK_OF_FIN, FIN_WAIT_2, "", N_("3.10.7.4 fifth: ACK of our FIN in FIN-WAIT-1")),
    Transition(
        FIN_WAIT_1, _E.RCV_FIN, CLOSING, "snd ACK", N_("3.10.7.4 eighth: FIN in FIN-WAIT-1, simultaneous close")
    ),
    Transition(FIN_WAIT_2, _E.RCV_FIN, TIME_WAIT, "snd ACK", N_("3.10.7.4 eighth: FIN in FIN-WAIT-2, start 2MSL")),
    Transition(CLOSE_WAIT, _E.CLOSE, LAST_ACK, "snd FIN", N_("3.10.4 CLOSE in CLOSE-WAIT: send FIN")),
    Transition(CLOSING, _E.RCV_ACK_OF_FIN, TIME_WAIT, "", N_("3.10.7.4 fifth: ACK of our FIN in CLOSING, start 2MSL")),
    Transition(LAST_ACK, _E.RCV_ACK_OF_FIN, CLOSED, "delete TCB", N_("3.10.7.4 fifth: ACK of our FIN in LAST-ACK")),
    Transition(TIME_WAIT, _E.TIMEOUT_2MSL, CLOSED, "delete TCB", N_("3.10.8 TIME-WAIT TIMEOUT: delete TCB")),
    # --- Notes under Figure 5 and §3.10 -----------------------------------------------------
    Transition(
        FIN_WAIT_1,
        _E.RCV_FIN_ACK_OF_FIN,
        TIME_WAIT,
        "snd ACK",
        N_("3.10.7.4 eighth: FIN in FIN-WAIT-1 with our FIN acknowledged, start 2MSL"),
        "note",
    ),
    Transition(
        SYN_SENT,
        _E.RCV_RST,
        CLOSED,
        "",
        N_("3.10.7.3 second: RST with acceptable ACK, connection refused"),
        "note",
    ),
    Transition(
        SYN_RECEIVED,
        _E.RCV_RST,
        CLOSED,
        "",
        N_("3.10.7.4 second: RST in SYN-RECEIVED after active OPEN, connection refused"),
        "note",
    ),
    Transition(
        SYN_RECEIVED,
        _E.RCV_SYN,
        LISTEN,
        "",
        N_("3.10.7.4 fourth: SYN in window in SYN-RECEIVED after passive OPEN, back to LISTEN"),
        "note",
    ),
    *(Transition(s, _E.RCV_RST, CLOSED, "", RST_RESET.format(state=s.value), "note") for s in _SYNCHRONIZED_RESET),
    *(
        Transition(s, _E.RCV_RST, CLOSED, "", RST_CLOSED.format(state=s.value), "note")
        for s in (CLOSING, LAST_ACK, TIME_WAIT)
    ),
    Transition(LISTEN, _E.ABORT, CLOSED, "delete TCB", N_("3.10.5 ABORT in LISTEN: delete TCB"), "note"),
    Transition(SYN_SENT, _E.ABORT, CLOSED, "delete TCB", N_("3.10.5 ABORT in SYN-SENT: delete TCB"), "note"),
    *(Transition(s, _E.ABORT, CLOSED, "snd RST", ABORT_RST.format(state=s.value), "note") for s in _RST_SENDING_ABORT),
    *(
        Transition(s, _E.ABORT, CLOSED, "delete TCB", ABORT_DELETE.format(state=s.value), "note")
        for s in (CLOSING, LAST_ACK, TIME_WAIT)
    ),
    *(
        Transition(s, _E.GIVE_UP, CLOSED, "delete TCB", GIVE_UP.format(state=s.value), "note")
        for s in (SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, CLOSE_WAIT, CLOSING, LAST_ACK)
    ),
    # --- what-if: a stack without TIME-WAIT ---------------------------------------------------
    Transition(
        FIN_WAIT_2,
        _E.RCV_FIN,
        CLOSED,
        "snd ACK",
        N_("what-if (no TIME-WAIT): FIN in FIN-WAIT-2, close at once instead of waiting 2MSL"),
        "whatif",
    ),
    Transition(
        FIN_WAIT_1,
        _E.RCV_FIN_ACK_OF_FIN,
        CLOSED,
        "snd ACK",
        N_("what-if (no TIME-WAIT): FIN in FIN-WAIT-1 with our FIN acknowledged, close at once"),
        "whatif",
    ),
    Transition(
        CLOSING,
        _E.RCV_ACK_OF_FIN,
        CLOSED,
        "",
        N_("what-if (no TIME-WAIT): ACK of our FIN in CLOSING, close at once"),
        "whatif",
    ),
    # --- stack personalities: arrows some stacks take and RFC 9293 does not draw ---------------------
    *(Transition(s, _E.CLOSE, CLOSED, "snd RST", UNREAD_CLOSE.format(state=s.value), "stack") for s in _UNREAD_CLOSE),
    *(
        Transition(s, _E.RCV_DATA_AFTER_CLOSE, CLOSED, "snd RST", DATA_AFTER_CLOSE.format(state=s.value), "stack")
        for s in (FIN_WAIT_1, FIN_WAIT_2)
    ),
    *(
        Transition(s, _E.RCV_SYN, CLOSED, "snd RST", SYN_IN_WINDOW_793.format(state=s.value), "stack")
        for s in _SYN_RESET
    ),
    Transition(
        TIME_WAIT,
        _E.RCV_SYN,
        SYN_RECEIVED,
        "snd SYN,ACK",
        N_("3.6.1 MAY-2: a SYN above RCV.NXT in TIME-WAIT reopens the connection"),
        "stack",
    ),
    Transition(
        FIN_WAIT_2,
        _E.TIMEOUT_FIN_WAIT_2,
        CLOSED,
        "delete TCB",
        N_("stack: FIN-WAIT-2 after close() times out"),
        "stack",
    ),
    Transition(
        SYN_RECEIVED,
        _E.GIVE_UP,
        LISTEN,
        "",
        N_("stack: the SYN,ACK is not acknowledged, the embryonic connection is dropped, the listener stays"),
        "stack",
    ),
)

_INDEX: dict[tuple[State, str, State], Transition] = {(t.source, t.event, t.target): t for t in TRANSITIONS}
assert len(_INDEX) == len(TRANSITIONS), "duplicate row in the transition table"


def lookup(source: State, event: str, target: State) -> Transition:
    """The row for this change, or :class:`IllegalTransition` if RFC 9293 has no such arrow."""
    try:
        return _INDEX[(source, event, target)]
    except KeyError:
        raise IllegalTransition(f"{source} --{event}--> {target} is not a transition of RFC 9293") from None


def is_legal(source: State, target: State) -> bool:
    """Whether any row leads from ``source`` to ``target`` (property tests check traces with it)."""
    return any(t.source is source and t.target is target for t in TRANSITIONS)


DIAGRAM: tuple[Transition, ...] = tuple(t for t in TRANSITIONS if t.kind == "diagram")
"""The arrows drawn in Figure 5: the learner's checklist of transitions to walk."""
