"""Fault injection: scripted faults per route and a seeded random mode.

A :class:`Fault` only *describes* what goes wrong; the emulator decides when it applies
(instead of the real operation; after it with ``passthrough=True``; or some time after the
response with ``late=``) and each transport carries it out its own way (a real sleep in
process, ``asyncio.sleep`` in the HTTP server).

Faults are placed three ways: per route in order (:meth:`FaultController.script`, optionally
cycling ``forever``), by the position of a request among all requests from now on
(:meth:`FaultController.schedule`, what a systematic explorer needs), or at random.
"""

from __future__ import annotations

import random as _random
import re
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The routes faults can be attached to (and the ``route`` of a recorded request).
ROUTES = ("list", "create", "get", "update", "delete", "token")

_RANDOM_KINDS = re.compile(
    r"^(status_[1-5][0-9][0-9]|drop|timeout|latency|malformed|refuse|undecodable)$"
)


@dataclass(frozen=True)
class Fault:
    """One injected fault.

    * ``status``: respond with this status and the vendor error body. ``None`` (the default)
      means 503, except with ``malformed``/``body`` (then 200) or ``passthrough`` (then the
      real operation's status).
    * ``retry_after``: value of a ``Retry-After`` header.
    * ``latency``: seconds to wait before responding.
    * ``drop``: the connection is dropped mid-response (``httpx.RemoteProtocolError`` in
      process; a short body under a larger ``Content-Length`` over HTTP).
    * ``timeout``: in process, raise ``httpx.ReadTimeout``; over HTTP, hold the response for
      ``latency`` seconds (30 if unset) or until the client goes away.
    * ``malformed``: the body is not valid JSON. ``body``: send this instead (a dict/list is
      JSON-encoded, bytes/str sent raw).
    * ``headers``: extra response headers.
    * ``passthrough``: perform the real operation first, then apply the fault to its
      response (e.g. a key IS created and the response is lost: an "outcome unknown" create).
    * ``late``: perform the real operation ``late`` seconds (of the emulator's clock) after
      the request arrived, once a later request or :meth:`Emulator.settle` finds it due; the
      client meanwhile sees a timeout, or ``status`` if given (a 504 from a gateway while the
      backend goes on). Authentication is checked on arrival, as a real server would.
    * ``refuse``: the connection is refused: nothing reaches the server
      (``httpx.ConnectError`` in process; over HTTP, where the connection already exists,
      it is a drop).
    * ``undecodable``: the body is sent with ``Content-Encoding: gzip`` but is not gzip, so
      reading it fails (``httpx.DecodingError``); the status is 200 unless passthrough/status.
    * ``empty_page``: a list page with no keys and a fresh ``nextPageToken`` each time.

    Example::

        emu.faults.script("create", Fault(status=429, retry_after="1"), Fault(drop=True))
        emu.faults.script("create", Fault(drop=True, passthrough=True))  # created, then lost
        emu.faults.script("create", Fault(late=0.3))   # times out, then is created 0.3 s later
    """

    status: int | None = None
    retry_after: str | int | None = None
    latency: float = 0.0
    drop: bool = False
    malformed: bool = False
    body: Any = None
    headers: Mapping[str, str] | None = None
    passthrough: bool = False
    timeout: bool = False
    late: float = 0.0
    refuse: bool = False
    undecodable: bool = False
    empty_page: bool = False

    def __post_init__(self) -> None:
        if self.late < 0 or self.latency < 0:
            raise ValueError("late and latency are seconds, never negative")
        if self.late and self.passthrough:
            raise ValueError("late already performs the operation (later): drop passthrough")
        if self.refuse and (self.passthrough or self.late):
            raise ValueError("a refused connection reaches nothing: it cannot also apply")

    @property
    def performs(self) -> bool:
        """Whether the real operation runs at once (passthrough); ``late`` runs it later."""
        return self.passthrough

    @property
    def times_out(self) -> bool:
        """Whether the client sees a timeout (``timeout``, or ``late`` without a status).

        Example::

            >>> Fault(late=0.3).times_out, Fault(late=0.3, status=504).times_out
            (True, False)
        """
        return self.timeout or (self.late > 0 and self.status is None and not self.drop)

    @property
    def kind(self) -> str:
        """The key this fault is counted under in :attr:`FaultController.counts`.

        Example::

            >>> Fault(status=429).kind, Fault(drop=True).kind, Fault().kind
            ('status_429', 'drop', 'status_503')
        """
        if self.refuse:
            return "refuse"
        if self.late:
            return "late"
        if self.timeout:
            return "timeout"
        if self.undecodable:
            return "undecodable"
        if self.empty_page:
            return "empty_page"
        if self.drop:
            return "drop"
        if self.malformed:
            return "malformed"
        if self.body is not None:
            return "body"
        if self.latency > 0:
            return "latency"
        if self.passthrough and self.status is None:
            return "passthrough"
        return f"status_{self.response_status(None)}"

    def response_status(self, real_status: int | None) -> int:
        """The status sent: ``status``, else the real one (passthrough), else 200/503.

        Example::

            >>> Fault().response_status(None), Fault(malformed=True).response_status(None)
            (503, 200)
        """
        if self.status is not None:
            return self.status
        if self.passthrough and real_status is not None:
            return real_status
        shaped = self.malformed or self.body is not None or self.undecodable or self.empty_page
        return 200 if shaped else 503

    def extra_headers(self) -> dict[str, str]:
        """``headers`` plus ``Retry-After`` when set.

        Example::

            >>> Fault(status=429, retry_after=2).extra_headers()
            {'retry-after': '2'}
        """
        out = {k.lower(): v for k, v in (self.headers or {}).items()}
        if self.retry_after is not None:
            out["retry-after"] = str(self.retry_after)
        return out


