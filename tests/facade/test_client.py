"""Behaviour of SinchKeys / AsyncSinchKeys against the in-process emulator."""

from __future__ import annotations

import asyncio
import datetime
import logging
import threading
from pathlib import Path

import httpx
import pytest
import yaml

import sinch_keys
from sinch_keys import (
    AccessKey,
    APIResponseValidationError,
    AsyncSinchKeys,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CreateOutcomeUnknownError,
    InternalServerError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SelfDeleteError,
    SinchKeys,
)
from sinch_keys.testing import Emulator, Fault

from .conftest import KEY_SECRET, Clock, client_kwargs

ROOT = Path(__file__).resolve().parents[2]


def routes(emu: Emulator) -> list[str | None]:
    return [r.route for r in emu.requests]


# -- configuration -----------------------------------------------------------------------


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCH_PROJECT_ID", "p-env")
    monkeypatch.setenv("SINCH_KEY_ID", "k-env")
    monkeypatch.setenv("SINCH_KEY_SECRET", "s-env-secret")
    monkeypatch.setenv("SINCH_KEYS_BASE_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", "http://127.0.0.1:9/oauth2/token")
    with SinchKeys() as client:
        assert (client.project_id, client.key_id) == ("p-env", "k-env")
        assert client.base_url == "http://127.0.0.1:9"
        assert client.token_url == "http://127.0.0.1:9/oauth2/token"
        assert "s-env-secret" not in repr(client)


def test_defaults_follow_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    # compared with what openapi.yaml declares, never with a literal: the vendor owns the host
    from sinch_keys_api import _spec_defaults

    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    token_urls = {
        scheme["flows"]["clientCredentials"]["tokenUrl"]
        for scheme in spec["components"]["securitySchemes"].values()
        if "clientCredentials" in scheme.get("flows", {})
    }
    monkeypatch.delenv("SINCH_KEYS_BASE_URL", raising=False)
    monkeypatch.delenv("SINCH_KEYS_TOKEN_URL", raising=False)
    with SinchKeys(project_id="p", key_id="k", key_secret="s") as client:
        assert client.base_url == _spec_defaults.BASE_URL == spec["servers"][0]["url"].rstrip("/")
        assert client.token_url == _spec_defaults.TOKEN_URL
        assert client.token_url in token_urls
        assert client._timeout is not None
        assert client._timeout.connect == 5.0
        assert client.retry_policy.max_retries == 2


