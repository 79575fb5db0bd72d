"""The spec drill's battery: realistic revisions of the vendor's description, each with what
the pipeline must make of it.

Each ``Variant`` edits a copy of ``spec/upstream.yaml`` the way a vendor does. The additive
and documentation-only ones must go through the pipeline with exit 0: regenerated, released
as a patch, and the whole test suite green with no hand edit. The breaking ones must exit 3,
classified before any test runs. tools/spec/drill.py feeds them to the pipeline;
tests/spec_update/test_spec_variants.py checks each classifies as declared without running it.

The edits find what they change by the names the facade itself uses (the five operationIds,
the schemas it imports), never by position, and every name they add is one the document
does not have yet (``fresh``): the vendor may well add a ``lastUsedTime`` one day, and the
battery must still be a change then. An edit returns the names it chose (``facts``), which
the drill hands to the variant's probe.

Example::

    >>> [v.name for v in VARIANTS if v.exit_code == 3]
    ['removed-field', 'renamed-operation-id', 'required-request-field', 'renamed-path-parameter']
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tools.spec.diff import HTTP_METHODS

Document = dict[str, Any]
Facts = dict[str, str]
Edit = Callable[[Document], Facts]

LIST, GET = "AccessKeyService_ListAccessKeys", "AccessKeyService_GetAccessKey"
CREATE = "AccessKeyService_CreateAccessKey"


@dataclass(frozen=True)
class Variant:
    """One upstream revision and the pipeline's expected verdict on it.

    ``baseline`` (optional) is applied first and accepted through the pipeline (tests skipped)
    to reach the state the revision starts from: the vendor's document has no enum today, so
    "a new enum value" first needs an enum. ``probe`` is Python run in the updated copy
    against the emulator, through the facade, with the edit's facts in ``$DRILL_FACTS``
    (JSON); it prints ``probe ok`` when it holds.
    """

    name: str
    what: str
    edit: Edit
    exit_code: int
    change_class: str
    rule: str
    baseline: Edit | None = None
    probe: str = ""

    def revise(self, upstream: Document) -> tuple[Document, Facts]:
        """The revised description made from ``upstream`` (not modified), and the names the
        edit chose."""
        revised = copy.deepcopy(upstream)
        facts = self.edit(revised)
        return revised, facts

    def document(self, upstream: Document) -> Document:
        """The revised description made from ``upstream`` (which is not modified)."""
        return self.revise(upstream)[0]


def fresh(taken: Iterable[str], *candidates: str) -> str:
    """The first candidate not ``taken``, else the first with a number appended.

    Example::

        >>> fresh({"state"}, "state", "status"), fresh({"a", "b", "a2"}, "a", "b")
        ('status', 'a3')
    """
    taken = set(taken)
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidates[0]}{number}" in taken:
        number += 1
    return f"{candidates[0]}{number}"


def operation(doc: Document, operation_id: str) -> tuple[str, str, Document]:
    """(path, method, operation object) of the operation called ``operation_id``."""
    for path, item in doc["paths"].items():
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict) and item[method].get("operationId") == (
                operation_id
            ):
                return path, method, item[method]
    raise KeyError(f"no operation {operation_id} in the description")


def operation_ids(doc: Document) -> set[str]:
    """Every operationId of the description."""
    return {
        item[method].get("operationId", "")
        for item in doc["paths"].values()
        for method in HTTP_METHODS
        if isinstance(item.get(method), dict)
    }


def schema(doc: Document, name: str) -> Document:
    """The component schema called ``name``."""
    found: Document = doc["components"]["schemas"][name]
    return found


def _host(doc: Document) -> str:
    return str(doc["servers"][0]["url"]).split("://", 1)[-1].rstrip("/")


# --- additive and documentation-only: exit 0 ----------------------------------------------


def new_host(doc: Document) -> Facts:
    host = _host(doc)
    url = f"https://{fresh({host.split('.', 1)[0]}, 'eu1', 'eu2')}.{host}"
    doc["servers"] = [{"url": url}]
    return {"url": url}


def new_response_field(doc: Document) -> Facts:
    properties = schema(doc, "AccessKey")["properties"]
    field = fresh(properties, "lastUsedTime", "lastUseTime", "lastUsedAt")
    properties[field] = {
        "type": "string",
        "format": "date-time",
        "description": "When the key last obtained a token.",
    }
    return {"field": field}


def new_query_parameter(doc: Document) -> Facts:
    parameters = operation(doc, LIST)[2]["parameters"]
    name = fresh({p.get("name", "") for p in parameters}, "displayNamePrefix", "namePrefix")
    parameters.append(
        {
            "name": name,
            "in": "query",
            "description": "Optional. Only keys whose display name starts with this.",
            "schema": {"type": "string"},
        }
    )
    return {"parameter": name}


def new_operation(doc: Document) -> Facts:
    path, _, get = operation(doc, GET)
    verb = fresh({p.rsplit(":", 1)[-1] for p in doc["paths"] if ":" in p}, "rotate", "renew")
    operation_id = fresh(operation_ids(doc), f"AccessKeyService_{verb.title()}AccessKey")
    rotate = copy.deepcopy(get)
    rotate.update(
        operationId=operation_id,
        summary=f"{verb.title()} Access Key",
        description="Replaces the key's secret; the new one is shown once.\n",
    )
    rotate["responses"]["200"] = copy.deepcopy(operation(doc, CREATE)[2]["responses"]["200"])
    doc["paths"][f"{path}:{verb}"] = {"post": rotate}
    return {"operation_id": operation_id}


def with_state_enum(doc: Document) -> Facts:
    """The baseline of ``new-enum-value``: an optional enum field on AccessKey."""
    properties = schema(doc, "AccessKey")["properties"]
    field = fresh(properties, "state", "status", "keyState")
    properties[field] = {
        "type": "string",
        "enum": ["ACTIVE", "DISABLED"],
        "description": "Whether the key can obtain tokens.",
    }
    return {"field": field}


def new_enum_value(doc: Document) -> Facts:
    # the last enum field of AccessKey: the one the baseline added, or the vendor's own
    properties = schema(doc, "AccessKey")["properties"]
    field = [name for name, prop in properties.items() if prop.get("enum")][-1]
    value = fresh(properties[field]["enum"], "EXPIRED", "SUSPENDED", "REVOKED")
    properties[field]["enum"].append(value)
    return {"field": field, "value": value}


def description_only(doc: Document) -> Facts:
    doc["info"]["description"] = doc["info"].get("description", "") + " Reworded."
    access_key = schema(doc, "AccessKey")
    access_key["description"] = access_key.get("description", "") + " Reworded."
    for parameter in operation(doc, LIST)[2]["parameters"]:
        parameter["description"] = parameter.get("description", "").strip() + " (reworded)"
    return {}


# --- breaking: exit 3, before any test runs ---------------------------------------------


def removed_field(doc: Document) -> Facts:
    del schema(doc, "ListAccessKeysResponse")["properties"]["nextPageToken"]
    return {"field": "nextPageToken"}


def renamed_operation_id(doc: Document) -> Facts:
    new = fresh(operation_ids(doc), "AccessKeyService_FetchAccessKey")
    operation(doc, GET)[2]["operationId"] = new
    return {"operation_id": new}


def required_request_field(doc: Document) -> Facts:
    create = schema(doc, "CreateAccessKey")
    field = fresh(create["properties"], "expireTime", "expiresAt", "ttl")
    create["properties"][field] = {"type": "string", "format": "date-time"}
    create.setdefault("required", []).append(field)
    return {"field": field}


def renamed_path_parameter(doc: Document) -> Facts:
    path, _, _ = operation(doc, GET)
    old = path.rstrip("}").rsplit("{", 1)[-1]
    new = fresh({old, "projectId"}, "keyId", "accessKeyName")
    item = doc["paths"].pop(path)
    for node in [item, *(item[m] for m in HTTP_METHODS if isinstance(item.get(m), dict))]:
        for parameter in node.get("parameters", []):
            if parameter.get("in") == "path" and parameter.get("name") == old:
                parameter["name"] = new
    doc["paths"][path.replace(f"{{{old}}}", f"{{{new}}}")] = item
    return {"parameter": new}


# --- the probes: the facade against the emulator, in the updated copy ----------------------

_PROBE_START = """
import json, os
import attrs, httpx, sinch_keys
from sinch_keys.testing import Emulator, Fault

