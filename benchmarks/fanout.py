"""Fan-out: list the keys of 1,000 projects with one credential, as an audit tool does.

Async at 50 and 200 concurrent tasks, each run on a fresh client (its token fetched inside the
run, one connection pool built for it), against raw httpx making the same requests (one token
request, then one list request per project, each page parsed into attrs models) with the same
pool limits; the aiohttp transport against raw httpx over the same transport. Sync with a
thread pool of 16. The server counts the token requests and the TCP connections of each run.

The SDK's own async pool (sinch_keys/_async_transport.py, FifoAsyncTransport) lets one
request at a time wait inside httpcore's pool; the others wait in front of it, in arrival
order. Two context rows separate what that transport does from what the SDK costs: raw httpx
on the same transport (paired with the floor), and sinch_keys paired with raw httpx on that
transport.

The other context rows locate the cause of the many connections: httpcore 1.0.x closes
every connection that goes idle while the pool holds more than ``max_keepalive_connections``
connections (its check counts all connections, not the idle ones: encode/httpcore#1000), so
once a burst of requests has opened more than that many, each response closes its connection
and the next queued request opens a new one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx

from benchmarks.harness import (
    KEY_ID,
    KEY_SECRET,
    PROJECT,
    Row,
    Sample,
    Server,
    ainterleave,
    aiohttp_client_class,
    interleave,
    key_from,
    sdk_kwargs,
)
from sinch_keys import AsyncSinchKeys, SinchKeys
from sinch_keys._async_transport import FifoAsyncTransport
from sinch_keys._auth import Token, TokenCache
from sinch_keys._base import DEFAULT_LIMITS, DEFAULT_TIMEOUT

PROJECTS = 1000
THREADS = 16
HTTPX_DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)

FLOOR = "raw httpx.AsyncClient, the SDK's pool limits (floor)"
SDK = "sinch_keys AsyncSinchKeys"
AIOHTTP_FLOOR = "raw httpx over aiohttp (aiohttp floor)"
SDK_AIOHTTP = "sinch_keys AsyncSinchKeys, aiohttp transport"
SDK_CACHED = "context: sinch_keys, token fetched before the run"
RAW_HTTPX_LIMITS = "context: raw httpx.AsyncClient, httpx's default limits"
SDK_CACHED_HTTPX_LIMITS = "context: sinch_keys, token fetched before, httpx's default limits"
SDK_TOKEN_WAITERS = "prototype: sinch_keys, token waiters resume together"
RAW_FIFO = "context: raw httpx.AsyncClient on the SDK's own transport (FifoAsyncTransport)"
SDK_SAME_TRANSPORT = "context: sinch_keys, paired with raw httpx on its own transport"
SYNC_FLOOR = "raw httpx.Client, the SDK's pool limits (floor)"
SYNC_SDK = "sinch_keys SinchKeys"


def projects() -> list[str]:
    return [f"fan-{i:05d}" for i in range(PROJECTS)]


def limits_text(limits: httpx.Limits) -> str:
    return f"{limits.max_connections}/{limits.max_keepalive_connections}"


async def workers(concurrency: int, job: Callable[[str], Awaitable[None]]) -> None:
    names: Iterator[str] = iter(projects())

    async def worker() -> None:
        for name in names:
            await job(name)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def observed(server: Server, cpu: float) -> dict[str, float]:
    stats = server.stats()
    return {
        "cpu": cpu,
        "connections": stats["connections"],
        "peak_open": stats["peak_open"],
        "tokens": stats["token_requests"],
    }


def async_variants(
    server: Server, concurrency: int
) -> tuple[dict[str, Callable[[], Awaitable[Sample]]], dict[str, str]]:
    base = server.base
    aio = aiohttp_client_class()

    def raw(make: Callable[[], httpx.AsyncClient]) -> Callable[[], Awaitable[Sample]]:
        async def run() -> Sample:
            server.reset()
            cpu0, t0 = time.process_time(), time.perf_counter()
            async with make() as client:
                token = await client.post(
                    base + "/oauth2/token",
                    data={"grant_type": "client_credentials"},
                    auth=(PROJECT, KEY_SECRET),
                )
                headers = {"Authorization": "Bearer " + token.json()["access_token"]}

                async def job(project: str) -> None:
                    response = await client.get(
                        f"{base}/v1/projects/{project}/accessKeys",
                        params={"pageSize": 100},
                        headers=headers,
                    )
                    [key_from(d) for d in response.json()["accessKeys"]]

                await workers(concurrency, job)
            elapsed = time.perf_counter() - t0
            return elapsed, observed(server, time.process_time() - cpu0)

        return run

    def sdk(
        make: Callable[[], httpx.AsyncClient] | None = None, token_first: bool = False
    ) -> Callable[[], Awaitable[Sample]]:
        async def run() -> Sample:
            http = make() if make else None
            client = AsyncSinchKeys(**sdk_kwargs(base, "oauth2"), http_client=http)
            if token_first:
                await client._tokens.aget()
            server.reset()
            cpu0, t0 = time.process_time(), time.perf_counter()
            async with client:

                async def job(project: str) -> None:
                    [key async for key in client.access_keys.list(project_id=project)]

                await workers(concurrency, job)
                if http is not None:
                    await http.aclose()
            elapsed = time.perf_counter() - t0
            return elapsed, observed(server, time.process_time() - cpu0)

        return run

    def pool(limits: httpx.Limits) -> Callable[[], httpx.AsyncClient]:
        return lambda: httpx.AsyncClient(limits=limits, timeout=DEFAULT_TIMEOUT)

    def fifo_pool() -> httpx.AsyncClient:
        transport = FifoAsyncTransport(limits=DEFAULT_LIMITS)
        return httpx.AsyncClient(transport=transport, timeout=DEFAULT_TIMEOUT)

    def prototype(run: Callable[[], Awaitable[Sample]]) -> Callable[[], Awaitable[Sample]]:
        async def patched() -> Sample:
            TokenCache.aget = _aget_together  # type: ignore[method-assign]
            try:
                return await run()
            finally:
                TokenCache.aget = _AGET  # type: ignore[method-assign]

        return patched

    variants: dict[str, Callable[[], Awaitable[Sample]]] = {
        FLOOR: raw(pool(DEFAULT_LIMITS)),
        SDK: sdk(),
        SDK_TOKEN_WAITERS: prototype(sdk()),
        SDK_CACHED: sdk(token_first=True),
        RAW_HTTPX_LIMITS: raw(pool(HTTPX_DEFAULT_LIMITS)),
        SDK_CACHED_HTTPX_LIMITS: sdk(pool(HTTPX_DEFAULT_LIMITS), token_first=True),
        RAW_FIFO: raw(fifo_pool),
        SDK_SAME_TRANSPORT: sdk(),
    }
    floors = dict.fromkeys(variants, FLOOR) | {SDK_SAME_TRANSPORT: RAW_FIFO}
    if aio is not None:
        variants[AIOHTTP_FLOOR] = raw(lambda: aio(timeout=DEFAULT_TIMEOUT))
        variants[SDK_AIOHTTP] = sdk(lambda: aio(timeout=DEFAULT_TIMEOUT))
        floors |= {AIOHTTP_FLOOR: AIOHTTP_FLOOR, SDK_AIOHTTP: AIOHTTP_FLOOR}
    return variants, floors


async def async_fan_out(
    server: Server, concurrency: int, reps: int, warmup: bool
) -> dict[str, Row]:
    variants, floors = async_variants(server, concurrency)
    return await ainterleave(variants, reps, floors, warmup)


def sync_fan_out(server: Server, reps: int, warmup: bool) -> dict[str, Row]:
    base = server.base

    def raw() -> Sample:
        server.reset()
        cpu0, t0 = time.process_time(), time.perf_counter()
        with httpx.Client(limits=DEFAULT_LIMITS, timeout=DEFAULT_TIMEOUT) as client:
            token = client.post(
                base + "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(PROJECT, KEY_SECRET),
            )
            headers = {"Authorization": "Bearer " + token.json()["access_token"]}

            def job(project: str) -> None:
                response = client.get(
                    f"{base}/v1/projects/{project}/accessKeys",
                    params={"pageSize": 100},
                    headers=headers,
                )
                [key_from(d) for d in response.json()["accessKeys"]]

            with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(job, projects()))
        elapsed = time.perf_counter() - t0
        return elapsed, observed(server, time.process_time() - cpu0)

    def sdk() -> Sample:
        server.reset()
        cpu0, t0 = time.process_time(), time.perf_counter()
        with SinchKeys(**sdk_kwargs(base, "oauth2")) as client:

            def job(project: str) -> None:
                list(client.access_keys.list(project_id=project))

            with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
                list(pool.map(job, projects()))
        elapsed = time.perf_counter() - t0
        return elapsed, observed(server, time.process_time() - cpu0)

    return interleave({SYNC_FLOOR: raw, SYNC_SDK: sdk}, reps, SYNC_FLOOR, warmup)


# PROTOTYPE, benchmark only, of a change to sinch_keys/_auth.py: tasks that find a token fetch
# in flight await its result together (one shared future), instead of queueing on the lock,
# which hands the token to one waiter per event-loop iteration.
_AGET = TokenCache.aget


async def _aget_together(self: TokenCache, stale: Token | None = None) -> tuple[Token, bool]:
    token = self.current()
    if token is not None and token is not stale:
        return token, False
    pending: asyncio.Future[Token] | None = getattr(self, "_pending", None)
    if pending is not None:
        return await asyncio.shield(pending), False
    future: asyncio.Future[Token] = asyncio.get_running_loop().create_future()
    self._pending = future  # type: ignore[attr-defined]
    try:
        token, fetched = await _AGET(self, stale)
        future.set_result(token)
        return token, fetched
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning when nobody waited
        raise
    finally:
        self._pending = None  # type: ignore[attr-defined]


# -- token single flight --------------------------------------------------------------------------


class Clock:
    """time.monotonic plus an offset the benchmark moves past the token's expiry."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def token_waves(server: Server, trials: int) -> list[dict[str, Any]]:
    """Token requests when 200 tasks / 16 threads start on a fresh client, then again once
    every token has expired (the client's clock moved past it)."""
    results = []
    for trial in range(trials):
        results.append(asyncio.run(_async_wave(server, trial)))
        results.append(_thread_wave(server, trial))
    return results


