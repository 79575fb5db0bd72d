"""A minimal ASGI app serving an :class:`Emulator` over real HTTP.

The ASGI server (uvicorn) parses HTTP; this app only rebuilds an ``httpx.Request`` from the
scope (the RAW path, so percent-encoding survives) and hands it to ``Emulator.dispatch``.
Faults are carried out the network way: latency is an ``asyncio.sleep`` (cut short if the
client goes away), a drop sends a short body under a larger ``Content-Length`` and returns,
so the server aborts the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

if TYPE_CHECKING:
    from sinch_keys.testing._emulator import Emulator

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: How long a ``Fault(timeout=True)`` without ``latency`` holds the response over HTTP.
DEFAULT_HOLD_SECONDS = 30.0


class EmulatorApp:
    """ASGI 3 app for ``emulator``; serve it with any ASGI server.

    Example::

        uvicorn.run(EmulatorApp(Emulator()), host="127.0.0.1", port=8080)
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        request = _to_httpx(scope, bytes(body))
        outcome = self.emulator.dispatch(request)
        response = outcome.response
        if outcome.timeout:
            hold = outcome.delay or DEFAULT_HOLD_SECONDS
            if await _sleep_unless_disconnected(receive, hold):
                return
        elif outcome.delay > 0 and await _sleep_unless_disconnected(receive, outcome.delay):
            return
        headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"]
        content = outcome.content
        if outcome.drop or outcome.refuse:  # over HTTP the connection exists: refuse = drop
            # Promise more than we send, send half, and return: the server must then abort
            # the connection, which the client sees as a body cut short.
            headers.append((b"content-length", str(len(content) + 16).encode()))
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": headers}
            )
            await send(
                {
                    "type": "http.response.body",
                    "body": content[: len(content) // 2],
                    "more_body": True,
                }
            )
            return
        headers.append((b"content-length", str(len(content)).encode()))
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        await send({"type": "http.response.body", "body": content})


def _to_httpx(scope: Scope, body: bytes) -> httpx.Request:
    raw_path: bytes = scope.get("raw_path") or quote(scope["path"]).encode()
    query: bytes = scope.get("query_string", b"")
    server = scope.get("server") or ("127.0.0.1", 80)
    target = raw_path + (b"?" + query if query else b"")
    url = f"http://{server[0]}:{server[1]}{target.decode('latin-1')}"
    return httpx.Request(scope["method"], url, headers=list(scope["headers"]), content=body)


async def _sleep_unless_disconnected(receive: Receive, seconds: float) -> bool:
    """Sleep ``seconds``; return True early if the client disconnects meanwhile."""

    async def wait_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(wait_disconnect())
    sleeper = asyncio.ensure_future(asyncio.sleep(seconds))
    done, pending = await asyncio.wait({watcher, sleeper}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return watcher in done


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
