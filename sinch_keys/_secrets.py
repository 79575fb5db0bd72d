"""A string that keeps its value out of reprs, str(), logs and tracebacks."""

from __future__ import annotations

import hmac
from typing import Any, Final

MASK: Final = "**********"


class SecretStr:
    """Holds a secret; only :meth:`get_secret_value` reveals it.

    Example::

        >>> secret = SecretStr("s3cr3t")
        >>> secret, str(secret), secret.get_secret_value()
        (SecretStr('**********'), '**********', 's3cr3t')
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"a secret must be a str, not {type(value).__name__}")
        self._value = value

    def get_secret_value(self) -> str:
        """Return the secret itself.

        Example::

            >>> SecretStr("x").get_secret_value()
            'x'
        """
        return self._value

    def __repr__(self) -> str:
        return f"SecretStr({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, format_spec: str) -> str:
        return format(MASK, format_spec)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretStr):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __reduce__(self) -> Any:
        # pickling is how secrets end up in caches and task queues; make it a decision
        raise TypeError("SecretStr cannot be pickled; store get_secret_value() deliberately")
