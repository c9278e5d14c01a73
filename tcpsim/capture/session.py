"""An imported capture as a session the UI can show: step, play and rewind through the capture.

The UI drives a :class:`~tcpsim.scenario.session.Session`; this one replays the observation
frame by frame (a frame after every packet and every timer) instead of running a world. The
capture is a record, so nothing can be changed in it: OPEN, SEND, CLOSE, ABORT and the network
faults are refused with a message, and saving writes the calls the observer inferred.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from dataclasses import replace

from ..core.names import EndpointName, endpoint_name
from ..scenario.dump import dump
from ..scenario.model import Scenario
from ..scenario.session import Outcome, Session
from ..sim.trace import round_time
from ..sim.world import Processed, World
from .load import ImportResult
from .observer import snapshot

READ_ONLY = (
    "an imported capture is a record of what happened: it can be stepped through (n, b, space), "
    "not changed; load a scenario (l) to experiment"
)


class ImportSession(Session):
    """A session over a finished observation; :attr:`position` is the frame shown."""

    def __init__(self, result: ImportResult) -> None:  # no super().__init__: there is no world to build
        self.result = result
        self.scenario: Scenario = result.scenario
        self._settle = False
        self.history = deque()
        self.recorded = []
        self.frames = result.observation.frames
        eps = result.observation.endpoints
        self.world = World(
            client=eps["client"].config, server=eps["server"].config, latency=self.scenario.network.latency
        )
        self.position = 0
        self._show(0)

    def _show(self, position: int) -> None:
        frame = self.frames[position]
        self.position = position
        self.world.endpoints = {endpoint_name(name): snapshot(ep) for name, ep in frame.endpoints.items()}
        self.world.trace = list(self.result.observation.trace[: frame.trace_len])
        self.world.now = frame.t

    # ------------------------------------------------------------------ time
    def next_time(self) -> float | None:
        return self.frames[self.position + 1].t if self.position + 1 < len(self.frames) else None

    @property
    def finished(self) -> bool:
        return self.position + 1 >= len(self.frames)

    def step(self) -> Processed | None:
        if self.finished:
            return None
        self._show(self.position + 1)
        return Processed(self.now, "frame", self.position)

    def back(self) -> bool:
        if self.position == 0:
            return False
        self._show(self.position - 1)
        return True

    def advance_to(self, t: float) -> int:
        t = round_time(t)
        count = 0
        while (nxt := self.next_time()) is not None and nxt <= t:
            self.step()
            count += 1
        self.world.now = max(self.world.now, t)
        return count

    def restart(self) -> None:
        self._show(0)

    def load(self, scenario: Scenario, *, settle: bool = False) -> None:
        """Loading a scenario leaves the import: from then on this is an ordinary session."""
        self.__class__ = Session  # type: ignore[assignment]
        Session.load(self, scenario, settle=settle)

    # ------------------------------------------------------------------ interventions
    def act(self, endpoint: EndpointName, call: str, data: bytes = b"") -> Outcome:
        return Outcome([], READ_ONLY)

    def open(self, endpoint: EndpointName) -> Outcome:
        return Outcome([], READ_ONLY)

    def drop_next(self, endpoint: EndpointName) -> Outcome:
        return Outcome([], READ_ONLY)

    def alter(self, sid: int, kind: str, by: float = 0.5) -> Outcome:
        return Outcome([], READ_ONLY)

    # ------------------------------------------------------------------ saving
    def as_scenario(self) -> Scenario:
        """The calls the observer inferred, as a scenario (its network is tcpsim's, not the capture's)."""
        s = self.scenario

        def ipv4(address: str | None) -> str | None:
            try:
                return str(ipaddress.IPv4Address(address or ""))
            except ValueError:
                return None

        return replace(
            s,
            name=f"{s.name} (inferred calls)",
            network=replace(s.network, latency=0.0),
            client=replace(s.client, address=ipv4(s.client.address)),
            server=replace(s.server, address=ipv4(s.server.address)),
            expectations=(),
        )

    def to_toml(self) -> str:
        header = (
            "# The user calls tcpsim inferred from a capture, as a scenario. Played back, they run on\n"
            "# tcpsim's network, not the capture's: no loss, no real timers, latency 0.\n"
        )
        return header + dump(self.as_scenario())
