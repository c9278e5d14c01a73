"""An imported capture as a session the UI can show: step, play and rewind through the capture.

The second implementation of :class:`~tcpsim.scenario.view.SessionProtocol`, beside the
interactive :class:`~tcpsim.scenario.session.Session`: instead of running a world it replays the
observation frame by frame (a frame after every packet and every timer) and publishes the same
:class:`~tcpsim.scenario.view.View`. A capture is a record, so nothing can be changed in it: OPEN,
SEND, CLOSE, ABORT and the network faults are refused with a message, and saving writes the calls
the observer inferred, arranged so that they replay to the end the capture shows. Another stack
(:meth:`ImportSession.restack`) observes the same packets again, as ``tcpsim import --stack`` does.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from ..core.names import ENDPOINTS, EndpointName, endpoint_name
from ..core.segment import Flags
from ..scenario.dump import dump
from ..scenario.model import Expectation, Scenario
from ..scenario.runner import run
from ..scenario.view import (
    Checks,
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
from ..sim.trace import ArriveEvent, SendEvent, StateEvent, TraceEvent, round_time
from .load import ImportResult

READ_ONLY = (
    "an imported capture is a record of what happened: it can be stepped through (n, b, space), "
    "not changed; load a scenario (l) to experiment"
)

SETTLE = 1.0
"""How long after the capture's last packet a saved replay may take to deliver it (seconds)."""


