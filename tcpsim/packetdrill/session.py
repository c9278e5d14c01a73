"""A packetdrill script as a session the app can show: ``tcpsim FILE.pkt``.

The third implementation of :class:`~tcpsim.scenario.view.SessionProtocol`, beside the live
:class:`~tcpsim.scenario.session.Session` and a capture's
:class:`~tcpsim.capture.session.ImportSession`. It plays the script one line per step on a
:class:`~.runner.ScriptRun`, the same runner as ``tcpsim run FILE.pkt``, and publishes the same
:class:`~tcpsim.scenario.view.View`: the stack under test in one pane, the remote peer (a puppet
that sends the script's ``<`` lines) in the other. Each line that holds or fails is a check in the
trace (a ``script`` :class:`~tcpsim.scenario.expect.ExpectEvent` where the runner wrote its note),
so the timeline and the log show it where it happened, ✓ or ✗, and the status line counts them.

The script drives both endpoints, so the user's calls and faults are refused; ``b`` steps back one
line exactly (a copy of the run is kept before each), and the stack key plays the script again
with another stack under test, parsed again for that stack's ``#ifdef`` name.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..core.names import ENDPOINTS, EndpointName
from ..i18n import _
from ..scenario.expect import ExpectEvent
from ..scenario.model import Scenario
from ..scenario.view import (
    Checks,
    FlightView,
    Next,
    Outcome,
    Progress,
    Tally,
    TraceLog,
    TraceView,
    View,
    endpoint_view,
    no_plans,
)
from ..sim.trace import NoteEvent, TraceEvent, round_time
from .command import export_scenario
from .model import Script, ScriptError
from .parser import parse
from .results import LineNote
from .runner import ScriptRun
from .sockets import Unsupported
from .source import STACKS, define_map

CHECKED = ("ok", "failed")
"""The line results that are checks (✓ or ✗); a line that blocks or is skipped is a note."""


def _refusal() -> str:
    return _(
        "a packetdrill script drives both endpoints: the stack under test by its system calls, the remote "
        "peer by its < lines. Step through it (n, b, space), or edit the script to change what happens"
    )


class ScriptSession:
    """A session over a packetdrill script; one step plays one line."""

    def __init__(self, text: str, path: str, stack: str = "rfc9293", defines: tuple[str, ...] = ()) -> None:
        """Raises :class:`ScriptError` (located, exit 2) for a script that cannot be played by
        ``stack``: malformed, or using what tcpsim does not model, found before the first line."""
        self.text, self.path, self.defines = text, path, defines
        self._log = TraceLog()
        self._begin(self._prepare(stack))

    # ------------------------------------------------------------------ building
    def _prepare(self, stack: str) -> ScriptRun:
        if stack not in STACKS:
            raise ScriptError(self.path, 0, f"unknown stack {stack!r}; the stacks are {', '.join(STACKS)}")
        script: Script = parse(self.text, self.path, define_map(stack, self.defines))
        try:
            return ScriptRun(script, stack)
        except Unsupported as exc:
            raise ScriptError(self.path, 1, str(exc), unsupported=True) from None

    def _begin(self, run: ScriptRun) -> None:
        """Show ``run`` from its start (a record list of its own: the log is cut to nothing)."""
        self.run = run
        self.scenario: Scenario = self._scenario(run)
        self._log.cut(0)
        self._records: list[TraceEvent] = []
        self._taken = 0
        """How many of the world's trace records have been taken into :attr:`_records`."""
        self._notes = 0
        self._history: list[tuple[ScriptRun, int, int, int, Tally, float]] = []
        self._tally = Tally()
        self._clock = run.world.now
        self._view: View | None = None
        for skipped in run.skipped:  # option lines without effect, the init command: said once, first
            said = _("line {line} skipped: {why}").format(line=skipped.line, why=skipped.detail)
            self._records.append(NoteEvent(0.0, said))
        self._sync()

    def _scenario(self, run: ScriptRun) -> Scenario:
        """The script described as a scenario: the exporters' addresses and ports, and its story."""
        name = Path(self.path).name
        local = _("client") if run.local == "client" else _("server")
        summary = _(
            "A packetdrill script played by tcpsim's {stack} stack, the {local}; the other pane is the remote "
            "peer, which sends what the script's < lines say and nothing else."
        ).format(stack=run.stack, local=local)
        description = _(
            "{path}: the stack under test is tcpsim's core as {stack} (the script's #ifdef name: {define}), driven "
            "by the script's system calls; the remote peer is a puppet that sends each < line as written and "
            "answers nothing by itself. Each > line is an expectation on the next segment the stack sends, at that "
            "time within the script's tolerance. Every line is marked where it happened, in the timeline and the "
            "log: ✓ when it holds, ✗ where it does not (the first line that does not hold ends the script, as in "
            "packetdrill). n plays the next line, b steps back one, k plays the script with another stack under "
            "test. tcpsim run {name} prints the same verdict."
        ).format(path=self.path, stack=run.stack, define=STACKS[run.stack], name=name)
        return replace(export_scenario(run), name=name, path=Path(self.path), summary=summary, description=description)

    def _sync(self) -> None:
        """Take in what the run added to its world's trace: a line's note becomes a check."""
        run, records = self.run, self._records
        trace = run.world.trace
        for e in trace[self._taken :]:
            if isinstance(e, LineNote) and e.status in CHECKED:
                ok = e.status == "ok"
                actual = e.detail if e.detail else _("holds")
                records.append(ExpectEvent(e.t, e.line, "script", run.local, e.source, actual, ok))
            else:
                records.append(e)
        self._taken = len(trace)
        for note in run.notes[self._notes :]:
            records.append(NoteEvent(run.world.now, _("note: {note}").format(note=note)))
        self._notes = len(run.notes)
        self._clock = max(self._clock, run.world.now)
        self._view = None

    # ------------------------------------------------------------------ reading
    @property
    def now(self) -> float:
        return self._clock

    @property
    def trace(self) -> list[TraceEvent]:
        return self._records

    @property
    def finished(self) -> bool:
        return self.run.finished

    @property
    def view(self) -> View:
        if self._view is None:
            self._view = self._build_view()
        return self._view

    def _build_view(self) -> View:
        run, tally = self.run, self._tally
        world = run.world
        tally.feed(self._records)
        endpoints = {
            name: endpoint_view(name, world.endpoints[name], tally.restarts.get(name, 0), tally.last.get(name))
            for name in ENDPOINTS
        }
        flights = {
            sid: FlightView(sid, f.sender, f.segment, f.sent_at, f.arrive_at, f.fate)
            for sid, f in world.in_flight.items()
        }
        stacks: dict[EndpointName, str] = {run.local: run.stack, run.remote: ""}
        return View(
            name=self.scenario.name,
            t=self._clock,
            endpoints=endpoints,
            flights=flights,
            faults=(),
            trace=TraceView(self._records, len(self._records), self._log.version, self._log.cuts),
            progress=Progress(run.index, len(run.script.events), "lines"),
            next=None if run.finished else Next(max(self._clock, run.next_time()), "frame"),
            checks=Checks(tally.passed, tally.failed),
            walked=dict(tally.walked),
            planned=no_plans(),
            latency=world.network.latency,
            msl=run.local_config.msl,
            read_only=True,
            source="script",
            stacks=stacks,
        )

    # ------------------------------------------------------------------ time
    def step(self) -> bool:
        """Play the next line (or, after the last, the script's end: what is still pending)."""
        if self.run.finished:
            return False
        self._tally.feed(self._records)
        self._history.append(
            (self.run.copy(), len(self._records), self._taken, self._notes, self._tally.copy(), self._clock)
        )
        self.run.step()
        self._sync()
        return True

    def back(self) -> bool:
        if not self._history:
            return False
        run, length, taken, notes, tally, clock = self._history.pop()
        self.run = run
        del self._records[length:]
        self._log.cut(length)
        self._taken, self._notes, self._tally, self._clock = taken, notes, tally, clock
        self._view = None
        return True

    def advance_to(self, t: float) -> int:
        t = round_time(t)
        count = 0
        while not self.run.finished and self.run.next_time() <= t:
            self.step()
            count += 1
        if not self.run.finished:
            self._clock = max(self._clock, t)
        self._view = None
        return count

    def restart(self) -> None:
        self._begin(self._prepare(self.run.stack))

    def restack(self, stack: str) -> Outcome:
        """The script again with ``stack`` under test (its ``#ifdef`` lines read for that stack),
        played up to the line it had reached; refused, with the reason, when that stack cannot play it."""
        reached = self.run.script.events[self.run.index - 1].line if self.run.index else 0

        def due(run: ScriptRun) -> bool:
            return (
                not run.finished and run.index < len(run.script.events) and run.script.events[run.index].line <= reached
            )

        try:
            probe = self._prepare(stack)
        except ScriptError as exc:
            return Outcome((), str(exc))
        while due(probe):  # a dry run first: what that stack cannot play (exit 2) leaves the session as it was
            probe.step()
        if probe.verdict is not None and probe.verdict.code == 2:
            return Outcome((), probe.verdict.message)
        self._begin(self._prepare(stack))
        while due(self.run):
            self.step()
        return Outcome()

    def peek(self) -> tuple[TraceEvent, ...]:
        """What the next line would add, played on a copy."""
        if self.run.finished:
            return ()
        saved = (self.run, len(self._records), self._taken, self._notes, self._clock)
        self.run = self.run.copy()
        try:
            self.run.step()
            self._sync()
            return tuple(self._records[saved[1] :])
        finally:
            self.run, length, self._taken, self._notes, self._clock = saved
            del self._records[length:]
            self._view = None

    # ------------------------------------------------------------------ the user's actions: refused
    def act(self, endpoint: EndpointName, call: str, data: bytes = b"") -> Outcome:
        return Outcome((), _refusal())

    def open(self, endpoint: EndpointName) -> Outcome:
        return Outcome((), _refusal())

    def drop_next(self, endpoint: EndpointName) -> Outcome:
        return Outcome((), _refusal())

    def cancel_fault(self, fault: int) -> Outcome:
        return Outcome((), _refusal())

    def alter(self, sid: int, kind: str, by: float = 0.5) -> Outcome:
        return Outcome((), _refusal())

    def to_toml(self) -> str:
        """A script is not a scenario: its remote peer sends what the script says, which a
        scenario's endpoint would not (ValueError: the app says so and writes nothing)."""
        raise ValueError(
            _(
                "a packetdrill script is not saved as a scenario: its remote peer is a puppet that sends what the "
                "script says, and the .pkt file is already the whole story (p exports its segments as a pcap)"
            )
        )


def open_script(path: str | Path, stack: str = "rfc9293", defines: tuple[str, ...] = ()) -> ScriptSession:
    """Read a ``.pkt`` file into a session; :class:`ScriptError` (located) for any problem."""
    from .source import read_text

    return ScriptSession(read_text(path), str(path), stack, defines)
