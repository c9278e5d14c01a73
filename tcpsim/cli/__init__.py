"""The ``tcpsim`` command.

Exit codes are a contract: 0 when every expectation holds, 1 when one fails, 2 on bad input
(a missing or malformed file, an unknown scenario name, a bad option).

This module reads the command line and hands it to a command's handler; the grammar is in
:mod:`.parsers`, each handler in its own module, imported only when its command runs (start-up
builds the parsers and opens the app, nothing else: tests/cli/test_startup_imports.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import argtext, i18n
from ..i18n import _
from ..stdio import OutputClosed, OutputFailed, abandon_stdout, guarded
from .output import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, error
from .parsers import parser, stack_name, ui_parser

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_OK",
    "SUBCOMMANDS",
    "entry",
    "main",
    "parser",
    "stack_name",
    "take_language",
    "ui_parser",
]


def take_language(args: list[str]) -> tuple[str | None, list[str]]:
    """The ``--lang`` asked for anywhere on the command line (the last one wins), and the command
    line without it; a language tcpsim does not have is left in, for argparse to refuse."""
    language, rest, i = None, [], 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--lang" and i + 1 < len(args):
            value, width = args[i + 1], 2
        elif arg.startswith("--lang="):
            value, width = arg.removeprefix("--lang="), 1
        else:
            value, width = None, 1
        if value is not None and value in i18n.languages():
            language = value
        else:
            rest += args[i : i + width]
        i += width
    return language, rest


SUBCOMMANDS = ("run", "list", "states", "load", "bench", "import", "serve")


def main(argv: Sequence[str] | None = None) -> int:
    language, args_list = take_language(list(sys.argv[1:] if argv is None else argv))
    i18n.set_language(language)  # None: the environment's
    argtext.speak()
    if not args_list or (args_list[0] not in (*SUBCOMMANDS, "-h", "--help", "--version")):
        ui_args = ui_parser().parse_args(args_list)
        return _open_ui(ui_args, i18n.language())
    p = parser()
    with guarded():  # see tcpsim.stdio: a closed pipe is exit 0, an unwritable output exit 2
        try:
            args = p.parse_args(args_list)  # --help writes to stdout too
            if not _opens_app(args):
                code = _dispatch(p, args)
                sys.stdout.flush()
                return code
        except OutputClosed:  # `tcpsim states | head -1` is fine
            abandon_stdout()
            return EXIT_OK
        except OutputFailed as exc:
            abandon_stdout()
            return error(_("cannot write the output: {problem}").format(problem=exc))
    return _dispatch(p, args)  # the app, on the terminal itself


def _opens_app(args: argparse.Namespace) -> bool:
    """Commands that hold the terminal (the app, the server) run outside the guarded output."""
    return (
        (args.command == "load" and args.ui)
        or (args.command == "import" and args.format is None and not args.all)
        or (args.command == "serve")
    )


def _dispatch(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "run":
        from . import play

        return play.compare(args) if args.compare is not None else play.play(args)
    if args.command in ("list", "states"):
        from . import tables

        return tables.list_scenarios() if args.command == "list" else tables.states()
    if args.command == "load":
        from .load import load

        return load(args)
    if args.command == "bench":  # the speed figures, as a table or JSON (exit 0 whatever the verdicts)
        from ..bench import main_from_args as bench

        return bench(args)
    if args.command == "import":
        from .capture import run_import

        return run_import(args)
    if args.command == "serve":
        from ..serve import main_from_args

        return main_from_args(args, ui_parser())
    p.print_help()
    return EXIT_BAD_INPUT


def _open_ui(args: argparse.Namespace, language: str) -> int:
    from ..ui import launch

    if args.define and not (args.scenario or "").endswith(".pkt"):
        return error(_("-D/--define applies to packetdrill scripts (FILE.pkt), not to scenarios"))
    return launch(args.scenario, language, stack=args.stack, defines=tuple(args.define or ()), predict=args.predict)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
