"""Successful response bodies into the generated models.

A body that does not fit (not JSON, a field missing, nested too deeply to parse) is an
:class:`~sinch_keys.APIResponseValidationError` carrying the response's status, request id
and the start of its body, never a bare KeyError, JSONDecodeError or RecursionError.

Example::

    key = parse(response, AccessKey.from_dict)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx

from sinch_keys._errors import APIResponseValidationError

T = TypeVar("T")

#: What decoding JSON or a generated ``from_dict`` raises on a body that does not fit.
PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, RecursionError)


def parse(response: httpx.Response, from_dict: Callable[[Any], T]) -> T:
    """The 2xx ``response``'s body as a generated model.

    Example::

        key = parse(response, AccessKey.from_dict)
    """
    return parse_body(response, decode(response), from_dict)


def decode(response: httpx.Response) -> Any:
    """The JSON of ``response``'s body.

    Example::

        body = decode(response)
    """
    try:
        return response.json()
    except PARSE_ERRORS as exc:
        raise invalid(response, exc) from None


def parse_body(response: httpx.Response, body: Any, from_dict: Callable[[Any], T]) -> T:
    """``body`` (decoded from ``response``) as a generated model.

    Example::

        page = parse_body(response, body, ListAccessKeysResponse.from_dict)
    """
    try:
        return from_dict(body)
    except PARSE_ERRORS as exc:
        raise invalid(response, exc) from None


def invalid(response: httpx.Response, exc: Exception) -> APIResponseValidationError:
    """The error for ``response``, whose body failed to parse with ``exc``.

    Example::

        raise invalid(response, KeyError("accessKeys"))
    """
    return APIResponseValidationError(response, problem(exc))


def problem(exc: Exception) -> str:
    """What was wrong with a body, in words (never the body's values: the error carries a
    redacted excerpt of its own).

    Example::

        >>> problem(KeyError("displayName"))
        "missing required field 'displayName'"
    """
    if isinstance(exc, KeyError):
        return f"missing required field {exc.args[0]!r}"
    if isinstance(exc, ValueError) and type(exc).__name__ == "JSONDecodeError":
        return "body is not valid JSON"
    if isinstance(exc, RecursionError):
        return "body is nested too deeply to parse"
    return f"{type(exc).__name__}: {exc}"
