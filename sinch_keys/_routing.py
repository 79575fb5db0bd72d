"""Routes: where a client that was given no ``http_client`` sends its requests.

Normally nowhere special (the network). While ``sinch_keys.testing.emulated()`` is active it
registers a :class:`Route` here, and every client built in that time reads its settings from
the route instead of the environment and builds its pool on the route's transport. This is
the only seam between the clients and the test tooling: a client consults it once, when it
is built, so a client keeps the route it was born with for its whole life.

The registry is process-wide, not a context variable, on purpose: the code under test may
build its client in a thread it starts itself, or in a pool started before the block, and a
new thread does not inherit the context of the one that started it. (moto's ``mock_aws``
and respx are process-wide for the same reason.) The innermost active route wins.

Example::

    route = Route(environ={"SINCH_PROJECT_ID": "p"}, transport=t, async_transport=at)
    activate(route)
    try:
        assert current() is route
    finally:
        deactivate(route)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

__all__ = ["Route", "activate", "current", "deactivate"]


@attrs.frozen(eq=False)
class Route:
    """Where new clients go: ``environ`` stands in for ``os.environ`` (explicit arguments
    still win), the transports carry their requests (sync and async pools).

    Example::

        Route(environ={"SINCH_KEY_ID": "k"}, transport=emu.transport,
              async_transport=emu.async_transport, owner=emu)
    """

    environ: Mapping[str, str]
    transport: httpx.BaseTransport
    async_transport: httpx.AsyncBaseTransport
    owner: object = None

    def transport_for(self, pool_class: type[httpx.Client | httpx.AsyncClient]) -> Any:
        """The transport for a pool of this class (sync or async).

        Example::

            pool = httpx.AsyncClient(transport=route.transport_for(httpx.AsyncClient))
        """
        return self.async_transport if issubclass(pool_class, httpx.AsyncClient) else self.transport


_lock = threading.Lock()
_active: list[Route] = []


def current() -> Route | None:
    """The innermost active route, or None (the network).

    Example::

        route = current()
    """
    with _lock:
        return _active[-1] if _active else None


def activate(route: Route) -> None:
    """Make ``route`` the current one until :func:`deactivate`.

    Example::

        activate(route)
    """
    with _lock:
        _active.append(route)


def deactivate(route: Route) -> None:
    """Remove ``route`` wherever it is in the stack (blocks in two threads may end out of
    order); the route active before it, if any, is current again.

    Example::

        deactivate(route)
    """
    with _lock:
        for index in range(len(_active) - 1, -1, -1):
            if _active[index] is route:
                del _active[index]
                return
    raise ValueError("this route is not active")
