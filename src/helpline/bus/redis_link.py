"""The plain Redis plumbing of ``RedisBus``: clients, connections, message origins.

Kept apart from the bus's subscriptions (``bus/redis.py``) and their confirmations
(``bus/redis_confirmations.py``) so each stays small enough to read at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.maint_notifications import MaintNotificationsConfig

log = logging.getLogger(__name__)

# What a broken or unreachable connection raises; anything else is a bug to surface.
LINK_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)

# What starts every message a bus publishes: a mark, then the publishing process's
# id, so a process skips its own messages when Redis echoes them back.
_ORIGIN_MARK = b"\x00"
_ORIGIN_SIZE = 8
_HEADER_SIZE = len(_ORIGIN_MARK) + _ORIGIN_SIZE


def redact_url(url: str) -> str:
    """``url`` without its password, fit for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, tail = rest.partition("/")
    credentials, at, host = netloc.rpartition("@")
    if not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{tail}"


class Origin:
    """This process's mark on the messages it publishes."""

    __slots__ = ("header",)

    def __init__(self) -> None:
        self.header = _ORIGIN_MARK + os.urandom(_ORIGIN_SIZE)

    def stamp(self, data: bytes) -> bytes:
        return self.header + data

    def unstamp(self, data: bytes) -> bytes | None:
        """The message without its mark; None if it is this process's own. A message
        without a mark (published by something else) is returned as it is."""
        if data.startswith(_ORIGIN_MARK) and len(data) >= _HEADER_SIZE:
            if data.startswith(self.header):
                return None
            return data[_HEADER_SIZE:]
        return data


def make_clients(url: str, client_name: str, socket_timeout: float) -> tuple[ConnectionPool, Redis]:
    """The pool that makes the subscribe-mode connections, and the publishing client."""
    pool = ConnectionPool.from_url(
        url,
        # No socket timeout: redis-py then writes a command in the same step as our
        # check that the connection is up, where a timeout would hand the write to a
        # task that can find it closed. Reads carry their own timeout, and connect()
        # bounds the handshake.
        socket_timeout=None,
        socket_connect_timeout=socket_timeout,
        socket_keepalive=True,
        client_name=client_name,
        protocol=2,
        # Only spoken over RESP3, and the reader speaks RESP2.
        maint_notifications_config=MaintNotificationsConfig(enabled=False),
    )
    # The reader parses RESP2 subscribe-mode replies as bytes; RESP3 would turn them
    # into push messages, whatever the URL asks for.
    pool.connection_kwargs.update(protocol=2, decode_responses=False)
    publisher = Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        socket_keepalive=True,
        # The relay retries, with backoff, and tells the sockets meanwhile.
        retry=Retry(NoBackoff(), 0),
    )
    return pool, publisher


def new_connection(pool: ConnectionPool) -> AbstractConnection:
    # Not from the pool's free list: this connection lives in subscribe mode and is
    # never handed to anyone else.
    make: Callable[[], AbstractConnection] = pool.make_connection
    return make()


async def connect(conn: AbstractConnection, within: float) -> None:
    # redis-py leaves connect() unannotated; this gives it its real type.
    start: Callable[[], Awaitable[None]] = conn.connect
    try:
        async with asyncio.timeout(within):
            await start()
    except TimeoutError:
        raise RedisTimeoutError(
            f"no answer from Redis within {within:g}s while connecting"
        ) from None


async def disconnect(conn: AbstractConnection) -> None:
    with contextlib.suppress(*LINK_ERRORS):
        await conn.disconnect(nowait=True)


async def release(pool: ConnectionPool | None, publisher: Redis | None) -> None:
    if publisher is not None:
        with contextlib.suppress(*LINK_ERRORS):
            await publisher.aclose()
    if pool is not None:
        with contextlib.suppress(*LINK_ERRORS):
            await pool.disconnect()


async def first_connection(
    conn: AbstractConnection, within: float, url: str
) -> AbstractConnection | None:
    """``conn`` connected, or None (and a warning that says what to do) if Redis
    does not answer: a process starts without Redis and joins once it answers."""
    try:
        await connect(conn, within)
    except LINK_ERRORS as exc:
        await disconnect(conn)
        log.warning(
            "bus: cannot reach Redis at %s (%s). Starting without it: this process "
            "serves its own sockets from the database and joins the other processes "
            "once Redis answers. Start Redis, for example with `redis-server "
            "--daemonize yes`, or correct the bus URL.",
            url,
            exc,
        )
        return None
    return conn


def link_problem(url: str, *, connected: bool, publishing: bool) -> str | None:
    """What ``/healthz`` says of a Redis link: None while it works."""
    if not connected:
        return (
            f"Redis at {url} does not answer: this process serves its own sockets from "
            "the database and hears nothing from the other processes. Start or fix "
            "Redis; the process joins again by itself."
        )
    if not publishing:
        return (
            f"Publishing to Redis at {url} fails: the other processes hear of this "
            "one's messages late. Check Redis; the process retries by itself."
        )
    return None
