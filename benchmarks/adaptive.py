"""Adaptive rate limiting against an API that enforces N requests per second per credential.

2,000 get() calls from 200 concurrent tasks, one credential, a loopback server that allows
N requests/s with a small burst and answers 429 with ``Retry-After`` above it. Side by side:
the standard mode (no pacing: every task retries on its own after Retry-After) and the
adaptive mode (sinch_keys._ratelimit.RateLimiter paces every attempt). The ideal schedule is
2,000 / N seconds.

The adaptive client is the SDK as shipped: ``AsyncSinchKeys(rate_limiter=...)``, whose retry
loop asks the limiter before every attempt (retries included) and reports every response.
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
ADAPTIVE = "adaptive mode (rate_limiter=RateLimiter())"


async def one_run(server: Server, adaptive: bool, cap: float) -> dict[str, Any]:
    """2,000 calls; gives up (and says so) if they have not finished after ``cap`` seconds."""
    transport: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport(limits=DEFAULT_LIMITS)
    limiter = RateLimiter() if adaptive else None
    sleeps = 0

    async def counted_sleep(seconds: float) -> None:
        nonlocal sleeps
        sleeps += 1
        await asyncio.sleep(seconds)

    http = httpx.AsyncClient(transport=transport, timeout=DEFAULT_TIMEOUT)
    client = AsyncSinchKeys(
        **sdk_kwargs(server.base, "oauth2"),
        http_client=http,
        retry_policy=RetryPolicy(max_retries=MAX_RETRIES),
        rate_limiter=limiter,
        sleep=counted_sleep,
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
        "sleeps": sleeps,
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
