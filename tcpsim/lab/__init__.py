"""The TIME-WAIT lab: many short connections between two hosts, on the same core as the rest."""

from __future__ import annotations

from .engine import (
    DEFAULT_PORTS,
    EADDRNOTAVAIL,
    LoadConfig,
    LoadLab,
    Sample,
    Summary,
    Theory,
    theory,
)

__all__ = ["DEFAULT_PORTS", "EADDRNOTAVAIL", "LoadConfig", "LoadLab", "Sample", "Summary", "Theory", "theory"]
