"""The seeds of the UI's random tests (the key storms, and the random keys and resizes of
test_app.py): fixed by default, so that every run of the suite, CI's included, does the same thing
and a failure reproduces; chosen anew for a hunt.

``TCPSIM_STORM_SEED``
    unset: the tests' fixed seeds; an integer: that seed; ``random``: a fresh seed each run (the
    failure message names it, and ``TCPSIM_STORM_SEED=N`` replays it). A long random hunt:
    ``TCPSIM_STORM_SEED=random TCPSIM_STORM_SECONDS=600 pytest tests/ui/test_storm.py``.
"""

from __future__ import annotations

import os
import random


def storm_seeds(fixed: tuple[int, ...]) -> tuple[int, ...]:
    """``fixed`` unless TCPSIM_STORM_SEED says otherwise."""
    text = os.environ.get("TCPSIM_STORM_SEED", "").strip()
    if not text:
        return fixed
    if text == "random":
        # One seed for the whole run: xdist's workers each collect the tests, and must find the same.
        run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
        return (int(run[:8], 16) if run else random.SystemRandom().randrange(2**32),)
    return (int(text),)
