"""``AsyncSinchKeys``: the asynchronous client. Its own code is I/O only: send with retries,
and drive the shared operation flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from sinch_keys._auth import Token, TokenFailure, parse_token_response
from sinch_keys._base import (
    DEFAULT_LIMITS,
    NOT_GIVEN,
    AuthOption,
    BaseClient,
    Call,
    NotGiven,
    TimeoutOption,
)
from sinch_keys._body import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BodyReader,
    ResponseTooLarge,
    check_size,
    keep_body,
)
from sinch_keys._deadline import DEFAULT_DEADLINE, DeadlineExceeded
from sinch_keys._deadline import current as deadline_var
from sinch_keys._errors import InvalidArgumentTypeError
from sinch_keys._ratelimit import RateLimiter
from sinch_keys._resources import AsyncAccessKeys
from sinch_keys._retry import Exchange, Flow, RetryPolicy, Sleep, send

T = TypeVar("T")


class AsyncSinchKeys(BaseClient):
    """Asynchronous client of the Sinch Access Keys Management API. Task-safe.

    Settings default to the environment: ``SINCH_PROJECT_ID``, ``SINCH_KEY_ID``,
    ``SINCH_KEY_SECRET``, ``SINCH_KEYS_BASE_URL``, ``SINCH_KEYS_TOKEN_URL``.

    Headers merge in this order, a later source replacing a header of the same name: the
    ``http_client``'s own headers, the SDK's (``User-Agent``, ``Accept``), ``default_headers``,
    then each call's ``extra_headers``. The ``User-Agent`` is extended, never replaced: the
    highest-precedence one the caller gave (``extra_headers``, ``default_headers``, or the
    ``http_client``'s unless it is httpx's default), then
    ``sinch-keys/<v> python/<v> httpx/<v>``, then ``user_agent_extra``.
    :meth:`with_options` makes a copy with other settings sharing the pool, tokens and key.

    Args:
        project_id: the project whose keys to manage (each call may override it).
        key_id, key_secret: the access key to authenticate with.
        auth: ``"oauth2"`` (default: a cached bearer token), ``"basic"`` (the key on every
            request; heavily rate limited by the API) or any ``httpx.Auth``.
        base_url, token_url: the API and OAuth2 token endpoints.
        timeout: seconds or an ``httpx.Timeout`` (default 30 s, 5 s to connect).
        max_retries: retries after the first attempt (default 2).
        retry_policy: backoff and ``Retry-After`` settings (:class:`RetryPolicy`).
        http_client: an ``httpx.AsyncClient`` to use; it is not closed by :meth:`close`. Its headers
            are sent too, and its ``User-Agent`` (unless httpx's default) goes before ours.
        default_headers: headers for every request (never ``Authorization``,
            ``Content-Type``, ``Content-Length``, ``Transfer-Encoding`` or ``Host``: the SDK's).
        user_agent_extra: appended to the SDK's ``User-Agent``, e.g. ``"billing-sync/1.4"``:
            ``sinch-keys/<v> python/<v> httpx/<v> billing-sync/1.4``.
        sleep, clock: replace ``asyncio.sleep`` / ``time.monotonic`` (tests).
        deadline: seconds a whole call may take, retries, waits and the token fetch
            included (default 300; None: no bound beyond ``timeout``); each call may
            pass its own.
        max_response_bytes: the largest response body read, after decoding (default
            10 MiB); a larger one raises :class:`ResponseTooLargeError`.
        allow_insecure_http: allow ``http://`` base and token URLs to hosts other than
            this machine (the secret and tokens then cross the network in clear text).
        rate_limiter: pace every attempt through this :class:`RateLimiter` (shared with
            the other clients of the same key); ``RetryPolicy(mode="adaptive")`` makes one.

    Example::

        from sinch_keys import AsyncSinchKeys

        async with AsyncSinchKeys(project_id="...", key_id="...", key_secret="...") as client:
            async for key in client.access_keys.list():
                print(key.access_key_id, key.display_name)
    """

    _http: httpx.AsyncClient
    access_keys: AsyncAccessKeys

    def __init__(
        self,
        *,
        project_id: str | None = None,
        key_id: str | None = None,
        key_secret: str | None = None,
        auth: AuthOption = "oauth2",
        base_url: str | None = None,
        token_url: str | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        user_agent_extra: str | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        deadline: float | None = DEFAULT_DEADLINE,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_insecure_http: bool = False,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidArgumentTypeError(
                "http_client must be an httpx.AsyncClient (use SinchKeys for sync)"
            )
        super().__init__(
            project_id=project_id,
            key_id=key_id,
            key_secret=key_secret,
            auth=auth,
            base_url=base_url,
            token_url=token_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            http_client_given=http_client is not None,
            clock=clock,
            allow_insecure_http=allow_insecure_http,
            rate_limiter=rate_limiter,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
            default_headers=default_headers,
            user_agent_extra=user_agent_extra,
        )
        self._http = self._pool(http_client, httpx.AsyncClient)
        # imports asyncio here, not at `import sinch_keys`: a sync-only program never loads it
        from sinch_keys._watch import DeadlineWatch

        self._deadlines = DeadlineWatch()  # one timer for every attempt's deadline
        self._sleep = sleep or _asyncio_sleep
        self._tokens.async_fetch = self._fetch_token
        self.access_keys = AsyncAccessKeys(self)

    async def close(self) -> None:
        """Close the connection pool (unless it belongs to a caller's ``http_client``).

        Example::

            await client.close()
        """
        if self._owns_http:
            self._deadlines.close()
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- I/O --------------------------------------------------------------------------------

    def _own_transport(self) -> httpx.AsyncBaseTransport:
        """httpx's pool with its waiting moved in front of it, so that a burst of tasks does
        not make every request re-scan every other (sinch_keys/_async_transport.py)."""
        from sinch_keys._async_transport import FifoAsyncTransport

        return FifoAsyncTransport(limits=DEFAULT_LIMITS)

    async def _run(self, flow: Flow[T]) -> T:
        """Drive an operation flow: send each attempt it asks for, sleep when it says so."""
        try:
            step = next(flow)
            while True:
                if isinstance(step, Sleep):
                    await self._sleep(step.seconds)
                    step = flow.send(None)
                else:
                    step = flow.send(await self._exchange(step.call))
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def _exchange(self, call: Call) -> Exchange:
        """Send one attempt and read its body within ``max_response_bytes``; the whole attempt,
        slow headers included, is cancelled once the call's deadline passes."""
        if call.deadline is None:
            return await self._attempt(call)
        try:
            async with self._deadlines.within(call.deadline.at - self._clock()):
                return await self._attempt(call)
        except TimeoutError:
            return Exchange(error=DeadlineExceeded())

    async def _attempt(self, call: Call) -> Exchange:
        outer = deadline_var.set(call.deadline)  # for the token fetch this send may trigger
        try:
            response = await self._http.send(call.request, auth=call.auth, stream=True)
        except (httpx.RequestError, TokenFailure) as exc:
            return Exchange(error=exc)
        finally:
            deadline_var.reset(outer)
        try:
            if response.is_stream_consumed:  # built in memory (a mock transport, a cassette)
                check_size(response.content, self.max_response_bytes)
                return Exchange(response)
            reader = BodyReader(response.headers.get("content-encoding"), self.max_response_bytes)
            async for raw in response.aiter_raw():
                reader.feed(raw)
            body = reader.finish()
        except (httpx.RequestError, ResponseTooLarge) as exc:
            return Exchange(response, exc)
        finally:
            await response.aclose()
        return Exchange(keep_body(response, body))

    async def _fetch_token(self) -> Token:
        secret = self._key_secret
        if self.key_id is None or secret is None:  # only oauth2 clients fetch tokens
            raise RuntimeError("this client has no key to fetch a token with")
        call = self._token_call(self.key_id, secret, self._inherited_deadline())
        sent = await self._run(send(call, self.retry_policy))
        return parse_token_response(sent.result(), self._clock)

    def __getstate__(self) -> Any:
        raise TypeError(
            "AsyncSinchKeys holds credentials and a connection pool; it cannot be pickled"
        )


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
