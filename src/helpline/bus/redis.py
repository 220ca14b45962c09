"""The bus between several server processes, over Redis pub/sub.

Each process holds one Redis connection in subscribe mode, whatever its number of
local subscriptions: a channel is subscribed in Redis while at least one local
subscription follows it, and a single reader task hands what Redis sends to the local
fan-out. Publishing is a plain Redis PUBLISH, so a process hears its own messages back
through Redis like every other process does.

Redis pub/sub is fire-and-forget: while the connection is down, messages are gone.
The reader reconnects with backoff, subscribes every followed channel again, and only
once Redis has confirmed all of them tells every local subscription ``Lost``, so the
store read that ``Lost`` triggers cannot miss a message published afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.maint_notifications import MaintNotificationsConfig

from helpline.bus.base import BusClosed, BusUnavailable
from helpline.bus.fanout import Fanout, FanoutSubscription

log = logging.getLogger(__name__)

# What a broken or unreachable connection raises; anything else is a bug to surface.
_LINK_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)


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


class RedisBus:
    """Implements ``helpline.bus.base.Bus`` over Redis pub/sub.

    ``namespace`` prefixes every Redis channel name, so several deployments (or
    test runs) can share one Redis without hearing each other. ``client_name``
    names the subscribe-mode connection in Redis's CLIENT LIST.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "helpline:",
        client_name: str = "helpline-bus",
        health_check_interval: float = 30.0,
        socket_timeout: float = 10.0,
        reconnect_min_delay: float = 0.1,
        reconnect_max_delay: float = 5.0,
    ) -> None:
        self._url = url
        self._namespace = namespace
        self._client_name = client_name
        self._prefix = namespace.encode()
        self._health_check_interval = health_check_interval
        self._socket_timeout = socket_timeout
        self._reconnect_min_delay = reconnect_min_delay
        self._reconnect_max_delay = reconnect_max_delay

        self._fanout = Fanout()
        self._upstream = _RedisUpstream(self)
        self._publisher: Redis | None = None
        self._pool: ConnectionPool | None = None
        self._reader: asyncio.Task[None] | None = None
        self._started = False
        self._closed = False

        # The subscribe-mode connection while it is up; None while reconnecting.
        self._conn: AbstractConnection | None = None
        # Keeps SUBSCRIBE/UNSUBSCRIBE on the wire in the order the local registry
        # decided them, and the replies expected per channel in the same order.
        self._send_lock = asyncio.Lock()
        # Per Redis channel, one entry per SUBSCRIBE or UNSUBSCRIBE sent and not yet
        # answered: Redis answers each with one reply per channel, in order. A
        # future marks a SUBSCRIBE somebody waits on.
        self._replies: dict[bytes, deque[asyncio.Future[None] | None]] = {}
        # The newest unconfirmed SUBSCRIBE per channel, for later followers to wait on.
        self._latest: dict[bytes, asyncio.Future[None]] = {}
        # After a reconnect: SUBSCRIBEs to be confirmed before ``Lost`` goes out.
        self._resyncing = False
        self._resync_pending: set[asyncio.Future[None]] = set()

    @property
    def url(self) -> str:
        return redact_url(self._url)

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def connected(self) -> bool:
        """Whether the subscribe-mode connection is up (and not resubscribing)."""
        return self._conn is not None and not self._resyncing

    async def start(self) -> None:
        if self._closed:
            raise BusClosed("the bus is closed")
        if self._started:
            return
        conn: AbstractConnection | None = None
        try:
            self._pool = ConnectionPool.from_url(
                self._url,
                # No socket timeout: redis-py then writes a command in the same
                # step as our check that the connection is up, where a timeout
                # would hand the write to a task that can find it closed. Reads
                # carry their own timeout, and _connect bounds the handshake.
                socket_timeout=None,
                socket_connect_timeout=self._socket_timeout,
                socket_keepalive=True,
                client_name=self._client_name,
                protocol=2,
                # Only spoken over RESP3, and the reader speaks RESP2.
                maint_notifications_config=MaintNotificationsConfig(enabled=False),
            )
            # The reader parses RESP2 subscribe-mode replies as bytes; RESP3 would
            # turn them into push messages, whatever the URL asks for.
            self._pool.connection_kwargs.update(protocol=2, decode_responses=False)
            self._publisher = Redis.from_url(
                self._url,
                socket_timeout=self._socket_timeout,
                socket_connect_timeout=self._socket_timeout,
                socket_keepalive=True,
                retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 2),
            )
            conn = self._new_connection()
            await self._connect(conn)
            await self._publisher.ping()
        except (RedisError, OSError, ValueError) as exc:
            if conn is not None:
                await _disconnect(conn)
            await self._release_clients()
            raise BusUnavailable(
                f"Cannot reach Redis at {self.url} ({exc}). Start Redis, for example with "
                "`redis-server --daemonize yes` (or `docker run -d -p 6379:6379 redis`), "
                "or correct the bus URL; a single server process can use the bus "
                "'memory' instead."
            ) from exc
        self._conn = conn
        self._started = True
        self._reader = asyncio.create_task(self._run(conn), name="helpline-redis-bus-reader")

    async def publish(self, channel: str, data: bytes) -> None:
        if self._closed:
            raise BusClosed("the bus is closed")
        if self._publisher is None:
            raise RuntimeError("RedisBus.start() must be awaited before publish()")
        try:
            await self._publisher.publish(self._redis_name(channel), data)
        except _LINK_ERRORS as exc:
            # At most once: the event is already committed, and the subscribers whose
            # link to Redis broke as well will hear ``Lost`` when it is mended.
            log.warning("bus: dropped a message for %s, Redis unreachable: %s", channel, exc)

    def subscription(self, max_pending: int = 1000) -> FanoutSubscription:
        return self._fanout.subscription(max_pending, self._upstream)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        self._connection_lost()
        self._fanout.close()
        await self._release_clients()

    def __repr__(self) -> str:
        state = "connected" if self.connected else "disconnected"
        return f"<RedisBus {self.url} namespace={self._namespace!r} {state}>"

    # -- following channels (called by subscriptions through _RedisUpstream) --------

    def _redis_name(self, channel: str) -> bytes:
        return self._prefix + channel.encode()

    async def _follow(self, channel: str, first: bool) -> None:
        if self._closed:
            raise BusClosed("the bus is closed")
        if not self._started:
            raise RuntimeError("RedisBus.start() must be awaited before Subscription.add()")
        conn = self._conn
        if conn is None:
            # Down: the reconnect subscribes every followed channel, this one
            # included, then sends ``Lost`` to this subscription too.
            return
        name = self._redis_name(channel)
        if first:
            # Registered before waiting for the send lock, so that followers
            # arriving meanwhile wait for the same confirmation.
            waiter: asyncio.Future[None] | None = asyncio.get_running_loop().create_future()
            assert waiter is not None
            self._latest[name] = waiter
            if self._resyncing:
                self._resync_pending.add(waiter)
            await self._send(conn, "SUBSCRIBE", channel, waiter)
        else:
            waiter = self._latest.get(name)
        if waiter is not None:
            await asyncio.shield(waiter)
        if self._closed:
            raise BusClosed("the bus is closed")

    async def _unfollow(self, channel: str) -> None:
        conn = self._conn
        if self._closed or conn is None:
            return
        await self._send(conn, "UNSUBSCRIBE", channel, None)

    async def _send(
        self,
        conn: AbstractConnection,
        command: str,
        channel: str,
        waiter: asyncio.Future[None] | None,
    ) -> None:
        """Sends SUBSCRIBE or UNSUBSCRIBE for ``channel`` on ``conn``; ``waiter``
        completes once Redis confirms (or the link breaks)."""
        name = self._redis_name(channel)
        async with self._send_lock:
            followed = self._fanout.subscriber_count(channel) > 0
            if (
                self._conn is not conn
                or not conn.is_connected
                # Decided earlier, and overtaken since by a remove or an add of the
                # same channel: what Redis needs now is what the registry says.
                or followed != (command == "SUBSCRIBE")
            ):
                # A broken link is resubscribed from the registry by the reader.
                _settle(waiter)
                self._forget_waiter(name, waiter)
                return
            self._replies.setdefault(name, deque()).append(waiter)
            try:
                await conn.send_command(command, name, check_health=False)
            except _LINK_ERRORS as exc:
                # The reader sees the same broken link, releases every waiter and
                # reconnects.
                log.debug("bus: %s %s failed: %s", command, channel, exc)

    def _forget_waiter(self, name: bytes, waiter: asyncio.Future[None] | None) -> None:
        if waiter is None:
            return
        if self._latest.get(name) is waiter:
            del self._latest[name]
        self._resync_pending.discard(waiter)
        if self._resyncing and not self._resync_pending:
            self._resynced()

    # -- the reader -----------------------------------------------------------

    async def _run(self, conn: AbstractConnection) -> None:
        try:
            while True:
                try:
                    await self._read(conn)
                except _LINK_ERRORS as exc:
                    log.warning("bus: lost the connection to Redis at %s: %s", self.url, exc)
                except Exception:
                    # A reply we could not make sense of: the bookkeeping of what
                    # Redis confirmed may be off, so start again from a clean link.
                    log.exception("bus: unexpected failure reading from Redis at %s", self.url)
                self._connection_lost()
                await _disconnect(conn)
                conn = await self._reconnect()
        finally:
            await _disconnect(conn)

    async def _read(self, conn: AbstractConnection) -> None:
        ping_sent = False
        while True:
            # A bounded read, so a connection that died without a word (a half-open
            # TCP link) is found by a PING that gets no answer.
            reply = await conn.read_response(timeout=self._health_check_interval)
            if reply is None:
                if ping_sent:
                    raise RedisTimeoutError(
                        f"no answer to PING within {self._health_check_interval}s"
                    )
                await conn.send_command("PING", check_health=False)
                ping_sent = True
                continue
            ping_sent = False
            self._handle(reply)

    def _handle(self, reply: Any) -> None:
        if not isinstance(reply, list) or not reply:
            return
        kind = reply[0]
        if kind == b"message" and len(reply) == 3:
            name = reply[1]
            if isinstance(name, bytes) and name.startswith(self._prefix):
                channel = name[len(self._prefix) :].decode("utf-8", "replace")
                self._fanout.publish(channel, reply[2])
        elif kind in (b"subscribe", b"unsubscribe") and len(reply) == 3:
            self._confirmed(reply[1])

    def _confirmed(self, name: bytes) -> None:
        pending = self._replies.get(name)
        if not pending:
            return
        waiter = pending.popleft()
        if not pending:
            del self._replies[name]
        _settle(waiter)
        self._forget_waiter(name, waiter)

    def _resynced(self) -> None:
        self._resyncing = False
        log.info("bus: reconnected to Redis at %s; readers re-read the store", self.url)
        self._fanout.lose_all()

    def _connection_lost(self) -> None:
        """Forget everything tied to the broken connection and let waiting adds
        return: the reconnect resubscribes them and ``Lost`` follows."""
        self._conn = None
        self._resyncing = False
        for pending in self._replies.values():
            for waiter in pending:
                _settle(waiter)
        for waiter in self._latest.values():
            _settle(waiter)
        for waiter in self._resync_pending:
            _settle(waiter)
        self._resync_pending.clear()
        self._replies.clear()
        self._latest.clear()

    async def _connect(self, conn: AbstractConnection) -> None:
        # redis-py leaves connect() unannotated; this gives it its real type.
        connect: Callable[[], Awaitable[None]] = conn.connect
        try:
            await asyncio.wait_for(connect(), self._socket_timeout)
        except TimeoutError:
            raise RedisTimeoutError(
                f"no answer from Redis within {self._socket_timeout}s while connecting"
            ) from None

    def _new_connection(self) -> AbstractConnection:
        assert self._pool is not None
        # Not from the pool's free list: this connection lives in subscribe mode
        # and is never handed to anyone else.
        make: Callable[[], AbstractConnection] = self._pool.make_connection
        return make()

    async def _reconnect(self) -> AbstractConnection:
        delay = self._reconnect_min_delay
        while True:
            conn = self._new_connection()
            try:
                await self._connect(conn)
                async with self._send_lock:
                    if not conn.is_connected:
                        raise RedisConnectionError("the connection closed while resubscribing")
                    # No await between taking the registry snapshot and publishing
                    # the connection: a channel followed from now on is sent by
                    # its own add(), one followed before is in the snapshot.
                    names = [self._redis_name(channel) for channel in self._fanout.channels()]
                    self._conn = conn
                    self._resyncing = True
                    for name in names:
                        waiter = asyncio.get_running_loop().create_future()
                        self._replies.setdefault(name, deque()).append(waiter)
                        self._latest[name] = waiter
                        self._resync_pending.add(waiter)
                    if names:
                        await conn.send_command("SUBSCRIBE", *names, check_health=False)
                if not names:
                    self._resynced()
                return conn
            except _LINK_ERRORS as exc:
                self._connection_lost()
                await _disconnect(conn)
                log.warning(
                    "bus: cannot reach Redis at %s (%s); retrying in %.1fs", self.url, exc, delay
                )
            except BaseException:
                # Closing the bus cancels us, perhaps halfway through connecting.
                await _disconnect(conn)
                raise
            # Jitter, so the processes of a cluster do not all come back at once.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self._reconnect_max_delay)

    async def _release_clients(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await _disconnect(conn)
        publisher, self._publisher = self._publisher, None
        if publisher is not None:
            with contextlib.suppress(*_LINK_ERRORS):
                await publisher.aclose()
        pool, self._pool = self._pool, None
        if pool is not None:
            with contextlib.suppress(*_LINK_ERRORS):
                await pool.disconnect()


class _RedisUpstream:
    """Connects the fan-out's subscriptions to their bus's Redis subscriptions."""

    __slots__ = ("_bus",)

    def __init__(self, bus: RedisBus) -> None:
        self._bus = bus

    async def follow(self, channel: str, first: bool) -> None:
        await self._bus._follow(channel, first)

    async def unfollow(self, channel: str) -> None:
        await self._bus._unfollow(channel)


def _settle(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


async def _disconnect(conn: AbstractConnection) -> None:
    with contextlib.suppress(*_LINK_ERRORS):
        await conn.disconnect(nowait=True)
