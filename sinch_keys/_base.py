"""What the sync and the async client share: configuration and request building.

:class:`BaseClient` resolves settings (arguments, then environment, then the spec's
defaults) and builds each :class:`Call` once. Subclasses add only I/O: driving the operation
flows (``_operations``), whose retry loop (``_retry.send``) asks them to send one attempt or
to sleep.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

import attrs
import httpx
from sinch_keys_api import _spec_defaults

from sinch_keys import _routing
from sinch_keys._auth import KeyCredentials, OAuth2ClientCredentials, SharedKey, TokenCache
from sinch_keys._body import DEFAULT_MAX_RESPONSE_BYTES
from sinch_keys._deadline import DEFAULT_DEADLINE, Deadline
from sinch_keys._deadline import current as deadline_var
from sinch_keys._errors import (
    InvalidArgumentError,
    InvalidArgumentTypeError,
    MissingCredentialsError,
)
from sinch_keys._headers import caller_agent, client_headers, sdk_agent, with_extra
from sinch_keys._ratelimit import RateLimiter
from sinch_keys._retry import RetryKind, RetryPolicy
from sinch_keys._secrets import SecretStr
from sinch_keys._validation import (
    check_deadline,
    check_header_value,
    check_headers,
    check_id,
    check_max_response_bytes,
    check_max_retries,
    check_timeout,
    check_url,
)

if TYPE_CHECKING:
    from sinch_keys._resources import AccessKeys, AsyncAccessKeys

log = logging.getLogger("sinch_keys")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# httpcore 1.0.x closes each connection that goes idle while the pool holds more than
# max_keepalive_connections (it counts all of them: encode/httpcore#1000), so a burst beyond
# httpx's 20 opened a connection per request; and its async pool scans every connection each
# time it hands one out, so each one kept costs CPU on every request (benchmarks/: fan-out).
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=20)

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
        "limiter",
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
        limiter: RateLimiter | None = None,
    ) -> None:
        self.request = request
        self.limiter = limiter
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
    access_keys: AccessKeys | AsyncAccessKeys
    _request_headers: dict[str, str] | None

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
        default_headers: Mapping[str, str] | None = None,
        user_agent_extra: str | None = None,
        allow_insecure_http: bool = False,
        deadline: float | None = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        rate_limiter: RateLimiter | None = None,
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
        # adaptive pacing: a limiter shared with other clients of the key, or our own
        if rate_limiter is not None and not isinstance(rate_limiter, RateLimiter):
            raise InvalidArgumentTypeError("rate_limiter must be a sinch_keys.RateLimiter")
        if rate_limiter is None and policy.mode == "adaptive":
            rate_limiter = RateLimiter()
        self._limiter = rate_limiter
        if isinstance(timeout, NotGiven):
            self._timeout: httpx.Timeout | None = None if http_client_given else DEFAULT_TIMEOUT
        else:
            self._timeout = _as_timeout(timeout)
        # None (a caller's http_client, no timeout given): keep that client's own timeout
        self._default_timeout: Any = (
            httpx.USE_CLIENT_DEFAULT if self._timeout is None else self._timeout
        )
        # who is calling (sinch_keys._headers); the headers themselves are fixed by _pool
        self._default_headers = check_headers("default_headers", default_headers or {})
        self._user_agent_extra = _agent_extra(user_agent_extra)
        # the subclass plugs its I/O into the cache: fetch (sync) or async_fetch
        self._tokens = TokenCache(clock=self._clock)
        self._oauth2 = OAuth2ClientCredentials(self._tokens)

        if isinstance(auth, httpx.Auth):
            self.auth_kind = "custom"
            self._custom_auth: httpx.Auth | None = auth
            key = KeyCredentials(key_id if key_id is not None else env.get("SINCH_KEY_ID"))
        elif auth in ("oauth2", "basic"):
            self.auth_kind = auth
            self._custom_auth = None
            key = _key_credentials(
                key_id if key_id is not None else env.get("SINCH_KEY_ID"),
                key_secret if key_secret is not None else env.get("SINCH_KEY_SECRET"),
            )
        else:
            raise InvalidArgumentError(
                f"auth must be 'oauth2', 'basic' or an httpx.Auth, not {auth!r}"
            )
        self._key = SharedKey(key)

    @property
    def key_id(self) -> str | None:
        """The id of the access key this client authenticates with (after rotating its own
        key: the new one).

        Example::

            client.access_keys.get(client.key_id)
        """
        return self._key.current.key_id

    @property
    def _key_secret(self) -> SecretStr | None:
        return self._key.current.secret

    @property
    def _basic_auth(self) -> httpx.BasicAuth:
        auth = self._key.current.basic_auth
        if auth is None:  # only clients with auth='basic' read it, and they have a key
            raise RuntimeError("this client has no key for basic authentication")
        return auth

    def _pool(self, given: PoolT | None, pool_class: type[PoolT]) -> PoolT:
        """The caller's httpx client (never closed by us), or our own pool, built once with our
        headers and timeout so that requests need not merge them on every call."""
        self._owns_http: bool = given is None
        self._client_agent: str | None = caller_agent(given)
        self._pool_headers: dict[str, str] | None = None
        self._identify()
        if given is not None:
            return given
        self._pool_headers = self._headers
        self._request_headers = None
        self._default_timeout = httpx.USE_CLIENT_DEFAULT
        if self._route is not None:
            transport = self._route.transport_for(pool_class)
        elif _environment_proxies():
            transport = None  # httpx's own: it alone reads the proxy settings
        else:
            transport = self._own_transport()
        return pool_class(
            timeout=self._timeout, limits=DEFAULT_LIMITS, headers=self._headers, transport=transport
        )

    def _own_transport(self) -> Any:
        """The transport of a pool we build (sinch_keys/_transport.py, _async_transport.py)."""
        raise NotImplementedError

    def _identify(self) -> None:
        """Fix the headers every request carries, in the merge order of ``_headers``."""
        self._headers = client_headers(
            self._default_headers, self._user_agent_extra, self._client_agent
        )
        self._agent = sdk_agent(self._user_agent_extra)
        # merged into each request, unless the pool carries them already
        self._request_headers = None if self._headers == self._pool_headers else self._headers

    def _switch_credentials(self, key_id: str, key_secret: str) -> None:
        """After rotating its own key: authenticate with the new one from now on (this client
        and every copy of it, which share the key and the token cache)."""
        self._key.current = _key_credentials(key_id, key_secret)
        self._tokens.invalidate()

    def with_options(
        self,
        *,
        project_id: str | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        user_agent_extra: str | NotGiven | None = NOT_GIVEN,
        deadline: float | NotGiven | None = NOT_GIVEN,
        max_response_bytes: int | None = None,
    ) -> Self:
        """A client like this one with some settings changed, sharing this client's connection
        pool, token cache and key.

        Only the arguments given change: ``default_headers`` are added to this client's (a
        name given again replaces its value), ``user_agent_extra=None`` removes it, and
        ``max_retries`` overrides the retry policy's; ``deadline=None`` removes the deadline.
        The credentials and the URLs cannot
        change: the shared token cache holds a token of this key from this token URL, so a
        client with another key, or another server, is a new client (``SinchKeys(...)``).

        The copy is cheap (no new pool, no new token) and its :meth:`close` does nothing: the
        pool closes with the client it came from. A rotation of the client's own key through
        either switches both. Token requests are made by the client the cache came from, with
        that client's headers.

        Example::

            with SinchKeys(user_agent_extra="billing-sync/1.4") as client:
                patient = client.with_options(timeout=120, max_retries=5)
                for key in patient.access_keys.list():
                    print(key.access_key_id)
        """
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._owns_http = False
        if project_id is not None:
            copy.project_id = check_id("project_id", project_id)
        if retry_policy is not None or max_retries is not None:
            policy = retry_policy or self.retry_policy
            if max_retries is not None:
                policy = _evolve(policy, max_retries=check_max_retries(max_retries))
            copy.retry_policy = policy
        if not isinstance(timeout, NotGiven):
            copy._timeout = copy._default_timeout = _as_timeout(timeout)
        if not isinstance(deadline, NotGiven):
            copy.deadline = check_deadline(deadline)
        if max_response_bytes is not None:
            copy.max_response_bytes = check_max_response_bytes(max_response_bytes)
        if default_headers is not None or not isinstance(user_agent_extra, NotGiven):
            if default_headers is not None:
                added = check_headers("default_headers", default_headers)
                copy._default_headers = {**self._default_headers, **added}
            if not isinstance(user_agent_extra, NotGiven):
                copy._user_agent_extra = _agent_extra(user_agent_extra)
            copy._identify()
        resources: Any = type(self.access_keys)  # AccessKeys or AsyncAccessKeys, as self's
        copy.access_keys = resources(copy)
        return copy

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
        extra_headers: Mapping[str, str] | None = None,
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
        if extra_headers:
            headers = with_extra(headers, extra_headers, self._agent)
        if not isinstance(timeout, NotGiven):
            check_timeout(timeout)
        try:
            request = self._http.build_request(
                kwargs["method"],
                self.base_url + kwargs["url"],
                params=params,
                json=kwargs.get("json"),
                timeout=self._default_timeout if isinstance(timeout, NotGiven) else timeout,
            )
        except httpx.InvalidURL as exc:  # e.g. an id so long the URL exceeds httpx's limit
            raise InvalidArgumentError(
                f"cannot build the request URL: {exc} (an id, project id or page "
                f"token is too long or malformed)"
            ) from None
        if headers:
            # over the pool's headers, as build_request's merge would put them, at a third of
            # its cost (its update() re-scans every header for each one replaced)
            for name, value in headers.items():
                request.headers[name] = value
        retries = self.retry_policy.max_retries if max_retries is None else max_retries
        return Call(
            request,
            kind,
            check_max_retries(retries),
            self._request_auth() if isinstance(auth, NotGiven) else auth,
            self._clock,
            deadline,
            self._limiter,
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


def _environment_proxies() -> bool:
    """Whether httpx would route some request through a proxy set in the environment (then a
    pool we build keeps httpx's own transport, which alone reads those settings)."""
    import urllib.request

    return bool(urllib.request.getproxies())


def _key_credentials(key_id: str | None, key_secret: str | None) -> KeyCredentials:
    if not key_id:
        raise MissingCredentialsError("SINCH_KEY_ID", "key_id")
    if not key_secret:
        raise MissingCredentialsError("SINCH_KEY_SECRET", "key_secret")
    check_id("key_id", key_id)
    return KeyCredentials(key_id, SecretStr(key_secret), httpx.BasicAuth(key_id, key_secret))


def _agent_extra(value: str | None) -> str | None:
    return None if value is None else check_header_value("user_agent_extra", value)


def _as_timeout(timeout: TimeoutOption) -> httpx.Timeout:
    check_timeout(timeout)
    return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


def _strip_slash(url: str) -> str:
    return url[:-1] if url.endswith("/") else url


def _evolve(policy: RetryPolicy, **changes: Any) -> RetryPolicy:
    return attrs.evolve(policy, **changes)
