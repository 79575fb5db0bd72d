"""A loopback HTTP/1.1 keep-alive server that answers every GET with one AccessKey and counts the
TCP connections it accepts (``GET /__accepted``: the count, this connection excluded). Run in
its own process, so the client under test never waits for it on the GIL:

    python -m tests.reliability.counting_server     # prints "PORT <n>" when ready
"""

from __future__ import annotations

import asyncio
import json

KEY = json.dumps(
    {
        "accessKeyId": "k",
        "displayName": "n",
        "projectId": "p",
        "createTime": "2026-01-02T03:04:05Z",
        "updateTime": "2026-01-02T03:04:05Z",
    }
).encode()


def response(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


class Counter(asyncio.Protocol):
    accepted = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""
        Counter.accepted += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:  # GETs only: no request body
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            if head.startswith(b"GET /__accepted "):
                self.transport.write(response(str(Counter.accepted - 1).encode()))
            else:
                self.transport.write(response(KEY))


async def main() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Counter, "127.0.0.1", 0, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
