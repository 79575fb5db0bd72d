"""Authentication: OAuth2 client credentials with a shared token cache, or HTTP Basic.

The OAuth2 flow is an ``httpx.Auth``: it puts a cached bearer token on each request and, when
a request made with a *cached* token gets 401, refreshes the token once and replays the
request once (never a loop; a freshly fetched token that gets 401 is a real refusal).

A token is fetched by exactly one caller at a time (single flight): whoever needs a token
while a fetch is under way waits for *that* fetch, and gets its token or its error. A failed
fetch is one failure for everyone who waited on it, never a queue of fetches each retrying on
its own. The fetch itself is supplied by the owning client, so it goes through the client's
own connection pool, retry policy and error mapping.

Example::

    client = SinchKeys(auth="oauth2")   # the default
    client = SinchKeys(auth="basic")    # key id and secret on every request (rate limited)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any

import attrs
import httpx

from sinch_keys._deadline import current as current_deadline
from sinch_keys._errors import APIResponseValidationError, APITimeoutError, SinchKeysError
from sinch_keys._secrets import MASK, SecretStr, remember

# Refresh this long before the server's expiry, so no request carries a token that expires
# in flight. Capped at half the token's lifetime for short-lived tokens.
REFRESH_MARGIN_SECONDS = 60.0
# RFC 6750 2.1 b64token: what may follow "Bearer " in a header. Anything else (a newline, a
# NUL, a space) would be refused by httpx with the token quoted in the error, or worse.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


@attrs.frozen(repr=False)
class Token:
    """A bearer token and the monotonic time after which it is not used.

    Example::

        >>> Token("abc", refresh_at=10.0)
        Token('**********', refresh_at=10.0)
    """

    value: str
    refresh_at: float

    def __repr__(self) -> str:
        return f"Token({MASK!r}, refresh_at={self.refresh_at})"


@attrs.frozen(repr=False)
class KeyCredentials:
    """The access key a client authenticates with: ``key_id``, and (auth ``"oauth2"`` or
    ``"basic"``) its ``secret`` and the ``basic_auth`` made of both.

    Example::

        >>> KeyCredentials("k", SecretStr("s"), httpx.BasicAuth("k", "s")).key_id
        'k'
    """

    key_id: str | None
    secret: SecretStr | None = None
    basic_auth: httpx.BasicAuth | None = None


class SharedKey:
    """The key of a client and of every copy made by ``with_options``: a rotation of the
    client's own key through any of them switches all of them, and the token cache they
    share. Switched in one assignment, so no request reads a new id with an old secret.

    Example::

        >>> shared = SharedKey(KeyCredentials("old"))
        >>> shared.current = KeyCredentials("new")
    """

    __slots__ = ("current",)

    def __init__(self, current: KeyCredentials) -> None:
        self.current = current

    def __repr__(self) -> str:
        return f"<SharedKey {self.current.key_id!r}>"


class TokenFailure(Exception):  # noqa: N818 - a carrier, not an error of its own
    """Carries a token-endpoint error out of a request's auth flow.

    It is deliberately not a :class:`SinchKeysError`, so the request's retry loop does not
    retry what the token fetch already retried; the client unwraps it and raises ``error``.
    """

    def __init__(self, error: SinchKeysError) -> None:
        super().__init__(str(error))
        self.error = error


def parse_token_response(response: httpx.Response, clock: Callable[[], float]) -> Token:
    """Read an RFC 6749 token response into a :class:`Token`.

    Example::

        >>> r = httpx.Response(200, json={"access_token": "t", "expires_in": 3599,
        ...                               "token_type": "bearer"})
        >>> parse_token_response(r, clock=lambda: 0.0).refresh_at
        3539.0
    """
    try:
        body: Any = response.json()
        value = body["access_token"]
        expires_in = float(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        problem = "body is not JSON" if isinstance(exc, ValueError) else type(exc).__name__
        raise APIResponseValidationError(
            response, f"not an OAuth2 token response ({problem})"
        ) from None
    if not isinstance(value, str) or not value:
        raise APIResponseValidationError(response, "access_token is not a non-empty string")
    if not _BEARER_TOKEN.fullmatch(value):
        raise APIResponseValidationError(
            response, "access_token has characters a bearer token cannot have (RFC 6750)"
        )
    if expires_in != expires_in:  # NaN
        raise APIResponseValidationError(response, "expires_in is not a number")
    token_type = body.get("token_type", "bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise APIResponseValidationError(response, f"unsupported token_type {token_type!r}")
    margin = min(REFRESH_MARGIN_SECONDS, expires_in / 2)
    remember(value)
    return Token(value=value, refresh_at=clock() + expires_in - margin)


class _Flight:
    """One token fetch in progress, and its outcome for everyone who waits on it."""

    __slots__ = ("done", "error", "token")

    def __init__(self, done: Any) -> None:
        self.done = done  # threading.Event or asyncio.Event
        self.token: Token | None = None
        self.error: Exception | None = None

    def outcome(self) -> tuple[Token, bool] | None:
        """The token another caller fetched, or raises the fetch's error; None when the
        fetcher was interrupted (then fetch again). Not "fetched now" for the waiter: a 401
        on it still earns the waiter's request its one refresh and replay."""
        if self.error is not None:
            raise self.error
        return None if self.token is None else (self.token, False)


