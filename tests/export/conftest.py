"""Fixtures of the export tests: ``tshark`` and ``tcpdump`` (found, or installed with apt-get)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _install(package: str, program: str) -> str | None:
    """A Debian package installed without questions; None where that is not possible here."""
    apt = shutil.which("apt-get")
    if apt is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # wireshark-common asks whether non-root users may capture; answer it before it is asked.
    debconf = shutil.which("debconf-set-selections")
    if debconf:
        subprocess.run(
            [debconf],
            input="wireshark-common wireshark-common/install-setuid boolean false\n",
            text=True,
            env=env,
            capture_output=True,
            timeout=60,
        )
    install = [apt, "install", "-y", "-q", "--no-install-recommends", package]
    try:
        done = subprocess.run(install, env=env, capture_output=True, timeout=900)
        if done.returncode != 0:  # the package lists may be missing or stale
            subprocess.run([apt, "update", "-q"], env=env, capture_output=True, timeout=600)
            subprocess.run(install, env=env, capture_output=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shutil.which(program)


def _tool(program: str) -> str:
    found = shutil.which(program) or _install(program, program)
    if found is None:
        pytest.skip(f"{program} is not installed and cannot be installed here (needs root and apt-get)")
    return found


@pytest.fixture(scope="session")
def tshark() -> str:
    """Wireshark's ``tshark``: found on the PATH, else installed with apt-get (as root), else skip."""
    return _tool("tshark")


@pytest.fixture(scope="session")
def tcpdump() -> str:
    """``tcpdump``, found or installed the same way."""
    return _tool("tcpdump")
