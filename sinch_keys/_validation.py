"""Checks on caller input, run before any request is built.

A bad value costs the caller a clear :class:`~sinch_keys.InvalidArgumentError` (a
``ValueError``; :class:`~sinch_keys.InvalidArgumentTypeError`, also a ``TypeError``, for a
value of the wrong type) and no request: never a request with a surprising path, query or
body, never a credential sent where it should not go. Ids need no escaping here: the
generated client percent-encodes each path parameter as one segment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

from sinch_keys._errors import InvalidArgumentError, InvalidArgumentTypeError
from sinch_keys._loopback import is_loopback

MAX_PAGE_SIZE = 1000
# Headers the SDK writes itself, and where their value comes from: a caller's value would
# replace the credentials, or contradict the body the SDK serialised or the URL it targets.
_BODY = "the SDK serialises each request's body and frames it"
SDK_OWNED_HEADERS = {
    "authorization": "the client's credentials set it (key_id/key_secret, or auth=)",
    "content-type": _BODY,
    "content-length": _BODY,
    "transfer-encoding": _BODY,
    "host": "it follows base_url",
    "accept-encoding": "only what the SDK can decode within max_response_bytes",
}
# RFC 9110 5.1 field-name (a token), and 5.5 field-value: visible ASCII, spaces and tabs
# (httpx would raise UnicodeEncodeError on anything else; CR or LF would split the header).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
# URL normalisation (RFC 3986 5.2.4) resolves these as segments, so they can never reach the
# server as an id, however they are encoded.
_DOT_SEGMENTS = frozenset({".", ".."})


def check_id(name: str, value: Any) -> str:
    """Return ``value`` if it can be sent as one path segment; raise otherwise.

    Example::

        >>> check_id("access_key_id", "a/b?c")
        'a/b?c'
    """
    text = _check_text(name, value)
    if not text:
        raise InvalidArgumentError(f"{name} must not be empty")
    if text in _DOT_SEGMENTS:
        raise InvalidArgumentError(
            f"{name} {text!r} is not a valid id: URLs resolve it as a dot-segment"
        )
    return text


def check_display_name(value: Any) -> str:
    """Return a display name that can be sent; raise for a non-str or an empty one.

    Example::

        >>> check_display_name("ci deploy")
        'ci deploy'
    """
    text = _check_text("display_name", value)
    if not text.strip():
        raise InvalidArgumentError("display_name must not be empty or only whitespace")
    return text


def check_page_size(value: Any) -> int:
    """Return a page size in 1-1000; raise otherwise.

    Example::

        >>> check_page_size(100)
        100
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentTypeError(f"page_size must be an int, not {type(value).__name__}")
    if not 1 <= value <= MAX_PAGE_SIZE:
        raise InvalidArgumentError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {value}")
    return value


def check_page_token(value: Any) -> str | None:
    """Return a page token (None or "" meaning the first page); raise for a non-str.

    Example::

        >>> check_page_token(None) is None
        True
    """
    if value is None:
        return None
    return _check_text("page_token", value) or None


def check_timeout(value: Any) -> None:
    """Raise unless ``value`` is None, a positive number or an httpx.Timeout.

    Example::

        >>> check_timeout(5.0)
    """
    if value is None or type(value).__name__ == "Timeout":
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentTypeError(
            f"timeout must be a number or httpx.Timeout, not {type(value).__name__}"
        )
    if not value > 0:
        raise InvalidArgumentError(f"timeout must be positive, got {value}")


