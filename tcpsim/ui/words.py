"""What the app says, derived from the session's view: hints, dead ends, fault badges, the status
line, and trace records in words; text from files always shown escaped, never interpreted.

Every sentence is one message, marked where it is written (``_()``, :mod:`tcpsim.i18n`), with
named fields, never pieced together from fragments, so that a translation can order its words as
its language needs. The hints are whole phrases per state and endpoint, listed before the language
is known (``N_``) and translated where they are shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ..core.names import EndpointName, peer_of
from ..core.personality import fixed_time_wait
from ..core.states import State
from ..escape import visible, visible_bytes
from ..i18n import N_, _, ngettext
from ..render.expect import expect_verdict
from ..scenario.expect import ExpectEvent
from ..scenario.view import FaultView, View
from ..sim.trace import (
    ArriveEvent,
    CallEvent,
    DelayEvent,
    DeliverEvent,
    DiscardEvent,
    DropEvent,
    DuplicateEvent,
    ErrorEvent,
    NoteEvent,
    SendEvent,
    SignalEvent,
    StateEvent,
    TimerEvent,
    TraceEvent,
)
from ..sim.wording import fault_text, is_network_note, note_text, rule_text, who
from .stacks import stack_status

Label = Callable[[SendEvent], str]
"""Turns a segment record into its label (with absolute or relative numbers)."""


def safe(text: str) -> str:
    """Text from a file, shown as written: what a terminal would act on (ESC, controls) escaped."""
    return visible(text, multiline=True)


def data_text(data: bytes) -> str:
    """Application bytes, quoted, every control character and invalid byte escaped."""
    return f"'{visible_bytes(data)}'"


# ------------------------------------------------------------------ hints
_STEP_ON = N_("n step · a abort")
_RESEND = N_("n step · f resend FIN")
_DROP_NEXT = N_("d drop next")
HINTS: dict[State, tuple[str, ...]] = {
    State.CLOSED: (),  # by endpoint: OPEN_HINT
    State.LISTEN: (N_("waiting for a SYN"), N_("c close")),
    State.SYN_SENT: (N_("n step: watch the SYN travel"),),
    State.SYN_RECEIVED: (N_("n step: wait for the ACK"),),
    State.ESTABLISHED: (N_("s send"), N_("c close"), N_("a abort"), _DROP_NEXT),
    State.FIN_WAIT_1: (_STEP_ON,),
    State.FIN_WAIT_2: (N_("waiting for the peer's FIN"),),
    State.CLOSE_WAIT: (N_("c close: the peer waits for our FIN"), N_("s send")),
    State.CLOSING: (_RESEND,),
    State.LAST_ACK: (_RESEND,),
    State.TIME_WAIT: (N_("n step: jump past TIME-WAIT"),),  # 2·MSL, or a stack's own length
}
"""What the keys usefully do to an endpoint in each state: phrases joined by " · "."""
OPEN_HINT = {"client": N_("o connect"), "server": N_("o listen")}
"""A CLOSED endpoint's hint: the client connects, the server listens."""


def state_hint(state: State, name: str) -> list[str]:
    """The phrases of an endpoint's hint in ``state``, in the user's language."""
    phrases = HINTS[state] if state is not State.CLOSED else (OPEN_HINT.get(name, OPEN_HINT["client"]),)
    return [_(p) for p in phrases]


def _keys(key: str, name: EndpointName, focus: EndpointName) -> str:
    if name == focus:
        return _("press {key}").format(key=key)
    return _("tab to the {endpoint}, then {key}").format(key=key, endpoint=who(name))


