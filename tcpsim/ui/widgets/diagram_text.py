"""Every word the state diagram shows, in one place (a later change moves them into gettext catalogues).

Arrow labels are Figure 5's own notation, built from the transition table and never translated
(RFC terms stay as the RFC spells them, in every language). The legend, the notes and the
sentence that explains a transition are tcpsim's words, in English and Chinese. The sentences
are teaching prose, not protocol facts, so they live here beside the UI rather than in the core's
table; each is matched to its row by (from, event, to), and a test checks that every row of the
table has one in every language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.cells import cell_len

from ...core.states import State
from ...core.transitions import TRANSITIONS, Event, Transition
from ..i18n import language

Key = tuple[str, str, str]


def full_label(t: Transition) -> str:
    """Figure 5's label: the event, then what is sent or done ("rcv SYN / snd SYN,ACK")."""
    return f"{t.event} / {t.action}" if t.action else t.event


def short_label(t: Transition) -> str:
    """The compact notation: what arrives or is called, then what is sent ("SYN/SYN,ACK").

    Derived from the full label by rule, not written per arrow: "rcv " and the "of SYN"/"of FIN"
    qualifiers go, OPEN loses passive/active (the target says which), a TCB created or deleted is
    not a segment sent, and Timeout=2MSL becomes 2MSL.
    """
    event = t.event.removeprefix("rcv ").replace(" of SYN", "").replace(" of FIN", "")
    event = event.removeprefix("passive ").removeprefix("active ").removeprefix("Timeout=")
    sent = t.action.removeprefix("snd ") if t.action.startswith("snd ") else ""
    return f"{event}/{sent}" if sent else event


def mark(count: int) -> str:
    """How an arrow walked ``count`` times is marked beside its label."""
    return f"✓{count}"


# ---------------------------------------------------------------------------------------------
# The interface's own words.

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "where": "{endpoint} {state}",
        "walked": "{seen}/{total} arrows walked",
        "more": "↓ notes and legend",
        "no_step": "{endpoint}: no state change yet.",
        "explained": "{step} {sentence} {cite}",
        "step": "{endpoint}: {source} → {target} ({label}).",
        "cite": "RFC 9293 §{section}",
        "cite_check": "RFC 9293 §{section}, {ordinal} check",
        "notes_title": "Left out of the figure for legibility, as Figure 5 does, and run by the core all the same:",
        "whatif_title": "What-if only (time_wait = false), not RFC behaviour:",
        "from": "from",
        "legend_title": "How to read the diagram",
        "legend_label": (
            "Each box is a state, each arrow a transition. An arrow's label says what makes it happen, "
            "then what is done on the way: “rcv FIN / snd ACK” means “when a FIN arrives, send an ACK "
            "and move along the arrow”. OPEN, CLOSE and ABORT are calls from the application; "
            "Timeout=2MSL is TIME-WAIT's timer running out; create TCB and delete TCB are the "
            "endpoint making or forgetting its memory of the connection. CLOSED is drawn twice, "
            "at the top and bottom right, as Figure 5 draws it."
        ),
        "legend_short": (
            "The compact figure (on narrow terminals) uses short labels: “FIN/ACK” means receive a FIN, "
            "send an ACK; “CLOSE/FIN” means the application calls CLOSE, send a FIN; a label with no “/” "
            "sends nothing. The sentence under the diagram spells out the last step in full."
        ),
        "legend_colours": (
            "Colours: the client's colour (■ client, as in the timeline) lights the state the client is in and "
            "the arrow it took last; the server's colour does the same for the server, and a box in both colours "
            "holds both. Arrows not yet walked are dim; ✓3 beside a label means walked 3 times in the history on "
            "screen (b rewinds it too). The sentence under the figure explains the focused endpoint's last step "
            "(tab switches)."
        ),
        "help_keys": "In the state diagram (v): scroll it",
    },
    "zh": {
        "where": "{endpoint} {state}",
        "walked": "已走过 {seen}/{total} 条箭头",
        "more": "↓ 注释和图例",
        "no_step": "{endpoint}：还没有状态变化。",
        "explained": "{step}{sentence}{cite}",
        "step": "{endpoint}：{source} → {target}（{label}）。",
        "cite": "RFC 9293 §{section}",
        "cite_check": "RFC 9293 §{section} 第{ordinal}项检查",
        "notes_title": "和 Figure 5 一样，为了清晰没有画出、但内核同样会执行的转换：",
        "whatif_title": "仅在假设实验中（time_wait = false），不是 RFC 规定的行为：",
        "from": "来自",
        "legend_title": "怎样读这张图",
        "legend_label": (
            "每个方框是一个状态，每条箭头是一次状态转换。箭头上的标签先写触发它的事件，再写途中所做的动作："
            "“rcv FIN / snd ACK”的意思是“收到 FIN 时，发送 ACK，并沿箭头进入下一个状态”。"
            "OPEN、CLOSE、ABORT 是应用程序的调用；Timeout=2MSL 是 TIME-WAIT 的定时器到期；"
            "create TCB 和 delete TCB 是端点建立或忘掉这条连接的记录。"
            "和 Figure 5 一样，CLOSED 画了两次：顶部一次，右下角一次。"
        ),
        "legend_short": (
            "紧凑的图（终端较窄时）使用简写标签：“FIN/ACK”表示收到 FIN、发送 ACK；"
            "“CLOSE/FIN”表示应用程序调用 CLOSE、发送 FIN；没有“/”的标签不发送任何报文段。"
            "图下方的句子会完整说明最近一步。"
        ),
        "legend_colours": (
            "颜色：客户端的颜色（■ 客户端，与时间线相同）标出客户端所处的状态和它最近走过的箭头；"
            "服务器的颜色对服务器也一样；两种颜色各占一半的方框表示两端都在这个状态。"
            "还没走过的箭头颜色较暗；标签旁的 ✓3 表示在屏幕上这段历史中走过 3 次（按 b 回退时也会减少）。"
            "图下方的句子解释当前端点的最近一步（tab 切换端点）。"
        ),
        "help_keys": "在状态图中（v）：滚动",
    },
}