def check_max_retries(value: Any) -> int:
    """Return a retry count >= 0; raise otherwise.

    Example::

        >>> check_max_retries(2)
        2
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentTypeError(f"max_retries must be an int, not {type(value).__name__}")
    if value < 0:
        raise InvalidArgumentError(f"max_retries must be >= 0, got {value}")
    return value


def check_headers(argument: str, value: Any) -> dict[str, str]:
    """Return headers a caller may add (names lower-cased, so later ones replace earlier ones
    whatever their case); raise for a header the SDK owns or one that cannot be sent as is.

    Example::

        >>> check_headers("extra_headers", {"X-Team": "payments"})
        {'x-team': 'payments'}
    """
    if not isinstance(value, Mapping):
        raise InvalidArgumentTypeError(f"{argument} must be a mapping, not {type(value).__name__}")
    headers: dict[str, str] = {}
    for name, text in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise InvalidArgumentError(f"{argument}: {name!r} is not a valid header name")
        if name.lower() in SDK_OWNED_HEADERS:
            raise InvalidArgumentError(
                f"{argument} may not set {name}: the SDK owns that header "
                f"({SDK_OWNED_HEADERS[name.lower()]})"
            )
        headers[name.lower()] = check_header_value(f"{argument}[{name!r}]", text)
    return headers


def check_header_value(argument: str, value: Any) -> str:
    """Return a header value that can be sent as is: a str of visible ASCII, spaces and tabs.

    Example::

        >>> check_header_value("user_agent_extra", "billing-sync/1.4")
        'billing-sync/1.4'
    """
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(f"{argument} must be a str, not {type(value).__name__}")
    if not _HEADER_VALUE.fullmatch(value):
        raise InvalidArgumentError(
            f"{argument} must be printable ASCII (no line breaks or control characters)"
        )
    return value


def check_query(argument: str, value: Any) -> Mapping[str, Any]:
    """Return query parameters a caller may add: a mapping with str names (httpx checks the
    values: str, int, float, bool, None, or a list of them).

    Example::

        >>> check_query("extra_query", {"filter": "ci"})
        {'filter': 'ci'}
    """
    if not isinstance(value, Mapping):
        raise InvalidArgumentTypeError(f"{argument} must be a mapping, not {type(value).__name__}")
    for name in value:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError(f"{argument}: {name!r} is not a valid query parameter name")
    return value


def _check_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentTypeError(f"{name} must be a str, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError(
            f"{name} is not valid Unicode (it contains a lone surrogate)"
        ) from None
    return value


def check_url(name: str, value: Any, allow_insecure_http: bool) -> str:
    """Return ``value`` if credentials may be sent to it; raise otherwise.

    ``https://`` with a host, or ``http://`` to this machine (``localhost``, ``127.0.0.0/8``,
    ``::1``: the emulator); plain http to any other host only with ``allow_insecure_http``,
    since the key secret and the tokens would cross the network in clear text. No user
    info, query or fragment: they would be sent, or silently dropped, with every request.

    Example::

        >>> check_url("base_url", "http://127.0.0.1:8080", allow_insecure_http=False)
        'http://127.0.0.1:8080'
    """
    text = _check_text(name, value)
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise InvalidArgumentError(f"{name} {text!r} is not a URL: {exc}") from None
    if url.scheme not in ("https", "http"):
        raise InvalidArgumentError(f"{name} {text!r} must be an https:// URL")
    if not url.host:
        raise InvalidArgumentError(f"{name} {text!r} has no host")
    if url.userinfo or url.query or url.fragment:
        raise InvalidArgumentError(
            f"{name} must not carry user info, a query or a fragment: {url.scheme}://{url.host}"
        )
    if url.scheme == "http" and not allow_insecure_http and not is_loopback(url.host):
        raise InvalidArgumentError(
            f"{name} {text} is plain http to a host that is not this machine: the key secret "
            f"and tokens would cross the network unencrypted; use https://, or pass "
            f"allow_insecure_http=True if you accept that"
        )
    return text


def check_deadline(value: Any) -> float | None:
    """Return a deadline in seconds (None: no deadline); raise otherwise.

    Example::

        >>> check_deadline(5)
        5.0
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgumentTypeError(f"deadline must be seconds, not {type(value).__name__}")
    if not value > 0 or value != value:
        raise InvalidArgumentError(f"deadline must be positive, got {value}")
    return float(value)


def check_max_response_bytes(value: Any) -> int:
    """Return a body size limit in bytes; raise otherwise.

    Example::

        >>> check_max_response_bytes(1024)
        1024
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentTypeError(
            f"max_response_bytes must be an int, not {type(value).__name__}"
        )
    if value < 1024:
        raise InvalidArgumentError(f"max_response_bytes must be at least 1024, got {value}")
    return value