facts = json.loads(os.environ["DRILL_FACTS"])
emu = Emulator()
client = sinch_keys.SinchKeys(
    project_id=emu.project_id, key_id=emu.key_id, key_secret=emu.key_secret,
    base_url=emu.base_url, token_url=emu.token_url,
    http_client=httpx.Client(transport=emu.transport),
)
created = client.access_keys.create(display_name="drill")
body = created.access_key.to_dict()


def typed_attribute(key, wanted):
    # the regenerated model's own field holding the value (not additional_properties)
    names = [f.name for f in attrs.fields(type(key))
             if f.name != "additional_properties" and wanted(getattr(key, f.name))]
    assert len(names) == 1, (names, key)
    assert facts["field"] not in key.additional_properties, key.additional_properties
    return names[0]
"""

PROBE_NEW_FIELD = (
    _PROBE_START
    + """
import datetime
body[facts["field"]] = "2030-01-02T03:04:05Z"
emu.faults.script("get", Fault(status=200, body=body))
key = client.access_keys.get(created.access_key.access_key_id)
moment = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
name = typed_attribute(key, lambda value: value == moment)
assert key.to_dict()[facts["field"]] == moment.isoformat(), key.to_dict()
assert key.display_name == "drill"
print("probe ok:", name)
"""
)

PROBE_NEW_ENUM_VALUE = (
    _PROBE_START
    + """
body[facts["field"]] = facts["value"]
emu.faults.script("get", Fault(status=200, body=body))
key = client.access_keys.get(created.access_key.access_key_id)
name = typed_attribute(key, lambda value: getattr(value, "value", None) == facts["value"])
print("probe ok:", name, getattr(key, name))
"""
)

PROBE_NEW_HOST = """
import json, os
import sinch_keys
from sinch_keys_api import _spec_defaults
url = json.loads(os.environ["DRILL_FACTS"])["url"]
client = sinch_keys.SinchKeys(project_id="p", key_id="k", key_secret="s")
assert client.base_url == _spec_defaults.BASE_URL == url, (client.base_url, url)
print("probe ok")
"""

PROBE_NEW_OPERATION = """
import importlib, json, os, re
operation_id = json.loads(os.environ["DRILL_FACTS"])["operation_id"]
module = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", operation_id).lower()
api = importlib.import_module(f"sinch_keys_api.api.access_key.{module}")
assert callable(api.sync_detailed)
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
