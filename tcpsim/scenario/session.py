"""An interactive session: one world that a person steps, plays, rewinds and meddles with.

This is the one controller between the UI and the simulation. The UI never touches the world or
an endpoint: it reads the :attr:`Session.view` published after every change and calls the
methods of :class:`~tcpsim.scenario.view.SessionProtocol`.

Time travel works as undo and redo do in an editor. Everything done is an :class:`~.branch.Act` on
the current *branch* (:mod:`.branch`): an event the world processed (``n`` or play), or the user's
own action (a call, a fault armed, altered or cancelled). ``b`` undoes the last act exactly (a
snapshot of the world is kept before each) and keeps it on the branch ahead; ``n`` and play replay the branch ahead, the
user's actions included, until the user does something new, which discards the old future and
starts a new branch. Saving writes the whole branch, what lies ahead included.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

from ..core.names import ENDPOINTS, EndpointName
from ..core.personality import personality
from ..core.states import State
from ..i18n import N_, _
from ..sim.network import FaultRule, Match
from ..sim.trace import TraceEvent, fault_announcement, round_time
from ..sim.world import Arm, Call, Processed, Snapshot, World
from .branch import BRANCH_END, Act, saved_scenario
from .dump import dump
from .expect import check
from .model import EndpointSpec, NetworkSpec, Scenario, Step
from .runner import build_world, stacks_of, with_stack
from .view import (
    Checks,
    EndpointView,
    FaultView,
    FlightView,
    Next,
    Outcome,
    PlannedCall,
    Progress,
    Tally,
    TraceLog,
    TraceView,
    View,
    endpoint_view,
)

HISTORY_LIMIT = 20_000
"""Snapshots kept for stepping back; the oldest are forgotten first (the acts themselves are kept,
so a save still writes the whole branch)."""

__all__ = ["BRANCH_END", "Act", "Outcome", "Session", "sandbox"]


def sandbox() -> Scenario:
    """What ``tcpsim`` opens on: the server listening, the client closed, nothing else planned."""
    # In English, marked for the catalogue: translated where shown, as a bundled scenario's words are.
    return Scenario(
        name=N_("Sandbox"),
        path=None,
        network=NetworkSpec(msl=5.0),
        client=EndpointSpec(port=49152, isn=1000),
        server=EndpointSpec(port=80, isn=5000),
        steps=(Step(index=1, at=0.0, on="server", do="listen", note=N_("the server waits for a connection")),),
        summary=N_("The server is listening and the client is closed: open a connection from the client."),
        description=N_(
            "A free playground. The server has done a passive OPEN and waits in LISTEN. Focus the client "
            "and press o to connect, s to send, c to close; d drops the next segment the focused endpoint "
            "sends. MSL is 5 s here so that an RFC 9293 TIME-WAIT (2·MSL) is short enough to watch."
        ),
    )


@dataclass(frozen=True, slots=True)
class _Undo:
    """What stepping back over one act restores."""

    snapshot: Snapshot
    tally: Tally
    calls: dict[str, int]


class Session:
    """A world, its history as a branch of acts, and the view of it. See the module's docstring."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        self._log = TraceLog()
        self.load(scenario or sandbox(), settle=scenario is None)

    def load(self, scenario: Scenario, *, settle: bool = False) -> None:
        """Start over on ``scenario`` at t = 0. ``settle`` runs what is due at t = 0 at once, so
        that the sandbox opens with its server already listening."""
        self._base = scenario
        """The scenario as loaded, without the user's actions: what ``r`` restarts (as the stack
        chosen with :meth:`restack`, if one was)."""
        self._start(scenario, settle)

    def _start(self, scenario: Scenario, settle: bool) -> None:
        self.scenario = scenario
        self._settle = settle
        self.world: World = build_world(scenario)
        self._log.cut(0)
        self._history: deque[_Undo] = deque(maxlen=HISTORY_LIMIT)
        self._done: list[Act] = []
        self._ahead: list[Act] = []
        """The branch ahead after a rewind, the next act last."""
        self._tally = Tally()
        self._calls_done: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self._own: object = None
        """The command of the user's action being carried out (not one of the script's calls)."""
        self._user_rules = 0
        self._clock = 0.0
        """What the clock reads: the world's time, or later while play waits for the next event."""
        self._view: View | None = None
        self._script = {
            name: tuple(
                sorted(
                    ((s.at, s.index, s.do) for s in scenario.steps if s.on == name),
                    key=lambda item: (item[0], item[1]),
                )
            )
            for name in ENDPOINTS
        }
        if settle:
            while (nxt := self.world.next_time()) is not None and nxt <= 0.0:
                self._process()
            self._tally.feed(self.world.trace)

    # ------------------------------------------------------------------ reading
    @property
    def now(self) -> float:
        return self._clock

    @property
    def trace(self) -> list[TraceEvent]:
        return self.world.trace

    @property
    def finished(self) -> bool:
        return not self._ahead and self.world.next_time() is None

    @property
    def view(self) -> View:
        """The session as it is now; built on first use after a change, then the same object."""
        if self._view is None:
            self._view = self._build_view()
        return self._view

    def _build_view(self) -> View:
        world, tally = self.world, self._tally
        tally.feed(world.trace)
        endpoints: dict[EndpointName, EndpointView] = {
            name: endpoint_view(name, world.endpoints[name], tally.restarts.get(name, 0), tally.last.get(name))
            for name in ENDPOINTS
        }
        flights = {
            sid: FlightView(sid, f.sender, f.segment, f.sent_at, f.arrive_at, f.fate)
            for sid, f in world.in_flight.items()
        }
        user_ranks = self._user_ranks()
        faults = tuple(
            FaultView(
                id=r.rank,
                kind=r.kind,
                sender=r.match.sender,
                what=r.match.describe(),
                left=r.count - r.used,
                by=r.by,
                since=r.at,
                user=r.rank in user_ranks,
                any_segment=r.match.flags is None and r.match.has is None and r.match.data is None,
                match=r.match,
            )
            for r in world.network.rules
            if not r.exhausted and r.at <= self._clock + 1e-9
        )
        if self._ahead:
            upcoming: Next | None = Next(self._ahead[-1].at, "replay")
        else:
            nxt = world.next_time()
            upcoming = None if nxt is None else Next(nxt, "event")
        planned: dict[EndpointName, PlannedCall | None] = {}
        for name in ENDPOINTS:
            script, done = self._script[name], self._calls_done[name]
            planned[name] = PlannedCall(script[done][0], script[done][2]) if done < len(script) else None
        done = len(self._done)
        return View(
            name=self.scenario.name,
            t=self._clock,
            endpoints=endpoints,
            flights=flights,
            faults=faults,
            trace=TraceView(world.trace, len(world.trace), self._log.version, self._log.cuts),
            progress=Progress(done, done + len(self._ahead)),
            next=upcoming,
            checks=Checks(tally.passed, tally.failed),
            walked=dict(tally.walked),
            planned=planned,
            latency=world.network.latency,
            msl=self.scenario.network.msl,
            stacks=stacks_of(self.scenario),
        )

    def _user_ranks(self) -> set[int]:
        return {a.rule for a in self._done if a.kind == "arm"}

    def _changed(self) -> None:
        self._view = None

    # ------------------------------------------------------------------ time
    def step(self) -> bool:
        """Do the next act: the one ahead on the branch after a rewind, else the world's next event."""
        if self._ahead:
            self._perform(self._ahead.pop())
            return True
        if self.world.next_time() is None:
            return False
        self._remember()
        processed = self._process()
        assert processed is not None
        self._done.append(Act("step", processed.t))
        self._clock = self.world.now
        self._changed()
        return True

    def back(self) -> bool:
        """Undo the last act exactly, keeping it ahead on the branch. False at the beginning."""
        if not self._history:
            return False
        undo = self._history.pop()
        act = self._done.pop()
        self.world.restore(undo.snapshot)
        self._tally, self._calls_done = undo.tally, undo.calls
        self._ahead.append(act)
        self._log.cut(len(self.world.trace))
        self._clock = self.world.now
        self._changed()
        return True

    def advance_to(self, t: float) -> int:
        """Play: every act due by ``t`` (the branch ahead first), then the clock reads ``t``, unless
        nothing more will happen: then it stays at the last event. Returns how many acts were done."""
        t = round_time(t)
        count = 0
        while True:
            if self._ahead:
                if self._ahead[-1].at > t:
                    break
            else:
                nxt = self.world.next_time()
                if nxt is None or nxt > t:
                    break
            self.step()
            count += 1
        self._clock = max(self._clock, t) if not self.finished else max(self._clock, self.world.now)
        self._changed()
        return count

    def restart(self) -> None:
        """Back to t = 0 of the scenario as loaded, without the user's actions (as the stack chosen
        with :meth:`restack`, if one was)."""
        base = self._base
        if stacks_of(self.scenario) != stacks_of(base):
            base = with_stack(base, self.scenario.network.stack)
        self._start(base, self._settle)

    def restack(self, stack: str) -> Outcome:
        """The session so far played again from t = 0 with both endpoints as ``stack``, up to the
        time it had reached: the user's actions become steps of the scenario, as a save writes them
        (so that a segment altered in flight is the same segment under another stack, matched by
        its sender and flags, not by a number), the scenario's own expectations stay (they may
        fail: they were written for the stack the file names), and the branch ahead after a rewind
        is replayed up to that time too. ``r`` then restarts the scenario as loaded, as ``stack``."""
        try:
            personality(stack)
        except ValueError as exc:
            return Outcome((), str(exc))
        t = self.now
        again = replace(self.as_scenario(), name=self.scenario.name, expectations=self.scenario.expectations)
        self._start(with_stack(again, stack), self._settle)
        self.advance_to(t)
        return Outcome()

    def peek(self) -> tuple[TraceEvent, ...]:
        """The records the next event would add, without taking it (the world is put back exactly).

        After a rewind the next act is on the branch ahead: an event is the world's next one (the
        world is where it was), so it is peeked the same way; a user's action ahead is not peeked."""
        if (self._ahead and self._ahead[-1].kind != "step") or self.world.next_time() is None:
            return ()
        world = self.world
        snapshot, start = world.snapshot(), len(world.trace)
        calls = dict(self._calls_done)
        self._process()
        records = tuple(world.trace[start:])
        world.restore(snapshot)
        self._calls_done = calls
        return records

    # ------------------------------------------------------------------ the user's actions
    def act(self, endpoint: EndpointName, call: str, data: bytes = b"") -> Outcome:
        """A user call on an endpoint now: listen, connect, send, close, abort, retransmit."""
        step = Step(index=0, at=self._clock, on=endpoint, do=call, data=data)
        return self._do(Act("call", self._clock, endpoint, call, data, step=step))

    def open(self, endpoint: EndpointName) -> Outcome:
        """OPEN as the endpoint's role suggests: connect on the client, listen on the server."""
        return self.act(endpoint, "connect" if endpoint == "client" else "listen")

    def drop_next(self, endpoint: EndpointName) -> Outcome:
        """Drop the next segment ``endpoint`` sends, one sent at this very instant by a later action
        included (``d`` then ``o`` drops the SYN); not one already sent at this instant.

        Saved as a rule with ``since = "step"``, which a replay arms in the same place of the instant.
        """
        at = self._clock
        rank = len(self.scenario.steps) + 1 + sum(1 for a in self._done if a.step is not None)
        step = Step(index=0, at=at, on="network", do="drop", match=Match(sender=endpoint), since="step")
        return self._do(Act("arm", at, endpoint, fault="drop", rule=rank, step=step))

    def cancel_fault(self, fault: int) -> Outcome:
        """Disarm the armed fault rule of rank ``fault`` (a :attr:`FaultView.id`)."""
        rule = next((r for r in self.world.network.rules if r.rank == fault and not r.exhausted), None)
        if rule is None:
            return Outcome((), _("that fault is no longer armed"))
        return self._do(Act("cancel", self._clock, rule.match.sender, fault=rule.kind, rule=fault, used=rule.used))

    def alter(self, sid: int, kind: str, by: float = 0.5) -> Outcome:
        """Drop, duplicate or delay segment ``sid`` while it is in flight."""
        flight = self.world.in_flight.get(sid)
        if flight is None:
            return Outcome((), _("segment #{id} is no longer in flight").format(id=sid))
        # Saved as a rule armed when the segment was sent, matching it as exactly as the format can.
        seg = flight.segment
        match = Match(sender=flight.sender, flags=seg.flags, data=bool(seg.data))
        step = Step(index=0, at=flight.sent_at, on="network", do=kind, match=match, by=by if kind == "delay" else 0.0)
        sender: EndpointName = "client" if flight.sender == "client" else "server"
        return self._do(Act("alter", self._clock, sender, sid=sid, fault=kind, by=by, step=step))

    def _do(self, act: Act) -> Outcome:
        """A new act: the same as the next one ahead replays it (the branch goes on); anything else
        starts a new branch (the old future is discarded, like an editor's redo)."""
        if self._ahead:
            if self._ahead[-1].same(act):
                return self._perform(self._ahead.pop())
            self._ahead.clear()
        return self._perform(act)

    def _perform(self, act: Act) -> Outcome:
        """Carry out one act (new or replayed) after remembering how to undo it."""
        if act.kind == "step":
            self._remember()
            self._process()
            self._done.append(act)
            self._clock = self.world.now
            self._changed()
            return Outcome()
        world = self.world
        self._remember()
        start = len(world.trace)
        world.now = max(world.now, act.at)  # play may have run the clock past the last event
        if act.kind == "call":
            assert act.endpoint is not None
            error = self._run_command(Call(act.endpoint, act.call, act.data))
        elif act.kind == "arm":
            error = self._run_command(Arm(FaultRule("drop", Match(sender=act.endpoint), at=act.at, rank=act.rule)))
        elif act.kind == "alter":
            error = (
                None
                if world.alter_flight(act.sid, act.fault, act.by)
                else _("segment #{id} is no longer in flight").format(id=act.sid)
            )
        else:
            rules = world.network.rules
            cancelled = next(r for r in rules if r.rank == act.rule)
            rules.remove(cancelled)
            world.trace.append(fault_announcement(world.now, cancelled, cancelled=True))
            error = None
        if error is not None and act.kind == "alter":
            undo = self._history.pop()
            world.restore(undo.snapshot)
            return Outcome((), error)
        self._done.append(act)
        self._clock = world.now
        self._changed()
        return Outcome(tuple(world.trace[start:]), error)

    def _run_command(self, command: Call | Arm) -> str | None:
        """Schedule ``command`` now and run up to and including it: events already due at this
        instant come first, exactly as they do when the saved scenario is replayed. Returns the
        endpoint's error message if it refused the call."""
        world = self.world
        start = len(world.trace)
        self._own = command
        world.schedule(world.now, command)
        while True:
            processed = self._process()
            if processed is None or (processed.kind == "command" and processed.payload is command):
                break
        self._own = None
        errors = [e for e in world.trace[start:] if getattr(e, "type", "") == "error"]
        return errors[0].message if errors else None  # type: ignore[attr-defined]

    def _remember(self) -> None:
        tally = self._tally
        tally.feed(self.world.trace)
        self._history.append(_Undo(self.world.snapshot(), tally.copy(), dict(self._calls_done)))

    def _process(self) -> Processed | None:
        processed = self.world.step()
        if processed is None:
            return None
        if processed.kind == "checkpoint":
            self.world.trace.extend(check(self.world, processed.payload))
        elif processed.kind == "command" and isinstance(processed.payload, Call) and processed.payload is not self._own:
            self._calls_done[processed.payload.endpoint] += 1
        return processed

    # ------------------------------------------------------------------ saving
    def as_scenario(self) -> Scenario:
        """The scenario plus everything the user did on this branch, the future ahead included, with
        where the branch ends as the last expectation (:func:`.branch.saved_scenario`)."""
        end, states, received = self._branch_end()
        return saved_scenario(self.scenario, [*self._done, *reversed(self._ahead)], end, states, received)

    def _branch_end(self) -> tuple[float, dict[EndpointName, State], dict[EndpointName, bytes]]:
        """Where the branch ends: the time, each endpoint's state and what it received. After a
        rewind the branch ahead is replayed to find out, and everything is put back exactly."""
        world = self.world
        saved = (world.snapshot(), self._tally.copy(), dict(self._calls_done), len(self._done), list(self._ahead))
        history, clock = self._history, self._clock
        self._history = deque(maxlen=None)
        try:
            while self._ahead:
                self._perform(self._ahead.pop())
            end = world.now if saved[4] else clock
            states: dict[EndpointName, State] = {name: ep.state for name, ep in world.endpoints.items()}
            received = {name: bytes(ep.received) for name, ep in world.endpoints.items() if ep.received}
        finally:
            snapshot, tally, calls, done, ahead = saved
            world.restore(snapshot)
            self._tally, self._calls_done, self._ahead, self._history, self._clock = tally, calls, ahead, history, clock
            del self._done[done:]
            self._changed()
        return end, states, received

    def to_toml(self) -> str:
        return dump(self.as_scenario())