@pytest.mark.parametrize(
    ("missing", "variable"), [("key_id", "SINCH_KEY_ID"), ("key_secret", "SINCH_KEY_SECRET")]
)
def test_missing_credentials_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, missing: str, variable: str
) -> None:
    for name in ("SINCH_KEY_ID", "SINCH_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    kwargs = {"key_id": "k", "key_secret": "s", missing: None}
    with pytest.raises(MissingCredentialsError) as info:
        SinchKeys(project_id="p", **kwargs)
    assert info.value.variable == variable
    assert variable in str(info.value)


def test_missing_project_is_reported_at_call_time(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SINCH_PROJECT_ID", raising=False)
    with SinchKeys(
        **client_kwargs(emu, project_id=None), http_client=httpx.Client(transport=emu.transport)
    ) as client:
        with pytest.raises(MissingCredentialsError, match="SINCH_PROJECT_ID"):
            client.access_keys.get("k")
        assert client.access_keys.get(emu.key_id, project_id=emu.project_id).access_key_id
    assert routes(emu) == ["token", "get"]


def test_bad_auth_option() -> None:
    with pytest.raises(ValueError, match="auth must be"):
        SinchKeys(project_id="p", key_id="k", key_secret="s", auth="bearer")  # type: ignore[arg-type]


def test_user_agent(client: SinchKeys, emu: Emulator) -> None:
    seen: list[str] = []
    original = emu.handle

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["user-agent"])
        return original(request)

    emu.handle = spy  # type: ignore[method-assign]
    client._http._transport = httpx.MockTransport(spy)
    client.access_keys.get(emu.key_id)
    assert seen[-1].startswith(f"sinch-keys/{sinch_keys.__version__} python/")
    assert f"httpx/{httpx.__version__}" in seen[-1]


# -- the five operations ------------------------------------------------------------------


def test_lifecycle_sync(client: SinchKeys, emu: Emulator) -> None:
    created = client.access_keys.create(display_name="ci deploy")
    key = created.access_key
    assert key.display_name == "ci deploy"
    assert key.project_id == emu.project_id
    assert key.create_time.tzinfo is not None
    assert isinstance(key.update_time, datetime.datetime)
    assert created.secret.get_secret_value()
    assert created.secret.get_secret_value() not in repr(created) + str(created)

    assert client.access_keys.get(key.access_key_id) == key
    renamed = client.access_keys.update(key.access_key_id, display_name="ci deploy 2")
    assert renamed.display_name == "ci deploy 2"
    assert renamed.create_time == key.create_time
    assert {k.access_key_id for k in client.access_keys.list()} == {emu.key_id, key.access_key_id}
    assert client.access_keys.delete(key.access_key_id) is None
    with pytest.raises(NotFoundError) as info:
        client.access_keys.get(key.access_key_id)
    assert info.value.status == "NOT_FOUND"


async def test_lifecycle_async(aclient: AsyncSinchKeys, emu: Emulator) -> None:
    created = await aclient.access_keys.create(display_name="ci deploy")
    key = created.access_key
    assert (await aclient.access_keys.get(key.access_key_id)) == key
    renamed = await aclient.access_keys.update(key.access_key_id, display_name="renamed")
    assert renamed.display_name == "renamed"
    ids = [k.access_key_id async for k in aclient.access_keys.list()]
    assert set(ids) == {emu.key_id, key.access_key_id}
    await aclient.access_keys.delete(key.access_key_id)
    with pytest.raises(NotFoundError):
        await aclient.access_keys.get(key.access_key_id)


def test_error_classes(client: SinchKeys, emu: Emulator) -> None:
    client.access_keys.create(display_name="dup")
    with pytest.raises(ConflictError) as conflict:
        client.access_keys.create(display_name="dup")
    assert conflict.value.status == "ALREADY_EXISTS"
    for n in range(8):
        client.access_keys.create(display_name=f"fill {n}")
    with pytest.raises(BadRequestError) as limit:
        client.access_keys.create(display_name="eleventh")
    assert limit.value.status == "FAILED_PRECONDITION"
    other_key, other_secret = emu.add_project("proj-other")
    with pytest.raises(PermissionDeniedError):
        client.access_keys.list(project_id="proj-other").pages().__next__()
    del other_key, other_secret


def test_wrong_secret_is_an_authentication_error(emu: Emulator) -> None:
    http = httpx.Client(transport=emu.transport)
    for auth in ("oauth2", "basic"):
        with SinchKeys(
            **client_kwargs(emu, key_secret="wrong"),
            auth=auth,
            http_client=http,
            sleep=lambda s: None,
        ) as client:
            with pytest.raises(AuthenticationError) as info:
                client.access_keys.get(emu.key_id)
            assert "wrong" not in str(info.value)


def test_unknown_response_fields_are_kept(client: SinchKeys, emu: Emulator) -> None:
    body = {
        "accessKeyId": "k1",
        "displayName": "n",
        "projectId": emu.project_id,
        "createTime": "2026-01-01T00:00:00Z",
        "updateTime": "2026-01-02T00:00:00Z",
        "newField": {"x": 1},
    }
    emu.faults.script("get", Fault(status=200, body=body))
    key = client.access_keys.get("k1")
    assert key.additional_properties == {"newField": {"x": 1}}
    assert key["newField"] == {"x": 1}


@pytest.mark.parametrize(
    ("fault", "problem"),
    [
        (Fault(status=200, malformed=True), "not valid JSON"),
        (Fault(status=200, body={"accessKeyId": "k"}), "missing required field"),
        (
            Fault(
                status=200,
                body={
                    "accessKeyId": "k",
                    "displayName": "n",
                    "projectId": "p",
                    "createTime": "yesterday",
                    "updateTime": "x",
                },
            ),
            "ValueError",
        ),
    ],
)
def test_responses_that_break_the_spec(
    client: SinchKeys, emu: Emulator, fault: Fault, problem: str
) -> None:
    emu.faults.script("get", fault)
    with pytest.raises(APIResponseValidationError) as info:
        client.access_keys.get("k")
    assert info.value.status_code == 200
    assert problem in str(info.value)
    assert emu.count("get") == 1  # a broken 200 is not retried


# -- pagination ------------------------------------------------------------------------------


def test_list_is_lazy_and_bounded(client: SinchKeys, emu: Emulator) -> None:
    for n in range(7):
        client.access_keys.create(display_name=f"k{n}")
    before = emu.count("list")
    pager = client.access_keys.list(page_size=3)
    assert emu.count("list") == before  # nothing fetched yet
    iterator = iter(pager)
    next(iterator)
    assert emu.count("list") == before + 1
    rest = list(iterator)
    assert len(rest) == 7  # 8 keys in all
    assert emu.count("list") == before + 3
    pages = list(client.access_keys.list(page_size=3).pages())
    assert [len(p.access_keys) for p in pages] == [3, 3, 2]
    assert not pages[-1].next_page_token
    resumed = list(client.access_keys.list(page_size=3, page_token=pages[0].next_page_token))
    assert [k.access_key_id for k in resumed] == [
        k.access_key_id for p in pages[1:] for k in p.access_keys
    ]


async def test_async_list_pages(aclient: AsyncSinchKeys, emu: Emulator) -> None:
    for n in range(4):
        await aclient.access_keys.create(display_name=f"k{n}")
    pager = aclient.access_keys.list(page_size=2)  # not awaited
    sizes = [len(page.access_keys) async for page in pager.pages()]
    assert sizes == [2, 2, 1]


def _listed_key(n: int) -> dict[str, str]:
    return {
        "accessKeyId": f"k{n}",
        "displayName": f"key {n}",
        "projectId": "p",
        "createTime": "2026-01-02T03:04:05Z",
        "updateTime": "2026-01-02T03:04:05Z",
    }


BROKEN_THIRD_KEY = {
    "accessKeys": [_listed_key(0), _listed_key(1), {"accessKeyId": "k2"}, _listed_key(3)]
}


def test_iterating_keys_parses_each_as_it_is_reached(client: SinchKeys, emu: Emulator) -> None:
    # keys are parsed one by one (benchmarks/, list-all): the keys before a broken one are
    # handed over, then the broken one is a typed error, never a bare KeyError
    emu.faults.script("list", Fault(status=200, body=BROKEN_THIRD_KEY))
    seen: list[str] = []
    with pytest.raises(APIResponseValidationError) as info:
        for key in client.access_keys.list():
            seen.append(key.access_key_id)
    assert seen == ["k0", "k1"]
    assert info.value.status_code == 200
    assert "missing required field 'displayName'" in str(info.value)
    assert emu.count("list") == 1


def test_pages_are_parsed_whole_before_they_are_yielded(client: SinchKeys, emu: Emulator) -> None:
    emu.faults.script("list", Fault(status=200, body=BROKEN_THIRD_KEY))
    pages = client.access_keys.list().pages()
    with pytest.raises(APIResponseValidationError, match="missing required field 'displayName'"):
        next(pages)


async def test_async_keys_and_pages_parse_as_the_sync_ones(
    aclient: AsyncSinchKeys, emu: Emulator
) -> None:
    emu.faults.script(
        "list", Fault(status=200, body=BROKEN_THIRD_KEY), Fault(status=200, body=BROKEN_THIRD_KEY)
    )
    seen: list[str] = []
    with pytest.raises(APIResponseValidationError, match="'displayName'"):
        async for key in aclient.access_keys.list():
            seen.append(key.access_key_id)
    assert seen == ["k0", "k1"]
    with pytest.raises(APIResponseValidationError, match="'displayName'"):
        await anext(aiter(aclient.access_keys.list().pages()))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"nextPageToken": "t"}, "missing required field 'accessKeys'"),
        ({"accessKeys": {"accessKeyId": "k"}}, "accessKeys is not an array"),
        ([_listed_key(0)], "TypeError"),
    ],
)
def test_a_page_of_the_wrong_shape_is_refused_before_any_key(
    client: SinchKeys, emu: Emulator, body: object, problem: str
) -> None:
    emu.faults.script("list", Fault(status=200, body=body))
    seen: list[AccessKey] = []
    with pytest.raises(APIResponseValidationError, match=problem):
        seen.extend(client.access_keys.list())
    assert seen == []


