"""Helpline: open-source remote support."""

__version__ = "0.1.0"
