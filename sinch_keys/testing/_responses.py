"""The vendor's error body and the JSON responses the emulator sends.

Every error, from the API routes and the token endpoint alike, uses one shape, so a client
needs only one parser::

    {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND", "details": []}}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

# google.rpc.Code names the vendor uses per HTTP status; 500 is spelt as in the vendor's spec.
STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL_ERROR",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# The messages of the vendor's documented examples, used when a fault gives none.
DEFAULT_MESSAGES: dict[int, str] = {
    400: "Malformed request",
    401: "Unauthenticated",
    403: "Permission denied",
    404: "Not found",
    405: "Method not allowed",
    409: "An Access Key with this display name already exists",
    429: "Too many requests",
    500: "There was an internal server error.",
    503: "There was an internal server error.",
}


class ApiError(Exception):
    """Raised inside the emulator's rules; turned into the vendor error response.

    Example::

        raise ApiError(404, "Access Key not found")
    """

    def __init__(
        self,
        code: int,
        message: str | None = None,
        status: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.code = code
        self.message = message or DEFAULT_MESSAGES.get(code, "Error")
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.headers = dict(headers or {})
        super().__init__(f"{code} {self.status}: {self.message}")

    def to_response(self) -> httpx.Response:
        """The vendor error response for this error.

        Example::

            >>> ApiError(404).to_response().json()["error"]["status"]
            'NOT_FOUND'
        """
        return error_response(self.code, self.message, self.status, self.headers)


def error_body(code: int, message: str | None = None, status: str | None = None) -> dict[str, Any]:
    """The vendor error body for ``code``.

    Example::

        >>> error_body(409)["error"]["status"]
        'ALREADY_EXISTS'
    """
    return {
        "error": {
            "code": code,
            "message": message or DEFAULT_MESSAGES.get(code, "Error"),
            "status": status or STATUS_NAMES.get(code, "UNKNOWN"),
            "details": [],
        }
    }


def json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> httpx.Response:
    """An ``application/json`` response; compact separators keep benchmark payloads small.

    Example::

        >>> json_response(200, {"a": 1}).content
        b'{"a":1}'
    """
    content = json.dumps(body, separators=(",", ":")).encode()
    all_headers = {"content-type": "application/json"}
    all_headers.update(headers or {})
    return httpx.Response(status, headers=all_headers, content=content)


def error_response(
    code: int,
    message: str | None = None,
    status: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """A vendor error response.

    Example::

        >>> error_response(503).status_code
        503
    """
    return json_response(code, error_body(code, message, status), headers)
