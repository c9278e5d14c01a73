"""Explain a segment one side of a capture sent: a prediction of its model, a retransmission, or a
user call that would send it (a SYN is an OPEN, data a SEND, a FIN a CLOSE, a RST an ABORT).

:func:`account` works on whatever endpoint and predictions it is given, so that the observer can
ask "would this explain it?" on copies (a dry run) without changing anything, and keep the copies
when the answer is yes. Everything here is about one side; when segments arrive is
:mod:`.arrival`'s business.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..core import actions as act
from ..core import seq as sq
from ..core.segment import Flags, Segment
from ..core.states import State
from ..core.tcb import Endpoint

# Plain ints: IntFlag arithmetic costs about a microsecond per operation (see tcpsim.core.segment).
SYN, FIN, RST, ACK, PSH = int(Flags.SYN), int(Flags.FIN), int(Flags.RST), int(Flags.ACK), int(Flags.PSH)

SEND_STATES = (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_SENT, State.SYN_RECEIVED)
FIN_STATES = (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_RECEIVED)
ABORT_RST_STATES = (State.SYN_RECEIVED, State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT)

MAX_GAP = 1 << 20
"""The most octets missing from the capture at one place that the model makes up (as zeros)."""
GAP_BUDGET = 16 << 20
"""The most octets missing from the capture that the model makes up in all, whatever the file claims."""

RULE_RETRANSMISSION = (
    "seen again in the capture: a retransmission (the sender's timer or a fast retransmit; "
    "tcpsim runs no real timers on a capture)"
)
RULE_EXTRA_ACK = (
    "an ACK the model would not send here (delayed or duplicate ACK, or window update); allowed in this state"
)
RULE_KEEPALIVE = "a keep-alive probe, SEG.SEQ = SND.NXT - 1 (RFC 9293 3.8.4; not modelled)"
RULE_UNEXPLAINED = "not explained by the state machine (see the note)"
RULE_CLOSED_REPLY = "3.10.7.1: the RST a CLOSED endpoint sends (it had no connection any more)"


Later = Callable[[int, int], "bytes | None"]
"""``later(start, length)``: the octets from ``start`` on that a side sends later in the capture,
if the packets in sight carry them all (None otherwise)."""


@dataclass(slots=True)
class Prediction:
    """A segment an observer's endpoint asked to send, waiting to be seen in the capture."""

    segment: Segment
    rule: str
    retransmission: bool
    t: float

    @property
    def pure_ack(self) -> bool:
        seg = self.segment
        return not seg.data and not seg.flags & (SYN | FIN | RST) and bool(seg.flags & ACK)


@dataclass(slots=True)
class Inferred:
    """A user call inferred from the capture (or, ``user`` False, something the host did to the TCB)."""

    call: str
    data: bytes
    note: str
    actions: list[act.Action]
    user: bool = True
    predicts: bool = True
    """Whether its sends are expected in the capture (not for bytes the capture is missing)."""


