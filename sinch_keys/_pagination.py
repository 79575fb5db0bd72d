"""Lazy iteration over list pages: one page in memory, fetched only when needed.

Example::

    for key in client.access_keys.list(page_size=100):
        print(key.access_key_id)
    for page in client.access_keys.list().pages():
        save(page.next_page_token)        # resume later with list(page_token=...)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from sinch_keys._models import AccessKey, ListAccessKeysResponse

PageFetcher = Callable[[str | None], ListAccessKeysResponse]
AsyncPageFetcher = Callable[[str | None], Awaitable[ListAccessKeysResponse]]


def next_token(page: ListAccessKeysResponse) -> str | None:
    """The token of the page after ``page``, or None when ``page`` is the last one.

    The API marks the last page with an empty or absent ``nextPageToken``.
    """
    token = page.next_page_token
    return token if isinstance(token, str) and token else None


def _split(page: ListAccessKeysResponse) -> tuple[list[AccessKey], str | None]:
    return page.access_keys, next_token(page)


class AccessKeyPager:
    """The keys of a project, page by page, fetched as iteration reaches them.

    Iterate it for keys, or call :meth:`pages` for whole pages (each has ``access_keys``
    and ``next_page_token``). Each iteration starts again from the first requested page.

    Example::

        for key in client.access_keys.list(page_size=500):
            print(key.display_name)
    """

    def __init__(self, fetch_page: PageFetcher, first_token: str | None) -> None:
        self._fetch_page = fetch_page
        self._first_token = first_token

    def pages(self) -> Iterator[ListAccessKeysResponse]:
        """Yield each page in turn.

        Example::

            for page in client.access_keys.list().pages():
                print(len(page.access_keys), page.next_page_token)
        """
        token = self._first_token
        while True:
            page = self._fetch_page(token)
            yield page
            token = next_token(page)
            if token is None:
                return

    def __iter__(self) -> Iterator[AccessKey]:
        # not `for page in self.pages()`: that keeps page N alive while page N+1 is fetched,
        # two pages in memory instead of one
        token = self._first_token
        while True:
            keys, token = _split(self._fetch_page(token))
            yield from keys
            del keys
            if token is None:
                return


class AsyncAccessKeyPager:
    """The async twin of :class:`AccessKeyPager`: ``async for`` over keys or :meth:`pages`.

    Example::

        async for key in client.access_keys.list():
            print(key.access_key_id)
    """

    def __init__(self, fetch_page: AsyncPageFetcher, first_token: str | None) -> None:
        self._fetch_page = fetch_page
        self._first_token = first_token

    async def pages(self) -> AsyncIterator[ListAccessKeysResponse]:
        """Yield each page in turn.

        Example::

            async for page in client.access_keys.list().pages():
                print(page.next_page_token)
        """
        token = self._first_token
        while True:
            page = await self._fetch_page(token)
            yield page
            token = next_token(page)
            if token is None:
                return

    async def __aiter__(self) -> AsyncIterator[AccessKey]:
        token = self._first_token
        while True:
            keys, token = _split(await self._fetch_page(token))
            for key in keys:
                yield key
            del keys
            if token is None:
                return
