"""The emulator over real HTTP (uvicorn on loopback), faults carried out on the wire."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from sinch_keys.testing import Emulator, Fault, serve_emulator

from .conftest import KEY_ID, KEY_SECRET, KEYS, PROJECT, bearer, error_of

pytest.importorskip("uvicorn")


@pytest.fixture
def live() -> Iterator[tuple[Emulator, httpx.Client]]:
    emu = Emulator(project_id=PROJECT, key_id=KEY_ID, key_secret=KEY_SECRET, max_keys=1000)
    with (
        serve_emulator(emu) as base_url,
        httpx.Client(base_url=base_url, auth=(KEY_ID, KEY_SECRET), timeout=5.0) as client,
    ):
        yield emu, client


def test_serves_api_and_token_endpoint(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    assert str(client.base_url).startswith("http://127.0.0.1:")
    assert client.get(KEYS).json()["accessKeys"][0]["accessKeyId"] == KEY_ID
    r = client.post("/oauth2/token", data={"grant_type": "client_credentials"})
    value = r.json()["access_token"]
    created = client.post(KEYS, json={"displayName": "x"}, headers=bearer(value), auth=None)
    assert created.status_code == 200
    key_id = created.json()["accessKey"]["accessKeyId"]
    r = client.patch(f"{KEYS}/{key_id}", json={"displayName": "y"})
    assert r.json()["displayName"] == "y"
    assert client.delete(f"{KEYS}/{key_id}").status_code == 200
    assert [r.route for r in emu.requests] == ["list", "token", "create", "update", "delete"]


def test_errors_over_http(live: tuple[Emulator, httpx.Client]) -> None:
    _, client = live
    assert error_of(client.get(f"{KEYS}/missing"))["status"] == "NOT_FOUND"
    assert client.get("/nowhere").status_code == 404
    assert client.put(KEYS).status_code == 405
    assert client.get(KEYS, auth=("x", "y")).status_code == 401
    r = client.post(KEYS, content=b"{oops", headers={"content-type": "application/json"})
    assert error_of(r)["status"] == "INVALID_ARGUMENT"


def test_raw_path_survives_the_server(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    assert client.get(f"{KEYS}/a%2Fb").status_code == 404
    seen = emu.requests[-1]
    assert seen.raw_path == f"{KEYS}/a%2Fb"
    assert seen.path == f"{KEYS}/a/b"
    assert seen.route == "get"
    assert error_of(client.get(f"{KEYS}/a%2Fb"))["message"] == "Access Key a/b not found"


def test_status_fault_over_http(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    emu.faults.script("list", Fault(status=503, retry_after="2"))
    r = client.get(KEYS)
    assert (r.status_code, r.headers["retry-after"]) == (503, "2")
    assert error_of(r)["status"] == "UNAVAILABLE"
    assert emu.faults.counts == {"status_503": 1}


def test_drop_over_http(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    emu.faults.script("create", Fault(drop=True), Fault(drop=True, passthrough=True))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(KEYS, json={"displayName": "first"})
    assert len(emu.keys()) == 1
    with pytest.raises(httpx.RemoteProtocolError):
        client.post(KEYS, json={"displayName": "second"})
    assert "second" in [k["displayName"] for k in emu.keys()]  # created, response lost
    assert client.get(KEYS).status_code == 200  # the server lives on
    assert emu.faults.counts == {"drop": 2}
    assert emu.count("create") == 2


def test_latency_over_http_fires_a_client_read_timeout(
    live: tuple[Emulator, httpx.Client],
) -> None:
    emu, client = live
    emu.faults.script("list", Fault(latency=1.0))
    with pytest.raises(httpx.ReadTimeout):
        client.get(KEYS, timeout=0.2)
    emu.faults.script("list", Fault(latency=0.3, passthrough=True))
    started = time.monotonic()
    assert client.get(KEYS).status_code == 200
    assert time.monotonic() - started >= 0.3
    assert emu.faults.counts == {"latency": 2}


def test_a_slow_response_does_not_block_others(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    emu.faults.script("list", Fault(latency=2.0, passthrough=True))
    slow = threading.Thread(target=client.get, args=(KEYS,))
    slow.start()
    for _ in range(200):  # until the slow request is being held by the server
        if emu.count("list"):
            break
        time.sleep(0.01)
    with httpx.Client(base_url=client.base_url, auth=(KEY_ID, KEY_SECRET)) as other:
        assert other.get(f"{KEYS}/{KEY_ID}").status_code == 200
    assert slow.is_alive()  # answered while the slow one is still held: nothing waited on it
    slow.join()


@pytest.mark.timeout(15)  # a held response must not keep the server from stopping
def test_timeout_fault_over_http_holds_then_server_stops_fast() -> None:
    emu = Emulator(key_id="k", key_secret="s")
    with serve_emulator(emu) as base_url:
        emu.faults.script("list", Fault(timeout=True))
        with (
            httpx.Client(base_url=base_url, auth=("k", "s")) as client,
            pytest.raises(httpx.ReadTimeout),
        ):
            client.get("/v1/projects/proj-1/accessKeys", timeout=0.2)
    # leaving serve_emulator joined the server thread although the fault holds for 30 s


def test_malformed_and_body_faults_over_http(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    emu.faults.script("get", Fault(malformed=True), Fault(status=502, body=b"<html>bad</html>"))
    r = client.get(f"{KEYS}/{KEY_ID}")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    r = client.get(f"{KEYS}/{KEY_ID}")
    assert (r.status_code, r.content) == (502, b"<html>bad</html>")


def test_sixteen_threads_over_http(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                r = client.post(KEYS, json={"displayName": f"{n}-{i}"})
                assert r.status_code == 200
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(emu.keys()) == 161


def test_serve_emulator_makes_one_when_not_given() -> None:
    with serve_emulator() as base_url, httpx.Client(base_url=base_url) as client:
        assert client.get("/v1/projects/proj-1/accessKeys").status_code == 401


async def test_async_client_over_http(live: tuple[Emulator, httpx.Client]) -> None:
    emu, client = live
    async with httpx.AsyncClient(base_url=client.base_url, auth=(KEY_ID, KEY_SECRET)) as aclient:
        emu.faults.script("list", Fault(status=503))
        assert (await aclient.get(KEYS)).status_code == 503
        assert (await aclient.get(KEYS)).status_code == 200


def test_listening_socket_says_tcp_so_responses_are_not_delayed() -> None:
    # Regression: without proto=IPPROTO_TCP asyncio does not set TCP_NODELAY on accepted
    # sockets, and each keep-alive response waited ~40 ms (Nagle and a delayed ACK). The
    # speed itself is measured by the benchmarks, not asserted here.
    import socket

    from sinch_keys.testing._server import _listen

    sock = _listen("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
