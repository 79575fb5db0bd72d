"""Unit tests of the facade's pure parts: error mapping, validation, retry decisions, secrets,
the token cache. No server involved."""

from __future__ import annotations

import email.utils
import gzip
import pickle
import threading
import time
import zlib
from typing import Any, cast

import httpx
import pytest

import sinch_keys
from sinch_keys import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    SecretStr,
)
from sinch_keys import _redact as redact
from sinch_keys._auth import Token, TokenCache, parse_token_response
from sinch_keys._body import BodyReader, ResponseTooLarge
from sinch_keys._errors import error_from_response, error_from_transport
from sinch_keys._outcomes import Delivery, delivery_of
from sinch_keys._retry import RetryKind
from sinch_keys._validation import check_display_name, check_id, check_page_size

REQUEST = httpx.Request("GET", "https://account.api.sinch.com/v1/projects/p/accessKeys/k?x=1")


def vendor_error(status: int, code: str, message: str = "m", **headers: str) -> httpx.Response:
    body = {"error": {"code": status, "message": message, "status": code, "details": []}}
    return httpx.Response(status, json=body, headers=headers, request=REQUEST)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (520, InternalServerError),
        (599, InternalServerError),
        (418, APIError),
        (499, APIError),
        (302, APIError),
    ],
)
def test_every_status_maps_to_its_class(status: int, cls: type[APIError]) -> None:
    error = error_from_response(vendor_error(status, "SOME_STATUS", "went wrong"))
    assert type(error) is cls
    assert error.status_code == status
    assert error.status == "SOME_STATUS"
    assert error.message == "went wrong"
    assert str(status) in str(error)


def test_error_carries_request_id_details_and_headers() -> None:
    response = httpx.Response(
        404,
        json={
            "error": {
                "code": 404,
                "message": "Not found",
                "status": "NOT_FOUND",
                "details": [{"type_url": "t", "value": "dg=="}],
            }
        },
        headers={"x-request-id": "req-42"},
        request=REQUEST,
    )
    error = error_from_response(response)
    assert error.request_id == "req-42"
    assert error.details == [{"type_url": "t", "value": "dg=="}]
    assert error.headers["x-request-id"] == "req-42"
    assert "req-42" in str(error)
    assert "x=1" not in str(error)  # the query (a page token) is not part of messages


def test_non_json_and_empty_error_bodies_map_cleanly() -> None:
    error = error_from_response(httpx.Response(502, content=b"<html>bad gateway</html>"))
    assert isinstance(error, InternalServerError)
    assert error.status is None
    assert error.message
    empty = error_from_response(httpx.Response(520))
    assert isinstance(empty, InternalServerError)
    assert empty.message


def test_oauth2_error_body_maps() -> None:
    response = httpx.Response(
        401, json={"error": "invalid_client", "error_description": "bad credentials"}
    )
    error = error_from_response(response)
    assert isinstance(error, AuthenticationError)
    assert error.status == "invalid_client"
    assert error.message == "bad credentials"


def test_rate_limit_retry_after_seconds_and_http_date() -> None:
    assert error_from_response(vendor_error(429, "X", **{"Retry-After": "7"})).retry_after == 7.0
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    after = error_from_response(vendor_error(429, "X", **{"Retry-After": when})).retry_after
    assert after is not None
    assert 25 <= after <= 31
    assert (
        error_from_response(vendor_error(429, "X", **{"Retry-After": "soon"})).retry_after is None
    )


def test_transport_errors_record_whether_the_request_may_have_been_applied() -> None:
    refused = error_from_transport(httpx.ConnectError("refused", request=REQUEST))
    assert type(refused) is APIConnectionError
    assert refused.may_have_reached_server is False
    pool = error_from_transport(httpx.PoolTimeout("pool", request=REQUEST))
    assert isinstance(pool, APITimeoutError)
    assert pool.may_have_reached_server is False
    read = error_from_transport(httpx.ReadTimeout("slow", request=REQUEST))
    assert isinstance(read, APITimeoutError)
    assert read.may_have_reached_server is True
    dropped = error_from_transport(httpx.RemoteProtocolError("peer closed", request=REQUEST))
    assert dropped.may_have_reached_server is True
    assert "GET https://account.api.sinch.com/v1/projects/p/accessKeys/k" in str(dropped)


