"""Bad input in the app: every malformed scenario and capture of the catalogues is a notification.

The command line's catalogues (tests/scenario/test_bad_inputs.py: ``EXPECTED``, the scenario files
of tests/bad_inputs/; tests/capture/test_capture_reader.py: ``BAD_FILES``, bad capture bytes) are
run here through the running app: ``load_path`` for every case, the load dialog (``l``, a path
typed and enter) for a few. Each must give one error notification that names the file and says
what is wrong, with the app still running and its session untouched: the same session, the same
trace, the same time. One app runs a whole catalogue (an app costs about a second to start); a
failure names every file that failed.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import struct
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.notifications import Notification
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tcpsim.capture import import_capture
from tcpsim.capture.session import ImportSession
from tcpsim.core.states import State
from tcpsim.escape import visible
from tcpsim.scenario import resolve
from tcpsim.scenario.session import Session
from tcpsim.sim.trace import SendEvent, TraceEvent
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.opening import CAPTURE_MAGICS, MAX_CAPTURE_BYTES
from tcpsim.ui.screens.dialogs import Details, ScenarioInfo
from tcpsim.ui.screens.load import LoadScenario

TESTS = Path(__file__).resolve().parents[1]
BAD = TESTS / "bad_inputs"
CAPTURES = TESTS / "capture" / "data"
LINUX = CAPTURES / "linux-client-closes-lo.pcap"


def _catalogue(path: Path) -> ModuleType:
    """Another folder's test module, for its data: its tests are collected there, not here.

    Loaded under its own name so that pytest's import of it (same file) is not disturbed; its
    folder goes on ``sys.path`` for the helpers it imports (``capture_files``).
    """
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"tcpsim_ui_catalogue_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCENARIOS: dict[str, tuple[str, str]] = _catalogue(TESTS / "scenario" / "test_bad_inputs.py").EXPECTED
"""Scenario file name in tests/bad_inputs/ -> (where the message must point, what it must say)."""
_capture_tests = _catalogue(TESTS / "capture" / "test_capture_reader.py")
CAPTURE_FILES: dict[str, tuple[bytes, str]] = _capture_tests.BAD_FILES
"""Case name -> (the capture file's bytes, what the message must say)."""
capture_files = importlib.import_module("capture_files")  # tests/capture's helpers, on sys.path now


# ---------------------------------------------------------------------------------------- harness
@dataclass(frozen=True)
class Before:
    """What must not change when a load fails: the session object and everything it shows."""

    session: Session
    kind: type
    scenario: object
    now: float
    trace: tuple[TraceEvent, ...]
    states: tuple[State, State]
    playing: bool

    @classmethod
    def of(cls, app: TcpsimApp) -> Before:
        s = app.session
        view = s.view
        eps = view.endpoints
        trace = tuple(view.trace.records[: view.trace.length])
        return cls(s, type(s), s.scenario, view.t, trace, (eps["client"].state, eps["server"].state), app.playing)

    def changes(self, app: TcpsimApp) -> list[str]:
        """What differs now: nothing, or the list of what was lost."""
        after = Before.of(app)
        lost = [name for name in ("session", "scenario") if getattr(after, name) is not getattr(self, name)]
        if len(after.trace) != len(self.trace) or any(a is not b for a, b in zip(after.trace, self.trace, strict=True)):
            lost.append(f"trace ({len(self.trace)} records -> {len(after.trace)})")
        lost += [
            f"{name} {getattr(self, name)} -> {getattr(after, name)}"
            for name in ("kind", "now", "states", "playing")
            if getattr(after, name) != getattr(self, name)
        ]
        return lost


async def fails_cleanly(app: TcpsimApp, pilot: Pilot, path: Path, load: Callable[[], Awaitable[object]]) -> str:
    """Run ``load`` (which tries to open ``path``) and check the app's answer.

    Returns the error notification's text, or raises AssertionError saying what went wrong.
    """
    before = Before.of(app)
    app.clear_notifications()
    await load()
    await pilot.pause()  # the notification is posted, then shown: a toast is rendered here
    assert app._exception is None, f"{path}: the app crashed: {app._exception!r}"
    assert app.is_running, f"{path}: the app stopped"
    errors: list[Notification] = [n for n in app._notifications if n.severity == "error"]
    assert len(errors) == 1, f"{path}: expected one error notification, got {[n.message for n in app._notifications]}"
    assert not errors[0].markup, f"{path}: the message quotes a file: it must not be read as markup"
    lost = before.changes(app)
    assert not lost, f"{path}: a failed load changed the session: {lost}"
    return errors[0].message


async def load_paths_fail(
    app: TcpsimApp, pilot: Pilot, expected: dict[Path, str], label: Callable[[Path], str]
) -> list[str]:
    """``app.load_path`` each path: each must fail cleanly with a message that starts with the path
    and says what is expected. Returns the failures, each labelled by ``label(path)``."""
    failures = []
    for path, what in expected.items():

        async def load(path: Path = path) -> None:
            assert app.load_path(path) is False

        try:
            message = squash(await fails_cleanly(app, pilot, path, load))
            # Starts with the file, as it would be shown: a NUL in its name is escaped (\x00), never raw.
            assert message.startswith(f"{visible(str(path))}: "), f"the message must start with the file: {message}"
            assert what in message, f"the message must say {what!r}: {message}"
        except AssertionError as exc:
            failures.append(f"{label(path)}: {exc}")
    return failures


def run_app(app: TcpsimApp, script: Callable[[TcpsimApp, Pilot], Awaitable[list[str]]]) -> None:
    """Run ``script`` in ``app``; it returns the failures, which fail the test all together."""

    async def main() -> list[str]:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            failures = await script(app, pilot)
            await pilot.press("n")  # still answering keys
            await pilot.pause()
            assert app._exception is None and app.is_running
            return failures

    failures = asyncio.run(main())
    assert not failures, f"{len(failures)} case(s) failed:\n" + "\n".join(failures)


async def busy_sandbox(app: TcpsimApp, pilot: Pilot) -> None:
    """A session with something to lose: the handshake done, data sent, time moved on.

    By the app's actions rather than keys: the keys are tested elsewhere, and each costs a pause.
    """
    app.action_step()
    app.action_open()
    for _ in range(12):
        if app.session.world.endpoints["server"].state is State.ESTABLISHED:
            break
        app.action_step()
    app.session.act("client", "send", b"hello")
    app.action_step()
    await pilot.pause()
    assert app.session.world.endpoints["client"].state is State.ESTABLISHED
    assert app.session.now > 0 and app.session.world.in_flight


async def stepped_import(app: TcpsimApp, pilot: Pilot) -> None:
    """An imported capture three frames in."""
    await pilot.press("n", "n", "n")
    assert isinstance(app.session, ImportSession) and app.session.position == 3


async def type_path(app: TcpsimApp, pilot: Pilot, text: str) -> None:
    """``l``, a click in the dialog's path field, ``text`` typed and enter.

    The keys of the path are queued at once, as a paste delivers them, and handled before this
    returns: :meth:`Pilot.press` would wait for the process to idle after each (a second a path).
    """
    await pilot.press("l")
    assert isinstance(app.screen, LoadScenario)
    await pilot.click("#scenario-path")
    for character in text:
        key = character if character.isalnum() else _character_to_key(character)
        app.post_message(events.Key(key, character))
    await pilot.press("enter")
    assert not isinstance(app.screen, LoadScenario), "enter closes the dialog"


def squash(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------- the scenario catalogue
def test_the_scenario_catalogue_is_all_here() -> None:
    """Every file of tests/bad_inputs/ has an expectation, so the loop below runs every one."""
    assert sorted(SCENARIOS) == sorted(p.name for p in BAD.glob("*.toml"))
    assert len(SCENARIOS) >= 30


def test_every_bad_scenario_file_is_a_notification_and_nothing_is_lost() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        await busy_sandbox(app, pilot)
        failures = []
        for name, (where, what) in sorted(SCENARIOS.items()):
            path = BAD / name

            async def load(path: Path = path) -> None:
                assert app.load_path(path) is False

            try:
                message = squash(await fails_cleanly(app, pilot, path, load))
                assert message.startswith(f"{path}: "), f"{name}: the message must start with the file: {message}"
                assert squash(where) in message, f"{name}: the message must point at {where!r}: {message}"
                assert squash(what) in message, f"{name}: the message must say {what!r}: {message}"
            except AssertionError as exc:
                failures.append(f"{name}: {exc}")
        return failures

    run_app(TcpsimApp(clock=False), script)


# ---------------------------------------------------------------------------------------- the capture catalogue
def test_the_capture_catalogue_is_big_enough() -> None:
    assert len(CAPTURE_FILES) >= 10


def test_every_bad_capture_is_a_notification_and_nothing_is_lost(tmp_path: Path) -> None:
    """Each bad capture as ``NAME.pcap``; and those that start like a capture also as a file with no
    extension at all, which the app must recognise by its first bytes and report the same way."""
    files: dict[Path, str] = {}
    for name, (data, expected) in CAPTURE_FILES.items():
        files[tmp_path / f"{name}.pcap"] = expected
        if data[:4] in CAPTURE_MAGICS:
            files[tmp_path / f"{name}-no-extension"] = expected
    for path in files:
        stem = path.name.removesuffix(".pcap").removesuffix("-no-extension")
        path.write_bytes(CAPTURE_FILES[stem][0])
    assert len(files) > len(CAPTURE_FILES)  # the magic bytes were tried, not only the names

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        await stepped_import(app, pilot)
        return await load_paths_fail(app, pilot, files, lambda path: path.name)

    run_app(TcpsimApp(session=ImportSession(import_capture(LINUX)), clock=False), script)


# ---------------------------------------------------------------------------------------- paths that are not good files
def odd_paths(folder: Path) -> dict[Path, str]:
    """Paths that are no file to open -> what the message must say."""
    huge_scenario = folder / "huge.toml"
    huge_scenario.write_bytes(b"# " + b"x" * (4 * 1024 * 1024) + b"\n")
    huge_capture = folder / "huge.pcap"
    with huge_capture.open("wb") as handle:  # a valid header, then (sparse) zeros past the limit
        handle.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 101))
        handle.truncate(MAX_CAPTURE_BYTES + 1)
    for name in ("folder.toml", "folder.pcap", "folder"):
        (folder / name).mkdir()
    fifo = folder / "pipe.toml"
    os.mkfifo(fifo)  # opening it would block the app until something writes
    (folder / "loop-a.toml").symlink_to(folder / "loop-b.toml")  # ELOOP: no missing file
    (folder / "loop-b.toml").symlink_to(folder / "loop-a.toml")
    markup = folder / "[b]bold[red].toml"  # a name that is markup, and an error that quotes markup
    markup.write_text('name = "x"\n"[bold red]oops[/]" = 1\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n')
    paths = {
        folder / "nowhere.toml": "no such file",
        folder / "nowhere.pcap": "no such file",
        folder / "nowhere": "no such file",
        folder / "no" / "such" / "dir" / "x.toml": "no such file",
        huge_scenario / "inside.toml": "no such file",  # a file used as a directory
        folder / "folder.toml": "is a directory",
        folder / "folder.pcap": "is a directory",
        folder / "folder": "is a directory",
        huge_scenario: "too large",
        huge_capture: "too large to open in the app",
        fifo: "not a regular file",
        folder / ("x" * 300 + ".toml"): "cannot read it (File name too long)",
        folder / ("x" * 300): "cannot read it (File name too long)",
        folder / "loop-a.toml": "cannot read it (Too many levels of symbolic links)",
        Path(f"{folder}/nul\0.toml"): "not a possible file name",
        markup: "unknown key '[bold red]oops[/]'",
    }
    if Path("/dev/zero").exists():
        paths[Path("/dev/zero")] = "not a regular file"
    if os.geteuid() != 0:  # root reads any file
        secret = folder / "secret.pcap"
        secret.write_bytes(LINUX.read_bytes())
        secret.chmod(0)
        paths[secret] = "cannot read"
    return paths


