"""The reference site (mkdocs.yml) builds with --strict, and --strict is real: a broken link in
an included file, or an API reference to a name that does not exist, fails the build.

Each case builds a copy of the sources in a temporary folder (the repository is never
written to). ``nox -s docs`` builds the site itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["mkdocs.yml", "README.md", "SECURITY.md", "CHANGELOG.md", "docs", "sinch_keys"]
SOURCES += ["generated", "tools/mkdocs_hooks.py", "benchmarks/results.md"]


@pytest.fixture
def site_sources(tmp_path: Path) -> Path:
    for name in SOURCES:
        source, copy = ROOT / name, tmp_path / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy)
    return tmp_path


def build(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_site_builds_with_the_api_and_the_readmes_links_retargeted(site_sources: Path) -> None:
    done = build(site_sources)
    assert done.returncode == 0, done.stderr
    site = site_sources / "site"
    api = (site / "reference" / "sinch_keys" / "index.html").read_text(encoding="utf-8")
    for name in ("SinchKeys", "AsyncSinchKeys", "NotFoundError", "RetryPolicy", "SecretStr"):
        assert f'id="sinch_keys.{name}"' in api, name
    for name in ("APIResponse", "APIResponse.parse", "SinchKeys.with_options"):
        assert f'id="sinch_keys.{name}"' in api, name
    assert 'id="sinch_keys.AsyncSinchKeys.with_options"' in api  # inherited from BaseClient
    testing = (site / "reference" / "testing" / "index.html").read_text(encoding="utf-8")
    assert 'id="sinch_keys.testing.emulated"' in testing
    guide = (site / "index.html").read_text(encoding="utf-8")
    # the README's links to SECURITY.md and docs/cli.md: the site's pages (not the nav's links)
    assert 'href="security/">SECURITY.md</a>' in guide
    assert 'href="cli/">docs/cli.md</a>' in guide
    assert "github.com/sinch-keys/sinch-keys/blob/main/benchmarks/results.md" in guide
    for page in ("cli", "security", "changelog"):
        assert (site / page / "index.html").is_file(), page


def test_a_broken_link_in_the_readme_fails_the_build(site_sources: Path) -> None:
    readme = site_sources / "README.md"
    readme.write_text(readme.read_text() + "\nSee [nowhere](tests/nowhere.md).\n")
    done = build(site_sources)
    assert done.returncode != 0
    assert "nowhere.md" in done.stderr


def test_an_api_reference_to_a_missing_name_fails_the_build(site_sources: Path) -> None:
    page = site_sources / "docs" / "reference" / "sinch_keys.md"
    page.write_text(page.read_text() + "\n::: sinch_keys.NoSuchThing\n")
    done = build(site_sources)
    assert done.returncode != 0
    assert "NoSuchThing" in done.stderr
