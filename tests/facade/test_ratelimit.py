"""The adaptive rate limiter (sinch_keys._ratelimit), driven with an injected clock: it paces,
ramps up, slows down on throttling and recovers after. No real time passes in these tests.

The last tests drive it the way a client fan-out does (hundreds of callers) against a
simulated API that enforces N requests per second: an event-driven simulation in virtual time,
so they prove the control loop, not this machine's speed (benchmarks/ measures that).
"""

from __future__ import annotations

import doctest
import heapq
import itertools
import math
import sys
import threading
from dataclasses import dataclass

import pytest

from sinch_keys import _ratelimit
from sinch_keys._ratelimit import ECHO_SECONDS, RateLimiter, RateMeter


def test_module_examples_run() -> None:
    result = doctest.testmod(_ratelimit)
    assert result.attempted > 5
    assert result.failed == 0


# -- pacing -------------------------------------------------------------------------------------


def grants_over(limiter: RateLimiter, seconds: float, step: float = 0.001) -> list[float]:
    """Ask every ``step`` seconds of virtual time; the times at which a slot was granted."""
    granted = []
    for i in range(round(seconds / step)):
        now = i * step
        if limiter.acquire(now) == 0.0:
            granted.append(now)
    return granted


def test_sends_at_the_rate_and_no_faster() -> None:
    limiter = RateLimiter(initial_rate=50.0, burst=0.0)
    granted = grants_over(limiter, 2.0)
    assert len(granted) == pytest.approx(100, abs=1)
    gaps = [b - a for a, b in itertools.pairwise(granted)]
    assert min(gaps) >= 1 / 50 - 1e-9


def test_after_a_pause_only_a_small_burst_goes_at_once() -> None:
    limiter = RateLimiter(initial_rate=400.0, burst=0.01)
    at_once = sum(1 for _ in range(100) if limiter.acquire(5.0) == 0.0)
    assert at_once == 1 + math.floor(400.0 * 0.01)


def test_a_waiting_caller_is_told_when_to_ask_again_and_gets_a_slot_then() -> None:
    limiter = RateLimiter(initial_rate=10.0, burst=0.0)
    assert limiter.acquire(0.0) == 0.0
    wait = limiter.acquire(0.0)
    assert wait == pytest.approx(0.1)
    assert limiter.acquire(wait) == 0.0


def test_waiting_callers_are_spread_over_the_coming_slots() -> None:
    limiter = RateLimiter(initial_rate=100.0, burst=0.0, max_wait=0.25)
    limiter.acquire(0.0)
    waits = [limiter.acquire(0.0) for _ in range(200)]
    assert all(0 < w <= 0.25 + 1e-9 for w in waits)
    # one slot apart while they fit in max_wait: 25 distinct wake-up times, not one
    assert len({round(w, 9) for w in waits}) == 25


def test_nothing_is_reserved_a_slower_rate_applies_to_callers_already_waiting() -> None:
    limiter = RateLimiter(initial_rate=100.0, burst=0.0, min_rate=1.0)
    limiter.acquire(0.0)
    waits = [limiter.acquire(0.0) for _ in range(10)]  # told 0.01, 0.02, ... 0.1
    for _ in range(3):
        limiter.record(0.0, throttled=True)  # the API says: too many (nothing accepted yet)
    assert limiter.rate < 100.0 / 10
    came_back = [limiter.acquire(w) for w in waits]
    # with reservations all ten would go out at the old rate; now at most one does
    assert sum(1 for w in came_back if w == 0.0) <= 1


# -- slow start ----------------------------------------------------------------------------------


