"""The sync pool's sockets stop waiting at the call's deadline (sinch_keys/_transport.py).

Unit level, on a recording fake socket and an injected clock: what wait each socket operation
is given, and what a timeout there becomes. The end-to-end proof against a server that drips
its headers is in tests/reliability/test_hostile_server.py.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import pytest

from sinch_keys._deadline import Deadline, DeadlineExceeded
from sinch_keys._deadline import current as deadline_var
from sinch_keys._transport import DeadlineStream, as_httpx_errors


class FakeSocket(httpcore.NetworkStream):
    """Records the timeout of each operation; raises ``fail`` when given one."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.waits: list[float | None] = []
        self.fail = fail

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.waits.append(timeout)
        if self.fail is not None:
            raise self.fail
        return b"x"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.waits.append(timeout)
        if self.fail is not None:
            raise self.fail

    def start_tls(self, ssl_context: Any, server_hostname: Any = None, timeout: Any = None) -> Any:
        self.waits.append(timeout)
        if self.fail is not None:
            raise self.fail
        return self


NOW = 100.0


@pytest.fixture
def deadline_at_103() -> Iterator[None]:
    token = deadline_var.set(Deadline(5.0, at=NOW + 3.0))
    yield
    deadline_var.reset(token)


def stream(inner: FakeSocket) -> DeadlineStream:
    return DeadlineStream(inner, clock=lambda: NOW)


def test_without_a_deadline_the_timeout_is_untouched() -> None:
    inner = FakeSocket()
    s = stream(inner)
    s.read(10, 30.0)
    s.write(b"x", None)
    assert inner.waits == [30.0, None]


@pytest.mark.usefixtures("deadline_at_103")
def test_each_wait_ends_at_the_deadline() -> None:
    inner = FakeSocket()
    s = stream(inner)
    s.read(10, 30.0)
    s.read(10, None)
    s.write(b"x", 1.0)  # shorter than the time left: kept
    s.start_tls(None, "h", 30.0)
    assert inner.waits == [3.0, 3.0, 1.0, 3.0]


@pytest.mark.usefixtures("deadline_at_103")
@pytest.mark.parametrize(
    ("operation", "timeout_kind"),
    [
        ("read", httpcore.ReadTimeout),
        ("write", httpcore.WriteTimeout),
        ("start_tls", httpcore.ConnectTimeout),
    ],
)
def test_a_timeout_at_the_deadline_is_the_deadline(operation: str, timeout_kind: type) -> None:
    s = stream(FakeSocket(fail=timeout_kind("timed out")))
    args = {"read": (10, 30.0), "write": (b"x", 30.0), "start_tls": (None, "h", 30.0)}
    with pytest.raises(DeadlineExceeded):
        getattr(s, operation)(*args[operation])


@pytest.mark.usefixtures("deadline_at_103")
def test_a_timeout_shorter_than_the_deadline_stays_a_timeout() -> None:
    s = stream(FakeSocket(fail=httpcore.ReadTimeout("timed out")))
    with pytest.raises(httpcore.ReadTimeout):
        s.read(10, 1.0)


def test_past_the_deadline_nothing_waits() -> None:
    inner = FakeSocket()
    token = deadline_var.set(Deadline(5.0, at=NOW - 0.001))
    try:
        with pytest.raises(DeadlineExceeded):
            stream(inner).read(10, 30.0)
    finally:
        deadline_var.reset(token)
    assert inner.waits == []


def httpcore_errors() -> list[type[Exception]]:
    errors = [
        kind
        for _, kind in inspect.getmembers(httpcore, inspect.isclass)
        if issubclass(kind, Exception)
        and kind.__module__.startswith("httpcore")
        # the pool's own signal to try another connection: it never leaves handle_request
        and kind is not httpcore.ConnectionNotAvailable
    ]
    assert len(errors) > 10  # httpcore exports its errors at the top level
    return errors


@pytest.mark.parametrize("kind", httpcore_errors(), ids=lambda k: k.__name__)
def test_httpcore_errors_become_httpx_errors_of_the_same_kind(kind: type[Exception]) -> None:
    """The retry loop judges delivery by httpx's exception classes: each httpcore error must
    arrive as the most specific httpx error (a ConnectError is 'not sent', a ReadError is
    'unknown')."""
    with pytest.raises(httpx.TransportError) as caught, as_httpx_errors():
        raise kind("boom")
    assert type(caught.value).__name__ == kind.__name__
    assert str(caught.value) == "boom"


def test_other_errors_pass_through() -> None:
    with pytest.raises(DeadlineExceeded), as_httpx_errors():
        raise DeadlineExceeded


def test_a_sync_client_with_its_own_transport_never_loads_asyncio() -> None:
    """The async transport lives in a module of its own: building the sync pool (and its
    transport) must not import asyncio into a program that never runs an event loop."""
    program = (
        "import os, sys\n"
        "for name in list(os.environ):\n"
        "    if name.lower().endswith('_proxy'): del os.environ[name]\n"
        "from sinch_keys import SinchKeys\n"
        "from sinch_keys._transport import DeadlineTransport\n"
        "client = SinchKeys(project_id='p', key_id='k', key_secret='s')\n"
        "assert isinstance(client._http._transport, DeadlineTransport)\n"
        "print(sorted(m for m in sys.modules if m == 'asyncio' or m.startswith('asyncio.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
