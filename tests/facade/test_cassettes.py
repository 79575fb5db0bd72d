"""Every operation, sync and async, success and each error class, replayed from cassettes.

The cassettes in ``cassettes/test_cassettes/`` were recorded against the in-process emulator
(``nox -s record``), or against the live API when SINCH_KEY_ID, SINCH_KEY_SECRET and
SINCH_PROJECT_ID are set while recording. In CI they replay with record mode ``none``: no
request leaves the process. Authorization headers, tokens and secrets are scrubbed before a
cassette is written (tests/conftest.py).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from sinch_keys import (
    AsyncSinchKeys,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SinchKeys,
)
from sinch_keys.testing import Emulator, Fault

pytestmark = [pytest.mark.cassette, pytest.mark.vcr]

LIVE_VARIABLES = ("SINCH_KEY_ID", "SINCH_KEY_SECRET", "SINCH_PROJECT_ID")
FLAVOURS = ["sync", "async"]


class Target:
    """Where requests go while recording: the emulator, or the live API."""

    def __init__(self, record_mode: str) -> None:
        self.live = record_mode != "none" and all(os.environ.get(v) for v in LIVE_VARIABLES)
        if self.live:
            self.emulator = None
            self.settings: dict[str, Any] = {}
        else:
            self.emulator = Emulator(
                project_id="proj-cassette",
                key_id="cassette-key-id",
                key_secret="cassette-bootstrap-secret",
                seed=2024,
                max_keys=10,
            )
            self.settings = {
                "project_id": self.emulator.project_id,
                "key_id": self.emulator.key_id,
                "key_secret": self.emulator.key_secret,
                "base_url": self.emulator.base_url,
                "token_url": self.emulator.token_url,
            }

    def require_emulator(self) -> Emulator:
        if self.emulator is None:
            pytest.skip("fault injection needs the emulator; not recordable live")
        return self.emulator


@pytest.fixture
def target(record_mode: str) -> Iterator[Target]:
    target = Target(record_mode)
    yield target
    if record_mode == "none" and target.emulator is not None:
        assert target.emulator.requests == [], "a replayed test reached the emulator"


@pytest.fixture(params=FLAVOURS)
async def client(request: pytest.FixtureRequest, target: Target) -> AsyncIterator[Any]:
    yield_client = await _open(request.param, target)
    try:
        yield yield_client
    finally:
        await _close(yield_client)


async def _open(flavour: str, target: Target, **overrides: Any) -> Any:
    settings = {**target.settings, **overrides, "sleep": _no_sleep(flavour)}
    emulator = target.emulator
    if flavour == "sync":
        transport = emulator.transport if emulator else None
        http = httpx.Client(transport=transport) if transport else None
        return SinchKeys(**settings, http_client=http, timeout=10.0)
    async_transport = emulator.async_transport if emulator else None
    ahttp = httpx.AsyncClient(transport=async_transport) if async_transport else None
    return AsyncSinchKeys(**settings, http_client=ahttp, timeout=10.0)


async def _close(client: Any) -> None:
    await do(client.close())
    await do(
        client._http.aclose()
        if isinstance(client._http, httpx.AsyncClient)
        else client._http.close()
    )


def _no_sleep(flavour: str) -> Any:
    if flavour == "sync":
        return lambda seconds: None

    async def sleep(seconds: float) -> None:
        return None

    return sleep


async def do(result: Any) -> Any:
    """Await a coroutine (async client) or pass a value through (sync client)."""
    return await result if inspect.isawaitable(result) else result


async def collect(pager: Any) -> list[Any]:
    if hasattr(pager, "__aiter__"):
        return [item async for item in pager]
    return list(pager)


async def test_lifecycle(client: Any) -> None:
    created = await do(client.access_keys.create(display_name="cassette lifecycle"))
    key = created.access_key
    assert created.secret.get_secret_value()  # REDACTED in the cassette, still present
    assert "REDACTED" not in repr(created)
    fetched = await do(client.access_keys.get(key.access_key_id))
    assert fetched.display_name == "cassette lifecycle"
    assert fetched.create_time.tzinfo is not None
    renamed = await do(client.access_keys.update(key.access_key_id, display_name="renamed"))
    assert renamed.display_name == "renamed"
    pages = await collect(client.access_keys.list(page_size=1).pages())
    assert len(pages) >= 2
    assert not pages[-1].next_page_token
    ids = [k.access_key_id for page in pages for k in page.access_keys]
    assert key.access_key_id in ids
    assert await do(client.access_keys.delete(key.access_key_id)) is None


async def test_not_found(client: Any) -> None:
    with pytest.raises(NotFoundError) as info:
        await do(client.access_keys.get("no-such-key"))
    assert info.value.status_code == 404
    assert info.value.status == "NOT_FOUND"
    assert info.value.message


async def test_conflict(client: Any) -> None:
    created = await do(client.access_keys.create(display_name="cassette dup"))
    try:
        with pytest.raises(ConflictError) as info:
            await do(client.access_keys.create(display_name="cassette dup"))
        assert info.value.status == "ALREADY_EXISTS"
    finally:
        await do(client.access_keys.delete(created.access_key.access_key_id))


async def test_key_limit(client: Any) -> None:
    made = []
    try:
        with pytest.raises(BadRequestError) as info:
            for n in range(11):
                made.append(await do(client.access_keys.create(display_name=f"limit {n}")))
        assert info.value.status == "FAILED_PRECONDITION"
    finally:
        for created in made:
            await do(client.access_keys.delete(created.access_key.access_key_id))


@pytest.mark.parametrize("flavour", FLAVOURS)
async def test_wrong_credentials(flavour: str, target: Target) -> None:
    client = await _open(flavour, target, key_secret="not-the-secret")
    try:
        with pytest.raises(AuthenticationError) as info:
            await do(client.access_keys.get("any"))
        assert info.value.status_code == 401
    finally:
        await _close(client)


async def test_permission_denied(client: Any, target: Target) -> None:
    target.require_emulator().add_project("proj-someone-else")
    with pytest.raises(PermissionDeniedError) as info:
        await do(client.access_keys.get("k", project_id="proj-someone-else"))
    assert info.value.status_code == 403


async def test_rate_limited(client: Any, target: Target) -> None:
    emulator = target.require_emulator()
    emulator.faults.script("get", Fault(status=429, retry_after="1"))
    with pytest.raises(RateLimitError) as info:
        await do(client.access_keys.get(emulator.key_id, max_retries=0))
    assert info.value.retry_after == 1.0


async def test_server_error(client: Any, target: Target) -> None:
    emulator = target.require_emulator()
    emulator.faults.script("get", Fault(status=500))
    with pytest.raises(InternalServerError) as info:
        await do(client.access_keys.get(emulator.key_id, max_retries=0))
    assert info.value.status_code == 500
