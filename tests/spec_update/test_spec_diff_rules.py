"""The semantic diff classifier, one rule at a time, on small hand-made descriptions."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.spec_update.spec_update_support import ROOT
from tools.spec.diff import Change, diff_specs, has_breaking, render_markdown

PATH = "/things/{id}"


def base() -> dict[str, Any]:
    """A small description: GET/PATCH a Thing, a request schema, a response schema."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example"}],
        "security": [{"OAuth2": []}, {"Basic": []}],
        "paths": {
            PATH: {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "get": {
                    "operationId": "GetThing",
                    "parameters": [
                        {"name": "view", "in": "query",
                         "schema": {"$ref": "#/components/schemas/View"}},
                        {"name": "limit", "in": "query",
                         "schema": {"type": "integer", "format": "int32", "maximum": 100}},
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "404": {"description": "missing"},
                    },
                },
                "patch": {
                    "operationId": "UpdateThing",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/UpdateThing"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"}}}}},
                },
            }
        },
        "components": {
            "securitySchemes": {
                "Basic": {"type": "http", "scheme": "basic"},
                "OAuth2": {"type": "oauth2", "flows": {"clientCredentials": {
                    "tokenUrl": "https://auth.example/token", "scopes": {}}}},
            },
            "schemas": {
                "View": {"type": "string", "enum": ["BASIC", "FULL"]},
                "State": {"type": "string", "enum": ["ACTIVE", "REVOKED"]},
                "Thing": {
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "state": {"$ref": "#/components/schemas/State"},
                        "owner": {"allOf": [{"$ref": "#/components/schemas/Owner"}]},
                        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                    },
                },
                "Owner": {"type": "object", "properties": {"email": {"type": "string"}}},
                "Tag": {"type": "object", "properties": {"label": {"type": "string"}}},
                "UpdateThing": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 100},
                        "note": {"type": "string"},
                        "state": {"$ref": "#/components/schemas/State"},
                    },
                },
            },
        },
    }  # fmt: skip


def changed(edit: Callable[[dict[str, Any]], None]) -> list[Change]:
    new = base()
    edit(new)
    return diff_specs(base(), new)


def rules(changes: list[Change]) -> set[tuple[str, bool]]:
    return {(c.rule, c.breaking) for c in changes}


