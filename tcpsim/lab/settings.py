"""The lab's settings as text a user types, checked exactly as ``tcpsim load`` checks its options.

A live view of the lab (the app's lab screen) lets the user change one setting at a time and
restarts the lab with it. :func:`parse_settings` takes the text typed and parses it with ``tcpsim
load``'s own parser and :class:`~tcpsim.lab.model.LoadConfig`, so that the two can never disagree
about what is valid; a refusal is a :class:`SettingsError` that says which setting is to blame.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import NoReturn

from ..i18n import N_
from .model import LoadConfig
from .options import add_arguments, config_from_args

FIELDS = {
    "rate": "--rate",
    "duration": "--duration",
    "msl": "--msl",
    "ports": "--ports",
    "closer": "--closer",
}
"""The settings a view lets the user change: the ``tcpsim load`` option each one is."""

EXPECTED = {
    "rate": "a number of connections per second",
    "duration": "a number of seconds",
    "msl": "a number of seconds",
    "ports": "LO-HI such as 32768-60999",
    "closer": "client or server",
}
"""What each setting expects, for the one answer argparse lets through unchecked ("--", see below)."""

PRESETS: tuple[dict[str, str], ...] = (
    {"rate": "100", "duration": "300", "msl": "30", "ports": "32768-60999", "closer": "client"},
    {"rate": "100", "duration": "300", "msl": "30", "ports": "60000-60999", "closer": "client"},
    {"rate": "100", "duration": "300", "msl": "30", "ports": "60000-60999", "closer": "server"},
    {"rate": "100", "duration": "300", "msl": "2.5", "ports": "60000-60999", "closer": "client"},
)
"""Four runs that between them show what each setting does: TIME-WAIT piling up on the client, the
ports running out, the server closing first, a short MSL."""

PRESET_NAMES = (
    N_("TIME-WAIT piles up on the client"),
    N_("the ports run out"),
    N_("the server closes first"),
    N_("a short MSL"),
)
"""What each of :data:`PRESETS` shows, as a view names it."""


class SettingsError(ValueError):
    """A setting ``tcpsim load`` would refuse. ``field`` names it (a key of :data:`FIELDS`) when one
    setting is to blame; ``detail`` is the message after that option's name ("``: must be > 0 …``")."""

    def __init__(self, message: str, option: str | None = None) -> None:
        self.field = next((name for name, known in FIELDS.items() if known == option), None)
        self.detail = f": {message}" if self.field is not None else message
        super().__init__(f"{option}: {message}" if option else message)


class _Parser(argparse.ArgumentParser):
    """``tcpsim load``'s own parser, raising instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        raise SettingsError(message)


def _option_text(value: float) -> str:
    return repr(float(value))


def default_config() -> LoadConfig:
    """Preset 1: 100 connects a second for 300 s with Linux's MSL and ports, where TIME-WAIT piles
    up on the client to rate × 2·MSL = 6,000 and the ports last."""
    return LoadConfig(rate=100.0, duration=300.0)


def settings_of(config: LoadConfig) -> dict[str, str]:
    """A configuration as the text of ``tcpsim load``'s options, to edit one and parse them again."""
    return {
        "rate": _option_text(config.rate),
        "duration": _option_text(config.duration),
        "msl": _option_text(config.msl),
        "ports": f"{config.ports[0]}-{config.ports[1]}",
        "closer": config.closer,
    }


def parse_settings(base: LoadConfig, changes: dict[str, str]) -> LoadConfig:
    """``base`` with some settings replaced by text the user typed, checked as ``tcpsim load``
    checks its options. Raises :class:`SettingsError` naming the field and what it expects."""
    # exit_on_error=False: argparse raises its ArgumentError, which names the option, instead of a
    # message in the user's language to be taken apart
    parser = _Parser(prog="tcpsim load", add_help=False, exit_on_error=False)
    add_arguments(parser)
    text = settings_of(base) | {name: value.strip() for name, value in changes.items()}
    # --opt=VALUE: a value that starts with "-" is then a value, not an option.
    argv = [f"{FIELDS[name]}={value}" for name, value in text.items()]
    argv.append(f"--latency={_option_text(base.latency)}")
    if base.interval is not None:
        argv.append(f"--interval={_option_text(base.interval)}")
    try:
        args = parser.parse_args(argv)
    except argparse.ArgumentError as exc:
        raise SettingsError(exc.message, exc.argument_name) from None
    for name, option in FIELDS.items():
        # "--opt=--": argparse takes the "--" for its end-of-options marker and gives [] unchecked.
        if isinstance(getattr(args, name), list):
            raise SettingsError(f"expected {EXPECTED[name]}, got {text[name]!r}", option)
    try:
        config = config_from_args(args)
    except ValueError as exc:  # the lab's own checks: "--duration: at most 1e+06 seconds, …"
        option, sep, detail = str(exc).partition(": ")
        raise (
            SettingsError(detail, option) if sep and option in FIELDS.values() else SettingsError(str(exc))
        ) from None
    return replace(config, rto=base.rto, seed=base.seed)
