"""A TOML table read strictly: typed getters whose every refusal is a :class:`ScenarioError` naming
the file, the table or step, the key and what was expected. The scenario reader is built on it."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from typing import Any, NoReturn, TypeVar

from ..core.segment import FLAG_NAMES, Flags, parse_flags
from ..i18n import N_, _
from ..sim.trace import RESOLUTION

MAX_SECONDS = 1e6
"""No time in a scenario goes beyond about eleven days: it keeps every sum of times finite."""

_Choice = TypeVar("_Choice", bound=str)


def number_text(value: float) -> str:
    """A number as short as ``:g`` writes it, unless that would hide a difference: then every
    digit needed to tell it apart (``1000000.0000000001``, not ``1e+06``)."""
    exact = repr(float(value))  # the shortest text that reads back as the same float
    short = f"{value:g}"
    return short if float(short) == value and len(short) <= len(exact) else exact


class ScenarioError(Exception):
    """Bad input in a scenario file. ``str()`` is the whole message a user sees."""

    def __init__(self, source: str, where: str, message: str) -> None:
        self.source, self.where, self.message = source, where, message
        super().__init__(f"{source}: {where}: {message}" if where else f"{source}: {message}")


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'close'?)`` when something is close enough, else ``""``."""
    match = difflib.get_close_matches(str(word).lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    if not match:
        return ""
    original = next(c for c in choices if c.lower() == match[0])
    return _(" (did you mean {word}?)").format(word=repr(original))


_TYPE_NAMES = {
    bool: N_("a boolean"),
    int: N_("an integer"),
    float: N_("a number"),
    str: N_("a string"),
    dict: N_("a table"),
    list: N_("an array"),
}


def type_name(value: object) -> str:
    known = _TYPE_NAMES.get(type(value))
    return _(known) if known else _("a {type}").format(type=type(value).__name__)


class Table:
    """A TOML table being read: typed getters that raise located errors, and a check for leftovers."""

    def __init__(self, source: str, where: str, raw: object, allowed: Iterable[str]) -> None:
        self.source, self.where = source, where
        if not isinstance(raw, dict):
            self.fail(_("expected a table, got {type}").format(type=type_name(raw)))
        self.raw: dict[str, Any] = raw
        allowed = tuple(allowed)
        for key in raw:
            if key not in allowed:
                self.fail(
                    _("unknown key {key}{hint}; allowed keys: {keys}").format(
                        key=repr(key), hint=suggest(key, allowed), keys=", ".join(allowed)
                    )
                )

    def fail(self, message: str, key: str | None = None) -> NoReturn:
        where = _("{where}, key {key}").format(where=self.where, key=repr(key)) if key else self.where
        raise ScenarioError(self.source, where, message)

    def has(self, key: str) -> bool:
        return key in self.raw

    def string(self, key: str, default: str | None = None, *, required: bool = False) -> str:
        value = self._get(key, default, required)
        if not isinstance(value, str):
            self.fail(_("expected a string, got {type}").format(type=type_name(value)), key)
        return value

    def number(
        self,
        key: str,
        default: float,
        *,
        low: float = 0.0,
        strict_low: bool = False,
        high: float = MAX_SECONDS,
        duration: bool = False,
    ) -> float:
        """A number of seconds in range; a ``duration`` that is not 0 must also be at least the
        clock's :data:`RESOLUTION`."""
        value = self._get(key, default, False)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(_("expected a number, got {type}").format(type=type_name(value)), key)
        if not math.isfinite(value):
            self.fail(_("expected a finite number, got {value}").format(value=value), key)
        if (value <= low) if strict_low else (value < low):
            message = _("must be > {low}, got {value}") if strict_low else _("must be ≥ {low}, got {value}")
            self.fail(message.format(low=number_text(low), value=number_text(value)), key)
        if value > high:
            message = _("must be at most {high} seconds, got {value}")
            self.fail(message.format(high=number_text(high), value=number_text(value)), key)
        if duration and 0 < value < RESOLUTION:
            message = _(
                "must be at least {resolution} seconds (the simulated clock's resolution, 1 ns; a shorter "
                "time would round to 0), got {value}"
            )
            self.fail(message.format(resolution=f"{RESOLUTION:g}", value=number_text(value)), key)
        return float(value)

    def integer(self, key: str, default: int | None, *, low: int, high: int, required: bool = False) -> int:
        value = self._get(key, default, required)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(_("expected an integer, got {type}").format(type=type_name(value)), key)
        if not low <= value <= high:
            self.fail(_("must be between {low} and {high}, got {value}").format(low=low, high=high, value=value), key)
        return value

    def optional_integer(self, key: str, *, low: int, high: int) -> int | None:
        return self.integer(key, None, low=low, high=high) if key in self.raw else None

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, default, False)
        if not isinstance(value, bool):
            self.fail(_("expected true or false, got {type}").format(type=type_name(value)), key)
        return value

    def choice(self, key: str, choices: Iterable[_Choice], *, required: bool = True, default: str = "") -> _Choice:
        choices = tuple(choices)
        value = self.string(key, default, required=required)
        for choice in choices:
            if value == choice:
                return choice
        message = _("{value} is not one of {choices}{hint}")
        self.fail(message.format(value=repr(value), choices=", ".join(choices), hint=suggest(value, choices)), key)

    def flags(self, key: str) -> Flags | None:
        if key not in self.raw:
            return None
        text = self.string(key)
        try:
            return parse_flags(text)
        except ValueError as exc:
            words = [w for w in re.split(r"[^A-Za-z]+", text) if w]
            if len(words) > 1 and all(w.upper() in FLAG_NAMES for w in words):
                hint = _(" (flags are separated by commas: did you mean {flags}?)").format(
                    flags=repr(",".join(w.upper() for w in words))
                )
            else:
                name = str(exc).split("'")[1] if "'" in str(exc) else text
                hint = suggest(name, list(FLAG_NAMES))
            self.fail(f"{exc}{hint}", key)

    def data(self, key: str) -> bytes | None:
        """Bytes: a string (written as UTF-8), or ``{ hex = "..." }`` for any bytes at all."""
        if key not in self.raw:
            return None
        value = self.raw[key]
        if isinstance(value, dict):
            t = Table(self.source, _("{where}, key {key}").format(where=self.where, key=repr(key)), value, ("hex",))
            text = t.string("hex", required=True)
            try:
                return bytes.fromhex(text)
            except ValueError:
                t.fail(
                    _('expected pairs of hexadecimal digits such as "48690a", got {text}').format(text=repr(text)),
                    "hex",
                )
        if not isinstance(value, str):
            message = _('expected a string, got {type} (bytes that are not text: {{ hex = "..." }})')
            self.fail(message.format(type=type_name(value)), key)
        return value.encode("utf-8")

    def table(self, key: str, allowed: Iterable[str], where: str | None = None) -> Table | None:
        if key not in self.raw:
            return None
        where = where or _("{where}, key {key}").format(where=self.where, key=repr(key))
        return Table(self.source, where, self.raw[key], allowed)

    def _get(self, key: str, default: object, required: bool) -> Any:
        if key in self.raw:
            return self.raw[key]
        if required or default is None:
            self.fail(_("is required"), key)
        return default
