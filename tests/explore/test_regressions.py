"""Each reproduction of the safety issue, as a test against the emulator's ground truth.

Deterministic: the explorer's world (one fake clock for the emulator and the client, moved
only by the client's sleeps), sync and async. Every check reads what the emulator applied
(``emu.writes``, its keys, which credentials work), not what the SDK said.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sinch_keys import (
    APIResponseValidationError,
    AsyncSinchKeys,
    CreatedAccessKey,
    CreateOutcomeUnknownError,
    InternalServerError,
    RotationError,
    SinchKeys,
    SinchKeysError,
)
from sinch_keys.testing import Fault
from tests.explore.explorer import (
    BOOT_ID,
    CLAIMS_NOTHING_CREATED,
    OPERATIONS,
    PROJECT,
    Harness,
    World,
)

FLAVOURS = ["sync", "async"]


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    h = Harness()
    yield h
    h.close()


def world(harness: Harness, op: str, flavour: str, warm: bool = True) -> World:
    return harness.world(OPERATIONS[op], flavour, warm)


def outcome_of(w: World, call: Any) -> Any:
    try:
        return w.run(call)
    except SinchKeysError as exc:
        return exc


def created_during(w: World) -> list[str]:
    w.emu.settle()
    return [wr.key_id for wr in w.writes("create")]


# -- rotation never loses both keys ----------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_old_key_deleted_but_answer_lost_then_503s_completes_the_rotation(
    harness: Harness, flavour: str
) -> None:
    """Was: RotationError('delete_old', new_key_deleted=True), 'old key is untouched', and
    neither key existed afterwards."""
    w = world(harness, "rotate", flavour)
    w.emu.faults.script(
        "delete", Fault(drop=True, passthrough=True), Fault(status=503), Fault(status=503)
    )
    result = outcome_of(w, lambda keys: keys.rotate(w.target_id))
    assert isinstance(result, CreatedAccessKey), result
    new_id = result.access_key.access_key_id
    assert w.target_id not in w.key_ids()  # the delete did happen
    assert new_id in w.key_ids()
    assert w.emu.credentials_work(new_id, result.secret.get_secret_value())
    assert created_during(w) == [new_id]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_self_rotation_whose_delete_answer_is_lost_switches_to_the_new_key(
    harness: Harness, flavour: str
) -> None:
    """Was (max_retries=0): the old key gone, the new one alive but its secret returned
    nowhere, and the client locked out."""
    w = world(harness, "self_rotate", flavour)
    w.emu.faults.script("delete", Fault(drop=True, passthrough=True))
    result = outcome_of(
        w,
        lambda keys: keys.rotate(w.target_id, allow_self_rotation=True, max_retries=0),
    )
    assert isinstance(result, CreatedAccessKey), result
    assert w.target_id not in w.key_ids()
    assert w.client.key_id == result.access_key.access_key_id
    secret = w.client._key_secret.get_secret_value()
    assert w.emu.credentials_work(w.client.key_id, secret)
    assert w.run(lambda keys: keys.get(w.client.key_id)).access_key_id == w.client.key_id


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_delete_old_fails_and_the_old_key_still_exists_rolls_back(
    harness: Harness, flavour: str
) -> None:
    w = world(harness, "rotate", flavour)
    before = w.key_ids()
    w.emu.faults.script("delete", *[Fault(status=503)] * 3)  # only delete_old's attempts
    result = outcome_of(w, lambda keys: keys.rotate(w.target_id))
    assert isinstance(result, RotationError)
    assert result.step == "delete_old"
    assert result.new_key_deleted
    assert result.new_secret is None
    assert w.key_ids() == before  # checked with a GET first: the old key is there
    assert "old key is untouched" in str(result)
    confirm = [r for r in w.requests() if r.route == "get"][-1]
    assert confirm.path.endswith(w.target_id)
    assert confirm.key_id == result.new_key_id  # asked with the new key's credentials


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_delete_of_the_old_key_that_lands_late_never_leaves_no_key(
    harness: Harness, flavour: str
) -> None:
    """Found by the explorer ([#5 503, #6 503, #7 applied_late]): the GET after the failed
    delete saw the old key, the new key was rolled back, then the delete landed: no key."""
    w = world(harness, "rotate", flavour)
    w.emu.faults.script("delete", Fault(status=503), Fault(status=503), Fault(late=0.3))
    result = outcome_of(w, lambda keys: keys.rotate(w.target_id))
    assert isinstance(result, RotationError)
    assert result.step == "delete_old"
    assert "may yet take effect" in str(result)
    assert result.new_secret is not None
    w.emu.settle()  # the late delete lands
    assert w.target_id not in w.key_ids()
    assert w.emu.credentials_work(result.new_key_id, result.new_secret.get_secret_value())


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_old_key_state_unknown_keeps_the_new_key_and_hands_back_its_secret(
    harness: Harness, flavour: str
) -> None:
    w = world(harness, "rotate", flavour)
    w.emu.faults.script("delete", *[Fault(status=500)] * 3)
    # preflight and verify pass; the GET that checks the old key fails for good
    w.emu.faults.script("get", Fault(passthrough=True), Fault(passthrough=True))
    w.emu.faults.script("get", *[Fault(status=500)] * 3)
    result = outcome_of(w, lambda keys: keys.rotate(w.target_id))
    assert isinstance(result, RotationError)
    assert result.step == "confirm_old"
    assert not result.new_key_deleted
    assert result.new_key_id in w.key_ids()
    assert result.new_secret is not None
    assert w.emu.credentials_work(result.new_key_id, result.new_secret.get_secret_value())
    assert result.new_secret.get_secret_value() not in str(result)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_rollback_that_fails_hands_back_the_new_secret(harness: Harness, flavour: str) -> None:
    w = world(harness, "rotate", flavour)
    # verify fails for good, then the rollback delete fails for good
    w.emu.faults.script("get", Fault(passthrough=True), *[Fault(status=403)])
    w.emu.faults.script("delete", *[Fault(status=403)])
    result = outcome_of(w, lambda keys: keys.rotate(w.target_id))
    assert isinstance(result, RotationError)
    assert result.step == "verify"
    assert not result.new_key_deleted
    assert result.new_secret is not None
    assert w.emu.credentials_work(result.new_key_id, result.new_secret.get_secret_value())
    assert w.target_id in w.key_ids()


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_a_lookup_never_mistakes_an_existing_key_for_the_new_one(
    harness: Harness, flavour: str
) -> None:
    """A rotation whose create answer is lost must not delete a key that already had the
    chosen name (it existed before: the create's lost answer was a 409)."""
    w = world(harness, "rotate", flavour)
    existing, _ = w.emu.create_key("taken name")
    w.emu.faults.script("create", Fault(status=409, drop=True))
    result = outcome_of(w, lambda keys: keys.rotate(w.target_id, display_name="taken name"))
    assert isinstance(result, RotationError)
    assert existing["accessKeyId"] in w.key_ids()  # not "rolled back"
    assert result.new_key_id is None


# -- every walk ends ----------------------------------------------------------------------------


def page(next_token: str, *keys: dict[str, Any]) -> Fault:
    return Fault(body={"accessKeys": list(keys), "nextPageToken": next_token})


def key_json(w: World) -> dict[str, Any]:
    return w.emu.keys()[0]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("shape", ["A-B-A", "same-token", "fresh-empty-pages"])
def test_list_of_a_hostile_server_ends(harness: Harness, flavour: str, shape: str) -> None:
    w = world(harness, "get", flavour)
    one = key_json(w)
    if shape == "A-B-A":
        w.emu.faults.script("list", page("A", one), page("B", one), forever=True)
    elif shape == "same-token":
        w.emu.faults.script("list", page("A", one), forever=True)
    else:
        w.emu.faults.script("list", Fault(empty_page=True), forever=True)
    result = outcome_of(w, lambda keys: _all(keys.list(page_size=1)))
    assert isinstance(result, APIResponseValidationError), result
    assert len(w.requests()) <= 12


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_create_lookup_of_a_hostile_server_ends(harness: Harness, flavour: str) -> None:
    """Was: 16,000 list requests in 3 s, and counting."""
    w = world(harness, "create", flavour)
    w.emu.faults.script("create", Fault(status=500))
    w.emu.faults.script("list", Fault(empty_page=True), forever=True)
    result = outcome_of(w, lambda keys: keys.create(display_name="x"))
    assert isinstance(result, CreateOutcomeUnknownError), result
    assert isinstance(result.lookup_error, APIResponseValidationError)
    assert not CLAIMS_NOTHING_CREATED.search(str(result))
    assert len([r for r in w.requests() if r.route == "list"]) <= 4 * 16


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_rotation_preflight_of_a_hostile_server_ends(harness: Harness, flavour: str) -> None:
    w = world(harness, "rotate", flavour)
    one = key_json(w)
    w.emu.faults.script("list", page("A", one), page("B", one), forever=True)
    result = outcome_of(w, lambda keys: keys.rotate(w.target_id))
    assert isinstance(result, RotationError)
    assert result.step == "preflight"
    assert created_during(w) == []


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_own_walk_stops_at_the_page_count_ten_keys_allow(harness: Harness, flavour: str) -> None:
    """Fresh tokens, one key a page, forever: a project has at most 10 keys."""
    w = world(harness, "create", flavour)
    one = key_json(w)
    w.emu.faults.script("create", Fault(status=500))
    pages = [page(f"t{n}", one) for n in range(200)]
    w.emu.faults.script("list", *pages)
    result = outcome_of(w, lambda keys: keys.create(display_name="x"))
    assert isinstance(result, CreateOutcomeUnknownError)
    assert "more than a project's access keys can fill" in str(result.lookup_error)


def _all(pager: Any) -> Any:
    if hasattr(pager, "__aiter__"):

        async def collect() -> list[Any]:
            return [key async for key in pager]

        return collect()
    return list(pager)


# -- "none was created" is never said ----------------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_create_applied_after_the_client_timed_out_is_found_by_a_recheck(
    harness: Harness, flavour: str
) -> None:
    """Was: the lookup ran at once, found nothing, and said 'none was created'."""
    w = world(harness, "create", flavour)
    w.emu.faults.script("create", Fault(late=0.3))
    result = outcome_of(w, lambda keys: keys.create(display_name="late"))
    assert isinstance(result, CreateOutcomeUnknownError)
    [made] = created_during(w)
    assert result.access_key is not None
    assert result.access_key.access_key_id == made
    assert result.lookups == 2  # at once (nothing yet), then after the first recheck wait
    assert not CLAIMS_NOTHING_CREATED.search(str(result))


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_create_applied_long_after_every_recheck_is_reported_unknown(
    harness: Harness, flavour: str
) -> None:
    w = world(harness, "create", flavour)
    w.emu.faults.script("create", Fault(late=600.0))
    result = outcome_of(w, lambda keys: keys.create(display_name="very late"))
    assert isinstance(result, CreateOutcomeUnknownError)
    assert result.access_key is None
    assert "server may still apply it" in str(result)
    assert not CLAIMS_NOTHING_CREATED.search(str(result))
    assert len(created_during(w)) == 1  # it did happen, later: the message was right


# -- every failure is typed; a 2xx that cannot be read is an applied create ------------------


NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("body", ["undecodable", "nested"])
def test_unreadable_2xx_on_create_is_an_outcome_unknown_with_lookup(
    harness: Harness, flavour: str, body: str
) -> None:
    """Was: a bare httpx.DecodingError / RecursionError, no lookup, the key made anyway."""
    w = world(harness, "create", flavour)
    fault = (
        Fault(undecodable=True, passthrough=True)
        if body == "undecodable"
        else Fault(body=NESTED, passthrough=True)
    )
    w.emu.faults.script("create", fault)
    result = outcome_of(w, lambda keys: keys.create(display_name="unreadable"))
    assert isinstance(result, CreateOutcomeUnknownError), result
    assert result.applied
    [made] = created_during(w)
    assert result.access_key is not None
    assert result.access_key.access_key_id == made


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("route", ["get", "token", "error"])
def test_deeply_nested_bodies_raise_typed_errors(
    harness: Harness, flavour: str, route: str
) -> None:
    w = world(harness, "get", flavour, warm=route != "token")
    if route == "error":
        w.emu.faults.script("get", Fault(status=500, body=NESTED), *[Fault(status=400)])
    else:
        w.emu.faults.script(route, Fault(body=NESTED))
    result = outcome_of(w, lambda keys: keys.get(BOOT_ID))
    assert isinstance(result, SinchKeysError), result


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_undecodable_body_on_a_read_is_typed_and_retried_no_more(
    harness: Harness, flavour: str
) -> None:
    w = world(harness, "get", flavour)
    w.emu.faults.script("get", Fault(undecodable=True))
    result = outcome_of(w, lambda keys: keys.get(BOOT_ID))
    assert isinstance(result, APIResponseValidationError)
    assert "could not be decoded" in str(result)


# -- a token failure is not a possible create --------------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_token_failure_on_create_sends_nothing_and_says_so(harness: Harness, flavour: str) -> None:
    """Was: CreateOutcomeUnknownError ('may have been applied') with 0 creates sent."""
    w = world(harness, "create", flavour, warm=False)
    w.emu.faults.script("token", *[Fault(status=500)] * 3)
    result = outcome_of(w, lambda keys: keys.create(display_name="never sent"))
    assert type(result) is InternalServerError
    assert "/oauth2/token" in str(result)
    assert w.reached("create") == []
    assert [r.route for r in w.requests()] == ["token"] * 3  # no lookups either


# -- a token outage is one wave, shared ---------------------------------------------------------


def test_token_outage_is_one_fetch_for_twenty_threads() -> None:
    """Was: 20 concurrent get() made 60 token requests and queued 39 s of backoff."""
    from sinch_keys.testing import Emulator
    from tests.explore.explorer import BOOT_SECRET, FakeClock

    clock = FakeClock()
    emu = Emulator(project_id=PROJECT, key_id=BOOT_ID, key_secret=BOOT_SECRET, clock=clock)
    emu.faults.script("token", *[Fault(status=503)] * 100)
    gate = threading.Barrier(20)
    sleeps: list[float] = []

    def slow_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(0.05)  # real time, so every thread is waiting on the fetch by now

    client = SinchKeys(
        project_id=PROJECT,
        key_id=BOOT_ID,
        key_secret=BOOT_SECRET,
        base_url=emu.base_url,
        token_url=emu.token_url,
        http_client=httpx.Client(transport=emu.transport),
        sleep=slow_sleep,
        clock=clock,
    )
    errors: list[BaseException] = []

    def call() -> None:
        gate.wait()
        try:
            client.access_keys.get(BOOT_ID)
        except SinchKeysError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(errors) == 20
    assert all(type(e) is InternalServerError for e in errors)
    tokens = emu.count("token")
    assert tokens <= 3 * 2, tokens  # one wave (3 attempts); a straggler may start one more
    assert len(sleeps) <= 2 * 2
    client._http.close()


async def test_token_outage_is_one_fetch_for_twenty_tasks() -> None:
    from sinch_keys.testing import Emulator
    from tests.explore.explorer import BOOT_SECRET, FakeClock

    clock = FakeClock()
    emu = Emulator(project_id=PROJECT, key_id=BOOT_ID, key_secret=BOOT_SECRET, clock=clock)
    emu.faults.script("token", *[Fault(status=503)] * 100)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await asyncio.sleep(0)

    async with (
        httpx.AsyncClient(transport=emu.async_transport) as http,
        AsyncSinchKeys(
            project_id=PROJECT,
            key_id=BOOT_ID,
            key_secret=BOOT_SECRET,
            base_url=emu.base_url,
            token_url=emu.token_url,
            http_client=http,
            sleep=sleep,
            clock=clock,
        ) as client,
    ):
        results = await asyncio.gather(
            *(client.access_keys.get(BOOT_ID) for _ in range(20)), return_exceptions=True
        )
    assert all(type(r) is InternalServerError for r in results)
    assert emu.count("token") == 3  # one wave: three attempts, shared by all twenty
    assert len(sleeps) == 2