async def _async_wave(server: Server, trial: int) -> dict[str, Any]:
    clock = Clock()
    server.reset()
    tokens: list[int] = []
    async with AsyncSinchKeys(**sdk_kwargs(server.base, "oauth2"), clock=clock) as client:
        for _ in range(2):
            await asyncio.gather(*(client.access_keys.get(KEY_ID) for _ in range(200)))
            tokens.append(server.stats()["token_requests"] - sum(tokens))
            clock.offset += 7200
    return {"what": "200 concurrent async get()", "trial": trial + 1, "tokens": tokens}


def _thread_wave(server: Server, trial: int) -> dict[str, Any]:
    clock = Clock()
    server.reset()
    tokens: list[int] = []
    errors: list[BaseException] = []
    with SinchKeys(**sdk_kwargs(server.base, "oauth2"), clock=clock) as client:
        for _ in range(2):
            barrier = threading.Barrier(THREADS)

            def work(barrier: threading.Barrier = barrier) -> None:
                try:
                    barrier.wait()
                    for _ in range(10):
                        client.access_keys.get(KEY_ID)
                except BaseException as exc:  # reported, not swallowed
                    errors.append(exc)

            threads = [threading.Thread(target=work) for _ in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            tokens.append(server.stats()["token_requests"] - sum(tokens))
            clock.offset += 7200
    if errors:
        raise errors[0]
    return {"what": f"{THREADS} threads x 10 get()", "trial": trial + 1, "tokens": tokens}
