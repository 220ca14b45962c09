"""Rate limits that every server process enforces together, and what each one answers.

Why this exists: guessing passwords or session codes and opening sessions in bulk must
be bounded for the whole deployment, not per process, or running more processes would
multiply every limit. The counting is the ``limits`` library's (a moving window per
key): in this process's memory with the in-process bus, in Redis when the bus is Redis,
so several processes behind one Redis share every count. Each refusal is a
``RateLimited`` error that says when to try again, and what else works meanwhile.

The limits, each a rate like ``"10 per 10 minutes"`` (settings.py, ``helpline serve
--help``):

- wrong passwords per address and username, and per address across usernames;
- wrong session codes per address, and on the whole server (a botnet has many
  addresses): the guessing budget. While that is spent, joining by code is refused
  for everyone, and the code's join link (a long secret) still works;
- wrong join links per address, and wrong links of the Helpline agent (counted apart);
- sessions opened from a portal per address.

Attempts are checked before the work they guard and counted when they fail, except
where counting every attempt costs an honest user nothing (opening a session, and a
username's own count, which a right password clears). A count taken up front cannot be
overshot; one counted on failure can be, by as many attempts as are in flight when it
fills, which is the price of not counting right answers.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError

from helpline.domain.errors import RateLimited, Unavailable
from helpline.server.settings import Settings

EVERYONE = "all"
UNREACHABLE = (
    "Helpline cannot reach the store its limits are counted in (Redis) right now, so it "
    "cannot let this through. Please try again in a moment."
)


@asynccontextmanager
async def _counting() -> AsyncIterator[None]:
    """A limit that cannot be counted refuses, plainly: never a 500, never a free pass."""
    try:
        yield
    except (RedisError, OSError) as error:
        raise Unavailable(UNREACHABLE) from error


def parse_rate(text: str, what: str) -> RateLimitItem:
    """A rate such as ``"10 per 10 minutes"`` or ``"60/minute"``; a plain error if not."""
    try:
        return parse(text)
    except ValueError:
        raise ValueError(
            f"The {what} limit {text!r} is not a rate: write it as '10 per 10 minutes', "
            "'60 per minute' or '5/second'."
        ) from None


def wait_words(seconds: float) -> str:
    """``12 seconds``, ``1 minute``, ``7 minutes``: how long, in words a person reads."""
    whole = max(1, int(seconds + 0.999))
    if whole < 90:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = (whole + 59) // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class Limit:
    """One limit: its name (part of every key), its rate and the sentence a refusal starts with."""

    name: str
    rate: RateLimitItem
    refusal: str
    advice: str = ""


class RateLimits:
    """The deployment's limits, counted in storage every server process shares."""

    def __init__(self, settings: Settings) -> None:
        self._pool: ConnectionPool | None = None
        bus = settings.bus.strip()
        if bus.lower().startswith(("redis://", "rediss://")):
            # Our own pool, so that closing the server closes its connections too.
            self._pool = ConnectionPool.from_url(bus)
            storage = storage_from_string(
                f"async+{bus}",
                implementation="redispy",
                connection_pool=self._pool,  # type: ignore[arg-type]
                key_prefix=f"{settings.bus_namespace}limits",
            )
        else:
            storage = storage_from_string("async+memory://")
        self._window = MovingWindowRateLimiter(storage)
        self.login = Limit(
            "login",
            parse_rate(settings.login_limit, "login"),
            "Too many wrong passwords for this username.",
        )
        self.login_address = Limit(
            "login-address",
            parse_rate(settings.login_address_limit, "login address"),
            "Too many wrong logins from your address.",
        )
        self.code = Limit(
            "code",
            parse_rate(settings.code_limit, "session code"),
            "Too many wrong session codes from your address.",
            " Check the code with your representative, or ask them for a join link.",
        )
        self.code_budget = Limit(
            "code-budget",
            parse_rate(settings.code_budget, "session code budget"),
            "Too many wrong session codes were tried on this server, so joining by code "
            "is paused for everyone.",
            " Ask your representative for a join link: it works even now.",
        )
        self.link = Limit(
            "link",
            parse_rate(settings.code_limit, "join link"),
            "Too many join links that do not work came from your address.",
            " Ask your representative for a new link.",
        )
        self.attach = Limit(
            "attach",
            parse_rate(settings.code_limit, "agent link"),
            "Too many agent links that do not work came from your address.",
            " Ask your representative to send the agent again.",
        )
        # Counted by each socket itself (message_rate.py): a socket lives in one process.
        self.messages = parse_rate(settings.message_limit, "message")
        self.portal = Limit(
            "portal",
            parse_rate(settings.portal_session_limit, "portal session"),
            "Too many support sessions were opened from your address.",
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()

    # The primitives ------------------------------------------------------------

    async def check(self, limit: Limit, key: str) -> None:
        """Raise ``RateLimited`` if ``key`` has no attempt left under ``limit``."""
        async with _counting():
            if not await self._window.test(limit.rate, limit.name, key):
                raise await self._refusal(limit, key)

    async def take(self, limit: Limit, key: str) -> None:
        """Count one attempt, or raise ``RateLimited`` (counting nothing) if none is left."""
        async with _counting():
            if not await self._window.hit(limit.rate, limit.name, key):
                raise await self._refusal(limit, key)

    async def count(self, limit: Limit, key: str) -> None:
        """Count one failed attempt; past the limit there is nothing more to count."""
        async with _counting():
            await self._window.hit(limit.rate, limit.name, key)

    async def forget(self, limit: Limit, key: str) -> None:
        async with _counting():
            await self._window.clear(limit.rate, limit.name, key)

    async def _refusal(self, limit: Limit, key: str) -> RateLimited:
        stats = await self._window.get_window_stats(limit.rate, limit.name, key)
        retry = max(1.0, stats.reset_time - time.time())
        return RateLimited(
            f"{limit.refusal} Please try again in {wait_words(retry)}.{limit.advice}",
            retry_after_seconds=retry,
        )

    # What each action costs ---------------------------------------------------

    async def before_login(self, address: str, username: str) -> None:
        """Refuse, or count this attempt against the username before its password is
        checked (so parallel requests cannot slip past); a right password clears it."""
        await self.check(self.login_address, address)
        await self.take(self.login, f"{address}|{username}")

    async def wrong_login(self, address: str) -> None:
        """Wrong passwords from one address, whatever the username; right ones do not
        count, so a team behind one address logging in every morning never fills it."""
        await self.count(self.login_address, address)

    async def logged_in(self, address: str, username: str) -> None:
        await self.forget(self.login, f"{address}|{username}")

    async def before_code(self, address: str) -> None:
        await self.check(self.code, address)
        await self.check(self.code_budget, EVERYONE)

    async def wrong_code(self, address: str) -> None:
        await self.count(self.code, address)
        await self.count(self.code_budget, EVERYONE)

    async def code_joining_paused(self) -> bool:
        """Whether the guessing budget is spent: joining by code is refused for everyone."""
        async with _counting():
            return not await self._window.test(
                self.code_budget.rate, self.code_budget.name, EVERYONE
            )

    async def before_link(self, address: str) -> None:
        await self.check(self.link, address)

    async def wrong_link(self, address: str) -> None:
        await self.count(self.link, address)

    async def before_attach(self, address: str) -> None:
        await self.check(self.attach, address)

    async def wrong_attach(self, address: str) -> None:
        await self.count(self.attach, address)

    async def open_session(self, address: str) -> None:
        await self.take(self.portal, address)