@pytest.mark.parametrize("size", [0, 1001, -5])
def test_page_size_is_checked_before_any_request(
    client: SinchKeys, emu: Emulator, size: int
) -> None:
    with pytest.raises(ValueError, match="page_size"):
        client.access_keys.list(page_size=size)
    assert emu.requests == []


def test_extra_query_reaches_the_server(client: SinchKeys, emu: Emulator) -> None:
    list(client.access_keys.list(extra_query={"filter": "a b"}))
    assert emu.requests[-1].query["filter"] == ["a b"]


# -- input that could change the request -------------------------------------------------------


@pytest.mark.parametrize("key_id", ["../x", "a/b?c", "k#f", "%2F", "x y", "ключ", "a;b=c"])
def test_ids_reach_the_server_as_themselves(client: SinchKeys, emu: Emulator, key_id: str) -> None:
    with pytest.raises(NotFoundError):
        client.access_keys.get(key_id)
    seen = emu.requests[-1]
    assert seen.path == f"/v1/projects/{emu.project_id}/accessKeys/{key_id}"
    assert seen.route == "get"
    assert seen.raw_query == ""


@pytest.mark.parametrize("key_id", ["", ".", ".."])
def test_dot_and_empty_ids_are_rejected_before_sending(
    client: SinchKeys, emu: Emulator, key_id: str
) -> None:
    for call in (client.access_keys.get, client.access_keys.delete):
        with pytest.raises(ValueError, match="access_key_id"):
            call(key_id)
    with pytest.raises(ValueError, match="project_id"):
        client.access_keys.get("k", project_id=key_id)
    assert emu.requests == []


