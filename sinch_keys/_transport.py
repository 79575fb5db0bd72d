"""The sync client's own transport: httpcore's pool on sockets that never wait past the
deadline of the call in progress.

httpcore gives each socket read the request's read timeout afresh, so a server that sends a
byte of its headers every second keeps a blocked sync ``send`` alive for ever, and nothing
outside the thread can interrupt it. :class:`DeadlineTransport` plugs a network backend into
httpcore's public ``network_backend`` hook whose reads, writes and connects wait at most until
the deadline of :data:`sinch_keys._deadline.current`; past it they raise ``DeadlineExceeded``,
which httpx and httpcore let through (after closing the connection), and the retry loop reports
as :class:`~sinch_keys.APITimeoutError`. The async client needs none of this: it cancels the
whole attempt (its own transport, in sinch_keys/_async_transport.py, does something else).

httpx's transports take no network backend, so this is a small transport of its own on public
APIs only: httpcore's pool and backend, ``httpx.create_ssl_context`` for TLS (the same context,
environment included, as httpx's default) and httpx's exception classes, found by the name
httpcore gives them. The last two, and the request conversion, serve both transports.

Example::

    pool = httpx.Client(transport=DeadlineTransport(limits=DEFAULT_LIMITS, clock=time.monotonic))
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Callable, Iterable, Iterator
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
def as_httpx_errors() -> Iterator[None]:
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


def core_request(request: httpx.Request, extensions: dict[str, Any]) -> httpcore.Request:
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
        with as_httpx_errors():
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
        with as_httpx_errors():
            answer = self._pool.handle_request(core_request(request, request.extensions))
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),  # type: ignore[arg-type] # a sync pool: Iterable
            extensions=answer.extensions,
        )

    def close(self) -> None:
        with as_httpx_errors():
            self._pool.close()
