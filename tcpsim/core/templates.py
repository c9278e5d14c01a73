"""The core's rules and messages that carry a value (an RTO, a state, a count), as templates.

The core writes its rules (the RFC 9293 section and step behind each action), its discard reasons
and a few messages in English: the trace's JSON lines keep that English, and it is the message id
of their translations. A string without a value is marked with ``N_`` where it is written. One
with a value is a template here, marked the same way and filled in where it is written (``{state}``
is a state's RFC name, ``{rto}`` seconds): :func:`tcpsim.sim.wording.rule_text` finds the values
back in the English and puts them into the translation. Every template is in :data:`TEMPLATES`.
"""

from __future__ import annotations

from typing import Final

from ..i18n import N_

# --- tcb.py -----------------------------------------------------------------------------------------
RTO_DOUBLED: Final = N_("3.10.8 RETRANSMISSION TIMEOUT: resend, RTO doubled to {rto}s (RFC 6298 5.5)")
RTO_DOUBLED_ESTIMATED: Final = N_("3.10.8 RETRANSMISSION TIMEOUT: resend, RTO doubled to {rto}s")
RTO_STAYS: Final = N_("3.10.8 RETRANSMISSION TIMEOUT: resend, RTO stays {rto}s (linear)")
FIN_REMAIN: Final = N_("3.10.7.4 eighth: FIN in {state}, remain and acknowledge")
GAVE_UP: Final = N_("error: connection aborted: no acknowledgment after {retries} retransmissions ({seconds} s)")

# --- transitions.py: the rows repeated for several states ----------------------------------------------
RST_RESET: Final = N_("3.10.7.4 second: RST in {state}, connection reset")
RST_CLOSED: Final = N_("3.10.7.4 second: RST in {state}, enter CLOSED")
ABORT_RST: Final = N_("3.10.5 ABORT in {state}: send RST")
ABORT_DELETE: Final = N_("3.10.5 ABORT in {state}: ok, delete TCB")
GIVE_UP: Final = N_("3.8.3: too many retransmissions in {state}, give up")
UNREAD_CLOSE: Final = N_("stack: CLOSE with unread data in {state} resets (RFC 2525 2.17)")
DATA_AFTER_CLOSE: Final = N_("stack: new data in {state} after close() resets")
SYN_IN_WINDOW_793: Final = N_("RFC 793 3.9 fourth: SYN in the window in {state}, reset")

TEMPLATES: Final = (
    RTO_DOUBLED,
    RTO_DOUBLED_ESTIMATED,
    RTO_STAYS,
    FIN_REMAIN,
    GAVE_UP,
    RST_RESET,
    RST_CLOSED,
    ABORT_RST,
    ABORT_DELETE,
    GIVE_UP,
    UNREAD_CLOSE,
    DATA_AFTER_CLOSE,
    SYN_IN_WINDOW_793,
)
"""Every template the core fills in, for :mod:`tcpsim.sim.wording` to read the values back."""
