"""Hardening against hostile servers and unsafe configuration, over loopback, sync and async.

Each test attacks one promise of SECURITY.md ("Hostile servers and unsafe settings") with a
server that means harm (tests/reliability/hostile.py) or a setting that would leak, and checks
what reached the caller: the exception, its whole object graph, the memory it took, the
requests the server saw. No address but 127.0.0.1 is ever contacted: what the SDK would send
elsewhere is recorded by an httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import gc
import os
import ssl
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import trustme

from sinch_keys import (
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    AsyncSinchKeys,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    ResponseTooLargeError,
    SinchKeys,
    SinchKeysError,
)
from tests.reliability.hostile import (
    KEY_ID,
    KEY_SECRET,
    PROJECT,
    TOKEN,
    TOKEN_PATH,
    HostileServer,
    Reply,
    Seen,
    drip,
    gzip_bomb,
    hostile_server,
    token_ok,
)

FLAVOURS = ["sync", "async"]
KEY_PATH = f"/v1/projects/{PROJECT}/accessKeys/k1"
KEY_BODY = (
    b'{"accessKeyId": "k1", "displayName": "d", "projectId": "proj-hostile", '
    b'"createTime": "2026-01-01T00:00:00Z", "updateTime": "2026-01-01T00:00:00Z"}'
)
BASIC = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
CREDENTIALS = (KEY_SECRET, TOKEN, BASIC)


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with hostile_server() as hostile:
        yield hostile


@functools.lru_cache(maxsize=1)
def one_mib_bomb() -> bytes:
    return gzip_bomb(1024)  # 1 MB on the wire, 1 GiB inflated


def settings(server: HostileServer, **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": PROJECT,
        "key_id": KEY_ID,
        "key_secret": KEY_SECRET,
        "base_url": server.url,
        "token_url": server.url + TOKEN_PATH,
        "timeout": 5.0,
        **overrides,
    }


def call(flavour: str, server: HostileServer, op: Callable[[Any], Any], **overrides: Any) -> Any:
    """``op(client.access_keys)`` on a fresh client; returns the result or the exception."""
    sleeps: list[float] = []
    if flavour == "sync":
        with SinchKeys(sleep=sleeps.append, **settings(server, **overrides)) as client:
            try:
                return op(client.access_keys)
            except SinchKeysError as exc:
                return exc

    async def run() -> Any:
        async def sleep(seconds: float) -> None:
            sleeps.append(seconds)

        async with AsyncSinchKeys(sleep=sleep, **settings(server, **overrides)) as client:
            try:
                return await op(client.access_keys)
            except SinchKeysError as exc:
                return exc

    return asyncio.run(run())


def get_k1(keys: Any) -> Any:
    return keys.get("k1")


# -- 1. https only, except to this machine ------------------------------------------------------


@pytest.mark.parametrize("field", ["base_url", "token_url"])
@pytest.mark.parametrize(
    "url", ["http://203.0.113.7", "http://account.api.sinch.com", "http://10.0.0.1:8080"]
)
def test_plain_http_to_another_host_is_refused_before_any_request(field: str, url: str) -> None:
    sent: list[httpx.Request] = []
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(500))
    )
    with pytest.raises(InvalidArgumentError, match="plain http to a host that is not this machine"):
        SinchKeys(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET, http_client=http,
                  **{field: url + ("/oauth2/token" if field == "token_url" else "")})  # fmt: skip
    assert sent == []
    http.close()


def test_a_typo_in_the_token_url_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", "http://auth.sinch.com/oauth2/token")
    with pytest.raises(InvalidArgumentError) as info:
        SinchKeys(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET)
    assert "token_url" in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1",
        "https://user:pw@account.api.sinch.com",  # pragma: allowlist secret
        "https://x.test/?a=1",
        "x://",
    ],
)
def test_urls_that_would_leak_or_misroute_are_refused(url: str) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        SinchKeys(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET, base_url=url)
    assert "pw" not in str(info.value)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.1.2.3", "[::1]"])
def test_plain_http_to_this_machine_is_allowed(host: str) -> None:
    client = SinchKeys(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET,
                       base_url=f"http://{host}:8080")  # fmt: skip
    assert client.base_url == f"http://{host}:8080"
    client.close()


def test_allow_insecure_http_is_a_deliberate_choice() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == TOKEN_PATH:
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 60})
        return httpx.Response(200, content=KEY_BODY)

    with (
        httpx.Client(transport=httpx.MockTransport(record)) as http,
        SinchKeys(
            project_id=PROJECT,
            key_id=KEY_ID,
            key_secret=KEY_SECRET,
            base_url="http://203.0.113.7",
            token_url="http://203.0.113.7/oauth2/token",
            http_client=http,
            allow_insecure_http=True,
        ) as client,  # fmt: skip
    ):
        client.access_keys.get("k1")
    assert [str(r.url.copy_with(path="/")) for r in seen] == ["http://203.0.113.7/"] * 2


# -- 2. bounded responses -------------------------------------------------------------------------


def peak_of(run: Callable[[], Any]) -> tuple[Any, int]:
    gc.collect()
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


LIMIT = 1 << 20  # a 1 MiB max_response_bytes makes the bound easy to read


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_gzip_bomb_is_refused_within_a_small_memory_bound(
    server: HostileServer, flavour: str
) -> None:
    bomb = one_mib_bomb()
    server.route(
        KEY_PATH,
        lambda seen, reply: reply.json(200, bomb, {"Content-Encoding": "gzip"}),
    )
    result, peak = peak_of(lambda: call(flavour, server, get_k1, max_response_bytes=LIMIT))
    assert isinstance(result, ResponseTooLargeError)
    assert result.limit == LIMIT
    assert server.count(KEY_PATH) == 1  # never retried
    assert peak < LIMIT + 4 * (1 << 20), peak  # the limit, plus a raw chunk or two


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("status", [200, 500])
def test_a_100_mb_body_is_read_no_further_than_the_limit(
    server: HostileServer, flavour: str, status: int
) -> None:
    megabyte = b"x" * (1 << 20)
    server.route(
        KEY_PATH,
        lambda seen, reply: reply.stream(status, iter([megabyte] * 100), {}),
    )
    result, peak = peak_of(lambda: call(flavour, server, get_k1, max_response_bytes=LIMIT))
    assert isinstance(result, ResponseTooLargeError)
    assert server.count(KEY_PATH) == 1  # an error body over the limit is not read again
    assert peak < LIMIT + 4 * (1 << 20), peak


def test_the_default_limit_is_10_mib() -> None:
    assert SinchKeys(
        project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET
    ).max_response_bytes == (10 * 1024 * 1024)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_encoding_never_asked_for_is_refused(server: HostileServer, flavour: str) -> None:
    server.route(KEY_PATH, lambda seen, reply: reply.json(200, b"xx", {"Content-Encoding": "br"}))
    result = call(flavour, server, get_k1)
    assert isinstance(result, APIResponseValidationError)
    assert "'br' was not asked for" in str(result)
    assert server.seen[-1].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_huge_error_message_is_cut_and_cannot_forge_log_lines(
    server: HostileServer, flavour: str
) -> None:
    message = "boom\nERROR forged log line\x1b[2J" + "A" * (8 << 20)
    body = b'{"error": {"code": 404, "status": "NOT_FOUND", "message": "%s"}}' % (
        message.replace("\n", "\\n").replace("\x1b", "\\u001b").encode()
    )
    server.route(KEY_PATH, lambda seen, reply: reply.json(404, body))
    result = call(flavour, server, get_k1, max_response_bytes=16 << 20)
    assert isinstance(result, NotFoundError)
    text = str(result)
    assert len(text) < 600
    assert "\n" not in text
    assert "\x1b" not in text
    assert "boom\\nERROR forged log line\\x1b[2J" in text
    assert "\n" not in result.message


# -- 3. a deadline bounds the whole call -------------------------------------------------------


class TickingClock:
    """A clock that moves 0.1 s each time it is read: deadlines expire by count, not by wall
    time, so the test asserts *that* the call stopped, never how fast."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            self.now += 0.1
            return self.now


