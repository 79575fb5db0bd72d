"""sinch-keys against raw httpx, like for like: every section, the goals, results.md.

    python -m benchmarks.run            # full run: writes results.md and the PNG
    python -m benchmarks.run --quick    # a short smoke run: prints only (unless --out)
    nox -s bench [-- --quick]

Sections (one module each): percall (get() sync, MockTransport, async x50), listing (list-all
and memory), fanout (1,000 projects, async x50/x200, aiohttp, sync x16 threads; token single
flight), adaptive (2,000 calls against a rate-limited server), coldstart (process start),
profiles. Timings are paired and interleaved (benchmarks/harness.py); each goal's verdict is
computed from the median of its paired ratios, with their min-max beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import adaptive, coldstart, fanout, listing, percall, profiles
from benchmarks.harness import (
    CAN_PIN,
    CLIENT_CPU,
    GOAL_HEADER,
    HERE,
    Goal,
    Report,
    Row,
    Server,
    ints,
    load,
    machine,
    ms,
    ratio_text,
    secs,
    spread,
    us,
)
from sinch_keys._base import DEFAULT_LIMITS


@dataclass(frozen=True)
class Settings:
    sync_reps: int
    sync_calls: int  # calls per sample
    mock_reps: int
    mock_calls: int
    async_reps: int
    async_calls: int
    list_reps: int
    list_total: int
    memory_sizes: tuple[int, int]
    memory_reps: int
    fanout_reps: int
    sync_fanout_reps: int
    adaptive_reps: int
    standard_cap: float  # a standard-mode adaptive run gives up after this many ideal times
    token_trials: int
    cold_reps: int
    hyperfine_runs: int
    profile_calls: int
    warmup: bool


FULL = Settings(
    15, 400, 9, 1500, 5, 1000, 7, 100_000, (10_000, 100_000), 3, 5, 5, 3, 4.0, 3, 30, 30, 3000,
    True,
)  # fmt: skip
QUICK = Settings(
    3, 200, 3, 800, 2, 500, 3, 100_000, (10_000, 100_000), 1, 1, 1, 1, 3.0, 1, 8, 10, 1000,
    False,
)  # fmt: skip


def per_call_table(report: Report, rows: dict[str, Row]) -> None:
    report.table(
        ["variant", "median us/call", "min-max", "paired to", "ratio (min-max)"],
        [
            [r.name, us(r.median), spread(r.samples, us), _floor_name(r), ratio_text(r)]
            for r in rows.values()
        ],
    )


def _floor_name(row: Row) -> str:
    return "itself" if row.floor == row.name else row.floor.split(" (")[0]


def plot(sync_rows: dict[str, Row], async_rows: dict[str, Row], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharex=False)
    for ax, rows, title, target in (
        (axes[0], sync_rows, "sync get(), per call", 1.10),
        (axes[1], async_rows, f"async get(), {percall.CONCURRENCY} tasks (each to its floor)", 1.0),
    ):
        names = list(rows)[::-1]
        medians = [rows[n].ratio for n in names]
        low = [rows[n].ratio - min(rows[n].ratios) for n in names]
        high = [max(rows[n].ratios) - rows[n].ratio for n in names]
        colors = ["#4c72b0" if "sinch_keys" in n else "#999999" for n in names]
        ax.barh(names, medians, xerr=[low, high], color=colors, capsize=3)
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.axvline(target, color="red", linestyle="--", linewidth=1, label=f"target {target}x")
        ax.set_title(title)
        ax.set_xlabel("time per call / its floor (median of paired ratios, min-max)")
        ax.set_xlim(0, max(1.6, max(max(r.ratios) for r in rows.values()) * 1.05))
        ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="sinch-keys benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a few minutes)")
    parser.add_argument(
        "--out", type=Path, default=None, help="results file (default: results.md, full mode)"
    )
    parser.add_argument("--token-delay-ms", type=float, default=20.0)
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated sections: percall,listing,fanout,adaptive,tokens,coldstart,profiles",
    )
    args = parser.parse_args(argv)
    s = QUICK if args.quick else FULL
    only = {x for x in args.only.split(",") if x}
    out = args.out if args.out else (None if args.quick or only else HERE / "results.md")
    if CAN_PIN:
        os.sched_setaffinity(0, {CLIENT_CPU})
    started = time.perf_counter()

    def wanted(section: str) -> bool:
        return not only or section in only

    head, body = Report(), Report()
    head.add(
        f"# sinch-keys benchmark results ({'quick' if args.quick else 'full'} mode)",
        "",
        "Produced by `nox -s bench` (`python -m benchmarks.run`); see benchmarks/README.md.",
        "Every ratio pairs a variant with raw httpx doing the same work on the same transport,",
        "in the same repetition; each verdict is computed from the median of those ratios, and",
        "the min-max and the number of repetitions over the limit stand beside it.",
        "",
    )
    head.table(["", ""], [[k, v] for k, v in machine().items()])
    goals: list[Goal] = []
    earlier: list[Goal] = []
    sync_rows: dict[str, Row] = {}
    async_rows: dict[str, Row] = {}

    with Server(token_delay_ms=args.token_delay_ms) as server:
        if wanted("percall"):
            body.add(f"## get() per call, sync ({s.sync_reps} paired reps x {s.sync_calls})", "")
            sync_rows = percall.sync_per_call(server.base, s.sync_reps, s.sync_calls)
            per_call_table(body, sync_rows)
            body.add(
                "## get() per call, client CPU only (httpx.MockTransport, no network; "
                f"{s.mock_reps} reps x {s.mock_calls})",
                "",
            )
            mock_rows = percall.sync_per_call(
                "http://localhost", s.mock_reps, s.mock_calls, percall.mock_transport()
            )
            per_call_table(body, mock_rows)
            body.add(
                f"## get() async, {percall.CONCURRENCY} concurrent tasks ({s.async_reps} paired "
                f"reps x {s.async_calls}); each transport against raw httpx on the same one",
                "",
            )
            async_rows, busy = asyncio.run(
                percall.async_per_call(server, s.async_reps, s.async_calls)
            )
            per_call_table(body, async_rows)
            body.add(f"Server core busy at most {busy:.0%} during these runs.", "")
            for name in ("sinch_keys, Basic", "sinch_keys, OAuth2 cached token"):
                earlier.append(
                    Goal(f"sync get(), {name.split(', ', 1)[1]}", 1.10, sync_rows[name].ratios)
                )
            for name in ("sinch_keys, Basic", "sinch_keys, OAuth2 cached token"):
                earlier.append(
                    Goal(
                        f"async get() x{percall.CONCURRENCY}, {name.split(', ', 1)[1]}",
                        1.00,
                        async_rows[name].ratios,
                        context=(
                            "vs raw httpx.AsyncClient, the SDK's pool limits (the SDK on "
                            "its own transport; like for like: the context rows)"
                        ),
                    )
                )
            for name in (
                "sinch_keys, Basic, aiohttp transport",
                "sinch_keys, OAuth2, aiohttp transport",
            ):
                if name in async_rows:
                    earlier.append(
                        Goal(
                            f"async get() x{percall.CONCURRENCY}, {name.split(', ', 1)[1]}",
                            1.05,
                            async_rows[name].ratios,
                            context="vs raw httpx over aiohttp (limit as issue 16's fan-out)",
                        )
                    )

        if wanted("listing"):
            listing_section(body, server, s, goals)

        if wanted("fanout"):
            fanout_section(body, server, s, goals)

        if wanted("tokens"):
            body.add(
                "## token single flight: token requests per wave (fresh OAuth2 client, then all "
                f"tokens expired; the token endpoint answers after {args.token_delay_ms:g} ms)",
                "",
            )
            waves = fanout.token_waves(server, s.token_trials)
            body.table(
                ["scenario", "trial", "tokens: fresh client", "tokens: after expiry"],
                [
                    [w["what"], str(w["trial"]), str(w["tokens"][0]), str(w["tokens"][1])]
                    for w in waves
                ],
            )
            earlier.append(
                Goal(
                    "token requests per wave (cold start and after expiry)",
                    1,
                    [float(t) for w in waves for t in w["tokens"]],
                    unit=" token",
                    exact=True,
                    context="exactly 1 each",
                )
            )

        if wanted("profiles"):
            prof = profiles.profiles(server.base, s.profile_calls)
            profiles_section(body, prof)

    if wanted("adaptive"):
        adaptive_section(body, s, goals)

    if wanted("coldstart"):
        coldstart_section(body, s, goals)

    head.add("## Goals (issue 16)", "")
    head.table(GOAL_HEADER, [g.row() for g in goals])
    if earlier:
        head.add("## Earlier goals (issue 7), re-measured like for like", "")
        head.table(GOAL_HEADER, [g.row() for g in earlier])
    head.add(
        f"Total benchmark time: {time.perf_counter() - started:.0f} s; load average at the end "
        f"{load()}. The machine has {os.cpu_count()} cores: a load above ~1 means other "
        "processes competed with the client and the server, and the min-max columns widen.",
        "",
    )
    lines = head.lines + body.lines
    if out is not None:
        out.write_text("\n".join(lines) + "\n")
        print(f"wrote {out}")
        if sync_rows and async_rows:
            png = (
                out.with_name("per_call_ratios.png")
                if out.name == "results.md"
                else out.with_suffix(".png")
            )
            plot(sync_rows, async_rows, png)
            print(f"wrote {png}")
    return 0


# -- sections -------------------------------------------------------------------------------------


def listing_section(body: Report, server: Server, s: Settings, goals: list[Goal]) -> None:
    body.add(f"## list-all {s.list_total:,} keys at 1,000 per page ({s.list_reps} paired reps)", "")
    rows = listing.list_all(server.base, s.list_reps, s.list_total)
    body.table(
        [
            "variant",
            "median s",
            "min-max s",
            "us/key",
            "ratio to reference (min-max)",
            "client CPU ratio (min-max)",
        ],
        [
            [
                r.name,
                secs(r.median),
                spread(r.samples, secs),
                f"{r.median / s.list_total * 1e6:.2f}",
                ratio_text(r),
                f"{statistics.median(r.extra['cpu_ratio']):.3f}x "
                f"({spread(r.extra['cpu_ratio'], lambda v: f'{v:.2f}')})",
            ]
            for r in rows.values()
        ],
    )
    body.add(
        "The client CPU ratio (process time of the benchmark process, same pairing) is shown "
        "because other processes disturb it less than the wall clock; the goal is on wall time.",
        "",
    )
    goals.append(
        Goal(
            f"list-all {s.list_total:,} keys",
            1.10,
            rows[listing.SDK].ratios,
            context="vs raw httpx loop building the attrs model",
        )
    )

    small, large = s.memory_sizes
    body.add(
        f"## peak memory while iterating (tracemalloc, keys not kept; {s.memory_reps} reps)", ""
    )
    default_gc = listing.memory_growth(server.base, s.memory_sizes, s.memory_reps, collect=False)
    live = listing.memory_growth(server.base, s.memory_sizes, 1, collect=True)
    table = []
    for suffix, results in ((", default gc", default_gc), (", gc.collect() per page", live)):
        for name, pairs in results.items():
            g = listing.growth(pairs)
            table.append(
                [
                    name + suffix,
                    listing.median_kib([p[0] for p in pairs]),
                    listing.median_kib([p[1] for p in pairs]),
                    f"{statistics.median(g):.2f}x",
                    spread(g, lambda v: f"{v:.2f}x"),
                ]
            )
    body.table(
        ["variant", f"{small:,} keys", f"{large:,} keys", "growth (median)", "min-max"], table
    )
    g_raw = statistics.median(listing.growth(default_gc[listing.RAW]))
    g_sdk = statistics.median(listing.growth(default_gc[listing.SDK]))
    body.add(
        f"With the default collector the peak grows {g_sdk:.2f}x for sinch_keys and "
        f"{g_raw:.2f}x for the raw loop from {small:,} to {large:,} keys. An httpx Response "
        "and its BoundSyncStream refer to each other, so a page's body waits for the cycle "
        "collector; sinch_keys gives each read response a plain stream instead "
        "(sinch_keys/_body.py, keep_body), so a page is freed with its last reference. With a "
        "collection per page (the live set) the growth is "
        + ", ".join(f"{statistics.median(listing.growth(p)):.2f}x" for p in live.values())
        + ".",
        "",
    )
    goals.append(
        Goal(
            f"peak memory, default gc, {small:,} -> {large:,} keys",
            1.3,
            listing.growth(default_gc[listing.SDK]),
            context="sinch_keys as shipped",
        )
    )


def fanout_section(body: Report, server: Server, s: Settings, goals: list[Goal]) -> None:
    limits = fanout.limits_text(DEFAULT_LIMITS)
    header = [
        "variant",
        "median s",
        "min-max s",
        "paired to",
        "ratio (min-max)",
        "client CPU s",
        "connections opened",
        "most open at once",
        "tokens",
    ]

    def line(r: Row) -> list[str]:
        return [
            r.name,
            secs(r.median),
            spread(r.samples, secs),
            _floor_name(r),
            ratio_text(r),
            secs(statistics.median(r.extra["cpu"])),
            ints(r.extra["connections"]),
            ints(r.extra["peak_open"]),
            ints(r.extra["tokens"]),
        ]

    all_tokens: list[float] = []
    for concurrency in (50, 200):
        body.add(
            f"## fan-out: the keys of {fanout.PROJECTS:,} projects, {concurrency} concurrent "
            f"tasks ({s.fanout_reps} paired reps; pool limits max_connections/"
            f"max_keepalive = {limits} for the SDK and its floor, httpx's default 100/20 in "
            "the context rows)",
            "",
        )
        rows = asyncio.run(fanout.async_fan_out(server, concurrency, s.fanout_reps, s.warmup))
        body.table(header, [line(r) for r in rows.values()])
        all_tokens += rows[fanout.SDK].extra["tokens"]
        goals.append(
            Goal(
                f"fan-out x{concurrency}, AsyncSinchKeys",
                1.00,
                rows[fanout.SDK].ratios,
                context=(
                    f"vs raw httpx.AsyncClient, same requests, limits {limits}; vs raw httpx "
                    "on the SDK's own transport (like for like): "
                    f"{statistics.median(rows[fanout.SDK_SAME_TRANSPORT].ratios):.3f}x"
                ),
            )
        )
        if fanout.SDK_AIOHTTP in rows:
            all_tokens += rows[fanout.SDK_AIOHTTP].extra["tokens"]
            goals.append(
                Goal(
                    f"fan-out x{concurrency}, AsyncSinchKeys on aiohttp",
                    1.05,
                    rows[fanout.SDK_AIOHTTP].ratios,
                    context="vs raw httpx over aiohttp, same requests",
                )
            )
        body.add(fanout_note(rows), "")
    goals.append(
        Goal(
            "token requests per fan-out run (every SDK run)",
            1,
            all_tokens,
            unit=" token",
            exact=True,
            context="exactly 1 each",
        )
    )

    body.add(
        f"## fan-out, sync: {fanout.PROJECTS:,} projects on a pool of {fanout.THREADS} threads "
        f"({s.sync_fanout_reps} paired reps)",
        "",
    )
    rows = fanout.sync_fan_out(server, s.sync_fanout_reps, s.warmup)
    body.table(header, [line(r) for r in rows.values()])
    goals.append(
        Goal(
            f"sync fan-out, {fanout.THREADS} threads",
            1.10,
            rows[fanout.SYNC_SDK].ratios,
            context="vs raw httpx.Client (issue 16 sets no limit: issue 7's sync 1.10x)",
        )
    )


def fanout_note(rows: dict[str, Row]) -> str:
    def conns(name: str) -> str:
        return ints(rows[name].extra["connections"]) if name in rows else "n/a"

    return (
        "Connections opened per run: "
        f"raw floor {conns(fanout.FLOOR)}, sinch_keys {conns(fanout.SDK)}; when the tasks "
        f"enter a fresh pool at once (token fetched before): sinch_keys "
        f"{conns(fanout.SDK_CACHED)} with its own limits, {conns(fanout.SDK_CACHED_HTTPX_LIMITS)} "
        f"with httpx's default limits; raw httpx with httpx's default limits "
        f"{conns(fanout.RAW_HTTPX_LIMITS)}. The prototype row releases the tasks waiting for "
        "the token together (benchmarks/fanout.py), as raw httpx's tasks start after its token. "
        "The SDK's own pool queues requests in front of httpcore's (FifoAsyncTransport): "
        "raw httpx on that transport is paired with the floor, and the SDK with raw httpx on "
        "that transport, which is its own cost like for like."
    )


def adaptive_section(body: Report, s: Settings, goals: list[Goal]) -> None:
    ideal = adaptive.CALLS / adaptive.RATE
    body.add(
        f"## adaptive rate limiting: {adaptive.CALLS:,} get() calls, {adaptive.CONCURRENCY} "
        f"tasks, server limit {adaptive.RATE:g} req/s per credential (burst "
        f"{adaptive.BURST:g}, 429 + Retry-After above it); ideal {ideal:g} s; "
        f"{s.adaptive_reps} reps each",
        "",
    )
    with Server("--rate-limit", str(adaptive.RATE), "--burst", str(adaptive.BURST)) as limited:
        runs = asyncio.run(adaptive.adaptive_runs(limited, s.adaptive_reps, s.standard_cap))
    table = []
    for name, results in runs.items():
        for i, r in enumerate(results, 1):
            table.append(
                [
                    name,
                    str(i),
                    f"{r['seconds']:.2f}" + ("" if r["finished"] else " (gave up)"),
                    f"{r['seconds'] / ideal:.3f}x",
                    f"{r['done']:,}",
                    f"{r['failed']:,}",
                    f"{r['requests']:,}",
                    f"{r['throttled']:,} ({r['throttled'] / max(r['requests'], 1):.1%})",
                    f"{r['cpu']:.2f}",
                ]
            )
    body.table(
        [
            "mode",
            "run",
            "seconds",
            "to ideal",
            "calls done",
            "calls failed",
            "requests",
            "answered 429",
            "client CPU s",
        ],
        table,
    )
    limiter_states = [r["limiter"] for r in runs[adaptive.ADAPTIVE]]
    body.add("Limiter at the end of each adaptive run: " + "; ".join(limiter_states) + ".", "")

    def ratios(results: list[dict[str, Any]]) -> list[float]:
        # a run that gave up, or abandoned calls, did not meet the schedule
        return [
            float(r["seconds"]) / ideal if r["finished"] and not r["failed"] else float("inf")
            for r in results
        ]

    def shares(results: list[dict[str, Any]]) -> list[float]:
        return [r["throttled"] / max(r["requests"], 1) * 100 for r in results]

    for name, results in runs.items():
        tag = "adaptive" if name == adaptive.ADAPTIVE else "standard (context)"
        goals.append(Goal(f"{tag}: time to finish / ideal", 1.25, ratios(results), context=name))
        goals.append(Goal(f"{tag}: requests answered 429", 5, shares(results), unit="%"))


def coldstart_section(body: Report, s: Settings, goals: list[Goal]) -> None:
    body.add(
        f"## cold start: whole processes, wall time ({s.cold_reps} paired reps, interleaved)", ""
    )
    rows, printed = coldstart.cold_start(s.cold_reps)
    body.table(
        ["command", "median ms", "min-max ms", "ratio to import httpx (min-max)"],
        [[r.name, ms(r.median), spread(r.samples, ms), ratio_text(r)] for r in rows.values()],
    )
    if importlib.util.find_spec("rich") is not None:
        body.add(
            "rich (and click, pygments) are installed here, so `import httpx` also imports "
            "httpx's own command line (httpx/__init__ tries `from ._main import main`): the "
            "floor includes them. Without them, as after the `[cli]` extra, `import httpx` is "
            "lighter and the same sinch_keys import is a larger ratio of it.",
            "",
        )
    if coldstart.VERSION in printed:
        body.add(f"`sinch-keys --version` printed: `{printed[coldstart.VERSION]}`.", "")
    cross = coldstart.hyperfine(s.hyperfine_runs)
    if cross:
        floor = next(r for r in cross if r["name"] == coldstart.IMPORT_HTTPX)
        body.add(f"hyperfine cross-check (`-N`, 3 warm-ups, {s.hyperfine_runs} runs):", "")
        body.table(
            ["command", "mean ms", "stddev ms", "min-max ms", "ratio of means"],
            [
                [
                    str(r["name"]),
                    ms(float(r["mean"])),
                    ms(float(r["stddev"])),
                    f"{ms(float(r['min']))}-{ms(float(r['max']))}",
                    f"{float(r['mean']) / float(floor['mean']):.2f}x",
                ]
                for r in cross
            ],
        )
    body.add(
        "Self time by package, one `python -X importtime -c 'from sinch_keys import SinchKeys'`:",
        "",
    )
    body.table(
        ["package", "self ms"],
        [[p, f"{t / 1000:.1f}"] for t, p in coldstart.import_breakdown()],
    )
    if coldstart.VERSION in rows:
        goals.append(
            Goal(
                "`sinch-keys --version`",
                1.2,
                rows[coldstart.VERSION].ratios,
                context="vs `python -c 'import httpx'`",
            )
        )
    goals.append(
        Goal(
            "`from sinch_keys import SinchKeys`",
            1.3,
            rows[coldstart.IMPORT_SDK].ratios,
            context="vs `python -c 'import httpx'`",
        )
    )


def profiles_section(body: Report, prof: dict[str, Any]) -> None:
    body.add(
        "## profiles (cProfile)",
        "",
        "Own time by package, us per get() (MockTransport, so no network; cProfile inflates "
        "absolute numbers, compare rows):",
        "",
    )
    packages_by_variant: dict[str, dict[str, float]] = prof["packages"]
    packages = sorted({p for v in packages_by_variant.values() for p in v})
    body.table(
        ["package", *packages_by_variant],
        [[p, *(f"{v.get(p, 0.0):.1f}" for v in packages_by_variant.values())] for p in packages],
    )
    body.add("Top own-time entries, sinch_keys Basic get() (us per call):", "", "```")
    body.add(*prof["get_basic"], "```", "")
    body.add("sinch_keys entries of OAuth2 get() (us per call):", "", "```")
    body.add(*prof["get_oauth2_facade"], "```", "")
    body.add("list-all, own time by package (us per key):", "")
    list_packages: dict[str, float] = prof["list_packages"]
    body.table(["package", "us/key"], [[p, f"{v:.2f}"] for p, v in list_packages.items()])
    body.add("list-all top entries (us per key):", "", "```")
    body.add(*prof["list"], "```", "")


if __name__ == "__main__":
    sys.exit(main())
