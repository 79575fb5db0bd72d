"""Reading a response body with a size limit: decoded as it arrives, refused past the limit.

httpx decodes ``Content-Encoding`` a whole network chunk at a time, so a 64 KiB chunk of a
gzip bomb becomes ~64 MB before anyone can count it. :class:`BodyReader` is fed raw bytes
and decodes them with ``zlib``'s ``max_length``, so no more than ``limit`` decoded bytes (plus
one raw chunk) are ever held, whatever the compression ratio. The SDK asks only for the
encodings it decodes here (``ACCEPT_ENCODING``); any other is refused, not passed through.

Example::

    >>> reader = BodyReader("identity", limit=5)
    >>> reader.feed(b"abc"); reader.finish()
    b'abc'
"""

from __future__ import annotations

import zlib

import httpx

#: What the SDK asks for: the encodings :class:`BodyReader` can decode within its limit.
ACCEPT_ENCODING = "gzip, deflate"

#: The default ``max_response_bytes`` of a client: 10 MiB, after decoding.
DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024

_IDENTITY = frozenset({"", "identity"})


class ResponseTooLarge(Exception):  # noqa: N818 - a carrier, mapped to ResponseTooLargeError
    """The body grew past the limit (carried to the retry loop, which types it)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes (max_response_bytes)")
        self.limit = limit


class _Inflater:
    """One gzip or deflate layer, never producing more than it is allowed to."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        # gzip: header required; deflate: zlib-wrapped, with raw deflate as the fallback
        # (servers send both under that name, as httpx also accepts)
        wbits = zlib.MAX_WBITS | 16 if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)
        self._first = True

    def decode(self, data: bytes, budget: int) -> bytes:
        out = bytearray()
        while data:
            try:
                piece = self._zlib.decompress(data, budget - len(out) + 1)
            except zlib.error as exc:
                if self._first and self._encoding == "deflate":
                    self._zlib, self._first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise httpx.DecodingError(f"{self._encoding}: {exc}") from None
            self._first = False
            out += piece
            if len(out) > budget:
                return bytes(out)  # the caller refuses it
            data = self._zlib.unconsumed_tail
        return bytes(out)


class BodyReader:
    """Decodes a body fed in raw chunks, refusing it past ``limit`` decoded bytes.

    Raises :class:`ResponseTooLarge`, or ``httpx.DecodingError`` for a body that does not
    decode or an encoding the SDK did not ask for.

    Example::

        reader = BodyReader(response.headers.get("content-encoding"), limit)
        for raw in response.iter_raw():
            reader.feed(raw)
        body = reader.finish()
    """

    __slots__ = ("_chunks", "_layers", "_limit", "_size")

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        names = [n.strip().lower() for n in (content_encoding or "").split(",")]
        names = [n for n in names if n not in _IDENTITY]
        for name in names:
            if name not in ("gzip", "x-gzip", "deflate"):
                raise httpx.DecodingError(f"content-encoding {name!r} was not asked for")
        # applied in the reverse of the order they are listed (RFC 9110 8.4)
        self._layers = [_Inflater(name) for name in reversed(names)]
        self._limit = limit
        self._size = 0
        self._chunks: list[bytes] = []

    def feed(self, raw: bytes) -> None:
        """Decode one raw chunk and keep it; raise once past the limit."""
        data = raw
        for layer in self._layers:
            data = layer.decode(data, self._limit - self._size)
        self._size += len(data)
        if self._size > self._limit:
            self._chunks.clear()
            raise ResponseTooLarge(self._limit)
        if data:
            self._chunks.append(data)

    def finish(self) -> bytes:
        """The whole decoded body."""
        return b"".join(self._chunks)


def check_size(content: bytes, limit: int) -> None:
    """Refuse a body that arrived whole (built in memory) when it is over ``limit``.

    Example::

        >>> check_size(b"abc", limit=5)
    """
    if len(content) > limit:
        raise ResponseTooLarge(limit)


def keep_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """Give a closed, fully read response its decoded body, as httpx's own ``read()`` does
    (for ``.content`` and ``.json()``), and a plain stream in place of the pool's: that one
    refers back to the response, and the cycle left each body waiting for the garbage
    collector (a long list held many pages, not one).

    Example::

        response = keep_body(response, reader.finish())
    """
    response._content = body
    response.stream = httpx.ByteStream(body)
    return response
