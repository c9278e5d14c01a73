"""The drawn Figure 5 against the transition table, and its geometry against the rules of a clean picture.

The picture cannot drift from the table: every arrow drawn is a ``diagram`` row (looked up when
the layout is built) and every ``diagram`` row is drawn, labelled with the table's own words, in
every layout the widget may choose. The geometry checker is tested on small broken layouts, so
that "no problems" means something.
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tcpsim import i18n
from tcpsim.core.states import State
from tcpsim.core.transitions import DIAGRAM, TRANSITIONS, Transition
from tcpsim.sim.wording import who
from tcpsim.ui.widgets import diagram_layouts
from tcpsim.ui.widgets.diagram import ROWS, choose_layout, label_function
from tcpsim.ui.widgets.diagram_caption import status_parts
from tcpsim.ui.widgets.diagram_geometry import Box, LabelSpot, Layout, Route, problems, raster
from tcpsim.ui.widgets.diagram_layouts import key_of
from tcpsim.ui.widgets.diagram_text import (
    cite,
    full_label,
    has_sentence,
    note_lines,
    sentence,
    short_label,
    words,
)
from tcpsim.wrapping import wrap

LAYOUTS = {
    "full": diagram_layouts.full(),
    **{f"compact-{w}": diagram_layouts.compact(w) for w in range(diagram_layouts.COMPACT_MIN_WIDTH, 79, 2)},
}


def text_of(chars: list[list[str]], cells: list[tuple[int, int]]) -> str:
    return "".join(chars[y][x] for x, y in cells)


@pytest.mark.parametrize("name", LAYOUTS)
def test_3_3_2_the_arrows_drawn_are_exactly_figure_5s_rows(name: str) -> None:
    layout = LAYOUTS[name]
    assert sorted(r.key for r in layout.routes) == sorted(key_of(t) for t in DIAGRAM)
    figure = raster(layout, label_function(layout))
    label = short_label if layout.short_labels else full_label
    for t in DIAGRAM:
        key = key_of(t)
        assert figure.route_cells[key], key
        assert text_of(figure.chars, figure.label_cells[key]).strip() == label(t)


@pytest.mark.parametrize("name", LAYOUTS)
def test_3_3_2_each_state_has_a_box_where_figure_5_puts_it(name: str) -> None:
    layout = LAYOUTS[name]
    states = [b.state for b in layout.boxes]
    assert set(states) == set(State)
    assert states.count(State.CLOSED) == 2  # at the top, and at the bottom right as the figure has it
    box = {b.name: b for b in layout.boxes}
    assert box["CLOSED"].y == 0
    assert box["LISTEN"].y > box["CLOSED"].y
    assert box["SYN-RECEIVED"].x < box["ESTABLISHED"].x < box["SYN-SENT"].x
    assert box["SYN-RECEIVED"].y == box["SYN-SENT"].y > box["LISTEN"].y
    assert box["ESTABLISHED"].y > box["SYN-SENT"].y
    assert box["FIN-WAIT-1"].x == box["FIN-WAIT-2"].x < box["CLOSING"].x < box["LAST-ACK"].x == box["CLOSE-WAIT"].x
    assert box["FIN-WAIT-1"].y < box["FIN-WAIT-2"].y == box["CLOSING"].y == box["LAST-ACK"].y
    assert box["TIME-WAIT"].y == box["CLOSED-END"].y > box["CLOSING"].y


@pytest.mark.parametrize("name", LAYOUTS)
def test_the_picture_is_sound(name: str) -> None:
    """Straight runs, arrows that leave their source and point into their target, no shared cells,
    no crossings, labels on free cells with room for their count."""
    layout = LAYOUTS[name]
    assert problems(layout, label_function(layout)) == []


@pytest.mark.parametrize("width", [60, 80, 100, 117, 118, 120, 158, 200])
def test_the_widget_chooses_a_layout_that_fits_when_one_can(width: int) -> None:
    layout = choose_layout(width)
    assert layout.width + 1 <= width or layout.width == diagram_layouts.COMPACT_MIN_WIDTH
    assert layout.short_labels == (width - 1 < diagram_layouts.FULL_WIDTH)
    assert problems(layout, label_function(layout)) == []


def test_the_two_layouts_fit_the_rooms_the_app_gives_them() -> None:
    """80×24: 78 × 20 inside the border, one column for the scrollbar and up to four caption rows.
    120×36: 118 × 32, the same."""
    compact, full = choose_layout(78), choose_layout(118)
    assert compact.height <= 20 - 4 and compact.width <= 77
    assert full.height <= 32 - 3 and full.width <= 117


# ------------------------------------------------------------------ the checker catches what it should
def _box(name: str, state: State, x: int, y: int) -> Box:
    return Box(name, state, x, y, 12, 3)


def _two_boxes(points: tuple[tuple[int, int], ...], label: LabelSpot) -> Layout:
    a, b = _box("CLOSED", State.CLOSED, 0, 0), _box("LISTEN", State.LISTEN, 0, 6)
    key = ("CLOSED", "passive OPEN", "LISTEN")
    return Layout("test", 40, 9, (a, b), (Route(key, "CLOSED", "LISTEN", points, label),))


def _label(key: tuple[str, str, str]) -> str:
    return full_label(ROWS[key])


def test_a_sound_little_layout_has_no_problems() -> None:
    assert problems(_two_boxes(((3, 2), (3, 5)), LabelSpot(5, 3)), _label) == []


@pytest.mark.parametrize(
    ("points", "label", "problem"),
    [
        (((3, 1), (3, 5)), LabelSpot(5, 3), "does not leave CLOSED through its border"),
        (((3, 2), (3, 4)), LabelSpot(5, 3), "does not point into LISTEN"),
        (((3, 2), (5, 5)), LabelSpot(5, 3), "is not horizontal or vertical"),
        (((3, 2), (3, 5)), LabelSpot(2, 3), "covers arrow"),
        (((3, 2), (3, 5)), LabelSpot(5, 2), "covers box CLOSED"),
        (((3, 2), (3, 5)), LabelSpot(30, 3), "leaves the figure"),
    ],
)
def test_the_checker_sees_a_broken_arrow_or_label(points, label, problem: str) -> None:
    found = problems(_two_boxes(points, label), _label)
    assert any(problem in p for p in found), found


def test_the_checker_sees_arrows_that_cross_or_share_cells() -> None:
    a, b = _box("CLOSED", State.CLOSED, 0, 0), _box("LISTEN", State.LISTEN, 0, 8)
    c, d = _box("SYN-SENT", State.SYN_SENT, 20, 4), _box("CLOSED-END", State.CLOSED, 20, 12)
    down = Route(("CLOSED", "passive OPEN", "LISTEN"), "CLOSED", "LISTEN", ((3, 2), (3, 7)), LabelSpot(30, 0))
    across = Route(
        ("LISTEN", "CLOSE", "CLOSED"), "LISTEN", "CLOSED", ((11, 9), (16, 9), (16, 1), (12, 1)), LabelSpot(30, 1)
    )
    side = Route(("SYN-SENT", "CLOSE", "CLOSED"), "SYN-SENT", "CLOSED", ((20, 5), (1, 5), (1, 3)), LabelSpot(30, 2))
    layout = Layout("test", 60, 15, (a, b, c, d), (down, across, side))
    found = problems(layout, _label)
    assert any("crosses arrow CLOSED passive OPEN LISTEN" in p for p in found), found


# ------------------------------------------------------------------ the words
def test_short_labels_are_figure_5s_labels_shortened_by_rule() -> None:
    shorts = {key_of(t): short_label(t) for t in DIAGRAM}
    assert shorts[("LISTEN", "rcv SYN", "SYN-RECEIVED")] == "SYN/SYN,ACK"
    assert shorts[("ESTABLISHED", "rcv FIN", "CLOSE-WAIT")] == "FIN/ACK"
    assert shorts[("ESTABLISHED", "CLOSE", "FIN-WAIT-1")] == "CLOSE/FIN"
    assert shorts[("CLOSED", "passive OPEN", "LISTEN")] == "OPEN"
    assert shorts[("CLOSED", "active OPEN", "SYN-SENT")] == "OPEN/SYN"
    assert shorts[("TIME-WAIT", "Timeout=2MSL", "CLOSED")] == "2MSL"
    assert shorts[("LAST-ACK", "rcv ACK of FIN", "CLOSED")] == "ACK"
    assert full_label(ROWS[("LISTEN", "rcv SYN", "SYN-RECEIVED")]) == "rcv SYN / snd SYN,ACK"


@pytest.mark.parametrize("lang", i18n.languages())
@pytest.mark.parametrize("row", TRANSITIONS, ids=lambda t: f"{t.source}-{t.event}-{t.target}")
def test_every_row_of_the_table_has_a_sentence_that_fits_under_the_figure(lang: str, row: Transition) -> None:
    """One plain sentence per transition, in every language, short enough for the caption: with the
    step and the RFC section, at most three lines at 80×24 and two at 120×36."""
    assert has_sentence(row, lang)
    i18n.set_language(lang)
    try:
        source, target = row.source.value, row.target.value
        step = words("step", endpoint=who("client"), source=source, target=target, label=full_label(row))
        text = words("explained", step=step, sentence=sentence(row), cite=cite(row.rule))
        assert len(wrap(text, 76)) <= 3, text
        assert len(wrap(text, 116)) <= 2, text
    finally:
        i18n.set_language("en")


def test_the_rfc_is_cited_from_the_tables_rule() -> None:
    assert cite("3.10.7.4 eighth: FIN in ESTABLISHED") == "RFC 9293 §3.10.7.4, eighth check"
    assert cite("3.10.1 OPEN: passive, enter LISTEN") == "RFC 9293 §3.10.1"
    assert cite("3.8.3: too many retransmissions in SYN-SENT, give up") == "RFC 9293 §3.8.3"
    assert cite("what-if (no TIME-WAIT): FIN in FIN-WAIT-2, close at once") == ""
    i18n.set_language("zh")
    try:
        assert cite("3.10.7.4 fifth: ACK of our SYN") == "RFC 9293 §3.10.7.4 第五项检查"
    finally:
        i18n.set_language("en")


def test_every_row_figure_5_does_not_draw_is_listed_under_it() -> None:
    listed = [k for note in note_lines() for k in note.keys]
    assert sorted(listed) == sorted(key_of(t) for t in TRANSITIONS if t.kind != "diagram")
    rst = next(n for n in note_lines() if ("ESTABLISHED", "rcv RST", "CLOSED") in n.keys)
    assert rst.text.startswith("rcv RST → CLOSED  from SYN-SENT, SYN-RECEIVED, ESTABLISHED")
    assert rst.text.endswith("§3.10.7.3, §3.10.7.4")


def test_wrapping_counts_cells_and_breaks_cjk_anywhere_but_before_punctuation() -> None:
    assert wrap("rcv FIN / snd ACK means", 9) == ["rcv FIN /", "snd ACK", "means"]
    lines = wrap("收到 FIN 时，发送 ACK，并沿箭头进入下一个状态。", 12)
    assert all(cell_len(line) <= 12 for line in lines)
    assert "".join(lines).replace(" ", "") == "收到FIN时，发送ACK，并沿箭头进入下一个状态。"
    assert not any(line.startswith(("，", "。")) for line in lines)
    assert wrap("TIME-WAIT 的定时器到期", 14) == ["TIME-WAIT 的定", "时器到期"]


@pytest.mark.parametrize("lang", i18n.languages())
def test_the_captions_first_line_fits_80_columns_whatever_the_states(lang: str) -> None:
    """At 80×24 the caption has 76 cells a line and four lines; the first must not wrap."""
    i18n.set_language(lang)
    try:
        walked = {key_of(t): 1 for t in DIAGRAM}
        for client in State:
            for server in State:
                line = "".join(text for text, _ in status_parts({"client": client, "server": server}, walked))
                assert cell_len(line.rstrip()) <= 76, line
    finally:
        i18n.set_language("en")
