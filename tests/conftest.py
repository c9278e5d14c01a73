"""Shared test configuration: hypothesis profiles, and ``tcpsim`` run in this process.

The default profile keeps the whole suite fast; ``HYPOTHESIS_PROFILE=long`` runs the property
tests for much longer (for a nightly job or a hunt after a change to the core).
"""

from __future__ import annotations

import gc
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


LONG_FIRST = (
    "test_compiled.py",
    "ui/test_app.py",
    "ui/test_lab_screen.py",
    "ui/test_issue11.py",
    "serve/test_sessions.py",
    "ui/test_lab_in_app.py",
    "capture/test_capture_streaming.py",
    "test_bench.py",
    "ui/test_diagram.py",
    "ui/test_predict_app.py",
    "ui/test_storm.py",
    "export/test_export_tshark.py",
    "ui/test_bad_inputs_ui.py",
)
"""The files that take longest (BENCHMARKS.md, "The test suite"), longest first: each xdist worker
takes a whole file (pyproject.toml's addopts), so the long ones start first and the many short ones
fill in around them at the end, instead of one long file starting last and running alone. The
compiled build comes first of all: building the wheel keeps one core busy for the better part of a
minute, and overlaps with everything else. A file missing here only runs later, in its place."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """:data:`LONG_FIRST` first, in its order; the rest keeps its order (a stable sort). xdist keeps
    this order only with ``--no-loadscope-reorder`` (by default it orders files by how many tests
    they have, which put the compiled build's two tests near the end)."""
    root = os.path.dirname(__file__)
    rank = {name: i for i, name in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(os.path.relpath(item.path, root).replace(os.sep, "/"), len(rank)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collecting made (the test modules, tcpsim, Textual, Rich, hypothesis: a few hundred
    thousand objects that live as long as the worker) is frozen out of the cyclic collector's
    sight, as tcpsim's launchers do (``tcpsim.ui.settle_imports``): every full collection in every
    test walked them all again. About an eighth of the UI tests' CPU time (BENCHMARKS.md, "The
    test suite"). What the tests themselves make is collected as before, and gc.collect() in the
    memory tests still frees everything they free."""
    gc.collect()
    gc.freeze()
