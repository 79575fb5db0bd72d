"""No credential ever leaks: every operation and every error path, sync and async, over real
loopback HTTP with DEBUG logging on (caplog on ``sinch_keys`` and the root logger, plus the
``SINCH_KEYS_LOG=debug`` stderr handler). Every log record, every repr/str of clients, results
and errors (the whole exception chain and each exception's attributes), stderr/stdout and every
file under cassettes/ is searched for the bootstrap secret, every created secret, every bearer
token issued and every Basic credential (``id:secret`` and its base64 form).

The credentials are collected as they cross the wire, by an httpx response hook on the
client's ``http_client``: the SDK under test never has to hand them over.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sinch_keys import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncSinchKeys,
    AuthenticationError,
    ConflictError,
    CreateOutcomeUnknownError,
    InternalServerError,
    MissingCredentialsError,
    NotFoundError,
    RotationError,
    SelfDeleteError,
    SinchKeys,
)
from sinch_keys import _logging as sdk_logging
from sinch_keys.testing import Fault
from tests.reliability.support import KEY_ID, KEY_SECRET, TOKEN_PATH, Live, refused_port

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = ROOT / "cassettes"
WRONG_SECRET = "wrong-secret-Hq7Lm2Vx9Rt4Pz1K"  # pragma: allowlist secret
# Credentials that only ever appear inside faulted response bodies
FAKE_TOKEN_MAC = "fake-token-of-type-mac-Kd83Jf02Ls"  # pragma: allowlist secret
FAKE_TOKEN_EXPIRED = "fake-token-already-expired-Wq61Zx"  # pragma: allowlist secret
FAKE_SECRET_IN_BROKEN_BODY = "fake-secret-in-broken-body-Pn42Tb"  # pragma: allowlist secret


class Collector:
    """The credentials seen on the wire, and everything that must not show them."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.tokens: set[str] = set()
        self.pairs: set[tuple[str, str]] = set()
        self.objects: list[Any] = []

    def pair(self, key_id: str, secret: str) -> None:
        self.pairs.add((key_id, secret))
        self.secrets.add(secret)

    def forbidden(self) -> set[str]:
        out = set(self.secrets) | set(self.tokens)
        for key_id, secret in self.pairs:
            raw = f"{key_id}:{secret}"
            out |= {raw, base64.b64encode(raw.encode()).decode()}
        return out

    def seen(self, response: httpx.Response) -> None:
        try:
            body = json.loads(response.content)
        except ValueError:
            return
        if not isinstance(body, dict):
            return
        token = body.get("access_token")
        if isinstance(token, str) and token:
            self.tokens.add(token)
        secret = body.get("secret")
        if isinstance(secret, str) and secret:
            key = body.get("accessKey")
            key_id = key.get("accessKeyId") if isinstance(key, dict) else None
            if isinstance(key_id, str):
                self.pair(key_id, secret)
            else:
                self.secrets.add(secret)

    def sync_http(self, timeout: float = 5.0) -> httpx.Client:
        def hook(response: httpx.Response) -> None:
            response.read()
            self.seen(response)

        return httpx.Client(timeout=timeout, event_hooks={"response": [hook]})

    def async_http(self, timeout: float = 5.0) -> httpx.AsyncClient:
        async def hook(response: httpx.Response) -> None:
            await response.aread()
            self.seen(response)

        return httpx.AsyncClient(timeout=timeout, event_hooks={"response": [hook]})

    def keep(self, value: Any) -> Any:
        self.objects.append(value)
        return value

    def catch(self, expected: type[BaseException], action: Callable[[], Any]) -> BaseException:
        with pytest.raises(expected) as info:
            action()
        return self.keep(info.value)

    async def acatch(self, expected: type[BaseException], action: Callable[[], Any]) -> None:
        with pytest.raises(expected) as info:
            await action()
        self.keep(info.value)


def exception_texts(exc: BaseException, seen: set[int]) -> Iterator[str]:
    if id(exc) in seen:
        return
    seen.add(id(exc))
    yield repr(exc)
    yield str(exc)
    yield "".join(traceback.format_exception(exc))
    for name, value in vars(exc).items():
        yield f"{name}={value!r}"
        if isinstance(value, BaseException):
            yield from exception_texts(value, seen)
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None:
            yield from exception_texts(linked, seen)


