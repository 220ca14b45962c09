"""The bus contract, checked the same way against every bus.

Each test is a sentence of the contract the gateway relies on: what a subscriber
receives, in which order, what it never receives, and when it is told ``Lost`` so it
reads the store again. The Redis case runs against a real Redis server, with a
namespace of its own per test. Nothing here sleeps: a test waits for a condition
under a timeout, and proves that something did not arrive by sending a marker after
it on the same path and seeing the marker first.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.asyncio import Redis

from helpline.bus.base import Bus, BusClosed, BusUnavailable, Lost, Message, Subscription
from helpline.bus.memory import MemoryBus
from helpline.bus.redis import RedisBus
from tests.support.services import wait_until

TIMEOUT = 5.0

MakeRedisBus = Callable[..., Awaitable[RedisBus]]


async def next_item(subscription: Subscription) -> Message | Lost:
    return await asyncio.wait_for(subscription.get(), TIMEOUT)


async def next_message(subscription: Subscription) -> Message:
    item = await next_item(subscription)
    assert isinstance(item, Message), f"expected a message, got {item!r}"
    return item


async def following(bus: Bus, *channels: str, max_pending: int = 1000) -> Subscription:
    subscription = bus.subscription(max_pending=max_pending)
    for channel in channels:
        await subscription.add(channel)
    return subscription


@pytest.fixture
def namespace() -> str:
    return f"test-{uuid.uuid4().hex}:"


@pytest.fixture
async def make_redis_bus(redis_url: str, namespace: str) -> AsyncIterator[MakeRedisBus]:
    """Starts RedisBus "nodes" sharing this test's namespace; closes them afterwards."""
    buses: list[RedisBus] = []

    async def make(**options: object) -> RedisBus:
        options.setdefault("namespace", namespace)
        bus = RedisBus(redis_url, **options)  # type: ignore[arg-type]
        await bus.start()
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.close()


