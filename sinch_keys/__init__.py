"""Python SDK for the Sinch Access Keys Management API (v1).

Example::

    from sinch_keys import SinchKeys

    with SinchKeys() as client:          # SINCH_PROJECT_ID, SINCH_KEY_ID, SINCH_KEY_SECRET
        created = client.access_keys.create(display_name="ci deploy")
        print(created.access_key.access_key_id, created.secret)   # the secret prints masked
"""

# The public names load on first use (PEP 562), so ``import sinch_keys`` costs next to nothing
# and ``sinch-keys --version`` answers before httpx is even imported; type checkers see the
# imports below as they are.
from typing import TYPE_CHECKING, Any

from sinch_keys._logging import setup_from_env as _setup_logging
from sinch_keys._version import __version__

if TYPE_CHECKING:
    from sinch_keys._async_client import AsyncSinchKeys
    from sinch_keys._base import NOT_GIVEN, NotGiven
    from sinch_keys._client import SinchKeys
    from sinch_keys._errors import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        CreateOutcomeUnknownError,
        InternalServerError,
        InvalidArgumentError,
        InvalidArgumentTypeError,
        MissingCredentialsError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseTooLargeError,
        RotationError,
        SelfDeleteError,
        SinchKeysError,
    )
    from sinch_keys._models import AccessKey, CreatedAccessKey, ListAccessKeysResponse
    from sinch_keys._pagination import AccessKeyPager, AsyncAccessKeyPager
    from sinch_keys._ratelimit import RateLimiter
    from sinch_keys._response import APIResponse
    from sinch_keys._retry import RetryPolicy
    from sinch_keys._secrets import SecretStr

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APITimeoutError",
    "AccessKey",
    "AccessKeyPager",
    "AsyncAccessKeyPager",
    "AsyncSinchKeys",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CreateOutcomeUnknownError",
    "CreatedAccessKey",
    "InternalServerError",
    "InvalidArgumentError",
    "InvalidArgumentTypeError",
    "ListAccessKeysResponse",
    "MissingCredentialsError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "ResponseTooLargeError",
    "RetryPolicy",
    "RotationError",
    "SecretStr",
    "SelfDeleteError",
    "SinchKeys",
    "SinchKeysError",
    "__version__",
]

_EXPORTS = {
    "APIConnectionError": "sinch_keys._errors",
    "APIError": "sinch_keys._errors",
    "APIResponse": "sinch_keys._response",
    "APIResponseValidationError": "sinch_keys._errors",
    "APITimeoutError": "sinch_keys._errors",
    "AccessKey": "sinch_keys._models",
    "AccessKeyPager": "sinch_keys._pagination",
    "AsyncAccessKeyPager": "sinch_keys._pagination",
    "AsyncSinchKeys": "sinch_keys._async_client",
    "AuthenticationError": "sinch_keys._errors",
    "BadRequestError": "sinch_keys._errors",
    "ConflictError": "sinch_keys._errors",
    "CreateOutcomeUnknownError": "sinch_keys._errors",
    "CreatedAccessKey": "sinch_keys._models",
    "InternalServerError": "sinch_keys._errors",
    "InvalidArgumentError": "sinch_keys._errors",
    "InvalidArgumentTypeError": "sinch_keys._errors",
    "ListAccessKeysResponse": "sinch_keys._models",
    "MissingCredentialsError": "sinch_keys._errors",
    "NOT_GIVEN": "sinch_keys._base",
    "NotFoundError": "sinch_keys._errors",
    "NotGiven": "sinch_keys._base",
    "PermissionDeniedError": "sinch_keys._errors",
    "RateLimitError": "sinch_keys._errors",
    "RateLimiter": "sinch_keys._ratelimit",
    "ResponseTooLargeError": "sinch_keys._errors",
    "RetryPolicy": "sinch_keys._retry",
    "RotationError": "sinch_keys._errors",
    "SecretStr": "sinch_keys._secrets",  # pragma: allowlist secret
    "SelfDeleteError": "sinch_keys._errors",
    "SinchKeys": "sinch_keys._client",
    "SinchKeysError": "sinch_keys._errors",
}

if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error there

    def __getattr__(name: str) -> Any:
        module = _EXPORTS.get(name)
        if module is None:
            raise AttributeError(f"module 'sinch_keys' has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # next time, a plain attribute
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


_setup_logging()
