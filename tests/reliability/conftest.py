"""Fixtures of the reliability suite: one loopback HTTP server per session, a fresh emulator
behind it for each test (see ``support.Switchboard``)."""

from __future__ import annotations

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
