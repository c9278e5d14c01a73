"""The RFC 9293 state diagram, drawn from the same transition table the core runs.

Each state is a box placed where Figure 5 puts it, listing its outgoing arrows as the table has
them ("rcv FIN / snd ACK → CLOSE-WAIT"). Each endpoint's current state is lit in its colour and
its last transition marked; every arrow walked during this session gets a tick, with a count of
how many of Figure 5's arrows have been seen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Static

from ...core.states import State
from ...core.transitions import DIAGRAM, TRANSITIONS, Transition
from ...render import LANE_STYLE

WalkKey = tuple[str, str, str]
"""(from, event, to) as the trace records them."""

# Where Figure 5 puts each state, on a 3-column grid (row, column).
POSITIONS: dict[State, tuple[int, int]] = {
    State.CLOSED: (0, 1),
    State.LISTEN: (1, 1),
    State.SYN_RECEIVED: (2, 0),
    State.SYN_SENT: (2, 2),
    State.ESTABLISHED: (3, 1),
    State.FIN_WAIT_1: (4, 0),
    State.CLOSE_WAIT: (4, 2),
    State.FIN_WAIT_2: (5, 0),
    State.CLOSING: (5, 1),
    State.LAST_ACK: (5, 2),
    State.TIME_WAIT: (6, 1),
}

# Arrows to CLOSED from nearly every state (note 3: RST, ABORT; §3.8.3: giving up) would bury the
# picture; they are summarised on one line instead, as Figure 5's notes do.
_SUMMARISED = ("ABORT", "rcv RST", "retransmission limit")


def key_of(t: Transition) -> WalkKey:
    return (t.source.value, t.event, t.target.value)


def drawn(t: Transition) -> bool:
    """Whether an arrow is listed in its state's box (rather than in the summary line)."""
    if t.kind == "diagram":
        return True
    return t.kind == "note" and not (t.target is State.CLOSED and t.event in _SUMMARISED)


def arrow_line(t: Transition) -> str:
    action = f" / {t.action}" if t.action and t.action != "delete TCB" else ""
    return f"{t.event}{action} → {t.target.value}"


class StateBox(Static):
    """One state and its outgoing arrows."""

    def __init__(self, state: State) -> None:
        super().__init__(id=f"box-{state.name.lower()}", classes="state-box")
        self.state = state
        self.border_title = state.value
        self.arrows = [t for t in TRANSITIONS if t.source is state and drawn(t)]

    def paint(self, here: dict[str, bool], last: dict[str, WalkKey | None], walked: set[WalkKey]) -> None:
        text = Text()
        for i, t in enumerate(self.arrows):
            key = key_of(t)
            mark = "✓ " if key in walked else "  "
            style = "" if t.kind == "diagram" else "italic"
            for name in ("client", "server"):
                if last.get(name) == key:
                    style = f"bold reverse {LANE_STYLE[name]}"
            if i:
                text.append("\n")
            text.append(mark, style="green")
            text.append(arrow_line(t), style=style)
        self.update(text)
        for name in ("client", "server"):
            self.set_class(here.get(name, False), f"-{name}-here")


class StateDiagram(Grid):
    """Figure 5 as a grid of :class:`StateBox` es, plus the note-3 summary line."""

    # Here rather than in tcpsim.tcss, so that it is parsed when the diagram is first shown (`v`)
    # and not on every start. Nothing in the app's stylesheet competes with these rules.
    DEFAULT_CSS = """
    StateDiagram {
        grid-size: 3;
        grid-columns: 1fr 1fr 1fr;
        grid-gutter: 0 1;
        height: auto;
    }
    StateDiagram .state-box {
        border: round $panel-lighten-2;
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    StateDiagram .state-box.-client-here {
        border: heavy cyan;
        color: $text;
    }
    StateDiagram .state-box.-server-here {
        border: heavy magenta;
        color: $text;
    }
    StateDiagram .state-box.-client-here.-server-here {
        border: double $accent;
    }
    StateDiagram .state-gap {
        height: 1;
    }
    StateDiagram .diagram-summary {
        column-span: 3;
        height: auto;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        cells: dict[tuple[int, int], State] = {pos: state for state, pos in POSITIONS.items()}
        for row in range(7):
            for column in range(3):
                state = cells.get((row, column))
                yield StateBox(state) if state else Static(classes="state-gap")
        yield Static(id="diagram-summary", classes="diagram-summary")

    def show(
        self, states: dict[str, State], last: dict[str, WalkKey | None], walked: set[WalkKey], focus: str = "client"
    ) -> None:
        for box in self.query(StateBox):
            here = {name: state is box.state for name, state in states.items()}
            box.paint(here, last, walked)
            if here.get(focus):
                box.scroll_visible(animate=False)
        seen = sum(1 for t in DIAGRAM if key_of(t) in walked)
        summary = Text()
        summary.append("any state: ABORT, rcv RST, too many retransmissions → CLOSED (Figure 5, note 3)\n", "dim")
        for name in ("client", "server"):
            summary.append(f"■ {name} ", style=f"bold {LANE_STYLE[name]}")
            summary.append(f"{states[name].value}   ")
        summary.append(f"  ✓ {seen}/{len(DIAGRAM)} of Figure 5's transitions walked", style="bold green")
        self.query_one("#diagram-summary", Static).update(summary)
