"""The error contract: every failure is one ``error:`` line on stderr (a usage error adds one
``Try '...' --help`` line), the documented exit code, no traceback, no secret; configuration
problems exit 2 before any request; API errors read the same from every command."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from sinch_keys.cli import _session
from sinch_keys.testing import Fault
from tests.cli.cli_support import CLI, KEY_ID, create


def error_line(stderr: str) -> str:
    """The one line of a failure (no usage hint)."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    return lines[0]


def usage_error(stderr: str, command: str) -> str:
    """The two lines of a usage error: the error, then where the help is."""
    lines = stderr.splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith("error: "), stderr
    assert lines[1] == f"Try '{command} --help' for help.", stderr
    return lines[0]


# -- usage errors ---------------------------------------------------------------------------

USAGE_ERRORS = [
    (["list", "--page-size", "0"], "sinch-keys list", "between 1 and 1000, got 0"),
    (["list", "--page-size", "1001"], "sinch-keys list", "between 1 and 1000, got 1001"),
    (["list", "--page-size", "many"], "sinch-keys list", "invalid value for '--page-size'"),
    (["list", "--page-size"], "sinch-keys list", "option '--page-size' requires an argument"),
    (["--project"], "sinch-keys", "option '--project' requires an argument"),
    (["lst"], "sinch-keys", "no such command 'lst'"),
    (["get"], "sinch-keys get", "missing argument 'ID'"),
    (["get", "a", "b"], "sinch-keys get", "unexpected extra argument"),
    (["get", ""], "sinch-keys get", "access key id must not be empty"),
    (["get", ".."], "sinch-keys get", "dot-segment"),
    (["--auth", "foo", "list"], "sinch-keys", "'foo' is not one of 'oauth2', 'basic'"),
    (["list", "--auth", "foo"], "sinch-keys list", "'foo' is not one of"),
    (["list", "--bogus"], "sinch-keys list", "no such option: --bogus"),
    (["--bogus", "list"], "sinch-keys", "no such option: --bogus"),
    (["create"], "sinch-keys create", "missing argument 'NAME'"),
    (["create", "   "], "sinch-keys create", "display_name must not be empty"),
    (["update", KEY_ID], "sinch-keys update", "missing argument 'NAME'"),
    (["rotate", "x", "--name", ""], "sinch-keys rotate", "display_name must not be empty"),
    (["completion"], "sinch-keys completion", "missing argument 'SHELL'"),
    (["completion", "tcsh"], "sinch-keys completion", "'tcsh' is not one of"),
    (["emulator", "--port", "x"], "sinch-keys emulator", "--port"),
    (["emulator", "--port", "70000"], "sinch-keys emulator", "not a port"),
    (["emulator", "--bogus"], "sinch-keys emulator", "unrecognized arguments: --bogus"),
]


@pytest.mark.parametrize(
    ("args", "command", "says"), USAGE_ERRORS, ids=[" ".join(a[0]) for a in USAGE_ERRORS]
)
def test_every_usage_error_is_one_error_line_and_a_help_hint_exit_2(
    cli: CLI, args: list[str], command: str, says: str
) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert says in usage_error(result.stderr, command)
    assert result.stdout == ""
    assert cli.recorder.sent == []


def test_usage_error_text_is_made_terminal_safe(cli: CLI) -> None:
    result = cli("\x1b]0;owned\x07")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert "\\x1b]0;owned\\x07" in usage_error(result.stderr, "sinch-keys")


def test_no_command_prints_the_help_and_exits_0(cli: CLI) -> None:
    result = cli()
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: sinch-keys [GLOBAL OPTIONS] COMMAND")
    assert result.stderr == ""


# -- configuration errors: exit 2, one line, before any request ----------------------------


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        (
            "SINCH_KEY_ID",
            "error: missing key id: set SINCH_KEY_ID, pass --key-id, or run sinch-keys configure",
        ),
        (
            "SINCH_KEY_SECRET",
            "error: missing key secret: set SINCH_KEY_SECRET, pass --key-secret-file PATH or "
            "--key-secret-stdin, or run sinch-keys configure",
        ),
        (
            "SINCH_PROJECT_ID",
            "error: missing project id: set SINCH_PROJECT_ID, pass --project, or run "
            "sinch-keys configure",
        ),
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


