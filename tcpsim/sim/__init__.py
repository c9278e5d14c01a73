"""The simulation: a virtual clock, a faulty network and a trace around two core endpoints."""

from .clock import advance
from .network import FaultRule, Match, Network
from .world import Arm, Call, Flight, Inject, Note, Processed, RunawayError, Snapshot, World, derive_isn

__all__ = [
    "Arm",
    "Call",
    "FaultRule",
    "Flight",
    "Inject",
    "Match",
    "Network",
    "Note",
    "Processed",
    "RunawayError",
    "Snapshot",
    "World",
    "advance",
    "derive_isn",
]
