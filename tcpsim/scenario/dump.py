"""Write a :class:`Scenario` back as TOML in the public format, so that what a user did in the UI
can be saved, shared and replayed by ``tcpsim run``. :func:`load_text` reads back what this writes.
"""

from __future__ import annotations

from typing import Any

from ..core.segment import format_flags
from .model import EndpointSpec, Expectation, NetworkSpec, Scenario, Step, spec_fields


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        # JSON's string escapes are all valid TOML basic-string escapes. (json is imported here:
        # only saving a scenario needs it, and the app imports this module on every start.)
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _table(lines: list[str], header: str, fields: dict[str, Any]) -> None:
    fields = {k: v for k, v in fields.items() if v is not None}
    if not fields:
        return
    lines.append("")
    lines.append(header)
    lines.extend(f"{key} = {_value(value)}" for key, value in fields.items())


def _step(step: Step) -> dict[str, Any]:
    fields: dict[str, Any] = {"at": step.at, "on": step.on, "do": step.do}
    if step.do == "send":
        fields["data"] = step.data
    if step.do in ("drop", "duplicate", "delay"):
        fields["match"] = spec_fields(step.match) or None
        fields["count"] = step.count if step.count != 1 else None
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
                "data": seg.data.decode("utf-8", "replace") if seg.data else None,
                "wnd": seg.wnd,
            }.items()
            if v is not None
        }
    fields["note"] = step.note or None
    return fields


def _expect(e: Expectation) -> dict[str, Any]:
    fields: dict[str, Any] = {"at": e.at}
    for name, state in e.states.items():
        fields[name] = state.value
    if e.received:
        fields["received"] = {k: v.decode("utf-8", "replace") for k, v in e.received.items()}
    if e.last_sent is not None:
        fields["last_sent"] = spec_fields(e.last_sent)
    fields["note"] = e.note or None
    return fields


def _endpoint(spec: EndpointSpec, default_port: int) -> dict[str, Any]:
    return {
        "isn": spec.isn,
        "port": spec.port if spec.port != default_port else None,
        "isn_step": spec.isn_step if spec.isn_step != 64000 else None,
        "time_wait": None if spec.time_wait else False,
        "address": spec.address,
    }


def dump(scenario: Scenario) -> str:
    """The scenario as TOML text in the public format."""
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
            for k in ("latency", "msl", "rto", "seed", "retries")
            if getattr(net, k) != getattr(default, k)
        },
    )
    _table(lines, "[client]", _endpoint(scenario.client, 49152))
    _table(lines, "[server]", _endpoint(scenario.server, 80))
    for step in scenario.steps:
        _table(lines, "[[step]]", _step(step))
    for expectation in scenario.expectations:
        _table(lines, "[[expect]]", _expect(expectation))
    return "\n".join(lines) + "\n"
