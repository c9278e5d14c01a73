"""The served app in a real headless Chromium (Debian's, driven by Playwright): tcpsim.serve.browser.

Every file here starts its own ``tcpsim serve`` on a free loopback port (``--port 0``) and its own
browser, once per module, so that the suite's two xdist workers (each file on one worker) never
share either. Where Chromium or Playwright cannot be had (``.ci/run`` installs Chromium as root),
the browser tests skip and say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tcpsim.serve.browser import chromium, unavailable


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = unavailable()
    if reason is not None:
        pytest.skip(f"no real browser here: {reason}")
    with chromium() as b:
        yield b
