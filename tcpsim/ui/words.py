"""What the app says, derived from the session's view: hints, dead ends, fault badges, the status
line, and trace records in words; text from files always shown escaped, never interpreted.

Every sentence is a whole template from :mod:`tcpsim.ui.i18n` with named fields, never pieced
together from fragments, so that a translation can order its words as its language needs.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core.names import EndpointName, peer_of
from ..core.states import State
from ..escape import visible, visible_bytes
from ..i18n import _, ngettext
from ..render import expect_verdict
from ..render import who as named
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
from .i18n import hint as state_hint
from .i18n import tr

Label = Callable[[SendEvent], str]
"""Turns a segment record into its label (with absolute or relative numbers)."""


def safe(text: str) -> str:
    """Text from a file, shown as written: what a terminal would act on (ESC, controls) escaped."""
    return visible(text, multiline=True)


def data_text(data: bytes) -> str:
    """Application bytes, quoted, every control character and invalid byte escaped."""
    return f"'{visible_bytes(data)}'"


# ------------------------------------------------------------------ hints
def _keys(key: str, who: EndpointName, focus: EndpointName) -> str:
    return tr("key_here", key=key) if who == focus else tr("key_there", key=key, who=tr(who))


def pane_hint(view: View, name: EndpointName, focus: EndpointName) -> str:
    """What the keys would usefully do now to endpoint ``name``, true for this session."""
    if view.read_only:
        return tr("hint_record")
    ep = view.endpoints[name]
    state, peer = ep.state, view.endpoints[peer_of(name)].state
    planned = view.planned.get(name)
    if planned is not None and state in (State.CLOSED, State.LISTEN) and view.next is not None:
        key = {"connect": "hint_planned_connect", "listen": "hint_planned_listen"}.get(planned.call, "hint_planned")
        return tr(key, at=f"{planned.at:g}", call=planned.call)
    if state is State.FIN_WAIT_2 and peer is State.CLOSE_WAIT and view.next is None:
        return tr("hint_fw2_peer", peer=tr(peer_of(name)))
    text = state_hint(state, name)
    if any(f.user and f.sender == name and f.kind == "drop" and f.any_segment for f in view.faults):
        # "d drop next" would arm a second drop: it cancels instead, as the badge above the hint says
        text = " · ".join(part for part in text.split(" · ") if part != tr("hint_drop_next"))
    return text


def dead_end(view: View, focus: EndpointName) -> str:
    """Why nothing more happens by itself, and what the user can do about it."""
    if view.read_only:
        return tr("end_capture")
    states = {name: ep.state for name, ep in view.endpoints.items()}
    order: list[EndpointName] = [focus, peer_of(focus)]
    for who in order:
        if states[who] is State.CLOSE_WAIT:
            return tr("dead_end", advice=tr("advice_close_wait", who=tr(who), keys=_keys("c", who, focus)))
    if all(states[who] is State.ESTABLISHED for who in order):
        return tr("dead_end", advice=tr("advice_idle"))
    if states["server"] is State.LISTEN and states["client"] is State.CLOSED:
        return tr("dead_end", advice=tr("advice_connect", keys=_keys("o", "client", focus)))
    if all(states[who] is State.CLOSED for who in order):
        return tr("dead_end", advice=tr("advice_closed"))
    if states["client"] is State.LISTEN and states["server"] is State.CLOSED:
        return tr("dead_end", advice=tr("advice_listen_client", keys=_keys("o", "server", focus)))
    return tr("dead_end", advice=tr("advice_quiet"))


def fault_badge(fault: FaultView) -> str:
    """The pane's badge for an armed rule that catches its endpoint's segments."""
    if fault.user and fault.kind == "drop" and fault.any_segment:
        return tr("badge_drop_next")
    return tr("badge_rule", kind=fault.kind, what=fault.what, left=fault.left)


def fault_mark(fault: FaultView) -> str:
    """The timeline's mark for an armed rule, under the present."""
    who = tr(fault.sender) if fault.sender else tr("either")
    if fault.any_segment and fault.left == 1:
        return tr("mark_next", kind=fault.kind, who=who)
    return tr("mark_rule", kind=fault.kind, what=fault.what, left=fault.left)


