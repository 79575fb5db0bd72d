"""The wheel works on its own: built from the repo, installed into a fresh venv, imported from
outside the repo with nothing of it on the path, both packages present and typed (PEP 561).

Slow (a wheel build and a venv with the runtime dependencies from the package index).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from importlib import resources
import sinch_keys, sinch_keys_api
print(json.dumps({
    "sinch_keys": sinch_keys.__file__,
    "sinch_keys_api": sinch_keys_api.__file__,
    "typed": [
        resources.files(name).joinpath("py.typed").is_file()
        for name in ("sinch_keys", "sinch_keys_api")
    ],
    "version": sinch_keys.__version__,
    "path": sys.path,
}))
"""


def _run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _clean_env() -> dict[str, str]:
    # nothing from the repo or from the developer's venv may leak into the fresh one
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    (built,) = out.glob("sinch_keys-*.whl")
    return built


def test_wheel_holds_both_packages_at_top_level(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "sinch_keys/__init__.py",
        "sinch_keys/py.typed",
        "sinch_keys_api/__init__.py",
        "sinch_keys_api/py.typed",
        "sinch_keys_api/_spec_defaults.py",
        "sinch_keys_api/client.py",
    ):
        assert required in names, required
    tops = {name.split("/", 1)[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {
        "sinch_keys",
        "sinch_keys_api",
    }
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)


def test_wheel_installs_and_imports_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = _clean_env()
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path, env=env)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    _run([str(python), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path, env=env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = json.loads(_run([str(python), "-c", PROBE], cwd=elsewhere, env=env))

    venv_root = venv.resolve()
    for package in ("sinch_keys", "sinch_keys_api"):
        location = Path(found[package]).resolve()
        assert location.is_relative_to(venv_root), (package, location)
        assert not location.is_relative_to(ROOT), (package, location)
    assert found["typed"] == [True, True]
    assert found["version"]
    assert not any(entry and Path(entry).resolve() == ROOT for entry in found["path"])
