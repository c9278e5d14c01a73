"""One served session: the process ``tcpsim serve`` starts for each browser tab.

``python -P -m tcpsim.serve.session [--files DIR] [--scenario-file PATH] -- APP-OPTIONS...`` runs
exactly what ``tcpsim APP-OPTIONS`` runs (the app on a scenario, in a language), in the served
mode: before anything else it

- asks the kernel to end this process when the server that started it dies (Linux's
  ``PR_SET_PDEATHSIG``; the driver also ends the app when its input closes), so that no session
  outlives the server;
- gives the app its file policy (``tcpsim.ui.access``): without ``--files``, loading is limited to
  the bundled scenarios and saving is a download in the browser; with it, both are confined to DIR;
- installs the audit hook of :mod:`tcpsim.serve.guard`, which refuses any other file access, any
  new process and any network connection, whatever code asks.

The server passes the teacher's scenario as an absolute path (``--scenario-file``: the one file
outside DIR this process may read) and starts the process in ``/``, with ``-P`` so that no folder
of the teacher's comes first on ``sys.path`` (and so becomes readable).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tcpsim.serve.session")
    p.add_argument("--files", metavar="DIR", help="the folder the load and save dialogs are confined to")
    p.add_argument("--scenario-file", metavar="PATH", help="the scenario the teacher named, by absolute path")
    p.add_argument("app", nargs=argparse.REMAINDER, help="-- then the app's own options, as tcpsim takes them")
    return p


def die_with_parent() -> None:
    """End this process (SIGTERM, which the driver turns into a clean exit) when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not glibc: the driver's end-of-input exit remains
        return
    if os.getppid() == 1:  # the server died before the request took effect
        sys.exit(0)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    app_argv = [a for a in args.app if a != "--"] if args.app[:1] == ["--"] else list(args.app)
    die_with_parent()
    sys.dont_write_bytecode = True  # nothing written into the runtime's folders
    from tcpsim.ui.access import BundledOnly, Confined, use

    from .guard import default_guard

    use(Confined(args.files) if args.files else BundledOnly())
    default_guard(args.files, args.scenario_file).install()
    from tcpsim.cli import main as tcpsim_main

    return tcpsim_main(app_argv)


if __name__ == "__main__":
    sys.exit(main())
