"""A sample user's own code (not part of sinch-keys): a small service that hands out access
keys to CI pipelines. Like production code, it builds its clients itself from the environment
(``SINCH_PROJECT_ID``, ``SINCH_KEY_ID``, ``SINCH_KEY_SECRET``) and takes no client argument
that a test could swap: its tests (``test_ci_keys.py``) must not change it to run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sinch_keys import AsyncSinchKeys, SelfDeleteError, SinchKeys

PREFIX = "ci: "


def provision(pipeline: str) -> tuple[str, str]:
    """A new key for ``pipeline``: (key id, secret). The secret is shown only now."""
    with SinchKeys() as client:
        created = client.access_keys.create(display_name=PREFIX + pipeline)
        return created.access_key.access_key_id, created.secret.get_secret_value()


def provision_all(pipelines: list[str]) -> dict[str, str]:
    """Keys for many pipelines at once, one worker thread (and client) each: pipeline -> id."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(pipelines, (kid for kid, _ in pool.map(provision, pipelines)), strict=True))


def retire_all() -> list[str]:
    """Delete every CI key; the key this service runs on is never one of them. Returns the
    deleted ids."""
    deleted = []
    with SinchKeys() as client:
        for key in list(client.access_keys.list()):
            if not key.display_name.startswith(PREFIX):
                continue
            try:
                client.access_keys.delete(key.access_key_id)
            except SelfDeleteError:  # the SDK refuses to delete the key it signs in with
                continue
            deleted.append(key.access_key_id)
    return deleted


async def inventory() -> dict[str, str]:
    """Every key of the project: id -> display name (asyncio)."""
    async with AsyncSinchKeys() as client:
        return {key.access_key_id: key.display_name async for key in client.access_keys.list()}
