"""Fault injection in process: every fault kind, scripting, random mode, counts."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from sinch_keys.testing import Emulator, Fault

from .conftest import KEYS, error_of


def test_status_fault_with_retry_after(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("list", Fault(status=429, retry_after="7"))
    r = api.get(KEYS)
    assert r.status_code == 429
    assert r.headers["retry-after"] == "7"
    assert error_of(r)["status"] == "RESOURCE_EXHAUSTED"
    assert api.get(KEYS).status_code == 200  # only the next request was faulted
    assert emu.faults.counts == {"status_429": 1}


def test_default_fault_is_503_unavailable(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("get", Fault())
    r = api.get(f"{KEYS}/{emu.key_id}")
    assert r.status_code == 503
    assert error_of(r)["status"] == "UNAVAILABLE"


def test_scripted_faults_apply_in_order_then_stop(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("create", Fault(status=500), Fault(status=503), Fault(status=429))
    assert emu.faults.pending("create") == 3
    statuses = [api.post(KEYS, json={"displayName": "x"}).status_code for _ in range(4)]
    assert statuses == [500, 503, 429, 200]
    assert emu.count("create") == 4
    assert len(emu.keys()) == 2  # faults without passthrough perform nothing
    assert emu.faults.counts == {"status_500": 1, "status_503": 1, "status_429": 1}


def test_faults_are_per_route(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("delete", Fault(status=500))
    assert api.get(KEYS).status_code == 200
    assert api.delete(f"{KEYS}/nope").status_code == 500


def test_drop_raises_remote_protocol_error_and_performs_nothing(
    api: httpx.Client, emu: Emulator
) -> None:
    emu.faults.script("create", Fault(drop=True))
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(KEYS, json={"displayName": "lost"})
    assert [k["displayName"] for k in emu.keys()] == ["Bootstrap key"]
    assert emu.faults.counts == {"drop": 1}
    assert emu.requests[-1].fault == "drop"


def test_drop_with_passthrough_creates_the_key_then_loses_the_response(
    api: httpx.Client, emu: Emulator
) -> None:
    emu.faults.script("create", Fault(drop=True, passthrough=True))
    with pytest.raises(httpx.RemoteProtocolError):
        api.post(KEYS, json={"displayName": "outcome unknown"})
    assert "outcome unknown" in [k["displayName"] for k in emu.keys()]
    # the retry finds the key already there
    assert api.post(KEYS, json={"displayName": "outcome unknown"}).status_code == 409


def test_timeout_raises_read_timeout(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("create", Fault(timeout=True), Fault(timeout=True, passthrough=True))
    with pytest.raises(httpx.ReadTimeout):
        api.post(KEYS, json={"displayName": "a"})
    assert len(emu.keys()) == 1
    with pytest.raises(httpx.ReadTimeout):
        api.post(KEYS, json={"displayName": "b"})
    assert "b" in [k["displayName"] for k in emu.keys()]
    assert emu.faults.counts == {"timeout": 2}


def test_latency_sleeps_then_responds(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("list", Fault(latency=0.2), Fault(latency=0.2, passthrough=True))
    started = time.monotonic()
    assert api.get(KEYS).status_code == 503  # the fault's own status after the delay
    assert api.get(KEYS).status_code == 200  # the real response, late
    assert time.monotonic() - started >= 0.4
    assert emu.faults.counts == {"latency": 2}


def test_status_with_passthrough_performs_the_operation(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("delete", Fault(status=500, passthrough=True))
    assert api.delete(f"{KEYS}/{emu.key_id}").status_code == 500
    assert emu.keys() == []


def test_passthrough_headers_are_added_to_the_real_response(
    api: httpx.Client, emu: Emulator
) -> None:
    emu.faults.script("list", Fault(passthrough=True, retry_after=3, headers={"X-Extra": "1"}))
    r = api.get(KEYS)
    assert r.status_code == 200
    assert (r.headers["retry-after"], r.headers["x-extra"]) == ("3", "1")
    assert r.json()["accessKeys"]
    assert emu.faults.counts == {"passthrough": 1}


def test_malformed_body_is_not_json(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("get", Fault(malformed=True), Fault(malformed=True, status=503))
    r = api.get(f"{KEYS}/{emu.key_id}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        r.json()
    assert api.get(f"{KEYS}/{emu.key_id}").status_code == 503
    assert emu.faults.counts == {"malformed": 2}


@pytest.mark.parametrize(
    ("body", "content"),
    [({"odd": True}, b'{"odd": true}'), (b"<html>", b"<html>"), ("[]", b"[]")],
)
def test_body_fault_sends_the_given_body(
    api: httpx.Client, emu: Emulator, body: object, content: bytes
) -> None:
    emu.faults.script("get", Fault(body=body))
    r = api.get(f"{KEYS}/{emu.key_id}")
    assert (r.status_code, r.content) == (200, content)


def test_faults_apply_to_the_token_route(http: httpx.Client, emu: Emulator) -> None:
    emu.faults.script("token", Fault(status=500))
    data = {"grant_type": "client_credentials"}
    creds = (emu.key_id, emu.key_secret)
    assert http.post("/oauth2/token", auth=creds, data=data).status_code == 500
    assert http.post("/oauth2/token", auth=creds, data=data).status_code == 200
    assert emu.count("token") == 2


def test_faults_come_before_auth(http: httpx.Client, emu: Emulator) -> None:
    # as a load balancer's 503 would: the fault does not depend on the credentials
    emu.faults.script("list", Fault(status=503))
    assert http.get(KEYS).status_code == 503


def test_random_faults_are_seeded_and_counted(emu: Emulator) -> None:
    def run() -> tuple[list[int | str], dict[str, int]]:
        e = Emulator(key_id="k", key_secret="s")
        e.faults.random(seed=42, probabilities={"status_503": 0.2, "drop": 0.1})
        out: list[int | str] = []
        with httpx.Client(transport=e.transport, base_url=e.base_url, auth=("k", "s")) as c:
            for _ in range(200):
                try:
                    out.append(c.get("/v1/projects/proj-1/accessKeys").status_code)
                except httpx.RemoteProtocolError:
                    out.append("drop")
        return out, dict(e.faults.counts)

    first, counts = run()
    assert run() == (first, counts)
    assert counts["status_503"] == first.count(503) > 10
    assert counts["drop"] == first.count("drop") > 5
    assert first.count(200) > 100


def test_random_faults_respect_routes_and_clear(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.random(seed=0, probabilities={"status_500": 1.0}, routes=["get"])
    assert api.get(KEYS).status_code == 200
    assert api.get(f"{KEYS}/{emu.key_id}").status_code == 500
    emu.faults.script("get", Fault(status=418))  # scripted faults win over random ones
    assert api.get(f"{KEYS}/{emu.key_id}").status_code == 418
    emu.faults.clear()
    assert api.get(f"{KEYS}/{emu.key_id}").status_code == 200
    assert emu.faults.counts == {"status_500": 1, "status_418": 1}  # clear keeps counts


def test_random_latency_is_a_slow_real_response(api: httpx.Client, emu: Emulator) -> None:
    emu.faults.random(seed=0, probabilities={"latency": 1.0}, latency=0.01)
    assert api.get(KEYS).status_code == 200
    assert emu.faults.counts == {"latency": 1}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"probabilities": {"explode": 0.1}},
        {"probabilities": {"drop": 1.5}},
        {"probabilities": {"drop": 0.6, "timeout": 0.6}},
        {"routes": ["nope"]},
    ],
)
def test_random_mode_validates(emu: Emulator, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        emu.faults.random(**kwargs)  # type: ignore[arg-type]


def test_script_validates(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown route"):
        emu.faults.script("lists", Fault())
    with pytest.raises(TypeError):
        emu.faults.script("list", 503)  # type: ignore[arg-type]


async def test_async_transport_carries_out_faults(emu: Emulator) -> None:
    emu.faults.script(
        "list",
        Fault(status=503, retry_after="1"),
        Fault(drop=True),
        Fault(timeout=True),
        Fault(latency=0.05, passthrough=True),
        Fault(malformed=True),
    )
    async with httpx.AsyncClient(
        transport=emu.async_transport, base_url=emu.base_url, auth=(emu.key_id, emu.key_secret)
    ) as client:
        r = await client.get(KEYS)
        assert (r.status_code, r.headers["retry-after"]) == (503, "1")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(KEYS)
        with pytest.raises(httpx.ReadTimeout):
            await client.get(KEYS)
        assert (await client.get(KEYS)).status_code == 200
        with pytest.raises(ValueError):
            (await client.get(KEYS)).json()
        assert (await client.get(KEYS)).status_code == 200
    assert emu.count("list") == 6
    assert emu.faults.counts == {
        "status_503": 1,
        "drop": 1,
        "timeout": 1,
        "latency": 1,
        "malformed": 1,
    }
