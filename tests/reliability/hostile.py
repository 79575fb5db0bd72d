"""A hostile HTTP server on loopback: each test scripts what it sends, byte by byte.

Not the emulator: a server that lies, drips, bombs and echoes. ``HostileServer.route``
maps a path to a function that gets the parsed request and a ``Reply`` to write raw bytes
with (status line, headers, body, pauses, a cut connection). Every request is recorded.
One connection per request (``Connection: close``), so nothing is pooled between replies.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

KEY_ID = "hostile-key-id"
KEY_SECRET = "hostile-key-secret-Jq7xPz2VbN4mW8rT"  # pragma: allowlist secret
TOKEN = "hostile-bearer-token-5hG8kL2mN9pQ4rS7"  # pragma: allowlist secret
PROJECT = "proj-hostile"
TOKEN_PATH = "/oauth2/token"


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Reply:
    """Writes a response to the socket, raw: the hostile parts are the point."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sent = 0

    def raw(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
            self.sent += len(data)
        except OSError:
            pass  # the client went away

    def head(self, status: int, headers: dict[str, str] | None = None) -> None:
        lines = [f"HTTP/1.1 {status} X"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        lines += ["Connection: close", "", ""]
        self.raw("\r\n".join(lines).encode("latin-1"))

    def json(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.head(
            status,
            {
                "Content-Type": "application/json",
                "Content-Length": str(len(body)),
                **(headers or {}),
            },
        )
        self.raw(body)

    def stream(self, status: int, chunks: Iterator[bytes], headers: dict[str, str]) -> None:
        """A body of unknown length (read until the connection closes)."""
        self.head(status, {"Content-Type": "application/json", **headers})
        for chunk in chunks:
            self.raw(chunk)
            if self.sent and self._gone():
                return

    def _gone(self) -> bool:
        # TLS cannot peek: read instead (the client sends nothing more after its request)
        flags = 0 if isinstance(self.sock, ssl.SSLSocket) else socket.MSG_PEEK
        try:
            self.sock.setblocking(False)
            try:
                return self.sock.recv(1, flags) == b""
            except (BlockingIOError, ssl.SSLWantReadError):
                return False
            finally:
                self.sock.setblocking(True)
        except OSError:
            return True


Handler = Callable[[Seen, Reply], None]


def token_ok(seen: Seen, reply: Reply) -> None:
    """A well-behaved token endpoint."""
    reply.json(
        200,
        b'{"access_token": "' + TOKEN.encode() + b'", "expires_in": 3599, "token_type": "bearer"}',
    )


@dataclass
class HostileServer:
    """The routes a test scripted, and what was asked of them."""

    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def count(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path.split("?")[0] == path)


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            body += sock.recv(65536)
        seen = Seen(method, path, headers, body)
        hostile = self.server.hostile
        hostile.seen.append(seen)
        handler = hostile.routes.get(path.split("?")[0])
        reply = Reply(sock)
        if handler is None:
            reply.json(
                404, b'{"error": {"code": 404, "message": "no route", "status": "NOT_FOUND"}}'
            )
        else:
            handler(seen, reply)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    hostile: HostileServer
    tls: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:  # the handshake in the handler's thread, not the accept loop
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except OSError:  # ssl.SSLError included: a client that refused our certificate
            return
        try:
            super().finish_request(wrapped, client_address)
        finally:
            wrapped.close()


@contextmanager
def hostile_server(tls: ssl.SSLContext | None = None) -> Iterator[HostileServer]:
    """Serve on 127.0.0.1 (a free port) until the block ends; over TLS with ``tls``."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.tls = tls
    hostile = HostileServer()
    server.hostile = hostile
    scheme = "https" if tls is not None else "http"
    hostile.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    hostile.route(TOKEN_PATH, token_ok)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield hostile
    finally:
        server.shutdown()
        server.server_close()


def gzip_bomb(decoded_mib: int) -> bytes:
    """A gzip body that inflates to ``decoded_mib`` MiB of zeros (about 1000 to 1), built
    without ever holding the inflated size."""
    squeeze = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1 << 20)
    parts = [squeeze.compress(zeros) for _ in range(decoded_mib)]
    parts.append(squeeze.flush())
    return b"".join(parts)


def drip(byte: bytes = b" ", every: float = 0.05, forever: bool = True) -> Iterator[bytes]:
    """One byte at a time, with a pause between."""
    while forever:
        time.sleep(every)
        yield byte
