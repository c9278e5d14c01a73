"""Which TCP stack plays the session, on screen and by key (issue 13): ``k`` chooses another stack
personality and the session tells the same story again with it; the status line names a stack
that is not the default, and each pane names its own when the two differ (a scenario with a
``[client] stack``) or when one is a packetdrill script's stack under test and the other its remote
peer. A mixin of :class:`~tcpsim.ui.app.TcpsimApp`, kept apart so that the app stays a dispatcher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.names import EndpointName, peer_of
from ..core.personality import PERSONALITIES, RFC9293
from ..i18n import _
from ..scenario.view import Outcome, View
from ..sim.wording import who

if TYPE_CHECKING:
    from textual.app import App

    from ..scenario.view import SessionProtocol

    _Base = App[None]
else:
    _Base = object


def stack_status(view: View) -> str:
    """The status line's word on the stack: nothing for the default (unless a script tests it)."""
    if view.source == "script":
        return _("{stack} under test").format(stack=view.stack)
    if view.stack == RFC9293.name:
        return ""
    return _("stack {stack}").format(stack=view.stack)


def pane_title(view: View, name: EndpointName, narrow: bool) -> str:
    """An endpoint pane's title: its name, and its stack where the panes differ."""
    title = _("{name} · tab: {other}").format(name=who(name), other=who(peer_of(name))) if narrow else who(name)
    stack = view.stacks.get(name, "")
    if view.source == "script":
        if stack:
            return _("{title} · under test: {stack}").format(title=title, stack=stack)
        return _("{title} · remote peer: the script").format(title=title)
    if len(set(view.stacks.values())) > 1:
        return f"{title} · {stack}"
    return title


def fired_rules(view: View, stack: str) -> list[str]:
    """The ids of ``stack``'s rules that fired in the history on screen, in the order they first did."""
    prefix = f"{stack} "
    ids: list[str] = []
    for e in view.trace.records[: view.trace.length]:
        rule = getattr(e, "rule", "")
        for part in rule.split("; ") if isinstance(rule, str) else ():
            if part.startswith(prefix):
                rid = part[len(prefix) :].split(":", 1)[0]
                if rid not in ids:
                    ids.append(rid)
    return ids


def restacked_text(view: View) -> str:
    """What the toast says once the session is played by another stack: which, and what changed."""
    stack = view.stack
    summary = _(PERSONALITIES[stack].summary) if stack in PERSONALITIES else ""
    if view.source == "capture":
        said = _("Observed again as {stack}: {summary}.").format(stack=stack, summary=summary)
    elif view.source == "script":
        said = _("The script again, with {stack} under test: {summary}.").format(stack=stack, summary=summary)
    else:
        said = _("Played again as {stack}: {summary}.").format(stack=stack, summary=summary)
    if stack == RFC9293.name:
        return said
    rules = fired_rules(view, stack)
    if rules:
        return (
            said
            + " "
            + _("Its rules that fired so far: {rules} (the event log names each where it fired).").format(
                rules=", ".join(rules)
            )
        )
    return said + " " + _("None of its rules has fired so far: up to here it behaves as RFC 9293 does.")


class StackActions(_Base):
    """The stack key, for an app with a ``session`` and ``publish()``."""

    session: SessionProtocol
    playing: bool
    focused_endpoint: EndpointName

    _announced: int
    _focused_for = 0
    """The script session whose stack under test was given the focus (once per session)."""

    def publish(self) -> None:  # pragma: no cover - the app's
        raise NotImplementedError

    def _show_stacks(self, view: View, narrow: bool) -> None:
        """Each pane's title names its stack where that matters (see :func:`pane_title`); a script
        opens with the focus on its stack under test, whose pane the hint and the diagram follow."""
        from .widgets.endpoint import EndpointPane

        if view.source == "script" and self._focused_for != id(self.session):
            self._focused_for = id(self.session)
            under_test = next(name for name, stack in view.stacks.items() if stack)
            if self.focused_endpoint != under_test:
                self.focused_endpoint = under_test  # its watcher arranges the panes and publishes again
        for pane in self.screen_stack[0].query(EndpointPane) if self.screen_stack else ():
            name: EndpointName = "client" if pane.endpoint_name == "client" else "server"
            title = pane_title(view, name, narrow)
            if pane.border_title != title:
                pane.border_title = title  # another session, or another stack (k); a title refreshes the pane

    def action_restack(self) -> None:
        """Choose a stack personality; the session is told again by it (see SessionProtocol.restack)."""
        from .screens.stacks import StackChooser

        self.playing = False
        view = self.session.view

        def done(stack: str | None) -> None:
            if stack is None or stack == self.session.view.stack:
                return
            self.restack(stack)

        self.push_screen(StackChooser(view), done)

    def restack(self, stack: str) -> Outcome:
        """Play the session as ``stack`` now (the chooser's answer; tests call it too)."""
        outcome = self.session.restack(stack)
        if outcome.error:
            self.notify(outcome.error, title=_("Cannot play it as {stack}").format(stack=stack), severity="error")
        else:
            self.clear_notifications()  # what they said (a failed check, a dead end) was of the other stack's story
            self._announced = 0  # the checks that fail in this story are announced anew
            self.notify(restacked_text(self.session.view), title=_("Stack {stack}").format(stack=stack), timeout=10)
        self.publish()
        return outcome
