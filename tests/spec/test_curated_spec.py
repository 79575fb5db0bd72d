"""The curated ``openapi.yaml``: every fix of issue 2 is in place, the vendor's text is kept, and
the overlay re-applied to the vendor's copy reproduces the file byte for byte.

These tests own only what we own: that each overlay fix still holds, never what the vendor's
document contains besides (its hosts, field sets, operation count, or the defects we fix,
which the vendor may fix too). The spec-update drill (``nox -s spec_drill``) runs them on
additive upstream changes and fails if one of them freezes a vendor value.

Also unit tests of ``tools/spec/overlay.py``, the code that applies the overlay.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from tools.spec.build import CURATED, OVERLAY, ROOT, UPSTREAM, SpecBuildError, build_curated
from tools.spec.overlay import OverlayError, apply_overlay, merge
from tools.spec.update import PROVENANCE_DIGEST, PROVENANCE_SOURCE, upstream_text

# CI lays shared/ beside the clone; a developer's tree has it at the same place
VENDOR_COPY = ROOT.parent / "shared" / "upstream" / "accesskeys-v1.openapi.yaml"

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# the operations the facade calls (sinch_keys/_operations.py): the vendor may add others
OPERATIONS = {
    "AccessKeyService_ListAccessKeys": ("/v1/projects/{projectId}/accessKeys", "get"),
    "AccessKeyService_CreateAccessKey": ("/v1/projects/{projectId}/accessKeys", "post"),
    "AccessKeyService_GetAccessKey": ("/v1/projects/{projectId}/accessKeys/{accessKeyId}", "get"),
    "AccessKeyService_UpdateAccessKey": (
        "/v1/projects/{projectId}/accessKeys/{accessKeyId}",
        "patch",
    ),
    "AccessKeyService_DeleteAccessKey": (
        "/v1/projects/{projectId}/accessKeys/{accessKeyId}",
        "delete",
    ),
}

# the only leaves of the vendor's document that the overlay may change
FIXED_LEAVES = {
    ("components", "schemas", "CreateAccessKey", "description"),
    ("components", "responses", "503Error", "content", "application/json", "example", "error",
     "code"),
    ("components", "responses", "409Error", "content", "application/json", "example", "error",
     "message"),
}  # fmt: skip


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return _load(CURATED)


@pytest.fixture(scope="module")
def upstream() -> dict[str, Any]:
    return _load(UPSTREAM)


def _schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return spec["components"]["schemas"][name]


def _operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = spec
        for part in ref[2:].split("/"):
            node = node[part]
    return node


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    if isinstance(node, dict):
        found: dict[tuple[Any, ...], Any] = {}
        for key, value in node.items():
            found.update(_leaves(value, (*path, key)))
        return found
    if isinstance(node, list):
        found = {}
        for index, value in enumerate(node):
            found.update(_leaves(value, (*path, index)))
        return found
    return {path: node}


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


# --- the fixes of issue 2, point 1 -------------------------------------------------------------


@pytest.mark.parametrize("name", ["CreateAccessKey", "UpdateAccessKey"])
def test_request_bodies_require_display_name(spec: dict[str, Any], name: str) -> None:
    assert "displayName" in _schema(spec, name)["required"]


def test_access_key_requires_all_five_fields(spec: dict[str, Any]) -> None:
    # the vendor may add fields (optional or not): the five must stay required and defined
    schema = _schema(spec, "AccessKey")
    five = {"accessKeyId", "displayName", "projectId", "createTime", "updateTime"}
    assert five <= set(schema["required"])
    assert set(schema["required"]) <= set(schema["properties"])


def test_create_response_requires_access_key_and_secret(spec: dict[str, Any]) -> None:
    schema = _schema(spec, "CreateAccessKeyResponse")
    assert {"accessKey", "secret"} <= set(schema["required"])
    assert set(schema["required"]) <= set(schema["properties"])


def test_list_response_requires_access_keys_and_not_the_page_token(
    spec: dict[str, Any], upstream: dict[str, Any]
) -> None:
    schema = _schema(spec, "ListAccessKeysResponse")
    assert "accessKeys" in schema["required"]
    assert set(schema["required"]) <= set(schema["properties"])
    # the overlay never requires nextPageToken: it may be absent or empty on the last page
    vendor_required = set(_schema(upstream, "ListAccessKeysResponse").get("required", []))
    assert ("nextPageToken" in schema["required"]) == ("nextPageToken" in vendor_required)


def test_page_size_is_bounded_with_default(spec: dict[str, Any]) -> None:
    params = spec["paths"]["/v1/projects/{projectId}/accessKeys"]["get"]["parameters"]
    (page_size,) = [p for p in params if p["name"] == "pageSize"]
    assert page_size["in"] == "query"
    assert page_size["schema"]["type"] == "integer"
    assert page_size["schema"]["minimum"] == 1
    assert page_size["schema"]["maximum"] == 1000
    assert page_size["schema"]["default"] == 100


def test_create_request_description_is_no_longer_the_update_one(spec: dict[str, Any]) -> None:
    description = _schema(spec, "CreateAccessKey")["description"]
    assert "Update" not in description
    assert "Create" in description


def _example_error(spec: dict[str, Any], response: str) -> dict[str, Any]:
    content = spec["components"]["responses"][response]["content"]["application/json"]
    return content["example"]["error"]


def test_503_example_code_is_503(spec: dict[str, Any]) -> None:
    assert _example_error(spec, "503Error")["code"] == 503


def test_409_example_message_is_not_not_found(spec: dict[str, Any]) -> None:
    example = _example_error(spec, "409Error")
    assert example["code"] == 409
    assert "not found" not in example["message"].lower()


@pytest.mark.parametrize("status", ["401", "403"])
def test_401_and_403_carry_the_error_schema(spec: dict[str, Any], status: str) -> None:
    response = spec["components"]["responses"][f"{status}Error"]
    content = response["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/Error"}
    assert content["example"]["error"]["code"] == int(status)
    # and every operation that declares them answers them with that body
    for name, op in _operations(spec).items():
        if status not in op["responses"]:
            continue
        resolved = _resolve(spec, op["responses"][status])
        assert resolved["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, name


def test_every_operation_has_a_429_with_the_error_schema(
    spec: dict[str, Any], upstream: dict[str, Any]
) -> None:
    operations = _operations(spec)
    assert set(operations) == set(_operations(upstream))  # however many the vendor has
    for name, op in operations.items():
        assert "429" in op["responses"], name
        resolved = _resolve(spec, op["responses"]["429"])
        assert resolved["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }, name
        assert resolved["content"]["application/json"]["example"]["error"]["code"] == 429


def test_both_security_schemes_are_kept(spec: dict[str, Any], upstream: dict[str, Any]) -> None:
    # the vendor's schemes and URLs as they are (the token URL is the vendor's to move) ...
    schemes = spec["components"]["securitySchemes"]
    assert schemes == upstream["components"]["securitySchemes"]
    assert spec["security"] == upstream["security"]
    # ... and the two ways the facade authenticates are among them
    kinds = {
        "basic" if scheme.get("scheme") == "basic" else "oauth2"
        for scheme in schemes.values()
        if scheme.get("scheme") == "basic" or "clientCredentials" in scheme.get("flows", {})
    }
    assert kinds == {"basic", "oauth2"}


def test_every_error_body_uses_the_error_schema(spec: dict[str, Any]) -> None:
    for name, op in _operations(spec).items():
        for status, response in op["responses"].items():
            content = _resolve(spec, response).get("content")
            if status.isdigit() and int(status) >= 400 and content:
                assert content["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (name, status)


# --- the operations ----------------------------------------------------------------------------


def test_the_facades_operations_with_the_vendor_operation_ids(
    spec: dict[str, Any], upstream: dict[str, Any]
) -> None:
    found = {op["operationId"]: key for key, op in _operations(spec).items()}
    expected = {op_id: f"{method.upper()} {path}" for op_id, (path, method) in OPERATIONS.items()}
    assert expected.items() <= found.items()  # the vendor may add operations
    vendor = {op["operationId"]: key for key, op in _operations(upstream).items()}
    assert vendor == found  # the overlay adds, removes and renames none


# --- validity, reproducibility, provenance -----------------------------------------------------


def test_curated_spec_passes_openapi_spec_validator(spec: dict[str, Any]) -> None:
    validate(spec)  # raises on any defect, as the broken copy below shows
    broken = {**spec, "paths": {"/x": {"get": {"responses": "not a mapping"}}}}
    with pytest.raises(Exception, match=r"not a mapping|is not of type"):
        validate(broken)


def test_overlay_reapplied_to_upstream_reproduces_openapi_yaml_exactly() -> None:
    assert build_curated() == CURATED.read_text(encoding="utf-8")


def test_curated_spec_has_no_yaml_aliases() -> None:
    # a shared object dumped twice becomes &id001/*id001, which some tools mishandle
    text = CURATED.read_text(encoding="utf-8")
    assert "&id0" not in text
    assert "*id0" not in text


def test_every_overlay_action_is_named_and_matches(upstream: dict[str, Any]) -> None:
    overlay = _load(OVERLAY)
    assert str(overlay["overlay"]).startswith("1.")
    names = [action.get("description") for action in overlay["actions"]]
    assert all(names)
    assert len(set(names)) == len(names)
    assert apply_overlay(upstream, overlay).unmatched == []


def _provenance(text: str) -> tuple[str, str, str] | None:
    """(source, recorded sha256, document) when the pipeline wrote ``text``, else None."""
    first, _, rest = text.partition("\n")
    second, _, body = rest.partition("\n")
    if not (first.startswith(PROVENANCE_SOURCE) and second.startswith(PROVENANCE_DIGEST)):
        return None
    return first.removeprefix(PROVENANCE_SOURCE), second.removeprefix(PROVENANCE_DIGEST), body


def test_upstream_is_the_vendors_document_unedited() -> None:
    """spec/upstream.yaml is never edited by hand (fixes go in the overlay): either the
    pipeline wrote it, and its recorded digest still matches, or it is the vendor copy it was
    seeded from, byte for byte."""
    text = UPSTREAM.read_text(encoding="utf-8")
    provenance = _provenance(text)
    if provenance is None:
        if not VENDOR_COPY.exists():
            pytest.skip(f"{VENDOR_COPY} not present and no pipeline provenance header")
        assert UPSTREAM.read_bytes() == VENDOR_COPY.read_bytes()
        return
    source, digest, body = provenance
    assert source
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == digest


def test_provenance_header_is_what_the_pipeline_writes_and_shows_an_edit() -> None:
    document = _load(UPSTREAM)
    text = upstream_text(document, "https://vendor.test/a.yaml")
    source, digest, body = _provenance(text) or ("", "", "")
    assert source == "https://vendor.test/a.yaml"
    assert yaml.safe_load(text) == document  # a comment header: same document
    assert hashlib.sha256(body.encode("utf-8")).hexdigest() == digest
    edited = body.replace("Access Keys", "Acess Keys", 1)
    assert edited != body
    assert hashlib.sha256(edited.encode("utf-8")).hexdigest() != digest


def test_vendor_descriptions_are_kept(spec: dict[str, Any], upstream: dict[str, Any]) -> None:
    create = ("components", "schemas", "CreateAccessKey", "description")
    descriptions = {p: v for p, v in _leaves(upstream).items() if p[-1] == "description"}
    assert descriptions
    kept = {p: _get(spec, p) for p in descriptions if p != create}
    assert kept == {p: v for p, v in descriptions.items() if p != create}


def test_every_vendor_value_is_kept_except_the_fixed_ones(
    spec: dict[str, Any], upstream: dict[str, Any]
) -> None:
    changed = {
        path
        for path, value in _leaves(upstream).items()
        if path not in FIXED_LEAVES and _get(spec, path) != value
    }
    assert changed == set()


def test_build_rejects_an_overlay_whose_target_vanished(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: $.components.schemas.NoSuchSchema\n"
        "    description: fix-a-schema-that-is-gone\n"
        "    update: {required: [x]}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecBuildError, match="fix-a-schema-that-is-gone"):
        build_curated(UPSTREAM, overlay)


def test_build_rejects_an_overlay_that_makes_the_spec_invalid(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n"
        "  - target: $.paths\n"
        "    description: break-it\n"
        "    update: {/v1/broken: {get: {responses: 42}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecBuildError, match="not valid OpenAPI"):
        build_curated(UPSTREAM, overlay)


# --- tools/spec/overlay.py ---------------------------------------------------------------------


def _overlay(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


def test_merge_objects_recursively() -> None:
    target = {"a": {"b": 1, "c": {"d": 2}}, "keep": True}
    merged = merge(target, {"a": {"c": {"e": 3}, "f": 4}, "new": "x"})
    assert merged == {"a": {"b": 1, "c": {"d": 2, "e": 3}, "f": 4}, "keep": True, "new": "x"}


def test_merge_arrays_append_without_duplicates() -> None:
    assert merge([1, 2, {"x": 1}], [2, 3, {"x": 1}, {"x": 2}]) == [1, 2, {"x": 1}, 3, {"x": 2}]


def test_merge_scalars_are_replaced() -> None:
    assert merge({"a": 1, "b": "old"}, {"a": 2, "b": "new"}) == {"a": 2, "b": "new"}
    assert merge("old", "new") == "new"
    assert merge({"a": [1]}, {"a": "now a string"}) == {"a": "now a string"}


def test_merge_copies_the_update() -> None:
    update = {"list": [{"x": 1}]}
    merged = merge({}, update)
    merged["list"][0]["x"] = 2
    assert update == {"list": [{"x": 1}]}


def test_apply_update_on_every_match_without_sharing_objects() -> None:
    document = {"paths": {"/a": {"get": {"r": {}}}, "/b": {"post": {"r": {}}}}}
    result = apply_overlay(document, _overlay({"target": "$.paths.*.*.r", "update": {"x": {}}}))
    assert result.unmatched == []
    ops = result.document["paths"]
    assert ops["/a"]["get"]["r"] == {"x": {}}
    assert ops["/b"]["post"]["r"] == {"x": {}}
    assert ops["/a"]["get"]["r"]["x"] is not ops["/b"]["post"]["r"]["x"]
    assert document == {"paths": {"/a": {"get": {"r": {}}}, "/b": {"post": {"r": {}}}}}


def test_apply_update_replaces_a_scalar_target() -> None:
    result = apply_overlay({"a": {"b": 1}}, _overlay({"target": "$.a.b", "update": 2}))
    assert result.document == {"a": {"b": 2}}


def test_apply_update_on_a_filtered_list_item() -> None:
    document = {"params": [{"name": "a"}, {"name": "b"}]}
    action = {"target": "$.params[?(@.name == 'b')]", "update": {"min": 1}}
    result = apply_overlay(document, _overlay(action))
    assert result.document == {"params": [{"name": "a"}, {"name": "b", "min": 1}]}


def test_apply_remove_deletes_the_target() -> None:
    document = {"a": {"b": 1, "c": 2}, "l": [{"n": "x"}, {"n": "y"}, {"n": "z"}]}
    result = apply_overlay(
        document,
        _overlay(
            {"target": "$.a.b", "remove": True},
            {"target": "$.l[?(@.n == 'y')]", "remove": True},
        ),
    )
    assert result.unmatched == []
    assert result.document == {"a": {"c": 2}, "l": [{"n": "x"}, {"n": "z"}]}
    assert document["a"] == {"b": 1, "c": 2}  # the input is not modified


def test_apply_remove_of_several_list_items() -> None:
    document = {"l": [1, 2, 3, 4, 5], "m": [{"n": "x"}, {"n": "y"}, {"n": "z"}]}
    result = apply_overlay(
        document,
        _overlay(
            {"target": "$.l[*]", "remove": True},
            {"target": "$.m[?(@.n != 'y')]", "remove": True},
        ),
    )
    assert result.document == {"l": [], "m": [{"n": "y"}]}


def test_apply_actions_in_order() -> None:
    result = apply_overlay(
        {"a": {}},
        _overlay(
            {"target": "$.a", "update": {"b": 1}},
            {"target": "$.a.b", "remove": True},
            {"target": "$.a", "update": {"c": 2}},
        ),
    )
    assert result.document == {"a": {"c": 2}}


def test_unmatched_target_is_reported_by_its_description() -> None:
    result = apply_overlay(
        {"a": {}},
        _overlay(
            {"target": "$.missing", "description": "fix-something", "update": {"x": 1}},
            {"target": "$.a", "description": "fine", "update": {"x": 1}},
            {"target": "$.gone", "remove": True},
        ),
    )
    assert result.document == {"a": {"x": 1}}
    assert len(result.unmatched) == 2
    assert "fix-something" in result.unmatched[0]
    assert "$.missing" in result.unmatched[0]
    assert "#3" in result.unmatched[1]  # an unnamed action is named by its position


@pytest.mark.parametrize(
    "document",
    [
        {"openapi": "3.0.3", "actions": []},
        {"overlay": "2.0.0", "actions": []},
        {},
    ],
)
def test_non_overlay_document_is_rejected(document: dict[str, Any]) -> None:
    with pytest.raises(OverlayError):
        apply_overlay({"a": 1}, document)


def test_action_without_target_is_rejected() -> None:
    with pytest.raises(OverlayError, match="no-target"):
        apply_overlay({"a": 1}, _overlay({"description": "no-target", "update": {"b": 2}}))
