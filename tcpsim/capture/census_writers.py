"""The census's machine-readable formats: JSON lines and CSV, each written as the census goes.

JSON lines (``--format jsonl``): one object a line, in the order the census finds them —
conversations as they end, ``census`` lines as their time passes, ``anomaly`` lines as they show,
and a ``summary`` line last (README, "Whole captures", has the fields). CSV (``--format csv``): the
census alone, one row per host and sample, a column per state, for a spreadsheet or pandas.
"""

from __future__ import annotations

import csv
import json
from typing import TextIO

from ..sim.trace import round_time
from .census_records import CENSUS_STATES, Anomaly, ConversationRecord, Sample, Summary

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
"""One encoder for every line: ``json.dumps`` with options makes a new one for each. The two
frequent lines, conversations and census samples, are spelt out by their records (``json_line``)."""


def _line(obj: dict[str, object]) -> str:
    return _ENCODER.encode(obj) + "\n"


class JsonlSink:
    """Each finding as one JSON line, written at once."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def conversation(self, record: ConversationRecord) -> None:
        self.out.write(record.json_line())  # _line(record.to_json()), faster

    def sample(self, sample: Sample) -> None:
        self.out.write(sample.json_line())

    def anomaly(self, anomaly: Anomaly) -> None:
        self.out.write(_line(anomaly.to_json()))

    def summary(self, summary: Summary) -> None:
        self.out.write(_line(summary.to_json()))


CSV_HEADER = ("t", "host", *CENSUS_STATES)
"""The CSV's columns: the census's time, the host, then endpoints per state in the RFC's order."""


class CsvSink:
    """The census as CSV rows (the conversations and anomalies are in the other formats).

    The header goes out with the first row (or the summary, for a capture whose census is empty):
    a file that cannot be read prints nothing but its error."""

    def __init__(self, out: TextIO) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.started = False

    def _start(self) -> None:
        if not self.started:
            self.started = True
            self.writer.writerow(CSV_HEADER)

    def conversation(self, record: ConversationRecord) -> None:
        pass

    def sample(self, sample: Sample) -> None:
        self._start()
        counts = sample.counts
        self.writer.writerow([f"{round_time(sample.t):g}", sample.host, *(counts.get(s, 0) for s in CENSUS_STATES)])

    def anomaly(self, anomaly: Anomaly) -> None:
        pass

    def summary(self, summary: Summary) -> None:
        self._start()
