"""The RFC 9293 state diagram, drawn as Figure 5 draws it, from the same table the core runs.

Boxes and arrows come from :mod:`.diagram_layouts` (Figure 5's arrows are the ``diagram`` rows of
:mod:`tcpsim.core.transitions`); the rows Figure 5 leaves out for legibility (RST and ABORT from
most states, giving up, FIN-WAIT-1 straight to TIME-WAIT) are listed under the figure, with the
legend. Each endpoint's state is lit in its colour, the arrow it took last drawn in its colour,
and every arrow walked in the history on screen carries a count. Under the figure a caption says
where each endpoint is and explains, in one sentence, the last step of the focused endpoint.

The widget draws only what it is given: :meth:`StateDiagram.show` takes plain values. The static
figure is drawn once per size (:func:`.diagram_geometry.raster`); a call to ``show`` only restyles
the cells of the boxes and arrows that change, and does nothing at all when nothing did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.states import State
from ...core.transitions import TRANSITIONS, Transition
from ...wrapping import wrap
from . import diagram_layouts
from .diagram_caption import DiagramCaption
from .diagram_geometry import MARK_WIDTH, Key, Layout, Point, Raster, raster
from .diagram_layouts import key_of
from .diagram_text import NoteLine, full_label, legend, mark, note_lines, short_label, words

WalkKey = Key
"""(from, event, to) as the trace records a state change."""
ENDPOINTS = ("client", "server")
ROWS: dict[Key, Transition] = {key_of(t): t for t in TRANSITIONS}
WHATIF: frozenset[Key] = frozenset(key_of(t) for t in TRANSITIONS if t.kind == "whatif")
STACK: frozenset[Key] = frozenset(key_of(t) for t in TRANSITIONS if t.kind == "stack")
SCROLLBAR = 1
"""Columns kept for the vertical scrollbar, so that choosing a layout never flips it on and off."""


def label_function(layout: Layout) -> Callable[[Key], str]:
    """Figure 5's labels for the full layout, the short notation for the compact one."""
    style = short_label if layout.short_labels else full_label
    return lambda key: style(ROWS[key])


def choose_layout(width: int) -> Layout:
    """The full figure where it fits, else the compact one (never narrower than it can be drawn)."""
    room = width - SCROLLBAR
    if room >= diagram_layouts.FULL_WIDTH:
        return diagram_layouts.full()
    return diagram_layouts.compact(max(diagram_layouts.COMPACT_MIN_WIDTH, min(room, diagram_layouts.COMPACT_WIDTH)))


