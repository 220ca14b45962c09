"""The bus between several server processes, over Redis pub/sub.

Each process holds one Redis connection in subscribe mode, whatever its number of
local subscriptions: a channel is subscribed in Redis while at least one local
subscription follows it, and a single reader task hands what Redis sends to the local
fan-out. Publishing hands the message to this process's own subscribers at once and
queues it for Redis (``bus/relay.py``): nobody waits for Redis, and a process skips
its own messages when Redis echoes them (each carries its origin).

Redis pub/sub is fire-and-forget: while the connection is down, messages are gone.
The reader checks the link every second (``bus/health.py``), reconnects with backoff,
subscribes every followed channel again, and only once Redis has confirmed all of them
tells every local subscription ``Lost``, so the store read that ``Lost`` triggers
cannot miss a message published afterwards. While Redis is away (also when a process
starts without it) local subscriptions hear ``Lost`` every few seconds and read the
store, and ``problem`` says what is wrong, for ``/healthz`` and ``/readyz``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from helpline.bus.base import BusClosed, BusUnavailable
from helpline.bus.fanout import Fanout, FanoutSubscription
from helpline.bus.health import DegradedWatch, read_replies
from helpline.bus.redis_confirmations import Confirmations, settle
from helpline.bus.redis_link import (
    LINK_ERRORS,
    Origin,
    connect,
    disconnect,
    first_connection,
    link_problem,
    make_clients,
    new_connection,
    redact_url,
    release,
)
from helpline.bus.relay import Outgoing, Relay

__all__ = ["RedisBus", "redact_url"]

log = logging.getLogger(__name__)


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
        health_check_interval: float = 1.0,
        health_check_timeout: float = 3.0,
        publish_timeout: float = 2.0,
        degraded_poll_interval: float = 5.0,
        socket_timeout: float = 10.0,
        reconnect_min_delay: float = 0.1,
        reconnect_max_delay: float = 5.0,
    ) -> None:
        self._url = url
        self._namespace = namespace
        self._client_name = client_name
        self._prefix = namespace.encode()
        self._health_check_interval = health_check_interval
        self._health_check_timeout = health_check_timeout
        self._origin = Origin()
        self._socket_timeout = socket_timeout
        self._reconnect_min_delay = reconnect_min_delay
        self._reconnect_max_delay = reconnect_max_delay

        self._fanout = Fanout()
        self._upstream = _RedisUpstream(self)
        self._relay = Relay(
            self._send_batch,
            lambda _error: self._fanout.lose_all(),
            where=self.url,
            timeout=publish_timeout,
            link_errors=LINK_ERRORS,
        )
        self._watch = DegradedWatch(
            lambda: self._started and not self.connected,
            self._fanout.lose_all,
            degraded_poll_interval,
        )
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
        # What Redis has yet to confirm, and who waits for it.
        self._confirmations = Confirmations(self._resynced)

    @property
    def url(self) -> str:
        return redact_url(self._url)

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def connected(self) -> bool:
        """Whether the subscribe-mode connection is up (and not resubscribing)."""
        return self._conn is not None and not self._confirmations.resyncing

    @property
    def problem(self) -> str | None:
        """None while Redis works; otherwise what is wrong, and what to do."""
        if self._closed:
            return "The bus is closed."
        return link_problem(self.url, connected=self.connected, publishing=not self._relay.failing)

    async def start(self) -> None:
        """Connects to Redis. A Redis that does not answer is no reason not to start:
        the bus starts degraded (see ``problem``) and joins once Redis answers."""
        if self._closed:
            raise BusClosed("the bus is closed")
        if self._started:
            return
        try:
            self._pool, self._publisher = make_clients(
                self._url, self._client_name, self._socket_timeout
            )
        except (RedisError, ValueError) as exc:
            await self._release_clients()
            raise BusUnavailable(
                f"The bus URL {self.url} is not usable ({exc}): correct it, for example "
                "'redis://127.0.0.1:6379/0'; a single server process can use the bus "
                "'memory' instead."
            ) from exc
        conn = await first_connection(self._new_connection(), self._socket_timeout, self.url)
        self._conn = conn
        self._started = True
        self._reader = asyncio.create_task(self._run(conn), name="helpline-redis-bus-reader")
        self._relay.start()
        self._watch.start()

    async def publish(self, channel: str, data: bytes) -> None:
        """Delivers to this process's subscribers now and queues for Redis; never
        waits for Redis (``bus/relay.py`` says what happens when Redis fails)."""
        if self._closed:
            raise BusClosed("the bus is closed")
        if not self._started:
            raise RuntimeError("RedisBus.start() must be awaited before publish()")
        self._fanout.publish(channel, data)
        self._relay.put(self._redis_name(channel), self._origin.stamp(data))

    async def _send_batch(self, batch: Sequence[Outgoing]) -> None:
        publisher = self._publisher
        if publisher is None:
            raise RedisConnectionError("the bus is closed")
        async with publisher.pipeline(transaction=False) as pipe:
            for name, data in batch:
                pipe.publish(name, data)
            await pipe.execute()

    def subscription(self, max_pending: int = 1000) -> FanoutSubscription:
        return self._fanout.subscription(max_pending, self._upstream)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._watch.close()
        await self._relay.close()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
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
            waiter: asyncio.Future[None] | None = self._confirmations.subscribing(name)
            await self._send(conn, "SUBSCRIBE", channel, waiter)
        else:
            waiter = self._confirmations.latest(name)
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
                settle(waiter)
                self._confirmations.forget(name, waiter)
                return
            self._confirmations.sent(name, waiter)
            try:
                await conn.send_command(command, name, check_health=False)
            except LINK_ERRORS as exc:
                # The reader sees the same broken link, releases every waiter and
                # reconnects.
                log.debug("bus: %s %s failed: %s", command, channel, exc)

    # -- the reader -----------------------------------------------------------

    async def _run(self, conn: AbstractConnection | None) -> None:
        try:
            while True:
                if conn is None:
                    conn = await self._reconnect()
                try:
                    await read_replies(
                        conn,
                        self._handle,
                        interval=self._health_check_interval,
                        answer_within=self._health_check_timeout,
                    )
                except LINK_ERRORS as exc:
                    log.warning(
                        "bus: lost the connection to Redis at %s (%s); sockets re-read the "
                        "database until it is back",
                        self.url,
                        exc,
                    )
                except Exception:
                    # A reply we could not make sense of: the bookkeeping of what
                    # Redis confirmed may be off, so start again from a clean link.
                    log.exception("bus: unexpected failure reading from Redis at %s", self.url)
                self._connection_lost()
                # Messages from other processes may be missing from now on.
                self._fanout.lose_all()
                await disconnect(conn)
                conn = None
        finally:
            if conn is not None:
                await disconnect(conn)

    def _handle(self, reply: Any) -> None:
        if not isinstance(reply, list) or not reply:
            return
        kind = reply[0]
        if kind == b"message" and len(reply) == 3:
            name = reply[1]
            data = reply[2]
            if isinstance(name, bytes) and name.startswith(self._prefix):
                data = self._origin.unstamp(data)
                if data is None:
                    # Our own: delivered here when it was published.
                    return
                channel = name[len(self._prefix) :].decode("utf-8", "replace")
                self._fanout.publish(channel, data)
        elif kind in (b"subscribe", b"unsubscribe") and len(reply) == 3:
            self._confirmations.confirmed(reply[1])

    def _resynced(self) -> None:
        log.info("bus: reconnected to Redis at %s; readers re-read the store", self.url)
        self._fanout.lose_all()

    def _connection_lost(self) -> None:
        """Forget everything tied to the broken connection and let waiting adds
        return: the reconnect resubscribes them and ``Lost`` follows."""
        self._conn = None
        self._confirmations.lost()

    def _new_connection(self) -> AbstractConnection:
        assert self._pool is not None
        return new_connection(self._pool)

    async def _reconnect(self) -> AbstractConnection:
        delay = self._reconnect_min_delay
        while True:
            conn = self._new_connection()
            try:
                await connect(conn, self._socket_timeout)
                async with self._send_lock:
                    if not conn.is_connected:
                        raise RedisConnectionError("the connection closed while resubscribing")
                    # No await between taking the registry snapshot and publishing
                    # the connection: a channel followed from now on is sent by
                    # its own add(), one followed before is in the snapshot.
                    names = [self._redis_name(channel) for channel in self._fanout.channels()]
                    self._conn = conn
                    self._confirmations.resubscribing(names)
                    if names:
                        await conn.send_command("SUBSCRIBE", *names, check_health=False)
                if not names:
                    self._confirmations.resynced()
                return conn
            except LINK_ERRORS as exc:
                self._connection_lost()
                await disconnect(conn)
                log.warning(
                    "bus: cannot reach Redis at %s (%s); retrying in %.1fs", self.url, exc, delay
                )
            except BaseException:
                # Closing the bus cancels us, perhaps halfway through connecting.
                await disconnect(conn)
                raise
            # Jitter, so the processes of a cluster do not all come back at once.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(delay * 2, self._reconnect_max_delay)

    async def _release_clients(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await disconnect(conn)
        pool, self._pool = self._pool, None
        publisher, self._publisher = self._publisher, None
        await release(pool, publisher)


class _RedisUpstream:
    """Connects the fan-out's subscriptions to their bus's Redis subscriptions."""

    __slots__ = ("_bus",)

    def __init__(self, bus: RedisBus) -> None:
        self._bus = bus

    async def follow(self, channel: str, first: bool) -> None:
        await self._bus._follow(channel, first)

    async def unfollow(self, channel: str) -> None:
        await self._bus._unfollow(channel)
