"""Helpers shared by the spec-update tests (imported by name: pytest puts this folder on
sys.path, the folder has no __init__.py like the rest of tests/)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tools.spec.update import Paths

ROOT = Path(__file__).resolve().parents[2]
REAL_UPSTREAM = ROOT / "spec" / "upstream.yaml"


def load_upstream() -> dict[str, Any]:
    """The vendor's description as committed (read only)."""
    return yaml.safe_load(REAL_UPSTREAM.read_text(encoding="utf-8"))


def copy_repo(root: Path) -> Paths:
    """Copy the files the pipeline reads and writes below ``root``; return their paths."""
    (root / "spec").mkdir(parents=True)
    (root / "sinch_keys").mkdir()
    for name in (
        "spec/upstream.yaml",
        "spec/overlay.yaml",
        "openapi.yaml",
        "sinch_keys/_version.py",
    ):
        shutil.copy2(ROOT / name, root / name)
    if (ROOT / "CHANGELOG.md").exists():
        shutil.copy2(ROOT / "CHANGELOG.md", root / "CHANGELOG.md")
    shutil.copytree(
        ROOT / "generated" / "sinch_keys_api",
        root / "generated" / "sinch_keys_api",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return Paths.under(root)


def write_variant(path: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """Write the real upstream description, changed by ``edit``, as JSON to ``path``."""
    document = copy.deepcopy(load_upstream())
    edit(document)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return str(path)


def snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """(mtime_ns, bytes) of every file below ``root``, to prove nothing was rewritten."""
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def facade_missing(emulator: bool = True) -> str | None:
    """Why the facade (and, if ``emulator``, sinch_keys.testing) cannot be used yet; None if
    it can. Checked in a subprocess so a half-written package cannot break collection."""
    script = "import sinch_keys; sinch_keys.SinchKeys"
    if emulator:
        script += "; import sinch_keys.testing as t; t.Emulator; t.Fault"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode == 0:
        return None
    last = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
    wanted = "sinch_keys.SinchKeys" + (" and sinch_keys.testing" if emulator else "")
    return f"facade not available yet ({wanted}): {last}"


def run_with_generated(generated_pkg: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a subprocess where the regenerated ``sinch_keys_api`` in
    ``generated_pkg`` shadows the installed one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    env["PYTHONPATH"] = os.pathsep.join([str(generated_pkg.parent), str(ROOT)])
    prelude = textwrap.dedent(
        f"""
        import sinch_keys_api
        assert sinch_keys_api.__file__.startswith({str(generated_pkg)!r}), sinch_keys_api.__file__
        """
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        cwd=str(generated_pkg.parent.parent),
        env=env,
        timeout=60,
    )
