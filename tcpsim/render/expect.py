"""How a scenario's expectations read when checked: a line per check (held or not, what was expected
and what was seen), and a failed ``last_sent`` as a table of fields side by side. The run's summary
(:func:`tcpsim.render.summary`) prints them; the app's event log shows the same verdicts.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from ..escape import visible
from ..i18n import _
from ..scenario.expect import ExpectEvent
from ..sim.wording import who


def _describe_expected(e: ExpectEvent) -> str:
    if e.check == "state":
        return _("{endpoint} is {state}").format(endpoint=who(e.endpoint), state=e.expected)
    if e.check == "received":
        return _("{endpoint} has received {data}").format(endpoint=who(e.endpoint), data=repr(e.expected))
    if e.endpoint:
        return _("last segment sent by {endpoint} is {fields}").format(
            endpoint=who(e.endpoint), fields=_fields(e.expected)
        )
    return _("last segment sent is {fields}").format(fields=_fields(e.expected))


def _fields(fields: dict[str, Any] | None) -> str:
    if not fields:
        return _("(none)")
    return " ".join(f"{k}={v!r}" if k == "data" else f"{k}={v}" for k, v in fields.items())


def expect_line(e: ExpectEvent) -> Text:
    """One check of an expectation, with the author's note if there is one."""
    text = expect_verdict(e)
    if e.note:
        text.append("  " + _("({note})").format(note=visible(_(e.note))), style="italic dim")
    return text


def expect_verdict(e: ExpectEvent) -> Text:
    """Whether one check held, and what was expected and seen."""
    if e.check == "script":  # a packetdrill line, in a script session: the line, and why it fails
        if e.ok:
            return Text(_("✓ line {line}: {text}").format(line=e.index, text=e.expected), style="green")
        reason = str(e.actual).split("\n")[0]
        return Text(
            _("✗ line {line}: {text}: {reason}").format(line=e.index, text=e.expected, reason=reason), style="bold red"
        )
    if e.ok:
        return Text(
            _("✓ expect #{index}: {expected}").format(index=e.index, expected=_describe_expected(e)), style="green"
        )
    if e.check == "state":
        actual = _("it is {state}").format(state=e.actual)
    elif e.check == "received":
        actual = _("it has received {data}").format(data=repr(e.actual))
    else:
        actual = _("it is {fields}").format(fields=_fields(e.actual))
    return Text(
        _("✗ expect #{index}: expected {expected}, but {actual}").format(
            index=e.index, expected=_describe_expected(e), actual=actual
        ),
        style="bold red",
    )


def failure_table(e: ExpectEvent) -> Table:
    """Expected and actual segment side by side, for a failed ``last_sent``."""
    table = Table(
        title=_("expect #{index} at t={t}: last_sent").format(index=e.index, t=f"{e.t:g}"), title_style="bold red"
    )
    table.add_column(_("field"))
    table.add_column(_("expected"))
    table.add_column(_("actual"))
    actual = e.actual or {}
    for key in ("from", "flags", "has", "seq", "ack", "len", "data", "id"):
        if key in e.expected or key in actual:
            exp = e.expected.get(key, "")
            act = actual.get(key, "") if key != "has" else actual.get("flags", "")
            mismatch = key in e.expected and key != "has" and exp != act
            table.add_row(
                Text(key), Text(visible(str(exp))), Text(visible(str(act)), style="bold red" if mismatch else "")
            )
    return table
