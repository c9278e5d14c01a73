"""The names of the two endpoints every view shows: the client and the server.

The core's :class:`~tcpsim.core.tcb.Endpoint` does not know its name (RFC 9293 has no such
thing); the hosts around it do, and they all spell it with this type.
"""

from __future__ import annotations

from typing import Final, Literal

EndpointName = Literal["client", "server"]

ENDPOINTS: Final[tuple[EndpointName, EndpointName]] = ("client", "server")
"""Both names, the client first, as every view lays them out."""


def peer_of(endpoint: EndpointName) -> EndpointName:
    """The other endpoint: the one that receives what ``endpoint`` sends."""
    return "server" if endpoint == "client" else "client"


def endpoint_name(text: str) -> EndpointName:
    """``text`` as an endpoint's name, checked: for names that arrive as plain strings (a trace
    record's ``endpoint``). Raises ValueError for anything but ``client`` and ``server``."""
    if text == "client":
        return "client"
    if text == "server":
        return "server"
    raise ValueError(f"not an endpoint: {text!r} (expected client or server)")
