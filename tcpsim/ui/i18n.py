"""The UI's explanations in English and Chinese (``--lang zh``), written by us.

RFC terms stay as the RFC spells them in both languages (state names, SYN/FIN/ACK, SND.NXT,
"error: connection closing"): they are what a learner will meet in the RFC, in Wireshark and in
``ss``; the sentences around them are translated.
"""

from __future__ import annotations

from .. import i18n as _i18n
from ..core.states import State

LANGUAGES = ("en", "zh")

_STATES_ZH: dict[State, str] = {
    State.CLOSED: "没有连接：什么都不记得，任何到达的报文段都会收到 RST。",
    State.LISTEN: "等待任意对端发来的 SYN；还没有发送任何东西。",
    State.SYN_SENT: "已发送 SYN；等待对端的 SYN，以及它对我方 SYN 的确认。",
    State.SYN_RECEIVED: "收到 SYN 并回复了 SYN,ACK；等待对我方 SYN 的 ACK。",
    State.ESTABLISHED: "连接已打开：数据双向流动，双方确认各自收到的数据。",
    State.FIN_WAIT_1: "我方已关闭并发送 FIN；等待它的 ACK，或对端的 FIN。",
    State.FIN_WAIT_2: "我方的 FIN 已被确认；仍可接收数据，等待对端也关闭。",
    State.CLOSE_WAIT: "对端已关闭它那一侧；等待我方应用调用 close。",
    State.CLOSING: "双方同时发送了 FIN；等待对我方 FIN 的 ACK。",
    State.LAST_ACK: "对端先关闭，我方随后关闭并发送了 FIN；等待最后的 ACK。",
    State.TIME_WAIT: "双方的 FIN 都已确认；等待 2·MSL，以便重发丢失的最后一个 ACK，并让旧报文段消亡。",
}

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "client": "client",
        "server": "server",
        "focused": "focused",
        "tcb": "TCB",
        "send_buffer": "send buffer",
        "received": "received",
        "held": "held out of order",
        "rtx_queue": "retransmission queue",
        "timers": "timers",
        "no_timers": "no timer running",
        "empty": "empty",
        "rto": "RTO",
        "time_wait_bar": "TIME-WAIT 2·MSL",
        "restarted": "restarted",
        "relative": "relative",
        "absolute": "absolute",
        "playing": "playing",
        "paused": "paused",
        "finished": "nothing left to happen",
        "timeline": "Timeline",
        "diagram": "State diagram",
        "log": "Event log",
        "walked": "transitions walked",
        "send_prompt": "Data to send from the {endpoint}",
        "save_prompt": "Save the session as a scenario file",
        "saved": "Saved to {path}: `tcpsim run {path}` replays it.",
        "no_flight": "No segment is in flight: select one in the timeline while it travels.",
        "fault_title": "Segment #{id} is in flight",
        "armed_title": "Armed faults: choose one to cancel it",
        "replace_file": "{path} exists. Replace it? (the old file is lost)",
        "replace_loaded": "{path} is the scenario this session was loaded from. Replace it with what was done?",
        "replace": "Replace",
        "keep": "Keep it",
        "drop": "Drop",
        "duplicate": "Duplicate",
        "delay": "Delay +{by} s",
        "cancel": "Cancel",
        "at_start": "Already at the beginning.",
        "at_end": "Nothing more will happen: every segment has arrived and no timer is running.",
        "drop_armed": "The next segment the {endpoint} sends will be dropped.",
        "loaded": "Loaded “{name}”. Press space to play or n to step.",
        "help_title": "tcpsim — help",
        "keys": "Keys",
        "states": "The eleven states (RFC 9293 §3.3.2)",
        "time_wait_title": "Why TIME-WAIT lasts 2·MSL",
        "time_wait_text": (
            "The side that closes first ends in TIME-WAIT after it acknowledges the peer's FIN. "
            "That last ACK may be lost; the peer then retransmits its FIN, and only an endpoint that "
            "still remembers the connection can answer it with an ACK instead of a RST. The wait also "
            "lets every segment of the old connection die out in the network (a segment lives at most "
            "one MSL, maximum segment lifetime), so that a new connection between the same two ports "
            "cannot mistake an old duplicate for its own data. One MSL for the lost ACK's replacement "
            "FIN to arrive, one for stray segments to expire: 2·MSL. Every FIN that arrives in TIME-WAIT "
            "is re-acknowledged and restarts the wait (RFC 9293 §3.10.7.4)."
        ),
        "expectations": "checks",
        # Hints, dead ends and faults, derived from the session's view (words.py)
        "key_here": "press {key}",
        "key_there": "tab to the {who}, then {key}",
        "hint_record": "n step · b back · space play: a capture is a record, it cannot be changed",
        "hint_planned_connect": "n step: the scenario connects at t = {at} s",
        "hint_planned_listen": "n step: the scenario listens at t = {at} s",
        "hint_planned": "n step: the scenario calls {call} at t = {at} s",
        "hint_fw2_peer": "waiting for the {peer}'s FIN: its application must close (tab, c)",
        "hint_drop_next": "d drop next",
        "hint_drop_cancel": "d cancels the drop",
        "dead_end": "Nothing more will happen by itself. {advice}",
        "advice_close_wait": (
            "The {who}'s application must close: {keys} (its peer waits in FIN-WAIT-2 for that FIN)."
        ),
        "advice_idle": "The connection is open and idle: s sends data, c closes it.",
        "advice_connect": "The server is listening: {keys} to connect the client.",
        "advice_listen_client": "The client is listening: {keys} to open the server.",
        "advice_closed": "Both endpoints are CLOSED: o opens a connection (the server listens first), r restarts.",
        "advice_quiet": "Every segment has arrived and no timer is running.",
        "end_capture": "The capture ends here: b steps back, r goes back to its start.",
        "badge_drop_next": "✕ drop armed: its next segment is lost · d cancels",
        "badge_rule": "✕ {kind} armed: {what} (×{left})",
        "mark_next": "✕ armed: {kind} the {who}'s next segment",
        "mark_rule": "✕ armed: {kind} {what} (×{left})",
        "either": "either endpoint",
        "drop_cancelled": "Cancelled: the {endpoint}'s next segment will not be dropped.",
        "status_rewound": "↶ rewound {n} of {total} events: n replays them",
        "status_frame": "frame {n} of {total}",
        "too_small": "tcpsim needs a terminal of at least {min_w}×{min_h}; this one is {w}×{h}.",
        "narrow_pane": "{name} · tab: {other}",
    },
    "zh": {
        "client": "客户端",
        "server": "服务器",
        "focused": "当前焦点",
        "tcb": "TCB（传输控制块）",
        "send_buffer": "发送缓冲区",
        "received": "已接收",
        "held": "乱序暂存",
        "rtx_queue": "重传队列",
        "timers": "定时器",
        "no_timers": "没有运行中的定时器",
        "empty": "空",
        "rto": "RTO（重传超时）",
        "time_wait_bar": "TIME-WAIT 2·MSL",
        "restarted": "已重启",
        "relative": "相对",
        "absolute": "绝对",
        "playing": "播放中",
        "paused": "已暂停",
        "finished": "之后不会再发生任何事",
        "timeline": "时间线",
        "diagram": "状态图",
        "log": "事件日志",
        "walked": "已走过的转换",
        "send_prompt": "从{endpoint}发送的数据",
        "save_prompt": "把本次会话保存为场景文件",
        "saved": "已保存到 {path}：用 `tcpsim run {path}` 可以重放。",
        "no_flight": "没有正在传输的报文段：请在它传输途中在时间线上选中它。",
        "fault_title": "报文段 #{id} 正在传输",
        "armed_title": "已设置的故障：选择一个以取消",
        "replace_file": "{path} 已存在。要替换它吗？（旧文件将丢失）",
        "replace_loaded": "{path} 是本次会话加载的场景文件。要用所做的操作替换它吗？",
        "replace": "替换",
        "keep": "保留",
        "drop": "丢弃",
        "duplicate": "复制",
        "delay": "延迟 {by} 秒",
        "cancel": "取消",
        "at_start": "已经在最开始了。",
        "at_end": "之后不会再发生任何事：所有报文段都已到达，也没有运行中的定时器。",
        "drop_armed": "{endpoint}发送的下一个报文段将被丢弃。",
        "loaded": "已加载“{name}”。按空格播放，按 n 单步。",
        "help_title": "tcpsim — 帮助",
        "keys": "按键",
        "states": "十一个状态（RFC 9293 §3.3.2）",
        "time_wait_title": "为什么 TIME-WAIT 要持续 2·MSL",
        "time_wait_text": (
            "先关闭的一方在确认对端的 FIN 之后进入 TIME-WAIT。这最后一个 ACK 可能丢失；对端随后会重传它的 "
            "FIN，只有仍然记得这个连接的一端才能用 ACK 而不是 RST 来回答。这段等待还让旧连接的所有报文段在"
            "网络中消亡（一个报文段最多存活一个 MSL，即最大报文段生存期），使同一对端口之间的新连接不会把旧的"
            "重复报文段误当作自己的数据。一个 MSL 留给替代丢失 ACK 的重传 FIN 到达，一个 MSL 留给游荡的报文段"
            "过期：共 2·MSL。TIME-WAIT 中每收到一个 FIN，都会重新确认并重启等待（RFC 9293 §3.10.7.4）。"
        ),
        "expectations": "检查",
        # 提示、死局与故障（words.py）
        "key_here": "按 {key}",
        "key_there": "按 tab 切到{who}，再按 {key}",
        "hint_record": "n 单步 · b 回退 · 空格 播放：抓包是记录，不能修改",
        "hint_planned_connect": "n 单步：场景会在 t = {at} 秒发起连接",
        "hint_planned_listen": "n 单步：场景会在 t = {at} 秒开始监听",
        "hint_planned": "n 单步：场景会在 t = {at} 秒调用 {call}",
        "hint_fw2_peer": "等待{peer}的 FIN：它的应用必须关闭（tab，c）",
        "hint_drop_next": "d 丢弃下一个",
        "hint_drop_cancel": "d 取消丢弃",
        "dead_end": "之后不会自行发生任何事。{advice}",
        "advice_close_wait": "{who}的应用必须关闭：{keys}（对端在 FIN-WAIT-2 中等待这个 FIN）。",
        "advice_idle": "连接已打开且空闲：s 发送数据，c 关闭连接。",
        "advice_connect": "服务器正在监听：{keys}，让客户端发起连接。",
        "advice_listen_client": "客户端正在监听：{keys}，打开服务器。",
        "advice_closed": "两端都是 CLOSED：o 打开连接（先让服务器监听），r 重新开始。",
        "advice_quiet": "所有报文段都已到达，也没有运行中的定时器。",
        "end_capture": "抓包到此结束：b 回退，r 回到开头。",
        "badge_drop_next": "✕ 已设置丢弃：它的下一个报文段会丢失 · d 取消",
        "badge_rule": "✕ 已设置 {kind}：{what}（×{left}）",
        "mark_next": "✕ 已设置：{kind} {who}的下一个报文段",
        "mark_rule": "✕ 已设置：{kind} {what}（×{left}）",
        "either": "任一端",
        "drop_cancelled": "已取消：{endpoint}的下一个报文段不会被丢弃。",
        "status_rewound": "↶ 已回退 {total} 个事件中的 {n} 个：n 重放",
        "status_frame": "第 {n} 帧，共 {total} 帧",
        "too_small": "tcpsim 至少需要 {min_w}×{min_h} 的终端；当前为 {w}×{h}。",
        "narrow_pane": "{name} · tab：{other}",
    },
}

