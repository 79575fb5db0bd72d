"""``sinch_keys.testing.emulated()``: clients built inside the block reach the emulator with its
settings, explicit arguments win, and everything is restored on exit, whatever the thread,
the nesting or the exception.

Outside a block, the environment points the SDK at a closed loopback port: an unrouted client
fails to connect, which is how these tests tell "reached the emulator" from "did not".
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sinch_keys import (
    APIConnectionError,
    AsyncSinchKeys,
    AuthenticationError,
    MissingCredentialsError,
    PermissionDeniedError,
    SinchKeys,
)
from sinch_keys.testing import Emulator, current_emulator, emulated

NOWHERE = "http://127.0.0.1:1"  # loopback, nothing listens: connection refused at once


@pytest.fixture(autouse=True)
def environment_points_nowhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINCH_PROJECT_ID", "env-project")
    monkeypatch.setenv("SINCH_KEY_ID", "env-key")
    monkeypatch.setenv("SINCH_KEY_SECRET", "env-secret")
    monkeypatch.setenv("SINCH_KEYS_BASE_URL", NOWHERE)
    monkeypatch.setenv("SINCH_KEYS_TOKEN_URL", NOWHERE + "/oauth2/token")


def key_names() -> list[str]:
    """What code under test does: build its own client from the environment and use it."""
    with SinchKeys(max_retries=0) as client:
        return [key.display_name for key in client.access_keys.list()]


def assert_not_routed() -> None:
    with pytest.raises(APIConnectionError):
        key_names()
    with pytest.raises(LookupError):
        current_emulator()


def test_a_client_built_inside_reaches_the_emulator_with_its_settings() -> None:
    with emulated(project_id="proj-e", seed=1) as emu:
        emu.create_key("ci")
        with SinchKeys() as client:
            names = [key.display_name for key in client.access_keys.list()]
            assert (client.project_id, client.key_id) == ("proj-e", emu.key_id)
            assert (client.base_url, client.token_url) == (emu.base_url, emu.token_url)
    assert names == ["Bootstrap key", "ci"]
    assert [r.route for r in emu.requests] == ["token", "list"]


async def test_an_async_client_built_inside_reaches_the_emulator() -> None:
    with emulated(project_id="proj-async") as emu:
        async with AsyncSinchKeys() as client:
            created = await client.access_keys.create(display_name="from asyncio")
            keys = [key.display_name async for key in client.access_keys.list()]
    assert keys == ["Bootstrap key", "from asyncio"]
    assert created.access_key.access_key_id in {k["accessKeyId"] for k in emu.keys()}


def test_explicit_arguments_win_over_the_emulators_settings() -> None:
    with emulated(project_id="proj-e") as emu:
        # the transport still routes whatever the URL: nothing leaves the process
        with SinchKeys(project_id="proj-other", base_url="https://account.api.sinch.com") as c:
            assert c.base_url == "https://account.api.sinch.com"
            with pytest.raises(PermissionDeniedError):  # the bootstrap key is proj-e's
                c.access_keys.get("any")
        with (
            SinchKeys(key_id="not-the-emulators", key_secret="x", auth="basic") as c,
            pytest.raises(AuthenticationError),  # a key the emulator does not know
        ):
            c.access_keys.get("any")
    assert [(r.route, r.path) for r in emu.requests[1:]] == [
        ("get", "/v1/projects/proj-other/accessKeys/any"),
        ("get", "/v1/projects/proj-e/accessKeys/any"),
    ]
    assert emu.requests[-1].key_id == "not-the-emulators"


def test_a_client_given_an_http_client_is_left_alone() -> None:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"accessKeys": [], "nextPageToken": ""})

    with (
        emulated() as emu,
        httpx.Client(transport=httpx.MockTransport(record)) as http,
        SinchKeys(http_client=http, auth="basic") as client,
    ):
        assert client.project_id == "env-project"  # the environment, not the emulator
        assert list(client.access_keys.list()) == []
    assert [r.url.host for r in seen] == ["127.0.0.1"]
    assert emu.requests == []


def test_the_emulators_settings_stand_in_for_a_missing_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEY_SECRET"):
        monkeypatch.delenv(name)
    with emulated():
        assert key_names() == ["Bootstrap key"]
    with pytest.raises(MissingCredentialsError):
        SinchKeys()


def test_everything_is_restored_on_exit() -> None:
    with emulated() as emu:
        assert key_names() == ["Bootstrap key"]
    assert_not_routed()
    assert emu.count("list") == 1


def test_an_exception_in_the_block_propagates_and_the_routing_ends() -> None:
    with pytest.raises(KeyError, match="boom"), emulated():
        raise KeyError("boom")
    assert_not_routed()


def test_a_client_built_inside_keeps_its_emulator_after_the_block() -> None:
    with emulated() as emu:
        client = SinchKeys()
    with client:
        client.access_keys.create(display_name="after the block")
    assert [k["displayName"] for k in emu.keys()][-1] == "after the block"


def test_nested_blocks_the_innermost_wins_and_the_outer_comes_back() -> None:
    with emulated(project_id="outer") as outer:
        with emulated(project_id="inner") as inner:
            assert current_emulator() is inner
            with SinchKeys() as client:
                assert client.project_id == "inner"
        with SinchKeys() as client:
            assert client.project_id == "outer"
            client.access_keys.create(display_name="outer key")
    assert [k["displayName"] for k in outer.keys()] == ["Bootstrap key", "outer key"]
    assert inner.keys() == [inner.keys()[0]]
    assert_not_routed()


def test_blocks_that_end_out_of_order_leave_the_other_one_active() -> None:
    first, second = emulated(project_id="first"), emulated(project_id="second")
    first.__enter__()
    second_emu = second.__enter__()
    first.__exit__(None, None, None)  # e.g. two threads whose blocks overlap
    assert current_emulator() is second_emu
    second.__exit__(None, None, None)
    assert_not_routed()


def test_threads_started_inside_the_block_and_pools_started_before_it_are_routed() -> None:
    results: dict[str, list[str]] = {}
    with ThreadPoolExecutor(max_workers=2) as pool_from_before:
        pool_from_before.submit(lambda: None).result()  # its threads exist before the block
        with emulated(seed=2) as emu:
            emu.create_key("seen by every thread")
            thread = threading.Thread(target=lambda: results.setdefault("thread", key_names()))
            thread.start()
            thread.join()
            results["pool"] = pool_from_before.submit(key_names).result()
        with pytest.raises(APIConnectionError):
            pool_from_before.submit(key_names).result()
    expected = ["Bootstrap key", "seen by every thread"]
    assert results == {"thread": expected, "pool": expected}
    assert emu.count("list") == 2


def test_the_given_emulator_is_used_and_kept() -> None:
    emu = Emulator(project_id="kept", seed=4)
    with emulated(emu) as entered:
        assert entered is emu
        key_names()
    with emulated(emu):
        key_names()
    assert emu.count("list") == 2


def test_options_and_an_emulator_together_are_refused() -> None:
    with pytest.raises(TypeError):
        emulated(Emulator(), seed=1)


def test_one_block_cannot_be_entered_twice_at_once() -> None:
    block = emulated()
    with block, pytest.raises(RuntimeError, match="already active"):
        block.__enter__()
    assert_not_routed()


def test_as_a_decorator_each_call_gets_a_fresh_emulator() -> None:
    seen: list[Emulator] = []

    @emulated(project_id="decorated")
    def job(name: str) -> list[str]:
        seen.append(current_emulator())
        with SinchKeys() as client:
            client.access_keys.create(display_name=name)
        return key_names()

    assert job("one") == ["Bootstrap key", "one"]
    assert job("two") == ["Bootstrap key", "two"]
    assert seen[0] is not seen[1]
    assert job.__name__ == "job"
    assert_not_routed()


def test_a_decorated_function_may_call_itself_each_call_in_its_own_block() -> None:
    @emulated()
    def chain(depth: int) -> list[Emulator]:
        here = current_emulator()
        below = chain(depth - 1) if depth else []
        assert current_emulator() is here  # the inner call's block ended, this one is back
        return [here, *below]

    emulators = chain(2)
    assert len({id(emu) for emu in emulators}) == 3
    assert_not_routed()


def test_a_decorated_function_that_raises_ends_its_block() -> None:
    @emulated()
    def job() -> None:
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        job()
    assert_not_routed()


async def test_as_a_decorator_of_a_coroutine_function_the_block_spans_the_await() -> None:
    @emulated(project_id="coroutine")
    async def job() -> list[str]:
        async with AsyncSinchKeys() as client:
            await client.access_keys.create(display_name="awaited")
            return [key.display_name async for key in client.access_keys.list()]

    assert await job() == ["Bootstrap key", "awaited"]
    assert_not_routed()