def object_texts(value: Any) -> Iterator[str]:
    if isinstance(value, BaseException):
        yield from exception_texts(value, set())
        return
    yield repr(value)
    yield str(value)
    if isinstance(value, SinchKeys | AsyncSinchKeys):
        yield repr(vars(value))
        yield repr(vars(value._tokens))
    elif hasattr(value, "__dict__"):
        yield repr(vars(value))


def tidy(live: Live, client: SinchKeys, keep: frozenset[str] | set[str] = frozenset()) -> None:
    """Delete every key but the client's own and ``keep`` (through the SDK)."""
    for key in live.emu.keys():
        if key["accessKeyId"] not in keep and key["accessKeyId"] != client.key_id:
            client.access_keys.delete(key["accessKeyId"])


def sync_client(live: Live, http: httpx.Client, **overrides: Any) -> SinchKeys:
    return SinchKeys(sleep=live.sleeps.append, http_client=http, **live.settings(**overrides))


def exercise_sync(live: Live, c: Collector, http: httpx.Client) -> tuple[str, str]:
    """Everything on sync clients; returns the credentials the async part goes on with (the
    bootstrap key is rotated away at the end)."""
    emu = live.emu
    client = c.keep(sync_client(live, http))
    keys = client.access_keys
    # every operation
    created = c.keep(keys.create(display_name="hygiene one"))
    c.keep(keys.get(created.access_key.access_key_id))
    c.keep(keys.update(created.access_key.access_key_id, display_name="hygiene one (renamed)"))
    c.keep(list(keys.list(page_size=1).pages()))
    c.keep(keys.create(display_name="hygiene two"))
    keys.delete(created.access_key.access_key_id)
    to_rotate = c.keep(keys.create(display_name="to rotate"))
    c.keep(keys.rotate(to_rotate.access_key.access_key_id))
    # API errors
    c.catch(NotFoundError, lambda: keys.get("no-such-key"))
    c.catch(ConflictError, lambda: keys.create(display_name="hygiene two"))
    # validation errors and guards
    c.catch(ValueError, lambda: keys.get(".."))
    c.catch(ValueError, lambda: keys.create(display_name="   "))
    c.catch(ValueError, lambda: list(keys.list(page_size=0)))
    c.catch(TypeError, lambda: keys.get(5))  # type: ignore[arg-type]
    c.catch(SelfDeleteError, lambda: keys.delete(client.key_id))
    c.catch(RotationError, lambda: keys.rotate(client.key_id))
    # create with an unknown outcome: named, lookup failed, broken body carrying a secret
    emu.faults.script("create", Fault(status=500, passthrough=True))
    c.catch(CreateOutcomeUnknownError, lambda: keys.create(display_name="lost answer"))
    emu.faults.script("create", Fault(drop=True, passthrough=True))
    emu.faults.script("list", *[Fault(status=503)] * 3)
    c.catch(CreateOutcomeUnknownError, lambda: keys.create(display_name="lost, lookup failed"))
    c.secrets.add(FAKE_SECRET_IN_BROKEN_BODY)
    broken = '{"accessKey": 1, "secret": "' + FAKE_SECRET_IN_BROKEN_BODY + '"}'
    emu.faults.script("create", Fault(body=broken))
    c.catch(CreateOutcomeUnknownError, lambda: keys.create(display_name="broken body"))
    tidy(live, client)  # the SDK refuses a rotation in a project at the 10-key limit
    # rotation failing at each step
    target = c.keep(keys.create(display_name="rotation target"))
    target_id = target.access_key.access_key_id
    emu.faults.script("create", Fault(status=500, passthrough=True))
    c.catch(RotationError, lambda: keys.rotate(target_id))
    emu.faults.script("token", *[Fault(status=500)] * 3)  # the new key's token
    c.catch(RotationError, lambda: keys.rotate(target_id))
    emu.faults.script("get", Fault(passthrough=True), Fault(status=401))  # verify refused
    c.catch(RotationError, lambda: keys.rotate(target_id))
    emu.faults.script("delete", Fault(status=403))  # deleting the old key refused
    c.catch(RotationError, lambda: keys.rotate(target_id))
    # transport failures
    emu.faults.script("get", Fault(timeout=True, latency=3.0))
    c.catch(APITimeoutError, lambda: keys.get(target_id, timeout=0.2, max_retries=0))
    emu.faults.script("get", *[Fault(drop=True)] * 3)
    c.catch(APIConnectionError, lambda: keys.get(target_id))
    with refused_port() as port:
        refused = c.keep(sync_client(live, http, base_url=f"http://127.0.0.1:{port}"))
        c.catch(APIConnectionError, lambda: refused.access_keys.get(target_id))
    # token failures, each on a fresh client
    token_faults: list[tuple[Fault, type[BaseException]]] = [
        (Fault(status=500), InternalServerError),
        (Fault(timeout=True, latency=3.0), APITimeoutError),
        (Fault(malformed=True), APIResponseValidationError),
        (
            Fault(body={"access_token": FAKE_TOKEN_MAC, "token_type": "mac", "expires_in": 60}),
            APIResponseValidationError,
        ),
        (Fault(body={"access_token": FAKE_TOKEN_EXPIRED, "expires_in": 0}), AuthenticationError),
    ]
    for fault, expected in token_faults:
        fresh = c.keep(sync_client(live, http, max_retries=0, timeout=0.2))
        emu.faults.script("token", fault)
        c.catch(expected, lambda f=fresh: f.access_keys.get(target_id))
    c.tokens |= {FAKE_TOKEN_MAC, FAKE_TOKEN_EXPIRED}
    # a 401 on the cached token: refreshed and replayed
    emu.expire_tokens()
    c.keep(keys.get(target_id))
    # refused credentials, oauth2 and basic
    c.pair(KEY_ID, WRONG_SECRET)
    wrong = c.keep(sync_client(live, http, key_secret=WRONG_SECRET))
    c.catch(AuthenticationError, lambda: wrong.access_keys.get(target_id))
    wrong_basic = c.keep(sync_client(live, http, key_secret=WRONG_SECRET, auth="basic"))
    c.catch(AuthenticationError, lambda: wrong_basic.access_keys.get(target_id))
    tidy(live, client, keep={target_id})
    basic = c.keep(sync_client(live, http, auth="basic"))
    c.keep(basic.access_keys.create(display_name="made with basic"))
    c.keep(basic.access_keys.rotate(target_id))
    tidy(live, client)
    # rotating the client's own key: it switches to the new one
    c.keep(keys.rotate(client.key_id, allow_self_rotation=True))
    c.keep(keys.get(client.key_id))
    c.catch(SelfDeleteError, lambda: keys.delete(client.key_id))
    tidy(live, client)
    spare = c.keep(keys.create(display_name="async credentials"))
    return spare.access_key.access_key_id, spare.secret.get_secret_value()