_HINTS: dict[str, dict[State, str]] = {
    "en": {
        State.CLOSED: "o {open}",
        State.LISTEN: "waiting for a SYN · c close",
        State.SYN_SENT: "n step: watch the SYN travel",
        State.SYN_RECEIVED: "n step: wait for the ACK",
        State.ESTABLISHED: "s send · c close · a abort · d drop next",
        State.FIN_WAIT_1: "n step · a abort",
        State.FIN_WAIT_2: "waiting for the peer's FIN",
        State.CLOSE_WAIT: "c close: the peer waits for our FIN · s send",
        State.CLOSING: "n step · f resend FIN",
        State.LAST_ACK: "n step · f resend FIN",
        State.TIME_WAIT: "n step: jump to the end of 2·MSL",
    },
    "zh": {
        State.CLOSED: "o {open}",
        State.LISTEN: "等待 SYN · c 关闭",
        State.SYN_SENT: "n 单步：看 SYN 传输",
        State.SYN_RECEIVED: "n 单步：等待 ACK",
        State.ESTABLISHED: "s 发送 · c 关闭 · a 中止 · d 丢弃下一个",
        State.FIN_WAIT_1: "n 单步 · a 中止",
        State.FIN_WAIT_2: "等待对端的 FIN",
        State.CLOSE_WAIT: "c 关闭：对端在等我方的 FIN · s 发送",
        State.CLOSING: "n 单步 · f 重发 FIN",
        State.LAST_ACK: "n 单步 · f 重发 FIN",
        State.TIME_WAIT: "n 单步：跳到 2·MSL 结束",
    },
}
_OPEN = {"en": {"client": "connect", "server": "listen"}, "zh": {"client": "连接", "server": "监听"}}

