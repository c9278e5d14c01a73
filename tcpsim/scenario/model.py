"""A scenario, as read from a TOML file: the world's settings, timed steps and expectations.

These are plain immutable records; :mod:`tcpsim.scenario.load` builds them from a file (and is
the only place that knows TOML), :mod:`tcpsim.scenario.runner` plays them on a world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..core.names import EndpointName
from ..core.segment import Flags, format_flags
from ..core.states import State
from ..sim.network import Match
from ..sim.world import Inject

Place = EndpointName | Literal["network"]
"""Where a step acts: on an endpoint, or on the network between them."""
PLACES: tuple[Place, ...] = ("client", "server", "network")
ENDPOINT_ACTIONS = ("listen", "connect", "send", "close", "abort", "retransmit")
NETWORK_ACTIONS = ("drop", "duplicate", "delay", "inject")


@dataclass(frozen=True, slots=True)
class NetworkSpec:
    latency: float = 0.1
    msl: float = 30.0
    rto: float = 1.0
    seed: int = 0
    retries: int | None = None
    """Retransmissions of one segment before the connection is given up (RFC 9293 §3.8.3, R2);
    None gives up by time instead: after 100 s for data, 180 s for a SYN."""
    stack: str = "rfc9293"
    """The stack personality of both endpoints, unless an endpoint names its own."""


@dataclass(frozen=True, slots=True)
class EndpointSpec:
    port: int
    isn: int | None = None
    """Fixed ISN of the first connection; None derives one from the seed."""
    isn_step: int = 64000
    """How far each new connection's ISN moves on (4.4BSD's 64,000)."""
    time_wait: bool = True
    address: str | None = None
    stack: str | None = None
    """This endpoint's stack personality; None: the ``[network]`` one."""


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    """1-based position among the file's ``[[step]]`` tables, for messages."""
    at: float
    on: Place
    do: str
    data: bytes = b""
    match: Match = field(default_factory=Match)
    count: int = 1
    by: float = 0.0
    segment: Inject | None = None
    """The hand-made segment of an ``inject`` step (None fields: the sender's current values)."""
    note: str = ""
    since: str = "instant"
    """When a fault rule starts to apply: ``instant``, to every segment sent at its ``at`` or later;
    ``step``, only to those sent from this step on, in the order the instant runs (arrivals and
    timers first, then the steps in file order), as the app's "drop the next one" does."""


@dataclass(frozen=True, slots=True)
class SentSpec:
    """``last_sent``: the keys given must all equal the most recent segment's."""

    sender: EndpointName | None = None
    flags: Flags | None = None
    has: Flags | None = None
    seq: int | None = None
    ack: int | None = None
    len: int | None = None
    data: bytes | None = None


def spec_fields(spec: Match | SentSpec) -> dict[str, Any]:
    """A ``match`` or a ``last_sent`` as the file writes it: its keys in the format's order, the
    ones left out (None) absent. The expectation checks report it; saving a scenario writes it."""
    fields: dict[str, Any] = {}
    if spec.sender is not None:
        fields["from"] = spec.sender
    if spec.flags is not None:
        fields["flags"] = format_flags(spec.flags)
    if spec.has is not None:
        fields["has"] = format_flags(spec.has)
    if isinstance(spec, SentSpec):
        fields |= {
            key: value for key, value in (("seq", spec.seq), ("ack", spec.ack), ("len", spec.len)) if value is not None
        }
        if spec.data is not None:
            fields["data"] = spec.data.decode("utf-8", "replace")
    elif spec.data is not None:
        fields["data"] = spec.data
    return fields


@dataclass(frozen=True, slots=True)
class Expectation:
    index: int
    at: float
    states: dict[EndpointName, State] = field(default_factory=dict)
    received: dict[EndpointName, bytes] = field(default_factory=dict)
    last_sent: SentSpec | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    path: Path | None
    network: NetworkSpec
    client: EndpointSpec
    server: EndpointSpec
    steps: tuple[Step, ...]
    expectations: tuple[Expectation, ...] = ()
    summary: str = ""
    description: str = ""