@dataclass
class _RandomMode:
    rng: _random.Random
    probabilities: list[tuple[str, float]]
    routes: frozenset[str]
    latency: float
    retry_after: str | None


class FaultController:
    """The faults of one emulator (``emu.faults``). Thread-safe.

    Scripted faults take precedence over random ones; every injected fault is counted in
    ``counts`` (fault kind -> number), which :meth:`clear` does not reset (``counts.clear()``
    does).

    Example::

        emu.faults.script("list", Fault(status=503), Fault(status=503))
        emu.faults.random(seed=1, probabilities={"status_503": 0.05, "drop": 0.02})
        assert emu.faults.counts.get("status_503", 0) >= 2
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripted: dict[str, deque[tuple[Fault, bool]]] = {r: deque() for r in ROUTES}
        self._scheduled: dict[int, Fault] = {}
        self._exchanges = 0  # routed requests seen since the last schedule()
        self._random: _RandomMode | None = None
        self.counts: dict[str, int] = {}

    def __repr__(self) -> str:
        pending = sum(len(q) for q in self._scripted.values())
        mode = "random" if self._random else "scripted"
        return f"<FaultController {pending} pending, {mode}, counts={self.counts}>"

    def script(self, route: str, *faults: Fault, forever: bool = False) -> None:
        """Queue ``faults`` for the next ``len(faults)`` requests on ``route``, in order.

        With ``forever=True`` the sequence repeats until :meth:`clear` (a server that keeps
        answering page tokens A, B, A, B...).

        Example::

            emu.faults.script("token", Fault(status=500))
            emu.faults.script("list", Fault(empty_page=True), forever=True)
        """
        _check_route(route)
        _check_faults(faults)
        with self._lock:
            self._scripted[route].extend((fault, forever) for fault in faults)

    def schedule(self, plan: Mapping[int, Fault]) -> None:
        """Fault requests by position: ``plan[n]`` hits the n-th request (0-based, any route,
        the token endpoint included) counted from this call. Replaces an earlier plan.

        A scheduled fault wins over a scripted one for the same request. This is how a
        systematic explorer places faults on "every exchange an operation makes".

        Example::

            emu.faults.schedule({0: Fault(status=500), 2: Fault(drop=True, passthrough=True)})
        """
        _check_faults(tuple(plan.values()))
        if any(not isinstance(n, int) or n < 0 for n in plan):
            raise ValueError("schedule positions are request numbers >= 0")
        with self._lock:
            self._scheduled = dict(plan)
            self._exchanges = 0

    def random(
        self,
        seed: int = 0,
        probabilities: Mapping[str, float] | None = None,
        routes: tuple[str, ...] | list[str] | None = None,
        latency: float = 0.05,
        retry_after: str | None = None,
    ) -> None:
        """Inject seeded random faults: ``probabilities`` maps a kind to its chance per request.

        Kinds: ``status_<code>`` (vendor error body; ``retry_after`` sets Retry-After on
        429/503), ``drop``, ``timeout``, ``malformed``, and ``latency`` (the real response,
        ``latency`` seconds late). ``routes`` limits it (default: all, token included).

        Example::

            emu.faults.random(seed=0, probabilities={"status_503": 0.05, "drop": 0.02})
        """
        probs = dict(probabilities or {"status_503": 0.05})
        for kind, p in probs.items():
            if not _RANDOM_KINDS.match(kind):
                raise ValueError(f"unknown fault kind {kind!r}")
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"probability of {kind!r} must be within 0..1, not {p}")
        if sum(probs.values()) > 1.0 + 1e-9:
            raise ValueError("fault probabilities add up to more than 1")
        chosen = tuple(routes) if routes is not None else ROUTES
        for route in chosen:
            _check_route(route)
        mode = _RandomMode(
            rng=_random.Random(seed),  # noqa: S311  # nosec B311  # reproducible test faults, not crypto
            probabilities=sorted(probs.items()),  # sorted: same seed, same faults
            routes=frozenset(chosen),
            latency=latency,
            retry_after=retry_after,
        )
        with self._lock:
            self._random = mode

    def clear(self) -> None:
        """Drop every scripted fault and stop random mode (``counts`` is kept).

        Example::

            emu.faults.clear()
        """
        with self._lock:
            for queue in self._scripted.values():
                queue.clear()
            self._scheduled = {}
            self._random = None

    def pending(self, route: str) -> int:
        """How many scripted faults are still queued on ``route``.

        Example::

            assert emu.faults.pending("create") == 0
        """
        _check_route(route)
        with self._lock:
            return len(self._scripted[route])

    def take(self, route: str) -> Fault | None:
        """The fault for the next request on ``route`` (and count it), or None.

        The emulator calls this once per request; tests normally do not.

        Example::

            >>> FaultController().take("list") is None
            True
        """
        with self._lock:
            position = self._exchanges
            self._exchanges += 1
            fault = self._scheduled.pop(position, None)
            queue = self._scripted.get(route)
            if fault is None and queue:
                fault, forever = queue.popleft()
                if forever:
                    queue.append((fault, forever))
            if fault is None and self._random is not None and route in self._random.routes:
                fault = _draw(self._random)
            if fault is not None:
                self.counts[fault.kind] = self.counts.get(fault.kind, 0) + 1
            return fault


def _draw(mode: _RandomMode) -> Fault | None:
    # One uniform draw per request, walked over the cumulative probabilities.
    r = mode.rng.random()
    total = 0.0
    for kind, p in mode.probabilities:
        total += p
        if r < total:
            return _fault_of_kind(kind, mode)
    return None


def _fault_of_kind(kind: str, mode: _RandomMode) -> Fault:
    if kind.startswith("status_"):
        status = int(kind.removeprefix("status_"))
        retry_after = mode.retry_after if status in (429, 503) else None
        return Fault(status=status, retry_after=retry_after)
    if kind == "latency":
        return Fault(latency=mode.latency, passthrough=True)
    return Fault(
        drop=kind == "drop",
        timeout=kind == "timeout",
        malformed=kind == "malformed",
        refuse=kind == "refuse",
        undecodable=kind == "undecodable",
    )


def _check_faults(faults: tuple[Fault, ...]) -> None:
    for fault in faults:
        if not isinstance(fault, Fault):
            raise TypeError(f"expected a Fault, got {fault!r}")


def _check_route(route: str) -> None:
    if route not in ROUTES:
        raise ValueError(f"unknown route {route!r}; expected one of {', '.join(ROUTES)}")
