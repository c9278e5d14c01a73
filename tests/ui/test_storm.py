"""Key storms: the app survives random keys, typing into its dialogs and resizes down to 40×12.

Every key of the command catalogue (tcpsim/ui/commands.py, but ``q``), the keys dialogs and lists
use, text typed into every prompt (markup, ``~user``, emoji), scenario and capture files typed into
the load dialog (good ones and bad ones), and terminal sizes between 40×12 and 160×50, all chosen at
random with the app's clock running. After every action the app must still be running with no
exception, and at the end its memory and its trace must be bounded by what was done.

Environment:

``TCPSIM_STORM_SECONDS``
    How long the storms run in total, in seconds (default 10, split over three starting sessions:
    the sandbox, a bundled scenario and an imported capture). A long hunt:
    ``TCPSIM_STORM_SECONDS=600 pytest tests/ui/test_storm.py``.
``TCPSIM_STORM_SEED``
    The seed of the random choices (default: a fixed one; ``random``: a new one each run, for a
    hunt; see storm_seeds.py). A failure prints the seed it ran with; the same seed replays the same
    choices (timing, and so what the clock did between keys, may differ).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import resource
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from storm_seeds import storm_seeds
from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.events import Resize
from textual.geometry import Size
from textual.keys import _character_to_key, key_to_character
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tcpsim.capture import import_capture
from tcpsim.capture.session import ImportSession
from tcpsim.scenario import load_file, resolve
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.commands import COMMANDS
from tcpsim.ui.screens.load import LoadScenario

ROOT = Path(__file__).resolve().parents[2]
CAPTURE = ROOT / "tests" / "capture" / "data" / "linux-client-closes-lo.pcap"
DEFAULT_SECONDS = 10.0

COMMAND_KEYS: list[str] = [key for c in COMMANDS if c.action != "quit" for key in c.key.split(",")]
"""Every key of the catalogue but quit's: a storm that quits proves nothing."""
NAVIGATION_KEYS = ["escape", "enter", "up", "down", "left", "right", "home", "end", "pageup", "pagedown"]
EDITING_KEYS = ["backspace", "delete", "ctrl+a", "ctrl+e", "ctrl+k", "ctrl+u", "ctrl+w", "home", "end", "left"]
TEXT = "abcdefghijklmnoprstuvwxyz0123456789 .-_[]\\$@=:'\"{}#~é中🙂"
"""Typed into prompts: markup brackets, ``~`` (``~nosuchuser`` cannot be expanded), wide characters.
No ``/``: a save or an export to an absolute path would write outside the storm's directory. No
``q``: text typed just as a dialog closes reaches the main screen, where ``q`` quits."""
NASTY = ("~nosuchuser", "~", "..", ".", " ", "[/b]", "[b]x", "$name", "\\[", "[@click=app.quit]x[/]", "中" * 40)
"""Whole texts that have broken apps: paths Python cannot expand or that are directories, markup."""
SIZES = (40, 160), (12, 50)

MAX_TRACE_PER_ACTION = 40
"""No key adds more than a few dozen trace records (a send, the segments and timers it causes):
a trace longer than this per action means something grows by itself."""
MAX_WIDGET_GROWTH = 100
"""Widgets alive at the end (dialogs closed) beyond those alive at the start. Widgets that outlive
their screen are the leak a storm finds: the footer's keys once stayed alive after every recompose
(some 460 KiB per dialog opened)."""
MAX_RSS_GROWTH = 256 * 1024 * 1024
"""Resident memory the process may gain over one storm: generous (the allocator keeps what it
freed), but a leak of a few hundred KiB per key outgrows it within minutes."""


def storm_seconds() -> float:
    """TCPSIM_STORM_SECONDS, or the short default for every run of the suite."""
    return float(os.environ.get("TCPSIM_STORM_SECONDS", DEFAULT_SECONDS))


def storm_seed() -> int:
    """TCPSIM_STORM_SEED (an integer, or ``random`` for a fresh one, reported on failure), else 0."""
    (seed,) = storm_seeds((0,))
    return seed


@dataclass
class Storm:
    """One storm's random source and record of what it did, for the failure message."""

    rng: random.Random
    files: list[str]
    actions: int = 0
    log: list[str] = field(default_factory=list)

    def note(self, action: str) -> None:
        self.actions += 1
        self.log.append(action)
        del self.log[:-40]


