"""tcpsim: two TCP endpoints on one RFC 9293 state machine, a simulated network, and scenarios."""

__version__ = "0.1.0"
