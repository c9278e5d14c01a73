"""Exports of a run for the tools people already use: a pcap for Wireshark, tcpdump's text, Mermaid.

This layer sits beside :mod:`tcpsim.render`: it reads a trace (and the scenario, for addresses)
and writes files or text. It knows nothing of Textual or Rich, so the UI and the CLI can both
call it.
"""

from .capture import (
    CAPTURE_POINTS,
    DEFAULT_ADDRESSES,
    CapturePoint,
    Packet,
    addresses,
    captured,
)
from .mermaid import mermaid_lines, write_mermaid
from .pcap import EPOCH, packet_bytes, pcap_bytes, write_pcap
from .tcpdump import tcpdump_flags, tcpdump_line, tcpdump_lines, write_tcpdump

__all__ = [
    "CAPTURE_POINTS",
    "DEFAULT_ADDRESSES",
    "EPOCH",
    "CapturePoint",
    "Packet",
    "addresses",
    "captured",
    "mermaid_lines",
    "packet_bytes",
    "pcap_bytes",
    "tcpdump_flags",
    "tcpdump_line",
    "tcpdump_lines",
    "write_mermaid",
    "write_pcap",
    "write_tcpdump",
]
