"""pytest fixtures for testing code that uses sinch-keys, against the in-process emulator.

pytest loads this plugin by itself wherever sinch-keys is installed (entry point
``pytest11``, name ``sinch_keys``; ``-p no:sinch_keys`` turns it off). Loading it imports
pytest and the library's core only: the emulator is imported when a test first asks for a
fixture, and nothing here needs the ``[cli]`` extra.

Fixtures:

- ``sinch_keys_emulator``: a fresh :class:`~sinch_keys.testing.Emulator`, with an
  :func:`~sinch_keys.testing.emulated` block open for the whole test, so every client the
  code under test builds without an ``http_client`` talks to it. Script faults with
  ``sinch_keys_emulator.faults.script(route, Fault(...), ...)``; look at what was sent with
  ``.requests``, ``.count(route)`` and ``.keys()``.
- ``sinch_keys_client``: a :class:`~sinch_keys.SinchKeys` signed in to that emulator.
- ``async_sinch_keys_client``: an :class:`~sinch_keys.AsyncSinchKeys` signed in to it. It
  is a plain fixture (building the client needs no event loop), so it serves tests run by
  pytest-asyncio, anyio or any other async runner.

The marker ``@pytest.mark.sinch_keys_emulator(**options)`` passes ``Emulator`` options
(``project_id``, ``seed``, ``max_keys``, ``token_ttl``, ...) to the test's emulator.

Example::

    import pytest
    from sinch_keys.testing import Fault

    import myapp  # builds its own SinchKeys() from the environment

    @pytest.mark.sinch_keys_emulator(project_id="proj-test", max_keys=3)
    def test_provisioning_survives_a_503(sinch_keys_emulator, sinch_keys_client):
        sinch_keys_emulator.faults.script("create", Fault(status=503))
        myapp.provision("ci deploy")
        assert [k.display_name for k in sinch_keys_client.access_keys.list()][-1] == "ci deploy"
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sinch_keys import AsyncSinchKeys, SinchKeys
    from sinch_keys.testing import Emulator

__all__ = [
    "MARKER",
    "async_sinch_keys_client",
    "sinch_keys_client",
    "sinch_keys_emulator",
]

MARKER = "sinch_keys_emulator"
"""The marker whose keyword arguments configure the test's :class:`Emulator`."""


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``sinch_keys_emulator`` marker (pytest hook).

    Example::

        @pytest.mark.sinch_keys_emulator(seed=1)
        def test_something(sinch_keys_emulator): ...
    """
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): Emulator options (project_id, seed, max_keys, token_ttl, ...) "
        "for the sinch_keys_emulator fixture",
    )


@pytest.fixture
def sinch_keys_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A fresh emulator, with every client built during the test routed to it.

    Example::

        def test_cleanup_job(sinch_keys_emulator):
            sinch_keys_emulator.create_key("stale")
            myapp.cleanup()                       # builds its own SinchKeys()
            assert len(sinch_keys_emulator.keys()) == 1
    """
    from sinch_keys.testing import emulated

    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only")
    with emulated(**(marker.kwargs if marker is not None else {})) as emulator:
        yield emulator


@pytest.fixture
def sinch_keys_client(sinch_keys_emulator: Emulator) -> Iterator[SinchKeys]:
    """A :class:`~sinch_keys.SinchKeys` on the test's emulator, as its bootstrap key.

    Example::

        def test_my_job_renames(sinch_keys_client):
            myapp.rename_all(prefix="old: ")
            assert all(k.display_name.startswith("old: ")
                       for k in sinch_keys_client.access_keys.list())
    """
    from sinch_keys import SinchKeys

    with SinchKeys() as client:
        yield client


@pytest.fixture
def async_sinch_keys_client(sinch_keys_emulator: Emulator) -> Iterator[AsyncSinchKeys]:
    """An :class:`~sinch_keys.AsyncSinchKeys` on the test's emulator, as its bootstrap key.

    Example::

        async def test_listing(async_sinch_keys_client):
            keys = [k async for k in async_sinch_keys_client.access_keys.list()]
            assert len(keys) == 1
    """
    from sinch_keys import AsyncSinchKeys

    client = AsyncSinchKeys()
    try:
        yield client
    finally:
        _close_outside_any_loop(client)


def _close_outside_any_loop(client: AsyncSinchKeys) -> None:
    # A sync fixture's teardown may run while an event loop is running in this thread (the
    # test's runner decides), so close on a fresh loop in a thread of our own. The pool is on
    # the emulator's in-process transport, which is bound to no event loop.
    import asyncio  # not at plugin load: the core imports asyncio only when it needs it

    failure: list[BaseException] = []

    def close() -> None:
        try:
            asyncio.run(client.close())
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    closer = threading.Thread(target=close, name="sinch-keys-fixture-close")
    closer.start()
    closer.join()
    if failure:
        raise failure[0]
