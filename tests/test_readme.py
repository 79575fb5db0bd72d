"""The README's Python examples run, against an emulator served on loopback, so they cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sinch_keys.testing import Emulator, serve_emulator

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_readme_example_runs(
    source: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = Emulator(project_id="proj-readme", seed=3)
    with serve_emulator(emulator) as base_url:
        monkeypatch.setenv("SINCH_PROJECT_ID", emulator.project_id)
        monkeypatch.setenv("SINCH_KEY_ID", emulator.key_id)
        monkeypatch.setenv("SINCH_KEY_SECRET", emulator.key_secret)
        monkeypatch.setenv("SINCH_KEYS_BASE_URL", base_url)
        monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", base_url + "/oauth2/token")
        exec(compile(source, str(README), "exec"), {"__name__": "readme_example"})
    output = capsys.readouterr().out
    assert emulator.key_secret not in output
    if "print(created)" in source:
        assert "**********" in output