def dripping_body(seen: Seen, reply: Reply) -> None:
    reply.stream(200, drip(b" ", every=0.01), {})


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_dripping_body_is_stopped_at_the_deadline(server: HostileServer, flavour: str) -> None:
    server.route(KEY_PATH, dripping_body)
    clock = TickingClock()
    result = call(flavour, server, lambda keys: keys.get("k1", deadline=2.0), clock=clock)
    assert isinstance(result, APITimeoutError)
    assert "deadline of 2 s" in str(result)
    assert server.count(KEY_PATH) == 1


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_retries_and_their_waits_stop_at_the_deadline(server: HostileServer, flavour: str) -> None:
    body = b'{"error": {"code": 503, "status": "UNAVAILABLE", "message": "later"}}'
    server.route(KEY_PATH, lambda seen, reply: reply.json(503, body, {"Retry-After": "30"}))
    result = call(flavour, server, lambda keys: keys.get("k1", deadline=10.0), max_retries=5)
    assert isinstance(result, APITimeoutError)
    assert "deadline of 10 s reached before the request could be sent again" in str(result)
    assert server.count(KEY_PATH) == 1  # a 30 s wait does not fit in 10 s: not waited


def dripping_headers(then: bytes, walked_away: list[int]) -> Callable[[Seen, Reply], None]:
    """Headers one line every 0.05 s for 5 s (each gap far inside the 5 s read timeout), then
    ``then``. ``walked_away`` gets the number of lines sent when the client hung up: a client
    the deadline does not stop waits for them all."""

    def handler(seen: Seen, reply: Reply) -> None:
        reply.raw(b"HTTP/1.1 200 OK\r\n")
        for sent in range(DRIPPED_LINES):
            time.sleep(0.05)
            reply.raw(b"X-Slow: x\r\n")
            if reply._gone():
                walked_away.append(sent)
                return
        reply.raw(b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(then))
        reply.raw(b"Connection: close\r\n\r\n" + then)

    return handler