@dataclass(slots=True)
class Account:
    """How a segment an endpoint sent is explained."""

    ok: bool = False
    rule: str = RULE_UNEXPLAINED
    retransmission: bool = False
    calls: list[Inferred] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(kind, text)."""
    gap: bytes = b""
    """Bytes missing from the capture before this segment, sent by the model and fed to the peer."""
    strained: bool = False
    """The explanation needs the model to have been wrong (the side had forgotten the connection):
    good enough to go on with, not to decide that a segment has not arrived yet."""

    def explained(self, prediction: Prediction | None) -> bool:
        """Take the prediction the segment fulfils as the explanation, if there is one."""
        if prediction is None:
            return False
        self.ok, self.rule, self.retransmission = True, prediction.rule, prediction.retransmission
        return True


def same(pred: Segment, seg: Segment, exact: bool = False) -> bool:
    """Whether a seen segment is the predicted one: flags (PSH aside), numbers and payload.

    A RST matches on its sequence number (and ACK field when both carry one): Linux sets ACK on
    the RST of an abort, which RFC 9293's ``<SEQ=SND.NXT><CTL=RST>`` leaves out. ``exact``, for a
    model whose stack personality says what its RSTs carry (:func:`exact_rst`), allows nothing.
    """
    if pred.flags & RST or seg.flags & RST:
        if not (pred.flags & RST and seg.flags & RST) or pred.seq != seg.seq:
            return False
        if exact and (pred.flags & ACK) != (seg.flags & ACK):
            return False
        return not (pred.flags & ACK and seg.flags & ACK) or pred.ack == seg.ack
    if (pred.flags & ~PSH) != (seg.flags & ~PSH) or pred.seq != seg.seq:
        return False
    if pred.flags & ACK and pred.ack != seg.ack:
        return False
    return pred.data == seg.data


def exact_rst(ep: Endpoint) -> bool:
    """Whether ``ep``'s stack says what its RSTs carry (Linux L2, FreeBSD F8): then a seen RST must
    be the predicted one flag for flag, with no allowance for the RFC's ACK-less form."""
    return ep.stack.reset_carries_ack is not None


def take_prediction(preds: list[Prediction], seg: Segment, exact: bool = False) -> Prediction | None:
    """Remove and return the prediction(s) the seen segment fulfils: one, or a run of them that
    the sender put in one segment (data and FIN together, or data the model would split)."""
    for i, p in enumerate(preds):
        if same(p.segment, seg, exact):
            return preds.pop(i)
    if seg.flags & RST or not seg.seg_len:
        return None
    for i, first in enumerate(preds):
        if first.segment.seq != seg.seq or first.segment.flags & RST or not first.segment.seg_len:
            continue
        run, data, control, end = [], b"", 0, first.segment.seq
        for p in preds[i:]:
            s = p.segment
            if s.seq != end or s.flags & RST or (s.flags & ACK) != (seg.flags & ACK) or s.ack != seg.ack:
                break
            run.append(p)
            data += s.data
            control |= s.flags & (SYN | FIN)
            end = s.end
            if sq.ge(end, seg.end):
                break
        if len(run) > 1 and end == seg.end and data == seg.data and control == seg.flags & (SYN | FIN):
            for p in run:
                preds.remove(p)
            return run[0]
    return None


def covered(preds: Iterable[Prediction], seg: Segment) -> bool:
    """Whether every pure ACK among ``preds`` is covered by ``seg``'s acknowledgment."""
    return all(not p.pure_ack or (seg.flags & ACK and sq.le(p.segment.ack, seg.ack)) for p in preds)


def predictions(actions: Iterable[act.Action], t: float) -> list[Prediction]:
    """The segments among ``actions``, as predictions made at ``t``."""
    return [Prediction(a.segment, a.rule, a.retransmission, t) for a in actions if isinstance(a, act.Send)]


def expire_now(ep: Endpoint) -> list[act.Action]:
    return ep.timer_expired("2msl", ep.timers["2msl"])


def silent_abort(ep: Endpoint, now: float) -> list[act.Action]:
    """ABORT without the RST it may send: for a connection the capture shows is gone."""
    return [a for a in ep.abort(now) if not isinstance(a, act.Send)]


def is_retransmission(ep: Endpoint, seg: Segment) -> bool:
    """A segment whose sequence space this side has already sent, carrying its current ACK."""
    if ep.state is State.CLOSED or not seg.seg_len or seg.flags & RST:
        return False
    if seg.flags & ACK and seg.ack != ep.rcv_nxt:
        return False
    if seg.flags & SYN:
        return seg.seq == ep.iss and ep.state in (State.SYN_SENT, State.SYN_RECEIVED)
    return sq.le(sq.add(ep.iss, 1), seg.seq) and sq.le(seg.end, ep.snd_nxt)


