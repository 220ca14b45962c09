"""The Django Channels peer: a room per session, every frame group-sent through Redis
to the room's other socket. Run: daphne bench.peers.channels_relay.asgi:application"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peers.channels_relay.settings")

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application
from django.urls import path

http = get_asgi_application()


class Relay(AsyncWebsocketConsumer):  # type: ignore[misc]
    async def connect(self) -> None:
        self.room = "r" + self.scope["url_route"]["kwargs"]["room"].replace("-", "")
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(
            self.room, {"type": "relay.frame", "text": text_data, "from": self.channel_name}
        )

    async def relay_frame(self, event: dict[str, str]) -> None:
        if event["from"] != self.channel_name:
            await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": URLRouter([path("ws/relay/<str:room>/", Relay.as_asgi())]),
    }
)
