"""The two drawings of RFC 9293 Figure 5: where each box stands and how each arrow runs.

Both follow the figure: CLOSED on top, LISTEN under it, SYN-RECEIVED left and SYN-SENT right,
ESTABLISHED in the middle, the active close down the left (FIN-WAIT-1, FIN-WAIT-2), CLOSING in
the middle, the passive close down the right (CLOSE-WAIT, LAST-ACK), TIME-WAIT at the bottom
and, as in the figure, CLOSED once more at the bottom right. Each arrow is named by its row of
:data:`tcpsim.core.transitions.DIAGRAM` (looked up, so an arrow the table lacks cannot be drawn)
and its corners are computed from the boxes it joins. :func:`.diagram_geometry.problems` checks
the result; the tests hold both layouts to it and to the table.

``full`` has Figure 5's framed boxes and labels; ``compact`` fits the 78 × 17 cells the app has
at 80 × 24, with one-row boxes and the short notation ("FIN/ACK").
"""

from __future__ import annotations

from ...core.states import State
from ...core.transitions import Event, Transition, lookup
from .diagram_geometry import Box, Key, LabelSpot, Layout, Point, Route

E = Event
CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED = State.CLOSED, State.LISTEN, State.SYN_SENT, State.SYN_RECEIVED
ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2 = State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2
CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT = State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK, State.TIME_WAIT


def key_of(t: Transition) -> Key:
    """A table row's name, as the trace writes a state change: (from, event, to)."""
    return (t.source.value, t.event, t.target.value)


def _key(source: State, event: str, target: State) -> Key:
    return key_of(lookup(source, event, target))  # IllegalTransition if the table has no such arrow


def _arrow(boxes: dict[str, Box], source: str, event: str, target: str, points: list[Point], label: LabelSpot) -> Route:
    key = _key(boxes[source].state, event, boxes[target].state)
    return Route(key, source, target, tuple(points), label)


FULL_WIDTH = 116
BOX_WIDTH = 16