def unfillable(ep: Endpoint, missing: int, budget: int) -> str | None:
    """Why the model cannot let ``missing`` octets the capture lacks go from ``ep`` to its peer as
    zeros (None: it can). A capture's sequence numbers can claim any gap: the zeros are made only
    for what one window could have carried, and for at most ``budget`` octets more in all."""
    room = ep.snd_wnd - sq.diff(ep.snd_nxt, ep.snd_una)
    if missing > MAX_GAP:
        return f"more than the {MAX_GAP} octets a gap may have"
    if missing > room:
        return f"more than the {max(room, 0)} octets its peer's window leaves room for"
    if missing > budget:
        return f"the model has already made up {GAP_BUDGET - budget} octets for this capture, its limit"
    return None


# ---------------------------------------------------------------------------------------- accounting
def account(
    name: str,
    seg: Segment,
    ep: Endpoint,
    preds: list[Prediction],
    now: float,
    *,
    abort_ok: bool,
    last: Segment | None,
    gap_budget: int,
    later: Later | None = None,
) -> Account:
    """Explain a segment ``ep`` sent: a prediction, a retransmission, or an inferred user call.

    ``abort_ok``: an ABORT may explain a RST (its sender behaves as aborted afterwards); ``last``:
    the last segment that reached ``ep`` (a RST may be a CLOSED endpoint's reply to it);
    ``gap_budget``: how many octets missing from the capture the model may still make up;
    ``later``: the octets the same side sends later in the capture, if they are in sight (for
    data seen before the data in front of it). The calls' sends are added to ``preds`` (and the
    one seen taken out again).
    """
    acc = Account()
    exact = exact_rst(ep)
    if acc.explained(take_prediction(preds, seg, exact)):
        return acc
    if is_retransmission(ep, seg):
        acc.ok, acc.rule, acc.retransmission = True, RULE_RETRANSMISSION, True
        return acc
    flags = seg.flags
    if flags & SYN and flags & ACK:
        acc.notes.append(("unexplained", f"a SYN,ACK the model does not expect: the {name} is in {ep.state}"))
        return acc
    if flags & SYN:
        _syn(acc, name, seg, ep, now)
    elif flags & RST:
        if _rst(acc, name, seg, ep, preds, now, abort_ok, last):
            return acc
    elif seg.data or flags & FIN:
        if _data(acc, name, seg, ep, now, gap_budget, later):
            return acc
    else:
        _ack(acc, name, seg, ep)
        return acc
    new = [p for inferred in acc.calls if inferred.predicts for p in predictions(inferred.actions, now)]
    preds.extend(new)
    if not acc.explained(take_prediction(preds, seg, exact)):
        # the model's own version of this very segment differs: it was seen, not to wait for
        mine = {
            id(p) for p in new if p.segment.seg_len and sq.le(seg.seq, p.segment.seq) and sq.lt(p.segment.seq, seg.end)
        }
        preds[:] = [p for p in preds if id(p) not in mine]
    return acc


def _syn(acc: Account, name: str, seg: Segment, ep: Endpoint, now: float) -> None:
    """A SYN: an active OPEN with its ISN, after ending what the model still holds."""
    state = ep.state
    if state is State.TIME_WAIT and "2msl" in ep.timers:
        acc.notes.append(
            (
                "time-wait",
                f"the {name} opens a new connection on the same port pair while the model has it in "
                f"TIME-WAIT (until {ep.timers['2msl']:.6f} s): its TIME-WAIT ended early (Linux reuses a "
                "TIME-WAIT port pair for a new outgoing connection when timestamps make it safe, "
                "net.ipv4.tcp_tw_reuse; or --msl is longer than the stack's).",
            )
        )
        acc.calls.append(Inferred("2msl", b"", "", expire_now(ep), user=False))
        acc.strained = True
    elif state not in (State.CLOSED, State.LISTEN):
        acc.notes.append(
            (
                "unexplained",
                f"the {name} sends a new SYN while the model has it in {state}: the capture misses how that "
                "connection ended. The model forgets it (an ABORT that sends nothing).",
            )
        )
        acc.calls.append(Inferred("forget", b"", "", silent_abort(ep, now), user=False))
        acc.strained = True
    ep.next_iss = seg.seq  # the host chose the ISN the SYN shows (RFC 9293 3.4.1)
    acc.calls.append(Inferred("connect", b"", f"inferred: the {name} sent a SYN (ISN {seg.seq})", ep.open_active(now)))
    if seg.data:
        acc.notes.append(("unexplained", "data on a SYN (TCP Fast Open) is not modelled"))