@dataclass
class Api:
    """A simulated API: ``capacity`` requests per second per credential, ``burst`` at once."""

    capacity: float
    burst: float = 20.0
    tokens: float = 20.0
    at: float = 0.0

    def answer(self, now: float) -> bool:
        """True if a request arriving at ``now`` is accepted, False if throttled (429)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.capacity)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def drive(limiter: RateLimiter, api: Api, until: float, start: float = 0.0) -> tuple[int, int]:
    """One busy caller: sends whenever the limiter lets it; (accepted, throttled)."""
    accepted = throttled = 0
    now = start
    while now < until:
        wait = limiter.acquire(now)
        if wait > 0:
            now += wait
            continue
        ok = api.answer(now)
        limiter.record(now + 0.001, throttled=not ok)
        accepted += ok
        throttled += not ok
        now += 0.0001  # the caller's own time per request (at most 10,000/s)
    return accepted, throttled


def test_slow_start_doubles_the_rate_every_doubling_period_while_all_is_accepted() -> None:
    limiter = RateLimiter(initial_rate=20.0, slow_start_doubling=0.25, burst=0.0)
    drive(limiter, Api(capacity=1e9, burst=1e9, tokens=1e9), until=1.0)
    assert limiter.state == "slow_start"
    # four doublings in one second: 20 -> about 320
    assert 200 < limiter.rate < 400


def test_slow_start_ends_at_the_first_throttle() -> None:
    limiter = RateLimiter(initial_rate=20.0)
    drive(limiter, Api(capacity=100.0), until=3.0)
    assert limiter.state == "avoidance"
    assert limiter.decreases >= 1


# -- slowing down and recovering -----------------------------------------------------------------


def test_a_throttle_lowers_the_rate_to_beta_times_what_the_api_accepted() -> None:
    limiter = RateLimiter(initial_rate=20.0, beta=0.8)
    api = Api(capacity=200.0)
    drive(limiter, api, until=3.0)
    assert limiter.decreases >= 1
    # just after a decrease the rate is beta * (accepted rate), and what was accepted is the
    # API's capacity: so within a few percent of 0.8 * 200
    limiter = RateLimiter(initial_rate=100.0, beta=0.8)
    accepted_meter = RateMeter()
    now = 0.0
    while now < 2.0:  # steady: 200/s sent and accepted, no throttle
        limiter.acquire(now)
        limiter.record(now, throttled=False)
        accepted_meter.add(now)
        now += 1 / 200
    limiter.record(now, throttled=True)
    assert limiter.rate == pytest.approx(0.8 * accepted_meter.rate(now), rel=0.05)
    assert limiter.rate == pytest.approx(160.0, rel=0.1)


def test_throttles_that_echo_one_overload_lower_the_rate_once() -> None:
    limiter = RateLimiter(initial_rate=100.0)
    for i in range(100):
        limiter.acquire(i / 100)
        limiter.record(i / 100, throttled=False)
    for i in range(30):  # thirty 429s within the echo window: one overload
        limiter.record(1.0 + i * ECHO_SECONDS / 40, throttled=True)
    assert limiter.throttles == 30
    assert limiter.decreases == 1


def test_slows_on_throttling_and_recovers_after() -> None:
    limiter = RateLimiter(initial_rate=50.0, recovery=2.0)
    api = Api(capacity=300.0)
    drive(limiter, api, until=4.0)
    assert limiter.state == "avoidance"
    assert limiter.rate < 300.0 * 1.15

    api.capacity = 50.0  # the API gets stricter (another client shares the credential)
    drive(limiter, api, start=4.0, until=6.0)
    accepted, throttled = drive(limiter, api, start=6.0, until=16.0)
    slowed = limiter.rate
    assert slowed < 50.0 * 1.2
    assert accepted > 0.85 * 50.0 * 10  # it keeps up with the API's new limit
    assert throttled < 0.05 * (accepted + throttled)

    api.capacity = api.burst = api.tokens = 1e9  # and then lifts its limit altogether
    drive(limiter, api, start=16.0, until=19.0)
    recovered = limiter.rate
    # the CUBIC curve: back at the last throttle's rate after `recovery`, then above it,
    # growing faster the longer no throttle comes
    assert recovered > 2 * slowed
    drive(limiter, api, start=19.0, until=25.0)
    assert limiter.rate > 2 * recovered


def test_a_caller_that_sends_slowly_does_not_bank_a_rate() -> None:
    limiter = RateLimiter(initial_rate=20.0)
    for i in range(200):  # a caller that sends only 5 per second for 40 s, all accepted
        now = i / 5
        assert limiter.acquire(now) == 0.0
        limiter.record(now + 0.01, throttled=False)
    # slow start unchecked would be at 20 + 200 * ln2 / 0.15 = 944/s by now; the rate stays
    # near max(initial_rate, twice the rate sent) (the measured rate is itself noisy)
    assert limiter.rate < 30.0


def test_bounds_hold() -> None:
    limiter = RateLimiter(initial_rate=10.0, min_rate=2.0, max_rate=12.0)
    drive(limiter, Api(capacity=1e9, burst=1e9, tokens=1e9), until=5.0)
    assert limiter.rate == 12.0
    for i in range(50):
        limiter.record(5.0 + i, throttled=True)
    assert limiter.rate == 2.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"initial_rate": 0.0},
        {"initial_rate": math.inf},
        {"beta": 1.0},
        {"beta": 0.0},
        {"recovery": -1.0},
        {"min_rate": 5.0, "max_rate": 1.0},
        {"burst": -0.1},
        {"max_wait": 0.0},
        {"slow_start_doubling": math.nan},
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"must|below"):
        RateLimiter(**kwargs)


def test_repr_says_state_and_rate() -> None:
    assert repr(RateLimiter(initial_rate=5.0)).startswith("<RateLimiter slow_start rate=5.0/s")


# -- shared between threads ----------------------------------------------------------------------


def test_threads_sharing_it_never_get_more_slots_than_the_bucket_holds() -> None:
    # threads switch every microsecond here. (Under CPython's GIL the slot check happens to
    # have no switch point, so removing the lock does not turn this red; it guards the
    # bucket's arithmetic under contention, and free-threaded builds.)
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    limiter = RateLimiter(initial_rate=1000.0, burst=0.05)
    granted = []
    barrier = threading.Barrier(8)

    def hammer() -> None:
        barrier.wait()
        granted.append(sum(1 for _ in range(5000) if limiter.acquire(1.0) == 0.0))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(previous)
    # at one instant only the bucket's burst may pass, however many threads ask
    assert sum(granted) == 1 + math.floor(1000.0 * 0.05)


# -- a fan-out against a rate-limited API, in virtual time -------------------------------------


def fan_out(
    limiter: RateLimiter | None,
    capacity: float = 400.0,
    calls: int = 2000,
    callers: int = 200,
    latency: float = 0.002,
    retry_after: float = 1.0,
) -> tuple[float, float]:
    """``callers`` tasks make ``calls`` calls; a 429 is retried after ``retry_after`` seconds.
    Returns (time to finish / ideal time, share of requests answered 429)."""
    api = Api(capacity=capacity)
    events: list[tuple[float, int, str]] = []
    order = itertools.count()
    remaining = calls - callers
    for _ in range(callers):
        heapq.heappush(events, (0.0, next(order), "ask"))
    sent = throttled = 0
    finished = 0.0
    while events:
        now, _, what = heapq.heappop(events)
        if what == "ask":
            wait = limiter.acquire(now) if limiter else 0.0
            if wait > 0:
                heapq.heappush(events, (now + wait, next(order), "ask"))
                continue
            sent += 1
            ok = api.answer(now + latency / 2)
            heapq.heappush(events, (now + latency, next(order), "ok" if ok else "429"))
        else:
            if limiter:
                limiter.record(now, throttled=what == "429")
            if what == "429":
                throttled += 1
                heapq.heappush(events, (now + retry_after, next(order), "ask"))
            else:
                finished = now
                if remaining > 0:
                    remaining -= 1
                    heapq.heappush(events, (now, next(order), "ask"))
    return finished / (calls / capacity), throttled / sent


def test_200_callers_finish_near_the_ideal_schedule_with_few_429s() -> None:
    ratio, share = fan_out(RateLimiter())
    assert ratio <= 1.25
    assert share <= 0.05


def test_without_the_limiter_the_same_fan_out_storms_and_crawls() -> None:
    # the same simulation says the opposite without the limiter: the test above measures
    # the limiter, not a lenient simulation
    ratio, share = fan_out(None)
    assert ratio > 2
    assert share > 0.3


@pytest.mark.parametrize(
    ("capacity", "latency"), [(100.0, 0.002), (400.0, 0.02), (1000.0, 0.002), (400.0, 0.1)]
)
def test_the_fan_out_settles_near_other_limits_and_latencies(
    capacity: float, latency: float
) -> None:
    ratio, share = fan_out(RateLimiter(), capacity=capacity, calls=4000, latency=latency)
    assert ratio <= 1.4
    assert share <= 0.05
