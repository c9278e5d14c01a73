"""The census of a whole capture in the app: what ``tcpsim import FILE`` opens on a capture of more
than one conversation (issue 14).

The census (:class:`tcpsim.capture.census.Census`, the same pass as ``tcpsim import FILE --all``)
runs in a worker thread while a progress bar moves; then the screen shows, top to bottom, the
census as a chart over capture time (one host at a time, ``h`` for the next), the anomalies named
in plain words, and a table of every conversation (:mod:`~tcpsim.ui.widgets.census_table`, which
draws only the rows in view, so that sorting or filtering thousands of conversations stays quick).
``s`` and ``r`` (or a click on a header) sort it, ``/`` filters it; enter opens the conversation
in the two-pane view, as ``tcpsim import --stream`` would, read and observed in a worker too. The
app keeps this screen (installed), so escape there comes back to it with its selection, sort and
filter as they were.

The screen only reads the census's records and hands the app a session: nothing here touches a
world or a TCB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from ...capture.census_text import seconds
from ...i18n import N_, _, ngettext, number
from ...richtext import Wrapped
from ..census_model import KIND_WORDS, SORTS, Cancelled, Collector, Row, cells_words, read_census, shown
from ..widgets.census_chart import CensusChart
from ..widgets.census_table import VirtualTable
from .modal import Dialog

if TYPE_CHECKING:
    from ...scenario.view import SessionProtocol

COLUMNS = {
    "id": N_("#"),
    "client": N_("client"),
    "server": N_("server"),
    "first": N_("first s"),
    "last": N_("last s"),
    "packets": N_("packets"),
    "octets": N_("bytes"),
    "client_state": N_("client state"),
    "server_state": N_("server state"),
    "matters": N_("anomalies"),
}
"""The table's columns (keys: :data:`~tcpsim.ui.census_model.SORTS`) and their headers."""
assert tuple(COLUMNS) == SORTS
NUMERIC = frozenset({"id", "first", "last", "packets", "octets"})
POLL = 0.1
"""Seconds between two looks at the census's progress while it reads."""


def parse_endpoint(text: str) -> tuple[str, int]:
    """``10.0.0.1:80`` or ``[::1]:80`` back into an address and a port."""
    address, _sep, port = text.rpartition(":")
    return address.strip("[]"), int(port)


