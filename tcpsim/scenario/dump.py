"""Write a :class:`Scenario` back as TOML in the public format, so that what a user did in the UI
can be saved, shared and replayed by ``tcpsim run``.

The promise: :func:`dump` returns text that :func:`~tcpsim.scenario.load.load_text` reads back to
the same scenario, or raises :class:`DumpError` saying what the format cannot hold; it never
returns a file that does not load (it reads its own output back to make sure). Strings are
written with TOML's escapes for every control character (``\\u007F`` too, which JSON leaves raw
and TOML refuses); bytes that are not UTF-8 text are written as ``{ hex = "..." }``.
"""

from __future__ import annotations

import math
from typing import Any

from ..core.segment import format_flags
from ..sim.network import Match
from .load import load_text
from .model import EndpointSpec, Expectation, NetworkSpec, Scenario, SentSpec, Step
from .table import MAX_SECONDS, ScenarioError, number_text

_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


class DumpError(ValueError):
    """The scenario holds something the file format cannot (a time beyond 10^6 s, no step at
    all). ``str()`` says what, for the user; nothing was written."""


def toml_string(text: str) -> str:
    """A TOML basic string: every control character (U+0000-U+001F, U+007F) escaped, the rest as is."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04X}")
        elif "\ud800" <= ch <= "\udfff":  # a lone surrogate: no TOML (nor UTF-8) can hold it
            raise DumpError(f"a string holds the lone surrogate U+{ord(ch):04X}, which no file can hold")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


class _Bytes(bytes):
    """Payload bytes: written as text when they are UTF-8, else as ``{ hex = "..." }``."""


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DumpError(f"{value} is not a finite number")
        return repr(value)
    if isinstance(value, _Bytes):
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            return f'{{ hex = "{value.hex()}" }}'
        return toml_string(text)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise DumpError(f"cannot write {value!r} in a scenario file")


def _table(lines: list[str], header: str, fields: dict[str, Any]) -> None:
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields:
        return
    lines.append("")
    lines.append(header)
    lines.extend(f"{key} = {_value(value)}" for key, value in fields.items())


def _match(match: Match) -> dict[str, Any] | None:
    fields: dict[str, Any] = {}
    if match.sender is not None:
        fields["from"] = match.sender
    if match.flags is not None:
        fields["flags"] = format_flags(match.flags)
    if match.has is not None:
        fields["has"] = format_flags(match.has)
    if match.data is not None:
        fields["data"] = match.data
    return fields or None


def _step(step: Step) -> dict[str, Any]:
    fields: dict[str, Any] = {"at": step.at, "on": step.on, "do": step.do}
    if step.do == "send":
        fields["data"] = _Bytes(step.data)
    if step.do in ("drop", "duplicate", "delay"):
        fields["match"] = _match(step.match)
        fields["count"] = step.count if step.count != 1 else None
        fields["since"] = step.since if step.since != "instant" else None
    if step.do == "delay":
        fields["by"] = step.by
    if step.segment is not None:
        seg = step.segment
        fields["segment"] = {
            k: v
            for k, v in {
                "from": seg.sender,
                "flags": format_flags(seg.flags),
                "seq": seg.seq,
                "ack": seg.ack,
                "data": _Bytes(seg.data) if seg.data else None,
                "wnd": seg.wnd,
            }.items()
            if v is not None
        }
    fields["note"] = step.note or None
    return fields


def _sent(spec: SentSpec) -> dict[str, Any]:
    fields = {
        "from": spec.sender,
        "flags": format_flags(spec.flags) if spec.flags is not None else None,
        "has": format_flags(spec.has) if spec.has is not None else None,
        "seq": spec.seq,
        "ack": spec.ack,
        "len": spec.len,
        "data": _Bytes(spec.data) if spec.data is not None else None,
    }
    return {k: v for k, v in fields.items() if v is not None}


def _expect(e: Expectation) -> dict[str, Any]:
    fields: dict[str, Any] = {"at": e.at}
    for name, state in e.states.items():
        fields[name] = state.value
    if e.received:
        fields["received"] = {k: _Bytes(v) for k, v in e.received.items()}
    if e.last_sent is not None:
        fields["last_sent"] = _sent(e.last_sent)
    fields["note"] = e.note or None
    return fields


def _endpoint(spec: EndpointSpec, default_port: int) -> dict[str, Any]:
    return {
        "isn": spec.isn,
        "port": spec.port if spec.port != default_port else None,
        "isn_step": spec.isn_step if spec.isn_step != 64000 else None,
        "time_wait": None if spec.time_wait else False,
        "address": spec.address,
        "stack": spec.stack,
    }


def _check_times(scenario: Scenario) -> None:
    """The one limit a session can cross by playing on: no time in a file is above 10^6 s."""
    for kind, items in (("step", scenario.steps), ("expectation", scenario.expectations)):
        late = [item.at for item in items if item.at > MAX_SECONDS]
        if late:
            raise DumpError(
                f"a {kind} at t = {number_text(late[0])} s cannot be saved: scenario files end at "
                f"t = {number_text(MAX_SECONDS)} s"
            )


def dump(scenario: Scenario) -> str:
    """The scenario as TOML text in the public format, which loads back to the same scenario.

    A ``send`` of no bytes is left out: it sends nothing, and the format refuses it as a mistake.
    Raises :class:`DumpError` when the scenario holds what no file can (see the module docstring).
    """
    _check_times(scenario)
    steps = [step for step in scenario.steps if not (step.do == "send" and not step.data)]
    if not steps:
        raise DumpError("there is nothing to save: a scenario file needs at least one step (a call or a fault)")
    if not scenario.name.strip():
        raise DumpError("a scenario needs a name")
    lines = [f"name = {_value(scenario.name)}"]
    if scenario.summary:
        lines.append(f"summary = {_value(scenario.summary)}")
    if scenario.description:
        lines.append(f"description = {_value(scenario.description)}")
    net, default = scenario.network, NetworkSpec()
    _table(
        lines,
        "[network]",
        {
            k: getattr(net, k)
            for k in ("latency", "msl", "rto", "seed", "retries", "stack")
            if getattr(net, k) != getattr(default, k)
        },
    )
    _table(lines, "[client]", _endpoint(scenario.client, 49152))
    _table(lines, "[server]", _endpoint(scenario.server, 80))
    for step in steps:
        _table(lines, "[[step]]", _step(step))
    for expectation in scenario.expectations:
        _table(lines, "[[expect]]", _expect(expectation))
    text = "\n".join(lines) + "\n"
    try:  # the promise, checked: what cannot be read back is never handed out as a file
        load_text(text, "the saved scenario")
    except ScenarioError as exc:
        raise DumpError(
            f"it cannot be saved as a scenario file: {exc.where + ': ' if exc.where else ''}{exc.message}"
        ) from None
    return text
