"""Geometry of the drawn state diagram: boxes, routed arrows and labels on a grid of terminal cells.

A :class:`Layout` says where each state's box stands and which cells each arrow passes through;
:func:`raster` turns it into rows of characters and remembers which box, arrow or label owns each
cell, so that the widget can light a state or an arrow by restyling its cells without redrawing
the figure. :func:`problems` checks a layout the way a reviewer would look at the picture: arrows
made of straight runs, leaving their source box and ending at their target, never sharing a cell
with another arrow (except a clean crossing), labels on free cells. The figures themselves are
described in :mod:`.diagram_layouts`; the tests hold every one of them to :func:`problems`.

This module knows nothing of Textual: it is plain data, cheap to test and to cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

from rich.cells import cell_len

from ...core.states import State

Point = tuple[int, int]
"""(x, y): column and row of a cell, from the top left of the figure."""
Key = tuple[str, str, str]
"""An arrow, as the trace names a state change: (from, event, to) in the RFC's spelling."""
Side = Literal["top", "bottom", "left", "right"]
Align = Literal["left", "right", "centre", "inline"]

N, E, S, W = "N", "E", "S", "W"
_STEP: dict[str, Point] = {N: (0, -1), E: (1, 0), S: (0, 1), W: (-1, 0)}
_OPPOSITE = {N: S, S: N, E: W, W: E}
_HEAD = {N: "▲", E: "▶", S: "▼", W: "◀"}
_GLYPH: dict[frozenset[str], str] = {
    frozenset({E, W}): "─",
    frozenset({N, S}): "│",
    frozenset({E, S}): "╭",
    frozenset({W, S}): "╮",
    frozenset({N, E}): "╰",
    frozenset({N, W}): "╯",
    frozenset({N, E, W}): "┴",
    frozenset({S, E, W}): "┬",
    frozenset({N, S, E}): "├",
    frozenset({N, S, W}): "┤",
    frozenset({N, E, S, W}): "┼",
    frozenset({E}): "─",
    frozenset({W}): "─",
    frozenset({N}): "│",
    frozenset({S}): "│",
}
MARK_WIDTH = 3
"""Cells kept free beside each label for its walked count (" ✓2")."""


@dataclass(frozen=True, slots=True)
class Box:
    """A state's box. ``framed`` boxes have a border (height ≥ 3); the others are one-colour chips."""

    name: str
    """Unique within a layout: Figure 5 draws CLOSED twice (``CLOSED`` and ``CLOSED-END``)."""
    state: State
    x: int
    y: int
    w: int
    h: int
    framed: bool = True

    @property
    def cells(self) -> Iterable[Point]:
        return ((x, y) for y in range(self.y, self.y + self.h) for x in range(self.x, self.x + self.w))

    def contains(self, p: Point) -> bool:
        return self.x <= p[0] < self.x + self.w and self.y <= p[1] < self.y + self.h

    def on_border(self, p: Point) -> bool:
        if not self.framed or not self.contains(p):
            return False
        x, y = p
        return x in (self.x, self.x + self.w - 1) or y in (self.y, self.y + self.h - 1)

    @property
    def middle(self) -> int:
        """The row the state's name is written on."""
        return self.y + self.h // 2

    # Where an arrow leaves: on the border of a framed box (it becomes a tee), beside a chip.
    def exit(self, side: Side, at: int) -> Point:
        """``at``: column offset from the left for top/bottom, row offset from the top for the sides."""
        inset = 0 if self.framed else 1
        if side == "top":
            return (self.x + at, self.y - inset)
        if side == "bottom":
            return (self.x + at, self.y + self.h - 1 + inset)
        if side == "left":
            return (self.x - inset, self.y + at)
        return (self.x + self.w - 1 + inset, self.y + at)

    # Where an arrowhead lands: the cell just outside the box.
    def entry(self, side: Side, at: int) -> Point:
        if side == "top":
            return (self.x + at, self.y - 1)
        if side == "bottom":
            return (self.x + at, self.y + self.h)
        if side == "left":
            return (self.x - 1, self.y + at)
        return (self.x + self.w, self.y + at)


