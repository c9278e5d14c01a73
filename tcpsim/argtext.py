"""argparse's own words in the user's language ("usage:", "options", "error:", its messages), and
its help wrapped for Chinese.

argparse asks gettext for every word it prints (``_('usage: ')``, ``_('%(prog)s: error:
%(message)s\\n')``), through the module-level functions ``argparse._`` and ``argparse.ngettext``.
:func:`speak` points those at tcpsim's catalogue, which translates argparse's messages like its
own: they are listed here with :func:`~tcpsim.i18n.N_` so that ``pybabel extract`` finds them, spelt
exactly as argparse spells them (tests/i18n/test_cli_zh.py checks them against the running
Python's argparse). A message argparse words differently in another Python version stays English.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import i18n
from .i18n import N_
from .wrapping import wrap

MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ignored explicit argument %r"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unexpected option string: %s"),
)
"""The messages of argparse a user can see (its errors about how a program built its parser are
left out: they are tcpsim's bugs, reported in English)."""

VERSION_HELP = N_("show program's version number and exit")
"""argparse's default help for ``--version`` is not asked of gettext: tcpsim passes it translated."""


def _plural() -> None:  # pragma: no cover - never called: it shows pybabel argparse's one plural message
    i18n.ngettext("expected %s argument", "expected %s arguments", 2)


def speak() -> None:
    """From now on argparse's words follow :func:`tcpsim.i18n.set_language`."""
    argparse._ = i18n.gettext  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help, wrapped by terminal cells and CJK-aware (:mod:`tcpsim.wrapping`): argparse
    counts characters, so a Chinese help text would run past the terminal's edge."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(" ".join(text.split()), width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "\n".join(indent + line for line in wrap(" ".join(text.split()), width - len(indent)))


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose help wraps Chinese as well as English (its subcommands' parsers are
    of this class too: argparse makes them of the parent's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


__all__ = ["MESSAGES", "VERSION_HELP", "ArgumentParser", "HelpFormatter", "speak"]