def test_wrong_types_are_rejected_before_sending(client: SinchKeys, emu: Emulator) -> None:
    with pytest.raises(TypeError):
        client.access_keys.get(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.access_keys.create(display_name=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="display_name"):
        client.access_keys.update("k", display_name="")
    with pytest.raises(TypeError):
        client.access_keys.list(page_token=5)  # type: ignore[arg-type]
    assert emu.requests == []


# -- self-lockout guard ---------------------------------------------------------------------------


def test_self_delete_is_refused_unless_allowed(client: SinchKeys, emu: Emulator) -> None:
    with pytest.raises(SelfDeleteError, match="allow_self_delete"):
        client.access_keys.delete(emu.key_id)
    assert emu.requests == []
    client.access_keys.delete(emu.key_id, allow_self_delete=True)
    assert emu.keys() == []


async def test_self_delete_guard_async(aclient: AsyncSinchKeys, emu: Emulator) -> None:
    with pytest.raises(SelfDeleteError):
        await aclient.access_keys.delete(emu.key_id)
    assert emu.requests == []


# -- retries -----------------------------------------------------------------------------------


def test_transient_errors_are_retried_with_backoff(
    client: SinchKeys, emu: Emulator, sleeps: list[float]
) -> None:
    client.access_keys.get(emu.key_id)  # token fetched
    emu.faults.script("get", Fault(status=502), Fault(status=504))
    assert client.access_keys.get(emu.key_id).access_key_id == emu.key_id
    assert emu.count("get") == 4
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.0
    assert 1.0 <= sleeps[1] <= 1.5


def test_gives_up_after_max_retries_plus_one(
    client: SinchKeys, emu: Emulator, sleeps: list[float]
) -> None:
    emu.faults.script("get", *[Fault(status=503)] * 10)
    with pytest.raises(InternalServerError) as info:
        client.access_keys.get(emu.key_id)
    assert info.value.status_code == 503
    assert emu.count("get") == 3
    emu.faults.clear()
    emu.faults.script("get", *[Fault(status=503)] * 10)
    with pytest.raises(InternalServerError):
        client.access_keys.get(emu.key_id, max_retries=0)
    assert emu.count("get") == 4


def test_retry_after_is_honoured_and_capped(
    client: SinchKeys, emu: Emulator, sleeps: list[float]
) -> None:
    emu.faults.script("get", Fault(status=429, retry_after="7"))
    client.access_keys.get(emu.key_id)
    assert sleeps == [7.0]
    emu.faults.script("get", Fault(status=429, retry_after="3600"))
    with pytest.raises(RateLimitError) as info:
        client.access_keys.get(emu.key_id)
    assert info.value.retry_after == 3600.0
    assert sleeps == [7.0]  # not retried: the server asked for longer than the cap


async def test_async_retries(aclient: AsyncSinchKeys, emu: Emulator, sleeps: list[float]) -> None:
    emu.faults.script("get", Fault(status=500), Fault(status=429, retry_after="2"))
    assert (await aclient.access_keys.get(emu.key_id)).access_key_id == emu.key_id
    assert emu.count("get") == 3
    assert sleeps[-1] == 2.0


# -- create is not idempotent -----------------------------------------------------------------


def test_create_retried_when_surely_not_applied(client: SinchKeys, emu: Emulator) -> None:
    emu.faults.script("create", Fault(status=503), Fault(status=429, retry_after="1"))
    created = client.access_keys.create(display_name="once")
    assert emu.count("create") == 3
    # counted from what the store applied: a second applied create would show here even
    # where the store's name check would have refused to keep it
    assert [w.display_name for w in emu.writes if w.route == "create"].count("once") == 1
    assert created.secret.get_secret_value()


@pytest.mark.parametrize("status", [500, 502, 504])
def test_create_5xx_not_applied_raises_outcome_unknown_without_key(
    client: SinchKeys, emu: Emulator, sleeps: list[float], status: int
) -> None:
    emu.faults.script("create", Fault(status=status))
    with pytest.raises(CreateOutcomeUnknownError) as info:
        client.access_keys.create(display_name="maybe")
    assert emu.count("create") == 1
    assert info.value.access_key is None
    # absence of evidence is not evidence: looked again after each recheck wait, and said so
    assert info.value.lookups == 4
    assert emu.count("list") == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert "found no key named 'maybe' yet" in str(info.value)
    assert "none was created" not in str(info.value)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=500, passthrough=True),
        Fault(drop=True, passthrough=True),
        Fault(timeout=True, passthrough=True),
        Fault(status=200, malformed=True, passthrough=True),
    ],
)
def test_create_applied_but_answer_lost_names_the_key(
    client: SinchKeys, emu: Emulator, fault: Fault
) -> None:
    emu.faults.script("create", fault)
    with pytest.raises(CreateOutcomeUnknownError) as info:
        client.access_keys.create(display_name="lost answer")
    stored = [k for k in emu.keys() if k["displayName"] == "lost answer"]
    assert len(stored) == 1  # exactly one key: never a second create
    assert emu.count("create") == 1
    assert info.value.access_key is not None
    assert info.value.access_key.access_key_id == stored[0]["accessKeyId"]
    assert stored[0]["accessKeyId"] in str(info.value)
    assert "cannot be recovered" in str(info.value)


