"""The keys that act on an endpoint or on the wire: OPEN, SEND, CLOSE, ABORT, retransmit, "drop
the next one", and the fault menu. A mixin of :class:`~tcpsim.ui.app.TcpsimApp`: each key is one
call on the session, whose answer (an error, with the RFC's words) is a notification, and then the
app publishes the new view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from ..core.names import EndpointName
from ..i18n import _
from ..scenario.view import Outcome, View
from ..sim.wording import rule_text, who
from .widgets.timeline import Timeline

if TYPE_CHECKING:
    from textual.app import App

    from ..scenario.view import SessionProtocol

    _Base = App[None]
else:
    _Base = object

FAULT_DELAY = 0.5
"""How much longer a segment delayed from the fault menu (``x``) travels, in seconds."""


class EndpointActions(_Base):
    """The endpoint and network keys, for an app with a ``session``, a focused endpoint and ``publish()``."""

    session: SessionProtocol
    focused_endpoint: EndpointName
    playing: bool
    notify_while: Callable[..., None]
    """The app's (tcpsim.ui.toasts): a toast withdrawn once the present it describes is past."""

    def publish(self) -> None:  # pragma: no cover - the app's
        raise NotImplementedError

    def _report(self, outcome: Outcome) -> None:
        if outcome.error:
            self.notify(rule_text(outcome.error), title=who(self.focused_endpoint), severity="error", markup=False)
        self.publish()

    def action_open(self) -> None:
        self._report(self.session.open(self.focused_endpoint))

    def action_close(self) -> None:
        self._report(self.session.act(self.focused_endpoint, "close"))

    def action_abort(self) -> None:
        self._report(self.session.act(self.focused_endpoint, "abort"))

    def action_retransmit(self) -> None:
        self._report(self.session.act(self.focused_endpoint, "retransmit"))

    def action_send(self) -> None:
        from .screens.dialogs import Prompt

        endpoint = self.focused_endpoint
        if self.session.view.read_only:  # a record: said at once, not after the text is typed
            self._report(self.session.act(endpoint, "send"))
            return

        def done(text: str | None) -> None:
            if text:
                self._report(self.session.act(endpoint, "send", text.encode("utf-8")))

        default = "hello" if endpoint == "client" else "world"
        self.push_screen(Prompt(_("Data to send from the {endpoint}").format(endpoint=who(endpoint)), default), done)

    def action_drop_next(self) -> None:
        """Arm "drop the next segment" for the focused endpoint, or disarm it when it is armed."""
        endpoint = self.focused_endpoint
        armed = [f for f in self.session.view.faults if f.user and f.sender == endpoint and f.any_segment]
        if armed:
            outcome = self.session.cancel_fault(armed[-1].id)
            if not outcome.error:
                self.notify(
                    _("Cancelled: the {endpoint}'s next segment will not be dropped.").format(endpoint=who(endpoint))
                )
        else:
            outcome = self.session.drop_next(endpoint)
            rules = [f.id for f in self.session.view.faults if f.user and f.sender == endpoint and f.any_segment]
            if not outcome.error and rules:
                rule = rules[-1]  # the toast is true while it is armed: once the segment is dropped, it is not

                def armed_still(view: View) -> bool:
                    return any(f.id == rule for f in view.faults)

                message = _("The next segment the {endpoint} sends will be dropped.").format(endpoint=who(endpoint))
                self.notify_while(message, armed_still)
        self._report(outcome)

    def action_fault(self) -> None:
        """Drop, duplicate or delay a segment in flight; or cancel an armed fault rule."""
        from .screens.dialogs import FaultMenu

        view = self.session.view
        target = self._fault_target(view)
        if target is None and not view.faults:
            self.notify(_("No segment is in flight: select one in the timeline while it travels."), severity="warning")
            return
        if view.read_only and target is not None:  # a record: said at once, not after a fault is chosen
            self._report(self.session.alter(target, "drop"))
            return
        self.playing = False

        def done(choice: str | None) -> None:
            if not choice:
                return
            if choice.startswith("cancel:"):
                self._report(self.session.cancel_fault(int(choice.removeprefix("cancel:"))))
            elif target is not None:
                self._report(self.session.alter(target, choice, FAULT_DELAY))

        label = None
        if target is not None:
            flight = view.flights[target]
            label = self.query_one("#timeline", Timeline).label_of(flight.segment, target, flight.sender)
        self.push_screen(FaultMenu(target, label, FAULT_DELAY, view.faults), done)

    def _fault_target(self, view: View) -> int | None:
        """The selected segment if it is still in flight, else the one in flight sent last."""
        selected = self.query_one("#timeline", Timeline).selected_event()
        sid = getattr(selected, "id", None)
        if getattr(selected, "type", "") in ("send", "inject") and sid in view.flights:
            return cast(int, sid)
        return max(view.flights, default=None)
