"""Every word the state diagram shows, in one place, marked for the message catalogues.

Arrow labels are Figure 5's own notation, built from the transition table and never translated
(RFC terms stay as the RFC spells them, in every language). The legend, the notes and the
sentence that explains a transition are tcpsim's words, translated through the catalogues (their
English is the message id). The sentences are teaching prose, not protocol facts, so they live
here beside the UI rather than in the core's table; each is matched to its row by (from, event,
to), and a test checks that every row of the table has one, translated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...core.states import State
from ...core.transitions import TRANSITIONS, Event, Transition
from ...i18n import N_, _, pgettext, translation

Key = tuple[str, str, str]


def full_label(t: Transition) -> str:
    """Figure 5's label: the event, then what is sent or done ("rcv SYN / snd SYN,ACK")."""
    return f"{t.event} / {t.action}" if t.action else t.event


def short_label(t: Transition) -> str:
    """The compact notation: what arrives or is called, then what is sent ("SYN/SYN,ACK").

    Derived from the full label by rule, not written per arrow: "rcv " and the "of SYN"/"of FIN"
    qualifiers go, OPEN loses passive/active (the target says which), a TCB created or deleted is
    not a segment sent, and Timeout=2MSL becomes 2MSL.
    """
    event = t.event.removeprefix("rcv ").replace(" of SYN", "").replace(" of FIN", "")
    event = event.removeprefix("passive ").removeprefix("active ").removeprefix("Timeout=")
    sent = t.action.removeprefix("snd ") if t.action.startswith("snd ") else ""
    return f"{event}/{sent}" if sent else event


def mark(count: int) -> str:
    """How an arrow walked ``count`` times is marked beside its label."""
    return f"✓{count}"


# ---------------------------------------------------------------------------------------------
# The interface's own words.

_WORDS: dict[str, str] = {
    "where": N_("{endpoint} {state}"),
    "walked": N_("{seen}/{total} arrows walked"),
    "more": N_("↓ notes and legend"),
    "no_step": N_("{endpoint}: no state change yet."),
    "explained": N_("{step} {sentence} {cite}"),
    "step": N_("{endpoint}: {source} → {target} ({label})."),
    "cite": N_("RFC 9293 §{section}"),
    "cite_check": N_("RFC 9293 §{section}, {ordinal} check"),
    "notes_title": N_("Left out of the figure for legibility, as Figure 5 does, and run by the core all the same:"),
    "whatif_title": N_("What-if only (time_wait = false), not RFC behaviour:"),
    "stack_title": N_("A stack personality's own arrows (Linux, FreeBSD, RFC 793), not RFC 9293's:"),
    "from": N_("from"),
    "legend_title": N_("How to read the diagram"),
    "legend_label": N_(
        "Each box is a state, each arrow a transition. An arrow's label says what makes it happen, "
        "then what is done on the way: “rcv FIN / snd ACK” means “when a FIN arrives, send an ACK "
        "and move along the arrow”. OPEN, CLOSE and ABORT are calls from the application; "
        "Timeout=2MSL is TIME-WAIT's timer running out; create TCB and delete TCB are the "
        "endpoint making or forgetting its memory of the connection. CLOSED is drawn twice, "
        "at the top and bottom right, as Figure 5 draws it."
    ),
    "legend_short": N_(
        "The compact figure (on narrow terminals) uses short labels: “FIN/ACK” means receive a FIN, "
        "send an ACK; “CLOSE/FIN” means the application calls CLOSE, send a FIN; a label with no “/” "
        "sends nothing. The sentence under the diagram spells out the last step in full."
    ),
    "legend_colours": N_(
        "Colours: the client's colour (■ client, as in the timeline) lights the state the client is in and "
        "the arrow it took last; the server's colour does the same for the server, and a box in both colours "
        "holds both. Arrows not yet walked are dim; ✓3 beside a label means walked 3 times in the history on "
        "screen (b rewinds it too). The sentence under the figure explains the focused endpoint's last step "
        "(tab switches)."
    ),
    "help_keys": N_("In the state diagram (v): scroll it"),
}


