"""No (state, input) pair raises: every state × every flag combination × interesting SEQ/ACK values.

RFC 9293 §3.10.7 defines a reply for every segment in every state; the core must never raise,
and every state change it reports must be a row of the transition table (checked by the link).
"""

from __future__ import annotations

import copy
import itertools

import pytest
from tcp_link import ALL_STATES, Link, check_actions, reach, seg_for

from tcpsim.core import actions as act
from tcpsim.core import seq as sq
from tcpsim.core.segment import Flags
from tcpsim.core.states import State
from tcpsim.core.tcb import Endpoint

ALL_FLAGS = [Flags(n) for n in range(32)]
CALLS = ("listen", "connect", "send", "close", "abort", "retransmit")


def seq_values(ep: Endpoint) -> list[int]:
    nxt, wnd = ep.rcv_nxt, ep.rcv_wnd
    return [nxt, nxt + 1, nxt - 1, nxt + wnd - 1, nxt + wnd, nxt + 2**31, ep.irs]


def ack_values(ep: Endpoint) -> list[int]:
    return [ep.snd_una, ep.snd_nxt, ep.snd_nxt + 1, ep.snd_una - 1, ep.iss, ep.snd_una - 70000]


def check_endpoint(ep: Endpoint, actions: list[act.Action]) -> None:
    check_actions(actions)
    assert sq.le(ep.snd_una, ep.snd_nxt)
    if ep.state is State.CLOSED:
        assert not ep.timers and not ep.retransmission_queue
    for a in actions:
        if isinstance(a, act.Send):
            seg = a.segment
            assert (seg.sport, seg.dport) == (ep.config.port, ep.config.peer_port)
            assert 0 <= seg.seq < 2**32 and 0 <= seg.ack < 2**32
            if not seg.flags & Flags.ACK:
                assert seg.ack == 0
        if isinstance(a, act.UserError):
            assert a.message.startswith("error: ")
    for name, deadline in ep.timers.items():
        assert name in ("rto", "2msl") and deadline >= 0


def _template(state: State, **cfg: object) -> tuple[Link, str]:
    link, name = reach(state, **cfg)
    return link, name


@pytest.mark.parametrize("state", ALL_STATES, ids=lambda s: s.value)
@pytest.mark.parametrize("flags", ALL_FLAGS, ids=lambda f: str(f.value))
def test_3_10_7_every_segment_in_every_state_is_handled(state: State, flags: Flags) -> None:
    link, name = _template(state)
    template = link.ep(name)
    for seq, ack, data in itertools.product(seq_values(template), ack_values(template), (b"", b"data")):
        ep = copy.deepcopy(template)
        seg = seg_for(ep, flags, seq=seq, ack=ack, data=data)
        actions = ep.segment_arrives(seg, 1.0)
        check_endpoint(ep, actions)


@pytest.mark.parametrize("state", ALL_STATES, ids=lambda s: s.value)
@pytest.mark.parametrize("time_wait", [True, False])
def test_3_10_every_user_call_and_timer_in_every_state_is_handled(state: State, time_wait: bool) -> None:
    link, name = _template(state, a_time_wait=time_wait, b_time_wait=time_wait)
    template = link.ep(name)
    for first, second in itertools.product(CALLS, CALLS):
        ep = copy.deepcopy(template)
        for call in (first, second):
            actions = {
                "listen": lambda e: e.open_passive(2.0),
                "connect": lambda e: e.open_active(2.0),
                "send": lambda e: e.send(b"xyz", 2.0),
                "close": lambda e: e.close(2.0),
                "abort": lambda e: e.abort(2.0),
                "retransmit": lambda e: e.retransmit(2.0),
            }[call](ep)
            check_endpoint(ep, actions)
        for timer in ("rto", "2msl"):
            deadline = ep.timers.get(timer, 1000.0)
            check_endpoint(ep, ep.timer_expired(timer, deadline))  # type: ignore[arg-type]
