"""ACK storms: two endpoints that each answer the other's ACK with an ACK, for ever.

When the endpoints disagree about the sequence space (here, after a scenario injects bytes one of
them never sent), each finds the other's ACK unacceptable, and RFC 9293 §3.10.7.4 has it answer
with an ACK of its own ("send an ACK, drop the segment"), which the other finds unacceptable in
turn. RFC 5961 §7 asks implementations to throttle such replies, and Linux limits them to one per
``tcp_invalid_ratelimit`` (500 ms) per socket (``tcp_oow_rate_limited`` in
net/ipv4/tcp_input.c); tcpsim's core does the same (``EndpointConfig.ack_ratelimit``). A
suppressed reply ends the loop, so the limit stops a storm whose round trip is shorter than
500 ms; when the round trip is longer, every reply is allowed, and the storm goes on at one ACK
each per round trip, on a real network as here, until a segment is lost or a side closes.

The core stays faithful to that. This module only recognises, from the trace, a storm that
nothing can end any more (no step or check to come, no timer running, no fault rule that would
take one of its segments), so that ``tcpsim run`` can stop at once and say what is happening,
instead of filling memory with a million identical ACKs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.names import endpoint_name
from ..core.segment import Flags
from ..sim.clock import RunawayError
from ..sim.trace import ArriveEvent, DiscardEvent, SendEvent, round_time
from ..sim.world import World

ROUNDS = 4
"""Identical rounds (an ACK from each side) seen before a loop counts as a storm."""
BUDGET = 100_000
"""The most segments a run may spend on a storm (with ``--until``): about 40 MB of trace."""
_ACK = int(Flags.ACK)
_QUIET_KINDS = (SendEvent, ArriveEvent, DiscardEvent)


@dataclass(frozen=True, slots=True)
class AckStorm:
    """A storm found in a trace: since when, how fast, and why each side answers."""

    since: float
    """When the first ACK of the repeating exchange was sent."""
    period: float
    """Seconds between two ACKs of one endpoint: one round trip."""
    rules: dict[str, str]
    """Each endpoint's reason to answer: the RFC rule of its ACK."""

    def describe(self) -> str:
        why = "; ".join(f"the {name}: {rule}" for name, rule in sorted(self.rules.items()))
        return (
            f"an ACK storm from t = {self.since:g} s: the client and the server each find the other's ACK "
            f"unacceptable and answer it with an ACK ({why}), one each per round trip of {self.period:g} s. "
            "RFC 5961 §7's limit of one such reply per 0.5 s (Linux's tcp_invalid_ratelimit) ends a storm "
            "whose round trip is shorter, not this one; on a real network it lasts until a segment is lost "
            "or a side closes or resets"
        )

    def segments_until(self, start: float, until: float) -> int:
        """How many ACKs the storm sends from ``start`` to ``until`` (both sides)."""
        return 2 * math.ceil(max(0.0, until - start) / self.period)

    def until_hint(self) -> int:
        """A ``--until`` that shows the storm's start and its first ten rounds."""
        return math.ceil(self.since + 10 * self.period)


class AckStormError(RunawayError):
    """The run would never go quiet, or would spend more than :data:`BUDGET` segments on the
    storm before ``until``. ``storm`` says what it is, ``needed`` how many segments ``until`` asks for."""

    def __init__(self, storm: AckStorm, until: float | None, needed: int | None) -> None:
        self.storm, self.until, self.needed = storm, until, needed
        super().__init__(storm.describe())


def _is_reply(send: SendEvent) -> bool:
    """An ACK sent because a segment was unacceptable (§3.10.7.4 first and fifth; RFC 5961 3.2, 4, 5)."""
    seg = send.segment
    return (
        not send.injected
        and seg.flags == _ACK
        and not seg.data
        and ("send ACK" in send.rule or "challenge ACK" in send.rule)
    )


def find_storm(world: World) -> AckStorm | None:
    """The ACK storm the world's trace ends in, if nothing can stop it (see the module docstring).

    The caller says when nothing more is planned (no step or check to come); this checks the
    rest: the last :data:`ROUNDS` rounds are pure ACKs, one from each side in turn, each sent in
    reply to an unacceptable segment and the same as that side's previous one, with nothing
    between them but arrivals and discards; no timer runs; no fault rule would take one.
    """
    if any(ep.timers for ep in world.endpoints.values()):
        return None
    sends: list[SendEvent] = []  # newest first
    for event in reversed(world.trace):
        if not isinstance(event, _QUIET_KINDS):
            break  # a state change, a delivery, a call, a note: the storm starts after it
        if isinstance(event, SendEvent):
            if not _is_reply(event) or not _repeats(sends, event):
                break
            sends.append(event)
    if len(sends) < 2 * ROUNDS:
        return None
    newest, other = sends[0], sends[1]
    for rule in world.network.pending_rules():
        if any(rule.match.matches(endpoint_name(s.endpoint), s.segment) for s in (newest, other)):
            return None  # a drop (or a delay) still armed would break the loop: let it
    return AckStorm(
        since=sends[-1].t,
        period=round_time(newest.t - sends[2].t),
        rules={s.endpoint: s.rule for s in (newest, other)},
    )


def _repeats(later: list[SendEvent], send: SendEvent) -> bool:
    """Whether ``send`` continues the alternating, identical, evenly spaced pattern of ``later``."""
    if not later:
        return True
    if send.endpoint == later[-1].endpoint:
        return False
    if len(later) < 2:
        return True
    same = later[-2]
    if (send.endpoint, send.segment.seq, send.segment.ack, send.segment.wnd, send.rule) != (
        same.endpoint,
        same.segment.seq,
        same.segment.ack,
        same.segment.wnd,
        same.rule,
    ):
        return False
    period = later[0].t - later[2].t if len(later) >= 3 else same.t - send.t
    return abs((same.t - send.t) - period) <= 1e-9
