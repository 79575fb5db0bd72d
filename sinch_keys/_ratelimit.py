"""Adaptive client-side rate limiting: a send-rate limiter that finds the API's limit by itself.

A :class:`RateLimiter` paces the attempts of every client that shares it, so that a fan-out
(hundreds of tasks or threads, one credential) runs at the rate the API accepts instead of
storming it and backing off task by task. It follows botocore's ``adaptive`` retry mode (a
token bucket whose rate falls on throttling and recovers along a CUBIC curve) with three
changes, each for a failure botocore's version has when 200 tasks start at once:

* **slow start**: the rate starts low and doubles every ``slow_start_doubling`` seconds of
  accepted traffic until the first throttle (TCP's slow start, RFC 5681), so a fan-out that
  releases every task at once ramps up instead of storming. botocore starts unlimited and only
  reacts to the first 429s;
* **decrease to what the API accepted**: on a throttle the rate falls to ``beta`` times the
  measured rate of *accepted* responses (the API's capacity while we were over it), not of
  the requests sent (which overshoot it); echoes of the same overload change nothing more;
* **no reservations**: :meth:`RateLimiter.acquire` hands out a send slot only when one is free
  now, and otherwise tells the caller when to ask again. A rate change applies at once to
  every waiting caller, where a reservation made at the old rate would still be sent at it.

The limiter is sans-I/O: it never sleeps, reads no clock and holds no event loop. Callers
pass the time (``now``, from the same monotonic clock every time) and sleep with their own
sleep function, so one limiter serves sync and async clients alike. It is thread-safe and
task-safe (one lock, held for a few microseconds, never across a sleep).

The states, named as in TCP congestion control:

=================== =============================================== ============================
state               rate                                            left on
=================== =============================================== ============================
``slow_start``      doubles every ``slow_start_doubling`` s of      the first throttle
                    accepted traffic, from ``initial_rate``
``avoidance``       CUBIC (RFC 8312): ``beta * w_max`` just after   (stays; a throttle restarts
                    a throttle, back to ``w_max`` after             the curve)
                    ``recovery`` s, then above it to probe
=================== =============================================== ============================

``w_max`` is the accepted rate measured when the last throttle came. Whatever the state, the
rate never exceeds twice the rate actually sent (an idle client does not bank a burst), nor
``max_rate`` when given, and never falls below ``min_rate``.

The driver of a send loop (the client) does, around every attempt (retries included)::

    while (delay := limiter.acquire(clock())) > 0:
        sleep(delay)                      # time.sleep or await asyncio.sleep
    response = send(request)
    limiter.record(clock(), throttled=response.status_code == 429)

An attempt that gets no response (a connection error) records nothing: it says nothing about
the API's limit.

How the clients take it (the retry loop, ``_retry.send``, paces every attempt through it):

* ``SinchKeys(retry_policy=RetryPolicy(mode="adaptive"))``: the client makes its own
  :class:`RateLimiter` with the defaults. ``mode="standard"`` (the default) sends at once and
  only retries, as before;
* ``rate_limiter=RateLimiter(...)``: one limiter shared by every client given it, sync and
  async alike. The API limits a *credential*, so clients that use the same key should share
  one limiter; it implies adaptive mode.

Retries keep their policy (``Retry-After`` is honoured) and each retry goes through
:meth:`RateLimiter.acquire` like a first attempt. Token requests (to the OAuth2 endpoint) are
not paced: the API's rate limit does not count them.

Example (the clock is injected, so it runs instantly)::

    >>> limiter = RateLimiter(initial_rate=10.0)
    >>> limiter.acquire(now=0.0)          # a slot is free: send now
    0.0
    >>> limiter.record(now=0.01, throttled=False)
    >>> limiter.state
    'slow_start'
"""

from __future__ import annotations

import math
import threading
from typing import Final, Literal

from sinch_keys._errors import InvalidArgumentError

State = Literal["slow_start", "avoidance"]

# Responses to requests sent before a decrease arrive after it; within this long they are
# echoes of the overload already acted on. (A later echo only restarts the same curve: the
# decrease is taken from the accepted rate, so it does not compound.)
ECHO_SECONDS: Final = 0.1
# The measured rates (sent, accepted) average over about this long.
METER_SECONDS: Final = 0.1
# Slack in comparing times: floating-point sums of intervals must not cost a slot.
EPSILON: Final = 1e-9


