"""Fetching the vendor's description: URLs (a loopback server started here), files, JSON and
YAML, and the clear errors when the source is slow, missing or not OpenAPI."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import yaml

from tests.spec_update.spec_update_support import load_upstream, snapshot
from tools.spec import update
from tools.spec.update import EXIT_ERROR, EXIT_OK, Paths, SpecUpdateError, fetch


class Handler(BaseHTTPRequestHandler):
    """Serves ``routes`` (path -> (status, body)); ``/slow`` waits for ``release``."""

    routes: ClassVar[dict[str, tuple[int, bytes]]] = {}
    release = threading.Event()

    def do_GET(self) -> None:
        if self.path == "/slow":
            self.release.wait(5)
        status, body = self.routes.get(self.path, (404, b"not found"))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (the timeout test)
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A loopback HTTP server in a thread; yields its base URL."""
    upstream = load_upstream()
    Handler.routes = {
        "/accesskeys.json": (200, json.dumps(upstream).encode()),
        "/accesskeys.yaml": (200, yaml.safe_dump(upstream).encode()),
        "/slow": (200, b"{}"),
        "/broken.json": (200, b'{"openapi": "3.0.3", "info": {"title": "x"}, "paths": {}}'),
        "/error": (500, b"oops"),
    }
    Handler.release.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        Handler.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_fetch_url_json_and_yaml(server: str) -> None:
    upstream = load_upstream()
    assert fetch(f"{server}/accesskeys.json", timeout=5) == upstream
    assert fetch(f"{server}/accesskeys.yaml", timeout=5) == upstream


# Sinch's documentation publishes each API's description at this pattern (Conversation,
# Verification, Fax, Number Lookup, 10DLC); never fetched here: a MockTransport answers.
DOCUMENTED_PATTERN = (
    "https://developers.sinch.com/_bundle/docs/{api}/api-reference/{name}.yaml?download"
)


class RecordingTransport(httpx.MockTransport):
    """Answers every request with the committed upstream description, as YAML; keeps them."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        body = yaml.safe_dump(load_upstream()).encode()

        def answer(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return httpx.Response(200, content=body, headers={"Content-Type": "text/yaml"})

        super().__init__(answer)


def test_default_source_follows_sinchs_documented_pattern(
    repo: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(update.SOURCE_VARIABLE, raising=False)
    transport = RecordingTransport()
    before = snapshot(repo.root)
    result = update.run(root=repo.root, skip_tests=True, transport=transport, out=io.StringIO())
    assert result.exit_code == EXIT_OK
    assert [str(r.url) for r in transport.requests] == [
        DOCUMENTED_PATTERN.format(api="accesskeys", name="accesskeys")
    ]
    assert result.source == update.DEFAULT_SOURCE
    assert snapshot(repo.root) == before  # the same document: nothing written


def test_repository_variable_overrides_the_source(
    repo: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(update.SOURCE_VARIABLE, "https://mirror.test/accesskeys.yaml")
    transport = RecordingTransport()
    result = update.run(root=repo.root, skip_tests=True, transport=transport, out=io.StringIO())
    assert result.exit_code == EXIT_OK
    assert [str(r.url) for r in transport.requests] == ["https://mirror.test/accesskeys.yaml"]
    monkeypatch.setenv(update.SOURCE_VARIABLE, "  ")  # a blank variable is no override
    assert update.default_source() == update.DEFAULT_SOURCE


def test_source_on_the_command_line_is_fetched_over_http(
    server: str, repo: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo.root)
    source = f"{server}/accesskeys.json"
    assert update.main([source, "--root", str(repo.root), "--skip-tests", "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert f"fetching {source}" in out
    assert "no changes" in out
    assert snapshot(repo.root) == before


def test_fetch_timeout_is_a_clear_error(server: str) -> None:
    with pytest.raises(SpecUpdateError, match=r"timed out after 0\.2s fetching http://127"):
        fetch(f"{server}/slow", timeout=0.2)


def test_http_error_status_is_a_clear_error(server: str) -> None:
    with pytest.raises(SpecUpdateError, match=r"HTTP 500 fetching http://127.*/error"):
        fetch(f"{server}/error", timeout=5)


def test_unreachable_host_is_a_clear_error() -> None:
    # port 9 on loopback: nothing listens there, the connection is refused at once
    with pytest.raises(SpecUpdateError, match=r"could not fetch http://127\.0\.0\.1:9/"):
        fetch("http://127.0.0.1:9/accesskeys.json", timeout=2)


def test_invalid_openapi_from_url_fails_the_run_with_the_defect(
    server: str, repo: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo.root)
    result = update.run(
        f"{server}/broken.json", root=repo.root, skip_tests=True, timeout=5, out=io.StringIO()
    )
    assert result.exit_code == EXIT_ERROR
    err = capsys.readouterr().err
    assert "is not valid OpenAPI" in err
    assert "version" in err
    assert "is a required property at $.info" in err
    assert snapshot(repo.root) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("openapi: [unclosed\n  - : :", "is neither JSON nor YAML"),
        ("- just\n- a list\n", "top level is list"),
        ('{"swagger": "2.0", "info": {}, "paths": {}}', "not an OpenAPI 3.x description"),
        ('{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"x": 1}}',
         "is not valid OpenAPI"),
    ],
    ids=["not-yaml", "not-a-mapping", "swagger-2", "schema-error"],
)  # fmt: skip
def test_bad_documents_are_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SpecUpdateError, match=message):
        fetch(str(path))


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpecUpdateError, match=r"cannot read .*nope\.json"):
        fetch(str(tmp_path / "nope.json"))


def test_main_reports_errors_on_stderr_and_exits_1(
    tmp_path: Path, repo: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    code = update.main([str(tmp_path / "nope.json"), "--root", str(repo.root)])
    assert code == EXIT_ERROR
    assert capsys.readouterr().err.startswith("error: cannot read ")
