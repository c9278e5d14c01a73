"""The wire between the two endpoints: a one-way latency and fault rules.

Faults wrap the network, never an endpoint: the endpoints see only what arrives. A rule picks the
upcoming transmissions it matches (``count`` of them, sent at or after its ``at``) and drops,
duplicates or delays them. Where rules overlap, the one declared first (the lowest ``rank``) wins,
even when it was armed later, and every transmission (a retransmission too) uses up one match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..core.names import EndpointName
from ..core.segment import Segment, format_flags

FaultKind = Literal["drop", "duplicate", "delay"]


@dataclass(frozen=True, slots=True)
class Match:
    """Which segments a rule applies to. Every field is optional; None matches anything."""

    sender: EndpointName | None = None
    flags: int | None = None
    """The exact flag set (a Flags value or a plain int, as segments hold them)."""
    has: int | None = None
    """Flags that must be present, among any others."""
    data: bool | None = None
    """Carries payload (True) or not (False)."""

    def matches(self, sender: EndpointName, seg: Segment) -> bool:
        if self.sender is not None and sender != self.sender:
            return False
        if self.flags is not None and seg.flags != self.flags:
            return False
        if self.has is not None and seg.flags & self.has != self.has:
            return False
        return self.data is None or bool(seg.data) == self.data

    def describe(self) -> str:
        parts = []
        if self.sender:
            parts.append(f"from {self.sender}")
        if self.flags is not None:
            parts.append(f"flags={format_flags(self.flags) or 'none'}")
        if self.has is not None:
            parts.append(f"has {format_flags(self.has)}")
        if self.data is not None:
            parts.append("with data" if self.data else "without data")
        return " ".join(parts) or "any segment"


@dataclass(slots=True)
class FaultRule:
    """Drop, duplicate or delay the next ``count`` matching transmissions sent at or after ``at``."""

    kind: FaultKind
    match: Match
    at: float = 0.0
    count: int = 1
    by: float = 0.0
    """Extra delay in seconds (``delay`` only)."""
    used: int = 0
    rank: int = 0
    """Where the rule was declared (a scenario step's index): where rules overlap, the lower rank wins,
    whenever each was armed. Equal ranks keep the order they were armed in."""

    @property
    def exhausted(self) -> bool:
        return self.used >= self.count

    def describe(self) -> str:
        extra = f" by {self.by:g}s" if self.kind == "delay" else ""
        return f"{self.kind}{extra} the next {self.count} × {self.match.describe()}"


@dataclass(slots=True)
class Network:
    """Latency and the list of fault rules, in declaration order."""

    latency: float = 0.1
    rules: list[FaultRule] = field(default_factory=list)

    def add_rule(self, rule: FaultRule) -> None:
        """Arm ``rule``, placed by its rank among the rules already armed (after those of equal rank)."""
        rules = self.rules
        i = len(rules)
        while i and rules[i - 1].rank > rule.rank:
            i -= 1
        rules.insert(i, rule)

    def fate(self, sender: EndpointName, seg: Segment, now: float) -> FaultRule | None:
        """The rule that takes this transmission, if any, and use one of its matches up."""
        for rule in self.rules:
            if not rule.exhausted and now >= rule.at - 1e-9 and rule.match.matches(sender, seg):
                rule.used += 1
                return rule
        return None

    def pending_rules(self) -> list[FaultRule]:
        return [r for r in self.rules if not r.exhausted]
