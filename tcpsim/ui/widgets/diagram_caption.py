"""The caption under the drawn state diagram: where each endpoint is, how many of Figure 5's arrows
have been walked, and the focused endpoint's last step in one plain sentence with its RFC section.

It stays in sight while the figure above it scrolls, and grows to the lines its width needs (the
sentences are written to fit in two lines at 120 columns and three at 80: see the tests).
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from ...core.states import State
from ...core.transitions import DIAGRAM, TRANSITIONS
from ..i18n import tr
from .diagram_geometry import Key
from .diagram_layouts import key_of
from .diagram_text import cite, full_label, sentence, words, wrap

ENDPOINTS = ("client", "server")
ROWS = {key_of(t): t for t in TRANSITIONS}


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
    """

    COMPONENT_CLASSES = {"caption--client", "caption--server", "caption--walked"}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.states: dict[str, State] = {}
        self.last: dict[str, Key | None] = {}
        self.walked: dict[Key, int] = {}
        self.focus_name = "client"

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def _lines(self, width: int) -> list[Text]:
        width = max(10, width)
        status = Text()
        for name in ENDPOINTS:
            if name in self.states:
                status.append("■ ", style=self.get_component_rich_style(f"caption--{name}"))
                status.append(words("where", endpoint=tr(name), state=self.states[name].value) + "  ")
        seen = sum(1 for t in DIAGRAM if self.walked.get(key_of(t)))
        walked = words("walked", seen=seen, total=len(DIAGRAM))
        status.append(walked, style=self.get_component_rich_style("caption--walked"))
        lines = [line for line in status.wrap(self.app.console, width, overflow="fold")]
        endpoint = tr(self.focus_name)
        key = self.last.get(self.focus_name)
        row = ROWS.get(key) if key is not None else None
        if row is None:
            explained = words("no_step", endpoint=endpoint)
        else:
            source, target = row.source.value, row.target.value
            step = words("step", endpoint=endpoint, source=source, target=target, label=full_label(row))
            explained = words("explained", step=step, sentence=sentence(row), cite=cite(row.rule)).rstrip()
        style = self.get_component_rich_style(f"caption--{self.focus_name}", partial=True)
        for i, line in enumerate(wrap(explained, width)):
            text = Text(line)
            if i == 0:
                text.stylize(style, 0, len(endpoint))
            lines.append(text)
        return lines

    def render(self) -> Text:
        return Text("\n").join(self._lines(self.scrollable_content_region.width or self.size.width))