_ORDINALS_ZH = {"first": "一", "second": "二", "third": "三", "fourth": "四", "fifth": "五"}
_ORDINALS_ZH |= {"sixth": "六", "seventh": "七", "eighth": "八"}


def legend() -> list[str]:
    """How to read the diagram, paragraph by paragraph (under the figure, and in the help screen)."""
    return [words("legend_label"), words("legend_short"), words("legend_colours")]


def words(key: str, **values: object) -> str:
    text = _WORDS[language()].get(key) or _WORDS["en"][key]
    return text.format(**values) if values else text


_RULE = re.compile(r"(\d+(?:\.\d+)+):?(?: (first|second|third|fourth|fifth|sixth|seventh|eighth)\b)?")


def section(rule: str) -> str:
    """The RFC 9293 section a table row's ``rule`` cites ("3.10.7.4"), or "" for a what-if row."""
    match = _RULE.match(rule)
    return match.group(1) if match else ""


def cite(rule: str) -> str:
    """The reference of a table row's ``rule``: "3.10.7.4 eighth: ..." → "RFC 9293 §3.10.7.4, eighth check".

    A what-if row cites nothing: it is not RFC behaviour, and its sentence says so."""
    match = _RULE.match(rule)
    if match is None:
        return ""
    number, ordinal = match.groups()
    if ordinal is None:
        return words("cite", section=number)
    if language() == "zh":
        ordinal = _ORDINALS_ZH[ordinal]
    return words("cite_check", section=number, ordinal=ordinal)


@dataclass(frozen=True, slots=True)
class NoteLine:
    """Rows of the table that Figure 5 does not draw, alike but for their source state: one line."""

    keys: frozenset[Key]
    text: str
    whatif: bool


