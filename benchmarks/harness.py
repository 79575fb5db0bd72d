"""What every benchmark section shares: the server process, paired timing, the report.

Every timing is paired and interleaved: a repetition runs every variant once, in alternating
order (A B C .. then .. C B A), and a variant's ratio is taken against its floor *of the same
repetition*. A table shows the median of those ratios with their min-max; a goal's verdict is
computed from the median, and the report says in how many repetitions the goal was missed.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attrs
import httpx

import sinch_keys

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROJECT = "bench-project"
KEY_ID = "a1b2c3d4-0000-4000-8000-000000000001"
KEY_SECRET = "bench-secret"
BASIC_HEADER = httpx.BasicAuth(PROJECT, KEY_SECRET)._auth_header
SERVER_CPU, CLIENT_CPU = 1, 0
fromiso = datetime.datetime.fromisoformat

CAN_PIN = (
    hasattr(os, "sched_setaffinity")
    and {SERVER_CPU, CLIENT_CPU} <= os.sched_getaffinity(0)  # decided before we pin ourselves
)


# -- the "physical limit" model: attrs, two parsed datetimes --------------------------------------


@attrs.define
class Key:
    access_key_id: str
    display_name: str
    project_id: str
    create_time: datetime.datetime
    update_time: datetime.datetime


def key_from(d: dict[str, Any]) -> Key:
    return Key(
        d["accessKeyId"],
        d["displayName"],
        d["projectId"],
        fromiso(d["createTime"]),
        fromiso(d["updateTime"]),
    )


def sdk_kwargs(base: str, auth: str) -> dict[str, Any]:
    return {
        "project_id": PROJECT,
        "key_id": PROJECT,
        "key_secret": KEY_SECRET,
        "auth": auth,
        "base_url": base,
        "token_url": base + "/oauth2/token",
    }


# -- the server process ---------------------------------------------------------------------------


class Server:
    """benchmarks/server.py in its own process, pinned to its own core when there are two."""

    def __init__(self, *args: str, token_delay_ms: float = 0.0) -> None:
        cmd = [sys.executable, "-m", "benchmarks.server", "--port", "0"]
        if CAN_PIN:
            cmd += ["--cpu", str(SERVER_CPU)]
        cmd += ["--token-delay-ms", str(token_delay_ms), *args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.proc.kill()
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"
        self._control = httpx.Client(base_url=self.base)

    def stats(self) -> dict[str, int]:
        return self._control.get("/__stats").json()  # type: ignore[no-any-return]

    def reset(self) -> None:
        self._control.post("/__reset")

    def cpu_seconds(self) -> float:
        """user+system CPU time the server process has used (Linux /proc), else 0."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        self._control.close()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- paired, interleaved repetitions --------------------------------------------------------------


@dataclass
class Row:
    """One variant: its samples (seconds per unit), paired ratios to its floor, and any
    per-repetition observations (connections, tokens, 429s ...)."""

    name: str
    floor: str = ""
    samples: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    extra: dict[str, list[float]] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    def observe(self, name: str, value: float) -> None:
        self.extra.setdefault(name, []).append(value)


Sample = float | tuple[float, dict[str, float]]


def _record(rows: dict[str, Row], this: dict[str, Sample]) -> None:
    for name, sample in this.items():
        row = rows[name]
        seconds, observed = sample if isinstance(sample, tuple) else (sample, {})
        row.samples.append(seconds)
        for key, value in observed.items():
            row.observe(key, value)
    for row in rows.values():
        floor = this[row.floor]
        floor_s = floor[0] if isinstance(floor, tuple) else floor
        row.ratios.append(row.samples[-1] / floor_s)


def interleave(
    variants: Mapping[str, Callable[[], Sample]],
    reps: int,
    floors: dict[str, str] | str,
    warmup: bool = True,
) -> dict[str, Row]:
    """Run every variant once per repetition, alternating the order; pair ratios by rep.
    ``floors`` maps each variant to its floor (or names one floor for all)."""
    rows = {name: Row(name, _floor(floors, name)) for name in variants}
    names = list(variants)
    if warmup:
        for name in names:  # connections open, caches filled, tokens fetched
            variants[name]()
    for rep in range(reps):
        order = names if rep % 2 == 0 else names[::-1]
        _record(rows, {name: variants[name]() for name in order})
    return rows


