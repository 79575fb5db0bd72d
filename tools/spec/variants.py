"""The spec drill's battery: realistic revisions of the vendor's description, each with what
the pipeline must make of it.

Each ``Variant`` edits a copy of ``spec/upstream.yaml`` the way a vendor does. The additive
and documentation-only ones must go through the pipeline with exit 0: regenerated, released
as a patch, and the whole test suite green with no hand edit. The breaking ones must exit 3,
classified before any test runs. tools/spec/drill.py feeds them to the pipeline;
tests/spec_update/test_spec_variants.py checks each classifies as declared without running it.

The edits find what they change by the names the facade itself uses (the five operationIds,
the schemas it imports), never by position, so the battery follows the vendor's document
as it changes.

Example::

    >>> [v.name for v in VARIANTS if v.exit_code == 3]
    ['removed-field', 'renamed-operation-id', 'required-request-field', 'renamed-path-parameter']
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.spec.diff import HTTP_METHODS

Document = dict[str, Any]
Edit = Callable[[Document], None]

LIST, GET = "AccessKeyService_ListAccessKeys", "AccessKeyService_GetAccessKey"
CREATE = "AccessKeyService_CreateAccessKey"


@dataclass(frozen=True)
class Variant:
    """One upstream revision and the pipeline's expected verdict on it.

    ``baseline`` (optional) is applied first and accepted through the pipeline (tests skipped)
    to reach the state the revision starts from: the vendor's document has no enum today, so
    "a new enum value" first needs an enum. ``probe`` is Python run in the updated copy
    against the emulator, through the facade; it prints ``probe ok`` when it holds.
    """

    name: str
    what: str
    edit: Edit
    exit_code: int
    change_class: str
    rule: str
    baseline: Edit | None = None
    probe: str = ""

    def document(self, upstream: Document) -> Document:
        """The revised description made from ``upstream`` (which is not modified)."""
        revised = copy.deepcopy(upstream)
        self.edit(revised)
        return revised


def operation(doc: Document, operation_id: str) -> tuple[str, str, Document]:
    """(path, method, operation object) of the operation called ``operation_id``."""
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict) and item[method].get("operationId") == (
                operation_id
            ):
                return path, method, item[method]
    raise KeyError(f"no operation {operation_id} in the description")


def schema(doc: Document, name: str) -> Document:
    """The component schema called ``name``."""
    found: Document = doc["components"]["schemas"][name]
    return found


def _host(doc: Document) -> str:
    return str(doc["servers"][0]["url"]).split("://", 1)[-1].rstrip("/")


# --- additive and documentation-only: exit 0 ----------------------------------------------


def new_host(doc: Document) -> None:
    doc["servers"] = [{"url": f"https://eu1.{_host(doc)}"}]


def new_response_field(doc: Document) -> None:
    schema(doc, "AccessKey")["properties"]["lastUsedTime"] = {
        "type": "string",
        "format": "date-time",
        "description": "When the key last obtained a token.",
    }


def new_query_parameter(doc: Document) -> None:
    operation(doc, LIST)[2]["parameters"].append(
        {
            "name": "displayNamePrefix",
            "in": "query",
            "description": "Optional. Only keys whose display name starts with this.",
            "schema": {"type": "string"},
        }
    )


def new_operation(doc: Document) -> None:
    path, _, get = operation(doc, GET)
    rotate = copy.deepcopy(get)
    rotate.update(
        operationId="AccessKeyService_RotateAccessKey",
        summary="Rotate Access Key",
        description="Replaces the key's secret; the new one is shown once.\n",
    )
    rotate["responses"]["200"] = copy.deepcopy(operation(doc, CREATE)[2]["responses"]["200"])
    doc["paths"][f"{path}:rotate"] = {"post": rotate}


def with_state_enum(doc: Document) -> None:
    """The baseline of ``new-enum-value``: an optional enum field on AccessKey."""
    schema(doc, "AccessKey")["properties"]["state"] = {
        "type": "string",
        "enum": ["ACTIVE", "DISABLED"],
        "description": "Whether the key can obtain tokens.",
    }


def new_enum_value(doc: Document) -> None:
    schema(doc, "AccessKey")["properties"]["state"]["enum"].append("EXPIRED")


def description_only(doc: Document) -> None:
    doc["info"]["description"] = doc["info"].get("description", "") + " Reworded."
    schema(doc, "AccessKey")["description"] = "One Access Key of a project."
    for parameter in operation(doc, LIST)[2]["parameters"]:
        parameter["description"] = parameter.get("description", "").strip() + " (reworded)"


# --- breaking: exit 3, before any test runs ---------------------------------------------


def removed_field(doc: Document) -> None:
    del schema(doc, "ListAccessKeysResponse")["properties"]["nextPageToken"]


def renamed_operation_id(doc: Document) -> None:
    operation(doc, GET)[2]["operationId"] = "AccessKeyService_FetchAccessKey"


def required_request_field(doc: Document) -> None:
    create = schema(doc, "CreateAccessKey")
    create["properties"]["expireTime"] = {"type": "string", "format": "date-time"}
    create.setdefault("required", []).append("expireTime")


def renamed_path_parameter(doc: Document) -> None:
    path, _, _ = operation(doc, GET)
    old = path.rstrip("}").rsplit("{", 1)[-1]
    new_path = path.replace(f"{{{old}}}", "{keyId}")
    item = doc["paths"].pop(path)
    for node in [item, *(item[m] for m in HTTP_METHODS if isinstance(item.get(m), dict))]:
        for parameter in node.get("parameters", []):
            if parameter.get("in") == "path" and parameter.get("name") == old:
                parameter["name"] = "keyId"
    doc["paths"][new_path] = item


# --- the probes: the facade against the emulator, in the updated copy ----------------------

_PROBE_START = """
import attrs, httpx, sinch_keys
from sinch_keys.testing import Emulator, Fault

