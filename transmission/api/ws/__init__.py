"""The WebSocket layer: the connection manager, the message protocol, the framed fast path.

The `/ws` route itself is among the routes (`api/routes/ws.py`).
"""