DRIPPED_LINES = 100


@pytest.mark.usefixtures("no_env_proxies")
@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("path", [KEY_PATH, TOKEN_PATH], ids=["api", "token"])
def test_dripping_headers_cannot_hold_a_call(
    server: HostileServer, flavour: str, path: str
) -> None:
    token = b'{"access_token": "' + TOKEN.encode() + b'", "expires_in": 3599}'
    walked_away: list[int] = []
    then = KEY_BODY if path == KEY_PATH else token
    server.route(path, dripping_headers(then, walked_away))
    server.route(KEY_PATH if path == TOKEN_PATH else TOKEN_PATH, _ok_for(path))
    # no retries: only the attempt itself can name the deadline
    result = call(flavour, server, lambda keys: keys.get("k1", deadline=0.5), max_retries=0)
    assert isinstance(result, APITimeoutError), result
    assert "deadline of 0.5 s" in str(result)
    assert server.count(path) == 1
    assert_hung_up_mid_drip(walked_away)


def assert_hung_up_mid_drip(walked_away: list[int]) -> None:
    """The server saw the client hang up while it was still dripping (not after the headers
    ended: a client that waited them out is also stopped, by the check between body
    chunks)."""
    for _ in range(100):
        if walked_away:
            break
        time.sleep(0.05)
    assert walked_away
    assert walked_away[0] < DRIPPED_LINES - 1


def _ok_for(dripped: str) -> Callable[[Seen, Reply], None]:
    """The other endpoint, answering well."""
    if dripped == KEY_PATH:
        return token_ok
    return lambda seen, reply: reply.json(200, KEY_BODY)


