"""The trace's English in the user's language: rules, discard reasons, messages and notes.

The core and the simulation write what they record in English, and the trace's JSON lines keep it
(a contract). Each string is marked for translation where it is written, so the catalogue has it
with the English as its id; everything that shows a trace (the ladder of ``tcpsim run``, the
app's timeline, log and details, the Mermaid export) translates it here, at display time.

A rule is one part or several joined by ``"; "`` (RFC 9293's rule, then the stack personality's
rules that changed what happened): each part is translated alone. A part that carries a value (an
RTO, a state) was made from one of :data:`tcpsim.core.templates.TEMPLATES`: the value is read back
from the English and put into the translation. A stack rule's citation keeps its stack, its id and
its source (a kernel file and function) as they are, and translates its title. RFC terms are not
translated anywhere (state names, SYN/FIN/ACK, SND.NXT, the RFC's error strings): they are no
message, and pass through as written.

A fault rule's announcement is composed from its parts (:class:`~tcpsim.sim.trace.FaultNote`):
which segments it catches and what it does to them, each a message.
"""

from __future__ import annotations

import re
import string
from dataclasses import replace
from functools import cache, lru_cache

from ..core.personality import PERSONALITIES, SOCKET_RULES, Rule
from ..core.segment import format_flags
from ..core.templates import TEMPLATES
from ..i18n import N_, SOURCE_LANGUAGE, _, language, ngettext, pgettext
from .network import Match
from .trace import FaultNote, NoteEvent

SEPARATOR = "; "
"""Between the parts of a rule, as the core joins them."""


def rule_text(rule: str) -> str:
    """A rule, a discard reason or a message from the trace, in the user's language. In English,
    the language the trace is written in, that is the text as it is (and the first frame does not
    pay for compiling a pattern per template to read values back)."""
    lang = language()
    if not rule or lang == SOURCE_LANGUAGE:
        return rule
    return _rule_text(rule, lang)


@lru_cache(maxsize=4096)
def _rule_text(rule: str, lang: str) -> str:
    whole = _(rule)
    if whole != rule or SEPARATOR not in rule:
        return whole if whole != rule else _part(rule)
    separator = pgettext("between the parts of a rule", "; ")
    return separator.join(_part(part) for part in rule.split(SEPARATOR))


def _part(text: str) -> str:
    translated = _(text)
    if translated != text:
        return translated
    rule = _citations().get(text)
    if rule is not None:
        return _("{stack} {id}: {title} ({source})").format(
            stack=rule.stack, id=rule.id, title=_(rule.title), source=rule.source
        )
    for template, pattern in _patterns():
        match = pattern.fullmatch(text)
        if match is not None:
            return _(template).format(**match.groupdict())
    return text


@cache
def _citations() -> dict[str, Rule]:
    """Every stack rule by its citation in a trace."""
    rules = [r for p in PERSONALITIES.values() for r in p.rules()]
    rules += [r for extra in SOCKET_RULES.values() for r in extra]
    return {r.cite: r for r in rules}


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each template as a pattern that reads its values back from the English it made."""
    patterns = []
    for template in TEMPLATES:
        regex = ""
        for literal, field, _spec, _conversion in string.Formatter().parse(template):
            regex += re.escape(literal)
            if field is not None:
                regex += f"(?P<{field}>.+?)"
        patterns.append((template, re.compile(regex)))
    return patterns


# ------------------------------------------------------------------ endpoints
ENDPOINTS = {"client": N_("client"), "server": N_("server")}


def who(endpoint: str | None) -> str:
    """``client`` or ``server`` in the user's language (anything else as it is)."""
    return _(ENDPOINTS[endpoint]) if endpoint in ENDPOINTS else str(endpoint or "")


# ------------------------------------------------------------------ fault rules
FAULT_KINDS = {"drop": N_("drop"), "duplicate": N_("duplicate"), "delay": N_("delay")}
"""The name of each kind of fault, as a badge or a menu says it."""


def match_text(match: Match) -> str:
    """Which segments a fault rule catches: ``from client flags=ACK``."""
    parts = []
    if match.sender:
        parts.append(_("from {endpoint}").format(endpoint=who(match.sender)))
    if match.flags is not None:
        flags = format_flags(match.flags)
        parts.append(_("flags={flags}").format(flags=flags) if flags else _("flags=none"))
    if match.has is not None:
        parts.append(_("has {flags}").format(flags=format_flags(match.has)))
    if match.data is not None:
        parts.append(_("with data") if match.data else _("without data"))
    if not parts:
        return _("any segment")
    return pgettext("between the conditions of a fault rule", " ").join(parts)


def fault_text(kind: str, match: Match, count: int, by: float = 0.0) -> str:
    """What a fault rule does, as a sentence: ``drop the client's next segment``, ``drop the
    server's next 3 segments (flags=SYN,ACK)``, ``delay the next segment by 0.5 s``."""
    if match.sender:
        segments = ngettext("the {endpoint}'s next segment", "the {endpoint}'s next {count} segments", count)
    else:
        segments = ngettext("the next segment", "the next {count} segments", count)
    segments = segments.format(endpoint=who(match.sender), count=count)
    if replace(match, sender=None) != Match():  # which of them: flags, data
        conditions = match_text(replace(match, sender=None))
        segments = _("{segments} ({conditions})").format(segments=segments, conditions=conditions)
    if kind == "delay":
        return _("delay {segments} by {by} s").format(segments=segments, by=f"{by:g}")
    if kind == "duplicate":
        return _("duplicate {segments}").format(segments=segments)
    return _("drop {segments}").format(segments=segments)


def fault_note_text(fault: FaultNote, *, network: bool = True) -> str:
    """A fault rule's announcement (or a segment's injection) without the author's note;
    ``network``: said to be the network's (where no column says so already)."""
    if fault.kind == "inject":
        return _("inject from {endpoint}").format(endpoint=who(fault.match.sender))
    rule = fault_text(fault.kind, fault.match, fault.count, fault.by)
    if fault.cancelled:
        return (_("network: cancelled: {rule}") if network else _("cancelled: {rule}")).format(rule=rule)
    return _("network: {rule}").format(rule=rule) if network else rule


def note_text(e: NoteEvent, *, network: bool = True) -> str:
    """A note of the trace in the user's language: an announcement composed from its parts, the
    scenario author's note translated as a message of the scenarios, anything else as a rule.
    ``network``: a note on the network starts by saying so (the app's log has a column for it)."""
    if e.fault is not None:
        head = fault_note_text(e.fault, network=network)
        return _("{what} — {note}").format(what=head, note=_(e.note)) if e.note else head
    text = e.text if network else e.text.removeprefix("network: ")
    head, sep, note = text.partition(" — ")
    if sep:
        return _("{what} — {note}").format(what=rule_text(head), note=_(note))
    return rule_text(text)


def is_network_note(e: NoteEvent) -> bool:
    """Whether a note is about the network (a fault rule armed or cancelled)."""
    return (e.fault is not None and e.fault.kind != "inject") or e.text.startswith("network: ")


__all__ = [
    "FAULT_KINDS",
    "fault_note_text",
    "fault_text",
    "is_network_note",
    "match_text",
    "note_text",
    "rule_text",
    "who",
]
