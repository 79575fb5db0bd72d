"""What we publish: the sdist and the wheel built from it, their metadata and contents (twine
check, check-wheel-contents), and the wheel installed with no extra into a fresh venv, used
from outside the repo: a light core, typed (PEP 561), with a console script that says how to
get the command line and a pytest plugin that works without it.

Slow (a build, and a venv with the runtime dependencies from the package index).
"""

from __future__ import annotations

import email.message
import email.parser
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from sinch_keys._console import MISSING_EXTRA

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CORE = {"httpx", "attrs", "tenacity", "sniffio"}
# what the command line brings (typer's and rich's own dependencies included): never in a core
# install, and never loaded by `import sinch_keys` or `import httpx` there
CLI_ONLY = ("typer", "rich", "click", "uvicorn", "pydantic", "pydantic_core", "pygments")

PROBE = """
import json, sys
from importlib import resources
import sinch_keys, sinch_keys_api
import httpx
print(json.dumps({
    "sinch_keys": sinch_keys.__file__,
    "sinch_keys_api": sinch_keys_api.__file__,
    "typed": [
        resources.files(name).joinpath("py.typed").is_file()
        for name in ("sinch_keys", "sinch_keys_api")
    ],
    "version": sinch_keys.__version__,
    "path": sys.path,
    "modules": sorted(sys.modules),
}))
"""

USER_TEST = """
from sinch_keys import SinchKeys

def provision():
    with SinchKeys() as client:
        return client.access_keys.create(display_name="core only").access_key.access_key_id

def test_plugin_without_the_cli_extra(sinch_keys_emulator, sinch_keys_client):
    key_id = provision()
    assert sinch_keys_client.access_keys.get(key_id).display_name == "core only"
    assert sinch_keys_emulator.count("create") == 1
"""


