"""A loopback HTTP/1.1 server with canned responses: the benchmark's fixture, not product code.

One asyncio.Protocol, keep-alive, parsing just the request line and Content-Length. It runs in
its own process, pinned to its own core where the OS allows, so the client measured is never
waiting on it. Routes:

    GET  /v1/projects/{p}/accessKeys/{id}   the same AccessKey JSON every time
    GET  /v1/projects/{p}/accessKeys        pages of pageSize keys; a project id ``list-N``
                                            holds N keys (default 10); nextPageToken is the
                                            index of the next key, absent on the last page
    POST /oauth2/token                      a bearer token (expires_in 3600), counted, after
                                            ``--token-delay-ms`` (a slow token endpoint widens
                                            the cold-start race the benchmark checks)
    GET  /__stats                           {"token_requests", "requests", "throttled",
                                            "connections", "open_connections", "peak_open"}
    POST /__reset                           zero the counters (and refill the rate limits)

With ``--rate-limit N`` every ``/v1/`` request is counted against a token bucket of its
credential (the Authorization header): N requests per second, ``--burst`` at once after a
pause; above it the answer is 429 with the vendor's error body and ``Retry-After`` (whole
seconds, rounded up, as HTTP allows).

Run: ``python -m benchmarks.server [--port 0] [--cpu 1] [--rate-limit N --burst B]``; prints
``PORT <n>`` when ready.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import sys
import time
from urllib.parse import parse_qs

KEY = {
    "accessKeyId": "a1b2c3d4-0000-4000-8000-000000000001",
    "displayName": "bench key",
    "projectId": "bench-project",
    "createTime": "2026-01-02T03:04:05.123Z",
    "updateTime": "2026-03-04T05:06:07.456789Z",
}
TOKEN = {"access_token": "bench-token-" + "x" * 40, "expires_in": 3600, "token_type": "bearer"}


class Stats:
    token_requests = 0
    requests = 0
    throttled = 0  # answered 429 by the rate limit
    connections = 0  # opened since the last reset
    open_connections = 0  # open now
    peak_open = 0  # most open at once since the last reset


def response(body: bytes, status: bytes = b"200 OK") -> bytes:
    return (
        b"HTTP/1.1 "
        + status
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


KEY_RESPONSE = response(json.dumps(KEY).encode())
TOKEN_RESPONSE = response(json.dumps(TOKEN).encode())
NOT_FOUND = response(b'{"error": {"code": 404, "message": "no route", "status": "NOT_FOUND"}}')
NO_CONTENT = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
THROTTLED_BODY = json.dumps(
    {"error": {"code": 429, "message": "rate limit exceeded", "status": "RESOURCE_EXHAUSTED"}}
).encode()


class RateLimit:
    """N requests per second per credential, ``burst`` at once: a token bucket each."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.buckets: dict[bytes, tuple[float, float]] = {}  # credential -> (tokens, at)

    def admit(self, credential: bytes) -> float:
        """0.0 if the request may pass, else the seconds until it could."""
        now = time.monotonic()
        tokens, at = self.buckets.get(credential, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens >= 1.0:
            self.buckets[credential] = (tokens - 1.0, now)
            return 0.0
        self.buckets[credential] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def reset(self) -> None:
        self.buckets.clear()


def throttled(wait: float) -> bytes:
    retry_after = max(1, math.ceil(wait))
    return response(THROTTLED_BODY, b"429 Too Many Requests").replace(
        b"\r\n\r\n", f"\r\nRetry-After: {retry_after}\r\n\r\n".encode(), 1
    )


_pages: dict[tuple[str, int, int, int], bytes] = {}


def page(project: str, start: int, size: int, total: int) -> bytes:
    """The canned response for one list page (rendered once, then served from memory)."""
    cache_key = (project, start, size, total)
    cached = _pages.get(cache_key)
    if cached is None:
        end = min(start + size, total)
        keys = [
            {
                "accessKeyId": f"00000000-0000-4000-8000-{i:012d}",
                "displayName": f"bench key {i}",
                "projectId": project,
                "createTime": "2026-01-02T03:04:05.123Z",
                "updateTime": "2026-03-04T05:06:07.456789Z",
            }
            for i in range(start, end)
        ]
        body: dict[str, object] = {"accessKeys": keys}
        if end < total:
            body["nextPageToken"] = str(end)
        cached = _pages[cache_key] = response(json.dumps(body, separators=(",", ":")).encode())
    return cached


def list_response(project: str, query: str) -> bytes:
    params = parse_qs(query)
    size = int(params.get("pageSize", ["100"])[0])
    start = int(params.get("pageToken", ["0"])[0])
    total = int(project[5:]) if project.startswith("list-") else 10
    return page(project, start, size, total)


class Handler(asyncio.Protocol):
    def __init__(self, token_delay: float, limit: RateLimit | None = None) -> None:
        self.token_delay = token_delay
        self.limit = limit
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        Stats.connections += 1
        Stats.open_connections += 1
        Stats.peak_open = max(Stats.peak_open, Stats.open_connections)

    def connection_lost(self, exc: Exception | None) -> None:
        Stats.open_connections -= 1

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            length = 0
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lower.find(b"\r\n", at + 2)
                length = int(lower[at + 17 : stop if stop >= 0 else None])
            total = end + 4 + length
            if len(buffer) < total:
                break
            buffer = buffer[total:]
            self.handle(head)
        self.buffer = buffer

    def handle(self, head: bytes) -> None:
        Stats.requests += 1
        line = head[: head.find(b"\r\n")]
        method, target, _ = line.split(b" ", 2)
        path, _, query = target.partition(b"?")
        transport = self.transport
        assert transport is not None
        if path.startswith(b"/v1/projects/"):
            if self.limit is not None:
                wait = self.limit.admit(credential(head))
                if wait:
                    Stats.throttled += 1
                    transport.write(throttled(wait))
                    return
            parts = path.split(b"/")
            if len(parts) == 6:
                transport.write(KEY_RESPONSE)
            else:
                transport.write(list_response(parts[3].decode(), query.decode()))
        elif path == b"/oauth2/token":
            Stats.token_requests += 1
            if self.token_delay:
                asyncio.get_running_loop().call_later(
                    self.token_delay, transport.write, TOKEN_RESPONSE
                )
            else:
                transport.write(TOKEN_RESPONSE)
        elif path == b"/__stats":
            body = {
                "token_requests": Stats.token_requests,
                "requests": Stats.requests,
                "throttled": Stats.throttled,
                "connections": Stats.connections,
                "open_connections": Stats.open_connections,
                "peak_open": Stats.peak_open,
            }
            transport.write(response(json.dumps(body).encode()))
        elif path == b"/__reset" and method == b"POST":
            Stats.token_requests = Stats.requests = Stats.connections = Stats.throttled = 0
            Stats.peak_open = Stats.open_connections
            if self.limit is not None:
                self.limit.reset()
            transport.write(NO_CONTENT)
        else:
            transport.write(NOT_FOUND)


def credential(head: bytes) -> bytes:
    at = head.lower().find(b"\r\nauthorization:")
    if at < 0:
        return b""
    stop = head.find(b"\r\n", at + 2)
    return head[at + 16 : stop if stop >= 0 else None].strip()


async def serve(host: str, port: int, token_delay: float, limit: RateLimit | None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Handler(token_delay, limit), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core (Linux)")
    parser.add_argument("--token-delay-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=None, help="requests/s per credential")
    parser.add_argument("--burst", type=float, default=20.0, help="with --rate-limit")
    args = parser.parse_args(argv)
    limit = RateLimit(args.rate_limit, args.burst) if args.rate_limit else None
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {args.cpu})
        except OSError as exc:
            print(f"cannot pin to core {args.cpu}: {exc}", file=sys.stderr)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.token_delay_ms / 1000, limit))


if __name__ == "__main__":
    main()
