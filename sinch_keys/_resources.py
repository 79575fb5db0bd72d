"""``client.access_keys``: the operations, sync and async.

Each method validates and describes its request in one shared flow (``_operations``); the
two classes differ only in how they run it: ``self._run(...)`` or ``await self._run(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sinch_keys import _operations as ops
from sinch_keys._base import NOT_GIVEN, NotGiven, TimeoutOption
from sinch_keys._models import AccessKey, CreatedAccessKey, ListAccessKeysResponse
from sinch_keys._pagination import AccessKeyPager, AsyncAccessKeyPager, PageWalk
from sinch_keys._validation import check_page_size, check_page_token

if TYPE_CHECKING:
    from sinch_keys._async_client import AsyncSinchKeys
    from sinch_keys._client import SinchKeys

DEFAULT_PAGE_SIZE = 100


class AccessKeys:
    """The access keys of a project (``client.access_keys``).

    Every method also takes ``project_id=`` (instead of the client's), ``timeout=``,
    ``max_retries=`` and ``deadline=`` (seconds for the whole call, retries and waits
    included) for this call only.

    Example::

        with SinchKeys() as client:
            created = client.access_keys.create(display_name="ci deploy")
    """

    def __init__(self, client: SinchKeys) -> None:
        self._client = client

    def list(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        project_id: str | None = None,
        extra_query: Mapping[str, Any] | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKeyPager:
        """List keys lazily: pages are fetched as iteration reaches them.

        ``page_size`` (1-1000) and ``page_token`` are checked now, before any request.
        ``extra_query`` adds query parameters the spec gained before this facade wraps them.

        Example::

            for key in client.access_keys.list(page_size=100):
                print(key.access_key_id, key.display_name)
        """
        check_page_size(page_size)
        first = check_page_token(page_token)
        options = ops.Options(timeout, max_retries, deadline)
        client = self._client

        def fetch_page(token: str | None, walk: PageWalk) -> ListAccessKeysResponse:
            # each page is a call of its own, with its own deadline
            return client._run(
                ops.list_page(
                    client, project_id, page_size, token, extra_query, options.fresh(), walk
                )
            )

        return AccessKeyPager(fetch_page, first)

    def create(
        self,
        *,
        display_name: str,
        project_id: str | None = None,
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
        return self._client._run(
            ops.create(
                self._client, display_name, project_id, ops.Options(timeout, max_retries, deadline)
            )
        )

    def get(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Fetch one key.

        Example::

            key = client.access_keys.get("8c3f...")
            key.create_time.isoformat()
        """
        return self._client._run(
            ops.get(
                self._client, access_key_id, project_id, ops.Options(timeout, max_retries, deadline)
            )
        )

    def update(
        self,
        access_key_id: str,
        *,
        display_name: str,
        project_id: str | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Rename a key.

        Example::

            client.access_keys.update(key_id, display_name="ci deploy (old)")
        """
        options = ops.Options(timeout, max_retries, deadline)
        return self._client._run(
            ops.update(self._client, access_key_id, display_name, project_id, options)
        )

    def delete(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        allow_self_delete: bool = False,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        """Delete a key. The key this client authenticates with is refused unless
        ``allow_self_delete=True`` (the API would allow it and lock the caller out).

        Example::

            client.access_keys.delete(old_key_id)
        """
        options = ops.Options(timeout, max_retries, deadline)
        self._client._run(
            ops.delete(self._client, access_key_id, project_id, allow_self_delete, options)
        )

    def rotate(
        self,
        access_key_id: str,
        *,
        display_name: str | None = None,
        project_id: str | None = None,
        allow_self_rotation: bool = False,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> CreatedAccessKey:
        """Replace a key safely: create the new key, prove it works, then delete the old one.

        Any failure leaves the account as it was and raises
        :class:`~sinch_keys.RotationError` naming the step. Rotating the client's own key needs
        ``allow_self_rotation=True``; the client then uses the new key.

        Example::

            new = client.access_keys.rotate(old_key_id)
            vault.store(new.access_key.access_key_id, new.secret.get_secret_value())
        """
        options = ops.Options(timeout, max_retries, deadline)
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

    def list(
        self,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        page_token: str | None = None,
        project_id: str | None = None,
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
        options = ops.Options(timeout, max_retries, deadline)
        client = self._client

        async def fetch_page(token: str | None, walk: PageWalk) -> ListAccessKeysResponse:
            # each page is a call of its own, with its own deadline
            return await client._run(
                ops.list_page(
                    client, project_id, page_size, token, extra_query, options.fresh(), walk
                )
            )

        return AsyncAccessKeyPager(fetch_page, first)

    async def create(
        self,
        *,
        display_name: str,
        project_id: str | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> CreatedAccessKey:
        """Create a key; see :meth:`AccessKeys.create`.

        Example::

            created = await client.access_keys.create(display_name="ci deploy")
        """
        return await self._client._run(
            ops.create(
                self._client, display_name, project_id, ops.Options(timeout, max_retries, deadline)
            )
        )

    async def get(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Fetch one key.

        Example::

            key = await client.access_keys.get(key_id)
        """
        return await self._client._run(
            ops.get(
                self._client, access_key_id, project_id, ops.Options(timeout, max_retries, deadline)
            )
        )

    async def update(
        self,
        access_key_id: str,
        *,
        display_name: str,
        project_id: str | None = None,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> AccessKey:
        """Rename a key.

        Example::

            await client.access_keys.update(key_id, display_name="renamed")
        """
        options = ops.Options(timeout, max_retries, deadline)
        return await self._client._run(
            ops.update(self._client, access_key_id, display_name, project_id, options)
        )

    async def delete(
        self,
        access_key_id: str,
        *,
        project_id: str | None = None,
        allow_self_delete: bool = False,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> None:
        """Delete a key; see :meth:`AccessKeys.delete`.

        Example::

            await client.access_keys.delete(old_key_id)
        """
        options = ops.Options(timeout, max_retries, deadline)
        await self._client._run(
            ops.delete(self._client, access_key_id, project_id, allow_self_delete, options)
        )

    async def rotate(
        self,
        access_key_id: str,
        *,
        display_name: str | None = None,
        project_id: str | None = None,
        allow_self_rotation: bool = False,
        timeout: TimeoutOption | NotGiven = NOT_GIVEN,
        max_retries: int | None = None,
        deadline: float | NotGiven | None = NOT_GIVEN,
    ) -> CreatedAccessKey:
        """Replace a key safely; see :meth:`AccessKeys.rotate`.

        Example::

            new = await client.access_keys.rotate(old_key_id)
        """
        options = ops.Options(timeout, max_retries, deadline)
        return await self._client._run(
            ops.rotate(
                self._client, access_key_id, display_name, project_id, allow_self_rotation, options
            )
        )
