"""WebSocket clients for the latency benchmark that stay off the CPU while the server sends.

The benchmark's 100 clients share a 2-core machine with the server. `websockets` clients in an
asyncio loop wake up for every frame of every connection, parse it and hand it to a task: per
event, about as much CPU as the server's whole fan-out, taken from the server while it fans out
(measured: the clients' wake-ups and the server's run-queue delay moved together). Remote clients
would cost the server nothing of the kind.

These clients instead read lazily: every `period_s` they drain whatever their sockets hold, and
date each frame by its kernel receive time (`SO_TIMESTAMPNS`, Linux: when the bytes reached the
client's socket, whatever the client was doing). A read that takes several frames at once dates
them all by the last one's arrival, which can only overstate a latency. Where the kernel gives no
time, the read time is used (`stamped_by` says which).

Each client is a plain socket: an HTTP upgrade, then the server's frames (unmasked, unfragmented
text frames, as uvicorn sends them; no extension is offered, so no per-message deflate) parsed as
they are read; pings are answered, so the server's keep-alive does not close the connection.
"""

from __future__ import annotations

import base64
import os
import selectors
import socket
import struct
import sys
import time

_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA
# Linux's value where the socket module does not name it.
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35 if sys.platform == "linux" else None)


class FrameReader:
    """One connection; `frames` holds `(arrival ns, payload)` of every text frame read."""

    def __init__(self, host: str, port: int, path: str, timeout_s: float = 10.0) -> None:
        sock = socket.create_connection((host, port), timeout=timeout_s)
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection during the handshake")
            reply += chunk
        if not reply.startswith(b"HTTP/1.1 101"):
            sock.close()
            raise ConnectionError(f"refused: {reply[:200].decode('latin-1')}")
        self.kernel_stamps = False
        if _SO_TIMESTAMPNS is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
                self.kernel_stamps = True
            except OSError:
                pass
        sock.setblocking(False)
        self.sock = sock
        self.frames: list[tuple[int, bytes]] = []
        self.open = True
        self._buffer = bytearray(reply[reply.index(b"\r\n\r\n") + 4 :])

    def read(self) -> None:
        """Take whatever the socket holds."""
        while self.open:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(1 << 18, socket.CMSG_SPACE(16))
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.open = False
                return
            if not data:
                self.open = False
                return
            arrived = time.time_ns()
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(value) >= 16:
                    seconds, nanoseconds = struct.unpack("qq", value[:16])
                    arrived = seconds * 1_000_000_000 + nanoseconds
            self._buffer += data
            self._parse(arrived)

    def close(self) -> None:
        self.open = False
        self.sock.close()

    def _parse(self, arrived: int) -> None:
        buffer = self._buffer
        start = 0
        while len(buffer) - start >= 2:
            first, second = buffer[start], buffer[start + 1]
            if second & 0x80 or not first & 0x80:
                raise ConnectionError("expected an unmasked, unfragmented server frame")
            length, head = second & 0x7F, 2
            if length == 126:
                if len(buffer) - start < 4:
                    break
                (length,), head = struct.unpack_from("!H", buffer, start + 2), 4
            elif length == 127:
                if len(buffer) - start < 10:
                    break
                (length,), head = struct.unpack_from("!Q", buffer, start + 2), 10
            end = start + head + length
            if len(buffer) < end:
                break
            opcode, payload = first & 0x0F, bytes(buffer[start + head : end])
            if opcode == _TEXT:
                self.frames.append((arrived, payload))
            elif opcode == _PING:
                self._send(_PONG, payload)
            elif opcode == _CLOSE:
                self.open = False
            start = end
        del buffer[:start]

    def _send(self, opcode: int, payload: bytes) -> None:
        # Client frames are masked (RFC 6455 5.3); control payloads are under 126 bytes.
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


class Readers:
    """Connections read together every `period_s`, without waking up for each frame."""

    def __init__(self, readers: list[FrameReader], period_s: float = 0.005) -> None:
        self.readers = readers
        self.period_s = period_s
        self._selector = selectors.DefaultSelector()
        for reader in readers:
            self._selector.register(reader.sock, selectors.EVENT_READ, reader)

    @property
    def stamped_by(self) -> str:
        kernel = all(reader.kernel_stamps for reader in self.readers)
        return "kernel receive time" if kernel else "read time"

    def poll(self) -> None:
        """Sleep one period, then read every socket that holds data."""
        time.sleep(self.period_s)
        for key, _ in self._selector.select(0):
            reader: FrameReader = key.data
            reader.read()
            if not reader.open:
                self._selector.unregister(reader.sock)

    def close(self) -> None:
        self._selector.close()
        for reader in self.readers:
            reader.close()
