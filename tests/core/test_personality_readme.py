"""The README's table of the stack personalities' rules says what the code does: every rule, its
id and its source appear there, and nothing the code does not have."""

from __future__ import annotations

import re
from pathlib import Path

from tcpsim.core.personality import PERSONALITIES, all_rules

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Stack personalities") : README.index("## Bundled scenarios")]


def test_every_rule_is_in_the_readme_table_with_its_source() -> None:
    for name in PERSONALITIES:
        for rule in all_rules(name):
            row = next((line for line in SECTION.splitlines() if line.startswith(f"| {rule.id} |")), None)
            assert row is not None, f"{rule.id} is not in the README's table"
            assert rule.source in row.replace("`", "").replace("\\|", "|"), rule.id


def test_the_table_has_no_rule_the_code_lacks() -> None:
    ids = set(re.findall(r"^\| ([RLF]\d+) \|", SECTION, flags=re.MULTILINE))
    assert ids == {r.id for name in PERSONALITIES for r in all_rules(name)}