async def ainterleave(
    variants: Mapping[str, Callable[[], Awaitable[Sample]]],
    reps: int,
    floors: dict[str, str] | str,
    warmup: bool = True,
) -> dict[str, Row]:
    rows = {name: Row(name, _floor(floors, name)) for name in variants}
    names = list(variants)
    if warmup:
        for name in names:
            await variants[name]()
    for rep in range(reps):
        order = names if rep % 2 == 0 else names[::-1]
        this: dict[str, Sample] = {}
        for name in order:
            this[name] = await variants[name]()
        _record(rows, this)
    return rows


def _floor(floors: dict[str, str] | str, name: str) -> str:
    return floors if isinstance(floors, str) else floors[name]


# -- formatting -----------------------------------------------------------------------------------


def us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f}"


def secs(seconds: float) -> str:
    return f"{seconds:.3f}"


def spread(values: list[float], fmt: Callable[[float], str]) -> str:
    return f"{fmt(min(values))}-{fmt(max(values))}"


def ratio_text(row: Row) -> str:
    return f"{row.ratio:.3f}x ({min(row.ratios):.2f}-{max(row.ratios):.2f})"


def ints(values: list[float]) -> str:
    low, high = int(min(values)), int(max(values))
    return str(low) if low == high else f"{low}-{high}"


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        for line in lines:
            self.lines.append(line)
            print(line, flush=True)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.add("| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|")
        for row in rows:
            self.add("| " + " | ".join(row) + " |")
        self.add("")


# -- goals ----------------------------------------------------------------------------------------


@dataclass
class Goal:
    """A goal of an issue: a measured median, its repetitions, and a limit it must not exceed
    (``exact``: that every repetition must hit). The verdict is computed, never typed."""

    what: str
    limit: float
    values: list[float]
    unit: str = "x"
    exact: bool = False  # every value must equal the limit (e.g. exactly one token)
    context: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def met(self) -> bool:
        if self.exact:
            return self.missed_in() == 0
        return self.median <= self.limit

    def missed_in(self) -> int:
        if self.exact:
            return sum(1 for v in self.values if v != self.limit)
        return sum(1 for v in self.values if v > self.limit)

    def row(self) -> list[str]:
        unit = self.unit

        def fmt(v: float) -> str:
            return f"{v:.3f}x" if unit == "x" else f"{v:.3g}{unit}"

        goal = ("= " if self.exact else "&le; ") + fmt(self.limit)
        noise = spread(self.values, fmt) if len(self.values) > 1 else "1 run"
        return [
            self.what,
            goal,
            fmt(self.median),
            noise,
            f"{self.missed_in()}/{len(self.values)}",
            "PASS" if self.met else "MISS",
            self.context,
        ]


GOAL_HEADER = [
    "goal",
    "limit",
    "measured (median)",
    "min-max",
    "runs over the limit",
    "verdict",
    "like for like",
]


# -- the machine ----------------------------------------------------------------------------------


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "httpx": httpx.__version__,
        "httpcore": installed("httpcore"),
        "attrs": attrs.__version__,
        "httpx-aiohttp / aiohttp": f"{installed('httpx-aiohttp')} / {installed('aiohttp')}",
        "sinch-keys": sinch_keys.__version__,
        "load average (1, 5, 15 min) at start": load(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "pinning": (
            f"server on core {SERVER_CPU}, benchmark on core {CLIENT_CPU}"
            if CAN_PIN
            else "no pinning (fewer than 2 cores or no sched_setaffinity)"
        ),
    }


def aiohttp_client_class() -> type[httpx.AsyncClient] | None:
    """httpx-aiohttp's client (openai-python's DefaultAioHttpClient), if installed."""
    try:
        from httpx_aiohttp import HttpxAiohttpClient
    except ImportError:
        return None
    return HttpxAiohttpClient
