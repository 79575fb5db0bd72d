"""A string that keeps its value out of reprs, str(), logs and tracebacks; and the secrets
this process holds, so that error messages can be scrubbed of them by value."""

from __future__ import annotations

import collections
import hmac
import threading
from typing import Any, Final

MASK: Final = "**********"

# The most recent secret values (key secrets, created secrets, tokens): a server that echoes
# one back, in a body or a header, finds it replaced in every message (_redact). Bounded, so
# it keeps no more than a handful alive beyond their owners.
_KNOWN: collections.deque[str] = collections.deque(maxlen=64)
_KNOWN_LOCK = threading.Lock()


def remember(value: str) -> None:
    """Note a secret value, so that messages never carry it.

    Example::

        >>> remember("a-token-value-123")
    """
    with _KNOWN_LOCK:
        if value not in _KNOWN:
            _KNOWN.append(value)


def forget_all() -> None:
    """Forget every noted value (tests that must not see another test's secrets).

    Example::

        >>> forget_all(); known_secrets()
        ()
    """
    with _KNOWN_LOCK:
        _KNOWN.clear()


def known_secrets() -> tuple[str, ...]:
    """The secret values noted so far (most recent last).

    Example::

        >>> remember("another-value-456"); "another-value-456" in known_secrets()
        True
    """
    with _KNOWN_LOCK:
        return tuple(_KNOWN)


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
        remember(value)

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