def full(width: int = FULL_WIDTH) -> Layout:
    """Figure 5 with framed boxes and its own labels, 29 rows high and ``width`` (≥ 116) wide."""
    w = BOX_WIDTH
    left, centre, right = 0, (width - w) // 2, width - w
    b = {
        "CLOSED": Box("CLOSED", CLOSED, centre, 0, w, 3),
        "LISTEN": Box("LISTEN", LISTEN, centre, 5, w, 3),
        "SYN-RECEIVED": Box("SYN-RECEIVED", SYN_RECEIVED, left, 10, w, 5),
        "SYN-SENT": Box("SYN-SENT", SYN_SENT, right, 10, w, 5),
        "ESTABLISHED": Box("ESTABLISHED", ESTABLISHED, centre, 15, w, 3),
        "FIN-WAIT-1": Box("FIN-WAIT-1", FIN_WAIT_1, left, 18, w, 3),
        "CLOSE-WAIT": Box("CLOSE-WAIT", CLOSE_WAIT, right, 18, w, 3),
        "FIN-WAIT-2": Box("FIN-WAIT-2", FIN_WAIT_2, left, 22, w, 3),
        "CLOSING": Box("CLOSING", CLOSING, centre, 22, w, 3),
        "LAST-ACK": Box("LAST-ACK", LAST_ACK, right, 22, w, 3),
        "TIME-WAIT": Box("TIME-WAIT", TIME_WAIT, centre, 26, w, 3),
        "CLOSED-END": Box("CLOSED-END", CLOSED, right, 26, w, 3),
    }
    closed, listen, rcvd, sent = b["CLOSED"], b["LISTEN"], b["SYN-RECEIVED"], b["SYN-SENT"]
    estab, fw1, cw, fw2 = b["ESTABLISHED"], b["FIN-WAIT-1"], b["CLOSE-WAIT"], b["FIN-WAIT-2"]
    closing, last_ack, tw, closed_end = b["CLOSING"], b["LAST-ACK"], b["TIME-WAIT"], b["CLOSED-END"]
    mid = centre + w // 2  # the centre column's axis
    far_left = centre - 26  # where CLOSE from LISTEN climbs back to CLOSED
    rcvd_axis, sent_axis = left + 8, right + 7

    def inline(p: Point, dx: int = 3) -> LabelSpot:
        return LabelSpot(p[0] + dx, p[1], "inline")

    routes = [
        # CLOSED ⇄ LISTEN, and CLOSED ⇄ SYN-SENT round the right.
        _arrow(
            b,
            "CLOSED",
            E.PASSIVE_OPEN,
            "LISTEN",
            [closed.exit("bottom", 5), listen.entry("top", 5)],
            LabelSpot(mid - 5, 3, "right"),
        ),
        _arrow(
            b,
            "LISTEN",
            E.CLOSE,
            "CLOSED",
            [listen.exit("left", 1), (far_left, listen.middle), (far_left, closed.middle), closed.entry("left", 1)],
            inline((far_left, listen.middle)),
        ),
        _arrow(
            b,
            "CLOSED",
            E.ACTIVE_OPEN,
            "SYN-SENT",
            [closed.exit("right", 1), (sent_axis + 4, closed.middle), sent.entry("top", 11)],
            inline(closed.exit("right", 1)),
        ),
        _arrow(
            b,
            "SYN-SENT",
            E.CLOSE,
            "CLOSED",
            [sent.exit("top", 7), (sent_axis, 4), (mid + 4, 4), closed.entry("bottom", 12)],
            inline((mid + 4, 4), 2),
        ),
        # LISTEN down to the two SYN states, and RST back from SYN-RECEIVED (note 1).
        _arrow(
            b,
            "LISTEN",
            E.RCV_SYN,
            "SYN-RECEIVED",
            [listen.exit("bottom", 7), (mid - 1, rcvd.y + 1), rcvd.entry("right", 1)],
            inline(rcvd.entry("right", 1), 3),
        ),
        _arrow(
            b,
            "LISTEN",
            E.ACTIVE_OPEN,
            "SYN-SENT",
            [listen.exit("bottom", 11), (mid + 3, sent.y + 1), sent.entry("left", 1)],
            inline((mid + 3, sent.y + 1)),
        ),
        _arrow(
            b,
            "SYN-RECEIVED",
            E.RCV_RST,
            "LISTEN",
            [rcvd.exit("top", 8), (rcvd_axis, 9), (mid - 4, 9), listen.entry("bottom", 4)],
            inline((rcvd_axis, 9)),
        ),
        # Simultaneous open, and both SYN states into ESTABLISHED.
        _arrow(
            b,
            "SYN-SENT",
            E.RCV_SYN,
            "SYN-RECEIVED",
            [sent.exit("left", 2), rcvd.entry("right", 2)],
            LabelSpot(mid - 12, rcvd.middle, "inline"),
        ),
        _arrow(
            b,
            "SYN-RECEIVED",
            E.RCV_ACK_OF_SYN,
            "ESTABLISHED",
            [rcvd.exit("right", 3), (mid - 4, rcvd.y + 3), estab.entry("top", 4)],
            inline(rcvd.exit("right", 3)),
        ),
        _arrow(
            b,
            "SYN-SENT",
            E.RCV_SYN_ACK,
            "ESTABLISHED",
            [sent.exit("left", 3), (mid + 3, sent.y + 3), estab.entry("top", 11)],
            inline((mid + 3, sent.y + 3)),
        ),
        # Closing: CLOSE from SYN-RECEIVED and ESTABLISHED, FIN from the peer.
        _arrow(
            b,
            "SYN-RECEIVED",
            E.CLOSE,
            "FIN-WAIT-1",
            [rcvd.exit("bottom", 4), fw1.entry("top", 4)],
            LabelSpot(left + 6, rcvd.y + rcvd.h, "left"),
        ),
        _arrow(
            b,
            "ESTABLISHED",
            E.CLOSE,
            "FIN-WAIT-1",
            [estab.exit("left", 1), (left + 12, estab.middle), fw1.entry("top", 12)],
            inline((left + 12, estab.middle), 8),
        ),
        _arrow(
            b,
            "ESTABLISHED",
            E.RCV_FIN,
            "CLOSE-WAIT",
            [estab.exit("right", 1), (sent_axis, estab.middle), cw.entry("top", 7)],
            inline(estab.exit("right", 1)),
        ),
        _arrow(
            b,
            "FIN-WAIT-1",
            E.RCV_ACK_OF_FIN,
            "FIN-WAIT-2",
            [fw1.exit("bottom", 4), fw2.entry("top", 4)],
            LabelSpot(left + 6, fw1.y + fw1.h, "left"),
        ),
        _arrow(
            b,
            "FIN-WAIT-1",
            E.RCV_FIN,
            "CLOSING",
            [fw1.exit("right", 1), (mid, fw1.middle), closing.entry("top", 8)],
            inline(fw1.exit("right", 1)),
        ),
        _arrow(
            b,
            "CLOSE-WAIT",
            E.CLOSE,
            "LAST-ACK",
            [cw.exit("bottom", 7), last_ack.entry("top", 7)],
            LabelSpot(sent_axis - 2, cw.y + cw.h, "right"),
        ),
        # Into TIME-WAIT, and out to CLOSED.
        _arrow(
            b,
            "FIN-WAIT-2",
            E.RCV_FIN,
            "TIME-WAIT",
            [fw2.exit("bottom", 4), (left + 4, tw.middle), tw.entry("left", 1)],
            inline((left + 4, tw.middle)),
        ),
        _arrow(
            b,
            "CLOSING",
            E.RCV_ACK_OF_FIN,
            "TIME-WAIT",
            [closing.exit("bottom", 8), tw.entry("top", 8)],
            LabelSpot(mid - 2, closing.y + closing.h, "right"),
        ),
        _arrow(
            b,
            "LAST-ACK",
            E.RCV_ACK_OF_FIN,
            "CLOSED-END",
            [last_ack.exit("bottom", 7), closed_end.entry("top", 7)],
            LabelSpot(sent_axis - 2, last_ack.y + last_ack.h, "right"),
        ),
        _arrow(
            b,
            "TIME-WAIT",
            E.TIMEOUT_2MSL,
            "CLOSED-END",
            [tw.exit("right", 1), closed_end.entry("left", 1)],
            inline(tw.exit("right", 1)),
        ),
    ]
    return Layout("full", width, tw.y + tw.h, tuple(b.values()), tuple(routes))


