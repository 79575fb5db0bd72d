"""``client.access_keys``: the operations, sync and async, plain and ``with_raw_response``.

Each method validates and describes its request in one shared flow (``_operations``), which
answers with the value and the request's ``Sent``. The classes differ only in how they run
it and what they hand back: ``AccessKeys`` runs it (``self._client._run``),
``AsyncAccessKeys`` awaits it; their raw twins, behind ``with_raw_response``, override only
``_send`` and ``_pager`` to hand back an :class:`~sinch_keys.APIResponse` instead of the value.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from sinch_keys import _operations as ops
from sinch_keys._base import NOT_GIVEN, NotGiven, TimeoutOption
from sinch_keys._models import AccessKey, CreatedAccessKey, ListAccessKeysResponse
from sinch_keys._pagination import (
    AccessKeyPager,
    AsyncAccessKeyPager,
    ListedPage,
    PageWalk,
    awalk_pages,
    next_token,
    walk_pages,
)
from sinch_keys._response import APIResponse, response_of
from sinch_keys._validation import check_page_size, check_page_token

if TYPE_CHECKING:
    from sinch_keys._async_client import AsyncSinchKeys
    from sinch_keys._client import SinchKeys
    from sinch_keys._retry import Flow

DEFAULT_PAGE_SIZE = 100

P = ParamSpec("P")
T = TypeVar("T")
#: the flow of one page of a list, given its token and the walk it belongs to
PageFlow = Callable[[str | None, PageWalk], "Flow[ops.Answer[ListedPage]]"]


class AccessKeys:
    """The access keys of a project (``client.access_keys``).

    Every method also takes, for this call only: ``project_id=`` (instead of the client's),
    ``extra_headers=`` (added to the client's, see :class:`~sinch_keys.SinchKeys`),
    ``extra_query=`` (query parameters the API gained before this SDK wraps them; they
    override a parameter of the same name), ``timeout=``, ``max_retries=`` and ``deadline=``
    (seconds for the whole call, retries and waits included). A header the SDK owns
    (``Authorization``, ``Content-Type``, ``Content-Length``, ``Transfer-Encoding``,
    ``Host``, ``Accept-Encoding``) is refused with an ``InvalidArgumentError`` before any
    request. The extras go to every
    request the call makes to the API, never to the token endpoint.

    :attr:`with_raw_response` has the same operations (but ``rotate``), each returning an
    :class:`~sinch_keys.APIResponse`.

    Example::

        with SinchKeys() as client:
            created = client.access_keys.create(
                display_name="ci deploy", extra_headers={"X-Change-Ticket": "CHG-1234"}
            )
    """

    def __init__(self, client: SinchKeys) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AccessKeysWithRawResponse:
        """The same operations, each returning an :class:`~sinch_keys.APIResponse`: status,
        headers, request id, elapsed time and attempts, and ``parse()`` for the usual value.
        ``list`` returns an iterator of the pages' responses (``parse()``: a
        ``ListAccessKeysResponse``). ``rotate`` is not offered: it makes several requests.

        Example::

            raw = client.access_keys.with_raw_response.get(key_id)
            print(raw.status_code, raw.request_id, raw.attempts)
            key = raw.parse()
        """
        return AccessKeysWithRawResponse(self._client)

    def _send(self, flow: Flow[ops.Answer[T]]) -> T:
        return self._client._run(flow)[0]

    def _pager(self, page: PageFlow, first: str | None) -> AccessKeyPager:
        run = self._client._run
        return AccessKeyPager(lambda token, walk: run(page(token, walk))[0], first)

    def list(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKeyPager:
        """List keys lazily: pages are fetched as iteration reaches them.

        ``page_size`` (1-1000), ``page_token`` and the extras are checked now, before any
        request; every page's request carries ``extra_headers`` and ``extra_query``.

        Example::

            for key in client.access_keys.list(page_size=100):
                print(key.access_key_id, key.display_name)
        """
        check_page_size(page_size)
        first = check_page_token(page_token)
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        client = self._client

        def page(token: str | None, walk: PageWalk) -> Flow[ops.Answer[ListedPage]]:
            # each page is a call of its own, with its own deadline
            return ops.list_page(client, project_id, page_size, token, options.fresh(), walk)

        return self._pager(page, first)

    def create(
        self,
        *,
        display_name: str,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> CreatedAccessKey:
        """Create a key; the result holds its secret, which the API never shows again.

        Never retried once the request may have taken effect; such a failure raises
        :class:`~sinch_keys.CreateOutcomeUnknownError` naming the key if it was created.

        Example::

            created = client.access_keys.create(display_name="ci deploy")
            created.secret.get_secret_value()
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return self._send(ops.create(self._client, display_name, project_id, options))

    def get(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Fetch one key.

        Example::

            key = client.access_keys.get("8c3f...")
            key.create_time.isoformat()
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return self._send(ops.get(self._client, access_key_id, project_id, options))

    def update(
        self,
        access_key_id: str,
        *,
        display_name: str,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Rename a key.

        Example::

            client.access_keys.update(key_id, display_name="ci deploy (old)")
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return self._send(
            ops.update(self._client, access_key_id, display_name, project_id, options)
        )

    def delete(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        allow_self_delete: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        """Delete a key. The key this client authenticates with is refused unless
        ``allow_self_delete=True`` (the API would allow it and lock the caller out).

        Example::

            client.access_keys.delete(old_key_id)
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return self._send(
            ops.delete(self._client, access_key_id, project_id, allow_self_delete, options)
        )

    def rotate(
        self,
        access_key_id: str,
        *,
        display_name: str | None = None,
        project_id: str | None = None,
        allow_self_rotation: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> CreatedAccessKey:
        """Replace a key safely: create the new key, prove it works, then delete the old one.

        Any failure leaves the account as it was and raises
        :class:`~sinch_keys.RotationError` naming the step. Rotating the client's own key needs
        ``allow_self_rotation=True``; the client then uses the new key.

        ``extra_headers`` and ``extra_query`` go to every request the rotation makes to the
        API: the preflight's get of the old key and list of the project's keys, the create
        (and its lookups, if its outcome is unknown), the verifying get made with the new key,
        the delete of the old key, the get that confirms a failed delete, and any roll-back
        delete of the new key. Not to the new key's token request: the token endpoint is
        another service. Not offered under ``with_raw_response``: a rotation is several
        requests, and its errors carry each failed request's ``request_id``.

        Example::

            new = client.access_keys.rotate(old_key_id)
            vault.store(new.access_key.access_key_id, new.secret.get_secret_value())
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return self._client._run(
            ops.rotate(
                self._client, access_key_id, display_name, project_id, allow_self_rotation, options
            )
        )


class AsyncAccessKeys:
    """The async twin of :class:`AccessKeys` (``client.access_keys`` of AsyncSinchKeys).

    Example::

        async with AsyncSinchKeys() as client:
            created = await client.access_keys.create(display_name="ci deploy")
    """

    def __init__(self, client: AsyncSinchKeys) -> None:
        self._client = client

    @cached_property
    def with_raw_response(self) -> AsyncAccessKeysWithRawResponse:
        """The same operations, each returning an :class:`~sinch_keys.APIResponse`; see
        :attr:`AccessKeys.with_raw_response`. ``list`` returns an async iterator.

        Example::

            raw = await client.access_keys.with_raw_response.get(key_id)
            print(raw.status_code, raw.request_id, raw.attempts)
        """
        return AsyncAccessKeysWithRawResponse(self._client)

    async def _send(self, flow: Flow[ops.Answer[T]]) -> T:
        return (await self._client._run(flow))[0]

    def _pager(self, page: PageFlow, first: str | None) -> AsyncAccessKeyPager:
        run = self._client._run

        async def fetch_page(token: str | None, walk: PageWalk) -> ListedPage:
            return (await run(page(token, walk)))[0]

        return AsyncAccessKeyPager(fetch_page, first)

    def list(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AsyncAccessKeyPager:
        """List keys lazily; not awaited: returns an async iterable at once.

        Example::

            async for key in client.access_keys.list(page_size=100):
                print(key.access_key_id)
        """
        check_page_size(page_size)
        first = check_page_token(page_token)
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        client = self._client

        def page(token: str | None, walk: PageWalk) -> Flow[ops.Answer[ListedPage]]:
            # each page is a call of its own, with its own deadline
            return ops.list_page(client, project_id, page_size, token, options.fresh(), walk)

        return self._pager(page, first)

    async def create(
        self,
        *,
        display_name: str,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> CreatedAccessKey:
        """Create a key; see :meth:`AccessKeys.create`.

        Example::

            created = await client.access_keys.create(display_name="ci deploy")
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return await self._send(ops.create(self._client, display_name, project_id, options))

    async def get(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Fetch one key.

        Example::

            key = await client.access_keys.get(key_id)
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return await self._send(ops.get(self._client, access_key_id, project_id, options))

    async def update(
        self,
        access_key_id: str,
        *,
        display_name: str,
        project_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Rename a key.

        Example::

            await client.access_keys.update(key_id, display_name="renamed")
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return await self._send(
            ops.update(self._client, access_key_id, display_name, project_id, options)
        )

    async def delete(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        allow_self_delete: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        """Delete a key; see :meth:`AccessKeys.delete`.

        Example::

            await client.access_keys.delete(old_key_id)
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return await self._send(
            ops.delete(self._client, access_key_id, project_id, allow_self_delete, options)
        )

    async def rotate(
        self,
        access_key_id: str,
        *,
        display_name: str | None = None,
        project_id: str | None = None,
        allow_self_rotation: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> CreatedAccessKey:
        """Replace a key safely; see :meth:`AccessKeys.rotate` (and which requests the extras
        go to).

        Example::

            new = await client.access_keys.rotate(old_key_id)
        """
        options = ops.Options(timeout, max_retries, extra_headers, extra_query, deadline)
        return await self._client._run(
            ops.rotate(
                self._client, access_key_id, display_name, project_id, allow_self_rotation, options
            )
        )


# -- with_raw_response -----------------------------------------------------------------------


class _RawAccessKeys(AccessKeys):
    """:class:`AccessKeys` handing back an :class:`APIResponse` (typed by the wrapper)."""

    def _send(self, flow: Flow[ops.Answer[T]]) -> T:
        return cast(T, self._respond(flow))

    def _pager(self, page: PageFlow, first: str | None) -> AccessKeyPager:
        def fetch(token: str | None, walk: PageWalk) -> APIResponse[ListAccessKeysResponse]:
            return self._respond(ops.parsed_page(page(token, walk)))

        return cast(AccessKeyPager, walk_pages(fetch, first, _next_token))

    def _respond(self, flow: Flow[ops.Answer[T]]) -> APIResponse[T]:
        clock = self._client._clock
        start = clock()
        value, sent = self._client._run(flow)
        return response_of(value, sent, clock() - start)


def _next_token(raw: APIResponse[ListAccessKeysResponse]) -> str | None:
    return next_token(raw.parse())


class _RawAsyncAccessKeys(AsyncAccessKeys):
    """:class:`AsyncAccessKeys` handing back an :class:`APIResponse`."""

    async def _send(self, flow: Flow[ops.Answer[T]]) -> T:
        return cast(T, await self._respond(flow))

    def _pager(self, page: PageFlow, first: str | None) -> AsyncAccessKeyPager:
        async def fetch(token: str | None, walk: PageWalk) -> APIResponse[ListAccessKeysResponse]:
            return await self._respond(ops.parsed_page(page(token, walk)))

        return cast(AsyncAccessKeyPager, awalk_pages(fetch, first, _next_token))

    async def _respond(self, flow: Flow[ops.Answer[T]]) -> APIResponse[T]:
        clock = self._client._clock
        start = clock()
        value, sent = await self._client._run(flow)
        return response_of(value, sent, clock() - start)


class AccessKeysWithRawResponse:
    """``client.access_keys.with_raw_response``: ``list``, ``create``, ``get``, ``update`` and
    ``delete``, with the arguments of :class:`AccessKeys`' methods, each returning an
    :class:`~sinch_keys.APIResponse` (``list``: an iterator of one per page, fetched as
    iteration reaches them). ``rotate`` is not offered: it makes several requests.

    Example::

        raw = client.access_keys.with_raw_response.create(display_name="ci deploy")
        print(raw.status_code, raw.request_id)      # never the secret
        created = raw.parse()                       # CreatedAccessKey, secret masked
        for page in client.access_keys.with_raw_response.list(page_size=100):
            print(page.status_code, len(page.parse().access_keys))
    """

    def __init__(self, client: SinchKeys) -> None:
        raw = _RawAccessKeys(client)
        self.list = _returning_pages(raw.list)
        self.create = _returning_response(raw.create)
        self.get = _returning_response(raw.get)
        self.update = _returning_response(raw.update)
        self.delete = _returning_response(raw.delete)


class AsyncAccessKeysWithRawResponse:
    """The async twin of :class:`AccessKeysWithRawResponse`: each method is awaited, but
    ``list``, which returns an async iterator at once.

    Example::

        raw = await client.access_keys.with_raw_response.get(key_id)
        async for page in client.access_keys.with_raw_response.list():
            print(page.status_code, page.attempts)
    """

    def __init__(self, client: AsyncSinchKeys) -> None:
        raw = _RawAsyncAccessKeys(client)
        self.list = _returning_async_pages(raw.list)
        self.create = _returning_async_response(raw.create)
        self.get = _returning_async_response(raw.get)
        self.update = _returning_async_response(raw.update)
        self.delete = _returning_async_response(raw.delete)


# The raw twins return what these say; the casts state it once for the type checker, with
# each method's own parameters (ParamSpec), as openai-python's to_raw_response_wrapper does.


def _returning_response(method: Callable[P, T]) -> Callable[P, APIResponse[T]]:
    return cast("Callable[P, APIResponse[T]]", method)


def _returning_async_response(
    method: Callable[P, Awaitable[T]],
) -> Callable[P, Awaitable[APIResponse[T]]]:
    return cast("Callable[P, Awaitable[APIResponse[T]]]", method)


def _returning_pages(
    method: Callable[P, AccessKeyPager],
) -> Callable[P, Iterator[APIResponse[ListAccessKeysResponse]]]:
    return cast("Callable[P, Iterator[APIResponse[ListAccessKeysResponse]]]", method)


def _returning_async_pages(
    method: Callable[P, AsyncAccessKeyPager],
) -> Callable[P, AsyncIterator[APIResponse[ListAccessKeysResponse]]]:
    return cast("Callable[P, AsyncIterator[APIResponse[ListAccessKeysResponse]]]", method)