class DiagramCanvas(ScrollView, can_focus=True):
    """The figure, the notes and the legend: a scrollable picture, drawn row by row.

    It scrolls with the arrow and page keys when focused (the app focuses it when it is shown).
    """

    COMPONENT_CLASSES = {
        "diagram--box",
        "diagram--name",
        "diagram--chip",
        "diagram--line",
        "diagram--label",
        "diagram--walked",
        "diagram--mark",
        "diagram--client",
        "diagram--server",
        "diagram--client-here",
        "diagram--server-here",
        "diagram--text",
        "diagram--heading",
    }

    DEFAULT_CSS = """
    DiagramCanvas {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
    }
    DiagramCanvas > .diagram--box { color: $text-muted; }
    DiagramCanvas > .diagram--name { color: $text; }
    DiagramCanvas > .diagram--chip { background: $panel; color: $text; }
    DiagramCanvas > .diagram--line { color: $text-disabled; }
    DiagramCanvas > .diagram--label { color: $text-muted; }
    DiagramCanvas > .diagram--walked { color: $text; }
    DiagramCanvas > .diagram--mark { color: $success; text-style: bold; }
    DiagramCanvas > .diagram--client { color: $client; text-style: bold; }
    DiagramCanvas > .diagram--server { color: $server; text-style: bold; }
    DiagramCanvas > .diagram--client-here { background: $client 45%; color: $text; text-style: bold; }
    DiagramCanvas > .diagram--server-here { background: $server 45%; color: $text; text-style: bold; }
    DiagramCanvas > .diagram--text { color: $text-muted; }
    DiagramCanvas > .diagram--heading { color: $text; text-style: bold; }
    """

    class More(Message):
        """Whether there is more of the content below what is in sight (the notes, the legend)."""

        def __init__(self, below: bool) -> None:
            super().__init__()
            self.below = below

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._more: bool | None = None
        self.layout_in_use: Layout | None = None
        self.figure: Raster | None = None
        self._cells: list[list[str]] = []
        """Every row of the content: the figure, then the notes and the legend."""
        self._roles: list[list[str]] = []
        """The component class (without ``diagram--``) each cell is drawn in when nothing is lit."""
        self._note_rows: dict[int, NoteLine] = {}
        self._note_marks: dict[int, list[Point]] = {}
        self._show_whatif = False
        self._show_stack = False
        self._overlay_roles: dict[Point, str] = {}
        self._overlay_chars: dict[Point, str] = {}
        self._strips: dict[int, Strip] = {}
        self._aligned: dict[Key, str] = {}
        self._styles: dict[str, Style] = {}
        self._painted: tuple[object, ...] | None = None
        self._given: tuple[dict[str, State], dict[str, Key | None], dict[Key, int], str] | None = None

    # ------------------------------------------------------------------ the static picture
    def on_resize(self, event: Resize) -> None:
        self.rebuild(event.size.width)
        self.call_after_refresh(self._tell_more)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._tell_more()

    def _tell_more(self) -> None:
        below = round(self.scroll_y) < self.max_scroll_y
        if below != self._more:
            self._more = below
            self.post_message(self.More(below))

    def rebuild(self, width: int, *, force: bool = False) -> None:
        """Draw the figure for this width, if the layout it needs is not the one drawn."""
        layout = choose_layout(width)
        if not force and self.layout_in_use == layout:
            return
        self.layout_in_use = layout
        self.figure = raster(layout, label_function(layout))
        self._aligned = {route.key: route.label.align for route in layout.routes}
        self._cells = [list(row) for row in self.figure.chars]
        self._roles = [[""] * layout.width for _ in range(layout.height)]
        for box in layout.boxes:
            role = "box" if box.framed else "chip"
            for x, y in self.figure.box_cells[box.name]:
                self._roles[y][x] = role
            if box.framed:
                for x, y in self.figure.name_cells[box.name]:
                    self._roles[y][x] = "name"
        for key in self.figure.route_cells:
            for x, y in self.figure.route_cells[key]:
                self._roles[y][x] = "line"
            for x, y in self.figure.label_cells[key]:
                self._roles[y][x] = "label"
        self._note_rows.clear()
        self._note_marks.clear()
        self._add_text(layout.width)
        self.virtual_size = Size(layout.width, len(self._cells))
        self._painted = None
        if self._given is not None:
            self.paint(*self._given)
        self._strips.clear()
        self.refresh()

    def _add_line(self, width: int, text: str = "", role: str = "text") -> tuple[int, int]:
        """Append a row of text (cut at ``width`` cells); returns its index and the column after it."""
        row = [" "] * width
        x = 0
        for ch in text:
            size = cell_len(ch)
            if x + size > width:
                break
            row[x] = ch
            for extra in range(1, size):
                row[x + extra] = ""  # the second cell of a wide character
            x += size
        self._cells.append(row)
        self._roles.append([role] * x + [""] * (width - x))
        return len(self._cells) - 1, x

    def _add_text(self, width: int) -> None:
        """The rows under the figure: the transitions it leaves out, then how to read it."""
        self._add_line(width)
        self._add_line(width, words("notes_title"), "heading")
        notes = note_lines()  # in the language of the moment
        for note in notes:
            if not note.whatif and not note.stack:
                self._add_note(width, note)
        if self._show_stack:
            self._add_line(width, words("stack_title"), "heading")
            for note in notes:
                if note.stack:
                    self._add_note(width, note)
        if self._show_whatif:
            self._add_line(width, words("whatif_title"), "heading")
            for note in notes:
                if note.whatif:
                    self._add_note(width, note)
        self._add_line(width)
        self._add_line(width, words("legend_title"), "heading")
        for i, paragraph in enumerate(legend()):
            if i:
                self._add_line(width)
            for line in wrap(paragraph, width):
                self._add_line(width, line)

    def _add_note(self, width: int, note: NoteLine) -> None:
        """One group of rows Figure 5 leaves out, wrapped, with room for its count after the last line."""
        row, end = 0, 0
        for i, line in enumerate(wrap(note.text, width - 2 - MARK_WIDTH - 1)):
            row, end = self._add_line(width, ("  " if i else "") + line)
            self._note_rows[row] = note
        self._note_marks[row] = [(x, row) for x in range(end, min(width, end + MARK_WIDTH + 1))]

    # ------------------------------------------------------------------ what is lit
    def paint(
        self, states: Mapping[str, State], last: Mapping[str, Key | None], walked: Mapping[Key, int], focus: str
    ) -> None:
        """Restyle the cells that show ``states``, ``last`` and ``walked`` (a no-op if unchanged)."""
        given = (dict(states), dict(last), dict(walked), focus)
        whatif = any(walked.get(k) for k in WHATIF) or any(k in WHATIF for k in last.values())
        stack = any(walked.get(k) for k in STACK) or any(k in STACK for k in last.values())
        if whatif != self._show_whatif or stack != self._show_stack:
            self._show_whatif = whatif
            self._show_stack = stack
            self._given = given
            if self.layout_in_use is not None:
                self.rebuild(self.size.width, force=True)
            return
        if given == self._painted or self.figure is None:
            self._given = given
            return
        moved = self._given is None or self._given[0].get(focus) != states.get(focus) or self._given[3] != focus
        self._given = given
        self._painted = given
        roles: dict[Point, str] = {}
        chars: dict[Point, str] = {}
        figure = self.figure
        for key, cells in figure.route_cells.items():
            count = walked.get(key, 0)
            if count:
                for p in cells + figure.label_cells[key]:
                    roles[p] = "walked"
                self._write_mark(figure.mark_cells[key], count, self._aligned[key], roles, chars)
            takers = [name for name in ENDPOINTS if last.get(name) == key]
            if takers:  # two endpoints that took the same arrow last share it, half each
                self._halves(cells, takers, "", roles)
                self._halves(figure.label_cells[key], takers, "", roles)
        for box in figure.layout.boxes:
            here = [name for name in ENDPOINTS if states.get(name) is box.state]
            if not here:
                continue
            middle = box.x + box.w // 2
            for p in figure.box_cells[box.name]:  # two endpoints in one state: left half, right half
                name = here[0] if p[0] < middle or len(here) == 1 else here[1]
                if not box.framed or (p[1] == box.middle and not box.on_border(p)):
                    roles[p] = f"{name}-here"
                elif box.on_border(p):
                    roles[p] = name
        for row, note in self._note_rows.items():
            takers = [name for name in ENDPOINTS if last.get(name) in note.keys]
            if takers:
                self._halves([(x, row) for x, role in enumerate(self._roles[row]) if role], takers, "", roles)
            if row in self._note_marks:
                count = sum(walked.get(k, 0) for k in note.keys)
                if count:
                    self._write_mark(self._note_marks[row], count, "left", roles, chars)
        self._overlay_roles, self._overlay_chars = roles, chars
        self._strips.clear()
        self.refresh()
        if moved and focus in states:
            self.scroll_to_state(states[focus])

    @staticmethod
    def _halves(cells: list[Point], names: list[str], suffix: str, roles: dict[Point, str]) -> None:
        """Colour ``cells`` (in path or reading order) for one endpoint, or the first half for each of two."""
        half = (len(cells) + 1) // 2 if len(names) == 2 else len(cells)
        for i, p in enumerate(cells):
            roles[p] = names[0 if i < half else 1] + suffix

    @staticmethod
    def _write_mark(
        slot: list[Point], count: int, align: str, roles: dict[Point, str], chars: dict[Point, str]
    ) -> None:
        """Write a walked count into a label's free slot and never past it: " ✓2" after a label,
        "✓2 " before a right-aligned one, "✓2 " after an inline one (whose text ends in a space)."""
        text = mark(count)
        if align == "right":
            text = (text + " ")[-len(slot) :]
            cells = slot[-len(text) :]
        else:
            text = (text + " " if align == "inline" else " " + text)[: len(slot)]
            cells = slot[: len(text)]
        for p, ch in zip(cells, text, strict=True):
            chars[p] = ch
            roles[p] = "mark"

    def lit(self, state: State) -> set[str]:
        """The endpoints whose colour lights ``state``'s box(es) as drawn now (for the tests)."""
        if self.figure is None:
            return set()
        cells = [p for b in self.figure.layout.boxes if b.state is state for p in self.figure.box_cells[b.name]]
        return {name for name in ENDPOINTS for p in cells if self._overlay_roles.get(p) == f"{name}-here"}

    def lit_arrows(self) -> dict[str, set[Key]]:
        """For each endpoint, the arrows (or the listed rows) drawn in its colour now: its last step."""
        found: dict[str, set[Key]] = {name: set() for name in ENDPOINTS}
        if self.figure is None:
            return found
        for key, cells in self.figure.route_cells.items():
            for name in ENDPOINTS:
                if any(self._overlay_roles.get(p) == name for p in cells):
                    found[name].add(key)
        for row, note in self._note_rows.items():
            for name in ENDPOINTS:
                if any(self._overlay_roles.get((x, row)) == name for x in range(len(self._cells[row]))):
                    found[name] |= note.keys
        return found

    def content_text(self) -> list[str]:
        """Every row of the content as it is drawn now, counts included (for the tests)."""
        return [
            "".join(self._overlay_chars.get((x, y), ch) for x, ch in enumerate(row)).rstrip()
            for y, row in enumerate(self._cells)
        ]

    def box_region(self, state: State) -> Region | None:
        """Where the (first) box of ``state`` is in the content, for scrolling it into view."""
        if self.layout_in_use is None:
            return None
        box = next((b for b in self.layout_in_use.boxes if b.state is state), None)
        return None if box is None else Region(box.x + self._offset(), box.y, box.w, box.h)

    def scroll_to_state(self, state: State) -> None:
        region = self.box_region(state)
        if region is not None:
            self.scroll_to_region(region, animate=False, immediate=True)

    # ------------------------------------------------------------------ drawing rows
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _style(self, role: str) -> Style:
        style = self._styles.get(role)
        if style is None:
            style = self.rich_style if not role else self.get_component_rich_style(f"diagram--{role}")
            self._styles[role] = style
        return style

    def _offset(self) -> int:
        """Columns left blank before the content, which is centred when the widget is wider."""
        if self.layout_in_use is None:
            return 0
        return max(0, (self.scrollable_content_region.width - self.layout_in_use.width) // 2)

    def _row_strip(self, row: int) -> Strip:
        strip = self._strips.get(row)
        if strip is not None:
            return strip
        cells, base = self._cells[row], self._roles[row]
        overlay_roles, overlay_chars = self._overlay_roles, self._overlay_chars
        segments: list[Segment] = []
        run: list[str] = []
        run_role: str | None = None
        for x, ch in enumerate(cells):
            p = (x, row)
            role = overlay_roles.get(p, base[x])
            ch = overlay_chars.get(p, ch)
            if role != run_role and run:
                segments.append(Segment("".join(run), self._style(run_role or "")))
                run = []
            run_role = role
            run.append(ch)
        if run:
            segments.append(Segment("".join(run), self._style(run_role or "")))
        strip = Strip(segments, len(cells))
        self._strips[row] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        if row >= len(self._cells):
            return Strip.blank(width, self.rich_style)
        offset = self._offset()
        strip = self._row_strip(row)
        if offset:
            strip = Strip.join([Strip.blank(offset, self.rich_style), strip])
        scroll_x = self.scroll_offset.x
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)


