"""When to retry and how long to wait, and the one retry loop both clients run. No I/O.

:class:`RetryPolicy` decides; :func:`send` is the loop: an I/O-free flow (like httpx's
``auth_flow``) that yields :class:`Attempt` ("send this request once") and :class:`Sleep`
("wait this long"), and receives an :class:`Exchange` (what one attempt produced). The sync
client drives it with ``time.sleep``, the async client with ``await asyncio.sleep``; tenacity
keeps the count, computes the waits and calls ``before_sleep``.

Decisions:

* retried: connection errors, timeouts, 429, 500, 502, 503, 504;
* ``Retry-After`` (seconds or an HTTP date) is honoured up to ``max_retry_after``; a longer
  request is not retried at all (the caller gets the :class:`RateLimitError` at once);
* otherwise exponential backoff with jitter: about 0.5 s, 1 s, 2 s ... capped;
* create is not idempotent: it is retried only when the request surely had no effect (the
  connection was never made, or 429 / 503);
* a request whose token fetch failed is not retried again (the fetch already was), and is
  reported as never sent.

Example::

    policy = RetryPolicy(max_retries=5, max_retry_after=30.0)
    client = SinchKeys(retry_policy=policy)
"""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Literal, TypeVar

import attrs
import httpx

from sinch_keys._auth import TokenFailure
from sinch_keys._body import ResponseTooLarge
from sinch_keys._deadline import DeadlineExceeded
from sinch_keys._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    ResponseTooLargeError,
    SinchKeysError,
    error_from_response,
    error_from_transport,
)
from sinch_keys._outcomes import Delivery, Sent, delivery_of_status

if TYPE_CHECKING:
    import tenacity

    from sinch_keys._base import Call

log = logging.getLogger("sinch_keys")

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# Statuses by which the server says the request was not applied: the only ones a create
# may be retried after.
NOT_APPLIED_STATUS = frozenset({429, 503})

T = TypeVar("T")


class RetryKind(enum.Enum):
    """How safe an operation is to repeat.

    Example::

        >>> RetryKind.CREATE.value
        'create'
    """

    IDEMPOTENT = "idempotent"
    CREATE = "create"


class Attempt:
    """Yielded by a flow: send ``call`` once (attempt ``number``, 1-based)."""

    __slots__ = ("call", "number")

    def __init__(self, call: Call, number: int) -> None:
        self.call = call
        self.number = number

    def __repr__(self) -> str:
        return f"<Attempt {self.number} of {self.call!r}>"


