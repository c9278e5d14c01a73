"""``--format tcpdump`` says what tcpdump itself says: every bundled scenario's pcap, read by
``tcpdump -n -S -tt``, gives the same segment lines (the time aside, and the application-layer
guess tcpdump appends for port 80)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from export_support import SCENARIOS, result_of

from tcpsim.export import EPOCH, tcpdump_lines, write_pcap

UP_TO_LENGTH = re.compile(r"^(.*?, length \d+)")


@pytest.mark.parametrize("point", ["sender", "receiver"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_tcpdump_prints_the_same_lines(tcpdump: str, tmp_path: Path, name: str, point: str) -> None:
    result = result_of(name)
    path = tmp_path / f"{name}.pcap"
    write_pcap(result.trace, result.scenario, path, point)
    done = subprocess.run([tcpdump, "-n", "-S", "-tt", "-r", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    theirs = []
    for line in done.stdout.splitlines():
        stamp, rest = line.split(" ", 1)
        match = UP_TO_LENGTH.match(rest)
        assert match, line
        theirs.append((round(float(stamp) - EPOCH, 6), match.group(1)))
    ours = []
    for line in tcpdump_lines(result.trace, result.scenario, point):
        if not line.startswith("# "):
            stamp, rest = line.split(" ", 1)
            ours.append((float(stamp), rest))
    assert ours == theirs
