"""What ``tcpsim`` imports before it opens the app, checked in a fresh process.

Start-up builds the whole command-line parser (every subcommand's options) and then imports the
app. Neither needs dpkt (~20 ms), the capture reader and observer, the load lab's engine, the
exporters or the state diagram: they are loaded by the commands and views that use them
(BENCHMARKS.md, "UI start-up"). The packages' public names must still import as before.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

NOT_AT_STARTUP = (
    "dpkt",
    "tcpsim.capture.observer",
    "tcpsim.capture.reader",
    "tcpsim.capture.load",
    "tcpsim.lab.engine",
    "tcpsim.export",
    "tcpsim.ui.widgets.diagram",
    "tcpsim.ui.widgets.diagram_caption",
    "tcpsim.ui.widgets.diagram_geometry",
    "tcpsim.ui.widgets.diagram_layouts",
    "tcpsim.ui.widgets.diagram_text",
    "tomllib",
    "json",
)


def _loaded_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_the_start_path_loads_none_of_the_heavy_or_deferred_modules() -> None:
    loaded = _loaded_after(
        "import tcpsim.cli\n"
        "tcpsim.cli.parser()\n"
        "tcpsim.cli.ui_parser().parse_args([])\n"
        "import tcpsim.ui.app\n"
        "tcpsim.ui.app.TcpsimApp()\n"
        "from tcpsim.ui.opening import open_session\n"
        "open_session(None, None, ())\n"  # the sandbox's session, as launch opens it
    )
    assert "tcpsim.ui.app" in loaded
    early = sorted(m for m in loaded if m in NOT_AT_STARTUP or m.startswith(tuple(f"{n}." for n in NOT_AT_STARTUP)))
    assert not early, early


def test_the_lazy_package_names_still_import() -> None:
    loaded = _loaded_after(
        "from tcpsim.capture import DEFAULT_MSL, CaptureError, CaptureNote, ImportResult, import_capture\n"
        "from tcpsim.capture import observe, read_capture\n"
        "from tcpsim.capture.observer import CaptureNote as Note\n"
        "assert Note is CaptureNote and DEFAULT_MSL == 30.0\n"
        "import tcpsim.capture as capture\n"
        "assert set(capture.__all__) <= set(dir(capture))\n"
        "from tcpsim.lab import DEFAULT_PORTS, LoadConfig, LoadLab, report, theory\n"
        "import tcpsim.lab as lab\n"
        "assert set(lab.__all__) <= set(dir(lab))\n"
    )
    assert {"tcpsim.capture.load", "tcpsim.lab.engine", "tcpsim.lab.report"} <= loaded
    assert "dpkt" not in loaded  # only reading or writing a capture file loads it


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    _loaded_after(
        "import tcpsim.capture, tcpsim.lab\n"
        "for module in (tcpsim.capture, tcpsim.lab):\n"
        "    try:\n"
        "        module.no_such_name\n"
        "    except AttributeError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit('no AttributeError')\n"
    )
