"""Lazy iteration over list pages (one page in memory), and the rule that every walk ends.

A :class:`PageWalk` follows ``nextPageToken`` from page to page and refuses a server that
would keep a walk going forever: a token seen before in the same walk (A, B, A ...), more
than ``MAX_EMPTY_PAGES`` empty pages in a row that still carry a token, or, for the SDK's own
walks over a project's keys (at most 10), more pages than those keys can fill. A refusal is
an :class:`~sinch_keys.APIResponseValidationError`.

Example::

    for key in client.access_keys.list(page_size=100):
        print(key.access_key_id)
    for page in client.access_keys.list().pages():
        save(page.next_page_token)        # resume later with list(page_token=...)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx

from sinch_keys._models import AccessKey, ListAccessKeysResponse
from sinch_keys._parsing import PARSE_ERRORS, decode, invalid, parse_body

R = TypeVar("R")

#: Empty pages in a row that still carry a next-page token, before the walk is refused.
MAX_EMPTY_PAGES = 10

PageFetcher = Callable[[str | None, "PageWalk"], "ListedPage"]
AsyncPageFetcher = Callable[[str | None, "PageWalk"], Awaitable["ListedPage"]]


def next_token(page: ListAccessKeysResponse) -> str | None:
    """The token of the page after ``page``, or None when ``page`` is the last one.

    The API marks the last page with an empty or absent ``nextPageToken``.

    Example::

        token = next_token(page)
    """
    return _following(page.next_page_token)


def _following(token: object) -> str | None:
    # the one rule for a page's nextPageToken, whether read from the model or the raw body
    return token if isinstance(token, str) and token else None


class ListedPage:
    """One page of a list as the API sent it: its keys become models as they are read.

    Iterating keys one at a time, each dropped before the next is built, keeps the young
    objects few and the garbage collector's passes short: a whole page of models built at
    once costs about 7% more per key (benchmarks/, list-all). The page's shape (an
    ``accessKeys`` array) is checked when it arrives; a key that does not fit raises
    :class:`~sinch_keys.APIResponseValidationError` when iteration reaches it.

    Example::

        for key in page.keys():
            print(key.access_key_id)
    """

    __slots__ = ("_body", "_items", "_response", "next_page_token")

    def __init__(self, response: httpx.Response) -> None:
        body = decode(response)
        try:
            items = body["accessKeys"]
        except PARSE_ERRORS as exc:
            raise invalid(response, exc) from None
        if not isinstance(items, list):
            raise invalid(response, TypeError("accessKeys is not an array"))
        self._response = response
        self._body: dict[str, Any] = body
        self._items: list[Any] = items
        #: The token of the next page; None on the last (empty or absent in the body).
        self.next_page_token = _following(body.get("nextPageToken"))

    @property
    def empty(self) -> bool:
        """Whether the page holds no keys."""
        return not self._items

    def keys(self) -> Iterator[AccessKey]:
        """The page's keys, each parsed as it is reached."""
        from_dict = AccessKey.from_dict
        for item in self._items:
            try:
                key = from_dict(item)
            except PARSE_ERRORS as exc:
                raise invalid(self._response, exc) from None
            yield key

    def parsed(self) -> ListAccessKeysResponse:
        """The whole page as the generated model (every key parsed now)."""
        return parse_body(self._response, self._body, ListAccessKeysResponse.from_dict)


class PageWalkError(Exception):
    """A page that would make the walk endless (turned into APIResponseValidationError)."""