def _ordinal(word: str) -> str:
    """The step of §3.10.7's SEGMENT ARRIVES that a rule cites ("eighth"), in the current language."""
    return {
        "first": pgettext("ordinal of a check in RFC 9293 §3.10.7", "first"),
        "second": pgettext("ordinal of a check in RFC 9293 §3.10.7", "second"),
        "third": pgettext("ordinal of a check in RFC 9293 §3.10.7", "third"),
        "fourth": pgettext("ordinal of a check in RFC 9293 §3.10.7", "fourth"),
        "fifth": pgettext("ordinal of a check in RFC 9293 §3.10.7", "fifth"),
        "sixth": pgettext("ordinal of a check in RFC 9293 §3.10.7", "sixth"),
        "seventh": pgettext("ordinal of a check in RFC 9293 §3.10.7", "seventh"),
        "eighth": pgettext("ordinal of a check in RFC 9293 §3.10.7", "eighth"),
    }[word]


def legend() -> list[str]:
    """How to read the diagram, paragraph by paragraph (under the figure, and in the help screen)."""
    return [words("legend_label"), words("legend_short"), words("legend_colours")]


def words(key: str, **values: object) -> str:
    """One of the diagram's phrases (:data:`_WORDS`) in the current language."""
    text = _(_WORDS[key])
    return text.format(**values) if values else text


_RULE = re.compile(r"(\d+(?:\.\d+)+):?(?: (first|second|third|fourth|fifth|sixth|seventh|eighth)\b)?")


def section(rule: str) -> str:
    """The RFC 9293 section a table row's ``rule`` cites ("3.10.7.4"), or "" for a what-if row."""
    match = _RULE.match(rule)
    return match.group(1) if match else ""


def cite(rule: str) -> str:
    """The reference of a table row's ``rule``: "3.10.7.4 eighth: ..." → "RFC 9293 §3.10.7.4, eighth check".

    A what-if row cites nothing: it is not RFC behaviour, and its sentence says so."""
    match = _RULE.match(rule)
    if match is None:
        return ""
    number, ordinal = match.groups()
    if ordinal is None:
        return words("cite", section=number)
    return words("cite_check", section=number, ordinal=_ordinal(ordinal))


@dataclass(frozen=True, slots=True)
class NoteLine:
    """Rows of the table that Figure 5 does not draw, alike but for their source state: one line."""

    keys: frozenset[Key]
    text: str
    whatif: bool
    stack: bool = False
    """A stack personality's own arrow (kind ``stack``): listed apart, once walked."""


def note_lines() -> list[NoteLine]:
    """The ``note`` and ``whatif`` rows, grouped by (event, action, target), in table order."""
    groups: dict[tuple[str, str, str, str], list[Transition]] = {}
    for t in TRANSITIONS:
        if t.kind != "diagram":
            groups.setdefault((t.kind, t.event, t.action, t.target.value), []).append(t)
    lines = []
    for (kind, _event, _action, target), rows in groups.items():
        sources = ", ".join(t.source.value for t in rows)
        cited = ", ".join(f"§{s}" for s in dict.fromkeys(section(t.rule) for t in rows) if s)
        text = f"{full_label(rows[0])} → {target}  {words('from')} {sources}" + (f"  {cited}" if cited else "")
        lines.append(
            NoteLine(
                frozenset((t.source.value, t.event, t.target.value) for t in rows),
                text,
                kind == "whatif",
                kind == "stack",
            )
        )
    return lines


# ---------------------------------------------------------------------------------------------
# One plain sentence per transition: what happened, and why.

_E = Event
_C, _L, _SS, _SR = "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED"
_EST, _FW1, _FW2, _CW = "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT"
_CLG, _LA, _TW = "CLOSING", "LAST-ACK", "TIME-WAIT"

