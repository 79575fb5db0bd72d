"""get() per call against raw httpx: sync over loopback, sync on a MockTransport (the client's
own CPU), and async at 50 concurrent tasks, each transport against raw httpx on the same one."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
import types
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import sinch_keys_api
from sinch_keys_api.api.access_key import access_key_service_get_access_key as get_op

from benchmarks.harness import (
    BASIC_HEADER,
    KEY_ID,
    PROJECT,
    Row,
    Server,
    ainterleave,
    aiohttp_client_class,
    interleave,
    key_from,
    sdk_kwargs,
)
from sinch_keys import AsyncSinchKeys, SinchKeys
from sinch_keys._async_transport import FifoAsyncTransport
from sinch_keys._base import DEFAULT_LIMITS, DEFAULT_TIMEOUT

CONCURRENCY = 50
FLOOR = "raw httpx + json (floor)"
ASYNC_FLOOR = "raw httpx.AsyncClient, the SDK's pool limits + json (floor)"
ASYNC_HTTPX_LIMITS = "context: raw httpx.AsyncClient, httpx's default limits + json"
ASYNC_FIFO = "context: raw httpx.AsyncClient on the SDK's own transport + json"
AIOHTTP_FLOOR = "raw httpx over aiohttp + json (aiohttp floor)"
JSON = {"Content-Type": "application/json"}


def sync_per_call(
    base: str, reps: int, n: int, transport: httpx.BaseTransport | None = None
) -> dict[str, Row]:
    """get() per call; with ``transport`` (a MockTransport) it measures client CPU alone."""
    headers = {"Authorization": BASIC_HEADER}
    url = f"{base}/v1/projects/{PROJECT}/accessKeys/{KEY_ID}"
    extra: dict[str, Any] = {"transport": transport} if transport else {}
    raw = httpx.Client(headers=headers, **extra)
    gen = sinch_keys_api.Client(base_url=base, headers=headers, httpx_args=extra)
    sdks = {
        auth: SinchKeys(
            **sdk_kwargs(base, auth), http_client=httpx.Client(**extra) if extra else None
        )
        for auth in ("basic", "oauth2")
    }

    def raw_json() -> float:
        get = raw.get
        t0 = time.perf_counter()
        for _ in range(n):
            get(url).json()
        return (time.perf_counter() - t0) / n

    def raw_model() -> float:
        get = raw.get
        t0 = time.perf_counter()
        for _ in range(n):
            key_from(get(url).json())
        return (time.perf_counter() - t0) / n

    def generated() -> float:
        sync = get_op.sync
        t0 = time.perf_counter()
        for _ in range(n):
            sync(PROJECT, KEY_ID, client=gen)
        return (time.perf_counter() - t0) / n

    def sdk(auth: str) -> Callable[[], float]:
        get = sdks[auth].access_keys.get

        def run() -> float:
            t0 = time.perf_counter()
            for _ in range(n):
                get(KEY_ID)
            return (time.perf_counter() - t0) / n

        return run

    variants = {
        FLOOR: raw_json,
        "raw httpx + json + attrs model": raw_model,
        "generated client alone": generated,
        "sinch_keys, Basic": sdk("basic"),
        "sinch_keys, OAuth2 cached token": sdk("oauth2"),
    }
    try:
        return interleave(variants, reps, FLOOR)
    finally:
        raw.close()
        gen.get_httpx_client().close()
        for client in sdks.values():
            client.close()
            if extra:
                client._http.close()


def mock_transport() -> httpx.MockTransport:
    key = json.dumps(
        {
            "accessKeyId": KEY_ID,
            "displayName": "bench key",
            "projectId": PROJECT,
            "createTime": "2026-01-02T03:04:05.123Z",
            "updateTime": "2026-03-04T05:06:07.456789Z",
        }
    ).encode()
    token = json.dumps({"access_token": "t" * 40, "expires_in": 3600, "token_type": "bearer"})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, content=token.encode(), headers=JSON)
        return httpx.Response(200, content=key, headers=JSON)

    return httpx.MockTransport(handler)


# -- async ----------------------------------------------------------------------------------------

HAS_SNIFFIO = importlib.util.find_spec("sniffio") is not None


def _sniffio_stub() -> types.ModuleType:
    """What ``import sniffio`` finds when it is installed, as httpcore uses it under asyncio."""
    stub = types.ModuleType("sniffio")
    stub.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
    return stub


def with_sniffio(run: Callable[[], Awaitable[float]]) -> Callable[[], Awaitable[float]]:
    """Run a variant as if sniffio were installed (httpcore 1.0.x tries ``import sniffio`` on
    every pooled request; a failed import is not cached, so each request scans sys.path)."""

    async def wrapped() -> float:
        sys.modules["sniffio"] = _sniffio_stub()
        try:
            return await run()
        finally:
            del sys.modules["sniffio"]

    return wrapped


async def async_per_call(server: Server, reps: int, calls: int) -> tuple[dict[str, Row], float]:
    """Throughput per call at CONCURRENCY tasks. Rows on httpx's own transport are paired with
    raw httpx.AsyncClient with the SDK's pool limits (a context row has httpx's defaults);
    rows on the aiohttp transport with raw httpx over the same one."""
    base = server.base
    per = calls // CONCURRENCY
    headers = {"Authorization": BASIC_HEADER}
    url = f"{base}/v1/projects/{PROJECT}/accessKeys/{KEY_ID}"
    aio = aiohttp_client_class()
    raw = httpx.AsyncClient(headers=headers, limits=DEFAULT_LIMITS, timeout=DEFAULT_TIMEOUT)
    raw_httpx_limits = httpx.AsyncClient(headers=headers)
    raw_fifo = httpx.AsyncClient(
        headers=headers,
        transport=FifoAsyncTransport(limits=DEFAULT_LIMITS),
        timeout=DEFAULT_TIMEOUT,
    )
    gen = sinch_keys_api.Client(
        base_url=base, headers=headers, httpx_args={"limits": DEFAULT_LIMITS}
    )
    sdk_basic = AsyncSinchKeys(**sdk_kwargs(base, "basic"))
    sdk_oauth2 = AsyncSinchKeys(**sdk_kwargs(base, "oauth2"))
    closers: list[Callable[[], Awaitable[None]]] = [
        raw.aclose,
        raw_httpx_limits.aclose,
        raw_fifo.aclose,
        gen.get_async_httpx_client().aclose,
        sdk_basic.close,
        sdk_oauth2.close,
    ]
    busy: list[float] = []

    async def timed(worker: Callable[[], Awaitable[None]]) -> float:
        cpu0, t0 = server.cpu_seconds(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - t0
        busy.append((server.cpu_seconds() - cpu0) / elapsed)
        return elapsed / (per * CONCURRENCY)

    def raw_variant(client: httpx.AsyncClient, model: bool) -> Callable[[], Awaitable[float]]:
        async def worker() -> None:
            get = client.get
            for _ in range(per):
                data = (await get(url)).json()
                if model:
                    key_from(data)

        return lambda: timed(worker)

    async def gen_worker() -> None:
        for _ in range(per):
            await get_op.asyncio(PROJECT, KEY_ID, client=gen)

    def sdk_variant(client: AsyncSinchKeys) -> Callable[[], Awaitable[float]]:
        async def worker() -> None:
            get = client.access_keys.get
            for _ in range(per):
                await get(KEY_ID)

        return lambda: timed(worker)

    variants: dict[str, Callable[[], Awaitable[float]]] = {
        ASYNC_FLOOR: raw_variant(raw, False),
        "raw httpx + json + attrs model": raw_variant(raw, True),
        ASYNC_HTTPX_LIMITS: raw_variant(raw_httpx_limits, False),
        "generated client alone": lambda: timed(gen_worker),
        "sinch_keys, Basic": sdk_variant(sdk_basic),
        "sinch_keys, OAuth2 cached token": sdk_variant(sdk_oauth2),
    }
    floors = dict.fromkeys(variants, ASYNC_FLOOR)
    # the SDK's own pool queues requests in front of httpcore's: its transport alone, and the
    # SDK's own cost on it, like for like
    variants[ASYNC_FIFO] = raw_variant(raw_fifo, False)
    variants["context: sinch_keys, OAuth2 cached token, on the same transport"] = sdk_variant(
        sdk_oauth2
    )
    floors |= {ASYNC_FIFO: ASYNC_FLOOR, list(variants)[-1]: ASYNC_FIFO}
    if not HAS_SNIFFIO:
        variants["raw httpx.AsyncClient + json, sniffio importable"] = with_sniffio(
            raw_variant(raw, False)
        )
        variants["sinch_keys, OAuth2, sniffio importable"] = with_sniffio(sdk_variant(sdk_oauth2))
        floors |= dict.fromkeys(list(variants)[-2:], ASYNC_FLOOR)
    if aio is not None:
        raw_aio = aio(headers=headers)
        sdk_aio_basic = AsyncSinchKeys(**sdk_kwargs(base, "basic"), http_client=aio())
        sdk_aio = AsyncSinchKeys(**sdk_kwargs(base, "oauth2"), http_client=aio())
        closers += [raw_aio.aclose, sdk_aio_basic._http.aclose, sdk_aio._http.aclose]
        variants[AIOHTTP_FLOOR] = raw_variant(raw_aio, False)
        variants["sinch_keys, Basic, aiohttp transport"] = sdk_variant(sdk_aio_basic)
        variants["sinch_keys, OAuth2, aiohttp transport"] = sdk_variant(sdk_aio)
        floors |= dict.fromkeys(list(variants)[-3:], AIOHTTP_FLOOR)
    try:
        rows = await ainterleave(variants, reps, floors)
    finally:
        for close in closers:
            await close()
    return rows, max(busy)
