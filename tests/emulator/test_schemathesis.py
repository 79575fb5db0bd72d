"""A short schemathesis smoke run; the full one is ``nox -s schemathesis``."""

from __future__ import annotations

import shutil

import pytest

from . import run_schemathesis

pytest.importorskip("uvicorn")
pytest.importorskip("yaml")


def test_spec_gaps_are_patched_only_while_missing() -> None:
    spec = {
        "paths": {
            path: {method: {"responses": {"400": {"description": "ours"}}}}
            for path, method in run_schemathesis.SPEC_GAPS_400
        },
        "components": {
            "schemas": {
                name: {"properties": {"displayName": {"type": "string", "minLength": 2}}}
                for name in ("CreateAccessKey", "UpdateAccessKey")
            }
        },
    }
    patched = run_schemathesis.patched_spec(spec)
    for path, method in run_schemathesis.SPEC_GAPS_400:
        assert patched["paths"][path][method]["responses"]["400"] == {"description": "ours"}
    name = patched["components"]["schemas"]["CreateAccessKey"]["properties"]["displayName"]
    assert name["minLength"] == 2


@pytest.mark.slow
def test_schemathesis_smoke() -> None:
    if shutil.which("st") is None:
        pytest.skip("schemathesis is not installed")
    extra = ["--phases", "examples,coverage", "--max-examples", "5"]
    assert run_schemathesis.main(extra) == 0


def test_only_emulated_operations_are_fuzzed() -> None:
    emulated = {"operationId": "AccessKeyService_GetAccessKey", "responses": {}}
    added = {"operationId": "AccessKeyService_RotateAccessKey", "responses": {}}
    spec = {
        "paths": {
            "/keys/{id}": {"get": emulated, "parameters": []},
            "/keys/{id}:rotate": {"post": added},
        }
    }
    kept, skipped = run_schemathesis.emulated_only(spec)
    assert kept["paths"] == {"/keys/{id}": {"get": emulated, "parameters": []}}
    assert skipped == ["POST /keys/{id}:rotate AccessKeyService_RotateAccessKey"]
