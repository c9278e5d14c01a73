"""What every command's handler shares: the exit codes, one error line, and output that a reader
may stop reading early."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..i18n import _
from ..stdio import OutputClosed, abandon_stdout

if TYPE_CHECKING:
    from ..files import WriteError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def emit(code: int, write: Callable[[], object]) -> int:
    """Write a command's output; a reader that goes away early (``| head``) does not change the
    exit code the work earned (an expectation that failed is still 1)."""
    try:
        write()
        sys.stdout.flush()
    except OutputClosed:
        abandon_stdout()
    return code


def error(message: str) -> int:
    from ..render import print_error

    print_error(message)
    return EXIT_BAD_INPUT


def pcap_error(path: str, exc: WriteError) -> int:
    from ..escape import visible
    from ..files import WouldOverwrite

    if isinstance(exc, WouldOverwrite):
        message = _("cannot write the pcap to {path}: {reason} (--force replaces it)")
    else:
        message = _("cannot write the pcap to {path}: {reason}")
    return error(message.format(path=visible(path), reason=exc.reason))
