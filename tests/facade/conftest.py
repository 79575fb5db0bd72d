"""Fixtures: clients wired to the in-process emulator, with injected sleep and clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from sinch_keys import AsyncSinchKeys, SinchKeys
from sinch_keys.testing import Emulator

PROJECT = "proj-test"
KEY_ID = "bootstrap-key-id"
KEY_SECRET = "bootstrap-secret-0123456789"


class Clock:
    """A settable clock shared by the emulator and the client (token expiry)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(clock: Clock) -> Emulator:
    return Emulator(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET, seed=7, clock=clock)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def client_kwargs(emu: Emulator, **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": emu.project_id,
        "key_id": emu.key_id,
        "key_secret": emu.key_secret,
        "base_url": emu.base_url,
        "token_url": emu.token_url,
        **overrides,
    }


@pytest.fixture
def client(emu: Emulator, sleeps: list[float], clock: Clock) -> Iterator[SinchKeys]:
    http = httpx.Client(transport=emu.transport)
    with SinchKeys(
        **client_kwargs(emu), http_client=http, sleep=sleeps.append, clock=clock
    ) as sync_client:
        yield sync_client
    http.close()


@pytest.fixture
async def aclient(
    emu: Emulator, sleeps: list[float], clock: Clock
) -> AsyncIterator[AsyncSinchKeys]:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    http = httpx.AsyncClient(transport=emu.async_transport)
    async with AsyncSinchKeys(
        **client_kwargs(emu), http_client=http, sleep=sleep, clock=clock
    ) as async_client:
        yield async_client
    await http.aclose()