def _rst(
    acc: Account,
    name: str,
    seg: Segment,
    ep: Endpoint,
    preds: list[Prediction],
    now: float,
    abort_ok: bool,
    last: Segment | None,
) -> bool:
    """A RST: an ABORT, or a CLOSED endpoint's reply. True when the account is complete."""
    if ep.state in ABORT_RST_STATES and seg.seq == ep.snd_nxt and abort_ok:
        acc.calls.append(Inferred("abort", b"", f"inferred: the {name} sent a RST", ep.abort(now)))
        return False
    if abort_ok and _closed_reply(ep, seg, last, now):
        acc.ok, acc.strained, acc.rule = True, True, RULE_CLOSED_REPLY
        acc.notes.append(
            (
                "unexplained",
                f"the {name} answers with the RST a CLOSED endpoint sends (3.10.7.1) while the model has it in "
                f"{ep.state}: it no longer had the connection (it left that state early, or never entered it).",
            )
        )
        acc.calls.append(Inferred("forget", b"", "", silent_abort(ep, now), user=False))
        preds[:] = [p for p in preds if p.segment.flags & RST]
        return True
    acc.notes.append(("unexplained", rst_text(name, seg, ep)))
    return True


def _data(
    acc: Account, name: str, seg: Segment, ep: Endpoint, now: float, gap_budget: int, later: Later | None
) -> bool:
    """Data or a FIN: a SEND, a CLOSE, bytes seen later or missing from the capture before them.
    True when complete."""
    state = ep.state
    if sq.gt(seg.seq, ep.snd_nxt) and state in (State.ESTABLISHED, State.CLOSE_WAIT):
        missing = sq.diff(seg.seq, ep.snd_nxt)
        room = ep.snd_wnd - sq.diff(ep.snd_nxt, ep.snd_una)
        earlier = later(ep.snd_nxt, missing) if later is not None and missing <= room else None
        if earlier is not None:
            # Out of order at the capture point: the bytes in front of this segment come later in
            # the capture. They were sent first (a sender sends in order), with their real bytes,
            # and arrive when the capture shows them: the receiver holds this segment until then
            # (3.10.7.4 seventh, SHLD-31).
            note = f"inferred: the {name} sent data (seen later in the capture, out of order)"
            acc.calls.append(Inferred("send", earlier, note, ep.send(earlier, now)))
            return _data(acc, name, seg, ep, now, gap_budget, None)
        refused = unfillable(ep, missing, gap_budget)
        gap = f"{missing} octets the {name} sent before this ({ep.snd_nxt} to {seg.seq}) are not in the capture"
        if refused is None:
            acc.gap = bytes(missing)
            acc.notes.append(
                (
                    "gap",
                    f"{gap}: packets the capture missed, or lost before it. The model lets them arrive (as zeros) "
                    "so that it can go on.",
                )
            )
            acc.calls.append(Inferred("send", acc.gap, "", ep.send(acc.gap, now), user=False, predicts=False))
        else:
            acc.notes.append(("gap", f"{gap}, and the model does not make them up: {refused}."))
    if seg.seq != ep.snd_nxt:
        if sq.lt(seg.seq, ep.snd_nxt) and sq.lt(ep.snd_nxt, seg.end) and state in SEND_STATES:
            fresh = seg.data[sq.diff(ep.snd_nxt, seg.seq) :]
            acc.calls.append(Inferred("send", fresh, f"inferred: new data from the {name}", ep.send(fresh, now)))
            acc.ok, acc.rule, acc.retransmission = True, RULE_RETRANSMISSION, True
            return True
        acc.notes.append(("unexplained", seq_text(name, seg, ep)))
        return True
    if seg.data:
        if state not in SEND_STATES:
            acc.notes.append(("unexplained", f"the {name} sends data in {state}, where SEND is refused"))
            return True
        acc.calls.append(Inferred("send", seg.data, f"inferred: the {name} sent data", ep.send(seg.data, now)))
    if seg.flags & FIN:
        if ep.state not in FIN_STATES:
            acc.notes.append(("unexplained", f"the {name} sends a FIN in {ep.state}, where CLOSE sends none"))
            return True
        acc.calls.append(Inferred("close", b"", f"inferred: the {name} sent a FIN", ep.close(now)))
    return False


