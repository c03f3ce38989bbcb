"""A uvicorn WebSocket protocol that lets the app write ready-made frames to the socket.

ASGI sends one message per `send` call, through Starlette's and uvicorn's layers: about 15 us of
Python a client before the socket write itself. For the broadcast of an engine event to a
hundred clients that is most of the fan-out. `FramedWebSocketProtocol` is uvicorn's own sans-I/O
protocol plus one ASGI extension, `transmission.frames`: its `writer` writes bytes that are
already a WebSocket frame straight to the transport, so the connection manager frames an event
once (`text_frame`) and hands the same bytes to every socket.

The extension is only offered on connections this protocol serves (`transmission serve`, or
uvicorn with `--ws transmission.api.ws.frames:FramedWebSocketProtocol`); elsewhere the manager
sends through plain ASGI. Both paths put the same bytes on the wire: unmasked, unfragmented text
frames, which are valid with or without per-message deflate (RFC 7692 lets a sender leave any
message uncompressed).

The protocol it extends is private to uvicorn. `surface_gaps` checks, at import, that the
methods and attributes used here still exist; when one is missing (uvicorn 0.51 has no
`disconnected`; before 0.35 there is no sans-I/O protocol at all), the extension is not offered,
one log line says why, and every connection goes through plain ASGI (`uvicorn_ws()` is then
uvicorn's own choice). The contract test `tests/api/ws/test_frames.py` fails when that happens.
"""

from __future__ import annotations

import dis
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from websockets.frames import Frame, Opcode
from websockets.protocol import State

log = logging.getLogger("transmission.api.ws")

FRAMES = "transmission.frames"  # the ASGI scope extension's name
SANSIO_MODULE = "uvicorn.protocols.websockets.websockets_sansio_impl"
# What `FramedWebSocketProtocol` uses of uvicorn's private protocol.
PRIVATE_METHODS = ("handle_connect", "connection_made")
PRIVATE_ATTRIBUTES = ("close_sent", "disconnected", "conn", "transport", "scope")


def surface_gaps(protocol: type) -> list[str]:
    """What `protocol` lacks of the private surface used here (empty: all of it is there).

    Attributes count when some method of the class (or a base) assigns `self.<name>`.
    """
    gaps = [
        f"method {name}" for name in PRIVATE_METHODS if not callable(getattr(protocol, name, None))
    ]
    assigned: set[str] = set()
    for cls in protocol.__mro__:
        for value in vars(cls).values():
            code = getattr(value, "__code__", None)
            if code is not None:
                assigned.update(
                    i.argval for i in dis.get_instructions(code) if i.opname == "STORE_ATTR"
                )
    gaps += [f"attribute {name}" for name in PRIVATE_ATTRIBUTES if name not in assigned]
    return gaps


if TYPE_CHECKING:
    from uvicorn.protocols.websockets.websockets_sansio_impl import (
        WebSocketsSansIOProtocol as _Base,
    )
else:
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol as _Base,
        )
    except ImportError:  # uvicorn before 0.35: no sans-I/O protocol to extend
        _Base = object

GAPS = surface_gaps(_Base) if _Base is not object else [f"module {SANSIO_MODULE}"]
FRAMES_SUPPORTED = not GAPS
if GAPS:
    log.warning(
        "uvicorn's WebSocket protocol lacks %s: WebSocket events go through plain ASGI",
        ", ".join(GAPS),
    )


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


class FramedWebSocketProtocol(_Base):
    """uvicorn's sans-I/O WebSocket protocol, offering the `transmission.frames` extension
    (only when `FRAMES_SUPPORTED`: otherwise it is uvicorn's protocol unchanged).

    Frames written this way and the protocol's own (pongs, pings, close) go through the same
    transport from the event loop's thread, so they reach the client whole and in order.
    """

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if (
            FRAMES_SUPPORTED and not self.close_sent
        ):  # an upgrade the app will see: its task has not run yet
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


def uvicorn_ws() -> Any:
    """uvicorn's `ws` option: this protocol when its private surface is there, else "auto"."""
    return FramedWebSocketProtocol if FRAMES_SUPPORTED else "auto"