async def exercise_async(
    live: Live, c: Collector, http: httpx.AsyncClient, credentials: tuple[str, str]
) -> None:
    emu = live.emu

    async def sleep(seconds: float) -> None:
        live.sleeps.append(seconds)

    own_id, own_secret = credentials
    settings = live.settings(key_id=own_id, key_secret=own_secret)
    client = c.keep(AsyncSinchKeys(sleep=sleep, http_client=http, **settings))
    keys = client.access_keys
    created = c.keep(await keys.create(display_name="async one"))
    key_id = created.access_key.access_key_id
    c.keep(await keys.get(key_id))
    c.keep(await keys.update(key_id, display_name="async one (renamed)"))
    c.keep([page async for page in keys.list(page_size=2).pages()])
    c.keep(await keys.rotate(key_id))
    await c.acatch(NotFoundError, lambda: keys.get(key_id))
    await c.acatch(SelfDeleteError, lambda: keys.delete(client.key_id))
    emu.faults.script("create", Fault(status=502, passthrough=True))
    await c.acatch(CreateOutcomeUnknownError, lambda: keys.create(display_name="async lost"))
    lost = c.objects[-1].access_key
    emu.faults.script("create", Fault(malformed=True, passthrough=True))
    await c.acatch(RotationError, lambda: keys.rotate(lost.access_key_id))
    settings["max_retries"] = 1
    fresh = c.keep(AsyncSinchKeys(sleep=sleep, http_client=http, **settings))
    emu.faults.script("token", *[Fault(status=503)] * 2)
    await c.acatch(InternalServerError, lambda: fresh.access_keys.get(own_id))
    emu.expire_tokens()
    c.keep(await keys.get(own_id))
    c.keep(await keys.rotate(client.key_id, allow_self_rotation=True))
    await client.close()
    await fresh.close()