def storm_files(folder: Path) -> list[str]:
    """Files the storm types into the load dialog, copied beside it under short relative names."""
    sources = {
        "hand.toml": resolve("three-way-handshake"),
        "lost.toml": resolve("lost-final-ack"),
        "cap.pcap": CAPTURE,
        "any.pcapng": ROOT / "tests" / "capture" / "data" / "linux-client-closes-any.pcapng",
        "bad1.toml": ROOT / "tests" / "bad_inputs" / "unknown-action.toml",
        "bad2.toml": ROOT / "tests" / "bad_inputs" / "binary.toml",
        "bad3.toml": ROOT / "tests" / "bad_inputs" / "toml-unclosed-string.toml",
    }
    for name, source in sources.items():
        shutil.copyfile(source, folder / name)
    (folder / "cut.pcap").write_bytes(CAPTURE.read_bytes()[:-7])
    (folder / "text.pcap").write_text("not a capture\n")
    (folder / "[b]mark[u].toml").write_text(  # a name and notes that are markup, loaded and shown as written
        'name = "[/b] markup"\nsummary = "[i]x[/b]"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n'
        'note = "[/z]"\n[[step]]\nat = 0.5\non = "client"\ndo = "connect"\n'
        '[[expect]]\nat = 9\nclient = "CLOSED"\nnote = "[/q]"\n'
    )
    (folder / "dir.toml").mkdir()
    return [*sources, "cut.pcap", "text.pcap", "[b]mark[u].toml", "dir.toml", "nowhere.pcap", "~nosuchuser"]


async def send(app: TcpsimApp, pilot: Pilot, keys: list[str]) -> None:
    """Queue ``keys`` at once, as a fast typist or a paste into the terminal does, then let the app
    handle what is queued.

    Not :meth:`Pilot.press`: it waits for the process to go idle after every key, which takes up
    to a second while the clock plays, and would leave a storm of minutes a few hundred keys.
    """
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else key_to_character(key)))
    await pilot.pause(0)


def random_text(rng: random.Random) -> str:
    """A few characters of :data:`TEXT`."""
    return "".join(rng.choice(TEXT) for _ in range(rng.randint(1, 12)))


def key_name(character: str) -> str:
    """The key that types ``character`` (``[`` is ``left_square_bracket``)."""
    return character if character.isalnum() else _character_to_key(character)


async def act(app: TcpsimApp, pilot: Pilot, storm: Storm) -> None:
    """One random action: keys, typing, a file to load, a resize or a wait with the clock running."""
    rng = storm.rng
    roll = rng.random()
    if roll < 0.06:
        width, height = rng.randint(*SIZES[0]), rng.randint(*SIZES[1])
        storm.note(f"resize {width}x{height}")
        size = Size(width, height)
        if isinstance(app._driver, HeadlessDriver):
            app._driver._size = size  # as Pilot.resize_terminal does, without its wait for idle
        app.post_message(Resize(size, size))
        await pilot.pause(0)
    elif roll < 0.10:
        wait = rng.choice((0.0, 0.02, 0.1, 0.3))
        storm.note(f"wait {wait}")
        await pilot.pause(wait)
    elif roll < 0.16 and isinstance(app.screen, LoadScenario) and app.screen.query("#scenario-path"):
        name = rng.choice(storm.files)  # the dialog is composed: its path field exists
        storm.note(f"load {name!r}")
        app.screen.query_one("#scenario-path", Input).focus()
        await send(app, pilot, ["ctrl+a", "ctrl+k", *map(key_name, name), "enter"])
    elif roll < 0.30 and isinstance(app.focused, Input):
        text = rng.choice(NASTY) if rng.random() < 0.3 else random_text(rng)
        keys = [rng.choice(EDITING_KEYS) if rng.random() < 0.1 else key_name(ch) for ch in text]
        if rng.random() < 0.4:
            keys = ["ctrl+a", "ctrl+k", *keys]  # the field cleared first: the text is all there is
        storm.note(f"type {keys!r}")
        await send(app, pilot, keys)
    else:
        # Keys faster than the app handles them, as from a held key: each is queued before the one
        # before it has been handled, and meets whatever screen the earlier ones opened.
        count = 1 if rng.random() < 0.4 else rng.randint(2, 10)
        keys = [rng.choice(COMMAND_KEYS if rng.random() < 0.75 else NAVIGATION_KEYS) for _ in range(count)]
        storm.note(f"keys {keys!r}")
        await send(app, pilot, keys)