class RateMeter:
    """Events per second, exponentially weighted over about ``window`` seconds.

    Bias-corrected while younger than a few windows, so the first events already give the
    true rate rather than a fraction of it.

    Example::

        >>> meter = RateMeter(window=1.0)
        >>> for i in range(1, 51):
        ...     meter.add(i / 10)             # 10 events per second for 5 s
        >>> round(meter.rate(5.05))
        10
    """

    __slots__ = ("_last", "_start", "_sum", "_window")

    def __init__(self, window: float = METER_SECONDS) -> None:
        if window <= 0:
            raise InvalidArgumentError(f"window must be > 0, got {window!r}")
        self._window = window
        self._sum = 0.0  # sum of exp(-(last - t_i) / window) over events t_i
        self._last = 0.0  # time of the last event (or of the start)
        self._start: float | None = None

    def start(self, now: float) -> None:
        """Mark the start of observation (the rate is counted from here), once."""
        if self._start is None:
            self._start = now
            self._last = now

    def add(self, now: float) -> None:
        """Count one event at ``now``."""
        self.start(now)
        self._decay(now)
        self._sum += 1.0

    def rate(self, now: float) -> float:
        """Events per second around ``now`` (0.0 before any event)."""
        if self._start is None:
            return 0.0
        elapsed = now - self._start
        if elapsed <= 0:
            return 0.0
        decayed = self._sum * math.exp(-max(0.0, now - self._last) / self._window)
        # the weights of a constant rate since start sum to window * (1 - exp(-elapsed/window))
        return decayed / (self._window * -math.expm1(-elapsed / self._window))

    def _decay(self, now: float) -> None:
        if now > self._last:
            self._sum *= math.exp(-(now - self._last) / self._window)
            self._last = now


