"""Headless output of a run: a ladder diagram in the terminal (Rich), or JSON lines.

The ladder has a lane per endpoint with time running down, segments drawn between the lanes, and
under each state change and segment, dimmed, the RFC 9293 rule that caused it. How each expectation
reads once checked is :mod:`.expect`'s (the app's event log shows the same verdicts).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.text import Text

from ..core.personality import fixed_time_wait
from ..core.segment import Flags
from ..core.segment import segment_label as segment_label  # the one formatter; the views import it from here
from ..core.states import parse_state
from ..escape import json_visible, visible
from ..i18n import N_, _, ngettext
from ..richtext import Wrapped
from ..scenario.expect import ExpectEvent
from ..scenario.runner import RunResult
from ..sim.trace import (
    ArriveEvent,
    CallEvent,
    DelayEvent,
    DeliverEvent,
    DiscardEvent,
    DropEvent,
    DuplicateEvent,
    ErrorEvent,
    NoteEvent,
    SendEvent,
    SignalEvent,
    StateEvent,
    TimerEvent,
    TraceEvent,
)
from ..sim.wording import note_text, rule_text, who
from ..stdio import unicode_ok
from ..wrapping import wrap
from .expect import expect_line, failure_table

if TYPE_CHECKING:
    from ..capture import ImportResult

PHASE_STYLE = {"opening": "yellow", "established": "green", "closing": "magenta", "closed": "bright_black"}
LANE_STYLE = {"client": "cyan", "server": "bright_magenta"}
TIMER_NAMES = {"rto": N_("RTO"), "2msl": N_("2MSL"), "delack": N_("delayed ACK"), "finwait2": N_("FIN-WAIT-2 timeout")}
"""The timers by name, as a person reads them (the last two are stack personalities' own)."""


TIME_WIDTH = 9


def print_error(message: str) -> None:
    """``tcpsim: error: …`` on stderr, on one line whatever the width, so that scripts can parse it."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(Text(_("tcpsim: error: "), style="bold red") + Text(visible(message)))


def write_jsonl(trace: Iterable[TraceEvent], out: IO[str]) -> None:
    """One JSON object per line, in the order things happened (the ``--format jsonl`` contract).

    Characters a terminal could act on are ``\\uXXXX`` escapes (:func:`tcpsim.escape.json_visible`),
    and so is everything outside ASCII when ``out`` cannot encode it: the same values either way.
    """
    import json  # here: the app imports this module on every start, and never writes JSON lines

    ascii_only = not unicode_ok(out)
    for event in trace:
        line = json.dumps(event.to_dict(), ensure_ascii=ascii_only, separators=(",", ":"))
        out.write(json_visible(line) + "\n")


def state_text(name: str) -> Text:
    """A state name in its phase colour."""
    return Text(name, style=PHASE_STYLE[parse_state(name).phase])


@functools.lru_cache(maxsize=1024)
def _wrapped(rule: str, width: int) -> list[str]:
    """A rule's lines: a run repeats a few dozen rules thousands of times."""
    return wrap(rule, width) or [""]


_COLOR_SYSTEMS = {
    "standard": ColorSystem.STANDARD,
    "256": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
    "windows": ColorSystem.WINDOWS,
}


class LineWriter:
    """One-line texts to a console, cut to its width with an ellipsis, byte for byte as
    ``console.print(text, no_wrap=True, overflow="ellipsis")`` writes them, and written in
    batches: Rich's per-call work (measuring the terminal, wrapping, a flush per line) made a
    run of 90,000 sends take minutes. Where a console renders in ways this does not reproduce
    (``NO_COLOR``, recording, Jupyter, a legacy Windows console) it calls ``console.print``.
    Call :meth:`flush` before anything else prints to the console.
    """

    BATCH = 2000

    def __init__(self, console: Console, *, fast: bool = True) -> None:
        self.console = console
        self.width = console.width
        system = console.color_system
        self.colors = _COLOR_SYSTEMS.get(system) if system is not None else None
        self.fast = (
            fast
            and not (console.no_color or console.record or console.is_jupyter or console.legacy_windows)
            and (system is None or self.colors is not None)
        )
        self.pending: list[str] = []

    def print(self, text: Text) -> None:
        if not self.fast:
            self.console.print(text, no_wrap=True, overflow="ellipsis")
            return
        if text.cell_len > self.width:
            text = text.copy()
            text.truncate(self.width, overflow="ellipsis")
        pending = self.pending
        if self.colors is None:
            pending.append(text.plain)
        elif not text.spans:  # Text.render leaves out the base style of a text without spans
            style = self.console.get_style(text.style) if text.style else None
            pending.append(style.render(text.plain, color_system=self.colors) if style else text.plain)
        else:
            for segment in text.render(self.console):
                style = segment.style
                pending.append(style.render(segment.text, color_system=self.colors) if style else segment.text)
        pending.append("\n")
        if len(pending) > self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.console.file.write("".join(self.pending))
            self.pending.clear()
            self.console.file.flush()


class Ladder:
    """Lays trace records out as rows of a two-lane ladder diagram.

    Each endpoint has a lane (client left, server right) for its states, calls and deliveries;
    a segment is an arrow from the sender's lane across the gap, towards the receiver.
    """

    def __init__(self, console: Console, rules: bool = True) -> None:
        self.console = console
        self.rules = rules
        self.width = max(80, min(console.width, 150))
        self.lane = max(28, (self.width - TIME_WIDTH) * 3 // 10)
        self.middle = self.width - TIME_WIDTH - 2 * self.lane
        self._last_rule: tuple[float, str, str] | None = None
        self.stacks: dict[str, str] = {}
        """Each endpoint's stack, which names its TIME-WAIT timer (2MSL, or a stack's fixed wait)."""
        self.out = LineWriter(console)

    def header(self, result: RunResult) -> None:
        s = result.scenario
        net = s.network
        self.console.print(Wrapped(Text(visible(_(s.name)), style="bold")))
        if s.summary:
            self.console.print(Wrapped(Text(visible(_(s.summary)), style="italic")))
        self.stacks = {name: ep.config.personality.name for name, ep in result.world.endpoints.items()}
        settings = _(
            "latency {latency}s · MSL {msl}s (TIME-WAIT {two_msl}s) · RTO {rto}s · ISN client {client}, server {server}"
        ).format(
            latency=f"{net.latency:g}",
            msl=f"{net.msl:g}",
            two_msl=_time_wait_text(self.stacks, net.msl),
            rto=f"{net.rto:g}",
            client=result.world.client.isn,
            server=result.world.server.isn,
        )
        self.console.print(Wrapped(Text(settings, style="dim")))
        self.console.print()
        row = Text(" " * TIME_WIDTH)
        row.append(
            _ljust(f"{who('client')} :{s.client.port}", self.lane + self.middle), style=f"bold {LANE_STYLE['client']}"
        )
        row.append(f"{who('server')} :{s.server.port}", style=f"bold {LANE_STYLE['server']}")
        self.console.print(row)

    def _time(self, t: float | None) -> Text:
        return Text(f"{t:>{TIME_WIDTH - 2}.3f}  " if t is not None else " " * TIME_WIDTH, style="dim")

    def lane_line(self, t: float, endpoint: str, text: Text) -> None:
        """Text in an endpoint's lane; a long server line is pulled left so that it still fits."""
        line = self._time(t)
        if endpoint == "server":
            column = self.lane + self.middle
            column = max(0, min(column, self.width - TIME_WIDTH - cell_len(text.plain)))
            line.append(" " * column)
        line.append_text(text)
        self.out.print(line)

    def middle_line(self, t: float, text: Text) -> None:
        pad = max(0, self.lane + (self.middle - cell_len(text.plain)) // 2)
        self.out.print(self._time(t) + Text(" " * pad) + text)

    def wide(self, t: float | None, text: Text) -> None:
        self.out.print(self._time(t) + text)

    def detail(self, t: float, endpoint: str, rule: str) -> None:
        """The RFC rule under a line, once per instant and endpoint (a state change and the segment
        it sends share their rule)."""
        if not self.rules or not rule or self._last_rule == (t, endpoint, rule):
            return
        self._last_rule = (t, endpoint, rule)
        room = self.width - TIME_WIDTH - 2
        for i, part in enumerate(_wrapped(rule_text(rule), room)):
            text = Text(("↳ " if i == 0 else "  ") + part, style="dim")
            if endpoint == "server":
                column = max(0, min(self.lane + self.middle, self.width - TIME_WIDTH - cell_len(text.plain)))
                text = Text(" " * column) + text
            self.out.print(self._time(None) + text)

    def note(self, endpoint: str, text: str) -> None:
        """A scenario author's explanation: always shown, in italics, under its line."""
        for i, part in enumerate(wrap(visible(_(text), multiline=True), self.width - TIME_WIDTH - 2)):
            line = Text(("ⓘ " if i == 0 else "  ") + part, style="italic yellow")
            if endpoint == "server":
                column = max(0, min(self.lane + self.middle, self.width - TIME_WIDTH - cell_len(line.plain)))
                line = Text(" " * column) + line
            self.out.print(self._time(None) + line)

    def event(self, e: TraceEvent) -> None:
        if isinstance(e, StateEvent):
            text = state_text(e.old) + Text(" → ") + state_text(e.new)
            text.stylize("bold", len(e.old) + 3)
            self.lane_line(e.t, e.endpoint, text)
            self.detail(e.t, e.endpoint, e.rule)
        elif isinstance(e, SendEvent):
            self._send(e)
        elif isinstance(e, ArriveEvent):
            self.lane_line(
                e.t,
                e.endpoint,
                Text((_("#{id} arrives (copy)") if e.copy else _("#{id} arrives")).format(id=e.id), style="dim"),
            )
        elif isinstance(e, DropEvent):
            self.middle_line(e.t, Text(_("✕ #{id} lost").format(id=e.id), style="bold red"))
        elif isinstance(e, DuplicateEvent):
            self.middle_line(e.t, Text(_("⧉ #{id} duplicated").format(id=e.id), style="yellow"))
        elif isinstance(e, DelayEvent):
            self.middle_line(e.t, Text(_("⏱ #{id} delayed +{by}s").format(id=e.id, by=f"{e.by:g}"), style="yellow"))
        elif isinstance(e, DeliverEvent):
            data = repr(e.data.decode("utf-8", "replace"))
            self.lane_line(e.t, e.endpoint, Text(_("app ← {data}").format(data=data), style="green"))
        elif isinstance(e, CallEvent):
            arg = f" {e.data.decode('utf-8', 'replace')!r}" if e.data else ""
            self.lane_line(e.t, e.endpoint, Text(f"▸ {e.call}{arg}", style=f"bold {LANE_STYLE[e.endpoint]}"))
            if e.note:
                self.note(e.endpoint, e.note)
        elif isinstance(e, ErrorEvent):
            self.lane_line(e.t, e.endpoint, Text(f"✗ {e.call}: {visible(rule_text(e.message))}", style="red"))
        elif isinstance(e, SignalEvent):
            self.lane_line(e.t, e.endpoint, Text(f"⚑ {visible(rule_text(e.message))}", style="yellow"))
            if e.message != "connection closing":
                self.detail(e.t, e.endpoint, e.rule)
        elif isinstance(e, DiscardEvent):
            discarded = _("#{id} discarded: {reason}").format(id=e.id, reason=visible(rule_text(e.reason)))
            self.lane_line(e.t, e.endpoint, Text(discarded, style="dim red"))
            self.detail(e.t, e.endpoint, e.rule)
        elif isinstance(e, TimerEvent):
            self._timer(e)
        elif isinstance(e, NoteEvent):
            self.wide(e.t, Text(f"⚙ {visible(note_text(e))}", style="yellow"))
        elif isinstance(e, ExpectEvent):
            self.wide(e.t, expect_line(e))

    def _send(self, e: SendEvent) -> None:
        seg = e.segment
        label = segment_label(seg, e.id)
        if e.retransmission:
            label += " ⟳"
        if e.injected:
            label = "⚡ " + label
        span = self.lane + self.middle - 1
        style = "bold red" if seg.flags & Flags.RST else LANE_STYLE[e.endpoint]
        shaft = "─" * max(2, span - len(label) - 2)
        line = self._time(e.t)
        if e.endpoint == "client":
            line += Text(label + " ", style=style) + Text(shaft + "▶", style="dim")
        else:
            line += Text(" " * (self.width - TIME_WIDTH - span - 1))
            line += Text("◀" + shaft, style="dim") + Text(" " + label, style=style)
        self.out.print(line)
        rule = _("injected by the scenario") if e.injected else e.rule
        self.detail(e.t, e.endpoint, rule)

    def _timer(self, e: TimerEvent) -> None:
        fixed = e.name == "2msl" and fixed_time_wait(self.stacks.get(e.endpoint, "")) is not None
        if e.name == "2msl" and e.action in ("set", "restart"):
            if fixed:  # Linux's 60 s is no 2·MSL: the timer is named after the state it ends
                text = (
                    _("◔ TIME-WAIT until t = {t} s")
                    if e.action == "set"
                    else _("◔ TIME-WAIT RESTARTED until t = {t} s")
                )
            else:
                text = _("◔ 2MSL wait until t = {t} s") if e.action == "set" else _("◔ 2MSL RESTARTED until t = {t} s")
            self.lane_line(e.t, e.endpoint, Text(text.format(t=f"{e.deadline:g}"), style="magenta"))
        elif e.action == "expire":
            if fixed:
                text = _("◔ TIME-WAIT expired")
            elif e.name in ("2msl", "rto"):
                text = _("◔ 2MSL expired") if e.name == "2msl" else _("◔ RTO expired")
            else:
                text = _("◔ {timer} expired").format(timer=_(TIMER_NAMES.get(e.name, e.name)))
            self.lane_line(e.t, e.endpoint, Text(text, style="magenta"))


def _time_wait_text(stacks: Mapping[str, str], msl: float) -> str:
    """How long TIME-WAIT lasts, in seconds: 2·MSL, or the stack's own fixed wait (Linux's 60 s),
    or both lengths when the two endpoints' stacks differ ("10/60")."""
    lengths = sorted({fixed_time_wait(stack) or 2 * msl for stack in stacks.values()} or {2 * msl})
    return "/".join(f"{length:g}" for length in lengths)


def _ljust(text: str, width: int) -> str:
    """``str.ljust`` in terminal cells (a Chinese character takes two)."""
    return text + " " * max(0, width - cell_len(text))


def _fit(text: Text, width: int) -> Text:
    text = text.copy()
    text.truncate(width, overflow="ellipsis", pad=True)
    return text


def _centre(text: Text, width: int) -> Text:
    pad = max(0, (width - len(text.plain)) // 2)
    return Text(" " * pad) + text


def render_text(result: RunResult, console: Console, *, rules: bool = True) -> None:
    """The whole run as a ladder, then a verdict on the expectations."""
    ladder = Ladder(console, rules)
    ladder.header(result)
    for event in result.trace:
        ladder.event(event)
    ladder.out.flush()
    console.print()
    summary(result, console)


def summary(result: RunResult, console: Console) -> None:
    ends = {name: ep.state.value for name, ep in result.world.endpoints.items()}
    console.print(
        Text(f"t = {result.world.now:g}: ", style="dim")
        + Text(who("client") + " ")
        + state_text(ends["client"])
        + Text(_(", ") + who("server") + " ")
        + state_text(ends["server"])
    )
    checks = result.checks
    if not checks and not result.unchecked:
        console.print(Text(_("No expectations in this scenario."), style="dim"))
    elif not checks:
        console.print(Text(_("No expectation was reached before --until."), style="yellow"))
    elif result.ok:
        console.print(Text(_("✓ all {n} checks hold").format(n=len(checks)), style="bold green"))
    else:
        failures = result.failures
        text = _("✗ {failed} of {n} checks failed:")
        console.print(Text(text.format(failed=len(failures), n=len(checks)), style="bold red"))
        for failure in failures:
            if failure.check == "last_sent":
                console.print(failure_table(failure))
            else:
                console.print(Text("  " + _("at t={t}").format(t=f"{failure.t:g}") + " ") + expect_line(failure))
    if result.unchecked:
        ats = _(", ").join(_("#{index} (at {t})").format(index=e.index, t=f"{e.at:g}") for e in result.unchecked)
        console.print(Text(_("not reached before --until: {checks}").format(checks=ats), style="yellow"))


def render_import(result: ImportResult, console: Console, *, rules: bool = True) -> None:
    """An imported capture (``tcpsim import``) as a ladder, then both sides' states at its end."""
    from ..capture import CaptureNote
    from ..capture.reader import endpoint_text

    client, server = (endpoint_text(result.roles[n]) for n in ("client", "server"))
    ladder = Ladder(console, rules)
    title = _("{file}, stream {stream}").format(file=visible(str(result.capture.path)), stream=result.stream)
    console.print(Text(title, style="bold"))
    packets = result.conversation.count
    msl = result.scenario.network.msl
    ladder.stacks = dict.fromkeys(("client", "server"), result.scenario.network.stack)
    about = ngettext(
        "{n} packet over {seconds} s · states inferred by the RFC 9293 state machine · "
        "MSL {msl} s (TIME-WAIT {two_msl} s)",
        "{n} packets over {seconds} s · states inferred by the RFC 9293 state machine · "
        "MSL {msl} s (TIME-WAIT {two_msl} s)",
        packets,
    ).format(
        n=packets, seconds=f"{result.conversation.span:g}", msl=f"{msl:g}", two_msl=_time_wait_text(ladder.stacks, msl)
    )
    console.print(Text(about, style="dim"))
    console.print()
    row = Text(" " * TIME_WIDTH)
    row.append(_ljust(f"{who('client')} {client}", ladder.lane + ladder.middle), style=f"bold {LANE_STYLE['client']}")
    row.append(f"{who('server')} {server}", style=f"bold {LANE_STYLE['server']}")
    console.print(row)
    for event in result.records():  # as the observer goes, when the import streams
        if isinstance(event, CaptureNote):  # in full: each says what the state machine could not explain
            for i, part in enumerate(wrap(visible(event.text, multiline=True), ladder.width - TIME_WIDTH - 2)):
                time = Text(f"{event.t:>{TIME_WIDTH - 2}.3f}  " if i == 0 else " " * TIME_WIDTH, style="dim")
                ladder.out.print(time + Text(("⚠ " if i == 0 else "  ") + part, style="yellow"))
        else:
            ladder.event(event)
    ladder.out.flush()
    console.print()
    obs = result.observation
    ends = obs.end_states
    console.print(
        Text(_("at the end of the capture (t = {t}): ").format(t=f"{obs.end_time:g}"), style="dim")
        + Text(who("client") + " ")
        + state_text(ends["client"].value)
        + Text(_(", ") + who("server") + " ")
        + state_text(ends["server"].value)
    )
    notes = obs.problem_count
    console.print(
        Text(
            ngettext(
                "{n} note on what the state machine cannot explain",
                "{n} notes on what the state machine cannot explain",
                notes,
            ).format(n=notes),
            style="yellow",
        )
        if notes
        else Text(_("every segment is explained by the state machine"), style="green")
    )