COMPACT_WIDTH = 78
COMPACT_MIN_WIDTH = 70
CHIP_WIDTH = 14


def compact(width: int = COMPACT_WIDTH) -> Layout:
    """Figure 5 in 16 rows: one-row boxes (three for the two SYN states) and the short notation."""
    w = CHIP_WIDTH
    left, centre, right = 0, (width - w) // 2, width - w

    def chip(name: str, state: State, x: int, y: int, h: int = 1) -> Box:
        return Box(name, state, x, y, w, h, framed=False)

    b = {
        "CLOSED": chip("CLOSED", CLOSED, centre, 0),
        "LISTEN": chip("LISTEN", LISTEN, centre, 2),
        "SYN-RECEIVED": chip("SYN-RECEIVED", SYN_RECEIVED, left, 5, 3),
        "SYN-SENT": chip("SYN-SENT", SYN_SENT, right, 5, 3),
        "ESTABLISHED": chip("ESTABLISHED", ESTABLISHED, centre, 9),
        "FIN-WAIT-1": chip("FIN-WAIT-1", FIN_WAIT_1, left, 11),
        "CLOSE-WAIT": chip("CLOSE-WAIT", CLOSE_WAIT, right, 11),
        "FIN-WAIT-2": chip("FIN-WAIT-2", FIN_WAIT_2, left, 13),
        "CLOSING": chip("CLOSING", CLOSING, centre, 13),
        "LAST-ACK": chip("LAST-ACK", LAST_ACK, right, 13),
        "TIME-WAIT": chip("TIME-WAIT", TIME_WAIT, centre, 15),
        "CLOSED-END": chip("CLOSED-END", CLOSED, right, 15),
    }
    closed, listen, rcvd, sent = b["CLOSED"], b["LISTEN"], b["SYN-RECEIVED"], b["SYN-SENT"]
    estab, fw1, cw, fw2 = b["ESTABLISHED"], b["FIN-WAIT-1"], b["CLOSE-WAIT"], b["FIN-WAIT-2"]
    closing, last_ack, tw, closed_end = b["CLOSING"], b["LAST-ACK"], b["TIME-WAIT"], b["CLOSED-END"]
    far_left = centre - 12
    down_left, down_right = left + 4, right + 6

    def inline(p: Point, dx: int = 2) -> LabelSpot:
        return LabelSpot(p[0] + dx, p[1], "inline")

    # A one-point arrow is a lone arrowhead in the one row between two boxes. Several arrows leave
    # a box and turn at once (the first cell is a corner): that is what saves the rows.
    routes = [
        _arrow(b, "CLOSED", E.PASSIVE_OPEN, "LISTEN", [closed.exit("bottom", 3)], LabelSpot(centre + 1, 1, "right")),
        _arrow(
            b,
            "LISTEN",
            E.CLOSE,
            "CLOSED",
            [listen.exit("left", 0), (far_left, listen.y), (far_left, closed.y), closed.entry("left", 0)],
            inline((far_left, listen.y)),
        ),
        _arrow(
            b,
            "CLOSED",
            E.ACTIVE_OPEN,
            "SYN-SENT",
            [closed.exit("bottom", 10), (right + 7, 1), sent.entry("top", 7)],
            inline(closed.exit("bottom", 10)),
        ),
        _arrow(
            b,
            "SYN-SENT",
            E.CLOSE,
            "CLOSED",
            [sent.exit("top", 11), (right + 11, closed.y), closed.entry("right", 0)],
            inline(closed.entry("right", 0)),
        ),
        _arrow(
            b,
            "LISTEN",
            E.RCV_SYN,
            "SYN-RECEIVED",
            [listen.exit("bottom", 7), (centre + 7, rcvd.y), rcvd.entry("right", 0)],
            inline(rcvd.entry("right", 0), 1),
        ),
        _arrow(
            b,
            "LISTEN",
            E.ACTIVE_OPEN,
            "SYN-SENT",
            [listen.exit("bottom", 11), (centre + 11, sent.y), sent.entry("left", 0)],
            inline((centre + 11, sent.y)),
        ),
        _arrow(
            b,
            "SYN-RECEIVED",
            E.RCV_RST,
            "LISTEN",
            [rcvd.exit("top", 8), (centre + 4, listen.y + 2), listen.entry("bottom", 4)],
            inline(rcvd.exit("top", 8)),
        ),
        _arrow(
            b,
            "SYN-SENT",
            E.RCV_SYN,
            "SYN-RECEIVED",
            [sent.exit("left", 1), rcvd.entry("right", 1)],
            LabelSpot(centre - 1, rcvd.y + 1, "inline"),
        ),
        _arrow(
            b,
            "SYN-RECEIVED",
            E.RCV_ACK_OF_SYN,
            "ESTABLISHED",
            [rcvd.exit("right", 2), (centre + 3, rcvd.y + 2), estab.entry("top", 3)],
            inline(rcvd.exit("right", 2), 3),
        ),
        _arrow(
            b,
            "SYN-SENT",
            E.RCV_SYN_ACK,
            "ESTABLISHED",
            [sent.exit("left", 2), (centre + 10, sent.y + 2), estab.entry("top", 10)],
            inline((centre + 10, sent.y + 2)),
        ),
        _arrow(
            b,
            "SYN-RECEIVED",
            E.CLOSE,
            "FIN-WAIT-1",
            [rcvd.exit("bottom", 4), fw1.entry("top", 4)],
            LabelSpot(down_left + 2, rcvd.y + rcvd.h, "left"),
        ),
        _arrow(
            b,
            "ESTABLISHED",
            E.CLOSE,
            "FIN-WAIT-1",
            [estab.exit("left", 0), (left + 10, estab.y), fw1.entry("top", 10)],
            inline((left + 10, estab.y), 3),
        ),
        _arrow(
            b,
            "ESTABLISHED",
            E.RCV_FIN,
            "CLOSE-WAIT",
            [estab.exit("right", 0), (down_right, estab.y), cw.entry("top", 6)],
            inline(estab.exit("right", 0)),
        ),
        _arrow(
            b,
            "FIN-WAIT-1",
            E.RCV_ACK_OF_FIN,
            "FIN-WAIT-2",
            [fw1.exit("bottom", 4)],
            LabelSpot(down_left + 2, fw1.y + 1, "left"),
        ),
        _arrow(
            b,
            "FIN-WAIT-1",
            E.RCV_FIN,
            "CLOSING",
            [fw1.exit("right", 0), (centre + 7, fw1.y), closing.entry("top", 7)],
            inline(fw1.exit("right", 0)),
        ),
        _arrow(
            b, "CLOSE-WAIT", E.CLOSE, "LAST-ACK", [cw.exit("bottom", 6)], LabelSpot(down_right - 2, cw.y + 1, "right")
        ),
        _arrow(
            b,
            "FIN-WAIT-2",
            E.RCV_FIN,
            "TIME-WAIT",
            [fw2.exit("bottom", 4), (left + 4, tw.y), tw.entry("left", 0)],
            inline((left + 4, tw.y)),
        ),
        _arrow(
            b,
            "CLOSING",
            E.RCV_ACK_OF_FIN,
            "TIME-WAIT",
            [closing.exit("bottom", 7)],
            LabelSpot(centre + 9, closing.y + 1, "left"),
        ),
        _arrow(
            b,
            "LAST-ACK",
            E.RCV_ACK_OF_FIN,
            "CLOSED-END",
            [last_ack.exit("bottom", 6)],
            LabelSpot(down_right - 2, last_ack.y + 1, "right"),
        ),
        _arrow(
            b,
            "TIME-WAIT",
            E.TIMEOUT_2MSL,
            "CLOSED-END",
            [tw.exit("right", 0), closed_end.entry("left", 0)],
            inline(tw.exit("right", 0)),
        ),
    ]
    return Layout("compact", width, tw.y + tw.h, tuple(b.values()), tuple(routes), short_labels=True)
