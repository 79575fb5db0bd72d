"""Helpers for the CLI tests: ``sinch-keys`` in process (typer's CliRunner) on the emulator.

The CLI builds its client through the hook ``sinch_keys.cli._session.make_http_client``;
the ``cli`` fixture replaces it with an ``httpx.Client`` on the emulator's in-process
transport, wrapped so each test can see every request and what the CLI had printed to stdout
at the moment that request was sent (the streaming tests need that).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import httpx
from keyring.backend import KeyringBackend
from typer.testing import CliRunner, Result

from sinch_keys.cli import app
from sinch_keys.testing import Emulator

PROJECT = "proj-cli"
KEY_ID = "bootstrap-key-id"
KEY_SECRET = "bootstrap-secret-do-not-print-0123456789"
ENV_VARS = (
    "SINCH_PROJECT_ID",
    "SINCH_KEY_ID",
    "SINCH_KEY_SECRET",
    "SINCH_KEYS_BASE_URL",
    "SINCH_KEYS_TOKEN_URL",
    "SINCH_KEYS_LOG",
    "SINCH_KEYS_PROFILE",
    "SINCH_KEYS_CONFIG",
)


@dataclass
class Sent:
    """One request the CLI sent, and the stdout it had written before sending it."""

    method: str
    path: str
    params: dict[str, str]
    authorization: str
    stdout_before: str
    url: str = ""


class Recorder(httpx.BaseTransport):
    """Passes requests to the emulator's transport, noting each one."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[Sent] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(
            Sent(
                request.method,
                request.url.path,
                dict(request.url.params),
                request.headers.get("authorization", ""),
                _stdout_so_far(),
                str(request.url),
            )
        )
        return self.inner.handle_request(request)

    def api_calls(self, method: str | None = None) -> list[Sent]:
        """The requests to the keys API (not the token endpoint)."""
        return [
            s
            for s in self.sent
            if "/accessKeys" in s.path and (method is None or s.method == method)
        ]


def _stdout_so_far() -> str:
    """What the CLI has written to (CliRunner's captured) stdout so far."""
    stream = sys.stdout
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    getvalue = getattr(buffer, "getvalue", None)
    return getvalue().decode("utf-8", "replace") if getvalue is not None else ""


@dataclass
class CLI:
    """Run ``sinch-keys ARGS`` in process; every result is checked for leaks and tracebacks."""

    emu: Emulator
    recorder: Recorder
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str, input: str | None = None, traceback_ok: bool = False) -> Result:
        result = self.runner.invoke(app, list(args), input=input)
        output = result.output
        assert KEY_SECRET not in output, "the secret from the environment was printed"
        assert "Bearer " not in output, "an Authorization header was printed"
        assert "Basic " not in output, "an Authorization header was printed"
        if not traceback_ok:
            assert "Traceback" not in output, output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError(f"uncaught {result.exception!r}\n{output}")
        return result

    def stored(self) -> list[dict[str, Any]]:
        """The keys the emulator holds, as API JSON."""
        return list(self.emu.keys())

    def key_ids(self) -> list[str]:
        return [k["accessKeyId"] for k in self.stored()]

    def names(self) -> list[str]:
        return [k["displayName"] for k in self.stored()]


def create(cli: CLI, name: str) -> dict[str, Any]:
    """Create a key through the CLI; return its JSON (with the secret)."""
    result = cli("create", name, "--json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


class MemoryKeyring(KeyringBackend):
    """A keyring backend in memory: the test double of the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.passwords[(service, username)]
