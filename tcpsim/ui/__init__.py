"""The Textual UI. It reads the session and sends it commands; it never changes protocol state."""

from __future__ import annotations


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