async def test_create_outcome_unknown_async(aclient: AsyncSinchKeys, emu: Emulator) -> None:
    emu.faults.script("create", Fault(drop=True, passthrough=True))
    with pytest.raises(CreateOutcomeUnknownError) as info:
        await aclient.access_keys.create(display_name="lost")
    assert info.value.access_key is not None
    assert len(emu.keys()) == 2


def test_create_connection_never_made_is_retried(emu: Emulator, sleeps: list[float]) -> None:
    attempts: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/accessKeys") and request.method == "POST" and not attempts:
            attempts.append(1)
            raise httpx.ConnectError("connection refused", request=request)
        return emu.handle(request)

    with SinchKeys(
        **client_kwargs(emu),
        http_client=httpx.Client(transport=httpx.MockTransport(flaky)),
        sleep=sleeps.append,
    ) as client:
        client.access_keys.create(display_name="after refusal")
    assert emu.count("create") == 1
    assert len(sleeps) == 1


def test_delete_whose_first_attempt_may_have_worked(client: SinchKeys, emu: Emulator) -> None:
    key = client.access_keys.create(display_name="to delete").access_key
    emu.faults.script("delete", Fault(drop=True, passthrough=True))
    client.access_keys.delete(key.access_key_id)  # the retry's 404 means: done
    assert emu.count("delete") == 2
    with pytest.raises(NotFoundError):
        client.access_keys.delete(key.access_key_id)  # a plain 404 is still an error