@dataclass(frozen=True, slots=True)
class LabelSpot:
    """Where an arrow's label is written: ``x`` is its first cell (``left``), its last (``right``),
    its centre (``centre``), or the arrow's own horizontal run it is written into (``inline``,
    ``x`` = first cell of the text)."""

    x: int
    y: int
    align: Align = "left"


@dataclass(frozen=True, slots=True)
class Route:
    """One arrow: a polyline of horizontal and vertical runs from ``points[0]`` (on or beside the
    source box) to ``points[-1]`` (the arrowhead, just outside the target box)."""

    key: Key
    source: str
    """Name of the source box."""
    target: str
    points: tuple[Point, ...]
    label: LabelSpot


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    width: int
    height: int
    boxes: tuple[Box, ...]
    routes: tuple[Route, ...]
    short_labels: bool = False
    """Whether arrows carry the short notation ("FIN/ACK") instead of Figure 5's ("rcv FIN / snd ACK")."""

    def box(self, name: str) -> Box:
        return next(b for b in self.boxes if b.name == name)


def route_cells(points: tuple[Point, ...]) -> list[tuple[Point, str, str]]:
    """Each cell of a polyline with the direction it is entered from and left towards.

    The first cell has no "from" ("") and the last no "to" (""). A zero-length or diagonal run is
    a layout error, reported by :func:`problems`; here it raises.
    """
    cells: list[tuple[Point, str, str]] = []
    came = ""
    for (x0, y0), (x1, y1) in pairwise(points):
        if (x0 != x1) == (y0 != y1):
            raise ValueError(f"run {(x0, y0)} → {(x1, y1)} is not horizontal or vertical")
        d = (E if x1 > x0 else W) if x0 != x1 else (S if y1 > y0 else N)
        dx, dy = _STEP[d]
        x, y = x0, y0
        while (x, y) != (x1, y1):
            cells.append(((x, y), came, d))
            came = _OPPOSITE[d]
            x, y = x + dx, y + dy
    cells.append((points[-1], came, ""))
    return cells


@dataclass(slots=True)
class Raster:
    """A layout drawn into cells: the static picture and who owns each cell."""

    layout: Layout
    chars: list[list[str]]
    box_cells: dict[str, list[Point]] = field(default_factory=dict)
    """Every cell of each box (border and inside), for lighting a state."""
    name_cells: dict[str, list[Point]] = field(default_factory=dict)
    """The cells of each box's name row inside the border."""
    route_cells: dict[Key, list[Point]] = field(default_factory=dict)
    """The line and arrowhead cells of each arrow (not the tee on its source's border)."""
    label_cells: dict[Key, list[Point]] = field(default_factory=dict)
    mark_cells: dict[Key, list[Point]] = field(default_factory=dict)
    """The free cells after (or, for a right-aligned label, before) each label for its count."""


def label_origin(spot: LabelSpot, text: str) -> int:
    """The first column of ``text`` written at ``spot``."""
    width = cell_len(text)
    if spot.align == "right":
        return spot.x - width + 1
    if spot.align == "centre":
        return spot.x - width // 2
    return spot.x


def _put_text(chars: list[list[str]], x: int, y: int, text: str) -> list[Point]:
    """Write ``text`` from column ``x``; a wide (CJK) character takes two cells, the second left empty."""
    cells = []
    for ch in text:
        wide = cell_len(ch)
        chars[y][x] = ch
        cells.append((x, y))
        for extra in range(1, wide):
            chars[y][x + extra] = ""
            cells.append((x + extra, y))
        x += wide
    return cells


def mark_slot(spot: LabelSpot, x0: int, width: int) -> list[Point]:
    """The cells kept for a label's walked count: after it, or before a right-aligned one."""
    if spot.align == "right":
        return [(x, spot.y) for x in range(x0 - MARK_WIDTH, x0)]
    return [(x, spot.y) for x in range(x0 + width, x0 + width + MARK_WIDTH)]


