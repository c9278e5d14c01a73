"""``tcpsim load``: the TIME-WAIT lab, headless (samples then a summary) or live in the app."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import i18n
from ..i18n import _
from ..stdio import Progress
from .output import EXIT_OK, error

if TYPE_CHECKING:
    from ..lab.model import Sample


def load(args: argparse.Namespace) -> int:
    """``tcpsim load``: the TIME-WAIT lab headless, samples then a summary."""
    from rich import box

    from ..lab import LoadLab, report
    from ..lab.options import check_headless, config_from_args
    from ..richtext import Wrapped

    if args.ui:
        if args.format != "text":
            return error(_("--format applies to the headless run: with --ui the lab is shown live"))
        from ..ui import launch_lab

        return launch_lab(args, i18n.language())
    try:
        config = config_from_args(args)
        check_headless(config)
        lab = LoadLab(config)
    except ValueError as exc:
        return error(str(exc))
    progress = Progress("simulating")
    total = max(1, lab.config.connections)

    def tracked() -> Iterator[Sample]:
        """The samples, and how far the run has got on stderr (a terminal only): each connection is
        begun (or refused) and later ended (its TIME-WAIT over), so the two counts make the work."""
        try:
            for sample in lab.samples():
                done = (lab.attempted + lab.completed + lab.failed) / (2 * total)
                progress.update(done, f"t = {sample.t:g} s, {lab.attempted:,} connects")
                yield sample
        finally:
            progress.done()

    if args.format == "jsonl":
        for sample in tracked():
            sys.stdout.write(report.json_line(sample.to_dict()))
        sys.stdout.write(report.json_line(report.summary_dict(lab.summary())))
        sys.stdout.flush()
        return EXIT_OK
    samples = list(tracked())
    headers, rows = report.table(samples)
    table = Table(
        title=_("TIME-WAIT lab: TCBs per state over time (as ss -s counts them)"),
        title_justify="left",
        caption=report.legend(samples),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for header in headers:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(*row)
    console = Console(highlight=False)
    console.print(table)
    for label, text in report.summary_items(lab.summary()):
        console.print(Wrapped(Text.assemble((_("{label}: ").format(label=label), "bold"), text)))
    return EXIT_OK
