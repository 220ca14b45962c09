"""Turns the bus setting (``--bus`` / configuration) into a bus, in one place."""

from __future__ import annotations

from helpline.bus.base import Bus
from helpline.bus.memory import MemoryBus
from helpline.bus.redis import RedisBus, redact_url


def create_bus(spec: str, namespace: str = "helpline:") -> Bus:
    """``"memory"`` for one process; ``"redis://..."`` or ``"rediss://..."`` for several.

    ``namespace`` prefixes the Redis channel names, so deployments sharing one Redis
    stay apart; the in-process bus has nobody to share with and ignores it.
    """
    cleaned = spec.strip()
    if cleaned.lower() == "memory":
        return MemoryBus()
    scheme = cleaned.partition("://")[0].lower()
    if scheme in ("redis", "rediss") and "://" in cleaned:
        return RedisBus(cleaned, namespace=namespace)
    raise ValueError(
        f"Unknown bus {redact_url(spec)!r}: use 'memory' for a single server process, "
        "or a Redis URL such as 'redis://127.0.0.1:6379/0' (or 'rediss://...' for TLS) for several."
    )