_COMMANDS_ZH: dict[str, str] = {
    "toggle_play": "播放或暂停模拟时钟",
    "step": "单步到下一个事件（可跳过等待，包括 2·MSL）",
    "step_back": "精确地回退一个事件；之后按 n 重放被撤销的内容",
    "switch_endpoint": "切换当前操作的端点（客户端 ⇄ 服务器）",
    "open": "OPEN：客户端发起连接，服务器开始监听",
    "send": "从当前端点 SEND 数据",
    "close": "CLOSE 当前端点这一侧（发送 FIN）",
    "abort": "ABORT 当前端点的连接（发送 RST）",
    "drop_next": "丢弃当前端点发送的下一个报文段（再按 d 取消）",
    "fault": "丢弃、复制或延迟时间线上选中的、正在传输的报文段",
    "retransmit": "立即重传 FIN（最早的未确认报文段）",
    "faster": "加快播放",
    "slower": "减慢播放",
    "restart": "从 t = 0 重新开始本场景",
    "load": "加载场景（内置的或任意文件）或抓包文件（pcap、pcapng）",
    "info": "场景的故事：发生了什么、为什么、期望什么",
    "save": "把所做的操作保存为可重放出相同结果的场景文件（回退后：保存整个分支）",
    "export_pcap": "把目前的报文段导出为 pcap 文件，用 Wireshark 打开",
    "switch_view": "切换中间视图：时间线 ⇄ 状态图",
    "toggle_relative": "序号显示为相对 ISN 的值或绝对值",
    "help": "按键、每个状态的解释，以及 TIME-WAIT 为何持续 2·MSL",
    "quit": "退出 tcpsim",
    "load_lab": "TIME-WAIT 实验：大量短连接，实时显示各状态计数、临时端口，以及端口耗尽时的 EADDRNOTAVAIL",
}


def set_language(language: str) -> None:
    """The one language of the process (:func:`tcpsim.i18n.set_language`), which the strings
    marked with ``_()`` follow too."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    _i18n.set_language(language)


def language() -> str:
    return _i18n.language()


def tr(key: str, /, **values: object) -> str:
    """The UI string ``key`` in the current language."""
    text = _TEXT[language()].get(key) or _TEXT["en"][key]
    return text.format(**values) if values else text


def hint(state: State, endpoint: str) -> str:
    """What the user can usefully do now with this endpoint, as keys."""
    return _HINTS[language()][state].format(open=_OPEN[language()][endpoint])


def describe_command(action: str, english: str) -> str:
    """A command's one-line description in the current language."""
    return _COMMANDS_ZH.get(action, english) if language() == "zh" else english


def describe_state(state: State) -> str:
    """A state's one-line explanation in the current language."""
    return _STATES_ZH[state] if language() == "zh" else state.description