def note_lines() -> list[NoteLine]:
    """The ``note`` and ``whatif`` rows, grouped by (event, action, target), in table order."""
    groups: dict[tuple[str, str, str, str], list[Transition]] = {}
    for t in TRANSITIONS:
        if t.kind != "diagram":
            groups.setdefault((t.kind, t.event, t.action, t.target.value), []).append(t)
    lines = []
    for (kind, _, _, target), rows in groups.items():
        sources = ", ".join(t.source.value for t in rows)
        cited = ", ".join(f"§{s}" for s in dict.fromkeys(section(t.rule) for t in rows) if s)
        text = f"{full_label(rows[0])} → {target}  {words('from')} {sources}" + (f"  {cited}" if cited else "")
        lines.append(
            NoteLine(frozenset((t.source.value, t.event, t.target.value) for t in rows), text, kind == "whatif")
        )
    return lines


# ---------------------------------------------------------------------------------------------
# One plain sentence per transition: what happened, and why.

_E = Event
_C, _L, _SS, _SR = "CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED"
_EST, _FW1, _FW2, _CW = "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT"
_CLG, _LA, _TW = "CLOSING", "LAST-ACK", "TIME-WAIT"

_SENTENCES: dict[str, dict[Key, str]] = {
    "en": {
        (_C, _E.PASSIVE_OPEN, _L): (
            "The application opened the endpoint passively: it makes a TCB and waits for any peer's SYN, "
            "sending nothing yet."
        ),
        (_C, _E.ACTIVE_OPEN, _SS): (
            "The application asked to connect: the endpoint picks an initial sequence number and sends a "
            "SYN carrying it."
        ),
        (_L, _E.RCV_SYN, _SR): (
            "A SYN reached the listener: it answers SYN,ACK (its own SYN, and the ACK of the peer's) and "
            "waits for the ACK that ends the handshake."
        ),
        (_L, _E.ACTIVE_OPEN, _SS): (
            "The application called OPEN actively on a listening endpoint: it now knows its peer and sends "
            "a SYN (Figure 5 labels this arrow SEND)."
        ),
        (_L, _E.CLOSE, _C): (
            "The application closed the listener: there was no connection yet, so the TCB is deleted and "
            "nothing is sent."
        ),
        (_SS, _E.RCV_SYN, _SR): (
            "A bare SYN crossed ours (simultaneous open): this side acknowledges it and repeats its own SYN, "
            "as SYN,ACK."
        ),
        (_SS, _E.RCV_SYN_ACK, _EST): (
            "The peer's SYN,ACK acknowledged our SYN: the ACK sent now completes the three-way handshake, "
            "and data may flow."
        ),
        (_SS, _E.CLOSE, _C): (
            "The application gave up the attempt before any answer came: the TCB is deleted and nothing is sent."
        ),
        (_SR, _E.RCV_RST, _L): (
            "A RST answered our SYN,ACK: the half-open attempt is dropped, and since it began with a passive "
            "OPEN the endpoint listens again (Figure 5, note 1)."
        ),
        (_SR, _E.RCV_ACK_OF_SYN, _EST): (
            "The ACK of our SYN arrived: the three-way handshake is complete, each side knows the other's "
            "sequence numbers, and data may flow."
        ),
        (_SR, _E.CLOSE, _FW1): (
            "The application closed before the handshake finished: the endpoint sends a FIN and waits for "
            "it to be acknowledged."
        ),
        (_EST, _E.CLOSE, _FW1): (
            "The application closed first (the active close): the endpoint sends a FIN, “no more data from "
            "me”, and waits for its ACK."
        ),
        (_EST, _E.RCV_FIN, _CW): (
            "The peer closed first: its FIN is acknowledged; this side may still send, and waits here for its "
            "own application to CLOSE."
        ),
        (_FW1, _E.RCV_ACK_OF_FIN, _FW2): (
            "Our FIN was acknowledged: our direction is closed; we can still receive, and wait for the peer's FIN."
        ),
        (_FW1, _E.RCV_FIN, _CLG): (
            "The peer's FIN came before the ACK of ours (simultaneous close): we ACK it and still wait for our "
            "FIN's ACK."
        ),
        (_FW2, _E.RCV_FIN, _TW): (
            "The peer closed too: we acknowledge its FIN and wait 2·MSL in TIME-WAIT, in case that last ACK "
            "is lost and the FIN comes again."
        ),
        (_CW, _E.CLOSE, _LA): "Our application closed at last: the endpoint sends its FIN and waits for the last ACK.",
        (_CLG, _E.RCV_ACK_OF_FIN, _TW): (
            "The ACK of our FIN arrived after a simultaneous close: both directions are closed, and this side "
            "too waits 2·MSL in TIME-WAIT."
        ),
        (_LA, _E.RCV_ACK_OF_FIN, _C): (
            "The last ACK arrived: the side that closed second forgets the connection at once; only the first "
            "closer waits in TIME-WAIT."
        ),
        (_TW, _E.TIMEOUT_2MSL, _C): (
            "2·MSL passed with no FIN retransmitted: every old segment of this connection has died out, so "
            "the TCB is deleted and the same port pair may be used again."
        ),
        (_FW1, _E.RCV_FIN_ACK_OF_FIN, _TW): (
            "A FIN that also acknowledged ours: both directions closed in one segment, so FIN-WAIT-2 and CLOSING "
            "are skipped (Figure 5, note 2)."
        ),
        (_SS, _E.RCV_RST, _C): (
            "A RST acknowledged our SYN: nothing listens on that port, and the connection is refused."
        ),
        (_SR, _E.RCV_RST, _C): (
            "A RST arrived in SYN-RECEIVED after an active OPEN (a simultaneous open): the connection is refused."
        ),
        (_SR, _E.RCV_SYN, _L): (
            "A new SYN arrived in the middle of a handshake begun by a passive OPEN: the half-open connection is "
            "dropped and the endpoint listens again."
        ),
        (_TW, _E.RCV_RST, _C): (
            "A RST cut TIME-WAIT short: RFC 9293 allows it, though RFC 1337 warns that this “TIME-WAIT "
            "assassination” lets old segments in."
        ),
    },
    "zh": {
        (_C, _E.PASSIVE_OPEN, _L): "应用程序被动打开了这个端点：它建立 TCB，等待任意对端的 SYN，暂不发送任何东西。",
        (_C, _E.ACTIVE_OPEN, _SS): "应用程序要求建立连接：端点选定初始序号，并发送携带该序号的 SYN。",
        (_L, _E.RCV_SYN, _SR): (
            "监听端点收到 SYN：它回复自己的 SYN 并确认对端的 SYN（SYN,ACK），然后等待完成握手的 ACK。"
        ),
        (_L, _E.ACTIVE_OPEN, _SS): (
            "应用程序在监听中的端点上主动调用 OPEN：它现在知道了对端，于是发送 SYN（Figure 5 把这条箭头标为 SEND）。"
        ),
        (_L, _E.CLOSE, _C): "应用程序关闭了监听端点：还没有任何连接，所以直接删除 TCB，不发送任何东西。",
        (_SS, _E.RCV_SYN, _SR): (
            "我方的 SYN 还没得到回应时，收到了不带 ACK 的 SYN：双方同时打开（同时打开），"
            "于是这一端确认对端的 SYN，并重发自己的 SYN（SYN,ACK）。"
        ),
        (_SS, _E.RCV_SYN_ACK, _EST): "对端的 SYN,ACK 确认了我方的 SYN：现在发送的 ACK 完成三次握手，可以传输数据了。",
        (_SS, _E.CLOSE, _C): "在收到任何回应之前，应用程序放弃了这次连接尝试：删除 TCB，不发送任何东西。",
        (_SR, _E.RCV_RST, _L): (
            "我方的 SYN,ACK 收到了 RST：放弃这个半开连接；因为它始于被动 OPEN，端点重新回到监听（Figure 5 注释 1）。"
        ),
        (_SR, _E.RCV_ACK_OF_SYN, _EST): (
            "收到了对我方 SYN 的 ACK：三次握手完成，双方都知道了对方的序号，可以传输数据了。"
        ),
        (_SR, _E.CLOSE, _FW1): "握手完成之前应用程序就关闭了：端点发送 FIN，并等待它被确认。",
        (_EST, _E.CLOSE, _FW1): "应用程序先关闭（主动关闭）：端点发送 FIN，意思是“我不再发送数据”，并等待它的 ACK。",
        (_EST, _E.RCV_FIN, _CW): (
            "对端先关闭：确认它的 FIN 并通知应用程序；这一端仍可发送数据，并停在这里，直到自己的应用程序调用 CLOSE。"
        ),
        (_FW1, _E.RCV_ACK_OF_FIN, _FW2): "我方的 FIN 已被确认：我方这个方向已关闭；仍可接收数据，等待对端的 FIN。",
        (_FW1, _E.RCV_FIN, _CLG): (
            "对我方 FIN 的 ACK 还没到，对端的 FIN 先到了："
            "双方同时关闭（同时关闭）；确认它，并继续等待对我方 FIN 的 ACK。"
        ),
        (_FW2, _E.RCV_FIN, _TW): (
            "对端也关闭了：确认它的 FIN，并在 TIME-WAIT 中等待 2·MSL，以防最后这个 ACK 丢失、对端重发 FIN。"
        ),
        (_CW, _E.CLOSE, _LA): "我方应用程序终于关闭：端点发送自己的 FIN，并等待最后一个 ACK。",
        (_CLG, _E.RCV_ACK_OF_FIN, _TW): (
            "同时关闭之后，对我方 FIN 的 ACK 到了：两个方向都已关闭，这一端同样在 TIME-WAIT 中等待 2·MSL。"
        ),
        (_LA, _E.RCV_ACK_OF_FIN, _C): (
            "最后一个 ACK 到了：双方的 FIN 都已确认，"
            "后关闭的一方立刻忘掉这条连接；只有先关闭的一方要在 TIME-WAIT 中等待。"
        ),
        (_TW, _E.TIMEOUT_2MSL, _C): (
            "2·MSL 过去了，没有重传的 FIN：这条连接的旧报文段都已消亡，于是删除 TCB，同一对端口可以再次使用。"
        ),
        (_FW1, _E.RCV_FIN_ACK_OF_FIN, _TW): (
            "收到的 FIN 同时确认了我方的 FIN：两个方向一次关闭，"
            "跳过 FIN-WAIT-2 和 CLOSING，开始等待 2·MSL（Figure 5 注释 2）。"
        ),
        (_SS, _E.RCV_RST, _C): "RST 确认了我方的 SYN：那个端口上没有程序在监听，连接被拒绝。",
        (_SR, _E.RCV_RST, _C): "主动 OPEN（同时打开）之后在 SYN-RECEIVED 中收到 RST：连接被拒绝。",
        (_SR, _E.RCV_SYN, _L): (
            "由被动 OPEN 开始的握手进行到一半时，又收到一个新的 SYN：丢弃这个半开连接，端点重新监听。"
        ),
        (_TW, _E.RCV_RST, _C): (
            "TIME-WAIT 中收到 RST，等待提前结束：RFC 9293 允许这样做，但 RFC 1337 警告，这种“TIME-WAIT 暗杀”"
            "会让旧报文段进入新的连接。"
        ),
    },
}

