"""Token endpoint, bearer and Basic auth, projects, keys as real credentials."""

from __future__ import annotations

import httpx
import pytest

from sinch_keys.testing import Emulator

from .conftest import KEYS, Clock, bearer, error_of, token


def test_token_endpoint_issues_a_bearer_token(http: httpx.Client, emu: Emulator) -> None:
    r = http.post(
        "/oauth2/token",
        auth=(emu.key_id, emu.key_secret),
        data={"grant_type": "client_credentials"},
    )
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3599
    assert emu.token_url == emu.base_url + "/oauth2/token"
    assert http.get(KEYS, headers=bearer(body["access_token"])).status_code == 200


def test_token_ttl_is_configurable(clock: Clock) -> None:
    emu = Emulator(token_ttl=60.0, clock=clock)
    with httpx.Client(transport=emu.transport, base_url=emu.base_url) as http:
        r = http.post(
            "/oauth2/token",
            auth=(emu.key_id, emu.key_secret),
            data={"grant_type": "client_credentials"},
        )
    assert r.json()["expires_in"] == 60


@pytest.mark.parametrize(
    "auth", [("boot-key", "wrong"), ("nobody", "boot-secret-0123456789"), None]
)
def test_token_endpoint_rejects_bad_credentials(
    http: httpx.Client, auth: tuple[str, str] | None
) -> None:
    r = http.post("/oauth2/token", auth=auth, data={"grant_type": "client_credentials"})
    assert r.status_code == 401
    assert error_of(r)["status"] == "UNAUTHENTICATED"
    assert r.headers["www-authenticate"].startswith("Basic")


@pytest.mark.parametrize("data", [{}, {"grant_type": "password"}])
def test_token_endpoint_needs_client_credentials_grant(
    http: httpx.Client, emu: Emulator, data: dict[str, str]
) -> None:
    r = http.post("/oauth2/token", auth=(emu.key_id, emu.key_secret), data=data)
    assert r.status_code == 400
    assert error_of(r)["status"] == "INVALID_ARGUMENT"


def test_token_endpoint_is_post_only(http: httpx.Client) -> None:
    r = http.get("/oauth2/token")
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


def test_expired_token_gets_401_saying_so(http: httpx.Client, emu: Emulator, clock: Clock) -> None:
    value = token(http, emu.key_id, emu.key_secret)
    clock.advance(3598)
    assert http.get(KEYS, headers=bearer(value)).status_code == 200
    clock.advance(1)
    r = http.get(KEYS, headers=bearer(value))
    assert r.status_code == 401
    assert error_of(r)["status"] == "UNAUTHENTICATED"
    assert r.headers["www-authenticate"] == (
        'Bearer error="invalid_token", error_description="The access token expired"'
    )


def test_expire_tokens_helper(http: httpx.Client, emu: Emulator) -> None:
    value = token(http, emu.key_id, emu.key_secret)
    emu.expire_tokens()
    r = http.get(KEYS, headers=bearer(value))
    assert "expired" in r.headers["www-authenticate"]


def test_unknown_token_gets_401_saying_so(http: httpx.Client) -> None:
    r = http.get(KEYS, headers=bearer("made-up"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == (
        'Bearer error="invalid_token", error_description="The access token is unknown"'
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Digest abc"},
        {"authorization": "Basic !!!"},
        {"authorization": "Bearer"},
    ],
)
def test_missing_or_unusable_auth_gets_401(http: httpx.Client, headers: dict[str, str]) -> None:
    r = http.get(KEYS, headers=headers)
    assert r.status_code == 401
    assert error_of(r)["status"] == "UNAUTHENTICATED"
    assert "www-authenticate" in r.headers


def test_basic_auth_with_a_wrong_secret_gets_401(http: httpx.Client, emu: Emulator) -> None:
    assert http.get(KEYS, auth=(emu.key_id, "nope")).status_code == 401
    assert http.get(KEYS, auth=(emu.key_id, emu.key_secret)).status_code == 200


def test_a_key_only_reaches_its_own_project(http: httpx.Client, emu: Emulator) -> None:
    other_id, other_secret = emu.add_project("proj-2")
    mine, theirs = (emu.key_id, emu.key_secret), (other_id, other_secret)
    assert http.get("/v1/projects/proj-2/accessKeys", auth=theirs).status_code == 200
    for path in ("/v1/projects/proj-2/accessKeys", f"/v1/projects/proj-2/accessKeys/{other_id}"):
        r = http.get(path, auth=mine)
        assert r.status_code == 403
        assert error_of(r)["status"] == "PERMISSION_DENIED"
    r = http.delete(f"{KEYS}/{emu.key_id}", headers=bearer(token(http, *theirs)))
    assert r.status_code == 403
    assert http.get("/v1/projects/no-such-project/accessKeys", auth=mine).status_code == 403
    assert [k["accessKeyId"] for k in emu.keys("proj-2")] == [other_id]
    with pytest.raises(ValueError, match="exists"):
        emu.add_project("proj-2")


def test_created_keys_are_real_credentials(api: httpx.Client, http: httpx.Client) -> None:
    created = api.post(KEYS, json={"displayName": "ci"}).json()
    key_id, secret = created["accessKey"]["accessKeyId"], created["secret"]
    assert http.get(KEYS, auth=(key_id, secret)).status_code == 200
    value = token(http, key_id, secret)
    assert http.get(f"{KEYS}/{key_id}", headers=bearer(value)).status_code == 200


def test_a_deleted_key_and_its_tokens_stop_working_at_once(
    api: httpx.Client, http: httpx.Client
) -> None:
    created = api.post(KEYS, json={"displayName": "temp"}).json()
    key_id, secret = created["accessKey"]["accessKeyId"], created["secret"]
    value = token(http, key_id, secret)
    assert api.delete(f"{KEYS}/{key_id}").status_code == 200
    assert http.get(KEYS, auth=(key_id, secret)).status_code == 401
    r = http.get(KEYS, headers=bearer(value))
    assert r.status_code == 401
    assert "invalid_token" in r.headers["www-authenticate"]
    assert (
        http.post(
            "/oauth2/token", auth=(key_id, secret), data={"grant_type": "client_credentials"}
        ).status_code
        == 401
    )


def test_self_delete_is_allowed_and_takes_effect(http: httpx.Client, emu: Emulator) -> None:
    value = token(http, emu.key_id, emu.key_secret)
    r = http.delete(f"{KEYS}/{emu.key_id}", headers=bearer(value))
    assert r.status_code == 200
    assert r.json() == {}
    assert emu.keys() == []
    assert http.get(KEYS, headers=bearer(value)).status_code == 401
    assert http.get(KEYS, auth=(emu.key_id, emu.key_secret)).status_code == 401


def test_seed_makes_credentials_reproducible(clock: Clock) -> None:
    a, b = Emulator(seed=5, clock=clock), Emulator(seed=5, clock=clock)
    assert (a.key_id, a.key_secret) == (b.key_id, b.key_secret)
    assert a.key_id != Emulator(seed=6).key_id
    assert Emulator().key_secret != Emulator().key_secret