def raster(layout: Layout, label_of: Callable[[Key], str]) -> Raster:
    """Draw ``layout`` with each arrow labelled ``label_of(key)``."""
    chars = [[" "] * layout.width for _ in range(layout.height)]
    out = Raster(layout, chars)
    dirs: dict[Point, set[str]] = {}
    for b in layout.boxes:
        out.box_cells[b.name] = list(b.cells)
        if b.framed:
            right, bottom = b.x + b.w - 1, b.y + b.h - 1
            for x in range(b.x, b.x + b.w):
                dirs.setdefault((x, b.y), set()).update({S} if x in (b.x, right) else {E, W})
                dirs.setdefault((x, bottom), set()).update({N} if x in (b.x, right) else {E, W})
            for y in range(b.y + 1, bottom):
                dirs.setdefault((b.x, y), set()).update({N, S})
                dirs.setdefault((right, y), set()).update({N, S})
            dirs[(b.x, b.y)].add(E)
            dirs[(right, b.y)].add(W)
            dirs[(b.x, bottom)].add(E)
            dirs[(right, bottom)].add(W)
            inner = range(b.x + 1, right)
        else:
            inner = range(b.x, b.x + b.w)
        name = b.state.value
        start = inner.start + (len(inner) - cell_len(name)) // 2
        out.name_cells[b.name] = [(x, b.middle) for x in inner]
        _put_text(chars, start, b.middle, name)
    heads: dict[Point, str] = {}
    for r in layout.routes:
        source = layout.box(r.source)
        cells = route_cells(r.points)
        own: list[Point] = []
        for i, (p, came, goes) in enumerate(cells):
            if not goes:
                came = came or towards(source, p)  # a one-cell arrow between two chips
                heads[p] = _HEAD[_OPPOSITE[came]]
                own.append(p)
                continue
            here = dirs.setdefault(p, set())
            here.add(goes)
            if came:
                here.add(came)
            elif not source.on_border(p):
                here.add(towards(source, p))  # beside a chip: the line reaches back to it
            if not (i == 0 and source.on_border(p)):
                own.append(p)
        out.route_cells[r.key] = own
    for p, d in dirs.items():
        chars[p[1]][p[0]] = _GLYPH[frozenset(d)]
    for p, head in heads.items():
        chars[p[1]][p[0]] = head
    for r in layout.routes:
        text = label_of(r.key)
        if r.label.align == "inline":
            text = f" {text} "
        x0 = label_origin(r.label, text)
        out.label_cells[r.key] = _put_text(chars, x0, r.label.y, text)
        out.mark_cells[r.key] = mark_slot(r.label, x0, cell_len(text))
    return out


def problems(layout: Layout, label_of: Callable[[Key], str]) -> list[str]:
    """Everything wrong with a layout's geometry, in words; empty when the picture is sound."""
    found: list[str] = []
    taken = _box_problems(layout, found)
    lines = _route_problems(layout, taken, found)
    _label_problems(layout, label_of, taken, lines, found)
    return found


def _inside(layout: Layout, p: Point) -> bool:
    return 0 <= p[0] < layout.width and 0 <= p[1] < layout.height


def _box_problems(layout: Layout, found: list[str]) -> dict[Point, str]:
    """Boxes inside the figure, wide enough for their names, not overlapping. Returns their cells."""
    names = [b.name for b in layout.boxes]
    if len(set(names)) != len(names):
        found.append("two boxes share a name")
    taken: dict[Point, str] = {}
    for b in layout.boxes:
        if b.x < 0 or b.y < 0 or b.x + b.w > layout.width or b.y + b.h > layout.height:
            found.append(f"box {b.name} leaves the figure")
        if b.framed and b.h < 3:
            found.append(f"box {b.name} is framed but lower than 3 rows")
        if cell_len(b.state.value) > b.w - (2 if b.framed else 0):
            found.append(f"box {b.name} is too narrow for its name")
        for p in b.cells:
            if p in taken:
                found.append(f"boxes {taken[p]} and {b.name} overlap at {p}")
                break
            taken[p] = f"box {b.name}"
    return taken


