"""The Textual UI. It reads the session and sends it commands; it never changes protocol state."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..capture import ImportResult


def launch(scenario: str | None = None, language: str = "en") -> int:
    """Open the app, on a scenario file or bundled NAME if given. Returns the exit code."""
    from ..render import print_error
    from ..scenario import ScenarioError, load_file, resolve
    from .app import TcpsimApp
    from .i18n import set_language

    set_language(language)
    loaded = None
    if scenario is not None:
        try:
            loaded = load_file(resolve(scenario))
        except ScenarioError as exc:
            print_error(str(exc))
            return 2
    TcpsimApp(loaded).run()
    return 0


def launch_import(result: ImportResult, language: str = "en") -> int:
    """Open the app on an imported capture (``tcpsim import FILE``), to step through it."""
    from ..capture.session import ImportSession
    from .app import TcpsimApp
    from .i18n import set_language

    set_language(language)
    TcpsimApp(session=ImportSession(result)).run()
    return 0
