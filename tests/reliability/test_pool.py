"""The SDK's own connection pool reuses its connections under a burst of concurrent calls.

httpcore 1.0.x closes a connection as soon as it goes idle whenever the pool holds more than
``max_keepalive_connections`` connections (its check counts every connection, not the idle
ones: encode/httpcore#1000). With httpx's default limits (100 connections, 20 kept alive), a
burst of more than 20 concurrent requests therefore turns every later request into a new TCP
connection: ~800 connections for 1,000 requests in the fan-out benchmark. The SDK keeps alive
as many connections as it may open, so a burst reuses them.

A loopback server in its own process counts the connections it accepts; nothing is timed.
The sync pool shows it deterministically (httpcore's async pool is generated from the same
source); the async fan-out is measured in benchmarks/ (fanout.py: connections per run).
"""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sinch_keys import SinchKeys
from sinch_keys._base import DEFAULT_LIMITS

ROOT = Path(__file__).resolve().parents[2]


class CountingServer:
    """tests/reliability/counting_server.py in its own process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.counting_server"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("PORT "), line
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    @property
    def accepted(self) -> int:
        """Connections accepted so far (not counting this question's own)."""
        with httpx.Client() as control:
            return int(control.get(self.url + "/__accepted").text)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture
def server() -> Iterator[CountingServer]:
    running = CountingServer()
    try:
        yield running
    finally:
        running.close()


def settings(server: CountingServer) -> dict[str, str]:
    return {
        "project_id": "p",
        "key_id": "k",
        "key_secret": "s",
        "auth": "basic",
        "base_url": server.url,
    }


def test_the_pool_keeps_alive_every_connection_it_may_open() -> None:
    assert DEFAULT_LIMITS.max_keepalive_connections == DEFAULT_LIMITS.max_connections


def test_40_threads_on_one_sync_client_reuse_its_connections(server: CountingServer) -> None:
    with (
        SinchKeys(**settings(server)) as client,
        concurrent.futures.ThreadPoolExecutor(40) as pool,
    ):
        keys = list(pool.map(lambda _: client.access_keys.get("k"), range(2000)))
    assert len(keys) == 2000
    # at most max_connections, plus the odd one httpcore closes under a request still queued
    # for it (encode/httpcore#1110) and the client reopens; httpx's limits open ~700-1,400
    assert 0 < server.accepted <= 2 * DEFAULT_LIMITS.max_connections