def pane_hint(view: View, name: EndpointName, focus: EndpointName) -> str:
    """What the keys would usefully do now to endpoint ``name``, true for this session."""
    if view.source == "script":
        return _("n next line · b back · space play · k another stack: the script drives both endpoints")
    if view.read_only:
        return _("n step · b back · space play: a capture is a record, it cannot be changed")
    ep = view.endpoints[name]
    state, peer = ep.state, view.endpoints[peer_of(name)].state
    planned = view.planned.get(name)
    if planned is not None and state in (State.CLOSED, State.LISTEN) and view.next is not None:
        at = f"{planned.at:g}"
        if planned.call == "connect":
            return _("n step: the scenario connects at t = {at} s").format(at=at)
        if planned.call == "listen":
            return _("n step: the scenario listens at t = {at} s").format(at=at)
        return _("n step: the scenario calls {call} at t = {at} s").format(at=at, call=planned.call.upper())
    if state is State.FIN_WAIT_2 and peer is State.CLOSE_WAIT and view.next is None:
        return _("waiting for the {peer}'s FIN: its application must close (tab, c)").format(peer=who(peer_of(name)))
    if state in _HANDSHAKE_SENT and (again := ep.timer("rto")) is not None and not _arriving(view):
        # The handshake segment was dropped (d, o): it will not "travel"; the retransmission timer sends it again.
        return _("n step: the {segment} is lost; the retransmission timer sends it again at t = {at} s").format(
            segment=_HANDSHAKE_SENT[state], at=f"{again:g}"
        )
    if state is State.TIME_WAIT and (end := ep.timer("2msl")) is not None and view.next and view.next.at < end:
        # n steps to the next event, not past the wait: in lost-final-ack, the peer's FIN comes again
        return _("n step: something happens before TIME-WAIT ends")
    phrases = state_hint(state, name)
    if any(f.user and f.sender == name and f.kind == "drop" and f.any_segment for f in view.faults):
        phrases = [p for p in phrases if p != _(_DROP_NEXT)]  # it would arm a second drop: the badge says d cancels
    return " · ".join(phrases)


_HANDSHAKE_SENT = {State.SYN_SENT: "SYN", State.SYN_RECEIVED: "SYN,ACK"}
"""The segment an endpoint in these states has sent and waits to see answered."""


def _arriving(view: View) -> bool:
    """Whether a segment in the air will arrive (with two endpoints, it is from or to either)."""
    return any(f.arrive_at is not None for f in view.flights.values())


def dead_end(view: View, focus: EndpointName) -> str:
    """Why nothing more happens by itself, and what the user can do about it."""
    if view.source == "script":
        if view.checks.failed:
            failed = view.checks.failed[-1]
            reason = str(failed.actual).split("\n")[0]
            return _(
                "The script stops at line {line} ({reason}): b steps back, r plays it again, k with another stack."
            ).format(line=failed.index, reason=reason)
        return _("The script ends here: every line holds. b steps back, r plays it again, k with another stack.")
    if view.read_only:
        return _("The capture ends here: b steps back, r goes back to its start.")
    return _("Nothing more will happen by itself. {advice}").format(advice=_advice(view, focus))


def _advice(view: View, focus: EndpointName) -> str:
    states = {name: ep.state for name, ep in view.endpoints.items()}
    order: list[EndpointName] = [focus, peer_of(focus)]
    for name in order:
        if states[name] is State.CLOSE_WAIT:
            return _(
                "The {endpoint}'s application must close: {keys} (its peer waits in FIN-WAIT-2 for that FIN)."
            ).format(endpoint=who(name), keys=_keys("c", name, focus))
    if all(states[name] is State.ESTABLISHED for name in order):
        return _("The connection is open and idle: s sends data, c closes it.")
    if states["server"] is State.LISTEN and states["client"] is State.CLOSED:
        return _("The server is listening: {keys} to connect the client.").format(keys=_keys("o", "client", focus))
    if all(states[name] is State.CLOSED for name in order):
        return _("Both endpoints are CLOSED: o opens a connection (the server listens first), r restarts.")
    if states["client"] is State.LISTEN and states["server"] is State.CLOSED:
        return _("The client is listening: {keys} to open the server.").format(keys=_keys("o", "server", focus))
    return _("Every segment has arrived and no timer is running.")


