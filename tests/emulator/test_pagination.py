"""Listing: page sizes, opaque keyset page tokens, stable order under create/delete."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest

from sinch_keys.testing import Emulator

from .conftest import Clock, error_of


def make(
    clock: Clock, n: int, max_keys: int = 5000, seed: int = 1
) -> tuple[Emulator, httpx.Client]:
    emu = Emulator(project_id="p", max_keys=max_keys, clock=clock, seed=seed)
    for i in range(n - 1):
        emu.create_key(f"k{i:04}")
    client = httpx.Client(
        transport=emu.transport, base_url=emu.base_url, auth=(emu.key_id, emu.key_secret)
    )
    return emu, client


def ids(page: dict[str, Any]) -> list[str]:
    return [k["accessKeyId"] for k in page["accessKeys"]]


def walk(client: httpx.Client, page_size: int) -> list[str]:
    seen: list[str] = []
    token = ""
    while True:
        params: dict[str, str | int] = {"pageSize": page_size}
        if token:
            params["pageToken"] = token
        page = client.get("/v1/projects/p/accessKeys", params=params).json()
        seen += ids(page)
        token = page["nextPageToken"]
        if not token:
            return seen


def test_default_page_size_is_100(clock: Clock) -> None:
    _emu, client = make(clock, 150)
    with client:
        page = client.get("/v1/projects/p/accessKeys").json()
        assert len(page["accessKeys"]) == 100
        assert page["nextPageToken"]
        rest = client.get("/v1/projects/p/accessKeys", params={"pageToken": page["nextPageToken"]})
        assert len(rest.json()["accessKeys"]) == 50
        assert rest.json()["nextPageToken"] == ""


def test_last_page_has_an_empty_token_and_no_trailing_empty_page(clock: Clock) -> None:
    emu, client = make(clock, 6)
    with client:
        first = client.get("/v1/projects/p/accessKeys", params={"pageSize": 3}).json()
        second = client.get(
            "/v1/projects/p/accessKeys", params={"pageSize": 3, "pageToken": first["nextPageToken"]}
        ).json()
        assert len(second["accessKeys"]) == 3
        assert second["nextPageToken"] == ""
        assert walk(client, 1000) == [k["accessKeyId"] for k in emu.keys()]


def test_order_is_create_time_then_id(clock: Clock) -> None:
    # a frozen clock: every key has the same createTime, so the id breaks the tie
    emu, client = make(clock, 8)
    clock.advance(-10)
    early, _ = emu.create_key("earlier")
    with client:
        listed = walk(client, 3)
    same_time = sorted(k for k in listed if k != early["accessKeyId"])
    assert listed == [early["accessKeyId"], *same_time]


@pytest.mark.parametrize("value", ["0", "1001", "-1", "abc", "1.5", "", "+5", "1_0", " "])
def test_bad_page_size_is_400(clock: Clock, value: str) -> None:
    _, client = make(clock, 1)
    with client:
        r = client.get("/v1/projects/p/accessKeys", params={"pageSize": value})
    assert r.status_code == 400
    assert error_of(r)["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("value", ["1", "1000"])
def test_page_size_bounds_are_inclusive(clock: Clock, value: str) -> None:
    _, client = make(clock, 1)
    with client:
        assert (
            client.get("/v1/projects/p/accessKeys", params={"pageSize": value}).status_code == 200
        )


def test_unknown_or_tampered_page_tokens_are_400(clock: Clock) -> None:
    _emu, client = make(clock, 3)
    with client:
        good = client.get("/v1/projects/p/accessKeys", params={"pageSize": 1}).json()
        token = good["nextPageToken"]
        for bad in ["nope", "a.b", token[:-2] + "xx", "x" + token, "é"]:
            r = client.get("/v1/projects/p/accessKeys", params={"pageToken": bad})
            assert r.status_code == 400, bad
            assert error_of(r)["status"] == "INVALID_ARGUMENT"
        # another emulator's token is unknown here (same seed: same signing key, by design)
        _other, other_client = make(clock, 3, seed=2)
        with other_client:
            foreign = other_client.get("/v1/projects/p/accessKeys", params={"pageSize": 1})
        r = client.get(
            "/v1/projects/p/accessKeys", params={"pageToken": foreign.json()["nextPageToken"]}
        )
        assert r.status_code == 400


def test_page_token_of_another_project_is_400(clock: Clock) -> None:
    emu = Emulator(project_id="p", clock=clock)
    emu.create_key("x")
    other = emu.add_project("q")
    emu.create_key("y", project_id="q")
    with httpx.Client(transport=emu.transport, base_url=emu.base_url) as http:
        page = http.get("/v1/projects/q/accessKeys", params={"pageSize": 1}, auth=other).json()
        r = http.get(
            "/v1/projects/p/accessKeys",
            params={"pageToken": page["nextPageToken"]},
            auth=(emu.key_id, emu.key_secret),
        )
    assert r.status_code == 400


def test_expired_page_token_is_400(clock: Clock) -> None:
    _emu, client = make(clock, 3)
    with client:
        token = client.get("/v1/projects/p/accessKeys", params={"pageSize": 1}).json()[
            "nextPageToken"
        ]
        clock.advance(3599)
        assert (
            client.get("/v1/projects/p/accessKeys", params={"pageToken": token}).status_code == 200
        )
        clock.advance(1)
        r = client.get("/v1/projects/p/accessKeys", params={"pageToken": token})
        assert r.status_code == 400
        assert "expired" in str(error_of(r)["message"])


@pytest.mark.parametrize("seed", range(20))
def test_create_and_delete_between_pages_never_skip_or_repeat(clock: Clock, seed: int) -> None:
    rng = random.Random(seed)
    emu, client = make(clock, rng.randint(1, 40))
    page_size = rng.randint(1, 7)
    with client:
        before = {k["accessKeyId"] for k in emu.keys("p")}
        deleted: set[str] = set()
        seen: list[str] = []
        params: dict[str, str | int] = {"pageSize": page_size}
        for pages in range(1000):
            page = client.get("/v1/projects/p/accessKeys", params=params).json()
            seen += ids(page)
            params["pageToken"] = page["nextPageToken"]
            if not page["nextPageToken"]:
                break
            if pages > 6:  # stop mutating, or creating could outpace reading forever
                continue
            # between pages: create some keys (some at an equal createTime) and delete some,
            # including, sometimes, the key the cursor points at
            for _ in range(rng.randint(0, 3)):
                clock.advance(rng.choice([0.0, 0.001]))
                emu.create_key(f"new-{rng.random()}", project_id="p")
            remaining = [k["accessKeyId"] for k in emu.keys("p") if k["accessKeyId"] != emu.key_id]
            for key_id in rng.sample(remaining, min(len(remaining), rng.randint(0, 2))):
                assert client.delete(f"/v1/projects/p/accessKeys/{key_id}").status_code == 200
                deleted.add(key_id)
        else:
            pytest.fail("pagination did not end")
    assert len(seen) == len(set(seen)), "a key was repeated"
    stayed = before - deleted
    assert stayed <= set(seen), "a key that stayed was skipped"
