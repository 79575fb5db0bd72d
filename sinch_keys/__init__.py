"""Python SDK for the Sinch Access Keys Management API (v1).

Example::

    from sinch_keys import SinchKeys

    with SinchKeys() as client:          # SINCH_PROJECT_ID, SINCH_KEY_ID, SINCH_KEY_SECRET
        created = client.access_keys.create(display_name="ci deploy")
        print(created.access_key.access_key_id, created.secret)   # the secret prints masked
"""

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
from sinch_keys._logging import setup_from_env as _setup_logging
from sinch_keys._models import AccessKey, CreatedAccessKey, ListAccessKeysResponse
from sinch_keys._pagination import AccessKeyPager, AsyncAccessKeyPager
from sinch_keys._response import APIResponse
from sinch_keys._retry import RetryPolicy
from sinch_keys._secrets import SecretStr
from sinch_keys._version import __version__

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
    "ResponseTooLargeError",
    "RetryPolicy",
    "RotationError",
    "SecretStr",
    "SelfDeleteError",
    "SinchKeys",
    "SinchKeysError",
    "__version__",
]

_setup_logging()