# -- OAuth2 ---------------------------------------------------------------------------------


def test_one_token_for_many_calls_and_refresh_before_expiry(
    client: SinchKeys, emu: Emulator, clock: Clock
) -> None:
    for _ in range(5):
        client.access_keys.get(emu.key_id)
    assert emu.count("token") == 1
    clock.now += 3599 - 59  # inside the refresh margin
    client.access_keys.get(emu.key_id)
    assert emu.count("token") == 2
    assert all(r.auth == "bearer" for r in emu.requests if r.route == "get")


def test_single_flight_across_threads(emu: Emulator) -> None:
    with SinchKeys(**client_kwargs(emu), http_client=httpx.Client(transport=emu.transport)) as c:
        barrier = threading.Barrier(8)

        def work() -> None:
            barrier.wait()
            c.access_keys.get(emu.key_id)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert emu.count("token") == 1
    assert emu.count("get") == 8


async def test_single_flight_across_coroutines(emu: Emulator) -> None:
    http = httpx.AsyncClient(transport=emu.async_transport)
    async with AsyncSinchKeys(**client_kwargs(emu), http_client=http) as client:
        await asyncio.gather(*(client.access_keys.get(emu.key_id) for _ in range(50)))
    await http.aclose()
    assert emu.count("token") == 1
    assert emu.count("get") == 50


def test_401_on_cached_token_refreshes_once_and_replays(
    client: SinchKeys, emu: Emulator, sleeps: list[float]
) -> None:
    client.access_keys.get(emu.key_id)
    emu.faults.script("get", Fault(status=401))
    client.access_keys.get(emu.key_id)
    assert emu.count("token") == 2
    assert emu.count("get") == 3
    assert sleeps == []  # the replay is not a retry
    emu.faults.script("get", Fault(status=401), Fault(status=401), Fault(status=401))
    with pytest.raises(AuthenticationError):
        client.access_keys.get(emu.key_id)
    assert emu.count("get") == 5  # one replay, never a loop
    assert emu.count("token") == 3


async def test_401_replay_async(aclient: AsyncSinchKeys, emu: Emulator) -> None:
    await aclient.access_keys.get(emu.key_id)
    emu.faults.script("get", Fault(status=401))
    await aclient.access_keys.get(emu.key_id)
    assert emu.count("token") == 2


def test_token_endpoint_failure_is_retried_once_per_policy(
    client: SinchKeys, emu: Emulator, sleeps: list[float]
) -> None:
    emu.faults.script("token", *[Fault(status=503)] * 10)
    with pytest.raises(InternalServerError):
        client.access_keys.get(emu.key_id)
    assert emu.count("token") == 3  # the token's own retries, not multiplied by the request's
    assert emu.count("get") == 0


