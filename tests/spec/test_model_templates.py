"""The custom model templates (tools/spec/templates/) change how fast ``from_dict`` runs, never
what it returns: the ground truth is the same spec generated with the generator's own templates.

Also: each custom template says which upstream template it was made from (its sha256), and
the pinned generator must still ship exactly that one, or the change has to be re-applied.
"""

from __future__ import annotations

import hashlib
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import openapi_python_client
import pytest
import sinch_keys_api.models as ours
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.spec.generate import SPEC, TEMPLATES, generate

pytestmark = pytest.mark.slow

UPSTREAM = Path(openapi_python_client.__file__).parent / "templates"
STOCK = "sinch_keys_api_stock"


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The models package generated from openapi.yaml with the generator's own templates."""
    root = tmp_path_factory.mktemp("stock")
    generate(SPEC, root / STOCK, templates=None)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(f"{STOCK}.models")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == STOCK or m.startswith(STOCK + ".")]:
            del sys.modules[name]


def test_each_custom_template_names_the_upstream_template_it_changes() -> None:
    customs = sorted(TEMPLATES.rglob("*.jinja"))
    assert customs, "no custom templates found"
    for custom in customs:
        relative = custom.relative_to(TEMPLATES)
        declared = re.search(r"sha256 ([0-9a-f]{64})", custom.read_text(encoding="utf-8"))
        assert declared, f"{relative} does not name the upstream template's sha256"
        upstream = (UPSTREAM / relative).read_bytes()
        assert hashlib.sha256(upstream).hexdigest() == declared[1], (
            f"the pinned generator's {relative} changed: re-apply the sinch-keys changes onto it"
        )


def test_generated_models_come_from_the_custom_templates() -> None:
    # a guard for the tests below: they compare two different code generators
    source = Path(ours.access_key.__file__).read_text(encoding="utf-8")
    assert "_FIELDS" in source
    assert "d.pop(" not in source


timestamps = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
texts = st.text(max_size=20)
# JSON names the spec does not declare, so they land in additional_properties
extra_members = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(
        lambda k: (
            k
            not in {"accessKeyId", "displayName", "projectId", "createTime", "updateTime", "secret"}
            | {"accessKeys", "nextPageToken", "accessKey", "code", "message", "status", "details"}
            | {"type_url", "value", "error"}
        )
    ),
    st.one_of(st.none(), st.integers(), texts, st.lists(st.integers(), max_size=3)),
    max_size=3,
)


@st.composite
def access_keys(draw: st.DrawFn) -> dict[str, Any]:
    key = {
        "accessKeyId": draw(texts),
        "displayName": draw(texts),
        "projectId": draw(texts),
        "createTime": draw(timestamps),
        "updateTime": draw(timestamps),
    }
    return {**key, **draw(extra_members)}


@st.composite
def optional(draw: st.DrawFn, members: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    body = {name: draw(values) for name, values in members.items() if draw(st.booleans())}
    return {**body, **draw(extra_members)}


list_pages = st.builds(
    lambda keys, rest: {"accessKeys": keys, **rest},
    st.lists(access_keys(), max_size=4),
    optional({"nextPageToken": texts}),
)
protobuf_anys = optional({"type_url": texts, "value": texts})
error_errors = optional(
    {
        "code": st.integers(),
        "message": texts,
        "status": texts,
        "details": st.lists(protobuf_anys, max_size=2),
    }
)
created = st.builds(
    lambda key, secret, rest: {"accessKey": key, "secret": secret, **rest},
    access_keys(),
    texts,
    extra_members,
)

CASES = [
    ("AccessKey", access_keys()),
    ("ListAccessKeysResponse", list_pages),
    ("ErrorError", error_errors),
    ("ProtobufAny", protobuf_anys),
    ("CreateAccessKeyResponse", created),
]


@pytest.mark.parametrize(("model", "bodies"), CASES, ids=[c[0] for c in CASES])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_from_dict_returns_what_the_stock_generator_returns(
    stock: ModuleType, model: str, bodies: st.SearchStrategy[dict[str, Any]], data: st.DataObject
) -> None:
    body = data.draw(bodies)
    expected = getattr(stock, model).from_dict(body)
    actual = getattr(ours, model).from_dict(body)
    assert actual.to_dict() == expected.to_dict()
    assert actual.additional_properties == expected.additional_properties
    assert _fields(actual) == _fields(expected)


def _fields(model: Any) -> dict[str, Any]:
    """The attribute values, nested models as their fields and UNSET as a marker (each
    package has its own UNSET object)."""

    def value(v: Any) -> Any:
        if type(v).__name__ == "Unset":
            return "<UNSET>"
        if isinstance(v, list):
            return [value(item) for item in v]
        if attrs.has(type(v)):
            return (type(v).__name__, _fields(v))
        return v

    return {a.name: value(getattr(model, a.name)) for a in attrs.fields(type(model))}


KEY = {
    "accessKeyId": "k",
    "displayName": "n",
    "projectId": "p",
    "createTime": "2026-01-02T03:04:05Z",
    "updateTime": "2026-01-02T03:04:05Z",
}
# what sinch_keys._operations.parse turns into APIResponseValidationError
MAPPED = (ValueError, KeyError, TypeError, AttributeError)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {k: v for k, v in KEY.items() if k != "updateTime"},
        {**KEY, "createTime": 5},
        {**KEY, "updateTime": "not a date"},
        {**KEY, "displayName": None, "accessKeyId": None, "extra": 1},  # accepted by both
    ],
)
def test_from_dict_of_a_bad_object_fails_like_the_stock_one(
    stock: ModuleType, body: dict[str, Any]
) -> None:
    try:
        expected: Any = stock.AccessKey.from_dict(body)
    except Exception as exc:
        with pytest.raises(type(exc)):
            ours.AccessKey.from_dict(body)
    else:
        assert ours.AccessKey.from_dict(body).to_dict() == expected.to_dict()


@pytest.mark.parametrize(
    "body", [[], "text", 7, None, {"accessKeys": None}, {"accessKeys": [1]}, {"accessKeys": "ab"}]
)
def test_a_body_that_is_not_an_object_fails_in_both_with_an_error_parse_maps(
    stock: ModuleType, body: Any
) -> None:
    # the stock from_dict starts with dict(body), ours reads body[...]: not always the same
    # exception class, always one that the facade reports as APIResponseValidationError
    with pytest.raises(MAPPED):
        stock.ListAccessKeysResponse.from_dict(body)
    with pytest.raises(MAPPED):
        ours.ListAccessKeysResponse.from_dict(body)
