"""The base of tcpsim's value records: segments, actions, trace records, world commands.

Its one method says how to copy a record: call its class again with its init fields, in order.
``copy.deepcopy`` needs that (``World.snapshot`` copies a world before every event, to step
back) and so does pickle. Plain Python would manage without it, but the hot modules are compiled by
mypyc in a regular install (setup.py), and a compiled class cannot be made empty and then filled
in: one with its own ``__init__`` needs the arguments, and a frozen one refuses the attributes.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any


class Record:
    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        record: Any = self  # every subclass is a dataclass
        return (type(self), tuple(getattr(self, f.name) for f in fields(record) if f.init))
