"""The C names a script writes (errno values, socket options, fcntl flags), as Linux numbers them.

packetdrill resolves these names with the host's headers; tcpsim uses Linux's numbering, the
platform packetdrill was written on, for the few places where a number is visible to the script
(``fcntl(F_GETFL)``'s result, ``SO_ERROR``'s value). Errors are compared by name, so a FreeBSD
script's ``-1 EINPROGRESS`` matches whatever the number is.
"""

from __future__ import annotations

import errno as _errno
import os

ERRNO_TEXT = {
    "EAGAIN": "Resource temporarily unavailable",
    "EALREADY": "Operation already in progress",
    "EBADF": "Bad file descriptor",
    "ECONNREFUSED": "Connection refused",
    "ECONNRESET": "Connection reset by peer",
    "EINPROGRESS": "Operation now in progress",
    "EINVAL": "Invalid argument",
    "EISCONN": "Transport endpoint is already connected",
    "ENOTCONN": "Transport endpoint is not connected",
    "EPIPE": "Broken pipe",
    "ETIMEDOUT": "Connection timed out",
    "EADDRINUSE": "Address already in use",
    "EOPNOTSUPP": "Operation not supported",
}
ALIASES = {"EWOULDBLOCK": "EAGAIN", "ENOTSUP": "EOPNOTSUPP"}
"""Names that are one errno on Linux (and that packetdrill compares as numbers)."""

O_RDWR = 0x2
O_NONBLOCK = 0x800
FCNTL_FLAGS = {"O_RDONLY": 0x0, "O_WRONLY": 0x1, "O_RDWR": O_RDWR, "O_NONBLOCK": O_NONBLOCK, "O_NDELAY": O_NONBLOCK}

SOCKET_LEVELS = ("SOL_SOCKET", "IPPROTO_TCP", "SOL_TCP", "IPPROTO_IP", "IPPROTO_IPV6")


def errno_name(name: str) -> str:
    """The canonical name of an errno (``EWOULDBLOCK`` is ``EAGAIN``)."""
    return ALIASES.get(name, name)


def is_errno(name: str) -> bool:
    return errno_name(name) in ERRNO_TEXT or hasattr(_errno, name)


def errno_text(name: str) -> str:
    """``EPIPE (Broken pipe)``: the name and the C library's words for it."""
    canonical = errno_name(name)
    text = ERRNO_TEXT.get(canonical)
    if text is None:
        number = getattr(_errno, canonical, None)
        text = os.strerror(number) if isinstance(number, int) else "unknown error"
    return f"{name} ({text})"


def errno_number(name: str) -> int | None:
    """Linux's number for an errno name (for ``SO_ERROR``), None if unknown."""
    number = getattr(_errno, errno_name(name), None)
    return number if isinstance(number, int) else None
