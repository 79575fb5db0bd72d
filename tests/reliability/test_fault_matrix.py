"""Fault matrix over REAL loopback HTTP (uvicorn), sync and async: for each fault, the attempts
the emulator saw, the waits the client asked of its injected sleep (never wall time), and the
exception type and message the caller gets.

The in-process cases live in tests/facade/test_client.py; these go through sockets, so drops
are real truncated bodies, timeouts are real socket timeouts and refusals real RSTs.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from sinch_keys import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    CreatedAccessKey,
    CreateOutcomeUnknownError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    SinchKeysError,
)
from sinch_keys.testing import Emulator, Fault
from tests.reliability.support import FLAVOURS, KEY_ID, TOKEN_PATH, Live, refused_port

# Backoff bounds of the default policy (0.5 s doubling, up to 0.5 s of jitter).
B1, B2, B3 = (0.5, 1.0), (1.0, 1.5), (2.0, 2.5)
# The waits before each re-check of a create whose outcome is unknown (RetryPolicy default).
RECHECKS = ((1.0, 1.0), (2.0, 2.0), (4.0, 4.0))
SHORT = 0.2  # the client timeout of the timeout cases
HOLD = 3.0  # how long the server holds a timed-out response (the client gives up first)


def http_date(seconds_from_now: float) -> str:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=seconds_from_now)
    return email.utils.format_datetime(moment, usegmt=True)


def key_body(emu: Emulator, **changes: Any) -> dict[str, Any]:
    body = dict(emu.keys()[0])
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


@dataclass(frozen=True)
class Case:
    """One fault on one route of an idempotent operation."""

    faults: Callable[[Emulator], tuple[Fault, ...]]
    attempts: int
    waits: tuple[tuple[float, float], ...] = ()
    error: type[SinchKeysError] | None = None
    message: str = ""
    route: str = "get"
    client: dict[str, Any] = field(default_factory=dict)


def same(*faults: Fault) -> Callable[[Emulator], tuple[Fault, ...]]:
    return lambda emu: faults


CASES: dict[str, Case] = {
    "drop-then-ok": Case(same(Fault(drop=True)), 2, (B1,)),
    "drop-forever": Case(
        same(*[Fault(drop=True)] * 5),
        3,
        (B1, B2),
        APIConnectionError,
        r"^request connection failed \(GET http://127\.0\.0\.1:\d+/v1/projects/proj-rel/"
        r"accessKeys/rel-bootstrap-key\): RemoteProtocolError",
    ),
    "read-timeout-then-ok": Case(
        same(Fault(timeout=True, latency=HOLD)), 2, (B1,), client={"timeout": SHORT}
    ),
    "read-timeout-forever": Case(
        same(*[Fault(timeout=True, latency=HOLD)] * 3),
        2,
        (B1,),
        APITimeoutError,
        r"^request timed out \(GET http://127\.0\.0\.1:\d+/v1/projects/proj-rel/accessKeys/"
        r"rel-bootstrap-key\): ReadTimeout",
        client={"timeout": SHORT, "max_retries": 1},
    ),
    "429-retry-after-seconds": Case(same(Fault(status=429, retry_after="3")), 2, ((3.0, 3.0),)),
    "429-retry-after-zero": Case(same(Fault(status=429, retry_after="0")), 2, ((0.0, 0.0),)),
    "429-retry-after-http-date": Case(
        lambda emu: (Fault(status=429, retry_after=http_date(30)),), 2, ((28.0, 30.0),)
    ),
    "429-retry-after-http-date-past": Case(
        lambda emu: (Fault(status=429, retry_after=http_date(-30)),), 2, ((0.0, 0.0),)
    ),
    "429-without-retry-after": Case(same(Fault(status=429)), 2, (B1,)),
    "429-retry-after-unparsable": Case(same(Fault(status=429, retry_after="soon")), 2, (B1,)),
    "429-longer-than-cap": Case(
        same(Fault(status=429, retry_after="61")),
        1,
        (),
        RateLimitError,
        r"^429 RESOURCE_EXHAUSTED: Too many requests \(GET ",
    ),
    "429-http-date-longer-than-cap": Case(
        lambda emu: (Fault(status=429, retry_after=http_date(3600)),),
        1,
        (),
        RateLimitError,
        r"^429 RESOURCE_EXHAUSTED",
        client={"retry_policy": RetryPolicy(max_retry_after=10.0)},
    ),
    "429-forever": Case(
        same(*[Fault(status=429, retry_after="1")] * 5),
        3,
        ((1.0, 1.0), (1.0, 1.0)),
        RateLimitError,
        r"^429 RESOURCE_EXHAUSTED",
    ),
    **{
        f"{status}-then-ok": Case(same(Fault(status=status)), 2, (B1,))
        for status in (500, 502, 503, 504)
    },
    "503-forever": Case(
        same(*[Fault(status=503)] * 10),
        4,
        (B1, B2, B3),
        InternalServerError,
        r"^503 UNAVAILABLE: There was an internal server error\. \(GET http://127\.0\.0\.1:\d+/",
        client={"max_retries": 3},
    ),
    "503-forever-no-retries": Case(
        same(*[Fault(status=503)] * 3),
        1,
        (),
        InternalServerError,
        r"^503 UNAVAILABLE",
        client={"max_retries": 0},
    ),
    "malformed-200": Case(
        same(Fault(malformed=True)),
        1,
        (),
        APIResponseValidationError,
        r"^200: response does not match the API description: body is not valid JSON; "
        r"body starts '\{\"accessKeys\": \[\{\"accessKeyId\": \"'",
    ),
    "missing-field-200": Case(
        lambda emu: (Fault(body=key_body(emu, displayName=None)),),
        1,
        (),
        APIResponseValidationError,
        r"^200: response does not match the API description: missing required field "
        r"'displayName'",
    ),
    "wrong-type-200": Case(
        lambda emu: (Fault(body=key_body(emu, createTime="yesterday")),),
        1,
        (),
        APIResponseValidationError,
        r"^200: response does not match the API description: ValueError",
    ),
    "not-an-object-200": Case(
        same(Fault(body=[1, 2, 3])), 1, (), APIResponseValidationError, r"^200: response does"
    ),
    "unknown-extra-field-200": Case(
        lambda emu: (Fault(body=key_body(emu, futureField={"x": 1})),), 1
    ),
    "list-malformed-200": Case(
        same(Fault(malformed=True)),
        1,
        (),
        APIResponseValidationError,
        r"body is not valid JSON",
        route="list",
    ),
    "list-502-then-ok": Case(same(Fault(status=502)), 2, (B1,), route="list"),
    "list-drop-then-ok": Case(same(Fault(drop=True)), 2, (B1,), route="list"),
    "update-504-then-ok": Case(same(Fault(status=504)), 2, (B1,), route="update"),
    "update-applied-answer-dropped": Case(
        same(Fault(drop=True, passthrough=True)), 2, (B1,), route="update"
    ),
}


def run_route(driver: Any, route: str) -> Any:
    if route == "get":
        return driver.get(KEY_ID)
    if route == "list":
        return driver.first_page(page_size=5)
    if route == "update":
        return driver.update(KEY_ID, "renamed by the matrix")
    raise AssertionError(route)


def check_waits(sleeps: list[float], bounds: tuple[tuple[float, float], ...]) -> None:
    assert len(sleeps) == len(bounds), sleeps
    for waited, (low, high) in zip(sleeps, bounds, strict=True):
        assert low <= waited <= high, (sleeps, bounds)


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", list(CASES))
def test_fault(live: Live, flavour: str, name: str) -> None:
    case = CASES[name]
    emu = live.emu
    with live.driver(flavour, **case.client) as driver:
        driver.get(KEY_ID)  # warm up: the token is cached, the connection open
        live.sleeps.clear()
        before = emu.count(case.route)
        tokens = emu.count("token")
        emu.faults.script(case.route, *case.faults(emu))
        if case.error is None:
            result = run_route(driver, case.route)
        else:
            with pytest.raises(SinchKeysError) as info:
                run_route(driver, case.route)
            assert type(info.value) is case.error
            assert re.search(case.message, str(info.value)), str(info.value)
    assert emu.count(case.route) - before == case.attempts
    assert emu.count("token") == tokens  # a fault on the API never costs a token
    check_waits(live.sleeps, case.waits)
    if name == "unknown-extra-field-200":
        assert result.access_key_id == KEY_ID
        assert result.additional_properties == {"futureField": {"x": 1}}
    if name == "429-longer-than-cap":
        assert info.value.retry_after == 61.0
    if name == "update-applied-answer-dropped":
        assert live.names() == ["renamed by the matrix"]


# -- connection refused --------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_connection_refused_on_the_api(live: Live, flavour: str) -> None:
    with refused_port() as port:
        base = f"http://127.0.0.1:{port}"
        with (
            live.driver(flavour, base_url=base) as driver,
            pytest.raises(APIConnectionError) as info,
        ):
            driver.get(KEY_ID)
    error = info.value
    assert type(error) is APIConnectionError
    assert error.may_have_reached_server is False
    assert re.match(
        rf"^request connection failed \(GET {re.escape(base)}/v1/projects/proj-rel/accessKeys/"
        r"rel-bootstrap-key\): ConnectError: (\[Errno 111\] Connection refused|All connection "
        r"attempts failed)$",
        str(error),
    ), str(error)
    assert error.__cause__ is None  # an httpx error holds the request and its credentials
    check_waits(live.sleeps, (B1, B2))
    assert live.emu.count("token") == 1  # the token came from the live token endpoint


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_connection_refused_on_the_token_endpoint(live: Live, flavour: str) -> None:
    with refused_port() as port:
        token_url = f"http://127.0.0.1:{port}{TOKEN_PATH}"
        with (
            live.driver(flavour, token_url=token_url, max_retries=1) as driver,
            pytest.raises(APIConnectionError) as info,
        ):
            driver.get(KEY_ID)
    assert re.match(
        rf"^request connection failed \(POST {re.escape(token_url)}\): ConnectError",
        str(info.value),
    )
    check_waits(live.sleeps, (B1,))  # the token's own retries, not multiplied by the request's
    assert live.emu.requests == []


# -- the token endpoint --------------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_endpoint_fails(live: Live, flavour: str) -> None:
    live.emu.faults.script("token", *[Fault(status=500)] * 5)
    with live.driver(flavour) as driver, pytest.raises(InternalServerError) as info:
        driver.get(KEY_ID)
    assert re.match(
        r"^500 INTERNAL_ERROR: There was an internal server error\. \(POST http://127\.0\.0\.1:"
        r"\d+/oauth2/token\)$",
        str(info.value),
    ), str(info.value)
    assert live.emu.count("token") == 3
    assert live.emu.count("get") == 0
    check_waits(live.sleeps, (B1, B2))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_endpoint_fails_then_recovers(live: Live, flavour: str) -> None:
    live.emu.faults.script("token", Fault(status=503), Fault(drop=True))
    with live.driver(flavour) as driver:
        assert driver.get(KEY_ID).access_key_id == KEY_ID
    assert live.emu.count("token") == 3
    assert live.emu.count("get") == 1
    check_waits(live.sleeps, (B1, B2))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_endpoint_times_out(live: Live, flavour: str) -> None:
    live.emu.faults.script("token", *[Fault(timeout=True, latency=HOLD)] * 3)
    with (
        live.driver(flavour, timeout=SHORT, max_retries=1) as driver,
        pytest.raises(APITimeoutError) as info,
    ):
        driver.get(KEY_ID)
    assert re.match(
        r"^request timed out \(POST http://127\.0\.0\.1:\d+/oauth2/token\): ReadTimeout",
        str(info.value),
    ), str(info.value)
    assert live.emu.count("token") == 2
    assert live.emu.count("get") == 0
    check_waits(live.sleeps, (B1,))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_response_malformed_is_not_retried(live: Live, flavour: str) -> None:
    live.emu.faults.script("token", Fault(malformed=True))
    with live.driver(flavour) as driver, pytest.raises(APIResponseValidationError) as info:
        driver.get(KEY_ID)
    assert "not an OAuth2 token response" in str(info.value)
    assert live.emu.count("token") == 1
    assert live.sleeps == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_refused_credentials_are_not_retried(live: Live, flavour: str) -> None:
    with (
        live.driver(flavour, key_secret="not-the-secret") as driver,  # pragma: allowlist secret
        pytest.raises(AuthenticationError) as info,
    ):
        driver.get(KEY_ID)
    assert re.match(r"^401 UNAUTHENTICATED: Client authentication failed \(POST ", str(info.value))
    assert live.emu.count("token") == 1
    assert live.sleeps == []


EXPIRED = "an-already-expired-token-0123456789"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_already_expired_is_used_once_and_never_cached(live: Live, flavour: str) -> None:
    expired = Fault(body={"access_token": EXPIRED, "expires_in": 0, "token_type": "bearer"})
    live.emu.faults.script("token", expired)
    with live.driver(flavour) as driver:
        with pytest.raises(AuthenticationError) as info:
            driver.get(KEY_ID)
        # a token fetched just now that gets 401 is a real refusal: no refresh loop
        assert live.emu.count("token") == 1
        assert live.emu.count("get") == 1
        assert "The access token is unknown" in str(info.value)
        # not cached: the next call fetches a fresh (real) token and succeeds
        assert driver.get(KEY_ID).access_key_id == KEY_ID
    assert live.emu.count("token") == 2
    assert live.emu.count("get") == 2
    assert live.sleeps == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_issued_with_zero_lifetime(live: Live, flavour: str) -> None:
    live.emu.token_ttl = 0
    with live.driver(flavour) as driver:
        for attempt in range(1, 3):
            with pytest.raises(AuthenticationError, match="The access token expired"):
                driver.get(KEY_ID)
            assert live.emu.count("token") == attempt  # one fetch per call, never a loop
            assert live.emu.count("get") == attempt
    assert live.sleeps == []


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("how", ["fault-401", "server-expired-tokens"])
def test_401_on_a_cached_token_refreshes_once_and_replays(
    live: Live, flavour: str, how: str
) -> None:
    with live.driver(flavour) as driver:
        driver.get(KEY_ID)
        if how == "fault-401":
            live.emu.faults.script("get", Fault(status=401))
        else:
            live.emu.expire_tokens()
        assert driver.get(KEY_ID).access_key_id == KEY_ID
        assert live.emu.count("token") == 2
        assert live.emu.count("get") == 3
        assert [r.status for r in live.emu.requests if r.route == "get"] == [200, 401, 200]
        # a second 401 on the replay is a real refusal, not a loop
        live.emu.faults.script("get", Fault(status=401), Fault(status=401), Fault(status=401))
        with pytest.raises(AuthenticationError, match=r"^401 UNAUTHENTICATED"):
            driver.get(KEY_ID)
    assert live.emu.count("get") == 5
    assert live.emu.count("token") == 3
    assert live.sleeps == []


# -- delete: the retried delete that finds the key gone ----------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize(
    "fault",
    [Fault(status=504, passthrough=True), Fault(drop=True, passthrough=True)],
    ids=["504-applied", "drop-applied"],
)
def test_delete_applied_but_answer_lost(live: Live, flavour: str, fault: Fault) -> None:
    key, _ = live.emu.create_key("doomed")
    live.emu.faults.script("delete", fault)
    with live.driver(flavour) as driver:
        driver.delete(key["accessKeyId"])  # the retry's 404 means: done
        assert live.emu.count("delete") == 2
        with pytest.raises(NotFoundError):
            driver.delete(key["accessKeyId"])  # a plain 404 is still an error
    check_waits(live.sleeps, (B1,))
    assert live.names() == ["Bootstrap key"]


# -- create: no duplicate key, no silently lost secret -----------------------------------------


def secret_works(live: Live, key_id: str, secret: str) -> bool:
    with httpx.Client(base_url=live.url, timeout=5.0) as http:
        response = http.post(
            TOKEN_PATH, data={"grant_type": "client_credentials"}, auth=(key_id, secret)
        )
    return response.status_code == 200


def check_create_outcome(live: Live, name: str, outcome: Any) -> str:
    """The invariant: at most one key of that name, and it is either returned with its
    secret, or named by a CreateOutcomeUnknownError, or it does not exist. Returns the kind."""
    stored = [k for k in live.emu.keys() if k["displayName"] == name]
    assert len(stored) <= 1, "a create made a duplicate key"
    if isinstance(outcome, CreatedAccessKey):
        assert len(stored) == 1
        assert outcome.access_key.access_key_id == stored[0]["accessKeyId"]
        assert secret_works(live, stored[0]["accessKeyId"], outcome.secret.get_secret_value())
        return "created"
    if isinstance(outcome, CreateOutcomeUnknownError):
        assert outcome.display_name == name
        assert name in str(outcome)
        if outcome.access_key is not None:
            assert stored, "the error names a key that does not exist"
            assert outcome.access_key.access_key_id == stored[0]["accessKeyId"]
            assert stored[0]["accessKeyId"] in str(outcome)
            assert "its secret cannot be recovered" in str(outcome)
            return "unknown-named"
        # absence of evidence: never "none was created", whatever the store says
        assert "none was created" not in str(outcome)
        if outcome.lookup_error is None:
            assert f"found no key named {name!r} yet" in str(outcome)
            assert outcome.lookups == 4  # looked at once, then after each recheck wait
            return "unknown-none"
        assert f"check for a key named {name!r}" in str(outcome)
        return "unknown-lookup-failed"
    assert isinstance(outcome, SinchKeysError), repr(outcome)
    assert not stored, f"{type(outcome).__name__} raised but a key was created"
    return "typed-none"


@dataclass(frozen=True)
class CreateCase:
    faults: tuple[Fault, ...]
    kind: str
    creates: int
    error: type[SinchKeysError] | None = None
    waits: tuple[tuple[float, float], ...] = ()
    list_faults: tuple[Fault, ...] = ()
    client: dict[str, Any] = field(default_factory=dict)


CREATE_CASES: dict[str, CreateCase] = {
    **{
        f"{s}-not-applied": CreateCase((Fault(status=s),), "unknown-none", 1, waits=RECHECKS)
        for s in (500, 502, 504)
    },
    **{
        f"{s}-applied": CreateCase((Fault(status=s, passthrough=True),), "unknown-named", 1)
        for s in (500, 502, 504)
    },
    # over HTTP a drop cuts the body of a 503 (the fault's status): the status line says
    # "not applied", so nothing is looked up and the connection error is raised as it is
    "drop-not-applied": CreateCase((Fault(drop=True),), "typed-none", 1, APIConnectionError),
    "drop-applied": CreateCase((Fault(drop=True, passthrough=True),), "unknown-named", 1),
    "read-timeout-not-applied": CreateCase(
        (Fault(timeout=True, latency=HOLD),),
        "unknown-none",
        1,
        waits=RECHECKS,
        client={"timeout": SHORT},
    ),
    "read-timeout-applied": CreateCase(
        (Fault(timeout=True, latency=HOLD, passthrough=True),),
        "unknown-named",
        1,
        client={"timeout": SHORT},
    ),
    "malformed-200-applied": CreateCase(
        (Fault(malformed=True, passthrough=True),), "unknown-named", 1
    ),
    "200-without-secret-applied": CreateCase(
        (Fault(body={"unexpected": True}, passthrough=True),), "unknown-named", 1
    ),
    "applied-and-first-lookup-fails": CreateCase(
        (Fault(status=500, passthrough=True),),
        "unknown-named",
        1,
        # the lookup is a list, retried like any read; failed, it is looked up again later
        waits=(B1, B2, RECHECKS[0]),
        list_faults=tuple([Fault(status=503)] * 3),
    ),
    "applied-and-every-lookup-fails": CreateCase(
        (Fault(status=500, passthrough=True),),
        "unknown-lookup-failed",
        1,
        waits=(B1, B2, RECHECKS[0], B1, B2, RECHECKS[1], B1, B2, RECHECKS[2], B1, B2),
        list_faults=tuple([Fault(status=503)] * 12),
    ),
    "503-then-ok": CreateCase((Fault(status=503),), "created", 2, waits=(B1,)),
    "429-then-ok": CreateCase(
        (Fault(status=429, retry_after="2"),), "created", 2, waits=((2.0, 2.0),)
    ),
    "503-forever": CreateCase(
        tuple([Fault(status=503)] * 5), "typed-none", 3, InternalServerError, (B1, B2)
    ),
    "409-conflict": CreateCase((Fault(status=409),), "typed-none", 1, ConflictError),
}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", list(CREATE_CASES))
def test_create_outcome(live: Live, flavour: str, name: str) -> None:
    case = CREATE_CASES[name]
    display_name = f"create {name}"
    live.emu.faults.script("create", *case.faults)
    if case.list_faults:
        live.emu.faults.script("list", *case.list_faults)
    outcome: Any
    with live.driver(flavour, **case.client) as driver:
        try:
            outcome = driver.create(display_name)
        except SinchKeysError as exc:
            outcome = exc
    assert check_create_outcome(live, display_name, outcome) == case.kind
    if case.error is not None:
        assert type(outcome) is case.error
    assert live.emu.count("create") == case.creates
    check_waits(live.sleeps, case.waits)
    if case.kind.startswith("unknown"):
        assert live.emu.count("list") >= 1  # the outcome was settled by a lookup


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_create_connection_refused_makes_no_key(live: Live, flavour: str) -> None:
    with refused_port() as port, live.driver(flavour, base_url=f"http://127.0.0.1:{port}") as d:
        try:
            outcome: Any = d.create("never sent")
        except SinchKeysError as exc:
            outcome = exc
    assert type(outcome) is APIConnectionError
    assert outcome.may_have_reached_server is False
    assert check_create_outcome(live, "never sent", outcome) == "typed-none"
    check_waits(live.sleeps, (B1, B2))  # retried: the connection was never made


def test_basic_credential_helper_matches_the_emulator(live: Live) -> None:
    """The secret check above really checks: a wrong secret is refused."""
    assert secret_works(live, live.emu.key_id, live.emu.key_secret)
    assert not secret_works(live, live.emu.key_id, "wrong")


# -- found by this suite -----------------------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_401_refresh_with_every_connection_busy(live: Live, flavour: str) -> None:
    # one connection stands for "every connection busy": the 401 holds it during the refresh
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(5.0, pool=0.5)
    if flavour == "sync":
        with httpx.Client(limits=limits, timeout=timeout) as http:
            client = live.sync_client(http_client=http, timeout=timeout)
            client.access_keys.get(KEY_ID)
            live.emu.expire_tokens()
            assert client.access_keys.get(KEY_ID).access_key_id == KEY_ID
            client.close()
    else:

        async def run() -> None:
            async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:
                client = live.async_client(http_client=http, timeout=timeout)
                await client.access_keys.get(KEY_ID)
                live.emu.expire_tokens()
                assert (await client.access_keys.get(KEY_ID)).access_key_id == KEY_ID
                await client.close()

        asyncio.run(run())
    assert live.emu.count("token") == 2
