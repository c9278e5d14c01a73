"""``since = "step"`` (README, scenario rules): a fault rule that applies only to segments sent from
its step on, in the order the instant runs, as the app's "drop the next one" does. The default,
``since = "instant"``, keeps applying to every segment sent at its ``at``."""

from __future__ import annotations

import pytest

from tcpsim.scenario import ScenarioError, load_text, run
from tcpsim.scenario.dump import dump

BASE = """
name = "since"
[client]
isn = 1
[server]
isn = 9
[[step]]
at = 0.0
on = "server"
do = "listen"
[[step]]
at = 0.0
on = "client"
do = "connect"
[[step]]
at = 0.0
on = "network"
do = "drop"
match = {{ from = "client" }}
{since}
"""


def dropped_flags(text: str) -> list[str]:
    result = run(load_text(text))
    sent = {e.id: e.segment.flag_text for e in result.trace if e.type == "send"}
    return [sent[e.id] for e in result.trace if e.type == "drop"]


def test_by_default_a_rule_catches_a_segment_sent_earlier_in_its_instant() -> None:
    assert dropped_flags(BASE.format(since="")) == ["SYN"]


def test_since_step_spares_what_was_sent_before_the_step_and_catches_the_next() -> None:
    assert dropped_flags(BASE.format(since='since = "step"')) == ["ACK"]


def test_since_is_written_back_and_checked() -> None:
    scenario = load_text(BASE.format(since='since = "step"'))
    assert 'since = "step"' in dump(scenario)
    with pytest.raises(ScenarioError, match="since"):
        load_text(BASE.format(since='since = "later"'))
    with pytest.raises(ScenarioError, match="does not apply"):
        load_text(BASE.format(since="") + '\n[[step]]\nat = 1.0\non = "client"\ndo = "close"\nsince = "step"\n')
