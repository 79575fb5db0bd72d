"""Contains all the data models used in inputs/outputs"""

from .access_key import AccessKey
from .create_access_key import CreateAccessKey
from .create_access_key_response import CreateAccessKeyResponse
from .error import Error
from .error_error import ErrorError
from .list_access_keys_response import ListAccessKeysResponse
from .protobuf_any import ProtobufAny
from .update_access_key import UpdateAccessKey

__all__ = (
    "AccessKey",
    "CreateAccessKey",
    "CreateAccessKeyResponse",
    "Error",
    "ErrorError",
    "ListAccessKeysResponse",
    "ProtobufAny",
    "UpdateAccessKey",
)