class RateLimiter:
    """An adaptive send-rate limit, shared by every client (and thread or task) given it.

    Args:
        initial_rate: requests per second at the start of slow start.
        slow_start_doubling: seconds of accepted traffic over which slow start doubles the rate.
        beta: on a throttle, the rate falls to ``beta`` times the accepted rate (0 < beta < 1).
        recovery: seconds the CUBIC curve takes to climb back to the rate of the last throttle.
        min_rate, max_rate: bounds on the rate (``max_rate=None``: no upper bound but the
            rate actually sent).
        burst: seconds of rate that may be sent back to back after a pause (at least one
            request): a small bucket, so that an idle moment never releases a storm.
        max_wait: a waiting caller asks again at least this often, so a rate increase
            reaches it promptly.

    Example::

        >>> limiter = RateLimiter(initial_rate=100.0, burst=0.0)
        >>> limiter.acquire(0.0), limiter.acquire(0.0)   # the second waits one interval
        (0.0, 0.01)
        >>> limiter.record(0.005, throttled=True)        # a 429: leave slow start, slow down
        >>> limiter.state, limiter.rate < 100.0
        ('avoidance', True)
    """

    def __init__(
        self,
        *,
        initial_rate: float = 50.0,
        slow_start_doubling: float = 0.15,
        beta: float = 0.85,
        recovery: float = 2.0,
        min_rate: float = 0.5,
        max_rate: float | None = None,
        burst: float = 0.01,
        max_wait: float = 0.25,
    ) -> None:
        _positive("initial_rate", initial_rate)
        _positive("slow_start_doubling", slow_start_doubling)
        _positive("recovery", recovery)
        _positive("min_rate", min_rate)
        _positive("max_wait", max_wait)
        if not 0 < beta < 1:
            raise InvalidArgumentError(f"beta must be between 0 and 1 (exclusive), got {beta!r}")
        if max_rate is not None and max_rate < min_rate:
            raise InvalidArgumentError(f"max_rate ({max_rate!r}) is below min_rate ({min_rate!r})")
        if burst < 0 or not math.isfinite(burst):
            raise InvalidArgumentError(f"burst must be >= 0 seconds, got {burst!r}")
        self.initial_rate = initial_rate
        self.slow_start_doubling = slow_start_doubling
        self.beta = beta
        self.recovery = recovery
        self.min_rate = min_rate
        self.max_rate = max_rate
        self.burst = burst
        self.max_wait = max_wait

        self._lock = threading.Lock()
        self._state: State = "slow_start"
        self._rate = self._bounded(initial_rate)
        # GCRA (virtual scheduling): the theoretical time of the next send at the current rate
        self._next_send: float | None = None
        # where the next waiting caller is told to ask again (spreads waiters over the slots)
        self._next_wake = -math.inf
        self._sent = RateMeter(METER_SECONDS)
        self._accepted = RateMeter(METER_SECONDS)
        self._w_max = 0.0  # the accepted rate at the last throttle
        self._decreased_at = -math.inf  # time of the last decrease (the CUBIC epoch)
        self.throttles = 0  # every throttled response recorded
        self.decreases = 0  # throttles that lowered the rate (the others were echoes)

    def __repr__(self) -> str:
        return (
            f"<RateLimiter {self._state} rate={self._rate:.1f}/s "
            f"throttles={self.throttles} decreases={self.decreases}>"
        )

    @property
    def rate(self) -> float:
        """The current send rate, requests per second.

        Example::

            >>> RateLimiter(initial_rate=5.0).rate
            5.0
        """
        return self._rate

    @property
    def state(self) -> State:
        """``"slow_start"`` until the first throttle, then ``"avoidance"``.

        Example::

            >>> RateLimiter().state
            'slow_start'
        """
        return self._state

    def acquire(self, now: float) -> float:
        """Take a send slot if one is free at ``now`` (returns 0.0: send now); otherwise
        return the seconds to sleep before calling :meth:`acquire` again.

        Nothing is reserved while a caller sleeps: when it asks again, the slot it gets (or
        not) follows the rate at that moment. Waiting callers are told different times, one
        slot apart, so they do not all wake for the same slot.

        Example::

            >>> limiter = RateLimiter(initial_rate=10.0, burst=0.0)
            >>> limiter.acquire(0.0), limiter.acquire(0.0), limiter.acquire(0.0)
            (0.0, 0.1, 0.2)
        """
        with self._lock:
            interval = 1.0 / self._rate
            if self._next_send is None:  # the first call starts the clocks
                self._next_send = now
                self._sent.start(now)
                self._accepted.start(now)
            free_at = self._next_send - self.burst
            if free_at <= now + EPSILON:
                self._next_send = max(self._next_send, now) + interval
                self._sent.add(now)
                return 0.0
            wake = max(self._next_wake, free_at)
            if wake > now + self.max_wait + EPSILON:  # past the horizon: back to the next slot
                wake = free_at
            self._next_wake = wake + interval
            return wake - now

    def record(self, now: float, throttled: bool) -> None:
        """Report the response to an attempt sent after :meth:`acquire`: ``throttled`` for a
        429 (the API's "too many requests"), False for any other response.

        Example::

            >>> limiter = RateLimiter(initial_rate=10.0)
            >>> limiter.acquire(0.0)
            0.0
            >>> limiter.record(0.05, throttled=False)
            >>> limiter.rate > 10.0                      # slow start: it grows
            True
        """
        with self._lock:
            self._accepted.start(now)
            if throttled:
                self.throttles += 1
                if now - self._decreased_at >= ECHO_SECONDS:
                    self._decrease(now)
                return
            self._accepted.add(now)
            if self._state == "slow_start":
                # doubling every D seconds at rate r means r * ln2 / D per second, spread
                # over the r accepted responses of that second: ln2 / D each
                self._set_rate(self._rate + math.log(2) / self.slow_start_doubling, now)
            else:
                self._set_rate(self._cubic(now), now)

    # -- the rate ----------------------------------------------------------------------------

    def _decrease(self, now: float) -> None:
        accepted = self._accepted.rate(now)
        self._w_max = max(accepted, self.min_rate)
        self._state = "avoidance"
        self._decreased_at = now
        self.decreases += 1
        self._set_rate(self.beta * self._w_max, now, cap=False)

    def _cubic(self, now: float) -> float:
        """RFC 8312's W(t) = C (t - K)^3 + W_max, with C chosen so that K = ``recovery``:
        the curve starts at beta * W_max and is back at W_max after ``recovery`` seconds."""
        k = self.recovery
        scale = self._w_max * (1 - self.beta) / k**3
        return scale * (now - self._decreased_at - k) ** 3 + self._w_max

    def _set_rate(self, rate: float, now: float, cap: bool = True) -> None:
        if cap:
            # never more than twice what is actually being sent: an idle or slow caller must
            # not bank a rate it would then release at once
            rate = min(rate, max(2 * self._sent.rate(now), self.initial_rate))
        self._rate = self._bounded(rate)

    def _bounded(self, rate: float) -> float:
        if self.max_rate is not None:
            rate = min(rate, self.max_rate)
        return max(rate, self.min_rate)


def _positive(name: str, value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise InvalidArgumentError(f"{name} must be a positive number, got {value!r}")
