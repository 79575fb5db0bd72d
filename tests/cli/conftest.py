"""Fixtures: the ``sinch-keys`` CLI driven in process (typer's CliRunner) against the emulator.

The CLI builds its client through the hook ``sinch_keys.cli._session.make_http_client``; the
``cli`` fixture replaces it with an ``httpx.Client`` on the emulator's in-process transport,
wrapped (``cli_support.Recorder``) so each test sees every request and what the CLI had
printed to stdout when that request was sent. Every test runs with an empty config
directory and a test keyring backend, never the developer's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import keyring
import pytest

from sinch_keys.cli import _output, _session
from sinch_keys.testing import Emulator, serve_emulator
from tests.cli.cli_support import (
    CLI,
    ENV_VARS,
    KEY_ID,
    KEY_SECRET,
    PROJECT,
    MemoryKeyring,
    Recorder,
)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """No SINCH_* variable, an empty config dir (platformdirs follows XDG_CONFIG_HOME on
    Linux), and an empty in-memory keyring: nothing of the machine's leaks into a test."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    yield memory
    keyring.set_keyring(previous)


@pytest.fixture
def emu() -> Emulator:
    # a loopback base URL: the CLI refuses plain http to any other host
    return Emulator(
        project_id=PROJECT,
        key_id=KEY_ID,
        key_secret=KEY_SECRET,
        seed=11,
        base_url="http://localhost",
    )


@pytest.fixture
def cli(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> CLI:
    monkeypatch.setenv("SINCH_PROJECT_ID", emu.project_id)
    monkeypatch.setenv("SINCH_KEY_ID", emu.key_id)
    monkeypatch.setenv("SINCH_KEY_SECRET", emu.key_secret)
    monkeypatch.setenv("SINCH_KEYS_BASE_URL", emu.base_url)
    monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", emu.token_url)
    recorder = Recorder(emu.transport)
    monkeypatch.setattr(_session, "make_http_client", lambda: httpx.Client(transport=recorder))
    return CLI(emu, recorder)


@pytest.fixture
def http_cli(cli: CLI, emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[CLI]:
    """The CLI exactly as shipped (its own httpx client, real HTTP) against the emulator
    served by uvicorn on loopback. ``cli.recorder`` sees nothing: use ``emu.requests``."""
    with serve_emulator(emu) as base_url:
        monkeypatch.setenv("SINCH_KEYS_BASE_URL", base_url)
        monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", base_url + "/oauth2/token")
        monkeypatch.setattr(_session, "make_http_client", lambda: None)
        yield cli


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the CLI believe stdin, stdout and stderr are terminals."""
    monkeypatch.setattr(_output, "is_terminal", lambda stream: True)