class Sleep:
    """Yielded by a flow: wait ``seconds`` before going on."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"<Sleep {self.seconds:.3f} s>"


class Exchange:
    """Sent back to a flow: what one attempt produced.

    ``response`` is set when the status line arrived (its body read, unless ``error`` says
    reading it failed); ``error`` is the httpx error, or the :class:`TokenFailure` of the
    token fetch the request needed (then nothing was sent).
    """

    __slots__ = ("error", "response")

    def __init__(
        self, response: httpx.Response | None = None, error: Exception | None = None
    ) -> None:
        self.response = response
        self.error = error


Step = Attempt | Sleep
Flow = Generator[Step, Exchange | None, T]


@attrs.frozen
class RetryPolicy:
    """Retry settings of a client. Immutable; ``max_retries`` may be overridden per call.

    ``recheck_waits`` are the waits between the lookups that settle a create whose outcome is
    unknown (a server may apply a request after the client stopped waiting for it).

    ``mode="adaptive"`` paces every attempt through a :class:`~sinch_keys.RateLimiter` (the
    client makes one, unless given ``rate_limiter=``): a start slow enough for a fan-out, a
    rate that falls on 429 to what the API accepted and recovers after. ``"standard"`` (the
    default) sends at once and only retries.

    Example::

        >>> RetryPolicy(max_retries=0).max_retries
        0
    """

    max_retries: int = 2
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 60.0
    recheck_waits: tuple[float, ...] = (1.0, 2.0, 4.0)
    mode: Literal["standard", "adaptive"] = attrs.field(
        default="standard", validator=attrs.validators.in_(("standard", "adaptive"))
    )

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
        backoff += random.uniform(0, self.jitter)  # noqa: S311  # nosec B311
        return float(min(backoff, self.max_backoff))

    def retrying(
        self,
        max_retries: int,
        before_sleep: Callable[[tenacity.RetryCallState], None] | None = None,
    ) -> tenacity.Retrying:
        """The tenacity controller of one call: counts attempts, computes waits, stops.

        :func:`send` drives it step by step (``Retrying.iter``), so it never sleeps itself;
        whether an error is retryable at all was decided by :meth:`should_retry` first.

        Example::

            retrying = RetryPolicy().retrying(2)
        """
        import tenacity  # imported when a first attempt fails: not on the success path

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.wait_seconds(error, state.attempt_number)

        return tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max_retries + 1),
            wait=wait,
            retry=tenacity.retry_always,
            before_sleep=before_sleep,
            retry_error_callback=lambda state: _GIVE_UP,
        )


_GIVE_UP = object()


def send(call: Call, policy: RetryPolicy) -> Flow[Sent]:
    """The retry loop: attempt ``call`` until it succeeds, fails for good, or the policy
    stops; returns every attempt's :class:`~sinch_keys._outcomes.Delivery` with the result.

    Example::

        sent = yield from send(call, client.retry_policy)   # inside an operation flow
        response = sent.result()
    """
    if not ((yield from _pace(call)) if call.limiter is not None else _in_time(call)):
        return Sent(None, _deadline_error(call, None), (Delivery.NOT_SENT,))
    exchange = yield Attempt(call, 1)
    outcome, delivery = judge(call, exchange, 1)
    if not isinstance(outcome, SinchKeysError):
        return Sent(outcome, None, (delivery,))  # the success path builds no retry machinery
    deliveries = [delivery]
    if _final(exchange, outcome, call, policy):
        return Sent(None, outcome, tuple(deliveries))

    import tenacity

    retrying = policy.retrying(call.max_retries, _log_retry(call))
    retrying.begin()
    state = tenacity.RetryCallState(retrying, fn=None, args=(), kwargs={})
    while True:
        state.set_exception((type(outcome), outcome, outcome.__traceback__))
        action = retrying.iter(state)
        if action is _GIVE_UP or not isinstance(action, tenacity.DoSleep):
            return Sent(None, outcome, tuple(deliveries))
        if _out_of_time(call, float(action)):  # never wait past the deadline to try again
            return Sent(None, _deadline_error(call, outcome), tuple(deliveries))
        state.prepare_for_next_attempt()
        yield Sleep(float(action))
        if not ((yield from _pace(call)) if call.limiter is not None else _in_time(call)):
            return Sent(None, _deadline_error(call, outcome), tuple(deliveries))
        exchange = yield Attempt(call, state.attempt_number)
        outcome, delivery = judge(call, exchange, state.attempt_number)
        deliveries.append(delivery)
        if not isinstance(outcome, SinchKeysError):
            return Sent(outcome, None, tuple(deliveries))
        if _final(exchange, outcome, call, policy):
            return Sent(None, outcome, tuple(deliveries))


def _pace(call: Call) -> Generator[Step, Exchange | None, bool]:
    """Wait for the rate limiter's slot (adaptive mode); False if the deadline comes first."""
    limiter = call.limiter
    while limiter is not None and (delay := limiter.acquire(call.clock())) > 0:
        if _out_of_time(call, delay):
            return False
        yield Sleep(delay)
    return _in_time(call)


def _in_time(call: Call) -> bool:
    return not _out_of_time(call, 0.0)


def _out_of_time(call: Call, wait: float) -> bool:
    """True when the deadline leaves no time for an attempt after ``wait`` seconds; else caps
    the next attempt's timeouts at the time left (a server gets no longer than that)."""
    if call.deadline is None:
        return False
    left = call.deadline.at - call.clock() - wait
    if left <= 0:
        return True
    if any(t is None or t > left for t in call.timeouts.values()):
        call.request.extensions["timeout"] = {
            phase: left if t is None else min(t, left) for phase, t in call.timeouts.items()
        }
    return False


