"""Where two runs of the same scenario or script differ, endpoint by endpoint, and which rule made
them differ (``tcpsim run FILE --compare NAME``).

Each endpoint's run is read as the list of what it did that a learner compares: its state changes
and the segments it sent. The two lists are aligned (``difflib``, on what happened, not when), and
each place they part is one :class:`Difference`: what only one run did, or the same thing at another
time. A difference is explained by the stack rules that fired there: every rule of a personality
(:mod:`tcpsim.core.personality`) cited by either run, on either endpoint, by a record in the
difference's span (for an item that only moved in time: at either of its times), or by the timer
that scheduled one of its items (a 60 s TIME-WAIT ends later because of the rule that set its timer,
long before).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.personality import PERSONALITIES, SOCKET_RULES, Rule
from ..i18n import _, ngettext
from .trace import SendEvent, StateEvent, TimerEvent, TraceEvent

_EPS = 1e-6


def _known_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for p in PERSONALITIES.values():
        rules += [r for r in p.rules() if r not in rules]
    for extra in SOCKET_RULES.values():
        rules += [r for r in extra if r not in rules]
    return tuple(rules)


KNOWN_RULES = _known_rules()


@dataclass(frozen=True, slots=True)
class Item:
    """One thing an endpoint did: a state change or a segment it sent."""

    t: float
    kind: str
    """``state`` or ``send``."""
    key: tuple[Any, ...]
    """What is compared: the change, or the segment's flags, numbers, length and window."""
    text: str
    rule: str


@dataclass(frozen=True, slots=True)
class Difference:
    endpoint: str
    only_a: tuple[Item, ...]
    only_b: tuple[Item, ...]
    retimed: tuple[tuple[Item, Item], ...]
    """The same thing in both runs, at another time: (A's, B's)."""
    rules: tuple[tuple[str, Rule], ...]
    """(endpoint, rule) of every stack rule that fired there, in either run."""

    @property
    def t(self) -> float:
        times = [i.t for i in self.only_a + self.only_b] + [min(a.t, b.t) for a, b in self.retimed]
        return min(times, default=0.0)


def items(trace: Iterable[TraceEvent], endpoint: str) -> list[Item]:
    """What ``endpoint`` did, in order: its state changes and the segments it sent."""
    found: list[Item] = []
    for e in trace:
        if isinstance(e, StateEvent) and e.endpoint == endpoint:
            found.append(Item(e.t, "state", ("state", e.old, e.new), f"{e.old} → {e.new} ({e.event})", e.rule))
        elif isinstance(e, SendEvent) and not e.injected and e.endpoint == endpoint:
            seg = e.segment
            text = _("sends {flags} seq {seq} ack {ack} len {len} win {wnd}").format(
                flags=seg.flag_text or "-", seq=seg.seq, ack=seg.ack, len=len(seg.data), wnd=seg.wnd
            )
            key = ("send", seg.flag_text, seg.seq, seg.ack, len(seg.data), seg.wnd)
            found.append(Item(e.t, "send", key, text, e.rule))
    return found


def compare(
    trace_a: Sequence[TraceEvent], trace_b: Sequence[TraceEvent], endpoints: Iterable[str]
) -> dict[str, list[Difference]]:
    """Every place the two runs part, per endpoint (an empty list: they agree)."""
    result: dict[str, list[Difference]] = {}
    for name in endpoints:
        a, b = items(trace_a, name), items(trace_b, name)
        matcher = difflib.SequenceMatcher(None, [i.key for i in a], [i.key for i in b], autojunk=False)
        diffs: list[Difference] = []
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op == "equal":
                run: list[tuple[Item, Item]] = []
                for x, y in zip(a[a1:a2], b[b1:b2], strict=True):
                    if abs(x.t - y.t) > _EPS:
                        run.append((x, y))
                    elif run:
                        diffs.append(_difference(name, (), (), tuple(run), trace_a, trace_b))
                        run = []
                if run:
                    diffs.append(_difference(name, (), (), tuple(run), trace_a, trace_b))
            else:
                diffs.append(_difference(name, tuple(a[a1:a2]), tuple(b[b1:b2]), (), trace_a, trace_b))
        result[name] = diffs
    return result


