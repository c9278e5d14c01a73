"""The capture import's small shared definitions: its trace notes and its default MSL.

They live apart from :mod:`.observer` (which loads the whole core) and :mod:`.reader` so that
what only needs them does not load those: the timeline draws :class:`CaptureNote` rows and the
``import`` command's parser shows :data:`DEFAULT_MSL`, on every start of ``tcpsim``.
:class:`CaptureNote` itself is defined with the other trace records in :mod:`tcpsim.sim.trace`:
the compiled build (setup.py) cannot subclass them in an interpreted module.
"""

from __future__ import annotations

from ..sim.trace import CaptureNote

DEFAULT_MSL = 30.0
"""Linux waits 60 s in TIME-WAIT whatever the path; 2·MSL with MSL = 30 s is the same."""

__all__ = ["DEFAULT_MSL", "CaptureNote"]
