"""The async client's own transport: requests queue in front of httpcore's pool, not inside it.

httpcore's async pool hands every waiting request to the first idle connection at once; all
but one then find it taken and go round again, and each round re-scans every waiting request
against every connection. With 200 tasks on a pool of 20 that costs more CPU than the requests
themselves (benchmarks/results.md, fan-out). :class:`FifoAsyncTransport` lets one request at a
time wait inside the pool; the others wait their turn in an ``asyncio.Lock``, first come first
served. A request gives up its turn as soon as it has a connection (its first write, or the
connect of a new one), so connections are still opened and used in parallel up to the pool's
limit.

A module of its own because it imports asyncio, which a sync-only program never loads. Public
APIs only, as the sync transport (sinch_keys/_transport.py), whose error mapping and request
conversion it shares.

Example::

    pool = httpx.AsyncClient(transport=FifoAsyncTransport(limits=DEFAULT_LIMITS))
"""

from __future__ import annotations

import asyncio
import contextvars
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx

from sinch_keys._transport import as_httpx_errors, core_request

# -- async: one request at a time waits inside the pool ---------------------------------------


class _Turn:
    """A request's turn to wait inside httpcore's pool, held until it has a connection."""

    __slots__ = ("_lock",)

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock: asyncio.Lock | None = lock

    def end(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


# httpcore runs a request's connect and writes in the task that sent it, so the turn travels
# with the task, and the backend below ends it at the first sign of a connection
_turn: contextvars.ContextVar[_Turn | None] = contextvars.ContextVar(
    "sinch_keys_pool_turn", default=None
)


def _has_connection() -> None:
    turn = _turn.get()
    if turn is not None:
        turn.end()


class _TurnEndingStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _has_connection()  # an idle connection reused: the request is on it
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        tls = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        return _TurnEndingStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _TurnEndingBackend(httpcore.AsyncNetworkBackend):
    """httpcore's asyncio sockets; connecting or writing ends the current request's turn."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        _has_connection()  # a new connection of its own: the next request may open another
        stream = await self._backend.connect_tcp(
            host, port, timeout, local_address=local_address, socket_options=socket_options
        )
        return _TurnEndingStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        _has_connection()
        stream = await self._backend.connect_unix_socket(
            path, timeout, socket_options=socket_options
        )
        return _TurnEndingStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with as_httpx_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            with as_httpx_errors():
                await aclose()


class FifoAsyncTransport(httpx.AsyncBaseTransport):
    """An HTTP/1.1 connection pool like httpx's default async one, in front of which requests
    wait their turn: one at a time waits inside the pool for a connection, the others in
    arrival order, so a burst of tasks costs no more CPU per request than a single one.

    The pool timeout covers the whole wait, in the queue and in the pool.

    Example::

        httpx.AsyncClient(transport=FifoAsyncTransport(limits=httpx.Limits()))
    """

    def __init__(self, *, limits: httpx.Limits) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_TurnEndingBackend(),
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue = asyncio.Lock()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        queue, extensions = await self._wait_turn(request.extensions)
        turn = _Turn(queue)
        outer = _turn.set(turn)
        try:
            with as_httpx_errors():
                answer = await self._pool.handle_async_request(core_request(request, extensions))
        finally:
            turn.end()
            _turn.reset(outer)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_AsyncBody(answer.stream),  # type: ignore[arg-type] # an async pool
            extensions=answer.extensions,
        )

    async def _wait_turn(self, extensions: dict[str, Any]) -> tuple[asyncio.Lock, dict[str, Any]]:
        """Take the turn to wait inside the pool, within the request's pool timeout; the
        extensions to send with, whose pool timeout is what the wait left of it."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a lock belongs to one event loop
            self._loop, self._queue = loop, asyncio.Lock()
        queue = self._queue
        if not queue.locked():
            await queue.acquire()  # free: returns at once
            return queue, extensions
        timeouts = extensions.get("timeout", {})
        limit = timeouts.get("pool")
        started = loop.time()
        try:
            async with asyncio.timeout(limit):
                await queue.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("timed out waiting for a connection") from None
        if limit is not None:
            left = limit - (loop.time() - started)
            if left <= 0:
                queue.release()
                raise httpx.PoolTimeout("timed out waiting for a connection")
            extensions = {**extensions, "timeout": {**timeouts, "pool": left}}
        return queue, extensions

    async def aclose(self) -> None:
        with as_httpx_errors():
            await self._pool.aclose()