class CensusScreen(Dialog[None]):
    """Every conversation of a capture, the census over time, the anomalies. A modal screen over
    the two-endpoint view (whose keys must not reach the session underneath), kept by the app."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", N_("Filter"), key_display="/"),
        Binding("s", "sort", N_("Sort"), tooltip=N_("Sort by the next column")),
        Binding("r", "reverse", N_("Reverse"), tooltip=N_("Reverse the order")),
        Binding("h", "host(1)", N_("Next host"), tooltip=N_("Chart the next host")),
        Binding("H", "host(-1)", N_("Previous host"), show=False),
        Binding("escape", "back", N_("Go back"), tooltip=N_("Clear the filter, or back to the conversation")),
        Binding("escape", "hint", show=False),  # when there is nothing to go back to (check_action)
        Binding("question_mark", "help", N_("Help"), key_display="?"),
        Binding("q", "quit", N_("Quit"), show=False),
    ]

    CONSUMED_KEYS: ClassVar[frozenset[str]] = frozenset({"space", "tab"})
    """The app's priority keys (play, switch endpoint): nothing to do with the hidden session here."""

    DEFAULT_CSS = """
    CensusScreen { layout: vertical; background: $background; &:ansi { background: $background; } }
    #census-status { height: auto; max-height: 2; padding: 0 1; background: $panel; color: $text; }
    #census-loading { height: auto; padding: 1 2; }
    #census-loading ProgressBar { margin: 1 0 0 0; }
    #census-body { height: 1fr; }
    .census-panel { border: round $panel-lighten-2; padding: 0 1; }
    #census-chart { height: auto; max-height: 60%; }
    #census-anomalies-box { height: auto; max-height: 25%; min-height: 3; }
    #census-table { height: 1fr; min-height: 5; }
    #census-filter { dock: bottom; display: none; }
    CensusScreen.-filtering #census-filter { display: block; }
    CensusScreen.-loading #census-body { display: none; }
    CensusScreen.-loaded #census-loading { display: none; }
    """

    def __init__(self, path: str, *, msl: float, stack: str, leave: bool = False) -> None:
        """``path``: the capture; ``msl``, ``stack``: as ``tcpsim import --msl --stack``; ``leave``:
        escape may leave for the two-endpoint view underneath (a session the user had)."""
        super().__init__(id="census", classes="-loading")
        self.path = path
        self.msl = msl
        self.stack = stack
        self.can_leave = leave
        self.data: Collector | None = None
        self.collector = Collector()
        self.column = "id"
        self.reverse = False
        self.filter_text = ""
        self.listed: list[Row] = []
        self.host_index = 0
        self.selected: int | None = None
        """The conversation under the table's cursor (kept across a sort or a filter)."""
        self.opening: int | None = None
        """The conversation being read to be opened, if any."""
        self.anomaly_text = ""
        """The anomalies as the screen words them."""

    def compose(self) -> ComposeResult:
        yield Static(_("Reading {file}…").format(file=self.path), id="census-status", markup=False)
        with Vertical(id="census-loading"):
            yield Static(_("Reading every conversation of the capture, as tcpsim import --all does…"), markup=False)
            yield ProgressBar(total=1.0, show_eta=False, id="census-progress")
        with Vertical(id="census-body"):
            yield CensusChart(id="census-chart")
            with VerticalScroll(id="census-anomalies-box", classes="census-panel"):
                yield Static(id="census-anomalies")
            yield VirtualTable(SORTS, _texts, NUMERIC, id="census-table")
        yield Input(id="census-filter", placeholder=_("filter: address, port, state or anomaly (escape clears)"))
        yield Footer()

    def on_mount(self) -> None:
        chart = self.query_one(CensusChart)
        chart.add_class("census-panel")
        chart.border_title = _("Census over time")
        self.query_one("#census-anomalies-box").border_title = _("Anomalies")
        self._poll = self.set_interval(POLL, self._show_progress)
        self._read()

    def check_consume_key(self, key: str, character: str | None) -> bool:
        return key in self.CONSUMED_KEYS or super().check_consume_key(key, character)

    # ------------------------------------------------------------------ reading the census
    @work(thread=True, exclusive=True, group="census", exit_on_error=False)
    def _read(self) -> Collector:
        return read_census(self.path, self.collector, msl=self.msl, stack=self.stack)

    def _show_progress(self) -> None:
        self.query_one("#census-progress", ProgressBar).update(progress=self.collector.progress)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "census":
            self._census_done(worker)
        elif worker.group == "open":
            self._opened(worker)

    def _census_done(self, worker: Worker) -> None:
        if worker.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self._poll.stop()
        if worker.state is WorkerState.ERROR:
            error = worker.error
            if isinstance(error, Cancelled):
                return
            message = str(error) if _is_capture_error(error) else f"{self.path}: {type(error).__name__}: {error}"
            self.query_one("#census-status", Static).update(message)
            self.app.notify(message, title=_("Cannot read the census"), severity="error", timeout=15)
            return
        data = worker.result
        assert isinstance(data, Collector) and data.result is not None
        self.data = data
        self.remove_class("-loading")
        self.add_class("-loaded")
        if data.result.broken is not None:
            self.app.notify(
                _("{problem} (the census covers the packets before it)").format(problem=data.result.broken),
                severity="warning",
                timeout=15,
            )
        self._show_anomalies()
        self._show_host()
        self.query_one(VirtualTable).measure(data.rows, self._labels())
        self._refill()
        self.query_one(VirtualTable).focus()

    # ------------------------------------------------------------------ drawing
    def _status(self) -> None:
        data = self.data
        if data is None or data.result is None:
            return
        summary = data.result
        conversations = ngettext("{n} TCP conversation", "{n} TCP conversations", summary.conversations)
        packets = ngettext("{n} packet", "{n} packets", summary.packets)  # as the text format says it
        head = _("{file}: {conversations} in {packets} over {seconds} s").format(
            file=self.path,
            conversations=conversations.format(n=number(summary.conversations)),
            packets=packets.format(n=number(summary.packets)),
            seconds=seconds(summary.end),
        )
        arrow = "↓" if self.reverse else "↑"
        parts = [head, _("sorted by {column} {arrow}").format(column=_(COLUMNS[self.column]), arrow=arrow)]
        if self.filter_text:
            parts.append(
                _("filter “{text}”: {n} of {total}").format(
                    text=self.filter_text, n=number(len(self.listed)), total=number(len(data.rows))
                )
            )
        if self.opening is not None:
            parts.append(_("opening #{id}…").format(id=self.opening))
        self.query_one("#census-status", Static).update(" · ".join(parts))

    def _show_host(self) -> None:
        data = self.data
        assert data is not None and data.result is not None
        chart = self.query_one(CensusChart)
        hosts = data.hosts()
        step = data.result.interval * data.chart.span
        if not hosts:
            chart.border_title = _("Census over time")
            chart.show(None, data.chart.times, data.result.end, step=step, title=_("Census over time"))
            return
        self.host_index %= len(hosts)
        host = hosts[self.host_index]
        title = _("Census over time · {host} ({i} of {n} hosts)").format(host=host, i=self.host_index + 1, n=len(hosts))
        chart.border_subtitle = _("endpoints in each state, as ss -s counts them; each row scaled to its peak")
        chart.show(data.chart.hosts[host], data.chart.times, data.result.end, step=step, title=title)

    def _show_anomalies(self) -> None:
        data = self.data
        assert data is not None
        box = self.query_one("#census-anomalies", Static)
        total = sum(data.anomaly_counts.values())
        if not total:
            self.anomaly_text = _(
                "none: no lasting CLOSE-WAIT, TIME-WAIT pile-up, RST storm, retransmission, half-open "
                "connection, SYN to a TIME-WAIT or port reuse"
            )
            box.update(self.anomaly_text)
            return
        lines = []
        for anomaly in sorted(data.anomalies, key=lambda a: a.t):
            packets = ", ".join(str(p) for p in anomaly.packets)
            lines.append(
                ngettext(
                    "{kind} at {t} s: {text} (packet {packets})",
                    "{kind} at {t} s: {text} (packets {packets})",
                    len(anomaly.packets),
                ).format(kind=_(KIND_WORDS[anomaly.kind]), t=seconds(anomaly.t), text=anomaly.text, packets=packets)
            )
        more = total - len(data.anomalies)
        if more > 0:
            lines.append(
                _("… and {n} more (tcpsim import FILE --all --format jsonl lists every one)").format(n=number(more))
            )
        self.query_one("#census-anomalies-box").border_title = _("Anomalies ({n})").format(n=number(total))
        self.anomaly_text = "\n".join(lines)
        box.update(Wrapped(self.anomaly_text))

    def _labels(self) -> list[str]:
        """The headers, the sorted column's with its arrow."""
        arrow = " ↓" if self.reverse else " ↑"
        return [_(label) + (arrow if key == self.column else "  ") for key, label in COLUMNS.items()]

    def _refill(self) -> None:
        """The table again: the rows the filter keeps, in the chosen order, the cursor kept on the
        same conversation if it is still shown."""
        data = self.data
        if data is None:
            return
        keep = self.selected
        self.listed = shown(data.rows, self.column, self.reverse, self.filter_text)
        index = next((i for i, row in enumerate(self.listed) if row.id == keep), 0)
        self.query_one(VirtualTable).show(self.listed, index, self._labels())
        if self.listed:
            self.selected = self.listed[index].id
        self._status()

    def on_virtual_table_highlighted(self, event: VirtualTable.Highlighted) -> None:
        event.stop()
        if 0 <= event.index < len(self.listed):
            self.selected = self.listed[event.index].id

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        event.stop()
        self.action_open()

    def on_virtual_table_header_selected(self, event: VirtualTable.HeaderSelected) -> None:
        event.stop()
        if event.column == self.column:
            self.reverse = not self.reverse
        else:
            self.column, self.reverse = event.column, False
        self._refill()

    # ------------------------------------------------------------------ keys
    def action_sort(self) -> None:
        self.column = SORTS[(SORTS.index(self.column) + 1) % len(SORTS)]
        self.reverse = False
        self._refill()

    def action_reverse(self) -> None:
        self.reverse = not self.reverse
        self._refill()

    def action_host(self, step: int) -> None:
        if self.data is not None:
            self.host_index += step
            self._show_host()

    def action_filter(self) -> None:
        if self.data is None:
            return
        self.add_class("-filtering")
        box = self.query_one("#census-filter", Input)
        box.value = self.filter_text
        box.focus()
        self.refresh_bindings()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self.data is not None and event.value.strip() != self.filter_text:
            self.filter_text = event.value.strip()
            self._refill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter keeps the filter and goes back to the table."""
        event.stop()
        if not self.filter_text:
            self.remove_class("-filtering")
        self.query_one(VirtualTable).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer names escape only while it does something: a filter to clear, or a
        conversation (or session) to go back to. Opened on the census, there is none until enter
        has opened one, and escape then says what can be done instead (``hint``)."""
        if action == "back":
            return self.can_leave or self.filtering
        return True

    @property
    def filtering(self) -> bool:
        return self.has_class("-filtering") or bool(self.filter_text)

    def action_back(self) -> None:
        """Escape: clears the filter first; then leaves for the conversation (or the session) underneath."""
        if self.filtering:
            self.filter_text = ""
            self.query_one("#census-filter", Input).value = ""
            self.remove_class("-filtering")
            self.query_one(VirtualTable).focus()
            self._refill()
            self.refresh_bindings()
            return
        if self.can_leave:
            self.app.pop_screen()

    def action_hint(self) -> None:
        self.app.notify(_("enter opens the selected conversation; q quits"))

    def action_quit(self) -> None:
        self.collector.cancel.set()
        self.app.exit()

    def action_help(self) -> None:
        from .census_help import CensusHelp

        self.app.push_screen(CensusHelp())

    # ------------------------------------------------------------------ opening a conversation
    def action_open(self) -> None:
        table = self.query_one(VirtualTable)
        if self.data is None or not self.listed or self.opening is not None:
            return
        row = self.listed[min(max(table.cursor_row, 0), len(self.listed) - 1)]
        self.opening = row.id
        self._status()
        self._open(row)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _open(self, row: Row) -> tuple[Row, SessionProtocol]:
        from ...capture.part import import_part
        from ...capture.session import ImportSession

        ends = (parse_endpoint(row.client), parse_endpoint(row.server))
        result = import_part(self.path, ends, (row.first_frame, row.last_frame), row.id, self.msl, stack=self.stack)
        return row, ImportSession(result)

    def _opened(self, worker: Worker) -> None:
        if worker.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        self.opening = None
        self._status()
        if worker.state is WorkerState.ERROR:
            error = worker.error
            message = str(error) if _is_capture_error(error) else f"{self.path}: {type(error).__name__}: {error}"
            self.app.notify(message, title=_("Cannot open the conversation"), severity="error", timeout=10)
            return
        row, session = worker.result  # type: ignore[misc]
        self.can_leave = True
        self.refresh_bindings()
        title = _("#{id} {client} → {server}").format(id=row.id, client=row.client, server=row.server)
        self.app.show_conversation(session, title)  # type: ignore[attr-defined]

    def on_unmount(self) -> None:
        self.collector.cancel.set()


def _texts(row: Row) -> tuple[str, ...]:
    return (
        str(row.id),
        row.client,
        row.server,
        seconds(row.first),
        seconds(row.last),
        number(row.packets),
        number(row.octets),
        row.client_state,
        row.server_state,
        cells_words(row),
    )


def _is_capture_error(error: BaseException | None) -> bool:
    from ...capture.files import CaptureError

    return isinstance(error, CaptureError | OSError)
