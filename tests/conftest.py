"""Shared test configuration: hypothesis profiles, and ``tcpsim`` run in this process.

The default profile keeps the whole suite fast; ``HYPOTHESIS_PROFILE=long`` runs the property
tests for much longer (for a nightly job or a hunt after a change to the core).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings
from tcpsim_cli import CliResult, run_cli

from tcpsim import i18n

# The tests read tcpsim's English unless they ask for another language: tcpsim takes the language
# from the environment as gettext does (LANGUAGE first), in this process and in the ones it starts.
os.environ["LANGUAGE"] = "en"


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """A test that switches the language (``--lang zh``, ``set_language``) leaves English behind."""
    yield
    i18n.set_language("en")


settings.register_profile(
    "default",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=20_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
if os.environ.get("HYPOTHESIS_MAX_EXAMPLES"):  # e.g. 300000 for a hunt of hundreds of thousands
    settings.register_profile(
        "custom",
        settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "default")),
        max_examples=int(os.environ["HYPOTHESIS_MAX_EXAMPLES"]),
    )
    settings.load_profile("custom")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """``cli("run", path, ...)``: run ``tcpsim`` in this process; the exit code it would give the
    shell (argparse's exits included) and what it printed (tests/tcpsim_cli.py)."""
    return lambda *argv: run_cli(capsys, *argv)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The compiled build's tests first: building the wheel keeps one core busy for the better part
    of a minute, and run first (by one xdist worker, which keeps a file's tests together: see
    pyproject.toml's addopts) it overlaps with everything else instead of coming after it."""
    items.sort(key=lambda item: item.path.name != "test_compiled.py")  # a stable sort: the rest keeps its order
