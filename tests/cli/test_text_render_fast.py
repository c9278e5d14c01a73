"""Issue 16, finding 13: the text ladder is written in batches, byte for byte as Rich writes it.

The fast path renders each line's segments itself; these tests hold it to what
``console.print(text, no_wrap=True, overflow="ellipsis")`` writes, in colour and without, at a
narrow and a wide width, for every bundled scenario and for lines wider than the terminal.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from tcpsim import render
from tcpsim.render import LineWriter, render_text
from tcpsim.scenario import bundled, load_file, run

SCENARIOS = sorted(p.stem for p in bundled())


def rendered(name: str, *, fast: bool, terminal: bool, width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=terminal, color_system="truecolor", highlight=False)
    original = LineWriter.__init__

    def init(self: LineWriter, console: Console, *, fast: bool = fast) -> None:
        original(self, console, fast=fast)

    monkeypatch.setattr(render.LineWriter, "__init__", init)
    render_text(run(load_file(next(p for p in bundled() if p.stem == name))), console)
    return buffer.getvalue()


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize(("terminal", "width"), [(True, 100), (False, 80), (True, 60)])
def test_the_fast_path_writes_what_rich_writes(
    name: str, terminal: bool, width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = rendered(name, fast=False, terminal=terminal, width=width, monkeypatch=monkeypatch)
    fast = rendered(name, fast=True, terminal=terminal, width=width, monkeypatch=monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("terminal", [True, False])
def test_a_line_wider_than_the_terminal_is_cut_the_same_way(terminal: bool) -> None:
    outputs = []
    for fast in (False, True):
        buffer = io.StringIO()
        console = Console(file=buffer, width=30, force_terminal=terminal, color_system="256")
        writer = LineWriter(console, fast=fast)
        writer.print(Text("中文 " * 20, style="bold") + Text("tail", style="dim red"))
        writer.print(Text("short"))
        writer.flush()
        outputs.append(buffer.getvalue())
    assert outputs[0] == outputs[1]


def test_no_color_falls_back_to_rich() -> None:
    console = Console(file=io.StringIO(), no_color=True, force_terminal=True)
    assert not LineWriter(console).fast
