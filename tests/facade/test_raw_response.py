"""client.access_keys.with_raw_response: an APIResponse for every operation, sync and async:
status, headers, request id (from the emulator's response headers), attempts (a retried 503
counts), elapsed (the whole call, backoff included), parse(); list's page responses; a
create's response that never shows the secret."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from sinch_keys import (
    AccessKey,
    APIResponse,
    AsyncSinchKeys,
    CreatedAccessKey,
    ListAccessKeysResponse,
    NotFoundError,
    RetryPolicy,
    SinchKeys,
)
from sinch_keys._errors import REQUEST_ID_HEADERS
from sinch_keys._secrets import MASK
from sinch_keys.testing import Emulator, Fault

from .conftest import Clock, client_kwargs

OPS = ["list", "create", "get", "update", "delete"]
PARSED = {
    "list": ListAccessKeysResponse,
    "create": CreatedAccessKey,
    "get": AccessKey,
    "update": AccessKey,
    "delete": type(None),
}


class Moving(Clock):
    """A clock only sleeps move: a call's elapsed time is exactly its backoff."""

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def moving() -> Moving:
    return Moving()


@pytest.fixture
def raw_client(emu: Emulator, moving: Moving) -> Iterator[SinchKeys]:
    policy = RetryPolicy(jitter=0.0)
    with (
        httpx.Client(transport=emu.transport) as http,
        SinchKeys(
            **client_kwargs(emu),
            http_client=http,
            retry_policy=policy,
            sleep=moving.sleep,
            clock=moving,
        ) as client,
    ):
        yield client


@pytest.fixture
async def raw_aclient(emu: Emulator, moving: Moving) -> AsyncIterator[AsyncSinchKeys]:
    policy = RetryPolicy(jitter=0.0)
    async with (
        httpx.AsyncClient(transport=emu.async_transport) as http,
        AsyncSinchKeys(
            **client_kwargs(emu),
            http_client=http,
            retry_policy=policy,
            sleep=moving.asleep,
            clock=moving,
        ) as client,
    ):
        yield client


def call_raw(raw: Any, op: str, key_id: str) -> Any:
    """The APIResponse of ``op`` (for list: the first page's), or an awaitable of it."""
    if op == "list":
        pages = raw.list(page_size=1)
        if hasattr(pages, "__anext__"):
            return pages.__anext__()
        return next(pages)
    if op == "create":
        return raw.create(display_name="raw create")
    if op == "update":
        return raw.update(key_id, display_name="raw rename")
    if op == "delete":
        return raw.delete(key_id)
    return raw.get(key_id)


