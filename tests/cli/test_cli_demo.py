"""``sinch-keys demo`` (in process and as a real subprocess), and lazy imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.cli_support import CLI

# One phrase per lifecycle step the demo must show.
DEMO_STEPS = (
    "Start the emulator",
    "Create two keys",
    "List the keys",
    "page 1",
    "page 2",
    "Rename a key",
    "Rotate a key",
    "delete the key this client authenticates with",
    "refused",
    "Delete the keys the demo created",
    "Demo complete",
)


def clean_env() -> dict[str, str]:
    """The environment of a fresh machine: no SINCH_* variables, no proxy, no network use."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    env["NO_COLOR"] = "1"
    return env


def check_demo_output(output: str) -> None:
    for phrase in DEMO_STEPS:
        assert phrase in output, f"{phrase!r} missing from the demo output:\n{output}"
    assert "**********" in output  # secrets shown masked
    assert "Traceback" not in output


def test_demo_as_a_subprocess(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "sinch_keys._cli", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    check_demo_output(completed.stdout)


def test_demo_through_the_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("sinch-keys")
    if not script.exists():
        pytest.skip("the sinch-keys console script is not installed next to this python")
    completed = subprocess.run(
        [str(script), "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
        cwd=tmp_path,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    check_demo_output(completed.stdout)


def test_demo_in_process_ignores_credentials_and_sends_nothing_out(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SINCH_KEY_SECRET")  # the demo needs none
    result = cli("demo")
    assert result.exit_code == 0, result.output
    check_demo_output(result.stdout)
    assert cli.recorder.sent == []  # the demo never uses the CLI's client
    assert cli.emu.keys()  # the fixture's emulator is untouched


def test_import_sinch_keys_does_not_import_the_cli() -> None:
    code = (
        "import sys, sinch_keys; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'typer' "
        "or m.startswith('sinch_keys.cli') "
        "or m in ('sinch_keys._cli', 'sinch_keys._demo', 'platformdirs', 'keyring')]; "
        "assert not bad, bad"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
