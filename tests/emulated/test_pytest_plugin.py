"""The pytest plugin (``sinch_keys.pytest_plugin``, entry point ``pytest11``): its fixtures in a
user's own test run (pytester), and what loading it costs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

USER_CODE = """
from sinch_keys import SinchKeys

def provision(name):
    with SinchKeys() as client:   # the user's code builds its own client from the environment
        return client.access_keys.create(display_name=name).access_key.access_key_id
"""


@pytest.fixture
def user_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    pytester.makepyfile(myapp=USER_CODE)
    pytester.syspathinsert()
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    for name in ("SINCH_PROJECT_ID", "SINCH_KEY_ID", "SINCH_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return pytester


def test_the_entry_point_loads_the_plugin_and_no_sinch_keys_turns_it_off(
    user_project: pytest.Pytester,
) -> None:
    user_project.makepyfile(
        test_entry="""
        def test_client(sinch_keys_client):
            assert [k.display_name for k in sinch_keys_client.access_keys.list()] == [
                "Bootstrap key"
            ]
        """
    )
    user_project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
    off = user_project.runpytest_subprocess("-p", "no:sinch_keys", "-p", "no:cacheprovider")
    off.assert_outcomes(errors=1)
    off.stdout.fnmatch_lines(["*fixture 'sinch_keys_client' not found*"])


def test_the_users_code_reaches_the_fixtures_emulator_and_faults_are_scripted(
    user_project: pytest.Pytester,
) -> None:
    user_project.makepyfile(
        test_faults="""
        from sinch_keys.testing import Fault
        import myapp

        def test_retried_once(sinch_keys_emulator, sinch_keys_client):
            sinch_keys_emulator.faults.script("create", Fault(status=503))
            key_id = myapp.provision("ci")
            assert sinch_keys_emulator.count("create") == 2
            assert sinch_keys_client.access_keys.get(key_id).display_name == "ci"

        def test_each_test_has_a_fresh_emulator(sinch_keys_emulator):
            assert [k["displayName"] for k in sinch_keys_emulator.keys()] == ["Bootstrap key"]
        """
    )
    user_project.runpytest().assert_outcomes(passed=2)


def test_the_marker_configures_the_emulator(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(
        test_marker="""
        import pytest
        from sinch_keys import BadRequestError
        import myapp

        @pytest.mark.sinch_keys_emulator(project_id="proj-marked", max_keys=1)
        def test_marked(sinch_keys_emulator, sinch_keys_client):
            assert sinch_keys_client.project_id == "proj-marked"
            with pytest.raises(BadRequestError):
                myapp.provision("over the limit")

        @pytest.mark.sinch_keys_emulator("positional")
        def test_positional(sinch_keys_emulator):
            pass
        """
    )
    result = user_project.runpytest("--strict-markers")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*takes keyword arguments only*"])


def test_the_async_client_fixture_works_and_is_closed_after_the_test(
    user_project: pytest.Pytester,
) -> None:
    user_project.makepyfile(
        test_async="""
        import pytest

        opened = []

        @pytest.mark.asyncio
        async def test_async(async_sinch_keys_client):
            opened.append(async_sinch_keys_client)
            created = await async_sinch_keys_client.access_keys.create(display_name="a")
            got = await async_sinch_keys_client.access_keys.get(created.access_key.access_key_id)
            assert got.display_name == "a"

        def test_closed_afterwards():
            assert opened[0]._http.is_closed
        """
    )
    user_project.runpytest().assert_outcomes(passed=2)


def test_the_emulated_block_ends_with_the_test(user_project: pytest.Pytester) -> None:
    user_project.makepyfile(
        test_after="""
        import pytest
        from sinch_keys import MissingCredentialsError, SinchKeys

        def test_inside(sinch_keys_emulator):
            SinchKeys().close()

        def test_after():
            with pytest.raises(MissingCredentialsError):
                SinchKeys()
        """
    )
    user_project.runpytest().assert_outcomes(passed=2)


HEAVY = ("typer", "rich", "click", "uvicorn", "anyio", "pygments", "asyncio", "sinch_keys.testing")

PROBE = """
import json, sys
import httpx  # httpx's own imports are not the plugin's (httpx._main pulls rich with click)
import pytest  # nor are pytest's (pygments)
before = set(sys.modules)
import sinch_keys.pytest_plugin
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROBE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    loaded = json.loads(done.stdout)
    assert "sinch_keys.pytest_plugin" in loaded
    assert [m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []
