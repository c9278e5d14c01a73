"""``tcpsim load``'s options: their parsing and checks, kept beside the lab they configure."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..i18n import N_, _

if TYPE_CHECKING:
    from .model import LoadConfig

# `tcpsim` builds every subcommand's parser on each start, the app's included, so this module does
# not import the lab's model (and the core's states with it): the two values the options need are
# repeated here, and tests/lab/test_lab_cli.py checks that they match the model's.
CLOSERS = ("client", "server")
"""Which side may close first: :data:`tcpsim.lab.model.CLOSERS`."""
DEFAULT_PORTS = (32768, 60999)
"""Linux's default ``net.ipv4.ip_local_port_range``: :data:`tcpsim.lab.model.DEFAULT_PORTS`."""
FORMATS = ("text", "jsonl")
RESOLUTION = 1e-9
"""The clock's step, :data:`tcpsim.sim.trace.RESOLUTION` (repeated for the same reason)."""


SECONDS, RATE = N_("seconds"), N_("connections per second")
"""The units of the options, as their messages name them."""


def _number(kind: str, *, strict: bool) -> Callable[[str], float]:
    unit = _(kind)

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            message = _("expected a number of {unit}, got {text}")
            raise argparse.ArgumentTypeError(message.format(unit=unit, text=repr(text))) from None
        if not math.isfinite(value) or value < 0 or (strict and value == 0):
            message = _("must be > 0 {unit}, got {text}") if strict else _("must be ≥ 0 {unit}, got {text}")
            raise argparse.ArgumentTypeError(message.format(unit=unit, text=repr(text)))
        if kind == SECONDS and 0 < value < RESOLUTION:  # it would round to 0 on the 1 ns clock
            message = _("must be 0 or at least {resolution} seconds (the clock's resolution), got {text}")
            raise argparse.ArgumentTypeError(message.format(resolution=f"{RESOLUTION:g}", text=repr(text)))
        return value

    parse.__name__ = unit  # argparse names the type in its messages
    return parse


def parse_ports(text: str) -> tuple[int, int]:
    """``"32768-60999"`` → ``(32768, 60999)``; both ends included, 1 ≤ LO ≤ HI ≤ 65535."""
    lo_text, sep, hi_text = text.strip().partition("-")
    try:
        lo, hi = int(lo_text), int(hi_text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected LO-HI such as 32768-60999, got {text}").format(text=repr(text))
        ) from None
    if not sep:
        raise argparse.ArgumentTypeError(_("expected LO-HI, got {text}").format(text=repr(text)))
    if not (1 <= lo <= 65535 and 1 <= hi <= 65535):
        raise argparse.ArgumentTypeError(_("ports are 1 to 65535, got {text}").format(text=repr(text)))
    if lo > hi:
        raise argparse.ArgumentTypeError(_("the range {text} is empty: LO must be ≤ HI").format(text=repr(text)))
    return lo, hi


HEADLESS_CONNECTIONS = 1_000_000
"""The most connections a headless ``tcpsim load`` runs (``--rate`` × ``--duration``): a million
take a minute or more (BENCHMARKS.md), so what it accepts ends in reasonable time. The live lab
(``--ui``, ``L``) shows a run as it goes and takes the engine's own limit."""


def check_headless(config: LoadConfig) -> None:
    """Raise ValueError, with the reason, for a headless run too big to end in reasonable time."""
    if config.connections > HEADLESS_CONNECTIONS:
        raise ValueError(
            f"--rate × --duration asks for {config.connections:,} connections; a headless run takes at most "
            f"{HEADLESS_CONNECTIONS:,} (a million already take a minute or more): lower the rate or the "
            "duration, or watch it live with --ui"
        )


REQUIRED = ("rate", "duration")
"""Required for a headless run; ``tcpsim load --ui`` starts from the lab's preset without them."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``tcpsim load``."""
    p.add_argument(
        "--rate", type=_number(RATE, strict=True), metavar="R", help=_("new connections per second (required)")
    )
    p.add_argument(
        "--duration", type=_number(SECONDS, strict=True), metavar="D", help=_("seconds of connects (required)")
    )
    p.add_argument(
        "--msl", type=_number(SECONDS, strict=True), default=30.0, metavar="S", help=_("TIME-WAIT lasts 2·MSL (30)")
    )
    p.add_argument(
        "--ports",
        type=parse_ports,
        default=DEFAULT_PORTS,
        metavar="LO-HI",
        help=_("the client's ephemeral ports ({lo}-{hi}, as Linux)").format(lo=DEFAULT_PORTS[0], hi=DEFAULT_PORTS[1]),
    )
    p.add_argument("--closer", choices=CLOSERS, default="client", help=_("which side closes first (client)"))
    p.add_argument(
        "--latency", type=_number(SECONDS, strict=False), default=0.01, metavar="L", help=_("one-way delay (0.01)")
    )
    p.add_argument("--format", choices=FORMATS, default="text", help=_("a table, or one JSON object per sample"))
    p.add_argument(
        "--interval",
        type=_number(SECONDS, strict=True),
        metavar="I",
        help=_("seconds between samples (about 20 samples by default)"),
    )


def config_from_args(args: argparse.Namespace, preset: LoadConfig | None = None) -> LoadConfig:
    """The lab's configuration; raises ValueError when the options do not fit together, or when
    ``--rate`` or ``--duration`` is missing and there is no ``preset`` to take them from."""
    from .model import LoadConfig

    missing = [f"--{name}" for name in REQUIRED if getattr(args, name) is None]
    if missing and preset is None:
        raise ValueError(_("the following arguments are required: {options}").format(options=", ".join(missing)))
    return LoadConfig(
        rate=args.rate if args.rate is not None else preset.rate,  # type: ignore[union-attr]
        duration=args.duration if args.duration is not None else preset.duration,  # type: ignore[union-attr]
        msl=args.msl,
        ports=args.ports,
        closer=args.closer,
        latency=args.latency,
        interval=args.interval,
    )