def time_wait_words(view: View) -> list[str]:
    """How long TIME-WAIT lasts under the stack playing each endpoint, one line per stack: the
    stories say 2·MSL, RFC 9293's rule, and Linux waits a fixed 60 s whatever the MSL."""
    from ..core.personality import personality

    stacks = {name: stack or "rfc9293" for name, stack in view.stacks.items()}
    one = len(set(stacks.values())) == 1
    lines = []
    for name, stack in stacks.items():
        rule = personality(stack).time_wait_length
        if rule is not None:
            what = _("{rule} ({source})").format(rule=_(rule.title), source=rule.source)
        else:
            what = _("TIME-WAIT lasts 2·MSL = {seconds} s").format(seconds=f"{2 * view.msl:g}")
        if one:
            return [_("Played by {stack}: {what}.").format(stack=stack, what=what)]
        lines.append(_("The {endpoint}, played by {stack}: {what}.").format(endpoint=who(name), stack=stack, what=what))
    return lines


def fault_badge(fault: FaultView) -> str:
    """The pane's badge for an armed rule that catches its endpoint's segments."""
    if fault.user and fault.kind == "drop" and fault.any_segment:
        return _("✕ drop armed: its next segment is lost · d cancels")
    return _("✕ armed: {rule}").format(rule=fault_text(fault.kind, fault.match, fault.left, fault.by))


_NEXT = {
    "drop": N_("✕ armed: drop the {endpoint}'s next segment"),
    "duplicate": N_("✕ armed: duplicate the {endpoint}'s next segment"),
    "delay": N_("✕ armed: delay the {endpoint}'s next segment by {by}s"),
}
_NEXT_ANY = {
    "drop": N_("✕ armed: drop the next segment"),
    "duplicate": N_("✕ armed: duplicate the next segment"),
    "delay": N_("✕ armed: delay the next segment by {by}s"),
}


def fault_mark(fault: FaultView) -> str:
    """The timeline's mark for an armed rule, under the present."""
    if fault.any_segment and fault.left == 1 and fault.kind in _NEXT:
        template = _(_NEXT[fault.kind] if fault.sender else _NEXT_ANY[fault.kind])
        return template.format(endpoint=who(fault.sender), by=f"{fault.by:g}")
    return _("✕ armed: {rule}").format(rule=fault_text(fault.kind, fault.match, fault.left, fault.by))


# ------------------------------------------------------------------ the status line
def status_line(view: View, playing: bool, speed: float, focus: EndpointName) -> str:
    """The status line: the session's name, the time, how far back, play, focus, checks."""
    mode = _("▶ playing") if playing else _("‖ paused")
    parts = [safe(_(view.name)), f"t = {view.t:8.3f} s"]
    if stack := stack_status(view):
        parts.insert(1, stack)
    where = progress_text(view)  # in the past, and how far: said early, where a narrow line still shows it
    if where:
        parts.append(where)
    parts += [f"{mode} ×{speed:g}", f"→ {who(focus)}"]
    checks = view.checks
    if checks.total:
        verdict = "✓" if not checks.failed else "✗"
        parts.append(
            _("checks {passed}/{total} {verdict}").format(passed=checks.passed, total=checks.total, verdict=verdict)
        )
    if not where and view.finished and not playing:
        # Nothing is pending; in a session the user can act on, that is their turn, not the end.
        parts.append(_("the end of the capture") if view.read_only else _("your move"))
    return " · ".join(parts)


def progress_text(view: View) -> str:
    """Where the view is in the history: rewound (and how far), or the frame of a capture."""
    p = view.progress
    if p.kind == "frames":
        return _("frame {n} of {total}").format(n=p.done, total=p.total)
    if p.kind == "lines":
        return _("{n}/{total} lines").format(n=p.done, total=p.total)
    if p.rewound:
        return ngettext(
            "↶ rewound {n} of {total} event: n replays it", "↶ rewound {n} of {total} events: n replays them", p.total
        ).format(n=p.rewound, total=p.total)
    return ""


# ------------------------------------------------------------------ trace records in words
TIMERS = {"2msl": "2MSL", "rto": "RTO", "delack": N_("delayed ACK"), "finwait2": "FIN-WAIT-2"}
"""A timer's name as the log says it (2MSL and RTO as the RFC writes them)."""


def stack_playing(stacks: Mapping[EndpointName, str] | None, endpoint: str | None) -> str:
    """The stack playing ``endpoint`` as ``stacks`` (the view's) says: ``""`` for none, and for a
    record of no endpoint (the network's)."""
    for name, stack in (stacks or {}).items():
        if name == endpoint:
            return stack
    return ""


