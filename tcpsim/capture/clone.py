"""Copies of an observer's endpoints: for a dry run ("would this explain it?") and for display."""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter

from ..core.tcb import Endpoint

_FIELDS = tuple(f.name for f in fields(Endpoint))
_GET_FIELDS = attrgetter(*_FIELDS)


def clone(ep: Endpoint) -> Endpoint:
    """A copy of an endpoint for a dry run: its TCB and queues, but not the bytes it has received.

    Field by field rather than ``copy.copy``, which goes through ``__reduce_ex__`` and costs about
    eight times as much: the observer makes a few dry runs for every packet. The configuration is
    shared: nothing changes it. ``Endpoint.__new__``, not ``object.__new__``: the installed build
    compiles Endpoint with mypyc, whose classes refuse the latter (every import crashed there)."""
    twin = Endpoint.__new__(Endpoint)
    for name, value in zip(_FIELDS, _GET_FIELDS(ep), strict=True):
        setattr(twin, name, value)
    twin.send_buffer = bytearray(ep.send_buffer)
    twin.retransmission_queue = list(ep.retransmission_queue)
    twin.held = list(ep.held)
    twin.received = bytearray()
    twin.timers = dict(ep.timers)
    return twin


def snapshot(ep: Endpoint) -> Endpoint:
    """A copy to show later: like :func:`clone`, with the last bytes received kept for display."""
    twin = clone(ep)
    twin.received = bytearray(ep.received[-256:])
    return twin
