"""Shared test configuration: vcrpy cassettes live in the top-level ``cassettes/`` folder and
are scrubbed of every credential before they are written."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from sinch_keys import _secrets

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"
REDACTED = "REDACTED"
SECRET_FIELDS = ("secret", "access_token", "refresh_token", "client_secret")


def scrub_body(body: bytes) -> bytes:
    """Replace every credential member of a JSON body with REDACTED."""
    if not body:
        return body
    try:
        data = json.loads(body)
    except ValueError:
        # not JSON (a faulted body): scrub anything that looks like a credential member
        return re.sub(rb'("(?:secret|access_token)"\s*:\s*)"[^"]*"', rb'\1"REDACTED"', body)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (REDACTED if k in SECRET_FIELDS and isinstance(v, str) else walk(v))
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return json.dumps(walk(data)).encode()


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {})
    if isinstance(body.get("string"), bytes | str):
        raw = body["string"]
        body["string"] = scrub_body(raw.encode() if isinstance(raw, str) else raw)
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() == "set-cookie":
            headers[name] = [REDACTED]
        elif name.lower() == "content-length":  # the scrubbed body has another length
            headers[name] = [str(len(body.get("string") or b""))]
    return response


def _scrub_request(request: Any) -> Any:
    if request.body:
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        request.body = scrub_body(body) if body.startswith(b"{") else body
    return request


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": ["authorization", "cookie", "user-agent"],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "match_on": ["method", "scheme", "host", "port", "path", "query"],
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.split(".")[-1])


@pytest.fixture(autouse=True)
def _no_secrets_from_earlier_tests() -> None:
    """Messages are scrubbed of every secret value this process has seen (``_redact``): a
    secret from an earlier test must not change what a later test's messages show."""
    _secrets.forget_all()
