"""What the TIME-WAIT lab is given and what it reports: its settings, the theory, samples, summary.

Kept apart from :mod:`.engine` (the event loop that mypyc compiles) because the command line, the
app's lab screen and the report read these and never run a connection; they stay plain Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..core.states import State

CLIENT_ADDR = "10.0.0.1"
SERVER_ADDR = "10.0.0.2"
SERVER_PORT = 80
DEFAULT_PORTS = (32768, 60999)
"""Linux's default ``net.ipv4.ip_local_port_range``."""
REQUEST = b"GET / HTTP/1.0\r\n\r\n"
RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
EADDRNOTAVAIL = "Cannot assign requested address"
"""What Linux's connect() says (errno EADDRNOTAVAIL) when no ephemeral port is free."""
MAX_CONNECTIONS = 10_000_000
MAX_TIME = 1e6
MAX_SAMPLES = 100_000
MAX_EVENTS = 1_000_000_000
"""More than the most connections the lab runs ever take (about 13 events each)."""

CLOSERS = ("client", "server")
STATE_NAMES = tuple(s.value for s in State)
"""Every state's RFC spelling, in the RFC's order: the keys of a sample's counts."""

Key = tuple[str, int, str, int]
"""A TCB's 4-tuple in its host's table: local address, local port, remote address, remote port."""

TIME_WAIT_NAME = State.TIME_WAIT.value
"""The RFC spelling of TIME-WAIT, the key the lab counts its pile-up under."""


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """What one run of the lab does. Invalid values raise :class:`ValueError` with a clear message."""

    rate: float
    """New connections per second (simulated time)."""
    duration: float
    """Connections are attempted during [0, duration); the run goes on until the last one is gone."""
    msl: float = 30.0
    """Maximum segment lifetime: TIME-WAIT lasts 2·MSL (Linux's is fixed at 60 s)."""
    ports: tuple[int, int] = DEFAULT_PORTS
    """The client's ephemeral port range, both ends included."""
    closer: str = "client"
    """Which side closes first, and so keeps the TIME-WAIT: ``client`` or ``server``."""
    latency: float = 0.01
    """One-way delay, seconds."""
    interval: float | None = None
    """Seconds between samples; None picks a round interval giving about 20 samples."""
    rto: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        _check(self.rate, "--rate", "connections per second", low=0.0, strict=True, high=math.inf)
        _check(self.duration, "--duration", "seconds", low=0.0, strict=True)
        _check(self.msl, "--msl", "seconds", low=0.0, strict=True)
        _check(self.latency, "--latency", "seconds", low=0.0, strict=False)
        _check(self.rto, "rto", "seconds", low=0.0, strict=True)
        if self.interval is not None:
            _check(self.interval, "--interval", "seconds", low=0.0, strict=True)
        lo, hi = self.ports
        if not (1 <= lo <= 65535 and 1 <= hi <= 65535):
            raise ValueError(f"--ports: ports are 1 to 65535, got {lo}-{hi}")
        if lo > hi:
            raise ValueError(f"--ports: the range {lo}-{hi} is empty (LO must be ≤ HI)")
        if self.closer not in CLOSERS:
            raise ValueError(f"--closer: expected client or server, got {self.closer!r}")
        if (self.duration + 2 * self.msl) / self.sample_interval > MAX_SAMPLES:
            raise ValueError(
                f"--interval {self.sample_interval:g} s would print more than {MAX_SAMPLES:,} samples; "
                "choose a longer one"
            )
        if self.connections > MAX_CONNECTIONS:
            raise ValueError(
                f"--rate × --duration asks for {self.connections:,} connections; the lab runs at most "
                f"{MAX_CONNECTIONS:,}"
            )

    @property
    def connections(self) -> int:
        """How many connects are attempted: one every 1/rate seconds during [0, duration)."""
        return math.ceil(self.rate * self.duration - 1e-9)

    @property
    def port_count(self) -> int:
        return self.ports[1] - self.ports[0] + 1

    @property
    def sample_interval(self) -> float:
        if self.interval is not None:
            return self.interval
        return nice_interval((self.duration + 2 * self.msl) / 20)


def _check(value: float, name: str, unit: str, *, low: float, strict: bool, high: float = MAX_TIME) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a number of {unit}, got {value!r}")
    if value < low or (strict and value == low):
        raise ValueError(f"{name}: must be {'>' if strict else '≥'} {low:g} {unit}, got {value:g}")
    if value > high:
        raise ValueError(f"{name}: at most {high:g} {unit}, got {value:g}")


def nice_interval(span: float) -> float:
    """The round number (1, 2 or 5 times a power of ten) nearest above ``span``."""
    if span <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(span))
    for m in (1, 2, 5, 10):
        if span <= m * base * (1 + 1e-9):
            return float(m * base)
    return float(10 * base)  # pragma: no cover - the loop always returns