def resident_bytes() -> int:
    """The process's resident memory now (Linux), else its peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def live_widgets() -> int:
    """Widgets alive anywhere in the process, mounted or not, after a full collection."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Widget))


@dataclass
class Outcome:
    """What a storm left behind, to be checked against bounds."""

    actions: int
    widgets: tuple[int, int]
    rss: tuple[int, int]
    trace: int


def run_storm(app: TcpsimApp, seconds: float, storm: Storm, label: str) -> Outcome:
    """Run the storm on ``app`` for ``seconds``, checking after every action that the app still runs."""

    async def main() -> Outcome:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            widgets, rss = live_widgets(), resident_bytes()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                await act(app, pilot, storm)
                assert app._exception is None and app.is_running, f"{label}: the app stopped"
            for _ in range(20):  # back to the main screen, every dialog closed
                # An answered predict question resumes play when it closes, and play may ask the next
                # one: stop play before each escape, until nothing is left open.
                app.playing = False
                await pilot.press("escape")
                await pilot.pause()
                if len(app.screen_stack) == 1:
                    break
            app.clear_notifications()
            await pilot.pause()
            assert app._exception is None and app.is_running, f"{label}: the app stopped"
            assert len(app.screen_stack) == 1, app.screen_stack
            return Outcome(storm.actions, (widgets, live_widgets()), (rss, resident_bytes()), len(app.session.trace))

    return asyncio.run(main())


STARTS = ("sandbox", "scenario", "import")


@pytest.fixture(scope="module")
def seed() -> int:
    return storm_seed()


@pytest.mark.parametrize("start", STARTS)
def test_key_storm(start: str, seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app survives a storm of keys, typing and resizes; memory and trace stay bounded."""
    monkeypatch.chdir(tmp_path)  # saves and exports land here
    monkeypatch.setenv("HOME", str(tmp_path))  # and so does anything typed as ~
    seconds = storm_seconds() / len(STARTS)
    storm = Storm(random.Random(f"{seed}-{start}"), storm_files(tmp_path))
    if start == "import":
        app = TcpsimApp(session=ImportSession(import_capture(CAPTURE)))
    else:
        app = TcpsimApp(load_file(resolve("lost-final-ack")) if start == "scenario" else None)
    replay = f"TCPSIM_STORM_SEED={seed} TCPSIM_STORM_SECONDS={storm_seconds():g} pytest {__file__}"
    try:
        outcome = run_storm(app, seconds, storm, start)
    except BaseException as exc:
        raise AssertionError(
            f"storm {start!r}, seed {seed}: {type(exc).__name__}: {exc} after {storm.actions} actions; "
            f"the last ones: {storm.log}\nreplay: {replay}"
        ) from exc
    (widgets_before, widgets_after), (rss_before, rss_after) = outcome.widgets, outcome.rss
    print(
        f"storm {start}: seed {seed}, {outcome.actions} actions in {seconds:.1f} s; widgets alive "
        f"{widgets_before} -> {widgets_after}, resident memory {rss_before / 2**20:.0f} -> "
        f"{rss_after / 2**20:.0f} MiB, "
        f"trace {outcome.trace}"
    )
    assert outcome.actions > 0
    assert outcome.trace <= MAX_TRACE_PER_ACTION * (outcome.actions + 10), (
        f"seed {seed}: {outcome.trace} trace records after {outcome.actions} actions\nreplay: {replay}"
    )
    assert widgets_after <= widgets_before + MAX_WIDGET_GROWTH, (
        f"seed {seed}: {widgets_after - widgets_before} more widgets alive after the storm\nreplay: {replay}"
    )
    assert rss_after <= rss_before + MAX_RSS_GROWTH, (
        f"seed {seed}: resident memory grew by {(rss_after - rss_before) / 2**20:.0f} MiB\nreplay: {replay}"
    )
