"""Fixtures: an emulator with a settable clock, and httpx clients talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sinch_keys.testing import Emulator

PROJECT = "proj-1"
KEY_ID = "boot-key"
KEY_SECRET = "boot-secret-0123456789"
KEYS = f"/v1/projects/{PROJECT}/accessKeys"


class Clock:
    """A clock tests move by hand (token expiry, timestamps)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def emu(clock: Clock) -> Emulator:
    return Emulator(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET, seed=3, clock=clock)


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    """An unauthenticated client on the in-process transport."""
    with httpx.Client(transport=emu.transport, base_url=emu.base_url) as client:
        yield client


@pytest.fixture
def api(emu: Emulator) -> Iterator[httpx.Client]:
    """A client authenticated with HTTP Basic as the bootstrap key."""
    with httpx.Client(
        transport=emu.transport, base_url=emu.base_url, auth=(emu.key_id, emu.key_secret)
    ) as client:
        yield client


def token(client: httpx.Client, key_id: str, secret: str) -> str:
    response = client.post(
        "/oauth2/token", auth=(key_id, secret), data={"grant_type": "client_credentials"}
    )
    assert response.status_code == 200, response.text
    value = response.json()["access_token"]
    assert isinstance(value, str)
    return value


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def error_of(response: httpx.Response) -> dict[str, object]:
    """The vendor error object, after checking its shape."""
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "status", "details"}
    assert error["code"] == response.status_code
    assert error["details"] == []
    assert isinstance(error, dict)
    return error