def _difference(
    name: str,
    only_a: tuple[Item, ...],
    only_b: tuple[Item, ...],
    retimed: tuple[tuple[Item, Item], ...],
    trace_a: Sequence[TraceEvent],
    trace_b: Sequence[TraceEvent],
) -> Difference:
    spans = [(i.t - _EPS, i.t + _EPS) for pair in retimed for i in pair]
    if only_a or only_b:
        times = [i.t for i in only_a + only_b]
        spans.append((min(times) - _EPS, max(times) + _EPS))

    def inside(t: float) -> bool:
        return any(low <= t <= high for low, high in spans)

    found: list[tuple[str, Rule]] = []
    for trace in (trace_a, trace_b):
        for e in trace:
            rule = getattr(e, "rule", "")
            if not rule:
                continue
            hit = inside(e.t)
            if not hit and isinstance(e, TimerEvent) and e.deadline is not None and e.action != "cancel":
                hit = inside(e.deadline)
            if not hit:
                continue
            who = getattr(e, "endpoint", "")
            for r in KNOWN_RULES:
                if r.cite in rule and (who, r) not in found:
                    found.append((who, r))
    found.sort(key=lambda pair: (pair[0] != name, pair[0]))  # this endpoint's own rules first
    return Difference(name, only_a, only_b, retimed, tuple(found))


def describe(diffs: dict[str, list[Difference]], label_a: str, label_b: str, *, limit: int = 8) -> list[str]:
    """The comparison as text lines: per endpoint, each difference with the rules behind it."""
    lines: list[str] = []
    width = max(len(label_a), len(label_b))
    for name, found in diffs.items():
        if not found:
            lines.append(_("{endpoint}: the same states and segments at the same times").format(endpoint=name))
            continue
        count = ngettext("{endpoint}: {n} difference", "{endpoint}: {n} differences", len(found))
        lines.append(count.format(endpoint=name, n=len(found)))
        for n, d in enumerate(found, start=1):
            lines.append("  " + _("{n}. at t={t}").format(n=n, t=f"{d.t:g}"))
            for label, group in ((label_a, d.only_a), (label_b, d.only_b)):
                if not group and (d.only_a or d.only_b):
                    lines.append(f"     {label:<{width}}  " + _("(nothing here)"))
                for item in group[:limit]:
                    lines.append(f"     {label:<{width}}  {item.t:9.6f}  {item.text}")
                if len(group) > limit:
                    more = _("… and {n} more").format(n=len(group) - limit)
                    lines.append(f"     {label:<{width}}  {more}")
            for x, y in d.retimed[:limit]:
                moved = _("{what}: at {t_a} ({a}), {t_b} ({b})").format(
                    what=x.text, t_a=f"{x.t:g}", a=label_a, t_b=f"{y.t:g}", b=label_b
                )
                lines.append(f"     {'':<{width}}  {moved}")
            if len(d.retimed) > limit:
                lines.append("     " + _("… and {n} more, each at another time").format(n=len(d.retimed) - limit))
            earlier = _earlier(diffs, name, d)
            if earlier is not None:
                after = _("after the {endpoint}'s difference {n}, at t={t}")
                lines.append("     " + after.format(endpoint=earlier[0], n=earlier[1], t=f"{earlier[2]:g}"))
            if d.rules:
                lines.append("     " + _("rules that fired here:"))
                for who, rule in d.rules:
                    lines.append(f"       {who + ': ' if who else ''}{rule.cite}")
            elif earlier is None:
                lines.append("     " + _("no stack rule fired here"))
    return lines


def _earlier(diffs: dict[str, list[Difference]], name: str, d: Difference) -> tuple[str, int, float] | None:
    """The other endpoint's latest difference before ``d``, which ``d`` may follow from."""
    best: tuple[str, int, float] | None = None
    for other, found in diffs.items():
        if other == name:
            continue
        for n, e in enumerate(found, start=1):
            if e.t < d.t - _EPS and (best is None or e.t > best[2]):
                best = (other, n, e.t)
    return best


def as_records(diffs: dict[str, list[Difference]], label_a: str, label_b: str) -> list[dict[str, Any]]:
    """The comparison as JSON objects (``--format jsonl``): a ``compare`` record naming the two
    runs ``a`` and ``b``, then one ``difference`` record per difference."""

    def item(i: Item) -> dict[str, Any]:
        return {"t": round(i.t, 6), "kind": i.kind, "text": i.text, "rule": i.rule}

    records: list[dict[str, Any]] = [
        {"type": "compare", "a": label_a, "b": label_b, "differences": {n: len(d) for n, d in diffs.items()}}
    ]
    for name, found in diffs.items():
        for d in found:
            records.append(
                {
                    "type": "difference",
                    "endpoint": name,
                    "t": round(d.t, 6),
                    "a": [item(i) for i in d.only_a],
                    "b": [item(i) for i in d.only_b],
                    "retimed": [{"what": x.text, "a": round(x.t, 6), "b": round(y.t, 6)} for x, y in d.retimed],
                    "rules": [{"endpoint": who, "id": r.id, "stack": r.stack, "rule": r.cite} for who, r in d.rules],
                }
            )
    return records