class TokenCache:
    """The current token of one client, and the single-flight fetch of the next one.

    ``fetch`` / ``async_fetch`` obtain a new token (the client supplies them). Thread-safe;
    task-safe within one event loop. Callers that need a token while one is being fetched
    wait for that fetch and share its outcome, token or error.

    Example::

        cache = TokenCache(fetch=lambda: Token("t", refresh_at=time.monotonic() + 3000))
        cache.get()
    """

    def __init__(
        self,
        fetch: Callable[[], Token] | None = None,
        async_fetch: Callable[[], Awaitable[Token]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch = fetch
        self.async_fetch = async_fetch
        self._clock = clock
        self._token: Token | None = None
        self._lock = threading.Lock()  # guards _token and _flight, never held while fetching
        self._flight: _Flight | None = None
        self._async_flight: _Flight | None = None
        self.fetch_count = 0

    def __repr__(self) -> str:
        state = "empty" if self._token is None else "cached"
        return f"<TokenCache {state}, {self.fetch_count} fetched>"

    def current(self) -> Token | None:
        """The cached token if it is still fresh, else None (never fetches).

        Example::

            >>> TokenCache().current() is None
            True
        """
        token = self._token
        if token is not None and self._clock() < token.refresh_at:
            return token
        return None

    def invalidate(self) -> None:
        """Forget the cached token (after the credentials change).

        Example::

            >>> TokenCache().invalidate()
        """
        self._token = None

    def _time_left(self) -> float | None:
        # the calling thread's own deadline bounds its wait for someone else's fetch (async
        # callers need no such check: their whole attempt is cancelled at the deadline)
        deadline = current_deadline.get()
        return None if deadline is None else max(0.0, deadline.at - self._clock())

    def _usable(self, stale: Token | None) -> Token | None:
        token = self.current()
        return token if token is not None and token is not stale else None

    def _finish(self, flight: _Flight, token: Token | None, error: BaseException | None) -> None:
        with self._lock:
            if token is not None:
                self._token = token
                self.fetch_count += 1
            flight.token = token
            # an interrupted fetch (cancelled, KeyboardInterrupt) is not the waiters' failure
            flight.error = error if isinstance(error, Exception) else None

    def get(self, stale: Token | None = None) -> tuple[Token, bool]:
        """Return (token, fetched_now); fetch if none is fresh or the cached one is ``stale``.

        Example::

            token, fetched = cache.get()
        """
        while True:
            token = self._usable(stale)
            if token is not None:
                return token, False
            with self._lock:
                token = self._usable(stale)
                if token is not None:
                    return token, False
                flight = self._flight
                if flight is None:
                    flight = self._flight = _Flight(threading.Event())
                    break  # this caller fetches
            if not flight.done.wait(self._time_left()):
                raise APITimeoutError(
                    "deadline reached while waiting for another caller's token fetch",
                    may_have_reached_server=False,
                )
            shared = flight.outcome()
            if shared is not None:
                return shared
        if self.fetch is None:
            raise RuntimeError("this token cache has no synchronous fetch")
        error: BaseException | None = None
        token = None
        try:
            token = self.fetch()
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._finish(flight, token, error)
            with self._lock:
                self._flight = None
            flight.done.set()
        return token, True

    async def aget(self, stale: Token | None = None) -> tuple[Token, bool]:
        """The coroutine twin of :meth:`get`.

        Example::

            token, fetched = await cache.aget()
        """
        while True:
            token = self._usable(stale)
            if token is not None:
                return token, False
            flight = self._async_flight
            if flight is None:  # no await between this check and the claim: task-safe
                break
            await flight.done.wait()
            shared = flight.outcome()
            if shared is not None:
                return shared
        if self.async_fetch is None:
            raise RuntimeError("this token cache has no asynchronous fetch")
        import asyncio  # on first use: a sync-only program never imports asyncio

        flight = self._async_flight = _Flight(asyncio.Event())
        error: BaseException | None = None
        token = None
        try:
            token = await self.async_fetch()
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._finish(flight, token, error)
            self._async_flight = None
            flight.done.set()
        return token, True


class OAuth2ClientCredentials(httpx.Auth):
    """``httpx.Auth`` putting the cached bearer token on requests, with one 401 replay.

    Example::

        auth = OAuth2ClientCredentials(TokenCache(fetch=my_fetch))
        httpx.get(url, auth=auth)
    """

    requires_response_body = False

    def __init__(self, tokens: TokenCache) -> None:
        self.tokens = tokens

    def __repr__(self) -> str:
        return f"<OAuth2ClientCredentials {self.tokens!r}>"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        token, fetched = _wrap_failure(self.tokens.get)
        request.headers["Authorization"] = "Bearer " + token.value
        response = yield request
        if response.status_code == 401 and not fetched:
            # give the 401's connection back first: when every connection is held by a 401 at
            # one token expiry, the token fetch would wait for one forever. Closed, not read,
            # so a 401 body of any size costs nothing; httpx reads an auth flow's intermediate
            # responses itself, and finds this one already (and emptily) read
            response.close()
            response._content = b""
            token, _ = _wrap_failure(self.tokens.get, stale=token)
            request.headers["Authorization"] = "Bearer " + token.value
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        try:
            token, fetched = await self.tokens.aget()
        except SinchKeysError as exc:
            raise TokenFailure(exc) from exc
        request.headers["Authorization"] = "Bearer " + token.value
        response = yield request
        if response.status_code == 401 and not fetched:
            await response.aclose()  # free the connection first, unread (see sync_auth_flow)
            response._content = b""
            try:
                token, _ = await self.tokens.aget(stale=token)
            except SinchKeysError as exc:
                raise TokenFailure(exc) from exc
            request.headers["Authorization"] = "Bearer " + token.value
            yield request


def _wrap_failure(get: Callable[..., tuple[Token, bool]], **kwargs: Any) -> tuple[Token, bool]:
    try:
        return get(**kwargs)
    except SinchKeysError as exc:
        raise TokenFailure(exc) from exc