emu = Emulator()
client = sinch_keys.SinchKeys(
    project_id=emu.project_id, key_id=emu.key_id, key_secret=emu.key_secret,
    base_url=emu.base_url, token_url=emu.token_url,
    http_client=httpx.Client(transport=emu.transport),
)
created = client.access_keys.create(display_name="drill")
body = created.access_key.to_dict()
"""

PROBE_NEW_FIELD = (
    _PROBE_START
    + """
body["lastUsedTime"] = "2030-01-02T03:04:05Z"
emu.faults.script("get", Fault(status=200, body=body))
key = client.access_keys.get(created.access_key.access_key_id)
# a field of the regenerated model, not a leftover in additional_properties
assert "last_used_time" in attrs.fields_dict(type(key)), attrs.fields_dict(type(key))
assert key.last_used_time.isoformat() == "2030-01-02T03:04:05+00:00", key.last_used_time
assert "lastUsedTime" not in key.additional_properties
assert key.display_name == "drill"
print("probe ok")
"""
)

PROBE_NEW_ENUM_VALUE = (
    _PROBE_START
    + """
body["state"] = "EXPIRED"
emu.faults.script("get", Fault(status=200, body=body))
key = client.access_keys.get(created.access_key.access_key_id)
assert "state" in attrs.fields_dict(type(key)), attrs.fields_dict(type(key))
assert key.state.value == "EXPIRED", key.state
print("probe ok")
"""
)

PROBE_NEW_HOST = """
import sinch_keys
from sinch_keys_api import _spec_defaults
client = sinch_keys.SinchKeys(project_id="p", key_id="k", key_secret="s")
assert client.base_url == _spec_defaults.BASE_URL, (client.base_url, _spec_defaults.BASE_URL)
assert client.base_url.startswith("https://eu1."), client.base_url
print("probe ok")
"""

PROBE_NEW_OPERATION = """
from sinch_keys_api.api.access_key import access_key_service_rotate_access_key as rotate
assert callable(rotate.sync_detailed)
print("probe ok")
"""

VARIANTS: tuple[Variant, ...] = (
    Variant("new-host", "servers[0].url moves to another host", new_host,
            0, "additive", "server-url-changed", probe=PROBE_NEW_HOST),
    Variant("new-response-field", "AccessKey gains optional lastUsedTime (date-time)",
            new_response_field, 0, "additive", "response-property-added",
            probe=PROBE_NEW_FIELD),
    Variant("new-query-parameter", "list gains optional query parameter displayNamePrefix",
            new_query_parameter, 0, "additive", "new-optional-request-parameter"),
    Variant("new-operation", "POST .../{accessKeyId}:rotate is added", new_operation,
            0, "additive", "operation-added", probe=PROBE_NEW_OPERATION),
    Variant("new-enum-value", "AccessKey.state enum gains EXPIRED", new_enum_value,
            0, "additive", "response-enum-value-added", baseline=with_state_enum,
            probe=PROBE_NEW_ENUM_VALUE),
    Variant("description-only", "descriptions reworded, nothing else", description_only,
            0, "docs", ""),
    Variant("removed-field", "ListAccessKeysResponse loses nextPageToken", removed_field,
            3, "breaking", "response-property-removed"),
    Variant("renamed-operation-id", "GetAccessKey's operationId becomes FetchAccessKey",
            renamed_operation_id, 3, "breaking", "operation-id-changed"),
    Variant("required-request-field", "CreateAccessKey requires a new expireTime",
            required_request_field, 3, "breaking", "new-required-request-property"),
    Variant("renamed-path-parameter", "{accessKeyId} becomes {keyId}", renamed_path_parameter,
            3, "breaking", "request-parameter-removed"),
)  # fmt: skip

BY_NAME = {variant.name: variant for variant in VARIANTS}
