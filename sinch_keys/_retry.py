"""When to retry, and how long to wait: one policy for the sync and the async client.

The policy only decides; the clients' retry loops (tenacity ``Retrying`` / ``AsyncRetrying``
built here) do the waiting. Decisions:

* retried: connection errors, timeouts, 429, 500, 502, 503, 504;
* ``Retry-After`` (seconds or an HTTP date) is honoured up to ``max_retry_after``; a longer
  request is not retried at all (the caller gets the :class:`RateLimitError` at once);
* otherwise exponential backoff with jitter: about 0.5 s, 1 s, 2 s ... capped;
* create is not idempotent: it is retried only when the request surely had no effect (the
  connection was never made, or 429 / 503);
* a delete whose earlier attempt had an unknown outcome and whose retry gets 404 is done.

Example::

    policy = RetryPolicy(max_retries=5, max_retry_after=30.0)
    client = SinchKeys(retry_policy=policy)
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import attrs

from sinch_keys._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    retry_after_seconds,
)

if TYPE_CHECKING:
    import tenacity

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Statuses by which the server says the request was not applied.
NOT_APPLIED_STATUS = frozenset({429, 503})


class RetryKind(enum.Enum):
    """How safe an operation is to repeat.

    Example::

        >>> RetryKind.CREATE.value
        'create'
    """

    IDEMPOTENT = "idempotent"
    CREATE = "create"
    DELETE = "delete"


@attrs.frozen
class RetryPolicy:
    """Retry settings of a client. Immutable; ``max_retries`` may be overridden per call.

    Example::

        >>> RetryPolicy(max_retries=0).max_retries
        0
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0

    def should_retry(self, error: BaseException, kind: RetryKind) -> bool:
        """Whether ``error`` from one attempt of a ``kind`` operation may be retried.

        Example::

            >>> RetryPolicy().should_retry(APIConnectionError("x"), RetryKind.CREATE)
            False
        """
        if isinstance(error, APIConnectionError):
            return kind is not RetryKind.CREATE or not error.may_have_reached_server
        if not isinstance(error, APIError) or isinstance(error, APIResponseValidationError):
            return False
        allowed = NOT_APPLIED_STATUS if kind is RetryKind.CREATE else RETRYABLE_STATUS
        if error.status_code not in allowed:
            return False
        asked = retry_after_seconds(error.headers)
        return asked is None or asked <= self.max_retry_after

    def wait_seconds(self, error: BaseException | None, attempt_number: int) -> float:
        """Seconds to wait after failed attempt number ``attempt_number`` (1-based).

        Example::

            >>> RetryPolicy(jitter=0).wait_seconds(None, 2)
            1.0
        """
        if isinstance(error, APIError):
            asked = retry_after_seconds(error.headers)
            if asked is not None:
                return min(asked, self.max_retry_after)
        # tenacity's wait_exponential_jitter formula; jitter spreads clients that failed together
        backoff = self.initial_backoff * 2 ** (attempt_number - 1)
        backoff += random.uniform(0, self.jitter)  # noqa: S311  # nosec B311 - jitter, not a secret
        return float(min(backoff, self.max_backoff))

    def retrying(
        self,
        max_retries: int,
        kind: RetryKind,
        sleep: Callable[[float], None] = time.sleep,
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.Retrying:
        """A tenacity ``Retrying`` for one call (only built once an attempt has failed).

        Example::

            for attempt in policy.retrying(2, RetryKind.IDEMPOTENT):
                with attempt:
                    send()
        """
        import tenacity  # imported when a first attempt fails: not on the success path

        return tenacity.Retrying(
            sleep=sleep, **self._tenacity_args(max_retries, kind, before_sleep)
        )

    def async_retrying(
        self,
        max_retries: int,
        kind: RetryKind,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.AsyncRetrying:
        """The ``AsyncRetrying`` twin of :meth:`retrying`.

        Example::

            async for attempt in policy.async_retrying(2, RetryKind.IDEMPOTENT):
                with attempt:
                    await send()
        """
        import asyncio

        import tenacity

        args = self._tenacity_args(max_retries, kind, before_sleep)
        return tenacity.AsyncRetrying(sleep=sleep or asyncio.sleep, **args)

    def _tenacity_args(
        self,
        max_retries: int,
        kind: RetryKind,
        before_sleep: Callable[[tenacity.RetryCallState], None] | None,
    ) -> dict[str, Any]:
        import tenacity

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.wait_seconds(error, state.attempt_number)

        return {
            "stop": tenacity.stop_after_attempt(max_retries + 1),
            "wait": wait,
            "retry": tenacity.retry_if_exception(lambda exc: self.should_retry(exc, kind)),
            "reraise": True,
            "before_sleep": before_sleep,
        }


def outcome_unknown(error: BaseException) -> bool:
    """Whether a failed request may nonetheless have been applied by the server.

    Example::

        >>> outcome_unknown(APIConnectionError("dropped", may_have_reached_server=True))
        True
    """
    if isinstance(error, APIConnectionError):
        return error.may_have_reached_server
    if isinstance(error, APIResponseValidationError):
        return True  # the server answered 2xx: it did apply the request
    if isinstance(error, APIError):
        return error.status_code >= 500 and error.status_code not in NOT_APPLIED_STATUS
    return False
