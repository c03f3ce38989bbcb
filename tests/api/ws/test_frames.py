"""The contract with uvicorn's private WebSocket protocol that the framed fast path extends.

`test_installed_uvicorn_offers_every_private_name_the_frames_fast_path_uses` is the one that
fails when an upgrade of uvicorn changes that surface: then read `api/ws/frames.py` against the
new uvicorn before raising the floor in pyproject.
"""

from __future__ import annotations

import os
import subprocess
import sys

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from tests.samples import ROOT
from transmission.api.ws import frames


def test_installed_uvicorn_offers_every_private_name_the_frames_fast_path_uses():
    assert frames.surface_gaps(WebSocketsSansIOProtocol) == []
    assert frames.FRAMES_SUPPORTED and frames.uvicorn_ws() is frames.FramedWebSocketProtocol


def test_a_protocol_that_never_sets_disconnected_is_reported_as_a_gap():
    # uvicorn 0.35-0.51: the sans-I/O protocol exists, but without `disconnected`.
    class Older:
        def __init__(self) -> None:
            self.close_sent = False
            self.conn = None
            self.scope: dict[str, object] = {}

        def connection_made(self, transport: object) -> None:
            self.transport = transport

        def handle_connect(self, event: object) -> None: ...

    assert frames.surface_gaps(Older) == ["attribute disconnected"]


def test_a_protocol_without_handle_connect_is_reported_as_a_gap():
    assert "method handle_connect" in frames.surface_gaps(object)


def test_without_the_sansio_protocol_the_api_falls_back_to_plain_asgi_with_one_log_line():
    # uvicorn before 0.35 has no sans-I/O module: importing the app must still work.
    script = (
        "import sys; sys.modules['uvicorn.protocols.websockets.websockets_sansio_impl'] = None\n"
        "import logging; logging.basicConfig(level=logging.WARNING, format='%(message)s')\n"
        "from transmission.api.main import UVICORN_OPTIONS\n"
        "from transmission.api.ws import frames\n"
        "print(UVICORN_OPTIONS['ws'], frames.FRAMES_SUPPORTED)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["auto", "False"]
    warnings = [line for line in done.stderr.splitlines() if "plain ASGI" in line]
    assert len(warnings) == 1
    assert "websockets_sansio_impl" in warnings[0]
