"""Cold start: a fresh interpreter running ``sinch-keys --version`` or importing the SDK,
against one running ``import httpx``. Wall time of whole processes, interleaved and paired
like every other timing here (hyperfine, when installed, cross-checks the same commands).

``sinch_keys/__init__`` loads its names on first use, so the import row measures what a
program pays to use the SDK: ``from sinch_keys import SinchKeys``; the console script answers
``--version`` from ``sinch_keys/_version.py`` before importing anything else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.harness import ROOT, Row, interleave

PY = sys.executable
SCRIPT = str(Path(sys.executable).with_name("sinch-keys"))
IMPORT_HTTPX = "python -c 'import httpx' (floor)"
IMPORT_SDK = "python -c 'from sinch_keys import SinchKeys'"
VERSION = "sinch-keys --version"


def environment() -> dict[str, str]:
    # bytecode caches on, as for an installed package (this sandbox turns them off)
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def commands(root: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    env = environment()
    out = {
        IMPORT_HTTPX: ([PY, "-c", "import httpx"], env),
        IMPORT_SDK: ([PY, "-c", "from sinch_keys import SinchKeys"], env),
        VERSION: ([SCRIPT, "--version"], env),
        "context: python -c 'pass'": ([PY, "-c", "pass"], env),
        "context: python -c 'import sinch_keys_api'": ([PY, "-c", "import sinch_keys_api"], env),
    }
    if not Path(SCRIPT).exists():
        del out[VERSION]
    return out


def cold_start(reps: int) -> tuple[dict[str, Row], dict[str, str]]:
    """Paired wall times of each command (and what ``sinch-keys --version`` printed)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp))
        printed = {
            name: subprocess.run(
                cmd, env=env, cwd=tmp, capture_output=True, text=True, check=True
            ).stdout.strip()
            for name, (cmd, env) in cmds.items()
        }  # also the warm-up: bytecode written

        def timed(cmd: list[str], env: dict[str, str]) -> float:
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, cwd=tmp, stdout=subprocess.DEVNULL, check=True)
            return time.perf_counter() - t0

        def variant(cmd: list[str], env: dict[str, str]) -> Callable[[], float]:
            return lambda: timed(cmd, env)

        variants = {name: variant(cmd, env) for name, (cmd, env) in cmds.items()}
        rows = interleave(variants, reps, IMPORT_HTTPX, warmup=False)
    return rows, printed


def hyperfine(runs: int) -> list[dict[str, float | str]] | None:
    """The same commands under hyperfine (``-N``, 3 warm-ups), if it is installed."""
    exe = shutil.which("hyperfine")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "hyperfine.json"
        cmds = commands(Path(tmp))
        line = [exe, "-N", "--warmup", "3", "--runs", str(runs), "--export-json", str(out)]
        for name, (cmd, _) in cmds.items():
            line += ["-n", name, " ".join(_quote(part) for part in cmd)]
        done = subprocess.run(line, env=environment(), cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            return None
        results = json.loads(out.read_text())["results"]
    return [
        {
            "name": r["command"],
            "mean": r["mean"],
            "stddev": r["stddev"] or 0.0,
            "min": r["min"],
            "max": r["max"],
        }
        for r in results
    ]


def _quote(part: str) -> str:
    return f'"{part}"' if " " in part else part


# -- python -X importtime -------------------------------------------------------------------------

IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_breakdown(
    statement: str = "from sinch_keys import SinchKeys", top: int = 12
) -> list[tuple[int, str]]:
    """Self time (us) by top-level package in one ``python -X importtime -c STATEMENT``."""
    run = [PY, "-X", "importtime", "-c", statement]
    subprocess.run(run, env=environment(), cwd=ROOT, capture_output=True, check=True)
    err = subprocess.run(
        run, env=environment(), cwd=ROOT, capture_output=True, text=True, check=True
    ).stderr
    by_package: dict[str, int] = {}
    for line in err.splitlines():
        m = IMPORT_LINE.match(line)
        if m:
            package = m[4].split(".")[0]
            by_package[package] = by_package.get(package, 0) + int(m[1])
    return sorted(((v, k) for k, v in by_package.items()), reverse=True)[:top]
