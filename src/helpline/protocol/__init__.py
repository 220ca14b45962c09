"""docs/protocol.md's WebSocket frames as declared types, shared by the server and the
Helpline agent so that neither can drift from the other or from the document.

Types only (msgspec structs), no I/O: it imports nothing of ours but ``domain``.
"""
