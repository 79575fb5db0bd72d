"""Helpers of the reliability suite: one loopback HTTP server for the whole session (a fresh
emulator behind it per test), clients wired to it with injected sleep and clock, a driver that
runs the same operation on the sync or the async client, and socket accounting."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from sinch_keys import AsyncSinchKeys, SinchKeys
from sinch_keys.testing import Emulator

PROJECT = "proj-rel"
KEY_ID = "rel-bootstrap-key"
KEY_SECRET = "rel-bootstrap-secret-Zq8v2LmN4pX7tR1w"  # pragma: allowlist secret
TOKEN_PATH = "/oauth2/token"
FLAVOURS = ["sync", "async"]


class Clock:
    """A settable clock shared by the emulator and the client (token expiry). Thread-safe."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


class Switchboard:
    """What the HTTP server serves: it forwards each request to the emulator of the current
    test, so one uvicorn server (started once) serves a fresh emulator per test."""

    def __init__(self) -> None:
        self.current: Emulator | None = None

    def dispatch(self, request: httpx.Request) -> Any:
        emulator = self.current
        if emulator is None:
            raise RuntimeError("no emulator is plugged into the switchboard")
        return emulator.dispatch(request)


def new_emulator(clock: Clock, **overrides: Any) -> Emulator:
    settings: dict[str, Any] = {
        "project_id": PROJECT,
        "key_id": KEY_ID,
        "key_secret": KEY_SECRET,
        "seed": 11,
        "clock": clock,
    }
    settings.update(overrides)
    return Emulator(**settings)


class Live:
    """One test's view of the loopback server: its emulator, URLs, clock and recorded sleeps."""

    def __init__(self, emu: Emulator, url: str, clock: Clock) -> None:
        self.emu = emu
        self.url = url
        self.clock = clock
        self.sleeps: list[float] = []

    def settings(self, **overrides: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "project_id": self.emu.project_id,
            "key_id": self.emu.key_id,
            "key_secret": self.emu.key_secret,
            "base_url": self.url,
            "token_url": self.url + TOKEN_PATH,
            "timeout": 5.0,
            "clock": self.clock,
        }
        base.update(overrides)
        return base

    def sync_client(self, **overrides: Any) -> SinchKeys:
        return SinchKeys(sleep=self.sleeps.append, **self.settings(**overrides))

    def async_client(self, **overrides: Any) -> AsyncSinchKeys:
        sleeps = self.sleeps

        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        return AsyncSinchKeys(sleep=sleep, **self.settings(**overrides))

    def driver(self, flavour: str, **overrides: Any) -> Driver:
        return Driver(self, flavour, overrides)

    def names(self) -> list[str]:
        return [k["displayName"] for k in self.emu.keys()]


class Driver:
    """Runs one operation on a sync or an async client with the same call (the async client
    lives on one event loop, an ``asyncio.Runner``, for the driver's whole life)."""

    def __init__(self, live: Live, flavour: str, overrides: dict[str, Any]) -> None:
        self.flavour = flavour
        self._runner: asyncio.Runner | None = None
        self.client: SinchKeys | AsyncSinchKeys
        if flavour == "sync":
            self.client = live.sync_client(**overrides)
        else:
            self._runner = asyncio.Runner()
            self.client = self._runner.run(_make_async(live, overrides))

    def run(self, op: Callable[[Any], Any]) -> Any:
        """``op(client.access_keys)``: a value (sync) or a coroutine (async)."""
        if self._runner is None:
            return op(self.client.access_keys)
        return self._runner.run(_awaited(op(self.client.access_keys)))

    def get(self, key_id: str, **kwargs: Any) -> Any:
        return self.run(lambda keys: keys.get(key_id, **kwargs))

    def create(self, display_name: str, **kwargs: Any) -> Any:
        return self.run(lambda keys: keys.create(display_name=display_name, **kwargs))

    def update(self, key_id: str, display_name: str, **kwargs: Any) -> Any:
        return self.run(lambda keys: keys.update(key_id, display_name=display_name, **kwargs))

    def delete(self, key_id: str, **kwargs: Any) -> Any:
        return self.run(lambda keys: keys.delete(key_id, **kwargs))

    def rotate(self, key_id: str, **kwargs: Any) -> Any:
        return self.run(lambda keys: keys.rotate(key_id, **kwargs))

    def first_page(self, **kwargs: Any) -> Any:
        if self._runner is None:
            return next(iter(self.client.access_keys.list(**kwargs).pages()))

        async def first() -> Any:
            async for page in self.client.access_keys.list(**kwargs).pages():
                return page
            raise AssertionError("a pager yields at least one page")

        return self._runner.run(first())

    def close(self) -> None:
        if self._runner is None:
            assert isinstance(self.client, SinchKeys)
            self.client.close()
            return
        client = self.client
        assert isinstance(client, AsyncSinchKeys)
        try:
            self._runner.run(client.close())
        finally:
            self._runner.close()

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _make_async(live: Live, overrides: dict[str, Any]) -> AsyncSinchKeys:
    return live.async_client(**overrides)


async def _awaited(value: Any) -> Any:
    return await value


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else takes it), never
    listening, so a connect gets RST at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        sock.close()


# -- socket accounting ---------------------------------------------------------------------------


def _socket_inodes() -> set[int]:
    inodes: set[int] = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def open_socket_count() -> int:
    """Sockets this process has open (every fd that is a socket)."""
    return len(_socket_inodes())


def tcp_sockets_on_port(port: int) -> dict[str, int]:
    """This process's TCP sockets that involve ``port``: ``client`` (remote port == port),
    ``server`` (local port == port, not listening), ``listen``."""
    mine = _socket_inodes()
    counts = {"client": 0, "server": 0, "listen": 0}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
            if inode not in mine or inode == 0:
                continue
            local_port = int(local.rsplit(":", 1)[1], 16)
            remote_port = int(remote.rsplit(":", 1)[1], 16)
            if state == "0A" and local_port == port:
                counts["listen"] += 1
            elif local_port == port:
                counts["server"] += 1
            elif remote_port == port:
                counts["client"] += 1
    return counts


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` (every 20 ms) until it holds or ``timeout`` seconds passed."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