def _deadline_error(call: Call, last: SinchKeysError | None) -> APITimeoutError:
    after = f"; the last attempt failed: {last}" if last is not None else ""
    return APITimeoutError(
        f"deadline of {_seconds(call):g} s reached before the request could be sent again{after}"
        if last is not None
        else f"deadline of {_seconds(call):g} s reached before the request was sent",
        request=call.request,
        may_have_reached_server=False,
    )


def _final(
    exchange: Exchange | None, error: SinchKeysError, call: Call, policy: RetryPolicy
) -> bool:
    if exchange is not None and isinstance(exchange.error, TokenFailure | DeadlineExceeded):
        # the token fetch retried on its own (never multiply its attempts); or no time is left
        return True
    return not call.max_retries or not policy.should_retry(error, call.kind)


def judge(
    call: Call, exchange: Exchange | None, attempt: int
) -> tuple[httpx.Response | SinchKeysError, Delivery]:
    """Turn one attempt's exchange into the response or the typed error, and its delivery.

    Example::

        outcome, delivery = judge(call, Exchange(response=response), 1)
    """
    if exchange is None:
        raise RuntimeError("a flow's Attempt must be answered with an Exchange")
    request = call.request
    response, failure = exchange.response, exchange.error
    if isinstance(failure, TokenFailure):
        return failure.error, Delivery.NOT_SENT
    if isinstance(failure, DeadlineExceeded):
        timed_out = APITimeoutError(
            f"deadline of {_seconds(call):g} s reached during the request "
            f"({request.method} {request.url.copy_with(query=None)})",
            request=request,
        )
        _log_attempt(call, attempt, "ran out of time")
        return timed_out, Delivery.UNKNOWN if response is None else delivery_of_status(
            response.status_code
        )
    if isinstance(failure, ResponseTooLarge) and response is not None:
        return ResponseTooLargeError(response, failure.limit), delivery_of_status(
            response.status_code
        )
    if not isinstance(failure, httpx.RequestError | None):
        raise TypeError(f"a driver reported {type(failure).__name__}, not an httpx error")
    if response is None:
        if failure is None:
            raise RuntimeError("an Exchange has a response or an error, never neither")
        error = error_from_transport(failure, request)
        _log_attempt(call, attempt, f"failed: {error.message}")
        return error, Delivery.NOT_SENT if not error.may_have_reached_server else Delivery.UNKNOWN
    delivery = delivery_of_status(response.status_code)
    _log_attempt(call, attempt, f"-> {response.status_code}")
    if call.limiter is not None:  # a connection error says nothing of the API's rate limit
        call.limiter.record(call.clock(), throttled=response.status_code == 429)
    if failure is not None:  # the status line came, the body did not
        if isinstance(failure, httpx.DecodingError):
            return APIResponseValidationError(response, _undecodable(failure)), delivery
        return error_from_transport(failure, request), delivery
    if response.is_success:
        return response, delivery
    return error_from_response(response), delivery


def _undecodable(failure: httpx.DecodingError) -> str:
    return f"the body could not be decoded (DecodingError: {failure})"


def _log_attempt(call: Call, attempt: int, what: str) -> None:
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "%s %s %s (attempt %d)", call.request.method, call.request.url.path, what, attempt
        )


def _log_retry(call: Call) -> Callable[[tenacity.RetryCallState], None]:
    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.upcoming_sleep
        what = f"{error.status_code}" if isinstance(error, APIError) else type(error).__name__
        log.info(
            "retrying %s %s in %.2f s (attempt %d failed: %s)",
            call.request.method,
            call.request.url.path,
            wait,
            state.attempt_number,
            what,
        )

    return before_sleep


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Parse ``Retry-After`` (delay seconds or an HTTP date) into seconds from now.

    Example::

        >>> retry_after_seconds({"retry-after": "2"})
        2.0
    """
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # only HTTP-date Retry-After values need it

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _seconds(call: Call) -> float:
    return call.deadline.seconds if call.deadline is not None else 0.0
