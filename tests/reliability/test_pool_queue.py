"""The async client's own pool: requests wait their turn in front of httpcore's pool
(sinch_keys/_async_transport.py, FifoAsyncTransport).

Against a keep-alive server on loopback, running in the test's own event loop. What is checked
is what httpcore and the server observe, not what the transport reports:

- no connection is ever handed to two requests (httpcore raises ``ConnectionNotAvailable`` each
  time it did, and we count those), where httpx's default transport, in the same setting, does
  it many times: the control that shows the count can be non-zero;
- connections are still used in parallel up to the pool's limit (the server answers only once
  the limit's worth of requests are in flight at once);
- the pool timeout covers the wait in the queue, a request that gives up (timeout, cancel,
  refused connect) hands its turn on, and nothing it did not send reaches the server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpcore
import httpx
import pytest

from sinch_keys import AsyncSinchKeys
from sinch_keys._async_transport import FifoAsyncTransport, _Turn, _turn, _TurnEndingBackend
from tests.reliability.support import refused_port

CONNECTIONS = 20
LIMITS = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
BOUND = 20.0  # seconds: no step here comes near it unless something hangs

KEY = {
    "accessKeyId": "k1",
    "displayName": "a key",
    "projectId": "proj-queue",
    "createTime": "2026-01-01T00:00:00Z",
    "updateTime": "2026-01-01T00:00:00Z",
}
BODY = json.dumps(KEY).encode()


class KeepAliveServer:
    """HTTP/1.1 with keep-alive; each request's reply waits for ``before_reply``."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.connections = 0
        self.in_flight = 0
        self.most_in_flight = 0
        self.before_reply: Callable[[], Awaitable[None]] = _nothing
        self.url = ""
        self.open: set[asyncio.StreamWriter] = set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                self.paths.append(head.split(b" ", 2)[1].decode())
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                try:
                    await self.before_reply()
                finally:
                    self.in_flight -= 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(BODY), BODY)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open.discard(writer)
            writer.close()


async def _nothing() -> None:
    return None


