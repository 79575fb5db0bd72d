"""One timer for every async attempt's deadline (sinch_keys/_watch.py).

What is checked is what the tasks see: which of them are cancelled, in what order, and that
a cancellation from anywhere else still arrives as ``CancelledError``, as with
``asyncio.timeout``. Each test is bounded by ``GUARD``; short deadlines are only ordered
against each other, never timed. The end-to-end proof (a server dripping its headers to the
async client) is in tests/reliability/test_hostile_server.py.
"""

from __future__ import annotations

import asyncio

import pytest

from sinch_keys._watch import DeadlineWatch

GUARD = 20.0
LONG = 60.0  # an attempt that would outlive any test unless its deadline stops it


async def attempt(watch: DeadlineWatch, seconds: float, work: float, name: str, log: list[str]):
    try:
        async with watch.within(seconds):
            await asyncio.sleep(work)
    except TimeoutError:
        log.append(f"{name} timed out")
    else:
        log.append(f"{name} done")


async def test_an_attempt_past_its_deadline_raises_timeout_error() -> None:
    watch, log = DeadlineWatch(), []
    async with asyncio.timeout(GUARD):
        await attempt(watch, 0.01, LONG, "a", log)
    assert log == ["a timed out"]
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr] # uncancelled


async def test_an_attempt_in_time_leaves_no_cancellation_behind() -> None:
    watch, log = DeadlineWatch(), []
    await attempt(watch, 0.05, 0, "a", log)
    await asyncio.sleep(0.2)  # past the deadline of the attempt that ended: nothing fires here
    assert log == ["a done"]
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_an_earlier_deadline_started_later_still_fires_first() -> None:
    """The timer is armed for a far deadline first, then re-armed for a nearer one."""
    watch, log = DeadlineWatch(), []
    async with asyncio.timeout(GUARD):
        await asyncio.gather(
            attempt(watch, LONG, 0.5, "far", log),
            attempt(watch, 0.01, LONG, "near", log),
        )
    assert log == ["near timed out", "far done"]


async def test_every_attempt_past_its_deadline_is_cancelled_in_turn() -> None:
    watch, log = DeadlineWatch(), []
    async with asyncio.timeout(GUARD):
        await asyncio.gather(
            *(attempt(watch, 0.01 * (i + 1), LONG, str(i), log) for i in range(3)),
            attempt(watch, LONG, 0.3, "in time", log),
        )
    assert log == ["0 timed out", "1 timed out", "2 timed out", "in time done"]


async def test_a_cancellation_from_elsewhere_is_not_a_timeout() -> None:
    watch, log = DeadlineWatch(), []
    task = asyncio.ensure_future(attempt(watch, LONG, LONG, "a", log))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert log == []


async def test_cancelled_by_the_deadline_and_from_elsewhere_at_once_stays_cancelled() -> None:
    """asyncio.timeout's rule: the deadline's cancellation is ours only if nobody else asked."""
    watch = DeadlineWatch()

    async def both() -> None:
        async with watch.within(LONG) as watched:
            watched.expire()  # the deadline passes ...
            asyncio.current_task().cancel()  # type: ignore[union-attr] # ... and a caller cancels
            await asyncio.sleep(LONG)

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(both(), GUARD)


def test_a_watch_moves_with_its_client_to_another_event_loop() -> None:
    watch = DeadlineWatch()

    async def two() -> list[str]:
        log: list[str] = []
        await asyncio.gather(
            attempt(watch, 0.01, LONG, "a", log), attempt(watch, 0.02, LONG, "b", log)
        )
        return log

    for _ in range(2):
        assert asyncio.run(asyncio.wait_for(two(), GUARD)) == ["a timed out", "b timed out"]
