"""``python -m tcpsim.cli``: what the ``tcpsim`` command runs (the tests and the server start it so)."""

from . import entry

entry()
