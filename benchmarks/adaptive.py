"""Adaptive rate limiting against an API that enforces N requests per second per credential.

2,000 get() calls from 200 concurrent tasks, one credential, a loopback server that allows
N requests/s with a small burst and answers 429 with ``Retry-After`` above it. Side by side:
the standard mode (no pacing: every task retries on its own after Retry-After) and the
adaptive mode (sinch_keys._ratelimit.RateLimiter paces every attempt). The ideal schedule is
2,000 / N seconds.

PROTOTYPE WIRING, benchmark only: the clients do not take a limiter yet. ``PacedTransport``
below stands where the send loop will call it (``acquire`` before every attempt, retries
included; ``record`` after every response), under the SDK's own retry loop, so every attempt
of every call goes through it exactly as it will once wired.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from benchmarks.harness import KEY_ID, Server, sdk_kwargs
from sinch_keys import AsyncSinchKeys, RetryPolicy, SinchKeysError
from sinch_keys._base import DEFAULT_LIMITS, DEFAULT_TIMEOUT
from sinch_keys._ratelimit import RateLimiter

CALLS = 2000
CONCURRENCY = 200
RATE = 400.0  # requests per second per credential, enforced by the server
BURST = 20.0  # requests the server lets through at once after a pause
MAX_RETRIES = 20  # both modes: enough that a call is not abandoned while the API sheds load
STANDARD = "standard mode (no pacing)"
ADAPTIVE = "adaptive mode (RateLimiter, prototype wiring)"


class PacedTransport(httpx.AsyncBaseTransport):
    """PROTOTYPE, benchmark only: every API attempt asks the limiter first, and reports its
    response to it (429: throttled). Token requests are not paced."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: RateLimiter) -> None:
        self.inner = inner
        self.limiter = limiter
        self.sleeps = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/v1/"):
            return await self.inner.handle_async_request(request)
        clock = time.monotonic
        while (delay := self.limiter.acquire(clock())) > 0:
            self.sleeps += 1
            await asyncio.sleep(delay)
        response = await self.inner.handle_async_request(request)
        self.limiter.record(clock(), throttled=response.status_code == 429)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def one_run(server: Server, adaptive: bool, cap: float) -> dict[str, Any]:
    """2,000 calls; gives up (and says so) if they have not finished after ``cap`` seconds."""
    transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(limits=DEFAULT_LIMITS)
    limiter = RateLimiter() if adaptive else None
    if limiter is not None:
        transport = PacedTransport(transport, limiter)
    http = httpx.AsyncClient(transport=transport, timeout=DEFAULT_TIMEOUT)
    client = AsyncSinchKeys(
        **sdk_kwargs(server.base, "oauth2"),
        http_client=http,
        retry_policy=RetryPolicy(max_retries=MAX_RETRIES),
    )
    await client._tokens.aget()  # the token is not part of the run
    server.reset()
    remaining = iter(range(CALLS))
    done = failed = 0

    async def worker() -> None:
        nonlocal done, failed
        for _ in remaining:
            try:
                await client.access_keys.get(KEY_ID)
                done += 1
            except SinchKeysError:
                failed += 1

    cpu0, t0 = time.process_time(), time.perf_counter()
    tasks = [asyncio.ensure_future(worker()) for _ in range(CONCURRENCY)]
    _, pending = await asyncio.wait(tasks, timeout=cap)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    stats = server.stats()
    await http.aclose()
    return {
        "seconds": elapsed,
        "finished": not pending,
        "done": done,
        "failed": failed,
        "requests": stats["requests"] - 1,  # minus the /__stats request itself
        "throttled": stats["throttled"],
        "cpu": cpu,
        "sleeps": getattr(transport, "sleeps", 0),
        "limiter": repr(limiter) if limiter else "",
    }


async def adaptive_runs(server: Server, reps: int, cap_ratio: float) -> dict[str, list[Any]]:
    """Alternating standard and adaptive runs; the standard ones capped at ``cap_ratio`` times
    the ideal schedule (it can take many times longer)."""
    ideal = CALLS / RATE
    out: dict[str, list[Any]] = {STANDARD: [], ADAPTIVE: []}
    for rep in range(reps):
        order = [False, True] if rep % 2 == 0 else [True, False]
        for adaptive in order:
            result = await one_run(server, adaptive, cap=ideal * (10 if adaptive else cap_ratio))
            out[ADAPTIVE if adaptive else STANDARD].append(result)
    return out