@pytest.fixture
def sinch_keys_log_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """``SINCH_KEYS_LOG=debug`` as at import time: a stderr handler on the sdk logger. Call
    the fixture's value inside the test, so the handler binds the test's captured stderr."""
    logger = logging.getLogger("sinch_keys")
    level, handlers = logger.level, list(logger.handlers)

    def install() -> None:
        monkeypatch.setenv("SINCH_KEYS_LOG", "debug")
        sdk_logging.setup_from_env()
        assert len(logger.handlers) == len(handlers) + 1

    yield install
    for handler in logger.handlers[:]:
        if handler not in handlers:
            logger.removeHandler(handler)
    logger.setLevel(level)


def test_no_credential_in_logs_reprs_errors_or_cassettes(
    live: Live,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    sinch_keys_log_env: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sinch_keys_log_env()
    caplog.set_level(logging.DEBUG)  # root: httpx, httpcore, uvicorn, asyncio...
    caplog.set_level(logging.DEBUG, logger="sinch_keys")
    c = Collector()
    c.pair(KEY_ID, KEY_SECRET)
    live.emu.max_keys = 100

    with c.sync_http() as http:
        credentials = exercise_sync(live, c, http)
        for value in c.objects:
            if isinstance(value, SinchKeys):
                value.close()

    async def run_async() -> None:
        async with c.async_http() as ahttp:
            await exercise_async(live, c, ahttp, credentials)

    asyncio.run(run_async())
    for variable in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEY_SECRET"):
        monkeypatch.delenv(variable, raising=False)
    c.catch(MissingCredentialsError, lambda: SinchKeys(key_id=KEY_ID, key_secret=None))

    # the run really exercised what it claims
    assert len(c.tokens) >= 10, c.tokens
    assert len(c.pairs) >= 12, len(c.pairs)
    assert sum(isinstance(o, BaseException) for o in c.objects) >= 30
    records = caplog.records
    assert sum(r.name == "sinch_keys" and r.levelno == logging.DEBUG for r in records) >= 50
    assert any(r.name == "sinch_keys" and r.getMessage().startswith("retrying") for r in records)
    assert any(r.name.startswith("httpx") or r.name.startswith("httpcore") for r in records)
    captured = capfd.readouterr()
    assert "sinch_keys DEBUG POST /v1/projects/" in captured.err

    texts: dict[str, str] = {}
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for i, record in enumerate(records):
        texts[f"log record {i} ({record.name})"] = (
            formatter.format(record) + repr(record.args) + repr(vars(record))
        )
    texts["stderr"] = captured.err
    texts["stdout"] = captured.out
    for i, value in enumerate(c.objects):
        texts[f"object {i} ({type(value).__name__})"] = "\n".join(object_texts(value))
    for path in sorted(CASSETTES.rglob("*")):
        if path.is_file():
            texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8", errors="replace")

    leaks = [
        (where, secret[:6] + "...")
        for secret in c.forbidden()
        for where, text in texts.items()
        if secret in text
    ]
    assert leaks == []


def test_cassettes_hold_no_credential_at_all() -> None:
    """Whatever recorded them: no Authorization header, every secret/token member REDACTED."""
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert files
    member = re.compile(r'"(secret|access_token|refresh_token|client_secret)":\s*"([^"]*)"')
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?im)^\s*authorization:", text), path
        assert not re.search(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{8,}", text), path
        for name, value in member.findall(text):
            assert value == "REDACTED", (path, name)
        assert TOKEN_PATH in text or "accessKeys" in text