def state_meaning(state: State, stack: str) -> str:
    """What ``state`` means, in the user's language. The core's words for TIME-WAIT say it waits
    2·MSL, RFC 9293's rule: under a stack that waits a fixed time (Linux's 60 s) they say how long."""
    length = fixed_time_wait(stack) if state is State.TIME_WAIT else None
    if length is None:
        return _(state.description)
    return _(
        "Both FINs are acknowledged; waiting {seconds} s (this stack's fixed TIME-WAIT, whatever the MSL) so a "
        "lost last ACK can be resent and old segments die out."
    ).format(seconds=f"{length:g}")


def timer_name(name: str, stack: str = "") -> str:
    """A timer as a person reads it: ``RTO``, ``2MSL``, and a stack personality's own two. TIME-WAIT's
    timer is 2MSL only where it lasts 2·MSL: under a stack that waits a fixed time (Linux's 60 s,
    whatever the MSL) it is named after the state it ends, ``TIME-WAIT``."""
    if name == "2msl" and fixed_time_wait(stack) is not None:
        return "TIME-WAIT"  # an RFC term: the same in every language
    return _(TIMERS.get(name, name))


def _timer(e: TimerEvent, stack: str) -> str:
    name = timer_name(e.name, stack)
    deadline = f"{e.deadline:.3f}" if e.deadline is not None else "?"  # as the log's time column writes t
    if e.action == "set":
        return _("{timer} timer set: it expires at t = {deadline} s").format(timer=name, deadline=deadline)
    if e.action == "restart":
        return _("{timer} timer restarted: it expires at t = {deadline} s").format(timer=name, deadline=deadline)
    if e.action == "expire":
        return _("{timer} timer expired").format(timer=name)
    return _("{timer} timer cancelled").format(timer=name)


def describe(e: TraceEvent, label: Label, stacks: Mapping[EndpointName, str] | None = None) -> tuple[str, str]:
    """(what happened, why) for one trace record, in words; segments labelled by ``label``;
    ``stacks``: the stack playing each endpoint (the view's), which names TIME-WAIT's timer."""
    stack = stack_playing(stacks, getattr(e, "endpoint", None))
    if isinstance(e, StateEvent):
        return _("{old} → {new} on {event}").format(old=e.old, new=e.new, event=event_text(e, stack)), rule_text(e.rule)
    if isinstance(e, SendEvent):
        if e.injected:
            return _("injects {segment}").format(segment=label(e)), ""
        what = _("retransmits {segment}") if e.retransmission else _("sends {segment}")
        return what.format(segment=label(e)), rule_text(e.rule)
    if isinstance(e, ArriveEvent):
        return (_("#{id} arrives (the duplicate copy)") if e.copy else _("#{id} arrives")).format(id=e.id), ""
    # The network's records: the log's column already names the network, so they say what befell the segment.
    if isinstance(e, DropEvent):
        return _("#{id} lost").format(id=e.id), ""
    if isinstance(e, DuplicateEvent):
        return _("#{id} duplicated").format(id=e.id), ""
    if isinstance(e, DelayEvent):
        return _("#{id} delayed by {by} s").format(id=e.id, by=f"{e.by:g}"), ""
    if isinstance(e, DeliverEvent):
        return _("application receives {data}").format(data=data_text(e.data)), _(
            "3.10.7.4 seventh: text delivered in order"
        )
    if isinstance(e, CallEvent):
        call = e.call.upper()
        if e.data:
            return _("user calls {call} {data}").format(call=call, data=data_text(e.data)), safe(_(e.note))
        return _("user calls {call}").format(call=call), safe(_(e.note))
    if isinstance(e, ErrorEvent):
        refused = _("{call} refused: {message}").format(call=e.call.upper(), message=rule_text(e.message))
        return refused, _("3.10 user calls: the RFC's error response")
    if isinstance(e, SignalEvent):
        return _("signal to the user: {message}").format(message=rule_text(e.message)), rule_text(e.rule)
    if isinstance(e, DiscardEvent):
        return _("#{id} discarded: {reason}").format(id=e.id, reason=rule_text(e.reason)), rule_text(e.rule)
    if isinstance(e, TimerEvent):
        return _timer(e, stack), _("3.10.8 timeouts") if e.action == "expire" else rule_text(e.rule)
    if isinstance(e, NoteEvent):
        return safe(note_text(e, network=False)), ""
    if isinstance(e, ExpectEvent):
        return expect_text(e), safe(_(e.note))
    return e.type, ""


