"""The HTTP API, the WebSocket gateway and the service layer they share."""
