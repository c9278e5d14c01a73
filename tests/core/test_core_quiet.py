"""A quiet endpoint (``EndpointConfig.quiet``) does everything a reporting one does and only
leaves out of its replies the segments to send, the timer changes and the deliveries: the host that
asks for it (the whole-capture census) follows the states alone, and must see the same ones.

Each endpoint of the random link of test_core_properties is paired with a quiet twin that gets the
same calls, segments and timer expiries: after every event both twins hold the same TCB, and the
quiet one has reported exactly what the reporting one did, less those three kinds of action.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from tcp_link import Link, make_endpoint
from test_core_properties import CALLS, OPENINGS, op, stacks

from tcpsim.core import actions as act
from tcpsim.core.personality import LINUX, Personality
from tcpsim.core.states import State
from tcpsim.core.tcb import Endpoint

LEFT_OUT = (act.Send, act.TimerChanged, act.Deliver)
TCB = [f.name for f in dataclasses.fields(Endpoint) if f.name not in ("config", "_out")]


class Twins:
    """An endpoint that reports and its quiet twin: every call goes to both; reads see the first."""

    def __init__(self, name: str, **config: Any) -> None:
        self.loud = make_endpoint(name, **config)
        self.quiet = make_endpoint(name, **config, quiet=True)

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self.loud, attr)
        if not callable(value):
            return value

        def both(*args: Any, **kwargs: Any) -> list[act.Action]:
            reported = value(*args, **kwargs)
            quiet = getattr(self.quiet, attr)(*args, **kwargs)
            assert quiet == [a for a in reported if not isinstance(a, LEFT_OUT)], attr
            assert {f: getattr(self.quiet, f) for f in TCB} == {f: getattr(self.loud, f) for f in TCB}, attr
            return reported

        return both


def test_a_quiet_endpoint_reports_state_changes_and_no_segments() -> None:
    link = Link(Twins("a"), Twins("b"))  # type: ignore[arg-type]
    link.call("b", "listen")
    actions = link.connect("a") + link.deliver("a") + link.deliver("b") + link.deliver("a")
    assert link.states == (State.ESTABLISHED, State.ESTABLISHED)
    assert any(isinstance(a, act.Send) for a in actions)
    quiet = link.a.quiet.close(link.now)  # type: ignore[attr-defined]
    assert [type(a) for a in quiet] == [act.StateChanged]
    assert link.a.quiet.retransmission_queue  # type: ignore[attr-defined]  # the FIN is still sent, in the TCB


def test_a_quiet_linux_endpoint_sends_its_delayed_ack_with_its_fin() -> None:
    """Linux L5: the ACK of a FIN after data is delayed, and rides on the next segment sent,
    which cancels the timer: in the TCB, whether or not the segment is reported."""
    link = Link(Twins("a", personality=LINUX), Twins("b", personality=LINUX))  # type: ignore[arg-type]
    link.listen("b")
    link.connect("a")
    link.deliver("a"), link.deliver("b"), link.deliver("a")
    link.send("a", b"hello")
    link.close("a")
    link.deliver("a")  # the data and the FIN: b in CLOSE-WAIT, its ACK delayed
    assert link.b.state is State.CLOSE_WAIT and "delack" in link.b.timers
    link.close("b")  # its FIN carries the ACK
    assert "delack" not in link.b.timers and "delack" not in link.b.quiet.timers  # type: ignore[attr-defined]


@given(st.sampled_from(sorted(OPENINGS)), st.lists(op, min_size=5, max_size=60), stacks, stacks)
def test_a_quiet_twin_follows_the_same_states_and_tcb(
    opening: str, ops: list[tuple[str, str, str]], stack_a: Personality, stack_b: Personality
) -> None:
    a = Twins("a", time_wait=True, mss=7, personality=stack_a)
    b = Twins("b", rcv_wnd=50, mss=5, personality=stack_b)
    link = Link(a, b)  # type: ignore[arg-type]
    for kind, name, arg in OPENINGS[opening] + ops:
        link.now += 0.01
        if kind in ("call", "send", "close"):
            call = arg if kind == "call" and arg in CALLS else kind if kind != "call" else "send"
            if call == "release":
                link.release(name, unread=len(link.ep(name).received) % 2)
            else:
                link.call(name, call, data=b"<data>")
        elif kind in ("deliver", "flush") and link.out[name]:
            link.deliver(name, 1)
        else:
            link.disturb(kind, name, arg)
    for _ in range(50):
        if not link.out["a"] and not link.out["b"]:
            break
        link.deliver("a", 1)
        link.deliver("b", 1)
