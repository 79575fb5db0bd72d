"""Failures: one ``error:`` line on stderr, the documented exit code, no traceback, no secret."""

from __future__ import annotations

import pytest

import sinch_keys._cli as cli_module
from tests.cli.cli_support import CLI, KEY_ID


def error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("SINCH_KEY_ID", "error: missing key_id: set SINCH_KEY_ID or pass --key-id"),
        ("SINCH_KEY_SECRET", "error: missing key_secret: set SINCH_KEY_SECRET"),
        ("SINCH_PROJECT_ID", "error: missing project_id: set SINCH_PROJECT_ID or pass --project"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["get", KEY_ID],
        ["create", "x"],
        ["update", KEY_ID, "x"],
        ["delete", "other", "--yes"],
        ["rotate", "other"],
    ],
)
def test_missing_credential_is_one_line_naming_the_variable_exit_2(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, variable: str, expected: str, command: list[str]
) -> None:
    monkeypatch.delenv(variable)
    result = cli(*command)
    assert result.exit_code == 2
    assert error_line(result.stderr) == expected
    assert result.stdout == ""
    assert cli.recorder.sent == []


def test_empty_variable_counts_as_missing(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCH_KEY_SECRET", "")
    result = cli("list")
    assert result.exit_code == 2
    assert "SINCH_KEY_SECRET" in error_line(result.stderr)


def test_missing_credential_with_debug_still_no_secret(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SINCH_PROJECT_ID")
    result = cli("--debug", "list", traceback_ok=True)
    assert result.exit_code == 2
    assert "error: missing project_id" in result.stderr


def test_not_found_is_status_and_message_on_one_line_exit_1(cli: CLI) -> None:
    result = cli("get", "no-such-key")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert line.startswith("error: 404 NOT_FOUND: ")
    assert result.stdout == ""


def test_conflict_on_a_duplicate_name(cli: CLI) -> None:
    assert cli("create", "same").exit_code == 0
    result = cli("create", "same")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("error: 409 ")
    assert cli.names().count("same") == 1


@pytest.mark.parametrize(
    "command",
    [["update", "no-such-key", "x"], ["delete", "no-such-key", "--yes"], ["get", "no-such-key"]],
)
def test_api_errors_of_each_command(cli: CLI, command: list[str]) -> None:
    result = cli(*command)
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("error: 404 NOT_FOUND: ")


def test_rotate_of_a_missing_key_names_the_step(cli: CLI) -> None:
    result = cli("rotate", "no-such-key")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert "preflight" in line
    assert cli.key_ids() == [KEY_ID]


def test_refused_credentials(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCH_KEY_SECRET", "wrong-secret")
    result = cli("list")
    assert result.exit_code == 1
    assert error_line(result.stderr).startswith("error: 401")
    assert "wrong-secret" not in result.output


def test_connection_failure_is_one_line(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    monkeypatch.setattr(
        cli_module, "_make_http_client", lambda: httpx.Client(transport=httpx.MockTransport(refuse))
    )
    result = cli("--auth", "basic", "list")
    assert result.exit_code == 1
    assert "connection failed" in error_line(result.stderr)


def test_invalid_argument_is_a_usage_error(cli: CLI) -> None:
    result = cli("create", "   ")
    assert result.exit_code == 2
    assert "display_name" in error_line(result.stderr)
    assert cli.recorder.sent == []


@pytest.mark.parametrize("size", ["0", "1001", "many"])
def test_page_size_is_checked_by_the_parser(cli: CLI, size: str) -> None:
    result = cli("list", "--page-size", size)
    assert result.exit_code == 2
    assert cli.recorder.sent == []


def test_debug_shows_the_traceback_and_the_error_line(http_cli: CLI) -> None:
    result = http_cli("--debug", "get", "no-such-key", traceback_ok=True)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "NotFoundError" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("error: 404 NOT_FOUND: ")


def test_debug_logs_requests_without_credentials(http_cli: CLI) -> None:
    result = http_cli("--debug", "create", "logged")
    assert result.exit_code == 0, result.output
    assert "debug: POST /v1/projects/proj-cli/accessKeys -> 200" in result.stderr
    assert "debug: POST /oauth2/token -> 200" in result.stderr
    assert "logged" in http_cli.names()


def test_debug_is_scoped_to_one_invocation(http_cli: CLI) -> None:
    assert http_cli("--debug", "list").exit_code == 0
    result = http_cli("list")
    assert result.exit_code == 0
    assert "debug:" not in result.output


def test_debug_over_the_in_process_emulator(cli: CLI) -> None:
    result = cli("--debug", "list", traceback_ok=True)
    assert result.exit_code == 0, result.output


def test_everything_over_real_http(http_cli: CLI) -> None:
    """One pass of the shipped CLI over a real socket, with --auth both ways."""
    for auth in ("oauth2", "basic"):
        created = http_cli("--auth", auth, "create", f"over http {auth}", "--json")
        assert created.exit_code == 0, created.output
        assert http_cli("--auth", auth, "list").exit_code == 0
    routes = [r.route for r in http_cli.emu.requests]
    assert "token" in routes
    assert routes.count("create") == 2
    assert {r.auth for r in http_cli.emu.requests if r.route == "list"} == {"bearer", "basic"}


def test_unexpected_exception_is_one_line_without_debug(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_module, "_make_http_client", boom)
    result = cli("list")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert "RuntimeError: boom" in line
    assert "--debug" in line
