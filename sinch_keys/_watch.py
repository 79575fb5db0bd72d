"""The async client's attempt deadlines, kept by one timer per client.

``asyncio.timeout`` schedules a timer for each attempt and cancels it when the attempt ends:
with hundreds of tasks in flight, that is a timer handle per request in a heap the event loop
keeps cleaning, about 3% of a fan-out's time on the aiohttp transport (benchmarks/results.md).
Most deadlines are never reached, and a client's attempts all start with about the same time
left, so one timer armed for the earliest deadline in flight does the same work: when it
fires it cancels every attempt past its deadline and re-arms for the next one.

Each attempt is cancelled, and its ``CancelledError`` turned into ``TimeoutError``, by
``asyncio.timeout``'s own rules (``Task.cancelling`` and ``Task.uncancel``), so a
cancellation that comes from anywhere else still propagates.

Example::

    async with watch.within(5.0):  # TimeoutError if the block takes longer than 5 s
        await attempt()
"""

from __future__ import annotations

import asyncio
import math
from types import TracebackType


class DeadlineWatch:
    """The deadlines of the attempts in flight, one timer for all of them.

    Example::

        watch = DeadlineWatch()
        async with watch.within(5.0):
            await asyncio.sleep(10)  # TimeoutError after 5 s
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watched: dict[Watched, None] = {}  # in arrival order, for a stable scan
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = math.inf

    def within(self, seconds: float) -> Watched:
        """A context for one attempt, which may take ``seconds`` at most."""
        return Watched(self, seconds)

    def _start(self, watched: Watched, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a timer belongs to one event loop
            self.close()
            self._loop = loop
        watched.when = when = loop.time() + seconds
        self._watched[watched] = None
        if when < self._timer_when:
            self._arm(loop, when)

    def _stop(self, watched: Watched) -> None:
        self._watched.pop(watched, None)

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(when, self._expire)
        self._timer_when = when

    def _expire(self) -> None:
        """Cancel every attempt past its deadline; wait for the next deadline in flight."""
        self._timer, self._timer_when = None, math.inf
        loop = self._loop
        if loop is None:
            return
        now = loop.time()
        earliest = math.inf
        for watched in self._watched:
            if watched.expired:
                continue
            if watched.when <= now:
                watched.expire()
            elif watched.when < earliest:
                earliest = watched.when
        if earliest < math.inf:
            self._arm(loop, earliest)

    def close(self) -> None:
        """Forget the attempts in flight and the timer (the client is closing, or moved to
        another event loop)."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_when = None, math.inf
        self._watched.clear()
        self._loop = None


class Watched:
    """One attempt under a :class:`DeadlineWatch`: an async context manager that raises
    ``TimeoutError`` when the attempt is cancelled by its deadline, as ``asyncio.timeout``.

    Example::

        async with watch.within(5.0):
            await attempt()
    """

    __slots__ = ("_cancelling", "_seconds", "_task", "_watch", "expired", "when")

    def __init__(self, watch: DeadlineWatch, seconds: float) -> None:
        self._watch = watch
        self._seconds = seconds
        self._task: asyncio.Task[object] | None = None
        self._cancelling = 0
        self.expired = False
        self.when = math.inf

    async def __aenter__(self) -> Watched:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a deadline is watched inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._watch._start(self, self._seconds)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._watch._stop(self)
        # ours, unless someone else asked to cancel the task too (asyncio.timeout's rule)
        if (
            self.expired
            and self._task is not None
            and self._task.uncancel() <= self._cancelling
            and exc_type is asyncio.CancelledError
        ):
            raise TimeoutError from exc

    def expire(self) -> None:
        """The deadline has passed: cancel the attempt."""
        self.expired = True
        if self._task is not None:
            self._task.cancel()