def certificate_for_loopback(ca: trustme.CA) -> ssl.SSLContext:
    """A server's TLS context with a certificate for 127.0.0.1 issued by ``ca``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def tls_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    """A hostile server over TLS, with a certificate for 127.0.0.1 from a throwaway CA that
    the client trusts through SSL_CERT_FILE (as httpx's default transport would)."""
    ca = trustme.CA()
    with ca.cert_pem.tempfile() as ca_file:
        monkeypatch.setenv("SSL_CERT_FILE", ca_file)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        with hostile_server(tls=certificate_for_loopback(ca)) as hostile:
            yield hostile


@pytest.mark.usefixtures("no_env_proxies")
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_our_pools_speak_tls_and_stop_dripped_headers_there(
    tls_server: HostileServer, flavour: str
) -> None:
    """Our own transports over TLS: the certificate is verified against the CA the
    environment names, a key is read, and a drip after the handshake still ends at the
    deadline."""
    tls_server.route(KEY_PATH, lambda seen, reply: reply.json(200, KEY_BODY))
    assert call(flavour, tls_server, get_k1).access_key_id == "k1"
    walked_away: list[int] = []
    tls_server.route(KEY_PATH, dripping_headers(KEY_BODY, walked_away))
    result = call(flavour, tls_server, lambda keys: keys.get("k1", deadline=0.5), max_retries=0)
    assert isinstance(result, APITimeoutError), result
    assert "deadline of 0.5 s" in str(result)
    assert_hung_up_mid_drip(walked_away)


@pytest.mark.usefixtures("no_env_proxies")
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_our_pools_refuse_a_certificate_they_cannot_verify(
    server: HostileServer, flavour: str
) -> None:
    """Without the CA in SSL_CERT_FILE, the same TLS server is refused: nothing is sent."""
    with hostile_server(tls=certificate_for_loopback(trustme.CA())) as untrusted:
        result = call(flavour, untrusted, get_k1, max_retries=0)
        assert isinstance(result, SinchKeysError)
        assert "CERTIFICATE_VERIFY_FAILED" in repr(result.__cause__) + str(result)
        assert untrusted.seen == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_proxy_from_the_environment_is_still_used(
    server: HostileServer, monkeypatch: pytest.MonkeyPatch, flavour: str
) -> None:
    """Our own pools (sync: sockets bounded by the deadline; async: the queue in front of the
    pool) must not cost the caller the proxy settings httpx reads from the environment."""
    for name in list(os.environ):
        if name.lower() in {"no_proxy", "all_proxy"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HTTP_PROXY", server.url)
    elsewhere = "http://127.0.0.2:9"  # loopback, so plain HTTP is allowed; only the proxy answers
    options = {"base_url": elsewhere, "token_url": elsewhere + TOKEN_PATH, "max_retries": 0}
    result = call(flavour, server, get_k1, **options)
    assert isinstance(result, SinchKeysError)
    assert [s.path for s in server.seen] == [elsewhere + TOKEN_PATH]


def test_a_slow_token_endpoint_never_parks_every_thread(server: HostileServer) -> None:
    def slow_token(seen: Seen, reply: Reply) -> None:
        reply.stream(200, drip(b" ", every=0.02), {})

    server.route(TOKEN_PATH, slow_token)
    errors: list[BaseException] = []
    with SinchKeys(**settings(server)) as client:

        def one() -> None:
            try:
                client.access_keys.get("k1", deadline=0.5)
            except SinchKeysError as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert not any(t.is_alive() for t in threads)
    assert len(errors) == 8
    assert all(isinstance(e, APITimeoutError) for e in errors), errors
    assert server.count(KEY_PATH) == 0


def test_deadline_none_means_no_bound_beyond_the_timeouts() -> None:
    client = SinchKeys(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET, deadline=None)
    assert client.deadline is None
    with pytest.raises(InvalidArgumentError):
        SinchKeys(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET, deadline=0)
    client.close()


# -- 4. no credential reachable from an exception -------------------------------------------------


def reachable(root: object) -> Iterator[object]:
    """Every object reachable from an exception through its attributes, args, cause and
    context, containers included (frames excluded: see SECURITY.md)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None or isinstance(item, int | float | bool | bytes):
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, str):
            continue
        if isinstance(item, BaseException):
            stack += [item.__cause__, item.__context__, *item.args]
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple | set | frozenset):
            stack += list(item)
        elif isinstance(item, httpx.Headers):
            stack += [f"{k}: {v}" for k, v in item.multi_items()]
        if hasattr(item, "__dict__"):
            stack += list(vars(item).values())
        for slot in getattr(type(item), "__slots__", ()):
            stack.append(getattr(item, slot, None))


def holds_a_credential(exc: BaseException) -> list[str]:
    found = []
    for item in reachable(exc):
        if isinstance(item, httpx.Request) and "authorization" in item.headers:
            found.append(f"an httpx.Request with Authorization ({item.url})")
        if isinstance(item, str) and any(secret in item for secret in CREDENTIALS):
            found.append(f"a string holding a credential: {item[:60]!r}")
    return found


def cut_connection(seen: Seen, reply: Reply) -> None:
    reply.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")  # then the line drops


ATTACKS: dict[str, tuple[str, Callable[[Seen, Reply], None]]] = {
    "dropped-api": (KEY_PATH, cut_connection),
    "dropped-token": (TOKEN_PATH, cut_connection),
    "timed-out-api": (KEY_PATH, lambda seen, reply: time.sleep(2)),  # says nothing at all
    "echoed-credentials": (
        KEY_PATH,
        lambda seen, reply: reply.json(
            500,
            b'{"error": {"message": "you sent %s", "status": "INTERNAL"}}'
            % seen.headers["authorization"].encode(),
            {"X-Echo": seen.headers["authorization"], "Authorization": "x"},
        ),
    ),
    "echoed-basic-on-token": (
        TOKEN_PATH,
        lambda seen, reply: reply.json(
            401,
            b'{"error": "invalid_client", "error_description": "bad %s"}'
            % seen.headers["authorization"].encode(),
        ),
    ),
}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_no_credential_is_reachable_from_the_exception(
    server: HostileServer, flavour: str, attack: str
) -> None:
    path, handler = ATTACKS[attack]
    server.route(path, handler)
    result = call(flavour, server, get_k1, max_retries=0, timeout=0.5)
    assert isinstance(result, SinchKeysError), result
    assert holds_a_credential(result) == []
    for secret in CREDENTIALS:
        assert secret not in str(result)
        assert secret not in repr(result)


def test_the_graph_walk_would_find_a_credential() -> None:
    """The check above can fail: an exception carrying the request, as httpx's do."""
    request = httpx.Request("GET", "https://x.test", headers={"Authorization": "Bearer " + TOKEN})
    assert holds_a_credential(httpx.ConnectError("x", request=request))


# -- 5. tokens checked before use; excerpts scrubbed by structure and by value ------------------

BAD_TOKENS = {
    "newline": '"' + TOKEN + '\\n"',
    "nul": '"' + TOKEN + '\\u0000"',
    "space": '"' + TOKEN[:10] + " " + TOKEN[10:] + '"',
    "non-ascii": '"' + TOKEN + 'é"',
    "object": '{"value": "' + TOKEN + '"}',
    "empty": '""',
}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("variant", list(BAD_TOKENS))
def test_a_malformed_token_is_refused_never_cached_never_echoed(
    server: HostileServer, flavour: str, variant: str
) -> None:
    body = ('{"access_token": ' + BAD_TOKENS[variant] + ', "token_type": "bearer"}').encode()
    server.route(TOKEN_PATH, lambda seen, reply: reply.json(200, body))
    result = call(flavour, server, get_k1)
    assert isinstance(result, APIResponseValidationError)
    assert TOKEN not in str(result)
    assert TOKEN[:20] not in str(result)
    assert server.count(KEY_PATH) == 0  # never used
    assert holds_a_credential(result) == []


ECHOES = {
    "form-encoded": (b"access_token=" + TOKEN.encode() + b"&token_type=bearer", "text/plain"),
    "camelCase": (b'{"accessToken": "' + TOKEN.encode() + b'"}', "application/json"),
    "nested": (b'{"data": {"auth": {"access_token": "' + TOKEN.encode() + b'"}}}', "x"),
    "escaped-in-a-string": (
        b'{"detail": "{\\"access_token\\": \\"' + TOKEN.encode() + b'\\"}"}',
        "application/json",
    ),
    "secret-under-another-name": (b'{"echo": "' + KEY_SECRET.encode() + b'"}', "x"),
    "cut-short": (b'{"x": 1, "client_secret": "' + KEY_SECRET.encode(), "application/json"),
}


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("variant", list(ECHOES))
def test_body_excerpts_are_scrubbed_by_structure_and_by_value(
    server: HostileServer, flavour: str, variant: str
) -> None:
    body, content_type = ECHOES[variant]
    server.route(
        TOKEN_PATH,
        lambda seen, reply: reply.json(200, body, {"Content-Type": content_type}),
    )
    result = call(flavour, server, get_k1)
    assert isinstance(result, APIResponseValidationError), result
    assert "[REDACTED]" in result.body_excerpt, result.body_excerpt
    for secret in (TOKEN, KEY_SECRET):
        assert secret not in str(result)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_response_header_echoing_a_credential_is_dropped(
    server: HostileServer, flavour: str
) -> None:
    path, handler = ATTACKS["echoed-credentials"]
    server.route(path, handler)
    result = call(flavour, server, get_k1, max_retries=0)
    assert isinstance(result, InternalServerError)
    assert "authorization" not in result.headers
    assert "x-echo" not in result.headers
    assert "content-type" in result.headers  # the harmless ones stay
    assert isinstance(result, APIError)
