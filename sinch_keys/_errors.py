"""The exceptions of sinch_keys, and the one mapping from HTTP outcomes to them.

Every failure a caller can see is a :class:`SinchKeysError`. HTTP error responses become an
:class:`APIError` subclass chosen by status code alone (any integer maps, even 499 or 520);
transport failures become :class:`APIConnectionError` / :class:`APITimeoutError`. No message
built here contains a header or a request body, so no credential can leak through one.

Example::

    try:
        client.access_keys.get("missing")
    except sinch_keys.NotFoundError as exc:
        print(exc.status_code, exc.status, exc.message, exc.request_id)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from sinch_keys import _redact

if TYPE_CHECKING:
    from sinch_keys_api.models import AccessKey

    from sinch_keys._secrets import SecretStr

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CreateOutcomeUnknownError",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "MissingCredentialsError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "RotationError",
    "SelfDeleteError",
    "SinchKeysError",
]

# Response headers that may carry the server's request id, read in this order. Sinch
# documents none for this API (see the README, "Request ids"): every common name is read.
REQUEST_ID_HEADERS = (
    "x-request-id",
    "x-sinch-request-id",
    "sinch-request-id",
    "x-correlation-id",
    "request-id",
    "x-amzn-requestid",
)
BODY_EXCERPT_CHARS = 200


class SinchKeysError(Exception):
    """Base class of every error raised by sinch_keys.

    Example::

        try:
            client.access_keys.list().pages()
        except sinch_keys.SinchKeysError as exc:
            log.error("access keys API failed: %s", exc)
    """


class InvalidArgumentError(SinchKeysError, ValueError):
    """An argument or setting the SDK refused before sending anything: nothing was sent.

    Also a ``ValueError``; a value of the wrong type raises the subclass
    :class:`InvalidArgumentTypeError`, which is also a ``TypeError``.

    Example::

        try:
            client.access_keys.list(page_size=0)
        except sinch_keys.InvalidArgumentError as exc:
            print(exc)      # page_size must be between 1 and 1000, got 0
    """


class InvalidArgumentTypeError(InvalidArgumentError, TypeError):
    """An argument of the wrong type, refused before sending anything.

    Example::

        client.access_keys.get(42)   # raises InvalidArgumentTypeError (a TypeError too)
    """


class MissingCredentialsError(InvalidArgumentError):
    """A required setting was neither passed nor found in the environment.

    ``variable`` names the environment variable that would provide it.

    Example::

        >>> MissingCredentialsError("SINCH_KEY_ID", "key_id").variable
        'SINCH_KEY_ID'
    """

    def __init__(self, variable: str, argument: str) -> None:
        self.variable = variable
        self.argument = argument
        super().__init__(f"missing {argument}: pass {argument}= or set {variable}")


class SelfDeleteError(InvalidArgumentError):
    """Refused to delete the access key this client authenticates with.

    The API allows it, and the caller would lose access to the project. Pass
    ``allow_self_delete=True`` to do it anyway.

    Example::

        client.access_keys.delete(client.key_id)   # raises SelfDeleteError
    """


class APIConnectionError(SinchKeysError):
    """The request failed below HTTP: connection refused or dropped, DNS, TLS, timeout.

    ``may_have_reached_server`` is False only when the connection was never made, so the
    request surely had no effect (the rule for retrying a non-idempotent create).

    Example::

        except sinch_keys.APIConnectionError as exc:
            print(exc.request_method, exc.request_url, exc.may_have_reached_server)
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        may_have_reached_server: bool = True,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request_method = request.method if request is not None else None
        self.request_url = str(request.url.copy_with(query=None)) if request is not None else None
        self.may_have_reached_server = may_have_reached_server


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, write, read or waiting for a pooled connection).

    Example::

        client.access_keys.get(key_id, timeout=0.001)  # raises APITimeoutError
    """


class APIError(SinchKeysError):
    """The API answered with an error status.

    Attributes come from the vendor's error body ``{"error": {"code", "message", "status",
    "details"}}`` (or an OAuth2 error body from the token endpoint): ``status_code`` (int),
    ``status`` (e.g. ``"NOT_FOUND"``), ``message``, ``details`` (list), ``request_id`` (or
    None), ``headers`` (the response headers).

    Example::

        except sinch_keys.APIError as exc:
            print(exc.status_code, exc.status, exc.message)
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        status: str | None = None,
        details: Sequence[Any] = (),
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        request: httpx.Request | None = None,
    ) -> None:
        self.status_code = status_code
        self.status = status
        self.message = message
        self.details = list(details)
        self.request_id = request_id
        self.headers: Mapping[str, str] = _safe_headers(headers)
        self.request_method = request.method if request is not None else None
        self.request_url = str(request.url.copy_with(query=None)) if request is not None else None
        super().__init__(self._describe())

    def _describe(self) -> str:
        text = f"{self.status_code}"
        if self.status:
            text += f" {self.status}"
        text += f": {self.message}"
        if self.request_method and self.request_url:
            text += f" ({self.request_method} {self.request_url}"
            text += f", request id {self.request_id})" if self.request_id else ")"
        elif self.request_id:
            text += f" (request id {self.request_id})"
        return text