@dataclass(frozen=True, slots=True)
class Theory:
    """What Little's law predicts for the steady state: sockets in a state = rate × time in it."""

    time_wait: float
    """Expected TIME-WAIT sockets on the closing side: rate × 2·MSL while the ports last; at most
    one per client port either way (on the server, one per 4-tuple)."""
    port_hold: float
    """Seconds a client port stays busy per connection: about 6 one-way delays (SYN, SYN-ACK,
    request, reply, FIN, FIN), plus 2·MSL when the client closes first."""
    max_rate: float
    """The most connects per second the port range sustains: ports / port_hold."""
    reuse_period: float
    """Seconds before a client port, and so the same 4-tuple, comes round again: ports / rate."""
    time_wait_span: float
    """How long a TIME-WAIT lasts when nothing cuts it short: 2·MSL."""

    @property
    def ports_run_out(self) -> bool:
        """The client closes first and asks for more connects than the ports sustain."""
        return self.max_rate < math.inf and self.reuse_period < self.port_hold

    @property
    def meets_time_wait(self) -> bool:
        """The server closes first and a port comes round while its old tuple is in TIME-WAIT."""
        return self.port_hold < self.reuse_period < self.time_wait_span


def theory(config: LoadConfig) -> Theory:
    """The steady state that the samples should show, from the configuration alone."""
    two_msl = 2 * config.msl
    ports = config.port_count
    exchange = 6 * config.latency
    client_closes = config.closer == "client"
    hold = exchange + (two_msl if client_closes else 0.0)
    max_rate = ports / hold if hold > 0 else math.inf
    reuse = ports / config.rate
    tw = min(config.rate, max_rate) * two_msl if client_closes else min(config.rate * two_msl, float(ports))
    return Theory(time_wait=tw, port_hold=hold, max_rate=max_rate, reuse_period=reuse, time_wait_span=two_msl)


@dataclass(frozen=True, slots=True)
class Sample:
    """The lab at one instant, as ``ss -s`` would summarise it, plus the running totals."""

    t: float
    client: dict[str, int]
    """Client TCBs per state (states with none are left out)."""
    server: dict[str, int]
    """Server TCBs per state, the listening socket included (LISTEN 1)."""
    ports_in_use: int
    attempted: int
    connected: int
    """Connects that got a port and sent their SYN."""
    failed: int
    """Connects refused with EADDRNOTAVAIL: no ephemeral port free."""
    completed: int
    """Connections whose client received the whole reply and closed gracefully."""
    reset: int
    """Connections that ended with a RST or gave up instead."""
    syn_in_time_wait: int
    """SYNs that arrived for a tuple still in TIME-WAIT (the server closed first and the client
    reused the port within 2·MSL)."""

    @property
    def time_wait_client(self) -> int:
        return self.client.get(TIME_WAIT_NAME, 0)

    @property
    def time_wait_server(self) -> int:
        return self.server.get(TIME_WAIT_NAME, 0)

    def to_dict(self) -> dict[str, object]:
        return {
            "type": "sample",
            "t": round(self.t, 9),
            "client": self.client,
            "server": self.server,
            "time_wait": {"client": self.time_wait_client, "server": self.time_wait_server},
            "ports_in_use": self.ports_in_use,
            "connects": {"attempted": self.attempted, "ok": self.connected, "failed": self.failed},
            "completed": self.completed,
            "reset": self.reset,
            "syn_in_time_wait": self.syn_in_time_wait,
        }


@dataclass(frozen=True, slots=True)
class Summary:
    """The whole run: peaks, totals, and what it cost to simulate."""

    config: LoadConfig
    theory: Theory
    end: float
    """Simulated time of the last event."""
    attempted: int
    connected: int
    failed: int
    completed: int
    reset: int
    syn_in_time_wait: int
    peak_time_wait_client: int
    peak_time_wait_server: int
    peak_ports_in_use: int
    peak_tcbs: int
    """Most TCBs alive at once, both sides (the listening socket not counted)."""
    live_tcbs: int
    segments: int
    retransmissions: int
    events: int
    """Connect attempts, segment arrivals and timer expiries processed."""
    wall: float
    """Wall-clock seconds spent processing them."""
    first_failure: float | None = None
    """When the first connect failed with EADDRNOTAVAIL, if one did."""

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall if self.wall > 0 else 0.0

    def to_dict(self) -> dict[str, object]:
        c, th = self.config, self.theory
        return {
            "type": "summary",
            "rate": c.rate,
            "duration": c.duration,
            "msl": c.msl,
            "ports": f"{c.ports[0]}-{c.ports[1]}",
            "closer": c.closer,
            "latency": c.latency,
            "end": round(self.end, 9),
            "connects": {"attempted": self.attempted, "ok": self.connected, "failed": self.failed},
            "first_failure": self.first_failure,
            "completed": self.completed,
            "reset": self.reset,
            "syn_in_time_wait": self.syn_in_time_wait,
            "peak_time_wait": {"client": self.peak_time_wait_client, "server": self.peak_time_wait_server},
            "peak_ports_in_use": self.peak_ports_in_use,
            "peak_tcbs": self.peak_tcbs,
            "live_tcbs": self.live_tcbs,
            "theory": {
                "time_wait": round(th.time_wait, 3),
                "port_hold": round(th.port_hold, 9),
                "max_rate": round(th.max_rate, 3) if math.isfinite(th.max_rate) else None,
                "reuse_period": round(th.reuse_period, 9),
                "ports_run_out": th.ports_run_out,
                "meets_time_wait": th.meets_time_wait,
            },
            "segments": self.segments,
            "retransmissions": self.retransmissions,
            "events": self.events,
            "wall": round(self.wall, 6),
            "events_per_second": round(self.events_per_second),
        }