def _ack(acc: Account, name: str, seg: Segment, ep: Endpoint) -> None:
    """No SYN, FIN, RST or data: an ACK the state allows (a duplicate, a window update, a keep-alive)."""
    state = ep.state
    if not (state.synchronized or state is State.SYN_RECEIVED):
        acc.notes.append(("unexplained", f"the {name} sends an ACK in {state}, where it has no connection"))
        return
    ack_ok = bool(seg.flags & ACK) and seg.ack == ep.rcv_nxt
    if ack_ok and seg.seq == ep.snd_nxt:
        acc.ok, acc.rule = True, RULE_EXTRA_ACK
    elif ack_ok and seg.seq == sq.add(ep.snd_nxt, -1):
        acc.ok, acc.rule = True, RULE_KEEPALIVE
    else:
        acc.notes.append(("unexplained", ack_text(name, seg, ep)))


def _closed_reply(ep: Endpoint, seg: Segment, last: Segment | None, now: float) -> bool:
    """Whether ``seg`` is the RST a CLOSED endpoint would send to the last segment that reached it."""
    if last is None or last.flags & RST or ep.state is State.CLOSED:
        return False
    closed = Endpoint(copy.copy(ep.config))
    return any(
        same(a.segment, seg, exact_rst(ep)) for a in closed.segment_arrives(last, now) if isinstance(a, act.Send)
    )


# ---------------------------------------------------------------------------------------- what it says
def rst_text(name: str, seg: Segment, ep: Endpoint) -> str:
    return (
        f"the {name} sends a RST (seq {seg.seq}) that the state machine does not explain: in {ep.state} with "
        f"SND.NXT = {ep.snd_nxt} nothing it received calls for one, and it goes on as if it had not aborted. "
        f"A forged or injected RST? The model leaves the {name} as it is."
    )


def seq_text(name: str, seg: Segment, ep: Endpoint) -> str:
    return (
        f"the {name} sends seq {seg.seq} (length {seg.seg_len}) in {ep.state} while the model has SND.NXT = "
        f"{ep.snd_nxt}: neither a retransmission of what it sent nor its next data."
    )


def ack_text(name: str, seg: Segment, ep: Endpoint) -> str:
    if seg.flags & ACK and sq.gt(seg.ack, ep.rcv_nxt):
        return (
            f"the {name} acknowledges {seg.ack}, beyond the {ep.rcv_nxt} the model has received: segments "
            "from its peer are missing from the capture."
        )
    return (
        f"an ACK (seq {seg.seq}, ack {seg.ack}) that does not fit the model of the {name} "
        f"(SND.NXT = {ep.snd_nxt}, RCV.NXT = {ep.rcv_nxt})."
    )


def mismatch_text(name: str, seg: Segment, account: Account, preds: list[Prediction]) -> str:
    calls = ", ".join(c.call.upper() for c in account.calls if c.user)
    wanted = [p.segment.describe() for p in preds[-3:]]
    return (
        f"after {calls or 'that'}, the model would have the {name} send {' / '.join(wanted) or 'nothing'}; "
        f"the capture shows {seg.describe()}."
    )
