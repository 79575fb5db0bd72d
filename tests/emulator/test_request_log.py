"""The request log, and thread safety."""

from __future__ import annotations

import threading

import httpx

from sinch_keys.testing import Emulator, Fault, RecordedRequest

from .conftest import KEYS, bearer, token


def test_every_request_is_logged(http: httpx.Client, emu: Emulator) -> None:
    value = token(http, emu.key_id, emu.key_secret)
    http.get(KEYS, params={"pageSize": "5", "x": ["a b", "c"]}, headers=bearer(value))
    http.post(KEYS, json={"displayName": "n"}, auth=(emu.key_id, emu.key_secret))
    emu.faults.script("get", Fault(status=503))
    http.get(f"{KEYS}/k")
    http.get("/nowhere?q=1")
    first, listed, created, faulted, unrouted = emu.requests
    assert first == RecordedRequest(
        method="POST",
        path="/oauth2/token",
        raw_path="/oauth2/token",
        query={},
        raw_query="",
        route="token",
        auth="basic",
        key_id=emu.key_id,
        status=200,
    )
    assert first.body == b"grant_type=client_credentials"
    assert (listed.route, listed.auth, listed.key_id, listed.status) == (
        "list",
        "bearer",
        emu.key_id,
        200,
    )
    assert listed.query == {"pageSize": ["5"], "x": ["a b", "c"]}
    assert listed.raw_query == "pageSize=5&x=a+b&x=c"
    assert listed.headers["authorization"] == f"Bearer {value}"
    assert (created.route, created.auth, created.body) == (
        "create",
        "basic",
        b'{"displayName":"n"}',
    )
    assert (faulted.route, faulted.status, faulted.fault, faulted.auth) == (
        "get",
        503,
        "status_503",
        None,
    )
    assert (unrouted.route, unrouted.status, unrouted.query) == (None, 404, {"q": ["1"]})
    assert [emu.count(r) for r in ("token", "list", "create", "get", "update")] == [1, 1, 1, 1, 0]


def test_failed_auth_is_logged_with_the_presented_key(http: httpx.Client, emu: Emulator) -> None:
    http.get(KEYS, auth=("someone", "wrong"))
    http.get(KEYS, headers=bearer("bogus"))
    basic, bad_bearer = emu.requests
    assert (basic.auth, basic.key_id, basic.status) == ("basic", "someone", 401)
    assert (bad_bearer.auth, bad_bearer.key_id, bad_bearer.status) == ("bearer", None, 401)


def test_request_log_can_be_cleared(api: httpx.Client, emu: Emulator) -> None:
    api.get(KEYS)
    emu.requests.clear()
    assert emu.count("list") == 0


def test_sixteen_threads_at_once(clock: object) -> None:
    emu = Emulator(key_id="k", key_secret="s", max_keys=10_000)
    errors: list[BaseException] = []
    created: list[str] = []

    def work(n: int) -> None:
        try:
            with httpx.Client(transport=emu.transport, base_url=emu.base_url, auth=("k", "s")) as c:
                for i in range(25):
                    r = c.post("/v1/projects/proj-1/accessKeys", json={"displayName": f"{n}-{i}"})
                    assert r.status_code == 200
                    created.append(r.json()["accessKey"]["accessKeyId"])
                    assert c.get("/v1/projects/proj-1/accessKeys").status_code == 200
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(created)) == 16 * 25
    assert len(emu.keys()) == 16 * 25 + 1
    assert emu.count("create") == emu.count("list") == 400
