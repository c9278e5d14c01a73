"""An interactive session: one world that a person steps, plays, rewinds and meddles with.

This is the one controller between the UI and the simulation. Widgets never touch a world or an
endpoint; they ask the session, which turns every intervention into a scenario step (so that
what was done can be saved and replayed by ``tcpsim run``) and keeps a snapshot before every
event (so that stepping back is exact).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

from ..core.names import EndpointName
from ..sim.network import FaultRule, Match
from ..sim.trace import TraceEvent, round_time
from ..sim.world import Arm, Call, Processed, Snapshot, World
from .dump import dump
from .expect import ExpectEvent, check
from .model import EndpointSpec, Expectation, NetworkSpec, Scenario, Step
from .runner import build_world

ARM_DELAY = 1e-6
HISTORY_LIMIT = 20_000
"""Snapshots kept for stepping back; the oldest are forgotten first."""


def sandbox() -> Scenario:
    """What ``tcpsim`` opens on: the server listening, the client closed, nothing else planned."""
    return Scenario(
        name="Sandbox",
        path=None,
        network=NetworkSpec(msl=5.0),
        client=EndpointSpec(port=49152, isn=1000),
        server=EndpointSpec(port=80, isn=5000),
        steps=(Step(index=1, at=0.0, on="server", do="listen", note="the server waits for a connection"),),
        summary="The server is listening and the client is closed: open a connection from the client.",
        description=(
            "A free playground. The server has done a passive OPEN and waits in LISTEN. Focus the client "
            "and press o to connect, s to send, c to close; d drops the next segment the focused endpoint "
            "sends. MSL is 5 s here so that TIME-WAIT (2·MSL) is short enough to watch."
        ),
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an intervention did: the trace records it added, and the error if it was refused."""

    events: list[TraceEvent]
    error: str | None = None


