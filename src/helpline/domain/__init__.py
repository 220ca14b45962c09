"""The pure heart of Helpline: sessions, attendees, events, visibility and consent.

Nothing in this package performs I/O, reads the clock or imports a framework; time
and identifiers are passed in, so every rule here can be tested exhaustively.
"""
