"""The clients' own transports: httpcore's pool, with what httpx's default transport lacks.

**Sync: sockets that never wait past the deadline.** httpcore gives each socket read the
request's read timeout afresh, so a server that sends a byte of its headers every second keeps a
blocked sync ``send`` alive for ever, and nothing outside the thread can interrupt it.
:class:`DeadlineTransport` plugs a network backend into httpcore's public ``network_backend``
hook whose reads, writes and connects wait at most until the deadline of
:data:`sinch_keys._deadline.current`; past it they raise ``DeadlineExceeded``, which httpx and
httpcore let through (after closing the connection), and the retry loop reports as
:class:`~sinch_keys.APITimeoutError`. The async client needs none of this: it cancels the whole
attempt.

**Async: requests queue in front of the pool, not inside it.** httpcore's async pool hands
every waiting request to the first idle connection at once; all but one then find it taken and
go round again, and each round re-scans every waiting request against every connection. With
200 tasks on a pool of 20 that costs more CPU than the requests themselves (benchmarks/
results.md, fan-out). :class:`FifoAsyncTransport` lets one request at a time wait inside the
pool; the others wait their turn in an ``asyncio.Lock``, first come first served. A request
gives up its turn as soon as it has a connection (its first write, or the connect of a new
one), so connections are still opened and used in parallel up to the pool's limit.

httpx's transports take no network backend, so these are small transports of their own on
public APIs only: httpcore's pools and backends, ``httpx.create_ssl_context`` for TLS (the same
context, environment included, as httpx's default) and httpx's exception classes, found by the
name httpcore gives them.

Example::

    pool = httpx.Client(transport=DeadlineTransport(limits=DEFAULT_LIMITS, clock=time.monotonic))
    pool = httpx.AsyncClient(transport=FifoAsyncTransport(limits=DEFAULT_LIMITS))
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any, TypeVar

import httpcore
import httpx

from sinch_keys._deadline import DeadlineExceeded
from sinch_keys._deadline import current as deadline_var

Clock = Callable[[], float]
T = TypeVar("T")


def _within_deadline(
    clock: Clock, operation: Callable[..., T], timeout: float | None, *args: Any, **kwargs: Any
) -> T:
    """``operation(*args, timeout=...)``, one socket operation, waiting no longer than the
    current call's deadline: its timeout is capped at the time left, and a timeout caused by
    that cap is the deadline's (``DeadlineExceeded``), not the socket's."""
    deadline = deadline_var.get()
    if deadline is None:
        return operation(*args, timeout=timeout, **kwargs)
    left = deadline.at - clock()
    if left <= 0:
        raise DeadlineExceeded
    if timeout is not None and timeout <= left:
        return operation(*args, timeout=timeout, **kwargs)
    try:
        return operation(*args, timeout=left, **kwargs)
    except httpcore.TimeoutException:
        raise DeadlineExceeded from None


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose every wait ends at the current call's deadline.

    Example::

        stream = DeadlineStream(httpcore.SyncBackend().connect_tcp("127.0.0.1", 80), clock)
    """

    def __init__(self, stream: httpcore.NetworkStream, clock: Clock) -> None:
        self._stream = stream
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _within_deadline(self._clock, self._stream.read, timeout, max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _within_deadline(self._clock, self._stream.write, timeout, buffer)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        start = self._stream.start_tls
        tls = _within_deadline(self._clock, start, timeout, ssl_context, server_hostname)
        return DeadlineStream(tls, self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's sync sockets, each a :class:`DeadlineStream`.

    Example::

        httpcore.ConnectionPool(network_backend=DeadlineBackend(time.monotonic))
    """

    def __init__(self, clock: Clock) -> None:
        self._backend = httpcore.SyncBackend()
        self._clock = clock

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = _within_deadline(
            self._clock,
            self._backend.connect_tcp,
            timeout,
            host,
            port,
            local_address=local_address,
            socket_options=socket_options,
        )
        return DeadlineStream(stream, self._clock)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = _within_deadline(
            self._clock,
            self._backend.connect_unix_socket,
            timeout,
            path,
            socket_options=socket_options,
        )
        return DeadlineStream(stream, self._clock)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    """Raise httpcore's errors as httpx's of the same name (httpx's own transport does the
    same mapping; its exception classes mirror httpcore's one for one)."""
    try:
        yield
    except Exception as exc:
        for kind in type(exc).__mro__:
            if kind.__module__.startswith("httpcore"):
                mapped = getattr(httpx, kind.__name__, None)
                if isinstance(mapped, type) and issubclass(mapped, httpx.TransportError):
                    raise mapped(str(exc)) from exc
        raise


def _core_request(request: httpx.Request, extensions: dict[str, Any]) -> httpcore.Request:
    url = request.url
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
        ),
        headers=request.headers.raw,
        content=request.stream,
        extensions=extensions,
    )


class _Body(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes]) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors():
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """An HTTP/1.1 connection pool like httpx's default one whose sockets stop waiting at the
    current call's deadline (a drip of headers cannot hold a sync call).

    Example::

        httpx.Client(transport=DeadlineTransport(limits=httpx.Limits(), clock=time.monotonic))
    """

    def __init__(self, *, limits: httpx.Limits, clock: Clock) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=DeadlineBackend(clock),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with _as_httpx_errors():
            answer = self._pool.handle_request(_core_request(request, request.extensions))
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),  # type: ignore[arg-type] # a sync pool: Iterable
            extensions=answer.extensions,
        )

    def close(self) -> None:
        with _as_httpx_errors():
            self._pool.close()


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
        with _as_httpx_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            with _as_httpx_errors():
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
            with _as_httpx_errors():
                answer = await self._pool.handle_async_request(_core_request(request, extensions))
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
        with _as_httpx_errors():
            await self._pool.aclose()
