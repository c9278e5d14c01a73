"""The caption under the drawn state diagram: where each endpoint is, how many of Figure 5's arrows
have been walked, and the focused endpoint's last step in one plain sentence with its RFC section.

It stays in sight while the figure above it scrolls, and grows to the lines its width needs (the
sentences are written to fit in two lines at 120 columns and three at 80: see the tests).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from ...core.states import State
from ...core.transitions import DIAGRAM, TRANSITIONS
from ...sim.wording import who
from ...wrapping import wrap
from .diagram_geometry import Key
from .diagram_layouts import key_of
from .diagram_text import cite, full_label, sentence, words

ENDPOINTS = ("client", "server")
ROWS = {key_of(t): t for t in TRANSITIONS}


def status_parts(states: Mapping[str, State], walked: Mapping[Key, int]) -> list[tuple[str, str]]:
    """The caption's first line as (text, component class) pieces: a coloured square and the state
    of each endpoint, then how many of Figure 5's arrows the history on screen has walked."""
    parts: list[tuple[str, str]] = []
    for name in ENDPOINTS:
        if name in states:
            parts += [
                ("■ ", f"caption--{name}"),
                (words("where", endpoint=who(name), state=states[name].value) + "  ", ""),
            ]
    seen = sum(1 for t in DIAGRAM if walked.get(key_of(t)))
    parts.append((words("walked", seen=seen, total=len(DIAGRAM)), "caption--walked"))
    return parts


def explanation(endpoint: str, last: Key | None) -> str:
    """The endpoint's last step, what it means, and the RFC section it follows."""
    name = who(endpoint)
    row = ROWS.get(last) if last is not None else None
    if row is None:
        return words("no_step", endpoint=name)
    source, target = row.source.value, row.target.value
    step = words("step", endpoint=name, source=source, target=target, label=full_label(row))
    return words("explained", step=step, sentence=sentence(row), cite=cite(row.rule)).rstrip()


class DiagramCaption(Widget):
    """Where each endpoint is, how many of Figure 5's arrows have been walked, and the last step of
    the focused endpoint in one sentence, with its RFC section: always in sight under the figure."""

    DEFAULT_CSS = """
    DiagramCaption {
        height: auto;
        max-height: 5;
        padding: 0 1;
        background: $boost;
    }
    DiagramCaption > .caption--client { color: $client; text-style: bold; }
    DiagramCaption > .caption--server { color: $server; text-style: bold; }
    DiagramCaption > .caption--walked { color: $success; }
    DiagramCaption > .caption--more { color: $text-muted; }
    """

    COMPONENT_CLASSES = {"caption--client", "caption--server", "caption--walked", "caption--more"}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.states: dict[str, State] = {}
        self.last: dict[str, Key | None] = {}
        self.walked: dict[Key, int] = {}
        self.focus_name = "client"
        self.more_below = False
        """Whether the canvas above has more below what is in sight (it tells: DiagramCanvas.More)."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def _lines(self, width: int) -> list[Text]:
        width = max(10, width)
        status = Text()
        for part, component in status_parts(self.states, self.walked):
            status.append(part, style=self.get_component_rich_style(component) if component else "")
        more = words("more")  # the notes and the legend are under the figure: say so, where there is room
        if self.more_below and status.cell_len + 3 + cell_len(more) <= width:
            status.append(" " * (width - status.cell_len - cell_len(more)))
            status.append(more, style=self.get_component_rich_style("caption--more"))
        lines = list(status.wrap(self.app.console, width, overflow="fold"))
        name = who(self.focus_name)
        style = self.get_component_rich_style(f"caption--{self.focus_name}", partial=True)
        for i, line in enumerate(wrap(explanation(self.focus_name, self.last.get(self.focus_name)), width)):
            text = Text(line)
            if i == 0:
                text.stylize(style, 0, len(name))
            lines.append(text)
        return lines

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.scrollable_content_region.width or self.size.width))
