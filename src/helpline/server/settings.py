"""Server settings: embedded defaults, overridden by CLI flags or HELPLINE_* variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PORT = 8000


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = Path("helpline-data")
    database_url: str | None = None
    bus: str = "memory"
    bus_namespace: str = "helpline:"
    public_url: str | None = None
    allowed_origins: tuple[str, ...] = ()
    code_lifetime_seconds: int = 20 * 60
    # How long a link that attaches the Helpline agent to a session works (single use).
    agent_link_lifetime_seconds: int = 10 * 60
    max_active_codes: int = 8
    heartbeat_seconds: float = 25.0
    login_lifetime_seconds: int = 12 * 3600
    customer_token_lifetime_seconds: int = 24 * 3600
    # After the session ends the customer's token reads (to save the chat log) this long.
    customer_read_after_end_seconds: int = 3600
    max_frame_bytes: int = 64 * 1024
    # Rate limits, each a rate such as "10 per 10 minutes" (docs/protocol.md, Limits).
    # The defaults are far above what a support team or its customers do, and far
    # below what guessing needs.
    login_limit: str = "10 per 10 minutes"  # wrong passwords per address and username
    login_address_limit: str = "30 per 10 minutes"  # wrong passwords per address
    code_limit: str = "10 per 10 minutes"  # wrong session codes (or links) per address
    code_budget: str = "200 per 10 minutes"  # wrong session codes on the whole server
    portal_session_limit: str = "30 per minute"  # sessions opened per address
    message_limit: str = "60 per minute"  # chat messages and notes per socket
    max_file_bytes: int = 2 * 1024**3
    # /metrics is off unless one of these is set: a bearer token, or the addresses
    # (CIDR) that may read it without one.
    metrics_token: str | None = None
    metrics_allow: tuple[str, ...] = ()
    file_retention_days: int = 30
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'helpline.db').resolve()}"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def origins(self) -> frozenset[str]:
        """Exact origins a browser may call from: our own address plus configured ones."""
        own = {self.base_url}
        if not self.public_url:
            own.add(f"http://localhost:{self.port}")
            own.add(f"http://127.0.0.1:{self.port}")
        return frozenset(own | set(self.allowed_origins))

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")