# Rows that differ only by their source state share a sentence (note 3 and §3.8.3).
_FAMILIES: dict[str, dict[tuple[str, str], str]] = {
    "en": {
        (_E.RCV_RST, "connection reset"): (
            "The peer reset the connection: it ends at once, data not yet delivered is lost, and no TIME-WAIT follows."
        ),
        (_E.RCV_RST, "enter CLOSED"): "A RST arrived while closing: the endpoint forgets the connection at once.",
        (_E.ABORT, "snd RST"): (
            "The application aborted: a RST tells the peer the connection is gone, and unsent data is discarded."
        ),
        (_E.ABORT, "delete TCB"): (
            "The application aborted: there is no synchronized connection left to reset, so the TCB is simply deleted."
        ),
        (_E.GIVE_UP, ""): (
            "Retransmissions went unanswered for too long: the endpoint gives up and deletes the connection."
        ),
        ("whatif", ""): (
            "What-if: a stack without TIME-WAIT forgets the connection at once, so a lost last ACK meets no "
            "one who remembers it (not RFC behaviour)."
        ),
    },
    "zh": {
        (_E.RCV_RST, "connection reset"): "对端重置了连接：连接立刻结束，尚未交付的数据丢失，也不会进入 TIME-WAIT。",
        (_E.RCV_RST, "enter CLOSED"): "关闭过程中收到 RST：端点立刻忘掉这条连接。",
        (_E.ABORT, "snd RST"): "应用程序中止了连接：用 RST 告诉对端连接已不存在，未发送的数据被丢弃。",
        (_E.ABORT, "delete TCB"): "应用程序中止了连接：已没有需要重置的同步连接，直接删除 TCB。",
        (_E.GIVE_UP, ""): "重传太久都没有得到回应：端点放弃，删除这条连接。",
        ("whatif", ""): (
            "假设实验：没有 TIME-WAIT 的协议栈立刻忘掉连接，最后的 ACK 若丢失，重发的 FIN 已没有人记得"
            "（不是 RFC 规定的行为）。"
        ),
    },
}


