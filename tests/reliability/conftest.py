"""Fixtures of the reliability suite: one loopback HTTP server per session, a fresh emulator
behind it for each test (see ``support.Switchboard``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from sinch_keys.testing import serve_emulator
from tests.reliability.support import Clock, Live, Switchboard, new_emulator


@pytest.fixture(scope="session")
def http_server() -> Iterator[tuple[Switchboard, str]]:
    board = Switchboard()
    server: Any = board  # serve_emulator only calls dispatch() on what it serves
    with serve_emulator(server) as url:
        yield board, url


@pytest.fixture
def live(http_server: tuple[Switchboard, str]) -> Iterator[Live]:
    board, url = http_server
    clock = Clock()
    emu = new_emulator(clock)
    board.current = emu
    yield Live(emu, url, clock)
    board.current = None


@pytest.fixture
def no_env_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a proxy from the environment: only then do the clients build their own pools
    (sinch_keys/_transport.py, _async_transport.py); with one, httpx's transport reads it."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
