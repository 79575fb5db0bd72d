"""``emulated()``: test code that builds its own clients, without changing that code.

While an ``emulated()`` block is active, every :class:`~sinch_keys.SinchKeys` and
:class:`~sinch_keys.AsyncSinchKeys` built anywhere in the process without an ``http_client``
talks to an in-process :class:`Emulator` (no sockets), and takes its project, key and URLs
from the emulator where it would otherwise read the environment. Explicit arguments still
win. The shape is moto's ``mock_aws``: a context manager and a decorator, process-wide (see
``sinch_keys._routing`` for why not a context variable).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from sinch_keys import _routing
from sinch_keys.testing._emulator import Emulator

__all__ = ["Emulation", "current_emulator", "emulated"]

P = ParamSpec("P")
R = TypeVar("R")


def emulated(emulator: Emulator | None = None, **options: Any) -> Emulation:
    """Route every client built inside the block (or the decorated function) to an emulator.

    ``emulator`` is the one to use; without it each entry makes a fresh
    ``Emulator(**options)`` (``project_id``, ``seed``, ``max_keys``, ...). As a context
    manager it yields the emulator. As a decorator (sync or ``async def`` functions) each
    call gets its own block, and :func:`current_emulator` returns its emulator.

    Inside the block a client built with no ``http_client`` uses the emulator's transport
    whatever its ``base_url``, and reads ``project_id``, ``key_id``, ``key_secret``,
    ``base_url`` and ``token_url`` from the emulator instead of ``SINCH_*`` environment
    variables; arguments passed explicitly still win. A client keeps its route for its
    whole life, so one built inside and used after the block still reaches the emulator. The
    routing is process-wide: it covers threads the code under test starts itself, and the
    innermost active block wins when blocks are nested.

    Example::

        from sinch_keys import SinchKeys
        from sinch_keys.testing import emulated

        def count_keys() -> int:           # the code under test builds its own client
            with SinchKeys() as client:
                return len(list(client.access_keys.list()))

        with emulated(project_id="proj-test") as emu:
            emu.create_key("ci")
            assert count_keys() == 2       # the bootstrap key and "ci"
    """
    if emulator is not None and options:
        raise TypeError("pass either an Emulator or options to build one, not both")
    return Emulation(emulator, options)


def current_emulator() -> Emulator:
    """The emulator of the innermost active :func:`emulated` block.

    Raises ``LookupError`` outside one. Meant for functions decorated with ``@emulated()``.

    Example::

        @emulated(seed=1)
        def test_rotation_deletes_the_old_key():
            run_my_rotation_job()
            assert len(current_emulator().keys()) == 1
    """
    route = _routing.current()
    if route is None or not isinstance(route.owner, Emulator):
        raise LookupError("no emulated() block is active")
    return route.owner


class Emulation:
    """One ``emulated()`` block: a context manager yielding its :class:`Emulator`, and a
    decorator. Build it with :func:`emulated`.

    One object is one block at a time: entering it again while it is active raises
    ``RuntimeError``. As a decorator it opens a new block for every call, so a decorated
    function may run in several threads or recursively.

    Example::

        block = emulated(seed=1)
        with block as emu:
            ...
    """

    def __init__(self, emulator: Emulator | None, options: dict[str, Any]) -> None:
        self._emulator = emulator
        self._options = options
        self._route: _routing.Route | None = None

    def __repr__(self) -> str:
        state = "active" if self._route is not None else "inactive"
        return f"<Emulation {state} emulator={self._emulator!r}>"

    def __enter__(self) -> Emulator:
        if self._route is not None:
            raise RuntimeError("this emulated() block is already active; use a new emulated()")
        emulator = self._emulator if self._emulator is not None else Emulator(**self._options)
        route = _routing.Route(
            environ={
                "SINCH_PROJECT_ID": emulator.project_id,
                "SINCH_KEY_ID": emulator.key_id,
                "SINCH_KEY_SECRET": emulator.key_secret,
                "SINCH_KEYS_BASE_URL": emulator.base_url,
                "SINCH_KEYS_TOKEN_URL": emulator.token_url,
            },
            transport=emulator.intercepting_transport,
            async_transport=emulator.async_intercepting_transport,
            owner=emulator,
        )
        _routing.activate(route)
        self._route = route
        return emulator

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        route, self._route = self._route, None
        if route is None:
            raise RuntimeError("this emulated() block is not active")
        _routing.deactivate(route)

    @overload
    def __call__(self, func: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]: ...

    @overload
    def __call__(self, func: Callable[P, R]) -> Callable[P, R]: ...

    def __call__(self, func: Callable[P, Any]) -> Callable[P, Any]:
        """Decorate ``func`` (sync or ``async def``): each call runs in a new block.

        Example::

            @emulated(project_id="proj-test")
            async def test_my_job():
                await my_job()
        """
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
                with self._fresh():
                    return await func(*args, **kwargs)

            return run_async

        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return run

    def _fresh(self) -> Emulation:
        return Emulation(self._emulator, self._options)
