"""packetdrill scripts played against tcpsim's core: ``tcpsim run FILE.pkt``.

:mod:`.parser` reads the dialect of google/packetdrill and the FreeBSD tcp-testsuite into a
:mod:`.model`; :mod:`.runner` plays it on a world where the stack under test is a core endpoint
driven through :mod:`.sockets` and the remote peer is a puppet; :mod:`.command` reports the verdict
as packetdrill does (exit 0, 1 at the first line that does not hold, 2 for what tcpsim cannot play).
"""

from .model import Script, ScriptError
from .parser import parse
from .results import LineNote, LineResult, Verdict
from .runner import ScriptResult, ScriptRun, play, run_script, run_text
from .source import STACKS

__all__ = [
    "STACKS",
    "LineNote",
    "LineResult",
    "Script",
    "ScriptError",
    "ScriptResult",
    "ScriptRun",
    "Verdict",
    "parse",
    "play",
    "run_script",
    "run_text",
]
