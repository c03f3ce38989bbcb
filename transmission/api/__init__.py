"""The REST + WebSocket API (FastAPI): `create_app`, `run_server`."""
