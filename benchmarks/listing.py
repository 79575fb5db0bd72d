"""list-all at 1,000 keys per page against the raw model-building loop, and peak memory while
iterating (tracemalloc), with the default garbage collector and with a collection per page."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import sinch_keys_api
from sinch_keys_api.api.access_key import access_key_service_list_access_keys as list_op
from sinch_keys_api.models import ListAccessKeysResponse
from sinch_keys_api.types import UNSET

from benchmarks.harness import BASIC_HEADER, KEY_ID, Key, Row, interleave, key_from, sdk_kwargs
from sinch_keys import SinchKeys

REFERENCE = "raw httpx loop + attrs model (reference)"
SDK = "sinch_keys list(page_size=1000)"


def raw_pages(client: httpx.Client, base: str, project: str) -> Iterator[dict[str, Any]]:
    url = f"{base}/v1/projects/{project}/accessKeys"
    token: str | None = None
    while True:
        params: dict[str, Any] = {"pageSize": 1000}
        if token:
            params["pageToken"] = token
        body = client.get(url, params=params).json()
        yield body
        token = body.get("nextPageToken")
        if not token:
            return


def raw_keys(client: httpx.Client, base: str, project: str) -> Iterator[Key]:
    for body in raw_pages(client, base, project):
        for d in body["accessKeys"]:
            yield key_from(d)


def generated_keys(client: sinch_keys_api.Client, project: str) -> Iterator[Any]:
    token: Any = UNSET
    while True:
        page = list_op.sync(project, client=client, page_size=1000, page_token=token)
        assert isinstance(page, ListAccessKeysResponse)
        yield from page.access_keys
        if not page.next_page_token:
            return
        token = page.next_page_token


def list_all(base: str, reps: int, total: int) -> dict[str, Row]:
    """Wall time of iterating ``total`` keys; each row also carries its client CPU time
    (``cpu``), which other processes on the machine disturb less than the wall clock."""
    project = f"list-{total}"
    headers = {"Authorization": BASIC_HEADER}
    raw = httpx.Client(headers=headers)
    gen = sinch_keys_api.Client(base_url=base, headers=headers)
    sdk = SinchKeys(**sdk_kwargs(base, "oauth2"))

    def timed(make: Callable[[], Iterator[Any]]) -> Callable[[], tuple[float, dict[str, float]]]:
        def run() -> tuple[float, dict[str, float]]:
            cpu0, t0 = time.process_time(), time.perf_counter()
            count = sum(1 for _ in make())
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            assert count == total, count
            return elapsed, {"cpu": cpu}

        return run

    def raw_json() -> Iterator[Any]:
        for body in raw_pages(raw, base, project):
            yield from body["accessKeys"]

    variants = {
        REFERENCE: timed(lambda: raw_keys(raw, base, project)),
        "raw httpx loop, json only": timed(raw_json),
        "generated list call alone": timed(lambda: generated_keys(gen, project)),
        SDK: timed(lambda: iter(sdk.access_keys.list(page_size=1000, project_id=project))),
    }
    try:
        rows = interleave(variants, reps, REFERENCE)
    finally:
        raw.close()
        gen.get_httpx_client().close()
        sdk.close()
    reference_cpu = rows[REFERENCE].extra["cpu"]
    for row in rows.values():
        cpu = row.extra["cpu"]
        row.extra["cpu_ratio"] = [c / r for c, r in zip(cpu, reference_cpu, strict=True)]
    return rows


# -- memory ---------------------------------------------------------------------------------------


RAW = "raw httpx loop + attrs model"


def list_memory(base: str, sizes: tuple[int, ...], collect: bool) -> dict[str, dict[int, int]]:
    """Peak traced memory (bytes) while iterating N keys, keeping none of them; with
    ``collect``, gc.collect() after each page's worth of keys (the live set, without the
    garbage that waits for the cycle collector)."""
    raw = httpx.Client(headers={"Authorization": BASIC_HEADER})
    sdk = SinchKeys(**sdk_kwargs(base, "oauth2"))
    sdk.access_keys.get(KEY_ID)  # token fetched, connection open: not part of the run
    raw.get(f"{base}/__stats")
    makers: dict[str, Callable[[str], Iterator[Any]]] = {
        RAW: lambda p: raw_keys(raw, base, p),
        SDK: lambda p: iter(sdk.access_keys.list(page_size=1000, project_id=p)),
    }
    peaks: dict[str, dict[int, int]] = {name: {} for name in makers}
    try:
        for size in sizes:
            for name, make in makers.items():
                gc.collect()
                tracemalloc.start()
                count = 0
                for _ in make(f"list-{size}"):
                    count += 1
                    if collect and count % 1000 == 1:
                        gc.collect()
                peaks[name][size] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                assert count == size
    finally:
        raw.close()
        sdk.close()
    return peaks


def memory_growth(
    base: str, sizes: tuple[int, int], reps: int, collect: bool
) -> dict[str, list[tuple[int, int]]]:
    """(peak at the small size, peak at the large size) per repetition, per variant."""
    out: dict[str, list[tuple[int, int]]] = {}
    for _ in range(reps):
        for name, peaks in list_memory(base, sizes, collect).items():
            out.setdefault(name, []).append((peaks[sizes[0]], peaks[sizes[1]]))
    return out


def growth(pairs: list[tuple[int, int]]) -> list[float]:
    return [large / small for small, large in pairs]


def median_kib(values: list[int]) -> str:
    return f"{statistics.median(values) / 1024:,.0f} KiB"
