"""``AsyncSinchKeys``: the asynchronous client. Its own code is I/O only: send with retries,
and drive the shared operation flows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from sinch_keys._auth import Token, TokenFailure, parse_token_response
from sinch_keys._base import (
    NOT_GIVEN,
    AuthOption,
    BaseClient,
    Call,
    NotGiven,
    TimeoutOption,
)
from sinch_keys._errors import SinchKeysError
from sinch_keys._operations import Flow
from sinch_keys._resources import AsyncAccessKeys
from sinch_keys._retry import RetryPolicy

T = TypeVar("T")


class AsyncSinchKeys(BaseClient):
    """Asynchronous client of the Sinch Access Keys Management API. Task-safe.

    Settings default to the environment: ``SINCH_PROJECT_ID``, ``SINCH_KEY_ID``,
    ``SINCH_KEY_SECRET``, ``SINCH_KEYS_BASE_URL``, ``SINCH_KEYS_TOKEN_URL``.

    Args:
        project_id: the project whose keys to manage (each call may override it).
        key_id, key_secret: the access key to authenticate with.
        auth: ``"oauth2"`` (default: a cached bearer token), ``"basic"`` (the key on every
            request; heavily rate limited by the API) or any ``httpx.Auth``.
        base_url, token_url: the API and OAuth2 token endpoints.
        timeout: seconds or an ``httpx.Timeout`` (default 30 s, 5 s to connect).
        max_retries: retries after the first attempt (default 2).
        retry_policy: backoff and ``Retry-After`` settings (:class:`RetryPolicy`).
        http_client: an ``httpx.AsyncClient`` to use; it is not closed by :meth:`close`.
        sleep, clock: replace ``asyncio.sleep`` / ``time.monotonic`` (tests).

    Example::

        from sinch_keys import AsyncSinchKeys

        async with AsyncSinchKeys(project_id="...", key_id="...", key_secret="...") as client:
            async for key in client.access_keys.list():
                print(key.access_key_id, key.display_name)
    """

    _http: httpx.AsyncClient

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
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError("http_client must be an httpx.AsyncClient (use SinchKeys for sync)")
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
        )
        self._http = self._pool(http_client, httpx.AsyncClient)
        # asyncio is imported on first use: a sync-only program never pays for it
        self._sleep = sleep or _asyncio_sleep
        self._tokens.async_fetch = self._fetch_token
        self.access_keys = AsyncAccessKeys(self)

    async def close(self) -> None:
        """Close the connection pool (unless it belongs to a caller's ``http_client``).

        Example::

            await client.close()
        """
        if self._owns_http:
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

    async def _run(self, flow: Flow[T]) -> T:
        """Drive an operation flow: send each call it yields, hand back the outcome."""
        try:
            call = next(flow)
            while True:
                try:
                    response = await self._send(call)
                except SinchKeysError as exc:
                    call = flow.throw(exc)
                else:
                    call = flow.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result

    async def _send(self, call: Call) -> httpx.Response:
        try:
            try:
                return await self._attempt(call, 1)  # the success path builds no retry machinery
            except SinchKeysError as exc:
                if not call.max_retries or not self.retry_policy.should_retry(exc, call.kind):
                    raise
                first = exc
            return await self._retry(call, first)
        except TokenFailure as failure:
            raise failure.error from failure.error.__cause__

    async def _retry(self, call: Call, first: SinchKeysError) -> httpx.Response:
        failures: list[BaseException] = [first]
        retrying = self.retry_policy.async_retrying(
            call.max_retries, call.kind, self._sleep, self._log_retry(call)
        )
        async for attempt in retrying:
            with attempt:
                if attempt.retry_state.attempt_number == 1:
                    raise first  # replayed so tenacity counts it and waits after it
                try:
                    return await self._attempt(call, attempt.retry_state.attempt_number)
                except SinchKeysError as exc:
                    if self._done_despite(call, exc, failures):
                        return httpx.Response(204, request=call.request)
                    failures.append(exc)
                    raise
        raise AssertionError("unreachable: tenacity re-raises the last failure")

    async def _attempt(self, call: Call, attempt: int) -> httpx.Response:
        try:
            response = await self._http.send(call.request, auth=call.auth)
        except httpx.TransportError as exc:
            raise self._transport_failure(call, exc, attempt) from exc
        return self._outcome(call, response, attempt)

    async def _fetch_token(self) -> Token:
        secret = self._key_secret
        if self.key_id is None or secret is None:  # only oauth2 clients fetch tokens
            raise RuntimeError("this client has no key to fetch a token with")
        response = await self._send(self._token_call(self.key_id, secret.get_secret_value()))
        return parse_token_response(response, self._clock)

    def __getstate__(self) -> Any:
        raise TypeError(
            "AsyncSinchKeys holds credentials and a connection pool; it cannot be pickled"
        )


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
