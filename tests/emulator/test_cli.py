"""``python -m sinch_keys.testing``: export lines on start, serves until terminated."""

from __future__ import annotations

import io
import subprocess
import sys
import threading

import httpx
import pytest

from sinch_keys.testing import Emulator, export_lines

pytest.importorskip("uvicorn")

NAMES = [
    "SINCH_PROJECT_ID",
    "SINCH_KEY_ID",
    "SINCH_KEY_SECRET",
    "SINCH_KEYS_BASE_URL",
    "SINCH_KEYS_TOKEN_URL",
]


def read_exports(proc: subprocess.Popen[str], timeout: float = 20.0) -> dict[str, str]:
    """The five ``export NAME=value`` lines, read with a deadline (never hangs the suite)."""
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for _ in NAMES:
            lines.append(proc.stdout.readline())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    assert len(lines) == len(NAMES), f"export lines not printed in time: {lines!r}"
    exports = {}
    for line in lines:
        assert line.startswith("export "), line
        name, _, value = line.removeprefix("export ").rstrip("\n").partition("=")
        exports[name] = value
    assert list(exports) == NAMES
    return exports


def run_and_list(command: list[str], exit_code: int | None = 0) -> dict[str, str]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        env = read_exports(proc)
        auth = (env["SINCH_KEY_ID"], env["SINCH_KEY_SECRET"])
        url = f"{env['SINCH_KEYS_BASE_URL']}/v1/projects/{env['SINCH_PROJECT_ID']}/accessKeys"
        r = httpx.get(url, auth=auth, timeout=5.0)
        assert r.status_code == 200
        assert r.json()["accessKeys"][0]["accessKeyId"] == env["SINCH_KEY_ID"]
        token = httpx.post(
            env["SINCH_KEYS_TOKEN_URL"],
            auth=auth,
            data={"grant_type": "client_credentials"},
            timeout=5.0,
        )
        assert token.status_code == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=15)
    if exit_code is not None:  # SIGTERM is a clean stop
        assert proc.returncode == exit_code, err
    return env


def test_python_m_serves_and_prints_exports() -> None:
    env = run_and_list([sys.executable, "-m", "sinch_keys.testing", "--port", "0"])
    assert env["SINCH_PROJECT_ID"] == "proj-1"
    assert env["SINCH_KEYS_BASE_URL"].startswith("http://127.0.0.1:")
    assert env["SINCH_KEYS_TOKEN_URL"] == env["SINCH_KEYS_BASE_URL"] + "/oauth2/token"


def test_python_m_takes_the_bootstrap_key() -> None:
    env = run_and_list(
        [
            sys.executable, "-m", "sinch_keys.testing", "--port", "0",
            "--project", "p-9", "--key-id", "kid", "--key-secret", "ksecret", "--token-ttl", "60",
        ]
    )  # fmt: skip
    assert (env["SINCH_PROJECT_ID"], env["SINCH_KEY_ID"], env["SINCH_KEY_SECRET"]) == (
        "p-9",
        "kid",
        "ksecret",
    )


def test_sinch_keys_emulator_command() -> None:
    # python -m sinch_keys is the console script's own entry point: always there, never skipped
    env = run_and_list(
        [sys.executable, "-m", "sinch_keys", "emulator", "--port", "0"], exit_code=None
    )
    assert env["SINCH_KEYS_BASE_URL"].startswith("http://127.0.0.1:")


def test_in_process_mode_does_not_import_uvicorn() -> None:
    code = (
        "import sys, httpx; from sinch_keys.testing import Emulator, serve_emulator; "
        "e = Emulator(); c = httpx.Client(transport=e.transport); "
        "c.get(e.base_url + '/x'); c.close(); print('uvicorn' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "False"


def test_export_lines_quote_for_the_shell() -> None:
    emu = Emulator(project_id="p 1", key_id="k", key_secret="s'x")
    out = io.StringIO()
    out.write("\n".join(export_lines(emu, "http://127.0.0.1:1")))
    assert out.getvalue().splitlines()[:3] == [
        "export SINCH_PROJECT_ID='p 1'",
        "export SINCH_KEY_ID=k",
        """export SINCH_KEY_SECRET='s'"'"'x'""",
    ]
