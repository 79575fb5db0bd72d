"""The five operations and their rules: limits, uniqueness, validation, 404, timestamps."""

from __future__ import annotations

import re

import httpx
import pytest

from sinch_keys.testing import Emulator

from .conftest import KEY_SECRET, KEYS, PROJECT, Clock, error_of

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_lifecycle(api: httpx.Client, emu: Emulator, clock: Clock) -> None:
    r = api.post(KEYS, json={"displayName": "ci deploy"})
    assert r.status_code == 200
    created = r.json()
    assert set(created) == {"accessKey", "secret"}
    key = created["accessKey"]
    assert set(key) == {"accessKeyId", "displayName", "projectId", "createTime", "updateTime"}
    assert (key["displayName"], key["projectId"]) == ("ci deploy", PROJECT)
    assert key["createTime"] == key["updateTime"] == "2027-01-15T08:00:00Z"
    assert api.get(f"{KEYS}/{key['accessKeyId']}").json() == key

    clock.advance(1.25)
    updated = api.patch(f"{KEYS}/{key['accessKeyId']}", json={"displayName": "renamed"}).json()
    assert updated["displayName"] == "renamed"
    assert updated["createTime"] == key["createTime"]  # update changes updateTime only
    assert updated["updateTime"] == "2027-01-15T08:00:01.250000Z"
    for stamp in (updated["createTime"], updated["updateTime"]):
        assert RFC3339_Z.match(stamp)

    assert api.delete(f"{KEYS}/{key['accessKeyId']}").status_code == 200
    assert api.get(f"{KEYS}/{key['accessKeyId']}").status_code == 404
    assert [k["accessKeyId"] for k in emu.keys()] == [emu.key_id]


def test_keys_never_expose_secrets(api: httpx.Client, emu: Emulator) -> None:
    api.post(KEYS, json={"displayName": "a"})
    listed = api.get(KEYS).json()["accessKeys"]
    assert all("secret" not in k for k in listed + emu.keys())
    assert KEY_SECRET not in api.get(KEYS).text


def test_key_limit_is_ten_by_default(api: httpx.Client) -> None:
    for i in range(9):  # the bootstrap key is the tenth
        assert api.post(KEYS, json={"displayName": f"k{i}"}).status_code == 200
    r = api.post(KEYS, json={"displayName": "one too many"})
    assert r.status_code == 400
    error = error_of(r)
    assert error["status"] == "FAILED_PRECONDITION"
    assert error["message"] == "Limit of 10 Access Keys reached"


def test_key_limit_is_configurable_and_per_project(clock: Clock) -> None:
    emu = Emulator(max_keys=2, clock=clock)
    other_id, other_secret = emu.add_project("proj-2")
    with httpx.Client(transport=emu.transport, base_url=emu.base_url) as http:
        mine = (emu.key_id, emu.key_secret)
        path = f"/v1/projects/{emu.project_id}/accessKeys"
        assert http.post(path, auth=mine, json={"displayName": "a"}).status_code == 200
        r = http.post(path, auth=mine, json={"displayName": "b"})
        assert error_of(r)["message"] == "Limit of 2 Access Keys reached"
        other = "/v1/projects/proj-2/accessKeys"
        theirs = (other_id, other_secret)
        assert http.post(other, auth=theirs, json={"displayName": "a"}).status_code == 200
        emu.max_keys = 3
        assert http.post(path, auth=mine, json={"displayName": "b"}).status_code == 200


def test_duplicate_display_name_is_409(api: httpx.Client) -> None:
    first = api.post(KEYS, json={"displayName": "dup"}).json()["accessKey"]
    r = api.post(KEYS, json={"displayName": "dup"})
    assert r.status_code == 409
    assert error_of(r)["status"] == "ALREADY_EXISTS"
    second = api.post(KEYS, json={"displayName": "other"}).json()["accessKey"]
    r = api.patch(f"{KEYS}/{second['accessKeyId']}", json={"displayName": "dup"})
    assert r.status_code == 409
    # renaming a key to its own name is not a conflict
    r = api.patch(f"{KEYS}/{first['accessKeyId']}", json={"displayName": "dup"})
    assert r.status_code == 200


def test_display_names_are_unique_per_project_only(api: httpx.Client, emu: Emulator) -> None:
    other = emu.add_project("proj-2")
    with httpx.Client(transport=emu.transport, base_url=emu.base_url, auth=other) as theirs:
        r = theirs.post("/v1/projects/proj-2/accessKeys", json={"displayName": "same"})
        assert r.status_code == 200
    assert api.post(KEYS, json={"displayName": "same"}).status_code == 200


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'"displayName"',
        b"{}",
        b'{"displayName": ""}',
        b'{"displayName": "   "}',
        b'{"displayName": null}',
        b'{"displayName": 5}',
    ],
)
@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_invalid_bodies_are_400(
    api: httpx.Client, emu: Emulator, method: str, content: bytes
) -> None:
    path = KEYS if method == "POST" else f"{KEYS}/{emu.key_id}"
    r = api.request(method, path, content=content, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert error_of(r)["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_unknown_key_is_404(api: httpx.Client, method: str) -> None:
    r = api.request(method, f"{KEYS}/no-such-key", json={"displayName": "x"})
    assert r.status_code == 404
    assert error_of(r)["status"] == "NOT_FOUND"


def test_path_segments_are_decoded_one_by_one(clock: Clock) -> None:
    # An id holding "/" and "?" arrives as a%2Fb%3Fc and must stay one segment.
    emu = Emulator(project_id="p/1", key_id="a/b?c", key_secret="s", clock=clock)
    with httpx.Client(transport=emu.transport, base_url=emu.base_url, auth=("a/b?c", "s")) as api:
        r = api.get("/v1/projects/p%2F1/accessKeys/a%2Fb%3Fc")
        assert r.status_code == 200
        assert r.json()["accessKeyId"] == "a/b?c"
        assert api.get("/v1/projects/p%2F1/accessKeys/a/b").status_code == 404  # 2 segments
    seen = emu.requests[0]
    assert seen.raw_path == "/v1/projects/p%2F1/accessKeys/a%2Fb%3Fc"
    assert seen.path == "/v1/projects/p/1/accessKeys/a/b?c"
    assert seen.route == "get"
    assert emu.requests[1].route is None


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/v1/projects",
        "/v2/projects/proj-1/accessKeys",
        f"{KEYS}/x/y",
        f"{KEYS}/",
        "/v1/projects//accessKeys",
    ],
)
def test_unknown_routes_are_404(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404
    assert error_of(r)["status"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", KEYS, "GET, POST"),
        ("DELETE", KEYS, "GET, POST"),
        ("POST", f"{KEYS}/k", "GET, PATCH, DELETE"),
        ("PUT", f"{KEYS}/k", "GET, PATCH, DELETE"),
    ],
)
def test_wrong_method_is_405(api: httpx.Client, method: str, path: str, allow: str) -> None:
    r = api.request(method, path)
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    error_of(r)


def test_create_key_helper_applies_the_rules(emu: Emulator) -> None:
    key, secret = emu.create_key("helper")
    assert key["displayName"] == "helper"
    assert secret
    assert emu.requests == []
    with pytest.raises(Exception, match="already exists"):
        emu.create_key("helper")
