"""Scenario files: the TOML format (a public contract), bundled scenarios, and headless runs."""

from .expect import ExpectEvent, check
from .library import COURSE, bundled, course, resolve, scenarios_dir
from .load import load_bytes, load_file, load_text
from .model import EndpointSpec, Expectation, NetworkSpec, Scenario, SentSpec, Step
from .runner import RunResult, build_world, run, schedule_step
from .table import ScenarioError

__all__ = [
    "COURSE",
    "EndpointSpec",
    "ExpectEvent",
    "Expectation",
    "NetworkSpec",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SentSpec",
    "Step",
    "build_world",
    "bundled",
    "check",
    "course",
    "load_bytes",
    "load_file",
    "load_text",
    "resolve",
    "run",
    "scenarios_dir",
    "schedule_step",
]