class BadRequestError(APIError):
    """400: invalid argument, or a failed precondition such as the 10-key limit.

    Example::

        except sinch_keys.BadRequestError as exc:
            if exc.status == "FAILED_PRECONDITION": ...
    """


class AuthenticationError(APIError):
    """401: the credentials or the token were refused.

    Example::

        except sinch_keys.AuthenticationError: rotate_credentials()
    """


class PermissionDeniedError(APIError):
    """403: the key may not act on this project.

    Example::

        except sinch_keys.PermissionDeniedError: ...
    """


class NotFoundError(APIError):
    """404: no such access key (or project).

    Example::

        except sinch_keys.NotFoundError: ...
    """


class ConflictError(APIError):
    """409: another key in the project already has this display name.

    Example::

        except sinch_keys.ConflictError: ...
    """


class RateLimitError(APIError):
    """429: too many requests. ``retry_after`` is the server's requested wait in seconds.

    Example::

        except sinch_keys.RateLimitError as exc:
            time.sleep(exc.retry_after or 1)
    """

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (from ``Retry-After``), or None."""
        from sinch_keys._retry import retry_after_seconds  # the retry policy owns the rule

        return retry_after_seconds(self.headers)


class InternalServerError(APIError):
    """Any 5xx status, including ones http.HTTPStatus does not know (520...).

    Example::

        except sinch_keys.InternalServerError: ...
    """


class APIResponseValidationError(APIError):
    """A response that does not match the API description: bad JSON, a missing field.

    ``body_excerpt`` holds the start of the body, for diagnosis.

    Example::

        except sinch_keys.APIResponseValidationError as exc:
            print(exc.status_code, exc.body_excerpt)
    """

    def __init__(self, response: httpx.Response, problem: str) -> None:
        self.body_excerpt = _excerpt(response)
        super().__init__(
            f"response does not match the API description: {_redact.message(problem)}; "
            f"body starts '{self.body_excerpt}'",
            status_code=response.status_code,
            request_id=_request_id(response.headers),
            headers=response.headers,
            request=response.request if _has_request(response) else None,
        )


class ResponseTooLargeError(APIResponseValidationError):
    """A response body larger than the client's ``max_response_bytes`` (after decoding): the
    SDK stopped reading it, and does not retry it.

    Example::

        except sinch_keys.ResponseTooLargeError as exc:
            print(exc.limit)
    """

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.limit = limit
        super().__init__(response, f"the body is larger than {limit} bytes (max_response_bytes)")


class CreateOutcomeUnknownError(SinchKeysError):
    """A create failed after its request may have been applied: a key may exist without its
    secret.

    The SDK never retries such a create (it would make a second key) and never returns a key
    without its secret. It looks the key up by its display name, again after short waits when
    nothing is found (a server may apply a request after the client gave up on it):

    * ``access_key`` is the key found by that name (its secret cannot be recovered: delete it
      and create a new one), or None when no lookup found one;
    * ``lookups`` is how many lookups ran; ``lookup_error`` the failure that stopped them, if
      any; ``applied`` is True when the server answered 2xx (the key surely exists);
    * ``cause`` is the failure that made the outcome unknown.

    None found is *not* proof that no key was created: check again later for a key with this
    display name.

    Example::

        try:
            created = client.access_keys.create(display_name="ci")
        except sinch_keys.CreateOutcomeUnknownError as exc:
            if exc.access_key is not None:
                client.access_keys.delete(exc.access_key.access_key_id)
    """

    def __init__(
        self,
        display_name: str,
        cause: SinchKeysError,
        access_key: AccessKey | None,
        lookup_error: SinchKeysError | None = None,
        *,
        lookups: int = 0,
        applied: bool = False,
    ) -> None:
        self.display_name = display_name
        self.cause = cause
        self.access_key = access_key
        self.lookup_error = lookup_error
        self.lookups = lookups
        self.applied = applied
        what = "was applied (the server answered 2xx)" if applied else "may have been applied"
        head = f"create of {display_name!r} failed after the request {what} ({cause})"
        if access_key is not None:
            created = access_key.create_time.isoformat()
            message = (
                f"{head}; key {access_key.access_key_id} with that display name exists "
                f"(created {created}) and its secret cannot be recovered: delete it and "
                f"create a new key"
            )
        elif lookup_error is None:
            message = (
                f"{head}; {lookups} lookup(s) found no key named {display_name!r} yet, but the "
                f"server may still apply it: check again later, and if such a key appears, "
                f"delete it (its secret cannot be recovered)"
            )
        else:
            message = (
                f"{head}, and looking the key up failed ({lookup_error}); check for a key "
                f"named {display_name!r}: if present, its secret cannot be recovered"
            )
        super().__init__(message)


class RotationError(SinchKeysError):
    """A key rotation stopped at ``step``; what is left is stated, never assumed.

    ``step`` is one of ``"preflight"``, ``"create"``, ``"token"``, ``"verify"``,
    ``"delete_old"``, ``"confirm_old"``. ``cause`` is the underlying error. The caller can
    always still authenticate: either the old key exists (the message says so), or the new key
    exists and ``new_secret`` holds its secret.

    * ``new_key_id``: the replacement key, if one was created (or found by a lookup);
    * ``new_key_deleted``: it was created and then deleted again (rolled back);
    * ``new_secret``: the replacement's secret (a :class:`~sinch_keys.SecretStr`) whenever
      that key still exists and the secret is known: store it, or delete the key;
      ``new_access_key`` is then that key (an :class:`~sinch_keys.AccessKey`).

    Example::

        except sinch_keys.RotationError as exc:
            if exc.new_secret is not None:
                vault.store(exc.new_key_id, exc.new_secret.get_secret_value())
    """

    def __init__(
        self,
        step: str,
        message: str,
        cause: BaseException | None = None,
        new_key_deleted: bool = False,
        *,
        new_key_id: str | None = None,
        new_secret: SecretStr | None = None,
        new_access_key: AccessKey | None = None,
    ) -> None:
        self.step = step
        self.cause = cause
        self.new_key_deleted = new_key_deleted
        self.new_key_id = new_key_id
        self.new_secret = new_secret
        self.new_access_key = new_access_key
        super().__init__(f"rotation failed at step {step!r}: {message}")


# Failures before any byte of the request could reach the server.
_NEVER_CONNECTED = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)

_ERROR_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_class_for(status_code: int) -> type[APIError]:
    """Return the exception class for an error status code.

    Example::

        >>> error_class_for(520).__name__
        'InternalServerError'
    """
    if status_code >= 500:
        return InternalServerError
    return _ERROR_BY_STATUS.get(status_code, APIError)


def error_from_response(response: httpx.Response) -> APIError:
    """Build the typed error for a non-2xx response (its body already read).

    Example::

        >>> r = httpx.Response(404, json={"error": {"code": 404, "message": "Not found",
        ...     "status": "NOT_FOUND", "details": []}})
        >>> error_from_response(r).status
        'NOT_FOUND'
    """
    status: str | None = None
    message: str | None = None
    details: list[Any] = []
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, RecursionError):  # RecursionError: a body nested thousands deep
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # the vendor's error body
            status = _server_text(error.get("status"), 64)
            message = _server_text(error.get("message"))
            raw_details = error.get("details")
            details = raw_details if isinstance(raw_details, list) else []
        elif isinstance(error, str):  # an OAuth2 error body (RFC 6749 5.2)
            status = _server_text(error, 64)
            message = _server_text(body.get("error_description"))
    if message is None:
        reason = _server_text(response.reason_phrase)
        message = reason or (_excerpt(response) if body is None else "")
        message = message or "HTTP error"
    return error_class_for(response.status_code)(
        message,
        status_code=response.status_code,
        status=status,
        details=details,
        request_id=_request_id(response.headers),
        headers=response.headers,
        request=response.request if _has_request(response) else None,
    )


def error_from_transport(
    exc: httpx.RequestError, request: httpx.Request | None = None
) -> APIConnectionError:
    """Wrap an httpx request failure, recording whether the request may have been applied.

    Example::

        >>> error_from_transport(httpx.ConnectError("refused")).may_have_reached_server
        False
    """
    if request is None:
        request = exc._request  # None when httpx raised before attaching it
    never_connected = isinstance(exc, _NEVER_CONNECTED)
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    what = "timed out" if kind is APITimeoutError else "connection failed"
    # httpx quotes what it refused (a header value, a server's bytes): scrubbed like a body
    detail = (
        f"{type(exc).__name__}: {_redact.message(str(exc))}" if str(exc) else type(exc).__name__
    )
    target = f" ({request.method} {request.url.copy_with(query=None)})" if request else ""
    return kind(
        f"request {what}{target}: {detail}",
        request=request,
        may_have_reached_server=not never_connected,
    )


def _request_id(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = _server_text(headers.get(name), 128)
        if value:
            return value
    return None


def _safe_headers(headers: Mapping[str, str] | None) -> httpx.Headers:
    """Response headers without the ones that carry credentials (a server may echo ours)."""
    kept = httpx.Headers()
    for name, value in (headers or {}).items():
        if not _redact.is_secret_name(name) and _redact.redact_text(value) == value:
            kept[name] = value
    return kept


def _excerpt(response: httpx.Response) -> str:
    try:
        content = response.content
    except httpx.ResponseNotRead:  # the body could not be read at all
        return ""
    return _redact.excerpt(content[: BODY_EXCERPT_CHARS * 64])


def _server_text(value: Any, limit: int = _redact.MESSAGE_CHARS) -> str | None:
    """A string the server sent, fit for a message: scrubbed, escaped, cut; None if empty."""
    if not isinstance(value, str) or not value:
        return None
    return _redact.message(value)[:limit]


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - raises RuntimeError when unset
    except RuntimeError:
        return False
    return True
