"""Textual's footer, without the two restyles each key costs whenever the footer recomposes.

The footer recomposes its keys on start-up and after every change of focus or screen. Each
:class:`~textual.widgets._footer.FooterKey` starts ``compact`` (its reactive's default), which adds
the ``-compact`` class as it mounts, and is then bound to the footer's own ``compact`` (false
here), which takes the class off again: two restyles of the key for nothing, about a millisecond
per key, before the keys can be drawn. Giving each key the footer's value before it mounts skips
both; the keys, their classes and their look are the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeyFooter(Footer):
    """The app's footer: :class:`~textual.widgets.Footer`, minus the keys' useless restyles."""

    def compose(self) -> ComposeResult:
        # Each key binds to the footer's ``compact`` (data_bind): Textual keeps (key, callback) in the
        # footer's watcher list and prunes closed keys only when ``compact`` changes, which it never
        # does here, so every recompose (each dialog, each focus change) kept the old keys alive:
        # ~460 KiB per dialog opened. The old keys are closed by now: drop them.
        watchers = getattr(self, "__watchers", {}).get("compact")
        if watchers:
            watchers[:] = [(node, callback) for node, callback in watchers if not node._closing]
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Set before mount: the reactive is then already initialised, so its watcher (which
                # toggles the class) does not run, and the binding to Footer.compact changes nothing.
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget
