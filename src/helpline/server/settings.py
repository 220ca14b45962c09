"""Server settings, each declared once: its default, its help text, its option.

Why this exists: a setting is read from a ``helpline serve`` flag, else a ``HELPLINE_``
variable, else its default here, and the flags, the variables, the help and README's
table all follow from these declarations (pydantic-settings reads the variables and
checks every value). ``commands/options.py`` makes the click options from them, so a
new setting is one declaration here. A bad value is answered with a line naming its
flag and its variable (``InvalidSettings``), not a traceback.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from limits import parse
from pydantic import Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from helpline.domain.files import DEFAULT_MAX_FILE_BYTES, DEFAULT_RETENTION, MIB

ENV_PREFIX = "HELPLINE_"
DEFAULT_PORT = 8000
RATE_EXAMPLES = "a rate such as '10 per 10 minutes', '60 per minute' or '5/second'"


@dataclass(frozen=True)
class Option:
    """How a setting appears on the command line: its section of ``--help``, the word
    for its value (its unit), an example value, and its flag where that is not the
    setting's name with dashes (a repeatable one is singular)."""

    group: str
    metavar: str
    example: str
    flag: str | None = None


LISTEN = "Where it listens"
STORAGE = "Storage"
SCALE = "Several processes"
LIFETIMES = "Lifetimes"
LIMITS = "Rate limits (each " + RATE_EXAMPLES + ")"
SOCKETS = "Sockets"
CAPS = "Other limits"
LOGS = "Logs"
WEBHOOKS = "Webhooks"
METRICS = "Metrics (/metrics is off unless a token or addresses are set)"

# Listed one per value in a flag, or separated by spaces or commas in a variable.
Repeated = Annotated[tuple[str, ...], NoDecode]


class InvalidSettings(ValueError):
    """Settings that cannot be used, one line each, naming the flag and the variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    host: Annotated[str, Option(LISTEN, "ADDRESS", "0.0.0.0")] = Field(  # noqa: S104
        "127.0.0.1", description="Address to listen on; 0.0.0.0 for every interface."
    )
    port: Annotated[int, Option(LISTEN, "PORT", "8080")] = Field(
        DEFAULT_PORT, ge=1, le=65535, description="TCP port the server listens on."
    )
    public_url: Annotated[str | None, Option(LISTEN, "URL", "https://help.example.com")] = Field(
        None,
        description="The address customers and representatives use. Used in join "
        "links and as the allowed browser origin; https:// marks cookies Secure. "
        "Default: http://HOST:PORT.",
    )
    allowed_origins: Annotated[
        Repeated, Option(LISTEN, "ORIGIN", "https://intranet.example.com", "--allowed-origin")
    ] = Field(
        (),
        description="Another exact origin (scheme://host:port) allowed to connect. Repeatable.",
    )
    trusted_proxies: Annotated[
        Repeated, Option(LISTEN, "ADDRESS", "10.0.0.0/8", "--trusted-proxy")
    ] = Field(
        (),
        description="Address (or network) of a reverse proxy in front, whose "
        "X-Forwarded-For names the real client: per-address limits then count each "
        "client, not the proxy. Repeatable; none by default.",
    )
    backlog: Annotated[int, Option(LISTEN, "CONNECTIONS", "16384")] = Field(
        2048,
        ge=64,
        le=1_000_000,
        description="Connections the kernel queues before the server accepts them; raise "
        "it to ride out thousands of clients reconnecting at once (capped by "
        "net.core.somaxconn).",
    )
    connecting_limit: Annotated[int, Option(LISTEN, "SOCKETS", "500")] = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Sockets let in at once (from the handshake to their first subscribe "
        "answered); past it a new socket is closed with 1013 and a time to come back. "
        "0, the default, lets every socket in (docs/performance.md: at 10,000 clients "
        "reconnecting at once it has not helped yet).",
    )
    data_dir: Annotated[Path, Option(STORAGE, "FOLDER", "/var/lib/helpline")] = Field(
        Path("helpline-data"), description="Folder for the SQLite database and uploaded files."
    )
    database_url: Annotated[
        str | None, Option(STORAGE, "URL", "postgresql+asyncpg://helpline@db/helpline")
    ] = Field(None, description="Use PostgreSQL instead of SQLite in the data folder.")
    max_file_mb: Annotated[int, Option(STORAGE, "MIB", "512")] = Field(
        DEFAULT_MAX_FILE_BYTES // MIB,
        ge=1,
        le=1024 * 1024,
        description="Largest file a transfer accepts, in MiB (2048 = 2 GiB).",
    )
    file_retention_days: Annotated[int, Option(STORAGE, "DAYS", "7")] = Field(
        DEFAULT_RETENTION.days,
        ge=0,
        le=3650,
        description="Delete transferred files this many days after their session ended.",
    )
    bus: Annotated[str, Option(SCALE, "BUS", "redis://redis:6379/0")] = Field(
        "memory", description="'memory' for one process, or a redis:// URL to run several."
    )
    bus_namespace: Annotated[str, Option(SCALE, "PREFIX", "helpline-staging:")] = Field(
        "helpline:",
        min_length=1,
        description="Prefix of Redis keys and channels, so deployments can share one Redis.",
    )
    code_lifetime_seconds: Annotated[int, Option(LIFETIMES, "SECONDS", "600")] = Field(
        20 * 60,
        ge=60,
        le=7 * 24 * 3600,
        description="How long a session code (and its join link) a representative makes works.",
    )
    agent_link_seconds: Annotated[int, Option(LIFETIMES, "SECONDS", "300")] = Field(
        10 * 60,
        ge=10,
        le=24 * 3600,
        description="How long a link that attaches the Helpline agent to a session works (once).",
    )
    login_lifetime_seconds: Annotated[int, Option(LIFETIMES, "SECONDS", "28800")] = Field(
        12 * 3600,
        ge=60,
        le=365 * 24 * 3600,
        description="How long a representative stays logged in.",
    )
    customer_token_lifetime_seconds: Annotated[int, Option(LIFETIMES, "SECONDS", "7200")] = Field(
        24 * 3600,
        ge=60,
        le=365 * 24 * 3600,
        description="How long a customer's access to their session lasts, from joining.",
    )
    customer_read_after_end_seconds: Annotated[int, Option(LIFETIMES, "SECONDS", "600")] = Field(
        3600,
        ge=0,
        le=7 * 24 * 3600,
        description="After a session ends, its customer can still read it (to save "
        "the chat log) for this long; then their link stops working.",
    )
    login_limit: Annotated[str, Option(LIMITS, "RATE", "5 per minute")] = Field(
        "10 per 10 minutes", description="Wrong passwords for one username from one address."
    )
    login_address_limit: Annotated[str, Option(LIMITS, "RATE", "100 per hour")] = Field(
        "30 per 10 minutes", description="Wrong passwords from one address, any username."
    )
    code_limit: Annotated[str, Option(LIMITS, "RATE", "5 per 10 minutes")] = Field(
        "10 per 10 minutes",
        description="Wrong session codes from one address (and, counted apart, wrong "
        "join links and agent links).",
    )
    code_budget: Annotated[str, Option(LIMITS, "RATE", "1000 per hour")] = Field(
        "200 per 10 minutes",
        description="Wrong session codes on the whole server; past it joining by code "
        "pauses for everyone, and join links still work.",
    )
    portal_session_limit: Annotated[str, Option(LIMITS, "RATE", "100 per minute")] = Field(
        "30 per minute", description="Support sessions opened from one address."
    )
    message_limit: Annotated[str, Option(LIMITS, "RATE", "2/second")] = Field(
        "60 per minute", description="Chat messages and notes sent over one socket."
    )
    heartbeat_seconds: Annotated[float, Option(SOCKETS, "SECONDS", "10")] = Field(
        25.0,
        gt=0,
        le=3600,
        description="How often every socket hears from the server; a client silent for "
        "three intervals is disconnected. Keep it below the idle timeout of any proxy in "
        "front, and the same on every process.",
    )
    presence_grace_seconds: Annotated[float, Option(SOCKETS, "SECONDS", "10")] = Field(
        3.0,
        ge=0,
        le=300,
        description="How long a customer whose connection dropped still shows as "
        "online: one that comes back within it never shows as offline. 0 shows them "
        "offline at once.",
    )
    # At most the 1 MiB that uvicorn is told to accept (commands/serve.py).
    max_frame_bytes: Annotated[int, Option(CAPS, "BYTES", "131072")] = Field(
        64 * 1024,
        ge=1024,
        le=MIB,
        description="Largest text frame a client may send over a socket.",
    )
    max_active_codes: Annotated[int, Option(CAPS, "CODES", "20")] = Field(
        8, ge=1, le=1000, description="Session codes one representative may hold at once."
    )
    log_level: Annotated[
        Literal["debug", "info", "warning", "error"], Option(LOGS, "LEVEL", "debug")
    ] = Field("info", description="What the server logs: debug, info, warning or error.")
    log_format: Annotated[Literal["text", "json"], Option(LOGS, "FORMAT", "json")] = Field(
        "text",
        description="text, or json: one JSON object a line (time, level, logger, message; "
        "client, method, path and status for requests), for a log collector.",
    )
    webhook_timeout_seconds: Annotated[float, Option(WEBHOOKS, "SECONDS", "10")] = Field(
        5.0,
        gt=0,
        le=60,
        description="How long a webhook call may take before it counts as failed.",
    )
    webhook_retry_seconds: Annotated[float, Option(WEBHOOKS, "SECONDS", "30")] = Field(
        10.0,
        gt=0,
        le=3600,
        description="The wait before a failed webhook call is tried again; each later "
        "wait is six times the one before, for six tries in all.",
    )
    metrics_token: Annotated[str | None, Option(METRICS, "TOKEN", "long-random-secret")] = Field(
        None,
        min_length=16,
        description="Bearer token a Prometheus scraper sends to read /metrics "
        "(Authorization: Bearer TOKEN).",
    )
    metrics_allow: Annotated[
        Repeated, Option(METRICS, "NETWORK", "10.0.0.0/8", "--metrics-allow")
    ] = Field(
        (),
        description="Address or network that may read /metrics without the token. "
        "Repeatable; none by default.",
    )

    @field_validator("allowed_origins", "trusted_proxies", "metrics_allow", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return tuple(value.replace(",", " ").split()) if isinstance(value, str) else value

    @field_validator("metrics_allow")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"must be an address or network such as 10.0.0.0/8 (got {item!r})"
                ) from None
        return value

    @field_validator("bus")
    @classmethod
    def _memory_or_redis(cls, value: str) -> str:
        if value == "memory" or value.startswith(("redis://", "rediss://")):
            return value
        raise ValueError("must be 'memory' or a redis:// URL")

    @field_validator(
        "login_limit",
        "login_address_limit",
        "code_limit",
        "code_budget",
        "portal_session_limit",
        "message_limit",
    )
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError:
            raise ValueError(f"must be {RATE_EXAMPLES}") from None
        return value

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * MIB

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


def option(name: str) -> Option:
    """The command-line side of setting ``name``."""
    return next(m for m in Settings.model_fields[name].metadata if isinstance(m, Option))


def flag(name: str) -> str:
    return option(name).flag or "--" + name.replace("_", "-")


def variable(name: str) -> str:
    return ENV_PREFIX + name.upper()


def default_text(name: str) -> str:
    """The default as a person writes it: ``25`` not ``25.0``; empty when there is none."""
    default = Settings.model_fields[name].default
    if default is None or default == ():
        return ""
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


def load_settings(**given: object) -> Settings:
    """Settings from the flags ``given`` (by setting name), else ``HELPLINE_`` variables,
    else the defaults; ``InvalidSettings`` names each bad value's flag and variable."""
    try:
        return Settings(**given)  # type: ignore[arg-type]
    except ValidationError as error:
        raise InvalidSettings([_problem(found) for found in error.errors()]) from None


def _problem(found: ErrorDetails) -> str:
    name = str(found["loc"][0]) if found["loc"] else ""
    if name not in Settings.model_fields:
        return f"{name}: {found['msg']}"
    return f"{flag(name)} / {variable(name)}: {_must(name, found)} (got {found['input']!r})"


def _must(name: str, found: ErrorDetails) -> str:
    """What the value must be, in words: the whole rule, whichever part was broken."""
    field = Settings.model_fields[name]
    if field.annotation in (int, float):
        return "must be " + _number_rule(field.annotation is int, field.metadata)
    message = str(found["msg"])
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    return message.replace("Input should be", "must be")


def _number_rule(whole: bool, metadata: list[object]) -> str:
    bounds = {
        kind: _plain(getattr(m, kind))
        for m in metadata
        for kind in ("ge", "gt", "le")
        if getattr(m, kind, None) is not None
    }
    kind = "a whole number" if whole else "a number"
    if "ge" in bounds and "le" in bounds:
        return f"{kind} from {bounds['ge']} to {bounds['le']}"
    if "gt" in bounds and "le" in bounds:
        return f"{kind} greater than {bounds['gt']} and at most {bounds['le']}"
    if "gt" in bounds:
        return f"{kind} greater than {bounds['gt']}"
    return kind


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
