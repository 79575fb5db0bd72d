"""Who is calling, as the server sees it: default_headers, user_agent_extra, a caller's
http_client headers, extra_headers and extra_query on every operation, the refusal of the
headers the SDK owns, and with_options() copies sharing one pool and one token.

Every header is read where it lands: in the emulator's record of each request
(``emu.requests[i].headers``), for our own pool (built inside ``emulated()``, whose headers
the pool carries) and for a caller's ``http_client`` (whose requests merge them).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from sinch_keys import AsyncSinchKeys, CreateOutcomeUnknownError, RetryPolicy, SinchKeys
from sinch_keys._headers import USER_AGENT
from sinch_keys._retry import RetryKind
from sinch_keys._validation import SDK_OWNED_HEADERS
from sinch_keys.testing import Emulator, Fault, emulated

from .conftest import Clock, client_kwargs

EXTRA_HEADERS = {"X-Change-Ticket": "CHG-1234"}
EXTRA_QUERY = {"trace": "t-1"}


@pytest.fixture
def own_pool(emu: Emulator, sleeps: list[float]) -> Iterator[Callable[..., SinchKeys]]:
    """Build clients on their own pool (no http_client), routed to ``emu`` by emulated()."""
    built: list[SinchKeys] = []

    def build(**options: Any) -> SinchKeys:
        client = SinchKeys(sleep=sleeps.append, **options)
        built.append(client)
        return client

    with emulated(emu):
        yield build
    for client in built:
        client.close()


def api_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.requests if r.route != "token"]


def make_keys(emu: Emulator, client: SinchKeys, count: int) -> list[str]:
    return [
        client.access_keys.create(display_name=f"key {n}").access_key.access_key_id
        for n in range(count)
    ]


# -- User-Agent and default headers ----------------------------------------------------------


def test_our_own_pool_sends_our_user_agent_and_accept(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool()
    client.access_keys.get(emu.key_id)
    for request in emu.requests:  # the token request and the get
        assert request.headers["user-agent"] == USER_AGENT
        assert request.headers["accept"] == "application/json"
    assert [r.route for r in emu.requests] == ["token", "get"]


def test_user_agent_extra_follows_ours_on_every_request(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool(user_agent_extra="billing-sync/1.4")
    client.access_keys.get(emu.key_id)
    assert [r.headers["user-agent"] for r in emu.requests] == [f"{USER_AGENT} billing-sync/1.4"] * 2


def test_user_agent_extra_on_a_callers_http_client(emu: Emulator) -> None:
    with httpx.Client(transport=emu.transport) as http:
        client = SinchKeys(**client_kwargs(emu), http_client=http, user_agent_extra="tool/2")
        client.access_keys.get(emu.key_id)
    assert emu.requests[-1].headers["user-agent"] == f"{USER_AGENT} tool/2"


def test_a_callers_http_client_keeps_its_user_agent_in_front_and_its_other_headers(
    emu: Emulator,
) -> None:
    headers = {"User-Agent": "billing/2.1", "X-Tenant": "acme"}
    with httpx.Client(transport=emu.transport, headers=headers) as http:
        client = SinchKeys(**client_kwargs(emu), http_client=http, user_agent_extra="job/7")
        client.access_keys.get(emu.key_id)
    for request in emu.requests:
        assert request.headers["user-agent"] == f"billing/2.1 {USER_AGENT} job/7"
        assert request.headers["x-tenant"] == "acme"
        assert request.headers["accept"] == "application/json"


def test_httpx_default_user_agent_is_not_kept(emu: Emulator) -> None:
    with httpx.Client(transport=emu.transport) as http:
        assert http.headers["user-agent"].startswith("python-httpx/")
        SinchKeys(**client_kwargs(emu), http_client=http).access_keys.get(emu.key_id)
    assert emu.requests[-1].headers["user-agent"] == USER_AGENT


@pytest.mark.parametrize("pool", ["own", "caller"])
def test_default_headers_reach_every_request_the_token_request_too(
    pool: str, own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    options = {"default_headers": {"X-Team": "payments", "Accept": "application/json"}}
    with httpx.Client(transport=emu.transport) as http:
        if pool == "own":
            client = own_pool(**options)
        else:
            client = SinchKeys(**client_kwargs(emu), http_client=http, **options)
        client.access_keys.get(emu.key_id)
    assert [r.route for r in emu.requests] == ["token", "get"]
    assert all(r.headers["x-team"] == "payments" for r in emu.requests)


def test_a_default_headers_user_agent_goes_in_front_of_ours_not_instead(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool(default_headers={"user-agent": "ops-portal/3"}, user_agent_extra="x/1")
    client.access_keys.get(emu.key_id)
    assert emu.requests[-1].headers["user-agent"] == f"ops-portal/3 {USER_AGENT} x/1"


def test_header_names_merge_whatever_their_case(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool(default_headers={"X-TEAM": "payments"})
    client.access_keys.get(emu.key_id, extra_headers={"x-team": "billing"})
    assert emu.requests[-1].headers["x-team"] == "billing"  # one value, not "payments, billing"


# -- extra_headers and extra_query on every operation ----------------------------------------


def call_op(keys: Any, op: str, key_id: str, **extras: Any) -> Any:
    """Run ``op`` through ``keys`` (sync or async access_keys); the awaitable or the result."""
    if op == "list":
        pager = keys.list(page_size=1, **extras)
        return _drain(pager)
    if op == "create":
        return keys.create(display_name="with extras", **extras)
    if op == "update":
        return keys.update(key_id, display_name="renamed", **extras)
    if op == "delete":
        return keys.delete(key_id, **extras)
    return keys.get(key_id, **extras)


def _drain(pager: Any) -> Any:
    if hasattr(pager, "__aiter__"):

        async def drain() -> list[Any]:
            return [key async for key in pager]

        return drain()
    return list(pager)


OPS = ["list", "create", "get", "update", "delete"]


@pytest.mark.parametrize("op", OPS)
def test_extra_headers_and_extra_query_reach_the_operations_requests(
    op: str, client: SinchKeys, emu: Emulator
) -> None:
    key_id = make_keys(emu, client, 2)[0]  # two more keys: list walks three pages
    mark = len(emu.requests)
    call_op(client.access_keys, op, key_id, extra_headers=EXTRA_HEADERS, extra_query=EXTRA_QUERY)
    sent = emu.requests[mark:]
    assert {r.route for r in sent} == {op}
    assert len(sent) == (3 if op == "list" else 1)
    for request in sent:
        assert request.headers["x-change-ticket"] == "CHG-1234"
        assert request.query["trace"] == ["t-1"]
        assert request.headers["user-agent"] == USER_AGENT
    if op == "list":
        assert [r.query.get("pageToken") is None for r in sent] == [True, False, False]


@pytest.mark.parametrize("op", OPS)
async def test_extra_headers_and_extra_query_reach_the_operations_requests_async(
    op: str, aclient: AsyncSinchKeys, emu: Emulator
) -> None:
    created = await aclient.access_keys.create(display_name="target")
    mark = len(emu.requests)
    await call_op(
        aclient.access_keys,
        op,
        created.access_key.access_key_id,
        extra_headers=EXTRA_HEADERS,
        extra_query=EXTRA_QUERY,
    )
    sent = emu.requests[mark:]
    assert {r.route for r in sent} == {op}
    for request in sent:
        assert request.headers["x-change-ticket"] == "CHG-1234"
        assert request.query["trace"] == ["t-1"]


def test_extra_headers_win_over_default_headers_for_that_call_only(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool(default_headers={"X-Team": "payments"})
    client.access_keys.get(emu.key_id, extra_headers={"X-Team": "billing", "User-Agent": "n/3"})
    client.access_keys.get(emu.key_id)
    first, second = api_requests(emu)
    assert (first.headers["x-team"], first.headers["user-agent"]) == (
        "billing",
        f"n/3 {USER_AGENT}",
    )
    assert (second.headers["x-team"], second.headers["user-agent"]) == ("payments", USER_AGENT)


def test_a_call_without_options_merges_no_headers_on_our_own_pool(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    # the success path's promise (benchmarks/): the pool carries the client's headers, a
    # request adds none of its own unless the call or a copy asks for different ones
    client = own_pool(default_headers={"X-Team": "payments"}, user_agent_extra="x/1")
    assert client._request_headers is None
    call = client._call({"method": "get", "url": "/v1/x"}, RetryKind.IDEMPOTENT)
    assert call.request.headers["x-team"] == "payments"
    assert client.with_options(timeout=5)._request_headers is None
    assert client.with_options(user_agent_extra="y/2")._request_headers is not None


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_rotate_sends_the_extras_on_every_api_request_and_never_to_the_token_endpoint(
    flavour: str, client: SinchKeys, aclient: AsyncSinchKeys, emu: Emulator
) -> None:
    old = client.access_keys.create(display_name="payments").access_key.access_key_id
    await aclient.access_keys.get(old)  # both clients hold a token before the rotation
    # the old key's delete is answered late: the rotation confirms it with a GET
    emu.faults.script("delete", Fault(status=500, passthrough=True), forever=True)
    mark = len(emu.requests)
    keys: Any = client.access_keys if flavour == "sync" else aclient.access_keys
    result = keys.rotate(old, extra_headers=EXTRA_HEADERS, extra_query=EXTRA_QUERY)
    if inspect.isawaitable(result):
        await result
    sent = emu.requests[mark:]
    routes = [r.route for r in sent]
    # preflight get + list, create, the new key's token, verify, delete (retried), confirm
    assert routes[:5] == ["get", "list", "create", "token", "get"]
    assert routes[5:] == ["delete"] * 3 + ["get"]
    for request in sent:
        if request.route == "token":
            assert "x-change-ticket" not in request.headers
            assert "trace" not in request.query
        else:
            assert request.headers["x-change-ticket"] == "CHG-1234", request.route
            assert request.query["trace"] == ["t-1"], request.route


def test_a_create_of_unknown_outcome_looks_the_key_up_with_the_extras(
    client: SinchKeys, emu: Emulator
) -> None:
    emu.faults.script("create", Fault(status=500, passthrough=True))  # created, answer lost
    with pytest.raises(CreateOutcomeUnknownError) as caught:
        client.access_keys.create(
            display_name="lost", extra_headers=EXTRA_HEADERS, extra_query=EXTRA_QUERY
        )
    assert caught.value.access_key is not None
    lookups = [r for r in emu.requests if r.route == "list"]
    assert lookups
    for request in [*lookups, *[r for r in emu.requests if r.route == "create"]]:
        assert request.headers["x-change-ticket"] == "CHG-1234"
        assert request.query["trace"] == ["t-1"]


# -- refused before any request ----------------------------------------------------------------


OWNED = sorted({name.title() for name in SDK_OWNED_HEADERS} | {"AUTHORIZATION", "host"})


@pytest.mark.parametrize("name", OWNED)
@pytest.mark.parametrize("op", [*OPS, "rotate"])
def test_a_header_the_sdk_owns_is_refused_before_any_request(
    name: str, op: str, client: SinchKeys, emu: Emulator
) -> None:
    keys = client.access_keys
    with pytest.raises(ValueError, match=f"may not set {name}: the SDK owns that header"):
        if op == "rotate":
            keys.rotate(emu.key_id, allow_self_rotation=True, extra_headers={name: "x"})
        else:
            call_op(keys, op, emu.key_id, extra_headers={name: "x"})
    assert emu.requests == []


@pytest.mark.parametrize("name", OWNED)
def test_a_header_the_sdk_owns_is_refused_in_default_headers(name: str, emu: Emulator) -> None:
    with pytest.raises(ValueError, match=f"default_headers may not set {name}"):
        SinchKeys(**client_kwargs(emu), default_headers={name: "x"})
    with pytest.raises(ValueError, match=f"default_headers may not set {name}"):
        AsyncSinchKeys(**client_kwargs(emu), default_headers={name: "x"})


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"X-A": "line\r\nInjected: yes"}, ValueError),
        ({"X-A": "café"}, ValueError),
        ({"X A": "v"}, ValueError),
        ({"X-A": 1}, TypeError),
        (["X-A", "v"], TypeError),
    ],
)
def test_a_header_that_cannot_be_sent_as_is_is_refused(
    headers: Any, error: type[Exception], client: SinchKeys, emu: Emulator
) -> None:
    with pytest.raises(error):
        client.access_keys.get(emu.key_id, extra_headers=headers)
    with pytest.raises(error):
        client.with_options(default_headers=headers)
    assert emu.requests == []


def test_a_user_agent_extra_that_cannot_be_sent_is_refused(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="user_agent_extra"):
        SinchKeys(**client_kwargs(emu), user_agent_extra="tool/1\r\nX-Evil: 1")
    with pytest.raises(TypeError, match="user_agent_extra"):
        SinchKeys(**client_kwargs(emu), user_agent_extra=b"tool/1")  # type: ignore[arg-type]


def test_a_bad_extra_query_is_refused_before_any_request(client: SinchKeys, emu: Emulator) -> None:
    with pytest.raises(TypeError, match="extra_query must be a mapping"):
        client.access_keys.rotate(emu.key_id, extra_query=[("a", "b")])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="extra_query"):
        client.access_keys.get(emu.key_id, extra_query={1: "b"})  # type: ignore[dict-item]
    assert emu.requests == []


# -- with_options ------------------------------------------------------------------------------


def test_with_options_shares_the_pool_and_one_token(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool()
    copy = client.with_options(timeout=60, max_retries=5, user_agent_extra="copy/1")
    assert type(copy) is SinchKeys
    assert copy._http is client._http
    copy.access_keys.get(emu.key_id)
    client.access_keys.get(emu.key_id)
    assert [r.route for r in emu.requests] == ["token", "get", "get"]  # one token for both
    assert [r.headers["user-agent"] for r in api_requests(emu)] == [
        f"{USER_AGENT} copy/1",
        USER_AGENT,
    ]
    assert copy.retry_policy.max_retries == 5
    assert client.retry_policy.max_retries == 2


async def test_with_options_shares_the_pool_and_one_token_async(emu: Emulator) -> None:
    with emulated(emu):
        async with AsyncSinchKeys() as client:
            copy = client.with_options(default_headers={"X-Team": "t"})
            assert type(copy) is AsyncSinchKeys
            await copy.access_keys.get(emu.key_id)
            await client.access_keys.get(emu.key_id)
            await copy.close()
            assert not client._http.is_closed
            await client.access_keys.get(emu.key_id)
    assert [r.route for r in emu.requests] == ["token", "get", "get", "get"]
    assert [r.headers.get("x-team") for r in api_requests(emu)] == ["t", None, None]


def test_closing_a_copy_leaves_the_shared_pool_open(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool()
    with client.with_options(project_id=emu.project_id) as copy:
        copy.access_keys.get(emu.key_id)
    assert not client._http.is_closed
    client.access_keys.get(emu.key_id)
    client.close()
    assert client._http.is_closed


def test_with_options_changes_only_what_is_given(emu: Emulator, clock: Clock) -> None:
    timeouts: list[Any] = []

    def spy(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return emu.handle(request)

    sleeps: list[float] = []
    policy = RetryPolicy(max_retries=4, jitter=0.0)
    with httpx.Client(transport=httpx.MockTransport(spy)) as http:
        client = SinchKeys(
            **client_kwargs(emu), http_client=http, timeout=7, sleep=sleeps.append, clock=clock
        )
        other_project = client.with_options(project_id="proj-other")
        assert (other_project.project_id, client.project_id) == ("proj-other", emu.project_id)
        patient = client.with_options(retry_policy=policy, timeout=90)
        assert patient.retry_policy is policy
        assert client.with_options(retry_policy=policy, max_retries=1).retry_policy == RetryPolicy(
            max_retries=1, jitter=0.0
        )
        emu.faults.script("get", Fault(status=503), Fault(status=503), Fault(status=503))
        patient.access_keys.get(emu.key_id)  # three 503s: four attempts, allowed by 4
        assert timeouts[-1]["read"] == 90
        client.access_keys.get(emu.key_id)
        assert timeouts[-1]["read"] == 7
    assert len(sleeps) == 3
    assert emu.count("get") == 5


@pytest.mark.parametrize(
    "setting", ["key_id", "key_secret", "auth", "base_url", "token_url", "http_client"]
)
def test_with_options_cannot_change_the_key_or_the_urls(setting: str, client: SinchKeys) -> None:
    with pytest.raises(TypeError, match=setting):
        client.with_options(**{setting: "x"})


@pytest.mark.parametrize("pool", ["own", "caller"])
def test_with_options_default_headers_add_to_the_clients(
    pool: str, own_pool: Callable[..., SinchKeys], emu: Emulator, client: SinchKeys
) -> None:
    options = {"default_headers": {"X-Team": "payments", "X-Env": "prod"}}
    if pool == "own":
        client = own_pool(**options)
    else:  # a caller's pool carries none of them: every header comes from the copy itself
        client = SinchKeys(**client_kwargs(emu), http_client=client._http, **options)
    copy = client.with_options(default_headers={"x-team": "billing"}).with_options(
        user_agent_extra="c/1"
    )
    copy.access_keys.get(emu.key_id)
    seen = emu.requests[-1].headers
    assert (seen["x-team"], seen["x-env"], seen["user-agent"]) == (
        "billing",
        "prod",
        f"{USER_AGENT} c/1",
    )
    client.with_options(user_agent_extra=None).access_keys.get(emu.key_id)
    assert emu.requests[-1].headers["x-team"] == "payments"


def test_a_self_rotation_through_a_copy_switches_the_original_too(
    own_pool: Callable[..., SinchKeys], emu: Emulator
) -> None:
    client = own_pool()
    copy = client.with_options(max_retries=0)
    new = copy.access_keys.rotate(emu.key_id, allow_self_rotation=True)
    new_id = new.access_key.access_key_id
    assert client.key_id == copy.key_id == new_id
    emu.expire_tokens()  # the next call must fetch a token: with the new key, or be refused
    client.access_keys.get(new_id)
    token_requests = [r for r in emu.requests if r.route == "token"]
    assert token_requests[-1].key_id == new_id
    assert emu.requests[-1].status == 200