async def run(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def target_key(emu: Emulator, client: SinchKeys | AsyncSinchKeys) -> str:
    created = await run(client.access_keys.create(display_name="target"))
    return str(created.access_key.access_key_id)


def client_for(flavour: str, sync: SinchKeys, async_: AsyncSinchKeys) -> Any:
    return sync if flavour == "sync" else async_


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("op", OPS)
async def test_every_operation_gives_status_headers_request_id_attempts_and_its_value(
    op: str,
    flavour: str,
    raw_client: SinchKeys,
    raw_aclient: AsyncSinchKeys,
    emu: Emulator,
    moving: Moving,
) -> None:
    client = client_for(flavour, raw_client, raw_aclient)
    key_id = await target_key(emu, client)
    # the first attempt gets a 503 (retried after 0.5 s), the second is performed and
    # carries a request id the way a gateway would add one
    emu.faults.script(
        op, Fault(status=503), Fault(passthrough=True, headers={"X-Request-Id": f"req-{op}"})
    )
    before = moving.now
    raw = await run(call_raw(client.access_keys.with_raw_response, op, key_id))
    assert isinstance(raw, APIResponse)
    assert raw.status_code == 200
    assert raw.headers["x-request-id"] == f"req-{op}"
    assert raw.headers["content-type"] == "application/json"
    assert raw.request_id == f"req-{op}"
    assert raw.attempts == 2
    assert raw.elapsed == pytest.approx(0.5) == moving.now - before  # the backoff, no more
    value = raw.parse()
    assert type(value) is PARSED[op]
    assert emu.count(op) == 2 + (op == "create")  # the target's create came first
    if op == "get":
        assert value.access_key_id == key_id
    if op == "update":
        assert value.display_name == "raw rename"
    if op == "list":
        assert len(value.access_keys) == 1
        assert value.next_page_token
    if op == "create":
        assert value.access_key.display_name == "raw create"
        assert value.secret.get_secret_value()


@pytest.mark.parametrize("header", REQUEST_ID_HEADERS)
def test_every_candidate_request_id_header_is_read(
    header: str, raw_client: SinchKeys, emu: Emulator
) -> None:
    emu.faults.script("get", Fault(passthrough=True, headers={header: "abc-123"}))
    raw = raw_client.access_keys.with_raw_response.get(emu.key_id)
    assert raw.request_id == "abc-123"
    assert raw_client.access_keys.with_raw_response.get(emu.key_id).request_id is None


def test_a_first_attempt_counts_one_and_takes_no_backoff(
    raw_client: SinchKeys, emu: Emulator
) -> None:
    raw = raw_client.access_keys.with_raw_response.get(emu.key_id)
    assert (raw.attempts, raw.elapsed, raw.request_id) == (1, 0.0, None)
    assert isinstance(raw.elapsed, float)


def test_the_raw_path_raises_the_same_typed_errors(raw_client: SinchKeys, emu: Emulator) -> None:
    emu.faults.script("get", Fault(status=404, headers={"x-request-id": "req-404"}))
    with pytest.raises(NotFoundError) as caught:
        raw_client.access_keys.with_raw_response.get(emu.key_id)
    assert caught.value.request_id == "req-404"


def test_a_delete_an_earlier_attempt_did_answers_with_the_last_404(
    raw_client: SinchKeys, emu: Emulator
) -> None:
    key_id = raw_client.access_keys.create(display_name="gone").access_key.access_key_id
    emu.faults.script("delete", Fault(drop=True, passthrough=True))  # deleted, answer lost
    raw = raw_client.access_keys.with_raw_response.delete(key_id)
    assert (raw.status_code, raw.attempts, raw.parse()) == (404, 2, None)
    assert key_id not in [k["accessKeyId"] for k in emu.keys()]


# -- list: the raw page responses ----------------------------------------------------------


def make_keys(client: SinchKeys, count: int) -> None:
    for n in range(count):
        client.access_keys.create(display_name=f"key {n}")


def test_list_gives_each_pages_response_as_iteration_reaches_it(
    raw_client: SinchKeys, emu: Emulator
) -> None:
    make_keys(raw_client, 2)
    mark = emu.count("list")
    pages = raw_client.access_keys.with_raw_response.list(page_size=2)
    assert emu.count("list") == mark  # nothing fetched yet
    first = next(pages)
    assert emu.count("list") == mark + 1
    rest = list(pages)
    responses = [first, *rest]
    assert [r.status_code for r in responses] == [200, 200]
    assert [len(r.parse().access_keys) for r in responses] == [2, 1]
    assert responses[0].parse().next_page_token
    assert not responses[-1].parse().next_page_token
    keys = [k.access_key_id for r in responses for k in r.parse().access_keys]
    assert keys == [k.access_key_id for k in raw_client.access_keys.list()]


async def test_list_gives_each_pages_response_async(
    raw_client: SinchKeys, raw_aclient: AsyncSinchKeys, emu: Emulator
) -> None:
    make_keys(raw_client, 2)
    pages = raw_aclient.access_keys.with_raw_response.list(page_size=1)
    responses = [page async for page in pages]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all(isinstance(r.parse(), ListAccessKeysResponse) for r in responses)
    assert [bool(r.parse().next_page_token) for r in responses] == [True, True, False]


def test_list_checks_its_arguments_when_called_not_when_iterated(
    raw_client: SinchKeys, emu: Emulator
) -> None:
    with pytest.raises(ValueError, match="page_size"):
        raw_client.access_keys.with_raw_response.list(page_size=0)
    with pytest.raises(ValueError, match="may not set Authorization"):
        raw_client.access_keys.with_raw_response.list(extra_headers={"Authorization": "x"})
    assert emu.requests == []


def test_list_responses_keep_the_page_walk_guard(raw_client: SinchKeys, emu: Emulator) -> None:
    from sinch_keys import APIResponseValidationError

    emu.faults.script("list", *[Fault(empty_page=True)] * 12)
    with pytest.raises(APIResponseValidationError, match="empty pages"):
        list(raw_client.access_keys.with_raw_response.list())


# -- rotate is not offered -------------------------------------------------------------------


def test_rotate_is_not_offered_raw(raw_client: SinchKeys, raw_aclient: AsyncSinchKeys) -> None:
    assert not hasattr(raw_client.access_keys.with_raw_response, "rotate")
    assert not hasattr(raw_aclient.access_keys.with_raw_response, "rotate")
    for name in ("list", "create", "get", "update", "delete"):
        assert hasattr(raw_client.access_keys.with_raw_response, name)
        assert hasattr(raw_aclient.access_keys.with_raw_response, name)


# -- a create's response never shows the secret ----------------------------------------------


def every_rendering(raw: APIResponse[Any]) -> list[str]:
    """repr, str and format of the response, and of every attribute it has."""
    seen = [repr(raw), str(raw), f"{raw}", repr(raw.parse()), str(raw.parse())]
    for name in dir(raw):
        if name.startswith("__"):
            continue
        value = getattr(raw, name)
        if callable(value) and name != "parse":
            continue
        value = value() if name == "parse" else value
        seen += [repr(value), str(value)]
        if isinstance(value, httpx.Headers):
            seen += [f"{k}: {v}" for k, v in value.multi_items()]
        if isinstance(value, httpx.Response):
            seen.append(value.text)
    return seen


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_a_creates_raw_response_never_shows_the_secret(
    flavour: str, raw_client: SinchKeys, raw_aclient: AsyncSinchKeys, emu: Emulator
) -> None:
    client = client_for(flavour, raw_client, raw_aclient)
    raw = await run(client.access_keys.with_raw_response.create(display_name="ci deploy"))
    created = raw.parse()
    secret = created.secret.get_secret_value()
    assert emu.credentials_work(created.access_key.access_key_id, secret)  # the real one
    rendered = every_rendering(raw)
    assert any(MASK in text for text in rendered)  # the secret is there, masked
    assert not [text for text in rendered if secret in text]
    # no raw body, no httpx response: the body of a create is the secret's only other copy
    for body_access in ("text", "json", "content", "http_response", "read", "__dict__"):
        assert not hasattr(raw, body_access), body_access
    with pytest.raises(TypeError):
        vars(raw)


def test_api_response_repr_names_what_a_support_ticket_needs(
    raw_client: SinchKeys, emu: Emulator
) -> None:
    emu.faults.script("get", Fault(passthrough=True, headers={"x-request-id": "r-9"}))
    raw = raw_client.access_keys.with_raw_response.get(emu.key_id)
    assert repr(raw) == "<APIResponse [200] request_id='r-9' attempts=1 elapsed=0.000s>"
