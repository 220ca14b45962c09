"""Alembic migrations of Helpline's schema; run them with ``helpline.store.migrate``."""