# ------------------------------------------------------------------ the status line
def status_line(view: View, playing: bool, speed: float, focus: EndpointName) -> str:
    """The status line: the session's name, the time, how far back, play, focus, checks."""
    mode = f"▶ {tr('playing')}" if playing else f"‖ {tr('paused')}"
    parts = [safe(view.name), f"t = {view.t:8.3f} s"]
    where = progress_text(view)  # in the past, and how far: said early, where a narrow line still shows it
    if where:
        parts.append(where)
    parts += [f"{mode} ×{speed:g}", f"→ {tr(focus)}"]
    checks = view.checks
    if checks.total:
        verdict = "✓" if not checks.failed else "✗"
        parts.append(f"{tr('expectations')} {checks.passed}/{checks.total} {verdict}")
    if not where and view.finished and not playing:
        parts.append(tr("finished"))
    return " · ".join(parts)


def progress_text(view: View) -> str:
    """Where the view is in the history: rewound (and how far), or the frame of a capture."""
    p = view.progress
    if p.kind == "frames":
        return tr("status_frame", n=p.done, total=p.total)
    if p.rewound:
        return ngettext(
            "↶ rewound {n} of {total} event: n replays it", "↶ rewound {n} of {total} events: n replays them", p.total
        ).format(n=p.rewound, total=p.total)
    return ""


# ------------------------------------------------------------------ trace records in words
def describe(e: TraceEvent, label: Label) -> tuple[str, str]:
    """(what happened, why) for one trace record, in words; segments labelled by ``label``."""
    if isinstance(e, StateEvent):
        return f"{e.old} → {e.new} on {e.event}", e.rule
    if isinstance(e, SendEvent):
        what = "injects" if e.injected else ("retransmits" if e.retransmission else "sends")
        return f"{what} {label(e)}", "" if e.injected else e.rule
    if isinstance(e, ArriveEvent):
        return f"#{e.id} arrives" + (" (the duplicate copy)" if e.copy else ""), ""
    # The network's records: the log's column already names the network, so they say what befell the segment.
    if isinstance(e, DropEvent):
        return _("#{id} lost").format(id=e.id), ""
    if isinstance(e, DuplicateEvent):
        return _("#{id} duplicated").format(id=e.id), ""
    if isinstance(e, DelayEvent):
        return _("#{id} delayed by {by} s").format(id=e.id, by=f"{e.by:g}"), ""
    if isinstance(e, DeliverEvent):
        return f"application receives {data_text(e.data)}", "3.10.7.4 seventh: text delivered in order"
    if isinstance(e, CallEvent):
        arg = f" {data_text(e.data)}" if e.data else ""
        return f"user calls {e.call.upper()}{arg}", safe(e.note)
    if isinstance(e, ErrorEvent):
        return f"{e.call.upper()} refused: {e.message}", "3.10 user calls: the RFC's error response"
    if isinstance(e, SignalEvent):
        return f"signal to the user: {e.message}", e.rule
    if isinstance(e, DiscardEvent):
        return f"#{e.id} discarded: {e.reason}", e.rule
    if isinstance(e, TimerEvent):
        name = "2MSL" if e.name == "2msl" else "RTO"
        when = f" (deadline {e.deadline:g})" if e.deadline is not None else ""
        return f"{name} timer {e.action}{when}", "3.10.8 timeouts" if e.action == "expire" else ""
    if isinstance(e, NoteEvent):
        return safe(network_note(e.text)), ""
    if isinstance(e, ExpectEvent):
        return expect_text(e), safe(e.note)
    return e.type, ""


def network_note(text: str) -> str:
    """A note on the network without its "network:" prefix (the log's column already says so)."""
    return text.removeprefix("network: ")


def is_network(e: TraceEvent) -> bool:
    return isinstance(e, DropEvent | DuplicateEvent | DelayEvent) or (
        isinstance(e, NoteEvent) and e.text.startswith("network: ")
    )


def expect_text(e: ExpectEvent) -> str:
    """One check of an expectation, in words (a segment's fields as a sentence, not the file's keys)."""
    if e.check != "last_sent":
        return expect_verdict(e).plain
    expected = expectation_words(e, e.expected, sender=not e.endpoint)  # the sentence names the sender
    if e.ok:
        if e.endpoint:
            return _("✓ expect #{index}: the {endpoint}'s last segment is {fields}").format(
                index=e.index, endpoint=named(e.endpoint), fields=expected
            )
        return _("✓ expect #{index}: the last segment sent is {fields}").format(index=e.index, fields=expected)
    actual = expectation_words(e, e.actual, sender=not e.endpoint)
    if e.endpoint:
        return _("✗ expect #{index}: the {endpoint}'s last segment should be {fields}, but it is {actual}").format(
            index=e.index, endpoint=named(e.endpoint), fields=expected, actual=actual
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
                words.append(_("from the {endpoint}").format(endpoint=named(v)))
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
