"""A uvicorn WebSocket protocol that lets the app write ready-made frames to the socket.

ASGI sends one message per `send` call, through Starlette's and uvicorn's layers: about 15 us of
Python a client before the socket write itself. For the broadcast of an engine event to a
hundred clients that is most of the fan-out. `FramedWebSocketProtocol` is uvicorn's own sans-I/O
protocol plus one ASGI extension, `transmission.frames`: its `writer` writes bytes that are
already a WebSocket frame straight to the transport, so the connection manager frames an event
once (`text_frame`) and hands the same bytes to every socket.

The extension is only offered on connections this protocol serves (`transmission serve`, or
uvicorn with `--ws transmission.api.frames:FramedWebSocketProtocol`); elsewhere the manager sends
through plain ASGI. Both paths put the same bytes on the wire: unmasked, unfragmented text frames,
which are valid with or without per-message deflate (RFC 7692 lets a sender leave any message
uncompressed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

FRAMES = "transmission.frames"  # the ASGI scope extension's name


def text_frame(text: str) -> bytes:
    """`text` as one server-to-client WebSocket text frame."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class FrameWriter(Protocol):
    """What the `transmission.frames` extension offers (`scope["extensions"][FRAMES]["writer"]`)."""

    def write_frame(self, frame: bytes) -> bool:
        """Write whole frames; False (nothing written) once the connection is closing."""
        ...

    def buffered(self) -> int:
        """Bytes written that the socket has not taken yet."""
        ...


def frame_writer(scope: Mapping[str, Any]) -> FrameWriter | None:
    """The connection's frame writer, when its server offers one."""
    extension = scope.get("extensions", {}).get(FRAMES)
    return extension.get("writer") if isinstance(extension, dict) else None


class FramedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, offering the `transmission.frames` extension.

    Frames written this way and the protocol's own (pongs, pings, close) go through the same
    transport from the event loop's thread, so they reach the client whole and in order.
    """

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if not self.close_sent:  # an upgrade the app will see: its task has not run yet
            self.scope["extensions"][FRAMES] = {"writer": self}

    def write_frame(self, frame: bytes) -> bool:
        if (
            self.close_sent
            or self.disconnected
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True

    def buffered(self) -> int:
        return int(self.transport.get_write_buffer_size())