class ImportSession:
    """A session over a finished observation; :attr:`position` is the frame shown."""

    def __init__(self, result: ImportResult) -> None:
        self._log = TraceLog()
        self._observe(result)

    def _observe(self, result: ImportResult) -> None:
        """Show ``result`` from its first frame (a record list of its own: the log is cut to nothing)."""
        self.result = result
        self.scenario: Scenario = result.scenario
        self.frames = result.observation.frames
        self._records = result.observation.trace
        self._log.cut(0)
        self._tallies: list[Tally] = [Tally()]
        """The counters at each frame reached so far (frames only move one at a time)."""
        self.position = 0
        self._clock = self.frames[0].t
        self._view: View | None = None
        self._show(0)

    def _show(self, position: int) -> None:
        if position < self.position:
            self._log.cut(self.frames[position].trace_len)
        self.position = position
        while len(self._tallies) <= position:
            tally = self._tallies[-1].copy()
            tally.feed(self._records, self.frames[len(self._tallies)].trace_len)
            self._tallies.append(tally)
        self._clock = self.frames[position].t
        self._view = None

    # ------------------------------------------------------------------ reading
    @property
    def now(self) -> float:
        return self._clock

    @property
    def trace(self) -> list[TraceEvent]:
        """The records up to the frame shown."""
        return self._records[: self.frames[self.position].trace_len]

    @property
    def finished(self) -> bool:
        return self.position + 1 >= len(self.frames)

    @property
    def view(self) -> View:
        if self._view is None:
            frame = self.frames[self.position]
            tally = self._tallies[self.position]
            endpoints = {
                name: endpoint_view(name, frame.endpoints[name], tally.restarts.get(name, 0), tally.last.get(name))
                for name in ENDPOINTS
            }
            upcoming = None if self.finished else Next(self.frames[self.position + 1].t, "frame")
            self._view = View(
                name=self.scenario.name,
                t=self._clock,
                endpoints=endpoints,
                flights={},
                faults=(),
                trace=TraceView(self._records, frame.trace_len, self._log.version, self._log.cuts),
                progress=Progress(self.position, len(self.frames) - 1, "frames"),
                next=upcoming,
                checks=Checks(tally.passed, tally.failed),
                walked=dict(tally.walked),
                planned=no_plans(),
                latency=self.scenario.network.latency,
                msl=self.scenario.network.msl,
                read_only=True,
                source="capture",
                stacks=dict.fromkeys(ENDPOINTS, self.scenario.network.stack),
            )
        return self._view

    # ------------------------------------------------------------------ time
    def step(self) -> bool:
        if self.finished:
            return False
        self._show(self.position + 1)
        return True

    def back(self) -> bool:
        if self.position == 0:
            return False
        self._show(self.position - 1)
        return True

    def advance_to(self, t: float) -> int:
        t = round_time(t)
        count = 0
        while not self.finished and self.frames[self.position + 1].t <= t:
            self.step()
            count += 1
        if not self.finished:
            self._clock = max(self._clock, t)
            self._view = None
        return count

    def restart(self) -> None:
        self._show(0)

    def restack(self, stack: str) -> Outcome:
        """The capture observed again as ``stack`` would see it (``tcpsim import --stack``): the same
        packets, each side's states inferred by that stack's rules; shown from the same time on."""
        from .load import observe_as

        try:
            again = observe_as(self.result, stack)
        except ValueError as exc:
            return Outcome((), str(exc))
        t = self._clock
        self._observe(again)
        while not self.finished and self.frames[self.position + 1].t <= t:
            self._show(self.position + 1)
        return Outcome()

    def peek(self) -> tuple[TraceEvent, ...]:
        if self.finished:
            return ()
        start, end = self.frames[self.position].trace_len, self.frames[self.position + 1].trace_len
        return tuple(self._records[start:end])

    # ------------------------------------------------------------------ the user's actions: refused
    def act(self, endpoint: EndpointName, call: str, data: bytes = b"") -> Outcome:
        return Outcome((), READ_ONLY)

    def open(self, endpoint: EndpointName) -> Outcome:
        return Outcome((), READ_ONLY)

    def drop_next(self, endpoint: EndpointName) -> Outcome:
        return Outcome((), READ_ONLY)

    def cancel_fault(self, fault: int) -> Outcome:
        return Outcome((), READ_ONLY)

    def alter(self, sid: int, kind: str, by: float = 0.5) -> Outcome:
        return Outcome((), READ_ONLY)

    # ------------------------------------------------------------------ saving
    def as_scenario(self) -> Scenario:
        """The calls the observer inferred, as a scenario that replays to the capture's end.

        Played back on tcpsim's network (latency 0, nothing lost), a call happens where the capture
        shows its first segment. Two things must hold for that replay to end where the capture
        ends: each side starts from the ISN it used (the capture's, not one from tcpsim's seed),
        and a side that listens does so before the first SYN sent to it since it was last CLOSED,
        even one that was lost or refused: so a ``listen`` is moved back to that SYN and written
        before the other steps of its instant (with latency 0 a SYN arrives within the instant it is
        sent). The latency is the gap between the first SYN and its SYN,ACK (exact for tcpsim's own
        exports, which capture at the sender). The capture's end states are the expectation.
        """
        s = self.scenario
        observation = self.result.observation

        def ipv4(address: str | None) -> str | None:
            try:
                return str(ipaddress.IPv4Address(address or ""))
            except ValueError:
                return None

        syns: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        isn: dict[str, int] = {}
        latency = 0.0
        for e in observation.trace:
            if isinstance(e, SendEvent) and not e.injected and e.segment.flags & Flags.SYN:
                if (
                    e.segment.flags & Flags.ACK
                    and not latency
                    and syns["client" if e.endpoint == "server" else "server"]
                ):
                    latency = round_time(e.t - syns["client" if e.endpoint == "server" else "server"][-1])
                syns[e.endpoint].append(e.t)
                isn.setdefault(e.endpoint, int(e.segment.seq))
        closed: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
        for e in observation.trace:
            if isinstance(e, StateEvent) and e.new == "CLOSED":
                closed[e.endpoint].append(e.t)
        steps = list(s.steps)
        for i, step in enumerate(steps):
            if step.do == "listen":
                peer = "client" if step.on == "server" else "server"
                since = max((t for t in closed[step.on] if t <= step.at), default=-1.0)
                first = [t for t in syns[peer] if since < t <= step.at]
                if first:
                    steps[i] = replace(step, at=first[0])
        listens = [step for step in steps if step.do == "listen"]
        others = [step for step in steps if step.do != "listen"]
        ordered = tuple(replace(step, index=i) for i, step in enumerate([*listens, *others], start=1))
        saved = replace(
            s,
            name=f"{s.name} (inferred calls)",
            network=replace(s.network, latency=latency),
            client=replace(s.client, address=ipv4(s.client.address), isn=isn.get("client", s.client.isn)),
            server=replace(s.server, address=ipv4(s.server.address), isn=isn.get("server", s.server.isn)),
            steps=ordered,
            expectations=(),
        )
        if not ordered:
            return saved
        # The capture's end states hold once its last packet has arrived, which on tcpsim's network
        # may be a little later than in the capture: the expectation is checked after the replay's
        # last arrival near the capture's end (a dry run finds it).
        dry = run(saved, until=observation.end_time + SETTLE)
        arrivals = [e.t for e in dry.trace if isinstance(e, ArriveEvent)]
        at = max([observation.end_time, *arrivals])
        states = {endpoint_name(name): state for name, state in observation.end_states.items()}
        final = Expectation(index=1, at=at, states=states, note="where the capture ends")
        return replace(saved, expectations=(final,))

    def to_toml(self) -> str:
        header = (
            "# The user calls tcpsim inferred from a capture, as a scenario. Played back, they run on\n"
            "# tcpsim's network, not the capture's: nothing is lost, the latency is the handshake's.\n"
        )
        return header + dump(self.as_scenario())
