"""``generated/`` is what the pinned generator makes of ``openapi.yaml``, reproducibly and offline.

These run the generator (about a second each). They are marked slow but run by default; deselect
them with ``-m "not slow"``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.spec.generate import OUTPUT, PACKAGE, ROOT, SPEC, generate, stale_files

pytestmark = pytest.mark.slow

DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, every connection fails


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_generated_is_not_stale() -> None:
    assert stale_files() == []


def test_staleness_check_sees_changed_missing_and_extra_files(tmp_path: Path) -> None:
    committed = tmp_path / PACKAGE
    shutil.copytree(OUTPUT, committed, ignore=shutil.ignore_patterns("__pycache__"))
    (committed / "client.py").write_text("# hand edit\n", encoding="utf-8")
    (committed / "types.py").unlink()
    (committed / "extra.py").write_text("", encoding="utf-8")
    assert sorted(stale_files(SPEC, committed)) == ["client.py", "extra.py", "types.py"]


def test_generation_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "one" / PACKAGE, tmp_path / "two" / PACKAGE
    generate(SPEC, first)
    generate(SPEC, second)
    first_tree = _tree(first)
    assert "__init__.py" in first_tree
    assert first_tree == _tree(second)


def test_generated_package_is_typed() -> None:
    assert (OUTPUT / "py.typed").is_file()
    assert (OUTPUT / "_spec_defaults.py").is_file()


def test_generation_needs_no_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, DEAD_PROXY)
        monkeypatch.setenv(name.lower(), DEAD_PROXY)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    output = tmp_path / PACKAGE
    generate(SPEC, output)
    assert _tree(output) == _tree(OUTPUT)


@pytest.mark.skipif(
    shutil.which("unshare") is None
    or subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode,
    reason="cannot make a network namespace here (unshare -rn)",
)
def test_generation_in_a_namespace_without_network(tmp_path: Path) -> None:
    # stronger than a dead proxy: there is no network interface at all but loopback
    output = tmp_path / PACKAGE
    script = (
        "import sys; from pathlib import Path; from tools.spec.generate import generate; "
        "generate(output=Path(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", script, str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert _tree(output) == _tree(OUTPUT)
