"""``sinch-keys emulator`` and ``python -m sinch_keys.testing``: one implementation, every
option in both, ``--env-file`` to source, a test double that says so."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sinch_keys.testing
import sinch_keys.testing.__main__ as testing_main
from sinch_keys.testing import Emulator, _command, export_lines
from sinch_keys.testing._server import write_env_file
from tests.cli.cli_support import CLI

ALL_OPTIONS = [
    "--port", "0", "--host", "127.0.0.2", "--project", "p-9", "--key-id", "kid",
    "--key-secret", "ksecret", "--token-ttl", "60", "--max-keys", "3", "--seed", "7",
    "--env-file", "emu.env",
]  # fmt: skip
SERVED_WITH = {
    "port": 0,
    "host": "127.0.0.2",
    "project_id": "p-9",
    "key_id": "kid",
    "key_secret": "ksecret",  # pragma: allowlist secret
    "token_ttl": 60.0,
    "max_keys": 3,
    "seed": 7,
    "env_file": "emu.env",
}


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What the emulator would be served with (nothing listens)."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(_command, "run_emulator_server", lambda **kwargs: calls.append(kwargs))
    return calls


def options_in(help_text: str) -> set[str]:
    return set(re.findall(r"(?m)^\s+(?:-h, )?(--[a-z-]+)", help_text))


def python_m_help(capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        testing_main.main(["--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_every_option_of_python_m_sinch_keys_testing_is_an_option_of_sinch_keys_emulator(
    cli: CLI, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = cli("emulator", "--help")
    assert ours.exit_code == 0
    theirs = python_m_help(capsys)
    assert options_in(theirs) == options_in(ours.stdout)
    assert options_in(theirs) >= {
        "--port", "--host", "--project", "--key-id", "--key-secret", "--token-ttl",
        "--max-keys", "--seed", "--env-file", "--help",
    }  # fmt: skip


def test_both_commands_serve_with_the_same_values(cli: CLI, served: list[dict[str, Any]]) -> None:
    assert cli("emulator", *ALL_OPTIONS).exit_code == 0
    testing_main.main(ALL_OPTIONS)
    assert served == [SERVED_WITH, SERVED_WITH]


def test_defaults_and_the_global_project(cli: CLI, served: list[dict[str, Any]]) -> None:
    assert cli("emulator").exit_code == 0
    assert cli("--project", "p-9", "emulator").exit_code == 0
    assert cli("--project", "p-9", "emulator", "--project", "p-10").exit_code == 0
    assert served[0]["port"] == _command.DEFAULT_PORT == 8080
    assert served[0]["host"] == "127.0.0.1"
    assert [call["project_id"] for call in served] == ["proj-1", "p-9", "p-10"]


def test_the_help_and_the_docstrings_say_it_is_a_test_double(
    cli: CLI, capsys: pytest.CaptureFixture[str]
) -> None:
    for help_text in (cli("emulator", "--help").stdout, python_m_help(capsys)):
        text = " ".join(help_text.split())
        assert "TEST DOUBLE" in text
        assert "not for production" in text
    for module in (sinch_keys.testing, testing_main, _command):
        assert "test double" in (module.__doc__ or "").lower(), module.__name__
    root_help = cli("--help").stdout
    assert "emulator    Serve the emulator, a test double of the API" in root_help


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.test", "::"])
def test_a_non_loopback_host_gets_a_warning(
    cli: CLI, served: list[dict[str, Any]], host: str
) -> None:
    result = cli("emulator", "--host", host)
    assert result.exit_code == 0
    assert result.stderr.startswith(f"warning: --host {host} is not a loopback address")
    assert served[0]["host"] == host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_a_loopback_host_gets_no_warning(cli: CLI, served: list[dict[str, Any]], host: str) -> None:
    result = cli("emulator", "--host", host)
    assert result.exit_code == 0
    assert result.stderr == ""


def test_a_server_that_cannot_start_is_one_error_line(cli: CLI) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("emulator", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: cannot serve on 127.0.0.1:{port}: Address already in use"
    ]


def test_the_env_file_is_0600_and_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / ".emu.env"
    path.write_text("old content\n")
    path.chmod(0o644)
    lines = export_lines(Emulator(key_id="k", key_secret="s"), "http://127.0.0.1:1")
    old_umask = os.umask(0)
    try:
        write_env_file(str(path), lines)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().splitlines() == lines
    assert sorted(p.name for p in tmp_path.iterdir()) == [".emu.env"]  # no temporary left


def sinch_keys_command() -> str:
    script = Path(sys.executable).with_name("sinch-keys")
    return str(script) if script.exists() else f"{sys.executable} -m sinch_keys"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to source the file")
def test_sourcing_the_env_file_makes_sinch_keys_list_work(tmp_path: Path) -> None:
    """The documented recipe, run by bash: the emulator in the background, the env file
    sourced, ``sinch-keys list`` against it on loopback; the file goes when the emulator
    stops."""
    script = f"""
        set -e
        {sinch_keys_command()} emulator --port 0 --env-file .emu.env >emu.out 2>emu.err &
        emulator=$!
        for _ in $(seq 400); do [ -f .emu.env ] && break; sleep 0.05; done
        stat -c 'mode %a' .emu.env
        . ./.emu.env
        {sinch_keys_command()} list
        kill $emulator
        wait $emulator || true
        [ -e .emu.env ] || echo "env file removed"
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    completed = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "mode 600"
    key_id, name, *_ = lines[1].split("\t")
    assert name == "Bootstrap key"
    assert f"export SINCH_KEY_ID={key_id}" in (tmp_path / "emu.out").read_text()
    assert "SINCH_KEYS_BASE_URL=http://127.0.0.1:" in (tmp_path / "emu.out").read_text()
    assert lines[-1] == "env file removed"