def test_paths_that_are_no_file_to_open(tmp_path: Path) -> None:
    paths = odd_paths(tmp_path)

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        await busy_sandbox(app, pilot)
        return await load_paths_fail(app, pilot, paths, lambda path: repr(str(path)[-60:]))

    run_app(TcpsimApp(clock=False), script)


# ---------------------------------------------------------------------------------------- through the load dialog
def test_typing_bad_paths_into_the_load_dialog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``l``, a path typed into the dialog, enter: the same notifications as ``load_path``."""
    monkeypatch.chdir(tmp_path)  # short relative names: each is typed key by key
    (tmp_path / "a.toml").write_bytes((BAD / "unknown-action.toml").read_bytes())
    (tmp_path / "c.pcap").write_bytes(CAPTURE_FILES["cut-in-packet"][0])
    (tmp_path / "d").write_bytes(CAPTURE_FILES["802.11"][0])  # a capture by its bytes alone
    (tmp_path / "e.toml").mkdir()
    cases = {
        "a.toml": SCENARIOS["unknown-action.toml"][1],
        "c.pcap": CAPTURE_FILES["cut-in-packet"][1],
        "d": CAPTURE_FILES["802.11"][1],
        "e.toml": "is a directory",
        "~nosuchuser": "no such file",  # ~ of an unknown user is left as typed
    }

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        await busy_sandbox(app, pilot)
        failures = []
        for typed, expected in cases.items():

            async def load(typed: str = typed) -> None:
                await type_path(app, pilot, typed)

            try:
                message = squash(await fails_cleanly(app, pilot, Path(typed), load))
                assert message.startswith(f"{typed}: ") and expected in message, message
            except AssertionError as exc:
                failures.append(f"{typed}: {exc}")
        return failures

    run_app(TcpsimApp(clock=False), script)


# ---------------------------------------------------------------------------------------- good files
def test_the_app_opens_captures_and_scenarios_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A capture opens from the app (by its bytes, whatever its name), steps like ``tcpsim import``,
    and a scenario loaded after it leaves the import; all through the same dialog."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cap.toml").write_bytes(LINUX.read_bytes())  # a capture misnamed: its bytes decide
    (tmp_path / "hs.toml").write_bytes(resolve("three-way-handshake").read_bytes())

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        await busy_sandbox(app, pilot)
        await pilot.press("space")
        await type_path(app, pilot, "cap.toml")
        session = app.session
        assert isinstance(session, ImportSession), type(session)
        assert session.scenario.name == "cap.toml, stream 0"
        assert session.now == 0.0 and not app.playing
        await pilot.press("n")
        assert session.view.endpoints["client"].state is State.SYN_SENT
        await pilot.press("o")  # a record cannot be changed: a notification, not a crash
        await type_path(app, pilot, "hs.toml")
        assert type(app.session) is Session and app.session.scenario.name == "Three-way handshake"
        assert app.load_path(CAPTURES / "linux-client-closes-any.pcapng")  # pcapng, from a scenario
        assert isinstance(app.session, ImportSession)
        await pilot.press("n", "n")
        while not app.session.finished:
            app.action_step()
        await pilot.pause()
        return []

    run_app(TcpsimApp(clock=False), script)


def test_a_capture_with_several_conversations_opens_their_census(tmp_path: Path) -> None:
    """Issue 14 changed this: where the app showed stream 0 with a warning naming the others, it now
    opens the census of them all (tests/ui/test_census_screen.py), over the session the user had."""
    from tcpsim.ui.screens.census import CensusScreen

    path = capture_files.two_streams(tmp_path / "two.pcap")

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        before = app.session
        assert app.load_path(path)
        await pilot.pause()
        assert isinstance(app.screen, CensusScreen) and app.screen.path == str(path)
        assert app.session is before
        return []

    run_app(TcpsimApp(clock=False), script)


def test_a_scenario_whose_text_is_markup_is_shown_as_written(tmp_path: Path) -> None:
    """Names, summaries and notes come from files: ``[/b]`` in one is text, not a crash of the app."""
    path = tmp_path / "markup.toml"
    path.write_text(
        'name = "[/b] unbalanced"\nsummary = "[i]x[/b]"\ndescription = "[/u]"\n'
        '[[step]]\nat = 0\non = "server"\ndo = "listen"\nnote = "[/z]"\n'
        '[[step]]\nat = 0.1\non = "client"\ndo = "connect"\n'
        '[[step]]\nat = 0.5\non = "client"\ndo = "send"\ndata = "[/x]"\n'
        '[[expect]]\nat = 9\nclient = "CLOSED"\nnote = "[/q]"\n'
    )

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        assert app.load_path(path)
        await pilot.pause()
        assert "[/b] unbalanced" in str(app.query_one("#status", Static).render())
        await pilot.press("i")
        assert isinstance(app.screen, ScenarioInfo)
        await pilot.press("escape")
        while not app.session.finished:
            app.action_step()
        sends = [e for e in app.session.trace if isinstance(e, SendEvent) and e.segment.data]
        assert sends and sends[0].segment.data == b"[/x]"
        app.push_screen(Details(sends[0]))  # the data, shown in the details of its segment
        await pilot.pause()
        assert isinstance(app.screen, Details)
        await pilot.press("escape")
        return []

    run_app(TcpsimApp(clock=False), script)


def test_two_quick_closes_of_a_dialog_close_it_once() -> None:
    """Enter then escape, or escape held down, reach a dialog before it has closed: the first
    closes it, the rest must not close the screen under it (Textual would end the app)."""

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        from textual import events

        for opener, closers in (("s", ["enter", "escape"]), ("question_mark", ["escape", "escape", "escape"])):
            await pilot.press(opener)
            for key in closers:  # queued together, as the terminal delivers them
                app.post_message(events.Key(key, None))
            await pilot.pause()
            assert app._exception is None, app._exception
            assert len(app.screen_stack) == 1
        return []

    run_app(TcpsimApp(clock=False), script)


def test_saving_and_exporting_to_odd_paths_are_notifications(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``w`` and ``p`` take a typed path too: ``~nosuchuser`` (which Python cannot expand), a
    directory, a missing directory and a name that is markup are messages, not the end of the app."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "folder").mkdir()
    paths = {
        "~nosuchuser": "",  # written as a file of that name, in the current directory
        "folder": "Is a directory",
        "nodir/x.toml": "No such file or directory",
        "[b]x[red].out": "",
    }

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        await busy_sandbox(app, pilot)
        failures = []
        for key in ("w", "p"):
            for typed, error in paths.items():
                app.clear_notifications()
                await pilot.press(key)
                app.screen.query_one(Input).value = typed
                await pilot.press("enter")
                await pilot.pause()
                notes = [(n.severity, n.message) for n in app._notifications]
                if app._exception is not None or not app.is_running:
                    failures.append(f"{key} {typed!r}: the app crashed: {app._exception!r}")
                    break
                if not any(typed in message and error in message for _, message in notes):
                    failures.append(f"{key} {typed!r}: {notes}")
                (tmp_path / "~nosuchuser").unlink(missing_ok=True)
                (tmp_path / "[b]x[red].out").unlink(missing_ok=True)  # else the next write asks first
        return failures

    run_app(TcpsimApp(clock=False), script)


def test_open_errors_are_never_raised() -> None:
    """``load_path`` answers with a notification even for an error no reader anticipated."""

    async def script(app: TcpsimApp, pilot: Pilot) -> list[str]:
        before = Before.of(app)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("tcpsim.ui.opening.load_file", lambda path: 1 / 0)
            assert app.load_path(Path("anything.toml")) is False
        await pilot.pause()
        messages = [n.message for n in app._notifications if n.severity == "error"]
        assert any("anything.toml" in m and "ZeroDivisionError" in m for m in messages), messages
        assert not before.changes(app)
        return []

    run_app(TcpsimApp(clock=False), script)