@asynccontextmanager
async def keep_alive_server() -> AsyncIterator[KeepAliveServer]:
    server = KeepAliveServer()
    listener = await asyncio.start_server(server._serve, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        listener.close()
        for writer in list(server.open):  # the handlers see EOF and end
            writer.close()
        for _ in range(3):
            await asyncio.sleep(0)


@pytest.fixture
def handed_twice(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts each time httpcore finds the connection it handed a request taken by another."""
    count = [0]
    init = httpcore.ConnectionNotAvailable.__init__

    def counting(self: Any, *args: Any) -> None:
        count[0] += 1
        init(self, *args)

    monkeypatch.setattr(httpcore.ConnectionNotAvailable, "__init__", counting)
    return count


async def burst(send: Callable[[int], Awaitable[Any]], tasks: int) -> list[Any]:
    async with asyncio.timeout(BOUND):
        return await asyncio.gather(*(send(i) for i in range(tasks)))


@pytest.mark.usefixtures("no_env_proxies")
async def test_a_burst_of_tasks_never_hands_a_connection_to_two_requests(
    handed_twice: list[int],
) -> None:
    async with keep_alive_server() as server:
        # the control: httpx's default transport, same pool limits, same burst
        async with httpx.AsyncClient(limits=LIMITS) as raw:
            answers = await burst(lambda i: raw.get(f"{server.url}/raw/{i}"), 200)
        assert {a.status_code for a in answers} == {200}
        assert handed_twice[0] > 0, "the control no longer shows the herd: the test cannot fail"

        handed_twice[0] = 0
        server.paths.clear()
        server.connections = 0
        async with AsyncSinchKeys(
            project_id="proj-queue", key_id="id", key_secret="secret", auth="basic",
            base_url=server.url,
        ) as client:  # fmt: skip
            keys = await burst(lambda i: client.access_keys.get(f"k{i}"), 200)
        assert [k.access_key_id for k in keys] == ["k1"] * 200
        assert len(server.paths) == 200
        assert handed_twice[0] == 0
        assert server.connections <= CONNECTIONS


async def test_connections_are_used_in_parallel_up_to_the_limit() -> None:
    """One request at a time waits inside the pool, but none waits for another's answer: the
    server answers in waves, each only once the limit's worth of requests are in flight at
    once; the waves after the first run on reused connections."""
    async with keep_alive_server() as server:
        wave = asyncio.Barrier(CONNECTIONS)

        async def when_the_wave_is_full() -> None:
            await asyncio.wait_for(wave.wait(), BOUND / 2)

        server.before_reply = when_the_wave_is_full
        async with httpx.AsyncClient(transport=FifoAsyncTransport(limits=LIMITS)) as client:
            answers = await burst(lambda i: client.get(f"{server.url}/p/{i}"), 3 * CONNECTIONS)
        assert {a.status_code for a in answers} == {200}
        assert server.most_in_flight == CONNECTIONS
        assert server.connections == CONNECTIONS


async def test_connecting_hands_the_turn_on() -> None:
    """A request that opens a new connection lets the next one in before the connect ends
    (a slow connect or TLS handshake does not hold up the queue), and even if it fails."""
    lock = asyncio.Lock()
    await lock.acquire()
    turn = _Turn(lock)
    outer = _turn.set(turn)
    try:
        with refused_port() as port, pytest.raises(httpcore.ConnectError):
            await _TurnEndingBackend().connect_tcp("127.0.0.1", port)
    finally:
        _turn.reset(outer)
    assert not lock.locked()


@asynccontextmanager
async def one_connection_held(
    server: KeepAliveServer, client: httpx.AsyncClient
) -> AsyncIterator[asyncio.Event]:
    """The pool's only connection busy with a request the server answers on ``release``."""
    release = asyncio.Event()
    first_seen = asyncio.Event()

    async def hold_first() -> None:
        first_seen.set()
        await release.wait()

    server.before_reply = hold_first
    holder = asyncio.ensure_future(client.get(f"{server.url}/held"))
    async with asyncio.timeout(BOUND):
        await first_seen.wait()
    try:
        yield release
    finally:
        release.set()
        server.before_reply = _nothing
        async with asyncio.timeout(BOUND):
            assert (await holder).status_code == 200


async def test_the_pool_timeout_covers_the_wait_in_the_queue() -> None:
    async with (
        keep_alive_server() as server,
        httpx.AsyncClient(
            transport=FifoAsyncTransport(limits=ONE_CONNECTION),
            timeout=httpx.Timeout(BOUND, pool=0.2),
        ) as client,
    ):
        async with one_connection_held(server, client):
            # waits inside the pool, and may wait long
            inside = asyncio.ensure_future(
                client.get(f"{server.url}/inside", timeout=httpx.Timeout(BOUND))
            )
            for _ in range(5):
                await asyncio.sleep(0)
            with pytest.raises(httpx.PoolTimeout):  # waits in the queue: 0.2 s at most
                await client.get(f"{server.url}/late")
        async with asyncio.timeout(BOUND):
            assert (await inside).status_code == 200
        after = await client.get(f"{server.url}/after")  # the late one's turn was handed on
        assert after.status_code == 200
        assert server.paths == ["/held", "/inside", "/after"]


async def test_the_wait_in_the_queue_is_taken_off_the_pool_timeout() -> None:
    transport = FifoAsyncTransport(limits=ONE_CONNECTION)
    held, _ = await transport._wait_turn({})
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, held.release)
    queue, extensions = await transport._wait_turn({"timeout": {"pool": 30.0, "read": 5.0}})
    assert queue is held
    assert extensions["timeout"]["read"] == 5.0
    assert 0 < extensions["timeout"]["pool"] < 30.0
    queue.release()
    await transport.aclose()


async def test_a_cancelled_request_hands_its_turn_on() -> None:
    async with (
        keep_alive_server() as server,
        httpx.AsyncClient(transport=FifoAsyncTransport(limits=ONE_CONNECTION)) as client,
    ):
        async with one_connection_held(server, client):
            inside = asyncio.ensure_future(client.get(f"{server.url}/cancelled-inside"))
            queued = asyncio.ensure_future(client.get(f"{server.url}/cancelled-queued"))
            last = asyncio.ensure_future(client.get(f"{server.url}/last"))
            for _ in range(5):
                await asyncio.sleep(0)  # all three reach their places
            inside.cancel()
            queued.cancel()
        async with asyncio.timeout(BOUND):
            assert (await last).status_code == 200
        assert inside.cancelled()
        assert queued.cancelled()
        assert server.paths == ["/held", "/last"]


async def test_a_refused_connection_hands_its_turn_on() -> None:
    with refused_port() as port:
        async with httpx.AsyncClient(transport=FifoAsyncTransport(limits=LIMITS)) as client:
            results = await asyncio.wait_for(
                asyncio.gather(
                    *(client.get(f"http://127.0.0.1:{port}/{i}") for i in range(30)),
                    return_exceptions=True,
                ),
                BOUND,
            )
    assert all(isinstance(r, httpx.ConnectError) for r in results), results
