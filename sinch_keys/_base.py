"""What the sync and the async client share: configuration and request building.

:class:`BaseClient` resolves settings (arguments, then environment, then the spec's
defaults) and builds each :class:`Call` once. Subclasses add only I/O: driving the operation
flows (``_operations``), whose retry loop (``_retry.send``) asks them to send one attempt or
to sleep.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import attrs
import httpx
from sinch_keys_api import _spec_defaults

from sinch_keys import _routing
from sinch_keys._auth import OAuth2ClientCredentials, TokenCache
from sinch_keys._body import ACCEPT_ENCODING, DEFAULT_MAX_RESPONSE_BYTES
from sinch_keys._deadline import DEFAULT_DEADLINE, Deadline
from sinch_keys._deadline import current as deadline_var
from sinch_keys._errors import InvalidArgumentError, MissingCredentialsError
from sinch_keys._retry import RetryKind, RetryPolicy
from sinch_keys._secrets import SecretStr
from sinch_keys._validation import (
    check_deadline,
    check_id,
    check_max_response_bytes,
    check_max_retries,
    check_timeout,
    check_url,
)
from sinch_keys._version import __version__

log = logging.getLogger("sinch_keys")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# httpcore 1.0.x closes each connection that goes idle while the pool holds more than
# max_keepalive_connections (it counts all of them: encode/httpcore#1000), so a burst beyond
# httpx's 20 opened a connection per request; and its async pool scans every connection each
# time it hands one out, so each one kept costs CPU on every request (benchmarks/: fan-out).
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=20)
USER_AGENT = (
    f"sinch-keys/{__version__} python/{'.'.join(map(str, sys.version_info[:3]))} "
    f"httpx/{httpx.__version__}"
)

PoolT = TypeVar("PoolT", httpx.Client, httpx.AsyncClient)
AuthOption = Literal["oauth2", "basic"] | httpx.Auth
TimeoutOption = float | httpx.Timeout | None


class NotGiven:
    """Marks an argument the caller did not pass (None is a meaningful value for some).

    Example::

        >>> bool(NOT_GIVEN)
        False
    """

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


class Call:
    """One logical API request: built once, sent once or more by the retry loop.

    ``deadline`` bounds the whole call that made this request (on ``clock``), or is None.

    Example::

        call = client._call({"method": "get", "url": "/v1/..."}, RetryKind.IDEMPOTENT)
    """

    __slots__ = (
        "auth",
        "clock",
        "deadline",
        "kind",
        "max_retries",
        "request",
        "timeouts",
    )

    def __init__(
        self,
        request: httpx.Request,
        kind: RetryKind,
        max_retries: int,
        auth: httpx.Auth | None,
        clock: Callable[[], float] = time.monotonic,
        deadline: Deadline | None = None,
    ) -> None:
        self.request = request
        self.kind = kind
        self.max_retries = max_retries
        self.auth = auth
        self.clock = clock
        self.deadline = deadline
        # the configured per-phase timeouts: each attempt gets them, capped at the deadline
        self.timeouts: dict[str, float | None] = dict(request.extensions.get("timeout") or {})

    def __repr__(self) -> str:
        return f"<Call {self.request.method} {self.request.url.path} {self.kind.value}>"


class BaseClient:
    """Settings and request building shared by :class:`SinchKeys` and :class:`AsyncSinchKeys`."""

    _http: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        *,
        project_id: str | None,
        key_id: str | None,
        key_secret: str | None,
        auth: AuthOption,
        base_url: str | None,
        token_url: str | None,
        timeout: TimeoutOption | NotGiven,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        http_client_given: bool,
        clock: Callable[[], float] | None,
        allow_insecure_http: bool = False,
        deadline: float | None = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        # inside sinch_keys.testing.emulated(): the emulator's settings stand in for the environment
        self._route = None if http_client_given else _routing.current()
        env = os.environ if self._route is None else self._route.environ
        self.project_id = project_id if project_id is not None else env.get("SINCH_PROJECT_ID")
        if self.project_id is not None:
            check_id("project_id", self.project_id)
        # credentials go to these two: https, or plain http only to this machine (or if allowed)
        self.base_url = _strip_slash(
            check_url(
                "base_url",
                base_url or env.get("SINCH_KEYS_BASE_URL") or _spec_defaults.BASE_URL,
                allow_insecure_http,
            )
        )
        self.token_url = check_url(
            "token_url",
            token_url or env.get("SINCH_KEYS_TOKEN_URL") or _spec_defaults.TOKEN_URL,
            allow_insecure_http,
        )
        self.deadline = check_deadline(deadline)
        self.max_response_bytes = check_max_response_bytes(max_response_bytes)
        self._clock = clock or time.monotonic
        policy = retry_policy or RetryPolicy()
        if max_retries is not None:
            policy = _evolve(policy, max_retries=check_max_retries(max_retries))
        self.retry_policy = policy
        if isinstance(timeout, NotGiven):
            self._timeout: httpx.Timeout | None = None if http_client_given else DEFAULT_TIMEOUT
        else:
            check_timeout(timeout)
            self._timeout = (
                timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
            )
        # None (a caller's http_client, no timeout given): keep that client's own timeout
        self._default_timeout: Any = (
            httpx.USE_CLIENT_DEFAULT if self._timeout is None else self._timeout
        )
        self._headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            # only what _body.BodyReader decodes within max_response_bytes
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        # merged into each request, unless our own pool carries them (_own_pool_defaults)
        self._request_headers: dict[str, str] | None = self._headers
        # the subclass plugs its I/O into the cache: fetch (sync) or async_fetch
        self._tokens = TokenCache(clock=self._clock)
        self._oauth2 = OAuth2ClientCredentials(self._tokens)

        if isinstance(auth, httpx.Auth):
            self.auth_kind = "custom"
            self.key_id = key_id if key_id is not None else env.get("SINCH_KEY_ID")
            self._key_secret: SecretStr | None = None
            self._custom_auth: httpx.Auth | None = auth
        elif auth in ("oauth2", "basic"):
            self.auth_kind = auth
            self._custom_auth = None
            self._set_credentials(
                key_id if key_id is not None else env.get("SINCH_KEY_ID"),
                key_secret if key_secret is not None else env.get("SINCH_KEY_SECRET"),
            )
        else:
            raise InvalidArgumentError(
                f"auth must be 'oauth2', 'basic' or an httpx.Auth, not {auth!r}"
            )

    def _set_credentials(self, key_id: str | None, key_secret: str | None) -> None:
        if not key_id:
            raise MissingCredentialsError("SINCH_KEY_ID", "key_id")
        if not key_secret:
            raise MissingCredentialsError("SINCH_KEY_SECRET", "key_secret")
        check_id("key_id", key_id)
        self.key_id = key_id
        self._key_secret = SecretStr(key_secret)
        self._basic_auth = httpx.BasicAuth(key_id, key_secret)

    def _pool(self, given: PoolT | None, pool_class: type[PoolT]) -> PoolT:
        """The caller's httpx client (never closed by us), or our own pool, built once with our
        headers and timeout so that requests need not merge them on every call."""
        self._owns_http = given is None
        if given is not None:
            return given
        self._request_headers = None
        self._default_timeout = httpx.USE_CLIENT_DEFAULT
        transport = None if self._route is None else self._route.transport_for(pool_class)
        return pool_class(
            timeout=self._timeout, limits=DEFAULT_LIMITS, headers=self._headers, transport=transport
        )

    def _switch_credentials(self, key_id: str, key_secret: str) -> None:
        """After rotating its own key: authenticate with the new one from now on."""
        self._set_credentials(key_id, key_secret)
        self._tokens.invalidate()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} project_id={self.project_id!r} key_id={self.key_id!r} "
            f"auth={self.auth_kind!r} base_url={self.base_url!r}>"
        )

    # -- request building (shared, no I/O) -------------------------------------------------

    def _project(self, project_id: str | None) -> str:
        if project_id is None:
            if self.project_id is None:
                raise MissingCredentialsError("SINCH_PROJECT_ID", "project_id")
            return self.project_id
        return check_id("project_id", project_id)

    def _call(
        self,
        kwargs: Mapping[str, Any],
        kind: RetryKind,
        *,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        extra_query: Mapping[str, Any] | None = None,
        auth: httpx.Auth | NotGiven | None = NOT_GIVEN,
        deadline: Deadline | None = None,
    ) -> Call:
        """Turn the generated client's request description into a ready :class:`Call`."""
        params = kwargs.get("params")
        if extra_query:
            params = {**(params or {}), **extra_query}
        headers = self._request_headers
        if "headers" in kwargs:
            headers = {**(headers or {}), **kwargs["headers"]}
        if not isinstance(timeout, NotGiven):
            check_timeout(timeout)
        try:
            request = self._http.build_request(
                kwargs["method"],
                self.base_url + kwargs["url"],
                params=params,
                json=kwargs.get("json"),
                headers=headers,
                timeout=self._default_timeout if isinstance(timeout, NotGiven) else timeout,
            )
        except httpx.InvalidURL as exc:  # e.g. an id so long the URL exceeds httpx's limit
            raise InvalidArgumentError(
                f"cannot build the request URL: {exc} (an id, project id or page "
                f"token is too long or malformed)"
            ) from None
        retries = self.retry_policy.max_retries if max_retries is None else max_retries
        return Call(
            request,
            kind,
            check_max_retries(retries),
            self._request_auth() if isinstance(auth, NotGiven) else auth,
            self._clock,
            deadline,
        )

    def _deadline(self, seconds: float | NotGiven | None) -> Deadline | None:
        """The deadline of a call starting now: ``seconds`` if given, else the client's."""
        chosen = self.deadline if isinstance(seconds, NotGiven) else check_deadline(seconds)
        return None if chosen is None else Deadline(chosen, self._clock() + chosen)

    def _inherited_deadline(self) -> Deadline | None:
        """The deadline of the call whose request needs a token now (see ``_deadline``)."""
        return deadline_var.get()

    def _token_call(self, key_id: str, key_secret: SecretStr, deadline: Deadline | None) -> Call:
        request = self._http.build_request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers=self._headers,
            timeout=self._default_timeout,
        )
        auth = httpx.BasicAuth(key_id, key_secret.get_secret_value())
        return Call(
            request,
            RetryKind.IDEMPOTENT,
            self.retry_policy.max_retries,
            auth,
            self._clock,
            deadline,
        )

    def _request_auth(self) -> httpx.Auth:
        if self._custom_auth is not None:
            return self._custom_auth
        return self._basic_auth if self.auth_kind == "basic" else self._oauth2

    def _is_own_key(self, access_key_id: str) -> bool:
        # key ids are unique across projects, so the id alone says "the key this client uses";
        # with a custom httpx.Auth the SDK cannot know which key that is
        return self.auth_kind != "custom" and access_key_id == self.key_id


def _strip_slash(url: str) -> str:
    return url[:-1] if url.endswith("/") else url


def _evolve(policy: RetryPolicy, **changes: Any) -> RetryPolicy:
    return attrs.evolve(policy, **changes)
