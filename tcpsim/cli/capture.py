"""``tcpsim import``: a real capture, one conversation in the app or printed, or ``--all`` of them
as a census."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.text import Text

from .. import i18n
from ..escape import visible
from ..i18n import _
from ..stdio import Progress
from .output import EXIT_OK, error


def run_import(args: argparse.Namespace) -> int:
    """``tcpsim import``: a capture's conversation with both sides' states inferred, in the app or printed."""
    from ..capture import CaptureError, import_capture, several_conversations

    if not args.capture:  # "" would be read as ".", the current directory
        return error(_("import: no capture given (the FILE argument is empty)"))
    if args.all:
        return _import_all(args)
    if args.interval is not None:
        return error(_("--interval applies to --all (the census of every conversation)"))
    if args.format == "csv":
        return error(_("--format csv applies to --all (the census as columns)"))
    try:
        if args.format is None and args.stream is None and several_conversations(args.capture):
            from ..ui import launch_census

            return launch_census(args.capture, args.msl, args.stack, i18n.language())  # it reads the file itself
        streaming = args.format is not None  # printed as observed, in bounded memory; the app keeps it all
        result = import_capture(
            args.capture, args.stream, args.msl, frames=not streaming, streaming=streaming, stack=args.stack
        )
    except CaptureError as exc:
        return error(str(exc))
    if len(result.conversations) > 1 and args.stream is None:  # printed: which one, of how many
        origin = (result.capture.first_ns or 0) / 1e9
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        count = len(result.conversations)
        message = i18n.ngettext(
            "{file}: {n} TCP conversation; showing stream 0 (--stream N):",
            "{file}: {n} TCP conversations; showing stream 0 (--stream N):",
            count,
        )
        err.print(Text(message.format(file=visible(args.capture), n=count)))
        for conv in result.conversations:
            err.print(Text(f"  {visible(conv.describe(origin))}"))
    if args.format is None:
        from ..ui import launch_import

        return launch_import(result, i18n.language())
    if args.format == "jsonl":
        from ..render import write_jsonl

        write_jsonl(result.records(), sys.stdout)
    elif args.format == "tcpdump":
        from ..export.imported import write_import_tcpdump

        write_import_tcpdump(result, sys.stdout)
    elif args.format == "mermaid":
        from ..export.imported import write_import_mermaid

        write_import_mermaid(result, sys.stdout)
    else:
        from ..render import render_import

        render_import(result, Console(highlight=False), rules=not args.no_rules)
    sys.stdout.flush()
    return EXIT_OK


def _import_all(args: argparse.Namespace) -> int:
    """``tcpsim import FILE --all``: every conversation, the census over time, the anomalies, in one pass."""
    from ..capture.census import Census
    from ..capture.census_text import TextSink
    from ..capture.census_writers import CsvSink, JsonlSink
    from ..capture.files import CaptureError, CaptureFile

    if args.stream is not None:
        return error(_("--stream picks one conversation; --all reads every one: give one of them"))
    fmt = args.format or "text"
    if fmt not in ("text", "jsonl", "csv"):
        return error(_("--all prints --format text, jsonl or csv (not {format})").format(format=fmt))
    sink: JsonlSink | CsvSink | TextSink
    if fmt == "text":
        sink = TextSink(sys.stdout, Console().width)
    else:
        sink = JsonlSink(sys.stdout) if fmt == "jsonl" else CsvSink(sys.stdout)
    progress = Progress(_("reading {file}").format(file=visible(args.capture)))
    spoken = i18n.language()
    try:
        source = CaptureFile(args.capture)  # a file that cannot be read is said in the user's language
        census = Census(
            args.capture, sink, interval=args.interval or 1.0, msl=args.msl, stack=args.stack, progress=progress.update
        )
        if fmt != "text":
            i18n.set_language("en")  # output that other programs read is not translated (tcpsim/locale/README.md)
        summary = census.run(source)
    except CaptureError as exc:
        return error(str(exc))
    finally:
        i18n.set_language(spoken)
        progress.done()
    sys.stdout.flush()
    if summary.broken is not None:  # what came before the break is printed; the file is still bad
        return error(_("{problem} (the census above covers the packets before it)").format(problem=summary.broken))
    return EXIT_OK