def test_validation_error_body_excerpt_never_holds_a_secret() -> None:
    body = b'{"accessKey": {"accessKeyId": "k"}, "secret": "TOPSECRETVALUE123"}'
    error = APIResponseValidationError(httpx.Response(200, content=body), "missing field")
    assert "TOPSECRETVALUE123" not in str(error)
    assert "TOPSECRETVALUE123" not in error.body_excerpt
    assert "REDACTED" in error.body_excerpt


@pytest.mark.parametrize("bad", ["", ".", ".."])
def test_ids_that_cannot_be_one_path_segment_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="access_key_id"):
        check_id("access_key_id", bad)


@pytest.mark.parametrize("bad", [None, 1, b"id", True, ["a"]])
def test_non_str_ids_are_type_errors(bad: object) -> None:
    with pytest.raises(TypeError, match="must be a str"):
        check_id("access_key_id", bad)


def test_lone_surrogates_are_rejected_not_sent() -> None:
    with pytest.raises(ValueError, match="Unicode"):
        check_id("access_key_id", "a\ud800b")
    with pytest.raises(ValueError, match="Unicode"):
        check_display_name("\udfff")


@pytest.mark.parametrize("bad", [0, -1, 1001, 10**9])
def test_page_size_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        check_page_size(bad)


@pytest.mark.parametrize("bad", [True, 1.5, "10", None])
def test_page_size_wrong_type(bad: object) -> None:
    with pytest.raises(TypeError):
        check_page_size(bad)


def test_display_name_must_have_content() -> None:
    with pytest.raises(ValueError, match="empty"):
        check_display_name("   ")
    assert check_display_name(" a ") == " a "