def _route_problems(layout: Layout, taken: dict[Point, str], found: list[str]) -> dict[Point, tuple[Key, str]]:
    """Each arrow leaves its source and points into its target, in straight runs, on cells no box or
    other arrow has. Returns each arrow cell's owner and what the arrow does there (``_run``)."""
    names = {b.name for b in layout.boxes}
    lines: dict[Point, tuple[Key, str]] = {}
    keys = [r.key for r in layout.routes]
    if len(set(keys)) != len(keys):
        found.append("an arrow is drawn twice")
    for r in layout.routes:
        where = f"arrow {' '.join(r.key)}"
        if r.source not in names or r.target not in names:
            found.append(f"{where}: unknown box")
            continue
        source, target = layout.box(r.source), layout.box(r.target)
        if (source.state.value, target.state.value) != (r.key[0], r.key[2]):
            found.append(f"{where}: drawn from {source.state.value} to {target.state.value}")
        try:
            cells = route_cells(r.points)
        except ValueError as exc:
            found.append(f"{where}: {exc}")
            continue
        start, _, first = cells[0]
        if source.framed:
            if len(cells) < 2 or not source.on_border(start) or source.contains(_move(start, first)):
                found.append(f"{where}: does not leave {source.name} through its border")
        elif source.contains(start) or not towards(source, start):
            found.append(f"{where}: does not start beside {source.name}")
        end, came, _ = cells[-1]
        came = came or towards(source, end)
        if not came or not target.contains(_move(end, _OPPOSITE[came])) or target.contains(end):
            found.append(f"{where}: its arrowhead does not point into {target.name}")
        for i, (p, came, goes) in enumerate(cells):
            if not _inside(layout, p):
                found.append(f"{where}: leaves the figure at {p}")
                break
            if i == 0 and source.framed:
                continue  # the tee on the source's border
            if p in taken:
                found.append(f"{where}: runs through {taken[p]} at {p}")
                break
            run = _run(came, goes)
            if p in lines:
                other, other_run = lines[p]
                shared = "crosses" if {run, other_run} == {"h", "v"} else "shares a cell with"
                found.append(f"{where}: {shared} arrow {' '.join(other)} at {p}")
                if shared != "crosses":
                    break
            lines[p] = (r.key, run)
    return lines


def _label_problems(
    layout: Layout,
    label_of: Callable[[Key], str],
    taken: dict[Point, str],
    lines: dict[Point, tuple[Key, str]],
    found: list[str],
) -> None:
    """Each label, with the room for its count, on free cells (an inline one on its own straight run)."""
    labels: dict[Point, str] = {}
    for r in layout.routes:
        where = f"label of {' '.join(r.key)}"
        text = label_of(r.key)
        if r.label.align == "inline":
            text = f" {text} "
        x0 = label_origin(r.label, text)
        spots = [(x, r.label.y) for x in range(x0, x0 + cell_len(text))]
        for p in spots + mark_slot(r.label, x0, cell_len(text)):
            on_own_run = r.label.align == "inline" and lines.get(p) == (r.key, "h")
            if not _inside(layout, p):
                found.append(f"{where}: leaves the figure at {p}")
                break
            if p in taken:
                found.append(f"{where}: covers {taken[p]} at {p}")
                break
            if p in lines and not on_own_run:
                found.append(f"{where}: covers arrow {' '.join(lines[p][0])} at {p}")
                break
            if p in labels:
                found.append(f"{where}: overlaps the {labels[p]} at {p}")
                break
            labels[p] = where


def _move(p: Point, d: str) -> Point:
    dx, dy = _STEP[d]
    return (p[0] + dx, p[1] + dy)


def towards(box: Box, p: Point) -> str:
    """The direction from ``p`` into the box next to it, or "" if it is not next to the box."""
    return next((d for d in (N, E, S, W) if box.contains(_move(p, d))), "")


def _run(came: str, goes: str) -> str:
    """What an arrow does in a cell: ``h`` or ``v`` (straight through, or starting), ``bend``, ``head``."""
    if not goes:
        return "head"
    if came and {came, goes} not in ({N, S}, {E, W}):
        return "bend"
    return "h" if goes in (E, W) else "v"
