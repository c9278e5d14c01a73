"""Every user command, declared once: it drives the key bindings, the footer, the command
palette and the help screen, so that none of them can drift from the others."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True, slots=True)
class Command:
    key: str
    """Textual key name(s), comma-separated."""
    action: str
    label: str
    """Short label for the footer."""
    description: str
    """One line for the palette and the help screen."""
    footer: bool = True
    """Shown in the footer. Only the keys a session is driven with are: the footer could not show
    them all at 120 columns anyway, and each key shown is a widget that every start of the app
    builds and styles. Every command stays in ``?`` help and the command palette."""
    display_key: str = ""
    priority: int = 50
    """Which footer keys step aside first when the width runs short (lowest first); 100 never does."""

    @property
    def shown_key(self) -> str:
        return self.display_key or self.key


COMMANDS: tuple[Command, ...] = (
    Command("space", "toggle_play", "Play", "Play or pause the simulation clock", display_key="space", priority=60),
    Command("n", "step", "Step", "Step to the next event (jumps over waits, even 2·MSL)", priority=90),
    Command("b", "step_back", "Back", "Rewind one event, exactly; n then replays what was undone", priority=80),
    Command("tab", "switch_endpoint", "Switch", "Switch the focused endpoint (client ⇄ server)", priority=70),
    Command("o", "open", "Open", "OPEN: connect on the client, listen on the server", priority=40),
    Command("s", "send", "Send", "SEND data from the focused endpoint", priority=30),
    Command("c", "close", "Close", "CLOSE the focused endpoint's side (sends a FIN)", priority=35),
    Command("a", "abort", "Abort", "ABORT the focused endpoint's connection (sends a RST)", footer=False),
    Command(
        "d",
        "drop_next",
        "Drop next",
        "Drop the next segment the focused endpoint sends (d again cancels)",
        footer=False,
    ),
    Command("x", "fault", "Fault", "Drop, duplicate or delay the segment selected in the timeline", footer=False),
    Command(
        "f", "retransmit", "Retransmit", "Retransmit the FIN (the oldest unacknowledged segment) now", footer=False
    ),
    Command("plus,equals_sign", "faster", "Faster", "Play faster", display_key="+", footer=False),
    Command("minus,underscore", "slower", "Slower", "Play slower", display_key="-", footer=False),
    Command("r", "restart", "Restart", "Restart the scenario from t = 0", footer=False),
    Command("l", "load", "Load", "Load a scenario (bundled, or any file) or a capture (pcap, pcapng)", footer=False),
    Command(
        "L",
        "load_lab",
        "TIME-WAIT lab",
        "The TIME-WAIT lab, live: sockets per state, ports running out",
        footer=False,
    ),
    Command("i", "info", "Story", "The scenario's story: what happens, why, and what it expects", footer=False),
    Command(
        "w",
        "save",
        "Save",
        "Save what was done as a scenario file that replays to the same result (after b: the whole branch)",
        footer=False,
    ),
    Command("p", "export_pcap", "Export pcap", "Export the segments so far as a pcap file for Wireshark", footer=False),
    Command("v", "switch_view", "View", "Switch the centre view: timeline ⇄ state diagram", priority=100),
    Command("t", "toggle_relative", "Rel/Abs", "Show sequence numbers relative to the ISN, or absolute", footer=False),
    Command(
        "question_mark",
        "help",
        "Help",
        "Keys, every state explained, and why TIME-WAIT lasts 2·MSL",
        display_key="?",
        priority=100,
    ),
    Command("q", "quit", "Quit", "Quit tcpsim", priority=100),
)


def bindings() -> list[BindingType]:
    """The app's BINDINGS, from the catalogue."""
    return [
        Binding(
            c.key,
            c.action,
            c.label,
            show=c.footer,
            key_display=c.display_key or None,
            priority=c.key in ("tab", "space"),
            tooltip=c.description,
        )
        for c in COMMANDS
    ]
