"""Every user command, declared once: it drives the key bindings, the footer, the command
palette and the help screen, so that none of them can drift from the others.

Labels and descriptions are written in English and marked (``N_``): the table is made before the
language is known, and each place that shows one translates it (:attr:`Command.title`,
:attr:`Command.help`; :func:`translate_bindings` for what Textual shows of a binding).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingType

from ..i18n import N_, _

if TYPE_CHECKING:
    from textual.dom import DOMNode


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
    changes: bool = False
    """Changes what happens (an endpoint's call, a fault): the footer does not offer it while the
    session is a record (an imported capture, a packetdrill script), where the key only says so."""

    @property
    def shown_key(self) -> str:
        return self.display_key or self.key

    @property
    def title(self) -> str:
        """The label in the user's language."""
        return _(self.label)

    @property
    def help(self) -> str:
        """The description in the user's language."""
        return _(self.description)


COMMANDS: tuple[Command, ...] = (
    Command(
        "space", "toggle_play", N_("Play"), N_("Play or pause the simulation clock"), display_key="space", priority=60
    ),
    Command("n", "step", N_("Step"), N_("Step to the next event (jumps over waits, even 2·MSL)"), priority=90),
    Command("b", "step_back", N_("Back"), N_("Rewind one event, exactly; n then replays what was undone"), priority=80),
    Command("tab", "switch_endpoint", N_("Switch"), N_("Switch the focused endpoint (client ⇄ server)"), priority=70),
    Command(
        "o", "open", N_("Open"), N_("OPEN: connect on the client, listen on the server"), priority=40, changes=True
    ),
    Command("s", "send", N_("Send"), N_("SEND data from the focused endpoint"), priority=30, changes=True),
    Command(
        "c", "close", N_("Close"), N_("CLOSE the focused endpoint's side (sends a FIN)"), priority=35, changes=True
    ),
    Command(
        "a",
        "abort",
        N_("Abort"),
        N_("ABORT the focused endpoint's connection (sends a RST)"),
        footer=False,
        changes=True,
    ),
    Command(
        "d",
        "drop_next",
        N_("Drop next"),
        N_("Drop the next segment the focused endpoint sends (d again cancels)"),
        footer=False,
        changes=True,
    ),
    Command(
        "x",
        "fault",
        N_("Fault"),
        N_("Drop, duplicate or delay the segment selected in the timeline"),
        footer=False,
        changes=True,
    ),
    Command(
        "f",
        "retransmit",
        N_("Retransmit"),
        N_("Retransmit the FIN (the oldest unacknowledged segment) now"),
        footer=False,
        changes=True,
    ),
    Command("plus,equals_sign", "faster", N_("Faster"), N_("Play faster"), display_key="+", footer=False),
    Command("minus,underscore", "slower", N_("Slower"), N_("Play slower"), display_key="-", footer=False),
    Command("r", "restart", N_("Restart"), N_("Restart the scenario from t = 0"), footer=False),
    Command(
        "k",
        "restack",
        N_("Stack"),
        N_("Play it as another TCP stack: rfc9293, rfc793, linux or freebsd (the session so far, told again)"),
        footer=False,
    ),
    Command(
        "l", "load", N_("Load"), N_("Load a scenario (bundled, or any file) or a capture (pcap, pcapng)"), footer=False
    ),
    Command(
        "L",
        "load_lab",
        N_("TIME-WAIT lab"),
        N_("The TIME-WAIT lab, live: sockets per state, ports running out"),
        footer=False,
    ),
    Command("i", "info", N_("Story"), N_("The scenario's story: what happens, why, and what it expects"), footer=False),
    Command(
        "w",
        "save",
        N_("Save"),
        N_("Save what was done as a scenario file that replays to the same result (after b: the whole branch)"),
        footer=False,
    ),
    Command(
        "p",
        "export_pcap",
        N_("Export pcap"),
        N_("Export the segments so far as a pcap file for Wireshark"),
        footer=False,
    ),
    Command("v", "switch_view", N_("View"), N_("Switch the centre view: timeline ⇄ state diagram"), priority=100),
    Command(
        "t",
        "toggle_relative",
        N_("Rel/Abs"),
        N_("Show sequence numbers relative to the ISN, or absolute"),
        footer=False,
    ),
    Command(
        "g",
        "toggle_predict",
        N_("Predict"),
        N_("Predict mode: before each state change, choose the next state; the score is kept"),
        footer=False,
    ),
    Command(
        "question_mark",
        "help",
        N_("Help"),
        N_("Keys, every state explained, and why TIME-WAIT lasts 2·MSL"),
        display_key="?",
        priority=100,
    ),
    Command(
        "escape",
        "census",
        N_("Census"),
        N_("Back to the census of the capture, after enter opened one of its conversations there"),
        footer=False,
        display_key="esc",
        priority=85,
    ),
    Command("q", "quit", N_("Quit"), N_("Quit tcpsim"), priority=100),
)


def bindings() -> list[BindingType]:
    """The app's BINDINGS, from the table (in English: :func:`translate_bindings` translates them)."""
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


TEXTUAL_WORDS = (
    # Textual's own bindings and commands, which its key panel, footer and command palette show
    N_("Quit"),
    N_("Quit the app and return to the command prompt."),
    N_("palette"),
    N_("Open the command palette"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Hide the keys and widget help panel"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)
"""What Textual itself says in our app, so that the catalogue translates it too."""


def translate_bindings(node: DOMNode) -> None:
    """Show ``node``'s bindings in the user's language: a class's BINDINGS are made with it, in
    English, before the language is known; each node has its own copy, translated here."""
    table = node._bindings.key_to_bindings
    for key, found in table.items():
        table[key] = [
            replace(b, description=_(b.description), tooltip=_(b.tooltip) if b.tooltip else b.tooltip) for b in found
        ]