def _family(t: Transition) -> tuple[str, str] | None:
    if t.kind == "whatif":
        return ("whatif", "")
    if t.event == _E.RCV_RST and t.target is State.CLOSED:
        return (_E.RCV_RST, "connection reset" if "connection reset" in t.rule else "enter CLOSED")
    if t.event == _E.ABORT:
        return (_E.ABORT, "snd RST" if t.action == "snd RST" else "delete TCB")
    if t.event == _E.GIVE_UP:
        return (_E.GIVE_UP, "")
    return None


def sentence(t: Transition) -> str:
    """What this transition means, in one plain sentence, in the current language."""
    key = (t.source.value, t.event, t.target.value)
    for lang in (language(), "en"):
        if key in _SENTENCES[lang]:
            return _SENTENCES[lang][key]
        family = _family(t)
        if family is not None and family in _FAMILIES[lang]:
            return _FAMILIES[lang][family]
    raise KeyError(f"no sentence for {key}")


def has_sentence(t: Transition, lang: str) -> bool:
    """Whether ``lang`` itself (not its English fallback) explains this row (for the tests)."""
    family = _family(t)
    return (t.source.value, t.event, t.target.value) in _SENTENCES[lang] or (
        family is not None and family in _FAMILIES[lang]
    )


# ---------------------------------------------------------------------------------------------
# Wrapping that counts cells, and may break between two CJK characters as well as at spaces.

_WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"  # CJK, Hangul, full-width forms
_CLOSING = "，。：；、）」』！？"  # never at the start of a line: they stay with what they follow
_TOKEN = re.compile(rf"\s+|[{_WIDE}][{_CLOSING}]*|[^\s{_WIDE}]+[{_CLOSING}]*")


def wrap(text: str, width: int) -> list[str]:
    """Greedy line filling by terminal cells: a Latin word is never split unless it is wider than a
    line; CJK text breaks between any two characters, but never before closing punctuation."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if token.isspace():
            if line:
                line += " "
            continue
        if cell_len(line) + cell_len(token) > width and line.strip():
            lines.append(line.rstrip())
            line = ""
        while cell_len(token) > width:  # a word longer than the line: cut it
            cut = max(1, _fit(token, width))
            lines.append(token[:cut])
            token = token[cut:]
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit(text: str, width: int) -> int:
    """How many characters of ``text`` fit in ``width`` cells."""
    used = 0
    for i, ch in enumerate(text):
        used += cell_len(ch)
        if used > width:
            return i
    return len(text)
