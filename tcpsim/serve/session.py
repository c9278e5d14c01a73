"""One served session: the process ``tcpsim serve`` starts for each browser tab.

``python -P -m tcpsim.serve.session [--files DIR] [--scenario-file PATH] -- APP-OPTIONS...`` runs
exactly what ``tcpsim APP-OPTIONS`` runs (the app on a scenario, in a language), in the served
mode. The server starts it *ahead* of its tab, as a spare: it imports the app, writes
:data:`READY` on its output and waits for the first message on its input, the tab's size
(textual-serve's ``resize`` packet); only then does the app start, at that size. So a tab that
finds a spare waiting gets its first screen in the time the app takes to draw it, not that plus
Python's start-up and the imports. The process names itself (``/proc/PID/comm``, what ``ps``
shows) ``tcpsim-spare`` once it is ready and waits, and ``tcpsim-session`` once a tab has it. Before the app
starts it

- asks the kernel to end this process when the server that started it dies (Linux's
  ``PR_SET_PDEATHSIG``; the driver also ends the app when its input closes), so that no session
  outlives the server;
- gives the app its file policy (``tcpsim.ui.access``): without ``--files``, loading is limited to
  the bundled scenarios and saving is a download in the browser; with it, both are confined to DIR;
- installs the audit hook of :mod:`tcpsim.serve.guard`, which refuses any other file access, any
  new process and any network connection, whatever code asks.

The imports come before the hook (they read only the runtime's files, and nobody's input has
arrived yet); the hook is in place before the size is read, the first thing from the page.

The server passes the teacher's scenario as an absolute path (``--scenario-file``: the one file
outside DIR this process may read) and starts the process in ``/``, with ``-P`` so that no folder
of the teacher's comes first on ``sys.path`` (and so becomes readable).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

READY = b"__TCPSIM_READY__\n"
"""Written on standard output once the app is imported, before the process waits for its size."""
MAX_CELLS = 1000
"""The largest width or height taken from a page (a bigger one is this): no screen is wider."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tcpsim.serve.session")
    p.add_argument("--files", metavar="DIR", help="the folder the load and save dialogs are confined to")
    p.add_argument("--scenario-file", metavar="PATH", help="the scenario the teacher named, by absolute path")
    p.add_argument("app", nargs=argparse.REMAINDER, help="-- then the app's own options, as tcpsim takes them")
    return p


def _prctl(option: int, value: object) -> bool:
    """Linux's prctl(2) through the C library; False where there is none (not Linux, not glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def die_with_parent() -> None:
    """End this process (SIGTERM, which the driver turns into a clean exit) when its parent dies."""
    import signal

    pr_set_pdeathsig = 1
    if not _prctl(pr_set_pdeathsig, signal.SIGTERM):  # the driver's end-of-input exit remains
        return
    if os.getppid() == 1:  # the server died before the request took effect
        sys.exit(0)


def name_process(name: str) -> None:
    """The name ``ps`` and ``/proc/PID/comm`` show for this process (15 bytes at most)."""
    pr_set_name = 15
    _prctl(pr_set_name, name.encode()[:15])


PRELOAD = (
    "tcpsim.cli",
    "tcpsim.ui.app",
    "tcpsim.serve.driver",
    "textual.layouts.horizontal",  # the layouts the first screen uses (Textual loads them on first use)
    "textual.layouts.stream",
)
"""What the app needs for its first screen, imported before a tab has the process."""


def preload() -> None:
    import importlib

    from rich.cells import cell_len

    for name in PRELOAD:
        importlib.import_module(name)
    cell_len("时")  # loads Rich's table of character widths


def _read_exactly(size: int) -> bytes | None:
    """``size`` bytes from standard input (unbuffered: what follows stays for the app), or None at its end."""
    data = b""
    while len(data) < size:
        chunk = os.read(0, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def wait_for_size() -> tuple[int, int] | None:
    """The tab's (width, height) from the first packet the server sends; None if the server
    ends this spare instead (its input closes, or anything but a size comes)."""
    header = _read_exactly(5)
    if header is None:
        return None
    payload = _read_exactly(int.from_bytes(header[1:], "big"))
    if payload is None or header[:1] != b"M":
        return None
    try:
        meta = json.loads(payload)
        if meta.get("type") != "resize":
            return None
        width, height = int(meta["width"]), int(meta["height"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return max(1, min(width, MAX_CELLS)), max(1, min(height, MAX_CELLS))


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    app_argv = [a for a in args.app if a != "--"] if args.app[:1] == ["--"] else list(args.app)
    die_with_parent()
    sys.dont_write_bytecode = True  # nothing written into the runtime's folders
    preload()
    from tcpsim.cli import main as tcpsim_main
    from tcpsim.ui.access import BundledOnly, Confined, use

    from .guard import default_guard

    use(Confined(args.files) if args.files else BundledOnly())
    default_guard(args.files, args.scenario_file).install()
    name_process("tcpsim-spare")
    os.write(1, READY)
    size = wait_for_size()
    if size is None:
        return 0
    os.environ["COLUMNS"], os.environ["ROWS"] = str(size[0]), str(size[1])  # read by Textual's web driver
    name_process("tcpsim-session")
    return tcpsim_main(app_argv)


if __name__ == "__main__":
    sys.exit(main())