def schemas(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"]


def get_op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"][PATH]["get"]


def test_identical_documents_have_no_changes() -> None:
    assert diff_specs(base(), base()) == []


def test_descriptions_and_examples_are_ignored() -> None:
    def edit(doc: dict[str, Any]) -> None:
        schemas(doc)["Thing"]["description"] = "A thing."
        schemas(doc)["Thing"]["example"] = {"id": "1"}
        get_op(doc)["summary"] = "Get it"

    assert changed(edit) == []


def test_the_real_curated_spec_against_itself() -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert diff_specs(spec, copy.deepcopy(spec)) == []


# ---- operations ------------------------------------------------------------------------------


def test_removed_operation_is_breaking() -> None:
    changes = changed(lambda d: d["paths"][PATH].pop("patch"))
    assert rules(changes) == {("operation-removed", True)}
    assert "UpdateThing" in changes[0].detail
    assert changes[0].where == f"`PATCH {PATH}`"


def test_added_operation_is_not_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["paths"]["/others"] = {"get": {"operationId": "ListOthers", "responses": {}}}

    assert rules(changed(edit)) == {("operation-added", False)}


def test_renamed_path_parameter_is_the_same_operation() -> None:
    def edit(doc: dict[str, Any]) -> None:
        item = doc["paths"].pop(PATH)
        doc["paths"]["/things/{thingId}"] = item

    # the operations still match; only the path parameter's name differs
    assert ("operation-removed", True) not in rules(changed(edit))


def test_operation_id_change_is_breaking() -> None:
    changes = changed(lambda d: get_op(d).update(operationId="FetchThing"))
    assert rules(changes) == {("operation-id-changed", True)}


def test_deprecation_is_reported_not_breaking() -> None:
    assert rules(changed(lambda d: get_op(d).update(deprecated=True))) == {
        ("operation-deprecated", False)
    }


# ---- parameters ------------------------------------------------------------------------------


def test_new_optional_parameter_is_not_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        get_op(doc)["parameters"].append({"name": "q", "in": "query", "schema": {"type": "string"}})

    assert rules(changed(edit)) == {("new-optional-request-parameter", False)}


def test_new_required_parameter_is_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        get_op(doc)["parameters"].append(
            {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
        )

    assert rules(changed(edit)) == {("new-required-request-parameter", True)}


def test_removed_parameter_is_breaking() -> None:
    assert rules(changed(lambda d: get_op(d)["parameters"].pop(1))) == {
        ("request-parameter-removed", True)
    }


def test_parameter_becoming_required_is_breaking_and_optional_is_not() -> None:
    assert rules(changed(lambda d: get_op(d)["parameters"][1].update(required=True))) == {
        ("request-parameter-became-required", True)
    }

    def relax(doc: dict[str, Any]) -> None:
        doc["paths"][PATH]["parameters"][0]["required"] = False

    # (not valid for a path parameter, but the rule is what is tested)
    assert ("request-parameter-became-optional", False) in rules(changed(relax))


def test_parameter_type_and_format_changes_are_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        get_op(doc)["parameters"][1]["schema"].update(type="string", format="uuid")

    assert rules(changed(edit)) >= {
        ("request-schema-type-changed", True),
        ("request-schema-format-changed", True),
    }


def test_parameter_bounds_narrowed_are_breaking_widened_are_not() -> None:
    narrow = changed(lambda d: get_op(d)["parameters"][1]["schema"].update(maximum=10))
    assert rules(narrow) == {("request-constraint-narrowed", True)}
    widen = changed(lambda d: get_op(d)["parameters"][1]["schema"].update(maximum=1000))
    assert rules(widen) == {("request-constraint-widened", False)}


def test_enum_of_a_referenced_parameter_schema() -> None:
    removed = changed(lambda d: schemas(d)["View"].update(enum=["BASIC"]))
    assert rules(removed) == {("request-enum-value-removed", True)}
    added = changed(lambda d: schemas(d)["View"].update(enum=["BASIC", "FULL", "ALL"]))
    assert rules(added) == {("request-enum-value-added", False)}


# ---- request bodies ------------------------------------------------------------------------


def test_new_optional_request_field_is_not_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        schemas(doc)["UpdateThing"]["properties"]["color"] = {"type": "string"}

    assert rules(changed(edit)) == {("new-optional-request-property", False)}


def test_new_required_request_field_is_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        schemas(doc)["UpdateThing"]["properties"]["color"] = {"type": "string"}
        schemas(doc)["UpdateThing"]["required"].append("color")

    changes = changed(edit)
    assert rules(changes) == {("new-required-request-property", True)}
    assert "`color`" in changes[0].detail


def test_request_field_becoming_required_is_breaking() -> None:
    changes = changed(lambda d: schemas(d)["UpdateThing"]["required"].append("note"))
    assert rules(changes) == {("request-property-became-required", True)}


def test_request_field_becoming_optional_is_not_breaking() -> None:
    changes = changed(lambda d: schemas(d)["UpdateThing"].pop("required"))
    assert rules(changes) == {("request-property-became-optional", False)}


def test_removed_request_field_is_breaking() -> None:
    changes = changed(lambda d: schemas(d)["UpdateThing"]["properties"].pop("note"))
    assert rules(changes) == {("request-property-removed", True)}


def test_read_only_fields_do_not_count_in_requests() -> None:
    def edit(doc: dict[str, Any]) -> None:
        schemas(doc)["UpdateThing"]["properties"]["etag"] = {"type": "string", "readOnly": True}
        schemas(doc)["UpdateThing"]["required"].append("etag")

    assert changed(edit) == []


def test_request_body_becoming_required_or_removed_is_breaking() -> None:
    def optional(doc: dict[str, Any]) -> None:
        doc["paths"][PATH]["patch"]["requestBody"]["required"] = False

    new = base()
    optional(new)
    assert rules(diff_specs(new, base())) == {("request-body-became-required", True)}
    removed = changed(lambda d: d["paths"][PATH]["patch"].pop("requestBody"))
    assert rules(removed) == {("request-body-removed", True)}


def test_request_media_type_removed_is_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        content = doc["paths"][PATH]["patch"]["requestBody"]["content"]
        content["application/merge-patch+json"] = content.pop("application/json")

    assert rules(changed(edit)) == {
        ("request-media-type-removed", True),
        ("request-media-type-added", False),
    }


def test_request_nullable_removed_is_breaking() -> None:
    old = base()
    schemas(old)["UpdateThing"]["properties"]["note"]["nullable"] = True
    assert rules(diff_specs(old, base())) == {("request-schema-nullable-changed", True)}


# ---- responses -------------------------------------------------------------------------------


def test_new_response_field_is_not_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        schemas(doc)["Thing"]["properties"]["region"] = {"type": "string"}

    changes = changed(edit)
    # met by both operations that return a Thing
    assert rules(changes) == {("response-property-added", False)}
    assert {c.where for c in changes} == {f"`GET {PATH}`", f"`PATCH {PATH}`"}


def test_removed_response_field_is_breaking() -> None:
    changes = changed(lambda d: schemas(d)["Thing"]["properties"].pop("state"))
    assert rules(changes) == {("response-property-removed", True)}


def test_removed_field_in_nested_ref_through_allof_and_array_is_breaking() -> None:
    owner = changed(lambda d: schemas(d)["Owner"]["properties"].pop("email"))
    assert rules(owner) == {("response-property-removed", True)}
    assert "`owner.email` removed" in owner[0].detail
    tag = changed(lambda d: schemas(d)["Tag"]["properties"]["label"].update(type="integer"))
    assert rules(tag) == {("response-schema-type-changed", True)}
    assert "`tags[].label`" in tag[0].detail


def test_response_field_no_longer_required_is_breaking() -> None:
    changes = changed(lambda d: schemas(d)["Thing"]["required"].remove("name"))
    assert rules(changes) == {("response-property-became-optional", True)}


def test_response_field_becoming_required_is_not_breaking() -> None:
    changes = changed(lambda d: schemas(d)["Thing"]["required"].append("state"))
    assert rules(changes) == {("response-property-became-required", False)}


def test_response_type_change_is_breaking() -> None:
    changes = changed(lambda d: schemas(d)["Thing"]["properties"]["name"].update(type="integer"))
    assert rules(changes) == {("response-schema-type-changed", True)}


def test_response_format_change_is_breaking() -> None:
    changes = changed(lambda d: schemas(d)["Thing"]["properties"]["id"].update(format="uuid"))
    assert rules(changes) == {("response-schema-format-changed", True)}


def test_response_becoming_nullable_is_breaking() -> None:
    changes = changed(lambda d: schemas(d)["Thing"]["properties"]["name"].update(nullable=True))
    assert rules(changes) == {("response-schema-nullable-changed", True)}


def test_enum_value_removed_is_breaking_in_responses_and_requests() -> None:
    changes = changed(lambda d: schemas(d)["State"].update(enum=["ACTIVE"]))
    # State is met in responses (Thing) and in the PATCH request (UpdateThing)
    assert rules(changes) == {
        ("response-enum-value-removed", True),
        ("request-enum-value-removed", True),
    }


def test_enum_value_added_is_not_breaking_but_noted_for_responses() -> None:
    changes = changed(lambda d: schemas(d)["State"]["enum"].append("EXPIRED"))
    assert rules(changes) == {
        ("response-enum-value-added", False),
        ("request-enum-value-added", False),
    }
    assert any("clients may receive it" in c.detail for c in changes)


def test_removed_success_response_is_breaking_other_status_is_not() -> None:
    assert rules(changed(lambda d: get_op(d)["responses"].pop("200"))) == {
        ("response-success-status-removed", True)
    }
    assert rules(changed(lambda d: get_op(d)["responses"].pop("404"))) == {
        ("response-status-removed", False)
    }
    assert rules(
        changed(lambda d: get_op(d)["responses"].update({"429": {"description": "x"}}))
    ) == {("response-status-added", False)}


def test_recursive_schemas_terminate() -> None:
    def recursive(doc: dict[str, Any]) -> None:
        schemas(doc)["Tag"]["properties"]["children"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Tag"},
        }

    old, new = base(), base()
    recursive(old)
    recursive(new)
    schemas(new)["Tag"]["properties"]["label"]["type"] = "integer"
    changes = diff_specs(old, new)
    assert changes
    assert all(c.rule == "response-schema-type-changed" for c in changes)


# ---- servers and security ------------------------------------------------------------------


def test_server_url_change_is_prominent_not_breaking() -> None:
    [change] = changed(lambda d: d.update(servers=[{"url": "https://new.example"}]))
    assert (change.rule, change.breaking, change.prominent) == ("server-url-changed", False, True)
    assert "https://api.example" in change.detail
    assert "https://new.example" in change.detail


def test_server_added_is_reported() -> None:
    changes = changed(lambda d: d["servers"].append({"url": "https://eu.example"}))
    assert rules(changes) == {("server-added", False)}
    assert changes[0].prominent


def test_removed_security_scheme_is_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["components"]["securitySchemes"].pop("Basic")
        doc["security"] = [{"OAuth2": []}]

    assert rules(changed(edit)) == {
        ("security-scheme-removed", True),
        ("security-requirement-removed", True),
    }


def test_added_security_scheme_is_not_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["components"]["securitySchemes"]["Key"] = {
            "type": "apiKey",
            "in": "header",
            "name": "X",
        }

    assert rules(changed(edit)) == {("security-scheme-added", False)}


def test_security_scheme_type_change_is_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["components"]["securitySchemes"]["Basic"]["scheme"] = "bearer"

    assert rules(changed(edit)) == {("security-scheme-changed", True)}


def test_token_url_change_is_prominent_not_breaking() -> None:
    def edit(doc: dict[str, Any]) -> None:
        flow = doc["components"]["securitySchemes"]["OAuth2"]["flows"]["clientCredentials"]
        flow["tokenUrl"] = "https://auth2.example/token"

    [change] = changed(edit)
    assert (change.rule, change.breaking, change.prominent) == ("security-url-changed", False, True)


# ---- rendering -------------------------------------------------------------------------------


def test_markdown_groups_breaking_first_and_headlines_servers() -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["servers"] = [{"url": "https://new.example"}]
        doc["paths"][PATH].pop("patch")
        schemas(doc)["Thing"]["properties"]["region"] = {"type": "string"}

    changes = changed(edit)
    assert has_breaking(changes)
    text = render_markdown(changes, title="T", notes=["tests passed"])
    assert text.startswith("# T\n")
    assert "**BREAKING**: 1 breaking change(s)" in text
    attention = text.index("## Attention: servers and authentication")
    assert attention < text.index("## Breaking changes") < text.index("## Non-breaking changes")
    assert text.rstrip().endswith("- tests passed")


def test_markdown_for_no_changes() -> None:
    assert "No changes." in render_markdown([])
    assert not has_breaking([])


@pytest.mark.parametrize("missing", ["paths", "components", "servers", "security"])
def test_sparse_documents_do_not_crash(missing: str) -> None:
    new = base()
    new.pop(missing)
    assert isinstance(diff_specs(base(), new), list)
    assert isinstance(diff_specs(new, base()), list)
