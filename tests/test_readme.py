"""The README's Python examples run, against an emulator served on loopback, so they cannot rot.

A block whose first line is ``# test_<name>.py`` is a pytest file: it runs as one (pytester),
with the fixtures of the sinch-keys pytest plugin, and every test in it must pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sinch_keys.testing import Emulator, serve_emulator

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
TEST_FILE = re.compile(r"# (test_\w+)\.py\n")


def _test_file_name(block: str) -> str | None:
    found = TEST_FILE.match(block)
    return found[1] if found else None


SCRIPTS = [block for block in BLOCKS if _test_file_name(block) is None]
TEST_FILES = [block for block in BLOCKS if _test_file_name(block) is not None]


def test_the_readme_has_examples() -> None:
    assert len(SCRIPTS) >= 4
    assert len(TEST_FILES) >= 1


@pytest.fixture
def environment_on_a_served_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    emulator = Emulator(project_id="proj-readme", seed=3)
    with serve_emulator(emulator) as base_url:
        monkeypatch.setenv("SINCH_PROJECT_ID", emulator.project_id)
        monkeypatch.setenv("SINCH_KEY_ID", emulator.key_id)
        monkeypatch.setenv("SINCH_KEY_SECRET", emulator.key_secret)
        monkeypatch.setenv("SINCH_KEYS_BASE_URL", base_url)
        monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", base_url + "/oauth2/token")
        yield emulator


@pytest.mark.parametrize("source", SCRIPTS, ids=[f"block{n}" for n in range(len(SCRIPTS))])
def test_readme_example_runs(
    source: str,
    environment_on_a_served_emulator: Emulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    output = capsys.readouterr().out
    assert environment_on_a_served_emulator.key_secret not in output
    if "print(created)" in source:
        assert "**********" in output


@pytest.mark.parametrize("source", TEST_FILES, ids=[str(_test_file_name(b)) for b in TEST_FILES])
def test_readme_test_file_passes_under_pytest(
    source: str, environment_on_a_served_emulator: Emulator, pytester: pytest.Pytester
) -> None:
    # the environment points at a served emulator: the fixtures must win over it
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(**{str(_test_file_name(source)): source})
    result = pytester.runpytest()
    result.assert_outcomes(passed=len(re.findall(r"^(?:async )?def test_", source, re.M)))
    assert environment_on_a_served_emulator.requests == []
