"""Peers for the chat scenario: minimal relays on other Python stacks, same message
shape, no storage (``make bench-peers`` installs their packages from bench/peers.lock)."""