@pytest.fixture
async def redis_admin(redis_url: str) -> AsyncIterator[Redis]:
    """A plain Redis client, beside the buses, to look at and break their connections."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[Bus]:
    started: Bus
    if request.param == "memory":
        started = MemoryBus()
    else:
        # Asked for here, not as an argument, so the memory case runs without Redis.
        started = RedisBus(request.getfixturevalue("redis_url"), namespace=namespace)
    await started.start()
    yield started
    await started.close()


# -- delivery ---------------------------------------------------------------------


async def test_a_subscriber_receives_what_is_published_after_add_returns_in_order(
    bus: Bus,
) -> None:
    subscription = await following(bus, "session:1")

    for n in range(100):
        await bus.publish("session:1", f"event {n}".encode())

    received = [await next_message(subscription) for _ in range(100)]
    assert received == [Message("session:1", f"event {n}".encode()) for n in range(100)]


async def test_a_message_reaches_every_subscriber_of_its_channel(bus: Bus) -> None:
    subscriptions = [await following(bus, "session:2") for _ in range(3)]

    await bus.publish("session:2", b"hello")

    for subscription in subscriptions:
        assert await next_message(subscription) == Message("session:2", b"hello")


async def test_a_message_reaches_no_other_channel(bus: Bus) -> None:
    session = await following(bus, "session:3")
    other = await following(bus, "session:4")

    await bus.publish("session:3", b"for session 3")
    await bus.publish("session:4", b"marker")

    assert await next_message(other) == Message("session:4", b"marker")
    assert await next_message(session) == Message("session:3", b"for session 3")


async def test_one_subscription_receives_the_messages_of_all_its_channels(bus: Bus) -> None:
    subscription = await following(bus, "session:5", "rep:7", "portal:3")

    await bus.publish("rep:7", b"a")
    await bus.publish("portal:3", b"b")
    await bus.publish("session:5", b"c")

    assert [await next_message(subscription) for _ in range(3)] == [
        Message("rep:7", b"a"),
        Message("portal:3", b"b"),
        Message("session:5", b"c"),
    ]


async def test_adding_a_channel_twice_delivers_its_messages_once(bus: Bus) -> None:
    subscription = await following(bus, "session:6", "session:6", "rep:1")

    await bus.publish("session:6", b"once")
    await bus.publish("rep:1", b"marker")

    assert await next_message(subscription) == Message("session:6", b"once")
    assert await next_message(subscription) == Message("rep:1", b"marker")


async def test_a_channel_with_no_subscriber_swallows_the_message(bus: Bus) -> None:
    await bus.publish("session:nobody", b"into the void")
    subscription = await following(bus, "session:nobody")

    await bus.publish("session:nobody", b"heard")

    assert await next_message(subscription) == Message("session:nobody", b"heard")


async def test_many_subscribers_of_one_channel_all_receive(bus: Bus) -> None:
    subscriptions = [await following(bus, "session:busy") for _ in range(2000)]

    await bus.publish("session:busy", b"everyone")

    for subscription in subscriptions:
        assert await next_message(subscription) == Message("session:busy", b"everyone")


# -- remove and close -------------------------------------------------------------


async def test_remove_stops_delivery_of_that_channel_only(bus: Bus) -> None:
    subscription = await following(bus, "session:10", "rep:10")

    await subscription.remove("session:10")
    await bus.publish("session:10", b"not for you")
    await bus.publish("rep:10", b"marker")

    assert await next_message(subscription) == Message("rep:10", b"marker")


async def test_remove_leaves_other_subscribers_of_the_channel_receiving(bus: Bus) -> None:
    leaving = await following(bus, "session:11", "rep:11")
    staying = await following(bus, "session:11")

    await leaving.remove("session:11")
    await bus.publish("session:11", b"still here")
    await bus.publish("rep:11", b"marker")

    assert await next_message(staying) == Message("session:11", b"still here")
    assert await next_message(leaving) == Message("rep:11", b"marker")


async def test_a_channel_removed_and_added_again_delivers_again(bus: Bus) -> None:
    subscription = await following(bus, "session:12")

    await subscription.remove("session:12")
    await subscription.add("session:12")
    await bus.publish("session:12", b"back")

    assert await next_message(subscription) == Message("session:12", b"back")


async def test_removing_a_channel_never_added_is_harmless(bus: Bus) -> None:
    subscription = await following(bus, "session:13")

    await subscription.remove("session:never")
    await bus.publish("session:13", b"fine")

    assert await next_message(subscription) == Message("session:13", b"fine")


async def test_close_makes_a_waiting_get_raise_bus_closed(bus: Bus) -> None:
    subscription = await following(bus, "session:20")
    waiting = asyncio.create_task(subscription.get())
    await asyncio.sleep(0)  # let the reader start waiting: a yield, not a delay

    await subscription.close()

    with pytest.raises(BusClosed):
        await asyncio.wait_for(waiting, TIMEOUT)
    with pytest.raises(BusClosed):
        await subscription.get()
    with pytest.raises(BusClosed):
        await subscription.add("session:21")


async def test_a_closed_subscription_no_longer_counts_as_a_subscriber(bus: Bus) -> None:
    closed = await following(bus, "session:22")
    open_ = await following(bus, "session:22")

    await closed.close()
    await closed.close()  # twice is harmless
    await bus.publish("session:22", b"after close")

    assert await next_message(open_) == Message("session:22", b"after close")


async def test_closing_the_bus_closes_every_subscription(bus: Bus) -> None:
    following_one = await following(bus, "session:23")
    following_none = bus.subscription()
    waiting = [
        asyncio.create_task(following_one.get()),
        asyncio.create_task(following_none.get()),
    ]
    await asyncio.sleep(0)  # let the readers start waiting: a yield, not a delay

    await bus.close()

    for task in waiting:
        with pytest.raises(BusClosed):
            await asyncio.wait_for(task, TIMEOUT)
    with pytest.raises(BusClosed):
        await following_one.add("session:24")
    with pytest.raises(BusClosed):
        bus.subscription()
    with pytest.raises(BusClosed):
        await bus.publish("session:23", b"too late")
    await following_one.close()  # closing after the bus is harmless
    await bus.close()  # and so is closing the bus twice


# -- slow readers -------------------------------------------------------------------


async def test_a_slow_reader_gets_lost_once_then_carries_on(bus: Bus) -> None:
    slow = await following(bus, "session:30", max_pending=3)
    # Delivered to in the same step as ``slow``: once it has the last message,
    # ``slow`` has been offered every one of them.
    witness = await following(bus, "session:30")

    for n in range(6):
        await bus.publish("session:30", f"event {n}".encode())
    for _ in range(6):
        await next_message(witness)

    assert await next_item(slow) == Lost()
    # What was queued before the overflow comes next; the reader skips what its
    # store read already covered.
    assert [await next_message(slow) for _ in range(3)] == [
        Message("session:30", f"event {n}".encode()) for n in range(3)
    ]
    await bus.publish("session:30", b"newer")
    assert await next_item(slow) == Message("session:30", b"newer")


async def test_a_reader_within_max_pending_never_gets_lost(bus: Bus) -> None:
    subscription = await following(bus, "session:31", max_pending=5)

    for n in range(5):
        await bus.publish("session:31", f"event {n}".encode())

    items = [await next_item(subscription) for _ in range(5)]
    assert items == [Message("session:31", f"event {n}".encode()) for n in range(5)]


async def test_one_slow_reader_does_not_hold_back_the_others(bus: Bus) -> None:
    slow = await following(bus, "session:32", max_pending=1)
    fast = await following(bus, "session:32", max_pending=1)

    for n in range(10):
        await bus.publish("session:32", f"event {n}".encode())
        assert await next_message(fast) == Message("session:32", f"event {n}".encode())

    assert await next_item(slow) == Lost()
    assert await next_message(slow) == Message("session:32", b"event 0")


# -- Redis: several processes -----------------------------------------------------


async def test_two_nodes_on_one_redis_hear_each_other(make_redis_bus: MakeRedisBus) -> None:
    node_a = await make_redis_bus()
    node_b = await make_redis_bus()
    on_a = await following(node_a, "session:40")
    on_b = await following(node_b, "session:40")

    await node_a.publish("session:40", b"from a")
    await node_b.publish("session:40", b"from b")

    # A node's own message reaches its subscribers at once, the other's through Redis:
    # across nodes there is no order (the gateway reads the store on a gap).
    for subscription in (on_a, on_b):
        received = {(await next_message(subscription)).data for _ in range(2)}
        assert received == {b"from a", b"from b"}


async def test_a_node_hears_its_own_messages_once_and_at_once(
    make_redis_bus: MakeRedisBus,
) -> None:
    node = await make_redis_bus()
    other = await make_redis_bus()
    on_node = await following(node, "session:43")
    on_other = await following(other, "session:43")

    await node.publish("session:43", b"mine")
    assert await next_message(on_node) == Message("session:43", b"mine")
    assert await next_message(on_other) == Message("session:43", b"mine")
    # Redis echoed "mine" to node before "marker": it was skipped, not delivered twice.
    await other.publish("session:43", b"marker")
    assert await next_message(on_node) == Message("session:43", b"marker")


async def test_namespaces_keep_deployments_apart(make_redis_bus: MakeRedisBus) -> None:
    ours = await make_redis_bus()
    theirs = await make_redis_bus(namespace=f"other-{uuid.uuid4().hex}:")
    subscription = await following(ours, "session:41")

    await theirs.publish("session:41", b"other deployment")
    await ours.publish("session:41", b"ours")

    assert await next_message(subscription) == Message("session:41", b"ours")


async def test_a_process_holds_one_redis_connection_and_one_subscription_per_channel(
    make_redis_bus: MakeRedisBus, redis_admin: Redis, namespace: str
) -> None:
    client_name = f"helpline-test-{uuid.uuid4().hex[:12]}"
    node = await make_redis_bus(client_name=client_name)
    redis_channel = f"{namespace}session:42"

    subscriptions = [await following(node, "session:42", f"rep:{n}") for n in range(50)]

    assert await _connections_named(redis_admin, client_name) == 1
    assert await _redis_subscribers(redis_admin, redis_channel) == 1

    for subscription in subscriptions:
        await subscription.close()
    # A SUBSCRIBE confirmed after the UNSUBSCRIBEs on the same connection proves
    # that Redis has handled them.
    await following(node, "barrier")
    assert await _redis_subscribers(redis_admin, redis_channel) == 0


async def test_a_dropped_redis_connection_yields_lost_then_delivery_resumes(
    make_redis_bus: MakeRedisBus, redis_admin: Redis
) -> None:
    client_name = f"helpline-test-{uuid.uuid4().hex[:12]}"
    node = await make_redis_bus(client_name=client_name)
    publisher = await make_redis_bus()
    first = await following(node, "session:50")
    second = await following(node, "session:50", "rep:50")
    await publisher.publish("session:50", b"before")
    assert await next_message(first) == Message("session:50", b"before")
    assert await next_message(second) == Message("session:50", b"before")

    await _kill_connections_named(redis_admin, client_name)

    # Lost comes when the link breaks, and again once every channel is subscribed
    # again, so what is published from then on arrives.
    for subscription in (first, second):
        assert await next_item(subscription) == Lost()
    await _until(lambda: node.connected)
    await publisher.publish("session:50", b"after")
    await publisher.publish("rep:50", b"rep after")
    assert await _next_message_past_lost(first) == Message("session:50", b"after")
    assert await _next_message_past_lost(second) == Message("session:50", b"after")
    assert await next_message(second) == Message("rep:50", b"rep after")


async def test_a_channel_added_around_a_reconnect_gets_its_messages_or_lost(
    make_redis_bus: MakeRedisBus, redis_admin: Redis
) -> None:
    client_name = f"helpline-test-{uuid.uuid4().hex[:12]}"
    node = await make_redis_bus(client_name=client_name)
    publisher = await make_redis_bus()
    await following(node, "session:51")

    await _kill_connections_named(redis_admin, client_name)
    late = await following(node, "session:52")
    await publisher.publish("session:52", b"maybe")

    item = await next_item(late)
    if isinstance(item, Lost):
        # add() returned while the link was down: the message may be gone, and
        # Lost said so (when the link broke, and again once the channel was
        # subscribed again).
        await _until(lambda: node.connected)
        await publisher.publish("session:52", b"surely")
        assert (await _next_message_past_lost(late)).channel == "session:52"
    else:
        assert item == Message("session:52", b"maybe")


async def test_a_bus_started_without_redis_serves_locally_and_says_what_is_wrong() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on that port any more.
    bus = RedisBus(f"redis://:secret@127.0.0.1:{port}/0", namespace=f"test-{uuid.uuid4().hex}:")

    await bus.start()
    try:
        subscription = await following(bus, "session:60")
        await bus.publish("session:60", b"local")
        assert await next_message(subscription) == Message("session:60", b"local")
        problem = bus.problem
        assert problem is not None
        assert f"127.0.0.1:{port}" in problem
        assert "Start or fix Redis" in problem
        assert "secret" not in problem
    finally:
        await bus.close()


async def test_a_bus_url_that_cannot_work_is_refused_at_start() -> None:
    bus = RedisBus("redis://127.0.0.1:notaport/0")

    with pytest.raises(BusUnavailable) as raised:
        await bus.start()

    assert "not usable" in str(raised.value)
    await bus.close()


async def _until(condition: Callable[[], bool]) -> None:
    async def holds() -> bool:
        return condition()

    await wait_until(holds, "the bus reconnecting", TIMEOUT)


async def _next_message_past_lost(subscription: Subscription) -> Message:
    while True:
        item = await next_item(subscription)
        if isinstance(item, Message):
            return item


async def _connections_named(admin: Redis, client_name: str) -> int:
    clients = await admin.client_list()
    return sum(1 for client in clients if client.get("name") == client_name)


async def _kill_connections_named(admin: Redis, client_name: str) -> None:
    """Drops the bus's subscribe connection, and only it: other tests may share Redis."""
    clients = await admin.client_list()
    ids = [client["id"] for client in clients if client.get("name") == client_name]
    assert ids, f"no Redis connection named {client_name}"
    for client_id in ids:
        await admin.client_kill_filter(_id=client_id)


async def _redis_subscribers(admin: Redis, redis_channel: str) -> int:
    [(_, count)] = await admin.pubsub_numsub(redis_channel)
    return int(count)
