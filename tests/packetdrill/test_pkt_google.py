"""google/packetdrill's own close and shutdown tests, each to the verdict the README gives it.

Those scripts are GPL and this project is MIT, so none is copied here: the test reads them from a
checkout named by ``TCPSIM_PACKETDRILL_DIR`` (a clone of https://github.com/google/packetdrill) and
is skipped without one. The table is the README's ("Verdicts on packetdrill's own close and
shutdown tests"): a pass, or exit 1 at the line and field it names, under ``--stack linux`` and
every other stack alike; never a crash, never exit 2.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tcpsim.packetdrill.runner import run_script

ROOT = os.environ.get("TCPSIM_PACKETDRILL_DIR", "")
TESTS = Path(ROOT) / "gtests" / "net" / "tcp"

pytestmark = pytest.mark.skipif(
    not (ROOT and TESTS.is_dir()), reason="set TCPSIM_PACKETDRILL_DIR to a google/packetdrill checkout"
)

VERDICTS: dict[str, tuple[int, int | None, str]] = {
    "close/close-local-close-then-remote-fin.pkt": (0, None, ""),
    "close/close-on-syn-sent.pkt": (0, None, ""),
    "close/close-remote-fin-then-close.pkt": (0, None, ""),
    "shutdown/shutdown-rd-close.pkt": (0, None, ""),
    "shutdown/shutdown-rd-wr-close.pkt": (0, None, ""),
    "shutdown/shutdown-rdwr-close.pkt": (0, None, ""),
    "shutdown/shutdown-wr-close.pkt": (0, None, ""),
    # Linux's initial congestion window of ten segments, the last with PSH: tcpsim has no congestion control
    "shutdown/shutdown-rdwr-send-queue-ack-close.pkt": (1, 22, "tcp_psh"),
    # Linux's tail loss probe (RFC 8985) resends the FIN: tcpsim has none, its RTO comes later
    "shutdown/shutdown-rdwr-write-queue-close.pkt": (1, 36, "tcp_fin"),
}


def test_the_table_covers_every_close_and_shutdown_script() -> None:
    found = {str(p.relative_to(TESTS)) for d in ("close", "shutdown") for p in (TESTS / d).glob("*.pkt")}
    assert found == set(VERDICTS)


@pytest.mark.parametrize("stack", ["linux", "rfc9293", "rfc793", "freebsd"])
@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_each_script_reaches_the_readme_verdict(name: str, stack: str) -> None:
    code, line, field = VERDICTS[name]
    result = run_script(TESTS / name, stack)
    assert result.verdict.code == code, result.verdict.message
    if code:
        assert result.verdict.line == line
        assert f"{name.split('/')[1]}:{line}: error handling packet: live packet field {field}:" in (
            result.verdict.message
        )
    run = result.run
    assert run is not None
    before = [r for r in run.results if line is None or r.line < line]
    assert all(r.status != "failed" for r in before), "every line before the verdict's holds"
    assert any(r.status == "skipped" and "defaults.sh" in r.text for r in run.results + run.skipped)
