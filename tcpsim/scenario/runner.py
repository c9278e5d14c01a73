"""Play a scenario on a world: schedule its steps, check its expectations at their times.

:func:`build_world` turns a :class:`Scenario` into a :class:`World` with every step scheduled;
:func:`run` plays it headless with the simulation's one loop, checking the expectations
(:mod:`.expect`) at their checkpoints. The CLI prints what it returns; the UI's session
(:mod:`.session`) drives a world built the same way, step by step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..core.names import EndpointName
from ..core.personality import personality
from ..core.tcb import EndpointConfig
from ..sim.clock import MAX_EVENTS, advance
from ..sim.network import FaultRule, Match
from ..sim.trace import FaultNote, TraceEvent, fault_announcement, round_time
from ..sim.world import Arm, Call, Note, Processed, World, derive_isn
from .expect import ExpectEvent, check
from .model import EndpointSpec, Expectation, Scenario, Step
from .storm import BUDGET, AckStormError, find_storm


@dataclass
class RunResult:
    """What a headless run produced."""

    scenario: Scenario
    world: World
    checks: list[ExpectEvent]
    unchecked: list[Expectation]
    """Expectations after ``--until``, which the run did not reach."""

    @property
    def trace(self) -> list[TraceEvent]:
        return self.world.trace

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[ExpectEvent]:
        return [c for c in self.checks if not c.ok]


def endpoint_config(spec: EndpointSpec, name: EndpointName, peer: EndpointSpec, scenario: Scenario) -> EndpointConfig:
    net = scenario.network
    return EndpointConfig(
        port=spec.port,
        peer_port=peer.port,
        isn=spec.isn if spec.isn is not None else derive_isn(net.seed, name),
        isn_step=spec.isn_step,
        rto=net.rto,
        msl=net.msl,
        time_wait=spec.time_wait,
        max_retries=net.retries,
        personality=personality(spec.stack or net.stack),
    )


def with_stack(scenario: Scenario, stack: str) -> Scenario:
    """The scenario played by ``stack`` on both sides (``--stack``), whatever the file says."""
    personality(stack)  # ValueError for an unknown name
    return replace(
        scenario,
        network=replace(scenario.network, stack=stack),
        client=replace(scenario.client, stack=None),
        server=replace(scenario.server, stack=None),
    )


def stacks_of(scenario: Scenario) -> dict[EndpointName, str]:
    """Each endpoint's stack, as the scenario sets it."""
    net = scenario.network.stack
    return {"client": scenario.client.stack or net, "server": scenario.server.stack or net}


def stacks_label(stacks: Mapping[EndpointName, str]) -> str:
    """How a scenario's stacks are named in one word (``linux``, ``client linux/server freebsd``)."""
    if stacks["client"] == stacks["server"]:
        return stacks["client"]
    return f"client {stacks['client']}/server {stacks['server']}"


def build_world(scenario: Scenario) -> World:
    """A world set up as the scenario says, with every step scheduled (nothing has run yet)."""
    world = World(
        client=endpoint_config(scenario.client, "client", scenario.server, scenario),
        server=endpoint_config(scenario.server, "server", scenario.client, scenario),
        latency=scenario.network.latency,
        seed=scenario.network.seed,
    )

    # Fault rules are armed in file order, because where rules overlap the one declared first
    # wins; every other step is scheduled in time order (file order within an instant), and so is
    # a rule armed in its place in the instant (since = "step").
    def armed_at_build(step: Step) -> bool:
        return step.on == "network" and step.do != "inject" and step.since != "step"

    for step in sorted(scenario.steps, key=lambda s: s.index):
        if armed_at_build(step):
            schedule_step(world, step)
    for step in scenario.steps:
        if not armed_at_build(step):
            schedule_step(world, step)
    for expectation in scenario.expectations:
        world.checkpoint(expectation.at, expectation)
    return world


def schedule_step(world: World, step: Step) -> None:
    """Turn one scenario step into what the world runs at its time."""
    if step.on != "network":
        world.schedule(step.at, Call(step.on, step.do, step.data, step.note))
    elif step.do == "inject":
        assert step.segment is not None
        if step.note:
            sender = step.segment.sender
            text = f"inject from {sender} — {step.note}"
            world.schedule(step.at, Note(text, FaultNote("inject", Match(sender=sender)), step.note))
        world.schedule(step.at, step.segment)
    else:
        # Where rules overlap, the one declared first wins (rank), whenever each was armed.
        rule = FaultRule(step.do, step.match, at=round_time(step.at), count=step.count, by=step.by, rank=step.index)  # type: ignore[arg-type]
        if step.since == "step":
            # Only segments sent from this step on: armed when the step runs, in its place in the instant.
            world.schedule(step.at, Arm(rule, step.note))
        else:
            # Segments sent at or after `at`, including those sent at that very instant before the
            # steps run: armed now, and only announced at its time.
            world.add_rule(rule)
            announced = fault_announcement(0.0, rule, step.note)
            world.schedule(step.at, Note(announced.text, announced.fault, step.note))


STORM_CHECK = 512
"""How often (in items processed) a run past its last step looks for an endless ACK storm."""


@dataclass(slots=True)
class _StormWatch:
    items: int = 0
    on: bool = True


def _stop_a_storm(world: World, until: float | None) -> bool:
    """Raise :class:`AckStormError` if the world is in an ACK storm that would run for ever, or past
    :data:`~tcpsim.scenario.storm.BUDGET` segments before ``until``. Returns whether to keep
    watching: not once a storm is found that ends by ``until`` within the budget (the run shows it)."""
    storm = find_storm(world)
    if storm is None:
        return True
    if until is None:
        raise AckStormError(storm, None, None)
    needed = storm.segments_until(world.now, until)
    if needed > BUDGET:
        raise AckStormError(storm, until, needed)
    return False


def run(scenario: Scenario, until: float | None = None, max_events: int = MAX_EVENTS) -> RunResult:
    """Play the scenario headless: to quiet, or to every event with t ≤ ``until``."""
    world = build_world(scenario)
    checks: list[ExpectEvent] = []
    # After the last step and check nothing planned is left; from then on, every STORM_CHECK items,
    # look for an ACK storm that would never end (tcpsim.scenario.storm), and stop at once.
    planned = max([step.at for step in scenario.steps] + [e.at for e in scenario.expectations], default=0.0)
    watch = _StormWatch()

    def at_checkpoint(processed: Processed) -> None:
        if processed.kind == "checkpoint":
            events = check(world, processed.payload)
            world.trace.extend(events)
            checks.extend(events)
        watch.items += 1
        if watch.on and watch.items % STORM_CHECK == 0 and world.now > planned:
            watch.on = _stop_a_storm(world, until)

    advance(world, until, after=at_checkpoint, max_events=max_events)
    checked = {c.index for c in checks}
    unchecked = [e for e in scenario.expectations if e.index not in checked]
    return RunResult(scenario, world, checks, unchecked)