def _run(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if ok:
        assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _clean_env() -> dict[str, str]:
    # nothing from the repo or from the developer's venv may leak into the fresh one
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("SINCH")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel), the wheel built from the sdist, as `python -m build` does by default,
    so a file the sdist lacks breaks the wheel too."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    (sdist,) = out.glob("sinch_keys-*.tar.gz")
    (wheel,) = out.glob("sinch_keys-*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def wheel(dists: tuple[Path, Path]) -> Path:
    return dists[1]


@pytest.fixture(scope="module")
def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_wheel_holds_both_packages_at_top_level(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "sinch_keys/__init__.py",
        "sinch_keys/py.typed",
        "sinch_keys/_console.py",
        "sinch_keys/pytest_plugin.py",
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


def test_the_license_text_ships_in_the_wheel_and_the_sdist(dists: tuple[Path, Path]) -> None:
    sdist, wheel = dists
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(name).decode() == license_text
    with tarfile.open(sdist) as archive:
        root = archive.getnames()[0].split("/", 1)[0]
        members = {name.removeprefix(root + "/") for name in archive.getnames()}
        license_member = archive.extractfile(f"{root}/LICENSE")
        assert license_member is not None
        assert license_member.read().decode() == license_text
    assert {"LICENSE", "README.md", "CHANGELOG.md", "SECURITY.md", "PKG-INFO"} <= members
    assert "pyproject.toml" in members
    assert not any(m.startswith(("tests/", "benchmarks/", ".venv/", ".nox/")) for m in members)


def test_metadata_requires_only_the_core_and_the_cli_is_an_extra(
    metadata: email.message.Message,
) -> None:
    requires = metadata.get_all("Requires-Dist") or []
    unconditional = {_requirement_name(r) for r in requires if ";" not in r}
    assert unconditional == CORE
    by_extra: dict[str, set[str]] = {}
    for requirement in requires:
        found = re.search(r"extra == ['\"]([\w-]+)['\"]", requirement)
        if found:
            by_extra.setdefault(found.group(1), set()).add(_requirement_name(requirement))
    assert {"typer", "rich", "uvicorn"} <= by_extra["cli"]
    assert set(metadata.get_all("Provides-Extra") or []) == set(by_extra)
    assert "dev" not in by_extra  # the tools are dependency groups, never published


def test_metadata_has_license_urls_and_status(metadata: email.message.Message) -> None:
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL") or [])
    assert {"Source", "Issues", "Changelog", "Documentation"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = metadata.get_all("Classifier") or []
    assert [c for c in classifiers if c.startswith("Development Status :: ")] != []
    assert "Typing :: Typed" in classifiers
    assert metadata["Description-Content-Type"] == "text/markdown"


def test_entry_points_are_the_light_console_script_and_the_pytest_plugin(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/entry_points.txt")]
        text = archive.read(name).decode()
    assert re.search(r"^\[console_scripts\]\nsinch-keys = sinch_keys._console:main$", text, re.M)
    assert re.search(r"^\[pytest11\]\nsinch_keys = sinch_keys.pytest_plugin$", text, re.M)


def test_twine_check_passes(dists: tuple[Path, Path]) -> None:
    done = _run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dists)], cwd=ROOT, ok=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_check_wheel_contents_passes(wheel: Path) -> None:
    done = _run([sys.executable, "-m", "check_wheel_contents", str(wheel)], cwd=ROOT, ok=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ": OK" in done.stdout


@pytest.fixture(scope="module")
def core_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding `pip install <wheel>`, no extra; returns its bin directory."""
    root = tmp_path_factory.mktemp("core")
    env = _clean_env()
    _run([sys.executable, "-m", "venv", str(root / "venv")], cwd=root, env=env)
    bindir = root / "venv" / ("Scripts" if os.name == "nt" else "bin")
    _run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=root, env=env)
    return bindir


def test_a_core_install_has_no_command_line_dependencies(core_venv: Path, tmp_path: Path) -> None:
    listed = _run(
        [str(core_venv / "python"), "-m", "pip", "list", "--format=json"],
        cwd=tmp_path,
        env=_clean_env(),
    )
    installed = {p["name"].lower().replace("-", "_") for p in json.loads(listed.stdout)}
    assert {"sinch_keys", *CORE} <= installed
    assert installed & set(CLI_ONLY) == set()


def test_wheel_installs_and_imports_lightly_in_a_fresh_venv(
    core_venv: Path, tmp_path: Path
) -> None:
    probe = [str(core_venv / "python"), "-c", PROBE]
    found = json.loads(_run(probe, cwd=tmp_path, env=_clean_env()).stdout)

    venv_root = core_venv.parent.resolve()
    for package in ("sinch_keys", "sinch_keys_api"):
        location = Path(found[package]).resolve()
        assert location.is_relative_to(venv_root), (package, location)
        assert not location.is_relative_to(ROOT), (package, location)
    assert found["typed"] == [True, True]
    assert found["version"]
    assert not any(entry and Path(entry).resolve() == ROOT for entry in found["path"])
    # `import sinch_keys` and `import httpx` (with httpx._main's optional imports) load none
    assert [m for m in found["modules"] if _top(m) in CLI_ONLY] == []
    assert "sinch_keys._cli" not in found["modules"]


def test_the_console_script_without_the_cli_extra_says_how_to_get_it(
    core_venv: Path, tmp_path: Path
) -> None:
    done = _run([str(core_venv / "sinch-keys"), "list"], cwd=tmp_path, env=_clean_env(), ok=False)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", MISSING_EXTRA + "\n")


def test_the_pytest_plugin_works_without_the_cli_extra(core_venv: Path, tmp_path: Path) -> None:
    env = _clean_env()
    _run([str(core_venv / "python"), "-m", "pip", "install", "-q", "pytest"], cwd=tmp_path, env=env)
    (tmp_path / "test_user.py").write_text(USER_TEST, encoding="utf-8")
    done = _run(
        [str(core_venv / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        env=env,
        ok=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
