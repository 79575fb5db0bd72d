"""cProfile of get() (MockTransport, no network) and of list-all (loopback): where the time goes,
by package and by function. cProfile inflates absolute numbers: compare rows, not columns."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.harness import BASIC_HEADER, KEY_ID, PROJECT, ROOT, key_from, sdk_kwargs
from benchmarks.percall import mock_transport
from sinch_keys import SinchKeys


def profile(fn: Callable[[], object]) -> pstats.Stats:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    return pstats.Stats(prof)


def top_entries(stats: pstats.Stats, n: int, calls: int) -> list[str]:
    """The n entries with the most own time, in us per call of the benchmarked operation."""
    rows = []
    for (filename, line, func), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, ncalls, _short(filename), line, func))
    rows.sort(reverse=True)
    out = [f"{'own us':>8} {'cum us':>8} {'calls':>6}  function"]
    for tottime, cumtime, ncalls, filename, line, func in rows[:n]:
        out.append(
            f"{tottime / calls * 1e6:8.2f} {cumtime / calls * 1e6:8.2f} {ncalls / calls:6.1f}"
            f"  {filename}:{line}({func})"
        )
    return out


def by_package(stats: pstats.Stats, calls: int) -> dict[str, float]:
    """Own time per package (us per operation)."""
    totals: dict[str, float] = {}
    for (filename, _, func), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        package = _package(filename, func)
        totals[package] = totals.get(package, 0.0) + tottime / calls * 1e6
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def _package(filename: str, func: str) -> str:
    if filename == "~":
        return "builtins (" + ("json" if "json" in func else "C") + ")"
    for name in ("sinch_keys_api", "sinch_keys", "httpx", "httpcore", "h11", "attr", "json"):
        if f"/{name}/" in filename:
            return name
    if filename.startswith("<attrs generated"):
        return "attrs-generated"
    if "benchmarks" in filename:
        return "benchmark loop"
    return "stdlib/other"


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/generated/", str(ROOT) + "/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def profiles(base: str, calls: int) -> dict[str, Any]:
    """cProfile of the facade's get() (in process, no network) and of list-all (loopback)."""
    n = calls
    transport = mock_transport()
    url = f"{base}/v1/projects/{PROJECT}/accessKeys/{KEY_ID}"
    raw = httpx.Client(headers={"Authorization": BASIC_HEADER}, transport=transport)
    basic = SinchKeys(**sdk_kwargs(base, "basic"), http_client=httpx.Client(transport=transport))
    oauth2 = SinchKeys(**sdk_kwargs(base, "oauth2"), http_client=httpx.Client(transport=transport))
    oauth2.access_keys.get(KEY_ID)
    raw.get(url)
    basic.access_keys.get(KEY_ID)

    def loop(fn: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(n):
                fn()

        return run

    out: dict[str, Any] = {}
    raw_stats = profile(loop(lambda: key_from(raw.get(url).json())))
    basic_stats = profile(loop(lambda: basic.access_keys.get(KEY_ID)))
    oauth2_stats = profile(loop(lambda: oauth2.access_keys.get(KEY_ID)))
    out["packages"] = {
        "raw httpx + json + model": by_package(raw_stats, n),
        "sinch_keys Basic": by_package(basic_stats, n),
        "sinch_keys OAuth2": by_package(oauth2_stats, n),
    }
    out["get_basic"] = top_entries(basic_stats, 25, n)
    out["get_oauth2_facade"] = [
        line
        for line in top_entries(oauth2_stats, 400, n)
        if "sinch_keys" in line or line.lstrip().startswith("own")
    ][:20]
    raw.close()
    for client in (basic, oauth2):
        client._http.close()

    sdk = SinchKeys(**sdk_kwargs(base, "oauth2"))
    sdk.access_keys.get(KEY_ID)
    total = 20_000
    list_stats = profile(
        lambda: sum(1 for _ in sdk.access_keys.list(page_size=1000, project_id=f"list-{total}"))
    )
    out["list_packages"] = by_package(list_stats, total)
    out["list"] = top_entries(list_stats, 15, total)
    sdk.close()
    return out
