"""Concurrency and load over real loopback HTTP, with seeded random faults on the API routes:
one sync client shared by 16 threads, one async client with 200 concurrent tasks.

Asserted: only the expected typed exceptions; exactly one token fetch per token lifetime (the
shared clock jumps past expiry once, mid-run: two fetches in all); no duplicate key; no socket
left open once the client is closed (counted per TCP port from /proc); no ResourceWarning.
Every loop is bounded in count, and each run in time.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from sinch_keys import (
    APIConnectionError,
    APIResponseValidationError,
    AsyncSinchKeys,
    CreateOutcomeUnknownError,
    InternalServerError,
    RateLimitError,
    SinchKeys,
    SinchKeysError,
)
from sinch_keys.testing import Emulator, serve_emulator
from tests.reliability.support import (
    TOKEN_PATH,
    Clock,
    new_emulator,
    open_socket_count,
    tcp_sockets_on_port,
    wait_until,
)

THREADS, ROUNDS_PER_THREAD = 16, 4  # 16 x 4 rounds x 5 operations = 320 operations
TASKS = 200  # 200 tasks x 4 operations (+ a list every 4th) = 850 operations
RUN_TIMEOUT = 60.0
API_ROUTES = ["list", "create", "get", "update", "delete"]
PROBABILITIES = {
    "status_500": 0.02,
    "status_503": 0.03,
    "status_429": 0.02,
    "drop": 0.02,
    "malformed": 0.02,
    "latency": 0.03,
}  # read timeouts are in the fault matrix: here one would hold a connection for READ_TIMEOUT
READ_TIMEOUT = 10.0  # generous: a loaded 2-core CI machine must not time out by itself
# What a caller may legitimately see under these faults (retries exhausted, a malformed 200,
# a create whose outcome is unknown). Anything else is a bug.
EXPECTED = (
    InternalServerError,
    RateLimitError,
    APIConnectionError,  # includes APITimeoutError
    APIResponseValidationError,
    CreateOutcomeUnknownError,
)


class Tally:
    """Operations and errors of one run (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.operations = 0
        self.errors: dict[str, int] = {}
        self.unexpected: list[BaseException] = []

    def record(self, error: BaseException | None) -> None:
        with self.lock:
            self.operations += 1
            if error is None:
                return
            name = type(error).__name__
            self.errors[name] = self.errors.get(name, 0) + 1
            if not isinstance(error, EXPECTED):
                self.unexpected.append(error)


@contextmanager
def loaded_server(seed: int) -> Iterator[tuple[Emulator, str, Clock, int]]:
    clock = Clock()
    emu = new_emulator(clock, seed=seed)
    emu.max_keys = 10_000
    emu.faults.random(
        seed=seed, probabilities=PROBABILITIES, routes=API_ROUTES, retry_after="0", latency=0.01
    )
    with serve_emulator(emu) as url:
        port = int(url.rsplit(":", 1)[1])
        yield emu, url, clock, port


def settings(emu: Emulator, url: str, clock: Clock) -> dict[str, Any]:
    return {
        "project_id": emu.project_id,
        "key_id": emu.key_id,
        "key_secret": emu.key_secret,
        "base_url": url,
        "token_url": url + TOKEN_PATH,
        "timeout": httpx.Timeout(READ_TIMEOUT, pool=30.0),
        "max_retries": 2,
        "clock": clock,
    }


def check_end_state(emu: Emulator, tally: Tally, port: int, fetches: int) -> None:
    assert tally.unexpected == [], (tally.errors, tally.unexpected[:3])
    assert fetches == 2, "one token fetch per token lifetime"
    assert emu.count("token") == 2, "one token request per token lifetime"
    # counted from what the store applied: its name check would hide a second create's key
    created = [w.display_name for w in emu.writes if w.route == "create"]
    assert len(created) == len(set(created)), "a create was applied twice"
    assert sum(emu.faults.counts.values()) >= 20, emu.faults.counts  # faults really happened
    # every socket this client opened is closed; the server closes its side soon after
    assert tcp_sockets_on_port(port)["client"] == 0
    assert wait_until(lambda: tcp_sockets_on_port(port)["server"] == 0, 10.0)


def test_sync_client_shared_by_16_threads() -> None:
    baseline = open_socket_count()
    tally = Tally()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with loaded_server(seed=16) as (emu, url, clock, port):
            client = SinchKeys(sleep=lambda s: None, **settings(emu, url, clock))
            expired = threading.Event()
            deadline = time.monotonic() + RUN_TIMEOUT

            def work(n: int) -> None:
                keys = client.access_keys
                for round_ in range(ROUNDS_PER_THREAD):
                    if time.monotonic() > deadline:
                        return
                    if n == 0 and round_ == ROUNDS_PER_THREAD // 2 and not expired.is_set():
                        clock.advance(4000.0)  # every token expires, mid-run, once
                        expired.set()
                    run_round(keys, f"t{n}-r{round_}", tally)

            threads = [
                threading.Thread(target=work, args=(n,), daemon=True) for n in range(THREADS)
            ]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=max(0.0, deadline + 5.0 - time.monotonic()))
            assert not any(t.is_alive() for t in threads), "the load run did not finish in time"
            elapsed = time.monotonic() - started
            client.close()
            assert expired.is_set()
            check_end_state(emu, tally, port, client._tokens.fetch_count)
        assert wait_until(lambda: open_socket_count() <= baseline, 10.0)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert tally.operations == THREADS * ROUNDS_PER_THREAD * 5
    print(f"sync: {tally.operations} operations in {elapsed:.1f} s, errors {tally.errors}")