def test_a_configuration_error_with_debug_has_no_traceback(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SINCH_PROJECT_ID")
    result = cli("--debug", "list")
    assert result.exit_code == 2
    assert error_line(result.stderr).startswith("error: missing project id")


BAD_SETTINGS = [
    ({"SINCH_KEYS_BASE_URL": "ftp://127.0.0.1/"}, "must be an https:// URL"),
    ({"SINCH_KEYS_BASE_URL": "https://"}, "has no host"),
    ({"SINCH_KEYS_BASE_URL": "http://203.0.113.7"}, "plain http to a host that is not"),
    ({"SINCH_KEYS_TOKEN_URL": "http://203.0.113.7/oauth2/token"}, "token_url (from SINCH_KEYS"),
    ({"SINCH_KEYS_TOKEN_URL": "file:///etc/passwd"}, "must be an https:// URL"),
    ({"SINCH_PROJECT_ID": ".."}, "project_id '..' is not a valid id"),
    ({"SINCH_KEY_ID": "."}, "key_id '.' is not a valid id"),
]


@pytest.mark.parametrize(("env", "says"), BAD_SETTINGS, ids=[str(e) for e, _ in BAD_SETTINGS])
def test_bad_settings_exit_2_on_one_line_before_any_request(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for command in (["list"], ["get", KEY_ID], ["create", "x"], ["rotate", "y"]):
        result = cli(*command)
        assert result.exit_code == 2, result.output
        assert says in error_line(result.stderr)
    assert cli.recorder.sent == []
    assert "x" not in cli.names()


def test_a_bad_base_url_is_refused_with_zero_requests_at_the_server(http_cli: CLI) -> None:
    """Over real HTTP: the emulator's own request log proves nothing was sent (the first
    release retried an ftp:// URL three times as a network failure)."""
    port = httpx.URL(os.environ["SINCH_KEYS_BASE_URL"]).port
    for url in (f"ftp://127.0.0.1:{port}", f"http://203.0.113.7:{port}", "x://"):
        result = http_cli("list", "--base-url", url)
        assert result.exit_code == 2
        assert error_line(result.stderr).startswith("error: base_url (from --base-url)")
    assert http_cli.emu.requests == []


def test_plain_http_to_a_remote_host_with_the_flag_goes_through(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--allow-insecure-http lifts the refusal (sent to a recording transport, never a
    socket: no address but loopback is ever contacted)."""
    monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", "http://203.0.113.7/oauth2/token")
    assert cli("list").exit_code == 2
    # the emulator answers for that host too (its own transport refuses hosts it does not serve)
    cli.recorder.inner = cli.emu.intercepting_transport
    result = cli("--allow-insecure-http", "list")
    assert result.exit_code == 0, result.output
    assert [s.url for s in cli.recorder.sent][:1] == ["http://203.0.113.7/oauth2/token"]


def test_allow_insecure_http_is_passed_to_the_client(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, object]] = []

    class Recording:
        def __init__(self, **kwargs: object) -> None:
            seen.append(kwargs)
            raise RuntimeError("stop here")

    monkeypatch.setattr(_session, "SinchKeys", Recording)
    cli("--allow-insecure-http", "list")
    cli("list")
    assert [kwargs.get("allow_insecure_http") for kwargs in seen] == [True, False]


# -- API errors: one format everywhere -------------------------------------------------------


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
    # counted from what the store applied, not from its keys (which refuse a duplicate anyway)
    assert [w.display_name for w in cli.emu.writes if w.route == "create"].count("same") == 1


def test_an_api_error_reads_the_same_from_every_command(http_cli: CLI) -> None:
    """The request id is kept, the URL never appended (rotate used to add it, get not)."""
    emu = http_cli.emu
    error = {"error": {"code": 404, "message": "Access key not found", "status": "NOT_FOUND"}}
    api_text = "404 NOT_FOUND: Access key not found (request id req-77)"
    lines = {}
    for command in (
        ["get", "nope"],
        ["update", "nope", "x"],
        ["delete", "nope", "--yes"],
        ["rotate", "nope"],
    ):
        emu.faults.script(
            "get" if command[0] == "rotate" else command[0],
            Fault(status=404, body=error, headers={"x-request-id": "req-77"}),
        )
        result = http_cli(*command)
        assert result.exit_code == 1
        lines[command[0]] = error_line(result.stderr)
    assert lines["get"] == f"error: {api_text}"
    assert lines["update"] == f"error: {api_text}"
    assert lines["delete"] == f"error: {api_text}"
    assert lines["rotate"] == (
        f"error: rotation failed at step 'preflight': {api_text} (nothing was changed)"
    )
    assert not any("http://" in line for line in lines.values())


def test_an_unknown_create_outcome_names_the_cause_in_the_same_format(http_cli: CLI) -> None:
    http_cli.emu.faults.script("create", Fault(status=500))
    result = http_cli("create", "maybe")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert "create of 'maybe' failed after the request may have been applied (500" in line
    assert "http://" not in line


def test_a_failed_rotation_step_keeps_its_message_and_drops_the_url(cli: CLI) -> None:
    old = create(cli, "worker")
    # the old key's delete is refused; the rollback of the new key then goes through
    cli.emu.faults.script("delete", Fault(status=403))
    result = cli("rotate", old["accessKeyId"])
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert line.startswith("error: rotation failed at step 'delete_old': 403 ")
    assert "http://" not in line


@pytest.mark.parametrize(
    ("auth", "route"), [("oauth2", "token"), ("basic", "list")], ids=["oauth2", "basic"]
)
def test_refused_credentials_name_the_variables_to_fix(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, auth: str, route: str
) -> None:
    monkeypatch.setenv("SINCH_KEY_SECRET", "wrong-secret")
    result = cli("--auth", auth, "list")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert line.startswith("error: 401")
    assert line.endswith("check the key id (SINCH_KEY_ID) and secret (SINCH_KEY_SECRET)")
    assert "wrong-secret" not in result.output
    assert cli.emu.requests[-1].route == route


def test_refused_credentials_name_the_flags_they_came_from(cli: CLI, tmp_path: object) -> None:
    from pathlib import Path

    secret = Path(str(tmp_path)) / "s"
    secret.write_text("wrong")
    secret.chmod(0o600)
    result = cli("--key-id", KEY_ID, "--key-secret-file", str(secret), "list")
    assert result.exit_code == 1
    assert error_line(result.stderr).endswith(
        "check the key id (--key-id) and secret (--key-secret-file)"
    )


def test_the_key_limit_on_create_suggests_deleting_a_key(cli: CLI) -> None:
    for number in range(9):
        create(cli, f"key {number}")
    result = cli("create", "one too many")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert line.startswith("error: 400 FAILED_PRECONDITION: ")
    assert "delete a key you no longer use first" in line
    assert "sinch-keys delete ID" in line


def test_connection_failure_is_one_line(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    import time

    monkeypatch.setattr(
        _session, "make_http_client", lambda: httpx.Client(transport=httpx.MockTransport(refuse))
    )
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # the retries' backoff
    result = cli("--auth", "basic", "list")
    assert result.exit_code == 1
    assert "connection failed" in error_line(result.stderr)


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


def test_debug_after_the_command_works_too(http_cli: CLI) -> None:
    result = http_cli("list", "--debug")
    assert result.exit_code == 0, result.output
    assert "debug: GET /v1/projects/proj-cli/accessKeys -> 200" in result.stderr


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

    monkeypatch.setattr(_session, "make_http_client", boom)
    result = cli("list")
    assert result.exit_code == 1
    line = error_line(result.stderr)
    assert "RuntimeError: boom" in line
    assert "--debug" in line


def test_interrupt_is_one_line_exit_130(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_session, "make_http_client", interrupt)
    result = cli("list")
    assert result.exit_code == 130
    assert error_line(result.stderr) == "error: interrupted"


# -- SINCH_KEYS_LOG -------------------------------------------------------------------------


def run_module(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SINCH_")}
    return subprocess.run(
        [sys.executable, "-m", "sinch_keys", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
        check=False,
    )


def test_an_unknown_sinch_keys_log_value_warns_once_on_stderr() -> None:
    completed = run_module("--version", env={"SINCH_KEYS_LOG": "verbose"})
    assert completed.returncode == 0
    assert completed.stdout.startswith("sinch-keys ")
    assert completed.stderr.splitlines() == [
        "warning: SINCH_KEYS_LOG='verbose' is not a log level (debug or info); ignored"
    ]


def test_a_known_sinch_keys_log_value_does_not_warn() -> None:
    completed = run_module("--version", env={"SINCH_KEYS_LOG": "debug"})
    assert completed.returncode == 0
    assert completed.stderr == ""


def test_the_log_warning_is_given_once_per_process(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from sinch_keys import _logging

    logger = logging.getLogger(_logging.LOGGER_NAME)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SINCH_KEYS_LOG", "loud")
            patch.setattr(_logging, "_warned", set())
            _logging.setup_from_env()
            _logging.setup_from_env()
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records] == [
        "warning: SINCH_KEYS_LOG='loud' is not a log level (debug or info); ignored"
    ]


def test_a_closed_stdout_ends_quietly_with_141(http_cli: CLI) -> None:
    """``sinch-keys list | head``: the reader went away; no traceback, no error line."""
    for number in range(3):
        create(http_cli, f"key {number}")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sinch_keys", "list", "--page-size", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # before the first row is written: deterministic
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 141
    assert stderr == ""