class PageWalk:
    """The state of one walk over the pages of a list: which tokens it has followed.

    ``max_pages`` bounds walks whose length the SDK knows in advance (None: unbounded, as a
    caller's own ``list()`` may legitimately be long).

    Example::

        >>> walk = PageWalk()
        >>> walk.first_token("A")
        'A'
    """

    __slots__ = ("_empty_run", "_max_pages", "_pages", "_seen")

    def __init__(self, max_pages: int | None = None) -> None:
        self._seen: set[str] = set()
        self._empty_run = 0
        self._pages = 0
        self._max_pages = max_pages

    def first_token(self, token: str | None) -> str | None:
        """Note the token the walk starts from (a caller's saved ``page_token``)."""
        if token is not None:
            self._seen.add(token)
        return token

    def advance(self, page: ListedPage) -> str | None:
        """The token to fetch next after ``page`` (None: the walk is complete); raises
        :class:`PageWalkError` when following it could go on forever."""
        self._pages += 1
        token = page.next_page_token
        if token is None:
            return None
        if token in self._seen:
            raise PageWalkError(
                f"nextPageToken repeats a token of an earlier page of this walk (page "
                f"{self._pages}): following it would never end"
            )
        self._empty_run = self._empty_run + 1 if page.empty else 0
        if self._empty_run > MAX_EMPTY_PAGES:
            raise PageWalkError(
                f"{self._empty_run} empty pages in a row, each with another nextPageToken"
            )
        if self._max_pages is not None and self._pages >= self._max_pages:
            raise PageWalkError(
                f"still a nextPageToken after {self._pages} pages, more than a project's "
                f"access keys can fill"
            )
        self._seen.add(token)
        return token


def walk_pages(
    fetch: Callable[[str | None, PageWalk], R],
    first_token: str | None,
    token_of: Callable[[R], str | None],
) -> Iterator[R]:
    """Yield what ``fetch`` returns for each page of one walk, following the token that
    ``token_of`` finds in it (in a page itself, or in an ``APIResponse`` holding one).

    Example::

        for page in walk_pages(fetch_page, None, next_token):
            print(page.next_page_token)
    """
    walk = PageWalk()
    token = walk.first_token(first_token)
    while True:
        fetched = fetch(token, walk)
        yield fetched
        token = token_of(fetched)
        if token is None:
            return


async def awalk_pages(
    fetch: Callable[[str | None, PageWalk], Awaitable[R]],
    first_token: str | None,
    token_of: Callable[[R], str | None],
) -> AsyncIterator[R]:
    """The async twin of :func:`walk_pages`.

    Example::

        async for page in awalk_pages(fetch_page, None, next_token):
            print(page.next_page_token)
    """
    walk = PageWalk()
    token = walk.first_token(first_token)
    while True:
        fetched = await fetch(token, walk)
        yield fetched
        token = token_of(fetched)
        if token is None:
            return


class AccessKeyPager:
    """The keys of a project, page by page, fetched as iteration reaches them.

    Iterate it for keys, or call :meth:`pages` for whole pages (each has ``access_keys``
    and ``next_page_token``). Each iteration starts again from the first requested page.
    Every iteration ends: see :class:`PageWalk`. Iterating keys parses each as it is
    reached, so a malformed key raises :class:`~sinch_keys.APIResponseValidationError`
    after the keys before it; :meth:`pages` parses each page whole before yielding it.

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
        fetch = self._fetch_page

        def fetch_parsed(token: str | None, walk: PageWalk) -> ListAccessKeysResponse:
            return fetch(token, walk).parsed()

        return walk_pages(fetch_parsed, self._first_token, next_token)

    def __iter__(self) -> Iterator[AccessKey]:
        # not `for page in self.pages()`: that keeps page N alive while page N+1 is fetched,
        # two pages in memory instead of one
        walk = PageWalk()
        token = walk.first_token(self._first_token)
        while True:
            page = self._fetch_page(token, walk)
            keys, token = page.keys(), page.next_page_token
            del page
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

    def pages(self) -> AsyncIterator[ListAccessKeysResponse]:
        """Yield each page in turn.

        Example::

            async for page in client.access_keys.list().pages():
                print(page.next_page_token)
        """
        fetch = self._fetch_page

        async def fetch_parsed(token: str | None, walk: PageWalk) -> ListAccessKeysResponse:
            return (await fetch(token, walk)).parsed()

        return awalk_pages(fetch_parsed, self._first_token, next_token)

    async def __aiter__(self) -> AsyncIterator[AccessKey]:
        walk = PageWalk()
        token = walk.first_token(self._first_token)
        while True:
            page = await self._fetch_page(token, walk)
            keys, token = page.keys(), page.next_page_token
            del page
            for key in keys:
                yield key
            del keys
            if token is None:
                return
