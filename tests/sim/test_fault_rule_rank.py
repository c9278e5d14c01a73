"""Fault rules rank by declaration, whenever each is armed (a rule a scenario arms in its place in
an instant, ``since = "step"``, is armed during the run but keeps its file position's precedence)."""

from __future__ import annotations

from tcpsim.core.segment import Flags, Segment
from tcpsim.core.seq import Seq
from tcpsim.sim.network import FaultRule, Match, Network

SEG = Segment(1, 2, Seq(0), Seq(0), int(Flags.SYN), 100)


def test_a_lower_rank_armed_later_still_wins() -> None:
    network = Network()
    network.add_rule(FaultRule("delay", Match(sender="client"), by=1.0, rank=2))
    network.add_rule(FaultRule("drop", Match(sender="client"), rank=1))
    assert [r.rank for r in network.rules] == [1, 2]
    fate = network.fate("client", SEG, 0.0)
    assert fate is not None and fate.kind == "drop"


def test_equal_ranks_keep_the_order_they_were_armed_in() -> None:
    network = Network()
    first, second = FaultRule("drop", Match()), FaultRule("delay", Match(), by=1.0)
    network.add_rule(first)
    network.add_rule(second)
    assert network.rules == [first, second]
