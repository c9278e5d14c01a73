"""The bundled scenarios, and turning a FILE-or-NAME argument into a scenario file.

In a source checkout they live in the top-level ``scenarios/``; an installed wheel carries the
same files as ``tcpsim/_scenarios`` (see ``setup.py``).
"""

from __future__ import annotations

from pathlib import Path

from ..i18n import _
from .table import ScenarioError, suggest

_PACKAGE = Path(__file__).resolve().parent.parent


def scenarios_dir() -> Path | None:
    """Where the bundled scenarios are, or None if this installation has none."""
    for candidate in (_PACKAGE / "_scenarios", _PACKAGE.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    return None


def bundled() -> list[Path]:
    """Every bundled scenario file, sorted by name."""
    folder = scenarios_dir()
    return sorted(folder.glob("*.toml")) if folder else []


COURSE = (
    # the handshake
    "three-way-handshake",
    "simultaneous-open",
    "data-transfer",
    # the teardown
    "active-close-client",
    "active-close-server",
    "half-close",
    "simultaneous-close",
    # losses and the network's other faults
    "lost-syn",
    "lost-syn-ack",
    "lost-fin",
    "lost-final-ack",
    "out-of-order",
    "duplicate-segment",
    "give-up",
    # resets, and what TIME-WAIT protects
    "rst-closed-port",
    "abort",
    "rst-challenge-ack",
    "reconnect-same-ports",
    "syn-in-time-wait",
    "old-duplicate-time-wait",
    # the what-ifs: stacks that skip TIME-WAIT
    "lost-final-ack-no-time-wait",
    "old-duplicate-no-time-wait",
)
"""The bundled scenarios in the order a course tells the story (``tcpsim list``, the app's picker):
the handshake first, then the teardown, losses, resets, and the what-ifs last."""


def course() -> list[Path]:
    """Every bundled scenario in :data:`COURSE` order; any not placed there follows, by name."""
    files = bundled()
    rank = {name: i for i, name in enumerate(COURSE)}
    return sorted(files, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def _exists(path: Path) -> bool:
    """``Path.exists``, except that a name the system refuses to look up (too long, a NUL, a loop
    of links) counts as existing: it is no bundled NAME, and the loader then says what is wrong."""
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):
        return True


def resolve(arg: str) -> Path:
    """A path if ``arg`` names an existing file (or looks like a path), else a bundled scenario."""
    if not arg:  # Path("") is ".", the current directory: say what is really wrong
        raise ScenarioError("''", "", _("no scenario given (the FILE|NAME argument is empty)"))
    path = Path(arg)
    if path.suffix == ".toml" or "/" in arg or "\\" in arg or _exists(path):
        return path
    names = {p.stem: p for p in bundled()}
    key = arg.strip().lower().replace("_", "-").replace(" ", "-")
    if key in names:
        return names[key]
    hint = suggest(key, names) or (_("; bundled: {names}").format(names=", ".join(names)) if names else "")
    message = _("no such file, and no bundled scenario of that name{hint} (see `tcpsim list`)")
    raise ScenarioError(arg, "", message.format(hint=hint))
