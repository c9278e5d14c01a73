"""The FreeBSD tcp-testsuite's own RST-in-TIME-WAIT scripts, as the README says they fare.

The suite is not copied here (the one script adapted from it is
tests/packetdrill/scripts/rst-in-time-wait-right-edge.pkt): this test reads a checkout named by
``TCPSIM_TCP_TESTSUITE_DIR`` (a clone of https://github.com/freebsd-net/tcp-testsuite) and is
skipped without one. Every script of ``state-event-engine/rcv-rst-time-wait/`` passes under
``--stack freebsd``; under ``--stack rfc9293`` the right-edge one stops, located, at its
``getsockopt(SO_RCVBUF)`` of 65700, FreeBSD's rounding of the receive buffer (F1).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tcpsim.packetdrill.runner import run_script

ROOT = os.environ.get("TCPSIM_TCP_TESTSUITE_DIR", "")
SCRIPTS = Path(ROOT) / "state-event-engine" / "rcv-rst-time-wait"
RIGHT_EDGE = SCRIPTS / "rcv-rst-time-wait-using-shutdown-right-edge-secure-ipv4.pkt"

pytestmark = pytest.mark.skipif(
    not (ROOT and SCRIPTS.is_dir()), reason="set TCPSIM_TCP_TESTSUITE_DIR to a freebsd-net/tcp-testsuite checkout"
)


def test_every_rst_in_time_wait_script_passes_under_freebsd() -> None:
    scripts = sorted(SCRIPTS.glob("*.pkt"))
    assert len(scripts) >= 16
    for path in scripts:
        result = run_script(path, "freebsd")
        assert result.verdict.code == 0, result.verdict.message


def test_the_right_edge_script_stops_under_rfc9293_at_freebsds_receive_buffer() -> None:
    line = next(n for n, text in enumerate(RIGHT_EDGE.read_text().splitlines(), 1) if "[65700]" in text)
    result = run_script(RIGHT_EDGE, "rfc9293")
    assert result.verdict.code == 1
    assert result.verdict.line == line
    assert "getsockopt SO_RCVBUF: expected [65700] but the value is [65536]" in result.verdict.message