class TestRetryPolicy:
    policy = RetryPolicy()

    @pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
    def test_retryable_statuses(self, status: int) -> None:
        assert self.policy.should_retry(
            error_from_response(vendor_error(status, "X")), RetryKind.IDEMPOTENT
        )

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501, 520])
    def test_non_retryable_statuses(self, status: int) -> None:
        error = error_from_response(vendor_error(status, "X"))
        assert not self.policy.should_retry(error, RetryKind.IDEMPOTENT)

    @pytest.mark.parametrize(
        ("status", "retried"), [(429, True), (503, True), (500, False), (502, False), (504, False)]
    )
    def test_create_is_retried_only_when_surely_not_applied(
        self, status: int, retried: bool
    ) -> None:
        error = error_from_response(vendor_error(status, "X"))
        assert self.policy.should_retry(error, RetryKind.CREATE) is retried

    def test_create_retries_connection_never_made_only(self) -> None:
        never = error_from_transport(httpx.ConnectTimeout("t", request=REQUEST))
        maybe = error_from_transport(httpx.ReadTimeout("t", request=REQUEST))
        assert self.policy.should_retry(never, RetryKind.CREATE)
        assert not self.policy.should_retry(maybe, RetryKind.CREATE)
        assert self.policy.should_retry(maybe, RetryKind.IDEMPOTENT)

    def test_retry_after_beyond_the_cap_is_not_retried(self) -> None:
        long_wait = error_from_response(vendor_error(429, "X", **{"Retry-After": "61"}))
        assert not self.policy.should_retry(long_wait, RetryKind.IDEMPOTENT)
        assert RetryPolicy(max_retry_after=120).should_retry(long_wait, RetryKind.IDEMPOTENT)

    def test_wait_honours_retry_after_else_exponential_backoff(self) -> None:
        asked = error_from_response(vendor_error(503, "X", **{"Retry-After": "3"}))
        assert self.policy.wait_seconds(asked, 1) == 3.0
        no_jitter = RetryPolicy(jitter=0, max_backoff=3.0)
        assert [no_jitter.wait_seconds(None, n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
        jittered = [self.policy.wait_seconds(None, 1) for _ in range(50)]
        assert all(0.5 <= w <= 1.0 for w in jittered)
        assert len(set(jittered)) > 1

    @pytest.mark.parametrize(
        ("status", "delivery"),
        [
            (500, Delivery.UNKNOWN),
            (502, Delivery.UNKNOWN),
            (504, Delivery.UNKNOWN),
            (503, Delivery.REJECTED),
            (429, Delivery.REJECTED),
            (409, Delivery.REJECTED),
            (404, Delivery.REJECTED),
        ],
    )
    def test_delivery_of_an_error_status(self, status: int, delivery: Delivery) -> None:
        assert delivery_of(error_from_response(vendor_error(status, "X"))) is delivery

    def test_delivery_of_a_transport_failure(self) -> None:
        never = error_from_transport(httpx.ConnectError("refused", request=REQUEST))
        maybe = error_from_transport(httpx.RemoteProtocolError("dropped", request=REQUEST))
        assert delivery_of(never) is Delivery.NOT_SENT
        assert delivery_of(maybe) is Delivery.UNKNOWN


class TestSecretStr:
    def test_masked_everywhere_but_get_secret_value(self) -> None:
        secret = SecretStr("hunter2-very-secret")
        formatted = "{}".format(secret)  # noqa: UP032 - str.format is a path of its own
        for text in (str(secret), repr(secret), f"{secret}", f"{secret!r}", formatted):
            assert "hunter2" not in text
        assert secret.get_secret_value() == "hunter2-very-secret"
        assert secret == SecretStr("hunter2-very-secret")

    def test_cannot_be_pickled(self) -> None:
        with pytest.raises(TypeError):
            pickle.dumps(SecretStr("x"))


class TestTokenCache:
    def test_parse_token_response_refreshes_before_expiry(self) -> None:
        response = httpx.Response(
            200, json={"access_token": "t", "expires_in": 3599, "token_type": "bearer"}
        )
        token = parse_token_response(response, clock=lambda: 1000.0)
        assert token.refresh_at == 1000.0 + 3599 - 60
        assert "t" not in repr(token).replace("Token", "").replace("refresh_at", "")

    @pytest.mark.parametrize(
        "body",
        [b"not json", b"{}", b'{"access_token": 5}', b'{"access_token": "t", "token_type": "mac"}'],
    )
    def test_bad_token_responses(self, body: bytes) -> None:
        with pytest.raises(APIResponseValidationError):
            parse_token_response(httpx.Response(200, content=body), clock=time.monotonic)

    def test_single_flight_across_threads(self) -> None:
        started = threading.Event()
        calls = []

        def fetch() -> Token:
            calls.append(1)
            started.wait(0.2)  # hold the lock while others pile up
            return Token("t", refresh_at=time.monotonic() + 100)

        cache = TokenCache(fetch=fetch)
        threads = [threading.Thread(target=cache.get) for _ in range(16)]
        for thread in threads:
            thread.start()
        started.set()
        for thread in threads:
            thread.join()
        assert len(calls) == 1
        assert cache.fetch_count == 1

    async def test_single_flight_across_tasks(self) -> None:
        import asyncio

        calls = []

        async def fetch() -> Token:
            calls.append(1)
            await asyncio.sleep(0.01)
            return Token("t", refresh_at=time.monotonic() + 100)

        cache = TokenCache(async_fetch=fetch)
        await asyncio.gather(*(cache.aget() for _ in range(50)))
        assert len(calls) == 1

    def test_expired_token_is_refetched_and_stale_one_replaced_once(self) -> None:
        now = [0.0]
        tokens = iter(["a", "b", "c"])
        cache = TokenCache(
            fetch=lambda: Token(next(tokens), refresh_at=now[0] + 10), clock=lambda: now[0]
        )
        first, fetched = cache.get()
        assert (first.value, fetched) == ("a", True)
        assert cache.get() == (first, False)
        now[0] = 10.0
        second, fetched = cache.get()
        assert (second.value, fetched) == ("b", True)
        third, _ = cache.get(stale=second)
        assert third.value == "c"
        assert cache.get(stale=second) == (third, False)  # someone already replaced it


def test_public_names_are_exported() -> None:
    for name in sinch_keys.__all__:
        assert hasattr(sinch_keys, name), name
    for name in [
        "SinchKeys",
        "AsyncSinchKeys",
        "SinchKeysError",
        "APIError",
        "CreateOutcomeUnknownError",
        "APIResponseValidationError",
    ]:
        assert name in sinch_keys.__all__


class TestBodyReader:
    """_body.BodyReader: decodes gzip and deflate as fed, refuses past the limit."""

    @staticmethod
    def feed_all(reader: Any, data: bytes, chunk: int = 7) -> bytes:
        for start in range(0, len(data), chunk):
            reader.feed(data[start : start + chunk])
        return cast(bytes, reader.finish())

    @pytest.mark.parametrize(
        ("encoding", "encode"),
        [
            ("gzip", lambda d: gzip.compress(d)),
            ("deflate", lambda d: zlib.compress(d)),  # zlib-wrapped, as the RFC says
            ("deflate", lambda d: zlib.compress(d)[2:-4]),  # raw, as some servers send it
            ("identity", lambda d: d),
            (None, lambda d: d),
            ("gzip, gzip", lambda d: gzip.compress(gzip.compress(d))),
        ],
    )
    def test_decodes_what_it_asks_for(self, encoding: str | None, encode: Any) -> None:
        data = b'{"accessKeys": []}' * 50
        assert self.feed_all(BodyReader(encoding, 10_000), encode(data)) == data

    def test_the_limit_is_on_decoded_bytes_and_exact(self) -> None:
        data = b"x" * 4096
        assert self.feed_all(BodyReader("gzip", 4096), gzip.compress(data)) == data
        with pytest.raises(ResponseTooLarge):
            self.feed_all(BodyReader("gzip", 4095), gzip.compress(data))

    @pytest.mark.parametrize("encoding", ["br", "zstd", "compress"])
    def test_an_encoding_not_asked_for_is_refused(self, encoding: str) -> None:
        with pytest.raises(httpx.DecodingError, match="was not asked for"):
            BodyReader(encoding, 1024)

    def test_garbage_under_gzip_is_a_decoding_error(self) -> None:
        with pytest.raises(httpx.DecodingError):
            BodyReader("gzip", 1024).feed(b"not gzip at all")


class TestRedaction:
    """_redact: structure, value and escaping."""

    @pytest.mark.parametrize(
        "text",
        [
            '{"access_token": "s3cr3t-value"}',
            '{"a": {"clientSecret": {"nested": "s3cr3t-value"}}}',
            "access_token=s3cr3t-value&token_type=bearer",
            '{"detail": "{\\"password\\": \\"s3cr3t-value\\"}"}',
            '{"cut": 1, "apiKey": "s3cr3t-value',
            "Authorization: Bearer s3cr3t-value",
        ],
    )
    def test_credentials_are_replaced(self, text: str) -> None:
        out = redact.message(text)
        assert "s3cr3t-value" not in out
        assert redact.REDACTED in out

    def test_known_secret_values_are_replaced_wherever_they_appear(self) -> None:
        SecretStr("value-under-no-secret-name")
        assert redact.message('{"echo": "value-under-no-secret-name"}') == '{"echo": "[REDACTED]"}'

    def test_control_characters_are_escaped_and_long_text_cut(self) -> None:
        out = redact.message("a\nb\x1b]52;c;x\x07\u202e" + "z" * 1000)
        assert out.isprintable()
        assert out.startswith("a\\nb\\x1b]52;c;x\\x07\\u202e")
        assert len(out) == redact.MESSAGE_CHARS


def test_every_public_name_loads_and_the_lazy_table_matches_all() -> None:
    names = set(sinch_keys.__all__)
    assert set(sinch_keys._EXPORTS) | {"__version__"} == names
    for name in sorted(names):
        assert getattr(sinch_keys, name) is not None
    with pytest.raises(AttributeError):
        sinch_keys.NoSuchName  # noqa: B018


def test_import_sinch_keys_is_light_and_version_needs_no_httpx() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, sinch_keys; print(sorted(m for m in ('httpx', 'tenacity', 'attrs', "
        "'sinch_keys._client') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
