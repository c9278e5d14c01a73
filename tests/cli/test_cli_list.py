"""``tcpsim list``: every bundled scenario, by NAME, with its title and summary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import tcpsim.scenario.library as library

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = """\
name = "{title}"
summary = "{summary}"
[[step]]
at = 0.0
on = "server"
do = "listen"
"""


def test_list_names_every_file_in_scenarios(cli) -> None:
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    r = cli("list")
    assert r.code == 0
    assert r.err == ""
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in r.out.splitlines() if line.startswith("│")]
    names = {row[0]: row[1] for row in rows if row and row[0]}
    assert sorted(names) == sorted(p.stem for p in files)
    assert "invalid" not in names.values(), "a bundled scenario does not load"


@pytest.mark.skipif(
    os.environ.get("TCPSIM_TESTING_COMPILED") == "1",
    reason="an installed wheel carries its own copy (tcpsim/_scenarios)",
)
def test_list_uses_the_scenarios_folder_of_this_checkout() -> None:
    assert library.scenarios_dir() == ROOT / "scenarios"
    assert library.bundled() == sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture
def fake_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    monkeypatch.setattr(library, "scenarios_dir", lambda: folder)
    return folder


def test_list_shows_name_title_and_summary(fake_library: Path, cli) -> None:
    (fake_library / "alpha.toml").write_text(SCENARIO.format(title="Alpha", summary="first one"))
    (fake_library / "delayed-old-duplicate-without-time-wait.toml").write_text(
        SCENARIO.format(title="Beta", summary="second")
    )
    (fake_library / "notes.txt").write_text("not a scenario")
    r = cli("list")
    assert r.code == 0
    rows = [line for line in r.out.splitlines() if "alpha" in line or "delayed-old" in line]
    assert len(rows) == 2
    assert "Alpha" in rows[0] and "first one" in rows[0]
    assert "delayed-old-duplicate-without-time-wait" in rows[1]  # a long NAME is not cut
    assert "Beta" in rows[1] and "second" in rows[1]
    assert "notes" not in r.out


def test_list_is_sorted_by_name(fake_library: Path, cli) -> None:
    for stem in ("charlie", "alpha", "bravo"):
        (fake_library / f"{stem}.toml").write_text(SCENARIO.format(title=stem.upper(), summary=""))
    out = cli("list").out
    assert out.index("alpha") < out.index("bravo") < out.index("charlie")


def test_list_reports_an_invalid_bundled_file_and_still_exits_0(fake_library: Path, cli) -> None:
    (fake_library / "good.toml").write_text(SCENARIO.format(title="Good", summary="fine"))
    (fake_library / "broken.toml").write_text('name = "x"\n')
    r = cli("list")
    assert r.code == 0
    assert "broken" in r.out and "invalid" in r.out
    assert "good" in r.out
    assert "Traceback" not in r.out + r.err


def test_list_with_no_bundled_scenarios(monkeypatch: pytest.MonkeyPatch, cli) -> None:
    monkeypatch.setattr(library, "scenarios_dir", lambda: None)
    r = cli("list")
    assert r.code == 0
    assert "Traceback" not in r.out + r.err


def _reject(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


BUNDLED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_passes_by_name(cli, name: str) -> None:
    r = cli("run", name)
    assert r.code == 0, r.out[-2000:] + r.err
    assert r.err == ""
    r = cli("run", name, "--format", "jsonl")
    assert r.code == 0
    lines = [json.loads(line, parse_constant=_reject) for line in r.out.splitlines()]
    assert any(e["type"] == "expect" for e in lines), "a bundled scenario proves what it shows"
    assert all(e["ok"] for e in lines if e["type"] == "expect")


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_has_a_summary_and_a_description(name: str) -> None:
    from tcpsim.scenario import load_file

    scenario = load_file(ROOT / "scenarios" / f"{name}.toml")
    assert scenario.summary.strip()
    assert scenario.description.strip()
