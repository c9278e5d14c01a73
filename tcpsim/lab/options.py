"""``tcpsim load``'s options: their parsing and checks, kept beside the lab they configure."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import LoadConfig

# `tcpsim` builds every subcommand's parser on each start, the app's included, so this module does
# not import the engine (and the core's dataclasses with it): the two values the options need are
# repeated here, and tests/lab/test_lab_cli.py checks that they match the engine's.
CLOSERS = ("client", "server")
"""Which side may close first: :data:`tcpsim.lab.engine.CLOSERS`."""
DEFAULT_PORTS = (32768, 60999)
"""Linux's default ``net.ipv4.ip_local_port_range``: :data:`tcpsim.lab.engine.DEFAULT_PORTS`."""
FORMATS = ("text", "jsonl")
RESOLUTION = 1e-9
"""The clock's step, :data:`tcpsim.sim.trace.RESOLUTION` (repeated for the same reason)."""


def _number(kind: str, *, strict: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of {kind}, got {text!r}") from None
        if not math.isfinite(value) or value < 0 or (strict and value == 0):
            raise argparse.ArgumentTypeError(f"must be {'>' if strict else '≥'} 0 {kind}, got {text!r}")
        if kind == "seconds" and 0 < value < RESOLUTION:  # it would round to 0 on the 1 ns clock
            raise argparse.ArgumentTypeError(
                f"must be 0 or at least {RESOLUTION:g} seconds (the clock's resolution), got {text!r}"
            )
        return value

    parse.__name__ = kind  # argparse names the type in its messages
    return parse


def parse_ports(text: str) -> tuple[int, int]:
    """``"32768-60999"`` → ``(32768, 60999)``; both ends included, 1 ≤ LO ≤ HI ≤ 65535."""
    lo_text, sep, hi_text = text.strip().partition("-")
    try:
        lo, hi = int(lo_text), int(hi_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO-HI such as 32768-60999, got {text!r}") from None
    if not sep:
        raise argparse.ArgumentTypeError(f"expected LO-HI, got {text!r}")
    if not (1 <= lo <= 65535 and 1 <= hi <= 65535):
        raise argparse.ArgumentTypeError(f"ports are 1 to 65535, got {text!r}")
    if lo > hi:
        raise argparse.ArgumentTypeError(f"the range {text!r} is empty: LO must be ≤ HI")
    return lo, hi


REQUIRED = ("rate", "duration")
"""Required for a headless run; ``tcpsim load --ui`` starts from the lab's preset without them."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``tcpsim load``."""
    p.add_argument("--rate", type=_number("connections per second", strict=True), metavar="R", help="required")
    p.add_argument("--duration", type=_number("seconds", strict=True), metavar="D", help="required")
    p.add_argument(
        "--msl", type=_number("seconds", strict=True), default=30.0, metavar="S", help="TIME-WAIT lasts 2·MSL (30)"
    )
    p.add_argument(
        "--ports",
        type=parse_ports,
        default=DEFAULT_PORTS,
        metavar="LO-HI",
        help=f"the client's ephemeral ports ({DEFAULT_PORTS[0]}-{DEFAULT_PORTS[1]}, as Linux)",
    )
    p.add_argument("--closer", choices=CLOSERS, default="client", help="which side closes first (client)")
    p.add_argument(
        "--latency", type=_number("seconds", strict=False), default=0.01, metavar="L", help="one-way delay (0.01)"
    )
    p.add_argument("--format", choices=FORMATS, default="text", help="a table, or one JSON object per sample")
    p.add_argument(
        "--interval",
        type=_number("seconds", strict=True),
        metavar="I",
        help="seconds between samples (about 20 samples by default)",
    )


def config_from_args(args: argparse.Namespace, preset: LoadConfig | None = None) -> LoadConfig:
    """The lab's configuration; raises ValueError when the options do not fit together, or when
    ``--rate`` or ``--duration`` is missing and there is no ``preset`` to take them from."""
    from .engine import LoadConfig

    missing = [f"--{name}" for name in REQUIRED if getattr(args, name) is None]
    if missing and preset is None:
        raise ValueError(f"the following arguments are required: {', '.join(missing)}")
    return LoadConfig(
        rate=args.rate if args.rate is not None else preset.rate,  # type: ignore[union-attr]
        duration=args.duration if args.duration is not None else preset.duration,  # type: ignore[union-attr]
        msl=args.msl,
        ports=args.ports,
        closer=args.closer,
        latency=args.latency,
        interval=args.interval,
    )