class StateDiagram(Vertical):
    """Figure 5, drawn; with the caption under it. Give it the session's state with :meth:`show`."""

    DEFAULT_CSS = """
    StateDiagram { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield DiagramCanvas(id="diagram-canvas")
        yield DiagramCaption(id="diagram-caption")

    @property
    def canvas(self) -> DiagramCanvas:
        return self.query_one(DiagramCanvas)

    def on_diagram_canvas_more(self, message: DiagramCanvas.More) -> None:
        caption = self.query_one(DiagramCaption)
        if caption.more_below != message.below:
            caption.more_below = message.below
            caption.refresh()

    def show(
        self,
        states: Mapping[str, State],
        last: Mapping[str, Key | None],
        walked: Mapping[Key, int] | Set[Key],
        focus: str = "client",
    ) -> None:
        """Draw the session as it is now.

        ``states``: each endpoint's state, by name ("client", "server"). ``last``: each endpoint's
        last state change as (from, event, to) in the RFC's spelling, or None. ``walked``: how many
        times each (from, event, to) has been taken in the history on screen (a set counts each
        once). ``focus``: the endpoint whose last step the caption explains.
        """
        counts: Mapping[Key, int] = walked if isinstance(walked, Mapping) else dict.fromkeys(walked, 1)
        self.canvas.paint(states, last, counts, focus)
        caption = self.query_one(DiagramCaption)
        given = (dict(states), dict(last), dict(counts), focus)
        if given != (caption.states, caption.last, caption.walked, caption.focus_name):
            caption.states, caption.last, caption.walked, caption.focus_name = given
            caption.refresh(layout=True)
