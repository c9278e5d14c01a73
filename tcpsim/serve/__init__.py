"""``tcpsim serve``: the app in the browser for a classroom, one process per tab (textual-serve).

``tcpsim serve [--host 127.0.0.1] [--port 8000] [--max-sessions N] [--files DIR] [APP OPTIONS]``,
where APP OPTIONS are the ``tcpsim`` command's own (a scenario, ``--lang``): every tab gets its
own ``tcpsim APP OPTIONS``, in the served mode of :mod:`tcpsim.serve.session`. This module holds
the options and the command; :mod:`tcpsim.serve.server` the web server; textual-serve and aiohttp
are imported only when the command runs (the ``serve`` extra: ``pip install '.[serve]'``).

The layer: above the UI, beside the command line (it starts the app, as the command line does).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys

from ..i18n import _

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 40
"""For a 2-core, 24 GiB machine (BENCHMARKS.md, "tcpsim serve", measured): a session takes about
30 MB and 0.4 s of CPU to start, nothing paused and a tenth of a core playing. Memory would allow
hundreds; the cores decide: 40 (a class of thirty and spares) start within seconds and, all playing
at once, slow the animation, not the keys."""

SERVE_OPTIONS = ("host", "port", "max_sessions", "files", "lang")
"""The destinations of serve's own options; every other one is the app's, passed to each session.
(``--lang`` is the app's too, but the command line takes it first, for every command: it is passed
on as the language tcpsim chose, from ``--lang`` or the environment.)"""


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a port number, got {text}").format(text=repr(text))) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(_("a port is 0 to 65535 (0: any free one), got {text}").format(text=text))
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("expected a whole number, got {text}").format(text=repr(text))) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1, got {text}").format(text=text))
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """serve's own options (the app's come from the app's parser, as a parent: tcpsim.cli)."""
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=_("the address to listen on (default {host}: this machine only)").format(host=DEFAULT_HOST),
    )
    p.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=_("the port (default {port}; 0: any free port)").format(port=DEFAULT_PORT),
    )
    p.add_argument(
        "--max-sessions",
        type=_positive,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=_(
            "at most N tabs at once, each its own process (default {n}, for 2 cores and 24 GiB); "
            "a tab over the limit gets a page that says so"
        ).format(n=DEFAULT_MAX_SESSIONS),
    )
    p.add_argument(
        "--files",
        metavar="DIR",
        help=_(
            "the folder the app's load and save dialogs may use (without it: the bundled scenarios only, "
            "and saving is a download in the browser)"
        ),
    )


def app_argv(args: argparse.Namespace, app_parser: argparse.ArgumentParser, scenario: str | None) -> list[str]:
    """The app's options from ``args`` as ``tcpsim`` takes them, with the scenario replaced by
    ``scenario`` (an absolute path, or a bundled NAME), in the language tcpsim speaks now."""
    from ..i18n import language

    argv: list[str] = ["--lang", language()]
    for action in app_parser._actions:  # argparse's list of the options it was given
        if action.dest in ("help", *SERVE_OPTIONS) or not hasattr(args, action.dest):
            continue
        value = getattr(args, action.dest)
        if not action.option_strings:
            if action.dest == "scenario":
                value = scenario
            if value is not None:
                argv.append(value)
        elif value != action.default and value is not None:
            if isinstance(value, bool):
                argv.append(action.option_strings[-1])
            else:
                argv += [action.option_strings[-1], str(value)]
    return argv


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def main_from_args(args: argparse.Namespace, app_parser: argparse.ArgumentParser) -> int:
    """``tcpsim serve``: check everything, then serve until Ctrl+C. Exit 2 with a message for bad input."""
    from ..i18n import language
    from ..render import print_error

    try:
        from .server import TcpsimServer, session_command
    except ImportError as exc:
        print_error(
            f"tcpsim serve needs the 'serve' extra ({exc.name or exc} is not installed): "
            "pip install 'tcpsim[serve]', or in a clone: .venv/bin/pip install '.[serve]'"
        )
        return 2
    files = None
    if args.files is not None:
        files = os.path.realpath(os.path.expanduser(args.files))
        if not os.path.isdir(files):
            print_error(f"--files {args.files}: not a folder (give the folder the sessions may load from and save to)")
            return 2
    title, scenario_arg, scenario_file = _scenario(args)
    if title is None:
        return 2
    server = TcpsimServer(
        session_command(files, scenario_file, app_argv(args, app_parser, scenario_arg)),
        host=args.host,
        port=args.port,
        max_sessions=args.max_sessions,
        title=title,
        language=language(),
        announce=lambda url: _announce(args, url, files),
    )
    try:
        server.serve()
    except OSError as exc:
        print_error(f"cannot listen on {args.host} port {args.port}: {exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def _scenario(args: argparse.Namespace) -> tuple[str | None, str | None, str | None]:
    """(the page's title, the scenario as the sessions get it, the file they may read), or a
    title of None after printing why the scenario cannot be served."""
    from ..escape import visible
    from ..i18n import language, translation
    from ..render import print_error
    from ..scenario import ScenarioError, load_file, resolve
    from ..scenario.library import scenarios_dir

    gettext = translation(language()).gettext
    if getattr(args, "scenario", None) is None:
        return f"tcpsim — {gettext('Sandbox')}", None, None
    try:
        path = resolve(args.scenario)
        scenario = load_file(path)
    except ScenarioError as exc:
        print_error(str(exc))
        return None, None, None
    real = os.path.realpath(path)
    bundled = scenarios_dir()
    if bundled is not None and os.path.dirname(real) == os.path.realpath(bundled):
        return f"tcpsim — {gettext(scenario.name)}", path.stem, None
    return f"tcpsim — {visible(scenario.name)}", real, real


def _announce(args: argparse.Namespace, url: str, files: str | None) -> None:
    """Say where the server listens (stdout), and warn when that is beyond this machine (stderr)."""
    if not is_loopback(args.host):
        port = url.rstrip("/").rsplit(":", 1)[-1]
        print(
            f"warning: listening on {args.host}, not on this machine only: anyone who can reach port {port} "
            f"here can start sessions (up to {args.max_sessions} at once). --host 127.0.0.1 serves this machine only.",
            file=sys.stderr,
            flush=True,
        )
    where = f"in {files}" if files else "the bundled scenarios only; saving downloads to the browser"
    print(
        f"tcpsim serve: open {url} in a browser, one tab per student\n"
        f"  up to {args.max_sessions} sessions at once, each its own process; files: {where}\n"
        "  Ctrl+C stops the server and every session",
        flush=True,
    )
