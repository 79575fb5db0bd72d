"""The sample project's tests. ``ci_keys`` runs unchanged: every client it builds reaches the
emulator through the sinch-keys pytest fixtures or ``emulated()``, nothing else."""

from __future__ import annotations

import asyncio

import pytest

from sinch_keys import (
    AsyncSinchKeys,
    BadRequestError,
    CreateOutcomeUnknownError,
    SinchKeys,
)
from sinch_keys.testing import Emulator, Fault, current_emulator, emulated
from tests.sample_user_app import ci_keys


def test_provision_returns_a_key_that_signs_in(sinch_keys_emulator: Emulator) -> None:
    key_id, secret = ci_keys.provision("deploy")
    with SinchKeys(key_id=key_id, key_secret=secret) as as_the_new_key:
        assert as_the_new_key.access_keys.get(key_id).display_name == "ci: deploy"
    assert sinch_keys_emulator.requests[-1].key_id == key_id


def test_provision_is_retried_after_a_503_and_creates_one_key(
    sinch_keys_emulator: Emulator, sinch_keys_client: SinchKeys
) -> None:
    sinch_keys_emulator.faults.script("create", Fault(status=503))
    ci_keys.provision("deploy")
    assert sinch_keys_emulator.count("create") == 2
    names = [key.display_name for key in sinch_keys_client.access_keys.list()]
    assert names.count("ci: deploy") == 1


def test_provision_after_a_500_says_the_outcome_is_unknown(sinch_keys_emulator: Emulator) -> None:
    sinch_keys_emulator.faults.script("create", Fault(status=500))
    with pytest.raises(CreateOutcomeUnknownError) as caught:
        ci_keys.provision("deploy")
    assert caught.value.access_key is None  # the 500 came before anything was created
    assert sinch_keys_emulator.count("create") == 1


@pytest.mark.sinch_keys_emulator(project_id="proj-small", max_keys=2)
def test_provision_at_the_key_limit_fails_cleanly(sinch_keys_emulator: Emulator) -> None:
    ci_keys.provision("first")
    with pytest.raises(BadRequestError) as caught:
        ci_keys.provision("second")
    assert caught.value.status == "FAILED_PRECONDITION"
    assert sinch_keys_emulator.project_id == "proj-small"
    assert len(sinch_keys_emulator.keys()) == 2


def test_provision_all_from_worker_threads(sinch_keys_emulator: Emulator) -> None:
    pipelines = ["build", "deploy", "nightly", "docs", "release"]
    ids = ci_keys.provision_all(pipelines)
    stored = {key["accessKeyId"]: key["displayName"] for key in sinch_keys_emulator.keys()}
    assert {stored[ids[name]] for name in pipelines} == {f"ci: {name}" for name in pipelines}


def test_retire_all_keeps_the_key_the_service_runs_on(sinch_keys_client: SinchKeys) -> None:
    keys = sinch_keys_client.access_keys
    own = sinch_keys_client.key_id
    assert own is not None
    keys.update(own, display_name="ci: the service itself")
    made = [keys.create(display_name=f"ci: {n}").access_key.access_key_id for n in "ab"]
    keys.create(display_name="not ci")
    assert sorted(ci_keys.retire_all()) == sorted(made)
    assert sorted(key.display_name for key in keys.list()) == ["ci: the service itself", "not ci"]


async def test_inventory_lists_every_key(async_sinch_keys_client: AsyncSinchKeys) -> None:
    created = await async_sinch_keys_client.access_keys.create(display_name="ci: async")
    inventory = await ci_keys.inventory()
    assert inventory[created.access_key.access_key_id] == "ci: async"
    assert len(inventory) == 2


@emulated(project_id="proj-decorated", seed=5)
def test_inventory_under_the_decorator() -> None:
    current_emulator().create_key("ci: nightly")
    assert sorted(asyncio.run(ci_keys.inventory()).values()) == ["Bootstrap key", "ci: nightly"]


def test_provision_in_an_emulated_block() -> None:
    with emulated(project_id="proj-block") as emu:
        key_id, _ = ci_keys.provision("block")
    assert emu.keys()[-1] == {**emu.keys()[-1], "accessKeyId": key_id, "displayName": "ci: block"}