def test_basic_auth_never_fetches_a_token(emu: Emulator) -> None:
    with SinchKeys(
        **client_kwargs(emu), auth="basic", http_client=httpx.Client(transport=emu.transport)
    ) as client:
        client.access_keys.get(emu.key_id)
        list(client.access_keys.list())
    assert emu.count("token") == 0
    assert {r.auth for r in emu.requests} == {"basic"}


def test_custom_httpx_auth_is_used_as_is(emu: Emulator) -> None:
    auth = httpx.BasicAuth(emu.key_id, emu.key_secret)
    with SinchKeys(
        project_id=emu.project_id,
        auth=auth,
        base_url=emu.base_url,
        http_client=httpx.Client(transport=emu.transport),
    ) as client:
        client.access_keys.get(emu.key_id)
        client.access_keys.delete(emu.key_id)  # no self-delete guard: the SDK can't know the key
    assert [r.auth for r in emu.requests] == ["basic", "basic"]


# -- logging and secrets -----------------------------------------------------------------------


def test_debug_log_has_one_line_per_request_and_no_secret(
    client: SinchKeys, emu: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sinch_keys")
    created = client.access_keys.create(display_name="logged")
    emu.faults.script("get", Fault(status=503))
    client.access_keys.get(created.access_key.access_key_id)
    lines = [r.getMessage() for r in caplog.records if r.name == "sinch_keys"]
    assert any("POST /v1/projects/" in line and "-> 200" in line for line in lines)
    assert any("-> 503 (attempt 1" in line for line in lines)
    assert any(line.startswith("retrying GET") for line in lines)
    text = "\n".join(lines)
    tokens = emu.issued_tokens()
    assert len(tokens) == 1
    for secret in (KEY_SECRET, created.secret.get_secret_value(), *tokens):
        assert secret not in text


# -- resources --------------------------------------------------------------------------------


def test_close_leaves_a_callers_http_client_open(emu: Emulator) -> None:
    http = httpx.Client(transport=emu.transport)
    with SinchKeys(**client_kwargs(emu), http_client=http) as client:
        client.access_keys.get(emu.key_id)
    assert not http.is_closed
    http.close()
    own = SinchKeys(**client_kwargs(emu))
    own.close()
    assert own._http.is_closed


async def test_async_close(emu: Emulator) -> None:
    http = httpx.AsyncClient(transport=emu.async_transport)
    async with AsyncSinchKeys(**client_kwargs(emu), http_client=http):
        pass
    assert not http.is_closed
    await http.aclose()
    own = AsyncSinchKeys(**client_kwargs(emu))
    await own.close()
    assert own._http.is_closed


def test_wrong_http_client_kind_is_refused(emu: Emulator) -> None:
    with pytest.raises(TypeError, match=r"httpx\.Client"):
        SinchKeys(**client_kwargs(emu), http_client=httpx.AsyncClient())  # type: ignore[arg-type]


def test_sinch_keys_log_env_installs_a_stderr_handler() -> None:
    import subprocess
    import sys

    script = (
        "import httpx\n"
        "from sinch_keys import SinchKeys\n"
        "from sinch_keys.testing import Emulator\n"
        "emu = Emulator(project_id='p', key_id='kid', key_secret='TOPSECRET-value-123')\n"
        "with SinchKeys(project_id='p', key_id='kid', key_secret='TOPSECRET-value-123',\n"
        "               base_url=emu.base_url, token_url=emu.token_url,\n"
        "               http_client=httpx.Client(transport=emu.transport)) as c:\n"
        "    c.access_keys.get('kid')\n"
    )
    for level, expected in (("debug", "GET /v1/projects/p/accessKeys/kid -> 200"), ("info", "")):
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={"SINCH_KEYS_LOG": level, "PATH": ""},
            timeout=60,
            check=True,
        )
        assert expected in done.stderr
        assert "TOPSECRET" not in done.stderr + done.stdout
        if level == "info":
            assert "-> 200" not in done.stderr  # requests are DEBUG records
