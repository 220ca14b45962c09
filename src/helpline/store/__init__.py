"""Persistence: the session log and everything around it, in SQLite or PostgreSQL."""
