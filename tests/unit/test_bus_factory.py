"""The bus setting: which strings make which bus, and what a wrong one is told."""

from __future__ import annotations

import pytest

from helpline.bus.factory import create_bus
from helpline.bus.memory import MemoryBus
from helpline.bus.redis import RedisBus


@pytest.mark.parametrize("spec", ["memory", "MEMORY", " memory\n"])
def test_memory_makes_the_in_process_bus(spec: str) -> None:
    assert isinstance(create_bus(spec), MemoryBus)


@pytest.mark.parametrize(
    "spec",
    [
        "redis://127.0.0.1:6379/0",
        "redis://:secret@redis.internal:6380/2",
        "rediss://user:secret@redis.example.com:6379/0",
        "REDIS://localhost",
    ],
)
def test_a_redis_url_makes_the_redis_bus_without_connecting_yet(spec: str) -> None:
    bus = create_bus(spec)

    assert isinstance(bus, RedisBus)
    assert "secret" not in bus.url
    assert "secret" not in repr(bus)


def test_the_redis_bus_gets_the_namespace_it_is_given() -> None:
    default = create_bus("redis://localhost:6379/0")
    staging = create_bus("redis://localhost:6379/0", namespace="staging:")

    assert isinstance(default, RedisBus)
    assert default.namespace == "helpline:"
    assert isinstance(staging, RedisBus)
    assert staging.namespace == "staging:"


def test_the_memory_bus_ignores_the_namespace() -> None:
    assert isinstance(create_bus("memory", namespace="staging:"), MemoryBus)


@pytest.mark.parametrize(
    "spec",
    ["", "redis", "memory://", "kafka://broker:9092", "unix:///tmp/redis.sock", "Redis:/x"],
)
def test_anything_else_is_refused_with_the_two_accepted_forms(spec: str) -> None:
    with pytest.raises(ValueError) as raised:
        create_bus(spec)

    message = str(raised.value)
    assert "'memory'" in message
    assert "redis://" in message
    assert "rediss://" in message


def test_a_refused_url_does_not_echo_its_password() -> None:
    with pytest.raises(ValueError) as raised:
        create_bus("postgres://user:hunter2@db/helpline")

    assert "hunter2" not in str(raised.value)
