"""Key rotation: create the new key, prove it works, only then delete the old one; any
failure leaves the account's keys exactly as they were."""

from __future__ import annotations

import httpx
import pytest

from sinch_keys import AsyncSinchKeys, RotationError, SinchKeys
from sinch_keys.testing import Emulator, Fault

from .conftest import client_kwargs


def key_ids(emu: Emulator) -> set[str]:
    return {k["accessKeyId"] for k in emu.keys()}


def works(emu: Emulator, key_id: str, secret: str) -> bool:
    with SinchKeys(
        **client_kwargs(emu, key_id=key_id, key_secret=secret),
        http_client=httpx.Client(transport=emu.transport),
    ) as client:
        return client.access_keys.get(key_id).access_key_id == key_id


@pytest.mark.parametrize("auth", ["oauth2", "basic"])
def test_rotation_replaces_the_key(emu: Emulator, auth: str) -> None:
    with SinchKeys(
        **client_kwargs(emu), auth=auth, http_client=httpx.Client(transport=emu.transport)
    ) as client:
        old = client.access_keys.create(display_name="deploy").access_key
        new = client.access_keys.rotate(old.access_key_id)
    assert key_ids(emu) == {emu.key_id, new.access_key.access_key_id}
    assert new.access_key.display_name.startswith("deploy (rotated ")
    assert works(emu, new.access_key.access_key_id, new.secret.get_secret_value())
    verify = [r for r in emu.requests if r.route == "get"][-1]
    assert verify.key_id == new.access_key.access_key_id  # proven with the new credentials


def test_rotation_with_a_new_name(client: SinchKeys, emu: Emulator) -> None:
    old = client.access_keys.create(display_name="deploy").access_key
    new = client.access_keys.rotate(old.access_key_id, display_name="deploy v2")
    assert new.access_key.display_name == "deploy v2"


def test_own_key_needs_explicit_consent_then_client_switches(
    client: SinchKeys, emu: Emulator
) -> None:
    with pytest.raises(RotationError) as info:
        client.access_keys.rotate(emu.key_id)
    assert info.value.step == "preflight"
    assert "allow_self_rotation" in str(info.value)
    assert emu.requests == []
    new = client.access_keys.rotate(emu.key_id, allow_self_rotation=True)
    assert key_ids(emu) == {new.access_key.access_key_id}
    assert client.key_id == new.access_key.access_key_id
    assert client.access_keys.get(new.access_key.access_key_id)  # works on the new key


def test_at_the_key_limit_nothing_changes(client: SinchKeys, emu: Emulator) -> None:
    made = [client.access_keys.create(display_name=f"k{n}").access_key for n in range(9)]
    before = key_ids(emu)
    creates = emu.count("create")
    with pytest.raises(RotationError) as info:
        client.access_keys.rotate(made[0].access_key_id)
    assert info.value.step == "preflight"
    assert "limit is 10" in str(info.value)
    assert key_ids(emu) == before
    assert emu.count("create") == creates


def test_create_step_failure(client: SinchKeys, emu: Emulator) -> None:
    old = client.access_keys.create(display_name="deploy").access_key
    client.access_keys.create(display_name="taken")
    before = key_ids(emu)
    with pytest.raises(RotationError) as info:
        client.access_keys.rotate(old.access_key_id, display_name="taken")
    assert info.value.step == "create"
    assert key_ids(emu) == before


def test_create_step_outcome_unknown_removes_the_orphan(client: SinchKeys, emu: Emulator) -> None:
    old = client.access_keys.create(display_name="deploy").access_key
    before = key_ids(emu)
    emu.faults.script("create", Fault(drop=True, passthrough=True))
    with pytest.raises(RotationError) as info:
        client.access_keys.rotate(old.access_key_id)
    assert info.value.step == "create"
    assert info.value.new_key_deleted
    assert key_ids(emu) == before


@pytest.mark.parametrize(
    ("step", "route", "faults"),
    [
        ("token", "token", [Fault(status=401)]),
        ("verify", "get", [Fault(passthrough=True), Fault(status=403)]),
        ("delete_old", "delete", [Fault(status=403)]),
    ],
)
def test_later_step_failures_delete_the_new_key(
    client: SinchKeys, emu: Emulator, step: str, route: str, faults: list[Fault]
) -> None:
    old = client.access_keys.create(display_name="deploy").access_key
    before = key_ids(emu)
    emu.faults.script(route, *faults)
    with pytest.raises(RotationError) as info:
        client.access_keys.rotate(old.access_key_id)
    assert info.value.step == step
    assert info.value.new_key_deleted
    assert "old key is untouched" in str(info.value)
    assert key_ids(emu) == before


async def test_async_rotation_and_failure(aclient: AsyncSinchKeys, emu: Emulator) -> None:
    old = (await aclient.access_keys.create(display_name="deploy")).access_key
    new = await aclient.access_keys.rotate(old.access_key_id)
    assert key_ids(emu) == {emu.key_id, new.access_key.access_key_id}
    emu.faults.script("get", Fault(passthrough=True), Fault(status=403))
    with pytest.raises(RotationError) as info:
        await aclient.access_keys.rotate(new.access_key.access_key_id)
    assert info.value.step == "verify"
    assert key_ids(emu) == {emu.key_id, new.access_key.access_key_id}
