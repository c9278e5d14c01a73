"""The Textual UI. It draws the session's view and sends it intents; it never changes protocol state."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from ..capture import ImportResult
    from .app import TcpsimApp


@contextmanager
def quiet_start() -> Iterator[None]:
    """Each launcher runs inside it: the cyclic garbage collector waits until the app's first frame
    is drawn (TcpsimApp.on_mount turns it back on), or until the launcher returns, whichever comes
    first. Start-up makes a few hundred thousand objects (modules, classes, Textual's styles and
    widgets) and frees almost no cycles, yet the collector would walk them well over a hundred
    times before the first frame (BENCHMARKS.md, UI start-up)."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def settle_imports() -> None:
    """Called once everything start-up needs is imported, just before the app runs (``tcpsim``,
    ``tcpsim import``, ``tcpsim load --ui``, and the start-up benchmark, which does what they do).

    The objects created so far (modules, functions, Textual's and Rich's tables, tcpsim's classes)
    live as long as the process: frozen out of the cyclic collector's sight, they no longer make its
    first full collection, which otherwise lands while the first frame is drawn (BENCHMARKS.md, UI
    start-up). Here and not on import of a module, so that a test process or a library user that
    imports the app is not changed by it."""
    gc.freeze()


def launch(
    scenario: str | None = None,
    language: str = "en",
    *,
    stack: str | None = None,
    defines: tuple[str, ...] = (),
    predict: bool = False,
) -> int:
    """Open the app, on a scenario file or bundled NAME, a capture, or a packetdrill ``FILE.pkt``, if given;
    ``stack``: played by that stack personality (the app's ``k`` changes it); ``predict``: in
    predict mode. Returns the exit code: 2, with the message, for a file that cannot be opened."""
    with quiet_start():
        from ..i18n import set_language
        from ..render import print_error
        from .app import TcpsimApp
        from .census_actions import CensusSource
        from .opening import OpenError, open_session

        set_language(language)
        try:
            opened = open_session(scenario, stack, defines)
        except OpenError as exc:
            print_error(str(exc))
            return 2
        settle_imports()
        # A capture of several conversations opens on their census.
        app = TcpsimApp(census=opened) if isinstance(opened, CensusSource) else TcpsimApp(session=opened)
        app.predicting = predict
        app.run()
    return 0


def launch_import(result: ImportResult, language: str = "en") -> int:
    """Open the app on one imported conversation (``tcpsim import FILE``), to step through it."""
    with quiet_start():
        from ..capture.session import ImportSession
        from ..i18n import set_language
        from .app import TcpsimApp

        set_language(language)
        session = ImportSession(result)
        settle_imports()
        TcpsimApp(session=session).run()
    return 0


def launch_census(path: str, msl: float, stack: str, language: str = "en") -> int:
    """Open the app on the census of a capture of several conversations (``tcpsim import FILE``,
    observed with its ``--msl`` and ``--stack``): the screen reads the file, with its progress shown;
    enter there opens one conversation."""
    with quiet_start():
        from ..i18n import set_language
        from .app import TcpsimApp
        from .census_actions import CensusSource

        set_language(language)
        settle_imports()
        TcpsimApp(census=CensusSource(path, msl, stack)).run()
    return 0


def lab_app(args: argparse.Namespace, *, clock: bool = True) -> TcpsimApp:
    """The app of ``tcpsim load --ui``: open on the TIME-WAIT lab with ``tcpsim load``'s parsed
    options; leaving the lab ends the app. Raises ValueError, with the headless run's message,
    when the options do not fit together (before anything is drawn)."""
    from .app import TcpsimApp
    from .screens.lab import lab_screen_from_args

    return TcpsimApp(clock=clock, lab=lab_screen_from_args(args, clock=clock))


def launch_lab(args: argparse.Namespace, language: str = "en") -> int:
    """``tcpsim load --ui``: the lab live, or exit code 2 with a message for options that do not fit."""
    with quiet_start():
        from ..i18n import set_language
        from ..render import print_error

        set_language(language)
        try:
            app = lab_app(args)
        except ValueError as exc:
            print_error(str(exc))
            return 2
        settle_imports()
        app.run()
    return 0
