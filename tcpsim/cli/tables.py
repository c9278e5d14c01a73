"""``tcpsim list`` and ``tcpsim states``: the bundled scenarios and the eleven states, as tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import why
from ..core.states import State
from ..escape import visible
from ..i18n import N_, _
from ..scenario import ScenarioError, course, load_file
from .output import EXIT_OK


def list_scenarios() -> int:
    from ..richtext import Wrapped

    table = Table(title=_("Bundled scenarios (tcpsim run NAME)"), title_justify="left")
    table.add_column("NAME", style="bold cyan", no_wrap=True)
    table.add_column(_("title"))
    table.add_column(_("summary"), style="dim")
    for path in course():  # in the order a course tells the story (scenario.COURSE)
        try:  # Text, not str: a name is shown as it is, never read as Rich markup
            s = load_file(path)
            table.add_row(Text(path.stem), Wrapped(visible(_(s.name))), Wrapped(visible(_(s.summary))))
        except ScenarioError as exc:
            table.add_row(Text(path.stem), Text(_("invalid"), style="red"), Wrapped(visible(str(exc))))
    Console().print(table)
    return EXIT_OK


PHASES = {"opening": N_("opening"), "established": N_("established"), "closing": N_("closing"), "closed": N_("closed")}
"""The phase of a state (:attr:`State.phase`, a key) as ``tcpsim states`` names it."""


def states() -> int:
    from ..richtext import Wrapped

    table = Table(title=_("RFC 9293 connection states"), title_justify="left")
    table.add_column(_("state"), style="bold", no_wrap=True)
    table.add_column(_("phase"), style="dim", no_wrap=True)
    table.add_column(_("meaning"))
    for state in State:
        table.add_row(state.value, _(PHASES[state.phase]), Wrapped(_(state.description)))
    console = Console()
    console.print(table)
    for title, text in why.SECTIONS:  # the "why" the help screen tells, for a reader without the app
        console.print()
        console.print(Text(_(title), style="bold"))
        console.print(Wrapped(_(text)))
    return EXIT_OK