_SENTENCES: dict[Key, str] = {
    (_C, _E.PASSIVE_OPEN, _L): N_(
        "The application opened the endpoint passively: it makes a TCB and waits for any peer's SYN, "
        "sending nothing yet."
    ),
    (_C, _E.ACTIVE_OPEN, _SS): N_(
        "The application asked to connect: the endpoint picks an initial sequence number and sends a SYN carrying it."
    ),
    (_L, _E.RCV_SYN, _SR): N_(
        "A SYN reached the listener: it answers SYN,ACK (its own SYN, and the ACK of the peer's) and "
        "waits for the ACK that ends the handshake."
    ),
    (_L, _E.ACTIVE_OPEN, _SS): N_(
        "The application called OPEN actively on a listening endpoint: it now knows its peer and sends "
        "a SYN (Figure 5 labels this arrow SEND)."
    ),
    (_L, _E.CLOSE, _C): N_(
        "The application closed the listener: there was no connection yet, so the TCB is deleted and nothing is sent."
    ),
    (_SS, _E.RCV_SYN, _SR): N_(
        "A bare SYN crossed ours (simultaneous open): this side acknowledges it and repeats its own SYN, as SYN,ACK."
    ),
    (_SS, _E.RCV_SYN_ACK, _EST): N_(
        "The peer's SYN,ACK acknowledged our SYN: the ACK sent now completes the three-way handshake, "
        "and data may flow."
    ),
    (_SS, _E.CLOSE, _C): N_(
        "The application gave up the attempt before any answer came: the TCB is deleted and nothing is sent."
    ),
    (_SR, _E.RCV_RST, _L): N_(
        "A RST answered our SYN,ACK: the half-open attempt is dropped, and since it began with a passive "
        "OPEN the endpoint listens again (Figure 5, note 1)."
    ),
    (_SR, _E.RCV_ACK_OF_SYN, _EST): N_(
        "The ACK of our SYN arrived: the three-way handshake is complete, each side knows the other's "
        "sequence numbers, and data may flow."
    ),
    (_SR, _E.CLOSE, _FW1): N_(
        "The application closed before the handshake finished: the endpoint sends a FIN and waits for "
        "it to be acknowledged."
    ),
    (_EST, _E.CLOSE, _FW1): N_(
        "The application closed first (the active close): the endpoint sends a FIN, “no more data from "
        "me”, and waits for its ACK."
    ),
    (_EST, _E.RCV_FIN, _CW): N_(
        "The peer closed first: its FIN is acknowledged; this side may still send, and waits here for its "
        "own application to CLOSE."
    ),
    (_FW1, _E.RCV_ACK_OF_FIN, _FW2): N_(
        "Our FIN was acknowledged: our direction is closed; we can still receive, and wait for the peer's FIN."
    ),
    (_FW1, _E.RCV_FIN, _CLG): N_(
        "The peer's FIN came before the ACK of ours (simultaneous close): we ACK it and still wait for our FIN's ACK."
    ),
    (_FW2, _E.RCV_FIN, _TW): N_(
        "The peer closed too: we acknowledge its FIN and wait 2·MSL in TIME-WAIT, in case that last ACK "
        "is lost and the FIN comes again."
    ),
    (_CW, _E.CLOSE, _LA): N_("Our application closed at last: the endpoint sends its FIN and waits for the last ACK."),
    (_CLG, _E.RCV_ACK_OF_FIN, _TW): N_(
        "The ACK of our FIN arrived after a simultaneous close: both directions are closed, and this side "
        "too waits 2·MSL in TIME-WAIT."
    ),
    (_LA, _E.RCV_ACK_OF_FIN, _C): N_(
        "The last ACK arrived: the side that closed second forgets the connection at once; only the first "
        "closer waits in TIME-WAIT."
    ),
    (_TW, _E.TIMEOUT_2MSL, _C): N_(
        "2·MSL passed with no FIN retransmitted: every old segment of this connection has died out, so "
        "the TCB is deleted and the same port pair may be used again."
    ),
    (_FW1, _E.RCV_FIN_ACK_OF_FIN, _TW): N_(
        "A FIN that also acknowledged ours: both directions closed in one segment, so FIN-WAIT-2 and CLOSING "
        "are skipped (Figure 5, note 2)."
    ),
    (_SS, _E.RCV_RST, _C): N_(
        "A RST acknowledged our SYN: nothing listens on that port, and the connection is refused."
    ),
    (_SR, _E.RCV_RST, _C): N_(
        "A RST arrived in SYN-RECEIVED after an active OPEN (a simultaneous open): the connection is refused."
    ),
    (_SR, _E.RCV_SYN, _L): N_(
        "A new SYN arrived in the middle of a handshake begun by a passive OPEN: the half-open connection is "
        "dropped and the endpoint listens again."
    ),
    (_TW, _E.RCV_RST, _C): N_(
        "A RST cut TIME-WAIT short: RFC 9293 allows it, though RFC 1337 warns that this “TIME-WAIT "
        "assassination” lets old segments in."
    ),
}

