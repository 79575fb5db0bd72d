"""The clients' adaptive mode: every attempt (retries included) asks the rate limiter first and
reports its response; token requests are never paced. Injected clock and sleep: no time
passes, the sleeps the limiter asked for are read back."""

from __future__ import annotations

import httpx
import pytest

from sinch_keys import AsyncSinchKeys, RateLimiter, RetryPolicy, SinchKeys
from sinch_keys.testing import Emulator, Fault

from .conftest import client_kwargs


class CountingLimiter(RateLimiter):
    """A RateLimiter that counts what the send loop asked of it."""

    def __init__(self, **kwargs: float) -> None:
        super().__init__(**kwargs)
        self.acquired = 0
        self.recorded: list[bool] = []

    def acquire(self, now: float) -> float:
        delay = super().acquire(now)
        self.acquired += delay == 0.0
        return delay

    def record(self, now: float, throttled: bool) -> None:
        self.recorded.append(throttled)
        super().record(now, throttled)


class StepClock:
    """Moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_adaptive_mode_makes_a_limiter_and_standard_mode_none(emu: Emulator) -> None:
    adaptive = SinchKeys(**client_kwargs(emu), retry_policy=RetryPolicy(mode="adaptive"))
    standard = SinchKeys(**client_kwargs(emu))
    assert isinstance(adaptive._limiter, RateLimiter)
    assert standard._limiter is None
    with pytest.raises(ValueError, match="mode"):
        RetryPolicy(mode="turbo")  # type: ignore[arg-type]
    adaptive.close()
    standard.close()


def test_every_api_attempt_is_paced_and_reported_never_a_token_request(emu: Emulator) -> None:
    clock = StepClock()
    limiter = CountingLimiter(initial_rate=10.0, burst=0.0)
    emu.faults.script("get", Fault(status=429, retry_after="0"))
    with SinchKeys(
        **client_kwargs(emu),
        http_client=httpx.Client(transport=emu.transport),
        rate_limiter=limiter,
        sleep=clock.sleep,
        clock=clock,
    ) as client:
        for _ in range(3):
            client.access_keys.get(emu.key_id)
    assert emu.count("token") == 1
    assert emu.count("get") == 4  # three calls, one retried after its 429
    assert limiter.acquired == 4  # every attempt, the retry included; not the token
    assert limiter.recorded == [True, False, False, False]
    assert limiter.throttles == 1
    assert limiter.state == "avoidance"
    paced = [s for s in clock.sleeps if s > 0]
    assert paced, "the limiter never made the client wait"
    assert limiter.rate < 10.0  # the 429 slowed it down


async def test_one_limiter_is_shared_by_sync_and_async_clients(emu: Emulator) -> None:
    limiter = CountingLimiter(initial_rate=1000.0)
    with SinchKeys(
        **client_kwargs(emu),
        http_client=httpx.Client(transport=emu.transport),
        rate_limiter=limiter,
    ) as sync_client:
        sync_client.access_keys.get(emu.key_id)
    async with AsyncSinchKeys(
        **client_kwargs(emu),
        http_client=httpx.AsyncClient(transport=emu.async_transport),
        rate_limiter=limiter,
    ) as async_client:
        await async_client.access_keys.get(emu.key_id)
    assert limiter.acquired == 2
    assert limiter.recorded == [False, False]


def test_the_limiter_never_waits_past_the_deadline(emu: Emulator) -> None:
    clock = StepClock()
    limiter = RateLimiter(initial_rate=0.5, min_rate=0.5, burst=0.0)  # one request per 2 s
    with SinchKeys(
        **client_kwargs(emu),
        http_client=httpx.Client(transport=emu.transport),
        rate_limiter=limiter,
        sleep=clock.sleep,
        clock=clock,
    ) as client:
        client.access_keys.get(emu.key_id)
        with pytest.raises(Exception, match="deadline of 1 s reached before the request was sent"):
            client.access_keys.get(emu.key_id, deadline=1.0)
    assert emu.count("get") == 1