def event_text(e: StateEvent, stack: str) -> str:
    """The event of a state change as RFC 9293's Figure 5 names it, but for the end of TIME-WAIT under a
    stack that waits a fixed time: Figure 5's ``Timeout=2MSL`` would say 2·MSL, and Linux waited 60 s."""
    length = fixed_time_wait(stack) if e.event == "Timeout=2MSL" else None
    return e.event if length is None else _("Timeout={seconds} s").format(seconds=f"{length:g}")


def is_network(e: TraceEvent) -> bool:
    """Whether a record is the network's (the log's column says so)."""
    return isinstance(e, DropEvent | DuplicateEvent | DelayEvent) or (isinstance(e, NoteEvent) and is_network_note(e))


def failure_words(e: ExpectEvent) -> tuple[str, str]:
    """(title, message) of the notification for a check that failed: an expectation, or a script line."""
    if e.check == "script":
        return _("✗ line {line}: {text}").format(line=e.index, text=e.expected), str(e.actual)
    expected, actual = expectation_words(e, e.expected), expectation_words(e, e.actual)
    title = _("✗ expect #{index}").format(index=e.index)
    return title, _("expected {expected}, got {actual}").format(expected=expected, actual=actual)


def expect_text(e: ExpectEvent) -> str:
    """One check of an expectation, in words (a segment's fields as a sentence, not the file's keys)."""
    if e.check != "last_sent":
        return expect_verdict(e).plain
    expected = expectation_words(e, e.expected, sender=not e.endpoint)  # the sentence names the sender
    if e.ok:
        if e.endpoint:
            return _("✓ expect #{index}: the {endpoint}'s last segment is {fields}").format(
                index=e.index, endpoint=who(e.endpoint), fields=expected
            )
        return _("✓ expect #{index}: the last segment sent is {fields}").format(index=e.index, fields=expected)
    actual = expectation_words(e, e.actual, sender=not e.endpoint)
    if e.endpoint:
        return _("✗ expect #{index}: the {endpoint}'s last segment should be {fields}, but it is {actual}").format(
            index=e.index, endpoint=who(e.endpoint), fields=expected, actual=actual
        )
    return _("✗ expect #{index}: the last segment sent should be {fields}, but it is {actual}").format(
        index=e.index, fields=expected, actual=actual
    )


def expectation_words(e: ExpectEvent, value: object, *, sender: bool = True) -> str:
    """An expected or actual value of a check, in words (a state, bytes, or a segment's fields).

    A segment reads as its fields in words ("from the client, ACK, seq 1002, ack 5002"; its
    sender left out when not ``sender``), the one seen with its number first; no data and no
    length are left out unless the check asked for them."""
    if e.check == "last_sent":
        if not isinstance(value, dict) or not value:
            return _("no segment")
        asked = e.expected if isinstance(e.expected, dict) else {}
        words = []
        for key, v in value.items():
            if key == "id" or (key in ("len", "data") and not v and key not in asked) or (key == "from" and not sender):
                continue
            if key == "from":
                words.append(_("from the {endpoint}").format(endpoint=who(v)))
            elif key == "has":
                words.append(_("with {flags}").format(flags=v))
            elif key == "data":
                words.append(_("data {data}").format(data=data_text(v.encode("utf-8") if isinstance(v, str) else v)))
            elif key == "len":
                words.append(_("length {n}").format(n=v))
            elif key == "flags":  # the flags alone, as the timeline writes them: "FIN,ACK"
                words.append(str(v))
            else:  # seq, ack: as the RFC and the timeline write them
                words.append(f"{key} {v}")
        text = ", ".join(words)
        return f"#{value['id']}: {text}" if "id" in value else text
    if e.check == "received":
        return repr(value)
    return str(value)