class Session:
    """A world, its history, and what the user did to it."""

    def __init__(self, scenario: Scenario | None = None) -> None:
        self.load(scenario or sandbox(), settle=scenario is None)

    def load(self, scenario: Scenario, *, settle: bool = False) -> None:
        """Start over on ``scenario`` at t = 0. ``settle`` runs what is due at t = 0 at once, so
        that the sandbox opens with its server already listening."""
        self.scenario = scenario
        self._settle = settle
        self.world: World = build_world(scenario)
        self.history: deque[tuple[Snapshot, int]] = deque(maxlen=HISTORY_LIMIT)
        self.recorded: list[Step] = []
        if settle:
            while (nxt := self.world.next_time()) is not None and nxt <= 0.0:
                self._process()

    # ------------------------------------------------------------------ reading
    @property
    def now(self) -> float:
        return self.world.now

    @property
    def trace(self) -> list[TraceEvent]:
        return self.world.trace

    @property
    def checks(self) -> list[ExpectEvent]:
        return [e for e in self.world.trace if isinstance(e, ExpectEvent)]

    def next_time(self) -> float | None:
        return self.world.next_time()

    @property
    def finished(self) -> bool:
        return self.world.next_time() is None

    # ------------------------------------------------------------------ time
    def step(self) -> Processed | None:
        """Process the next event (one arrival, timer, step or check), remembering how to undo it."""
        if self.world.next_time() is None:
            return None
        self._remember()
        return self._process()

    def back(self) -> bool:
        """Undo the last event or intervention exactly. False when at the beginning."""
        if not self.history:
            return False
        snap, recorded = self.history.pop()
        self.world.restore(snap)
        del self.recorded[recorded:]
        return True

    def advance_to(self, t: float) -> int:
        """Play: process every event up to ``t``, then let the clock read ``t``. Returns the count."""
        t = round_time(t)
        count = 0
        while (nxt := self.world.next_time()) is not None and nxt <= t:
            self.step()
            count += 1
        self.world.now = max(self.world.now, t)
        return count

    def restart(self) -> None:
        """Back to t = 0 of the same scenario, without the interventions."""
        self.load(self.scenario, settle=self._settle)

    # ------------------------------------------------------------------ interventions
    def act(self, endpoint: EndpointName, call: str, data: bytes = b"") -> Outcome:
        """A user call on an endpoint now: listen, connect, send, close, abort, retransmit."""
        step = Step(index=0, at=self.now, on=endpoint, do=call, data=data)
        return self._intervene(step, Call(endpoint, call, data))

    def open(self, endpoint: EndpointName) -> Outcome:
        """OPEN as the endpoint's role suggests: connect on the client, listen on the server."""
        return self.act(endpoint, "connect" if endpoint == "client" else "listen")

    def drop_next(self, endpoint: EndpointName) -> Outcome:
        """Drop the next segment ``endpoint`` sends from now on.

        The rule is armed a microsecond after the present so that, saved to a file, it cannot
        catch a segment the endpoint already sent at this same instant.
        """
        match = Match(sender=endpoint)
        at = round_time(self.now + ARM_DELAY)
        step = Step(index=0, at=at, on="network", do="drop", match=match)
        return self._intervene(step, Arm(FaultRule("drop", match, at=at)))

    def alter(self, sid: int, kind: str, by: float = 0.5) -> Outcome:
        """Drop, duplicate or delay segment ``sid`` while it is in flight."""
        flight = self.world.in_flight.get(sid)
        if flight is None:
            return Outcome([], f"segment #{sid} is no longer in flight")
        self._remember()
        start = len(self.world.trace)
        if not self.world.alter_flight(sid, kind, by):
            self.history.pop()
            return Outcome([], f"segment #{sid} is no longer in flight")
        # Saved as a rule armed when the segment was sent, matching it as exactly as the format can.
        seg = flight.segment
        match = Match(sender=flight.sender, flags=seg.flags, data=bool(seg.data))
        self.recorded.append(
            Step(index=0, at=flight.sent_at, on="network", do=kind, match=match, by=by if kind == "delay" else 0.0)
        )
        return Outcome(self.world.trace[start:])

    def _intervene(self, step: Step, command: Call | Arm) -> Outcome:
        self._remember()
        start = len(self.world.trace)
        self.world.schedule(self.now, command)
        # Run up to and including this command: events already due at this instant come first,
        # exactly as they would when the saved scenario is replayed.
        while True:
            processed = self._process()
            if processed is None or (processed.kind == "command" and processed.payload is command):
                break
        self.recorded.append(step)
        events = self.world.trace[start:]
        errors = [e for e in events if getattr(e, "type", "") == "error"]
        return Outcome(events, errors[0].message if errors else None)  # type: ignore[attr-defined]

    def _remember(self) -> None:
        self.history.append((self.world.snapshot(), len(self.recorded)))

    def _process(self) -> Processed | None:
        processed = self.world.step()
        if processed is not None and processed.kind == "checkpoint":
            self.world.trace.extend(check(self.world, processed.payload))
        return processed

    # ------------------------------------------------------------------ saving
    def as_scenario(self) -> Scenario:
        """The scenario plus everything the user did, with the present as expectations."""
        steps = sorted((*self.scenario.steps, *self.recorded), key=lambda s: s.at)
        steps = [replace(s, index=i) for i, s in enumerate(steps, start=1)]
        expectations = tuple(e for e in self.scenario.expectations if e.at <= self.now)
        final = Expectation(
            index=len(expectations) + 1,
            at=self.now,
            states={name: ep.state for name, ep in self.world.endpoints.items()},
            received={name: bytes(ep.received) for name, ep in self.world.endpoints.items() if ep.received},
            note="where the session was when it was saved",
        )
        name = self.scenario.name if self.scenario.name.endswith("(edited)") else f"{self.scenario.name} (edited)"
        return replace(self.scenario, name=name, steps=tuple(steps), expectations=(*expectations, final))

    def to_toml(self) -> str:
        return dump(self.as_scenario())