def run_round(keys: Any, name: str, tally: Tally) -> None:
    """create, get, update, list one page, delete (sync)."""
    key_id: str | None = None
    try:
        key_id = keys.create(display_name=name).access_key.access_key_id
        tally.record(None)
    except CreateOutcomeUnknownError as exc:
        tally.record(exc)
        key_id = exc.access_key.access_key_id if exc.access_key else None
    except SinchKeysError as exc:
        tally.record(exc)
    for op in ("get", "update", "list", "delete"):
        try:
            if op == "list":
                next(iter(keys.list(page_size=20).pages()))
            elif key_id is None:
                keys.get(keys._client.key_id)  # nothing to act on: read the own key
            elif op == "get":
                keys.get(key_id)
            elif op == "update":
                keys.update(key_id, display_name=name + " (renamed)")
            else:
                keys.delete(key_id)
            tally.record(None)
        except SinchKeysError as exc:
            tally.record(exc)
        except Exception as exc:
            tally.record(exc)


async def arun_task(keys: Any, n: int, tally: Tally) -> None:
    """create, get, update, delete (and every 4th task a list page) (async)."""
    name = f"task-{n}"
    key_id: str | None = None
    try:
        key_id = (await keys.create(display_name=name)).access_key.access_key_id
        tally.record(None)
    except CreateOutcomeUnknownError as exc:
        tally.record(exc)
        key_id = exc.access_key.access_key_id if exc.access_key else None
    except Exception as exc:
        tally.record(exc)
    ops = ["get", "update", "delete"] + (["list"] if n % 4 == 0 else [])
    for op in ops:
        try:
            if op == "list":
                async for _page in keys.list(page_size=20).pages():
                    break
            elif key_id is None:
                await keys.get(keys._client.key_id)
            elif op == "get":
                await keys.get(key_id)
            elif op == "update":
                await keys.update(key_id, display_name=name + " (renamed)")
            else:
                await keys.delete(key_id)
            tally.record(None)
        except Exception as exc:
            tally.record(exc)


async def test_async_client_with_200_concurrent_tasks() -> None:
    baseline = open_socket_count()
    tally = Tally()

    async def no_sleep(seconds: float) -> None:
        return None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with loaded_server(seed=200) as (emu, url, clock, port):
            # the SDK's own default pool (100 connections for 200 tasks): 401s at the token
            # expiry must not starve the refresh (test_401_refresh_with_every_connection_busy)
            client = AsyncSinchKeys(sleep=no_sleep, **settings(emu, url, clock))

            async def expire_midway() -> None:
                while tally.operations < 400:  # noqa: ASYNC110 - polls a thread-safe counter
                    await asyncio.sleep(0.005)
                clock.advance(4000.0)

            started = time.monotonic()
            expiry = asyncio.create_task(expire_midway())
            tasks = [arun_task(client.access_keys, n, tally) for n in range(TASKS)]
            await asyncio.wait_for(asyncio.gather(*tasks), RUN_TIMEOUT)
            await asyncio.wait_for(expiry, 1.0)
            elapsed = time.monotonic() - started
            await client.close()
            check_end_state(emu, tally, port, client._tokens.fetch_count)
        assert wait_until(lambda: open_socket_count() <= baseline, 10.0)
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert tally.operations == TASKS * 4 + TASKS // 4
    print(f"async: {tally.operations} operations in {elapsed:.1f} s, errors {tally.errors}")