# Rows that differ only by their source state share a sentence (note 3 and §3.8.3).
_FAMILIES: dict[tuple[str, str], str] = {
    (_E.RCV_RST, "connection reset"): N_(
        "The peer reset the connection: it ends at once, data not yet delivered is lost, and no TIME-WAIT follows."
    ),
    (_E.RCV_RST, "enter CLOSED"): N_("A RST arrived while closing: the endpoint forgets the connection at once."),
    (_E.ABORT, "snd RST"): N_(
        "The application aborted: a RST tells the peer the connection is gone, and unsent data is discarded."
    ),
    (_E.ABORT, "delete TCB"): N_(
        "The application aborted: there is no synchronized connection left to reset, so the TCB is simply deleted."
    ),
    (_E.GIVE_UP, ""): N_(
        "Retransmissions went unanswered for too long: the endpoint gives up and deletes the connection."
    ),
    ("whatif", ""): N_(
        "What-if: a stack without TIME-WAIT forgets the connection at once, so a lost last ACK meets no "
        "one who remembers it (not RFC behaviour)."
    ),
    ("stack", ""): N_(
        "A stack personality's own arrow, not RFC 9293's: the event log names the stack's rule and the "
        "kernel function it comes from."
    ),
}


def _family(t: Transition) -> tuple[str, str] | None:
    if t.kind in ("whatif", "stack"):
        return (t.kind, "")
    if t.event == _E.RCV_RST and t.target is State.CLOSED:
        return (_E.RCV_RST, "connection reset" if "connection reset" in t.rule else "enter CLOSED")
    if t.event == _E.ABORT:
        return (_E.ABORT, "snd RST" if t.action == "snd RST" else "delete TCB")
    if t.event == _E.GIVE_UP:
        return (_E.GIVE_UP, "")
    return None


def sentence(t: Transition) -> str:
    """What this transition means, in one plain sentence, in the current language."""
    return _(sentence_english(t))


def has_sentence(t: Transition, lang: str) -> bool:
    """Whether this row has its sentence, and ``lang``'s catalogue a translation of it (for the tests)."""
    try:
        english = sentence_english(t)
    except KeyError:
        return False
    return lang == "en" or translation(lang).gettext(english) != english


def sentence_english(t: Transition) -> str:
    """The English of :func:`sentence`: the message id the catalogues translate."""
    key = (t.source.value, t.event, t.target.value)
    if key in _SENTENCES:
        return _SENTENCES[key]
    family = _family(t)
    if family is not None and family in _FAMILIES:
        return _FAMILIES[family]
    raise KeyError(f"no sentence for {key}")
