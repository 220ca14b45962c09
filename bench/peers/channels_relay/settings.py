"""Django settings of the Channels peer: nothing but a channel layer on the local Redis."""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["daphne", "channels"]
ROOT_URLCONF = "bench.peers.channels_relay.urls"
ASGI_APPLICATION = "bench.peers.channels_relay.asgi.application"
USE_TZ = True
DATABASES: dict[str, object] = {}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")],
            "prefix": os.environ.get("BENCH_REDIS_PREFIX", "bench-asgi"),
            "capacity": 10_000,
            "expiry": 30,
        },
    }
}
